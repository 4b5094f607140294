// Known-answer tests. The otc1 vectors are the public ones from the 2015 reference
// implementation (docs/PROTOCOL.md, "otc1"). The otc2 vectors come from tests/protocol/reference.py, an
// independent Python implementation (hmac/hashlib + cryptography's Poly1305); the first
// otc2 tag was also checked with `openssl mac ... POLY1305`.
#include <gtest/gtest.h>

#include <numeric>

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

}  // namespace
}  // namespace otc::protocol
