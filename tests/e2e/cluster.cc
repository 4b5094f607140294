#include "tests/e2e/cluster.h"

#include <stdlib.h>

#include <algorithm>
#include <filesystem>

namespace otc::e2e {

Cluster::Cluster(const Pairs& pairs, const std::string& pad_size) {
  // Every otc started from here on (also through tmux) keeps its outbox in the cluster.
  setenv("OTC_STATE_DIR", StateDir().c_str(), 1);
  for (const auto& [a, b] : pairs) {
    for (std::string u : {a, b}) {
      if (std::find(users_.begin(), users_.end(), u) == users_.end()) users_.push_back(u);
    }
    RunResult r = Run({PADGEN_BIN, "--size", pad_size, "--user", a + "=" + Store(a), "--user",
                       b + "=" + Store(b)},
                      dir_);
    if (r.exit_code != 0) {
      error_ = "padgen " + a + "/" + b + " failed (" + std::to_string(r.exit_code) + "): " + r.err;
      return;
    }
  }
}

Cluster::~Cluster() {
  for (auto& [user, child] : devices_) child.Stop();
  relay_.Stop();
}

bool Cluster::StartRelay() {
  ::unlink(RelaySocket().c_str());
  SpawnOptions o;
  o.stderr_path = dir_ + "/relay.log";
  relay_ =
      Child::Spawn({OTC_RELAY_BIN, "--listen", "unix:" + RelaySocket(), "--db", dir_ + "/relay.db",
                    // Every local client shares the Unix socket's "address": no per-address limit.
                    "--rate-limit", "0", "--accounts", "off"},
                   o);
  if (relay_.pid() < 0 || !WaitForUnixSocket(RelaySocket(), std::chrono::seconds(20))) {
    error_ = "relay did not start: " + ReadFile(dir_ + "/relay.log");
    return false;
  }
  return true;
}

void Cluster::StopRelay() {
  relay_.Stop();
  ::unlink(RelaySocket().c_str());
}

bool Cluster::StartDevice(const std::string& user) {
  SpawnOptions o;
  o.stderr_path = dir_ + "/device-" + user + ".log";
  ::unlink(DeviceSocket(user).c_str());
  Child c = Child::Spawn({OTC_DEVICE_BIN, "serve", "--store", Store(user), "--listen",
                          "unix:" + DeviceSocket(user), "--confirm", "auto"},
                         o);
  if (c.pid() < 0 || !WaitForUnixSocket(DeviceSocket(user), std::chrono::seconds(20))) {
    error_ = "device " + user + " did not start: " + ReadFile(o.stderr_path);
    return false;
  }
  devices_[user] = std::move(c);
  return true;
}

std::string Cluster::StartDeviceTcp(const std::string& user, const std::string& token_file) {
  SpawnOptions o;
  o.stderr_path = dir_ + "/device-" + user + "-tcp.log";
  Child c = Child::Spawn({OTC_DEVICE_BIN, "serve", "--store", Store(user), "--listen",
                          "tcp:127.0.0.1:0", "--token-file", token_file, "--confirm", "auto"},
                         o);
  // The daemon names the bound address in its start-up line: "... serving on 127.0.0.1:N".
  const std::string marker = "serving on 127.0.0.1:";
  if (c.pid() < 0 || !WaitForFileContaining(o.stderr_path, marker, std::chrono::seconds(20))) {
    error_ = "tcp device " + user + " did not start: " + ReadFile(o.stderr_path);
    return "";
  }
  std::string log = ReadFile(o.stderr_path);
  size_t at = log.find(marker) + marker.size();
  size_t end = log.find_first_not_of("0123456789", at);
  std::string port = log.substr(at, end - at);
  devices_[user + "-tcp"] = std::move(c);
  return "http://127.0.0.1:" + port;
}

void Cluster::StopDevice(const std::string& user) {
  auto it = devices_.find(user);
  if (it != devices_.end()) {
    it->second.Stop();
    devices_.erase(it);
  }
}

void Cluster::StopDevices() {
  for (auto& [user, child] : devices_) child.Stop();
  devices_.clear();
}

bool Cluster::StartAll() {
  if (!error_.empty() || !StartRelay()) return false;
  for (const std::string& u : users_) {
    if (!StartDevice(u)) return false;
  }
  return true;
}

std::vector<std::string> Cluster::OtcArgs(const std::string& subcommand, const std::string& user,
                                          const std::vector<std::string>& args,
                                          const std::string& relay) const {
  std::vector<std::string> argv = {OTC_BIN,        subcommand,
                                   "--user",       user,
                                   "--device",     "unix:" + DeviceSocket(user),
                                   "--relay",      relay.empty() ? "unix:" + RelaySocket() : relay,
                                   "--config-dir", ConfigDir(user)};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

RunResult Cluster::Otc(const std::string& subcommand, const std::string& user,
                       const std::vector<std::string>& args, const std::string& stdin_text,
                       const std::string& relay) {
  return Run(OtcArgs(subcommand, user, args, relay), dir_, stdin_text);
}

RunResult Cluster::Padstore(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {PADSTORE_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  return Run(argv, dir_);
}

}  // namespace otc::e2e
