// DeviceService, moving the split: the split fields of outgoing envelopes, what an
// incoming package's split fields do, and the control packages that announce a grant.
// Policy: split_policy.h; the ledger and why no pad byte is used twice:
// padstore/split_grants.h; the fields: chat/protocol/envelope.h.
#include <chrono>

#include "chat/device/device_service.h"
#include "chat/device/split_policy.h"

namespace otc::device {

void DeviceService::AddSplitFields(const padstore::ContactState& state,
                                   protocol::Envelope* envelope) {
  if (state.split_given > 0) envelope->given = state.split_given;
  if (state.split_received > 0) envelope->received = state.split_received;
  if (uint64_t request = SplitPolicy::RequestTotal(state); request > 0) envelope->request = request;
}

std::optional<padstore::ContactState> DeviceService::GenerationState(std::string_view peer,
                                                                     uint32_t generation) const {
  auto all = store_->Generations(peer);
  if (!all.ok()) return std::nullopt;
  for (const padstore::ContactState& g : *all) {
    if (g.meta.generation == generation) return g;
  }
  return std::nullopt;
}

void DeviceService::FillEnvelopeFor(std::string_view peer, uint32_t generation,
                                    protocol::Envelope* envelope) const {
  // The sizes (which fields are present) were fixed when the pad cost was worked out;
  // only the values follow the generation the reservation really used.
  const std::optional<padstore::ContactState> state = GenerationState(peer, generation);
  envelope->witness = state ? state->peer_frontier : 0;
  if (envelope->given) envelope->given = state ? state->split_given : 0;
  if (envelope->received) envelope->received = state ? state->split_received : 0;
  if (envelope->request) {
    envelope->request =
        state ? std::max(SplitPolicy::RequestTotal(*state), state->split_received) : 0;
  }
}

void DeviceService::HeedSplit(std::string_view from, uint32_t generation,
                              const protocol::Envelope& envelope) {
  const std::string who = "peer=" + std::string(from) + " generation=" + std::to_string(generation);
  if (envelope.received) {
    // The peer has heard us give more than our ledger says: it was rolled back.
    auto raised = store_->HeedGrantWitness(from, generation, *envelope.received);
    if (!raised.ok()) {
      Audit("SPLIT_REFUSED", who + " received=" + std::to_string(*envelope.received) + ": " +
                                 raised.status().ToString());
    } else if (*raised) {
      Audit("ROLLBACK", who + " received=" + std::to_string(*envelope.received) +
                            ": the peer has heard this store grant more pad than its ledger "
                            "records (restored from an older copy); the ledger now says so");
    }
  }
  if (envelope.given) {
    auto grew = store_->ReceiveGrant(from, generation, *envelope.given);
    if (!grew.ok()) {
      Audit("SPLIT_REFUSED",
            who + " given=" + std::to_string(*envelope.given) + ": " + grew.status().ToString());
    } else if (*grew) {
      Audit("SPLIT_RECEIVED", who + " given=" + std::to_string(*envelope.given) +
                                  ": the peer granted this side more of the pad");
    }
  }
}

uint64_t DeviceService::ControlPackageCost() const {
  protocol::Envelope full{0, 0, 0, 0, 0, true};
  protocol::Options options = protocol_options_;
  options.hide_length = options_.hide_length;
  options.envelope = full;
  auto cost = protocol::PadCost(protocol::Format::kOtc2, 0, options);
  return cost.ok() ? *cost : 128;
}

void DeviceService::AnswerRequest(std::string_view from, uint32_t generation,
                                  const protocol::Envelope& envelope, UnpackageResult* result) {
  if (!envelope.request) return;
  const std::string peer(from);
  std::lock_guard<std::mutex> lock(split_mu_);
  auto info = store_->Info(from);
  // Only the pad new messages use is worth moving.
  if (!info.ok() || info->meta.generation != generation ||
      info->meta.format != protocol::Format::kOtc2) {
    return;
  }
  const uint64_t keep = SplitPolicy::kKeepControlPackages * ControlPackageCost();
  const uint64_t amount = SplitPolicy::GrantAmount(*info, *envelope.request, keep);
  const auto now = std::chrono::steady_clock::now();
  bool announce = false;
  if (amount > 0) {
    auto given = store_->Grant(from, generation, amount, keep);
    if (!given.ok()) {
      Audit("SPLIT_REFUSED", "peer=" + peer + " amount=" + std::to_string(amount) + ": " +
                                 given.status().ToString());
      return;
    }
    Audit("SPLIT_GRANT", "peer=" + peer + " generation=" + std::to_string(generation) +
                             " amount=" + std::to_string(amount) +
                             " given=" + std::to_string(*given) + ": asked for more pad");
    announce = true;
  } else if (envelope.received.value_or(0) < info->split_given) {
    // It asks again without having heard our last grant: the announcement was lost.
    auto last = announced_.find(peer);
    announce = last == announced_.end() || now - last->second >= options_.split_reannounce;
  }
  if (!announce) return;
  auto package = MakeControlPackage(from);
  if (!package.ok()) {
    Audit("SPLIT_REFUSED", "peer=" + peer + ": no control package: " + package.status().ToString());
    return;
  }
  announced_[peer] = now;
  result->reply_package = std::move(*package);
}

Result<std::vector<uint8_t>> DeviceService::MakeControlPackage(std::string_view to) {
  auto info = store_->Info(to);
  if (!info.ok()) return info.status();
  protocol::Options options = protocol_options_;
  // With length hiding a control package is padded like a message, so the relay cannot
  // tell a grant from a short message by its size.
  options.hide_length = options_.hide_length;
  options.envelope = protocol::Envelope{options_.clock_ms(), info->peer_frontier};
  AddSplitFields(*info, &*options.envelope);
  options.envelope->given = info->split_given;  // the point of the package
  options.envelope->control = true;
  auto cost = protocol::PadCost(protocol::Format::kOtc2, 0, options);
  if (!cost.ok()) return cost.status();
  // No confirmation: a control package carries no text, only our ledger's totals.
  uint64_t index = 0;
  return Seal(to, protocol::Format::kOtc2, info->meta.direction, {}, *cost, options, &index);
}

}  // namespace otc::device
