// The interactive client in a real terminal (tmux): a message from bob appears while
// alice has a half-typed line; the half-typed line stays intact and sends correctly.
// Also: tab completion of a contact name, and quitting; Unicode typed in the C locale
// arrives byte for byte, editing works on whole characters, Ctrl-C drops the line being
// typed, and Ctrl-D on an empty line leaves. A message typed while the relay is down is shown as
// queued, then as sent.
#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include <nlohmann/json.hpp>

#include "tests/e2e/cluster.h"

namespace otc::e2e {
namespace {

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char ch : s) {
    if (ch == '\'') {
      out += "'\\''";
    } else {
      out += ch;
    }
  }
  return out + "'";
}

class Tmux {
 public:
  explicit Tmux(std::string scratch)
      : scratch_(std::move(scratch)), socket_("otc-e2e-" + std::to_string(getpid())) {}
  ~Tmux() { Run({TMUX_BIN, "-L", socket_, "kill-server"}, scratch_); }

  bool Start(const std::vector<std::string>& argv) {
    std::string cmd;
    for (const std::string& a : argv) cmd += ShellQuote(a) + " ";
    cmd += "; echo OTC-EXITED-$?; sleep 30";
    // -u: the test's tmux passes UTF-8 whatever the test's own locale is.
    return Run({TMUX_BIN, "-u", "-L", socket_, "new-session", "-d", "-s", "otc", "-x", "120", "-y",
                "30", cmd},
               scratch_)
               .exit_code == 0;
  }
  void Type(const std::string& literal) {
    Run({TMUX_BIN, "-L", socket_, "send-keys", "-t", "otc", "-l", literal}, scratch_);
  }
  void Key(const std::string& key) {
    Run({TMUX_BIN, "-L", socket_, "send-keys", "-t", "otc", key}, scratch_);
  }
  std::string Capture() {
    return Run({TMUX_BIN, "-L", socket_, "capture-pane", "-p", "-t", "otc"}, scratch_).out;
  }
  bool WaitFor(const std::string& needle, std::chrono::seconds timeout = std::chrono::seconds(20)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (Capture().find(needle) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  // The last line of the pane that is not blank.
  std::string LastLine() {
    std::vector<std::string> lines = Lines(Capture());
    while (!lines.empty() && lines.back().find_first_not_of(' ') == std::string::npos) {
      lines.pop_back();
    }
    return lines.empty() ? "" : lines.back();
  }

 private:
  std::string scratch_;
  std::string socket_;
};

TEST(TmuxChatE2ETest, IncomingMessageDoesNotBreakAHalfTypedLine) {
  Cluster c(Pairs{{"alice", "bob"}});
  ASSERT_EQ(c.error(), "");
  ASSERT_TRUE(c.StartAll()) << c.error();
  Tmux tmux(c.dir());
  ASSERT_TRUE(tmux.Start(c.OtcArgs("chat", "alice", {})));
  ASSERT_TRUE(tmux.WaitFor("alice>")) << tmux.Capture();  // capture-pane drops trailing blanks

  // Tab completion of a contact name (the contact list comes from the device).
  ASSERT_TRUE(tmux.WaitFor("Type help")) << tmux.Capture();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  tmux.Type("send b");
  tmux.Key("Tab");
  ASSERT_TRUE(tmux.WaitFor("alice> send bob")) << tmux.Capture();
  tmux.Type("completed");
  tmux.Key("Enter");
  ASSERT_TRUE(tmux.WaitFor("alice -> bob: completed")) << tmux.Capture();

  // Half a line typed, then bob's message arrives.
  tmux.Type("send bob half-typ");
  ASSERT_TRUE(tmux.WaitFor("alice> send bob half-typ"));
  RunResult sent = c.Otc("send", "bob", {"alice", "ping from bob"});
  ASSERT_EQ(sent.exit_code, 0) << sent.err;
  ASSERT_TRUE(tmux.WaitFor("bob: ping from bob")) << tmux.Capture();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::string screen = tmux.Capture();
  EXPECT_EQ(tmux.LastLine(), "alice> send bob half-typ") << screen;
  // bob's line is above the input line, on a line of its own.
  size_t msg = screen.find("bob: ping from bob");
  size_t input = screen.rfind("alice> send bob half-typ");
  EXPECT_LT(msg, input) << screen;

  tmux.Type("ed line");
  tmux.Key("Enter");
  ASSERT_TRUE(tmux.WaitFor("alice -> bob: half-typed line")) << tmux.Capture();

  RunResult bob = c.Otc("recv", "bob", {"--json"});
  ASSERT_EQ(bob.exit_code, 0) << bob.err;
  std::vector<std::string> texts;
  for (const std::string& l : Lines(bob.out)) texts.push_back(nlohmann::json::parse(l)["text"]);
  EXPECT_EQ(texts, (std::vector<std::string>{"completed", "half-typed line"}));

  tmux.Type("quit");
  tmux.Key("Enter");
  EXPECT_TRUE(tmux.WaitFor("OTC-EXITED-0")) << tmux.Capture();
}

// The texts bob's client receives, in order.
std::vector<std::string> ReceivedTexts(Cluster& c) {
  RunResult bob = c.Otc("recv", "bob", {"--json"});
  EXPECT_EQ(bob.exit_code, 0) << bob.err;
  std::vector<std::string> texts;
  for (const std::string& l : Lines(bob.out)) texts.push_back(nlohmann::json::parse(l)["text"]);
  return texts;
}

TEST(TmuxChatE2ETest, UnicodeTypedInTheCLocaleArrivesByteExact) {
  Cluster c(Pairs{{"alice", "bob"}});
  ASSERT_EQ(c.error(), "");
  ASSERT_TRUE(c.StartAll()) << c.error();
  Tmux tmux(c.dir());
  // As under CI: no locale in the environment at all (the C locale).
  std::vector<std::string> argv = {"env", "-u",       "LANG", "-u",      "LC_ALL",
                                   "-u",  "LC_CTYPE", "-u",   "LANGUAGE"};
  for (std::string& a : c.OtcArgs("chat", "alice", {})) argv.push_back(std::move(a));
  ASSERT_TRUE(tmux.Start(argv));
  ASSERT_TRUE(tmux.WaitFor("Type help")) << tmux.Capture();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));

  // Accents, CJK, an emoji, one with a skin tone, a ZWJ family, and Hebrew (RTL).
  const std::string kText =
      "h\xc3\xa9llo w\xc3\xb6rld \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xf0\x9f\x8e\x89 "
      "\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd "
      "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7 "
      "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d";
  tmux.Type("send bob " + kText);
  tmux.Key("Enter");
  ASSERT_TRUE(tmux.WaitFor("alice -> bob: h\xc3\xa9llo")) << tmux.Capture();

  // Deletion and cursor movement on whole characters: "ab日本語x", two BSpace leave
  // "ab日本", Left moves before 本, and é goes there.
  tmux.Type("send bob ab\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9ex");
  tmux.Key("BSpace");
  tmux.Key("BSpace");
  tmux.Key("Left");
  tmux.Type("\xc3\xa9");
  tmux.Key("Enter");
  const std::string kEdited = "ab\xe6\x97\xa5\xc3\xa9\xe6\x9c\xac";
  ASSERT_TRUE(tmux.WaitFor("alice -> bob: " + kEdited)) << tmux.Capture();

  EXPECT_EQ(ReceivedTexts(c), (std::vector<std::string>{kText, kEdited}));

  tmux.Key("C-d");  // on an empty line: leave
  EXPECT_TRUE(tmux.WaitFor("OTC-EXITED-0")) << tmux.Capture();
}

// Ctrl-C drops the line being typed (as irssi and weechat) and the chat goes on: what is
// typed next is all that is sent; nothing of the dropped line reaches the peer.
TEST(TmuxChatE2ETest, CtrlCClearsTheLineBeingTypedAndTheChatGoesOn) {
  Cluster c(Pairs{{"alice", "bob"}});
  ASSERT_EQ(c.error(), "");
  ASSERT_TRUE(c.StartAll()) << c.error();
  Tmux tmux(c.dir());
  ASSERT_TRUE(tmux.Start(c.OtcArgs("chat", "alice", {})));
  ASSERT_TRUE(tmux.WaitFor("Type help")) << tmux.Capture();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));

  tmux.Type("send bob never meant to send this");
  ASSERT_TRUE(tmux.WaitFor("alice> send bob never meant to send this")) << tmux.Capture();
  tmux.Key("C-c");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (tmux.LastLine() != "alice>" && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(tmux.LastLine(), "alice>") << tmux.Capture();  // capture drops the trailing blank
  tmux.Type("send bob only this");
  tmux.Key("Enter");
  ASSERT_TRUE(tmux.WaitFor("alice -> bob: only this")) << tmux.Capture();
  // A second Ctrl-C on an empty line does not leave either.
  tmux.Key("C-c");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(tmux.Capture().find("OTC-EXITED"), std::string::npos) << tmux.Capture();

  EXPECT_EQ(ReceivedTexts(c), (std::vector<std::string>{"only this"}));
  tmux.Type("quit");
  tmux.Key("Enter");
  EXPECT_TRUE(tmux.WaitFor("OTC-EXITED-0")) << tmux.Capture();
}

// The relay is down when alice sends: the chat shows the message as queued at once, she
// keeps typing, and when the relay is back the background retry sends the same package and
// the chat shows it as sent; bob receives it once, with no skipped pad.
TEST(TmuxChatE2ETest, AMessageQueuedWhileTheRelayIsDownIsShownAsSentWhenItReturns) {
  Cluster c(Pairs{{"alice", "bob"}});
  ASSERT_EQ(c.error(), "");
  ASSERT_TRUE(c.StartAll()) << c.error();
  Tmux tmux(c.dir());
  ASSERT_TRUE(tmux.Start(c.OtcArgs("chat", "alice", {})));
  ASSERT_TRUE(tmux.WaitFor("Type help")) << tmux.Capture();
  c.StopRelay();
  tmux.Type("send bob sent into the outage");
  tmux.Key("Enter");
  ASSERT_TRUE(tmux.WaitFor("~~ queued for bob")) << tmux.Capture();
  tmux.Type("still typing");  // the prompt answers while the message waits
  ASSERT_TRUE(tmux.WaitFor("alice> still typing")) << tmux.Capture();
  ASSERT_TRUE(c.StartRelay()) << c.error();
  ASSERT_TRUE(tmux.WaitFor("alice -> bob: sent into the outage  (sent after being queued)",
                           std::chrono::seconds(40)))
      << tmux.Capture();
  EXPECT_EQ(tmux.LastLine(), "alice> still typing") << tmux.Capture();
  tmux.Key("C-u");
  tmux.Type("quit");
  tmux.Key("Enter");
  EXPECT_TRUE(tmux.WaitFor("OTC-EXITED-0")) << tmux.Capture();

  RunResult bob = c.Otc("recv", "bob", {"--json"});
  ASSERT_EQ(bob.exit_code, 0) << bob.err;
  std::vector<std::string> lines = Lines(bob.out);
  ASSERT_EQ(lines.size(), 1u) << bob.out;
  nlohmann::json m = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(m["text"], "sent into the outage");
  EXPECT_EQ(m["warnings"], nlohmann::json::array());  // no skipped pad, no replay
}

}  // namespace
}  // namespace otc::e2e
