// Test fixture: a relay (SqliteStore + RelayService + http::Server) in this process on an
// ephemeral loopback port, with a client connected to it.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "common/http/client.h"
#include "common/http/json_util.h"
#include "common/http/server.h"
#include "relay/metrics_endpoint.h"
#include "relay/relay_service.h"
#include "relay/sqlite_store.h"
#include "tests/common/test_dir.h"

namespace otc::relay {

class RelayFixture : public ::testing::Test {
 protected:
  struct Config {
    RelayOptions relay;
    http::ServerOptions server;
    SqliteStoreOptions store;
  };

  static Config DefaultConfig() {
    Config c;
    c.server.listen = "127.0.0.1:0";
    c.server.threads = 2;
    c.server.max_body_bytes = BodyLimitFor(c.relay.max_message_bytes);
    c.server.read_timeout = std::chrono::seconds(5);
    return c;
  }

  void StartRelay(Config c = DefaultConfig()) {
    c.store.path = dir_.File("relay.db");
    auto store = SqliteStore::Open(c.store);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    service_ = RelayService::Create(store_.get(), c.relay);
    auto server = http::Server::Start(c.server, service_);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    http::Server* raw = server_.get();
    service_->SetServerStats([raw] { return raw->stats(); });
    http::ServerOptions metrics_options;
    metrics_options.listen = "127.0.0.1:0";
    auto metrics =
        http::Server::Start(metrics_options, std::make_shared<MetricsEndpoint>(service_));
    ASSERT_TRUE(metrics.ok()) << metrics.status().ToString();
    metrics_server_ = std::move(*metrics);
    client_ = NewClient();
  }

  void TearDown() override {
    if (metrics_server_) metrics_server_->Shutdown(std::chrono::seconds(1));
    if (server_) server_->Shutdown(std::chrono::seconds(5));
    server_.reset();
    if (store_) (void)store_->Close();
  }

  std::unique_ptr<http::Client> NewClient() {
    auto client = http::Client::Connect(server_->address().ToString());
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(*client) : nullptr;
  }

  // GET /metrics from the metrics listener (not the public one).
  http::Response GetMetrics() {
    auto client = http::Client::Connect(metrics_server_->address().ToString());
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    if (!client.ok()) return http::Response();
    Result<http::Response> r = (*client)->Get("/metrics");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(*r) : http::Response();
  }

  http::Response Get(const std::string& target) {
    Result<http::Response> r = client_->Get(target);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(*r) : http::Response();
  }
  http::Response PostForm(const std::string& target, std::string body) {
    Result<http::Response> r =
        client_->Post(target, std::move(body), "application/x-www-form-urlencoded");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(*r) : http::Response();
  }
  http::Response PostJson(const std::string& target, const nlohmann::json& body) {
    Result<http::Response> r = client_->PostJson(target, body);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(*r) : http::Response();
  }

  static nlohmann::json Json(const http::Response& r) {
    return nlohmann::json::parse(r.body(), nullptr, false);
  }
  // The error category of a JSON error response ("" if it is not one).
  static std::string ErrorOf(const http::Response& r) {
    nlohmann::json j = Json(r);
    if (!j.is_object() || !j.contains("error") || !j.contains("message")) return "";
    return j["error"].get<std::string>();
  }

  // Sends and returns the ref (0 on failure).
  uint64_t Send(const std::string& from, const std::string& to, const std::string& contents) {
    http::Response r =
        PostJson("/send", {{"sender_uid", from}, {"recipient_uid", to}, {"contents", contents}});
    EXPECT_EQ(r.result_int(), 200) << r.body();
    nlohmann::json j = Json(r);
    return r.result_int() == 200 ? j["ref"].get<uint64_t>() : 0;
  }

  otc::TestDir dir_;
  std::unique_ptr<SqliteStore> store_;
  std::shared_ptr<RelayService> service_;
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<http::Server> metrics_server_;
  std::unique_ptr<http::Client> client_;
};

}  // namespace otc::relay
