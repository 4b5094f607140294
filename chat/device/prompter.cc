#include "chat/device/prompter.h"

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>

namespace otc::device {
namespace {

constexpr size_t kMaxAnswer = 64;

bool IsYes(std::string_view line) {
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) {
    line.remove_suffix(1);
  }
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front()))) {
    line.remove_prefix(1);
  }
  std::string lower;
  for (char c : line) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "y" || lower == "yes";
}

}  // namespace

TtyPrompter::TtyPrompter(int in_fd, int out_fd, std::chrono::milliseconds timeout)
    : in_fd_(in_fd), out_fd_(out_fd), timeout_(timeout) {
  if (::pipe2(cancel_pipe_, O_CLOEXEC | O_NONBLOCK) != 0) cancel_pipe_[0] = cancel_pipe_[1] = -1;
}

TtyPrompter::~TtyPrompter() {
  if (owned_fd_ >= 0) ::close(owned_fd_);
  for (int fd : cancel_pipe_) {
    if (fd >= 0) ::close(fd);
  }
}

void TtyPrompter::Cancel() {
  if (cancel_pipe_[1] >= 0) {
    char byte = 1;
    [[maybe_unused]] ssize_t n = ::write(cancel_pipe_[1], &byte, 1);
  }
}

Result<std::unique_ptr<TtyPrompter>> TtyPrompter::Open(const std::string& path,
                                                       std::chrono::milliseconds timeout) {
  int fd = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    return Status::FromErrno(err, "opening terminal " + path +
                                      " for --confirm prompts (run in a terminal, or use "
                                      "--confirm auto)");
  }
  if (!::isatty(fd)) {
    ::close(fd);
    return Status::InvalidArgument(path + " is not a terminal: --confirm prompts need one");
  }
  auto prompter = std::make_unique<TtyPrompter>(fd, fd, timeout);
  prompter->owned_fd_ = fd;
  return prompter;
}

bool TtyPrompter::WriteAll(std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(out_fd_, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    text.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

PromptAnswer TtyPrompter::ReadAnswer(std::chrono::steady_clock::time_point deadline) {
  std::string line;
  for (;;) {
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return PromptAnswer::kTimeout;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
    pollfd fds[2] = {{in_fd_, POLLIN, 0}, {cancel_pipe_[0], POLLIN, 0}};
    int r = ::poll(fds, cancel_pipe_[0] >= 0 ? 2 : 1, static_cast<int>(left) + 1);
    if (r < 0) {
      if (errno == EINTR) continue;
      return PromptAnswer::kError;
    }
    if (r == 0) continue;                                      // re-check the deadline
    if (fds[1].revents & POLLIN) return PromptAnswer::kError;  // cancelled (stays readable)
    const pollfd& pfd = fds[0];
    if (pfd.revents & (POLLERR | POLLNVAL)) return PromptAnswer::kError;
    char buf[kMaxAnswer];
    ssize_t n = ::read(in_fd_, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return PromptAnswer::kError;
    }
    if (n == 0) return PromptAnswer::kError;  // end of file: nobody is there to answer
    for (ssize_t i = 0; i < n; ++i) {
      if (buf[i] == '\n' || buf[i] == '\r') {
        return IsYes(line) ? PromptAnswer::kYes : PromptAnswer::kNo;
      }
      if (line.size() < kMaxAnswer) line += buf[i];
    }
  }
}

PromptAnswer TtyPrompter::Ask(std::string_view question) {
  std::lock_guard<std::mutex> lock(mu_);
  // Discard anything typed before this question was shown.
  if (::isatty(in_fd_)) ::tcflush(in_fd_, TCIFLUSH);
  if (!WriteAll(question)) return PromptAnswer::kError;
  PromptAnswer answer = ReadAnswer(std::chrono::steady_clock::now() + timeout_);
  switch (answer) {
    case PromptAnswer::kYes:
      WriteAll("approved\n");
      break;
    case PromptAnswer::kNo:
      WriteAll("denied\n");
      break;
    case PromptAnswer::kTimeout:
      WriteAll("\nno answer in time: denied\n");
      break;
    case PromptAnswer::kError:
      WriteAll("\ndenied\n");
      break;
  }
  return answer;
}

}  // namespace otc::device
