// The interactive terminal: line editing, input history and tab completion with libedit
// (its readline-compatible API, callback mode), and lines from other threads printed
// ABOVE the input line without disturbing what the user is typing.
//
// How: the main thread polls stdin, a wake-up eventfd and a signalfd. Keys go to
// rl_callback_read_char(). Lines from any thread are queued and the eventfd is signalled;
// the main thread then erases the prompt and the partial input (all rows it occupies),
// prints the queued lines, and has libedit redraw prompt + partial input + cursor
// (rl_forced_update_display). The partial line itself lives in libedit and is never
// touched, so it stays intact and is sent as typed.
//
// Signals: on a terminal SIGINT (Ctrl-C) discards the line being typed, as in irssi and
// weechat (without a terminal it ends Run()); SIGTERM and SIGHUP end Run() like `quit`;
// SIGWINCH resizes. They must be blocked in every thread before any thread starts
// (BlockTerminalSignals()).
//
// Characters: on a terminal LC_CTYPE is set from the environment, or to C.UTF-8 when the
// environment's locale is not UTF-8, so libedit reads multibyte input and moves and deletes
// whole characters; typed text reaches on_line as the UTF-8 bytes typed.
//
// When stdin is not a terminal, there is no line editing: lines are read as they come
// and output is printed plainly (scripts can drive `otc chat` through a pipe).
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "chat/client/chat_session.h"
#include "common/status.h"

namespace otc::client {

// Blocks the signals the terminal reads through its signalfd, in the calling thread and
// (when called before they are created) every thread it starts.
void BlockTerminalSignals();

class Terminal final : public Output {
 public:
  struct Callbacks {
    // A complete input line; return false to leave Run().
    std::function<bool(const std::string&)> on_line;
    // Candidates for the word starting at `start` in `line` (the input up to the cursor).
    std::function<std::vector<std::string>(std::string_view line, size_t start)> complete;
  };

  static Result<std::unique_ptr<Terminal>> Create(std::string prompt, Callbacks callbacks);
  ~Terminal() override;

  // Thread-safe: printed above the input line as soon as the main loop runs.
  void Line(const std::string& line) override;
  void ClearScreen() override;

  // The main loop; returns when a line handler says quit, on end of input (Ctrl-D) or on
  // SIGTERM/SIGHUP (and SIGINT when not on a terminal).
  void Run();

 private:
  Terminal(std::string prompt, Callbacks callbacks, int wake_fd, int signal_fd, bool tty);
  void Flush();  // prints queued lines above the input
  void HandleLine(char* line);
  // Ctrl-C: erases the line being typed and shows a fresh prompt.
  void DiscardInputLine();
  void ReadPlainInput();
  static void OnLine(char* line);
  static char** Complete(const char* text, int start, int end);
  static char* NextMatch(const char* text, int state);

  std::string prompt_;
  Callbacks callbacks_;
  int wake_fd_;
  int signal_fd_;
  bool tty_;
  bool running_ = true;
  bool installed_ = false;  // libedit callback handler installed
  bool clear_pending_ = false;
  std::string plain_buffer_;

  std::mutex mu_;
  std::deque<std::string> pending_;

  static Terminal* active_;
  static std::vector<std::string> matches_;
};

}  // namespace otc::client
