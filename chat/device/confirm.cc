#include "chat/device/confirm.h"

#include <cstdio>

#include "chat/rpc/device_rpc.h"
#include "common/byte_size.h"

namespace otc::device {

Result<ConfirmPolicy> ConfirmPolicy::Parse(std::string_view text) {
  ConfirmPolicy policy;
  if (text == "tty") {
    policy.mode = Mode::kTty;
    return policy;
  }
  if (text == "auto") {
    policy.mode = Mode::kAuto;
    return policy;
  }
  constexpr std::string_view kLimit = "limit:";
  if (text.substr(0, kLimit.size()) == kLimit) {
    auto limit = ParseByteSize(text.substr(kLimit.size()), ByteSizeOptions{.allow_zero = true});
    if (!limit.ok()) {
      return Status::InvalidArgument("--confirm " + std::string(text) +
                                     ": the limit must be a byte size, e.g. limit:100 or limit:4K");
    }
    policy.mode = Mode::kLimit;
    policy.limit = *limit;
    return policy;
  }
  return Status::InvalidArgument("--confirm " + std::string(text) +
                                 ": expected tty, limit:N (N message bytes) or auto");
}

std::string ConfirmPolicy::ToString() const {
  switch (mode) {
    case Mode::kTty:
      return "tty";
    case Mode::kAuto:
      return "auto";
    case Mode::kLimit:
      return "limit:" + std::to_string(limit);
  }
  return "tty";
}

namespace {

// The text as it may be shown on the device's terminal (see PromptText).
std::string EscapeForPrompt(std::span<const uint8_t> text) {
  const bool utf8 = rpc::IsValidUtf8(text);
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const uint8_t c = text[i];
    // In valid UTF-8, U+0080..U+009F (C1 controls) are C2 80..C2 9F.
    const bool c1 = utf8 && c == 0xC2 && i + 1 < text.size() && text[i + 1] <= 0x9F;
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7F || c1 || (c >= 0x80 && !utf8)) {
      const uint8_t shown = c1 ? text[++i] : c;
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", shown);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace

std::string PromptText(const ConfirmRequest& request) {
  const bool encrypt = request.op == ConfirmRequest::Op::kEncrypt;
  std::string text;
  text += encrypt ? request.owner : request.peer;
  text += " \u2192 ";
  text += encrypt ? request.peer : request.owner;
  text += encrypt ? ": encrypt " : ": decrypt ";
  text += std::to_string(request.message_bytes);
  text += " bytes (";
  text += std::to_string(request.pad_bytes);
  text += " pad bytes)";
  if (encrypt) text += ": \"" + EscapeForPrompt(request.message) + "\"";
  text += "? [y/N] ";
  return text;
}

Confirmer::Confirmer(ConfirmPolicy policy, Prompter* prompter)
    : policy_(policy), prompter_(prompter) {}

bool Confirmer::NeedsPrompt(const ConfirmRequest& request) const {
  switch (policy_.mode) {
    case ConfirmPolicy::Mode::kAuto:
      return false;
    case ConfirmPolicy::Mode::kLimit:
      return request.message_bytes > policy_.limit;
    case ConfirmPolicy::Mode::kTty:
      return true;
  }
  return true;
}

Status Confirmer::Confirm(const ConfirmRequest& request) {
  if (!NeedsPrompt(request)) return Status::Ok();
  if (prompter_ == nullptr) return Status::Denied("no terminal to ask the user on");
  switch (prompter_->Ask(PromptText(request))) {
    case PromptAnswer::kYes:
      return Status::Ok();
    case PromptAnswer::kNo:
      return Status::Denied("the user declined");
    case PromptAnswer::kTimeout:
      return Status::Denied("the confirmation prompt timed out");
    case PromptAnswer::kError:
      return Status::Denied("the confirmation terminal failed");
  }
  return Status::Denied("the confirmation prompt failed");
}

}  // namespace otc::device
