#!/usr/bin/env bash
# bench/relay_backends.sh: the relay's storage backends side by side, in one run:
# SQLite (one relay) against 1, 2 and 4 relay processes sharing one PostgreSQL 15 database.
#
#   bench/relay_backends.sh [BUILD_DIR]      (default: build; needs otc-relay, wrk, postgresql-15)
#   DURATION=10s  per wrk run   THREADS=2 relay io threads   WRK_THREADS=1 per wrk process
#   RELAYS="1 2 4"              relay processes on PostgreSQL
#
# For each setup: durable sends/s (POST /send; 200 = committed, fsynced / synchronous_commit
# on) and getmessages/s (with accounts on: the Bearer token is checked on every read) at 8
# and 64 connections in total. With N relays, N wrk processes run at once, one per relay, each
# with connections/N; req/s is their sum and p50/p99 the worst of the N (wrk cannot merge
# histograms). The ratio column compares with SQLite at the same connection count.
#
# PostgreSQL runs from a fresh initdb in a temporary directory on ${TMPDIR:-/var/tmp} (fsync
# on, defaults otherwise), on a Unix socket only, as the postgres user when run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
RELAY=$BUILD/relay/otc-relay
PGBIN=/usr/lib/postgresql/15/bin
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
WRK_THREADS=${WRK_THREADS:-1}
RELAYS=${RELAYS:-1 2 4}
[ -x "$RELAY" ] || { echo "relay_backends.sh: $RELAY missing; build it: cmake --build $BUILD --target otc-relay" >&2; exit 2; }
[ -x "$PGBIN/initdb" ] || { echo "relay_backends.sh: $PGBIN/initdb missing (apt-get install postgresql-15)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "relay_backends.sh: wrk not found (apt-get install wrk)" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/otc-relay-backends.XXXXXX")
AS_PG=()
if [ "$(id -u)" = 0 ]; then chown postgres: "$WORK"; AS_PG=(runuser -u postgres --); fi
PIDS=()
PG_UP=0
stop_relays() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  PIDS=()
}
cleanup() {
  stop_relays
  [ "$PG_UP" = 1 ] && "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$WORK/pg" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

"${AS_PG[@]}" "$PGBIN/initdb" -D "$WORK/pg" -A trust -U postgres -E UTF8 >"$WORK/initdb.log" 2>&1 ||
  { cat "$WORK/initdb.log" >&2; exit 1; }
"${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.log" -w \
  -o "-c listen_addresses='' -c unix_socket_directories='$WORK' -c max_connections=300" start >/dev/null
PG_UP=1
psql "postgresql:///postgres?host=$WORK&user=postgres" -qc "CREATE DATABASE otc" >/dev/null
PGURI="postgresql:///otc?host=$WORK&user=postgres"

ADDRS=()
start_relays() {  # start_relays N DB
  ADDRS=()
  for i in $(seq "$1"); do
    "$RELAY" --listen 127.0.0.1:0 --db "$2" --rate-limit 0 --threads "$THREADS" \
      --max-connections 20000 --queue-max-messages 0 --queue-max-bytes 0 --json \
      >"$WORK/relay$i.out" 2>"$WORK/relay$i.err" &
    PIDS+=($!)
    for _ in $(seq 200); do [ -s "$WORK/relay$i.out" ] && break; sleep 0.05; done
    local a
    a=$(sed -n 's/.*"listen":"\([^"]*\)".*/\1/p' "$WORK/relay$i.out")
    [ -n "$a" ] || { echo "relay_backends.sh: otc-relay did not start:" >&2; cat "$WORK/relay$i.err" >&2; exit 1; }
    ADDRS+=("$a")
  done
  # bench-get owns one 256-byte message; its token authorizes the reads.
  local url="http://${ADDRS[0]}"
  export TOKEN
  TOKEN=$(curl -sf -d recipient_uid=bench-get "$url/register" | sed 's/.*"token":"\([0-9a-f]*\)".*/\1/' || true)
  [ -n "$TOKEN" ] || TOKEN=$(cat "$WORK/token.bench-get" 2>/dev/null || true)
  echo "$TOKEN" >"$WORK/token.bench-get"
  local body='{"sender_uid":"bench-sender","recipient_uid":"bench-get","contents":"'$(printf 'QUJD%.0s' $(seq 86))'"}'
  export START_REF
  START_REF=$(curl -sf -H 'Content-Type: application/json' -d "$body" "$url/send" | sed 's/.*"ref":\([0-9]*\).*/\1/')
}

declare -A RESULT
run() {  # run NAME CONNECTIONS SCRIPT: one wrk per relay, connections split between them
  local n=${#ADDRS[@]} per=$(( $2 / ${#ADDRS[@]} )) i=0 pids=()
  for a in "${ADDRS[@]}"; do
    wrk -t"$WRK_THREADS" -c"$per" -d"$DURATION" --timeout 10s -s "bench/relay/$3" "http://$a/send" \
      >"$WORK/wrk$i.out" 2>&1 &
    pids+=($!); i=$((i + 1))
  done
  for p in "${pids[@]}"; do wait "$p" || true; done
  RESULT[$1]=$(cat "$WORK"/wrk*.out | grep '^RESULT' | awk -v n="$n" '
    { for (f = 2; f <= NF; f++) { split($f, kv, "="); v[kv[1]] = kv[2] }
      rps += v["rps"]; if (v["p50_ms"] > p50) p50 = v["p50_ms"]; if (v["p99_ms"] > p99) p99 = v["p99_ms"]
      bad += v["non2xx"] + v["errors"]; k++ }
    END { if (k != n) print "FAILED"; else printf "%.0f %.2f %.2f %d\n", rps, p50, p99, bad }')
  rm -f "$WORK"/wrk*.out
  echo "# $1 c=$2: ${RESULT[$1]} (req/s p50_ms p99_ms non-2xx+errors)"
}

SETUPS=(sqlite)
for n in $RELAYS; do SETUPS+=("pg$n"); done
echo "# otc-relay storage backends, $(nproc) cores, $THREADS io threads per relay, wrk -t$WRK_THREADS -d$DURATION per relay"
for s in "${SETUPS[@]}"; do
  if [ "$s" = sqlite ]; then start_relays 1 "$WORK/relay.db"; else start_relays "${s#pg}" "$PGURI"; fi
  for c in 8 64; do
    run "${s}_send_c$c" "$c" send.lua
    run "${s}_get_c$c" "$c" getmessages.lua
  done
  stop_relays
done

echo
echo "| storage | relays | workload | conns | req/s | p50 ms | p99 ms | ratio to SQLite |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
for kind in send get; do
  for c in 8 64; do
    base=$(cut -d' ' -f1 <<<"${RESULT[sqlite_${kind}_c$c]}")
    for s in "${SETUPS[@]}"; do
      read -r rps p50 p99 bad <<<"${RESULT[${s}_${kind}_c$c]}"
      ratio=$(awk -v a="$rps" -v b="$base" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
      name=$([ "$kind" = send ] && echo "durable send" || echo "getmessages")
      storage=$([ "$s" = sqlite ] && echo SQLite || echo PostgreSQL)
      relays=$([ "$s" = sqlite ] && echo 1 || echo "${s#pg}")
      echo "| $storage | $relays | $name | $c | $rps | $p50 | $p99 | $ratio |"
      [ "${bad:-0}" = 0 ] || echo "WARNING: $s $kind c=$c had $bad non-2xx responses or socket errors" >&2
    done
  done
done
