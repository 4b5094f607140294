// HTTPS between otc's server and client, with a certificate made on the spot by the
// openssl command: a pinned key is accepted, a wrong pin and an unknown self-signed
// certificate are refused before any request is sent, and a CA file plus the address in
// the certificate verifies the ordinary way.
#include <gtest/gtest.h>

#include "common/http/client.h"
#include "common/http/json_util.h"
#include "common/http/server.h"
#include "common/http/tls.h"
#include "tests/common/test_dir.h"
#include "tests/http/raw_socket.h"
#include "tests/http/test_cert.h"

namespace otc::http {
namespace {

using namespace std::chrono_literals;

ClientTls Tls(std::string pin, std::string ca_file = "") {
  ClientTls tls;
  tls.enabled = true;
  tls.pin = std::move(pin);
  tls.ca_file = std::move(ca_file);
  return tls;
}

class EchoHandler : public Handler {
 public:
  void Handle(std::shared_ptr<Exchange> ex) override {
    ex->Respond(JsonResponse(HttpStatus::ok, {{"target", ToStd(ex->request().target())}}));
  }
};

class HttpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(otc::testing::MakeTestCert(dir_.path(), "relay", &cert_, &error)) << error;
    ASSERT_TRUE(otc::testing::MakeTestCert(dir_.path(), "other", &other_, &error)) << error;
    ServerOptions o;
    o.listen = "127.0.0.1:0";
    o.threads = 2;
    o.read_timeout = 2000ms;
    o.tls_cert_file = cert_.cert_file;
    o.tls_key_file = cert_.key_file;
    auto server = Server::Start(o, handler_);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
  }

  Result<std::unique_ptr<Client>> Connect(ClientTls tls) {
    ClientOptions options;
    options.timeout = 5000ms;
    options.tls = std::move(tls);
    return Client::Connect(server_->address().ToString(), options);
  }

  TestDir dir_;
  otc::testing::TestCert cert_, other_;
  std::shared_ptr<EchoHandler> handler_ = std::make_shared<EchoHandler>();
  std::unique_ptr<Server> server_;
};

TEST_F(HttpsTest, PinnedKeyIsAcceptedAndServes) {
  auto client = Connect(Tls(cert_.pin));
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  for (int i = 0; i < 3; ++i) {  // keep-alive over one TLS connection
    Result<Response> r = (*client)->Get("/check");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->result(), HttpStatus::ok);
    EXPECT_EQ(nlohmann::json::parse(r->body())["target"], "/check");
  }
  EXPECT_EQ(server_->stats().connections_total, 1u);
  // The pin is case-insensitive hex.
  std::string upper = cert_.pin;
  for (size_t i = 7; i < upper.size(); ++i) upper[i] = static_cast<char>(std::toupper(upper[i]));
  EXPECT_TRUE(Connect(Tls(upper)).ok());
}

TEST_F(HttpsTest, WrongPinIsRefusedBeforeAnyRequest) {
  auto client = Connect(Tls(other_.pin));
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), Status::Code::kDenied);
  EXPECT_NE(client.status().message().find("pin"), std::string::npos) << client.status().message();
  EXPECT_EQ(server_->stats().requests_total, 0u);
}

TEST_F(HttpsTest, UnknownSelfSignedCertificateWithoutPinIsRefused) {
  auto client = Connect(Tls(""));
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), Status::Code::kDenied);
  EXPECT_NE(client.status().message().find("not trusted"), std::string::npos)
      << client.status().message();
  EXPECT_EQ(server_->stats().requests_total, 0u);
}

TEST_F(HttpsTest, CaFileVerifiesTheChainAndTheAddress) {
  auto client = Connect(Tls("", cert_.cert_file));
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  EXPECT_EQ((*client)->Get("/x")->result(), HttpStatus::ok);
  // Trusting another certificate does not trust this one.
  EXPECT_EQ(Connect(Tls("", other_.cert_file)).status().code(), Status::Code::kDenied);
}

TEST_F(HttpsTest, PlainHttpToTheTlsPortGetsNoAnswer) {
  otc::testing::RawSocket s(server_->port());
  ASSERT_TRUE(s.Send("GET /check HTTP/1.1\r\nHost: x\r\n\r\n"));
  bool closed = false;
  std::string raw = s.ReadUntilClose(5000ms, &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(raw.find("HTTP/1.1 200"), std::string::npos);
  EXPECT_EQ(server_->stats().requests_total, 0u);
}

TEST(HttpsConfig, BadPinsAndFilesAreErrorsThatSayWhy) {
  EXPECT_FALSE(ParsePin("sha256:abc").ok());
  EXPECT_FALSE(ParsePin("md5:" + std::string(64, 'a')).ok());
  EXPECT_FALSE(ParsePin("sha256:" + std::string(63, 'a') + "g").ok());
  EXPECT_TRUE(ParsePin("sha256:" + std::string(64, 'A')).ok());
  TestDir dir;
  auto made = MakeServerTlsContext(dir.File("missing.crt"), dir.File("missing.key"));
  ASSERT_FALSE(made.ok());
  EXPECT_NE(made.status().message().find("missing.crt"), std::string::npos);
  otc::testing::TestCert a, b;
  std::string error;
  ASSERT_TRUE(otc::testing::MakeTestCert(dir.path(), "a", &a, &error)) << error;
  ASSERT_TRUE(otc::testing::MakeTestCert(dir.path(), "b", &b, &error)) << error;
  auto mismatched = MakeServerTlsContext(a.cert_file, b.key_file);
  ASSERT_FALSE(mismatched.ok());
  EXPECT_NE(mismatched.status().message().find("does not belong"), std::string::npos);
  Result<std::string> pin = PinOfCertificateFile(a.cert_file);
  ASSERT_TRUE(pin.ok());
  EXPECT_EQ(*pin, a.pin);  // the same as openssl + sha256sum compute
}

}  // namespace
}  // namespace otc::http
