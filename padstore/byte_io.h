// ByteWriter / ByteReader: bounds-checked little-endian (de)serialisation for the small
// padstore formats (meta, store meta, journal payloads, snapshots). Readers never read
// past the end: every getter returns false instead, so a truncated or hostile file
// cannot make a decoder overrun its buffer.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/coding.h"

namespace otc::padstore {

class ByteWriter {
 public:
  void U8(uint8_t v) { out_.push_back(v); }
  void U16(uint16_t v) {
    out_.push_back(static_cast<uint8_t>(v));
    out_.push_back(static_cast<uint8_t>(v >> 8));
  }
  void U32(uint32_t v) {
    size_t at = Grow(4);
    EncodeFixed32(&out_[at], v);
  }
  void U64(uint64_t v) {
    size_t at = Grow(8);
    EncodeFixed64(&out_[at], v);
  }
  void Bytes(std::span<const uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void Bytes(std::string_view s) {
    Bytes(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
  }
  // A string of at most 255 bytes, prefixed by its length as u8.
  void ShortString(std::string_view s) {
    U8(static_cast<uint8_t>(s.size()));
    Bytes(s);
  }
  std::vector<uint8_t>& bytes() { return out_; }
  size_t size() const { return out_.size(); }

 private:
  size_t Grow(size_t n) {
    size_t at = out_.size();
    out_.resize(at + n);
    return at;
  }
  std::vector<uint8_t> out_;
};

class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> data) : data_(data) {}
  bool U8(uint8_t* v) {
    if (left() < 1) return false;
    *v = data_[pos_++];
    return true;
  }
  bool U16(uint16_t* v) {
    if (left() < 2) return false;
    *v = static_cast<uint16_t>(data_[pos_] | data_[pos_ + 1] << 8);
    pos_ += 2;
    return true;
  }
  bool U32(uint32_t* v) {
    if (left() < 4) return false;
    *v = DecodeFixed32(&data_[pos_]);
    pos_ += 4;
    return true;
  }
  bool U64(uint64_t* v) {
    if (left() < 8) return false;
    *v = DecodeFixed64(&data_[pos_]);
    pos_ += 8;
    return true;
  }
  bool Bytes(size_t n, std::span<const uint8_t>* out) {
    if (left() < n) return false;
    *out = data_.subspan(pos_, n);
    pos_ += n;
    return true;
  }
  bool ShortString(std::string* s) {
    uint8_t n;
    std::span<const uint8_t> b;
    if (!U8(&n) || !Bytes(n, &b)) return false;
    s->assign(reinterpret_cast<const char*>(b.data()), b.size());
    return true;
  }
  size_t pos() const { return pos_; }
  size_t left() const { return data_.size() - pos_; }

 private:
  std::span<const uint8_t> data_;
  size_t pos_ = 0;
};

}  // namespace otc::padstore
