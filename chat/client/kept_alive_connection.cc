#include "chat/client/kept_alive_connection.h"

#include "common/secret_buffer.h"

namespace otc::client {

Result<http::Response> KeptAliveConnection::Exchange(http::Verb verb, const std::string& target,
                                                     std::string body,
                                                     const std::string& bearer_token,
                                                     std::chrono::milliseconds timeout) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!conn_) {
    http::ClientOptions options;
    options.timeout = timeout;
    options.tls = tls_;
    Result<std::unique_ptr<http::Client>> c = http::Client::Connect(address_, options);
    if (!c.ok()) {
      WipeString(body);
      if (c.status().code() == Status::Code::kDenied) {
        return Status::Denied(peer_ + " at " + address_ + ": " + c.status().message());
      }
      // Always "unavailable", even for an address Connect refuses: see the header.
      return Status::Unavailable(peer_ + " at " + address_ + ": " + c.status().message());
    }
    conn_ = std::move(*c);
  }
  http::Request request{verb, target, 11};
  if (!body.empty()) {
    request.set(http::Field::content_type, "application/json");
    request.body() = std::move(body);
  }
  if (!bearer_token.empty()) request.set(http::Field::authorization, "Bearer " + bearer_token);
  Result<http::Response> response = conn_->Send(std::move(request), timeout);  // wipes the body
  if (!response.ok()) {
    conn_.reset();
    if (response.status().code() == Status::Code::kDenied) {
      return Status::Denied(peer_ + " at " + address_ + ": " + response.status().message());
    }
    return Status::Unavailable(peer_ + " at " + address_ + ": " + response.status().message());
  }
  return response;
}

}  // namespace otc::client
