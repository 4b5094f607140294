// Shared helpers for the padstore benchmarks: a store in a temporary directory with one
// contact on a sparse pad (reservation benchmarks never read pad bytes).
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>

#include "common/env.h"
#include "padstore/manifest.h"
#include "padstore/store.h"

namespace otc::padstore::bench {

class TempStore {
 public:
  // A store for "alice" with contact "bob" (owner direction `dir`) on a sparse pad of
  // `pad_size` bytes, under $OTC_BENCH_DIR (default /tmp).
  TempStore(uint64_t pad_size, Direction dir) {
    const char* base = getenv("OTC_BENCH_DIR");
    std::string tmpl = std::string(base ? base : "/tmp") + "/otc-bench-XXXXXX";
    root_ = mkdtemp(tmpl.data());
    Env& env = *Env::Default();
    Check(Store::Init(store(), "alice"));
    const std::string pad = root_ + "/pad", manifest = root_ + "/manifest";
    auto f = env.OpenFile(pad, {.write = true, .create = true, .mode = 0600});
    Check(f.status());
    Check((*f)->Truncate(pad_size));
    Manifest m;
    m.pad_size = pad_size;
    m.chunk_size = uint64_t{64} << 20;
    std::vector<uint8_t> zeros(m.chunk_size, 0);
    const Digest128 zero = ChunkDigest(zeros);
    for (uint64_t i = 0; i < m.ChunkCount(); ++i) {
      m.chunks.push_back(m.ChunkLength(i) == m.chunk_size
                             ? zero
                             : ChunkDigest(std::span(zeros).first(m.ChunkLength(i))));
    }
    Check(WriteFileAtomically(env, manifest, SerializeManifest(m)));
    ContactSpec spec;
    spec.peer = "bob";
    spec.pad_path = pad;
    spec.manifest_path = manifest;
    spec.direction = dir;
    Check(RegisterContact(store(), "alice", spec).status());
  }
  ~TempStore() { std::filesystem::remove_all(root_); }

  std::string store() const { return root_ + "/store"; }
  std::string journal() const { return store() + "/contacts/bob/journal"; }

  static void Check(const Status& s) {
    if (!s.ok()) {
      fprintf(stderr, "benchmark setup failed: %s\n", s.ToString().c_str());
      abort();
    }
  }

 private:
  std::string root_;
};

}  // namespace otc::padstore::bench
