#include "chat/client/outbox.h"

#include <ctime>
#include <random>
#include <thread>

namespace otc::client {

namespace {

std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string UtcStamp() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

}  // namespace

Result<std::string> ResolveStateDir(const EnvLookup& env) {
  if (auto d = env("OTC_STATE_DIR"); d && !d->empty()) return *d;
  if (auto x = env("XDG_STATE_HOME"); x && !x->empty()) return *x + "/otc";
  if (auto h = env("HOME"); h && !h->empty()) return *h + "/.local/state/otc";
  return Status::InvalidArgument(
      "cannot find the state directory for the outbox: set HOME or OTC_STATE_DIR");
}

std::string OutboxPath(const std::string& state_dir, const std::string& user) {
  return state_dir + "/outbox-" + user;
}

Outbox::Outbox(Env& env, std::string path) : env_(env), path_(std::move(path)) {}

Status Outbox::CheckUsable() const {
  if (failed_.ok()) return Status::Ok();
  return Status::Failed("the outbox " + path_ + " failed earlier (" + failed_.message() +
                        "): nothing more is queued or sent by this process; restart otc");
}

Status Outbox::Failed(Status s) {
  failed_ = s;
  return s;
}

Result<std::unique_ptr<FileLock>> Outbox::Lock(std::chrono::milliseconds wait) {
  if (Status s = CheckUsable(); !s.ok()) return s;
  if (Status s = EnsureDir(); !s.ok()) return s;
  auto deadline = std::chrono::steady_clock::now() + wait;
  while (true) {
    Result<std::unique_ptr<FileLock>> lock = env_.LockFile(path_ + ".lock");
    if (lock.ok() || lock.status().code() != Status::Code::kBusy ||
        std::chrono::steady_clock::now() >= deadline) {
      if (!lock.ok() && lock.status().code() == Status::Code::kBusy) {
        return Status::Busy("the outbox " + path_ + " is held by another otc (" +
                            lock.status().message() + "); try again when it is done");
      }
      return lock;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Status Outbox::EnsureDir() {
  std::string dir = DirName(path_);
  if (env_.FileExists(dir)) return Status::Ok();
  if (Status s = CreateDirWithParents(env_, dir); !s.ok()) {
    return s.WithContext("creating the state directory " + dir);
  }
  // The new directory's own entry, in its parent, must survive a crash too.
  return env_.SyncDir(DirName(dir));
}

Result<std::vector<OutboxEntry>> Outbox::Load(std::string* damage) {
  if (Status s = CheckUsable(); !s.ok()) return s;
  if (!env_.FileExists(path_)) return std::vector<OutboxEntry>{};
  Result<std::string> bytes = ReadFileToString(env_, path_);
  if (!bytes.ok()) return bytes.status().WithContext("reading the outbox");
  ParsedOutbox parsed = ParseOutbox(*bytes);
  if (parsed.damaged_bytes == 0) return std::move(parsed.pending);

  std::string kept = path_ + ".damaged-" + UtcStamp();
  for (int n = 2; env_.FileExists(kept); ++n)
    kept = path_ + ".damaged-" + UtcStamp() + "-" + std::to_string(n);
  if (Status s = WriteFileAtomically(env_, kept, Bytes(*bytes)); !s.ok()) {
    return Failed(s.WithContext("keeping the damaged outbox aside"));
  }
  if (Status s = Rewrite(parsed.pending); !s.ok()) return s;
  if (damage) {
    *damage = "the outbox " + path_ + " was damaged (" + std::to_string(parsed.damaged_bytes) +
              " bytes unreadable): its " + std::to_string(parsed.pending.size()) +
              " intact queued messages are kept and sent; the damaged file is kept as " + kept +
              " (a message that was in the damaged part is lost, and its pad is used up)";
  }
  return std::move(parsed.pending);
}

Status Outbox::Append(OutboxEntry& entry) {
  if (Status s = CheckUsable(); !s.ok()) return s;
  if (entry.id == 0) {
    std::random_device rd;
    while (entry.id == 0) entry.id = (uint64_t{rd()} << 32) | rd();
  }
  bool created = !env_.FileExists(path_);
  OpenOptions o;
  o.write = o.create = true;
  o.mode = 0600;
  Result<std::unique_ptr<File>> file = env_.OpenFile(path_, o);
  if (!file.ok()) return file.status().WithContext("opening the outbox");
  Result<uint64_t> size = (*file)->Size();
  if (!size.ok()) return size.status().WithContext("reading the outbox");
  std::string record = (*size == 0 ? std::string(kOutboxMagic) : "") + EncodeQueuedRecord(entry);
  Status s = WriteFully(**file, *size, Bytes(record));
  if (s.ok()) s = (*file)->Sync();
  if (s.ok() && created) s = env_.SyncDir(DirName(path_));
  if (!s.ok()) return Failed(s.WithContext("writing the outbox " + path_));
  return Status::Ok();
}

Status Outbox::MarkDone(uint64_t id, uint64_t ref) {
  if (Status s = CheckUsable(); !s.ok()) return s;
  OpenOptions o;
  o.write = true;
  Result<std::unique_ptr<File>> file = env_.OpenFile(path_, o);
  if (!file.ok()) return Failed(file.status().WithContext("opening the outbox"));
  Result<uint64_t> size = (*file)->Size();
  if (!size.ok()) return Failed(size.status().WithContext("reading the outbox"));
  Status s = WriteFully(**file, *size, Bytes(EncodeDoneRecord(id, ref)));
  if (!s.ok()) return Failed(s.WithContext("writing the outbox " + path_));
  return Status::Ok();
}

Status Outbox::Compact() {
  if (Status s = CheckUsable(); !s.ok()) return s;
  if (!env_.FileExists(path_)) return Status::Ok();
  Result<std::string> bytes = ReadFileToString(env_, path_);
  if (!bytes.ok()) return bytes.status().WithContext("reading the outbox");
  ParsedOutbox parsed = ParseOutbox(*bytes);
  // Damage is Load()'s to report and keep aside; compaction never drops damaged bytes.
  if (parsed.done_records == 0 || parsed.damaged_bytes != 0) return Status::Ok();
  return Rewrite(parsed.pending);
}

Status Outbox::Rewrite(const std::vector<OutboxEntry>& pending) {
  std::string contents(kOutboxMagic);
  for (const OutboxEntry& e : pending) contents += EncodeQueuedRecord(e);
  if (Status s = WriteFileAtomically(env_, path_, Bytes(contents)); !s.ok()) {
    return Failed(s.WithContext("rewriting the outbox " + path_));
  }
  return Status::Ok();
}

}  // namespace otc::client
