// Store::Retire: removing an old pad generation of a contact (`padstore retire`).
//
// Order: every byte of the pad is destroyed and synced (the journal records the burns)
// -> a RETIRE line in the store's audit log -> the meta file is removed (the commit
// point: from here on the generation is gone; a crash leaves a directory without meta,
// which Store::Open skips and the next retire finishes) -> journal, manifest, audit log
// and pad (a link to a pad elsewhere is removed; the file it points to stays, zeroed)
// -> the generation directory. A package for a retired generation is refused by
// BeginDecrypt ("retired"), never taken for a replay.
#include <filesystem>
#include <mutex>

#include "common/encoding.h"
#include "padstore/contact.h"
#include "padstore/store.h"

namespace otc::padstore {
namespace {

// Removes what a retirement leaves of one generation, the meta file first.
Status RemoveGenerationFiles(Env& env, const StorePaths& paths, const std::string& peer,
                             uint32_t generation) {
  const std::string dir = paths.GenerationDir(peer, generation);
  for (const std::string& path :
       {paths.Meta(peer, generation), paths.Journal(peer, generation),
        paths.Manifest(peer, generation), paths.ContactAudit(peer, generation),
        paths.Pad(peer, generation), dir + "/journal.tmp", dir + "/meta.tmp"}) {
    std::error_code ec;
    if (!std::filesystem::exists(std::filesystem::symlink_status(path, ec))) continue;
    if (Status s = env.RemoveFile(path); !s.ok()) return s;
    if (path == paths.Meta(peer, generation)) {
      if (Status s = env.SyncDir(dir); !s.ok()) return s;
    }
  }
  if (Status s = env.SyncDir(dir); !s.ok()) return s;
  if (generation != 0) {
    std::error_code ec;
    std::filesystem::remove(dir, ec);  // empty now; a leftover empty directory is harmless
    if (Status s = env.SyncDir(paths.ContactDir(peer)); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace

// Defined here rather than in contact.cc: it is the retirement's first step.
Status Contact::DestroyPadAndClose() {
  std::lock_guard lock(mu_);
  if (Status s = CheckUsableLocked(); !s.ok()) return s;
  for (const IndexRange& g : burned_.Gaps(0, meta_.pad_size)) QueueBurnLocked(g);
  if (Status s = FlushBurnsLocked(); !s.ok()) return s;
  if (Status s = journal_->Sync(); !s.ok()) return FailLocked(s);
  if (mirror_ && env_.FileExists(mirror_->path())) {
    // Only this pad's mark; nothing can package with the pad any more.
    if (Status s = env_.RemoveFile(mirror_->path()); !s.ok()) return FailLocked(s);
  }
  closed_ = true;
  pad_.reset();
  journal_.reset();
  audit_.reset();
  return Status::Ok();
}

Result<RetireReport> Store::Retire(std::string_view peer, uint32_t generation) {
  std::unique_lock guard(mu_);
  if (Status s = fail_.status(); !s.ok()) return s;
  if (options_.read_only) return Status::Denied("the store was opened read-only");
  Result<GenerationMap*> found = FindLocked(peer, false);
  if (!found.ok()) return found.status();
  GenerationMap& gens = **found;
  const std::string name(peer);
  const uint32_t newest = gens.rbegin()->first;
  auto it = gens.find(generation);
  if (it == gens.end()) {
    std::string held;
    for (const auto& [g, c] : gens) held += (held.empty() ? "" : ", ") + std::to_string(g);
    // A generation retired before, with its files half removed by a crash: finish it.
    if (generation < newest &&
        env().FileExists(paths_.GenerationDir(name, generation) + "/journal")) {
      if (Status s = RemoveGenerationFiles(env(), paths_, name, generation); !s.ok()) {
        return fail_.Fail(s);
      }
      return RetireReport{name, generation, 0, 0};
    }
    return Status::InvalidArgument("contact " + name + " holds no pad generation " +
                                   std::to_string(generation) + " (it holds " + held + ")");
  }
  if (generation == newest) {
    return Status::InvalidArgument(
        "generation " + std::to_string(generation) + " is " + name +
        "'s newest pad, the one new messages use; only older generations can be retired (meet "
        "and run padgen again first)");
  }
  Contact& contact = *it->second;
  const ContactState info = contact.Info();
  RetireReport report{name, generation, info.meta.pad_size, info.own_left};
  if (Status s = contact.DestroyPadAndClose(); !s.ok()) return s;
  if (Status s = StoreAudit("RETIRE", "peer=" + name + " generation=" + std::to_string(generation) +
                                          " pad_id=" + HexEncode(info.meta.pad_id) +
                                          " own_left=" + std::to_string(info.own_left) +
                                          ": every byte destroyed; generation removed");
      !s.ok()) {
    return s;
  }
  gens.erase(it);
  if (Status s = RemoveGenerationFiles(env(), paths_, name, generation); !s.ok()) {
    return fail_.Fail(s);
  }
  return report;
}

}  // namespace otc::padstore
