// StoreRegistrar: what padgen needs from padstore in pair mode (`--user NAME=DIR`).
//
// Each `--user alice=DIR_A` names alice's padstore directory. padgen writes the pad
// shared with bob straight into alice's store, at STORE/contacts/bob/pad with its
// manifest at STORE/contacts/bob/manifest (padstore/store_paths.h) -- or, when the two
// already share a pad, as its next pad generation in STORE/contacts/bob/gen-N/ (a
// renewal; both stores get the same N) -- and, once the pad is
// complete and verified, registers contact `bob` there (direction +1 for the first
// user, -1 for the second, protocol otc2 unless --protocol otc1). The contact entry is
// created only after the pad is complete, so a failed run never leaves a
// half-registered contact; a resumed run registers when it finishes.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/env.h"
#include "common/pad_vocabulary.h"
#include "common/status.h"
#include "padgen/destination.h"

namespace otc::padgen {

struct ContactRegistration {
  std::string store_dir;                 // the user's store
  std::string user;                      // whose store it is ("alice")
  std::string peer;                      // the contact being registered ("bob")
  Direction direction = Direction::kUp;  // kUp: this user encrypts from the start of the pad
  Format format = Format::kOtc2;
  uint32_t pad_generation = 0;  // 0: a new contact; N > 0: the contact's N-th renewal
  DestinationSpec pad;          // the finished pad and its manifest
};

class StoreRegistrar {
 public:
  virtual ~StoreRegistrar() = default;
  // Checks, without changing anything, that `user`'s store at `dir` (which may not exist
  // yet) can take a new pad for contact `peer` in `format`: the store belongs to `user`,
  // and a renewal (`peer` is registered already) is not of an otc1 contact nor in otc1.
  virtual Status Check(const std::string& dir, const std::string& user, const std::string& peer,
                       Format format) = 0;
  // The pad generation the new pad gets in both stores: where a run to resume left an
  // unfinished one, that; otherwise the next after the newest either store holds.
  // `sides` are (store dir, peer) pairs.
  virtual uint32_t PairGeneration(
      const std::vector<std::pair<std::string, std::string>>& sides) = 0;
  // Creates and initializes the store if needed, and checks that no other process
  // (the device daemon) holds it.
  virtual Status Prepare(const std::string& dir, const std::string& user) = 0;
  // Where the pad and manifest for `peer`'s pad generation `generation` go inside the
  // store at `dir`.
  virtual DestinationSpec PadLocation(const std::string& dir, const std::string& user,
                                      const std::string& peer, uint32_t generation) = 0;
  // Registers the contacts of a complete, verified pad, one per store (idempotent for
  // the same pad). Every store is opened (locked) before the first contact is added, so
  // a store held by another process cannot leave one side registered and the other not.
  virtual Status Register(const std::vector<ContactRegistration>& registrations) = 0;
};

// The padstore-backed registrar.
std::unique_ptr<StoreRegistrar> MakePadstoreRegistrar(Env& env);

}  // namespace otc::padgen
