#!/usr/bin/env bash
# Drop monitor on the transmit path: frames a VM sends that the tap
# program drops (anti-spoofing) or leaves to the bridge show up in
# `vmsteer monitor` with their reason, port and device, byte-exact, as
# JSON lines and in a pcap tshark reads; --reason keeps only a transmit
# reason; --port keeps only that port's; frames forwarded (north) never
# show up. Each event names the hook that dropped it (xdp, or tc for a
# port on --tx-hook tc), as the counters do.
#
# hyp netns: uplink up0 (veth to wire0), taps vmt1 (--ip 10.0.0.1) and
# vmt2 (--ip 10.0.0.2), both untagged, each played by vmsim.
. "$(dirname "$0")/lib.sh"
lib_init montx

command -v tshark >/dev/null || die "tshark not installed (make deps)"
topo_create
vm_start 1
vm_start 2
vms attach up0 >/dev/null || die "vmsteer attach up0 failed"
vms port add vmt1 --mac "$MAC_VM1" --ip 10.0.0.1 >/dev/null ||
	die "port add vmt1 failed"
vms port add vmt2 --mac "$MAC_VM2" --ip 10.0.0.2 >/dev/null ||
	die "port add vmt2 failed"

h() { echo "${1//:/}"; }
ip4() { printf '%02x%02x%02x%02x' ${1//./ }; }
# udp4 SRC DST SEQ: IPv4 + UDP, 46 bytes (checksums zero).
udp4() {
	printf '4500002e0000000040110000%s%s03e80035001a0000%08x%028d' \
		"$(ip4 "$1")" "$(ip4 "$2")" "$3" 0
}
eth() { echo "$(h "$1")$(h "$2")$3$4"; }

W=$MAC_WIRE
n=0
next() { n=$((n + 1)); }
# The frames of each round: a fresh sequence number in every one.
round() {
	next; spoof_ip1=$(eth $W "$MAC_VM1" 0800 "$(udp4 10.0.0.9 192.0.2.1 $n)")
	next; spoof_mac1=$(eth $W "$MAC_VM2" 0800 "$(udp4 10.0.0.1 192.0.2.1 $n)")
	next; bcast1=$(eth ff:ff:ff:ff:ff:ff "$MAC_VM1" 88b5 "$(printf '%08x%084d' $n 0)")
	next; north1=$(eth $W "$MAC_VM1" 0800 "$(udp4 10.0.0.1 192.0.2.1 $n)")
	next; spoof_ip2=$(eth $W "$MAC_VM2" 0800 "$(udp4 10.0.0.8 192.0.2.1 $n)")
}

# ---- --json --reason spoof_ipv4 --port vmt1 ----------------------------------
case=json-reason-and-port-filter
round
monitor_start m1 --json monitor --reason spoof_ipv4 --port vmt1 ||
	die "monitor did not start: $(cat "$TMPD/m1.err")"
vm_send vm1 "$spoof_ip1" "$spoof_mac1" "$bcast1" "$north1" ||
	die "vm1 could not send"
vm_send vm2 "$spoof_ip2" || die "vm2 could not send"
wait_for "an event" eval '[ -s "$TMPD/m1.out" ]'
# Everything sent is counted by now: a second event would be there too.
S=$(stats_json) || die "stats failed"
[ "$(port_reason "$S" vmt2 spoof_ipv4)" = 1 ] || die "vmt2 spoof not counted"
monitor_stop m1 INT
ev=$(head -n1 "$TMPD/m1.out")
got=$(jq -r '[.reason, .port, .device, .direction, .hook, .data] | join(" ")' <<<"$ev")
# Dropped by the tap XDP program (the ports' default hook).
want="spoof_ipv4 vmt1 vmt1 from_vm xdp $spoof_ip1"
if [ "$MONITOR_RC" != 0 ]; then
	fail $case "monitor exited with $MONITOR_RC: $(cat "$TMPD/m1.err")"
elif [ "$(wc -l <"$TMPD/m1.out")" != 1 ]; then
	fail $case "$(wc -l <"$TMPD/m1.out") events, want 1: $(tr '\n' '|' <"$TMPD/m1.out")"
elif [ "$got" != "$want" ]; then
	fail $case "event '$got', want '$want'"
else
	ok $case
fi

# ---- a pcap of every transmit drop and pass, both ports ----------------------
case=pcap-transmit-drops-and-passes
round
monitor_start m2 monitor --pcap "$TMPD/m2.pcap" ||
	die "monitor did not start: $(cat "$TMPD/m2.err")"
vm_send vm1 "$spoof_ip1" "$spoof_mac1" "$bcast1" "$north1" ||
	die "vm1 could not send"
vm_send vm2 "$spoof_ip2" || die "vm2 could not send"
printf '%s\n' "$spoof_ip1" "$spoof_mac1" "$bcast1" "$spoof_ip2" >"$TMPD/exp2.hex"
wait_for "4 frames in the monitor's pcap" \
	eval '[ "$("$PCAPHEX" -c "$TMPD/m2.pcap")" -ge 4 ]'
monitor_stop m2 INT
pcap_tshark_hex "$TMPD/m2.pcap" >"$TMPD/got2.hex"
if [ "$MONITOR_RC" != 0 ]; then
	fail $case "monitor exited with $MONITOR_RC: $(cat "$TMPD/m2.err")"
elif same_frames "$TMPD/exp2.hex" "$TMPD/got2.hex"; then
	ok $case
else
	fail $case "tshark -r: $DIFF_WHY (the northbound frame must not be there)"
fi

# ---- plain lines: reason and port of each ------------------------------------
case=plain-lines-name-reason-and-port
round
monitor_start m3 monitor ||
	die "monitor did not start: $(cat "$TMPD/m3.err")"
vm_send vm1 "$spoof_ip1" "$spoof_mac1" "$bcast1" "$north1" ||
	die "vm1 could not send"
wait_for "3 events" eval '[ "$(wc -l <"$TMPD/m3.out")" -ge 3 ]'
monitor_stop m3 INT
got=$(awk '{print $2, $3, $4}' "$TMPD/m3.out" | sort | tr '\n' '|')
want="vmt1 vmt1 spoof_ipv4|vmt1 vmt1 spoof_mac|vmt1 vmt1 vm_multicast|"
if [ "$got" = "$want" ]; then
	ok $case
else
	fail $case "device/port/reason '$got', want '$want'"
fi

# ---- the hook of each drop: vmt2 on tc ------------------------------------------
# The same spoof from vmt2, now on tc: the event says tc, and the drop is
# counted on tc beside the one the XDP program dropped above.
case=json-hook-of-a-tc-drop
vms port add vmt2 --mac "$MAC_VM2" --ip 10.0.0.2 --tx-hook tc >/dev/null ||
	die "port add vmt2 --tx-hook tc failed"
round
S0=$(stats_json) || die "stats failed"
monitor_start m4 --json monitor --reason spoof_ipv4 --port vmt2 ||
	die "monitor did not start: $(cat "$TMPD/m4.err")"
vm_send vm2 "$spoof_ip2" || die "vm2 could not send"
wait_for "an event" eval '[ -s "$TMPD/m4.out" ]'
monitor_stop m4 INT
S=$(stats_json) || die "stats failed"
got=$(jq -r '[.reason, .port, .hook, .data] | join(" ")' <"$TMPD/m4.out")
hooks() { jq -c '.ports[] | select(.port == "vmt2") | .reasons.spoof_ipv4.hooks | [.xdp.frames, .tc.frames]' <<<"$1"; }
want="spoof_ipv4 vmt2 tc $spoof_ip2"
if [ "$got" != "$want" ]; then
	fail $case "event '$got', want '$want'"
elif [ "$(hooks "$S0")/$(hooks "$S")" != "[2,0]/[2,1]" ]; then
	fail $case "vmt2 spoof_ipv4 [xdp,tc] before/after: $(hooks "$S0")/$(hooks "$S"), want [2,0]/[2,1]"
else
	ok $case
fi

lib_done
