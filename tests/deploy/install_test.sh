#!/usr/bin/env bash
# `cmake --install` of a build (into a temporary DESTDIR): every program under bin/ with a
# man page that man renders without warnings and a bash completion that completes its
# subcommands and options; the systemd units pass `systemd-analyze verify` and keep their
# `systemd-analyze security` score; the shipped /etc/otc/relay.conf is accepted by the
# installed otc-relay as the unit passes it.
#
# Usage: install_test.sh BUILD_DIR PREFIX SYSCONFDIR UNITDIR
set -euo pipefail
build=$1 prefix=$2 sysconf=$3 unitdir=$4
programs=(otc otc-device padstore otc-relay padgen otc-entropy)

root=$(mktemp -d /tmp/otc-install-XXXXXX)
relay_pid=""
cleanup() {
  local rc=$?
  [ -z "$relay_pid" ] || { kill "$relay_pid" 2>/dev/null; wait "$relay_pid" 2>/dev/null; } || true
  rm -rf "$root"
  exit $rc
}
trap cleanup EXIT
trap 'exit 143' TERM INT
fail() { echo "FAIL: $*" >&2; exit 1; }

DESTDIR=$root cmake --install "$build" >"$root/install.log"
bin=$root$prefix/bin man1=$root$prefix/share/man/man1
completions=$root$prefix/share/bash-completion/completions

for p in "${programs[@]}"; do
  [ -x "$bin/$p" ] || fail "$prefix/bin/$p is not installed"
  page=$man1/$p.1.gz
  [ -f "$page" ] || fail "no man page $prefix/share/man/man1/$p.1.gz"
  gzip -t "$page" || fail "$page is not gzip"
  zcat "$page" | grep -q "^$p \\\\- " || fail "$p.1: no NAME line for $p"
  if command -v man >/dev/null; then
    warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$page" 2>&1 >/dev/null || true)
    [ -z "$warnings" ] || fail "man warns about $p.1: $warnings"
  fi
  [ -f "$completions/$p" ] || fail "no bash completion for $p"
  bash -n "$completions/$p" || fail "the completion of $p is not valid bash"
done
zcat "$man1/otc-device.1.gz" | grep -q '^\.SS "otc-device pair"' || fail "otc-device.1 lacks the pair subcommand"
zcat "$man1/otc-device.1.gz" | grep -qF 'token\-file' || fail "otc-device.1 lacks the subcommands' options"

# complete PROGRAM WORD...: what the completion offers for the last word.
complete_words() {
  local program=$1; shift
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
           func=$(complete -p "$1" | sed "s/.*-F \([^ ]*\) .*/\1/"); "$func"
           printf "%s\n" "${COMPREPLY[@]}"' _ "$completions/$program" "$program" "$@"
}
[ "$(complete_words otc-device se)" = serve ] || fail "otc-device se<TAB>: $(complete_words otc-device se)"
[ "$(complete_words otc-device pair --new)" = --new-token ] || fail "otc-device pair --new<TAB>"
[ "$(complete_words otc-device serve --tok)" = --token-file ] || fail "otc-device serve --tok<TAB>"
complete_words otc-device serve --token- | grep -qx -- --token-file || fail "serve options"
if complete_words otc-device package --tok | grep -q .; then fail "package has no --token-file"; fi
[ "$(complete_words padgen --si)" = --size ] || fail "padgen --si<TAB>: $(complete_words padgen --si)"
[ "$(complete_words otc send --token-f)" = --token-file ] || fail "otc send --token-f<TAB>"
mkdir -p "$root/files/store-alice"
[ "$(cd "$root/files" && complete_words otc-device serve --store store-)" = store-alice ] ||
  fail "otc-device serve --store <TAB> does not complete a path"
[ "$(cd "$root/files" && complete_words padstore status --json store-)" = store-alice ] ||
  fail "a flag (--json) must not take the next word as its value"

# Units: verified with their programs where this DESTDIR has them, and man pages found there.
units=$root$unitdir
for unit in otc-relay.service otc-device@.service; do
  [ -f "$units/$unit" ] || fail "$unitdir/$unit is not installed"
  sed "s|$prefix/bin/|$bin/|g" "$units/$unit" >"$root/$unit"
done
MANPATH=$root$prefix/share/man systemd-analyze verify "$root/otc-relay.service" \
  "$root/otc-device@.service" || fail "systemd-analyze verify"
# Their sandboxing, as systemd scores it (0 = locked down, 100 = exposed): relay 15, device
# 21 when this was written; a change that loosens either fails here.
for limit in otc-relay.service:20 otc-device@.service:30; do
  systemd-analyze security --offline=true --man=no --threshold="${limit#*:}" "$root/${limit%:*}" \
    >"$root/security.out" 2>&1 || fail "${limit%:*} is less sandboxed: $(tail -n 1 "$root/security.out")"
done

# The shipped relay.conf, as ExecStart expands it (but on a Unix socket in this DESTDIR).
conf=$root$sysconf/otc/relay.conf
[ -f "$conf" ] || fail "$sysconf/otc/relay.conf is not installed"
# KEY=value lines as systemd's EnvironmentFile reads them (the value is the rest of the line).
while IFS= read -r line; do
  if [[ $line =~ ^([A-Z_][A-Z0-9_]*)=(.*)$ ]]; then declare "${BASH_REMATCH[1]}=${BASH_REMATCH[2]}"; fi
done <"$conf"
[ -n "${OTC_RELAY_OPTIONS:-}" ] || fail "relay.conf sets no OTC_RELAY_OPTIONS"
# shellcheck disable=SC2086  # split like systemd's $OTC_RELAY_OPTIONS
"$bin/otc-relay" --listen "unix:$root/relay.sock" --db "$root/relay.db" $OTC_RELAY_OPTIONS \
  2>"$root/relay.log" &
relay_pid=$!
for _ in $(seq 1 100); do [ -S "$root/relay.sock" ] && break; sleep 0.05; done
[ -S "$root/relay.sock" ] || fail "otc-relay refused relay.conf's options: $(cat "$root/relay.log")"
echo "ok: ${#programs[@]} programs with man pages and completions; units verified; relay.conf accepted"
