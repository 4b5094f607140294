// CRC32C (Castagnoli), the checksum on every padstore record (journal, meta, manifest).
// Computed with ISA-L's crc32_iscsi, which uses the SSE4.2 CRC32 instruction.
#pragma once

#include <cstdint>
#include <span>

namespace otc::padstore {

// Standard CRC32C of `data` ("123456789" -> 0xe3069283).
uint32_t Crc32c(std::span<const uint8_t> data);
// CRC32C of the concatenation a||b where `crc` is Crc32c(a).
uint32_t Crc32cExtend(uint32_t crc, std::span<const uint8_t> data);

}  // namespace otc::padstore
