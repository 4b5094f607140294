// otc: the One Time Chat client. It never touches pad: it asks the device (otc-device) to
// package and unpackage, and moves packages through the untrusted relay (otc-relay).
#include <CLI/CLI.hpp>

#include "chat/client/app.h"

namespace {

void AddCommon(CLI::App* cmd, otc::client::CommonFlags& f) {
  cmd->add_option("--user", f.values.user,
                  "your user id (default: the owner of the device's store)");
  cmd->add_option("--device", f.values.device,
                  "the device: unix:PATH (its socket) or http://HOST:PORT with --token-file");
  cmd->add_option("--token-file", f.values.token_file,
                  "file with the bearer token of a TCP device (mode 0600)");
  cmd->add_option("--relay", f.values.relay,
                  "the relay: http://HOST:PORT, https://HOST:PORT or unix:PATH (default "
                  "http://127.0.0.1:9050); repeat it or separate with commas for failover")
      ->multi_option_policy(CLI::MultiOptionPolicy::Join)
      ->delimiter(',');
  cmd->add_option("--relay-pin", f.values.relay_pin,
                  "sha256:HEX of an https relay's public key, trusted instead of the CA store");
  cmd->add_option("--config-dir", f.config_dir,
                  "config directory (default $OTC_CONFIG_DIR, $XDG_CONFIG_HOME/otc or "
                  "~/.config/otc)");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "otc: One Time Chat client. Messages are encrypted by your pad device (otc-device);\n"
      "this program never sees pad. Settings: flags > environment (OTC_USER, OTC_DEVICE,\n"
      "OTC_TOKEN_FILE, OTC_RELAY, OTC_HISTORY) > <config dir>/config (key = value).\n\n"
      "Exit codes: 0 ok, 1 internal error, 2 usage or configuration error, 3 device or relay\n"
      "unreachable, 4 refused by the device (unknown contact, pad exhausted, denied, too\n"
      "large, bad token), 5 refused by the relay.",
      "otc"};
  app.require_subcommand(1);
  otc::client::CommonFlags common;

  CLI::App* chat = app.add_subcommand(
      "chat", "interactive chat: messages appear as they arrive; type help for commands");
  AddCommon(chat, common);
  chat->add_option("--history", common.values.history,
                   "keep a transcript in FILE (mode 0600); off by default: plaintext at rest "
                   "is a risk");

  otc::client::SendFlags send;
  CLI::App* send_cmd = app.add_subcommand("send", "send one message and exit");
  AddCommon(send_cmd, common);
  send_cmd->add_option("to", send.to, "recipient, or several as bob,carol (one package each)")
      ->required();
  send_cmd->add_option("text", send.text, "the message (default: read standard input)");
  send_cmd->add_flag("--json", send.json, "one JSON object per recipient: to, sent, ref, index");

  otc::client::RecvFlags recv;
  CLI::App* recv_cmd = app.add_subcommand(
      "recv", "print messages waiting on the relay (all of them), then exit or --follow");
  AddCommon(recv_cmd, common);
  recv_cmd->add_flag("--follow,-f", recv.follow, "keep waiting for new messages until signalled");
  recv_cmd->add_flag("--json", recv.json,
                     "one JSON object per message: from, ref, index, time, text, warnings");
  recv_cmd->add_option("--wait", recv.wait_seconds, "long-poll seconds per relay request")
      ->check(CLI::Range(1, 60));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : otc::client::kExitUsage;
  }
  if (chat->parsed()) return otc::client::RunChat(common);
  if (send_cmd->parsed()) return otc::client::RunSend(common, send);
  return otc::client::RunRecv(common, recv);
}
