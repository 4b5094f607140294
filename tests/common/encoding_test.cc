#include "common/encoding.h"

#include <gtest/gtest.h>

#include <random>

namespace otc {
namespace {

std::string Str(const std::vector<uint8_t>& v) { return std::string(v.begin(), v.end()); }

// RFC 4648 §10 test vectors.
TEST(Base64Test, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (auto [plain, encoded] : vectors) {
    EXPECT_EQ(Base64Encode(AsBytes(plain)), encoded);
    auto decoded = Base64Decode(encoded);
    ASSERT_TRUE(decoded.ok()) << encoded;
    EXPECT_EQ(Str(*decoded), plain);
  }
}

TEST(Base64Test, RoundTripsRandomBinary) {
  std::mt19937 rng(7);
  for (size_t len = 0; len < 300; ++len) {
    std::vector<uint8_t> data(len);
    for (auto& b : data) b = static_cast<uint8_t>(rng());
    auto decoded = Base64Decode(Base64Encode(data));
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(*decoded, data);
  }
}

TEST(Base64Test, RejectsBadInput) {
  for (const char* bad : {"Zg=",              // length not a multiple of 4
                          "Zg",               // missing padding
                          "Z===",             // too much padding
                          "Zm9v\n",           // whitespace
                          "Zm 9v",            // space
                          "Zm9*",             // bad character
                          "=Zm9",             // padding first
                          "Zm=v",             // padding in the middle
                          "Zh==",             // non-canonical: trailing bits set
                          "Zm9=",             // non-canonical: trailing bits set
                          "Zm9vYg==Zm9v"}) {  // data after padding
    auto r = Base64Decode(bad);
    ASSERT_FALSE(r.ok()) << "accepted " << bad;
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  }
}

// Each text the review showed was accepted, one per way base64 can be non-canonical.
TEST(Base64Test, RejectsPaddingBeforeTheEnd) {
  for (const char* bad :
       {"AA=A", "AA=z", "AAAAAA=A", "A=AA", "=AAA", "AAAA=AAA", "AA==AAAA", "===="}) {
    auto r = Base64Decode(bad);
    ASSERT_FALSE(r.ok()) << "accepted " << bad;
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  }
}

TEST(Base64Test, RejectsNonZeroPaddingBits) {
  // With "==" the last character's low 4 bits are discarded; with "=" its low 2 bits.
  for (const char* bad : {"AB==", "AP==", "Af==", "AAB=", "AAD=", "AA/="}) {
    auto r = Base64Decode(bad);
    ASSERT_FALSE(r.ok()) << "accepted " << bad;
  }
  // The canonical neighbours decode.
  EXPECT_TRUE(Base64Decode("AA==").ok());
  EXPECT_TRUE(Base64Decode("AQ==").ok());
  EXPECT_TRUE(Base64Decode("AAA=").ok());
  EXPECT_TRUE(Base64Decode("AAE=").ok());
}

TEST(Base64Test, RejectsWrongLengths) {
  for (const char* bad : {"A", "AA", "AAA", "AAAAA", "AA=", "AAAAAA="}) {
    EXPECT_FALSE(Base64Decode(bad).ok()) << "accepted " << bad;
  }
}

// Every text "A??" + one more character decodes only if re-encoding gives the same text.
TEST(Base64Test, EveryShortTextHasOneMeaning) {
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
  size_t accepted = 0;
  for (char b : alphabet)
    for (char c : alphabet)
      for (char d : alphabet) {
        const std::string text = {'A', b, c, d};
        auto r = Base64Decode(text);
        if (!r.ok()) continue;
        ++accepted;
        ASSERT_EQ(Base64Encode(*r), text);
      }
  // No padding: 64^3 texts. "A?" + "?=": 64 * 16 (low 2 bits of the third zero).
  // "A?==": 4 (low 4 bits of the second zero).
  EXPECT_EQ(accepted, 64u * 64 * 64 + 64 * 16 + 4);
}

TEST(HexTest, EncodesAndDecodes) {
  const uint8_t bytes[] = {0x00, 0x7f, 0x80, 0xff, 0xab};
  EXPECT_EQ(HexEncode(bytes), "007f80ffab");
  auto d = HexDecode("007f80ffab");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, std::vector<uint8_t>(std::begin(bytes), std::end(bytes)));
  EXPECT_TRUE(HexDecode("")->empty());
}

TEST(HexTest, RejectsBadInput) {
  EXPECT_FALSE(HexDecode("abc").ok());
  EXPECT_FALSE(HexDecode("zz").ok());
  EXPECT_FALSE(HexDecode("0x12").ok());
  EXPECT_FALSE(HexDecode("12 3").ok());
}

// Upper-case digits would be a second text for the same bytes.
TEST(HexTest, RejectsUpperCase) {
  EXPECT_FALSE(HexDecode("AB").ok());
  EXPECT_FALSE(HexDecode("aB").ok());
  EXPECT_FALSE(HexDecode("007F80ffab").ok());
  EXPECT_TRUE(HexDecode("ab").ok());
}

TEST(HexTest, RejectsWrongLengths) {
  EXPECT_FALSE(HexDecode("a").ok());
  EXPECT_FALSE(HexDecode("abcde").ok());
}

}  // namespace
}  // namespace otc
