// Round trips through Package and Unpackage for both formats, both directions, length
// hiding on and off, and the pad accounting the device relies on.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <random>
#include <string>
#include <tuple>

#include "chat/protocol/otc2.h"
#include "chat/protocol/protocol.h"
#include "tests/protocol/test_util.h"

namespace otc::protocol {
namespace {

using testing::Bytes;
using testing::RandomBytes;
using testing::ToVector;

struct Config {
  Format format;
  Direction direction;
  bool hide;
};

std::string ConfigName(const ::testing::TestParamInfo<Config>& info) {
  const Config& c = info.param;
  return std::string(FormatName(c.format)) +
         (c.direction == Direction::kUp ? "Forward" : "Backward") + (c.hide ? "Hidden" : "");
}

class RoundTripTest : public ::testing::TestWithParam<Config> {
 protected:
  Options Opts(size_t max = kDefaultMaxMessageSize) const {
    Options o;
    o.max_message_size = max;
    o.hide_length = GetParam().hide;
    return o;
  }

  // Packages `msg` at a random index that fits in `pad`, checks everything the device
  // relies on, unpackages and compares.
  void RoundTrip(const std::vector<uint8_t>& msg, const std::vector<uint8_t>& pad,
                 const Options& opts, std::mt19937_64& rng) {
    const Config& c = GetParam();
    SCOPED_TRACE("message length " + std::to_string(msg.size()));
    auto cost = PadCost(c.format, msg.size(), opts);
    ASSERT_TRUE(cost.ok()) << cost.status().ToString();
    ASSERT_LE(*cost, pad.size());
    const uint64_t slack = pad.size() - *cost;
    const uint64_t r = std::uniform_int_distribution<uint64_t>(0, slack)(rng);
    const uint64_t index = c.direction == Direction::kUp ? r : pad.size() - 1 - r;

    MemoryPadStream send_pad(pad, index, c.direction);
    auto package = Package(c.format, msg, index, c.direction, send_pad, opts);
    ASSERT_TRUE(package.ok()) << package.status().ToString();
    auto size = PackageSize(c.format, msg.size(), opts);
    ASSERT_TRUE(size.ok());
    EXPECT_EQ(package->size(), *size);
    // With length hiding the bucket's tail is reserved but never read.
    EXPECT_EQ(send_pad.consumed(), c.hide ? 36 + msg.size() : *cost);
    if (msg.size() >= 16) {
      EXPECT_TRUE(std::search(package->begin(), package->end(), msg.begin(), msg.end()) ==
                  package->end())
          << "plaintext appears in the package";
    }

    auto header = ParsePackageHeader(c.format, *package, opts);
    ASSERT_TRUE(header.ok()) << header.status().ToString();
    EXPECT_EQ(header->format, c.format);
    EXPECT_EQ(header->index, index);
    EXPECT_EQ(header->pad_length, *cost);
    EXPECT_EQ(header->length_hidden, c.hide);

    MemoryPadStream recv_pad(pad, header->index, c.direction);
    auto plain = Unpackage(c.format, *package, c.direction, recv_pad, opts);
    ASSERT_TRUE(plain.ok()) << plain.status().ToString();
    EXPECT_EQ(ToVector(*plain), msg);
    EXPECT_EQ(recv_pad.consumed(), send_pad.consumed());
  }
};

TEST_P(RoundTripTest, RandomSizesUpTo70KiB) {
  constexpr size_t kMax = 70 << 10;
  const Options opts = Opts(kMax);
  const auto pad = RandomBytes(300 << 10, 1);
  std::mt19937_64 rng(42 + static_cast<int>(GetParam().format) * 7 +
                      static_cast<int>(GetParam().direction) * 3 + GetParam().hide);
  std::vector<size_t> sizes = {0,    1,    2,    15,    16,    17,    31,       32,
                               33,   100,  251,  252,   253,   1024,  4092,     4093,
                               4096, 8188, 8189, 65535, 65536, 65537, kMax - 1, kMax};
  std::uniform_int_distribution<size_t> any(0, kMax);
  for (int i = 0; i < 30; ++i) sizes.push_back(any(rng));
  for (size_t m : sizes) {
    RoundTrip(RandomBytes(m, 1000 + m), pad, opts, rng);
    if (HasFatalFailure()) return;
  }
}

TEST_P(RoundTripTest, EmptyUtf8AndBinaryPayloads) {
  const auto pad = RandomBytes(4096, 2);
  std::mt19937_64 rng(7);
  std::vector<uint8_t> binary(256);
  for (size_t i = 0; i < binary.size(); ++i) binary[i] = static_cast<uint8_t>(255 - i);
  const std::vector<std::vector<uint8_t>> payloads = {
      {},
      Bytes("h\xc3\xa9llo w\xc3\xb6rld \xe2\x80\x94 \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e "
            "\xf0\x9f\x99\x82"),  // "héllo wörld — 日本語 🙂"
      binary,
      std::vector<uint8_t>(100, 0),  // all NUL
  };
  for (const auto& p : payloads) {
    RoundTrip(p, pad, Opts(), rng);
    if (HasFatalFailure()) return;
  }
}

TEST_P(RoundTripTest, ConsecutiveMessagesTileTheSendersHalf) {
  // The device's view: each message starts where the previous one's pad range ended.
  const Config& c = GetParam();
  const auto pad = RandomBytes(64 << 10, 3);
  const Options opts = Opts();
  std::vector<std::vector<uint8_t>> sent;
  std::vector<std::vector<uint8_t>> packages;
  uint64_t next = c.direction == Direction::kUp ? 0 : pad.size() - 1;
  std::optional<PadInterval> previous;
  for (size_t i = 0; i < 20; ++i) {
    auto msg = RandomBytes(i * 37 % 300, 50 + i);
    auto package = testing::Send(c.format, msg, next, c.direction, pad, opts);
    ASSERT_TRUE(package.ok()) << package.status().ToString();
    auto header = ParsePackageHeader(c.format, *package, opts);
    ASSERT_TRUE(header.ok());
    auto span = PadSpan(*header, c.direction);
    ASSERT_TRUE(span.ok());
    if (previous) {  // adjacent, never overlapping
      if (c.direction == Direction::kUp) {
        EXPECT_EQ(span->lowest, previous->highest + 1);
      } else {
        EXPECT_EQ(span->highest + 1, previous->lowest);
      }
    }
    previous = *span;
    next = c.direction == Direction::kUp ? span->highest + 1 : span->lowest - 1;
    sent.push_back(msg);
    packages.push_back(*package);
  }
  // Received out of order (the index in each package makes that work).
  for (size_t i = sent.size(); i-- > 0;) {
    auto plain = testing::Receive(c.format, packages[i], c.direction, pad, opts);
    ASSERT_TRUE(plain.ok()) << plain.status().ToString();
    EXPECT_EQ(ToVector(*plain), sent[i]);
  }
}

TEST_P(RoundTripTest, WrongDirectionFailsAuthentication) {
  const Config& c = GetParam();
  const auto pad = RandomBytes(1024, 4);
  auto package = testing::Send(c.format, Bytes("attack at dawn"), 500, c.direction, pad, Opts());
  ASSERT_TRUE(package.ok());
  const Direction other = c.direction == Direction::kUp ? Direction::kDown : Direction::kUp;
  EXPECT_EQ(testing::Receive(c.format, *package, other, pad, Opts()).status().code(),
            Status::Code::kIntegrity);
}

TEST_P(RoundTripTest, WrongPadFailsAuthentication) {
  const Config& c = GetParam();
  const auto pad = RandomBytes(1024, 5);
  auto other_pad = pad;
  other_pad[600] ^= 1;  // one bit differs somewhere in the package's range
  const uint64_t index = c.direction == Direction::kUp ? 580 : 620;
  auto package = testing::Send(c.format, Bytes("attack at dawn"), index, c.direction, pad, Opts());
  ASSERT_TRUE(package.ok());
  auto plain = testing::Receive(c.format, *package, c.direction, other_pad, Opts());
  EXPECT_FALSE(plain.ok());
  EXPECT_EQ(plain.status().code(), Status::Code::kIntegrity);
}

INSTANTIATE_TEST_SUITE_P(AllFormats, RoundTripTest,
                         ::testing::Values(Config{Format::kOtc1, Direction::kUp, false},
                                           Config{Format::kOtc1, Direction::kDown, false},
                                           Config{Format::kOtc2, Direction::kUp, false},
                                           Config{Format::kOtc2, Direction::kDown, false},
                                           Config{Format::kOtc2, Direction::kUp, true},
                                           Config{Format::kOtc2, Direction::kDown, true}),
                         ConfigName);

// ---- Pad cost, sizes and length hiding, with hand-computed expectations ----

TEST(PadCostTest, MatchesTheDocumentedFormulas) {
  Options hide;
  hide.hide_length = true;
  EXPECT_EQ(*PadCost(Format::kOtc1, 0), 48u);
  EXPECT_EQ(*PadCost(Format::kOtc1, 100), 248u);
  EXPECT_EQ(*PackageSize(Format::kOtc1, 100), 138u);
  EXPECT_EQ(*PadCost(Format::kOtc2, 0), 32u);
  EXPECT_EQ(*PadCost(Format::kOtc2, 100), 132u);
  EXPECT_EQ(*PackageSize(Format::kOtc2, 100), 130u);
  EXPECT_EQ(*PadCost(Format::kOtc2, 100, hide), 288u);      // 32 + 256
  EXPECT_EQ(*PackageSize(Format::kOtc2, 100, hide), 286u);  // 30 + 256
  EXPECT_EQ(*PadCost(Format::kOtc2, 65536, hide), 32u + 131072u);
}

TEST(LengthHidingTest, BucketBoundaries) {
  EXPECT_EQ(otc2::Bucket(4), 256u);
  EXPECT_EQ(otc2::Bucket(256), 256u);
  EXPECT_EQ(otc2::Bucket(257), 512u);
  EXPECT_EQ(otc2::Bucket(4095), 4096u);
  EXPECT_EQ(otc2::Bucket(4096), 4096u);
  EXPECT_EQ(otc2::Bucket(4097), 8192u);
  EXPECT_EQ(otc2::Bucket(65540), 131072u);
  EXPECT_TRUE(otc2::IsBucket(256));
  EXPECT_TRUE(otc2::IsBucket(3840));
  EXPECT_TRUE(otc2::IsBucket(16384));
  EXPECT_FALSE(otc2::IsBucket(0));
  EXPECT_FALSE(otc2::IsBucket(40));
  EXPECT_FALSE(otc2::IsBucket(12288));  // a multiple of 256 above 4096 but not a power of 2
}

TEST(LengthHidingTest, MessagesInOneBucketLookAlike) {
  const auto pad = RandomBytes(4096, 6);
  Options hide;
  hide.hide_length = true;
  auto a = testing::Send(Format::kOtc2, RandomBytes(0, 1), 0, Direction::kUp, pad, hide);
  auto b = testing::Send(Format::kOtc2, RandomBytes(252, 2), 0, Direction::kUp, pad, hide);
  auto c = testing::Send(Format::kOtc2, RandomBytes(253, 3), 0, Direction::kUp, pad, hide);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->size(), 286u);
  EXPECT_EQ(b->size(), 286u);
  EXPECT_EQ(c->size(), 542u);
  auto ha = ParsePackageHeader(Format::kOtc2, *a);
  auto hb = ParsePackageHeader(Format::kOtc2, *b);
  ASSERT_TRUE(ha.ok() && hb.ok());
  EXPECT_EQ(ha->pad_length, hb->pad_length);  // the next index reveals only the bucket
  EXPECT_TRUE(ha->length_hidden);
}

TEST(LengthHidingTest, FillerIsFreshRandomNotPad) {
  // The same message on the same pad twice: header, length and ciphertext are equal, the
  // filler (from the CSPRNG) differs.
  const auto pad = RandomBytes(4096, 7);
  Options hide;
  hide.hide_length = true;
  auto msg = Bytes("short");
  auto a = testing::Send(Format::kOtc2, msg, 10, Direction::kUp, pad, hide);
  auto b = testing::Send(Format::kOtc2, msg, 10, Direction::kUp, pad, hide);
  ASSERT_TRUE(a.ok() && b.ok());
  const size_t filler_at = 14 + 4 + msg.size();
  EXPECT_TRUE(std::equal(a->begin(), a->begin() + filler_at, b->begin()));
  EXPECT_FALSE(std::equal(a->begin() + filler_at, a->end() - 16, b->begin() + filler_at));
}

TEST(LengthHidingTest, Otc1HasNone) {
  Options hide;
  hide.hide_length = true;
  const auto pad = RandomBytes(1024, 8);
  EXPECT_EQ(PadCost(Format::kOtc1, 10, hide).status().code(), Status::Code::kUnsupported);
  EXPECT_EQ(PackageSize(Format::kOtc1, 10, hide).status().code(), Status::Code::kUnsupported);
  EXPECT_EQ(testing::Send(Format::kOtc1, Bytes("x"), 0, Direction::kUp, pad, hide).status().code(),
            Status::Code::kUnsupported);
}

}  // namespace
}  // namespace otc::protocol
