// padstore: the command-line tool for pad stores (see `padstore --help` and docs/CLI.md).
//
// Exit codes (common/cli/exit_codes.h): 0 ok; 1 failed; 2 usage; 3 unknown contact
// (status --peer); 10 the store is in use (add, import-legacy, fsck without --read-only);
// fsck: 14 errors left uncorrected, 15 errors all corrected.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "chat/protocol/pad_left.h"
#include "common/byte_size.h"
#include "common/cli/command_line.h"
#include "common/cli/exit_codes.h"
#include "common/encoding.h"
#include "padstore/audit_log.h"
#include "padstore/cli_failure.h"
#include "padstore/cli_progress.h"
#include "padstore/fsck.h"
#include "padstore/legacy_import.h"
#include "padstore/lifecycle_commands.h"
#include "padstore/mark_mirror.h"
#include "padstore/store.h"

namespace otc::padstore {
namespace {

protocol::PadLeft PadLeftOf(const ContactState& i) {
  return protocol::EstimatePadLeft(i.meta.format, i.own_left, i.own_capacity);
}

nlohmann::json InfoJson(const ContactState& i) {
  return {
      {"peer", i.meta.peer},
      {"generation", i.meta.generation},
      {"pad_size", i.meta.pad_size},
      {"split", i.meta.split},
      {"direction", std::string(DirectionName(i.meta.direction))},
      {"protocol", std::string(FormatName(i.meta.format))},
      {"pad_id", HexEncode(i.meta.pad_id)},
      {"imported_legacy", (i.meta.flags & ContactMeta::kImportedLegacy) != 0},
      {"created", FormatUtc(i.meta.created_unix)},
      {"own_half", i.own_half},
      {"own_capacity", i.own_capacity},
      {"split_given", i.split_given},
      {"split_received", i.split_received},
      {"peer_capacity", i.peer_capacity},
      {"own_used", i.own_used},
      {"own_left", i.own_left},
      {"decrypted", i.decrypted},
      {"peer_skipped", i.peer_skipped},
      {"burned", i.burned},
      {"messages_left", PadLeftOf(i).messages},
      {"last_activity", i.last_activity ? nlohmann::json(FormatUtc(i.last_activity)) : nullptr},
      {"journal_bytes", i.journal_bytes},
      {"needs_recovery", i.needs_recovery},
  };
}

void PrintInfo(const ContactState& i, bool name_generation = false) {
  const std::string who =
      i.meta.peer +
      (name_generation ? " generation " + std::to_string(i.meta.generation) : std::string());
  std::printf("%s: %s pad %s (id %s), direction %s, split %llu%s\n", who.c_str(),
              std::string(FormatName(i.meta.format)).c_str(),
              FormatByteSize(i.meta.pad_size).c_str(),
              HexEncode(i.meta.pad_id).substr(0, 16).c_str(),
              std::string(DirectionName(i.meta.direction)).c_str(),
              static_cast<unsigned long long>(i.meta.split),
              (i.meta.flags & ContactMeta::kImportedLegacy) ? ", imported from 2015" : "");
  std::printf("  %s; used %s\n", protocol::FormatPadLeft(PadLeftOf(i)).c_str(),
              protocol::FormatPadBytes(i.own_used).c_str());
  std::printf("  decrypted %s, skipped (never seen) %s, burned %s, last activity %s\n",
              protocol::FormatPadBytes(i.decrypted).c_str(),
              protocol::FormatPadBytes(i.peer_skipped).c_str(),
              protocol::FormatPadBytes(i.burned).c_str(),
              i.last_activity ? FormatUtc(i.last_activity).c_str() : "never");
  if (i.split_given != 0 || i.split_received != 0) {
    std::printf("  split moved: gave %s, received %s (own %s of %s original)\n",
                protocol::FormatPadBytes(i.split_given).c_str(),
                protocol::FormatPadBytes(i.split_received).c_str(),
                protocol::FormatPadBytes(i.own_capacity).c_str(),
                protocol::FormatPadBytes(i.own_half).c_str());
  }
  if (i.needs_recovery) {
    std::printf(
        "  !! this store is a copy or was restored from one: packaging is refused until "
        "`padstore recover`\n");
  }
}

int Init(const std::string& store, const std::string& user) {
  Status s = Store::Init(store, user);
  if (!s.ok()) return Fail(s, false);
  std::printf("store %s is ready for %s\n", store.c_str(), user.c_str());
  return 0;
}

struct AddArgs {
  std::string store, peer, pad, manifest, direction, protocol = "otc2", split;
  bool link = false, json = false;
};

int Add(const AddArgs& a) {
  Result<std::unique_ptr<Store>> store = Store::Open(a.store);
  if (!store.ok()) return Fail(store.status(), a.json);
  ContactSpec spec;
  spec.peer = a.peer;
  spec.pad_path = a.pad;
  spec.manifest_path = a.manifest;
  Result<Direction> d = ParseDirection(a.direction);
  if (!d.ok()) return Fail(d.status(), a.json);
  spec.direction = *d;
  Result<Format> p = ParseFormat(a.protocol);
  if (!p.ok()) return Fail(p.status(), a.json);
  spec.format = *p;
  if (!a.split.empty()) {
    Result<uint64_t> split = ParseByteSize(a.split);
    if (!split.ok()) return Fail(split.status().WithContext("--split"), a.json);
    spec.split = *split;
  }
  spec.placement = a.link ? PadPlacement::kSymlink : PadPlacement::kMove;
  Result<ContactState> info = (*store)->AddContact(spec);
  if (!info.ok()) return Fail(info.status(), a.json);
  if (Status s = (*store)->Close(); !s.ok()) return Fail(s, a.json);
  if (a.json) {
    std::cout << InfoJson(*info).dump(2) << "\n";
  } else {
    PrintInfo(*info, /*name_generation=*/info->meta.generation != 0);
  }
  return 0;
}

int StatusCmd(const std::string& dir, const std::string& peer, bool json) {
  StoreOptions o;
  o.read_only = true;
  o.mark_mirror_dir = DefaultMarkMirrorDir();
  Result<std::unique_ptr<Store>> store = Store::Open(dir, o);
  if (!store.ok()) return Fail(store.status(), json);
  if (!peer.empty()) {
    const std::vector<std::string> peers = (*store)->Peers();
    if (std::find(peers.begin(), peers.end(), peer) == peers.end()) {
      return cli::ReportFailure("padstore",
                                {cli::kExitUnknownContact, "no contact '" + peer + "' in " + dir,
                                 "padstore status --store " + dir + " lists them"},
                                json);
    }
  }
  nlohmann::json out = {
      {"store", dir}, {"owner", (*store)->owner()}, {"contacts", nlohmann::json::array()}};
  int rc = 0;
  if (!json) std::printf("store %s (owner %s)\n", dir.c_str(), (*store)->owner().c_str());
  for (const std::string& name : (*store)->Peers()) {
    if (!peer.empty() && name != peer) continue;
    Result<ContactState> info = (*store)->Info(name);
    Result<std::vector<ContactState>> gens =
        info.ok() ? (*store)->Generations(name) : Result<std::vector<ContactState>>(info.status());
    if (info.ok() && !gens.ok()) info = gens.status();
    if (!info.ok()) {
      rc = 1;
      if (json) {
        out["contacts"].push_back({{"peer", name}, {"error", info.status().message()}});
      } else {
        std::printf("%s: unavailable: %s\n", name.c_str(), info.status().message().c_str());
      }
      continue;
    }
    // One pad: as before renewals existed. Several: each generation, then the total.
    if (json) {
      nlohmann::json c = InfoJson(*info);
      c["all_own_left"] = info->all_own_left;
      c["all_own_half"] = info->all_own_half;
      c["all_messages_left"] =
          protocol::EstimatePadLeft(info->meta.format, info->all_own_left, info->all_own_half)
              .messages;
      c["generations"] = nlohmann::json::array();
      for (const ContactState& g : *gens) c["generations"].push_back(InfoJson(g));
      out["contacts"].push_back(std::move(c));
    } else if (gens->size() == 1 && gens->front().meta.generation == 0) {
      PrintInfo(gens->front());
    } else {
      for (const ContactState& g : *gens) PrintInfo(g, /*name_generation=*/true);
      std::printf(
          "%s: %zu pad generations, new messages use generation %u; in all %s\n", name.c_str(),
          gens->size(), info->meta.generation,
          protocol::FormatPadLeft(
              protocol::EstimatePadLeft(info->meta.format, info->all_own_left, info->all_own_half))
              .c_str());
    }
  }
  if (json) std::cout << out.dump(2) << "\n";
  return rc;
}

int FsckCmd(const std::string& dir, bool repair, bool quick, bool read_only, bool json) {
  FsckOptions o;
  o.repair = repair;
  o.read_only = read_only;
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
                          {"notes", r.notes},
                          {"contacts", nlohmann::json::array()}};
    if (!r.operational_error.empty()) {
      out["error"] = std::string(cli::ExitCodeName(code));
      out["message"] = r.operational_error;
    }
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
    return cli::ReportFailure("padstore", {code, "fsck: " + r.operational_error, ""}, false);
  }
  for (const std::string& n : r.notes) std::printf("note: %s\n", n.c_str());
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
              code == cli::kExitOk        ? "clean"
              : code == cli::kExitDamaged ? "errors left"
                                          : "errors corrected",
              FormatByteSize(r.bytes_read).c_str(), r.seconds, mib_s,
              quick ? ", pad not read (--quick)" : "");
  return code;
}

int ImportCmd(const std::string& dir, const std::string& peer, const std::string& store_file,
              const std::string& metadata_file, bool json) {
  Result<std::unique_ptr<Store>> store = Store::Open(dir);
  if (!store.ok()) return Fail(store.status(), json);
  LegacyImportOptions o;
  o.peer = peer;
  o.store_file = store_file;
  o.metadata_file = metadata_file;
  ProgressBar bar("import");
  o.progress = [&](uint64_t done, uint64_t total) { bar.Update(done, total); };
  Result<LegacyImportResult> r = ImportLegacy(**store, o);
  bar.Finish();
  if (!r.ok()) return Fail(r.status(), json);
  if (Status s = (*store)->Close(); !s.ok()) return Fail(s, json);
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

std::string Footer() {
  return "The store directory may also be given as $OTC_STORE. status and fsck --read-only\n"
         "work beside a running otc-device. Reservation marks are mirrored in $OTC_MARK_MIRROR\n"
         "(default ~/.local/state/otc/marks; see recover).\n\n" +
         cli::ExitCodeTable(
             {{cli::kExitOk},
              {cli::kExitFailed},
              {cli::kExitUsage},
              {cli::kExitUnknownContact, "status --peer or retire --contact names no contact"},
              {cli::kExitDenied, "retire was not confirmed (or has no terminal and no --yes)"},
              {cli::kExitInUse,
               "a running otc-device holds the store: stop it "
               "for add, import-legacy, fsck, recover and retire"},
              {cli::kExitDamaged, "fsck found errors it left uncorrected"},
              {cli::kExitRepaired, "fsck --repair corrected every error"}});
}

void AddStoreOption(CLI::App* cmd, std::string& store) {
  cmd->add_option("--store", store, "store directory")
      ->envname("OTC_STORE")
      ->type_name("DIR")
      ->required();
}

// The options of every subcommand, where the command line parser puts them. Some are shared
// (--peer, --json) because only one subcommand runs.
struct CommandLine {
  std::string store;
  std::string user;
  AddArgs add_args;
  std::string peer;
  bool json = false, repair = false, quick = false;
  bool read_only = false;
  std::string store_file, metadata_file;
  RecoverOptions recover_options;
  std::string margin;
  std::string move_to;
  RetireArgs retire_args;
  CLI::App* init = nullptr;
  CLI::App* add = nullptr;
  CLI::App* status = nullptr;
  CLI::App* fsck = nullptr;
  CLI::App* import = nullptr;
  CLI::App* recover = nullptr;
  CLI::App* move = nullptr;
  CLI::App* retire = nullptr;
};

void AddInitCommand(CLI::App& app, CommandLine& c) {
  c.init = app.add_subcommand("init", "create a store for a user (idempotent for the same user)");
  AddStoreOption(c.init, c.store);
  c.init->add_option("--user", c.user, "the owner's uid ([a-z0-9_.-], 1-64 chars)")->required();
}

void AddAddCommand(CLI::App& app, CommandLine& c) {
  c.add = app.add_subcommand(
      "add",
      "register a contact's pad, or a new pad generation of an existing contact (padgen "
      "normally does this)");
  AddStoreOption(c.add, c.store);
  c.add->add_option("--peer", c.add_args.peer, "the contact's uid")->required();
  c.add->add_option("--pad", c.add_args.pad, "the pad file (moved into the store unless --link)")
      ->required();
  c.add->add_option("--manifest", c.add_args.manifest, "its complete manifest (copied)")
      ->required();
  c.add
      ->add_option("--direction", c.add_args.direction,
                   "your direction: +1 (from index 0 up) or -1 (from the top down)")
      ->required();
  c.add->add_option("--protocol", c.add_args.protocol, "otc1 or otc2")->capture_default_str();
  c.add->add_option("--split", c.add_args.split, "split index (default: half the pad), e.g. 512M");
  c.add->add_flag("--link", c.add_args.link,
                  "leave the pad where it is (removable drive, block device) and link to it");
  c.add->add_flag("--json", c.add_args.json, "print the contact as JSON");
}

void AddStatusCommand(CLI::App& app, CommandLine& c) {
  c.status = app.add_subcommand(
      "status",
      "per contact: pad size, pad and messages left, used, decrypted, burned (works beside a "
      "running device: pad it has reserved ahead, up to 1M, counts as used)");
  AddStoreOption(c.status, c.store);
  c.status->add_option("--peer", c.peer, "only this contact");
  c.status->add_flag("--json", c.json, "machine-readable output");
}

void AddFsckCommand(CLI::App& app, CommandLine& c) {
  c.fsck = app.add_subcommand("fsck", "check a store (journal, meta, manifest, pad)");
  AddStoreOption(c.fsck, c.store);
  c.fsck->add_flag("--repair", c.repair,
                   "truncate a torn journal tail; rewrite a damaged meta from the journal");
  c.fsck->add_flag("--quick", c.quick, "do not read the pad (metadata and journal only)");
  c.fsck
      ->add_flag("--read-only", c.read_only,
                 "take no lock: check beside a running device (what changes while it is "
                 "read is noted, not judged)")
      ->excludes("--repair");
  c.fsck->add_flag("--json", c.json, "machine-readable output");
}

void AddImportCommand(CLI::App& app, CommandLine& c) {
  c.import = app.add_subcommand("import-legacy", "import a 2015 one-time-chat pad (otc1)");
  AddStoreOption(c.import, c.store);
  c.import->add_option("--peer", c.peer, "the contact's uid (must match the metadata's rid)")
      ->required();
  c.import->add_option("STOREFILE", c.store_file, "UID.RID.random.store")
      ->required()
      ->check(CLI::ExistingFile);
  c.import->add_option("METADATAFILE", c.metadata_file, "UID.RID.random.metadata")
      ->required()
      ->check(CLI::ExistingFile);
  c.import->add_flag("--json", c.json, "print the contact as JSON");
}

void AddRecoverCommand(CLI::App& app, CommandLine& c) {
  c.recover = app.add_subcommand(
      "recover", "after a copy or restore: skip past pad the original may have used");
  AddStoreOption(c.recover, c.store);
  c.recover->add_option("--peer", c.recover_options.peer, "only this contact");
  c.recover->add_option(
      "--margin", c.margin,
      "own pad to skip past the last mark (default: 1% of the half, at least 1M)");
  c.recover->add_flag("--force", c.recover_options.force,
                      "also skip ahead for contacts not detected as copied (a block-level "
                      "restore that copy detection cannot see)");
  c.recover->add_flag("--json", c.json, "machine-readable output");
}

void AddMoveCommand(CLI::App& app, CommandLine& c) {
  c.move = app.add_subcommand("move", "move a store to another directory or drive (not a copy)");
  AddStoreOption(c.move, c.store);
  c.move->add_option("--to", c.move_to, "the new store directory (must not exist)")->required();
}

void AddRetireCommand(CLI::App& app, CommandLine& c) {
  c.retire = app.add_subcommand(
      "retire",
      "destroy and remove an old pad generation of a contact (after a renewal with padgen); "
      "asks for confirmation");
  AddStoreOption(c.retire, c.store);
  c.retire->add_option("--contact", c.retire_args.peer, "the contact's uid")->required();
  c.retire->add_option("--generation", c.retire_args.generation,
                       "which generation (default: the oldest); the newest cannot be retired");
  c.retire->add_flag("--yes", c.retire_args.yes,
                     "do not ask (needed when standard input is not a terminal)");
  c.retire->add_flag("--json", c.retire_args.json, "machine-readable output");
}

// Runs the one subcommand the command line chose.
int RunSubcommand(CommandLine& c) {
  if (*c.init) return Init(c.store, c.user);
  if (*c.add) {
    c.add_args.store = c.store;
    return Add(c.add_args);
  }
  if (*c.status) return StatusCmd(c.store, c.peer, c.json);
  if (*c.fsck) return FsckCmd(c.store, c.repair, c.quick, c.read_only, c.json);
  if (*c.recover) {
    if (!c.margin.empty()) {
      Result<uint64_t> m = ParseByteSize(c.margin);
      if (!m.ok()) return Fail(m.status(), false);
      c.recover_options.margin = *m;
    }
    return RecoverCmd(c.store, c.recover_options, c.json);
  }
  if (*c.move) return MoveCmd(c.store, c.move_to);
  if (*c.retire) {
    c.retire_args.store = c.store;
    return RetireCmd(c.retire_args);
  }
  if (*c.import) return ImportCmd(c.store, c.peer, c.store_file, c.metadata_file, c.json);
  return cli::kExitUsage;
}

}  // namespace
}  // namespace otc::padstore

int main(int argc, char** argv) {
  using namespace otc::padstore;
  namespace cli = otc::cli;
  CLI::App app{
      "padstore: journaled one-time pad storage (one store per user, one entry per contact)"};
  cli::ConfigureApp(app, "padstore", Footer());
  app.require_subcommand(1);
  // Subcommands in the order --help lists them.
  CommandLine c;
  AddInitCommand(app, c);
  AddAddCommand(app, c);
  AddStatusCommand(app, c);
  AddFsckCommand(app, c);
  AddImportCommand(app, c);
  AddRecoverCommand(app, c);
  AddMoveCommand(app, c);
  AddRetireCommand(app, c);

  if (std::optional<int> done = cli::ParseCommandLine(app, argc, argv)) return *done;
  return RunSubcommand(c);
}
