#include "common/http/tls.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>

#include <boost/asio/ip/address.hpp>

namespace otc::http {

namespace ssl = boost::asio::ssl;

namespace {

std::string OpenSslError() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

// SHA-256 of the DER SubjectPublicKeyInfo of `cert`.
Result<PinDigest> SpkiDigest(X509* cert) {
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(X509_get0_pubkey(cert), &der);
  if (len <= 0) return Status::InvalidArgument("certificate has no usable public key");
  PinDigest digest{};
  unsigned int out_len = 0;
  bool ok = EVP_Digest(der, static_cast<size_t>(len), digest.data(), &out_len, EVP_sha256(),
                       nullptr) == 1;
  OPENSSL_free(der);
  if (!ok || out_len != digest.size()) return Status::Internal("SHA-256 failed");
  return digest;
}

std::string PinText(const PinDigest& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "sha256:";
  for (uint8_t b : digest) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<std::unique_ptr<ssl::context>> MakeServerTlsContext(const std::string& cert_file,
                                                           const std::string& key_file) {
  if (cert_file.empty() || key_file.empty()) {
    return Status::InvalidArgument("TLS needs both a certificate file and a key file");
  }
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX* ctx = context->native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_num_tickets(ctx, 0);
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1) {
    return Status::InvalidArgument(cert_file + ": not a readable PEM certificate (" +
                                   OpenSslError() + ")");
  }
  Status mismatch = Status::InvalidArgument(
      key_file + ": this key does not belong to the certificate in " + cert_file);
  if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
      ERR_clear_error();
      return mismatch;
    }
    return Status::InvalidArgument(key_file + ": not a readable PEM private key (" +
                                   OpenSslError() + ")");
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    return mismatch;
  }
  return context;
}

Result<std::string> PinOfCertificateFile(const std::string& cert_file) {
  FILE* f = std::fopen(cert_file.c_str(), "r");
  if (f == nullptr) return Status::FromErrno(errno, "opening " + cert_file);
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (cert == nullptr) {
    ERR_clear_error();
    return Status::InvalidArgument(cert_file + ": no PEM certificate");
  }
  Result<PinDigest> digest = SpkiDigest(cert);
  X509_free(cert);
  if (!digest.ok()) return digest.status();
  return PinText(*digest);
}

Result<PinDigest> ParsePin(std::string_view text) {
  Status bad = Status::InvalidArgument(
      "relay pin '" + std::string(text.substr(0, 80)) +
      "' is not valid: use sha256: followed by the 64 hex digits of the SHA-256 of the "
      "certificate's public key (SubjectPublicKeyInfo, DER)");
  constexpr std::string_view kPrefix = "sha256:";
  if (!text.starts_with(kPrefix)) return bad;
  text.remove_prefix(kPrefix.size());
  PinDigest digest{};
  if (text.size() != 2 * digest.size()) return bad;
  for (size_t i = 0; i < digest.size(); ++i) {
    int hi = HexValue(text[2 * i]), lo = HexValue(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return bad;
    digest[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return digest;
}

Result<std::unique_ptr<ssl::context>> MakeClientTlsContext(const ClientTls& tls) {
  if (!tls.pin.empty()) {
    Result<PinDigest> pin = ParsePin(tls.pin);
    if (!pin.ok()) return pin.status();
  }
  auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
  SSL_CTX* ctx = context->native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (!tls.pin.empty()) {
    // The pinned key is the trust anchor; CheckPeer compares it once the handshake is done.
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, [](int, X509_STORE_CTX*) { return 1; });
    return context;
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  if (SSL_CTX_set_default_verify_paths(ctx) != 1) ERR_clear_error();
  if (!tls.ca_file.empty() &&
      SSL_CTX_load_verify_locations(ctx, tls.ca_file.c_str(), nullptr) != 1) {
    return Status::InvalidArgument(tls.ca_file + ": not a readable PEM CA file (" + OpenSslError() +
                                   ")");
  }
  return context;
}

Status PrepareClientStream(Stream::TlsStream& stream, const std::string& host,
                           const ClientTls& tls) {
  SSL* ssl = stream.native_handle();
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  bool is_ip = !ec;
  if (!is_ip && SSL_set_tlsext_host_name(ssl, host.c_str()) != 1) {
    return Status::InvalidArgument("TLS: bad server name " + host);
  }
  if (!tls.pin.empty()) return Status::Ok();
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  int ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str())
                 : X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
  if (ok != 1) return Status::InvalidArgument("TLS: cannot check the certificate for " + host);
  return Status::Ok();
}

Status CheckPeer(Stream::TlsStream& stream, const ClientTls& tls) {
  if (tls.pin.empty()) return Status::Ok();  // OpenSSL verified the chain and name
  Result<PinDigest> want = ParsePin(tls.pin);
  if (!want.ok()) return want.status();
  X509* cert = SSL_get1_peer_certificate(stream.native_handle());
  if (cert == nullptr) return Status::Denied("TLS: the server sent no certificate");
  Result<PinDigest> got = SpkiDigest(cert);
  X509_free(cert);
  if (!got.ok()) return got.status();
  if (CRYPTO_memcmp(got->data(), want->data(), want->size()) != 0) {
    return Status::Denied("TLS: the server's key does not match the pin (" + PinText(*got) +
                          " is not the configured pin)");
  }
  return Status::Ok();
}

}  // namespace otc::http
