// otc-device serve: the daemon. Opens the store (holding its lock for the daemon's life),
// serves the RPC on a Unix socket (default STORE/device.sock, mode 0600) or on TCP with a
// bearer token, and shuts down gracefully on SIGINT/SIGTERM.
#include <signal.h>

#include <iostream>

#include "chat/device/command_common.h"
#include "chat/device/commands.h"
#include "chat/device/process_hardening.h"
#include "chat/device/rpc_handler.h"
#include "common/http/listen_address.h"

namespace otc::device {
namespace {

std::chrono::milliseconds Millis(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

Result<http::ListenAddress> ResolveListen(const ServeArgs& args) {
  std::string text =
      args.listen.empty() ? "unix:" + args.common.store + "/device.sock" : args.listen;
  if (text.rfind("tcp:", 0) == 0) text = text.substr(4);
  auto address = http::ParseListenAddress(text);
  if (!address.ok()) return address.status().WithContext("--listen");
  if (address->kind == http::ListenAddress::Kind::kTcp) {
    if (args.token_file.empty()) {
      return Status::InvalidArgument(
          "--listen " + args.listen +
          ": listening on TCP needs --token-file F (a shared secret clients send as a bearer "
          "token; make one with: head -c 32 /dev/urandom | base64 > F && chmod 600 F)");
    }
    if (ListensOnEveryInterface(*address) && !args.all_interfaces) {
      return Status::InvalidArgument("--listen " + args.listen +
                                     " listens on every network interface; give the cable's or "
                                     "LAN's own address, or add --all-interfaces if you mean it");
    }
  }
  return address;
}

}  // namespace

int RunServe(const ServeArgs& args) {
  // Before the store is opened: no pad byte may ever be in a core file.
  std::string memory_warning;
  if (Status hardened = HardenProcess(&memory_warning); !hardened.ok()) {
    return ReportError("serve", hardened);
  }
  if (!memory_warning.empty()) std::cerr << "otc-device: warning: " << memory_warning << "\n";
  auto address = ResolveListen(args);
  if (!address.ok()) return ReportError("serve", address.status());
  RpcOptions rpc;
  rpc.workers = args.workers;
  if (!args.token_file.empty()) {
    auto token = BearerToken::Load(args.token_file);
    if (!token.ok()) return ReportError("serve", token.status());
    rpc.token = std::move(*token);
  }
  if (args.threads < 1 || args.threads > 64 || args.workers < 1 || args.workers > 256) {
    return ReportError("serve",
                       Status::InvalidArgument("--threads must be 1..64 and --workers 1..256"));
  }

  // Signals are taken by sigwait below; block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  auto device = OpenDevice(args.common, "tty");
  if (!device.ok()) return ReportError("opening the store", device.status());
  DeviceService& service = *device->service;
  if (service.confirm_policy().mode == ConfirmPolicy::Mode::kAuto) {
    std::cerr << "otc-device: warning: --confirm auto approves every request without asking: "
                 "a compromised client can spend pad and decrypt messages without you noticing. "
                 "Use it only when the device is emulated on the client's own computer, or for "
                 "tests.\n";
  }

  auto handler = std::make_shared<RpcHandler>(&service, std::move(rpc));
  http::ServerOptions options;
  options.listen = address->ToString();
  options.threads = args.threads;
  options.read_timeout = Millis(args.read_timeout_s);
  options.idle_timeout = Millis(args.idle_timeout_s);
  // A JSON-escaped message can take 6 bytes per byte; a package travels as base64.
  const uint64_t limits = std::max<uint64_t>(6 * service.limits().max_message,
                                             (service.limits().max_package + 2) / 3 * 4);
  options.max_body_bytes = limits + 4096;
  auto server = http::Server::Start(options, handler);
  if (!server.ok()) return ReportError("listening on " + options.listen, server.status());

  std::cerr << "otc-device: " << service.owner() << "'s device serving on "
            << (*server)->address().ToString()
            << " (confirm: " << service.confirm_policy().ToString() << ")\n";
  std::cout << "listening on " << (*server)->address().ToString() << std::endl;

  int received = 0;
  sigwait(&signals, &received);
  std::cerr << "otc-device: " << (received == SIGINT ? "SIGINT" : "SIGTERM")
            << ": finishing in-flight requests\n";
  if (device->prompter) device->prompter->Cancel();  // pending prompts are denied
  (*server)->Shutdown(std::chrono::seconds(5));
  handler->Drain();
  server->reset();
  Status closed = service.Close();
  if (!closed.ok()) return ReportError("closing the store", closed);
  return 0;
}

}  // namespace otc::device
