#!/usr/bin/env bash
# The device on its own host: otc-device runs in its own network namespace, joined to this
# host by a veth pair (the "cable"), listening on TCP with a bearer token. It is set up the
# way docs/DEPLOY.md says: `otc-device pair` on the device, then the line pair printed,
# pasted on the laptop (here: run with the laptop's own config dir). The client (`otc`) on
# the host sends through it and the relay (a Unix socket on the host); the peer's device
# (on the host) decrypts. A request without the token, or with a wrong one, gets 401 and
# spends no pad.
#
# Needs root (network namespaces); exits 77 (ctest: skipped) otherwise. Addresses are a
# /30 from 10.213.0.0/16 on the veth pair only; no traffic leaves it. The namespace, the
# links and every process are removed on exit, and leftovers of a killed earlier run are
# removed first.
#
# Usage: device_netns_test.sh OTC OTC_DEVICE OTC_RELAY PADGEN
set -euo pipefail
OTC=$1 DEVICE=$2 RELAY=$3 PADGEN=$4

if [ "$(id -u)" != 0 ]; then
  echo "SKIP: needs root to make a network namespace (CI runs as root)"
  exit 77
fi
for tool in ip curl jq; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed (scripts/setup)"; exit 77; }
done

prefix=otcdev
ns=$prefix$$        # the device's network namespace
host_if=otch$$      # the host's end of the cable
dev_if=otcd$$       # the device's end

# Leftovers of runs that were killed before their cleanup (SIGKILL, a ctest timeout): their
# pid is in the names, and their work dir lists the processes they started.
for old in $(ip netns list | awk '{print $1}' | grep -E "^$prefix[0-9]+$" || true); do
  kill -0 "${old#"$prefix"}" 2>/dev/null && continue
  ip netns pids "$old" | xargs -r kill -9 || true
  ip netns del "$old" || true
done
for old in $(ip -o link show | grep -oE 'otch[0-9]+' | sort -u || true); do
  kill -0 "${old#otch}" 2>/dev/null || ip link del "$old" 2>/dev/null || true
done
for old in /tmp/otc-netns-*-*; do
  [ -d "$old" ] || continue
  owner=${old#/tmp/otc-netns-}
  kill -0 "${owner%%-*}" 2>/dev/null && continue
  while read -r pid; do  # only if that pid still runs a program of that run
    grep -qF "$old" "/proc/$pid/cmdline" 2>/dev/null && kill -9 "$pid"
  done <"$old/pids" 2>/dev/null || true
  rm -rf "$old"
done

work=$(mktemp -d "/tmp/otc-netns-$$-XXXXXX")
pids=()
cleanup() {
  local rc=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  ip link del "$host_if" 2>/dev/null || true
  if [ $rc -ne 0 ]; then
    echo "FAILED (exit $rc); logs:" >&2
    for log in "$work"/*.log "$work"/*.out; do
      [ -s "$log" ] && { echo "--- $log" >&2; tail -n 20 "$log" >&2; }
    done
  fi
  rm -rf "$work"
  if ip netns list | grep -qw "$ns" || ip link show "$host_if" >/dev/null 2>&1; then
    echo "cleanup left $ns or $host_if behind" >&2
    rc=1
  fi
  exit $rc
}
trap cleanup EXIT
# Every otc here keeps its outbox in the test's directory, not in the runner's home.
export OTC_STATE_DIR="$work/state"
trap 'exit 143' TERM INT
fail() { echo "FAIL: $*" >&2; exit 1; }

# A /30 on the cable that no interface of this host uses yet.
for try in 0 1 2 3 4 5 6 7; do
  n=$((($$ + try * 7919) % 16384))
  net="10.213.$((n / 64)).$((n % 64 * 4))"
  host_ip="10.213.$((n / 64)).$((n % 64 * 4 + 1))"
  dev_ip="10.213.$((n / 64)).$((n % 64 * 4 + 2))"
  ip -o addr show | grep -qF " $host_ip/" || ip -o addr show | grep -qF " $dev_ip/" || break
done
echo "cable: host $host_if $host_ip/30 <-> $ns $dev_if $dev_ip/30 (net $net)"

ip netns add "$ns"
ip link add "$host_if" type veth peer name "$dev_if" netns "$ns"
ip addr add "$host_ip/30" dev "$host_if"
ip link set "$host_if" up
ip netns exec "$ns" ip link set lo up
ip netns exec "$ns" ip addr add "$dev_ip/30" dev "$dev_if"
ip netns exec "$ns" ip link set "$dev_if" up

# The meeting: one pad for alice and bob.
"$PADGEN" --size 1M --user "alice=$work/alice" --user "bob=$work/bob" >"$work/padgen.out" 2>&1

# The relay and bob's device, on this host (Unix sockets).
# Accounts off: this test is about the device on its own host (accounts have their own tests).
"$RELAY" --listen "unix:$work/relay.sock" --db "$work/relay.db" --rate-limit 0 --accounts off \
  >"$work/relay.log" 2>&1 &
pids+=($!)
echo $! >>"$work/pids"
"$DEVICE" serve --store "$work/bob" --listen "unix:$work/bob.sock" --confirm auto \
  >"$work/device-bob.log" 2>&1 &
pids+=($!)
echo $! >>"$work/pids"

# Command 1, on alice's device: pair.
"$DEVICE" pair --store "$work/alice" --listen "tcp:$dev_ip:7000" --token-file "$work/alice.token" \
  --service-config "$work/device-alice.conf" --relay "unix:$work/relay.sock" >"$work/pair.out"
listen=$(sed -n 's/^OTC_DEVICE_LISTEN=//p' "$work/device-alice.conf")
[ "$listen" = "tcp:$dev_ip:7000" ] || fail "device-alice.conf says OTC_DEVICE_LISTEN=$listen"
# The device as its unit starts it (there: --confirm tty on a console; here: auto).
ip netns exec "$ns" "$DEVICE" serve --store "$work/alice" --listen "$listen" \
  --token-file "$work/alice.token" --confirm auto >"$work/device-alice.log" 2>&1 &
device_pid=$!
pids+=($device_pid)

# Command 2, on the laptop: the last line pair printed, in the laptop's config dir.
OTC_CONFIG_DIR="$work/laptop" bash -c "$(tail -n 1 "$work/pair.out")"

for _ in $(seq 1 200); do
  [ -S "$work/relay.sock" ] && [ -S "$work/bob.sock" ] && grep -q "serving on" "$work/device-alice.log" && break
  sleep 0.05
done
grep -q "serving on $dev_ip:7000" "$work/device-alice.log" || fail "alice's device did not start"
[ "$(ip netns identify "$device_pid")" = "$ns" ] || fail "alice's device is not in $ns"

url="http://$dev_ip:7000"
token=$(cat "$work/alice.token")
pad_left() {  # alice's unused pad for bob, asked with the token
  curl -sS --max-time 10 -H "Authorization: Bearer $token" "$url/v1/contacts" |
    jq -e '.contacts[] | select(.peer == "bob") | .pad_left'
}
left_before=$(pad_left)

# No token, a wrong token: 401, and no pad spent.
code=$(curl -sS --max-time 10 -o "$work/no-token.out" -w '%{http_code}' \
  -H 'Content-Type: application/json' -d '{"to":"bob","message":"no token"}' "$url/v1/package")
[ "$code" = 401 ] || fail "a package request without a token got HTTP $code"
jq -e '.error == "unauthorized"' "$work/no-token.out" >/dev/null || fail "no-token reply: $(cat "$work/no-token.out")"
code=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer x${token}" \
  -H 'Content-Type: application/json' -d '{"to":"bob","message":"wrong token"}' "$url/v1/package")
[ "$code" = 401 ] || fail "a package request with a wrong token got HTTP $code"
[ "$(pad_left)" = "$left_before" ] || fail "refused requests spent pad: $left_before -> $(pad_left)"

# The laptop's client, with nothing but the settings pair gave it, sends through the cable.
message="hello over the cable $$"
OTC_CONFIG_DIR="$work/laptop" timeout 60 "$OTC" send bob "$message" >"$work/send.out" 2>&1 ||
  fail "otc send failed: $(cat "$work/send.out")"
left_after=$(pad_left)
[ "$left_after" -lt "$left_before" ] || fail "the send spent no pad ($left_before -> $left_after)"

timeout 60 "$OTC" recv --user bob --device "unix:$work/bob.sock" --relay "unix:$work/relay.sock" \
  --config-dir "$work/cfg-bob" >"$work/recv.out" 2>&1 || fail "otc recv failed: $(cat "$work/recv.out")"
grep -qF "alice: $message" "$work/recv.out" || fail "bob did not get the message: $(cat "$work/recv.out")"
echo "ok: sent through $ns ($url), bob decrypted it; 401 without the token, pad $left_before -> $left_after"
