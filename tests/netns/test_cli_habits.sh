#!/usr/bin/env bash
# CLI habits of bpftool/iproute2: `vmsteer help [COMMAND]`, unambiguous
# prefixes of commands and subcommands (`port l`), ambiguous ones refused
# naming the candidates, `port list --json` naming the tap "tap" as dump
# and apply do, and getopt's own messages replaced by vmsteer's (JSON under
# --json).
. "$(dirname "$0")/lib.sh"
lib_init clihabits

netns_add "$NS_HYP"
in_hyp ip tuntap add dev vmsth-t1 mode tap || die "tap"
vms port add vmsth-t1 --mac 02:00:00:00:e1:01 >/dev/null || die "port add"

case=help-command
if [ "$("$VMSTEER" help port)" = "$("$VMSTEER" port --help)" ] &&
	[ "$("$VMSTEER" help)" = "$("$VMSTEER" --help)" ] &&
	[ "$("$VMSTEER" help at)" = "$("$VMSTEER" attach --help)" ]; then
	ok $case
else
	fail $case "vmsteer help differs from --help"
fi

case=help-unknown
out=$("$VMSTEER" help nosuch 2>&1); rc=$?
if [ $rc = 2 ] && [[ $out == *"unknown or ambiguous command 'nosuch'"* ]]; then ok $case; else fail $case "rc $rc: $out"; fi

case=prefix-subcommand
if [ "$(vms port l)" = "$(vms port list)" ] && [ "$(vms po li)" = "$(vms port list)" ] &&
	vms port l | grep -q vmsth-t1; then
	ok $case
else
	fail $case "port l: $(vms port l 2>&1)"
fi

case=prefix-ambiguous
out=$(vms st 2>&1); rc=$?
out2=$(vms rss s vmsth-t1 2>&1); rc2=$?
if [ $rc = 2 ] && [ $rc2 = 2 ] && [[ $out2 == *"expected one of show, set"* ]]; then ok $case; else fail $case "st: rc $rc $out; rss s: rc $rc2 $out2"; fi

case=port-list-json-tap
got=$(vms --json port list | jq -r '.[0].tap')
dumped=$(vms dump | jq -r '.ports[0].tap')
if [ "$got" = vmsth-t1 ] && [ "$dumped" = vmsth-t1 ] && [ "$(vms --json port list | jq '.[0] | has("port")')" = false ]; then
	ok $case
else
	fail $case "port list: $(vms --json port list)"
fi

case=bad-option-json
out=$("$VMSTEER" --json --no-such 2>"$TMPD/err"); rc=$?
if [ $rc = 2 ] && [ ! -s "$TMPD/err" ] && jq -e '.error | test("--no-such")' <<<"$out" >/dev/null; then
	ok $case
else
	fail $case "rc $rc, stdout '$out', stderr '$(cat "$TMPD/err")'"
fi

# Every command's own options too: getopt says nothing, vmsteer names the
# option, in JSON under --json.
case=bad-command-option-json
bad=
for args in "port add vmsth-t1 --bogus" "attach --mode" "rss set vmsth-t1 --zz" "apply --zz" \
	"port del --zz" "status --pending-max" "stats --zz" "monitor --zz"; do
	# shellcheck disable=SC2086
	out=$(vms --json $args 2>"$TMPD/err"); rc=$?
	opt=$(echo "$args" | grep -o -- '--[a-z-]*' | tail -1)
	if [ $rc != 2 ] || [ -s "$TMPD/err" ] || ! jq -e --arg o "$opt" '.error | contains($o)' <<<"$out" >/dev/null; then
		bad+="'$args': rc $rc, stdout '$out', stderr '$(cat "$TMPD/err")'; "
	fi
done
if [ -z "$bad" ]; then ok $case; else fail $case "$bad"; fi

# --listen :PORT listens on every address, IPv4 too (as node_exporter's
# :9100 does); [::]:PORT on IPv6 only.
listen_try() { # LISTEN -> "PORT HTTP-CODE" of a scrape over 127.0.0.1
	local err=$TMPD/listen.err pid port code
	rm -f "$err"
	nsenter --net="/run/netns/$NS_HYP" "$(dirname "$VMSTEER")/vmsteer-exporter" --pin-path "$PIN" --listen "$1" </dev/null >/dev/null 2>"$err" &
	pid=$!
	LIB_PIDS+=("$pid")
	wait_for "exporter" grep -qs 'listening on' "$err" || { echo "none $(cat "$err")"; return; }
	port=$(sed -n 's|.*listening on http://.*:\([0-9]*\)/.*|\1|p' "$err")
	code=$(in_hyp curl -s -o /dev/null -m 5 -w '%{http_code}' "http://127.0.0.1:$port/healthz")
	kill "$pid"
	wait "$pid" 2>/dev/null
	echo "$port $code"
}
case=listen-every-address
got=$(listen_try :0)
v6=$(listen_try '[::]:0')
if [ "${got#* }" = 200 ] && [ "${v6#* }" = 000 ]; then ok $case; else fail $case ":0 -> '$got', [::]:0 -> '$v6' (expected 200 and no answer)"; fi

case=bad-option-plain
out=$("$VMSTEER" --no-such 2>&1); rc=$?
if [ $rc = 2 ] && [ "$(echo "$out" | wc -l)" = 1 ] && [[ $out != *unrecognized* ]]; then ok $case; else fail $case "rc $rc: $out"; fi

# The agent's options as every command's: one line naming the object,
# status 2, nothing started.
case=agent-options
bad=
for args in "--config a --config b" "--bogus" "--uri x --no-libvirt" "stray" "--pin-path="; do
	# shellcheck disable=SC2086
	out=$(timeout 20 "$VMSTEER" agent $args 2>&1 </dev/null); rc=$?
	word=$(echo "$args" | grep -o -- '--[a-z-]*\|stray' | head -1)
	if [ $rc != 2 ] || [ "$(echo "$out" | wc -l)" != 1 ] || [[ $out != *"$word"* ]] || [[ $out == *unrecognized* ]]; then
		bad+="'$args': rc $rc: $out; "
	fi
done
if [ -z "$bad" ]; then ok $case; else fail $case "$bad"; fi

lib_done
