// The two services the client talks to, as abstract interfaces.
//
// DeviceApi is the pad device (otc-device serve, docs/PROTOCOL.md "Device RPC"): the
// only place pad is used. The client can ask it to package and unpackage; it can never
// read pad. RelayApi is the untrusted relay (otc-relay, "Relay API"). The HTTP
// implementations are device_client.h and relay_client.h; tests substitute fakes.
//
// Error codes a caller can branch on (Status::Code):
//   kUnavailable      the service could not be reached or timed out (retry later)
//   kInvalidArgument  the request was refused as malformed (device: bad_request)
//   kNotFound         unknown contact
//   kExhausted        no pad left
//   kDenied           the device's owner said no, or the token was refused
//   kReplay           the package uses pad already decrypted
//   kIntegrity        the tag did not verify (possible forgery)
//   kTooLarge         over a size limit
//   kInternal         the service failed inside, or answered something unparsable
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "chat/rpc/device_rpc.h"
#include "common/status.h"

namespace otc::client {

// The device RPC's own types (chat/rpc/device_rpc.h): one definition for both ends.
using PackageResult = rpc::PackageReply;
using UnpackageResult = rpc::UnpackageReply;
using ContactInfo = rpc::ContactInfo;

class DeviceApi {
 public:
  virtual ~DeviceApi() = default;
  virtual Result<PackageResult> Package(const std::string& to, std::string_view message) = 0;
  virtual Result<UnpackageResult> Unpackage(const std::string& from,
                                            const std::string& package_b64) = 0;
  virtual Result<std::vector<ContactInfo>> Contacts() = 0;
  // The device's own user id (from its store).
  virtual Result<std::string> Health() = 0;
  // The next relay ref to fetch for `relay` (0 if the device has none stored).
  virtual Result<uint64_t> GetCursor(const std::string& relay) = 0;
  virtual Status PutCursor(const std::string& relay, uint64_t next_ref) = 0;
};

struct RelayMessage {
  uint64_t ref = 0;
  std::string sender;
  std::string recipient;
  std::string contents;  // base64 package, opaque to the relay
};

class RelayApi {
 public:
  virtual ~RelayApi() = default;
  virtual Status Check() = 0;
  // Returns the ref the relay gave the stored message.
  virtual Result<uint64_t> Send(const std::string& sender, const std::string& recipient,
                                const std::string& contents) = 0;
  // Messages for `recipient` with ref >= start_ref, oldest first. wait_seconds > 0
  // long-polls until one arrives or the time is up (then an empty list).
  virtual Result<std::vector<RelayMessage>> GetMessages(const std::string& recipient,
                                                        uint64_t start_ref, uint32_t maxcount,
                                                        uint32_t wait_seconds) = 0;
  virtual Result<uint64_t> NextRef(const std::string& recipient) = 0;
  // Deletes delivered messages up to and including up_to_ref.
  virtual Status Ack(const std::string& recipient, uint64_t up_to_ref) = 0;
  // Makes a GetMessages blocked in another thread return soon (kUnavailable). Optional.
  virtual void Interrupt() {}
};

}  // namespace otc::client
