// The otc2 envelope (chat/protocol/envelope.h): its parser's bad-input paths, pad cost and
// package size against the documented formulas, round trips with and without length
// hiding, and garbled envelopes inside packages that authenticate.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "chat/protocol/envelope.h"
#include "chat/protocol/mac.h"
#include "chat/protocol/otc2.h"
#include "chat/protocol/protocol.h"
#include "common/coding.h"
#include "tests/protocol/test_util.h"

namespace otc::protocol {
namespace {

using Code = Status::Code;
using testing::Bytes;
using testing::RandomBytes;
using testing::ToVector;

Options Standard(bool hide = false, int64_t sent = 1796569200123, uint64_t witness = 4242) {
  Options o;
  o.hide_length = hide;
  o.envelope = Envelope{sent, witness};
  return o;
}

// ---- the parser ----

Code ParseCode(const std::vector<uint8_t>& plaintext) {
  Envelope e;
  return ParseEnvelope(plaintext, &e).status().code();
}

TEST(EnvelopeParseTest, StandardEnvelopeIs21BytesAndRoundTrips) {
  const Envelope e{-5, 99};
  ASSERT_EQ(EnvelopeSize(e), 21u);
  std::vector<uint8_t> bytes(21);
  EncodeEnvelope(e, bytes);
  // Hand-written layout: env_len 20, type 1 len 8 i64 LE, type 2 len 8 u64 LE.
  const std::vector<uint8_t> expected = {20, 1, 8,  0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                         2,  8, 99, 0,    0,    0,    0,    0,    0,    0};
  EXPECT_EQ(bytes, expected);
  bytes.push_back('x');
  Envelope parsed;
  auto size = ParseEnvelope(bytes, &parsed);
  ASSERT_TRUE(size.ok()) << size.status().ToString();
  EXPECT_EQ(*size, 21u);
  EXPECT_EQ(parsed, e);
}

TEST(EnvelopeParseTest, EmptyEnvelopeAndUnknownFieldsAreAccepted) {
  Envelope parsed{1, 2};
  auto size = ParseEnvelope(std::vector<uint8_t>{0, 'h', 'i'}, &parsed);
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, 1u);
  EXPECT_EQ(parsed, Envelope{});
  // Unknown type 7 (len 0), unknown type 200 (len 3, twice), then a witness.
  const std::vector<uint8_t> p = {22, 7, 0, 200, 3, 1, 2, 3, 200, 3, 4, 5,
                                  6,  2, 8, 1,   0, 0, 0, 0, 0,   0, 0};
  ASSERT_EQ(p.size(), 23u);
  size = ParseEnvelope(p, &parsed);
  ASSERT_TRUE(size.ok()) << size.status().ToString();
  EXPECT_EQ(*size, 23u);
  EXPECT_FALSE(parsed.sent_ms.has_value());
  EXPECT_EQ(parsed.witness, std::optional<uint64_t>(1));
}

TEST(EnvelopeParseTest, GarbledEnvelopesAreInvalidArgument) {
  EXPECT_EQ(ParseCode({}), Code::kInvalidArgument);         // no env_len
  EXPECT_EQ(ParseCode({5, 1, 8}), Code::kInvalidArgument);  // env_len past the plaintext
  EXPECT_EQ(ParseCode({1, 9}), Code::kInvalidArgument);     // field header cut by env_len
  EXPECT_EQ(ParseCode({4, 9, 5, 0, 0, 0, 0, 0}),
            Code::kInvalidArgument);  // field runs past env_len (bytes after it are text)
  EXPECT_EQ(ParseCode({9, 1, 7, 0, 0, 0, 0, 0, 0, 0}), Code::kInvalidArgument);  // sent len 7
  EXPECT_EQ(ParseCode({11, 2, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0}),
            Code::kInvalidArgument);  // witness len 9
  std::vector<uint8_t> twice_sent = {20, 1, 8, 0, 0, 0, 0, 0, 0, 0, 0,
                                     1,  8, 0, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(ParseCode(twice_sent), Code::kInvalidArgument);
  std::vector<uint8_t> twice_witness = twice_sent;
  twice_witness[1] = twice_witness[11] = 2;
  EXPECT_EQ(ParseCode(twice_witness), Code::kInvalidArgument);
  // The same bytes with distinct types are fine.
  std::vector<uint8_t> both = twice_sent;
  both[11] = 2;
  EXPECT_EQ(ParseCode(both), Code::kOk);
}

// ---- the split fields (types 3-6) ----

TEST(EnvelopeParseTest, SplitFieldsRoundTripInTheirDocumentedLayout) {
  Envelope e;
  e.given = 0x0102;
  e.request = 7;
  e.received = 1;
  e.control = true;
  ASSERT_EQ(EnvelopeSize(e), 1u + 3 * 10 + 2);
  std::vector<uint8_t> bytes(EnvelopeSize(e));
  EncodeEnvelope(e, bytes);
  // Hand-written: env_len 32; given (3), request (4), received (5): len 8, u64 LE each;
  // control (6) with length 0.
  const std::vector<uint8_t> expected = {32,                             // env_len
                                         3,  8, 2, 1, 0, 0, 0, 0, 0, 0,  // given 0x0102
                                         4,  8, 7, 0, 0, 0, 0, 0, 0, 0,  // request 7
                                         5,  8, 1, 0, 0, 0, 0, 0, 0, 0,  // received 1
                                         6,  0};                         // control
  EXPECT_EQ(bytes, expected);
  Envelope parsed;
  auto size = ParseEnvelope(bytes, &parsed);
  ASSERT_TRUE(size.ok()) << size.status().ToString();
  EXPECT_EQ(*size, bytes.size());
  EXPECT_EQ(parsed, e);
  // With the standard fields too, in any order on the wire.
  const std::vector<uint8_t> reordered = {22, 6, 0, 3, 8, 9, 0, 0, 0, 0, 0, 0,
                                          0,  2, 8, 5, 0, 0, 0, 0, 0, 0, 0};
  ASSERT_TRUE(ParseEnvelope(reordered, &parsed).ok());
  EXPECT_TRUE(parsed.control);
  EXPECT_EQ(parsed.given, std::optional<uint64_t>(9));
  EXPECT_EQ(parsed.witness, std::optional<uint64_t>(5));
  EXPECT_FALSE(parsed.request.has_value());
  EXPECT_FALSE(parsed.received.has_value());
}

TEST(EnvelopeParseTest, GarbledSplitFieldsAreInvalidArgument) {
  EXPECT_EQ(ParseCode({3, 6, 1, 0}), Code::kInvalidArgument);           // control with a value
  EXPECT_EQ(ParseCode({4, 6, 0, 6, 0}), Code::kInvalidArgument);        // control twice
  EXPECT_EQ(ParseCode({6, 3, 4, 0, 0, 0, 0}), Code::kInvalidArgument);  // given len 4
  for (uint8_t type : {uint8_t{3}, uint8_t{4}, uint8_t{5}}) {
    SCOPED_TRACE(static_cast<int>(type));
    std::vector<uint8_t> twice = {20,   type, 8, 1, 0, 0, 0, 0, 0, 0, 0,
                                  type, 8,    2, 0, 0, 0, 0, 0, 0, 0};
    EXPECT_EQ(ParseCode(twice), Code::kInvalidArgument);
    twice[12] = 7;  // the second one with a length other than 8
    EXPECT_EQ(ParseCode(twice), Code::kInvalidArgument);
  }
}

TEST(EnvelopeCostTest, EachSplitFieldCostsTenBytesAndTheControlFlagTwo) {
  Options o = Standard();
  o.envelope->given = 1;
  EXPECT_EQ(*PadCost(Format::kOtc2, 100, o), 163u);
  o.envelope->request = 1;
  o.envelope->received = 1;
  EXPECT_EQ(*PadCost(Format::kOtc2, 100, o), 183u);
  o.envelope->control = true;
  EXPECT_EQ(*PadCost(Format::kOtc2, 0, o), 85u);  // a control package: 32 + 53
}

// ---- pad cost and package size (docs/PROTOCOL.md: e = 21 for the device's envelope) ----

TEST(EnvelopeCostTest, MatchesTheDocumentedFormulas) {
  // Not hidden: pad m + 21 + 32, package m + 21 + 30.
  EXPECT_EQ(*PadCost(Format::kOtc2, 0, Standard()), 53u);
  EXPECT_EQ(*PadCost(Format::kOtc2, 100, Standard()), 153u);
  EXPECT_EQ(*PackageSize(Format::kOtc2, 100, Standard()), 151u);
  // Hidden: pad 32 + Bucket(m + 25), package Bucket(m + 25) + 30.
  EXPECT_EQ(*PadCost(Format::kOtc2, 231, Standard(true)), 288u);      // 231 + 25 = 256
  EXPECT_EQ(*PadCost(Format::kOtc2, 232, Standard(true)), 544u);      // 257 -> 512
  EXPECT_EQ(*PackageSize(Format::kOtc2, 232, Standard(true)), 542u);  // 512 + 30
  EXPECT_EQ(*PadCost(Format::kOtc2, 65536, Standard(true)), 32u + 131072u);
  // An envelope with no fields costs its env_len byte only.
  Options empty;
  empty.envelope = Envelope{};
  EXPECT_EQ(*PadCost(Format::kOtc2, 100, empty), 133u);
  // otc1 has no envelope.
  EXPECT_EQ(PadCost(Format::kOtc1, 100, Standard()).status().code(), Code::kUnsupported);
  const auto pad = RandomBytes(1024, 1);
  EXPECT_EQ(
      testing::Send(Format::kOtc1, Bytes("x"), 0, Direction::kUp, pad, Standard()).status().code(),
      Code::kUnsupported);
}

// ---- round trips ----

TEST(EnvelopeRoundTripTest, BothDirectionsWithAndWithoutLengthHiding) {
  const auto pad = RandomBytes(40 << 10, 2);
  std::mt19937_64 rng(3);
  for (Direction d : {Direction::kUp, Direction::kDown}) {
    for (bool hide : {false, true}) {
      for (size_t m : {size_t{0}, size_t{1}, size_t{231}, size_t{232}, size_t{4071}, size_t{4072},
                       size_t{9000}}) {
        SCOPED_TRACE(std::to_string(m) + (hide ? " hidden" : "") +
                     (d == Direction::kUp ? " up" : " down"));
        const int64_t sent = static_cast<int64_t>(rng());
        const uint64_t witness = rng();
        const Options opts = Standard(hide, sent, witness);
        const auto msg = RandomBytes(m, 100 + m);
        const uint64_t index = d == Direction::kUp ? 17 : pad.size() - 18;
        MemoryPadStream send_pad(pad, index, d);
        auto package = Package(Format::kOtc2, msg, index, d, send_pad, opts);
        ASSERT_TRUE(package.ok()) << package.status().ToString();
        EXPECT_EQ(package->size(), *PackageSize(Format::kOtc2, m, opts));
        EXPECT_EQ(send_pad.consumed(), hide ? 32 + 4 + 21 + m : 32 + 21 + m);
        auto header = ParsePackageHeader(Format::kOtc2, *package);
        ASSERT_TRUE(header.ok());
        EXPECT_TRUE(header->has_envelope);
        EXPECT_EQ(header->pad_length, *PadCost(Format::kOtc2, m, opts));
        EXPECT_EQ((*package)[1], hide ? 0x03 : 0x02);
        MemoryPadStream recv_pad(pad, index, d);
        Envelope got;
        auto plain = Unpackage(Format::kOtc2, *package, d, recv_pad, {}, &got);
        ASSERT_TRUE(plain.ok()) << plain.status().ToString();
        EXPECT_EQ(ToVector(*plain), msg);
        EXPECT_EQ(got, (Envelope{sent, witness}));
      }
    }
  }
}

TEST(EnvelopeRoundTripTest, AControlPackageCarriesTheSplitFieldsAndNoText) {
  const auto pad = RandomBytes(4096, 5);
  for (Direction d : {Direction::kUp, Direction::kDown}) {
    Options opts = Standard(false, 12345, 678);
    opts.envelope->given = 1u << 20;
    opts.envelope->received = 99;
    opts.envelope->request = 3u << 20;
    opts.envelope->control = true;
    const uint64_t index = d == Direction::kUp ? 100 : pad.size() - 101;
    MemoryPadStream send_pad(pad, index, d);
    auto package = Package(Format::kOtc2, {}, index, d, send_pad, opts);
    ASSERT_TRUE(package.ok()) << package.status().ToString();
    EXPECT_EQ(send_pad.consumed(), 85u);
    auto header = ParsePackageHeader(Format::kOtc2, *package);
    ASSERT_TRUE(header.ok());
    MemoryPadStream recv_pad(pad, index, d);
    Envelope got;
    auto plain = Unpackage(Format::kOtc2, *package, d, recv_pad, {}, &got);
    ASSERT_TRUE(plain.ok()) << plain.status().ToString();
    EXPECT_TRUE(ToVector(*plain).empty());
    EXPECT_EQ(got, *opts.envelope);
  }
}

TEST(EnvelopeRoundTripTest, WithoutTheFlagThereIsNoEnvelope) {
  const auto pad = RandomBytes(1024, 4);
  auto package = testing::Send(Format::kOtc2, Bytes("plain old otc2"), 0, Direction::kUp, pad);
  ASSERT_TRUE(package.ok());
  EXPECT_EQ((*package)[1], 0);
  MemoryPadStream stream(pad, 0, Direction::kUp);
  Envelope got{1, 2};
  auto plain = Unpackage(Format::kOtc2, *package, Direction::kUp, stream, {}, &got);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(ToVector(*plain), Bytes("plain old otc2"));
  EXPECT_EQ(got, Envelope{});
}

TEST(EnvelopeRoundTripTest, EveryBitFlipIsRejected) {
  const auto pad = RandomBytes(4096, 5);
  auto package =
      testing::Send(Format::kOtc2, Bytes("meet at the dock"), 100, Direction::kUp, pad, Standard());
  ASSERT_TRUE(package.ok());
  for (size_t bit = 0; bit < package->size() * 8; ++bit) {
    auto bad = *package;
    bad[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    auto plain = testing::Receive(Format::kOtc2, bad, Direction::kUp, pad);
    EXPECT_FALSE(plain.ok()) << "bit " << bit;
  }
}

// ---- garbled envelopes in authentic packages ----

// An otc2 package with the envelope flag around `plaintext` as given (a sender that writes
// a garbled envelope), built by hand from the layout: header, plaintext XOR pad after the
// 32-byte Poly1305 key, tag. Index 0, direction +1, length not hidden.
std::vector<uint8_t> HandMadePackage(const std::vector<uint8_t>& plaintext,
                                     const std::vector<uint8_t>& pad) {
  std::vector<uint8_t> out(14 + plaintext.size() + 16);
  out[0] = 2;
  out[1] = 0x02;
  EncodeFixed64(&out[2], 0);
  EncodeFixed32(&out[10], static_cast<uint32_t>(plaintext.size()));
  for (size_t i = 0; i < plaintext.size(); ++i) out[14 + i] = plaintext[i] ^ pad[32 + i];
  Status s =
      internal::ComputeMac(internal::MacKind::kPoly1305, std::span<const uint8_t>(pad.data(), 32),
                           {std::span<const uint8_t>(out.data(), 14 + plaintext.size())},
                           std::span<uint8_t>(out.data() + 14 + plaintext.size(), 16));
  EXPECT_TRUE(s.ok());
  return out;
}

TEST(EnvelopeGarbledTest, AuthenticPackageWithGarbledEnvelopeIsRefused) {
  const auto pad = RandomBytes(4096, 6);
  const std::vector<std::vector<uint8_t>> garbled = {
      {30, 1, 8, 0, 0, 0, 0, 0, 0, 0, 0, 'h', 'i'},                      // env_len past the end
      {9, 1, 7, 0, 0, 0, 0, 0, 0, 0, 'h'},                               // sent time of 7 bytes
      {20, 2, 8, 0, 0, 0, 0, 0, 0, 0, 0, 2, 8, 0, 0, 0, 0, 0, 0, 0, 0},  // witness twice
  };
  for (const auto& plaintext : garbled) {
    auto package = HandMadePackage(plaintext, pad);
    auto plain = testing::Receive(Format::kOtc2, package, Direction::kUp, pad);
    EXPECT_EQ(plain.status().code(), Code::kInvalidArgument) << plain.status().ToString();
  }
  // The same construction with a well-formed envelope decrypts: the refusal above is the
  // envelope's, not the hand-made package's.
  auto good = HandMadePackage({13, 9, 1, 0, 1, 8, 5, 0, 0, 0, 0, 0, 0, 0, 'o', 'k'}, pad);
  MemoryPadStream stream(pad, 0, Direction::kUp);
  Envelope got;
  auto plain = Unpackage(Format::kOtc2, good, Direction::kUp, stream, {}, &got);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(ToVector(*plain), Bytes("ok"));
  EXPECT_EQ(got.sent_ms, std::optional<int64_t>(5));
  EXPECT_FALSE(got.witness.has_value());
}

TEST(EnvelopeGarbledTest, TextOverTheLimitBehindAShortEnvelopeIsTooLarge) {
  const auto pad = RandomBytes(4096, 7);
  Options small;
  small.max_message_size = 10;
  // env_len 0, then 11 text bytes: the body (12) is within max + 256, the text is not.
  std::vector<uint8_t> plaintext = {0};
  for (int i = 0; i < 11; ++i) plaintext.push_back('a');
  auto package = HandMadePackage(plaintext, pad);
  auto plain = testing::Receive(Format::kOtc2, package, Direction::kUp, pad, small);
  EXPECT_EQ(plain.status().code(), Code::kTooLarge) << plain.status().ToString();
  plaintext.pop_back();
  package = HandMadePackage(plaintext, pad);
  EXPECT_TRUE(testing::Receive(Format::kOtc2, package, Direction::kUp, pad, small).ok());
}

TEST(EnvelopeHeaderTest, EnvelopeFlagFraming) {
  auto header = [](uint8_t flags, uint32_t body_len) {
    std::vector<uint8_t> p(30 + body_len);
    p[0] = 2;
    p[1] = flags;
    EncodeFixed32(&p[10], body_len);
    return ParsePackageHeader(Format::kOtc2, p);
  };
  EXPECT_EQ(header(0x02, 0).status().code(), Code::kInvalidArgument);  // no env_len byte
  EXPECT_TRUE(header(0x02, 1).ok());
  EXPECT_TRUE(header(0x02, 65536 + 256).ok());  // max text + the largest envelope
  EXPECT_EQ(header(0x02, 65536 + 257).status().code(), Code::kTooLarge);
  EXPECT_TRUE(header(0x03, 512).ok());
  EXPECT_EQ(header(0x04, 1).status().code(), Code::kUnsupported);
  auto h = header(0x03, 256);
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(h->has_envelope);
  EXPECT_TRUE(h->length_hidden);
  EXPECT_EQ(h->pad_length, 288u);
}

}  // namespace
}  // namespace otc::protocol
