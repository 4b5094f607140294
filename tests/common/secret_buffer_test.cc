#include "common/secret_buffer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <utility>

namespace otc {
namespace {

TEST(SecretBufferTest, StartsZeroedAndHoldsBytes) {
  SecretBuffer b(100);
  ASSERT_EQ(b.size(), 100u);
  for (size_t i = 0; i < b.size(); ++i) EXPECT_EQ(b[i], 0);
  std::memset(b.data(), 0xAB, b.size());
  EXPECT_EQ(b[99], 0xAB);
}

TEST(SecretBufferTest, ResizeWipesOldContentsInPlace) {
  SecretBuffer b(64);
  std::memset(b.data(), 0xCD, 64);
  const uint8_t* before = b.data();
  b.Resize(32);  // fits: same storage, wiped
  EXPECT_EQ(b.data(), before);
  for (size_t i = 0; i < 64; ++i) EXPECT_EQ(before[i], 0) << i;
}

TEST(SecretBufferTest, MoveTransfersOwnership) {
  SecretBuffer a(10);
  a[0] = 42;
  SecretBuffer b = std::move(a);
  EXPECT_EQ(b[0], 42);
  EXPECT_EQ(b.size(), 10u);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): checking the moved-from state
  SecretBuffer c;
  c = std::move(b);
  EXPECT_EQ(c[0], 42);
  EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move)
}

TEST(SecretBufferTest, WipeZeroesASpan) {
  uint8_t stack[16];
  std::memset(stack, 0xEE, sizeof stack);
  Wipe(stack);
  for (uint8_t v : stack) EXPECT_EQ(v, 0);
}

TEST(SecretBufferTest, WipeStringZeroesTheCharactersAndClears) {
  std::string s(100, 'p');  // longer than any small-string buffer: stays allocated
  const char* chars = s.data();
  WipeString(s);
  EXPECT_TRUE(s.empty());
  ASSERT_EQ(s.data(), chars);  // clear() keeps the allocation, so it is safe to look
  for (size_t i = 0; i < 100; ++i) EXPECT_EQ(chars[i], 0) << i;
}

TEST(SecretBufferTest, ClearReleases) {
  SecretBuffer b(10);
  b.Clear();
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.data(), nullptr);
}

}  // namespace
}  // namespace otc
