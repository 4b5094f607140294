#include "chat/device/bearer_token.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>

#include "common/encoding.h"
#include "common/secret_buffer.h"

namespace otc::device {
namespace {

std::array<uint8_t, 32> Digest(std::string_view text) {
  std::array<uint8_t, 32> out{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), out.data());
  return out;
}

Status ValidateToken(std::string_view token) {
  if (token.size() < kMinTokenLength) {
    return Status::InvalidArgument("the token is shorter than " + std::to_string(kMinTokenLength) +
                                   " characters; make one with: head -c 32 /dev/urandom | base64");
  }
  if (token.size() > kMaxTokenLength) {
    return Status::InvalidArgument("the token is longer than " + std::to_string(kMaxTokenLength) +
                                   " characters");
  }
  for (char c : token) {
    if (c < 0x21 || c > 0x7e) {
      return Status::InvalidArgument(
          "the token may only hold printable ASCII characters without spaces");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> ReadTokenFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    int err = errno;
    return Status::FromErrno(err, "token file " + path).WithContext("--token-file");
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::InvalidArgument("token file " + path + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    return Status::InvalidArgument("token file " + path +
                                   " is readable by group or others; run: chmod 600 " + path);
  }
  if (st.st_size > static_cast<off_t>(kMaxTokenLength + 2)) {
    ::close(fd);
    return Status::InvalidArgument("token file " + path + " is too large for a token");
  }
  std::string text(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  while (got < text.size()) {
    ssize_t n = ::read(fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  text.resize(got);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  Status valid = ValidateToken(text);
  if (!valid.ok()) {
    Wipe({reinterpret_cast<uint8_t*>(text.data()), text.size()});
    return valid.WithContext("token file " + path);
  }
  return text;
}

Result<BearerToken> BearerToken::FromText(std::string_view token) {
  Status valid = ValidateToken(token);
  if (!valid.ok()) return valid;
  BearerToken result;
  result.digest_ = Digest(token);
  return result;
}

Result<BearerToken> BearerToken::Load(const std::string& path) {
  auto text = ReadTokenFile(path);
  if (!text.ok()) return text.status();
  auto token = FromText(*text);
  Wipe({reinterpret_cast<uint8_t*>(text->data()), text->size()});
  return token;
}

bool BearerToken::Matches(std::string_view authorization) const {
  constexpr std::string_view kScheme = "bearer ";
  bool scheme_ok = authorization.size() > kScheme.size();
  for (size_t i = 0; scheme_ok && i < kScheme.size(); ++i) {
    scheme_ok = std::tolower(static_cast<unsigned char>(authorization[i])) == kScheme[i];
  }
  std::string_view presented =
      scheme_ok ? authorization.substr(kScheme.size()) : std::string_view();
  std::array<uint8_t, 32> digest = Digest(presented);
  bool equal = CRYPTO_memcmp(digest.data(), digest_.data(), digest.size()) == 0;
  return scheme_ok && equal;
}

}  // namespace otc::device
