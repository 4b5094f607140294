// otc: the One Time Chat client. It never touches pad: it asks the device (otc-device) to
// package and unpackage, and moves packages through the untrusted relay (otc-relay).
#include <CLI/CLI.hpp>

#include "chat/client/app.h"
#include "chat/client/app_setup.h"
#include "common/cli/command_line.h"
#include "common/cli/exit_codes.h"

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

// Names the program and ends --help with where settings come from, where the outbox lives
// and the exit codes.
void ConfigureTopLevel(CLI::App& app) {
  namespace cli = otc::cli;
  cli::ConfigureApp(
      app, "otc",
      "Settings: flags > environment (OTC_USER, OTC_DEVICE, OTC_TOKEN_FILE, OTC_RELAY,\n"
      "OTC_HISTORY) > <config dir>/config (key = value).\n"
      "Outbox (messages waiting for the relay): $OTC_STATE_DIR, else $XDG_STATE_HOME/otc,\n"
      "else ~/.local/state/otc.\n\n" +
          cli::ExitCodeTable({{cli::kExitOk},
                              {cli::kExitFailed, "internal error"},
                              {cli::kExitUsage,
                               "usage or configuration error, or the device "
                               "refused a malformed request"},
                              {cli::kExitUnknownContact},
                              {cli::kExitPadExhausted},
                              {cli::kExitDenied,
                               "the device's user refused, or the device "
                               "refused the token"},
                              {cli::kExitReplay},
                              {cli::kExitIntegrity},
                              {cli::kExitTooLarge},
                              {cli::kExitInUse, "another otc holds the outbox"},
                              {cli::kExitUnreachable},
                              {cli::kExitRelayRefused},
                              {cli::kExitDamaged,
                               "the outbox was damaged (intact messages sent, "
                               "the file kept aside)"},
                              {cli::kExitQueued,
                               "the relay could not be reached: the message is "
                               "queued (otc flush sends it)"}}));
}

CLI::App* AddSend(CLI::App& app, otc::client::CommonFlags& common, otc::client::SendFlags& send) {
  CLI::App* send_cmd = app.add_subcommand("send", "send one message and exit");
  AddCommon(send_cmd, common);
  send_cmd->add_option("to", send.to, "recipient, or several as bob,carol (one package each)")
      ->required();
  send_cmd->add_option("text", send.text, "the message (default: read standard input)");
  send_cmd->add_flag("--json", send.json, "one JSON object per recipient: to, sent, ref, index");
  send_cmd
      ->add_option("--retry-for", send.retry_seconds,
                   "seconds to keep retrying an unreachable device or relay; then the message "
                   "is queued (exit 75) or, if the device was unreachable, not sent (exit 11)")
      ->capture_default_str()
      ->check(CLI::Range(0, 3600));
  return send_cmd;
}

CLI::App* AddRecv(CLI::App& app, otc::client::CommonFlags& common, otc::client::RecvFlags& recv) {
  CLI::App* recv_cmd = app.add_subcommand(
      "recv", "print messages waiting on the relay (all of them), then exit or --follow");
  AddCommon(recv_cmd, common);
  recv_cmd->add_flag("--follow,-f", recv.follow, "keep waiting for new messages until signalled");
  recv_cmd->add_flag("--json", recv.json,
                     "one JSON object per message: from, ref, index, sent (the sender's "
                     "clock, RFC 3339 UTC, or null), received (RFC 3339 UTC; also as time), "
                     "text, warnings");
  recv_cmd->add_option("--wait", recv.wait_seconds, "long-poll seconds per relay request")
      ->check(CLI::Range(1, 60));
  recv_cmd
      ->add_option("--retry-for", recv.retry_seconds,
                   "without --follow: seconds to keep retrying an unreachable device or relay "
                   "before giving up (exit 11)")
      ->capture_default_str()
      ->check(CLI::Range(0, 86400));
  return recv_cmd;
}

CLI::App* AddFlush(CLI::App& app, otc::client::CommonFlags& common,
                   otc::client::FlushFlags& flush) {
  CLI::App* flush_cmd = app.add_subcommand(
      "flush",
      "send the messages queued in the outbox while the relay was unreachable, oldest first "
      "(exit 0: none left, 75: still queued)");
  AddCommon(flush_cmd, common);
  flush_cmd
      ->add_option("--retry-for", flush.retry_seconds,
                   "seconds to keep retrying an unreachable relay before leaving the rest queued "
                   "(exit 75)")
      ->capture_default_str()
      ->check(CLI::Range(0, 3600));
  flush_cmd->add_flag("--json", flush.json,
                      "one JSON object: sent, refused, queued, damaged, messages [{to, index, "
                      "queued_unix, sent, ref}]");
  return flush_cmd;
}

}  // namespace

int main(int argc, char** argv) {
  namespace cli = otc::cli;
  CLI::App app{
      "otc: One Time Chat client. Messages are encrypted by your pad device (otc-device);\n"
      "this program never sees pad."};
  ConfigureTopLevel(app);
  app.require_subcommand(1);
  otc::client::CommonFlags common;

  CLI::App* chat = app.add_subcommand(
      "chat", "interactive chat: messages appear as they arrive; type help for commands");
  AddCommon(chat, common);
  chat->add_option("--history", common.values.history,
                   "keep a transcript in FILE (mode 0600); off by default: plaintext at rest "
                   "is a risk");

  otc::client::SendFlags send;
  CLI::App* send_cmd = AddSend(app, common, send);

  otc::client::RecvFlags recv;
  AddRecv(app, common, recv);  // recv is what runs when no other subcommand was parsed

  otc::client::FlushFlags flush;
  CLI::App* flush_cmd = AddFlush(app, common, flush);

  otc::client::ContactsFlags contacts;
  CLI::App* contacts_cmd = app.add_subcommand(
      "contacts",
      "pad left per contact, and messages of 100 bytes it still covers (from the "
      "device)");
  AddCommon(contacts_cmd, common);
  contacts_cmd->add_flag("--json", contacts.json,
                         "one JSON object: owner, contacts [{peer, protocol, pad_left, "
                         "messages_left}]");

  CLI::App* register_cmd =
      app.add_subcommand("register",
                         "create your account on the relay (once); its token is kept in the config "
                         "directory (relay_token, mode 0600) and sent on every read and ack");
  AddCommon(register_cmd, common);

  if (std::optional<int> done = cli::ParseCommandLine(app, argc, argv)) return *done;
  otc::client::SetJsonErrors(send.json || recv.json || contacts.json || flush.json);
  if (chat->parsed()) return otc::client::RunChat(common);
  if (send_cmd->parsed()) return otc::client::RunSend(common, send);
  if (contacts_cmd->parsed()) return otc::client::RunContacts(common, contacts);
  if (register_cmd->parsed()) return otc::client::RunRegister(common);
  if (flush_cmd->parsed()) return otc::client::RunFlush(common, flush);
  return otc::client::RunRecv(common, recv);
}
