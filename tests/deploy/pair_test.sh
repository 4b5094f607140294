#!/usr/bin/env bash
# otc-device pair: the token file, the unit's settings file, the line for the laptop, and
# its bad inputs; then a real device started with those settings and a real client
# configured only by that line send a message that the peer decrypts (loopback TCP here;
# device_netns_test.sh does the same across a veth "cable").
#
# Usage: pair_test.sh OTC OTC_DEVICE OTC_RELAY PADGEN
set -euo pipefail
OTC=$1 DEVICE=$2 RELAY=$3 PADGEN=$4
command -v jq >/dev/null || { echo "SKIP: jq is not installed (scripts/setup)"; exit 77; }

work=$(mktemp -d /tmp/otc-pair-XXXXXX)
pids=()
cleanup() {
  local rc=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ $rc -ne 0 ]; then
    for log in "$work"/*.log "$work"/*.out; do
      [ -s "$log" ] && { echo "--- $log" >&2; tail -n 20 "$log" >&2; }
    done
  fi
  rm -rf "$work"
  exit $rc
}
trap cleanup EXIT
# Every otc here keeps its outbox in the test's directory, not in the runner's home.
export OTC_STATE_DIR="$work/state"
trap 'exit 143' TERM INT
fail() { echo "FAIL: $*" >&2; exit 1; }
mode() { stat -c %a "$1"; }

"$PADGEN" --size 1M --user "alice=$work/alice" --user "bob=$work/bob" >"$work/padgen.out" 2>&1
# A port nobody listens on, below the kernel's ephemeral range (32768+) so that no outgoing
# connection of a parallel test holds it. The device is started later, so a parallel test
# can still take it first: the last step retries with another port.
free_port() {
  local p
  for _ in $(seq 1 100); do
    p=$((20000 + RANDOM % 12000))
    ss -Htln "sport = :$p" | grep -q . || ss -Htln "sport = :$((p + 1))" | grep -q . ||
      ss -Htln "sport = :$((p + 2))" | grep -q . || { echo "$p"; return; }
  done
  fail "no free TCP port in 20000-32000"
}
port=$(free_port)
pair() { "$DEVICE" pair --store "$work/alice" --token-file "$work/etc/alice.token" \
  --service-config "$work/etc/device-alice.conf" "$@"; }

# expect_usage_error "what the message must say" ARGS...: exit 2, one line naming the fix.
expect_usage_error() {
  local want=$1 rc=0; shift
  "$DEVICE" pair "$@" >"$work/bad.out" 2>"$work/bad.err" || rc=$?
  [ $rc = 2 ] || fail "pair $* exited $rc, not 2: $(cat "$work/bad.err")"
  grep -qF -- "$want" "$work/bad.err" || fail "pair $*: no '$want' in: $(cat "$work/bad.err")"
  [ ! -s "$work/bad.out" ] || fail "pair $* printed settings on failure"
}
expect_usage_error "is not a pad store" --store "$work/nothing" --listen "tcp:127.0.0.1:$port" \
  --token-file "$work/etc/x.token"
expect_usage_error "give tcp:ADDRESS:PORT" --store "$work/alice" --listen "unix:$work/s.sock"
expect_usage_error "not a wildcard address" --store "$work/alice" --listen "tcp:0.0.0.0:$port"
expect_usage_error "not a wildcard address" --store "$work/alice" --listen "tcp:127.0.0.1:0"
expect_usage_error "--listen" --store "$work/alice" --listen "tcp:device.example:$port"
[ ! -e "$work/etc" ] || fail "a refused pair wrote files"

# First pairing: a new token (0600) and the unit's settings.
pair --listen "tcp:127.0.0.1:$port" --relay "unix:$work/relay.sock" >"$work/pair1.out"
[ "$(mode "$work/etc/alice.token")" = 600 ] || fail "token mode $(mode "$work/etc/alice.token")"
token=$(cat "$work/etc/alice.token")
[[ $token =~ ^[A-Za-z0-9+/]{43}=$ ]] || fail "the token is not 32 random bytes in base64: $token"
grep -qx "OTC_DEVICE_LISTEN=tcp:127.0.0.1:$port" "$work/etc/device-alice.conf" ||
  fail "settings: $(cat "$work/etc/device-alice.conf")"
grep -qF "(new, mode 0600)" "$work/pair1.out" || fail "pair did not say the token is new"
grep -qF -- "otc-device serve --store '$work/alice' --listen tcp:127.0.0.1:$port --token-file '$work/etc/alice.token'" \
  "$work/pair1.out" || fail "no serve command in: $(cat "$work/pair1.out")"
if grep -qF "systemctl" "$work/pair1.out"; then fail "systemctl offered for a store outside /var/lib/otc-device"; fi

# Again, after the administrator added options and moved the port: the token is kept,
# the options line too, and the listen line is replaced.
sed -i 's/^OTC_DEVICE_OPTIONS=.*/OTC_DEVICE_OPTIONS=--confirm-timeout 60/' "$work/etc/device-alice.conf"
pair --listen "tcp:127.0.0.1:$((port + 1))" >"$work/pair2.out"
[ "$(cat "$work/etc/alice.token")" = "$token" ] || fail "a second pair replaced the token"
grep -qF "(kept; --new-token replaces it)" "$work/pair2.out" || fail "pair did not say the token was kept"
grep -qx "OTC_DEVICE_OPTIONS=--confirm-timeout 60" "$work/etc/device-alice.conf" || fail "options lost"
[ "$(grep -c '^OTC_DEVICE_LISTEN=' "$work/etc/device-alice.conf")" = 1 ] || fail "two listen lines"
grep -qx "OTC_DEVICE_LISTEN=tcp:127.0.0.1:$((port + 1))" "$work/etc/device-alice.conf" || fail "listen not moved"

# --new-token replaces it; --json says so.
pair --listen "tcp:127.0.0.1:$port" --new-token --json >"$work/pair3.out"
new_token=$(cat "$work/etc/alice.token")
[ "$new_token" != "$token" ] || fail "--new-token kept the old token"
jq -e --arg port "$port" '.user == "alice" and .device == "http://127.0.0.1:\($port)" and .new_token == true
  and (.laptop_command | type == "string")' "$work/pair3.out" >/dev/null || fail "json: $(cat "$work/pair3.out")"
token=$new_token

# --service-config none leaves the unit's settings alone.
"$DEVICE" pair --store "$work/alice" --token-file "$work/etc/alice.token" --service-config none \
  --listen "tcp:127.0.0.1:$((port + 2))" >"$work/none.out"
grep -qx "OTC_DEVICE_LISTEN=tcp:127.0.0.1:$port" "$work/etc/device-alice.conf" || fail "none wrote settings"
if grep -q "settings:" "$work/none.out"; then fail "--service-config none still names a settings file"; fi

# A token file others can read is refused, not used.
chmod 644 "$work/etc/alice.token"
rc=0; pair --listen "tcp:127.0.0.1:$port" >"$work/bad.out" 2>"$work/bad.err" || rc=$?
[ $rc = 2 ] && grep -qF "chmod 600" "$work/bad.err" || fail "a 0644 token file: exit $rc, $(cat "$work/bad.err")"
chmod 600 "$work/etc/alice.token"

# Both ends for real: the device with the unit's settings, the client with the laptop's.
# Accounts off: this test is about pairing (accounts have their own tests).
"$RELAY" --listen "unix:$work/relay.sock" --db "$work/relay.db" --rate-limit 0 --accounts off >"$work/relay.log" 2>&1 &
pids+=($!)
"$DEVICE" serve --store "$work/bob" --listen "unix:$work/bob.sock" --confirm auto >"$work/bob.log" 2>&1 &
pids+=($!)

# The laptop: the last line pair printed, pasted into a shell (its config dir: $OTC_CONFIG_DIR);
# then alice's device with the unit's settings. If a parallel test took the port in between,
# pair again on another one (what an administrator would do).
start_alice() {
  pair --listen "tcp:127.0.0.1:$port" --relay "unix:$work/relay.sock" >"$work/pair4.out"
  rm -rf "$work/laptop"
  OTC_CONFIG_DIR="$work/laptop" bash -c "$(tail -n 1 "$work/pair4.out")"
  [ "$(mode "$work/laptop/device-alice.token")" = 600 ] || fail "laptop token mode"
  [ "$(cat "$work/laptop/device-alice.token")" = "$token" ] || fail "laptop token differs"
  grep -qx "device = http://127.0.0.1:$port" "$work/laptop/config" || fail "config: $(cat "$work/laptop/config")"
  grep -qx "token_file = $work/laptop/device-alice.token" "$work/laptop/config" || fail "config token_file"
  grep -qx "user = alice" "$work/laptop/config" || fail "config user"
  local listen
  listen=$(sed -n 's/^OTC_DEVICE_LISTEN=//p' "$work/etc/device-alice.conf")
  [ "$listen" = "tcp:127.0.0.1:$port" ] || fail "settings listen on $listen, not port $port"
  "$DEVICE" serve --store "$work/alice" --listen "$listen" --token-file "$work/etc/alice.token" \
    --confirm auto >"$work/alice.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 200); do
    [ -S "$work/relay.sock" ] && [ -S "$work/bob.sock" ] &&
      grep -q "serving on\|address in use" "$work/alice.log" && break
    sleep 0.05
  done
  grep -q "serving on 127.0.0.1:$port" "$work/alice.log"
}
for attempt in 1 2 3; do
  start_alice && break
  grep -q "address in use" "$work/alice.log" && [ $attempt -lt 3 ] || fail "alice's device did not start"
  port=$(free_port)
done
OTC_CONFIG_DIR="$work/laptop" timeout 60 "$OTC" send bob "paired in two commands" >"$work/send.out" 2>&1 ||
  fail "otc send with the paired settings failed"
timeout 60 "$OTC" recv --user bob --device "unix:$work/bob.sock" --relay "unix:$work/relay.sock" \
  --config-dir "$work/cfg-bob" >"$work/recv.out" 2>&1 || fail "otc recv failed"
grep -qF "alice: paired in two commands" "$work/recv.out" || fail "bob got: $(cat "$work/recv.out")"
echo "ok: pair's settings carried a message from alice's laptop to bob"
