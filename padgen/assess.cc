#include "padgen/assess.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "common/secret_buffer.h"

namespace otc::padgen {
namespace {
constexpr size_t kStep = size_t{1} << 20;
}  // namespace

Result<EntropyReport> AssessFileSample(const std::string& path, uint64_t offset, uint64_t bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno(errno, "--assess: opening " + path);
  EntropyAccumulator acc;
  SecretBuffer buf(static_cast<size_t>(std::min<uint64_t>(bytes, kStep)));
  uint64_t done = 0;
  while (done < bytes) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(bytes - done, buf.size()));
    ssize_t n = ::pread(fd, buf.data(), want, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = Status::FromErrno(errno, "--assess: reading " + path);
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    acc.Add(buf.span().first(static_cast<size_t>(n)));
    done += static_cast<uint64_t>(n);
  }
  ::close(fd);
  if (done == 0) {
    return Status::InvalidArgument("--assess: " + path + " has no bytes at offset " +
                                   std::to_string(offset) + " to assess");
  }
  return acc.Finish();
}

Result<EntropyReport> AssessSourceSample(PadSource& source, uint64_t bytes) {
  EntropyAccumulator acc;
  SecretBuffer buf(static_cast<size_t>(std::min<uint64_t>(bytes, kStep)));
  uint64_t done = 0;
  while (done < bytes) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(bytes - done, buf.size()));
    Status s = source.Fill(buf.span().first(want));
    if (!s.ok()) return s.WithContext("--assess: reading the sample");
    acc.Add(buf.span().first(want));
    done += want;
  }
  return acc.Finish();
}

}  // namespace otc::padgen
