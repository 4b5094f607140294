#include "chat/client/device_client.h"

#include <sys/stat.h>

#include <cerrno>

#include "common/encoding.h"
#include "common/env.h"
#include "common/http/json_util.h"
#include "common/secret_buffer.h"

namespace otc::client {

Result<std::string> ReadTokenFile(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Status::FromErrno(errno, "token file " + path);
  if ((st.st_mode & 077) != 0) {
    return Status::InvalidArgument("token file " + path +
                                   " is readable by group or others: chmod 600 it");
  }
  Result<std::string> text = ReadFileToString(*Env::Default(), path);
  if (!text.ok()) return text.status();
  std::string token = std::move(*text);
  if (token.ends_with("\n")) token.pop_back();
  if (token.ends_with("\r")) token.pop_back();
  bool printable =
      std::all_of(token.begin(), token.end(), [](char c) { return c > 32 && c < 127; });
  if (token.size() < 16 || token.size() > 4096 || !printable) {
    WipeString(token);
    return Status::InvalidArgument("token file " + path +
                                   " must hold one line of 16-4096 printable characters");
  }
  return token;
}

Result<std::unique_ptr<HttpDeviceClient>> HttpDeviceClient::Create(const Endpoint& endpoint,
                                                                   std::string token,
                                                                   DeviceClientOptions options) {
  if (endpoint.tls) {
    return Status::Unsupported(
        "https devices are not supported by this build: use unix:PATH, "
        "or http:// on a cable you trust with --token-file");
  }
  return std::unique_ptr<HttpDeviceClient>(
      new HttpDeviceClient(ConnectAddress(endpoint), std::move(token), options));
}

HttpDeviceClient::~HttpDeviceClient() { WipeString(token_); }

Result<std::string> HttpDeviceClient::Call(http::Verb verb, const std::string& target,
                                           std::string body, std::chrono::milliseconds timeout) {
  Result<http::Response> resp =
      connection_.Exchange(verb, target, std::move(body), token_, timeout);
  if (!resp.ok()) return resp.status();
  int status = static_cast<int>(resp->result_int());
  std::string text = std::move(resp->body());
  if (status < 200 || status > 299) {
    Status s = rpc::ParseErrorReply(status, text);
    WipeString(text);
    return s;
  }
  return text;
}

// Parses a reply body with `parse` and wipes the body (it may hold plaintext).
template <typename Parse>
auto ParseAndWipe(Result<std::string> body, Parse parse) -> decltype(parse(std::string_view())) {
  if (!body.ok()) return body.status();
  auto parsed = parse(*body);
  WipeString(*body);
  return parsed;
}

Result<PackageResult> HttpDeviceClient::Package(const std::string& to, std::string_view message) {
  std::string body = rpc::EncodePackageRequest(to, message);
  return ParseAndWipe(Call(http::Verb::post, "/v1/package", std::move(body), options_.use_timeout),
                      rpc::ParsePackageReply);
}

Result<UnpackageResult> HttpDeviceClient::Unpackage(const std::string& from,
                                                    const std::string& package_b64) {
  return ParseAndWipe(Call(http::Verb::post, "/v1/unpackage",
                           rpc::EncodeUnpackageRequest(from, package_b64), options_.use_timeout),
                      rpc::ParseUnpackageReply);
}

Result<std::vector<ContactInfo>> HttpDeviceClient::Contacts() {
  return ParseAndWipe(Call(http::Verb::get, "/v1/contacts", "", options_.timeout),
                      rpc::ParseContactsReply);
}

Result<std::string> HttpDeviceClient::Health() {
  return ParseAndWipe(Call(http::Verb::get, "/v1/health", "", options_.timeout),
                      rpc::ParseHealthReply);
}

Result<uint64_t> HttpDeviceClient::GetCursor(const std::string& relay) {
  return ParseAndWipe(
      Call(http::Verb::get, "/v1/cursor?relay=" + http::PercentEncode(relay), "", options_.timeout),
      rpc::ParseCursorReply);
}

Status HttpDeviceClient::PutCursor(const std::string& relay, uint64_t next_ref) {
  Result<uint64_t> stored =
      ParseAndWipe(Call(http::Verb::put, "/v1/cursor?relay=" + http::PercentEncode(relay),
                        rpc::EncodeCursorRequest(next_ref), options_.timeout),
                   rpc::ParseCursorReply);
  return stored.ok() ? Status::Ok() : stored.status();
}

}  // namespace otc::client
