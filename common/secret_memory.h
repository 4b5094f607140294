// Locked, dump-excluded memory for SecretBuffers (common/secret_buffer.h).
//
// By default a SecretBuffer is wiped on release and, when it owns whole pages, excluded
// from core dumps (MADV_DONTDUMP). A process that holds pad calls ProtectSecretMemory
// once, early: from then on every SecretBuffer is also kept out of swap and core dumps,
// small ones in OpenSSL's secure heap (an mlocked, MADV_DONTDUMP arena with guard pages),
// page-sized ones mlocked and MADV_DONTDUMP themselves. When the memory-lock limit is
// exhausted a buffer is still made (unlocked) and one warning is printed on stderr for the
// process's life.
#pragma once

#include <string>

namespace otc {

// Turns on locked memory for the buffers made from now on (call once, early, before
// threads). Returns a warning for the operator, or "" if the memory is locked.
std::string ProtectSecretMemory();

// Whether `p` (a SecretBuffer's data) lies in the locked secure heap (for tests).
bool InSecureHeap(const void* p);

}  // namespace otc
