// Test helper: a self-signed TLS certificate made on the spot with the `openssl` command
// (independent of the code under test), and its pin computed the documented way.
#pragma once

#include <string>

namespace otc::testing {

struct TestCert {
  std::string cert_file;  // PEM, self-signed, subjectAltName IP:127.0.0.1 and DNS:localhost
  std::string key_file;   // PEM, P-256
  std::string pin;        // "sha256:<hex>" of the SubjectPublicKeyInfo, via openssl + sha256sum
};

// Writes `<dir>/<name>.crt` and `<dir>/<name>.key`. Returns false (and a message in
// *error) if the openssl command failed.
bool MakeTestCert(const std::string& dir, const std::string& name, TestCert* out,
                  std::string* error);

}  // namespace otc::testing
