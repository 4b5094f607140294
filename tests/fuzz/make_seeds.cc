// Writes the binary seed inputs of tests/fuzz/corpus/ with the formats' own encoders:
// a journal, a complete manifest, snapshots, and otc1/otc2 packages from the targets'
// test pad. Run once by hand after a format change (build-asan/tests/fuzz/make_seeds
// tests/fuzz/corpus); the seeds are small and committed.
#include <cstdio>
#include <fstream>
#include <string>

#include "padstore/journal.h"
#include "padstore/manifest.h"
#include "padstore/snapshot.h"
#include "tests/fuzz/package_fuzz_common.h"

namespace {

void Write(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

void Append(std::vector<uint8_t>& to, const std::vector<uint8_t>& bytes) {
  to.insert(to.end(), bytes.begin(), bytes.end());
}

}  // namespace

int main(int argc, char** argv) {
  using namespace otc;
  using namespace otc::padstore;
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_seeds CORPUS_DIR\n");
    return 2;
  }
  const std::string dir = argv[1];

  Snapshot snapshot;
  snapshot.own_mark = 4096;
  snapshot.last_activity = 1795660186;
  snapshot.decrypted.Insert(40000, 40100);
  snapshot.decrypted.Insert(40200, 40300);
  snapshot.burned.Insert(0, 4096);
  const std::vector<uint8_t> snap = EncodeSnapshot(snapshot);
  Write(dir + "/snapshot/two_ranges", snap);
  Write(dir + "/snapshot/empty", EncodeSnapshot(Snapshot{}));
  Write(dir + "/snapshot/u64", EncodeU64(7));
  Write(dir + "/snapshot/range", EncodeRange({5, 9}));

  std::vector<uint8_t> journal;
  const std::string meta = "peer=bob\n";
  for (uint8_t copy : {0, 1}) {
    Append(journal, EncodeRecord(RecordType::kMeta, copy, 1, 1795660186,
                                 {reinterpret_cast<const uint8_t*>(meta.data()), meta.size()}));
  }
  for (uint8_t copy : {0, 1})
    Append(journal, EncodeRecord(RecordType::kSnapshot, copy, 2, 1, snap));
  for (uint8_t copy : {0, 1})
    Append(journal, EncodeRecord(RecordType::kMark, copy, 3, 2, EncodeU64(8192)));
  for (uint8_t copy : {0, 1}) {
    Append(journal, EncodeRecord(RecordType::kDecrypt, copy, 4, 3, EncodeRange({40300, 40400})));
  }
  Write(dir + "/journal/small", journal);

  Manifest m;
  m.pad_size = 10000;
  m.chunk_size = 4096;
  m.extension = {1, 2, 3};
  std::vector<uint8_t> pad(m.pad_size, 0x5a);
  for (uint64_t i = 0; i < m.ChunkCount(); ++i) {
    m.chunks.push_back(ChunkDigest({pad.data() + i * m.chunk_size, m.ChunkLength(i)}));
  }
  m.pad_id = WholePadDigest(m.chunks);
  m.complete = true;
  Write(dir + "/manifest/complete", SerializeManifest(m));

  const std::vector<uint8_t>& test_pad = fuzz::TestPad();
  for (auto format : {protocol::Format::kOtc1, protocol::Format::kOtc2}) {
    const std::string name = format == protocol::Format::kOtc1 ? "otc1_package" : "otc2_package";
    for (bool forward : {true, false}) {
      const auto direction = forward ? protocol::Direction::kUp : protocol::Direction::kDown;
      const uint64_t index = forward ? 100 : test_pad.size() - 101;
      protocol::MemoryPadStream stream(test_pad, index, direction);
      const std::string message = "hello, bob";
      auto package = protocol::Package(
          format, {reinterpret_cast<const uint8_t*>(message.data()), message.size()}, index,
          direction, stream);
      if (!package.ok()) return 1;
      std::vector<uint8_t> input = {static_cast<uint8_t>(forward ? 1 : 0)};
      Append(input, *package);
      Write(dir + "/" + name + (forward ? "/forward" : "/backward"), input);
    }
  }
  // otc2 with the envelope (sent time, witness), plain and length-hidden: inputs whose
  // envelope the adversary path decrypts and parses.
  for (bool hide : {false, true}) {
    const uint64_t index = 100;
    protocol::MemoryPadStream stream(test_pad, index, protocol::Direction::kUp);
    protocol::Options options;
    options.hide_length = hide;
    options.envelope = protocol::Envelope{1796569200123, 4242};
    const std::string message = "hello, bob";
    auto package = protocol::Package(
        protocol::Format::kOtc2, {reinterpret_cast<const uint8_t*>(message.data()), message.size()},
        index, protocol::Direction::kUp, stream, options);
    if (!package.ok()) return 1;
    std::vector<uint8_t> input = {static_cast<uint8_t>(hide ? 1 | 2 | 4 : 1 | 4)};
    Append(input, *package);
    Write(dir + "/otc2_package/" + (hide ? "envelope-hidden" : "envelope"), input);
  }
  return 0;
}
