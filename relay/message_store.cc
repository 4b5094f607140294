#include "relay/message_store.h"

#include <future>

namespace otc::relay {

namespace {

template <typename Start>
Result<uint64_t> Wait(Start start) {
  std::promise<Result<uint64_t>> promise;
  auto future = promise.get_future();
  start([&promise](Result<uint64_t> r) { promise.set_value(std::move(r)); });
  return future.get();
}

}  // namespace

Result<uint64_t> AppendAndWait(MessageStore& store, NewMessage message) {
  return Wait([&](MessageStore::RefCallback done) { store.Append(std::move(message), done); });
}

Result<uint64_t> AckAndWait(MessageStore& store, std::string recipient_uid, uint64_t up_to_ref) {
  return Wait([&](MessageStore::CountCallback done) {
    store.Ack(std::move(recipient_uid), up_to_ref, done);
  });
}

Result<uint64_t> ExpireAndWait(MessageStore& store, int64_t cutoff_unix_ms) {
  return Wait([&](MessageStore::CountCallback done) { store.Expire(cutoff_unix_ms, done); });
}

Status CreateAccountAndWait(MessageStore& store, std::string uid, std::string token_hash) {
  std::promise<Status> promise;
  auto future = promise.get_future();
  store.CreateAccount(std::move(uid), std::move(token_hash),
                      [&promise](Status s) { promise.set_value(std::move(s)); });
  return future.get();
}

}  // namespace otc::relay
