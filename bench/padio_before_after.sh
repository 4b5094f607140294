#!/usr/bin/env bash
# bench/padio_before_after.sh: bulk pad I/O of two builds of padgen and padstore against
# fio, all in one run with interleaved rounds (a change to the pad I/O path must not make
# it slower; on a shared machine only a same-run comparison means anything).
#
#   write: per round, in a rotating order:
#     fio   two files at once, io_uring, O_DIRECT, bs=1M, iodepth=16, --end_fsync=1: the
#           durable two-file write limit (bench/padgen.sh's (a'))
#     padgen of BEFORE and of AFTER: --source file:/dev/shm (pre-generated random data in
#           RAM, so the pipeline and the disk are measured, not a generator), two copies,
#           --no-verify; the generation rate per copy
#   read: per round, in a rotating order, on one pad in one store:
#     fio   --rw=read --bs=1M --ioengine=io_uring --direct=1 --iodepth=16 (bench/padstore_fsck.sh)
#     padstore fsck of BEFORE and of AFTER: bytes read / seconds from --json
# Goals: padgen two copies >= 0.95 x fio's durable two-file write; fsck >= 0.9 x fio read.
#
# Usage: bench/padio_before_after.sh BEFORE_BUILD AFTER_BUILD [SIZE [ROUNDS]]
#   (defaults: SIZE 2G per copy, ROUNDS 5). BENCH_DIR: where the files go (default a new
#   directory under /var/tmp, on the disk to measure; needs 3 x SIZE free). Needs fio,
#   python3 and SIZE of RAM in /dev/shm. As root it drops the page cache between runs.
set -euo pipefail
cd "$(dirname "$0")/.."
BEFORE=${1:?usage: bench/padio_before_after.sh BEFORE_BUILD AFTER_BUILD [SIZE [ROUNDS]]}
AFTER=${2:?usage: bench/padio_before_after.sh BEFORE_BUILD AFTER_BUILD [SIZE [ROUNDS]]}
SIZE=${3:-2G}
ROUNDS=${4:-5}
DIR=${BENCH_DIR:-$(mktemp -d /var/tmp/otc-padio-bench-XXXXXX)}
mkdir -p "$DIR"
SHM=$(mktemp /dev/shm/otc-padio-bench-XXXXXX)
trap 'rm -rf "$DIR"/a "$DIR"/b "$DIR"/*.manifest "$DIR"/fio.* "$DIR"/store "$DIR"/pad "$DIR"/m "$SHM"' EXIT
for b in "$BEFORE" "$AFTER"; do
  [ -x "$b/padgen/padgen" ] && [ -x "$b/padstore/padstore" ] || {
    echo "bench/padio_before_after.sh: $b has no padgen/padgen and padstore/padstore" >&2
    exit 2
  }
done
BYTES=$(numfmt --from=iec "$SIZE")

median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
clean() {
  rm -f "$DIR"/a "$DIR"/b "$DIR"/*.manifest "$DIR"/fio.*
  sync
  if [ "$(id -u)" -eq 0 ]; then echo 3 > /proc/sys/vm/drop_caches; fi
}
write_fio() {  # per-copy MiB/s
  clean
  fio --output-format=terse --terse-version=3 --group_reporting --end_fsync=1 \
    --ioengine=io_uring --direct=1 --rw=write --bs=1M --iodepth=16 --size="$SIZE" \
    --name=a --filename="$DIR/fio.a" --name=b --filename="$DIR/fio.b" |
    awk -F';' '{ printf "%.0f", $48 / 1024 / 2 }'
}
write_padgen() {  # $1: build; per-copy MiB/s of the generation phase
  clean
  "$1/padgen/padgen" --size "$SIZE" --source "file:$SHM" -o "$DIR/a" -o "$DIR/b" --no-verify \
    --json -q | python3 -c "import json,sys; print(round($BYTES / json.load(sys.stdin)['generate_seconds'] / 2**20))"
}
PAD="$DIR/store/contacts/bob/pad"
read_fio() {
  sync
  if [ "$(id -u)" -eq 0 ]; then echo 3 > /proc/sys/vm/drop_caches; fi
  fio --name=r --rw=read --bs=1M --ioengine=io_uring --direct=1 --iodepth=16 \
    --filename="$PAD" --readonly --output-format=json |
    python3 -c "import json,sys; print(round(json.load(sys.stdin)['jobs'][0]['read']['bw_bytes'] / 2**20))"
}
read_fsck() {  # $1: build
  sync
  if [ "$(id -u)" -eq 0 ]; then echo 3 > /proc/sys/vm/drop_caches; fi
  "$1/padstore/padstore" fsck --store "$DIR/store" --json |
    python3 -c "import json,sys; f = json.load(sys.stdin); assert f['exit_code'] == 0, f; print(round(f['bytes_read'] / f['seconds'] / 2**20))"
}

echo "bench/padio_before_after.sh: BEFORE=$BEFORE AFTER=$AFTER, $SIZE per copy in $DIR ($(findmnt -n -o SOURCE,FSTYPE -T "$DIR")), $ROUNDS rounds" >&2
echo "machine: $(nproc) CPUs, $(uname -r), load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
head -c "$BYTES" /dev/urandom > "$SHM"

F=() P0=() P1=()
for ((r = 1; r <= ROUNDS; r++)); do
  case $((r % 3)) in
    1) F+=("$(write_fio)"); P0+=("$(write_padgen "$BEFORE")"); P1+=("$(write_padgen "$AFTER")") ;;
    2) P0+=("$(write_padgen "$BEFORE")"); P1+=("$(write_padgen "$AFTER")"); F+=("$(write_fio)") ;;
    0) P1+=("$(write_padgen "$AFTER")"); F+=("$(write_fio)"); P0+=("$(write_padgen "$BEFORE")") ;;
  esac
  echo "write round $r: fio ${F[-1]}, padgen before ${P0[-1]}, after ${P1[-1]} MiB/s per copy (load $(cut -d' ' -f1 /proc/loadavg))" >&2
done
clean

"$AFTER/bench/padstore/padstore_make_pad" --pad "$DIR/pad" --manifest "$DIR/m" --size "$SIZE"
"$AFTER/padstore/padstore" init --store "$DIR/store" --user alice >/dev/null
"$AFTER/padstore/padstore" add --store "$DIR/store" --peer bob --pad "$DIR/pad" \
  --manifest "$DIR/m" --direction +1 >/dev/null
R=() S0=() S1=()
for ((r = 1; r <= ROUNDS; r++)); do
  case $((r % 3)) in
    1) R+=("$(read_fio)"); S0+=("$(read_fsck "$BEFORE")"); S1+=("$(read_fsck "$AFTER")") ;;
    2) S0+=("$(read_fsck "$BEFORE")"); S1+=("$(read_fsck "$AFTER")"); R+=("$(read_fio)") ;;
    0) S1+=("$(read_fsck "$AFTER")"); R+=("$(read_fio)"); S0+=("$(read_fsck "$BEFORE")") ;;
  esac
  echo "read round $r: fio ${R[-1]}, fsck before ${S0[-1]}, after ${S1[-1]} MiB/s (load $(cut -d' ' -f1 /proc/loadavg))" >&2
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

mf=$(median "${F[@]}") m0=$(median "${P0[@]}") m1=$(median "${P1[@]}")
mr=$(median "${R[@]}") s0=$(median "${S0[@]}") s1=$(median "${S1[@]}")
cat <<TABLE
| run ($SIZE, median of $ROUNDS interleaved rounds) | MiB/s | rounds | ratio |
| --- | ---: | --- | --- |
| fio two files, io_uring O_DIRECT bs=1M iodepth=16 --end_fsync=1 (per copy) | $mf | ${F[*]} | durable two-file limit |
| padgen two copies, BEFORE ($BEFORE) | $m0 | ${P0[*]} | **$(ratio "$m0" "$mf") x fio** (goal >= 0.95) |
| padgen two copies, AFTER ($AFTER) | $m1 | ${P1[*]} | **$(ratio "$m1" "$mf") x fio** (goal >= 0.95); $(ratio "$m1" "$m0") x BEFORE |
| fio read io_uring O_DIRECT bs=1M iodepth=16 | $mr | ${R[*]} | read limit |
| padstore fsck, BEFORE | $s0 | ${S0[*]} | **$(ratio "$s0" "$mr") x fio** (goal >= 0.9) |
| padstore fsck, AFTER | $s1 | ${S1[*]} | **$(ratio "$s1" "$mr") x fio** (goal >= 0.9); $(ratio "$s1" "$s0") x BEFORE |
TABLE
