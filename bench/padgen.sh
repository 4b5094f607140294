#!/usr/bin/env bash
# bench/padgen.sh: writing two copies of a pad, padgen against what else one could use.
#
#   (a) disk limit: fio, io_uring, O_DIRECT, 1M blocks, iodepth 16, two files at once
#   (a') the same with --end_fsync=1: the limit for data that is durable when the command
#       ends, as padgen's is (on a virtual disk with a write-back cache in the host, (a)
#       measures the host's cache and (a') the disk)
#   (b) what a user would do instead: dd if=/dev/urandom bs=1M | tee A > B, and dcfldd
#       with two of= and hash= (both followed by sync, since padgen's copies are durable)
#   (c) padgen --source random (getrandom), writing both copies (--no-verify; one more run
#       with the default read-back verification is timed separately)
#   (d) padgen --source file: from pre-generated random data in RAM (tmpfs): the
#       pipeline alone
#   (e) padgen --source drbg (OpenSSL's CTR_DRBG seeded from getrandom): what (c) gives
#       when the kernel's generic ChaCha20 is not the limit
# Goals (docs/BENCHMARKS.md, padgen): (d) >= 0.90 x (a); (c) >= 3 x (b, dd|tee).
#
# Each comparison is run ROUNDS times, interleaved ((a) then (d), (b) then (c)), and the
# table shows the median of each with every round in brackets: on a shared machine the
# disk and CPUs are noisy, and interleaving lets both sides of a ratio see the same noise.
#
# Usage: bench/padgen.sh [SIZE]          SIZE per copy, default 4G (K/M/G suffixes)
#   ROUNDS=3                 rounds per comparison
#   BENCH_DIR=/var/tmp/x     where the copies go (default: a new dir under /var/tmp; it
#                            must be on the disk you want to measure; needs 2 x SIZE free)
#   PADGEN=build/padgen/padgen
# Prints a markdown table for docs/BENCHMARKS.md. Needs fio, dcfldd, python3 and SIZE of
# RAM in /dev/shm. As root it drops the page cache between runs.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE=${1:-4G}
ROUNDS=${ROUNDS:-3}
PADGEN=${PADGEN:-build/padgen/padgen}
DIR=${BENCH_DIR:-$(mktemp -d /var/tmp/otc-padgen-bench-XXXXXX)}
mkdir -p "$DIR"
SHM=$(mktemp /dev/shm/otc-padgen-bench-XXXXXX)
trap 'rm -f "$DIR"/a "$DIR"/b "$DIR"/*.manifest "$DIR"/fio.* "$SHM"' EXIT
[ -x "$PADGEN" ] || { echo "bench/padgen.sh: build padgen first ($PADGEN)" >&2; exit 2; }

BYTES=$(numfmt --from=iec "$SIZE")
MIB=$((BYTES / 1048576))

now() { date +%s.%N; }
mibs() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.0f", b / s / 1048576 }'; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { print b - a }'; }
json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
clean() {
  rm -f "$DIR"/a "$DIR"/b "$DIR"/*.manifest "$DIR"/fio.*
  sync
  if [ "$(id -u)" -eq 0 ]; then echo 3 > /proc/sys/vm/drop_caches; fi
}

run_fio() {  # per-copy MiB/s: the aggregate of the two jobs / 2; "$@": more fio options
  clean
  fio --output-format=terse --terse-version=3 --group_reporting "$@" \
    --ioengine=io_uring --direct=1 --rw=write --bs=1M --iodepth=16 --size="$SIZE" \
    --name=a --filename="$DIR/fio.a" --name=b --filename="$DIR/fio.b" |
    awk -F';' '{ printf "%.0f", $48 / 1024 / 2 }'
}
run_dd() {
  clean
  local t0; t0=$(now)
  dd if=/dev/urandom bs=1M count="$MIB" status=none | tee "$DIR/a" > "$DIR/b"
  sync
  mibs "$BYTES" "$(since "$t0")"
}
run_dcfldd() {
  clean
  local t0; t0=$(now)
  dcfldd if=/dev/urandom bs=1M count="$MIB" of="$DIR/a" of="$DIR/b" hash=sha256 \
    hashlog=/dev/null status=off 2>/dev/null
  sync
  mibs "$BYTES" "$(since "$t0")"
}
run_padgen() {  # $1: source; prints per-copy MiB/s of the generation phase
  clean
  "$PADGEN" --size "$SIZE" --source "$1" -o "$DIR/a" -o "$DIR/b" --no-verify --json -q |
    json_field generate_seconds | { read -r s; mibs "$BYTES" "$s"; }
}

echo "bench/padgen.sh: two copies of $SIZE in $DIR ($(findmnt -n -o SOURCE,FSTYPE -T "$DIR")), $ROUNDS rounds" >&2
echo "machine: $(nproc) CPUs, $(uname -r), load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
head -c "$BYTES" /dev/urandom > "$SHM"

A=() G=() D=() B=() C=() E=() F=()
for ((r = 1; r <= ROUNDS; r++)); do
  A+=("$(run_fio)")
  G+=("$(run_fio --end_fsync=1)")
  D+=("$(run_padgen "file:$SHM")")
  B+=("$(run_dd)")
  C+=("$(run_padgen random)")
  E+=("$(run_dcfldd)")
  F+=("$(run_padgen drbg)")
  echo "round $r: fio ${A[-1]}, fio end_fsync ${G[-1]}, padgen file: ${D[-1]}, dd|tee ${B[-1]}, padgen random ${C[-1]}, dcfldd ${E[-1]}, padgen drbg ${F[-1]} MiB/s" >&2
done

# One run with verification: the whole command, and the read-back rate.
clean
V_JSON=$("$PADGEN" --size "$SIZE" --source random -o "$DIR/a" -o "$DIR/b" --json -q)
V_TOTAL=$(mibs "$BYTES" "$(echo "$V_JSON" | json_field duration_seconds)")
V_READ=$(mibs "$((BYTES * 2))" "$(echo "$V_JSON" | json_field verify_seconds)")
clean
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

ma=$(median "${A[@]}") md=$(median "${D[@]}") mb=$(median "${B[@]}") mc=$(median "${C[@]}")
me=$(median "${E[@]}") mf=$(median "${F[@]}") mg=$(median "${G[@]}")
cat <<TABLE
| run ($SIZE per copy, two copies, median of $ROUNDS) | MiB/s per copy | rounds | ratio |
| --- | ---: | --- | --- |
| (a) fio io_uring O_DIRECT bs=1M iodepth=16, two files | $ma | ${A[*]} | disk limit |
| (a') the same with --end_fsync=1 (durable at the end) | $mg | ${G[*]} | durable disk limit |
| (d) padgen --source file:/dev/shm (tmpfs) --no-verify | $md | ${D[*]} | **$(ratio "$md" "$ma") x (a)** (goal >= 0.90), $(ratio "$md" "$mg") x (a') |
| (b) dd if=/dev/urandom bs=1M \| tee A > B; sync | $mb | ${B[*]} | baseline for (c) |
| (b) dcfldd of=A of=B hash=sha256; sync | $me | ${E[*]} | |
| (c) padgen --source random --no-verify | $mc | ${C[*]} | **$(ratio "$mc" "$mb") x dd\|tee** (goal >= 3) |
| (e) padgen --source drbg --no-verify | $mf | ${F[*]} | **$(ratio "$mf" "$mb") x dd\|tee** |
| (c) padgen --source random, default --verify, whole command | $V_TOTAL | 1 | read-back $V_READ MiB/s over both copies |
TABLE
