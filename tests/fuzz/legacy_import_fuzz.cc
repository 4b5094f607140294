// The 2015 metadata importer on hostile metadata files, against a real store. The pad
// file it names does not exist, so every input stops at the latest after all metadata
// checks and nothing is ever registered: each run sees the same store.
#include <cstdlib>
#include <filesystem>

#include "padstore/legacy_import.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

// A store in a temporary directory, removed when the fuzzer exits.
class ScratchStore {
 public:
  ScratchStore() {
    dir_ = (std::filesystem::temp_directory_path() / "otc-legacy-fuzz-XXXXXX").string();
    if (::mkdtemp(dir_.data()) == nullptr) std::abort();
    const std::string store_dir = dir_ + "/store";
    if (!otc::padstore::Store::Init(store_dir, "alice").ok()) std::abort();
    auto s = otc::padstore::Store::Open(store_dir);
    if (!s.ok()) std::abort();
    store_ = std::move(*s);
  }
  ~ScratchStore() {
    if (store_) (void)store_->Close();
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  otc::padstore::Store& store() { return *store_; }

 private:
  std::string dir_;
  std::unique_ptr<otc::padstore::Store> store_;
};

otc::padstore::Store& TheStore() {
  static ScratchStore scratch;
  return scratch.store();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace otc;
  static fuzz::FuzzFile metadata;
  const std::string_view text = fuzz::AsText(data, size);
  // The decrypt-log grammar directly, both directions.
  (void)padstore::ParseLegacyDecryptLog(text, Direction::kUp);
  (void)padstore::ParseLegacyDecryptLog(text, Direction::kDown);

  padstore::LegacyImportOptions options;
  options.metadata_file = metadata.Hold(data, size);
  options.store_file = "/nonexistent/otc-legacy-fuzz.random.store";
  auto result = padstore::ImportLegacy(TheStore(), options);
  fuzz::FuzzCheck(!result.ok(), "nothing can be imported without the pad file");
  return 0;
}
