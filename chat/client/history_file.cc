#include "chat/client/history_file.h"

#include <sys/stat.h>

#include <cerrno>

#include "common/encoding.h"

namespace otc::client {

Result<std::unique_ptr<TranscriptFile>> TranscriptFile::Open(Env& env, const std::string& path,
                                                             bool* tightened) {
  if (tightened) *tightened = false;
  OpenOptions opts;
  opts.write = true;
  opts.create = true;
  opts.mode = 0600;
  Result<std::unique_ptr<File>> file = env.OpenFile(path, opts);
  if (!file.ok()) return file.status().WithContext("opening history file");
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Status::FromErrno(errno, path);
  if (!S_ISREG(st.st_mode)) {
    return Status::InvalidArgument("history file " + path + " is not a regular file");
  }
  if ((st.st_mode & 0777) != 0600) {
    if (::chmod(path.c_str(), 0600) != 0) return Status::FromErrno(errno, path);
    if (tightened) *tightened = true;
  }
  Result<uint64_t> size = (*file)->Size();
  if (!size.ok()) return size.status();
  return std::unique_ptr<TranscriptFile>(new TranscriptFile(std::move(*file), *size));
}

Status TranscriptFile::Append(std::string_view line) {
  std::string data(line);
  data += '\n';
  Status s = WriteFully(*file_, end_, AsBytes(data));
  if (s.ok()) end_ += data.size();
  return s;
}

}  // namespace otc::client
