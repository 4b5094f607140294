// TLS for otc's HTTP (OpenSSL through Boost.Asio's ssl::stream): the server's context from
// PEM files, and the client's check of the server's certificate.
//
// The client trusts a server in one of two ways (ClientTls):
//   * no pin: the certificate must chain to a CA in the system store (OpenSSL's default
//     paths; `ca_file` adds anchors) and name the address connected to (an IP literal
//     must be in the certificate's subjectAltName as an IP address, "localhost" as a DNS
//     name), and be within its validity dates;
//   * a pin: "sha256:" followed by 64 hex digits, the SHA-256 of the certificate's
//     SubjectPublicKeyInfo in DER (the public key, not the whole certificate, so renewing
//     the certificate with the same key keeps the pin valid). With a pin, the CA, names and
//     dates are not checked: the key is all that is trusted. Compute it from a certificate:
//       openssl x509 -in cert.pem -pubkey -noout | openssl pkey -pubin -outform der | sha256sum
//     (otc-relay prints its pin at startup when it serves TLS).
// Both ends use TLS 1.2 or later; the server issues no session tickets (a client never
// resumes, and an unread ticket would make an idle kept-alive connection look readable).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/ssl/context.hpp>

#include "common/http/stream.h"
#include "common/status.h"

namespace otc::http {

// Loads `cert_file` (PEM chain, leaf first) and `key_file` (PEM key) and checks they
// match. Errors name the file and what is wrong with it.
Result<std::unique_ptr<boost::asio::ssl::context>> MakeServerTlsContext(
    const std::string& cert_file, const std::string& key_file);

// "sha256:<hex>" of the first certificate in `cert_file` (see the header comment).
Result<std::string> PinOfCertificateFile(const std::string& cert_file);

using PinDigest = std::array<uint8_t, 32>;
// Parses "sha256:<64 hex digits>" (either case).
Result<PinDigest> ParsePin(std::string_view text);

struct ClientTls {
  bool enabled = false;
  std::string pin;      // empty: verify against the system store
  std::string ca_file;  // extra trust anchors (PEM) when there is no pin; empty: none
};

// A client context for `tls` (verify mode and trust anchors set).
Result<std::unique_ptr<boost::asio::ssl::context>> MakeClientTlsContext(const ClientTls& tls);

// Before the handshake: what name/address the certificate must carry (no pin) and SNI.
Status PrepareClientStream(Stream::TlsStream& stream, const std::string& host,
                           const ClientTls& tls);

// After the handshake: with a pin, checks the server's key against it (constant time).
Status CheckPeer(Stream::TlsStream& stream, const ClientTls& tls);

}  // namespace otc::http
