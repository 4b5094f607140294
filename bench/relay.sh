#!/usr/bin/env bash
# bench/relay.sh: otc-relay throughput and latency on loopback, driven by wrk.
#
#   bench/relay.sh [BUILD_DIR]        (default: build; needs otc-relay and relay_idle_polls)
#   DURATION=10s  length of each wrk run     IDLE=2000  long-polls held in the second pass
#   THREADS=2     relay io threads           WRK_THREADS=2
#   BACKENDS=1    then run bench/relay_backends.sh (SQLite vs 1, 2, 4 relays on PostgreSQL);
#                 BACKENDS=0 skips it, BACKENDS=only runs only that
#
# Measures durable sends/s (POST /send; a 200 means committed and fsynced) and
# getmessages/s at 8 and 64 connections, with p50/p99 latency; then the same while IDLE
# idle long-polls are held open. The no-idle pass runs before and after the idle pass and the
# ratio compares the idle figure with the mean of the two (the machine's load drifts). Rate limiting is off
# (--rate-limit 0) and so is the per-address connection cap: every request comes from 127.0.0.1. The database lives in a fresh
# directory under ${TMPDIR:-/var/tmp} (a real disk: fsync costs what it costs there).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
if [ "${BACKENDS:-1}" = only ]; then exec bench/relay_backends.sh "$BUILD"; fi
RELAY=$BUILD/relay/otc-relay
IDLER=$BUILD/bench/relay/relay_idle_polls
DURATION=${DURATION:-10s}
IDLE=${IDLE:-2000}
THREADS=${THREADS:-2}
WRK_THREADS=${WRK_THREADS:-2}
for b in "$RELAY" "$IDLER"; do
  [ -x "$b" ] || { echo "relay.sh: $b missing; build it: cmake --build $BUILD --target otc-relay relay_idle_polls" >&2; exit 2; }
done
command -v wrk >/dev/null || { echo "relay.sh: wrk not found (apt-get install wrk)" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/otc-relay-bench.XXXXXX")
RELAY_PID=""
IDLER_PID=""
cleanup() {
  [ -n "$IDLER_PID" ] && kill "$IDLER_PID" 2>/dev/null || true
  [ -n "$RELAY_PID" ] && kill "$RELAY_PID" 2>/dev/null && wait "$RELAY_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

"$RELAY" --listen 127.0.0.1:0 --db "$WORK/relay.db" --rate-limit 0 --threads "$THREADS" \
  --max-connections 20000 --max-connections-per-address 0 --metrics-listen 127.0.0.1:0 \
  --queue-max-messages 0 --queue-max-bytes 0 --accounts off \
  --json >"$WORK/relay.out" 2>"$WORK/relay.err" &
RELAY_PID=$!
for _ in $(seq 100); do [ -s "$WORK/relay.out" ] && break; sleep 0.05; done
ADDR=$(sed -n 's/.*"listen":"\([^"]*\)".*/\1/p' "$WORK/relay.out")
[ -n "$ADDR" ] || { echo "relay.sh: otc-relay did not start:" >&2; cat "$WORK/relay.err" >&2; exit 1; }
URL="http://$ADDR"
METRICS_URL="http://$(sed -n 's/.*"metrics_listen":"\([^"]*\)".*/\1/p' "$WORK/relay.out")"

# The message that /getmessages returns: one 256-byte message for bench-get.
BODY='{"sender_uid":"bench-sender","recipient_uid":"bench-get","contents":"'$(printf 'QUJD%.0s' $(seq 86))'"}'
REF=$(curl -sf -H 'Content-Type: application/json' -d "$BODY" "$URL/send" | sed 's/.*"ref":\([0-9]*\).*/\1/')
export START_REF=$REF

declare -A RESULTS
run() {  # run NAME CONNECTIONS SCRIPT
  local out
  out=$(wrk -t"$WRK_THREADS" -c"$2" -d"$DURATION" --timeout 10s -s "bench/relay/$3" "$URL/send" 2>&1 |
    grep '^RESULT' || true)
  [ -n "$out" ] || { echo "relay.sh: wrk failed for $1" >&2; exit 1; }
  RESULTS[$1]=$out
  echo "$1 c=$2: ${out#RESULT }"
}
field() { sed -n "s/.*$2=\([0-9.]*\).*/\1/p" <<<"${RESULTS[$1]}"; }
metric() { curl -sf "$METRICS_URL/metrics" | sed -n "s/^$1 \([0-9]*\)$/\1/p"; }

echo "# otc-relay at $URL, $THREADS io threads, wrk -t$WRK_THREADS -d$DURATION, $(nproc) cores"
for pass in base idle base2; do
  if [ "$pass" = base2 ]; then
    kill "$IDLER_PID" 2>/dev/null || true
    wait "$IDLER_PID" 2>/dev/null || true
    IDLER_PID=""
    for _ in $(seq 400); do [ "$(metric otc_relay_longpolls_held)" = 0 ] && break; sleep 0.05; done
    echo "# idle long-polls released: $(metric otc_relay_longpolls_held) held"
  fi
  if [ "$pass" = idle ]; then
    "$IDLER" --address "$ADDR" --connections "$IDLE" --seconds 3600 >"$WORK/idle.out" 2>"$WORK/idle.err" &
    IDLER_PID=$!
    for _ in $(seq 400); do [ "$(metric otc_relay_longpolls_held)" = "$IDLE" ] && break; sleep 0.05; done
    echo "# holding $(metric otc_relay_longpolls_held) idle long-polls"
  fi
  for c in 8 64; do
    run "send_c${c}_$pass" "$c" send.lua
    run "get_c${c}_$pass" "$c" getmessages.lua
  done
  if [ "$pass" = idle ]; then
    echo "# still holding $(metric otc_relay_longpolls_held) idle long-polls"
  fi
done
echo "# store commits: $(metric otc_relay_store_commits_total), messages: $(metric otc_relay_messages_received_total)"

echo
echo "| workload | conns | req/s (before / after) | p50 ms | p99 ms | req/s, $IDLE idle long-polls held | p50 ms | p99 ms | ratio to mean |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for kind in send get; do
  for c in 8 64; do
    b="${kind}_c${c}_base" a="${kind}_c${c}_base2" i="${kind}_c${c}_idle"
    ratio=$(awk -v i="$(field "$i" rps)" -v b="$(field "$b" rps)" -v a="$(field "$a" rps)" \
      'BEGIN { printf "%.2f", 2 * i / (a + b) }')
    name=$([ "$kind" = send ] && echo "durable send" || echo "getmessages")
    echo "| $name | $c | $(field "$b" rps) / $(field "$a" rps) | $(field "$b" p50_ms) / $(field "$a" p50_ms) | $(field "$b" p99_ms) / $(field "$a" p99_ms) | $(field "$i" rps) | $(field "$i" p50_ms) | $(field "$i" p99_ms) | $ratio |"
  done
done
for k in "${!RESULTS[@]}"; do
  n=$(field "$k" non2xx); e=$(field "$k" errors)
  if [ "$n" != 0 ] || [ "$e" != 0 ]; then echo "WARNING: $k had $n non-2xx responses and $e socket errors"; fi
done
if [ "${BACKENDS:-1}" != 0 ]; then
  echo
  bench/relay_backends.sh "$BUILD"
fi
