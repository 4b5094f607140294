#include "chat/device/cursor_store.h"

#include <nlohmann/json.hpp>

#include "chat/rpc/device_rpc.h"
#include "common/encoding.h"

namespace otc::device {

Result<std::unique_ptr<CursorStore>> CursorStore::Open(Env* env, const std::string& store_dir) {
  std::unique_ptr<CursorStore> store(new CursorStore(env, FileName(store_dir)));
  if (!env->FileExists(store->path_)) return store;
  auto text = ReadFileToString(*env, store->path_);
  if (!text.ok()) return text.status();
  auto doc = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || doc.value("version", 0) != 1 ||
      !doc.contains("cursors") || !doc["cursors"].is_object()) {
    return Status::Corruption(store->path_ + " is not a valid cursor file; move it away to reset");
  }
  for (const auto& item : doc["cursors"].items()) {
    if (!item.value().is_number_unsigned() || !rpc::ValidateRelayKey(item.key()).ok()) {
      return Status::Corruption(store->path_ + " holds an invalid cursor; move it away to reset");
    }
    store->cursors_[item.key()] = item.value().get<uint64_t>();
  }
  return store;
}

uint64_t CursorStore::Get(const std::string& relay) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = cursors_.find(relay);
  return it == cursors_.end() ? 0 : it->second;
}

Status CursorStore::Put(const std::string& relay, uint64_t cursor) {
  std::lock_guard<std::mutex> lock(mu_);
  if (failed_) return Status::Failed(path_ + ": an earlier write failed; restart the device");
  if (!cursors_.contains(relay) && cursors_.size() >= kMaxRelays) {
    return Status::TooLarge("the device keeps cursors for at most " + std::to_string(kMaxRelays) +
                            " relays");
  }
  auto next = cursors_;
  next[relay] = cursor;
  nlohmann::json doc = {{"version", 1}, {"cursors", next}};
  std::string text = doc.dump();
  Status s = WriteFileAtomically(*env_, path_, AsBytes(text), 0600);
  if (!s.ok()) {
    failed_ = true;
    return s;
  }
  cursors_ = std::move(next);
  return Status::Ok();
}

}  // namespace otc::device
