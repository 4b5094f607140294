// Process-level protections for the device daemon, the one program that holds pad.
//
// HardenProcess, called first thing by `otc-device serve`:
//   - RLIMIT_CORE 0 (soft and hard), so no core file is written whatever limit the daemon
//     was started with;
//   - PR_SET_DUMPABLE 0, which also stops core dumps through a core_pattern pipe and keeps
//     other processes of the same user from ptrace-attaching or reading /proc/PID/mem;
//   - locked, dump-excluded memory for secret buffers (ProtectSecretMemory in
//     common/secret_buffer.h), with one warning if the memory-lock limit does not allow it.
//
// ListensOnEveryInterface: the any-address guard, on the parsed address (so
// "[::ffff:0.0.0.0]" or "[0:0::0]" cannot slip past a string comparison).
#pragma once

#include <string>

#include "common/http/listen_address.h"
#include "common/status.h"

namespace otc::device {

// Applies the protections above; an error names what could not be set (the daemon must
// not run without them). A warning (memory could not be locked) is set in `warning`, empty if none.
Status HardenProcess(std::string* warning);

// True for an unspecified TCP address: 0.0.0.0, ::, and IPv4-mapped ::ffff:0.0.0.0 (a
// dual-stack socket bound there takes every IPv4 interface).
bool ListensOnEveryInterface(const http::ListenAddress& address);

}  // namespace otc::device
