#include "chat/device/device_service.h"

#include <algorithm>
#include <chrono>

#include "chat/protocol/otc2.h"
#include "chat/protocol/pad_left.h"
#include "chat/rpc/error_category.h"
#include "common/encoding.h"
#include "padstore/uid.h"

namespace otc::device {
namespace {

// What a client is told for each category when no more specific safe text is given.
std::string DefaultClientMessage(rpc::ErrorCategory category, std::string_view peer) {
  switch (category) {
    case rpc::ErrorCategory::kBadRequest:
      return "malformed request";
    case rpc::ErrorCategory::kUnknownContact:
      return "unknown contact " + std::string(peer);
    case rpc::ErrorCategory::kPadExhausted:
      return "not enough pad left for " + std::string(peer);
    case rpc::ErrorCategory::kDenied:
      return "the device's user did not approve the request";
    case rpc::ErrorCategory::kReplay:
      return "this package's pad was already decrypted: a replayed or duplicated message";
    case rpc::ErrorCategory::kIntegrity:
      return "the package failed its integrity check: it was altered or forged";
    case rpc::ErrorCategory::kTooLarge:
      return "over the size limit";
    case rpc::ErrorCategory::kUnauthorized:
      return "missing or wrong bearer token";
    case rpc::ErrorCategory::kInternal:
      return "internal error on the device (details are in its audit log)";
  }
  return "internal error on the device";
}

// Message bytes a package carries at most (shown in the confirmation prompt). An otc2
// envelope is counted at the size this device sends (the true size is known only after
// decrypting), so the owner sees the length of the text as typed.
uint64_t CarriedBytes(const protocol::PackageHeader& header, size_t package_size) {
  const size_t overhead = header.format == protocol::Format::kOtc1 ? 38 : 30;
  uint64_t body = package_size > overhead ? package_size - overhead : 0;
  if (header.has_envelope) body -= std::min<uint64_t>(body, protocol::kStandardEnvelopeSize);
  return body;
}

int64_t SystemClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

rpc::PackageReply ToReply(const PackageResult& result) {
  rpc::PackageReply reply;
  reply.package_b64 = Base64Encode(result.package);
  reply.index = result.index;
  reply.pad_left = result.pad_left;
  reply.pad_total = result.pad_total;
  reply.pad_low = result.pad_low;
  reply.messages_left = result.messages_left;
  return reply;
}

rpc::UnpackageReply ReplyFacts(const UnpackageResult& result) {
  rpc::UnpackageReply facts;
  facts.index = result.index;
  facts.skipped = result.skipped > 0;
  facts.late = result.late;
  facts.already_read = result.already_read;
  facts.sent_ms = result.sent_ms;
  facts.rollback = result.rollback;
  facts.control = result.control;
  if (!result.reply_package.empty()) facts.reply_package_b64 = Base64Encode(result.reply_package);
  return facts;
}

Result<std::unique_ptr<DeviceService>> DeviceService::Open(const std::string& store_dir,
                                                           DeviceOptions options) {
  if (options.confirm.MayPrompt() && options.prompter == nullptr) {
    return Status::InvalidArgument("--confirm " + options.confirm.ToString() +
                                   " needs a terminal to prompt on");
  }
  if (options.max_message == 0 || options.max_message > protocol::kMaxMessageSizeLimit) {
    return Status::InvalidArgument("the message size limit must be between 1 byte and 1G");
  }
  if (options.store.env == nullptr) options.store.env = Env::Default();
  if (!options.clock_ms) options.clock_ms = SystemClockMs;
  auto store = padstore::Store::Open(store_dir, options.store);
  if (!store.ok()) return store.status();
  auto audit = DeviceAudit::Open(options.store.env, store_dir);
  if (!audit.ok()) return audit.status();
  auto cursors = CursorStore::Open(options.store.env, store_dir);
  if (!cursors.ok()) return cursors.status();
  return std::unique_ptr<DeviceService>(new DeviceService(std::move(options), std::move(*store),
                                                          std::move(*audit), std::move(*cursors)));
}

DeviceService::DeviceService(DeviceOptions options, std::unique_ptr<padstore::Store> store,
                             std::unique_ptr<DeviceAudit> audit,
                             std::unique_ptr<CursorStore> cursors)
    : options_(std::move(options)),
      confirmer_(options_.confirm, options_.prompter),
      store_(std::move(store)),
      audit_(std::move(audit)),
      cursors_(std::move(cursors)) {
  protocol_options_.max_message_size = options_.max_message;
  protocol_options_.hide_length = false;
  limits_.max_message = options_.max_message;
  // The largest package either format can carry for the limit (otc2 with a hidden length
  // is padded to its bucket; the sender's setting, not ours, decides).
  uint64_t otc1 =
      *protocol::PackageSize(protocol::Format::kOtc1, options_.max_message, protocol_options_);
  // An otc2 package may carry an envelope of up to kMaxEnvelopeSize bytes besides the text.
  uint64_t otc2 = protocol::otc2::kOverhead +
                  protocol::otc2::BodyLength(options_.max_message + protocol::kMaxEnvelopeSize,
                                             /*hidden=*/true);
  limits_.max_package = std::max(otc1, otc2);
}

DeviceService::~DeviceService() { Close().ok(); }

const std::string& DeviceService::owner() const { return store_->owner(); }

Status DeviceService::Close() {
  if (!store_ || abandoned_) return Status::Ok();
  return store_->Close();
}

void DeviceService::AbandonForTesting() {
  abandoned_ = true;
  if (store_) store_->AbandonForTesting();
}

void DeviceService::Audit(std::string_view event, std::string_view details) {
  audit_->Record(event, details).ok();
}

Status DeviceService::Refuse(std::string_view op, std::string_view peer, const Status& s) {
  const rpc::ErrorCategory category = rpc::CategoryFor(s.code());
  std::string details = "op=" + std::string(op) + " peer=" + DeviceAudit::Sanitize(peer);
  if (category == rpc::ErrorCategory::kInternal) {
    audit_->Record("INTERNAL", details + ": " + s.ToString()).ok();
  } else {
    audit_
        ->Record(
            category == rpc::ErrorCategory::kDenied ? "DENIED" : "REFUSED",
            details + " category=" + std::string(rpc::CategoryName(category)) + ": " + s.message())
        .ok();
  }
  std::string message;
  switch (category) {
    case rpc::ErrorCategory::kBadRequest:
    case rpc::ErrorCategory::kTooLarge:
    case rpc::ErrorCategory::kDenied:
      // Our own, chat/protocol's and the confirmer's messages name fields, sizes and
      // indices only.
      message = s.message();
      break;
    default:
      message = DefaultClientMessage(category, DeviceAudit::Sanitize(peer));
  }
  // Keep the code (it decides the category); kNotFound etc. stay what they are, but any
  // internal code becomes kInternal so nothing about the device's state leaks.
  return Status::Error(
      category == rpc::ErrorCategory::kInternal ? Status::Code::kInternal : s.code(), message);
}

void DeviceService::MaybeReportLowPad(const std::string& peer, const padstore::ContactState& info) {
  if (info.all_own_left * 100 >= info.all_own_half) return;
  std::lock_guard<std::mutex> lock(low_mu_);
  if (!low_reported_.insert(peer).second) return;
  audit_
      ->Record("PAD_LOW", "peer=" + peer + " own_left=" + std::to_string(info.all_own_left) +
                              " own_half=" + std::to_string(info.all_own_half) +
                              ": below 1% of the own half; make a new pad")
      .ok();
}

Result<PackageResult> DeviceService::Package(std::string_view to,
                                             std::span<const uint8_t> message) {
  constexpr std::string_view kOp = "package";
  if (Status s = padstore::ValidateUid(to, "contact"); !s.ok()) return Refuse(kOp, to, s);
  if (to == owner()) {
    return Refuse(kOp, to,
                  Status::InvalidArgument("the device's owner is not a contact of its own"));
  }
  auto info = store_->Info(to);
  if (!info.ok()) return Refuse(kOp, to, info.status());
  const std::string peer(to);
  const protocol::Format format = info->meta.format;
  protocol::Options options = protocol_options_;
  options.hide_length = options_.hide_length && format == protocol::Format::kOtc2;
  if (format == protocol::Format::kOtc2) {
    // Our clock, and how far we have decrypted the peer's stream: if the peer's store is
    // ever rolled back, this tells its device (envelope.h).
    options.envelope = protocol::Envelope{options_.clock_ms(), info->peer_frontier};
    AddSplitFields(*info, &*options.envelope);
  }
  auto cost = protocol::PadCost(format, message.size(), options);
  if (!cost.ok()) return Refuse(kOp, to, cost.status());
  // Every generation of the contact's pad counts; Reserve picks the newest that fits.
  if (*cost > info->all_own_left) {
    return Refuse(
        kOp, to,
        Status::Exhausted("not enough pad left for " + peer + ": " + std::to_string(*cost) +
                          " bytes needed, " + std::to_string(info->all_own_left) + " left"));
  }
  ConfirmRequest question{
      ConfirmRequest::Op::kEncrypt, owner(), to, message.size(), *cost, message};
  if (Status s = confirmer_.Confirm(question); !s.ok()) return Refuse(kOp, to, s);

  uint64_t index = 0;
  auto package = Seal(to, format, info->meta.direction, message, *cost, options, &index);
  if (!package.ok()) return Refuse(kOp, to, package.status());

  PackageResult result;
  result.package = std::move(*package);
  result.index = index;
  auto after = store_->Info(to);
  if (after.ok()) {
    result.pad_left = after->all_own_left;
    result.pad_total = after->all_own_half;
    result.pad_low = after->all_own_left * 100 < after->all_own_half;
    result.messages_left = protocol::EstimatePadLeft(format, after->all_own_left,
                                                     after->all_own_half, options.hide_length)
                               .messages;
    MaybeReportLowPad(peer, *after);
  }
  return result;
}

Result<std::vector<uint8_t>> DeviceService::Seal(std::string_view to, protocol::Format format,
                                                 protocol::Direction own_direction,
                                                 std::span<const uint8_t> message, uint64_t cost,
                                                 protocol::Options options, uint64_t* index) {
  auto reservation = store_->Reserve(to, cost);
  if (!reservation.ok()) return reservation.status();
  const padstore::OwnRange range = reservation->range;
  if (options.envelope) {
    // The witness and the split fields speak of the pad this package uses: Reserve may
    // have fallen back to an older generation than the one Info() described.
    FillEnvelopeFor(to, range.generation, &*options.envelope);
  }
  // The reservation's pad is in stream order: a forward stream from its first byte.
  protocol::MemoryPadStream stream(reservation->pad.span(), 0, protocol::Direction::kUp);
  // The package names the pad generation in its index's top bits (pad_vocabulary.h).
  *index = PackageIndex(range.generation, range.first_index);
  auto package = protocol::Package(format, message, *index, own_direction, stream, options);
  reservation->pad.Clear();
  // Used whether or not packaging worked: a reserved range is never handed out again.
  Status used = store_->MarkUsed(range);
  if (!package.ok()) return Status::Internal(package.status().ToString());
  if (!used.ok()) return used;
  return std::move(*package);
}

Result<UnpackageResult> DeviceService::Unpackage(std::string_view from,
                                                 std::span<const uint8_t> package) {
  constexpr std::string_view kOp = "unpackage";
  if (Status s = padstore::ValidateUid(from, "sender"); !s.ok()) return Refuse(kOp, from, s);
  if (from == owner()) {
    return Refuse(kOp, from,
                  Status::InvalidArgument(
                      "a package cannot come from the device's own owner; refused, no pad read"));
  }
  auto info = store_->Info(from);
  if (!info.ok()) return Refuse(kOp, from, info.status());
  const protocol::Format format = info->meta.format;
  const protocol::Direction sender_direction = Opposite(info->meta.direction);
  auto header = protocol::ParsePackageHeader(format, package, protocol_options_);
  if (!header.ok()) return Refuse(kOp, from, header.status());
  const RecentDecrypts::Digest digest = RecentDecrypts::DigestOf(package);
  auto already_read = [&] {
    UnpackageResult result;
    result.index = header->index;
    result.already_read = true;
    return result;
  };
  if (recent_.Contains(from, header->index, digest)) return already_read();
  // Range wholly inside the sender's half and not a replay; no pad is read yet.
  auto range = store_->BeginDecrypt(from, GenerationOfIndex(header->index),
                                    PadIndexOfIndex(header->index), header->pad_length);
  if (!range.ok()) {
    Status s = range.status();
    // Another client's request for the same package may be in flight: wait for it.
    if (s.code() == Status::Code::kReplay && recent_.WaitAndCheck(from, header->index, digest)) {
      return already_read();
    }
    if (s.code() == Status::Code::kInvalidArgument) {
      s = Status::InvalidArgument("the package's pad range is not inside " + std::string(from) +
                                  "'s half of the pad; refused, no pad read");
    }
    return Refuse(kOp, from, s);
  }
  recent_.Begin(from, header->index);
  struct InFlight {
    RecentDecrypts& recent;
    std::string_view peer;
    uint64_t index;
    ~InFlight() { recent.End(peer, index); }
  } in_flight{recent_, from, header->index};
  ConfirmRequest question{
      ConfirmRequest::Op::kDecrypt, owner(), from, CarriedBytes(*header, package.size()),
      header->pad_length,           {}};
  if (Status s = confirmer_.Confirm(question); !s.ok()) return Refuse(kOp, from, s);

  protocol::Envelope envelope;
  auto plaintext = OpenPackage(from, *header, package, sender_direction, *range, &envelope);
  if (!plaintext.ok()) return plaintext.status();
  UnpackageResult result;
  // Authentic (the tag verified): the peer's witness may be believed. Heeded before the
  // decrypt is recorded, so that a failure here leaves the package to be decrypted again
  // (and its witness heeded) after a restart, instead of a replay.
  if (Status s = HeedWitness(from, GenerationOfIndex(header->index), envelope, &result); !s.ok()) {
    return Refuse(kOp, from, s);
  }
  // The peer's grant, made durable before any of its pad is used, and its witness of ours.
  HeedSplit(from, GenerationOfIndex(header->index), envelope);
  // Persist the decrypt before the plaintext leaves this function.
  auto committed = store_->CommitDecrypt(*range);
  if (!committed.ok()) {
    if (committed.status().code() == Status::Code::kReplay &&
        recent_.WaitAndCheck(from, header->index, digest, /*own=*/1)) {
      return already_read();
    }
    return Refuse(kOp, from, committed.status());
  }
  recent_.Remember(from, header->index, digest);
  AnswerRequest(from, GenerationOfIndex(header->index), envelope, &result);
  result.control = envelope.control;
  result.sent_ms = envelope.sent_ms;
  result.plaintext = std::move(*plaintext);
  result.index = header->index;
  result.skipped = committed->skipped;
  result.late = committed->late;
  if (result.skipped > 0) {
    audit_
        ->Record("SKIP", "peer=" + std::string(from) + " index=" + std::to_string(result.index) +
                             " skipped=" + std::to_string(result.skipped) +
                             ": never-seen pad before this message (dropped messages?)")
        .ok();
  }
  return result;
}

Result<SecretBuffer> DeviceService::OpenPackage(std::string_view from,
                                                const protocol::PackageHeader& header,
                                                std::span<const uint8_t> package,
                                                protocol::Direction sender_direction,
                                                const padstore::PeerRange& range,
                                                protocol::Envelope* envelope) {
  auto pad = store_->ReadPad(range);
  if (!pad.ok()) return Refuse("unpackage", from, pad.status());
  protocol::MemoryPadStream stream(pad->span(), 0, protocol::Direction::kUp);
  auto plaintext =
      protocol::Unpackage(header, package, sender_direction, stream, protocol_options_, envelope);
  pad->Clear();
  if (!plaintext.ok()) {
    const Status& s = plaintext.status();
    if (s.code() == Status::Code::kIntegrity) {
      // Consumes nothing: the same range can still carry the genuine package.
      Status recorded = store_->RecordIntegrityFailure(range);
      if (!recorded.ok()) return Refuse("unpackage", from, recorded);
      return Refuse("unpackage", from, s);
    }
    if (s.code() == Status::Code::kInvalidArgument || s.code() == Status::Code::kTooLarge ||
        s.code() == Status::Code::kUnsupported) {
      return Refuse("unpackage", from, s);
    }
    return Refuse("unpackage", from, Status::Internal(s.ToString()));
  }
  return std::move(*plaintext);
}

Status DeviceService::HeedWitness(std::string_view from, uint32_t generation,
                                  const protocol::Envelope& envelope, UnpackageResult* result) {
  if (!envelope.witness) return Status::Ok();
  auto moved = store_->MovePastWitness(from, generation, *envelope.witness);
  if (!moved.ok()) return moved.status();
  if (!moved->needed) return Status::Ok();
  result->rollback = true;
  result->rollback_skipped = moved->skipped();
  audit_
      ->Record("ROLLBACK", "peer=" + std::string(from) +
                               " generation=" + std::to_string(generation) +
                               " witness=" + std::to_string(*envelope.witness) +
                               " old_mark=" + std::to_string(moved->old_mark) +
                               " new_mark=" + std::to_string(moved->new_mark) +
                               ": the peer has seen own pad beyond this store's position; the "
                               "store was rolled back (restored from a snapshot) and moved past it")
      .ok();
  return Status::Ok();
}

Result<std::vector<rpc::ContactInfo>> DeviceService::Contacts() {
  std::vector<rpc::ContactInfo> out;
  for (const std::string& peer : store_->Peers()) {
    auto info = store_->Info(peer);
    if (!info.ok()) {
      Audit("INTERNAL", "op=contacts peer=" + peer + ": " + info.status().ToString());
      continue;
    }
    const protocol::Format format = info->meta.format;
    protocol::Options options = protocol_options_;
    options.hide_length = options_.hide_length && format == protocol::Format::kOtc2;
    rpc::ContactInfo c;
    c.peer = peer;
    c.format = format;
    // Over every pad generation the contact holds.
    c.pad_left = info->all_own_left;
    c.pad_total = info->all_own_half;
    c.generations = info->generations;
    c.generation = info->meta.generation;
    // The estimate padstore status and otc contacts show too (chat/protocol/pad_left.h).
    c.messages_left = protocol::EstimatePadLeft(format, info->all_own_left, info->all_own_half,
                                                options.hide_length)
                          .messages;
    out.push_back(std::move(c));
  }
  return out;
}

Result<uint64_t> DeviceService::GetCursor(const std::string& relay) {
  if (Status s = rpc::ValidateRelayKey(relay); !s.ok()) return s;
  return cursors_->Get(relay);
}

Status DeviceService::PutCursor(const std::string& relay, uint64_t cursor) {
  if (Status s = rpc::ValidateRelayKey(relay); !s.ok()) return s;
  Status s = cursors_->Put(relay, cursor);
  if (!s.ok()) return Refuse("cursor", "-", s);
  return s;
}

}  // namespace otc::device
