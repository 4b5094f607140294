#include "padgen/randomness/manifest_extension.h"

#include <gtest/gtest.h>

namespace otc::padgen {
namespace {

TEST(ManifestExtensionTest, EncodesTheDocumentedLayout) {
  std::vector<ExtensionEntry> entries = {{1, {0xaa, 0xbb}}, {2, {}}, {0x1234, {7}}};
  Result<std::vector<uint8_t>> bytes = EncodeExtension(entries);
  ASSERT_TRUE(bytes.ok());
  const std::vector<uint8_t> expected = {
      0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0xaa, 0xbb,  // tag 1, length 2
      0x02, 0x00, 0x00, 0x00, 0x00, 0x00,              // tag 2, empty
      0x34, 0x12, 0x01, 0x00, 0x00, 0x00, 0x07,        // tag 0x1234, length 1
  };
  EXPECT_EQ(*bytes, expected);
  Result<std::vector<ExtensionEntry>> back = DecodeExtension(*bytes);
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->size(), 3u);
  EXPECT_EQ((*back)[0].tag, 1);
  EXPECT_EQ((*back)[0].value, (std::vector<uint8_t>{0xaa, 0xbb}));
  EXPECT_TRUE((*back)[1].value.empty());
  EXPECT_EQ((*back)[2].tag, 0x1234);  // unknown tags are kept, not rejected
  EXPECT_TRUE(FindExtensionEntry(*back, 2).has_value());
  EXPECT_FALSE(FindExtensionEntry(*back, 3).has_value());
}

TEST(ManifestExtensionTest, EmptyExtensionIsValid) {
  Result<std::vector<uint8_t>> bytes = EncodeExtension({});
  ASSERT_TRUE(bytes.ok());
  EXPECT_TRUE(bytes->empty());
  Result<std::vector<ExtensionEntry>> back = DecodeExtension({});
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->empty());
}

TEST(ManifestExtensionTest, EncodeRejectsUnorderedOrRepeatedTags) {
  std::vector<ExtensionEntry> repeated = {{1, {}}, {1, {}}};
  std::vector<ExtensionEntry> unordered = {{2, {}}, {1, {}}};
  EXPECT_EQ(EncodeExtension(repeated).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(EncodeExtension(unordered).status().code(), Status::Code::kInvalidArgument);
}

TEST(ManifestExtensionTest, DecodeRejectsMalformedBytes) {
  const std::vector<std::vector<uint8_t>> bad = {
      {0x01},                                            // truncated header
      {0x01, 0x00, 0x00, 0x00, 0x00},                    // truncated header
      {0x01, 0x00, 0x03, 0x00, 0x00, 0x00, 0xaa},        // value shorter than length
      {0x01, 0x00, 0xff, 0xff, 0xff, 0xff},              // huge length
      {0x02, 0x00, 0, 0, 0, 0, 0x01, 0x00, 0, 0, 0, 0},  // out of order
      {0x01, 0x00, 0, 0, 0, 0, 0x01, 0x00, 0, 0, 0, 0},  // repeated
      {0x01, 0x00, 0, 0, 0, 0, 0x02},                    // trailing partial entry
  };
  for (const auto& b : bad) {
    Result<std::vector<ExtensionEntry>> r = DecodeExtension(b);
    ASSERT_FALSE(r.ok()) << b.size();
    EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
  }
}

}  // namespace
}  // namespace otc::padgen
