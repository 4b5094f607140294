#include "chat/device/recent_decrypts.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace otc::device {

RecentDecrypts::Digest RecentDecrypts::DigestOf(std::span<const uint8_t> package) {
  Digest d{};
  SHA256(package.data(), package.size(), d.data());
  return d;
}

void RecentDecrypts::Remember(std::string_view peer, uint64_t index, const Digest& digest) {
  std::lock_guard<std::mutex> lock(mu_);
  Key key{std::string(peer), index};
  auto [it, inserted] = digests_.insert_or_assign(key, digest);
  if (!inserted) return;
  order_.push_back(std::move(key));
  while (order_.size() > capacity_) {
    digests_.erase(order_.front());
    order_.pop_front();
  }
}

bool RecentDecrypts::Contains(std::string_view peer, uint64_t index, const Digest& digest) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = digests_.find(Key{std::string(peer), index});
  return it != digests_.end() &&
         CRYPTO_memcmp(it->second.data(), digest.data(), digest.size()) == 0;
}

void RecentDecrypts::Begin(std::string_view peer, uint64_t index) {
  std::lock_guard<std::mutex> lock(mu_);
  ++in_flight_[Key{std::string(peer), index}];
}

void RecentDecrypts::End(std::string_view peer, uint64_t index) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = in_flight_.find(Key{std::string(peer), index});
    if (it != in_flight_.end() && --it->second <= 0) in_flight_.erase(it);
  }
  done_.notify_all();
}

bool RecentDecrypts::WaitAndCheck(std::string_view peer, uint64_t index, const Digest& digest,
                                  int own) {
  const Key key{std::string(peer), index};
  std::unique_lock<std::mutex> lock(mu_);
  // Bounded: the other request may be waiting for its owner's confirmation.
  done_.wait_for(lock, std::chrono::seconds(150), [&] {
    auto it = in_flight_.find(key);
    return it == in_flight_.end() || it->second <= own;
  });
  auto it = digests_.find(key);
  return it != digests_.end() &&
         CRYPTO_memcmp(it->second.data(), digest.data(), digest.size()) == 0;
}

}  // namespace otc::device
