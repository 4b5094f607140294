// RpcHandler: the device daemon's HTTP endpoints (docs/PROTOCOL.md "Device RPC") on the
// shared otc_http server.
//
//   GET  /v1/health                    {"status":"ok","owner":U}
//   GET  /v1/contacts                  per peer: protocol, own pad left, messages left
//   POST /v1/package                   {"to","message"|"message_b64"} -> package
//   POST /v1/unpackage                 {"from","package"} -> message
//   GET  /v1/cursor?relay=URL          {"relay","cursor"}
//   PUT  /v1/cursor?relay=URL          {"cursor":N} -> {"relay","cursor"}
//
// With a token (required on TCP) every request must carry "Authorization: Bearer <token>"
// or it gets 401 unauthorized. Errors are {"error":"<category>","message":...} with the
// status of error_category.h; unknown paths are 404 and wrong methods 405, both category
// bad_request. Request bodies must be JSON (Content-Type application/json, or none).
//
// Io threads only parse and route: the work (pad, fsync, user confirmation) runs on a
// pool of worker threads, so a prompt waiting for the user or a slow fsync never stalls
// other connections. Request bodies holding plaintext are wiped once parsed.
#pragma once

#include <memory>
#include <optional>

#include <boost/asio/thread_pool.hpp>

#include "chat/device/bearer_token.h"
#include "chat/device/device_service.h"
#include "common/http/server.h"

namespace otc::device {

struct RpcOptions {
  std::optional<BearerToken> token;  // required on TCP (checked by the caller)
  int workers = 8;
};

class RpcHandler : public http::Handler {
 public:
  RpcHandler(DeviceService* service, RpcOptions options);
  ~RpcHandler() override;

  void Handle(std::shared_ptr<http::Exchange> exchange) override;

  // Waits for queued work to finish (call after the server has shut down).
  void Drain();

 private:
  void Dispatch(const std::shared_ptr<http::Exchange>& exchange);
  void Fail(const std::shared_ptr<http::Exchange>& exchange, int http_status,
            std::string_view category, std::string_view message);
  void Refuse(const std::shared_ptr<http::Exchange>& exchange, const Status& status);

  DeviceService* service_;
  RpcOptions options_;
  boost::asio::thread_pool pool_;
};

}  // namespace otc::device
