#!/usr/bin/env bash
# CI statistical check on 64 MiB of pad written by padgen itself.
#
#   statistical_check.sh PADGEN BIASED_BYTES SOURCE [SIZE]
#
# SOURCE is
#   random             `padgen --size SIZE -o FILE --no-verify` (the getrandom source);
#   biased-extracted   BIASED_BYTES (tests/randomness/biased_bytes_main.cc: every bit 1 with
#                      probability 0.9, about 1.216 bits of min-entropy per byte) through a
#                      FIFO into `padgen --source file:FIFO --extract toeplitz --min-entropy H`
#                      with H 2% below the exact min-entropy biased_bytes prints (a true lower
#                      bound), so about 8.5 bytes of input per pad byte.
# The sample passes when
#   * Debian's ent reports a chi-square p in (0.001, 0.999) and |serial correlation| < 0.01;
#   * rngtest (rng-tools5) fails fewer than 0.2% of its 20000-bit FIPS 140-2 blocks (good
#     data fails about 0.08%, so rngtest's own exit code, which is non-zero on any failure,
#     is not used).
# On good data the chi-square bound alone fails 0.2% of samples (rngtest expects ~19
# failures among 26843 blocks and the bound is 53, so it practically never trips). A failed
# sample is therefore followed by one fresh sample, and the check fails only if both fail:
# a real defect fails every sample, chance fails two in a row about 4 times in a million.
# Exit codes: 0 pass, 1 fail, 77 ent or rngtest not installed (ctest reports it as skipped).
set -euo pipefail

padgen=$1
biased=$2
source=$3
bytes=${4:-64M}

for tool in ent rngtest; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "statistical_check: $tool is not installed (apt-get install ent rng-tools5)"
    exit 77
  fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check() {
  local file=$1 ent_out rng_out pct scc ok fails succ
  ent_out=$(ent "$file")
  rng_out=$(rngtest <"$file" 2>&1 || true)
  ok=0
  # "... would exceed this value 35.87 percent of the times." (or "less than 0.01" /
  # "more than 99.99")
  pct=$(printf '%s\n' "$ent_out" | sed -n 's/.*exceed this value \(less than \|more than \)\{0,1\}\([0-9.]*\) percent.*/\2/p')
  if printf '%s\n' "$ent_out" | grep -q 'exceed this value less than'; then pct=0; fi
  if printf '%s\n' "$ent_out" | grep -q 'exceed this value more than'; then pct=100; fi
  scc=$(printf '%s\n' "$ent_out" | sed -n 's/^Serial correlation coefficient is \([-0-9.e]*\).*/\1/p')
  succ=$(printf '%s\n' "$rng_out" | sed -n 's/^rngtest: FIPS 140-2 successes: \([0-9]*\)/\1/p')
  fails=$(printf '%s\n' "$rng_out" | sed -n 's/^rngtest: FIPS 140-2 failures: \([0-9]*\)/\1/p')
  if [ -z "$pct" ] || [ -z "$scc" ] || [ -z "$succ" ] || [ -z "$fails" ]; then
    echo "statistical_check: could not parse ent/rngtest output:"
    printf '%s\n%s\n' "$ent_out" "$rng_out"
    return 1
  fi
  awk -v pct="$pct" -v scc="$scc" -v succ="$succ" -v fails="$fails" 'BEGIN {
    p = pct / 100; rate = fails / (succ + fails); ok = 1
    if (!(p > 0.001 && p < 0.999)) { print "  FAIL chi-square p = " p " not in (0.001, 0.999)"; ok = 0 }
    else print "  ok   chi-square p = " p
    a = scc < 0 ? -scc : scc
    if (!(a < 0.01)) { print "  FAIL |serial correlation| = " a " >= 0.01"; ok = 0 }
    else print "  ok   serial correlation = " scc
    if (!(rate < 0.002)) { printf "  FAIL rngtest %d of %d FIPS blocks failed (%.3f%% >= 0.2%%)\n", fails, succ + fails, 100 * rate; ok = 0 }
    else printf "  ok   rngtest %d of %d FIPS blocks failed (%.3f%%)\n", fails, succ + fails, 100 * rate
    exit ok ? 0 : 1
  }'
}

generate() {
  local out=$1
  rm -f "$out" "$out.manifest"
  case "$source" in
    random)
      "$padgen" --size "$bytes" -o "$out" --no-verify -q
      ;;
    biased-extracted)
      local h_true h
      h_true=$("$biased" --p-one 0.9 --min-entropy)
      h=$(awk -v h="$h_true" 'BEGIN { printf "%.3f", int(h * 0.98 * 1000) / 1000 }')
      echo "statistical_check: biased source has $h_true bits/byte of min-entropy; --min-entropy $h"
      rm -f "$tmp/fifo"
      mkfifo "$tmp/fifo"
      "$biased" --p-one 0.9 >"$tmp/fifo" &
      local feeder=$! rc=0
      "$padgen" --size "$bytes" --source "file:$tmp/fifo" --extract toeplitz --min-entropy "$h" \
        -o "$out" --no-verify -q || rc=$?
      kill "$feeder" 2>/dev/null || true
      wait "$feeder" 2>/dev/null || true
      return $rc
      ;;
    *)
      echo "statistical_check: unknown source '$source' (random or biased-extracted)"
      return 2
      ;;
  esac
}

for attempt in 1 2; do
  if ! generate "$tmp/sample"; then
    echo "statistical_check: padgen failed"
    exit 1
  fi
  echo "statistical_check: $source, $bytes, sample $attempt"
  if check "$tmp/sample"; then
    echo "statistical_check: PASS"
    exit 0
  fi
done
echo "statistical_check: FAIL ($source failed two independent samples)"
exit 1
