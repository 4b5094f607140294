// The HTTP/1.1 request parser as common/http's server session runs it (Beast's parser with
// the server's header and body limits), then the target and body parsing every handler
// uses (SplitTarget, ParseQuery, ParseBodyFields).
#include <boost/beast/http.hpp>

#include "common/http/json_util.h"
#include "common/http/server.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace bhttp = boost::beast::http;
  otc::http::ServerOptions defaults;
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(static_cast<uint32_t>(defaults.max_header_bytes));
  parser.body_limit(defaults.max_body_bytes);
  parser.eager(true);
  boost::beast::error_code ec;
  size_t offset = 0;
  while (offset < size && !parser.is_done()) {
    size_t used = parser.put(boost::asio::buffer(data + offset, size - offset), ec);
    if (ec == bhttp::error::need_more) break;
    if (ec) return 0;
    if (used == 0) break;
    offset += used;
  }
  if (!parser.is_done()) return 0;
  const otc::http::Request& request = parser.get();
  const std::string target(request.target());
  otc::http::Target parts = otc::http::SplitTarget(target);
  (void)otc::http::ParseQuery(parts.query);
  (void)otc::http::ParseBodyFields(request);
  return 0;
}
