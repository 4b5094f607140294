#include "tests/e2e/hostile_relay.h"

#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include "common/encoding.h"
#include "common/http/client.h"
#include "common/http/json_util.h"

namespace otc::e2e {

namespace {

// Stores a second copy of message `ref` under a new ref, behind the relay's back.
bool DuplicateRow(const std::string& db_path, uint64_t ref) {
  sqlite3* db = nullptr;
  bool ok = sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK;
  std::string sql =
      "PRAGMA busy_timeout = 10000; INSERT INTO messages (recipient_uid, sender_uid, contents, "
      "created_ms) SELECT recipient_uid, sender_uid, contents, created_ms FROM messages "
      "WHERE ref = " +
      std::to_string(ref);
  ok = ok && sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK &&
       sqlite3_changes(db) == 1;
  sqlite3_close(db);
  return ok;
}

}  // namespace

struct HostileRelay::State {
  std::string upstream;
  std::string relay_db;
  std::map<int, Tamper> plan;
  std::mutex mu;  // serializes everything: the proxy is for tests, not speed
  int sends = 0;
  std::optional<http::Request> held;
  std::vector<std::string> log;

  // Forwards `req` to the real relay; a 502 if it is unreachable.
  http::Response Forward(http::Request req) {
    http::ClientOptions o;
    o.timeout = std::chrono::seconds(70);
    auto c = http::Client::Connect(upstream, o);
    if (!c.ok()) return http::JsonError(http::HttpStatus::bad_gateway, "upstream", "down");
    auto r = (*c)->Send(std::move(req));
    if (!r.ok()) return http::JsonError(http::HttpStatus::bad_gateway, "upstream", "failed");
    return std::move(*r);
  }

  http::Response HandleSend(const http::Request& req) {
    std::lock_guard<std::mutex> lock(mu);
    int n = ++sends;
    Tamper t = plan.contains(n) ? plan[n] : Tamper::kNone;
    http::Response resp;
    switch (t) {
      case Tamper::kNone:
        log.push_back("send " + std::to_string(n) + ": pass");
        resp = Forward(req);
        break;
      case Tamper::kDrop:
        log.push_back("send " + std::to_string(n) + ": drop");
        return http::JsonResponse(http::HttpStatus::ok, {{"received", true}, {"ref", 1000000 + n}});
      case Tamper::kReplay:
        log.push_back("send " + std::to_string(n) + ": replay");
        resp = Forward(req);
        if (resp.result_int() == 200) {
          nlohmann::json j = nlohmann::json::parse(resp.body(), nullptr, false);
          if (!j.is_object() || !j["ref"].is_number_unsigned() ||
              !DuplicateRow(relay_db, j["ref"].get<uint64_t>())) {
            return http::JsonError(http::HttpStatus::internal_server_error, "test", "replay");
          }
        }
        break;
      case Tamper::kHold:
        log.push_back("send " + std::to_string(n) + ": hold");
        held = req;
        return http::JsonResponse(http::HttpStatus::ok, {{"received", true}, {"ref", 2000000 + n}});
      case Tamper::kFlip: {
        log.push_back("send " + std::to_string(n) + ": flip");
        auto fields = http::ParseBodyFields(req);
        if (!fields.ok()) return http::JsonError(http::HttpStatus::bad_request, "test", "body");
        nlohmann::json body = *fields;
        auto bytes = Base64Decode(body["contents"].get<std::string>());
        if (!bytes.ok() || bytes->empty()) {
          return http::JsonError(http::HttpStatus::bad_request, "test", "contents");
        }
        bytes->back() ^= 0x01;
        body["contents"] = Base64Encode(*bytes);
        http::Request copy = req;
        copy.set(http::Field::content_type, "application/json");
        copy.body() = body.dump();
        copy.prepare_payload();
        resp = Forward(std::move(copy));
        break;
      }
    }
    if (held && t != Tamper::kHold) {  // the held one goes in after this one
      log.push_back("send " + std::to_string(n) + ": release held");
      http::Request h = std::move(*held);
      held.reset();
      (void)Forward(std::move(h));
    }
    return resp;
  }
};

namespace {

class ProxyHandler final : public http::Handler {
 public:
  explicit ProxyHandler(std::shared_ptr<HostileRelay::State> s) : s_(std::move(s)) {}
  void Handle(std::shared_ptr<http::Exchange> ex) override {
    const http::Request& req = ex->request();
    http::Target t = http::SplitTarget(http::ToStd(req.target()));
    if (req.method() == http::Verb::post && t.path == "/send") {
      ex->Respond(s_->HandleSend(req));
    } else {
      ex->Respond(s_->Forward(req));
    }
  }

 private:
  std::shared_ptr<HostileRelay::State> s_;
};

}  // namespace

std::unique_ptr<HostileRelay> HostileRelay::Start(const std::string& listen,
                                                  const std::string& upstream,
                                                  std::map<int, Tamper> plan,
                                                  std::string relay_db) {
  auto h = std::unique_ptr<HostileRelay>(new HostileRelay());
  h->state_ = std::make_shared<State>();
  h->state_->upstream = upstream;
  h->state_->relay_db = std::move(relay_db);
  h->state_->plan = std::move(plan);
  http::ServerOptions o;
  o.listen = listen;
  o.threads = 2;
  auto server = http::Server::Start(o, std::make_shared<ProxyHandler>(h->state_));
  if (!server.ok()) return nullptr;
  h->server_ = std::move(*server);
  return h;
}

HostileRelay::~HostileRelay() {
  if (server_) server_->Shutdown(std::chrono::milliseconds(2000));
}

std::vector<std::string> HostileRelay::Log() {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->log;
}

}  // namespace otc::e2e
