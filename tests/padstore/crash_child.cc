// The child of the crash harness (crash_test.cc): opens a store and, until it is killed,
// reserves own pad and commits decrypts of the peer's pad in a tight loop, reporting on
// stdout each range *after* the store handed it out or acknowledged it:
//
//   R <lo> <hi>    own pad indices [lo, hi) handed out by Reserve
//   D <lo> <hi>    peer pad indices [lo, hi) whose decrypt was committed
//
// Usage: padstore_crash_child STORE SEED
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "padstore/store.h"

using namespace otc::padstore;

namespace {

void Report(char kind, const IndexRange& r) {
  char line[64];
  int n =
      std::snprintf(line, sizeof line, "%c %llu %llu\n", kind,
                    static_cast<unsigned long long>(r.lo), static_cast<unsigned long long>(r.hi));
  if (::write(1, line, n) != n) std::_Exit(3);  // one write(2) per line: atomic on a pipe
}

[[noreturn]] void Die(const otc::Status& s) {
  std::fprintf(stderr, "crash child: %s\n", s.ToString().c_str());
  std::_Exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: padstore_crash_child STORE SEED\n");
    return 2;
  }
  std::mt19937_64 rng(std::strtoull(argv[2], nullptr, 10));
  StoreOptions options;
  options.reserve_batch = 1 + rng() % 2048;
  options.burn_batch = 1 + rng() % 4096;
  options.checkpoint_bytes = 512 + rng() % 4096;  // compact often
  options.burn_mode = rng() % 2 ? BurnMode::kZero : BurnMode::kPunchHole;
  auto store = Store::Open(argv[1], options);
  if (!store.ok()) Die(store.status());
  auto info = (*store)->Info("bob");
  if (!info.ok()) Die(info.status());
  // The peer has direction +1 (the owner -1): its stream runs upward from 0.
  uint64_t peer_next = info->decrypted + info->peer_skipped;
  while (true) {
    if (rng() % 3 != 0) {
      auto r = (*store)->ReserveRange("bob", 1 + rng() % 200);
      if (!r.ok()) Die(r.status());
      Report('R', r->indices);
      if (rng() % 2 && !(*store)->MarkUsed(*r).ok()) Die((*store)->failure());
    } else {
      peer_next += rng() % 8 == 0 ? rng() % 500 : 0;  // sometimes a dropped message
      auto p = (*store)->BeginDecrypt("bob", peer_next, 1 + rng() % 200);
      if (!p.ok()) Die(p.status());
      auto d = (*store)->CommitDecrypt(*p);
      if (!d.ok()) Die(d.status());
      Report('D', p->indices);
      peer_next = p->indices.hi;
    }
  }
}
