// `padgen --assess`: the entropy report (entropy_estimate.h) on a sample of the source,
// taken before the run.
//
// Where the sample comes from:
//   * a regular file (`--source file:PATH`): the `bytes` bytes at `offset` (where the pad's
//     input starts: 0, or past what a resumed pad already used) are read with pread and
//     NOT consumed: a file is replayable, and the report describes exactly the bytes about
//     to be used;
//   * anything else (an HRNG, a pipe): `bytes` bytes are taken from the source with Fill
//     (for an HRNG, only health-tested blocks) and discarded, never written to the pad.
//     Discarding costs a second of HRNG time and keeps bytes whose statistics were printed
//     out of the pad.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "padgen/randomness/entropy_estimate.h"
#include "padgen/source.h"

namespace otc::padgen {

// The report on up to `bytes` bytes of the regular file `path` from `offset` (fewer if the
// file ends first).
Result<EntropyReport> AssessFileSample(const std::string& path, uint64_t offset, uint64_t bytes);

// The report on `bytes` bytes taken from `source` (consumed).
Result<EntropyReport> AssessSourceSample(PadSource& source, uint64_t bytes);

}  // namespace otc::padgen
