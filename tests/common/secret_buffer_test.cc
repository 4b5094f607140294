#include "common/secret_buffer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

#include "common/secret_memory.h"
#include "tests/common/sanitizers.h"

namespace otc {
namespace {

// The VmFlags of the mapping holding `p`, from /proc/self/smaps ("rd wr mr mw me dd lo ...").
std::string VmFlagsOf(const void* p) {
  const auto addr = reinterpret_cast<uintptr_t>(p);
  std::ifstream smaps("/proc/self/smaps");
  bool inside = false;
  for (std::string line; std::getline(smaps, line);) {
    uintptr_t lo = 0, hi = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> lo >> dash >> hi && dash == '-' && line.find(' ') > line.find('-')) {
      inside = lo <= addr && addr < hi;
      continue;
    }
    if (inside && line.rfind("VmFlags:", 0) == 0) return line.substr(8) + " ";
  }
  return "";
}

// Before ProtectSecretMemory (runs first when the whole binary runs in one process).
TEST(SecretBufferTest, UnprotectedSmallBuffersUseTheOrdinaryHeap) {
  SecretBuffer small(100);
  EXPECT_FALSE(InSecureHeap(small.data()));
}

// A device process: every secret buffer is excluded from core dumps and locked in memory.
TEST(SecretBufferTest, ProtectedBuffersAreLockedAndNotDumped) {
  if (testing::kUnderAddressSanitizer) {
    // AddressSanitizer's allocator and shadow mappings change what is locked: the VmFlags
    // this test reads describe ASan's memory, not ours. The normal build runs it.
    GTEST_SKIP() << "not meaningful under AddressSanitizer";
  }
  const std::string warning = ProtectSecretMemory();
  const bool can_lock = warning.empty();
  SecretBuffer small(100);
  EXPECT_TRUE(InSecureHeap(small.data()));
  std::string flags = VmFlagsOf(small.data());
  EXPECT_NE(flags.find(" dd "), std::string::npos) << flags;
  if (can_lock) {
    EXPECT_NE(flags.find(" lo "), std::string::npos) << flags;
  }

  SecretBuffer large(1 << 16);
  EXPECT_FALSE(InSecureHeap(large.data()));
  flags = VmFlagsOf(large.data());
  EXPECT_NE(flags.find(" dd "), std::string::npos) << flags;
  EXPECT_NE(flags.find(" lo "), std::string::npos) << flags << " (warning: " << warning << ")";

  // Still ordinary buffers: zeroed, wiped on release, movable.
  small[5] = 7;
  SecretBuffer moved = std::move(small);
  EXPECT_EQ(moved[5], 7);
  moved.Clear();
  large.Resize(10);
  EXPECT_EQ(large[0], 0);
}

TEST(SecretBufferTest, StartsZeroedAndHoldsBytes) {
  SecretBuffer b(100);
  ASSERT_EQ(b.size(), 100u);
  for (size_t i = 0; i < b.size(); ++i) EXPECT_EQ(b[i], 0);
  std::memset(b.data(), 0xAB, b.size());
  EXPECT_EQ(b[99], 0xAB);
}

TEST(SecretBufferTest, BulkIoBuffersArePageAlignedNotDumpedAndMovable) {
  constexpr size_t kSize = size_t{8} << 20;
  SecretBuffer b = SecretBuffer::ForBulkIo(kSize);
  ASSERT_EQ(b.size(), kSize);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b.data()) % 4096, 0u);  // usable for O_DIRECT
  if (!testing::kUnderAddressSanitizer) {
    EXPECT_NE(VmFlagsOf(b.data()).find(" dd "), std::string::npos);
  }
  std::memset(b.data(), 0xEE, kSize);  // as a read would fill it
  EXPECT_EQ(b[kSize - 1], 0xEE);
  SecretBuffer moved = std::move(b);  // a vector of them moves them around
  EXPECT_EQ(moved[0], 0xEE);
  EXPECT_EQ(b.size(), 0u);
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
