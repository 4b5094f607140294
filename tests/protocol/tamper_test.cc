// Bad input: bit flips, truncation, trailing bytes, garbage, wrong versions and flags,
// oversized messages, out-of-range indices, failing pad streams. Every one must be a typed
// error, never plaintext, never a crash (the ASan/UBSan build runs these too).
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "chat/protocol/otc2.h"
#include "chat/protocol/protocol.h"
#include "common/coding.h"
#include "tests/protocol/test_util.h"

namespace otc::protocol {
namespace {

using Code = Status::Code;
using testing::Bytes;
using testing::RandomBytes;
using testing::Receive;
using testing::Send;

constexpr uint64_t kPadSize = 1 << 20;
constexpr uint64_t kIndex = 300000;  // most index bit flips still land inside the pad

struct Case {
  const char* name;
  Format format;
  Direction direction;
  bool hide;
};

const Case kCases[] = {
    {"otc1 forward", Format::kOtc1, Direction::kUp, false},
    {"otc1 backward", Format::kOtc1, Direction::kDown, false},
    {"otc2 forward", Format::kOtc2, Direction::kUp, false},
    {"otc2 backward", Format::kOtc2, Direction::kDown, false},
    {"otc2 forward hidden", Format::kOtc2, Direction::kUp, true},
    {"otc2 backward hidden", Format::kOtc2, Direction::kDown, true},
};

Options OptsFor(const Case& c) {
  Options o;
  o.hide_length = c.hide;
  return o;
}

const std::vector<uint8_t>& TestPad() {
  static const auto pad = RandomBytes(kPadSize, 99);
  return pad;
}

std::vector<uint8_t> Message40() { return Bytes("forty bytes of secret: meet at the dock."); }

TEST(TamperTest, EverySingleBitFlipIsRejected) {
  const auto msg = Message40();
  ASSERT_EQ(msg.size(), 40u);
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    auto package = Send(c.format, msg, kIndex, c.direction, TestPad(), OptsFor(c));
    ASSERT_TRUE(package.ok()) << package.status().ToString();
    ASSERT_TRUE(Receive(c.format, *package, c.direction, TestPad()).ok());
    const size_t header = c.format == Format::kOtc1 ? 6 : 14;
    size_t integrity = 0;
    for (size_t bit = 0; bit < package->size() * 8; ++bit) {
      auto bad = *package;
      bad[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
      auto plain = Receive(c.format, bad, c.direction, TestPad());
      ASSERT_FALSE(plain.ok()) << "bit " << bit << " flip accepted";
      const Code code = plain.status().code();
      const size_t byte = bit / 8;
      if (byte >= header) {
        EXPECT_EQ(code, Code::kIntegrity) << "bit " << bit;  // body and tag
      } else if (c.format == Format::kOtc2 && byte == 0) {
        EXPECT_EQ(code, Code::kUnsupported) << "bit " << bit;  // version
      } else if (c.format == Format::kOtc2 && byte == 1 && bit % 8 >= 2) {
        EXPECT_EQ(code, Code::kUnsupported) << "bit " << bit;  // unknown flag
      } else {
        // Index, length, hidden or envelope flag: a different pad range (integrity), a range
        // outside the pad buffer (exhausted) or below 0, or inconsistent framing.
        EXPECT_TRUE(code == Code::kIntegrity || code == Code::kExhausted ||
                    code == Code::kInvalidArgument || code == Code::kTooLarge)
            << "bit " << bit << ": " << plain.status().ToString();
      }
      if (code == Code::kIntegrity) ++integrity;
    }
    EXPECT_GE(integrity, (package->size() - header) * 8);
  }
}

TEST(TamperTest, EveryTruncationIsRejected) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    auto package = Send(c.format, Message40(), kIndex, c.direction, TestPad(), OptsFor(c));
    ASSERT_TRUE(package.ok());
    for (size_t len = 0; len < package->size(); ++len) {
      std::vector<uint8_t> cut(package->begin(), package->begin() + len);
      auto plain = Receive(c.format, cut, c.direction, TestPad());
      ASSERT_FALSE(plain.ok()) << "truncation to " << len << " accepted";
      Code expected = Code::kInvalidArgument;
      if (c.format == Format::kOtc1 && len >= 38) expected = Code::kIntegrity;  // m' = len - 38
      EXPECT_EQ(plain.status().code(), expected) << "length " << len;
    }
  }
}

TEST(TamperTest, TrailingBytesAreRejected) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    auto package = Send(c.format, Message40(), kIndex, c.direction, TestPad(), OptsFor(c));
    ASSERT_TRUE(package.ok());
    package->push_back(0);
    auto plain = Receive(c.format, *package, c.direction, TestPad());
    EXPECT_EQ(plain.status().code(),
              c.format == Format::kOtc1 ? Code::kIntegrity : Code::kInvalidArgument);
  }
}

TEST(TamperTest, Otc2TagIsCheckedBeforeAnyTextPadIsRead) {
  for (bool hide : {false, true}) {
    Options opts;
    opts.hide_length = hide;
    auto package = Send(Format::kOtc2, Message40(), kIndex, Direction::kUp, TestPad(), opts);
    ASSERT_TRUE(package.ok());
    (*package)[20] ^= 0x80;  // in the body
    MemoryPadStream stream(TestPad(), kIndex, Direction::kUp);
    auto plain = Unpackage(Format::kOtc2, *package, Direction::kUp, stream);
    EXPECT_EQ(plain.status().code(), Code::kIntegrity);
    EXPECT_EQ(stream.consumed(), 32u) << "only the Poly1305 key may be read before the tag";
  }
}

TEST(TamperTest, SwappedFormatsAreRejected) {
  auto p1 = Send(Format::kOtc1, Message40(), kIndex, Direction::kUp, TestPad());
  auto p2 = Send(Format::kOtc2, Message40(), kIndex, Direction::kUp, TestPad());
  ASSERT_TRUE(p1.ok() && p2.ok());
  // otc1's first byte is the low index byte (300000 = 0x0493e0): not version 2.
  EXPECT_EQ(Receive(Format::kOtc2, *p1, Direction::kUp, TestPad()).status().code(),
            Code::kUnsupported);
  // otc2 read as otc1: the "index" is 02 00 e0 93 04 00, far outside the 1 MiB pad.
  EXPECT_EQ(Receive(Format::kOtc1, *p2, Direction::kUp, TestPad()).status().code(),
            Code::kExhausted);
}

// ---- ParsePackageHeader on hand-made and random headers ----

std::vector<uint8_t> Otc2Header(uint8_t version, uint8_t flags, uint64_t index, uint32_t body_len,
                                size_t total_size) {
  std::vector<uint8_t> p(total_size);
  if (total_size >= 1) p[0] = version;
  if (total_size >= 2) p[1] = flags;
  uint8_t h[14];
  h[0] = version;
  h[1] = flags;
  EncodeFixed64(h + 2, index);
  EncodeFixed32(h + 10, body_len);
  for (size_t i = 0; i < std::min<size_t>(14, total_size); ++i) p[i] = h[i];
  return p;
}

TEST(ParseHeaderTest, Otc2WrongVersionIsUnsupported) {
  for (uint8_t v : {0, 1, 3, 0x12, 0xff}) {
    auto h = ParsePackageHeader(Format::kOtc2, Otc2Header(v, 0, 0, 0, 30));
    EXPECT_EQ(h.status().code(), Code::kUnsupported) << int{v};
  }
}

TEST(ParseHeaderTest, Otc2UnknownFlagsAreUnsupported) {
  for (uint8_t f : {0x04, 0x80, 0xfe, 0xff}) {
    auto h = ParsePackageHeader(Format::kOtc2, Otc2Header(2, f, 0, 256, 286));
    EXPECT_EQ(h.status().code(), Code::kUnsupported) << int{f};
  }
}

TEST(ParseHeaderTest, Otc2FramingErrors) {
  auto parse = [](const std::vector<uint8_t>& p) {
    return ParsePackageHeader(Format::kOtc2, p).status().code();
  };
  EXPECT_EQ(parse({}), Code::kInvalidArgument);
  EXPECT_EQ(parse({2}), Code::kInvalidArgument);
  EXPECT_EQ(parse(Otc2Header(2, 0, 0, 0, 29)), Code::kInvalidArgument);   // < header + tag
  EXPECT_EQ(parse(Otc2Header(2, 0, 0, 10, 39)), Code::kInvalidArgument);  // body cut short
  EXPECT_EQ(parse(Otc2Header(2, 0, 0, 10, 41)), Code::kInvalidArgument);  // trailing byte
  EXPECT_EQ(parse(Otc2Header(2, 1, 0, 40, 70)), Code::kInvalidArgument);  // not a bucket
  EXPECT_EQ(parse(Otc2Header(2, 1, 0, 0, 30)), Code::kInvalidArgument);   // empty hidden body
  EXPECT_EQ(parse(Otc2Header(2, 1, 0, 12288, 12318)), Code::kInvalidArgument);

  auto ok = ParsePackageHeader(Format::kOtc2, Otc2Header(2, 1, 77, 512, 542));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->index, 77u);
  EXPECT_EQ(ok->pad_length, 544u);
  EXPECT_TRUE(ok->length_hidden);
}

TEST(ParseHeaderTest, OversizedIsTooLarge) {
  // otc1: the size is the package size.
  EXPECT_EQ(ParsePackageHeader(Format::kOtc1, std::vector<uint8_t>(38 + 65536)).status().code(),
            Code::kOk);
  EXPECT_EQ(ParsePackageHeader(Format::kOtc1, std::vector<uint8_t>(38 + 65537)).status().code(),
            Code::kTooLarge);
  // otc2: the announced body length, even when the bytes are not there.
  EXPECT_EQ(ParsePackageHeader(Format::kOtc2, Otc2Header(2, 0, 0, 65537, 30)).status().code(),
            Code::kTooLarge);
  EXPECT_EQ(ParsePackageHeader(Format::kOtc2, Otc2Header(2, 0, 0, 0xffffffff, 30)).status().code(),
            Code::kTooLarge);
  EXPECT_EQ(ParsePackageHeader(Format::kOtc2, Otc2Header(2, 1, 0, 131072, 131102)).ok(), true);
  EXPECT_EQ(ParsePackageHeader(Format::kOtc2, Otc2Header(2, 1, 0, 262144, 30)).status().code(),
            Code::kTooLarge);
  // A smaller configured limit.
  Options small;
  small.max_message_size = 100;
  EXPECT_EQ(ParsePackageHeader(Format::kOtc1, std::vector<uint8_t>(139), small).status().code(),
            Code::kTooLarge);
  EXPECT_EQ(ParsePackageHeader(Format::kOtc2, Otc2Header(2, 0, 0, 101, 131), small).status().code(),
            Code::kTooLarge);
  EXPECT_EQ(ParsePackageHeader(Format::kOtc2, Otc2Header(2, 1, 0, 512, 542), small).status().code(),
            Code::kTooLarge);  // bucket(104) = 256 is the largest allowed
}

TEST(ParseHeaderTest, RandomGarbageNeverCrashesNorDecrypts) {
  std::mt19937_64 rng(2024);
  std::uniform_int_distribution<size_t> len(0, 400);
  for (int i = 0; i < 4000; ++i) {
    auto bytes = RandomBytes(len(rng), rng());
    const Format format = i % 2 == 0 ? Format::kOtc1 : Format::kOtc2;
    if (format == Format::kOtc2 && i % 4 == 1 && !bytes.empty()) {
      bytes[0] = 2;  // get past the version check, into the framing checks
      if (bytes.size() >= 14 && i % 8 == 1) {
        bytes[1] &= 1;
        EncodeFixed32(&bytes[10],
                      static_cast<uint32_t>(bytes.size() >= 30 ? bytes.size() - 30 : 0));
      }
    }
    auto header = ParsePackageHeader(format, bytes);
    if (!header.ok()) {
      const Code code = header.status().code();
      EXPECT_TRUE(code == Code::kInvalidArgument || code == Code::kUnsupported ||
                  code == Code::kTooLarge)
          << header.status().ToString();
      continue;
    }
    // Well-framed garbage: the tag cannot match.
    for (Direction d : {Direction::kUp, Direction::kDown}) {
      auto plain = Receive(format, bytes, d, TestPad());
      ASSERT_FALSE(plain.ok());
      const Code code = plain.status().code();
      EXPECT_TRUE(code == Code::kIntegrity || code == Code::kExhausted ||
                  code == Code::kInvalidArgument)
          << plain.status().ToString();
    }
  }
}

// ---- Sender-side limits ----

TEST(PackageLimitsTest, OversizedMessageIsTooLarge) {
  const auto pad = RandomBytes(300 << 10, 5);
  const std::vector<uint8_t> big(kDefaultMaxMessageSize + 1, 'x');
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(Send(c.format, big, 0, Direction::kUp, pad, OptsFor(c)).status().code(),
              Code::kTooLarge);
    EXPECT_EQ(PadCost(c.format, big.size(), OptsFor(c)).status().code(), Code::kTooLarge);
    std::vector<uint8_t> exact(kDefaultMaxMessageSize, 'x');
    EXPECT_TRUE(Send(c.format, exact, 0, Direction::kUp, pad, OptsFor(c)).ok());
  }
  Options tiny;
  tiny.max_message_size = 3;
  EXPECT_EQ(Send(Format::kOtc2, Bytes("four"), 0, Direction::kUp, pad, tiny).status().code(),
            Code::kTooLarge);
  Options absurd;
  absurd.max_message_size = kMaxMessageSizeLimit + 1;
  EXPECT_EQ(Send(Format::kOtc2, Bytes("x"), 0, Direction::kUp, pad, absurd).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(ParsePackageHeader(Format::kOtc1, std::vector<uint8_t>(40), absurd).status().code(),
            Code::kInvalidArgument);
}

TEST(PackageLimitsTest, IndexOutOfRangeIsRejected) {
  const auto pad = RandomBytes(64, 6);
  const uint64_t k2To48 = uint64_t{1} << 48;
  auto code = [&](Format f, uint64_t index, Direction d, uint64_t first_index) {
    return Send(f, {}, index, d, pad, {}, first_index).status().code();
  };
  // otc1: 6-byte index; an empty message uses 48 pad bytes.
  EXPECT_EQ(code(Format::kOtc1, k2To48, Direction::kDown, k2To48 - 16), Code::kInvalidArgument);
  EXPECT_EQ(code(Format::kOtc1, k2To48 - 47, Direction::kUp, k2To48 - 64), Code::kInvalidArgument);
  EXPECT_EQ(code(Format::kOtc1, k2To48 - 48, Direction::kUp, k2To48 - 64), Code::kOk);
  EXPECT_EQ(code(Format::kOtc1, 46, Direction::kDown, 0), Code::kInvalidArgument);
  EXPECT_EQ(code(Format::kOtc1, 47, Direction::kDown, 0), Code::kOk);
  // otc2: 8-byte index; an empty message uses 32 pad bytes.
  EXPECT_EQ(code(Format::kOtc2, UINT64_MAX - 30, Direction::kUp, UINT64_MAX - 63),
            Code::kInvalidArgument);
  EXPECT_EQ(code(Format::kOtc2, UINT64_MAX - 31, Direction::kUp, UINT64_MAX - 63), Code::kOk);
  EXPECT_EQ(code(Format::kOtc2, 30, Direction::kDown, 0), Code::kInvalidArgument);
  EXPECT_EQ(code(Format::kOtc2, 31, Direction::kDown, 0), Code::kOk);
}

TEST(PackageLimitsTest, ReceivedRangeBelowZeroIsRejectedBeforeReadingPad) {
  for (Format f : {Format::kOtc1, Format::kOtc2}) {
    SCOPED_TRACE(FormatName(f));
    auto package = Send(f, Message40(), 500, Direction::kDown, TestPad());
    ASSERT_TRUE(package.ok());
    // Rewrite the index to 10: a 40-byte message needs far more than 11 bytes below it.
    auto bad = *package;
    if (f == Format::kOtc1) {
      EncodeFixedN(bad.data(), 10, 6);
    } else {
      EncodeFixed64(&bad[2], 10);
    }
    auto header = ParsePackageHeader(f, bad);
    ASSERT_TRUE(header.ok());
    EXPECT_EQ(PadSpan(*header, Direction::kDown).status().code(), Code::kInvalidArgument);
    MemoryPadStream stream(TestPad(), 10, Direction::kDown);
    EXPECT_EQ(Unpackage(f, bad, Direction::kDown, stream).status().code(), Code::kInvalidArgument);
    EXPECT_EQ(stream.consumed(), 0u);
  }
}

TEST(PackageLimitsTest, Otc1RangePastTwoTo48IsRejected) {
  auto package = Send(Format::kOtc1, Message40(), 0, Direction::kUp, TestPad());
  ASSERT_TRUE(package.ok());
  EncodeFixedN(package->data(), (uint64_t{1} << 48) - 10, 6);
  MemoryPadStream stream(TestPad(), 0, Direction::kUp);
  EXPECT_EQ(Unpackage(Format::kOtc1, *package, Direction::kUp, stream).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(stream.consumed(), 0u);
}

// ---- Pad stream failures propagate, with nothing released ----

TEST(PadStreamFailureTest, ErrorsPropagateAtEveryReadPoint) {
  const auto msg = Message40();
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    auto cost = PadCost(c.format, msg.size(), OptsFor(c));
    ASSERT_TRUE(cost.ok());
    auto good = Send(c.format, msg, kIndex, c.direction, TestPad(), OptsFor(c));
    ASSERT_TRUE(good.ok());
    // Fail after each prefix length the implementation reads in one piece, and a few more.
    for (uint64_t after : {uint64_t{0}, uint64_t{1}, uint64_t{31}, uint64_t{32}, uint64_t{36},
                           uint64_t{40}, uint64_t{72}, uint64_t{75}, uint64_t{112}}) {
      if (after >= (c.hide ? 76u : *cost)) continue;
      MemoryPadStream inner(TestPad(), kIndex, c.direction);
      testing::FailingPadStream failing(inner, after);
      auto package = Package(c.format, msg, kIndex, c.direction, failing, OptsFor(c));
      EXPECT_EQ(package.status().code(), Code::kIOError) << "after " << after;
      EXPECT_NE(package.status().message().find("reading pad"), std::string::npos);

      MemoryPadStream inner2(TestPad(), kIndex, c.direction);
      testing::FailingPadStream failing2(inner2, after);
      auto plain = Unpackage(c.format, *good, c.direction, failing2, OptsFor(c));
      EXPECT_EQ(plain.status().code(), Code::kIOError) << "after " << after;
    }
  }
}

}  // namespace
}  // namespace otc::protocol
