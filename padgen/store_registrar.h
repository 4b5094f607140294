// StoreRegistrar: what padgen needs from padstore in pair mode (`--user NAME=DIR`).
//
// Each `--user alice=DIR_A` names alice's padstore directory. padgen writes the pad
// shared with bob straight into alice's store (PadLocation) and, once the pad is
// complete and verified, registers contact `bob` there (direction +1 for the first
// user, -1 for the second, protocol otc2 unless --protocol otc1). The contact entry is
// created only after the pad is complete, so a failed run never leaves a
// half-registered contact; a resumed run registers when it finishes.
#pragma once

#include <memory>
#include <string>

#include "common/env.h"
#include "common/status.h"
#include "padgen/destination.h"

namespace otc::padgen {

struct ContactRegistration {
  std::string store_dir;  // the user's store
  std::string user;       // whose store it is ("alice")
  std::string peer;       // the contact being registered ("bob")
  int direction = +1;     // +1: this user encrypts from the start of the pad, -1: from the end
  std::string protocol;   // "otc1" or "otc2"
  DestinationSpec pad;    // the finished pad and its manifest
};

class StoreRegistrar {
 public:
  virtual ~StoreRegistrar() = default;
  // Checks, without changing anything, that `peer` can be added to the store at `dir`
  // (which may not exist yet): e.g. no contact of that name unless `replace`.
  virtual Status Check(const std::string& dir, const std::string& peer, bool replace) = 0;
  // Creates and initializes the store if it does not exist yet.
  virtual Status Prepare(const std::string& dir) = 0;
  // Where the pad and manifest for `peer` go inside the store at `dir`.
  virtual DestinationSpec PadLocation(const std::string& dir, const std::string& user,
                                      const std::string& peer) = 0;
  // Registers the contact for a complete, verified pad.
  virtual Status Register(const ContactRegistration& registration) = 0;
};

// The padstore-backed registrar.
std::unique_ptr<StoreRegistrar> MakePadstoreRegistrar(Env& env);

}  // namespace otc::padgen
