// MetricsEndpoint: the handler of the relay's metrics listener (--metrics-listen), which
// serves only GET /metrics (Prometheus text, see metrics.h); anything else is 404.
//
// Metrics tell who is busy and how much is queued, so they are kept off the public
// listener: an operator binds the metrics listener to loopback or a private network.
#pragma once

#include <memory>

#include "common/http/server.h"
#include "relay/relay_service.h"

namespace otc::relay {

class MetricsEndpoint final : public http::Handler {
 public:
  explicit MetricsEndpoint(std::shared_ptr<RelayService> service) : service_(std::move(service)) {}
  void Handle(std::shared_ptr<http::Exchange> exchange) override;

 private:
  std::shared_ptr<RelayService> service_;
};

}  // namespace otc::relay
