#include "padstore/lifecycle_commands.h"

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/byte_size.h"
#include "padstore/cli_failure.h"
#include "padstore/mark_mirror.h"
#include "padstore/store.h"
#include "padstore/store_move.h"

namespace otc::padstore {

int RecoverCmd(const std::string& dir, const RecoverOptions& options, bool json) {
  StoreOptions store_options;
  store_options.mark_mirror_dir = DefaultMarkMirrorDir();
  Result<std::unique_ptr<Store>> store = Store::Open(dir, store_options);
  if (!store.ok()) return Fail(store.status(), json);
  Result<std::vector<RecoverReport>> reports = (*store)->Recover(options);
  if (!reports.ok()) return Fail(reports.status(), json);
  if (Status s = (*store)->Close(); !s.ok()) return Fail(s, json);
  nlohmann::json out = nlohmann::json::array();
  for (const RecoverReport& r : *reports) {
    const std::string who =
        r.peer + (r.generation == 0 ? "" : " generation " + std::to_string(r.generation));
    if (json) {
      out.push_back({{"peer", r.peer},
                     {"generation", r.generation},
                     {"recovered", r.needed},
                     {"old_mark", r.old_mark},
                     {"new_mark", r.new_mark},
                     {"skipped_bytes", r.skipped()}});
    } else if (r.needed) {
      std::printf(
          "%s: skipped %s of own pad (stream offset %llu -> %llu); packaging allowed again\n",
          who.c_str(), FormatByteSize(r.skipped()).c_str(),
          static_cast<unsigned long long>(r.old_mark), static_cast<unsigned long long>(r.new_mark));
    } else {
      std::printf("%s: not copied; nothing to do (--force skips ahead anyway)\n", who.c_str());
    }
  }
  if (json) std::cout << nlohmann::json{{"store", dir}, {"contacts", out}}.dump(2) << "\n";
  return 0;
}

int MoveCmd(const std::string& from, const std::string& to) {
  if (Status s = MoveStore(from, to, DefaultMarkMirrorDir()); !s.ok()) return Fail(s, false);
  std::printf("moved the store %s to %s\n", from.c_str(), to.c_str());
  return 0;
}

}  // namespace otc::padstore
