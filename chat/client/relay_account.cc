#include "chat/client/relay_account.h"

#include <sys/stat.h>

#include <filesystem>

#include "common/encoding.h"
#include "common/env.h"

namespace otc::client {

namespace {

// Creates `dir` and its missing parents, each mode 0700.
Status CreateDirs(const std::string& dir) {
  Env* env = Env::Default();
  if (dir.empty() || env->FileExists(dir)) return Status::Ok();
  std::string parent = DirName(dir);
  if (parent != dir) {
    if (Status s = CreateDirs(parent); !s.ok()) return s;
  }
  Status s = env->CreateDir(dir, 0700);
  if (!s.ok() && !env->FileExists(dir)) return s;
  return Status::Ok();
}

bool IsTokenText(std::string_view t) {
  if (t.empty() || t.size() > 256) return false;
  for (char c : t) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

}  // namespace

std::string RelayTokenPath(const std::string& config_dir) { return config_dir + "/relay_token"; }

Status SaveRelayToken(const std::string& config_dir, const std::string& token) {
  if (!IsTokenText(token)) return Status::InvalidArgument("the relay sent a malformed token");
  if (Status s = CreateDirs(config_dir); !s.ok()) {
    return s.WithContext("creating the config directory " + config_dir);
  }
  std::string path = RelayTokenPath(config_dir);
  if (Env::Default()->FileExists(path)) {
    return Status::AlreadyExists(path +
                                 " exists already: this config directory has a relay "
                                 "account (remove the file to register again)");
  }
  std::string line = token + "\n";
  return WriteFileAtomically(*Env::Default(), path, AsBytes(line), 0600);
}

Result<std::string> LoadRelayToken(const std::string& config_dir) {
  std::string path = RelayTokenPath(config_dir);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::string();
    return Status::FromErrno(errno, path);
  }
  if ((st.st_mode & 077) != 0) {
    return Status::Denied(path + " is readable by others: chmod 600 " + path);
  }
  Result<std::string> text = ReadFileToString(*Env::Default(), path);
  if (!text.ok()) return text.status();
  std::string token = *text;
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  if (!IsTokenText(token)) return Status::InvalidArgument(path + " does not hold a relay token");
  return token;
}

}  // namespace otc::client
