// The device daemon's process protections against a real otc-device: the any-address
// guard on the parsed address, no core dumps whatever limit it was started with, and an
// audit log that a flood of bad requests cannot grow without bound.
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "chat/device/device_audit.h"
#include "chat/device/process_hardening.h"
#include "padstore/audit_rotation.h"
#include "tests/device/device_test_util.h"

namespace otc::device {
namespace {

using testing::Daemon;
using testing::kStorePlace;
using testing::Pair;
using testing::RpcClient;
using testing::StoreDir;

http::ListenAddress Parse(const std::string& text) {
  auto a = http::ParseListenAddress(text);
  EXPECT_TRUE(a.ok()) << text;
  return a.ok() ? *a : http::ListenAddress{};
}

TEST(AnyAddressGuard, RecognisesEveryUnspecifiedForm) {
  for (const char* any : {"0.0.0.0:1", "[::]:1", "[::ffff:0.0.0.0]:1", "[0:0:0:0:0:0:0:0]:1",
                          "[::ffff:0:0]:1", "[0::0]:0"}) {
    EXPECT_TRUE(ListensOnEveryInterface(Parse(any))) << any;
  }
  for (const char* one : {"127.0.0.1:1", "[::1]:1", "[::ffff:127.0.0.1]:1", "10.0.0.1:1",
                          "[fe80::1]:1", "0.0.0.1:1", "[::ffff:0.0.0.1]:1", "unix:/tmp/x"}) {
    EXPECT_FALSE(ListensOnEveryInterface(Parse(one))) << one;
  }
}

class HardeningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::MakeStores(dir_, {Pair{"alice", "bob", Format::kOtc2, 1 << 16, 51}}));
    token_ = dir_.File("token");
    std::ofstream(token_) << "0123456789abcdef0123\n";
    ::chmod(token_.c_str(), 0600);
  }
  TestDir dir_{kStorePlace};
  std::string token_;
};

TEST_F(HardeningTest, RefusesEveryAnyAddressWithoutAllInterfaces) {
  for (const char* listen : {"tcp:0.0.0.0:0", "tcp:[::]:0", "tcp:[::ffff:0.0.0.0]:0",
                             "tcp:[0:0:0:0:0:0:0:0]:0", "tcp:[::ffff:0:0]:0"}) {
    SCOPED_TRACE(listen);
    auto r = testing::Run({testing::DeviceBinary(), "serve", "--store", StoreDir(dir_, "alice"),
                           "--confirm", "auto", "--listen", listen, "--token-file", token_});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("--all-interfaces"), std::string::npos) << r.err;
  }
}

// Starts otc-device serve with an unlimited core limit and, when the test runs as root,
// as an unprivileged uid of its own (so that "not dumpable" shows as /proc/PID being
// owned by root, or by the overflow uid in a user namespace, instead of by the daemon's
// own user). Returns the pid once it listens, or -1.
constexpr uid_t kDaemonUid = 23456;
pid_t StartWithUnlimitedCore(const std::string& store, uid_t* daemon_uid) {
  const bool root = ::geteuid() == 0;
  *daemon_uid = root ? kDaemonUid : ::geteuid();
  if (root) {
    for (auto& e : std::filesystem::recursive_directory_iterator(store)) {
      ::lchown(e.path().c_str(), kDaemonUid, kDaemonUid);
    }
    ::chown(store.c_str(), kDaemonUid, kDaemonUid);
    ::chown(std::filesystem::path(store).parent_path().c_str(), kDaemonUid, kDaemonUid);
  }
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return -1;
  pid_t pid = ::fork();
  if (pid == 0) {
    const rlimit unlimited{RLIM_INFINITY, RLIM_INFINITY};
    if (::setrlimit(RLIMIT_CORE, &unlimited) != 0) ::_exit(126);
    if (root &&
        (::setgroups(0, nullptr) != 0 || ::setgid(kDaemonUid) != 0 || ::setuid(kDaemonUid) != 0)) {
      ::_exit(125);
    }
    ::dup2(out[1], 1);
    int devnull = ::open("/dev/null", O_RDWR);
    ::dup2(devnull, 0);
    ::dup2(devnull, 2);
    std::string binary = testing::DeviceBinary();
    ::execl(binary.c_str(), binary.c_str(), "serve", "--store", store.c_str(), "--confirm", "auto",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  std::string seen;
  for (int i = 0; i < 400 && seen.find('\n') == std::string::npos; ++i) {
    pollfd p{out[0], POLLIN, 0};
    if (::poll(&p, 1, 50) != 1) continue;
    char buf[256];
    ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    seen.append(buf, static_cast<size_t>(n));
  }
  ::close(out[0]);
  if (seen.rfind("listening on ", 0) != 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return -1;
  }
  return pid;
}

std::string ProcLine(pid_t pid, const std::string& file, const std::string& prefix) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/" + file);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) == 0) return line;
  }
  return "";
}

TEST_F(HardeningTest, NoCoreDumpsEvenWhenStartedWithAnUnlimitedCoreLimit) {
  uid_t daemon_uid = 0;
  pid_t pid = StartWithUnlimitedCore(StoreDir(dir_, "alice"), &daemon_uid);
  ASSERT_GT(pid, 0) << "otc-device serve did not start";
  std::istringstream limits(ProcLine(pid, "limits", "Max core file size"));
  std::string w1, w2, w3, w4, soft, hard;
  limits >> w1 >> w2 >> w3 >> w4 >> soft >> hard;
  EXPECT_EQ(soft, "0");
  EXPECT_EQ(hard, "0");
  // The daemon runs as daemon_uid, yet its /proc files do not belong to it: the kernel
  // gives those of a process that is not dumpable to root (shown as the overflow uid when
  // root is not mapped into this user namespace). /proc/PID itself always shows the euid.
  std::istringstream uids(ProcLine(pid, "status", "Uid:"));
  std::string label;
  uid_t real = 0;
  uids >> label >> real;
  EXPECT_EQ(real, daemon_uid);
  struct stat st {};
  ASSERT_EQ(::stat(("/proc/" + std::to_string(pid) + "/status").c_str(), &st), 0);
  EXPECT_NE(st.st_uid, daemon_uid) << "otc-device is dumpable";
  EXPECT_TRUE(st.st_uid == 0 || st.st_uid == 65534) << st.st_uid;
  EXPECT_NE(daemon_uid, 0u);
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

uint64_t TreeBytes(const std::string& dir) {
  uint64_t total = 0;
  for (auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) total += e.file_size();
  }
  return total;
}

TEST_F(HardeningTest, AFloodOfBadRequestsBarelyGrowsTheStore) {
  const std::string store = StoreDir(dir_, "alice");
  auto daemon = Daemon::Start(store, {"--confirm", "auto"});
  ASSERT_TRUE(daemon);
  RpcClient client(daemon->address());
  ASSERT_EQ(client.Get("/v1/health").status, 200);
  const uint64_t before = TreeBytes(store);
  constexpr int kRequests = 3000;
  for (int i = 0; i < kRequests; ++i) {
    RpcClient::Reply r;
    switch (i % 3) {
      case 0:  // not JSON
        r = client.Call(http::Verb::post, "/v1/unpackage", "{not json");
        break;
      case 1:  // not base64
        r = client.Unpackage("bob", "AA=A");
        break;
      default:  // base64, but not a package
        r = client.Unpackage("bob", "AAAAAAAAAAAA");
    }
    ASSERT_GE(r.status, 400) << i << " " << r.raw;
    ASSERT_LT(r.status, 500) << i << " " << r.raw;
  }
  const uint64_t growth = TreeBytes(store) - before;
  EXPECT_LT(growth, 64u << 10) << "the store grew by " << growth << " bytes";
  // No event is lost: the lines and summary counts account for every request.
  std::ifstream in(DeviceAudit::FileName(store));
  std::stringstream text;
  text << in.rdbuf();
  uint64_t events = 0;
  for (auto& [kind, n] : padstore::CountAuditEvents(text.str())) {
    if (kind == "BAD_REQUEST" || kind == "REFUSED") events += n;
  }
  EXPECT_GE(events, uint64_t{kRequests}) << text.str();
  EXPECT_NE(text.str().find("more like this in 60 s"), std::string::npos) << text.str();
  EXPECT_EQ(client.Get("/v1/health").status, 200);
}

}  // namespace
}  // namespace otc::device
