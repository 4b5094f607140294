#include "common/secret_buffer.h"

#include <openssl/crypto.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>
#include <new>
#include <utility>

#include "common/secret_memory.h"

namespace otc {
namespace {

// Size of OpenSSL's secure heap: room for a few hundred concurrent messages and keys.
// A power of two, as CRYPTO_secure_malloc_init requires.
constexpr size_t kSecureHeapBytes = size_t{1} << 20;

std::atomic<bool> g_protected{false};

void WarnOnceCannotLock(int error) {
  static std::once_flag once;
  std::call_once(once, [error] {
    std::cerr << "otc: warning: cannot lock a secret buffer in memory (" << std::strerror(error)
              << "); it may be written to swap. Raise the memory-lock limit (ulimit -l, "
                 "LimitMEMLOCK= in a systemd unit)\n";
  });
}

size_t PageSize() {
  static const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return page;
}

uint8_t* Allocate(size_t capacity) {
  if (capacity == 0) return nullptr;
  size_t page = PageSize();
  if (capacity < page && g_protected.load(std::memory_order_relaxed)) {
    void* p = CRYPTO_secure_malloc(capacity, OPENSSL_FILE, OPENSSL_LINE);
    if (p != nullptr) return static_cast<uint8_t*>(p);
    // The secure heap is full: fall through to the ordinary heap, as the comment below.
  }
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
  if (g_protected.load(std::memory_order_relaxed) && mlock(p, rounded) != 0) {
    WarnOnceCannotLock(errno);
  }
  return static_cast<uint8_t*>(p);
}

void Release(uint8_t* p, size_t capacity) {
  if (p == nullptr) return;
  if (g_protected.load(std::memory_order_relaxed)) {
    if (CRYPTO_secure_allocated(p)) {
      CRYPTO_secure_free(p, OPENSSL_FILE, OPENSSL_LINE);
      return;
    }
    if (capacity >= PageSize()) {
      size_t rounded = (capacity + PageSize() - 1) / PageSize() * PageSize();
      munlock(p, rounded);  // harmless if it was never locked
    }
  }
  std::free(p);
}

}  // namespace

std::string ProtectSecretMemory() {
  static std::once_flag once;
  static std::string warning;
  std::call_once(once, [] {
    const int heap = CRYPTO_secure_malloc_init(kSecureHeapBytes, 16);
    if (heap == 0) {
      warning =
          "cannot set up OpenSSL's secure heap; small secret buffers use the ordinary "
          "heap and may reach swap";
    } else if (heap == 2) {
      warning =
          "cannot lock OpenSSL's secure heap in memory (memory-lock limit); secret "
          "buffers may reach swap. Raise it (ulimit -l, LimitMEMLOCK= in a systemd unit)";
    }
    g_protected.store(true);
  });
  return warning;
}

bool InSecureHeap(const void* p) { return p != nullptr && CRYPTO_secure_allocated(p) == 1; }

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

SecretBuffer SecretBuffer::ForBulkIo(size_t size) {
  SecretBuffer b;
  b.data_ = Allocate(size);
  b.capacity_ = b.size_ = size;
  return b;
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
    Release(data_, capacity_);
  }
  data_ = nullptr;
  size_ = capacity_ = 0;
}

}  // namespace otc
