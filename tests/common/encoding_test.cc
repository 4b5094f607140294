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

TEST(HexTest, EncodesAndDecodes) {
  const uint8_t bytes[] = {0x00, 0x7f, 0x80, 0xff, 0xab};
  EXPECT_EQ(HexEncode(bytes), "007f80ffab");
  auto d = HexDecode("007F80ffAB");
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

}  // namespace
}  // namespace otc
