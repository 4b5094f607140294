// LongPoll: one GET /getmessages?wait=S held until a message for its recipient arrives.
//
// It subscribes to the store's notifications for the recipient before its first fetch
// (so a send landing between the two is not missed), answers at once if messages are
// there, and otherwise waits on a timer. A notification for its recipient re-fetches and
// answers if something new is visible; sends to other recipients never touch it. At the
// deadline, or when the server shuts down, it answers with whatever is there (usually an
// empty list). If its client closes the connection first, it ends then (unsubscribed,
// uncounted) without answering. Everything after Start runs on the request's connection strand, so
// no thread is held while waiting.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/steady_timer.hpp>

#include "common/http/server.h"
#include "relay/message_store.h"

namespace otc::relay {

class RelayService;

class LongPoll : public std::enable_shared_from_this<LongPoll> {
 public:
  LongPoll(std::shared_ptr<RelayService> service, std::shared_ptr<http::Exchange> exchange,
           std::string recipient, uint64_t start_ref, uint64_t maxcount,
           std::chrono::milliseconds wait);
  ~LongPoll();

  // Call once, on the exchange's strand (i.e. from Handler::Handle).
  void Start();
  // Answer now with what is stored (thread-safe; used at shutdown).
  void FinishSoon();

 private:
  void OnWake();
  void Finish();
  void Complete(Result<FetchResult> result);
  // Stops waiting (unsubscribes, cancels the timer, uncounts) without answering.
  void End();
  // The client closed the connection.
  void Abandon();

  std::shared_ptr<RelayService> service_;
  std::shared_ptr<http::Exchange> exchange_;
  const std::string recipient_;
  const uint64_t start_ref_;
  const uint64_t maxcount_;
  const std::chrono::milliseconds wait_;
  boost::asio::steady_timer timer_;
  uint64_t id_ = 0;
  uint64_t subscription_ = 0;
  bool registered_ = false;
  bool done_ = false;
};

}  // namespace otc::relay
