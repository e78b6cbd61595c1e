#!/usr/bin/env bash
# Drop monitor: `vmsteer monitor` reports exactly the frames the uplink
# passes to the kernel (never the ones it forwards), byte-exact up to the
# 128-byte snap length, as a pcap tshark reads or as JSON lines; --reason
# keeps only that reason; one monitor at a time; when a monitor exits
# (SIGINT, SIGTERM) or is killed and replaced, events are off again.
#
# Topology: hyp netns with uplink up0 (veth to wire0 in the wire netns) and
# one tap, vmt1 (untagged port, MAC_VM1), drained by vmsim.
. "$(dirname "$0")/lib.sh"
lib_init mon

command -v tshark >/dev/null || die "tshark not installed (make deps)"
topo_create
tap_create vmt1
vmsim_start vm1 vmt1
vms attach up0 >/dev/null || die "vmsteer attach up0 failed"
vms port add vmt1 --mac "$MAC_VM1" >/dev/null || die "port add vmt1 failed"

N=10
seq=0
total=0
add() { # FILE DST [VID]: a new frame into send.hex and FILE
	local f
	seq=$((seq + 1))
	frame_v f "${@:2}" $seq
	echo "$f" >>"$TMPD/send.hex"
	echo "$f" >>"$TMPD/$1"
}
# send: the frames of send.hex onto the wire, and wait until the uplink
# program accounted for all of them.
send() {
	local n sent
	n=$(wc -l <"$TMPD/send.hex")
	sent=$(send_hex "$TMPD/send.hex") || die "sendframes failed"
	[ "$sent" = "$n" ] || die "the socket sent $sent of $n frames"
	total=$((total + n))
	wait_xdp "$total" || die "$XDP_WAIT_WHY"
	: >"$TMPD/send.hex"
}

# ---- a pcap of every pass event ---------------------------------------------
case=pcap-exact
: >"$TMPD/send.hex"
: >"$TMPD/exp_pass.hex"
: >"$TMPD/fwd.hex"
monitor_start m1 monitor --pcap "$TMPD/m1.pcap" ||
	die "monitor did not start: $(cat "$TMPD/m1.err")"
for i in $(seq $N); do
	add exp_pass.hex ff:ff:ff:ff:ff:ff
	add exp_pass.hex ff:ff:ff:ff:ff:ff "$VLAN_VM2"
	add exp_pass.hex "$MAC_NOBODY"
	add fwd.hex "$MAC_VM1"
done
# One frame longer than the snap length: its first 128 bytes, length 200.
printf -v long 'ffffffffffff%s%s%08x%0364d' "${MAC_WIRE//:/}" "$TEST_ETHERTYPE" 999 0
echo "$long" >>"$TMPD/send.hex"
echo "${long:0:256}" >>"$TMPD/exp_pass.hex"
send
npass=$(wc -l <"$TMPD/exp_pass.hex")
wait_for "$npass frames in the monitor's pcap" \
	eval '[ "$("$PCAPHEX" -c "$TMPD/m1.pcap")" -ge "$npass" ]'
monitor_stop m1 INT
pcap_tshark_hex "$TMPD/m1.pcap" >"$TMPD/got_pass.hex"
lens=$(tshark -r "$TMPD/m1.pcap" -T fields -e frame.len -e frame.cap_len 2>/dev/null |
	awk '$1 != $2' | tr '\t\n' '/ ')
if [ "$MONITOR_RC" != 0 ]; then
	fail $case "monitor exited with $MONITOR_RC on SIGINT: $(cat "$TMPD/m1.err")"
elif ! same_frames "$TMPD/exp_pass.hex" "$TMPD/got_pass.hex"; then
	fail $case "tshark -r: $DIFF_WHY"
elif [ "$lens" != "200/128 " ]; then
	fail $case "frames whose length is not their captured length: '$lens' (expected '200/128 ')"
else
	ok $case
fi

# ---- off once the monitor is gone ------------------------------------------
case=off-after-exit
state=$(monitor_state)
e0=$(monitor_events)
for i in $(seq $N); do add exp_after.hex ff:ff:ff:ff:ff:ff; done
send
e1=$(monitor_events)
if [ "$state" != off ]; then
	fail $case "status shows the monitor '$state' after it exited"
elif [ "$e0" != "$npass" ] || [ "$e1" != "$e0" ]; then
	fail $case "events written: $e0 while it ran ($npass expected), $e1 after $N more frames"
else
	ok $case
fi

# ---- --reason, JSON lines, one monitor at a time ---------------------------
case=reason-filter-json
: >"$TMPD/exp_unknown.hex"
monitor_start j1 --json monitor --reason unknown_dst ||
	die "monitor did not start: $(cat "$TMPD/j1.err")"
for i in $(seq $N); do
	add bcast.hex ff:ff:ff:ff:ff:ff
	add exp_unknown.hex "$MAC_NOBODY"
done
send
wait_for "$N JSON events" eval '[ "$(wc -l <"$TMPD/j1.out")" -ge "$N" ]'

# A second monitor while the first runs: refused, naming the first.
case2=one-at-a-time
second=$(in_hyp timeout 20 "$VMSTEER" --pin-path "$PIN" monitor --count 1 2>&1)
rc=$?
if [ $rc = 1 ] && [[ $second == *"already running"*"pid $(monitor_pid j1)"* ]]; then
	ok $case2
else
	fail $case2 "second monitor: status $rc, '$second'"
fi

monitor_stop j1 TERM
jq -r .data "$TMPD/j1.out" >"$TMPD/got_unknown.hex" 2>/dev/null
bad=$(jq -c 'select(.reason != "unknown_dst" or .port != null or .len != 60
	or .caplen != 60 or .uplink != "up0")' "$TMPD/j1.out" 2>&1 | head -n 2)
if [ "$MONITOR_RC" != 0 ]; then
	fail $case "monitor exited with $MONITOR_RC on SIGTERM: $(cat "$TMPD/j1.err")"
elif [ -n "$bad" ]; then
	fail $case "unexpected events: $bad"
elif ! same_frames "$TMPD/exp_unknown.hex" "$TMPD/got_unknown.hex"; then
	fail $case "$DIFF_WHY"
elif [ "$(monitor_state)" != off ]; then
	fail $case "status shows the monitor '$(monitor_state)' after SIGTERM"
else
	ok $case
fi

# ---- plain lines, --sample, --count --------------------------------
case=plain-sample-count
monitor_start p1 monitor --reason multicast --sample 2 --count 2 ||
	die "monitor did not start: $(cat "$TMPD/p1.err")"
: >"$TMPD/exp_plain.hex"
for i in 1 2 3 4 5; do add exp_plain.hex ff:ff:ff:ff:ff:ff; done
send
pid=$(monitor_pid p1)
wait_for "the monitor to stop after 2 events" eval '! kill -0 '"$pid"' 2>/dev/null'
monitor_stop p1
# 1 in 2 on each CPU: the first frame on a CPU is always reported.
first=$(head -n1 "$TMPD/exp_plain.hex")
line1=$(head -n1 "$TMPD/p1.out")
read -r _ up port reason hook cpu len hex <<<"$line1"
# A second event from the same CPU skipped one frame: the third.
read -r _ _ _ _ _ cpu2 _ hex2 <<<"$(sed -n 2p "$TMPD/p1.out")"
if [ "$cpu2" = "$cpu" ]; then
	want2=$(sed -n 3p "$TMPD/exp_plain.hex")
else
	want2=$hex2
fi
if [ "$MONITOR_RC" != 0 ] || [ "$(wc -l <"$TMPD/p1.out")" != 2 ]; then
	fail $case "status $MONITOR_RC, $(wc -l <"$TMPD/p1.out") lines: $(cat "$TMPD/p1.out" "$TMPD/p1.err")"
elif [ "$up $port $reason $hook $len $hex" != "up0 - multicast hook=xdp len=60 $first" ] ||
	[[ $cpu != cpu=[0-9]* ]]; then
	fail $case "first line '$line1'"
elif [ "$hex2" != "$want2" ]; then
	fail $case "1 in 2 on $cpu: the second event is not the third frame"
else
	ok $case
fi

case=bad-filters
out1=$(vms monitor --reason nosuch 2>&1)
rc1=$?
out2=$(vms monitor --port nosuch 2>&1)
rc2=$?
out3=$(vms monitor --sample 0 2>&1)
rc3=$?
if [ $rc1 != 1 ] || [[ $out1 != *"'nosuch'"*"malformed"*"drop_no_target"* ]] ||
	[ "$(wc -l <<<"$out1")" != 1 ]; then
	fail $case "--reason nosuch: status $rc1, '$out1'"
elif [ $rc2 != 1 ] || [[ $out2 != *"port nosuch"* ]]; then
	fail $case "--port nosuch: status $rc2, '$out2'"
elif [ $rc3 != 1 ] || [[ $out3 != *"--sample 0"* ]]; then
	fail $case "--sample 0: status $rc3, '$out3'"
elif [ "$(monitor_state)" != off ]; then
	fail $case "a refused monitor left the monitor '$(monitor_state)'"
else
	ok $case
fi

# ---- a killed monitor: left on, taken over by the next one -----------------
case=killed-taken-over
monitor_start k1 monitor --pcap /dev/null ||
	die "monitor did not start: $(cat "$TMPD/k1.err")"
monitor_stop k1 KILL
left=$(monitor_state)
if ! monitor_start k2 monitor --pcap /dev/null; then
	fail $case "no new monitor after one was killed: $(cat "$TMPD/k2.err")"
else
	monitor_stop k2 TERM
	if [ "$left" = off ]; then
		fail $case "status shows 'off' after SIGKILL (expected on or stale)"
	elif [ "$MONITOR_RC" != 0 ] || [ "$(monitor_state)" != off ]; then
		fail $case "the new monitor: status $MONITOR_RC, then '$(monitor_state)'"
	else
		ok $case
	fi
fi

# libpcap (and the dbus and systemd libraries Debian's pulls in) is
# loaded by --pcap only: the CLI does not link it; without it --pcap is
# refused naming it, and nothing is left running.
case=cli-without-libpcap
cli_ldd=$(ldd "$VMSTEER" | awk '{print $1}' | tr '\n' ' ')
if [[ "$cli_ldd" == *libpcap* || "$cli_ldd" == *libdbus* || "$cli_ldd" == *libsystemd* ]]; then
	fail $case "the CLI loads libpcap or what it pulls in: $cli_ldd"
else
	ok $case
fi
case=pcap-without-libpcap
lib=$(ldconfig -p | awk '/libpcap.so.0.8 / { print $NF; exit }')
if [ -z "$lib" ]; then
	skip $case "libpcap.so.0.8 not in ldconfig's cache"
else
	out=$(in_hyp unshare -m sh -c 'mount --bind /dev/null "$2" && exec "$0" --pin-path "$1" monitor --pcap /dev/null' \
		"$VMSTEER" "$PIN" "$lib" 2>&1); rc=$?
	if [ $rc = 1 ] && [[ $out == *"--pcap: libpcap.so.0.8 is not installed"* ]] && [ "$(monitor_state)" = off ]; then
		ok $case
	else
		fail $case "rc $rc, '$out', monitor $(monitor_state)"
	fi
fi

lib_done
