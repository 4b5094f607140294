// The journal reader on hostile file contents: it never fails on damage, and every
// record it accepts re-encodes to exactly the bytes it was read from.
#include <cstring>

#include "padstore/journal.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace otc;
  static fuzz::FuzzFile file;
  auto scan = padstore::ScanJournal(*Env::Default(), file.Hold(data, size));
  fuzz::FuzzCheck(scan.ok(), "damage is reported, not failed on");
  fuzz::FuzzCheck(scan->file_size == size, "file size");
  for (const padstore::JournalRecord& r : scan->records) {
    std::vector<uint8_t> again = padstore::EncodeRecord(r.type, r.copy, r.seq, r.time, r.payload);
    fuzz::FuzzCheck(r.offset + again.size() <= size &&
                        std::memcmp(data + r.offset, again.data(), again.size()) == 0,
                    "a record re-encodes to its bytes");
  }
  return 0;
}
