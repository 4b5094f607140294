// The relay's form and JSON request bodies (and query strings): the field parsing and the
// parameter checks its handlers apply (relay/params.h).
#include "common/http/json_util.h"
#include "relay/params.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

void CheckFields(const nlohmann::json& fields) {
  using namespace otc::relay;
  if (!fields.is_object()) return;
  for (const auto& [name, value] : fields.items()) {
    if (value.is_string()) {
      const std::string& text = value.get_ref<const std::string&>();
      (void)IsValidUid(text);
      (void)ParseRef(std::string_view(text));
      (void)ParseCount(text, 1000);
      (void)ParseWait(text, std::chrono::milliseconds(30000));
      (void)ParseDuration(text);
    } else {
      (void)ParseRef(value);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view body = otc::fuzz::AsText(data + 1, size - 1);
  otc::http::Request request{otc::http::Verb::post, "/send", 11};
  static const char* kTypes[] = {"application/json", "application/x-www-form-urlencoded", ""};
  const char* type = kTypes[data[0] % 3];
  if (*type) request.set(otc::http::Field::content_type, type);
  request.body() = std::string(body);
  request.prepare_payload();
  if (auto fields = otc::http::ParseBodyFields(request); fields.ok()) CheckFields(*fields);
  if (auto query = otc::http::ParseQuery(body); query.ok()) {
    nlohmann::json as_json = nlohmann::json::object();
    for (const auto& [k, v] : *query) as_json[k] = v;
    CheckFields(as_json);
  }
  return 0;
}
