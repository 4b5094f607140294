#include "padstore/crc32c.h"

#include <isa-l/crc.h>

#include <climits>

namespace otc::padstore {

uint32_t Crc32cExtend(uint32_t crc, std::span<const uint8_t> data) {
  // ISA-L's crc32_iscsi takes and returns the CRC register without the final inversion,
  // and an int length; feed it in slices.
  uint32_t reg = crc ^ 0xFFFFFFFFu;
  const uint8_t* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    int n = left > static_cast<size_t>(INT_MAX) ? INT_MAX : static_cast<int>(left);
    reg = crc32_iscsi(const_cast<unsigned char*>(p), n, reg);
    p += n;
    left -= static_cast<size_t>(n);
  }
  return reg ^ 0xFFFFFFFFu;
}

uint32_t Crc32c(std::span<const uint8_t> data) { return Crc32cExtend(0, data); }

}  // namespace otc::padstore
