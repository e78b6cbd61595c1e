#!/usr/bin/env bash
# Queue steering on the skb path: a real 4-queue tap behind a Linux bridge.
#
# Topology: hyp netns with uplink up0 (veth to wire0 in the wire netns) and
# bridge br0 over up0 and the 4-queue tap vmt1, whose queues vmsim reads
# (recording the queue of every frame). vmsteer is not attached to up0, so
# every frame takes the bridge (skb) path into the tap, where the tun
# driver asks the tap's steering program for the queue.
#
# For hundreds of distinct flows (IPv4/IPv6, TCP/UDP, ICMP), every frame
# must arrive on the queue that the user-space reference (rssflow predict,
# over user/load/toeplitz.c, with its own frame parser) names, and the
# per-queue counters must match. `rss set` at run time moves flows to the
# new predicted queues and loses no frame. A steering program vmsteer did
# not install is refused without --force and left alone by port del;
# port del removes vmsteer's own.
. "$(dirname "$0")/lib.sh"
lib_init rss

RSSFLOW=$TOOLS/rssflow
FOREIGN=$TOOLS/foreignsteer
for t in "$RSSFLOW" "$FOREIGN"; do
	[ -x "$t" ] || die "$t not built (make test-progs)"
done
command -v bpftool >/dev/null || die "bpftool not installed (make deps)"

QUEUES=4
NFLOWS=400

topo_create
tap_create vmt1
# No multicast snooping: the bridge would join 224.0.0.106 and flood its
# IGMP reports into the tap.
ip -n "$NS_HYP" link add br0 type bridge mcast_snooping 0 ||
	die "cannot create br0"
ip -n "$NS_HYP" link set up0 master br0 || die "cannot enslave up0"
ip -n "$NS_HYP" link set vmt1 master br0 || die "cannot enslave vmt1"
ip -n "$NS_HYP" link set br0 up
# The fairest bridge: no netfilter on bridged frames.
in_hyp sh -c 'for f in iptables ip6tables arptables; do
	p=/proc/sys/net/bridge/bridge-nf-call-$f
	[ ! -e $p ] || echo 0 >$p; done'
VMSIM_QUEUES=$QUEUES vmsim_start vm1 vmt1
VM_LINES_vm1=0

# prog_exists ID: the BPF program ID is still loaded. prog_gone ID: it is
# not, waiting for the RCU grace period that frees a replaced program.
prog_exists() { bpftool prog show id "$1" >/dev/null 2>&1; }
prog_unloaded() { ! prog_exists "$1"; }
prog_gone() { wait_for "program $1 to be freed" prog_unloaded "$1"; }
# tap_steer_id TAP: the steering program tun holds for TAP (0: none), as
# the tap inspection iterator (bpf/tunq.bpf.c) reports it, run through
# bpftool rather than the CLI: vmsteer's steering program is shared and
# pinned, so it stays loaded when a tap lets it go.
tap_steer_id() {
	local ifi ino it=$PIN/tunq_$$
	ifi=$(ip -n "$NS_HYP" -o link show "$1" | cut -d: -f1)
	ino=$(stat -L -c %i "/run/netns/$NS_HYP")
	bpftool iter pin "$BUILD/bpf/tunq.bpf.o" "$it" >/dev/null 2>&1 || return 1
	od -An -v -tu4 -w52 "$it" | awk -v i="$ifi" -v n="$ino" \
		'$3 == i && $4 == n { id = $5 } END { print id + 0 }'
	rm -f "$it"
}
steer_off() { [ "$(tap_steer_id vmt1)" = 0 ]; }
# steer_json: `rss show` of vmt1.
steer_json() { vms_json rss show vmt1; }

# new_arrivals OUT: "HEX QUEUE" of every frame vmsim read since last asked,
# sorted.
new_arrivals() {
	local seen
	vmsim_report vm1 >/dev/null || return 1
	seen=$VM_LINES_vm1
	tail -n +$((seen + 1)) "$TMPD/vm1.hex" | awk '{print $2, $1}' |
		sort >"$1"
	VM_LINES_vm1=$((seen + $(wc -l <"$1")))
}

# wait_rx N: until vmsim has read N frames in all.
vm_rx() { vmsim_report vm1 | kv rx_frames; }
rx_at_least() { [ "$(vm_rx)" -ge "$1" ]; }
wait_rx() { wait_for "vmsim to read $1 frames" rx_at_least "$1"; }
RX=0

# send_check CASE FRAMES PREDICT_ARGS...: send FRAMES, expect each on the
# queue rssflow predicts with PREDICT_ARGS, and no other frame.
send_check() {
	local case=$1 frames=$2 n sent
	shift 2
	n=$(wc -l <"$frames")
	"$RSSFLOW" predict --queues $QUEUES "$@" <"$frames" | sort >"$TMPD/want"
	sent=$(send_hex "$frames") || { fail "$case" "sendframes failed"; return 1; }
	[ "$sent" = "$n" ] || { fail "$case" "socket sent $sent of $n"; return 1; }
	RX=$((RX + n))
	wait_rx $RX || { fail "$case" "vmsim read $(vm_rx) frames, want $RX"; return 1; }
	new_arrivals "$TMPD/got" || { fail "$case" "vmsim did not report"; return 1; }
	if ! cmp -s "$TMPD/want" "$TMPD/got"; then
		fail "$case" "$(diff "$TMPD/want" "$TMPD/got" | grep -c '^[<>]') lines differ between predicted and received (HEX QUEUE); e.g. $(diff "$TMPD/want" "$TMPD/got" | grep '^[<>]' | head -2 | cut -c1-20,$(( ${#n} ))- | tr '\n' ' ')"
		return 1
	fi
	ok "$case"
}

# queue_hist FILE: "n0 n1 n2 n3", frames per queue in a HEX QUEUE file.
queue_hist() {
	local q out=
	for q in $(seq 0 $((QUEUES - 1))); do
		out="$out $(awk -v q=$q '$2 == q' "$1" | wc -l)"
	done
	echo $out
}

"$RSSFLOW" gen $NFLOWS --dst "$MAC_VM1" --src "$MAC_WIRE" >"$TMPD/flows.hex" ||
	die "rssflow gen failed"

# ---- refusals: nothing changes ------------------------------------------
case=refuse-bad-input
errs=
try_refuse() { # WHAT ARGS...: port add must fail, name WHAT, change nothing
	local what=$1 out
	shift
	if out=$(vms port add vmt1 --mac "$MAC_VM1" "$@" 2>&1); then
		errs="$errs [$*: accepted]"
	elif ! grep -q -- "$what" <<<"$out"; then
		errs="$errs [$*: '$out' does not name $what]"
	fi
}
try_refuse "--rss-key" --queues 4 --rss-key 0011
try_refuse "--rss-key" --queues 4 --rss-key "$(printf 'zz%.0s' $(seq 40))"
try_refuse "unknown hash type 'tcpv5'" --queues 4 --rss-types tcpv4,tcpv5
try_refuse "queue 4" --queues 4 --rss-table 0,1,2,4
try_refuse "power of two" --queues 4 --rss-table 0,1,2
try_refuse "has 4 queues open, not 2" --queues 2
try_refuse "--queues" --queues 0
try_refuse "need --queues" --rss-types ipv4
if [ -e "$PIN/vmst_config" ] && [ "$(vms_json port list | jq length)" != 0 ]; then
	errs="$errs [a refused port add left a port]"
fi
if [ -z "$errs" ]; then ok $case; else fail $case "$errs"; fi

# ---- steering: every flow on its predicted queue ---------------------------
vms port add vmt1 --mac "$MAC_VM1" --queues $QUEUES >/dev/null ||
	die "port add vmt1 --queues $QUEUES failed: $(vms port add vmt1 --mac "$MAC_VM1" --queues $QUEUES 2>&1)"
prog=$(steer_json | jq -r '.steering.prog_id')
case=installed-ours
owner=$(steer_json | jq -r '.steering.owner')
if [ "$owner" = vmsteer ] && prog_exists "$prog"; then ok $case; else
	fail $case "steering owner '$owner', program $prog"
fi

send_check flows-default-table "$TMPD/flows.hex"
hist=$(queue_hist "$TMPD/got")
case=flows-spread
# Round robin over 4 queues: every queue gets some of 400 flows.
if ! grep -qw 0 <<<"$hist"; then ok $case; else fail $case "per queue: $hist"; fi

case=queue-counters
counted=$(steer_json | jq -r '.frames_per_queue | map(tostring) | join(" ")')
if [ "$counted" = "$hist" ]; then ok $case; else
	fail $case "counters '$counted', vmsim read '$hist' per queue"
fi

case=stats-and-exporter-queue-frames
st=$(vms_json stats | jq -r '.ports[] | select(.port == "vmt1") | .frames_per_queue | map(tostring) | join(" ")')
in_hyp "$VMSTEER" --pin-path "$PIN" exporter --listen 127.0.0.1:9477 \
	>"$TMPD/exp.out" 2>"$TMPD/exp.err" &
exp=$!
LIB_PIDS+=("$exp")
scrape() { in_hyp curl -s -m 5 -o "$TMPD/scrape.txt" http://127.0.0.1:9477/metrics; }
wait_for "exporter" scrape
stop_pid "$exp"
exported=
for q in $(seq 0 $((QUEUES - 1))); do
	exported="$exported $(sed -n "s/^vmsteer_port_queue_frames_total{tap=\"vmt1\",queue=\"$q\"} //p" "$TMPD/scrape.txt")"
done
exported=${exported# }
if [ "$st" = "$hist" ] && [ "$exported" = "$hist" ] &&
	grep -q '^# TYPE vmsteer_port_queue_frames_total counter' "$TMPD/scrape.txt"; then
	ok $case
else
	fail $case "vmsim read '$hist' per queue; stats '$st'; exporter '$exported'"
fi

# Custom key, types and table through port add (an update).
KEY=$(printf '%02x' $(seq 11 50) | sed 's/../&:/g; s/:$//')
vms port add vmt1 --mac "$MAC_VM1" --queues $QUEUES --rss-key "$KEY" \
	--rss-types ipv4,tcpv4,ipv6,udpv6 --rss-table 3,1,2,0,0,1,2,3 >/dev/null ||
	die "port add with custom RSS failed"
send_check flows-custom "$TMPD/flows.hex" --rss-key "$KEY" \
	--rss-types ipv4,tcpv4,ipv6,udpv6 --rss-table 3,1,2,0,0,1,2,3

# ---- rss set while traffic flows ---------------------------------------------
vms rss set vmt1 --rss-key "$(printf '%02x' $(seq 11 50))" --rss-types all \
	--rss-table 0,1,2,3 >/dev/null || die "rss set back failed"
send_check rss-set-table-before "$TMPD/flows.hex" --rss-key "$KEY" --rss-table 0,1,2,3

# The same flows, 10 times over, paced, while the table changes: every
# frame arrives (exact count), each on its old or its new queue.
REPS=10
"$RSSFLOW" predict --queues $QUEUES --rss-key "$KEY" --rss-table 0,1,2,3 \
	<"$TMPD/flows.hex" | sort >"$TMPD/old"
"$RSSFLOW" predict --queues $QUEUES --rss-key "$KEY" --rss-table 3,2,1,0 \
	<"$TMPD/flows.hex" | sort >"$TMPD/new"
moved=$(join "$TMPD/old" "$TMPD/new" | awk '$2 != $3' | wc -l)
in_wire "$SENDFRAMES" -i wire0 -x "$TMPD/flows.hex" -n $REPS -p 8000 \
	>"$TMPD/bg.out" 2>&1 &
bg=$!
LIB_PIDS+=("$bg")
sleep 0.2 # not an assertion: only makes the change likely mid-stream
vms rss set vmt1 --rss-table 3,2,1,0 >/dev/null
set_rc=$?
wait "$bg"
sent=$(kv sent <"$TMPD/bg.out")
case=rss-set-no-loss
RX=$((RX + NFLOWS * REPS))
if [ $set_rc != 0 ]; then
	fail $case "rss set failed"
elif [ "$sent" != $((NFLOWS * REPS)) ]; then
	fail $case "socket sent $sent of $((NFLOWS * REPS))"
elif ! wait_rx $RX; then
	fail $case "vmsim read $(vm_rx) frames, want $RX (sent $sent)"
else
	ok $case
fi
new_arrivals "$TMPD/got" || die "vmsim did not report"
case=rss-set-old-or-new-queue
bad=$(join "$TMPD/old" "$TMPD/new" | sort >"$TMPD/oldnew"
	join "$TMPD/oldnew" "$TMPD/got" | awk '$4 != $2 && $4 != $3' | wc -l)
total=$(join "$TMPD/oldnew" "$TMPD/got" | wc -l)
if [ "$moved" -gt 0 ] && [ "$bad" = 0 ] && [ "$total" = $((NFLOWS * REPS)) ]; then
	ok $case
else
	fail $case "$bad of $total frames on neither their old nor new queue ($moved flows move)"
fi
send_check rss-set-table-after "$TMPD/flows.hex" --rss-key "$KEY" --rss-table 3,2,1,0

case=rss-set-refuses
errs=
out=$(vms rss set vmt1 --rss-table 0,1,2,7 2>&1) && errs="$errs [table with queue 7 accepted]"
grep -q "queue 7" <<<"$out" || errs="$errs ['$out']"
out=$(vms rss set vmt1 --default-queue 4 2>&1) && errs="$errs [default queue 4 accepted]"
out=$(vms rss set vmt1 --rss-types udpv7 2>&1) && errs="$errs [udpv7 accepted]"
out=$(vms rss set vmt1 --rss-key 12 2>&1) && errs="$errs [short key accepted]"
now=$(steer_json | jq -c '.rss.table')
[ "$now" = "[3,2,1,0]" ] || errs="$errs [table now $now]"
if [ -z "$errs" ]; then ok $case; else fail $case "$errs"; fi

# ---- apply and dump ------------------------------------------------------
case=dump-shows-rss
vms_json dump >"$TMPD/doc.json" 2>"$TMPD/dump.err" || die "dump failed: $(cat "$TMPD/dump.err")"
got=$(jq -c '.ports[0] | [.queues, .rss.table, .rss.types, .rss.default_queue, .xdp_steer]' "$TMPD/doc.json")
want='[4,[3,2,1,0],["ipv4","tcpv4","udpv4","ipv6","tcpv6","udpv6"],0,"none"]'
if [ "$got" = "$want" ] && [ "$(jq -r '.ports[0].rss.key' "$TMPD/doc.json" | tr -d :)" = "$(printf '%02x' $(seq 11 50))" ]; then
	ok $case
else
	fail $case "dump: $got"
fi
jq '.ports[0].rss.table = [1,1,2,2] | .ports[0].rss.types = ["tcpv4","udpv4","ipv6"]' \
	"$TMPD/doc.json" >"$TMPD/doc2.json"
case=apply-rss
out=$(vms apply "$TMPD/doc2.json" 2>&1)
if grep -q "steer port vmt1" <<<"$out"; then ok $case; else fail $case "'$out'"; fi
send_check apply-rss-steers "$TMPD/flows.hex" --rss-key "$KEY" \
	--rss-table 1,1,2,2 --rss-types tcpv4,udpv4,ipv6
case=apply-rss-idempotent
out=$(vms apply "$TMPD/doc2.json" 2>&1)
if [ "$out" = "no changes" ]; then ok $case; else fail $case "'$out'"; fi
case=apply-rss-refuses-path
jq '.ports[0].rss.table = [0,1,2,5]' "$TMPD/doc.json" >"$TMPD/bad.json"
out=$(vms apply "$TMPD/bad.json" 2>&1)
if [ $? != 0 ] && grep -q 'ports\[0\].rss.table\[3\]' <<<"$out" &&
	[ "$(steer_json | jq -c .rss.table)" = "[1,1,2,2]" ]; then
	ok $case
else
	fail $case "'$out'; rss show: $(steer_json 2>&1 | head -c 300)"
fi

# ---- foreign steering programs -------------------------------------------
# Someone else's program replaces ours (as QEMU's would): port add refuses
# to replace it, and it keeps steering (every frame to queue 1).
fid=$(in_hyp "$FOREIGN" vmt1 1 | kv prog_id) || die "foreignsteer failed"
case=foreign-detected
owner=$(steer_json | jq -r '"\(.steering.owner) \(.steering.prog_id)"')
if [ "$owner" = "foreign $fid" ]; then ok $case; else
	fail $case "rss show says '$owner', foreign program is $fid"
fi
case=foreign-refused
out=$(vms port add vmt1 --mac "$MAC_VM1" --queues $QUEUES 2>&1)
rc=$?
if [ $rc != 0 ] && grep -q "did not install" <<<"$out" && grep -q -- --force <<<"$out" &&
	prog_exists "$fid"; then
	ok $case
else
	fail $case "rc=$rc '$out' (foreign program still loaded: $(prog_exists "$fid" && echo yes || echo no))"
fi
head -n 40 "$TMPD/flows.hex" >"$TMPD/few.hex"
send_check foreign-still-steers "$TMPD/few.hex" --rss-table 1

case=foreign-left-by-port-del
out=$(vms port del vmt1 2>&1)
if prog_exists "$fid" && grep -q "not vmsteer's: left in place" <<<"$out"; then
	ok $case
else
	fail $case "'$out'; program $fid loaded: $(prog_exists "$fid" && echo yes || echo no)"
fi

case=force-replaces
if vms port add vmt1 --mac "$MAC_VM1" --queues $QUEUES --force >/dev/null &&
	prog_gone "$fid" && [ "$(steer_json | jq -r .steering.owner)" = vmsteer ]; then
	ok $case
else
	fail $case "foreign $fid loaded: $(prog_exists "$fid" && echo yes || echo no), owner $(steer_json | jq -r .steering.owner)"
fi
send_check force-then-steers "$TMPD/few.hex"

# A document without "queues" turns steering off: vmsteer's program goes.
prog=$(steer_json | jq -r '.steering.prog_id')
jq 'del(.ports[0].queues, .ports[0].rss, .ports[0].xdp_steer)' "$TMPD/doc.json" >"$TMPD/off.json"
case=apply-rss-off
out=$(vms apply "$TMPD/off.json" 2>&1)
if steer_off && ! vms rss show vmt1 >/dev/null 2>&1 &&
	[ "$(vms_json port list | jq -c '.[0].queues')" = null ]; then
	ok $case
else
	fail $case "'$out'; tap's steering program $(tap_steer_id vmt1) (was $prog)"
fi
vms port add vmt1 --mac "$MAC_VM1" --queues $QUEUES >/dev/null || die "port add again failed"

# ---- the port moves index (new MAC): the program follows it ---------------
case=mac-change-keeps-steering
old_idx=$(steer_json | jq -r .index)
vms port add vmt1 --mac 02:00:00:00:01:99 --queues $QUEUES --rss-table 2,3 >/dev/null ||
	die "port add with a new MAC failed"
new_idx=$(steer_json | jq -r .index)
if [ "$new_idx" != "$old_idx" ] && [ "$(steer_json | jq -r .steering.owner)" = vmsteer ]; then
	ok $case
else
	fail $case "index $old_idx -> $new_idx, owner $(steer_json | jq -r .steering.owner)"
fi
# The bridge floods frames for the old MAC into the tap all the same.
send_check mac-change-steers "$TMPD/few.hex" --rss-table 2,3

# ---- port add without --queues turns steering off --------------------------
prog=$(steer_json | jq -r '.steering.prog_id')
case=port-add-without-queues
out=$(vms_json port add vmt1 --mac "$MAC_VM1")
if steer_off && [ "$(jq -r .queues <<<"$out")" = null ] &&
	! vms rss show vmt1 >/dev/null 2>&1; then
	ok $case
else
	fail $case "'$out'; tap's steering program $(tap_steer_id vmt1) (was $prog)"
fi
vms port add vmt1 --mac "$MAC_VM1" --queues $QUEUES >/dev/null || die "port add again failed"

# ---- a single-queue tap ----------------------------------------------------
case=single-queue-tap-refused
ip -n "$NS_HYP" tuntap add dev vms1 mode tap || die "cannot create vms1"
out=$(vms port add vms1 --mac 02:00:00:00:03:03 --queues 2 2>&1)
rc=$?
if [ $rc != 0 ] && grep -q "vms1: not a multi-queue tap" <<<"$out" &&
	[ "$(vms_json port list | jq '[.[] | select(.tap == "vms1")] | length')" = 0 ]; then
	ok $case
else
	fail $case "rc=$rc '$out'"
fi

# ---- port del removes vmsteer's program ----------------------------------
prog=$(steer_json | jq -r '.steering.prog_id')
case=port-del-removes-ours
out=$(vms_json port del vmt1)
if [ "$(jq -r .steering_removed <<<"$out")" = true ] && steer_off; then
	ok $case
else
	fail $case "'$out', tap's steering program $(tap_steer_id vmt1) (was $prog)"
fi

lib_done
