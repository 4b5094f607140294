#include "common/secret_buffer.h"

#include <openssl/crypto.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <new>
#include <utility>

namespace otc {
namespace {

size_t PageSize() {
  static const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return page;
}

uint8_t* Allocate(size_t capacity) {
  if (capacity == 0) return nullptr;
  size_t page = PageSize();
  if (capacity < page) {
    // Small buffers (a message, a key) share pages with other heap data, so they cannot
    // be excluded from core dumps; a page and a madvise call per message would cost more
    // than the cryptography around it.
    void* p = std::malloc(capacity);
    if (p == nullptr) throw std::bad_alloc();
    return static_cast<uint8_t*>(p);
  }
  size_t rounded = (capacity + page - 1) / page * page;
  void* p = std::aligned_alloc(page, rounded);
  if (p == nullptr) throw std::bad_alloc();
  // Keep secrets out of core dumps; best effort (fails harmlessly on old kernels).
  madvise(p, rounded, MADV_DONTDUMP);
  return static_cast<uint8_t*>(p);
}

}  // namespace

void Wipe(std::span<uint8_t> bytes) {
  if (!bytes.empty()) OPENSSL_cleanse(bytes.data(), bytes.size());
}

void WipeString(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

SecretBuffer::SecretBuffer(size_t size) { Resize(size); }

SecretBuffer::~SecretBuffer() { Clear(); }

SecretBuffer::SecretBuffer(SecretBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      capacity_(std::exchange(other.capacity_, 0)) {}

SecretBuffer& SecretBuffer::operator=(SecretBuffer&& other) noexcept {
  if (this != &other) {
    Clear();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    capacity_ = std::exchange(other.capacity_, 0);
  }
  return *this;
}

void SecretBuffer::Resize(size_t size) {
  if (size <= capacity_) {
    Wipe({data_, capacity_});
    size_ = size;
    return;
  }
  Clear();
  data_ = Allocate(size);
  capacity_ = size;
  size_ = size;
  Wipe({data_, size_});  // zero the fresh bytes
}

void SecretBuffer::Clear() {
  if (data_ != nullptr) {
    Wipe({data_, capacity_});
    std::free(data_);
  }
  data_ = nullptr;
  size_ = capacity_ = 0;
}

}  // namespace otc
