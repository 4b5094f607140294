#include "common/env.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include "common/encoding.h"
#include "tests/common/test_dir.h"

namespace otc {
namespace {

std::string ReadAll(Env& env, const std::string& path) {
  auto s = ReadFileToString(env, path);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? *s : "";
}

TEST(PosixEnvTest, WriteReadSizeTruncate) {
  TestDir dir;
  Env& env = *Env::Default();
  auto f = env.OpenFile(dir.File("a"), {.write = true, .create = true});
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  ASSERT_TRUE(WriteFully(**f, 0, AsBytes("hello world")).ok());
  ASSERT_TRUE((*f)->Sync().ok());
  ASSERT_TRUE((*f)->DataSync().ok());
  EXPECT_EQ(*(*f)->Size(), 11u);
  uint8_t buf[5];
  ASSERT_TRUE(ReadFully(**f, 6, buf).ok());
  EXPECT_EQ(AsChars(buf), "world");
  EXPECT_EQ(ReadFully(**f, 8, buf).code(), Status::Code::kCorruption);  // past the end
  ASSERT_TRUE((*f)->Truncate(5).ok());
  EXPECT_EQ(ReadAll(env, dir.File("a")), "hello");
}

TEST(PosixEnvTest, CreatedFilesHaveTheRequestedMode) {
  TestDir dir;
  auto f = Env::Default()->OpenFile(dir.File("pad"), {.write = true, .create = true});
  ASSERT_TRUE(f.ok());
  struct stat st;
  ASSERT_EQ(stat(dir.File("pad").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(PosixEnvTest, OpenErrorsAreCategorised) {
  TestDir dir;
  Env& env = *Env::Default();
  auto missing = env.OpenFile(dir.File("nope"), {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);
  EXPECT_NE(missing.status().message().find(dir.File("nope")), std::string::npos);
  ASSERT_TRUE(env.OpenFile(dir.File("x"), {.write = true, .create = true}).ok());
  auto exists = env.OpenFile(dir.File("x"), {.write = true, .create = true, .exclusive = true});
  ASSERT_FALSE(exists.ok());
  EXPECT_EQ(exists.status().code(), Status::Code::kAlreadyExists);
}

TEST(PosixEnvTest, PunchHoleReadsBackZeros) {
  TestDir dir;
  auto f = Env::Default()->OpenFile(dir.File("p"), {.write = true, .create = true});
  std::vector<uint8_t> data(3 * 4096, 0x5A);
  ASSERT_TRUE(WriteFully(**f, 0, data).ok());
  ASSERT_TRUE((*f)->PunchHole(4096, 4096).ok());
  std::vector<uint8_t> back(data.size());
  ASSERT_TRUE(ReadFully(**f, 0, back).ok());
  EXPECT_EQ(back[4095], 0x5A);
  EXPECT_TRUE(
      std::all_of(back.begin() + 4096, back.begin() + 8192, [](uint8_t b) { return b == 0; }));
  EXPECT_EQ(back[8192], 0x5A);
  EXPECT_EQ(*(*f)->Size(), data.size());  // KEEP_SIZE
}

TEST(PosixEnvTest, AtomicReplaceRenameAndChildren) {
  TestDir dir;
  Env& env = *Env::Default();
  ASSERT_TRUE(WriteFileAtomically(env, dir.File("meta"), AsBytes("v1")).ok());
  ASSERT_TRUE(WriteFileAtomically(env, dir.File("meta"), AsBytes("v2")).ok());
  EXPECT_EQ(ReadAll(env, dir.File("meta")), "v2");
  EXPECT_FALSE(env.FileExists(dir.File("meta.tmp")));
  ASSERT_TRUE(env.CreateDir(dir.File("sub")).ok());
  ASSERT_TRUE(env.CreateDir(dir.File("sub")).ok());  // idempotent
  ASSERT_TRUE(env.RenameFile(dir.File("meta"), dir.File("sub/meta")).ok());
  ASSERT_TRUE(env.SyncDir(dir.path()).ok());
  auto children = env.GetChildren(dir.path());
  ASSERT_TRUE(children.ok());
  EXPECT_EQ(*children, std::vector<std::string>{"sub"});
  EXPECT_TRUE(env.RemoveFile(dir.File("sub/meta")).ok());
  EXPECT_EQ(env.RemoveFile(dir.File("sub/meta")).code(), Status::Code::kNotFound);
  EXPECT_GT(*env.FreeSpace(dir.path()), 0u);
}

TEST(PosixEnvTest, LockIsExclusiveAcrossProcessesAndNamesTheHolder) {
  TestDir dir;
  Env& env = *Env::Default();
  int ready[2], done[2];
  ASSERT_EQ(pipe(ready), 0);
  ASSERT_EQ(pipe(done), 0);
  pid_t child = fork();
  if (child == 0) {
    auto lock = env.LockFile(dir.File("LOCK"));
    char c = lock.ok() ? 'y' : 'n';
    (void)!write(ready[1], &c, 1);
    (void)!read(done[0], &c, 1);
    _exit(0);
  }
  char c;
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  ASSERT_EQ(c, 'y');
  auto second = env.LockFile(dir.File("LOCK"));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Status::Code::kBusy);
  EXPECT_NE(second.status().message().find("PID " + std::to_string(child)), std::string::npos)
      << second.status().message();
  (void)!write(done[1], "x", 1);
  int status;
  waitpid(child, &status, 0);
  EXPECT_TRUE(env.LockFile(dir.File("LOCK")).ok()) << "released when the holder exits";
}

TEST(DirNameTest, SplitsPaths) {
  EXPECT_EQ(DirName("a/b/c"), "a/b");
  EXPECT_EQ(DirName("c"), ".");
  EXPECT_EQ(DirName("/c"), "/");
}

}  // namespace
}  // namespace otc
