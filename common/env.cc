#include "common/env.h"

namespace otc {

Result<std::unique_ptr<BulkFile>> Env::OpenBulkFile(const std::string& path,
                                                    const BulkOpenOptions&) {
  return Status::Unsupported("bulk pad files are not supported by this Env (" + path + ")");
}

Status Env::CreateSymlink(const std::string& target, const std::string& link) {
  return Status::Unsupported("this Env cannot create the symbolic link " + link + " -> " + target);
}

Result<FileIdentity> File::Identity() {
  return Status::Unsupported("this Env cannot identify " + path());
}

Status WriteFully(File& file, uint64_t offset, std::span<const uint8_t> data) {
  while (!data.empty()) {
    Result<size_t> n = file.Write(offset, data);
    if (!n.ok()) return n.status();
    if (*n == 0) {
      return Status::IOError(file.path() + ": write made no progress at offset " +
                             std::to_string(offset));
    }
    offset += *n;
    data = data.subspan(*n);
  }
  return Status::Ok();
}

Status ReadFully(File& file, uint64_t offset, std::span<uint8_t> out) {
  while (!out.empty()) {
    Result<size_t> n = file.Read(offset, out);
    if (!n.ok()) return n.status();
    if (*n == 0) {
      return Status::Corruption(file.path() + ": unexpected end of file at offset " +
                                std::to_string(offset));
    }
    offset += *n;
    out = out.subspan(*n);
  }
  return Status::Ok();
}

Result<std::string> ReadFileToString(Env& env, const std::string& path) {
  Result<std::unique_ptr<File>> file = env.OpenFile(path, OpenOptions{});
  if (!file.ok()) return file.status();
  std::string contents;
  uint64_t offset = 0;
  char buf[8192];
  while (true) {
    Result<size_t> n = (*file)->Read(offset, {reinterpret_cast<uint8_t*>(buf), sizeof buf});
    if (!n.ok()) return n.status();
    if (*n == 0) break;
    contents.append(buf, *n);
    offset += *n;
  }
  return contents;
}

std::string DirName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Status WriteFileAtomically(Env& env, const std::string& path, std::span<const uint8_t> contents,
                           unsigned mode) {
  const std::string tmp = path + ".tmp";
  OpenOptions options;
  options.write = options.create = options.truncate = true;
  options.mode = mode;
  Result<std::unique_ptr<File>> file = env.OpenFile(tmp, options);
  if (!file.ok()) return file.status();
  Status s = WriteFully(**file, 0, contents);
  if (s.ok()) s = (*file)->Sync();
  file->reset();
  if (s.ok()) s = env.RenameFile(tmp, path);
  if (s.ok()) s = env.SyncDir(DirName(path));
  return s;
}

}  // namespace otc
