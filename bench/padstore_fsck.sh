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

echo "pad: $SIZE at $pad ($(findmnt -n -o FSTYPE -T "$dir"), $(nproc) cores)"
printf '%-6s %14s %14s %8s\n' round "fsck MiB/s" "fio MiB/s" ratio
for round in $(seq "$ROUNDS"); do
  fsck_json=$("$BUILD/padstore/padstore" fsck --store "$dir/store" --json)
  fio_json=$(fio --name=r --rw=read --bs=1M --ioengine=io_uring --direct=1 --iodepth=16 \
    --filename="$pad" --readonly --output-format=json)
  python3 - "$round" "$fsck_json" "$fio_json" <<'PY'
import json, sys
r, f, o = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
assert f["exit_code"] == 0, f
fsck = f["bytes_read"] / f["seconds"] / 2**20
fio = o["jobs"][0]["read"]["bw_bytes"] / 2**20
print(f"{r:<6} {fsck:14.0f} {fio:14.0f} {fsck / fio:8.2f}")
PY
done
