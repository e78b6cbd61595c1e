#!/usr/bin/env bash
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
for vlan in 0 4095 4096 abc -1 ""; do
	refused "port-add-bad-vlan-${vlan:-empty}" "--vlan $vlan" \
		"${P[@]}" port add vmt3 --mac $M3 --vlan "$vlan"
done

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

lib_done
