#!/usr/bin/env bash
# vmsteer-test: parallel 26
# CLI semantics against a live set-up: attach twice is a no-op, port add
# updates a port in place, a MAC already owned on a VLAN is refused, and bad
# input (unknown or non-tap device, bad MAC or VLAN, unusable pin path) is
# refused with one line naming the culprit, a non-zero exit and no change.
. "$(dirname "$0")/lib.sh"
lib_init cli

setup_two_vms
tap_create vmt3 # a tap with no port yet
ip -n "$NS_HYP" link add up1 type veth peer name wire1 ||
	die "cannot create a second veth"
ip -n "$NS_HYP" link set up1 up
ip -n "$NS_HYP" link set wire1 up

# snapshot: everything a refused command must leave as it was. The
# snapshot after one refused command is the one before the next.
snapshot() {
	echo "ports: $(vms --json port list 2>&1)"
	echo "status: $(vms --json status 2>&1)"
	echo "xdp: $(ip -n "$NS_HYP" -j -d link show | jq -c 'map({ifname, xdp: .xdp.prog.id})')"
}
SNAP=

# refused CASE NEEDLE CLI-ARGS...: the CLI must fail with exactly one line
# on stderr that contains NEEDLE, print nothing on stdout and change nothing.
refused() {
	local case=$1 needle=$2 before after rc
	shift 2
	before=${SNAP:-$(snapshot)}
	in_hyp "$VMSTEER" "$@" >"$TMPD/out" 2>"$TMPD/err"
	rc=$?
	after=$(snapshot)
	SNAP=$after
	local lines
	lines=$(wc -l <"$TMPD/err")
	if [ $rc -eq 0 ]; then
		fail "$case" "'vmsteer $*' succeeded; it should be refused"
	elif [ "$lines" -ne 1 ]; then
		fail "$case" "'vmsteer $*' printed $lines lines on stderr: $(head -c 300 "$TMPD/err" | tr '\n' '|')"
	elif ! grep -qiF -- "$needle" "$TMPD/err"; then
		fail "$case" "'vmsteer $*': the error does not name '$needle': $(cat "$TMPD/err")"
	elif [ -s "$TMPD/out" ]; then
		fail "$case" "'vmsteer $*' printed on stdout too: $(head -c 200 "$TMPD/out")"
	elif [ "$after" != "$before" ]; then
		fail "$case" "'vmsteer $*' changed the state: $before -> $after"
	else
		ok "$case"
	fi
}

P=(--pin-path "$PIN")

# ---- attach ----
case=attach-twice-no-change
before=$(snapshot)
out=$(vms attach up0 2>&1)
rc=$?
after=$(snapshot)
if [ $rc -ne 0 ]; then
	fail $case "second attach up0 failed ($rc): $out"
elif [ "$after" != "$before" ]; then
	fail $case "second attach up0 changed the state: $before -> $after"
elif ! deliver_round 5; then
	fail $case "$ROUND_WHY"
else
	ok $case
fi

refused attach-unknown-device nosuchdev0 "${P[@]}" attach nosuchdev0
refused detach-unknown-device nosuchdev0 "${P[@]}" detach nosuchdev0

# ---- port add: update in place ----
SNAP=
case=port-add-upsert
MAC_NEW=02:00:00:00:01:99
ports0=$(vms --json port list | jq -c 'map(del(.index)) | sort_by(.tap)')
out=$(vms port add vmt1 --mac $MAC_NEW 2>&1)
rc=$?
list=$(vms --json port list)
n_vmt1=$(jq '[.[] | select(.tap == "vmt1")] | length' <<<"$list")
mac_vmt1=$(jq -r '.[] | select(.tap == "vmt1") | .mac' <<<"$list")
n_all=$(jq 'length' <<<"$list")
# Frames to the new MAC reach vmt1; frames to the old one no longer do.
: >"$TMPD/ups.hex"
: >"$TMPD/ups_exp.hex"
for i in 1 2 3 4 5; do
	SEQ=$((SEQ + 1))
	frame_v f $MAC_NEW $SEQ
	echo "$f" >>"$TMPD/ups.hex"
	echo "$f" >>"$TMPD/ups_exp.hex"
	SEQ=$((SEQ + 1))
	frame_v f "$MAC_VM1" $SEQ
	echo "$f" >>"$TMPD/ups.hex"
done
unknown0=$(uplink_reason "$(stats_json)" unknown_dst)
sent=$(send_hex "$TMPD/ups.hex")
XDP_TOTAL=$((XDP_TOTAL + sent))
wait_xdp $XDP_TOTAL
xdp_ok=$?
vmsim_new_frames vm1 "$TMPD/ups_got.hex"
unknown1=$(uplink_reason "$STATS" unknown_dst)
if [ $rc -ne 0 ]; then
	fail $case "port add vmt1 --mac $MAC_NEW (update) failed ($rc): $out"
elif [ "$n_vmt1" != 1 ] || [ "$n_all" != 2 ] || [ "$mac_vmt1" != $MAC_NEW ]; then
	fail $case "after the update: $n_all ports, $n_vmt1 named vmt1, vmt1 MAC $mac_vmt1: $list"
elif [ $xdp_ok -ne 0 ]; then
	fail $case "$XDP_WAIT_WHY"
elif ! same_frames "$TMPD/ups_exp.hex" "$TMPD/ups_got.hex"; then
	fail $case "vmt1 after the MAC change: $DIFF_WHY"
elif [ $((unknown1 - unknown0)) -ne 5 ]; then
	fail $case "frames to the old MAC: unknown_dst rose by $((unknown1 - unknown0)), expected 5"
else
	# And back: the port list is as it was (indexes may move).
	vms port add vmt1 --mac "$MAC_VM1" >/dev/null 2>&1
	ports1=$(vms --json port list | jq -c 'map(del(.index)) | sort_by(.tap)')
	if [ "$ports1" != "$ports0" ]; then
		fail $case "changing the MAC back did not restore the port: $ports0 -> $ports1"
	elif ! deliver_round 5; then
		fail $case "after changing the MAC back: $ROUND_WHY"
	else
		ok $case
	fi
fi

# ---- port add: a MAC is owned by one port per VLAN ----
SNAP=
refused dup-mac-new-port "$MAC_VM1" "${P[@]}" port add vmt3 --mac "$MAC_VM1"
refused dup-mac-access-vlan "$MAC_VM2" "${P[@]}" port add vmt3 --mac "$MAC_VM2" --vlan "$VLAN_VM2"
# Moving vmt2 onto vmt1's (VLAN, MAC) is refused and leaves vmt2 as it was.
refused dup-mac-update "$MAC_VM1" "${P[@]}" port add vmt2 --mac "$MAC_VM1"
case=dup-mac-no-harm
if deliver_round 5; then ok $case; else fail $case "$ROUND_WHY"; fi

# ---- bad input ----
M3=02:00:00:00:03:03
# A tap that does not exist yet makes a pending port (test_pending.sh).
case=port-add-unknown-device-pending
out=$(vms --json port add nosuchtap0 --mac $M3 2>&1)
if [ "$(jq -r .pending <<<"$out")" = true ] &&
	[ "$(vms --json port list | jq -r '.[] | select(.tap == "nosuchtap0") | .state')" = pending ] &&
	vms port del nosuchtap0 >/dev/null; then
	ok $case
else
	fail $case "$out"
fi
SNAP=
refused port-add-not-a-tap up1 "${P[@]}" port add up1 --mac $M3
refused port-add-uplink-not-a-tap up0 "${P[@]}" port add up0 --mac $M3
refused port-del-unknown nosuchtap0 "${P[@]}" port del nosuchtap0
for mac in zz:00:00:00:00:01 02:00:00:00:03 02:00:00:00:03:03:03 \
	01:00:5e:00:00:01 ff:ff:ff:ff:ff:ff 00:00:00:00:00:00; do
	refused "port-add-bad-mac-$mac" "$mac" "${P[@]}" port add vmt3 --mac "$mac"
done
# Numbers are digits only: no spaces, signs or other bases, either side.
vlans=(0 4095 4096 abc -1 "" " 100" "100 " "+100" "0x64" "1e2" $'100\n')
for i in "${!vlans[@]}"; do
	vlan=${vlans[$i]}
	refused "port-add-bad-vlan-$i" "--vlan '${vlan//$'\n'/\\n}'" \
		"${P[@]}" port add vmt3 --mac $M3 --vlan "$vlan"
done
refused port-add-bad-queues "--queues ' 2'" "${P[@]}" port add vmt3 --mac $M3 --queues " 2"
refused port-add-bad-prefix "prefix length" "${P[@]}" port add vmt3 --mac $M3 --ip "10.9.0.0/ 24"
refused stats-bad-watch "--watch ' 1'" "${P[@]}" stats --watch " 1"
refused exporter-bad-timeout "--timeout ' 5'" "${P[@]}" exporter --timeout " 5"
refused exporter-bad-port "'127.0.0.1:+80'" "${P[@]}" exporter --listen 127.0.0.1:+80

# A single-valued option given twice is an error, not "the last wins".
refused port-add-mac-twice "--mac given twice" "${P[@]}" port add vmt3 --mac $M3 --mac 02:00:00:00:03:04
refused port-add-vlan-twice "--vlan given twice" "${P[@]}" port add vmt3 --mac $M3 --vlan 5 --vlan 6
refused port-add-queues-twice "--queues given twice" "${P[@]}" port add vmt3 --mac $M3 --queues 1 --queues 2
refused attach-mode-twice "--mode given twice" "${P[@]}" attach up1 --mode native --mode generic
refused rss-set-key-twice "--default-queue given twice" "${P[@]}" rss set vmt1 --default-queue 0 --default-queue 1
refused monitor-count-twice "--count given twice" "${P[@]}" monitor --count 1 --count 2
refused stats-watch-twice "--watch given twice" "${P[@]}" stats --watch 1 --watch 2
refused exporter-listen-twice "--listen given twice" "${P[@]}" exporter --listen 127.0.0.1:0 --listen 127.0.0.1:1
refused pin-path-twice "--pin-path given twice" "${P[@]}" --pin-path "$PIN" status
refused port-del-mac-twice "--mac given twice" "${P[@]}" port del --mac $M3 --mac 02:00:00:00:03:04
refused port-del-bad-vlan "--vlan ' 5'" "${P[@]}" port del --mac $M3 --vlan " 5"
refused status-pending-max-twice "--pending-max given twice" "${P[@]}" status --pending-max 1 --pending-max 2
refused status-bad-pending-max "--pending-max +5" "${P[@]}" status --pending-max +5

# Names with control characters: refused in one line, the character shown
# escaped, never raw.
refused port-add-newline-name 'vm\nt3: not a valid device name (contains a control character)' \
	"${P[@]}" port add $'vm\nt3' --mac $M3
refused port-del-tab-name 'port vm\tt3: not configured' "${P[@]}" port del $'vm\tt3'
refused attach-escape-name 'up\x1b[2J1: not a valid device name' "${P[@]}" attach $'up\e[2J1'
refused stats-newline-name 'vm\nt1' "${P[@]}" stats $'vm\nt1'
refused port-add-newline-mac "--mac 02:00:00:00:03:03\n" "${P[@]}" port add vmt3 --mac $'02:00:00:00:03:03\n'

# An unusable pin path: nothing attached, nothing created.
for bad in /proc/vmsteer-test-$$ /etc/hostname /etc/hostname/vmsteer; do
	refused "attach-bad-pin-path-$bad" "$bad" --pin-path "$bad" attach up1
	refused "port-add-bad-pin-path-$bad" "$bad" --pin-path "$bad" port add vmt3 --mac $M3
done
case=bad-pin-path-nothing-left
if [ -e /proc/vmsteer-test-$$ ] || [ -e /etc/hostname/vmsteer ] || [ ! -f /etc/hostname ]; then
	fail $case "a refused pin path was created or replaced"
else
	ok $case
fi
# A directory with files that is not a BPF filesystem: vmsteer refuses it
# rather than mount a bpffs over the files; reading commands say so too
# (not "no state"), as they do for a relative pin path.
mkdir -p "$TMPD/pindir"
echo keep >"$TMPD/pindir/file"
refused attach-pin-path-with-files "pin path $TMPD/pindir: not on a BPF filesystem and not empty" \
	--pin-path "$TMPD/pindir" attach up1
refused port-add-pin-path-with-files "not on a BPF filesystem" --pin-path "$TMPD/pindir" port add vmt3 --mac $M3
refused status-pin-path-with-files "not on a BPF filesystem" --pin-path "$TMPD/pindir" status
refused status-pin-path-relative "pin path $(basename "$PIN"): not an absolute path" \
	--pin-path "$(basename "$PIN")" status
refused status-pin-path-file "pin path /etc/hostname: not a directory" --pin-path /etc/hostname status
case=pin-path-env-relative
out=$(VMSTEER_PIN_PATH=relative/dir in_hyp "$VMSTEER" status 2>&1)
rc=$?
if [ $rc -eq 0 ] || [ "$(wc -l <<<"$out")" != 1 ] || [[ "$out" != *"relative/dir: not an absolute path"* ]]; then
	fail $case "VMSTEER_PIN_PATH=relative/dir status: rc $rc, '$out'"
else
	ok $case
fi
case=pin-path-files-kept
if mountpoint -q "$TMPD/pindir" || [ "$(cat "$TMPD/pindir/file" 2>/dev/null)" != keep ]; then
	fail $case "a bpffs was mounted over $TMPD/pindir, or its file is gone"
	umount "$TMPD/pindir" 2>/dev/null
else
	ok $case
fi
# An empty directory is where a bpffs of the state's own goes: no state
# there yet is not an error.
mkdir -p "$TMPD/pinempty"
case=status-pin-path-empty-dir
out=$(in_hyp "$VMSTEER" --pin-path "$TMPD/pinempty" status 2>&1)
if [ $? -eq 0 ] && [[ "$out" == *"no state"* ]]; then ok $case; else fail $case "$out"; fi

# In JSON mode the error is JSON too.
case=json-error
out=$(vms --json port add vmt3 --mac zz 2>&1)
rc=$?
err=$(jq -r '.error // empty' <<<"$out" 2>/dev/null)
if [ $rc -ne 0 ] && [[ "$err" == *zz* ]]; then
	ok $case
else
	fail $case "'vmsteer --json port add vmt3 --mac zz' gave ($rc): $out"
fi

# port list reads every tap's programs in batches of queries: each row
# still shows its own tap's (one tap's XDP program taken off, another's
# tc qdisc, the rest unchanged).
case=port-list-programs-per-tap
want='{"tap":"vmt1","tc":true,"xdp":true}{"tap":"vmt2","tc":true,"xdp":true}'
got=$(vms --json port list | jq -jc 'sort_by(.tap)[] | {tap, tc, xdp}')
in_hyp ip link set dev vmt1 xdpdrv off
in_hyp tc qdisc del dev vmt2 clsact
want2='{"tap":"vmt1","tc":true,"xdp":false}{"tap":"vmt2","tc":false,"xdp":true}'
got2=$(vms --json port list | jq -jc 'sort_by(.tap)[] | {tap, tc, xdp}')
plain=$(vms port list | awk '$1 ~ /^vmt/ { print $1, $8 }' | sort | tr '\n' ' ')
if [ "$got" != "$want" ] || [ "$got2" != "$want2" ]; then
	fail $case "before: $got (want $want); after: $got2 (want $want2)"
elif [ "$plain" != "vmt1 tc vmt2 xdp,no-tc " ]; then
	fail $case "plain FLAGS: '$plain'"
else
	ok $case
fi

lib_done
