// Confirmation on the device's own terminal, played through a pseudo-terminal: the
// daemon (or the offline CLI) runs with the pty as its controlling terminal, the test
// reads the prompt and types the answer.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <future>
#include <thread>

#include "tests/device/device_test_util.h"

namespace otc::device {
namespace {

using namespace std::chrono_literals;
using testing::kStorePlace;
using testing::Pair;
using testing::RpcClient;
using testing::StoreDir;

// A child process whose stdin/stdout/stderr and controlling terminal is a pty.
class PtyChild {
 public:
  explicit PtyChild(std::vector<std::string> args) {
    pid_ = ::forkpty(&master_, nullptr, nullptr, nullptr);
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
  }
  ~PtyChild() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (master_ >= 0) ::close(master_);
  }
  // Reads terminal output until `needle` appears after `from` (bounded).
  bool WaitFor(const std::string& needle, std::chrono::milliseconds limit = 20s) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (seen_.find(needle, from_) != std::string::npos) {
        from_ = seen_.find(needle, from_) + needle.size();
        return true;
      }
      pollfd p{master_, POLLIN, 0};
      if (::poll(&p, 1, 50) == 1) {
        char buf[512];
        ssize_t n = ::read(master_, buf, sizeof buf);
        if (n <= 0) return false;
        seen_.append(buf, static_cast<size_t>(n));
      }
    }
    return false;
  }
  void Type(const std::string& text) {
    ASSERT_EQ(::write(master_, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  }
  int Terminate() {
    ::kill(pid_, SIGTERM);
    return Wait();
  }
  int Wait() {
    // Keep draining the terminal so the child never blocks writing to it. Bounded by
    // time, not iterations: once the child has closed the terminal, WaitFor returns at
    // once (read fails with EIO), and the child may still be shutting down.
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        Drain();  // what the child wrote just before exiting
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      if (!WaitFor("\x01never\x01", 10ms)) std::this_thread::sleep_for(10ms);
    }
    return -1;
  }
  const std::string& seen() const { return seen_; }
  // Reads whatever is left in the terminal once the child is gone (read fails with EIO
  // when the last slave descriptor has closed).
  void Drain() {
    for (int i = 0; i < 100; ++i) {
      pollfd p{master_, POLLIN, 0};
      if (::poll(&p, 1, 20) != 1) return;
      char buf[512];
      ssize_t n = ::read(master_, buf, sizeof buf);
      if (n <= 0) return;
      seen_.append(buf, static_cast<size_t>(n));
    }
  }
  std::string Line() {  // the text after the last match up to the next newline
    WaitFor("\n", 5s);
    return seen_;
  }

 private:
  pid_t pid_ = -1;
  int master_ = -1;
  std::string seen_;
  size_t from_ = 0;
};

class ConfirmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::MakeStores(dir_, {Pair{"alice", "bob", Format::kOtc2, 1 << 16, 31}}));
  }
  TestDir dir_{kStorePlace};
};

TEST_F(ConfirmTest, DaemonPromptsOnItsTerminalApproveDenyTimeout) {
  const std::string socket = dir_.File("alice.sock");
  PtyChild daemon({testing::DeviceBinary(), "serve", "--store", StoreDir(dir_, "alice"), "--listen",
                   "unix:" + socket, "--confirm", "tty", "--confirm-timeout", "1.5"});
  ASSERT_TRUE(daemon.WaitFor("listening on unix:" + socket)) << daemon.seen();
  RpcClient client("unix:" + socket);

  // Deny: the request fails with "denied" and consumes nothing.
  auto denied = std::async(std::launch::async, [&] { return client.Package("bob", "hello"); });
  ASSERT_TRUE(daemon.WaitFor("alice \u2192 bob: encrypt 5 bytes (58 pad bytes): \"hello\"? [y/N] "))
      << daemon.seen();
  daemon.Type("n\n");
  auto d = denied.get();
  EXPECT_EQ(d.status, 403) << d.raw;
  EXPECT_EQ(d.body["error"], "denied");

  // Timeout: no answer counts as a denial.
  auto timed_out = std::async(std::launch::async, [&] { return client.Package("bob", "hello"); });
  ASSERT_TRUE(daemon.WaitFor("encrypt 5 bytes (58 pad bytes): \"hello\"? [y/N] "));
  ASSERT_TRUE(daemon.WaitFor("no answer in time: denied"));
  auto t = timed_out.get();
  EXPECT_EQ(t.status, 403) << t.raw;
  EXPECT_EQ(t.body["error"], "denied");

  // Approve: the first package that is approved starts at index 0.
  auto approved = std::async(std::launch::async, [&] { return client.Package("bob", "hello"); });
  ASSERT_TRUE(daemon.WaitFor("encrypt 5 bytes (58 pad bytes): \"hello\"? [y/N] "));
  daemon.Type("y\n");
  auto a = approved.get();
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(a.body["index"], 0);
  EXPECT_EQ(a.body["pad_left"], (1 << 15) - 58);  // 5 + 21 (envelope) + 32

  // Health and contacts never prompt.
  EXPECT_EQ(client.Get("/v1/health").status, 200);
  EXPECT_EQ(client.Get("/v1/contacts").status, 200);
  EXPECT_EQ(daemon.Terminate(), 0);
  std::string audit = testing::ReadText(StoreDir(dir_, "alice") + "/device-audit.log");
  EXPECT_NE(audit.find("DENIED op=package peer=bob"), std::string::npos);
  EXPECT_NE(audit.find("timed out"), std::string::npos);
}

TEST_F(ConfirmTest, DecryptIsConfirmedTooAndADenialConsumesNothing) {
  // alice packages offline (auto), bob's daemon asks before decrypting.
  auto packaged = testing::Run({testing::DeviceBinary(), "package", "--store",
                                StoreDir(dir_, "alice"), "--to", "bob", "--message", "psst"});
  ASSERT_EQ(packaged.exit_code, 0) << packaged.err;
  std::string package = packaged.out.substr(0, packaged.out.find('\n'));
  const std::string socket = dir_.File("bob.sock");
  PtyChild daemon({testing::DeviceBinary(), "serve", "--store", StoreDir(dir_, "bob"), "--listen",
                   "unix:" + socket, "--confirm", "limit:2"});
  ASSERT_TRUE(daemon.WaitFor("listening on")) << daemon.seen();
  RpcClient client("unix:" + socket);
  auto denied = std::async(std::launch::async, [&] { return client.Unpackage("alice", package); });
  ASSERT_TRUE(daemon.WaitFor("alice \u2192 bob: decrypt 4 bytes (57 pad bytes)? [y/N] "))
      << daemon.seen();
  daemon.Type("no\n");
  EXPECT_EQ(denied.get().body["error"], "denied");
  auto approved =
      std::async(std::launch::async, [&] { return client.Unpackage("alice", package); });
  ASSERT_TRUE(daemon.WaitFor("decrypt 4 bytes (57 pad bytes)? [y/N] "));
  daemon.Type("y\n");
  auto a = approved.get();
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(a.body["message"], "psst");
  EXPECT_EQ(a.body["skipped"], false);
  EXPECT_EQ(daemon.Terminate(), 0);
}

TEST_F(ConfirmTest, OfflineCliCanAskOnTheTerminalToo) {
  PtyChild cli({testing::DeviceBinary(), "package", "--store", StoreDir(dir_, "alice"), "--to",
                "bob", "--message", "hey", "--confirm", "tty"});
  ASSERT_TRUE(cli.WaitFor("alice \u2192 bob: encrypt 3 bytes (56 pad bytes): \"hey\"? [y/N] "))
      << cli.seen();
  cli.Type("n\n");
  EXPECT_EQ(cli.Wait(), 5);  // denied
  EXPECT_NE(cli.seen().find("denied"), std::string::npos);
  // Without a terminal, --confirm tty is a usage error.
  auto no_tty =
      testing::Run({testing::DeviceBinary(), "package", "--store", StoreDir(dir_, "alice"), "--to",
                    "bob", "--message", "hey", "--confirm", "tty"});
  EXPECT_EQ(no_tty.exit_code, 2);
  EXPECT_NE(no_tty.err.find("terminal"), std::string::npos) << no_tty.err;
}

}  // namespace
}  // namespace otc::device
