// Prompter: asks the device's user a yes/no question on a terminal the device owns.
//
// TtyPrompter writes the question to a terminal and reads one line back. Only "y" or
// "yes" (any case) approves; anything else, end of file, an error or no answer before
// the timeout denies. Input typed before the question appeared is discarded, so a key
// pressed for an earlier prompt cannot approve a later one. Questions are serialized:
// one prompt on the terminal at a time, the others wait their turn (each gets its full
// timeout once shown).
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "common/status.h"

namespace otc::device {

enum class PromptAnswer { kYes, kNo, kTimeout, kError };

class Prompter {
 public:
  virtual ~Prompter() = default;
  virtual PromptAnswer Ask(std::string_view question) = 0;
};

class TtyPrompter : public Prompter {
 public:
  // Uses already-open descriptors (not owned), e.g. the slave side of a pseudo-terminal.
  TtyPrompter(int in_fd, int out_fd, std::chrono::milliseconds timeout);
  ~TtyPrompter() override;

  // Opens a terminal device (default: the controlling terminal /dev/tty). Fails with a
  // clear message when there is none (a daemon started without a terminal).
  static Result<std::unique_ptr<TtyPrompter>> Open(const std::string& path,
                                                   std::chrono::milliseconds timeout);

  PromptAnswer Ask(std::string_view question) override;

  // Denies the prompt being shown and every later one (shutdown). Thread-safe.
  void Cancel();

 private:
  bool WriteAll(std::string_view text);
  PromptAnswer ReadAnswer(std::chrono::steady_clock::time_point deadline);

  int in_fd_;
  int out_fd_;
  int owned_fd_ = -1;
  int cancel_pipe_[2] = {-1, -1};  // a byte written here wakes and denies prompts
  std::chrono::milliseconds timeout_;
  std::mutex mu_;  // one prompt on the terminal at a time
};

}  // namespace otc::device
