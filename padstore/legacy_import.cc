#include "padstore/legacy_import.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "common/encoding.h"
#include "padstore/manifest.h"
#include "padstore/store_paths.h"
#include "padstore/uid.h"

namespace otc::padstore {
namespace {

constexpr size_t kCopyBlock = size_t{1} << 20;

Status Bad(const std::string& file, const std::string& why) {
  return Status::InvalidArgument("2015 metadata " + file + ": " + why);
}

bool ParseU64(std::string_view s, uint64_t* v) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && p == s.data() + s.size();
}

// The fields of a 2015 metadata file, before they are checked against each other and the store.
struct LegacyMetadata {
  std::string uid, rid, log;
  int64_t n_bytes = 0, split = 0, direction_value = 0, encrypt_index = 0;
};

Result<LegacyMetadata> ReadLegacyMetadata(Env& env, const std::string& mfile) {
  Result<std::string> text = ReadFileToString(env, mfile);
  if (!text.ok()) return text.status().WithContext("reading the 2015 metadata");
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Bad(mfile, "is not a JSON object");
  auto get_string = [&](const char* key, std::string* out) -> Status {
    if (!j.contains(key) || !j[key].is_string())
      return Bad(mfile, std::string("no string field ") + key);
    *out = j[key].get<std::string>();
    return Status::Ok();
  };
  auto get_int = [&](const char* key, int64_t* out) -> Status {
    if (!j.contains(key) || !j[key].is_number_integer()) {
      return Bad(mfile, std::string("no integer field ") + key);
    }
    *out = j[key].get<int64_t>();
    return Status::Ok();
  };
  LegacyMetadata m;
  for (Status s :
       {get_string("uid", &m.uid), get_string("rid", &m.rid), get_int("n_bytes", &m.n_bytes),
        get_int("split_index", &m.split), get_int("direction", &m.direction_value),
        get_int("encrypt_index", &m.encrypt_index)}) {
    if (!s.ok()) return s;
  }
  if (j.contains("decrypt_log") && j["decrypt_log"].is_string()) {
    m.log = j["decrypt_log"].get<std::string>();
  } else if (j.contains("decrypt_indexes") && j["decrypt_indexes"].is_string()) {
    m.log = j["decrypt_indexes"].get<std::string>();  // the earliest 2015 files
  } else {
    return Bad(mfile, "no string field decrypt_log");
  }
  return m;
}

// Copies the 2015 store file to the contact's pad file and writes its manifest, computed on the
// way; both are durable before the contact is registered.
Status CopyPadIntoPlace(Env& env, const LegacyImportOptions& options, const StorePaths& paths,
                        const std::string& rid, uint64_t n) {
  Result<std::unique_ptr<File>> src = env.OpenFile(options.store_file, {});
  if (!src.ok()) return src.status().WithContext("opening the 2015 store file");
  Result<uint64_t> size = (*src)->Size();
  if (!size.ok()) return size.status();
  if (*size != n) {
    return Status::InvalidArgument("2015 store file " + options.store_file + " has " +
                                   std::to_string(*size) + " bytes but its metadata says n_bytes " +
                                   std::to_string(n));
  }
  if (Status s = env.CreateDir(paths.ContactDir(rid), 0700); !s.ok()) return s;
  Manifest manifest;
  manifest.pad_size = n;
  manifest.chunk_size = options.chunk_size;
  {
    Result<std::unique_ptr<File>> dst = env.OpenFile(
        paths.Pad(rid), {.write = true, .create = true, .truncate = true, .mode = 0600});
    if (!dst.ok()) return dst.status();
    SecretBuffer chunk(static_cast<size_t>(std::min<uint64_t>(options.chunk_size, n)));
    for (uint64_t at = 0; at < n; at += options.chunk_size) {
      const size_t len = static_cast<size_t>(std::min<uint64_t>(options.chunk_size, n - at));
      for (size_t done = 0; done < len;) {
        size_t piece = std::min(kCopyBlock, len - done);
        std::span<uint8_t> buf = chunk.span().subspan(done, piece);
        if (Status s = ReadFully(**src, at + done, buf); !s.ok()) return s;
        if (Status s = WriteFully(**dst, at + done, buf); !s.ok()) return s;
        done += piece;
      }
      manifest.chunks.push_back(ChunkDigest(chunk.span().first(len)));
      if (options.progress) options.progress(at + len, n);
    }
    if (Status s = (*dst)->Sync(); !s.ok()) return s;
  }
  return WriteFileAtomically(env, paths.Manifest(rid), SerializeManifest(manifest));
}

}  // namespace

Result<std::vector<IndexRange>> ParseLegacyDecryptLog(std::string_view log, Direction direction) {
  std::vector<IndexRange> ranges;
  while (!log.empty()) {
    size_t comma = log.find(',');
    if (comma == std::string_view::npos) {
      return Status::InvalidArgument("decrypt_log does not end with ',': \"" + std::string(log) +
                                     "\"");
    }
    std::string_view entry = log.substr(0, comma);
    log.remove_prefix(comma + 1);
    size_t dash = entry.find('-');
    uint64_t i, j;
    if (dash == std::string_view::npos || !ParseU64(entry.substr(0, dash), &i) ||
        !ParseU64(entry.substr(dash + 1), &j)) {
      return Status::InvalidArgument("decrypt_log entry \"" + std::string(entry) +
                                     "\" is not of the form i-j");
    }
    if (i == j) continue;  // an empty package
    if (direction == Direction::kUp) {
      // The peer sends downward: pad[i:j:-1] is i, i-1, ..., j+1.
      if (i < j) {
        return Status::InvalidArgument("decrypt_log entry \"" + std::string(entry) +
                                       "\" runs upward, but the peer of a direction 1 owner "
                                       "sends downward");
      }
      ranges.push_back({j + 1, i + 1});
    } else {
      if (i > j) {
        return Status::InvalidArgument("decrypt_log entry \"" + std::string(entry) +
                                       "\" runs downward, but the peer of a direction -1 owner "
                                       "sends upward");
      }
      ranges.push_back({i, j});
    }
  }
  return ranges;
}

Result<LegacyImportResult> ImportLegacy(Store& store, const LegacyImportOptions& options) {
  Env& env = store.env();
  const std::string& mfile = options.metadata_file;
  Result<LegacyMetadata> metadata = ReadLegacyMetadata(env, mfile);
  if (!metadata.ok()) return metadata.status();
  const std::string& uid = metadata->uid;
  const std::string& rid = metadata->rid;
  const std::string& log = metadata->log;
  const int64_t n_bytes = metadata->n_bytes, split = metadata->split;
  const int64_t direction_value = metadata->direction_value;
  const int64_t encrypt_index = metadata->encrypt_index;
  if (Status s = ValidateUid(uid, "uid"); !s.ok()) return Bad(mfile, s.message());
  if (Status s = ValidateUid(rid, "rid"); !s.ok()) return Bad(mfile, s.message());
  if (uid != store.owner()) {
    return Bad(mfile, "belongs to " + uid + " but this store belongs to " + store.owner() +
                          "; import it into " + uid + "'s store");
  }
  if (!options.peer.empty() && options.peer != rid) {
    return Bad(mfile, "is for contact " + rid + ", not " + options.peer);
  }
  if (n_bytes < 2 || split <= 0 || split >= n_bytes) {
    return Bad(mfile, "n_bytes " + std::to_string(n_bytes) + " and split_index " +
                          std::to_string(split) + " do not describe two halves");
  }
  if (direction_value != 1 && direction_value != -1) {
    return Bad(mfile, "direction must be 1 or -1, not " + std::to_string(direction_value));
  }
  const uint64_t n = static_cast<uint64_t>(n_bytes);
  const Direction direction = direction_value == 1 ? Direction::kUp : Direction::kDown;
  const PadLayout layout(n, static_cast<uint64_t>(split), direction);
  uint64_t own_used;
  if (direction == Direction::kUp) {
    if (encrypt_index < 0 || static_cast<uint64_t>(encrypt_index) > layout.split()) {
      return Bad(mfile, "encrypt_index " + std::to_string(encrypt_index) +
                            " lies outside the owner's half [0, " + std::to_string(split) + "]");
    }
    own_used = static_cast<uint64_t>(encrypt_index);
  } else {
    if (encrypt_index < split - 1 || encrypt_index >= n_bytes) {
      return Bad(mfile, "encrypt_index " + std::to_string(encrypt_index) +
                            " lies outside the owner's half [" + std::to_string(split - 1) + ", " +
                            std::to_string(n_bytes - 1) + "]");
    }
    own_used = n - 1 - static_cast<uint64_t>(encrypt_index);
  }
  Result<std::vector<IndexRange>> decrypted = ParseLegacyDecryptLog(log, direction);
  if (!decrypted.ok()) return Bad(mfile, decrypted.status().message());
  for (const IndexRange& r : *decrypted) {
    if (!layout.PeerHalf().Contains(r)) {
      return Bad(mfile, "decrypt_log range " + ToString(r) + " is not inside " + rid + "'s half " +
                            ToString(layout.PeerHalf()));
    }
  }

  const StorePaths paths(store.dir());
  if (env.FileExists(paths.Meta(rid))) {
    return Status::AlreadyExists("contact " + rid + " already exists in store " + store.dir());
  }
  if (env.FileExists(paths.Journal(rid))) {
    return Status::AlreadyExists("contact " + rid +
                                 " has a journal but no meta (an unfinished registration); run "
                                 "padstore fsck --repair first");
  }
  if (Status s = CopyPadIntoPlace(env, options, paths, rid, n); !s.ok()) return s;
  ContactSpec spec;
  spec.peer = rid;
  spec.pad_path = paths.Pad(rid);
  spec.manifest_path = paths.Manifest(rid);
  spec.direction = direction;
  spec.format = Format::kOtc1;
  spec.split = layout.split();
  spec.flags = ContactMeta::kImportedLegacy;
  spec.initial_own_used = own_used;
  spec.initial_decrypted = *decrypted;
  Result<ContactState> info = store.AddContact(spec);
  if (!info.ok()) return info.status();
  LegacyImportResult result;
  result.info = *info;
  result.notes.push_back(
      "the 2015 metadata checksum is CPython 2 hash() of its fields, which cannot be "
      "recomputed portably: it was not checked");
  result.notes.push_back("imported " + std::to_string(own_used) + " used own bytes and " +
                         std::to_string(decrypted->size()) +
                         " decrypted ranges as used; they are burned in the store's copy");
  result.notes.push_back("the original files " + options.store_file + " and " + mfile +
                         " still hold the pad: destroy them (e.g. shred -u) once the import "
                         "is verified");
  return result;
}

}  // namespace otc::padstore
