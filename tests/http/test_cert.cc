#include "tests/http/test_cert.h"

#include <cstdio>
#include <cstdlib>

namespace otc::testing {

namespace {

bool Run(const std::string& command, std::string* output) {
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return false;
  char buf[512];
  output->clear();
  while (size_t n = std::fread(buf, 1, sizeof buf, p)) output->append(buf, n);
  return ::pclose(p) == 0;
}

}  // namespace

bool MakeTestCert(const std::string& dir, const std::string& name, TestCert* out,
                  std::string* error) {
  out->cert_file = dir + "/" + name + ".crt";
  out->key_file = dir + "/" + name + ".key";
  std::string output;
  if (!Run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2"
           " -subj /CN=otc-test -addext subjectAltName=IP:127.0.0.1,DNS:localhost"
           " -keyout '" +
               out->key_file + "' -out '" + out->cert_file + "'",
           &output)) {
    *error = "openssl req failed: " + output;
    return false;
  }
  if (!Run("openssl x509 -in '" + out->cert_file +
               "' -pubkey -noout | openssl pkey -pubin -outform der | sha256sum",
           &output) ||
      output.size() < 64) {
    *error = "computing the pin failed: " + output;
    return false;
  }
  out->pin = "sha256:" + output.substr(0, 64);
  return true;
}

}  // namespace otc::testing
