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

}  // namespace otc::device
