#include "chat/protocol/bytes.h"

namespace otc::protocol::internal {
namespace {

SecretBuffer& ThreadScratch() {
  thread_local SecretBuffer scratch;
  return scratch;
}

}  // namespace

ScratchGuard::ScratchGuard(size_t size) {
  SecretBuffer& buf = ThreadScratch();
  if (buf.size() < size) buf.Resize(size);  // wipes and frees the old buffer
  span_ = {buf.data(), size};
}

ScratchGuard::~ScratchGuard() { Wipe(span_); }

void ReleaseThreadScratch() { ThreadScratch().Clear(); }

}  // namespace otc::protocol::internal
