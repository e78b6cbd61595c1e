#!/usr/bin/env bash
# Persistence: the fast path is pinned state, not a process. Forwarding goes
# on after the CLI exits and when CLI runs are killed part-way; detach puts
# the uplink back on the kernel's normal path (and the counters stop);
# attaching again brings the fast path back.
. "$(dirname "$0")/lib.sh"
lib_init persist

setup_two_vms

# Every CLI run above has exited: the program stays, attached through its
# pinned link, and forwards.
case=forward-after-cli-exit
prog=$(xdp_prog_id up0)
status=$(vms --json status 2>&1)
st_prog=$(jq -r '[.uplinks[] | select(.device == "up0") | .prog_id] | first // "none"' <<<"$status" 2>/dev/null)
if [ "$prog" = none ]; then
	fail $case "no XDP program on up0 once the CLI exited"
elif [ "$st_prog" != "$prog" ]; then
	fail $case "status shows program ${st_prog:-?} on up0, the device has $prog"
elif ! deliver_round 10; then
	fail $case "$ROUND_WHY"
else
	ok $case
fi

# CLI runs killed at arbitrary points (SIGKILL, no chance to clean up): a
# repeated attach, a port add that re-states a port, a stats read. None may
# stop forwarding or change the configuration.
case=forward-after-cli-killed
list0=$(vms --json port list)
prog0=$(xdp_prog_id up0)
for i in $(seq 8); do
	for cmd in "attach up0" "port add vmt1 --mac $MAC_VM1" \
		"port add vmt2 --mac $MAC_VM2 --vlan $VLAN_VM2" "stats"; do
		# shellcheck disable=SC2086
		nsenter --net="/run/netns/$NS_HYP" "$VMSTEER" --pin-path "$PIN" \
			$cmd >/dev/null 2>&1 &
		pid=$!
		# Anywhere from before exec to after exit.
		sleep "0.00$((RANDOM % 10))"
		kill -KILL $pid 2>/dev/null
		wait $pid 2>/dev/null
	done
done
list1=$(vms --json port list)
prog1=$(xdp_prog_id up0)
if [ "$prog1" != "$prog0" ]; then
	fail $case "XDP program on up0 changed from $prog0 to $prog1"
elif [ "$list1" != "$list0" ]; then
	fail $case "port list changed: $list0 -> $list1"
elif ! deliver_round 10; then
	fail $case "$ROUND_WHY"
else
	ok $case
fi

# Detach: the program leaves up0, frames for the VMs take the normal path
# (a packet socket on up0 sees them, byte for byte), no tap gets them and
# no counter moves.
case=detach-slow-path
before=$(counters_only "$(stats_json)")
out=$(vms detach up0 2>&1)
rc=$?
capture_start det up0
make_round 10
sent=$(send_hex "$TMPD/round.hex")
wait_for "capture of $sent frames" eval '[ "$(capture_count det)" -ge "$sent" ]'
capture_stop det
capture_frames det >"$TMPD/det_got.hex"
vmsim_new_frames vm1 "$TMPD/det_vm1.hex"
vmsim_new_frames vm2 "$TMPD/det_vm2.hex"
after=$(counters_only "$(stats_json)")
if [ $rc -ne 0 ]; then
	fail $case "detach up0 failed ($rc): $out"
elif [ "$(xdp_prog_id up0)" != none ]; then
	fail $case "an XDP program is still on up0 after detach"
elif ! same_frames "$TMPD/round.hex" "$TMPD/det_got.hex"; then
	fail $case "normal path on up0: $DIFF_WHY"
elif [ -s "$TMPD/det_vm1.hex" ] || [ -s "$TMPD/det_vm2.hex" ]; then
	fail $case "taps got frames after detach: vmt1 $(wc -l <"$TMPD/det_vm1.hex"), vmt2 $(wc -l <"$TMPD/det_vm2.hex")"
elif [ "$after" != "$before" ]; then
	fail $case "counters moved after detach: $before -> $after"
else
	ok $case
fi

# The ports survive detach; attaching again brings the fast path back.
case=reattach
out=$(vms attach up0 2>&1)
rc=$?
XDP_TOTAL=$(xdp_seen "$(stats_json)")
if [ $rc -ne 0 ]; then
	fail $case "attach up0 again failed ($rc): $out"
elif [ "$(vms --json port list)" != "$list0" ]; then
	fail $case "ports changed across detach/attach: $(vms --json port list)"
elif ! deliver_round 10; then
	fail $case "$ROUND_WHY"
else
	ok $case
fi

lib_done
