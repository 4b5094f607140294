// RecentDecrypts: which exact packages this device has decrypted lately, so that a second
// client of the same account is told "already read" instead of raising a replay alarm.
//
// Several clients of one account (the chat plus `otc recv --follow`, a phone and a laptop)
// each fetch every message from the relay, and a client killed after the relay stored a
// message resends the very same package. The device decrypts a package once; a later
// request carrying the identical package (same sender, same index, same SHA-256 of the
// whole package) is "already read". A different package claiming pad that was already
// decrypted is still refused as a replay (a real alarm, logged).
//
// Only digests are kept, never plaintext: the later client learns that the message was
// read elsewhere, not what it said. The memory is bounded (the most recent `capacity`
// packages) and lives as long as the daemon: after a restart, or once 4096 newer packages
// pushed it out, a duplicate of an old package is refused as a replay again. Thread-safe.
#pragma once

#include <array>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <tuple>

namespace otc::device {

class RecentDecrypts {
 public:
  using Digest = std::array<uint8_t, 32>;  // SHA-256 of the whole package
  static constexpr size_t kDefaultCapacity = 4096;

  explicit RecentDecrypts(size_t capacity = kDefaultCapacity) : capacity_(capacity) {}

  static Digest DigestOf(std::span<const uint8_t> package);

  // Records a package whose decrypt is committed.
  void Remember(std::string_view peer, uint64_t index, const Digest& digest);
  // True when exactly this package from `peer` at `index` was decrypted (and is still
  // remembered).
  bool Contains(std::string_view peer, uint64_t index, const Digest& digest) const;

  // Two clients of one account usually fetch a message at the same moment. The first
  // request for a package marks it in flight (Begin) until its decrypt is committed or
  // failed (End); a second request for the same package that the store refuses as a
  // replay waits for the first (WaitAndCheck) and is then "already read" if it committed.
  void Begin(std::string_view peer, uint64_t index);
  void End(std::string_view peer, uint64_t index);
  // `own` is 1 when the caller itself is between Begin and End for this package.
  bool WaitAndCheck(std::string_view peer, uint64_t index, const Digest& digest, int own = 0);

 private:
  using Key = std::tuple<std::string, uint64_t>;
  size_t capacity_;
  mutable std::mutex mu_;
  std::map<Key, Digest> digests_;
  std::deque<Key> order_;  // oldest first, for eviction
  std::map<Key, int> in_flight_;
  std::condition_variable done_;
};

}  // namespace otc::device
