#include "chat/client/transcript.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>

#include "chat/client/history_file.h"
#include "tests/common/test_dir.h"

namespace otc::client {
namespace {

class TranscriptTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TZ", "UTC", 1);
    tzset();
  }
  // 1970-01-02 03:04:05 UTC
  static constexpr std::time_t kWhen = 86400 + 3 * 3600 + 4 * 60 + 5;
};

TEST_F(TranscriptTest, IncomingAndOutgoing) {
  EXPECT_EQ(FormatIncoming("bob", "hello there", kWhen), "[03:04:05] bob: hello there");
  EXPECT_EQ(FormatOutgoing("alice", "bob", "hi", kWhen), "[03:04:05] alice -> bob: hi");
}

TEST_F(TranscriptTest, EscapesAndControlCharactersAreNeutralised) {
  EXPECT_EQ(SanitizeForTerminal("a\x1b[2Jb"), "a\\x1b[2Jb");
  EXPECT_EQ(SanitizeForTerminal("bell\x07 del\x7f"), "bell\\x07 del\\x7f");
  EXPECT_EQ(SanitizeForTerminal("csi\xc2\x9b"
                                "31m"),
            "csi\\x9b31m");  // U+009B (C1 CSI)
  EXPECT_EQ(SanitizeForTerminal("caf\xc3\xa9 \xe2\x9c\x93\ttab"), "caf\xc3\xa9 \xe2\x9c\x93\ttab");
  EXPECT_EQ(SanitizeForTerminal("one\ntwo", "  "), "one\n  two");
  EXPECT_EQ(SanitizeForTerminal("cr\rx"), "cr\\x0dx");
  EXPECT_EQ(FormatIncoming("b\x1b", "x", kWhen), "[03:04:05] b\\x1b: x");
}

TEST_F(TranscriptTest, InvalidUtf8IsShownAsReplacementCharacters) {
  const std::string kReplacement = "\xef\xbf\xbd";  // U+FFFD
  EXPECT_EQ(SanitizeForTerminal("a\xff"
                                "b"),
            "a" + kReplacement + "b");
  EXPECT_EQ(SanitizeForTerminal("trunc\xe6\x97"), "trunc" + kReplacement + kReplacement);
  EXPECT_EQ(SanitizeForTerminal("\xc0\xaf"), kReplacement + kReplacement);  // overlong '/'
  EXPECT_EQ(SanitizeForTerminal("\xed\xa0\x80"), kReplacement + kReplacement + kReplacement);
  // A stray continuation byte cannot glue itself to an escape sequence.
  EXPECT_EQ(SanitizeForTerminal("\x9b"
                                "31m"),
            kReplacement + "31m");
  // Everything valid passes byte for byte: CJK, emoji with skin tone and ZWJ, RTL.
  const std::string kText =
      "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd "
      "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7 "
      "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d";
  EXPECT_EQ(SanitizeForTerminal(kText), kText);
}

TEST_F(TranscriptTest, WarningsAreMarkedAndSayWhatHappened) {
  struct Case {
    WarningKind kind;
    const char* fragment;
    const char* code;
  } cases[] = {
      {WarningKind::kReplay, "REPLAY refused", "replay"},
      {WarningKind::kSkipped, "earlier messages may have been dropped", "skipped"},
      {WarningKind::kLate, "LATE message", "late"},
      {WarningKind::kIntegrity, "possible forgery", "integrity"},
      {WarningKind::kMalformed, "MALFORMED", "malformed"},
      {WarningKind::kUnknownContact, "share no pad", "unknown_contact"},
      {WarningKind::kDenied, "DENIED", "denied"},
      {WarningKind::kPadLow, "PAD LOW towards this contact", "pad_low"},
      {WarningKind::kPadExhausted, "PAD EXHAUSTED", "pad_exhausted"},
      {WarningKind::kDeviceUnreachable, "DEVICE UNREACHABLE", "device_unreachable"},
      {WarningKind::kRelayUnreachable, "RELAY UNREACHABLE", "relay_unreachable"},
      {WarningKind::kSendFailed, "NOT SENT", "send_failed"},
      {WarningKind::kRecovered, "reachable again", "recovered"},
  };
  for (const Case& c : cases) {
    std::string line = FormatWarning({c.kind, "bob", "why"}, kWhen);
    EXPECT_TRUE(line.starts_with("[03:04:05] !! bob: ")) << line;
    EXPECT_NE(line.find(c.fragment), std::string::npos) << line;
    EXPECT_TRUE(line.ends_with(" (why)")) << line;
    EXPECT_EQ(WarningCode(c.kind), c.code);
  }
  EXPECT_EQ(FormatWarning({WarningKind::kRelayUnreachable, "", ""}, kWhen),
            "[03:04:05] !! RELAY UNREACHABLE, retrying");
}

TEST_F(TranscriptTest, PadLowLevelsAreTenAndOnePercent) {
  EXPECT_EQ(PadLowLevelOf(1000, 10000), PadLowLevel::kFine);  // exactly 10%
  EXPECT_EQ(PadLowLevelOf(999, 10000), PadLowLevel::kUnderTenPercent);
  EXPECT_EQ(PadLowLevelOf(100, 10000), PadLowLevel::kUnderTenPercent);  // exactly 1%
  EXPECT_EQ(PadLowLevelOf(99, 10000), PadLowLevel::kUnderOnePercent);
  EXPECT_EQ(PadLowLevelOf(103, 10240), PadLowLevel::kUnderTenPercent);  // 1.006%
  EXPECT_EQ(PadLowLevelOf(102, 10240), PadLowLevel::kUnderOnePercent);  // 0.996%
  EXPECT_EQ(PadLowLevelOf(0, 0), PadLowLevel::kFine);                   // total unknown
  EXPECT_EQ(PadLowLevelOf(0, 1), PadLowLevel::kUnderOnePercent);
}

TEST_F(TranscriptTest, PadLowWarnsOncePerLevelWithMessagesLeftAndTheFix) {
  PadLowLevel warned = PadLowLevel::kFine;
  EXPECT_FALSE(PadLowWarning("bob", 5000, 10000, 40, &warned).has_value());
  auto ten = PadLowWarning("bob", 999, 10000, 7, &warned);
  ASSERT_TRUE(ten.has_value());
  EXPECT_EQ(ten->kind, WarningKind::kPadLow);
  EXPECT_EQ(ten->peer, "bob");
  EXPECT_EQ(ten->detail.rfind("under 10% left: ", 0), 0u) << ten->detail;
  EXPECT_NE(ten->detail.find("~7 messages"), std::string::npos) << ten->detail;
  EXPECT_NE(ten->detail.find("meet bob and run padgen again"), std::string::npos) << ten->detail;
  EXPECT_EQ(warned, PadLowLevel::kUnderTenPercent);
  EXPECT_FALSE(PadLowWarning("bob", 500, 10000, 3, &warned).has_value());  // same level
  auto one = PadLowWarning("bob", 99, 10000, 0, &warned);
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->detail.rfind("under 1% left: 99 bytes of ", 0), 0u) << one->detail;
  EXPECT_FALSE(PadLowWarning("bob", 1, 10000, 0, &warned).has_value());
  // A renewal raises the level again; a later fall warns again.
  PadLowLevel fresh = PadLowLevel::kFine;
  EXPECT_TRUE(PadLowWarning("bob", 99, 10000, 0, &fresh).has_value());
  EXPECT_EQ(fresh, PadLowLevel::kUnderOnePercent);  // straight to the lower level, once
}

TEST(TranscriptFileTest, CreatedWith0600AndAppends) {
  TestDir dir;
  std::string path = dir.File("history");
  {
    auto f = TranscriptFile::Open(*Env::Default(), path);
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    ASSERT_TRUE((*f)->Append("one").ok());
  }
  {
    auto f = TranscriptFile::Open(*Env::Default(), path);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->Append("two").ok());
  }
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text, "one\ntwo\n");
}

TEST(TranscriptFileTest, WiderModeIsTightened) {
  TestDir dir;
  std::string path = dir.File("history");
  std::ofstream(path) << "old\n";
  ASSERT_EQ(chmod(path.c_str(), 0644), 0);
  bool tightened = false;
  auto f = TranscriptFile::Open(*Env::Default(), path, &tightened);
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(tightened);
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(TranscriptFileTest, DirectoryIsRefused) {
  TestDir dir;
  EXPECT_FALSE(TranscriptFile::Open(*Env::Default(), dir.path()).ok());
}

TEST_F(TranscriptTest, SentTimeIsShownAndArrivalTooWhenTheyDifferByMoreThanAMinute) {
  const int64_t when_ms = int64_t{kWhen} * 1000;
  // No sent time (otc1, or an older sender): the arrival time alone.
  EXPECT_EQ(FormatIncoming("bob", "hi", kWhen, std::nullopt), "[03:04:05] bob: hi");
  // Within a minute either way: the sent time alone.
  EXPECT_EQ(FormatIncoming("bob", "hi", kWhen, when_ms - 60000), "[03:03:05] bob: hi");
  EXPECT_EQ(FormatIncoming("bob", "hi", kWhen, when_ms + 59999), "[03:05:04] bob: hi");
  // More than a minute: both.
  EXPECT_EQ(FormatIncoming("bob", "hi", kWhen, when_ms - 61000),
            "[03:03:04, received 03:04:05] bob: hi");
  EXPECT_EQ(FormatIncoming("bob", "hi", kWhen, when_ms - 3600 * 1000),
            "[02:04:05, received 03:04:05] bob: hi");
  // A sender's clock ahead of ours shows the same way.
  EXPECT_EQ(FormatIncoming("bob", "hi", kWhen, when_ms + 120000),
            "[03:06:05, received 03:04:05] bob: hi");
  // On different days: with dates.
  EXPECT_EQ(FormatIncoming("bob", "hi", kWhen, when_ms - 4 * 3600 * 1000),
            "[1970-01-01 23:04:05, received 1970-01-02 03:04:05] bob: hi");
}

TEST_F(TranscriptTest, Rfc3339) {
  EXPECT_EQ(Rfc3339(kWhen), "1970-01-02T03:04:05Z");
  EXPECT_EQ(Rfc3339FromMs(1796569200123), std::optional<std::string>("2026-12-06T15:00:00.123Z"));
  EXPECT_EQ(Rfc3339FromMs(0), std::optional<std::string>("1970-01-01T00:00:00.000Z"));
  EXPECT_EQ(Rfc3339FromMs(-1), std::optional<std::string>("1969-12-31T23:59:59.999Z"));
  // A clock that says anything at all: no time rather than a wrong-looking one.
  EXPECT_EQ(Rfc3339FromMs(INT64_MAX), std::nullopt);
  EXPECT_EQ(Rfc3339FromMs(INT64_MIN), std::nullopt);
}

TEST_F(TranscriptTest, RollbackWarningNamesTheContactAndWhatToDo) {
  const std::string line = FormatWarning({WarningKind::kRollback, "bob", ""}, kWhen);
  EXPECT_EQ(line.rfind("[03:04:05] !! ROLLBACK: a message from bob shows that your device's pad "
                       "store was restored",
                       0),
            0u)
      << line;
  EXPECT_NE(line.find("tell bob in person"), std::string::npos) << line;
  EXPECT_EQ(WarningCode(WarningKind::kRollback), "rollback");
}

}  // namespace
}  // namespace otc::client
