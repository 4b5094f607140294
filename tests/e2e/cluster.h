// A whole otc deployment on one machine for the end-to-end tests, in a temporary
// directory: pads made by padgen, one otc-relay and one otc-device per user, all on Unix
// sockets (loopback only), and helpers to run the real `otc` client against them.
// Binaries come from compile definitions ($<TARGET_FILE:...>, see CMakeLists.txt).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tests/common/test_dir.h"
#include "tests/e2e/process.h"

namespace otc::e2e {

using Pairs = std::vector<std::pair<std::string, std::string>>;

class Cluster {
 public:
  // Makes a temp dir and, for each pair, a pad of `pad_size` with padgen into the two
  // users' stores. Check error() afterwards.
  explicit Cluster(const Pairs& pairs, const std::string& pad_size = "1M");
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  const std::string& error() const { return error_; }
  const std::string& dir() const { return dir_; }
  std::string Store(const std::string& user) const { return dir_ + "/store-" + user; }
  std::string DeviceSocket(const std::string& user) const {
    return dir_ + "/dev-" + user + ".sock";
  }
  std::string RelaySocket() const { return dir_ + "/relay.sock"; }
  std::string ConfigDir(const std::string& user) const { return dir_ + "/cfg-" + user; }

  bool StartRelay();
  // Stops the relay (its database stays: StartRelay brings the same relay back).
  void StopRelay();
  // Where the users' outboxes are ($OTC_STATE_DIR of every otc this cluster runs).
  std::string StateDir() const { return dir_ + "/state"; }
  std::string Outbox(const std::string& user) const { return StateDir() + "/outbox-" + user; }
  bool StartDevice(const std::string& user);
  // The user's device on TCP 127.0.0.1 (ephemeral port) with a bearer token; returns
  // "http://127.0.0.1:PORT", or "" on failure. Stop the Unix-socket one first.
  std::string StartDeviceTcp(const std::string& user, const std::string& token_file);
  bool StartAll();  // relay + every user's device
  void StopDevice(const std::string& user);
  void StopDevices();  // before padstore fsck: a daemon holds its store

  // otc SUBCOMMAND --user U --device unix:... --relay <relay> --config-dir ... ARGS...
  std::vector<std::string> OtcArgs(const std::string& subcommand, const std::string& user,
                                   const std::vector<std::string>& args,
                                   const std::string& relay = "") const;
  RunResult Otc(const std::string& subcommand, const std::string& user,
                const std::vector<std::string>& args, const std::string& stdin_text = "",
                const std::string& relay = "");
  // Runs `padstore ARGS...`.
  RunResult Padstore(const std::vector<std::string>& args);

  std::vector<std::string> users() const { return users_; }

 private:
  TestDir scratch_;  // destroyed last: after the daemons that use it stopped
  std::string dir_ = scratch_.path();
  std::string error_;
  std::vector<std::string> users_;
  Child relay_;
  std::map<std::string, Child> devices_;
};

}  // namespace otc::e2e
