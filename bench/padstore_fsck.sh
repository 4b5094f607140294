#!/usr/bin/env bash
# `padstore fsck` verify rate against fio reading the same pad file the same way a disk
# benchmark would (sequential, 1 MiB blocks, io_uring, O_DIRECT, queue depth 16), in the
# same run. Goal: fsck >= 0.9 x fio.
#
# Usage: bench/padstore_fsck.sh [BUILD_DIR [SIZE [ROUNDS]]]   (defaults: build 4G 3)
#   OTC_BENCH_DIR: where the pad is written (default /tmp; needs SIZE free).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
SIZE=${2:-4G}
ROUNDS=${3:-3}
dir=$(mktemp -d "${OTC_BENCH_DIR:-/tmp}/otc-fsck-bench-XXXXXX")
trap 'rm -rf "$dir"' EXIT

"$BUILD/bench/padstore/padstore_make_pad" --pad "$dir/pad" --manifest "$dir/manifest" --size "$SIZE"
"$BUILD/padstore/padstore" init --store "$dir/store" --user alice >/dev/null
"$BUILD/padstore/padstore" add --store "$dir/store" --peer bob --pad "$dir/pad" \
  --manifest "$dir/manifest" --direction +1 >/dev/null
pad="$dir/store/contacts/bob/pad"

echo "pad: $SIZE at $pad ($(findmnt -n -o FSTYPE -T "$dir"), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
run_fsck() { "$BUILD/padstore/padstore" fsck --store "$dir/store" --json >"$dir/fsck.$1.json"; }
run_fio() {
  fio --name=r --rw=read --bs=1M --ioengine=io_uring --direct=1 --iodepth=16 \
    --filename="$pad" --readonly --output-format=json >"$dir/fio.$1.json"
}
# Alternate which goes first: the virtual disk's speed drifts over seconds.
for round in $(seq "$ROUNDS"); do
  if [ $((round % 2)) = 1 ]; then run_fsck "$round"; run_fio "$round"; else run_fio "$round"; run_fsck "$round"; fi
done
python3 - "$dir" "$ROUNDS" <<'PY'
import json, statistics, sys
d, n = sys.argv[1], int(sys.argv[2])
rows = []
print(f"{'round':<6} {'fsck MiB/s':>12} {'fio MiB/s':>12} {'ratio':>7}")
for r in range(1, n + 1):
    f = json.load(open(f"{d}/fsck.{r}.json"))
    o = json.load(open(f"{d}/fio.{r}.json"))
    assert f["exit_code"] == 0, f
    fsck = f["bytes_read"] / f["seconds"] / 2**20
    fio = o["jobs"][0]["read"]["bw_bytes"] / 2**20
    rows.append((fsck, fio))
    print(f"{r:<6} {fsck:12.0f} {fio:12.0f} {fsck / fio:7.2f}")
mf, mo = statistics.median(x[0] for x in rows), statistics.median(x[1] for x in rows)
print(f"{'median':<6} {mf:12.0f} {mo:12.0f} {mf / mo:7.2f}   (median of ratios {statistics.median(a / b for a, b in rows):.2f})")
PY
