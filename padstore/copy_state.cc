#include "padstore/copy_state.h"

#include <algorithm>

#include "common/coding.h"

namespace otc::padstore {

void CopyState::Merge(const CopyState& other) {
  detected = std::max(detected, other.detected);
  recovered = std::max(recovered, other.recovered);
}

void CopyState::Detect() {
  if (!needs_recovery()) detected = recovered + 1;
}

std::vector<uint8_t> EncodeIdentity(const FileIdentity& id) {
  std::vector<uint8_t> out(24);
  EncodeFixed64(&out[0], id.file_system);
  EncodeFixed64(&out[8], id.inode);
  EncodeFixed64(&out[16], static_cast<uint64_t>(id.birth_ns));
  return out;
}

bool DecodeIdentity(std::span<const uint8_t> payload, FileIdentity* id) {
  if (payload.size() != 24) return false;
  id->file_system = DecodeFixed64(&payload[0]);
  id->inode = DecodeFixed64(&payload[8]);
  id->birth_ns = static_cast<int64_t>(DecodeFixed64(&payload[16]));
  return true;
}

std::vector<uint8_t> EncodeCopyState(const CopyState& state) {
  std::vector<uint8_t> out(16);
  EncodeFixed64(&out[0], state.detected);
  EncodeFixed64(&out[8], state.recovered);
  return out;
}

bool DecodeCopyState(std::span<const uint8_t> payload, CopyState* state) {
  if (payload.size() != 16) return false;
  state->detected = DecodeFixed64(&payload[0]);
  state->recovered = DecodeFixed64(&payload[8]);
  return true;
}

}  // namespace otc::padstore
