// The relay's /getmessages answer as the chat client parses it (the relay is untrusted),
// and its error bodies.
#include <nlohmann/json.hpp>

#include "chat/client/relay_client.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body = otc::fuzz::AsText(data, size);
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object()) {
    auto messages = otc::client::ParseRelayMessages(j);
    if (messages.ok()) {
      // What was accepted, written out again, parses to the same messages.
      nlohmann::json again = {{"messages", nlohmann::json::array()}};
      for (const auto& m : *messages) {
        again["messages"].push_back({{"ref", m.ref},
                                     {"sender_uid", m.sender},
                                     {"recipient_uid", m.recipient},
                                     {"contents", m.contents}});
      }
      auto reparsed = otc::client::ParseRelayMessages(again);
      otc::fuzz::FuzzCheck(reparsed.ok() && reparsed->size() == messages->size(),
                           "accepted messages re-parse");
      for (size_t i = 0; i < messages->size(); ++i) {
        const auto &a = (*messages)[i], &b = (*reparsed)[i];
        otc::fuzz::FuzzCheck(a.ref == b.ref && a.sender == b.sender && a.recipient == b.recipient &&
                                 a.contents == b.contents,
                             "accepted messages re-parse the same");
      }
    }
  }
  (void)otc::client::RelayErrorStatus(400, body);
  return 0;
}
