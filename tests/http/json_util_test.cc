#include "common/http/json_util.h"

#include <gtest/gtest.h>

#include "common/http/listen_address.h"

namespace otc::http {
namespace {

TEST(PercentDecode, DecodesEscapesAndPlus) {
  EXPECT_EQ(*PercentDecode("a%20b%2Bc+d", true), "a b+c d");
  EXPECT_EQ(*PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(*PercentDecode("%41%7a", false), "Az");
}

TEST(PercentDecode, RejectsMalformedEscapes) {
  EXPECT_EQ(PercentDecode("abc%", true).status().code(), otc::Status::Code::kInvalidArgument);
  EXPECT_EQ(PercentDecode("abc%4", true).status().code(), otc::Status::Code::kInvalidArgument);
  EXPECT_EQ(PercentDecode("%zz", true).status().code(), otc::Status::Code::kInvalidArgument);
}

TEST(PercentEncode, RoundTripsEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  std::string encoded = PercentEncode(all);
  EXPECT_EQ(encoded.find_first_of("+/=&% "), encoded.find('%'));  // only escapes remain
  EXPECT_EQ(*PercentDecode(encoded, true), all);
  EXPECT_EQ(PercentEncode("ab+/="), "ab%2B%2F%3D");
}

TEST(ParseQuery, SplitsFields) {
  Result<Fields> f = ParseQuery("recipient_uid=bob&start_ref=12&&flag&x=a%3Db");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->size(), 4u);
  EXPECT_EQ(f->at("recipient_uid"), "bob");
  EXPECT_EQ(f->at("start_ref"), "12");
  EXPECT_EQ(f->at("flag"), "");
  EXPECT_EQ(f->at("x"), "a=b");
  EXPECT_TRUE(ParseQuery("")->empty());
}

TEST(ParseQuery, RejectsDuplicatesEmptyNamesAndBadEscapes) {
  EXPECT_FALSE(ParseQuery("a=1&a=2").ok());
  EXPECT_FALSE(ParseQuery("=1").ok());
  EXPECT_FALSE(ParseQuery("a=%G0").ok());
}

TEST(SplitTarget, SeparatesPathAndQuery) {
  Target t = SplitTarget("/getmessages?recipient_uid=a&start_ref=1");
  EXPECT_EQ(t.path, "/getmessages");
  EXPECT_EQ(t.query, "recipient_uid=a&start_ref=1");
  EXPECT_EQ(SplitTarget("/check").path, "/check");
  EXPECT_EQ(SplitTarget("/check").query, "");
}

Request MakeRequest(std::string body, std::string content_type) {
  Request r(Verb::post, "/send", 11);
  if (!content_type.empty()) r.set(Field::content_type, content_type);
  r.body() = std::move(body);
  return r;
}

TEST(ParseBodyFields, JsonObject) {
  Result<nlohmann::json> j =
      ParseBodyFields(MakeRequest(R"({"a":"x","n":5})", "application/json; charset=utf-8"));
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  EXPECT_EQ((*j)["a"], "x");
  EXPECT_EQ((*j)["n"], 5);
}

TEST(ParseBodyFields, FormBody) {
  Result<nlohmann::json> j =
      ParseBodyFields(MakeRequest("a=x%2By&b=", "application/x-www-form-urlencoded"));
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  EXPECT_EQ((*j)["a"], "x+y");
  EXPECT_EQ((*j)["b"], "");
}

TEST(ParseBodyFields, SniffsWithoutContentType) {
  EXPECT_EQ((*ParseBodyFields(MakeRequest(R"( {"a":"1"})", "")))["a"], "1");
  EXPECT_EQ((*ParseBodyFields(MakeRequest("a=1", "")))["a"], "1");
  EXPECT_TRUE(ParseBodyFields(MakeRequest("", ""))->empty());
}

TEST(ParseBodyFields, RejectsBadJson) {
  EXPECT_EQ(ParseBodyFields(MakeRequest("{\"a\":", "application/json")).status().code(),
            otc::Status::Code::kInvalidArgument);
  EXPECT_EQ(ParseBodyFields(MakeRequest("[1,2]", "application/json")).status().code(),
            otc::Status::Code::kInvalidArgument);
  EXPECT_EQ(
      ParseBodyFields(MakeRequest(R"({"a":"1","a":"2"})", "application/json")).status().code(),
      otc::Status::Code::kInvalidArgument);
}

TEST(ParseBodyFields, RejectsDeepNestingBeforeParsing) {
  std::string deep = "{\"a\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  EXPECT_EQ(ParseBodyFields(MakeRequest(deep, "application/json")).status().code(),
            otc::Status::Code::kInvalidArgument);
  // Brackets inside strings do not count.
  std::string quoted = "{\"a\":\"" + std::string(1000, '[') + "\"}";
  EXPECT_TRUE(ParseBodyFields(MakeRequest(quoted, "application/json")).ok());
}

TEST(ParseBodyFields, RejectsOtherContentTypes) {
  EXPECT_EQ(ParseBodyFields(MakeRequest("x", "multipart/form-data; boundary=z")).status().code(),
            otc::Status::Code::kUnsupported);
}

TEST(JsonError, HasCategoryAndMessage) {
  Response r = JsonError(HttpStatus::payload_too_large, "too_large", "over 64K");
  EXPECT_EQ(r.result(), HttpStatus::payload_too_large);
  EXPECT_EQ(ToStd(r[Field::content_type]), "application/json");
  nlohmann::json body = nlohmann::json::parse(r.body());
  EXPECT_EQ(body, (nlohmann::json{{"error", "too_large"}, {"message", "over 64K"}}));
  EXPECT_EQ(ToStd(r[Field::content_length]), std::to_string(r.body().size()));
}

TEST(JsonResponse, ReplacesInvalidUtf8InsteadOfThrowing) {
  Response r = JsonResponse(HttpStatus::ok, {{"x", std::string("\xff\xfe")}});
  EXPECT_TRUE(nlohmann::json::accept(r.body()));
}

TEST(ListenAddress, ParsesForms) {
  Result<ListenAddress> a = ParseListenAddress("127.0.0.1:9050");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->kind, ListenAddress::Kind::kTcp);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 9050);
  EXPECT_EQ(a->ToString(), "127.0.0.1:9050");

  a = ParseListenAddress("[::1]:0");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "::1");
  EXPECT_EQ(a->port, 0);
  EXPECT_EQ(a->ToString(), "[::1]:0");

  EXPECT_EQ(ParseListenAddress("localhost:80")->host, "127.0.0.1");

  a = ParseListenAddress("unix:/tmp/x.sock");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->kind, ListenAddress::Kind::kUnix);
  EXPECT_EQ(a->path, "/tmp/x.sock");
  EXPECT_EQ(ParseListenAddress("/tmp/y.sock")->path, "/tmp/y.sock");
}

TEST(ListenAddress, RejectsBadForms) {
  for (const char* bad : {"127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1",
                          "example.com:80", "::1:80", "[::1:80", "unix:", "1.2.3.4:8x"}) {
    EXPECT_EQ(ParseListenAddress(bad).status().code(), otc::Status::Code::kInvalidArgument) << bad;
  }
  EXPECT_FALSE(ParseListenAddress("unix:/" + std::string(200, 'a')).ok());
}

}  // namespace
}  // namespace otc::http
