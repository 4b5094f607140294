#include "chat/client/terminal.h"

// libedit's readline.h needs stdio declared first.
#include <editline/readline.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <cstdio>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace otc::client {

Terminal* Terminal::active_ = nullptr;
std::vector<std::string> Terminal::matches_;

namespace {

sigset_t TerminalSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGWINCH);
  return set;
}

int TerminalColumns() {
  winsize ws{};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

bool CodesetIsUtf8() {
  std::string_view codeset = nl_langinfo(CODESET);
  return codeset == "UTF-8" || codeset == "utf8";
}

// libedit decodes typed bytes with the LC_CTYPE locale; in the C locale (no LANG, as under
// CI, cron or a bare ssh) it drops every byte above 0x7f. Use the environment's locale when
// it is UTF-8, else C.UTF-8 (Debian always ships it). Only LC_CTYPE: the numbers and
// times the client prints stay locale-independent. Messages are UTF-8 on the wire in any
// case, so a non-UTF-8 environment locale (say, latin-1) could not be honoured anyway.
void UseUtf8CharacterLocale() {
  if (setlocale(LC_CTYPE, "") != nullptr && CodesetIsUtf8()) return;
  if (setlocale(LC_CTYPE, "C.UTF-8") != nullptr && CodesetIsUtf8()) return;
  setlocale(LC_CTYPE, "C.utf8");
}

// The escape sequence that erases the prompt and the partial input, on every row they
// occupy (the cursor is at rl_point).
std::string EraseInputRows(const std::string& prompt) {
  std::string out;
  int cols = TerminalColumns();
  int rows_up = static_cast<int>((prompt.size() + static_cast<size_t>(rl_point)) / cols);
  if (rows_up > 0) out += "\x1b[" + std::to_string(rows_up) + "A";
  out += "\r\x1b[J";
  return out;
}

void WriteAll(std::string_view s) {
  while (!s.empty()) {
    ssize_t n = ::write(STDOUT_FILENO, s.data(), s.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    s.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

void BlockTerminalSignals() {
  sigset_t set = TerminalSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

Result<std::unique_ptr<Terminal>> Terminal::Create(std::string prompt, Callbacks callbacks) {
  if (active_ != nullptr) return Status::Internal("a terminal is already active");
  int wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake < 0) return Status::FromErrno(errno, "eventfd");
  sigset_t set = TerminalSignals();
  int sig = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (sig < 0) {
    int err = errno;
    ::close(wake);
    return Status::FromErrno(err, "signalfd");
  }
  bool tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
  std::unique_ptr<Terminal> t(
      new Terminal(std::move(prompt), std::move(callbacks), wake, sig, tty));
  active_ = t.get();
  if (tty) {
    UseUtf8CharacterLocale();  // before libedit initialises (el_init reads the locale)
    rl_readline_name = "otc";
    rl_catch_signals = 0;
    rl_catch_sigwinch = 0;
    static char kBreak[] = " \t";
    rl_completer_word_break_characters = kBreak;
    rl_attempted_completion_function = &Terminal::Complete;
    using_history();
    stifle_history(1000);
    rl_callback_handler_install(t->prompt_.c_str(), &Terminal::OnLine);
    t->installed_ = true;
  }
  return t;
}

Terminal::Terminal(std::string prompt, Callbacks callbacks, int wake_fd, int signal_fd, bool tty)
    : prompt_(std::move(prompt)),
      callbacks_(std::move(callbacks)),
      wake_fd_(wake_fd),
      signal_fd_(signal_fd),
      tty_(tty) {}

Terminal::~Terminal() {
  if (tty_) {
    if (installed_) rl_callback_handler_remove();
    clear_history();
  }
  Flush();
  ::close(wake_fd_);
  ::close(signal_fd_);
  active_ = nullptr;
}

void Terminal::Line(const std::string& line) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.push_back(line);
  }
  uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
}

void Terminal::ClearScreen() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    clear_pending_ = true;
  }
  uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
}

void Terminal::Flush() {
  std::deque<std::string> lines;
  bool clear;
  {
    std::lock_guard<std::mutex> lock(mu_);
    lines.swap(pending_);
    clear = clear_pending_;
    clear_pending_ = false;
  }
  if (lines.empty() && !clear) return;
  std::string out;
  if (tty_ && running_ && installed_) out += EraseInputRows(prompt_);
  if (clear) out += "\x1b[H\x1b[2J";
  for (const std::string& l : lines) out += l + "\n";
  WriteAll(out);
  if (tty_ && running_ && installed_) rl_forced_update_display();
}

void Terminal::DiscardInputLine() {
  WriteAll(EraseInputRows(prompt_));
  // libedit empties its line buffer when unbuffered (callback) mode is turned on again
  // (read_prepare, which also draws the prompt afresh); removing and reinstalling the
  // handler does that. (rl_replace_line ignores an empty text in libedit.)
  rl_callback_handler_remove();
  rl_callback_handler_install(prompt_.c_str(), &Terminal::OnLine);
}

void Terminal::HandleLine(char* line) {
  // libedit turns its unbuffered (callback) mode off before calling us; reinstalling the
  // handler turns it back on, or the next line would be read in one blocking call.
  rl_callback_handler_remove();
  installed_ = false;
  if (line == nullptr) {  // Ctrl-D on an empty line
    running_ = false;
    WriteAll("\n");
    return;
  }
  std::string text(line);
  std::free(line);
  if (!text.empty()) add_history(text.c_str());
  if (!callbacks_.on_line(text)) running_ = false;
  if (running_) {
    rl_callback_handler_install(prompt_.c_str(), &Terminal::OnLine);
    installed_ = true;
  }
}

void Terminal::OnLine(char* line) {
  if (active_ != nullptr) active_->HandleLine(line);
}

char* Terminal::NextMatch(const char*, int state) {
  static size_t next = 0;
  if (state == 0) next = 0;
  if (next >= matches_.size()) return nullptr;
  return strdup(matches_[next++].c_str());
}

char** Terminal::Complete(const char* text, int start, int end) {
  rl_attempted_completion_over = 1;  // never fall back to file names
  if (active_ == nullptr || !active_->callbacks_.complete) return nullptr;
  std::string_view line(rl_line_buffer, static_cast<size_t>(std::max(end, 0)));
  matches_ = active_->callbacks_.complete(line, static_cast<size_t>(std::max(start, 0)));
  if (matches_.empty()) return nullptr;
  return rl_completion_matches(text, &Terminal::NextMatch);
}

void Terminal::ReadPlainInput() {
  char buf[4096];
  ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n <= 0) {
    if (!plain_buffer_.empty()) {
      std::string last = std::move(plain_buffer_);
      plain_buffer_.clear();
      if (!callbacks_.on_line(last)) {
        running_ = false;
        return;
      }
    }
    running_ = false;
    return;
  }
  plain_buffer_.append(buf, static_cast<size_t>(n));
  size_t nl;
  while (running_ && (nl = plain_buffer_.find('\n')) != std::string::npos) {
    std::string line = plain_buffer_.substr(0, nl);
    plain_buffer_.erase(0, nl + 1);
    if (!callbacks_.on_line(line)) running_ = false;
  }
}

void Terminal::Run() {
  while (running_) {
    pollfd fds[3] = {{STDIN_FILENO, POLLIN, 0}, {wake_fd_, POLLIN, 0}, {signal_fd_, POLLIN, 0}};
    int r = ::poll(fds, 3, -1);
    if (r < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[2].revents & POLLIN) {
      signalfd_siginfo si{};
      while (::read(signal_fd_, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
        if (si.ssi_signo == SIGWINCH) {
          if (tty_) rl_resize_terminal();
        } else if (si.ssi_signo == SIGINT && tty_ && installed_) {
          DiscardInputLine();  // as irssi and weechat: Ctrl-C drops the line being typed
        } else {
          running_ = false;
        }
      }
      if (!running_) break;
    }
    if (fds[1].revents & POLLIN) {
      uint64_t count;
      (void)!::read(wake_fd_, &count, sizeof count);
      Flush();
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      if (tty_) {
        rl_callback_read_char();
      } else {
        ReadPlainInput();
      }
    }
  }
  if (tty_) {
    // Leave the prompt line clean for whatever the shell prints next.
    running_ = false;
    WriteAll("\r\x1b[J");
  }
  Flush();
}

}  // namespace otc::client
