// otc-device package / unpackage: one request on the daemon's code path (DeviceService),
// with the store opened by this process (so they fail with "store in use" while a daemon
// runs).
#include <unistd.h>

#include <iostream>

#include "chat/device/command_common.h"
#include "chat/device/commands.h"
#include "chat/protocol/pad_left.h"
#include "chat/rpc/device_rpc.h"
#include "common/encoding.h"
#include "common/secret_buffer.h"

namespace otc::device {

int RunPackage(PackageArgs& args) {
  if (args.has_message == args.has_message_b64) {
    return ReportError("package",
                       Status::InvalidArgument("give exactly one of --message and --message-b64"),
                       args.json);
  }
  SecretBuffer message;
  if (args.has_message) {
    message.Resize(args.message.size());
    std::copy(args.message.begin(), args.message.end(), message.data());
    WipeString(args.message);
  } else {
    auto decoded = Base64Decode(args.message_b64);
    WipeString(args.message_b64);
    if (!decoded.ok()) {
      return ReportError("package", Status::InvalidArgument("--message-b64 is not valid base64"),
                         args.json);
    }
    message.Resize(decoded->size());
    std::copy(decoded->begin(), decoded->end(), message.data());
    Wipe(*decoded);
  }
  auto device = OpenDevice(args.common, "auto");
  if (!device.ok()) return ReportError("opening the store", device.status(), args.json);
  auto result = device->service->Package(args.to, message.span());
  message.Clear();
  if (!result.ok()) return ReportError("package", result.status(), args.json);
  if (args.json) {
    std::cout << rpc::EncodePackageReply(ToReply(*result)) << "\n";
  } else {
    std::cout << Base64Encode(result->package) << "\n";
    if (result->pad_low) {
      std::cerr << "otc-device: warning: under 1% of the pad for " << args.to << " is left ("
                << protocol::FormatPadBytes(result->pad_left) << "); make a new pad\n";
    }
  }
  Status closed = device->service->Close();
  if (!closed.ok()) return ReportError("closing the store", closed, args.json);
  return 0;
}

int RunUnpackage(UnpackageArgs& args) {
  auto package = Base64Decode(args.package);
  if (!package.ok()) {
    return ReportError("unpackage", Status::InvalidArgument("--package is not valid base64"),
                       args.json);
  }
  auto device = OpenDevice(args.common, "auto");
  if (!device.ok()) return ReportError("opening the store", device.status(), args.json);
  if (package->size() > device->service->limits().max_package) {
    return ReportError("unpackage", Status::TooLarge("the package is over the size limit"),
                       args.json);
  }
  auto result = device->service->Unpackage(args.from, *package);
  if (!result.ok()) return ReportError("unpackage", result.status(), args.json);
  if (args.json) {
    std::string reply = rpc::EncodeUnpackageReply(result->plaintext.span(), ReplyFacts(*result));
    std::cout << reply << "\n";
    WipeString(reply);
  } else {
    std::cout.write(reinterpret_cast<const char*>(result->plaintext.data()),
                    static_cast<std::streamsize>(result->plaintext.size()));
    if (!args.raw) std::cout << "\n";
  }
  std::cout.flush();
  result->plaintext.Clear();
  if (result->skipped > 0) {
    std::cerr << "otc-device: warning: " << result->skipped
              << " bytes of pad before this message were never seen: messages from " << args.from
              << " may have been dropped\n";
  }
  Status closed = device->service->Close();
  if (!closed.ok()) return ReportError("closing the store", closed, args.json);
  return 0;
}

}  // namespace otc::device
