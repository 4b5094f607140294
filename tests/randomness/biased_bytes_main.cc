// biased_bytes: a heavily biased test source for the CI statistical check
// (statistical_check.sh), from tests/randomness/biased_source.h.
//
//   biased_bytes [--p-one P] [--seed S] [--bytes N]   writes N bytes (default: until stdout
//                                                    is closed) to stdout
//   biased_bytes [--p-one P] --min-entropy            prints the exact min-entropy per byte
//                                                    of the bytes it writes, in bits
//
// Each bit is 1 with probability P (default 0.9), so the most likely byte is 0xFF with
// probability about P^8 and the min-entropy is about -8 log2(P) = 1.216 bits per byte; the
// script configures padgen's extractor a little below the printed value. Not cryptographic:
// the seed (default: from getrandom, so every run differs) only makes runs reproducible.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <vector>

#include "padgen/randomness/system_random.h"
#include "tests/randomness/biased_source.h"

int main(int argc, char** argv) {
  CLI::App app{"Writes heavily biased bytes (each bit 1 with probability P) to stdout."};
  double p_one = 0.9;
  uint64_t seed = 0;
  uint64_t bytes = 0;
  bool min_entropy = false;
  app.add_option("--p-one", p_one, "probability of a 1 bit")->capture_default_str();
  auto* seed_opt = app.add_option("--seed", seed, "generator seed (default: from getrandom)");
  app.add_option("--bytes", bytes, "how many bytes (default: until stdout is closed)");
  app.add_flag("--min-entropy", min_entropy, "print the min-entropy per byte and exit");
  CLI11_PARSE(app, argc, argv);
  if (!(p_one > 0 && p_one < 1)) {
    std::fprintf(stderr, "biased_bytes: --p-one must be in (0, 1)\n");
    return 2;
  }
  if (seed_opt->count() == 0) {
    otc::Status s =
        otc::padgen::FillFromGetrandom({reinterpret_cast<uint8_t*>(&seed), sizeof seed});
    if (!s.ok()) {
      std::fprintf(stderr, "biased_bytes: %s\n", s.ToString().c_str());
      return 1;
    }
  }
  otc::padgen::testing::BiasedByteSource source(p_one, seed);
  if (min_entropy) {
    std::printf("%.6f\n", source.MinEntropyPerByte());
    return 0;
  }
  std::signal(SIGPIPE, SIG_IGN);  // a closed reader ends the run with EPIPE
  std::vector<uint8_t> buf(1 << 20);
  uint64_t left = bytes;
  while (bytes == 0 || left > 0) {
    size_t n = bytes == 0 ? buf.size() : static_cast<size_t>(std::min<uint64_t>(left, buf.size()));
    source.Fill({buf.data(), n});
    size_t done = 0;
    while (done < n) {
      ssize_t w = ::write(STDOUT_FILENO, buf.data() + done, n - done);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return errno == EPIPE ? 0 : 1;  // the reader is done
      done += static_cast<size_t>(w);
    }
    left -= bytes == 0 ? 0 : n;
  }
  return 0;
}
