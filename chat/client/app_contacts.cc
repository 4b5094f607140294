// otc contacts: pad left per contact, as the device counts it (the client never sees pad).
#include <cstdio>
#include <nlohmann/json.hpp>

#include "chat/client/app.h"
#include "chat/client/app_setup.h"
#include "chat/protocol/pad_left.h"
#include "common/cli/failure.h"

namespace otc::client {
namespace {

// "1.5M of 2M pad left (75%), ~7,710 messages of 100 bytes": the device's figures in the
// words padstore status uses for them.
std::string DescribePadLeft(const ContactInfo& c) {
  protocol::PadLeft left;
  left.bytes = c.pad_left;
  left.total = c.pad_total;
  left.messages = c.messages_left;
  return protocol::FormatPadLeft(left);
}

}  // namespace

int RunContacts(const CommonFlags& flags, const ContactsFlags& contacts) {
  auto prepared = Prepare(flags, true);
  if (std::holds_alternative<int>(prepared)) return std::get<int>(prepared);
  std::unique_ptr<Setup> setup = std::move(std::get<std::unique_ptr<Setup>>(prepared));
  auto device = setup->NewDevice();
  if (!device.ok()) {
    return cli::ReportFailure("otc", {kExitUsage, device.status().message(), ""}, contacts.json);
  }
  Result<std::vector<ContactInfo>> list = (*device)->Contacts();
  if (!list.ok()) {
    const bool down = list.status().code() == Status::Code::kUnavailable;
    return cli::ReportFailure(
        "otc",
        {ExitCodeFor(list.status(), false),
         (down ? "cannot reach the device: " : "") + list.status().message(),
         down ? "check that otc-device serve runs and --device names its socket" : ""},
        contacts.json);
  }
  if (contacts.json) {
    nlohmann::json out = {{"owner", setup->config.user}, {"contacts", nlohmann::json::array()}};
    for (const ContactInfo& c : *list) {
      nlohmann::json j = {{"peer", c.peer},
                          {"protocol", std::string(FormatName(c.format))},
                          {"pad_left", c.pad_left},
                          {"messages_left", c.messages_left}};
      if (c.pad_total > 0) j["pad_total"] = c.pad_total;
      j["generations"] = c.generations;
      j["generation"] = c.generation;
      out["contacts"].push_back(j);
    }
    std::printf("%s\n", out.dump(2).c_str());
    return kExitOk;
  }
  if (list->empty()) {
    std::printf("no contacts on %s's device: make a pad with padgen\n", setup->config.user.c_str());
    return kExitOk;
  }
  for (const ContactInfo& c : *list) {
    // After a renewal: how many pads the figures add up (padstore status lists each).
    const std::string generations =
        c.generations > 1 ? "  (" + std::to_string(c.generations) + " pad generations)" : "";
    std::printf("%s  %s  %s%s\n", c.peer.c_str(), std::string(FormatName(c.format)).c_str(),
                DescribePadLeft(c).c_str(), generations.c_str());
  }
  return kExitOk;
}

}  // namespace otc::client
