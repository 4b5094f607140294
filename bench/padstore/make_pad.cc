// padstore_make_pad: writes a random pad and its complete manifest, for benchmarks and
// manual testing of padstore before padgen exists. The bytes come from OpenSSL's
// RAND_bytes: fine for a benchmark, NOT a pad to use for secrets (use padgen).
//
// Usage: padstore_make_pad --pad FILE --manifest FILE --size 4G [--chunk 4M]
#include <openssl/rand.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "common/byte_size.h"
#include "common/env.h"
#include "common/secret_buffer.h"
#include "padstore/manifest.h"

int main(int argc, char** argv) {
  CLI::App app{"padstore_make_pad: a random pad + manifest for benchmarks (not for secrets)"};
  std::string pad, manifest, size_text, chunk_text = "4M";
  app.add_option("--pad", pad, "pad file to create")->required();
  app.add_option("--manifest", manifest, "manifest file to create")->required();
  app.add_option("--size", size_text, "pad size, e.g. 4G")->required();
  app.add_option("--chunk", chunk_text, "manifest chunk size")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  auto size = otc::ParseByteSize(size_text);
  auto chunk = otc::ParseByteSize(chunk_text);
  if (!size.ok() || !chunk.ok()) {
    std::fprintf(stderr, "padstore_make_pad: %s\n",
                 (size.ok() ? chunk.status() : size.status()).message().c_str());
    return 2;
  }
  otc::Env& env = *otc::Env::Default();
  auto file = env.OpenFile(pad, {.write = true, .create = true, .exclusive = true, .mode = 0600});
  if (!file.ok()) {
    std::fprintf(stderr, "padstore_make_pad: %s\n", file.status().message().c_str());
    return 1;
  }
  auto writer = otc::padstore::ManifestWriter::Create(env, manifest, *size, *chunk, {});
  if (!writer.ok()) {
    std::fprintf(stderr, "padstore_make_pad: %s\n", writer.status().message().c_str());
    return 1;
  }
  otc::SecretBuffer buf(static_cast<size_t>(std::min(*size, *chunk)));
  for (uint64_t at = 0; at < *size; at += *chunk) {
    size_t n = static_cast<size_t>(std::min(*chunk, *size - at));
    if (RAND_bytes(buf.data(), static_cast<int>(n)) != 1) return 1;
    otc::Status s = otc::WriteFully(**file, at, buf.span().first(n));
    if (s.ok()) s = (*writer)->AppendChunk(otc::padstore::ChunkDigest(buf.span().first(n)));
    if (!s.ok()) {
      std::fprintf(stderr, "padstore_make_pad: %s\n", s.message().c_str());
      return 1;
    }
  }
  if (otc::Status s = (*file)->Sync(); !s.ok() || !(*writer)->Finish().ok()) return 1;
  return 0;
}
