// SecretBuffer: heap bytes that hold pad or plaintext and are wiped when released.
//
// Zeroized with OPENSSL_cleanse on destruction, on move-from and on Resize, so secrets
// do not linger in freed heap memory. The pages are also excluded from core dumps
// (MADV_DONTDUMP) when the buffer is large enough to own whole pages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace otc {

class SecretBuffer {
 public:
  SecretBuffer() = default;
  explicit SecretBuffer(size_t size);
  ~SecretBuffer();

  // A buffer of `size` bytes that are NOT zeroed first: for bulk I/O buffers that a read
  // fills before anything looks at them. Zeroing tens of MiB of fresh pages up front
  // faults every page in and writes it once for nothing (about a tenth of an fsck of a
  // 2 GiB pad). Wiped on release like any other.
  static SecretBuffer ForBulkIo(size_t size);

  SecretBuffer(SecretBuffer&& other) noexcept;
  SecretBuffer& operator=(SecretBuffer&& other) noexcept;
  SecretBuffer(const SecretBuffer&) = delete;
  SecretBuffer& operator=(const SecretBuffer&) = delete;

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  uint8_t& operator[](size_t i) { return data_[i]; }
  uint8_t operator[](size_t i) const { return data_[i]; }
  std::span<uint8_t> span() { return {data_, size_}; }
  std::span<const uint8_t> span() const { return {data_, size_}; }

  // Wipes the old contents, then holds `size` zero bytes.
  void Resize(size_t size);
  // Wipes and releases.
  void Clear();

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

// Wipes any span (stack buffers, std::string contents) with OPENSSL_cleanse.
void Wipe(std::span<uint8_t> bytes);

// Wipes a string's characters, then clears it (the capacity stays allocated, zeroed).
void WipeString(std::string& s);

}  // namespace otc
