#include "chat/client/config.h"

#include <cstdlib>
#include <filesystem>

#include "common/env.h"

namespace otc::client {

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// A '#' at the start of a value or after whitespace starts a comment; one inside a
// word (a URL fragment, say) does not.
std::string_view StripComment(std::string_view value) {
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '#' && (i == 0 || value[i - 1] == ' ' || value[i - 1] == '\t')) {
      return Trim(value.substr(0, i));
    }
  }
  return value;
}

std::string ExpandHome(std::string_view value, const EnvLookup& env) {
  if (!value.starts_with("~/")) return std::string(value);
  std::optional<std::string> home = env("HOME");
  if (!home || home->empty()) return std::string(value);
  return *home + std::string(value.substr(1));
}

void Overlay(std::optional<std::string>& into, const std::optional<std::string>& from) {
  if (from) into = from;
}

}  // namespace

EnvLookup ProcessEnv() {
  return [](const char* name) -> std::optional<std::string> {
    const char* v = std::getenv(name);
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

Result<ConfigValues> ParseConfigText(std::string_view text, std::string_view source,
                                     const EnvLookup& env) {
  ConfigValues out;
  size_t line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;
    line = Trim(line);
    if (line.empty() || line.front() == '#') continue;
    std::string where = std::string(source) + ":" + std::to_string(line_no);
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      return Status::InvalidArgument(where + ": expected 'key = value'");
    }
    std::string_view key = Trim(line.substr(0, eq));
    std::string value = ExpandHome(StripComment(Trim(line.substr(eq + 1))), env);
    if (key == "user") {
      out.user = value;
    } else if (key == "device") {
      out.device = value;
    } else if (key == "token_file") {
      out.token_file = value;
    } else if (key == "relay") {
      out.relay = value;
    } else if (key == "relay_pin") {
      out.relay_pin = value;
    } else if (key == "history") {
      out.history = value;
    } else {
      return Status::InvalidArgument(
          where + ": unknown key '" + std::string(key).substr(0, 40) +
          "' (known keys: user, device, token_file, relay, relay_pin, history)");
    }
  }
  return out;
}

ConfigValues ConfigFromEnv(const EnvLookup& env) {
  ConfigValues out;
  out.user = env("OTC_USER");
  out.device = env("OTC_DEVICE");
  out.token_file = env("OTC_TOKEN_FILE");
  out.relay = env("OTC_RELAY");
  out.relay_pin = env("OTC_RELAY_PIN");
  out.history = env("OTC_HISTORY");
  return out;
}

Status CreateDirWithParents(Env& env, const std::string& dir) {
  std::vector<std::string> missing;
  for (std::filesystem::path p(dir); !p.empty() && !env.FileExists(p.string());
       p = p.parent_path()) {
    missing.push_back(p.string());
    if (p == p.parent_path()) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (Status s = env.CreateDir(*it, 0700); !s.ok()) return s;
  }
  return Status::Ok();
}

Result<std::string> ResolveConfigDir(const std::optional<std::string>& flag, const EnvLookup& env) {
  if (flag && !flag->empty()) return *flag;
  if (auto d = env("OTC_CONFIG_DIR"); d && !d->empty()) return *d;
  if (auto x = env("XDG_CONFIG_HOME"); x && !x->empty()) return *x + "/otc";
  if (auto h = env("HOME"); h && !h->empty()) return *h + "/.config/otc";
  return Status::InvalidArgument(
      "cannot find the config directory: set HOME, OTC_CONFIG_DIR or pass --config-dir");
}

ClientConfig MergeConfig(std::string config_dir, const ConfigValues& file, const ConfigValues& env,
                         const ConfigValues& flags) {
  ConfigValues v;
  for (const ConfigValues* layer : {&file, &env, &flags}) {
    Overlay(v.user, layer->user);
    Overlay(v.device, layer->device);
    Overlay(v.token_file, layer->token_file);
    Overlay(v.relay, layer->relay);
    Overlay(v.relay_pin, layer->relay_pin);
    Overlay(v.history, layer->history);
  }
  ClientConfig c;
  c.config_dir = std::move(config_dir);
  c.user = v.user.value_or("");
  c.device = v.device.value_or("");
  c.token_file = v.token_file.value_or("");
  c.relay = v.relay.value_or(std::string(kDefaultRelay));
  c.relay_pin = v.relay_pin.value_or("");
  c.history = v.history.value_or("");
  return c;
}

Result<ClientConfig> LoadClientConfig(const std::optional<std::string>& config_dir_flag,
                                      const ConfigValues& flags, const EnvLookup& env) {
  Result<std::string> dir = ResolveConfigDir(config_dir_flag, env);
  if (!dir.ok()) return dir.status();
  std::string path = *dir + "/config";
  ConfigValues file;
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    Result<std::string> text = ReadFileToString(*Env::Default(), path);
    if (!text.ok()) return text.status().WithContext("reading config file " + path);
    Result<ConfigValues> parsed = ParseConfigText(*text, path, env);
    if (!parsed.ok()) return parsed.status();
    file = *parsed;
  }
  return MergeConfig(*dir, file, ConfigFromEnv(env), flags);
}

}  // namespace otc::client
