// otc chat: the interactive client (chat_session.h behind a libedit terminal).
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <vector>

#include "chat/client/app.h"
#include "chat/client/app_setup.h"
#include "chat/client/chat_session.h"
#include "chat/client/completion.h"
#include "chat/client/groups.h"
#include "chat/client/history_file.h"
#include "chat/client/outbox.h"
#include "chat/client/terminal.h"
#include "common/env.h"

namespace otc::client {

namespace {

// Sends every line to the terminal and, when enabled, to the transcript file.
class TeeOutput final : public Output {
 public:
  TeeOutput(Output& screen, TranscriptFile* history) : screen_(screen), history_(history) {}
  void Line(const std::string& line) override {
    screen_.Line(line);
    if (history_) {
      std::lock_guard<std::mutex> lock(mu_);
      if (Status s = history_->Append(line); !s.ok() && !failed_) {
        failed_ = true;
        screen_.Line("!! history file not written: " + s.message());
      }
    }
  }
  void ClearScreen() override { screen_.ClearScreen(); }

 private:
  Output& screen_;
  TranscriptFile* history_;
  std::mutex mu_;
  bool failed_ = false;
};

// A screen that forwards to whatever terminal is attached later.
class LateOutput final : public Output {
 public:
  void Attach(Output* o) {
    std::lock_guard<std::mutex> lock(mu_);
    target_ = o;
    for (const std::string& l : early_) target_->Line(l);
    early_.clear();
  }
  void Line(const std::string& line) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (target_) {
      target_->Line(line);
    } else {
      early_.push_back(line);
    }
  }
  void ClearScreen() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (target_) target_->ClearScreen();
  }

 private:
  std::mutex mu_;
  Output* target_ = nullptr;
  std::vector<std::string> early_;
};

}  // namespace

int RunChat(const CommonFlags& flags) {
  BlockTerminalSignals();  // before any thread starts
  auto prepared = Prepare(flags, false);
  if (std::holds_alternative<int>(prepared)) return std::get<int>(prepared);
  std::unique_ptr<Setup> setup = std::move(std::get<std::unique_ptr<Setup>>(prepared));

  std::unique_ptr<TranscriptFile> history;
  if (!setup->config.history.empty()) {
    bool tightened = false;
    Result<std::unique_ptr<TranscriptFile>> h =
        TranscriptFile::Open(*Env::Default(), setup->config.history, &tightened);
    if (!h.ok()) {
      PrintError(h.status().message());
      return kExitUsage;
    }
    history = std::move(*h);
    if (tightened) PrintError("history file " + setup->config.history + " was not 0600; fixed");
  }
  Result<GroupBook> groups = GroupBook::Load(*Env::Default(), setup->config.config_dir + "/groups");
  if (!groups.ok()) {
    PrintError(groups.status().message());
    return kExitUsage;
  }

  ChatConnections conn;
  for (auto* d : {&conn.send_device, &conn.recv_device}) {
    auto r = setup->NewDevice();
    if (!r.ok()) {
      PrintError(r.status().message());
      return kExitUsage;
    }
    *d = std::move(*r);
  }
  for (auto* d : {&conn.send_relay, &conn.recv_relay}) {
    auto r = setup->NewRelay();
    if (!r.ok()) {
      PrintError(r.status().message());
      return kExitUsage;
    }
    *d = std::move(*r);
  }
  ChatSessionOptions so;
  so.user = setup->config.user;
  so.device_name = setup->device.ToString();
  so.relay_name = setup->relay.ToString();
  Result<std::string> state_dir = ResolveStateDir(ProcessEnv());
  if (!state_dir.ok()) {
    PrintError(state_dir.status().message());
    return kExitUsage;
  }
  so.outbox_path = OutboxPath(*state_dir, so.user);

  LateOutput screen;
  TeeOutput out(screen, history.get());
  ChatSession session(so, std::move(conn), std::move(*groups), out);

  Terminal::Callbacks callbacks;
  callbacks.on_line = [&](const std::string& line) { return session.HandleLine(line); };
  callbacks.complete = [&](std::string_view line, size_t start) {
    return CompleteWord(line, start, session.ContactNames(), session.GroupNames());
  };
  Result<std::unique_ptr<Terminal>> term = Terminal::Create(so.user + "> ", callbacks);
  if (!term.ok()) {
    PrintError(term.status().message());
    return kExitInternal;
  }
  screen.Attach(term->get());
  out.Line("One Time Chat: you are " + so.user + " (device " + so.device_name + ", relay " +
           so.relay_name + "). Type help for commands." +
           (history ? " History: " + setup->config.history : ""));
  session.Start();
  (*term)->Run();
  out.Line("finishing pending sends...");
  session.Shutdown();
  term->reset();
  std::fflush(stdout);
  // A receiver still in a long-poll is abandoned (it has been quiesced): leave without
  // running destructors that would wait for it.
  std::_Exit(kExitOk);
}

}  // namespace otc::client
