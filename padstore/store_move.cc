#include "padstore/store_move.h"

#include <sys/stat.h>

#include <filesystem>
#include <system_error>
#include <vector>

#include "padstore/store.h"
#include "padstore/store_paths.h"

namespace otc::padstore {
namespace {

namespace fs = std::filesystem;

constexpr size_t kCopyChunk = size_t{8} << 20;

Status CopyFileContents(Env& env, const std::string& from, const std::string& to, unsigned mode) {
  Result<std::unique_ptr<File>> in = env.OpenFile(from, {});
  if (!in.ok()) return in.status();
  Result<std::unique_ptr<File>> out =
      env.OpenFile(to, {.write = true, .create = true, .exclusive = true, .mode = mode});
  if (!out.ok()) return out.status();
  Result<uint64_t> size = (*in)->Size();
  if (!size.ok()) return size.status();
  std::vector<uint8_t> buf(kCopyChunk);
  for (uint64_t off = 0; off < *size;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), *size - off));
    if (Status s = ReadFully(**in, off, {buf.data(), n}); !s.ok()) return s;
    if (Status s = WriteFully(**out, off, {buf.data(), n}); !s.ok()) return s;
    off += n;
  }
  // Pad bytes passed through this buffer.
  std::fill(buf.begin(), buf.end(), 0);
  return (*out)->Sync();
}

// Copies the tree below `from` into the existing directory `to` (the top's LOCK
// excepted: the new store gets its own).
Status CopyTree(Env& env, const std::string& from, const std::string& to, bool top) {
  Result<std::vector<std::string>> names = env.GetChildren(from);
  if (!names.ok()) return names.status();
  for (const std::string& name : *names) {
    if (top && name == "LOCK") continue;
    const std::string src = from + "/" + name, dst = to + "/" + name;
    std::error_code ec;
    fs::file_status st = fs::symlink_status(src, ec);
    if (ec) return Status::IOError("reading " + src + ": " + ec.message());
    if (fs::is_symlink(st)) {
      fs::path target = fs::read_symlink(src, ec);
      if (ec) return Status::IOError("reading the link " + src + ": " + ec.message());
      if (Status s = env.CreateSymlink(target.string(), dst); !s.ok()) return s;
    } else if (fs::is_directory(st)) {
      if (Status s = env.CreateDir(dst, 0700); !s.ok()) return s;
      if (Status s = CopyTree(env, src, dst, /*top=*/false); !s.ok()) return s;
    } else if (fs::is_regular_file(st)) {
      unsigned mode = static_cast<unsigned>(st.permissions()) & 0777;
      if (Status s = CopyFileContents(env, src, dst, mode); !s.ok()) return s;
    } else {
      return Status::Unsupported(src +
                                 " is neither a file, a directory nor a link; move it by hand");
    }
  }
  return env.SyncDir(to);
}

bool SameFileSystem(const std::string& a, const std::string& b) {
  struct stat sa, sb;
  if (::stat(a.c_str(), &sa) != 0 || ::stat(b.c_str(), &sb) != 0) return false;
  return sa.st_dev == sb.st_dev;
}

}  // namespace

Status MoveStore(const std::string& from, const std::string& to, const std::string& mark_mirror_dir,
                 Env* env_arg) {
  Env& env = env_arg ? *env_arg : *Env::Default();
  if (env.FileExists(to)) return Status::AlreadyExists(to + " already exists; pick a new path");
  const std::string to_parent = DirName(to);
  if (!env.FileExists(to_parent)) {
    return Status::NotFound("the directory " + to_parent + " does not exist; create it first");
  }
  // A clean close leaves every journal compact and every used byte burned.
  {
    StoreOptions options;
    options.env = &env;
    options.mark_mirror_dir = mark_mirror_dir;
    Result<std::unique_ptr<Store>> old = Store::Open(from, options);
    if (!old.ok()) return old.status();
    if (Status s = (*old)->Close(); !s.ok()) return s;
  }
  const StorePaths old_paths(from);
  Result<std::unique_ptr<FileLock>> lock = env.LockFile(old_paths.Lock());
  if (!lock.ok()) return StoreInUse(from, lock.status());

  if (SameFileSystem(from, to_parent)) {
    if (Status s = env.RenameFile(from, to); !s.ok()) return s;
    if (Status s = env.SyncDir(to_parent); !s.ok()) return s;
    return env.SyncDir(DirName(from));
  }

  auto abandon = [&](const Status& cause) {
    std::error_code ec;
    fs::remove_all(to, ec);  // a partial copy; the old store is untouched
    return cause;
  };
  if (Status s = env.CreateDir(to, 0700); !s.ok()) return s;
  if (Status s = CopyTree(env, from, to, /*top=*/true); !s.ok()) return abandon(s);
  if (Status s = env.SyncDir(to_parent); !s.ok()) return abandon(s);
  {
    StoreOptions options;
    options.env = &env;
    options.adopt_moved = true;
    options.mark_mirror_dir = mark_mirror_dir;
    Result<std::unique_ptr<Store>> moved = Store::Open(to, options);
    if (!moved.ok()) return abandon(moved.status());
    if (Status s = (*moved)->Close(); !s.ok()) return abandon(s);
  }
  // From here the new store is the store. store.meta goes first: without it the old
  // directory is not a store and nothing can package from it.
  if (Status s = env.RemoveFile(old_paths.StoreMeta()); !s.ok()) return s;
  if (Status s = env.SyncDir(from); !s.ok()) return s;
  lock->reset();
  std::error_code ec;
  fs::remove_all(from, ec);
  if (ec) {
    return Status::IOError("the store moved to " + to + ", but removing the rest of " + from +
                           " failed (" + ec.message() + "); remove it by hand");
  }
  return env.SyncDir(DirName(from));
}

}  // namespace otc::padstore
