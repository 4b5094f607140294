// otc-entropy end to end: exit codes and output for good, bad and unreadable inputs.
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <string>

namespace {

struct ToolRun {
  int exit_code;
  std::string output;  // stdout and stderr
};

ToolRun RunTool(const std::string& args) {
  std::string cmd = std::string(OTC_ENTROPY_BIN) + " " + args + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  ToolRun run{-1, ""};
  if (pipe == nullptr) return run;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) run.output.append(buf, n);
  int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

std::string WriteFile(const std::string& name, const std::string& contents) {
  std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path, std::ios::binary) << contents;
  return path;
}

std::string RandomBytes(size_t n) {
  std::mt19937_64 rng(3);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

TEST(OtcEntropyCliTest, ReportsOnAGoodFile) {
  std::string path = WriteFile("otc_entropy_good", RandomBytes(200000));
  ToolRun r = RunTool(path);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("bytes read:             200000"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("verdict:                uniform"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("suggested --min-entropy"), std::string::npos);

  ToolRun j = RunTool(path + " --json --bytes 100K");
  EXPECT_EQ(j.exit_code, 0) << j.output;
  EXPECT_NE(j.output.find("\"bytes\":102400"), std::string::npos) << j.output;
  std::remove(path.c_str());
}

TEST(OtcEntropyCliTest, ReadsADeviceSampleAndStdin) {
  ToolRun dev = RunTool("/dev/zero --bytes 64K --json");
  EXPECT_EQ(dev.exit_code, 0) << dev.output;
  EXPECT_NE(dev.output.find("\"verdict\":\"non-uniform\""), std::string::npos) << dev.output;
  ToolRun dflt = RunTool("/dev/zero --json");  // device default: 1 MiB
  EXPECT_NE(dflt.output.find("\"bytes\":1048576"), std::string::npos) << dflt.output;
  std::string path = WriteFile("otc_entropy_stdin", std::string(5000, 'a'));
  ToolRun in = RunTool("- --json < " + path);
  EXPECT_EQ(in.exit_code, 0) << in.output;
  EXPECT_NE(in.output.find("\"bytes\":5000"), std::string::npos) << in.output;
  std::remove(path.c_str());
}

TEST(OtcEntropyCliTest, MinEntropyAboveEstimateExitsSixteen) {
  ToolRun r = RunTool("/dev/zero --bytes 64K --min-entropy 7");
  EXPECT_EQ(r.exit_code, 16) << r.output;  // entropy_low in every otc program
  EXPECT_NE(r.output.find("--min-entropy 7 is above"), std::string::npos) << r.output;
  std::string path = WriteFile("otc_entropy_minent", RandomBytes(200000));
  EXPECT_EQ(RunTool(path + " --min-entropy 5").exit_code, 0);
  std::remove(path.c_str());
}

TEST(OtcEntropyCliTest, BadInputsFailWithOneLineErrors) {
  ToolRun missing = RunTool(::testing::TempDir() + "/no_such_file_here");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find("no_such_file_here"), std::string::npos) << missing.output;

  std::string empty = WriteFile("otc_entropy_empty", "");
  ToolRun e = RunTool(empty);
  EXPECT_EQ(e.exit_code, 1);
  EXPECT_NE(e.output.find("empty"), std::string::npos) << e.output;
  std::remove(empty.c_str());

  ToolRun bad_size = RunTool("/dev/zero --bytes 1.5G");
  EXPECT_EQ(bad_size.exit_code, 2);
  EXPECT_NE(bad_size.output.find("--bytes"), std::string::npos) << bad_size.output;

  EXPECT_EQ(RunTool("").exit_code, 2);                           // no input
  EXPECT_EQ(RunTool("/dev/zero --min-entropy 9").exit_code, 2);  // out of range
  ToolRun unknown = RunTool("/dev/zero --no-such-flag");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_EQ(unknown.output,
            "otc-entropy: unknown option '--no-such-flag': see otc-entropy --help\n");
  ToolRun typo = RunTool("/dev/zero --byts 1M");
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_EQ(typo.output, "otc-entropy: unknown option '--byts'; did you mean '--bytes'?\n");
  ToolRun help = RunTool("--help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("--bytes"), std::string::npos);
}

}  // namespace
