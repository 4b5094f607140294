#include "chat/rpc/device_rpc.h"

#include <gtest/gtest.h>

#include <optional>

#include <nlohmann/json.hpp>

#include "common/encoding.h"

namespace otc::rpc {
namespace {

using Code = Status::Code;

std::string MessageOf(const PackageRequest& r) {
  return std::string(reinterpret_cast<const char*>(r.message.data()), r.message.size());
}

TEST(PackageRequest, AcceptsTextAndBinary) {
  SchemaLimits limits;
  auto text = ParsePackageRequest(R"({"to":"bob","message":"h\u00e9llo \u2192"})", limits);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(text->to, "bob");
  EXPECT_EQ(MessageOf(*text), "h\xc3\xa9llo \xe2\x86\x92");
  auto binary = ParsePackageRequest(R"({"message_b64":"AP8Q","to":"b.o_b-1"})", limits);
  ASSERT_TRUE(binary.ok()) << binary.status().ToString();
  EXPECT_EQ(binary->to, "b.o_b-1");
  EXPECT_EQ(MessageOf(*binary), std::string("\x00\xff\x10", 3));
  auto empty = ParsePackageRequest(R"({"to":"bob","message":""})", limits);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->message.size(), 0u);
}

TEST(PackageRequest, RejectsMalformedBodies) {
  SchemaLimits limits;
  struct Case {
    const char* body;
    const char* why;
  };
  for (Case c : {
           Case{"", "empty"},
           Case{"{", "truncated"},
           Case{"not json", "garbage"},
           Case{"[\"bob\",\"hi\"]", "array"},
           Case{"\"hi\"", "string"},
           Case{R"({"to":"bob","message":"hi"} x)", "trailing garbage"},
           Case{R"({"to":"bob","message":"hi","extra":1})", "unknown field"},
           Case{R"({"to":"bob","message":"hi","from":"alice"})", "client picks sender"},
           Case{R"({"to":"bob","message":"hi","to":"carol"})", "duplicate field"},
           Case{R"({"message":"hi"})", "missing to"},
           Case{R"({"to":"bob"})", "missing message"},
           Case{R"({"to":"bob","message":"hi","message_b64":"aGk="})", "both messages"},
           Case{R"({"to":7,"message":"hi"})", "to not a string"},
           Case{R"({"to":"bob","message":["hi"]})", "message not a string"},
           Case{R"({"to":"bob","message":null})", "message null"},
           Case{R"({"to":"bob","message_b64":5})", "message_b64 not a string"},
           Case{R"({"to":"Bob","message":"hi"})", "upper-case uid"},
           Case{R"({"to":"../etc","message":"hi"})", "path in uid"},
           Case{R"({"to":"..","message":"hi"})", "dot-dot uid"},
           Case{R"({"to":"","message":"hi"})", "empty uid"},
           Case{R"({"to":"bob","message_b64":"aGk"})", "base64 without padding"},
           Case{R"({"to":"bob","message_b64":"a Gk="})", "base64 with space"},
           Case{R"({"to":"bob","message_b64":"aGl="})", "base64 non-canonical bits"},
           Case{R"({"to":"bob","message_b64":"!!!!"})", "base64 bad characters"},
           Case{"{\"to\":\"bob\",\"message\":\"\xff\xfe\"}", "invalid UTF-8"},
       }) {
    auto r = ParsePackageRequest(c.body, limits);
    ASSERT_FALSE(r.ok()) << c.why;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << c.why;
  }
  std::string long_uid = R"({"to":")" + std::string(65, 'a') + R"(","message":"hi"})";
  EXPECT_EQ(ParsePackageRequest(long_uid, limits).status().code(), Code::kInvalidArgument);
  std::string max_uid = R"({"to":")" + std::string(64, 'a') + R"(","message":"hi"})";
  EXPECT_TRUE(ParsePackageRequest(max_uid, limits).ok());
}

TEST(PackageRequest, ErrorsNeverQuoteTheMessage) {
  auto r = ParsePackageRequest(R"({"to":"Bob","message":"the secret plan"})", SchemaLimits{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().find("secret"), std::string::npos);
}

TEST(PackageRequest, EnforcesTheMessageLimit) {
  SchemaLimits limits;
  limits.max_message = 10;
  EXPECT_TRUE(ParsePackageRequest(R"({"to":"bob","message":"0123456789"})", limits).ok());
  EXPECT_EQ(ParsePackageRequest(R"({"to":"bob","message":"0123456789a"})", limits).status().code(),
            Code::kTooLarge);
  std::string ten = Base64Encode(AsBytes("0123456789"));
  std::string eleven = Base64Encode(AsBytes("0123456789a"));
  EXPECT_TRUE(ParsePackageRequest(R"({"to":"bob","message_b64":")" + ten + "\"}", limits).ok());
  EXPECT_EQ(ParsePackageRequest(R"({"to":"bob","message_b64":")" + eleven + "\"}", limits)
                .status()
                .code(),
            Code::kTooLarge);
  std::string huge = Base64Encode(std::vector<uint8_t>(1000, 1));
  EXPECT_EQ(
      ParsePackageRequest(R"({"to":"bob","message_b64":")" + huge + "\"}", limits).status().code(),
      Code::kTooLarge);
}

TEST(UnpackageRequest, AcceptsAndValidates) {
  SchemaLimits limits;
  limits.max_package = 6;
  auto ok = ParseUnpackageRequest(R"({"from":"alice","package":"AAECAwQF"})", limits);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->from, "alice");
  EXPECT_EQ(ok->package, (std::vector<uint8_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(
      ParseUnpackageRequest(R"({"from":"alice","package":"AAECAwQFBg=="})", limits).status().code(),
      Code::kTooLarge);
  for (const char* bad :
       {R"({"from":"alice"})", R"({"package":"AAEC"})",
        R"({"from":"alice","package":"AAEC","to":"bob"})", R"({"from":"alice","package":7})",
        R"({"from":1,"package":"AAEC"})", R"({"from":"alice","package":"AAE"})",
        R"({"from":"alice","package":"A=EC"})", R"({"from":"ALICE","package":"AAEC"})", "{}",
        "null"}) {
    auto r = ParseUnpackageRequest(bad, limits);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << bad;
  }
}

TEST(CursorRequest, OnlyUnsignedIntegers) {
  auto ok = ParseCursorRequest(R"({"cursor":18446744073709551615})");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 18446744073709551615ull);
  EXPECT_EQ(*ParseCursorRequest(R"({"cursor":0})"), 0u);
  for (const char* bad : {R"({"cursor":-1})", R"({"cursor":1.5})", R"({"cursor":"7"})",
                          R"({"cursor":18446744073709551616})", R"({"cursor":null})", "{}",
                          R"({"cursor":1,"x":2})", R"({"cursor":true})"}) {
    EXPECT_EQ(ParseCursorRequest(bad).status().code(), Code::kInvalidArgument) << bad;
  }
}

TEST(RelayKey, Validation) {
  EXPECT_TRUE(ValidateRelayKey("http://127.0.0.1:9050").ok());
  EXPECT_FALSE(ValidateRelayKey("").ok());
  EXPECT_FALSE(ValidateRelayKey("http://a b").ok());
  EXPECT_FALSE(ValidateRelayKey(std::string(2049, 'a')).ok());
  EXPECT_TRUE(ValidateRelayKey(std::string(2048, 'a')).ok());
}

TEST(Utf8, Validation) {
  auto valid = [](std::string_view s) { return IsValidUtf8(AsBytes(s)); };
  EXPECT_TRUE(valid(""));
  EXPECT_TRUE(valid("plain"));
  EXPECT_TRUE(valid("\xc3\xa9\xe2\x86\x92\xf0\x9f\x98\x80"));
  EXPECT_FALSE(valid("\xff"));
  EXPECT_FALSE(valid("\xc3"));              // truncated
  EXPECT_FALSE(valid("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(valid("\xe0\x80\xaf"));      // overlong
  EXPECT_FALSE(valid("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(valid("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(valid("\xe2\x86"));          // truncated
  EXPECT_FALSE(valid("a\x80"));             // stray continuation
}

TEST(Replies, AreTheDocumentedJson) {
  using nlohmann::json;
  EXPECT_EQ(json::parse(EncodePackageReply({"AQID", 42, 1000, 4000, false, 7})),
            json::parse(R"({"package":"AQID","index":42,"pad_left":1000,"pad_total":4000,
                            "pad_low":false,"messages_left":7})"));
  EXPECT_EQ(json::parse(EncodePackageReply({"AQID", 0, 7, 4000, true})),
            json::parse(R"({"package":"AQID","index":0,"pad_left":7,"pad_total":4000,
                            "pad_low":true,"messages_left":0})"));
  EXPECT_EQ(
      json::parse(EncodeUnpackageReply(AsBytes("he said \"hi\"\n\x01"),
                                       {"ignored", 7, true, false, false, std::nullopt, false})),
      json::parse(R"({"message":"he said \"hi\"\n\u0001","index":7,"skipped":true,
                            "late":false})"));
  std::vector<uint8_t> binary = {0xff, 0x00};
  EXPECT_EQ(
      json::parse(EncodeUnpackageReply(binary, {"", 0, false, true, false, std::nullopt, false})),
      json::parse(R"({"message_b64":"/wA=","index":0,"skipped":false,"late":true})"));
  EXPECT_EQ(json::parse(EncodeCursorReply("http://r/\"x", 9)),
            json::parse(R"({"relay":"http://r/\"x","cursor":9})"));
  EXPECT_EQ(json::parse(EncodeHealthReply("alice")),
            json::parse(R"({"status":"ok","owner":"alice"})"));
  EXPECT_EQ(json::parse(EncodeContactsReply("alice", {{"bob", Format::kOtc2, 500, 900, 3, 2, 1},
                                                      {"carol", Format::kOtc1, 0, 9, 0}})),
            json::parse(R"({"owner":"alice","contacts":[
              {"peer":"bob","protocol":"otc2","pad_left":500,"pad_total":900,"messages_left":3,
               "generations":2,"generation":1},
              {"peer":"carol","protocol":"otc1","pad_left":0,"pad_total":9,"messages_left":0,
               "generations":1,"generation":0}]})"));
  EXPECT_EQ(json::parse(EncodeContactsReply("alice", {})),
            json::parse(R"({"owner":"alice","contacts":[]})"));
  EXPECT_EQ(json::parse(EncodeErrorReply("replay", "already decrypted")),
            json::parse(R"({"error":"replay","message":"already decrypted"})"));
}

// What one end encodes, the other parses back to the same values: the two ends share
// these functions, so a field one side adds is a field the other side reads.
TEST(RoundTrip, RequestsAndRepliesSurviveBothEnds) {
  SchemaLimits limits;
  auto text = ParsePackageRequest(EncodePackageRequest("bob", "h\xc3\xa9llo \"x\"\n"), limits);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(text->to, "bob");
  EXPECT_EQ(std::string(AsChars(text->message.span())), "h\xc3\xa9llo \"x\"\n");
  auto binary =
      ParsePackageRequest(EncodePackageRequest("bob", std::string("\xff\x00", 2)), limits);
  ASSERT_TRUE(binary.ok()) << binary.status().ToString();
  EXPECT_EQ(std::string(AsChars(binary->message.span())), std::string("\xff\x00", 2));
  auto unpack = ParseUnpackageRequest(EncodeUnpackageRequest("alice", "AAEC"), limits);
  ASSERT_TRUE(unpack.ok());
  EXPECT_EQ(unpack->package, (std::vector<uint8_t>{0, 1, 2}));
  EXPECT_EQ(*ParseCursorRequest(EncodeCursorRequest(77)), 77u);

  auto package = ParsePackageReply(EncodePackageReply({"UEtH", 41, 99, 1000, true, 3}));
  ASSERT_TRUE(package.ok());
  EXPECT_EQ(package->messages_left, 3u);
  // A reply from a device that predates "messages_left" still parses (0: not said).
  auto older = ParsePackageReply(
      R"({"package":"UEtH","index":41,"pad_left":99,"pad_total":1000,"pad_low":true})");
  ASSERT_TRUE(older.ok()) << older.status().ToString();
  EXPECT_EQ(older->messages_left, 0u);
  EXPECT_EQ(package->package_b64, "UEtH");
  EXPECT_EQ(package->index, 41u);
  EXPECT_EQ(package->pad_left, 99u);
  EXPECT_EQ(package->pad_total, 1000u);
  EXPECT_TRUE(package->pad_low);
  for (bool skipped : {false, true}) {
    for (bool late : {false, true}) {
      auto u = ParseUnpackageReply(EncodeUnpackageReply(
          AsBytes("\xff"), {"", 9, skipped, late, false, std::nullopt, false}));
      ASSERT_TRUE(u.ok());
      EXPECT_EQ(u->message, "\xff");
      EXPECT_EQ(u->index, 9u);
      EXPECT_EQ(u->skipped, skipped);
      EXPECT_EQ(u->late, late);
    }
  }
  auto contacts =
      ParseContactsReply(EncodeContactsReply("alice", {{"bob", Format::kOtc2, 5, 10, 1, 3, 2}}));
  ASSERT_TRUE(contacts.ok());
  ASSERT_EQ(contacts->size(), 1u);
  EXPECT_EQ((*contacts)[0].generations, 3u);
  EXPECT_EQ((*contacts)[0].generation, 2u);
  // A reply from a device that predates generations: one pad, generation 0.
  auto older_contacts =
      ParseContactsReply(R"({"contacts":[{"peer":"bob","protocol":"otc1","pad_left":5,
                                      "pad_total":10,"messages_left":1}]})");
  ASSERT_TRUE(older_contacts.ok()) << older_contacts.status().ToString();
  EXPECT_EQ((*older_contacts)[0].generations, 1u);
  EXPECT_EQ((*older_contacts)[0].generation, 0u);
  EXPECT_EQ((*contacts)[0].peer, "bob");
  EXPECT_EQ((*contacts)[0].format, Format::kOtc2);
  EXPECT_EQ((*contacts)[0].pad_left, 5u);
  EXPECT_EQ((*contacts)[0].pad_total, 10u);
  EXPECT_EQ((*contacts)[0].messages_left, 1u);
  EXPECT_EQ(*ParseHealthReply(EncodeHealthReply("alice")), "alice");
  EXPECT_EQ(*ParseCursorReply(EncodeCursorReply("r", 12)), 12u);
}

TEST(ClientParse, RefusesRepliesMissingAField) {
  for (const char* body :
       {"<html>", "[]", R"({"index":1,"pad_left":1,"pad_total":1})",
        R"({"package":"A","pad_left":1,"pad_total":1})",
        R"({"package":"A","index":1,"pad_total":1})", R"({"package":"A","index":1,"pad_left":1})",
        R"({"package":"A","index":-1,"pad_left":1,"pad_total":1})"}) {
    EXPECT_EQ(ParsePackageReply(body).status().code(), Code::kInternal) << body;
  }
  EXPECT_EQ(ParseUnpackageReply(R"({"index":1})").status().code(), Code::kInternal);
  EXPECT_EQ(ParseUnpackageReply(R"({"message":"x"})").status().code(), Code::kInternal);
  EXPECT_EQ(ParseUnpackageReply(R"({"message_b64":"!!","index":1})").status().code(),
            Code::kInternal);
  EXPECT_EQ(ParseContactsReply(R"({"contacts":[{"peer":"bob","protocol":"otc9","pad_left":1,
              "pad_total":1,"messages_left":1}]})")
                .status()
                .code(),
            Code::kInternal);
}

TEST(Replies, SentTimeAndRollbackBothWays) {
  using nlohmann::json;
  UnpackageReply facts;
  facts.index = 3;
  facts.sent_ms = -1796569200123;  // signed: a clock before 1970 is still a number
  facts.rollback = true;
  EXPECT_EQ(json::parse(EncodeUnpackageReply(AsBytes("x"), facts)),
            json::parse(R"({"message":"x","index":3,"skipped":false,"late":false,
                            "sent":-1796569200123,"rollback":true})"));
  auto parsed = ParseUnpackageReply(EncodeUnpackageReply(AsBytes("x"), facts));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->sent_ms, std::optional<int64_t>(-1796569200123));
  EXPECT_TRUE(parsed->rollback);
  // Without them: absent, and parsed as absent.
  auto plain = ParseUnpackageReply(R"({"message":"x","index":3})");
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->sent_ms.has_value());
  EXPECT_FALSE(plain->rollback);
  // A sent time that is no signed 64-bit integer is a bad reply.
  for (const char* bad :
       {R"({"message":"x","index":3,"sent":"now"})", R"({"message":"x","index":3,"sent":1.5})",
        R"({"message":"x","index":3,"sent":9223372036854775808})"}) {
    EXPECT_EQ(ParseUnpackageReply(bad).status().code(), Code::kInternal) << bad;
  }
  EXPECT_TRUE(ParseUnpackageReply(R"({"message":"x","index":3,"sent":9223372036854775807})").ok());
}

TEST(Replies, ControlAndReplyPackageBothWays) {
  using nlohmann::json;
  UnpackageReply facts;
  facts.index = 9;
  facts.control = true;
  facts.reply_package_b64 = "AAEC";
  EXPECT_EQ(json::parse(EncodeUnpackageReply({}, facts)),
            json::parse(R"({"message":"","index":9,"skipped":false,"late":false,
                            "control":true,"reply_package":"AAEC"})"));
  auto parsed = ParseUnpackageReply(EncodeUnpackageReply({}, facts));
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->control);
  EXPECT_EQ(parsed->reply_package_b64, "AAEC");
  auto plain = ParseUnpackageReply(R"({"message":"x","index":3})");
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->control);
  EXPECT_TRUE(plain->reply_package_b64.empty());
  // A reply package that is not canonical base64 (or not a string, or empty) is a bad reply.
  for (const char* bad : {R"({"message":"","index":3,"reply_package":"AAE"})",
                          R"({"message":"","index":3,"reply_package":"AA EC"})",
                          R"({"message":"","index":3,"reply_package":7})",
                          R"({"message":"","index":3,"reply_package":""})"}) {
    EXPECT_EQ(ParseUnpackageReply(bad).status().code(), Code::kInternal) << bad;
  }
}

}  // namespace
}  // namespace otc::rpc
