// The command-line convention of every otc program, on top of CLI11 (docs/CLI.md):
//
//   ConfigureApp(app, "padstore", footer);        // bare name in Usage, --version, footer
//   ... add options and subcommands ...
//   if (std::optional<int> done = ParseCommandLine(app, argc, argv)) return *done;
//
// --help prints the description, "Usage: PROGRAM ...", the options and then the footer,
// which ends in the program's exit-code table (ExitCodeTable); subcommands without a
// footer of their own get the program's. A usage error is one line,
//   otc: unknown command 'sned'; did you mean 'send'?
//   padstore: unknown option '--bogus' for 'padstore status': see padstore status --help
//   padstore: fsck needs --store: give --store DIR or set $OTC_STORE
// (a JSON object on stdout instead when the command line has --json), exit code 2.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/cli/failure.h"

namespace otc::cli {

// Names the app (Usage shows `program`, never the path it was run by), adds --version
// (VersionLine) and sets the footer.
void ConfigureApp(CLI::App& app, std::string_view program, const std::string& footer);

// Parses. nullopt: carry on. Otherwise the program should return the value: 0 after
// --help or --version (printed on stdout), kExitUsage after a usage error (reported).
std::optional<int> ParseCommandLine(CLI::App& app, int argc, const char* const* argv);

// The usage failure for `error`, raised by parsing `args` (argv without argv[0]): names
// an unknown command or option with the closest valid one, or a missing required option
// with its environment variable, before falling back to CLI11's own message.
Failure DescribeParseError(CLI::App& app, const std::vector<std::string>& args,
                           const CLI::ParseError& error);

// True if `args` hold --json (before any "--"): usage errors are then JSON too.
bool WantsJson(const std::vector<std::string>& args);

}  // namespace otc::cli
