#include "relay/metrics_endpoint.h"

#include "common/http/json_util.h"

namespace otc::relay {

void MetricsEndpoint::Handle(std::shared_ptr<http::Exchange> exchange) {
  const http::Request& request = exchange->request();
  if (http::SplitTarget(http::ToStd(request.target())).path != "/metrics") {
    exchange->Respond(http::JsonError(http::HttpStatus::not_found, "not_found",
                                      "this listener serves only GET /metrics"));
    return;
  }
  service_->metrics().CountRequest(Endpoint::kMetrics);
  if (request.method() != http::Verb::get) {
    http::Response response =
        http::JsonError(http::HttpStatus::method_not_allowed, "method_not_allowed", "use GET");
    response.set(http::Field::allow, "GET");
    exchange->Respond(std::move(response));
    return;
  }
  http::Response response(http::HttpStatus::ok, 11);
  response.set(http::Field::content_type, "text/plain; version=0.0.4");
  response.body() = service_->RenderMetrics();
  exchange->Respond(std::move(response));
}

}  // namespace otc::relay
