#!/usr/bin/env bash
# bench/padgen.sh: writing two copies of a pad, padgen against what else one could use.
#
#   (a) disk limit: fio, io_uring, O_DIRECT, 1M blocks, iodepth 16, two files at once
#   (b) what a user would do instead: dd if=/dev/urandom bs=1M | tee A > B, and dcfldd
#       with two of= and hash= (both followed by sync, since padgen's copies are durable)
#   (c) padgen --source random (getrandom), writing both copies (--no-verify, and the
#       read-back verification timed separately)
#   (d) padgen --source file: from pre-generated random data in RAM (tmpfs): the
#       pipeline alone
# Goals (issue 4): (d) >= 0.90 x (a); (c) >= 3 x (b, dd|tee).
#
# Usage: bench/padgen.sh [SIZE]          SIZE per copy, default 4G (K/M/G suffixes)
#   BENCH_DIR=/var/tmp/x    where the copies go (default: a new dir under /var/tmp;
#                           it must be on the disk you want to measure)
#   PADGEN=build/padgen/padgen
# Prints a markdown table for docs/BENCHMARKS.md. Needs fio, dcfldd, and RAM for SIZE
# in /dev/shm. Run as root to drop the page cache between runs.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE=${1:-4G}
PADGEN=${PADGEN:-build/padgen/padgen}
DIR=${BENCH_DIR:-$(mktemp -d /var/tmp/otc-padgen-bench-XXXXXX)}
SHM=$(mktemp /dev/shm/otc-padgen-bench-XXXXXX)
mkdir -p "$DIR"
trap 'rm -rf "$DIR"/a "$DIR"/b "$DIR"/*.manifest "$DIR"/fio.* "$SHM"' EXIT

bytes() {
  numfmt --from=iec "$1"
}
BYTES=$(bytes "$SIZE")
MIB=$((BYTES / 1048576))
[ -x "$PADGEN" ] || { echo "bench/padgen.sh: build padgen first ($PADGEN)" >&2; exit 2; }

now() { date +%s.%N; }
rate() {  # bytes seconds -> MiB/s
  awk -v b="$1" -v s="$2" 'BEGIN { printf "%.0f", b / s / 1048576 }'
}
clean() {
  rm -f "$DIR"/a "$DIR"/b "$DIR"/*.manifest "$DIR"/fio.*
  sync
  if [ "$(id -u)" -eq 0 ]; then echo 3 > /proc/sys/vm/drop_caches; fi
}

echo "bench/padgen.sh: two copies of $SIZE in $DIR ($(findmnt -n -o SOURCE,FSTYPE -T "$DIR"))" >&2
echo "machine: $(nproc) CPUs, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# (a) fio: two files written concurrently, per-copy rate = aggregate / 2.
clean
FIO_KIB=$(fio --output-format=terse --terse-version=3 --group_reporting \
  --ioengine=io_uring --direct=1 --rw=write --bs=1M --iodepth=16 --size="$SIZE" \
  --name=a --filename="$DIR/fio.a" --name=b --filename="$DIR/fio.b" |
  awk -F';' '{print $48}')
A=$((FIO_KIB / 1024 / 2))

# (b) dd | tee, and dcfldd with two outputs and a hash; each followed by sync.
clean
t0=$(now)
dd if=/dev/urandom bs=1M count="$MIB" status=none | tee "$DIR/a" > "$DIR/b"
sync
t1=$(now)
B_DD=$(rate "$BYTES" "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')")
clean
t0=$(now)
dcfldd if=/dev/urandom bs=1M count="$MIB" of="$DIR/a" of="$DIR/b" hash=sha256 \
  hashlog=/dev/null status=off 2>/dev/null
sync
t1=$(now)
B_DCFLDD=$(rate "$BYTES" "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')")

# (c) padgen --source random; then the same with verification for the read-back rate.
json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
clean
C_JSON=$("$PADGEN" --size "$SIZE" --source random -o "$DIR/a" -o "$DIR/b" --no-verify --json -q)
C=$(rate "$BYTES" "$(echo "$C_JSON" | json_field generate_seconds)")
clean
CV_JSON=$("$PADGEN" --size "$SIZE" --source random -o "$DIR/a" -o "$DIR/b" --json -q)
CV_READ=$(rate "$((BYTES * 2))" "$(echo "$CV_JSON" | json_field verify_seconds)")
CV_TOTAL=$(rate "$BYTES" "$(echo "$CV_JSON" | json_field duration_seconds)")

# (d) padgen --source file: from tmpfs.
head -c "$BYTES" /dev/urandom > "$SHM"
clean
D_JSON=$("$PADGEN" --size "$SIZE" --source "file:$SHM" -o "$DIR/a" -o "$DIR/b" --no-verify --json -q)
D=$(rate "$BYTES" "$(echo "$D_JSON" | json_field generate_seconds)")
clean

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
cat <<TABLE
| run | per-copy MiB/s | ratio |
| --- | ---: | --- |
| (a) fio io_uring O_DIRECT bs=1M iodepth=16, two files | $A | disk limit |
| (b) dd if=/dev/urandom bs=1M \| tee A > B; sync | $B_DD | baseline for (c) |
| (b) dcfldd of=A of=B hash=sha256; sync | $B_DCFLDD | |
| (c) padgen --source random --no-verify | $C | $(ratio "$C" "$B_DD") x dd\|tee (goal >= 3) |
| (c) padgen --source random, with --verify (whole run) | $CV_TOTAL | verify read-back $CV_READ MiB/s over both copies |
| (d) padgen --source file:/dev/shm (tmpfs) --no-verify | $D | $(ratio "$D" "$A") x fio (goal >= 0.90) |
TABLE
