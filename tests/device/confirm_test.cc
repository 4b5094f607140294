// Confirmation policy and the terminal prompter, driven through a real pseudo-terminal.
#include "chat/device/confirm.h"

#include <gtest/gtest.h>

#include <poll.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>
#include "common/encoding.h"

#include <atomic>
#include <future>
#include <string>
#include <thread>

namespace otc::device {
namespace {

using namespace std::chrono_literals;

TEST(ConfirmPolicy, ParsesTheThreeModes) {
  auto tty = ConfirmPolicy::Parse("tty");
  ASSERT_TRUE(tty.ok());
  EXPECT_EQ(tty->mode, ConfirmPolicy::Mode::kTty);
  EXPECT_TRUE(tty->MayPrompt());
  auto automatic = ConfirmPolicy::Parse("auto");
  ASSERT_TRUE(automatic.ok());
  EXPECT_EQ(automatic->mode, ConfirmPolicy::Mode::kAuto);
  EXPECT_FALSE(automatic->MayPrompt());
  auto limit = ConfirmPolicy::Parse("limit:100");
  ASSERT_TRUE(limit.ok());
  EXPECT_EQ(limit->mode, ConfirmPolicy::Mode::kLimit);
  EXPECT_EQ(limit->limit, 100u);
  auto limit_k = ConfirmPolicy::Parse("limit:4K");
  ASSERT_TRUE(limit_k.ok());
  EXPECT_EQ(limit_k->limit, 4096u);
  auto limit_0 = ConfirmPolicy::Parse("limit:0");
  ASSERT_TRUE(limit_0.ok());
  EXPECT_EQ(limit_0->limit, 0u);
  EXPECT_EQ(limit->ToString(), "limit:100");
}

TEST(ConfirmPolicy, RejectsGarbage) {
  for (const char* bad : {"", "TTY", "yes", "limit", "limit:", "limit:-1", "limit:1.5K",
                          "limit:abc", "auto ", "limit:100x"}) {
    auto p = ConfirmPolicy::Parse(bad);
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_EQ(p.status().code(), Status::Code::kInvalidArgument);
    EXPECT_NE(p.status().message().find("--confirm"), std::string::npos);
  }
}

TEST(PromptText, TheTextCannotActOnTheDevicesTerminal) {
  auto shown = [](std::string_view text) {
    ConfirmRequest r{ConfirmRequest::Op::kEncrypt, "a", "b", text.size(), 1, AsBytes(text)};
    std::string p = PromptText(r);
    size_t open = p.find(": \"") + 3;
    return p.substr(open, p.rfind("\"?") - open);
  };
  EXPECT_EQ(shown("clear\x1b[2J\r\n\x07"), "clear\\x1b[2J\\x0d\\x0a\\x07");
  EXPECT_EQ(shown("csi\xc2\x9b"
                  "31m"),
            "csi\\x9b31m");                                                 // U+009B, a C1 CSI
  EXPECT_EQ(shown("bad \xff utf8 \xc3\xa9"), "bad \\xff utf8 \\xc3\\xa9");  // not UTF-8: bytes
  EXPECT_EQ(shown("\xe6\x97\xa5\xf0\x9f\x8e\x89"), "\xe6\x97\xa5\xf0\x9f\x8e\x89");
  EXPECT_EQ(shown("back\\slash"), "back\\\\slash");
}

TEST(PromptText, MatchesTheIssueWording) {
  const std::string text = "h\xc3\xa9llo, \"bob\"";
  ConfirmRequest r{ConfirmRequest::Op::kEncrypt, "alice", "bob", 23, 55, AsBytes(text)};
  EXPECT_EQ(
      PromptText(r),
      "alice \u2192 bob: encrypt 23 bytes (55 pad bytes): \"h\xc3\xa9llo, \\\"bob\\\"\"? [y/N] ");
  ConfirmRequest d{ConfirmRequest::Op::kDecrypt, "alice", "bob", 5, 37, {}};
  EXPECT_EQ(PromptText(d), "bob \u2192 alice: decrypt 5 bytes (37 pad bytes)? [y/N] ");
}

class ScriptedPrompter : public Prompter {
 public:
  explicit ScriptedPrompter(PromptAnswer answer) : answer_(answer) {}
  PromptAnswer Ask(std::string_view question) override {
    ++asked;
    last = std::string(question);
    return answer_;
  }
  int asked = 0;
  std::string last;

 private:
  PromptAnswer answer_;
};

TEST(Confirmer, AutoNeverAsks) {
  ScriptedPrompter no(PromptAnswer::kNo);
  Confirmer c(*ConfirmPolicy::Parse("auto"), &no);
  ConfirmRequest r{ConfirmRequest::Op::kEncrypt, "alice", "bob", 1 << 20, 2 << 20, {}};
  EXPECT_FALSE(c.NeedsPrompt(r));
  EXPECT_TRUE(c.Confirm(r).ok());
  EXPECT_EQ(no.asked, 0);
  Confirmer without_terminal(*ConfirmPolicy::Parse("auto"), nullptr);
  EXPECT_TRUE(without_terminal.Confirm(r).ok());
}

TEST(Confirmer, LimitAsksOnlyAboveTheLimit) {
  ScriptedPrompter no(PromptAnswer::kNo);
  Confirmer c(*ConfirmPolicy::Parse("limit:10"), &no);
  ConfirmRequest small{ConfirmRequest::Op::kEncrypt, "alice", "bob", 10, 42, {}};
  ConfirmRequest big{ConfirmRequest::Op::kEncrypt, "alice", "bob", 11, 43, {}};
  EXPECT_FALSE(c.NeedsPrompt(small));
  EXPECT_TRUE(c.Confirm(small).ok());
  EXPECT_EQ(no.asked, 0);
  EXPECT_TRUE(c.NeedsPrompt(big));
  Status s = c.Confirm(big);
  EXPECT_EQ(s.code(), Status::Code::kDenied);
  EXPECT_EQ(no.asked, 1);
  EXPECT_EQ(no.last, PromptText(big));
}

TEST(Confirmer, TtyAsksEveryTimeAndMapsAnswers) {
  ConfirmRequest r{ConfirmRequest::Op::kDecrypt, "alice", "bob", 0, 32, {}};
  for (auto [answer, ok] : {std::pair{PromptAnswer::kYes, true},
                            {PromptAnswer::kNo, false},
                            {PromptAnswer::kTimeout, false},
                            {PromptAnswer::kError, false}}) {
    ScriptedPrompter p(answer);
    Confirmer c(*ConfirmPolicy::Parse("tty"), &p);
    EXPECT_TRUE(c.NeedsPrompt(r));
    Status s = c.Confirm(r);
    EXPECT_EQ(s.ok(), ok);
    if (!ok) {
      EXPECT_EQ(s.code(), Status::Code::kDenied);
    }
    EXPECT_EQ(p.asked, 1);
  }
  Confirmer no_terminal(*ConfirmPolicy::Parse("tty"), nullptr);
  EXPECT_EQ(no_terminal.Confirm(r).code(), Status::Code::kDenied);
}

// A pseudo-terminal: the prompter talks to the slave side, the test plays the user on
// the master side.
class Pty {
 public:
  Pty() {
    EXPECT_EQ(::openpty(&master, &slave, nullptr, nullptr, nullptr), 0);
    termios t{};
    ::tcgetattr(slave, &t);
    t.c_lflag &= ~static_cast<tcflag_t>(ECHO);  // keep the master's output to the prompts
    ::tcsetattr(slave, TCSANOW, &t);
  }
  ~Pty() {
    if (master >= 0) ::close(master);
    if (slave >= 0) ::close(slave);
  }
  // Reads from the master until `needle` appears (bounded wait).
  std::string ReadUntil(const std::string& needle, std::chrono::milliseconds limit = 10s) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (seen.find(needle) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd p{master, POLLIN, 0};
      if (::poll(&p, 1, 50) == 1) {
        char buf[256];
        ssize_t n = ::read(master, buf, sizeof buf);
        if (n > 0) seen.append(buf, static_cast<size_t>(n));
      }
    }
    return seen;
  }
  void Type(const std::string& text) {
    ASSERT_EQ(::write(master, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  }
  int master = -1;
  int slave = -1;
  std::string seen;
};

TEST(TtyPrompter, YesApproves) {
  Pty pty;
  TtyPrompter prompter(pty.slave, pty.slave, 10s);
  auto answer = std::async(std::launch::async, [&] { return prompter.Ask("use pad? [y/N] "); });
  EXPECT_NE(pty.ReadUntil("[y/N] ").find("use pad? [y/N] "), std::string::npos);
  pty.Type("y\n");
  EXPECT_EQ(answer.get(), PromptAnswer::kYes);
  EXPECT_NE(pty.ReadUntil("approved").find("approved"), std::string::npos);
}

TEST(TtyPrompter, OnlyYOrYesApprove) {
  struct Case {
    const char* typed;
    PromptAnswer expected;
  };
  for (Case c : {Case{"YES\n", PromptAnswer::kYes}, Case{" y \n", PromptAnswer::kYes},
                 Case{"n\n", PromptAnswer::kNo}, Case{"\n", PromptAnswer::kNo},
                 Case{"yy\n", PromptAnswer::kNo}, Case{"sure\n", PromptAnswer::kNo},
                 Case{"yes please\n", PromptAnswer::kNo}}) {
    Pty pty;
    TtyPrompter prompter(pty.slave, pty.slave, 10s);
    auto answer = std::async(std::launch::async, [&] { return prompter.Ask("ok? [y/N] "); });
    pty.ReadUntil("[y/N] ");
    pty.Type(c.typed);
    EXPECT_EQ(answer.get(), c.expected) << c.typed;
  }
}

TEST(TtyPrompter, NoAnswerInTimeIsATimeout) {
  Pty pty;
  TtyPrompter prompter(pty.slave, pty.slave, 200ms);
  EXPECT_EQ(prompter.Ask("ok? [y/N] "), PromptAnswer::kTimeout);
  EXPECT_NE(pty.ReadUntil("denied").find("no answer in time: denied"), std::string::npos);
}

TEST(TtyPrompter, InputTypedBeforeThePromptIsDiscarded) {
  Pty pty;
  pty.Type("y\n");
  pollfd p{pty.slave, POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 5000), 1);  // the early "y" has reached the terminal
  TtyPrompter prompter(pty.slave, pty.slave, 200ms);
  EXPECT_EQ(prompter.Ask("ok? [y/N] "), PromptAnswer::kTimeout);
}

TEST(TtyPrompter, ClosedTerminalDenies) {
  Pty pty;
  TtyPrompter prompter(pty.slave, pty.slave, 10s);
  auto answer = std::async(std::launch::async, [&] { return prompter.Ask("ok? [y/N] "); });
  pty.ReadUntil("[y/N] ");
  ::close(pty.master);  // the user's terminal goes away: hang-up on the slave
  pty.master = -1;
  PromptAnswer a = answer.get();
  EXPECT_TRUE(a == PromptAnswer::kError || a == PromptAnswer::kNo) << static_cast<int>(a);
}

TEST(TtyPrompter, PromptsAreShownOneAtATime) {
  Pty pty;
  TtyPrompter prompter(pty.slave, pty.slave, 10s);
  auto first = std::async(std::launch::async, [&] { return prompter.Ask("first? [y/N] "); });
  pty.ReadUntil("first? [y/N] ");
  auto second = std::async(std::launch::async, [&] { return prompter.Ask("second? [y/N] "); });
  // The second question must wait until the first is answered.
  EXPECT_EQ(second.wait_for(300ms), std::future_status::timeout);
  EXPECT_EQ(pty.seen.find("second?"), std::string::npos);
  pty.Type("n\n");
  EXPECT_EQ(first.get(), PromptAnswer::kNo);
  pty.ReadUntil("second? [y/N] ");
  pty.Type("y\n");
  EXPECT_EQ(second.get(), PromptAnswer::kYes);
}

TEST(TtyPrompter, CancelDeniesThePendingPromptAndLaterOnes) {
  Pty pty;
  TtyPrompter prompter(pty.slave, pty.slave, 60s);
  auto pending = std::async(std::launch::async, [&] { return prompter.Ask("ok? [y/N] "); });
  pty.ReadUntil("[y/N] ");
  prompter.Cancel();
  // Long before the 60 s timeout.
  ASSERT_EQ(pending.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(pending.get(), PromptAnswer::kError);
  EXPECT_EQ(prompter.Ask("again? [y/N] "), PromptAnswer::kError);
}

TEST(TtyPrompter, OpenFailsClearlyWithoutATerminal) {
  auto p = TtyPrompter::Open("/dev/null", 1s);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("not a terminal"), std::string::npos);
  auto missing = TtyPrompter::Open("/nonexistent/tty", 1s);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("--confirm auto"), std::string::npos);
}

}  // namespace
}  // namespace otc::device
