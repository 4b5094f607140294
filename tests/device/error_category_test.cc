// The error vocabulary's behaviour: what the documentation promises users and scripts
// (docs/PROTOCOL.md "Device RPC" table, docs/CLI.md exit codes) is what the code does, and
// a refusal keeps its category from the device to the client's report.
//
// The expected values are read from the documents, not restated here: a change to the
// code that the documents do not follow (or the reverse) fails.
#include "chat/rpc/error_category.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace otc::rpc {
namespace {

std::string ReadDoc(const std::string& name) {
  std::ifstream in(std::string(OTC_TEST_SOURCE_DIR) + "/docs/" + name);
  std::stringstream all;
  all << in.rdbuf();
  return all.str();
}

// The cells of the markdown table rows that start with "| `" (trimmed, backticks removed).
std::vector<std::vector<std::string>> TableRows(const std::string& text, const std::string& after) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(text.substr(text.find(after)));
  std::string line;
  bool in_table = false;
  while (std::getline(lines, line)) {
    if (line.rfind("| ", 0) != 0) {
      if (in_table) break;
      continue;
    }
    in_table = true;
    std::vector<std::string> cells;
    std::istringstream parts(line.substr(1));
    std::string cell;
    while (std::getline(parts, cell, '|')) {
      std::string clean;
      for (char c : cell)
        if (c != '`') clean += c;
      const size_t b = clean.find_first_not_of(' ');
      const size_t e = clean.find_last_not_of(' ');
      cells.push_back(b == std::string::npos ? "" : clean.substr(b, e - b + 1));
    }
    rows.push_back(cells);
  }
  return rows;
}

constexpr ErrorCategory kAll[] = {
    ErrorCategory::kBadRequest, ErrorCategory::kUnknownContact, ErrorCategory::kPadExhausted,
    ErrorCategory::kDenied,     ErrorCategory::kReplay,         ErrorCategory::kIntegrity,
    ErrorCategory::kTooLarge,   ErrorCategory::kUnauthorized,   ErrorCategory::kInternal,
};

TEST(ErrorCategory, TheRpcTableInProtocolMdIsWhatTheDeviceDoes) {
  const std::string doc = ReadDoc("PROTOCOL.md");
  ASSERT_NE(doc.find("| category | HTTP | CLI exit | when |"), std::string::npos);
  auto rows = TableRows(doc, "| category | HTTP | CLI exit | when |");
  ASSERT_GE(rows.size(), 2u);
  rows.erase(rows.begin(), rows.begin() + 2);  // header and ---
  std::map<std::string, bool> documented;
  for (const auto& row : rows) {
    ASSERT_GE(row.size(), 3u);
    const std::string& name = row[0];
    ErrorCategory category{};
    ASSERT_TRUE(ParseCategory(name, &category)) << "documented but unknown: " << name;
    EXPECT_EQ(CategoryName(category), name);
    // "400 (404 unknown path, …)": the first number is the category's status.
    EXPECT_EQ(std::to_string(HttpStatus(category)), row[1].substr(0, 3)) << name;
    EXPECT_EQ(std::to_string(ExitCode(category)), row[2]) << name;
    documented[name] = true;
  }
  for (ErrorCategory category : kAll) {
    EXPECT_TRUE(documented.count(std::string(CategoryName(category))))
        << "not documented in docs/PROTOCOL.md: " << CategoryName(category);
  }
  ErrorCategory unused{};
  EXPECT_FALSE(ParseCategory("nope", &unused));
  EXPECT_FALSE(ParseCategory("", &unused));
  EXPECT_FALSE(ParseCategory("Replay", &unused));
}

// A category's CLI exit code means the same thing in docs/CLI.md (one number, one name).
TEST(ErrorCategory, ExitCodesAreTheSharedCliTableRowsOfTheSameName) {
  const std::string doc = ReadDoc("CLI.md");
  std::map<std::string, std::string> code_of_name;
  for (const auto& row : TableRows(doc, "| 0 | `ok` |")) {
    ASSERT_GE(row.size(), 2u);
    code_of_name[row[1]] = row[0];
  }
  for (ErrorCategory category : kAll) {
    const std::string name(CategoryName(category));
    // bad_request is the CLI's "usage" and internal its "failed" (docs/CLI.md says so).
    const std::string cli_name = name == "bad_request" ? "usage"
                                 : name == "internal"  ? "failed"
                                                       : name;
    ASSERT_TRUE(code_of_name.count(cli_name)) << cli_name << " missing from docs/CLI.md";
    EXPECT_EQ(std::to_string(ExitCode(category)), code_of_name[cli_name]) << name;
  }
  EXPECT_EQ(std::to_string(ExitCodeFor(Status::Busy("store is in use by PID 7"))),
            code_of_name["in_use"]);
  EXPECT_EQ(ExitCodeFor(Status::Ok()), 0);
}

// The device's own troubles never reach a client as anything but `internal`, and nothing
// of their message travels with the category.
TEST(ErrorCategory, TheDevicesOwnStateIsOnlyInternal) {
  using C = Status::Code;
  for (C code : {C::kAlreadyExists, C::kCorruption, C::kIOError, C::kNoSpace, C::kBusy, C::kFailed,
                 C::kUnavailable, C::kInternal}) {
    EXPECT_EQ(CategoryFor(code), ErrorCategory::kInternal) << CodeName(code);
  }
}

// A refusal keeps its category from the device's Status to the client's Status and to the
// name `otc send --json` reports.
TEST(ErrorCategory, OneNameEndToEnd) {
  using C = Status::Code;
  for (C device_code : {C::kInvalidArgument, C::kNotFound, C::kExhausted, C::kDenied, C::kReplay,
                        C::kIntegrity, C::kTooLarge, C::kIOError}) {
    const ErrorCategory sent = CategoryFor(device_code);
    const C client_code = StatusCodeFor(sent);
    EXPECT_EQ(CategoryFor(client_code), sent) << CodeName(device_code);
    EXPECT_EQ(ClientErrorName(client_code), CategoryName(sent)) << CodeName(device_code);
  }
  // The token refused: the client reports it as denied (docs/CLI.md, exit 5).
  EXPECT_EQ(CategoryFor(StatusCodeFor(ErrorCategory::kUnauthorized)), ErrorCategory::kDenied);
  EXPECT_EQ(ClientErrorName(C::kUnavailable), "unavailable");
}

}  // namespace
}  // namespace otc::rpc
