// Confirmation of every use of pad (2015 design §6.3.2).
//
// Before the device spends pad on a package or an unpackage it asks a Confirmer. The
// policy comes from `otc-device serve --confirm`:
//   tty       prompt the user on the device's own terminal for every request;
//   limit:N   approve requests of at most N message bytes without asking, prompt above;
//   auto      approve everything (emulated single-computer setup and tests only: a
//             compromised client can then spend pad without the user noticing).
// A prompt that is not answered in time counts as a denial. A denied request consumes
// no pad: the device asks before it reserves or reads anything.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "chat/device/prompter.h"
#include "common/status.h"

namespace otc::device {

struct ConfirmPolicy {
  enum class Mode { kTty, kLimit, kAuto };
  Mode mode = Mode::kTty;
  uint64_t limit = 0;  // kLimit: message bytes approved without a prompt

  // "tty", "auto", "limit:N" (N a byte size: "100", "4K").
  static Result<ConfirmPolicy> Parse(std::string_view text);
  std::string ToString() const;
  // Whether this policy can ever prompt (and so needs a terminal).
  bool MayPrompt() const { return mode != Mode::kAuto; }
};

// What the device is about to do, as shown to the user.
struct ConfirmRequest {
  enum class Op { kEncrypt, kDecrypt };
  Op op = Op::kEncrypt;
  std::string_view owner;  // the device's own uid
  std::string_view peer;   // the contact
  uint64_t message_bytes = 0;
  uint64_t pad_bytes = 0;
  // Encrypt only: the text itself, shown so that the owner sees that what is encrypted is
  // what they typed (the client may be malicious). Empty for a decrypt: the device asks
  // before it reads any pad, so there is no plaintext yet.
  std::span<const uint8_t> message;
};

// The question put to the user, e.g.
//   alice → bob: encrypt 5 bytes (37 pad bytes): "hello"? [y/N]
// for an encryption (with the text, control characters, quotes and backslashes escaped
// as \xNN / \" / \\, and every byte of text that is not UTF-8 as \xNN, so nothing in it
// acts on the terminal) and "bob → alice: decrypt 23 bytes (55 pad bytes)? [y/N] " for a
// decryption. The arrow shows the direction of the message.
std::string PromptText(const ConfirmRequest& request);

class Confirmer {
 public:
  // `prompter` may be null only for the auto policy; it must outlive the Confirmer.
  Confirmer(ConfirmPolicy policy, Prompter* prompter);

  // Whether Confirm() would prompt (and so may block for up to the prompt timeout).
  bool NeedsPrompt(const ConfirmRequest& request) const;
  // Ok when approved; Denied when the user says no, the prompt times out or the
  // terminal is gone. Blocks while a prompt is shown.
  Status Confirm(const ConfirmRequest& request);

  const ConfirmPolicy& policy() const { return policy_; }

 private:
  ConfirmPolicy policy_;
  Prompter* prompter_;
};

}  // namespace otc::device
