#include "padgen/mix_transform.h"

#include <cstring>
#include <optional>

#include "common/secret_buffer.h"

namespace otc::padgen {

Status MixTransform::Apply(uint64_t, std::span<const uint8_t> in, std::span<uint8_t> out) {
  if (in.size() != out.size()) {
    return Status::Internal("mix transform got " + std::to_string(in.size()) + " input bytes for " +
                            std::to_string(out.size()) + " output bytes");
  }
  std::unique_ptr<GetrandomMixer> mixer;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      mixer = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (!mixer) mixer = std::make_unique<GetrandomMixer>();
  if (in.data() != out.data()) std::memcpy(out.data(), in.data(), in.size());
  Status s = mixer->Mix(out);
  if (!s.ok()) Wipe(out);  // partially mixed: never let it look like pad
  std::lock_guard<std::mutex> lock(mu_);
  idle_.push_back(std::move(mixer));
  return s;
}

Status MixTransform::Restore(const std::vector<ExtensionEntry>& entries) {
  if (!FindExtensionEntry(entries, kTagGetrandomMix)) {
    return Status::InvalidArgument(
        "this pad was generated without --mix (its manifest does not record mixing); resume it "
        "without --mix");
  }
  return Status::Ok();
}

uint64_t MixTransform::bytes_mixed() const {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t total = 0;
  for (const auto& m : idle_) total += m->bytes_mixed();
  return total;
}

}  // namespace otc::padgen
