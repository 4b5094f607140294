// The optional local transcript (`--history FILE`): off by default, because plaintext at
// rest is a risk the user must choose.
//
// The file is created with mode 0600; an existing file with wider permissions is
// tightened to 0600 before anything is written (and the caller is told). Lines are the
// transcript lines exactly as shown on screen, appended with a newline. Not fsynced: it
// is a convenience copy, the device's decrypt log is the record that matters.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/env.h"
#include "common/status.h"

namespace otc::client {

class TranscriptFile {
 public:
  // Opens (creating if needed) `path` for appending. `tightened` is set if the mode of an
  // existing file had to be reduced to 0600.
  static Result<std::unique_ptr<TranscriptFile>> Open(Env& env, const std::string& path,
                                                      bool* tightened = nullptr);

  Status Append(std::string_view line);

 private:
  TranscriptFile(std::unique_ptr<File> file, uint64_t end) : file_(std::move(file)), end_(end) {}
  std::unique_ptr<File> file_;
  uint64_t end_;
};

}  // namespace otc::client
