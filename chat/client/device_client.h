// DeviceApi over HTTP: talks to `otc-device serve` (docs/PROTOCOL.md "Device RPC").
//
// Over a Unix socket the socket's mode is the access control; over TCP the token from
// --token-file is sent as "Authorization: Bearer <token>". Token file: one line of 16 to
// 4096 printable ASCII characters (a trailing newline is ignored), not readable by group
// or others. The client never links padstore: everything about pad goes through here.
//
// Thread-safe: calls are serialized on one keep-alive connection. Use one instance per
// thread for concurrency (the receiver and the sender each have their own).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "chat/client/api.h"
#include "chat/client/endpoint.h"
#include "chat/client/kept_alive_connection.h"
#include "common/http/client.h"

namespace otc::client {

struct DeviceClientOptions {
  // Package/unpackage may wait for the device's owner to confirm on the device.
  std::chrono::milliseconds use_timeout{120'000};
  std::chrono::milliseconds timeout{10'000};
};

// Reads and checks a bearer token file (see above). The caller wipes the text.
Result<std::string> ReadTokenFile(const std::string& path);

class HttpDeviceClient final : public DeviceApi {
 public:
  // `token` may be empty (Unix socket). https endpoints are refused (not in this build).
  static Result<std::unique_ptr<HttpDeviceClient>> Create(const Endpoint& endpoint,
                                                          std::string token,
                                                          DeviceClientOptions options = {});
  ~HttpDeviceClient() override;

  Result<PackageResult> Package(const std::string& to, std::string_view message) override;
  Result<UnpackageResult> Unpackage(const std::string& from,
                                    const std::string& package_b64) override;
  Result<std::vector<ContactInfo>> Contacts() override;
  Result<std::string> Health() override;
  Result<uint64_t> GetCursor(const std::string& relay) override;
  Status PutCursor(const std::string& relay, uint64_t next_ref) override;

 private:
  HttpDeviceClient(std::string address, std::string token, DeviceClientOptions options)
      : connection_("device", std::move(address)), token_(std::move(token)), options_(options) {}
  // Sends and returns the body of a 2xx reply, or the typed error (rpc::ParseErrorReply).
  Result<std::string> Call(http::Verb verb, const std::string& target, std::string body,
                           std::chrono::milliseconds timeout);

  KeptAliveConnection connection_;
  std::string token_;
  DeviceClientOptions options_;
};

}  // namespace otc::client
