// otc send: one message to one or more recipients, then exit (for scripts).
#include <cstdio>
#include <ctime>
#include <iostream>
#include <iterator>
#include <map>

#include <nlohmann/json.hpp>

#include "chat/client/app.h"
#include "chat/client/app_outbox.h"
#include "chat/client/app_setup.h"
#include "chat/client/command.h"
#include "chat/client/names.h"
#include "chat/client/sender.h"
#include "chat/client/transcript.h"
#include "chat/rpc/error_category.h"
#include "common/secret_buffer.h"

namespace otc::client {

int RunSend(const CommonFlags& flags, const SendFlags& send) {
  Result<std::vector<std::string>> to = ParseUidList(send.to);
  if (!to.ok()) {
    PrintError(to.status().message());
    return kExitUsage;
  }
  std::string text;
  if (send.text) {
    text = *send.text;
  } else {
    text.assign(std::istreambuf_iterator<char>(std::cin), {});
    if (text.ends_with("\n")) text.pop_back();
  }
  if (Status s = CheckMessageText(text); !s.ok()) {
    PrintError(s.message());
    return kExitUsage;
  }
  auto prepared = Prepare(flags, true);
  if (std::holds_alternative<int>(prepared)) return std::get<int>(prepared);
  std::unique_ptr<Setup> setup = std::move(std::get<std::unique_ptr<Setup>>(prepared));
  auto device = setup->NewDevice();
  auto relay = setup->NewRelay();
  if (!device.ok() || !relay.ok()) return kExitUsage;

  Result<std::unique_ptr<Outbox>> outbox = OpenUserOutbox(*setup);
  if (!outbox.ok()) return Fail(kExitUsage, outbox.status().message());

  Sender sender(**device, **relay, setup->config.user, BackoffPolicy{},
                RetryForSleeper(std::chrono::seconds(send.retry_seconds)));
  sender.SetRetryObserver([](const Warning& w) {
    std::fprintf(stderr, "%s\n", FormatWarning(w, std::time(nullptr)).c_str());
  });
  // Messages queued earlier leave first; say so on stderr (stdout is this message's).
  sender.SetOutbox(outbox->get(), kOutboxLockWait);
  sender.SetFlushObserver([](const FlushReport& r) {
    if (!r.damage.empty()) PrintError(r.damage);
    for (const FlushReport::Left& l : r.left) PrintError(FormatLeft(l));
  });
  int code = kExitOk;
  for (const SendOutcome& o : sender.SendMany(*to, text)) {
    for (const Warning& w : o.warnings) {
      std::fprintf(stderr, "%s\n", FormatWarning(w, std::time(nullptr)).c_str());
    }
    bool queued = o.queued && !o.outbox_failed;
    if (send.json) {
      nlohmann::json j = {{"to", o.to}, {"sent", o.status.ok()}};
      if (o.status.ok()) {
        j["ref"] = o.ref;
        j["index"] = o.index;
        j["pad_left"] = o.pad_left;
      } else if (queued) {
        j["queued"] = true;
        j["index"] = o.index;
        j["pad_left"] = o.pad_left;
        j["message"] = o.status.message();
      } else {
        j["error"] = std::string(rpc::ClientErrorName(o.status.code()));
        j["message"] = o.status.message();
      }
      std::printf("%s\n", j.dump().c_str());
    } else if (o.status.ok()) {
      // The transcript line the interactive client would show.
      std::string line = FormatOutgoing(setup->config.user, o.to, text, std::time(nullptr));
      std::printf("%s\n", line.c_str());
    }
    if (queued) {
      // Not lost: the package waits in the outbox (exit 75, EX_TEMPFAIL).
      PrintError(QueuedLine(o.to, o.status));
      if (code == kExitOk) code = cli::kExitQueued;
    } else if (!o.status.ok()) {
      PrintError("not sent to " + o.to + ": " + o.status.message() +
                 (o.pad_spent ? " (its pad is used up)" : ""));
      bool relay_side = o.pad_spent;
      if (code == kExitOk) {
        code = o.outbox_failed ? OutboxExitCode(o.status) : ExitCodeFor(o.status, relay_side);
      }
    }
  }
  Wipe({reinterpret_cast<uint8_t*>(text.data()), text.size()});
  std::fflush(stdout);
  return code;
}

}  // namespace otc::client
