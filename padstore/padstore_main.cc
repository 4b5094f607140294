// padstore: the command-line tool for pad stores (see `padstore --help`).
//
// Exit codes: 0 success; 1 failure (a one-line "padstore: ..." error on stderr);
// 2 bad usage; fsck uses e2fsck's codes: 0 clean, 1 errors corrected, 4 errors left
// uncorrected (1|4 = 5 both), 8 operational error.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/byte_size.h"
#include "common/encoding.h"
#include "padstore/audit_log.h"
#include "padstore/cli_progress.h"
#include "padstore/fsck.h"
#include "padstore/legacy_import.h"
#include "padstore/store.h"

namespace otc::padstore {
namespace {

int Fail(const Status& s) {
  std::fprintf(stderr, "padstore: %s\n", s.message().c_str());
  return 1;
}

nlohmann::json InfoJson(const ContactState& i) {
  return {
      {"peer", i.meta.peer},
      {"pad_size", i.meta.pad_size},
      {"split", i.meta.split},
      {"direction", std::string(DirectionName(i.meta.direction))},
      {"protocol", std::string(FormatName(i.meta.format))},
      {"pad_id", HexEncode(i.meta.pad_id)},
      {"imported_legacy", (i.meta.flags & ContactMeta::kImportedLegacy) != 0},
      {"created", FormatUtc(i.meta.created_unix)},
      {"own_half", i.own_half},
      {"own_used", i.own_used},
      {"own_left", i.own_left},
      {"decrypted", i.decrypted},
      {"peer_skipped", i.peer_skipped},
      {"burned", i.burned},
      {"messages_left_at_100_bytes", i.MessagesLeft()},
      {"last_activity", i.last_activity ? nlohmann::json(FormatUtc(i.last_activity)) : nullptr},
      {"journal_bytes", i.journal_bytes},
  };
}

void PrintInfo(const ContactState& i) {
  std::printf("%s: %s pad %s (id %s), direction %s, split %llu%s\n", i.meta.peer.c_str(),
              std::string(FormatName(i.meta.format)).c_str(),
              FormatByteSize(i.meta.pad_size).c_str(),
              HexEncode(i.meta.pad_id).substr(0, 16).c_str(),
              std::string(DirectionName(i.meta.direction)).c_str(),
              static_cast<unsigned long long>(i.meta.split),
              (i.meta.flags & ContactMeta::kImportedLegacy) ? ", imported from 2015" : "");
  std::printf("  own bytes left %s of %s (used %s), ~%llu messages of 100 bytes left\n",
              FormatByteSize(i.own_left).c_str(), FormatByteSize(i.own_half).c_str(),
              FormatByteSize(i.own_used).c_str(),
              static_cast<unsigned long long>(i.MessagesLeft()));
  std::printf("  decrypted %s, skipped (never seen) %s, burned %s, last activity %s\n",
              FormatByteSize(i.decrypted).c_str(), FormatByteSize(i.peer_skipped).c_str(),
              FormatByteSize(i.burned).c_str(),
              i.last_activity ? FormatUtc(i.last_activity).c_str() : "never");
}

int Init(const std::string& store, const std::string& user) {
  Status s = Store::Init(store, user);
  if (!s.ok()) return Fail(s);
  std::printf("store %s is ready for %s\n", store.c_str(), user.c_str());
  return 0;
}

struct AddArgs {
  std::string store, peer, pad, manifest, direction, protocol = "otc2", split;
  bool link = false, json = false;
};

int Add(const AddArgs& a) {
  Result<std::unique_ptr<Store>> store = Store::Open(a.store);
  if (!store.ok()) return Fail(store.status());
  ContactSpec spec;
  spec.peer = a.peer;
  spec.pad_path = a.pad;
  spec.manifest_path = a.manifest;
  Result<Direction> d = ParseDirection(a.direction);
  if (!d.ok()) return Fail(d.status());
  spec.direction = *d;
  Result<Format> p = ParseFormat(a.protocol);
  if (!p.ok()) return Fail(p.status());
  spec.format = *p;
  if (!a.split.empty()) {
    Result<uint64_t> split = ParseByteSize(a.split);
    if (!split.ok()) return Fail(split.status().WithContext("--split"));
    spec.split = *split;
  }
  spec.placement = a.link ? PadPlacement::kSymlink : PadPlacement::kMove;
  Result<ContactState> info = (*store)->AddContact(spec);
  if (!info.ok()) return Fail(info.status());
  if (Status s = (*store)->Close(); !s.ok()) return Fail(s);
  if (a.json) {
    std::cout << InfoJson(*info).dump(2) << "\n";
  } else {
    PrintInfo(*info);
  }
  return 0;
}

int StatusCmd(const std::string& dir, const std::string& peer, bool json) {
  StoreOptions o;
  o.read_only = true;
  Result<std::unique_ptr<Store>> store = Store::Open(dir, o);
  if (!store.ok()) return Fail(store.status());
  nlohmann::json out = {
      {"store", dir}, {"owner", (*store)->owner()}, {"contacts", nlohmann::json::array()}};
  int rc = 0;
  if (!json) std::printf("store %s (owner %s)\n", dir.c_str(), (*store)->owner().c_str());
  for (const std::string& name : (*store)->Peers()) {
    if (!peer.empty() && name != peer) continue;
    Result<ContactState> info = (*store)->Info(name);
    if (!info.ok()) {
      rc = 1;
      if (json) {
        out["contacts"].push_back({{"peer", name}, {"error", info.status().message()}});
      } else {
        std::printf("%s: unavailable: %s\n", name.c_str(), info.status().message().c_str());
      }
      continue;
    }
    if (json) {
      out["contacts"].push_back(InfoJson(*info));
    } else {
      PrintInfo(*info);
    }
  }
  if (!peer.empty() && out["contacts"].empty() && json) {
    return Fail(Status::NotFound("unknown contact " + peer));
  }
  if (json) std::cout << out.dump(2) << "\n";
  return rc;
}

int FsckCmd(const std::string& dir, bool repair, bool quick, bool json) {
  FsckOptions o;
  o.repair = repair;
  o.check_pad = !quick;
  ProgressBar bar("fsck");
  o.progress = [&](uint64_t done, uint64_t total) { bar.Update(done, total); };
  FsckReport r = Fsck(dir, o);
  bar.Finish();
  const int code = r.ExitCode();
  const double mib_s = r.seconds > 0 ? r.bytes_read / r.seconds / (1 << 20) : 0;
  if (json) {
    nlohmann::json out = {{"store", dir},
                          {"exit_code", code},
                          {"bytes_read", r.bytes_read},
                          {"seconds", r.seconds},
                          {"read_mib_per_s", mib_s},
                          {"direct_io", r.used_direct_io},
                          {"io_uring", r.used_io_uring},
                          {"problems", nlohmann::json::array()},
                          {"contacts", nlohmann::json::array()}};
    if (!r.operational_error.empty()) out["operational_error"] = r.operational_error;
    for (const FsckProblem& p : r.problems) {
      out["problems"].push_back({{"where", p.where}, {"what", p.what}, {"corrected", p.corrected}});
    }
    for (const FsckContact& c : r.contacts) {
      out["contacts"].push_back({{"peer", c.peer},
                                 {"chunks", c.chunks},
                                 {"chunks_verified", c.chunks_verified},
                                 {"chunks_used", c.chunks_used},
                                 {"burned_bytes_checked", c.burned_bytes_checked},
                                 {"bytes_read", c.bytes_read}});
    }
    std::cout << out.dump(2) << "\n";
    return code;
  }
  if (!r.operational_error.empty()) {
    std::fprintf(stderr, "padstore fsck: %s\n", r.operational_error.c_str());
    return code;
  }
  for (const FsckProblem& p : r.problems) {
    std::printf("%s %s: %s\n", p.corrected ? "FIXED" : "ERROR", p.where.c_str(), p.what.c_str());
  }
  for (const FsckContact& c : r.contacts) {
    std::printf(
        "%s: %llu of %llu chunks verified against the manifest, %llu chunks in use, %s "
        "of burned pad checked\n",
        c.peer.c_str(), static_cast<unsigned long long>(c.chunks_verified),
        static_cast<unsigned long long>(c.chunks), static_cast<unsigned long long>(c.chunks_used),
        FormatByteSize(c.burned_bytes_checked).c_str());
  }
  std::printf("%s: read %s in %.2f s (%.0f MiB/s)%s\n",
              code == 0    ? "clean"
              : (code & 4) ? "errors left"
                           : "errors corrected",
              FormatByteSize(r.bytes_read).c_str(), r.seconds, mib_s,
              quick ? ", pad not read (--quick)" : "");
  return code;
}

int ImportCmd(const std::string& dir, const std::string& peer, const std::string& store_file,
              const std::string& metadata_file, bool json) {
  Result<std::unique_ptr<Store>> store = Store::Open(dir);
  if (!store.ok()) return Fail(store.status());
  LegacyImportOptions o;
  o.peer = peer;
  o.store_file = store_file;
  o.metadata_file = metadata_file;
  ProgressBar bar("import");
  o.progress = [&](uint64_t done, uint64_t total) { bar.Update(done, total); };
  Result<LegacyImportResult> r = ImportLegacy(**store, o);
  bar.Finish();
  if (!r.ok()) return Fail(r.status());
  if (Status s = (*store)->Close(); !s.ok()) return Fail(s);
  if (json) {
    nlohmann::json out = InfoJson(r->info);
    out["notes"] = r->notes;
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  PrintInfo(r->info);
  for (const std::string& n : r->notes) std::printf("note: %s\n", n.c_str());
  return 0;
}

}  // namespace
}  // namespace otc::padstore

int main(int argc, char** argv) {
  using namespace otc::padstore;
  CLI::App app{
      "padstore: journaled one-time pad storage (one store per user, one entry per contact)"};
  app.footer(
      "Exit codes: 0 ok, 1 failure, 2 bad usage; fsck: 0 clean, 1 corrected, 4 uncorrected, "
      "8 operational error.\nThe store directory may also be given as $OTC_STORE.");
  app.require_subcommand(1);
  std::string store;
  auto add_store = [&](CLI::App* cmd) {
    cmd->add_option("--store", store, "store directory")->envname("OTC_STORE")->required();
  };

  std::string user;
  CLI::App* init =
      app.add_subcommand("init", "create a store for a user (idempotent for the same user)");
  add_store(init);
  init->add_option("--user", user, "the owner's uid ([a-z0-9_.-], 1-64 chars)")->required();

  AddArgs add_args;
  CLI::App* add = app.add_subcommand("add", "register a contact's pad (padgen normally does this)");
  add_store(add);
  add->add_option("--peer", add_args.peer, "the contact's uid")->required();
  add->add_option("--pad", add_args.pad, "the pad file (moved into the store unless --link)")
      ->required();
  add->add_option("--manifest", add_args.manifest, "its complete manifest (copied)")->required();
  add->add_option("--direction", add_args.direction,
                  "your direction: +1 (from index 0 up) or -1 (from the top down)")
      ->required();
  add->add_option("--protocol", add_args.protocol, "otc1 or otc2")->capture_default_str();
  add->add_option("--split", add_args.split, "split index (default: half the pad), e.g. 512M");
  add->add_flag("--link", add_args.link,
                "leave the pad where it is (removable drive, block device) and link to it");
  add->add_flag("--json", add_args.json, "print the contact as JSON");

  std::string peer;
  bool json = false, repair = false, quick = false;
  CLI::App* status =
      app.add_subcommand("status", "per contact: pad size, bytes left, used, decrypted, burned");
  add_store(status);
  status->add_option("--peer", peer, "only this contact");
  status->add_flag("--json", json, "machine-readable output");

  CLI::App* fsck = app.add_subcommand("fsck", "check a store (journal, meta, manifest, pad)");
  add_store(fsck);
  fsck->add_flag("--repair", repair,
                 "truncate a torn journal tail; rewrite a damaged meta from the journal");
  fsck->add_flag("--quick", quick, "do not read the pad (metadata and journal only)");
  fsck->add_flag("--json", json, "machine-readable output");

  std::string store_file, metadata_file;
  CLI::App* import = app.add_subcommand("import-legacy", "import a 2015 one-time-chat pad (otc1)");
  add_store(import);
  import->add_option("--peer", peer, "the contact's uid (must match the metadata's rid)")
      ->required();
  import->add_option("STOREFILE", store_file, "UID.RID.random.store")
      ->required()
      ->check(CLI::ExistingFile);
  import->add_option("METADATAFILE", metadata_file, "UID.RID.random.metadata")
      ->required()
      ->check(CLI::ExistingFile);
  import->add_flag("--json", json, "print the contact as JSON");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (*init) return Init(store, user);
  if (*add) {
    add_args.store = store;
    return Add(add_args);
  }
  if (*status) return StatusCmd(store, peer, json);
  if (*fsck) return FsckCmd(store, repair, quick, json);
  if (*import) return ImportCmd(store, peer, store_file, metadata_file, json);
  return 2;
}
