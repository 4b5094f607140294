// The HTTP message types shared by otc's server and client (Boost.Beast, HTTP/1.1).
//
// Every otc HTTP endpoint (the relay, the device daemon, the chat client's calls) uses
// these: a request or response whose body is held in memory as a std::string. Bodies are
// bounded by ServerOptions::max_body_bytes on the server and ClientOptions on the client.
#pragma once

#include <string_view>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace otc::http {

namespace beast_http = boost::beast::http;

using Request = beast_http::request<beast_http::string_body>;
using Response = beast_http::response<beast_http::string_body>;
// Named HttpStatus so it never hides otc::Status inside otc::http.
using HttpStatus = beast_http::status;
using Verb = beast_http::verb;
using Field = beast_http::field;

// Beast (Boost 1.74) hands out boost::string_view; otc code uses std::string_view.
inline std::string_view ToStd(boost::beast::string_view s) { return {s.data(), s.size()}; }
inline boost::beast::string_view ToBeast(std::string_view s) { return {s.data(), s.size()}; }

}  // namespace otc::http
