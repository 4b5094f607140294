// `padstore retire`: destroys and removes an old pad generation of a contact, after a
// confirmation typed on the terminal (or --yes). Without a terminal and without --yes
// it refuses: a script must say --yes to destroy pad.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/byte_size.h"
#include "common/cli/exit_codes.h"
#include "common/cli/failure.h"
#include "padstore/cli_failure.h"
#include "padstore/lifecycle_commands.h"
#include "padstore/mark_mirror.h"
#include "padstore/store.h"

namespace otc::padstore {
namespace {

// Asks on the terminal; true only for "yes".
bool Confirm(const std::string& question) {
  std::fprintf(stderr, "%s\nType yes to destroy it: ", question.c_str());
  std::fflush(stderr);
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer == "yes";
}

}  // namespace

int RetireCmd(const RetireArgs& a) {
  if (!a.yes && ::isatty(STDIN_FILENO) != 1) {
    return Fail(Status::Denied("retire destroys pad and needs a confirmation, but standard input "
                               "is not a terminal"),
                a.json, NotFoundIs::kFailure, "run it on a terminal, or add --yes");
  }
  StoreOptions options;
  options.mark_mirror_dir = DefaultMarkMirrorDir();
  Result<std::unique_ptr<Store>> store = Store::Open(a.store, options);
  if (!store.ok()) return Fail(store.status(), a.json);
  Result<std::vector<ContactState>> gens = (*store)->Generations(a.peer);
  if (!gens.ok()) return Fail(gens.status(), a.json, NotFoundIs::kUnknownContact);
  const uint32_t generation = a.generation.value_or(gens->front().meta.generation);
  if (!a.yes) {
    const ContactState* g = nullptr;
    for (const ContactState& s : *gens) {
      if (s.meta.generation == generation) g = &s;
    }
    if (g != nullptr && gens->size() > 1 && g != &gens->back()) {
      std::string question = "Retire pad generation " + std::to_string(generation) + " of " +
                             a.peer + " (" + FormatByteSize(g->meta.pad_size) + ", " +
                             FormatByteSize(g->own_left) +
                             " of own pad unused)? Every byte of it is destroyed; messages "
                             "still in flight on it can no longer be read.";
      if (!Confirm(question)) {
        return Fail(Status::Denied("not confirmed; nothing was changed"), a.json);
      }
    }
  }
  Result<RetireReport> r = (*store)->Retire(a.peer, generation);
  if (!r.ok()) return Fail(r.status(), a.json, NotFoundIs::kUnknownContact);
  if (Status s = (*store)->Close(); !s.ok()) return Fail(s, a.json);
  if (a.json) {
    std::cout << nlohmann::json{{"store", a.store},
                                {"peer", r->peer},
                                {"generation", r->generation},
                                {"destroyed_bytes", r->pad_size},
                                {"own_left_unused", r->own_left}}
                     .dump(2)
              << "\n";
  } else {
    std::printf("%s: retired pad generation %u (destroyed %s, of which %s own pad was unused)\n",
                r->peer.c_str(), r->generation, FormatByteSize(r->pad_size).c_str(),
                FormatByteSize(r->own_left).c_str());
  }
  return 0;
}

}  // namespace otc::padstore
