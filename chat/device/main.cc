// otc-device: the pad device daemon and its offline CLI (see commands.h).
#include <CLI/CLI.hpp>

#include "chat/device/commands.h"
#include "chat/device/pair_command.h"
#include "common/cli/command_line.h"
#include "common/cli/exit_codes.h"
#include "padstore/mark_mirror.h"

namespace {

void AddCommon(CLI::App* app, otc::device::CommonArgs& common, const char* default_confirm) {
  app->add_option("--store", common.store, "The device's padstore directory")->required();
  app->add_option("--confirm", common.confirm,
                  std::string("Confirmation of every use of pad: tty (ask on the terminal), "
                              "limit:N (ask above N message bytes), auto (never ask). Default: ") +
                      default_confirm);
  app->add_option("--confirm-timeout", common.confirm_timeout_s,
                  "Seconds to wait for an answer; no answer = denied")
      ->capture_default_str();
  app->add_option("--confirm-tty", common.confirm_tty, "Terminal to prompt on")
      ->capture_default_str();
  app->add_flag("--hide-length", common.hide_length,
                "otc2 contacts: pad packages to size buckets so the length is hidden (costs pad)");
  app->add_option("--max-message", common.max_message, "Largest message (64K, 1M, ...)")
      ->capture_default_str();
  common.mark_mirror = otc::padstore::DefaultMarkMirrorDir();
  app->add_option("--mark-mirror", common.mark_mirror,
                  "Directory outside the store mirroring its reservation marks, so a store "
                  "restored from a backup is caught (\"none\" to disable)")
      ->envname("OTC_MARK_MIRROR")
      ->capture_default_str();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace otc::device;
  CLI::App app{
      "otc-device: the pad device. It holds the pads and is the only program that "
      "touches pad bytes; clients ask it to package and unpackage messages."};
  otc::cli::ConfigureApp(app, "otc-device", ExitCodeHelp());
  app.require_subcommand(1);

  ServeArgs serve;
  CLI::App* serve_cmd = app.add_subcommand(
      "serve", "Serve the device RPC (HTTP/1.1 + JSON, docs/PROTOCOL.md \"Device RPC\")");
  AddCommon(serve_cmd, serve.common, "tty");
  serve_cmd->add_option("--listen", serve.listen,
                        "unix:PATH (default unix:STORE/device.sock, mode 0600) or "
                        "tcp:HOST:PORT (needs --token-file)");
  serve_cmd->add_option("--token-file", serve.token_file,
                        "File with the bearer token clients must send (mode 0600, >= 16 chars)");
  serve_cmd->add_flag("--all-interfaces", serve.all_interfaces,
                      "Allow --listen tcp:0.0.0.0:PORT or tcp:[::]:PORT");
  serve_cmd->add_option("--threads", serve.threads, "HTTP io threads")->capture_default_str();
  serve_cmd->add_option("--workers", serve.workers, "Worker threads for pad work and confirmations")
      ->capture_default_str();
  serve_cmd
      ->add_option("--read-timeout", serve.read_timeout_s, "Seconds a request may take to arrive")
      ->capture_default_str();
  serve_cmd
      ->add_option("--idle-timeout", serve.idle_timeout_s,
                   "Seconds an idle keep-alive connection is kept")
      ->capture_default_str();

  PackageArgs package;
  CLI::App* package_cmd =
      app.add_subcommand("package", "Encrypt one message for a contact; prints the base64 package");
  AddCommon(package_cmd, package.common, "auto");
  package_cmd->add_option("--to", package.to, "The contact's uid")->required();
  auto* text = package_cmd->add_option("--message", package.message, "The message (UTF-8 text)");
  auto* b64 = package_cmd->add_option("--message-b64", package.message_b64,
                                      "The message as base64 (binary)");
  text->excludes(b64);
  package_cmd->add_flag("--json", package.json, "Print the RPC reply JSON");

  UnpackageArgs unpackage;
  CLI::App* unpackage_cmd = app.add_subcommand(
      "unpackage", "Verify and decrypt one package from a contact; prints the message");
  AddCommon(unpackage_cmd, unpackage.common, "auto");
  unpackage_cmd->add_option("--from", unpackage.from, "The sender's uid")->required();
  unpackage_cmd->add_option("--package", unpackage.package, "The package (base64)")->required();
  unpackage_cmd->add_flag("--json", unpackage.json, "Print the RPC reply JSON");
  unpackage_cmd->add_flag("--raw", unpackage.raw, "No newline after the message");

  PairArgs pair;
  CLI::App* pair_cmd = AddPairCommand(app, pair);

  if (std::optional<int> done = otc::cli::ParseCommandLine(app, argc, argv)) return *done;
  package.has_message = text->count() > 0;
  package.has_message_b64 = b64->count() > 0;
  if (*serve_cmd) return RunServe(serve);
  if (*package_cmd) return RunPackage(package);
  if (*unpackage_cmd) return RunUnpackage(unpackage);
  if (*pair_cmd) return RunPair(pair);
  return otc::cli::kExitUsage;
}
