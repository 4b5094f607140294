// ReadBuffer: the HTTP read buffer whose memory is freed (and wiped) once fully parsed.
#include "common/http/read_buffer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string_view>

namespace otc::http {
namespace {

void Append(ReadBuffer& buffer, std::string_view text) {
  auto space = buffer.prepare(text.size());
  std::memcpy(space.data(), text.data(), text.size());
  buffer.commit(text.size());
}

TEST(ReadBuffer, WipeConsumedFreesAFullyParsedBuffer) {
  ReadBuffer buffer;
  Append(buffer, "POST /v1/package HTTP/1.1\r\n\r\n{\"message\":\"secret\"}");
  ASSERT_GT(buffer.capacity(), 0u);
  buffer.consume(buffer.size());
  WipeConsumed(buffer);
  EXPECT_EQ(buffer.capacity(), 0u);
}

TEST(ReadBuffer, WipeConsumedKeepsAPipelinedRequest) {
  ReadBuffer buffer;
  Append(buffer, "first request|second request");
  buffer.consume(std::string_view("first request|").size());
  WipeConsumed(buffer);
  ASSERT_EQ(buffer.size(), std::string_view("second request").size());
  auto data = buffer.data();
  EXPECT_EQ(std::string_view(static_cast<const char*>(data.data()), data.size()), "second request");
}

TEST(ReadBuffer, AllocatorsCompareEqual) {
  // Beast moves and swaps buffers only between equal allocators.
  EXPECT_TRUE(WipingAllocator<char>() == WipingAllocator<int>());
  EXPECT_FALSE(WipingAllocator<char>() != WipingAllocator<char>());
}

}  // namespace
}  // namespace otc::http
