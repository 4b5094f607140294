// common/cli: typo suggestions, the shared exit codes, the failure format, --version and
// the command-line errors every otc program prints (on a CLI11 app built here).
#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "common/cli/command_line.h"
#include "common/cli/exit_codes.h"
#include "common/cli/failure.h"
#include "common/cli/suggest.h"
#include "common/cli/version.h"

namespace otc::cli {
namespace {

TEST(EditDistanceTest, CountsInsertsDeletesSubstitutionsAndSwaps) {
  EXPECT_EQ(EditDistance("send", "send"), 0u);
  EXPECT_EQ(EditDistance("sned", "send"), 1u);  // a swap is one edit
  EXPECT_EQ(EditDistance("snd", "send"), 1u);
  EXPECT_EQ(EditDistance("sendd", "send"), 1u);
  EXPECT_EQ(EditDistance("sand", "send"), 1u);
  EXPECT_EQ(EditDistance("", "recv"), 4u);
  EXPECT_EQ(EditDistance("status", "init"), 5u);
}

TEST(ClosestMatchTest, SuggestsNearTyposOnly) {
  const std::vector<std::string> commands = {"chat", "send", "recv", "contacts"};
  EXPECT_EQ(ClosestMatch("sned", commands), "send");
  EXPECT_EQ(ClosestMatch("rcev", commands), "recv");
  EXPECT_EQ(ClosestMatch("contcats", commands), "contacts");
  EXPECT_EQ(ClosestMatch("cont", commands), "contacts");  // the only one it starts
  EXPECT_EQ(ClosestMatch("remove", commands), std::nullopt);
  EXPECT_EQ(ClosestMatch("x", commands), std::nullopt);
  const std::vector<std::string> options = {"--store", "--peer", "--json", "--help"};
  EXPECT_EQ(ClosestMatch("--jsno", options), "--json");
  EXPECT_EQ(ClosestMatch("--bogus", options), std::nullopt);
}

TEST(ExitCodesTest, EveryCodeHasItsOwnName) {
  const int codes[] = {kExitOk,           kExitFailed,       kExitUsage,      kExitUnknownContact,
                       kExitPadExhausted, kExitDenied,       kExitReplay,     kExitIntegrity,
                       kExitTooLarge,     kExitUnauthorized, kExitInUse,      kExitUnreachable,
                       kExitRelayRefused, kExitCannotStart,  kExitDamaged,    kExitRepaired,
                       kExitEntropyLow,   kExitQueued,       kExitInterrupted};
  std::set<int> numbers;
  std::set<std::string> names;
  for (int c : codes) {
    numbers.insert(c);
    names.insert(std::string(ExitCodeName(c)));
    EXPECT_FALSE(ExitCodeMeaning(c).empty()) << c;
  }
  EXPECT_EQ(numbers.size(), std::size(codes));
  EXPECT_EQ(names.size(), std::size(codes));
  // The device's RPC categories are the same words for the same numbers.
  EXPECT_EQ(ExitCodeName(3), "unknown_contact");
  EXPECT_EQ(ExitCodeName(4), "pad_exhausted");
  EXPECT_EQ(ExitCodeName(75), "queued");  // EX_TEMPFAIL
  EXPECT_EQ(ExitCodeName(99), "failed");  // not in the table: a plain failure
}

TEST(ExitCodesTest, TableListsTheGivenRowsInOrder) {
  std::string table = ExitCodeTable({{kExitOk}, {kExitUsage}, {kExitDamaged, "copies differ"}});
  EXPECT_EQ(table,
            "Exit codes (the same in every otc program, see docs/CLI.md):\n"
            "   0  ok: success\n"
            "   2  usage: bad command line, configuration or arguments; nothing was done\n"
            "  14  damaged: copies differ\n");
}

TEST(FailureTest, OneLineOrOneJsonObject) {
  Failure f{kExitInUse, "store /s is in use by PID 7", "stop otc-device first"};
  EXPECT_EQ(FormatFailureLine("padstore", f),
            "padstore: store /s is in use by PID 7: stop otc-device first");
  EXPECT_EQ(FormatFailureLine("padstore", {kExitFailed, "two\nlines", ""}), "padstore: two lines");
  nlohmann::json j = nlohmann::json::parse(FormatFailureJson(f));
  EXPECT_EQ(j["error"], "in_use");
  EXPECT_EQ(j["exit_code"], 10);
  EXPECT_EQ(j["message"], "store /s is in use by PID 7");
  EXPECT_EQ(j["fix"], "stop otc-device first");
}

TEST(VersionTest, ProgramVersionAndRevision) {
  const std::string line = VersionLine("otc");
  EXPECT_EQ(line.rfind("otc " + std::string(OTC_TEST_PROJECT_VERSION), 0), 0u) << line;
  const std::string_view rev = GitRevision();
  if (rev.empty()) {
    EXPECT_EQ(line, "otc " + std::string(OTC_TEST_PROJECT_VERSION));
  } else {
    EXPECT_EQ(rev.size(), 12u);
    EXPECT_EQ(rev.find_first_not_of("0123456789abcdef"), std::string_view::npos) << rev;
    EXPECT_EQ(line, "otc " + std::string(Version()) + " (git " + std::string(rev) + ")");
    // The revision names a commit of this source tree.
    std::string cmd = "git -C " + std::string(OTC_TEST_SOURCE_DIR) + " cat-file -e " +
                      std::string(rev) + "^{commit} 2>/dev/null";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
}

// A small program shaped like padstore, to check the usage errors.
class CommandLineTest : public ::testing::Test {
 protected:
  CommandLineTest() : app_("demo: a test program") {
    ConfigureApp(app_, "demo", ExitCodeTable({{kExitOk}, {kExitUsage}}));
    app_.require_subcommand(1);
    for (const char* name : {"init", "status", "fsck"}) {
      CLI::App* sub = app_.add_subcommand(name, "a command");
      sub->add_option("--store", store_, "store directory")
          ->envname("OTC_TEST_NO_SUCH_VAR")
          ->type_name("DIR")
          ->required();
      sub->add_option("--peer", peer_, "a contact");
      sub->add_flag("--json", json_, "JSON");
    }
    app_.add_subcommand("gen", "a command")->add_option("--size", size_, "a size")->required();
  }

  // Parses and returns the failure (empty `what` if the parse succeeded).
  Failure Describe(std::vector<std::string> args) {
    args.insert(args.begin(), "/some/build/dir/demo");
    std::vector<const char*> argv;
    for (const std::string& a : args) argv.push_back(a.c_str());
    app_.clear();
    try {
      app_.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
      return DescribeParseError(app_, {args.begin() + 1, args.end()}, e);
    }
    return {};
  }

  CLI::App app_;
  std::string store_, peer_, size_;
  bool json_ = false;
};

TEST_F(CommandLineTest, UnknownCommandIsNamedWithTheNearestOne) {
  Failure f = Describe({"stauts", "--store", "x"});
  EXPECT_EQ(f.exit_code, kExitUsage);
  EXPECT_EQ(FormatFailureLine("demo", f), "demo: unknown command 'stauts'; did you mean 'status'?");
  f = Describe({"remove", "--store", "x"});
  EXPECT_EQ(FormatFailureLine("demo", f),
            "demo: unknown command 'remove': the commands are init, status, fsck, gen (see "
            "demo --help)");
}

TEST_F(CommandLineTest, UnknownOptionIsNamedBeforeAMissingRequiredOne) {
  Failure f = Describe({"status", "--bogus"});
  EXPECT_EQ(FormatFailureLine("demo", f),
            "demo: unknown option '--bogus' for 'demo status': see demo status --help");
  f = Describe({"status", "--store", "x", "--peeer", "bob"});
  EXPECT_EQ(FormatFailureLine("demo", f),
            "demo: unknown option '--peeer' for 'demo status'; did you mean '--peer'?");
  // An option's value is not taken for a command or an option.
  EXPECT_EQ(Describe({"status", "--peer", "fsck"}).what, "status needs --store");
  EXPECT_EQ(Describe({"status", "--peer", "-1"}).what, "status needs --store");
  EXPECT_EQ(Describe({"status", "--store=x", "--json"}).what, "");
}

TEST_F(CommandLineTest, MissingRequiredOptionSaysHowToGiveIt) {
  Failure f = Describe({"fsck"});
  EXPECT_EQ(FormatFailureLine("demo", f),
            "demo: fsck needs --store: give --store DIR or set $OTC_TEST_NO_SUCH_VAR");
  EXPECT_EQ(FormatFailureLine("demo", Describe({"gen"})), "demo: gen needs --size: give --size");
  f = Describe({});
  EXPECT_EQ(FormatFailureLine("demo", f),
            "demo: a command is required: one of init, status, fsck, gen (see demo --help)");
}

TEST_F(CommandLineTest, HelpShowsTheBareNameAndEndsWithTheExitCodes) {
  std::string help = app_.help();
  EXPECT_EQ(help.find("/some/build"), std::string::npos);
  const size_t usage = help.find("Usage: demo ");
  const size_t options = help.find("Options:");
  const size_t codes = help.find("Exit codes");
  ASSERT_NE(usage, std::string::npos) << help;
  ASSERT_NE(options, std::string::npos) << help;
  ASSERT_NE(codes, std::string::npos) << help;
  EXPECT_LT(usage, options);
  EXPECT_LT(options, codes);
  EXPECT_NE(help.find("--version"), std::string::npos);
}

TEST(WantsJsonTest, OnlyBeforeDoubleDash) {
  EXPECT_TRUE(WantsJson({"status", "--json"}));
  EXPECT_FALSE(WantsJson({"status", "--", "--json"}));
  EXPECT_FALSE(WantsJson({"status"}));
}

}  // namespace
}  // namespace otc::cli
