#include "common/cli/command_line.h"

#include <cctype>

#include "common/cli/exit_codes.h"
#include "common/cli/suggest.h"
#include "common/cli/version.h"

namespace otc::cli {
namespace {

// "padstore status": the app's name with those of its parents.
std::string CommandPath(const CLI::App* app) {
  std::string path = app->get_name();
  for (const CLI::App* p = app->get_parent(); p != nullptr; p = p->get_parent()) {
    path = p->get_name() + " " + path;
  }
  return path;
}

std::string SeeHelp(const CLI::App* app) { return "see " + CommandPath(app) + " --help"; }

std::vector<CLI::App*> Subcommands(CLI::App* app) {
  return app->get_subcommands([](CLI::App* s) { return !s->get_name().empty(); });
}

std::vector<std::string> SubcommandNames(CLI::App* app) {
  std::vector<std::string> names;
  for (CLI::App* s : Subcommands(app)) names.push_back(s->get_name());
  return names;
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// The option of `app` (or of a parent: --help and --version live there) named `name`
// ("--store", "-f").
CLI::Option* FindOption(CLI::App* app, const std::string& name) {
  for (CLI::App* a = app; a != nullptr; a = a->get_parent()) {
    for (CLI::Option* opt : a->get_options()) {
      if (!opt->get_positional() && opt->check_name(name)) return opt;
    }
  }
  return nullptr;
}

std::vector<std::string> OptionNames(CLI::App* app) {
  std::vector<std::string> names;
  for (CLI::Option* opt : app->get_options()) {
    for (const std::string& l : opt->get_lnames()) names.push_back("--" + l);
  }
  return names;
}

bool HasPositionals(CLI::App* app) {
  return !app->get_options([](CLI::Option* o) { return o->get_positional(); }).empty();
}

Failure UnknownCommand(CLI::App* app, const std::string& word) {
  Failure f{kExitUsage, "unknown command '" + word + "'", ""};
  if (std::optional<std::string> near = ClosestMatch(word, SubcommandNames(app))) {
    f.what += "; did you mean '" + *near + "'?";
  } else {
    f.fix = "the commands are " + JoinNames(SubcommandNames(app)) + " (" + SeeHelp(app) + ")";
  }
  return f;
}

Failure UnknownOption(CLI::App* app, const std::string& name) {
  Failure f{kExitUsage, "unknown option '" + name + "'", ""};
  if (app->get_parent() != nullptr) f.what += " for '" + CommandPath(app) + "'";
  if (std::optional<std::string> near = ClosestMatch(name, OptionNames(app))) {
    f.what += "; did you mean '" + *near + "'?";
  } else {
    f.fix = SeeHelp(app);
  }
  return f;
}

// Walks `args` as CLI11 would and returns the first command or option nobody defines.
std::optional<Failure> FindUnknownArgument(CLI::App& root, const std::vector<std::string>& args) {
  CLI::App* app = &root;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") break;
    const bool long_option = arg.size() > 2 && arg.compare(0, 2, "--") == 0;
    const bool short_option = !long_option && arg.size() >= 2 && arg[0] == '-' &&
                              std::isalpha(static_cast<unsigned char>(arg[1]));
    if (long_option || short_option) {
      const size_t eq = arg.find('=');
      const std::string name = long_option ? arg.substr(0, eq) : arg.substr(0, 2);
      CLI::Option* opt = FindOption(app, name);
      if (opt == nullptr) return UnknownOption(app, name);
      const bool inline_value = long_option ? eq != std::string::npos : arg.size() > 2;
      if (opt->get_type_size_max() > 0 && !inline_value) ++i;  // skip its value
      continue;
    }
    if (Subcommands(app).empty()) continue;  // a positional argument
    bool found = false;
    for (CLI::App* sub : Subcommands(app)) {
      if (sub->check_name(arg)) {
        app = sub;
        found = true;
        break;
      }
    }
    if (!found && !HasPositionals(app)) return UnknownCommand(app, arg);
  }
  return std::nullopt;
}

// The deepest subcommand the parse selected.
CLI::App* SelectedCommand(CLI::App& root) {
  CLI::App* app = &root;
  while (true) {
    std::vector<CLI::App*> chosen = app->get_subcommands();
    if (chosen.empty()) return app;
    app = chosen.front();
  }
}

std::optional<Failure> MissingRequired(CLI::App& root) {
  CLI::App* app = SelectedCommand(root);
  if (app->get_require_subcommand_min() > 0 && app->get_subcommands().empty()) {
    return Failure{kExitUsage, "a command is required",
                   "one of " + JoinNames(SubcommandNames(app)) + " (" + SeeHelp(app) + ")"};
  }
  for (CLI::Option* opt : app->get_options()) {
    if (!opt->get_required() || opt->count() > 0) continue;
    const std::string name = opt->get_name(opt->get_positional());
    Failure f{kExitUsage, "", ""};
    f.what = (app->get_parent() ? app->get_name() + " needs " : "missing ") + name;
    if (opt->get_positional()) {
      f.fix = SeeHelp(app);
    } else {
      // CLI11's own type names (TEXT, UINT, ...) say nothing; a program's (DIR) does.
      const std::string type = opt->get_type_name();
      const bool generic = type.empty() || type == "TEXT" || type == "INT" || type == "UINT" ||
                           type == "FLOAT" || type == "FLOAT:INT";
      f.fix = "give " + name + (generic ? "" : " " + type);
      if (!opt->get_envname().empty()) f.fix += " or set $" + opt->get_envname();
    }
    return f;
  }
  return std::nullopt;
}

void InheritFooter(CLI::App* app, const std::string& footer) {
  for (CLI::App* sub : Subcommands(app)) {
    if (sub->get_footer().empty()) sub->footer(footer);
    InheritFooter(sub, footer);
  }
}

}  // namespace

void ConfigureApp(CLI::App& app, std::string_view program, const std::string& footer) {
  app.name(std::string(program));
  app.set_version_flag("--version", VersionLine(program), "Print the version and exit");
  app.footer(footer);
}

bool WantsJson(const std::vector<std::string>& args) {
  for (const std::string& a : args) {
    if (a == "--") return false;
    if (a == "--json") return true;
  }
  return false;
}

Failure DescribeParseError(CLI::App& app, const std::vector<std::string>& args,
                           const CLI::ParseError& error) {
  if (std::optional<Failure> unknown = FindUnknownArgument(app, args)) return *unknown;
  if (dynamic_cast<const CLI::RequiredError*>(&error) != nullptr) {
    if (std::optional<Failure> missing = MissingRequired(app)) return *missing;
  }
  return Failure{kExitUsage, error.what(), SeeHelp(SelectedCommand(app))};
}

std::optional<int> ParseCommandLine(CLI::App& app, int argc, const char* const* argv) {
  InheritFooter(&app, app.get_footer());
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --help-all, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return ReportFailure(app.get_name(), DescribeParseError(app, args, e), WantsJson(args));
  }
  return std::nullopt;
}

}  // namespace otc::cli
