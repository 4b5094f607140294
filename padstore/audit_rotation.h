// Rotation of an audit log that reached its size cap (AuditLimits::max_bytes).
//
// The rotated log keeps, in their original order, the first and the last line of each
// event kind (the second word of a line), then one line accounting for everything else:
//
//   2026-11-26T07:20:00Z ROTATED size cap 1048576 reached; events not shown: REFUSED=2991 SKIP=4
//
// Counts survive rotation: an ordinary line is one event, a coalescing summary line
// ("... and 2,991 more like this in 60 s") is that many, and an earlier ROTATED line's
// counts carry over into the new one. So the events a log accounts for never decrease.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace otc::padstore {

// The text of the rotated log, from the old log's text; `now` stamps the ROTATED line.
std::string RotateAuditText(std::string_view old_text, uint64_t now, uint64_t max_bytes);

// Events per kind a log's text accounts for (ordinary lines, summaries, ROTATED counts).
std::map<std::string, uint64_t> CountAuditEvents(std::string_view text);

}  // namespace otc::padstore
