#include "relay/long_poll.h"

#include <atomic>

#include <boost/asio/post.hpp>

#include "relay/relay_service.h"

namespace otc::relay {

namespace net = boost::asio;

LongPoll::LongPoll(std::shared_ptr<RelayService> service, std::shared_ptr<http::Exchange> exchange,
                   std::string recipient, uint64_t start_ref, uint64_t maxcount,
                   std::chrono::milliseconds wait)
    : service_(std::move(service)),
      exchange_(std::move(exchange)),
      recipient_(std::move(recipient)),
      start_ref_(start_ref),
      maxcount_(maxcount),
      wait_(wait),
      timer_(exchange_->executor()) {}

LongPoll::~LongPoll() {
  // Normally Complete has done this; a poll destroyed unanswered (its server was
  // force-closed) must still leave no subscription or registration behind.
  if (subscription_ != 0) service_->store().Unsubscribe(subscription_);
  if (registered_) {
    service_->UnregisterPoll(id_);
    service_->metrics().LongPollEnded();
  }
}

void LongPoll::Start() {
  static std::atomic<uint64_t> next_id{1};
  id_ = next_id.fetch_add(1);
  std::weak_ptr<LongPoll> weak = weak_from_this();
  // Subscribe before the first fetch: a send committed in between still wakes us.
  subscription_ = service_->store().Subscribe(recipient_, [weak] {
    if (auto self = weak.lock()) {
      net::post(self->timer_.get_executor(), [self] { self->OnWake(); });
    }
  });
  registered_ = service_->RegisterPoll(id_, weak);
  if (!registered_) {  // shutting down: answer with what is there now
    Finish();
    return;
  }
  service_->metrics().LongPollStarted();

  Result<FetchResult> first = service_->FetchFor(recipient_, start_ref_, maxcount_);
  if (!first.ok() || !first->messages.empty()) {
    Complete(std::move(first));
    return;
  }
  timer_.expires_after(wait_);
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->Finish();
  });
  // A client that leaves must not keep its poll (and its subscription) until the deadline.
  exchange_->OnClientGone([weak] {
    if (auto self = weak.lock()) self->Abandon();
  });
}

void LongPoll::Abandon() {
  if (done_) return;
  End();
}

void LongPoll::FinishSoon() {
  net::post(timer_.get_executor(), [self = shared_from_this()] { self->Finish(); });
}

void LongPoll::OnWake() {
  if (done_) return;
  service_->metrics().CountWakeup();
  Result<FetchResult> result = service_->FetchFor(recipient_, start_ref_, maxcount_);
  if (result.ok() && result->messages.empty()) return;  // e.g. only refs below start_ref
  Complete(std::move(result));
}

void LongPoll::Finish() {
  if (done_) return;
  Complete(service_->FetchFor(recipient_, start_ref_, maxcount_));
}

void LongPoll::Complete(Result<FetchResult> result) {
  if (done_) return;
  End();
  service_->RespondMessages(*exchange_, recipient_, std::move(result));
}

void LongPoll::End() {
  done_ = true;
  if (subscription_ != 0) {
    service_->store().Unsubscribe(subscription_);
    subscription_ = 0;
  }
  timer_.cancel();
  if (registered_) {
    registered_ = false;
    service_->UnregisterPoll(id_);
    service_->metrics().LongPollEnded();
  }
}

}  // namespace otc::relay
