// The `otc-device` subcommands (thin: the work is in DeviceService and RpcHandler).
//
//   otc-device serve     --store DIR [--listen unix:PATH|tcp:HOST:PORT] [--token-file F]
//                        [--confirm tty|limit:N|auto] ...
//   otc-device package   --store DIR --to PEER (--message TEXT | --message-b64 B64) [--json]
//   otc-device unpackage --store DIR --from PEER --package B64 [--json] [--raw]
//
// Exit codes (also in --help; every otc program's, common/cli/exit_codes.h): 0 ok,
// 1 internal, 2 bad_request (and usage errors), 3 unknown_contact, 4 pad_exhausted,
// 5 denied, 6 replay, 7 integrity, 8 too_large, 10 the store is in use by another process
// (e.g. a running daemon).
#pragma once

#include <string>

namespace otc::device {

struct CommonArgs {
  std::string store;
  std::string confirm;
  double confirm_timeout_s = 30;
  std::string confirm_tty = "/dev/tty";
  bool hide_length = false;
  std::string max_message = "64K";
  std::string mark_mirror;  // padstore mark mirror directory ("none": no mirror)
};

struct ServeArgs {
  CommonArgs common;
  std::string listen;  // default unix:STORE/device.sock
  std::string token_file;
  bool all_interfaces = false;
  int threads = 2;
  int workers = 8;
  double read_timeout_s = 10;
  double idle_timeout_s = 60;
};

struct PackageArgs {
  CommonArgs common;
  std::string to;
  std::string message;
  std::string message_b64;
  bool has_message = false;
  bool has_message_b64 = false;
  bool json = false;
};

struct UnpackageArgs {
  CommonArgs common;
  std::string from;
  std::string package;
  bool json = false;
  bool raw = false;
};

int RunServe(const ServeArgs& args);
int RunPackage(PackageArgs& args);
int RunUnpackage(UnpackageArgs& args);

// The exit-code table printed in --help.
std::string ExitCodeHelp();

}  // namespace otc::device
