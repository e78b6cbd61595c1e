#!/usr/bin/env bash
# Frames the tap refuses after the XDP program redirected them are counted
# exactly: a full ring (queues open but not read) as tap_ring_full, a tap
# with no queue open as tap_xmit_err. Each ring holds txqueuelen (1000)
# frames, so sending more than the queues hold must overflow.
. "$(dirname "$0")/lib.sh"
lib_init ringfull

topo_create
tap_create vmt1
tap_create vmt2
VMSIM_QUEUES=2
vmsim_start vm1 vmt1 --hold # queues open, nobody reads
vms attach up0 >/dev/null || die "vmsteer attach up0 failed"
vms port add vmt1 --mac "$MAC_VM1" >/dev/null || die "port add vmt1 failed"
vms port add vmt2 --mac "$MAC_VM2" >/dev/null || die "port add vmt2 failed"
qlen=$(ip -n "$NS_HYP" -j link show vmt1 | jq '.[0].txqlen')
ring_max=$((qlen * VMSIM_QUEUES))

# More frames than all the rings hold, all distinct.
N=$((ring_max + 1000))
: >"$TMPD/ring.hex"
for ((i = 1; i <= N; i++)); do
	frame_v f "$MAC_VM1" $i
	echo "$f" >>"$TMPD/ring.hex"
done
sent=$(send_hex "$TMPD/ring.hex") || die "sendframes failed"
[ "$sent" = "$N" ] || die "the socket sent $sent of $N frames"

case=ring-full-counted
if ! wait_xdp "$N"; then
	fail $case "$XDP_WAIT_WHY"
else
	to_vm=$(port_counter "$STATS" vmt1 to_vm_xdp_frames)
	tap_sent=$(port_counter "$STATS" vmt1 tap_sent)
	ring_full=$(port_counter "$STATS" vmt1 tap_ring_full)
	xmit_err=$(port_counter "$STATS" vmt1 tap_xmit_err)
	redir_err=$(port_counter "$STATS" vmt1 redirect_err)
	counts="to_vm_xdp_frames=$to_vm tap_sent=$tap_sent tap_ring_full=$ring_full tap_xmit_err=$xmit_err redirect_err=$redir_err"
	if [ "$to_vm" != "$N" ]; then
		fail $case "$N frames sent to vmt1: $counts"
	elif [ $((tap_sent + ring_full)) -ne "$N" ]; then
		fail $case "tap_sent + tap_ring_full != $N: $counts"
	elif [ "$ring_full" -lt $((N - ring_max)) ] || [ "$tap_sent" -gt $ring_max ]; then
		fail $case "$VMSIM_QUEUES rings of $qlen cannot take more than $ring_max: $counts"
	elif [ "$xmit_err" != 0 ] || [ "$redir_err" != 0 ]; then
		fail $case "errors where only full rings were expected: $counts"
	else
		ok $case
	fi
fi

# What the rings accepted is exactly what the VM then reads: tap_sent
# frames, each one sent, none twice.
log "vmt1 counters: $counts"
case=ring-full-read-back
kill -USR2 "$(vmsim_pid vm1)" # stop holding
report=$(vmsim_report vm1)
read_n=$(kv rx_frames <<<"$report")
cut -d' ' -f2 "$TMPD/vm1.hex" | sort >"$TMPD/ring_got.hex"
dups=$(uniq -d "$TMPD/ring_got.hex" | wc -l)
foreign=$(comm -13 <(sort "$TMPD/ring.hex") "$TMPD/ring_got.hex" | wc -l)
if [ "$read_n" != "${tap_sent:-?}" ]; then
	fail $case "the VM read $read_n frames, tap_sent says ${tap_sent:-?}"
elif [ "$dups" -ne 0 ] || [ "$foreign" -ne 0 ]; then
	fail $case "the VM read $dups duplicated and $foreign unknown frames"
else
	ok $case
fi

# A port whose tap has no queue open: every redirect is refused, counted
# as tap_xmit_err.
case=no-queue-counted
M=20
: >"$TMPD/noq.hex"
for ((i = 1; i <= M; i++)); do
	frame_v f "$MAC_VM2" $((N + i))
	echo "$f" >>"$TMPD/noq.hex"
done
sent=$(send_hex "$TMPD/noq.hex")
if ! wait_xdp $((N + sent)); then
	fail $case "$XDP_WAIT_WHY"
else
	counts=$(jq -c '.ports[] | select(.port == "vmt2") | .counters' <<<"$STATS")
	if [ "$sent" != $M ] ||
		[ "$(port_counter "$STATS" vmt2 to_vm_xdp_frames)" != $M ] ||
		[ "$(port_counter "$STATS" vmt2 tap_xmit_err)" != $M ] ||
		[ "$(port_counter "$STATS" vmt2 tap_sent)" != 0 ]; then
		fail $case "$sent frames sent to vmt2 (no queue open): $counts"
	else
		ok $case
	fi
fi

lib_done
