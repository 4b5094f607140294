// Known-answer tests. The otc1 vectors are the public ones from the 2015 reference
// implementation (docs/PROTOCOL.md, "otc1"). The otc2 vectors come from
// tests/protocol/reference.py, an independent Python implementation (hmac/hashlib + cryptography's
// Poly1305); the first otc2 tag was also checked with `openssl mac ... POLY1305`.
#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <optional>

#include "chat/protocol/protocol.h"
#include "common/encoding.h"
#include "tests/protocol/test_util.h"

namespace otc::protocol {
namespace {

using testing::Bytes;
using testing::Receive;
using testing::Send;
using testing::ToVector;

// The vector pad: the 200 bytes i % 256.
std::vector<uint8_t> VectorPad(size_t n = 200) {
  std::vector<uint8_t> pad(n);
  for (size_t i = 0; i < n; ++i) pad[i] = static_cast<uint8_t>(i % 256);
  return pad;
}

std::vector<uint8_t> FromHex(std::string_view hex) {
  auto bytes = HexDecode(hex);
  EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

TEST(VectorsTest, Otc1ForwardHiAtZero) {
  auto pad = VectorPad();
  auto package = Send(Format::kOtc1, Bytes("hi"), 0, Direction::kUp, pad);
  ASSERT_TRUE(package.ok()) << package.status().ToString();
  EXPECT_EQ(Base64Encode(*package), "AAAAAAAAamtJtsI3uVWPLRc6n4AUHsn/cm4+JJagEGyBPcDGKtM0Kw==");

  auto reference = Base64Decode("AAAAAAAAamtJtsI3uVWPLRc6n4AUHsn/cm4+JJagEGyBPcDGKtM0Kw==");
  ASSERT_TRUE(reference.ok());
  auto plain = Receive(Format::kOtc1, *reference, Direction::kUp, pad);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(ToVector(*plain), Bytes("hi"));
}

TEST(VectorsTest, Otc1BackwardYoAt199) {
  const char* kHex =
      "c700000000007a6a26be3c4526bf5d8d9cd991a76d46670118afd14880308904773038fd0202f74742";
  auto pad = VectorPad();
  auto package = Send(Format::kOtc1, Bytes("yo!"), 199, Direction::kDown, pad);
  ASSERT_TRUE(package.ok()) << package.status().ToString();
  EXPECT_EQ(HexEncode(*package), kHex);

  auto plain = Receive(Format::kOtc1, FromHex(kHex), Direction::kDown, pad);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(ToVector(*plain), Bytes("yo!"));
}

TEST(VectorsTest, Otc1HeaderOfVector) {
  auto header = ParsePackageHeader(
      Format::kOtc1,
      FromHex(
          "c700000000007a6a26be3c4526bf5d8d9cd991a76d46670118afd14880308904773038fd0202f74742"));
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->format, Format::kOtc1);
  EXPECT_EQ(header->index, 199u);
  EXPECT_EQ(header->pad_length, 54u);  // 2 * 3 + 48
  EXPECT_FALSE(header->length_hidden);
  auto span = PadSpan(*header, Direction::kDown);
  ASSERT_TRUE(span.ok());
  EXPECT_EQ(span->lowest, 146u);
  EXPECT_EQ(span->highest, 199u);
}

TEST(VectorsTest, Otc2ForwardHiAtZero) {
  const char* kHex = "02000000000000000000020000004848ed68e45fdb56d24dc94418130e0964a7";
  auto pad = VectorPad();
  auto package = Send(Format::kOtc2, Bytes("hi"), 0, Direction::kUp, pad);
  ASSERT_TRUE(package.ok()) << package.status().ToString();
  EXPECT_EQ(HexEncode(*package), kHex);

  auto plain = Receive(Format::kOtc2, FromHex(kHex), Direction::kUp, pad);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(ToVector(*plain), Bytes("hi"));
}

TEST(VectorsTest, Otc2BackwardYoAt199) {
  const char* kHex = "0200c70000000000000003000000dec98408bea45f0b81c4882ddef4d2378ceebc";
  auto pad = VectorPad();
  auto package = Send(Format::kOtc2, Bytes("yo!"), 199, Direction::kDown, pad);
  ASSERT_TRUE(package.ok()) << package.status().ToString();
  EXPECT_EQ(HexEncode(*package), kHex);

  auto plain = Receive(Format::kOtc2, FromHex(kHex), Direction::kDown, pad);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(ToVector(*plain), Bytes("yo!"));

  auto header = ParsePackageHeader(Format::kOtc2, FromHex(kHex));
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->index, 199u);
  EXPECT_EQ(header->pad_length, 35u);  // 3 + 32
}

// Length hiding: the reference package uses filler 0xAA (ours is random), so the receiver
// side is checked on the whole reference package and the sender side on everything
// before the filler.
TEST(VectorsTest, Otc2HiddenLength) {
  const std::string kHex =
      "0201e8030000000000000001000020090a0b4d4f4d4b5557555b5d5f5d5b5557554b4d4f4d4b7577757b7d7f"
      "7d7b7577754b4d4f4d4b5557555b" +
      std::string(2 * 212, 'a') + "479474d176b918e617e4e72f5d438d9f";
  auto pad = VectorPad(4096);
  std::vector<uint8_t> msg(40);
  std::iota(msg.begin(), msg.end(), uint8_t{0x41});
  Options hide;
  hide.hide_length = true;

  auto plain = Receive(Format::kOtc2, FromHex(kHex), Direction::kUp, pad);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(ToVector(*plain), msg);

  auto package = Send(Format::kOtc2, msg, 1000, Direction::kUp, pad, hide);
  ASSERT_TRUE(package.ok()) << package.status().ToString();
  ASSERT_EQ(package->size(), 286u);  // 14 + 256 + 16
  const size_t kPrefix = 14 + 4 + 40;
  EXPECT_EQ(HexEncode(std::span<const uint8_t>(package->data(), kPrefix)),
            kHex.substr(0, 2 * kPrefix));
}

// The envelope vectors (tests/protocol/reference.py): sent 2026-12-06T15:00:00.123Z =
// 1796569200123 ms, witness 77: a 21-byte envelope before the text, flag 0x02.
Options WithEnvelope(int64_t sent_ms, uint64_t witness, bool hide = false) {
  Options options;
  options.envelope = Envelope{sent_ms, witness};
  options.hide_length = hide;
  return options;
}

TEST(VectorsTest, Otc2EnvelopeForwardHiAtZero) {
  const char* kHex =
      "020200000000000000001700000034202ad851fb6d8529292a2924602e2f30313233345d5f52a3ace749cce6"
      "04308e110302cbe26c";
  auto pad = VectorPad();
  auto package =
      Send(Format::kOtc2, Bytes("hi"), 0, Direction::kUp, pad, WithEnvelope(1796569200123, 77));
  ASSERT_TRUE(package.ok()) << package.status().ToString();
  EXPECT_EQ(HexEncode(*package), kHex);
  EXPECT_EQ(package->size(), 2u + 51);  // m + 51 with the standard envelope

  auto header = ParsePackageHeader(Format::kOtc2, FromHex(kHex));
  ASSERT_TRUE(header.ok());
  EXPECT_TRUE(header->has_envelope);
  EXPECT_EQ(header->pad_length, 2u + 53);  // m + 53
  MemoryPadStream stream(pad, 0, Direction::kUp);
  Envelope envelope;
  auto plain = Unpackage(Format::kOtc2, FromHex(kHex), Direction::kUp, stream, {}, &envelope);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(ToVector(*plain), Bytes("hi"));
  EXPECT_EQ(envelope.sent_ms, std::optional<int64_t>(1796569200123));
  EXPECT_EQ(envelope.witness, std::optional<uint64_t>(77));
}

// A field of unknown type 9 (3 bytes) after the known ones is skipped; extreme values.
TEST(VectorsTest, Otc2EnvelopeUnknownFieldBackwardYoAt199) {
  const char* kHex =
      "0202c7000000000000001d000000bea7ad5b5c5d5e5f6061629e9365666768696a6b6c9b92918d8df4e3aa03"
      "8e450ab40a40a59b8263343fdbf348";
  auto pad = VectorPad();
  MemoryPadStream stream(pad, 199, Direction::kDown);
  Envelope envelope;
  auto plain = Unpackage(Format::kOtc2, FromHex(kHex), Direction::kDown, stream, {}, &envelope);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(ToVector(*plain), Bytes("yo!"));
  EXPECT_EQ(envelope.sent_ms, std::optional<int64_t>(-1));
  EXPECT_EQ(envelope.witness, std::optional<uint64_t>(UINT64_MAX));
}

// Length hiding with an envelope: the encrypted length covers envelope + text (61).
TEST(VectorsTest, Otc2EnvelopeHiddenLength) {
  const std::string kHex =
      "0203e8030000000000000001000035090a0b180c06f465cf59b11515161510541a1b1c1d1e1f206060606060"
      "6060606060606060606060606060606060606060606060606060202020202020202020" +
      std::string(2 * 191, 'a') + "ff6d8949363bb741bc07e08f9b31edca";
  auto pad = VectorPad(4096);
  std::vector<uint8_t> msg(40);
  std::iota(msg.begin(), msg.end(), uint8_t{0x41});

  MemoryPadStream stream(pad, 1000, Direction::kUp);
  Envelope envelope;
  auto plain = Unpackage(Format::kOtc2, FromHex(kHex), Direction::kUp, stream, {}, &envelope);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(ToVector(*plain), msg);
  EXPECT_EQ(envelope, (Envelope{1796569200123, 77}));

  auto package =
      Send(Format::kOtc2, msg, 1000, Direction::kUp, pad, WithEnvelope(1796569200123, 77, true));
  ASSERT_TRUE(package.ok()) << package.status().ToString();
  ASSERT_EQ(package->size(), 286u);  // 14 + Bucket(40 + 21 + 4) + 16
  const size_t kPrefix = 14 + 4 + 21 + 40;
  EXPECT_EQ(HexEncode(std::span<const uint8_t>(package->data(), kPrefix)),
            kHex.substr(0, 2 * kPrefix));
}

}  // namespace
}  // namespace otc::protocol
