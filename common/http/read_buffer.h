// ReadBuffer: the buffer the HTTP server and client read messages into, wiped when freed.
//
// Request and response bodies can carry plaintext (a device's /v1/package request and
// /v1/unpackage reply). Beast parses them out of a flat buffer whose memory keeps the raw
// bytes after they are consumed; this buffer's allocator wipes every block it frees, and
// WipeConsumed() frees the block once everything in it has been parsed, so no message
// outlives its exchange in the read buffer. (The parsed std::string bodies are wiped by
// their owners; see docs/SECURITY.md for what remains.)
#pragma once

#include <cstddef>
#include <memory>

#include <openssl/crypto.h>
#include <boost/beast/core/flat_buffer.hpp>

namespace otc::http {

template <class T>
struct WipingAllocator {
  using value_type = T;
  WipingAllocator() = default;
  template <class U>
  WipingAllocator(const WipingAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return std::allocator<T>().allocate(n); }
  void deallocate(T* p, std::size_t n) noexcept {
    OPENSSL_cleanse(p, n * sizeof(T));
    std::allocator<T>().deallocate(p, n);
  }
  template <class U>
  bool operator==(const WipingAllocator<U>&) const noexcept {
    return true;
  }
  template <class U>
  bool operator!=(const WipingAllocator<U>&) const noexcept {
    return false;
  }
};

using ReadBuffer = boost::beast::basic_flat_buffer<WipingAllocator<char>>;

// Frees (and so wipes) the buffer's memory if it holds no unparsed bytes; a pipelined
// request that is already buffered stays.
inline void WipeConsumed(ReadBuffer& buffer) {
  if (buffer.size() == 0) buffer.shrink_to_fit();
}

}  // namespace otc::http
