// The padgen binary with its randomness-assurance flags: --extract, --epsilon, --mix, --assess
// (help, usage errors, --json, and SIGKILL + --resume of an extracted pad).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "padgen/randomness/manifest_extension.h"
#include "padgen/randomness/toeplitz.h"
#include "padstore/manifest.h"
#include "test_util.h"
#include "tests/randomness/biased_source.h"

namespace otc::padgen {
namespace {

using namespace testing;  // tests/padgen/test_util.h

size_t Lines(const std::string& s) {
  return static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
}

std::vector<uint8_t> ToeplitzRecord(const std::string& manifest) {
  Result<padstore::Manifest> m = padstore::ReadManifest(*Env::Default(), manifest);
  if (!m.ok()) return {};
  Result<std::vector<ExtensionEntry>> e = DecodeExtension(m->extension);
  if (!e.ok()) return {};
  std::optional<ExtensionEntry> t = FindExtensionEntry(*e, kTagToeplitz);
  return t ? t->value : std::vector<uint8_t>{};
}

// The pad from `input` per chunk (each chunk starts on a fresh block; the last block's
// output is cut), computed with the gf2x kernel from the manifest's record.
std::vector<uint8_t> ExtractPerChunk(std::span<const uint8_t> record,
                                     std::span<const uint8_t> input, uint64_t size,
                                     uint64_t chunk) {
  Result<ToeplitzExtractor> ex = ToeplitzExtractor::Deserialize(record, ToeplitzBackend::kGf2x);
  EXPECT_TRUE(ex.ok());
  if (!ex.ok()) return {};
  const size_t ib = ex->params().input_block_bytes(), ob = ex->params().output_block_bytes();
  std::vector<uint8_t> pad;
  size_t pos = 0;
  for (uint64_t off = 0; off < size; off += chunk) {
    const uint64_t len = std::min(chunk, size - off);
    const size_t blocks = (len + ob - 1) / ob;
    if (pos + blocks * ib > input.size()) return {};
    std::vector<uint8_t> out(blocks * ob);
    EXPECT_TRUE(ex->ExtractBlocks(input.subspan(pos, blocks * ib), out).ok());
    pos += blocks * ib;
    pad.insert(pad.end(), out.begin(), out.begin() + static_cast<ptrdiff_t>(len));
  }
  return pad;
}

class ExtractCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { std::signal(SIGPIPE, SIG_IGN); }
  TestDir dir_;
};

TEST_F(ExtractCliTest, HelpDocumentsTheRandomnessFlags) {
  auto r = RunPadgen({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* s : {"--extract", "--epsilon", "--extract-block-bits", "--mix", "--assess",
                        "--assess-bytes", "information-theoretic", "--min-entropy"}) {
    EXPECT_NE(r.out.find(s), std::string::npos) << s;
  }
}

TEST_F(ExtractCliTest, BadFlagsAreOneLineUsageErrors) {
  WriteAll(dir_.File("in"), testing::BiasedBytes(1 << 20, 1));
  const std::string src = "file:" + dir_.File("in");
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--extract", "foo", "--min-entropy", "1"}, "--extract toeplitz"},
      {{"--epsilon", "2^-40"}, "--epsilon"},
      {{"--extract", "toeplitz", "--min-entropy", "1", "--epsilon", "two"}, "epsilon"},
      {{"--extract", "toeplitz", "--min-entropy", "0.05"}, "no output"},
      {{"--extract", "toeplitz"}, "needs --min-entropy"},
      {{"--assess-bytes", "2M"}, "--assess"},
  };
  for (const auto& [flags, expect] : cases) {
    std::vector<std::string> args = {"--size", "1M", "--source", src, "-o", dir_.File("a")};
    args.insert(args.end(), flags.begin(), flags.end());
    auto r = RunPadgen(args);
    EXPECT_EQ(r.exit_code, 2) << expect;
    EXPECT_EQ(Lines(r.err), 1u) << r.err;
    EXPECT_NE(r.err.find(expect), std::string::npos) << r.err;
    EXPECT_FALSE(Exists(dir_.File("a")));
  }
  auto r = RunPadgen({"--size", "1M", "--mix", "-o", dir_.File("a")});  // getrandom source
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--mix"), std::string::npos) << r.err;
}

TEST_F(ExtractCliTest, JsonSummaryDescribesExtractionAndMixing) {
  WriteAll(dir_.File("in"), testing::BiasedBytes(4 << 20, 2));
  auto r = RunPadgen({"--size", "256K", "--chunk-size", "64K", "--source",
                      "file:" + dir_.File("in"), "--extract", "toeplitz", "--min-entropy", "1",
                      "--mix", "--json", "-o", dir_.File("a"), "-o", dir_.File("b")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["extraction"]["method"], "toeplitz");
  EXPECT_EQ(j["extraction"]["block_bits"].get<uint32_t>(), 4096u);
  EXPECT_EQ(j["extraction"]["output_bits"].get<uint32_t>(), 384u);
  EXPECT_EQ(j["extraction"]["epsilon_log2"].get<double>(), 64.0);
  EXPECT_TRUE(j["mix"].get<bool>());
  const std::string g = j["guarantee"].get<std::string>();
  EXPECT_NE(g.find("information-theoretic"), std::string::npos) << g;
  EXPECT_NE(g.find("getrandom"), std::string::npos) << g;
  EXPECT_EQ(j["source_bytes_needed"].get<uint64_t>(), 4 * 1366 * 512u);
  EXPECT_NE(r.err.find("Toeplitz extraction"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("XOR with getrandom"), std::string::npos) << r.err;
}

TEST_F(ExtractCliTest, AssessPrintsTheReportAndRefusesAnOverstatedH) {
  WriteAll(dir_.File("in"), std::vector<uint8_t>(1 << 20, 0));
  auto r =
      RunPadgen({"--size", "64K", "--source", "file:" + dir_.File("in"), "--extract", "toeplitz",
                 "--min-entropy", "2", "--assess", "--json", "-o", dir_.File("a")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("entropy report"), std::string::npos) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_FALSE(j["ok"].get<bool>());
  // With --json the error is in the summary on stdout (docs/CLI.md).
  EXPECT_EQ(j["error"], "usage");
  EXPECT_NE(j["message"].get<std::string>().find("voids"), std::string::npos) << r.out;
  EXPECT_LT(j["assessment"]["suggested_min_entropy"].get<double>(), 0.01);
  EXPECT_FALSE(Exists(dir_.File("a")));
}

TEST_F(ExtractCliTest, SigkillThenResumeGivesTheExtractionOfTheWholeFile) {
  const int rounds = testing::LongProfile() ? 20 : 3;
  const uint64_t size = 24 << 20, chunk = 512 << 10;
  // H = 4: 240 output bytes per 512-byte block, so about 2.2x input.
  std::vector<uint8_t> input = testing::BiasedBytes(56 << 20, 3);
  WriteAll(dir_.File("in"), input);
  std::string a = dir_.File("a"), b = dir_.File("b");
  std::vector<std::string> args = {"--size",    "24M",      "--chunk-size",
                                   "512K",      "--source", "file:" + dir_.File("in"),
                                   "--extract", "toeplitz", "--min-entropy",
                                   "4",         "-o",       a,
                                   "-o",        b,          "-q"};
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> delay_ms(30, 400);
  for (int i = 0; i < rounds; ++i) {
    std::vector<std::string> run = args;
    if (Exists(a) || Exists(a + ".manifest")) run.push_back("--resume");
    int pid = testing::StartPadgen(run);
    ASSERT_GT(pid, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
    ::kill(pid, SIGKILL);
    testing::WaitPadgen(pid);
  }
  if (Exists(a) || Exists(a + ".manifest")) args.push_back("--resume");
  auto r = RunPadgen(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<uint8_t> record = ToeplitzRecord(a + ".manifest");
  ASSERT_FALSE(record.empty());
  EXPECT_EQ(ToeplitzRecord(b + ".manifest"), record);
  std::vector<uint8_t> pad = ReadAll(a);
  ASSERT_EQ(pad.size(), size);
  EXPECT_TRUE(pad == ExtractPerChunk(record, input, size, chunk));
  EXPECT_TRUE(pad == ReadAll(b));
  EXPECT_TRUE(CheckManifest(b + ".manifest", b).complete);
}

}  // namespace
}  // namespace otc::padgen
