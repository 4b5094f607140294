// The manifest reader on hostile file contents; a complete manifest it accepts
// serializes to a file that reads back the same.
#include "padstore/manifest.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace otc;
  static fuzz::FuzzFile file;
  auto m = padstore::ReadManifest(*Env::Default(), file.Hold(data, size));
  if (!m.ok() || !m->complete) return 0;
  std::vector<uint8_t> bytes = padstore::SerializeManifest(*m);
  auto again = padstore::ReadManifest(*Env::Default(), file.Hold(bytes.data(), bytes.size()));
  fuzz::FuzzCheck(again.ok() && again->complete, "a serialized manifest reads back complete");
  fuzz::FuzzCheck(again->pad_size == m->pad_size && again->chunk_size == m->chunk_size &&
                      again->extension == m->extension && again->chunks == m->chunks &&
                      again->pad_id == m->pad_id,
                  "a serialized manifest reads back the same");
  return 0;
}
