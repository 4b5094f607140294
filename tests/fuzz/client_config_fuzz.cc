// The chat client's config file (and the relay endpoints it names), from hostile text.
#include "chat/client/config.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const otc::client::EnvLookup no_env = [](const char*) -> std::optional<std::string> {
    return std::nullopt;
  };
  (void)otc::client::ParseConfigText(otc::fuzz::AsText(data, size), "fuzz.conf", no_env);
  return 0;
}
