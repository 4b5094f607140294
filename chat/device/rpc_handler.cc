#include "chat/device/rpc_handler.h"

#include <boost/asio/post.hpp>

#include "chat/rpc/device_rpc.h"
#include "chat/rpc/error_category.h"
#include "common/http/json_util.h"

namespace otc::device {
namespace {

using http::Field;

using http::Verb;

http::Response JsonReply(int status, std::string body) {
  http::Response response(static_cast<http::HttpStatus>(status), 11);
  response.set(Field::content_type, "application/json");
  response.body() = std::move(body);
  response.body().push_back('\n');
  return response;
}

void WipeBody(const http::Request& request) {
  // The request belongs to the exchange and is not used after the handler parsed it;
  // the body may hold plaintext.
  auto& body = const_cast<std::string&>(request.body());
  Wipe({reinterpret_cast<uint8_t*>(body.data()), body.size()});
}

bool IsJsonContentType(const http::Request& request) {
  auto it = request.find(Field::content_type);
  if (it == request.end()) return true;
  std::string_view type = http::ToStd(it->value());
  std::string_view base = type.substr(0, type.find(';'));
  while (!base.empty() && base.back() == ' ') base.remove_suffix(1);
  return base == "application/json";
}

}  // namespace

RpcHandler::RpcHandler(DeviceService* service, RpcOptions options)
    : service_(service), options_(std::move(options)), pool_(options_.workers) {}

RpcHandler::~RpcHandler() { Drain(); }

void RpcHandler::Drain() { pool_.join(); }

void RpcHandler::Fail(const std::shared_ptr<http::Exchange>& exchange, int http_status,
                      std::string_view category, std::string_view message) {
  exchange->Respond(JsonReply(http_status, rpc::EncodeErrorReply(category, message)));
}

void RpcHandler::Refuse(const std::shared_ptr<http::Exchange>& exchange, const Status& status) {
  rpc::ErrorCategory category = rpc::CategoryFor(status.code());
  Fail(exchange, rpc::HttpStatus(category), rpc::CategoryName(category), status.message());
}

template <typename Fn>
void RpcHandler::RunWork(bool may_block, Fn&& fn) {
  if (may_block) {
    boost::asio::post(pool_, std::forward<Fn>(fn));
  } else {
    fn();
  }
}

void RpcHandler::Handle(std::shared_ptr<http::Exchange> exchange) {
  const http::Request& request = exchange->request();
  if (options_.token) {
    auto it = request.find(Field::authorization);
    std::string_view presented =
        it == request.end() ? std::string_view() : http::ToStd(it->value());
    if (!options_.token->Matches(presented)) {
      WipeBody(request);
      boost::asio::post(pool_, [this, exchange] {
        service_->Audit(
            "UNAUTHORIZED",
            "remote=" + DeviceAudit::Sanitize(exchange->info().remote_address) +
                " target=" + DeviceAudit::Sanitize(http::ToStd(exchange->request().target())) +
                ": missing or wrong bearer token; refused");
        exchange->Respond(
            JsonReply(401, rpc::EncodeErrorReply("unauthorized", "missing or wrong bearer token")));
      });
      return;
    }
  }
  Dispatch(exchange);
}

void RpcHandler::BadRequest(const std::shared_ptr<http::Exchange>& exchange, std::string_view path,
                            int status, const std::string& message) {
  WipeBody(exchange->request());
  std::string details = "remote=" + DeviceAudit::Sanitize(exchange->info().remote_address) +
                        " target=" + DeviceAudit::Sanitize(path) + ": " + message;
  boost::asio::post(pool_, [this, exchange, status, message, details] {
    service_->Audit("BAD_REQUEST", details);
    Fail(exchange, status, "bad_request", message);
  });
}

bool RpcHandler::ExpectVerb(const std::shared_ptr<http::Exchange>& exchange, std::string_view path,
                            Verb wanted) {
  if (exchange->request().method() == wanted) return true;
  BadRequest(exchange, path, 405,
             "use " + std::string(http::ToStd(http::beast_http::to_string(wanted))) + " for " +
                 std::string(path));
  return false;
}

void RpcHandler::Dispatch(const std::shared_ptr<http::Exchange>& exchange) {
  const http::Request& request = exchange->request();
  http::Target target = http::SplitTarget(http::ToStd(request.target()));

  if (target.path == "/v1/health") return ServeHealth(exchange, target);
  if (target.path == "/v1/contacts") return ServeContacts(exchange, target);
  if (target.path == "/v1/package" || target.path == "/v1/unpackage") {
    if (!ExpectVerb(exchange, target.path, Verb::post)) return;
    if (!IsJsonContentType(request)) {
      return BadRequest(exchange, target.path, 415, "the body must be application/json");
    }
    if (target.path == "/v1/package") return ServePackage(exchange, target);
    return ServeUnpackage(exchange, target);
  }
  if (target.path == "/v1/cursor") return ServeCursor(exchange, target);
  BadRequest(exchange, target.path, 404, "no such endpoint; see docs/PROTOCOL.md \"Device RPC\"");
}

void RpcHandler::ServeHealth(const std::shared_ptr<http::Exchange>& exchange,
                             const http::Target& target) {
  if (!ExpectVerb(exchange, target.path, Verb::get)) return;
  if (!service_->Healthy()) {
    return Fail(exchange, 503, "internal",
                "the device's store stopped after an I/O error; see its audit log and restart it");
  }
  exchange->Respond(JsonReply(200, rpc::EncodeHealthReply(service_->owner())));
}

void RpcHandler::ServeContacts(const std::shared_ptr<http::Exchange>& exchange,
                               const http::Target& target) {
  if (!ExpectVerb(exchange, target.path, Verb::get)) return;
  RunWork(false, [this, exchange] {
    auto contacts = service_->Contacts();
    if (!contacts.ok()) return Refuse(exchange, contacts.status());
    exchange->Respond(JsonReply(200, rpc::EncodeContactsReply(service_->owner(), *contacts)));
  });
}

void RpcHandler::ServePackage(const std::shared_ptr<http::Exchange>& exchange,
                              const http::Target& target) {
  const http::Request& request = exchange->request();
  auto parsed = rpc::ParsePackageRequest(request.body(), service_->limits());
  WipeBody(request);
  if (!parsed.ok()) {
    if (parsed.status().code() == Status::Code::kTooLarge) {
      return boost::asio::post(pool_, [this, exchange, s = parsed.status()] {
        service_->Audit("REFUSED", "op=package category=too_large: " + s.message());
        Refuse(exchange, s);
      });
    }
    return BadRequest(exchange, target.path, 400, parsed.status().message());
  }
  auto req = std::make_shared<rpc::PackageRequest>(std::move(*parsed));
  RunWork(service_->MayPrompt(req->message.size()), [this, exchange, req] {
    auto result = service_->Package(req->to, req->message.span());
    req->message.Clear();
    if (!result.ok()) return Refuse(exchange, result.status());
    exchange->Respond(JsonReply(200, rpc::EncodePackageReply(ToReply(*result))));
  });
}

void RpcHandler::ServeUnpackage(const std::shared_ptr<http::Exchange>& exchange,
                                const http::Target& target) {
  const http::Request& request = exchange->request();
  auto parsed = rpc::ParseUnpackageRequest(request.body(), service_->limits());
  if (!parsed.ok()) {
    if (parsed.status().code() == Status::Code::kTooLarge) {
      return boost::asio::post(pool_, [this, exchange, s = parsed.status()] {
        service_->Audit("REFUSED", "op=unpackage category=too_large: " + s.message());
        Refuse(exchange, s);
      });
    }
    return BadRequest(exchange, target.path, 400, parsed.status().message());
  }
  auto req = std::make_shared<rpc::UnpackageRequest>(std::move(*parsed));
  RunWork(service_->MayPrompt(req->package.size()), [this, exchange, req] {
    auto result = service_->Unpackage(req->from, req->package);
    if (!result.ok()) return Refuse(exchange, result.status());
    std::string body = rpc::EncodeUnpackageReply(result->plaintext.span(), ReplyFacts(*result));
    result->plaintext.Clear();
    exchange->Respond(JsonReply(200, std::move(body)));
  });
}

void RpcHandler::ServeCursor(const std::shared_ptr<http::Exchange>& exchange,
                             const http::Target& target) {
  const http::Request& request = exchange->request();
  const Verb verb = request.method();
  auto bad = [&](int status, const std::string& message) {
    BadRequest(exchange, target.path, status, message);
  };
  if (verb != Verb::get && verb != Verb::put) {
    return bad(405, "use GET or PUT for /v1/cursor");
  }
  auto query = http::ParseQuery(target.query);
  if (!query.ok()) return bad(400, "malformed query string");
  auto relay_it = query->find("relay");
  if (relay_it == query->end()) return bad(400, "missing query parameter relay=URL");
  std::string relay = relay_it->second;
  if (Status s = rpc::ValidateRelayKey(relay); !s.ok()) return bad(400, s.message());
  if (verb == Verb::get) {
    auto cursor = service_->GetCursor(relay);
    if (!cursor.ok()) return Refuse(exchange, cursor.status());
    exchange->Respond(JsonReply(200, rpc::EncodeCursorReply(relay, *cursor)));
    return;
  }
  if (!IsJsonContentType(request)) return bad(415, "the body must be application/json");
  auto cursor = rpc::ParseCursorRequest(request.body());
  if (!cursor.ok()) return bad(400, cursor.status().message());
  boost::asio::post(pool_, [this, exchange, relay, value = *cursor] {
    Status s = service_->PutCursor(relay, value);
    if (!s.ok()) return Refuse(exchange, s);
    exchange->Respond(JsonReply(200, rpc::EncodeCursorReply(relay, value)));
  });
}

}  // namespace otc::device
