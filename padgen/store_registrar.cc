#include "padgen/store_registrar.h"

#include <algorithm>
#include <optional>

#include "padstore/contact_meta.h"
#include "padstore/generations.h"
#include "padstore/store.h"
#include "padstore/store_meta.h"
#include "padstore/store_paths.h"
#include "padstore/uid.h"

namespace otc::padgen {
namespace {

class PadstoreRegistrar final : public StoreRegistrar {
 public:
  explicit PadstoreRegistrar(Env& env) : env_(env) {}

  Status Check(const std::string& dir, const std::string& user, const std::string& peer,
               Format format) override {
    if (Status s = padstore::ValidateUid(user, "user"); !s.ok()) return s;
    if (Status s = padstore::ValidateUid(peer, "user"); !s.ok()) return s;
    padstore::StorePaths paths(dir);
    if (env_.FileExists(paths.StoreMeta())) {
      Result<padstore::StoreMeta> meta = padstore::ReadStoreMeta(env_, paths.StoreMeta());
      if (!meta.ok()) return meta.status().WithContext(user + ": store " + dir);
      if (meta->owner != user) {
        return Status::InvalidArgument("store " + dir + " belongs to " + meta->owner + ", not " +
                                       user + "; give " + user + "'s own store directory");
      }
    }
    // A renewal: the new pad becomes the contact's next generation, which otc1's
    // 6-byte package index cannot name.
    for (uint32_t gen : padstore::GenerationsOnDisk(env_, paths, peer)) {
      if (!env_.FileExists(paths.Meta(peer, gen))) continue;
      Result<padstore::ContactMeta> meta = padstore::ReadContactMeta(env_, paths.Meta(peer, gen));
      if (!meta.ok()) return meta.status().WithContext(user + ": contact " + peer);
      if (meta->format == Format::kOtc1 || format == Format::kOtc1) {
        return Status::InvalidArgument(
            user + "'s store " + dir + " already has a contact " + peer +
            (meta->format == Format::kOtc1 ? " on an otc1 (2015 format) pad" : "") +
            ", and otc1 packages cannot name a pad generation, so it cannot be renewed in otc1; " +
            (format == Format::kOtc1 ? "renew it in otc2 (drop --protocol otc1)"
                                     : "register the new pad under another name"));
      }
    }
    return Status::Ok();
  }

  uint32_t PairGeneration(const std::vector<std::pair<std::string, std::string>>& sides) override {
    uint32_t next = 0;
    std::optional<uint32_t> unfinished;
    for (const auto& [dir, peer] : sides) {
      padstore::NextGenerationSlot slot =
          padstore::NextGenerationOnDisk(env_, padstore::StorePaths(dir), peer);
      if (slot.unfinished) unfinished = std::max(unfinished.value_or(0), slot.generation);
      next = std::max(next, slot.generation);
    }
    return unfinished.value_or(next);
  }

  Status Prepare(const std::string& dir, const std::string& user) override {
    // The store directory is created if missing, parents included (a fresh drive).
    std::vector<std::string> missing;
    for (std::string d = DirName(padstore::StorePaths(dir).root); !env_.FileExists(d);
         d = DirName(d)) {
      missing.insert(missing.begin(), d);
      if (DirName(d) == d) break;
    }
    for (const std::string& d : missing) {
      if (Status s = env_.CreateDir(d, 0700); !s.ok()) return s.WithContext(user);
    }
    if (Status s = padstore::Store::Init(dir, user, &env_); !s.ok()) return s.WithContext(user);
    // Fail now, not after days of generation, if the device daemon holds the store.
    padstore::StorePaths paths(dir);
    Result<std::unique_ptr<FileLock>> lock = env_.LockFile(paths.Lock());
    if (!lock.ok()) {
      return lock.status().code() == Status::Code::kBusy
                 ? padstore::StoreInUse(paths.root, lock.status())
                 : lock.status();
    }
    return Status::Ok();
  }

  DestinationSpec PadLocation(const std::string& dir, const std::string& user,
                              const std::string& peer, uint32_t generation) override {
    padstore::StorePaths paths(dir);
    DestinationSpec spec;
    spec.label = user;
    spec.pad_path = paths.Pad(peer, generation);
    spec.manifest_path = paths.Manifest(peer, generation);
    return spec;
  }

  Status Register(const std::vector<ContactRegistration>& registrations) override {
    std::vector<std::unique_ptr<padstore::Store>> stores;
    for (const ContactRegistration& r : registrations) {
      if (Status s = padstore::Store::Init(r.store_dir, r.user, &env_); !s.ok()) {
        return s.WithContext(r.user);
      }
      Result<std::unique_ptr<padstore::Store>> store =
          padstore::Store::Open(r.store_dir, padstore::StoreOptions{.env = &env_, .clock = {}});
      if (!store.ok()) return store.status().WithContext(r.user + ": nothing was registered");
      stores.push_back(std::move(*store));
    }
    Status result;
    for (size_t i = 0; i < registrations.size() && result.ok(); ++i) {
      const ContactRegistration& r = registrations[i];
      padstore::ContactSpec spec;
      spec.peer = r.peer;
      spec.pad_path = r.pad.pad_path;  // already in place: AddContact neither moves nor copies
      spec.manifest_path = r.pad.manifest_path;
      spec.direction = r.direction;
      spec.format = r.format;
      spec.placement = padstore::PadPlacement::kMove;
      spec.generation = r.pad_generation;
      Result<padstore::ContactState> info = stores[i]->AddContact(spec);
      if (!info.ok()) {
        result = info.status().WithContext(r.user + ": registering contact " + r.peer + " in " +
                                           r.store_dir);
      }
    }
    for (auto& store : stores) {
      Status closed = store->Close();
      if (result.ok() && !closed.ok()) result = closed;
    }
    return result;
  }

 private:
  Env& env_;
};

}  // namespace

std::unique_ptr<StoreRegistrar> MakePadstoreRegistrar(Env& env) {
  return std::make_unique<PadstoreRegistrar>(env);
}

}  // namespace otc::padgen
