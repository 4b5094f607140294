// randomness_sample: writes a sample for the CI statistical check (statistical_check.sh).
//
//   randomness_sample --source getrandom|biased-extracted --bytes N --out FILE
//
// getrandom          N bytes of getrandom(2) output (padgen's kernel source).
// biased-extracted   a source whose bits are 1 with probability 0.9 (about 1.22 bits of
//                    min-entropy per byte; seeded from getrandom so every run differs), put
//                    through the Toeplitz extractor at --min-entropy 1.0 and epsilon 2^-64
//                    with a fresh getrandom seed: what `padgen --extract toeplitz` does.
// Until padgen's CLI grows --extract, this program stands in for it; the check script
// only needs a file of N bytes.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "common/byte_size.h"
#include "padgen/system_random.h"
#include "padgen/toeplitz.h"
#include "tests/randomness/biased_source.h"

int main(int argc, char** argv) {
  CLI::App app{"Writes a randomness sample for the CI statistical check."};
  std::string source, bytes_text, out_path;
  app.add_option("--source", source, "getrandom or biased-extracted")
      ->required()
      ->check(CLI::IsMember({"getrandom", "biased-extracted"}));
  app.add_option("--bytes", bytes_text, "sample size, e.g. 64M")->required();
  app.add_option("--out", out_path, "output file")->required();
  CLI11_PARSE(app, argc, argv);

  otc::Result<uint64_t> bytes = otc::ParseByteSize(bytes_text);
  if (!bytes.ok()) {
    std::fprintf(stderr, "randomness_sample: --bytes: %s\n", bytes.status().message().c_str());
    return 2;
  }
  FILE* out = std::fopen(out_path.c_str(), "wb");
  if (out == nullptr) {
    std::perror(out_path.c_str());
    return 1;
  }
  auto fail = [&](const otc::Status& st) {
    std::fprintf(stderr, "randomness_sample: %s\n", st.ToString().c_str());
    std::fclose(out);
    return 1;
  };

  uint64_t left = *bytes;
  if (source == "getrandom") {
    std::vector<uint8_t> buf(1 << 20);
    while (left > 0) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(left, buf.size()));
      if (otc::Status st = otc::padgen::FillFromGetrandom({buf.data(), n}); !st.ok()) {
        return fail(st);
      }
      if (std::fwrite(buf.data(), 1, n, out) != n) return fail(otc::Status::IOError("write"));
      left -= n;
    }
  } else {
    uint64_t seed = 0;
    if (otc::Status st =
            otc::padgen::FillFromGetrandom({reinterpret_cast<uint8_t*>(&seed), sizeof seed});
        !st.ok()) {
      return fail(st);
    }
    otc::padgen::testing::BiasedByteSource biased(0.9, seed);
    otc::Result<otc::padgen::ToeplitzParams> params =
        otc::padgen::DeriveToeplitzParams(otc::padgen::kDefaultBlockBits, 1.0);
    if (!params.ok()) return fail(params.status());
    otc::Result<otc::padgen::ToeplitzExtractor> ex =
        otc::padgen::ToeplitzExtractor::Create(*params);
    if (!ex.ok()) return fail(ex.status());
    const size_t blocks = 4096;
    std::vector<uint8_t> in(blocks * params->input_block_bytes());
    std::vector<uint8_t> buf(blocks * params->output_block_bytes());
    while (left > 0) {
      biased.Fill(in);
      if (otc::Status st = ex->ExtractBlocks(in, buf); !st.ok()) return fail(st);
      size_t n = static_cast<size_t>(std::min<uint64_t>(left, buf.size()));
      if (std::fwrite(buf.data(), 1, n, out) != n) return fail(otc::Status::IOError("write"));
      left -= n;
    }
  }
  if (std::fclose(out) != 0) {
    std::perror(out_path.c_str());
    return 1;
  }
  return 0;
}
