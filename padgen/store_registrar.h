// StoreRegistrar: what padgen needs from padstore in pair mode (`--user NAME=DIR`).
//
// Each `--user alice=DIR_A` names alice's padstore directory. padgen writes the pad
// shared with bob straight into alice's store, at STORE/contacts/bob/pad with its
// manifest at STORE/contacts/bob/manifest (padstore/store_paths.h), and, once the pad is
// complete and verified, registers contact `bob` there (direction +1 for the first
// user, -1 for the second, protocol otc2 unless --protocol otc1). The contact entry is
// created only after the pad is complete, so a failed run never leaves a
// half-registered contact; a resumed run registers when it finishes.
#pragma once

#include <memory>
#include <string>

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
  DestinationSpec pad;  // the finished pad and its manifest
};

class StoreRegistrar {
 public:
  virtual ~StoreRegistrar() = default;
  // Checks, without changing anything, that `user`'s store at `dir` (which may not exist
  // yet) can take a contact `peer`: the store belongs to `user`, and `peer` is not
  // registered yet (with `resuming`, a registration of the same pad is allowed: a run
  // that stopped between the two registrations registers the rest).
  virtual Status Check(const std::string& dir, const std::string& user, const std::string& peer,
                       bool resuming) = 0;
  // Creates and initializes the store if needed, and checks that no other process
  // (the device daemon) holds it.
  virtual Status Prepare(const std::string& dir, const std::string& user) = 0;
  // Where the pad and manifest for `peer` go inside the store at `dir`.
  virtual DestinationSpec PadLocation(const std::string& dir, const std::string& user,
                                      const std::string& peer) = 0;
  // Registers the contacts of a complete, verified pad, one per store (idempotent for
  // the same pad). Every store is opened (locked) before the first contact is added, so
  // a store held by another process cannot leave one side registered and the other not.
  virtual Status Register(const std::vector<ContactRegistration>& registrations) = 0;
};

// The padstore-backed registrar.
std::unique_ptr<StoreRegistrar> MakePadstoreRegistrar(Env& env);

}  // namespace otc::padgen
