// otc-device pair (see pair_command.h).
#include "chat/device/pair_command.h"

#include <openssl/rand.h>

#include <array>
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "chat/device/bearer_token.h"
#include "chat/device/command_common.h"
#include "common/encoding.h"
#include "common/env.h"
#include "common/http/listen_address.h"
#include "common/secret_buffer.h"
#include "padstore/store_meta.h"
#include "padstore/store_paths.h"

namespace otc::device {
namespace {

constexpr const char* kPackagedStoreRoot = "/var/lib/otc-device/";
constexpr const char* kConfigDir = "/etc/otc/";
constexpr const char* kListenKey = "OTC_DEVICE_LISTEN=";

// The settings pair works out before it writes anything.
struct PairPlan {
  std::string name;   // the store directory's last component: the unit's instance
  std::string owner;  // the store's owner, the client's `user`
  std::string listen;
  std::string device_url;
  std::string token_file;
  std::string service_config;  // empty: not written
};

std::string Basename(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// POSIX shell single quotes: safe for any text.
std::string ShellQuote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

Result<PairPlan> Plan(const PairArgs& args) {
  PairPlan plan;
  padstore::StorePaths paths(args.store);
  plan.name = Basename(paths.root);
  auto meta = padstore::ReadStoreMeta(*Env::Default(), paths.StoreMeta());
  if (!meta.ok()) {
    return Status::InvalidArgument("--store " + args.store + " is not a pad store (" +
                                   meta.status().message() + "); make it with padgen first");
  }
  plan.owner = meta->owner;

  std::string text = args.listen.rfind("tcp:", 0) == 0 ? args.listen.substr(4) : args.listen;
  auto address = http::ParseListenAddress(text);
  if (!address.ok()) return address.status().WithContext("--listen");
  if (address->kind != http::ListenAddress::Kind::kTcp) {
    return Status::InvalidArgument("--listen " + args.listen +
                                   ": pair connects a laptop over the network; give "
                                   "tcp:ADDRESS:PORT (the device's address on the cable or LAN)");
  }
  if (address->host == "0.0.0.0" || address->host == "::" || address->port == 0) {
    return Status::InvalidArgument("--listen " + args.listen +
                                   ": give the address and port the laptop connects to, not a "
                                   "wildcard address or port 0");
  }
  plan.listen = "tcp:" + address->ToString();
  plan.device_url = "http://" + address->ToString();
  plan.token_file =
      args.token_file.empty() ? kConfigDir + ("device-" + plan.name + ".token") : args.token_file;
  if (args.service_config != "none") {
    plan.service_config = args.service_config.empty()
                              ? kConfigDir + ("device-" + plan.name + ".conf")
                              : args.service_config;
  }
  return plan;
}

Status EnsureParentDir(Env& env, const std::string& path) {
  std::string dir = DirName(path);
  if (env.FileExists(dir)) return Status::Ok();
  return env.CreateDir(dir, 0755);
}

// The token the laptop will send: kept if the file exists (unless `fresh`), else 32 random
// bytes as base64. `created` tells which.
Result<std::string> MakeOrKeepToken(Env& env, const std::string& path, bool fresh, bool& created) {
  created = false;
  if (!fresh && env.FileExists(path)) return ReadTokenFile(path);
  std::array<uint8_t, 32> random{};
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
    return Status::Internal("the random generator failed");
  }
  std::string token = Base64Encode(random);
  Wipe(random);
  if (Status s = EnsureParentDir(env, path); !s.ok()) return s.WithContext("token file");
  std::string line = token + "\n";
  (void)env.RemoveFile(path + ".tmp");  // a stale one would keep its old mode
  Status written = WriteFileAtomically(
      env, path, {reinterpret_cast<const uint8_t*>(line.data()), line.size()}, 0600);
  WipeString(line);
  if (!written.ok()) {
    WipeString(token);
    return written.WithContext("writing the token file " + path);
  }
  created = true;
  return token;
}

// Sets OTC_DEVICE_LISTEN in the unit's EnvironmentFile, keeping every other line.
Status WriteServiceConfig(Env& env, const PairPlan& plan) {
  std::string kept;
  if (env.FileExists(plan.service_config)) {
    auto old = ReadFileToString(env, plan.service_config);
    if (!old.ok()) return old.status();
    size_t start = 0;
    while (start < old->size()) {
      size_t end = old->find('\n', start);
      if (end == std::string::npos) end = old->size();
      std::string line = old->substr(start, end - start);
      if (line.rfind(kListenKey, 0) != 0) kept += line + "\n";
      start = end + 1;
    }
  } else {
    kept = "# Settings of otc-device@" + plan.name +
           ".service (a systemd EnvironmentFile), written by otc-device pair.\n"
           "# Further serve flags, split at spaces, e.g. --confirm-timeout 60 --hide-length:\n"
           "OTC_DEVICE_OPTIONS=\n";
  }
  std::string text = kept + kListenKey + plan.listen + "\n";
  if (Status s = EnsureParentDir(env, plan.service_config); !s.ok()) return s;
  return WriteFileAtomically(env, plan.service_config,
                             {reinterpret_cast<const uint8_t*>(text.data()), text.size()}, 0644);
}

// One line to paste into a shell on the laptop. The config dir is found as the client
// finds it: $OTC_CONFIG_DIR, else $XDG_CONFIG_HOME/otc, else ~/.config/otc.
std::string LaptopCommand(const PairPlan& plan, const std::string& token,
                          const std::string& relay) {
  const std::string token_name = "device-" + plan.owner + ".token";
  std::string settings = ShellQuote("user = " + plan.owner) + " " +
                         ShellQuote("device = " + plan.device_url) + " \"token_file = $d/" +
                         token_name + "\"";
  if (!relay.empty()) settings += " " + ShellQuote("relay = " + relay);
  return "d=\"${OTC_CONFIG_DIR:-${XDG_CONFIG_HOME:-$HOME/.config}/otc}\" && mkdir -p \"$d\" && "
         "(umask 077 && printf '%s\\n' " +
         ShellQuote(token) + " > \"$d/" + token_name + "\" && chmod 600 \"$d/" + token_name +
         "\") && printf '%s\\n' " + settings + " >> \"$d/config\"";
}

std::string ServeCommand(const PairArgs& args, const PairPlan& plan) {
  return "otc-device serve --store " + ShellQuote(args.store) + " --listen " + plan.listen +
         " --token-file " + ShellQuote(plan.token_file);
}

// systemctl works when the files are where otc-device@NAME.service reads them.
bool PackagedLayout(const PairArgs& args, const PairPlan& plan) {
  std::string store = padstore::StorePaths(args.store).root;
  return store == kPackagedStoreRoot + plan.name &&
         plan.token_file == kConfigDir + ("device-" + plan.name + ".token") &&
         plan.service_config == kConfigDir + ("device-" + plan.name + ".conf");
}

void PrintHuman(const PairArgs& args, const PairPlan& plan, bool created,
                const std::string& laptop) {
  std::cout << plan.owner << "'s device will listen on " << plan.listen << ".\n"
            << "  token:    " << plan.token_file
            << (created ? " (new, mode 0600)" : " (kept; --new-token replaces it)") << "\n";
  if (!plan.service_config.empty()) {
    std::cout << "  settings: " << plan.service_config << "\n";
  }
  std::cout << "\nStart the device on this computer:\n";
  if (PackagedLayout(args, plan)) {
    std::cout << "  systemctl enable --now otc-device@" << plan.name << "\n"
              << "(or by hand: " << ServeCommand(args, plan) << ")\n";
  } else {
    std::cout << "  " << ServeCommand(args, plan) << "\n";
  }
  std::cout << "\nThen paste this line into a shell on the laptop; it saves the token (mode 0600) "
               "and the client's settings\n(user = "
            << plan.owner << ", device = " << plan.device_url << ", token_file"
            << (args.relay.empty() ? "" : ", relay") << ") in its config dir:\n"
            << laptop << "\n";
}

}  // namespace

CLI::App* AddPairCommand(CLI::App& app, PairArgs& args) {
  CLI::App* cmd = app.add_subcommand(
      "pair",
      "Make the token a laptop's client needs to reach this device over TCP, and print the "
      "client's settings (one command to paste on the laptop)");
  cmd->add_option("--store", args.store, "The device's padstore directory")->required();
  cmd->add_option("--listen", args.listen,
                  "tcp:ADDRESS:PORT the device will listen on, as the laptop reaches it")
      ->required();
  cmd->add_option("--token-file", args.token_file,
                  "Where the token is kept (default /etc/otc/device-NAME.token, NAME = the "
                  "store directory's name)");
  cmd->add_option("--service-config", args.service_config,
                  "The otc-device@NAME.service settings file to write (default "
                  "/etc/otc/device-NAME.conf), or none");
  cmd->add_option("--relay", args.relay, "The relay URL to add to the client's settings");
  cmd->add_flag("--new-token", args.new_token,
                "Replace an existing token (laptops with the old one are refused)");
  cmd->add_flag("--json", args.json, "Print the settings as one JSON object");
  cmd->footer(
      "Exit codes:\n"
      "  0  ok\n"
      "  1  a file could not be written\n"
      "  2  bad usage or input (not a store, an address the laptop cannot use, a token file\n"
      "     readable by others)\n");
  return cmd;
}

int RunPair(const PairArgs& args) {
  auto plan = Plan(args);
  if (!plan.ok()) return ReportError("pair", plan.status());
  Env& env = *Env::Default();
  bool created = false;
  auto token = MakeOrKeepToken(env, plan->token_file, args.new_token, created);
  if (!token.ok()) {
    Status s = token.status();
    return ReportError(
        "pair", s.code() == Status::Code::kInvalidArgument ? s : Status::Internal(s.message()));
  }
  if (!plan->service_config.empty()) {
    Status s = WriteServiceConfig(env, *plan);
    if (!s.ok()) {
      WipeString(*token);
      return ReportError("pair",
                         Status::Internal("writing " + plan->service_config + ": " + s.message()));
    }
  }
  std::string laptop = LaptopCommand(*plan, *token, args.relay);
  WipeString(*token);
  if (args.json) {
    nlohmann::json out = {{"user", plan->owner},
                          {"device", plan->device_url},
                          {"listen", plan->listen},
                          {"token_file", plan->token_file},
                          {"new_token", created},
                          {"service_config", plan->service_config},
                          {"serve_command", ServeCommand(args, *plan)},
                          {"laptop_command", laptop}};
    if (!args.relay.empty()) out["relay"] = args.relay;
    std::cout << out.dump() << "\n";
  } else {
    PrintHuman(args, *plan, created, laptop);
  }
  WipeString(laptop);
  return 0;
}

}  // namespace otc::device
