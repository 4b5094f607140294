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
// Requests that may wait for the user's confirmation run on a pool of worker threads, so
// a prompt never stalls the io threads; the others (and contacts/health) run on the io
// thread that parsed them, which saves two thread hops per request. Audit writes for
// refused requests and cursor updates (each an fsync) also go to the pool. Request bodies
// holding plaintext are wiped once parsed.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/thread_pool.hpp>

#include "chat/device/bearer_token.h"
#include "chat/device/device_service.h"
#include "common/http/json_util.h"
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
  // Routes an authorized request to the Serve* function of its endpoint.
  void Dispatch(const std::shared_ptr<http::Exchange>& exchange);
  void ServeHealth(const std::shared_ptr<http::Exchange>& exchange, const http::Target& target);
  void ServeContacts(const std::shared_ptr<http::Exchange>& exchange, const http::Target& target);
  // Package and unpackage: the caller has checked the method (POST) and the content type.
  void ServePackage(const std::shared_ptr<http::Exchange>& exchange, const http::Target& target);
  void ServeUnpackage(const std::shared_ptr<http::Exchange>& exchange, const http::Target& target);
  void ServeCursor(const std::shared_ptr<http::Exchange>& exchange, const http::Target& target);
  // Answers 4xx bad_request with `message`, wiping the body first; the audit write (an
  // fsync) goes to the pool.
  void BadRequest(const std::shared_ptr<http::Exchange>& exchange, std::string_view path,
                  int status, const std::string& message);
  // True when the request uses `wanted`; otherwise answers 405 and returns false.
  bool ExpectVerb(const std::shared_ptr<http::Exchange>& exchange, std::string_view path,
                  http::Verb wanted);
  void Fail(const std::shared_ptr<http::Exchange>& exchange, int http_status,
            std::string_view category, std::string_view message);
  void Refuse(const std::shared_ptr<http::Exchange>& exchange, const Status& status);
  // Runs `fn` on a worker when it may wait for the user, inline on the io thread otherwise
  // (saves two thread hops per request; pad work is short, and padstore's fsyncs are per
  // contact and bounded).
  template <typename Fn>
  void RunWork(bool may_block, Fn&& fn);

  DeviceService* service_;
  RpcOptions options_;
  boost::asio::thread_pool pool_;
};

}  // namespace otc::device
