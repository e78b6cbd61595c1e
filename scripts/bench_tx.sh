#!/usr/bin/env bash
# vmsteer transmit-path benchmark (`make bench BENCH=tx`, part of `make
# bench`): what the host spends on a frame a VM sends, through the Linux
# bridge, through vmsteer's tap tc program (tc-only port) and through
# vmsteer's tap XDP program, against a floor, interleaved round by round:
#
#   vm-to-vm      tapA -> tapB   (bridge FDB / vmsteer east-west redirect)
#   vm-to-uplink  tapA -> up0    (bridge FDB / vmsteer northbound redirect)
#   floor         an XDP program on tapA drops every frame: the cost of
#                 getting a frame into the tap at all
#
# A VM-side writer (vmsteer-bench txgen) opens a queue of tapA the way
# QEMU does (non-blocking, IFF_VNET_HDR) and writes 64- and 1500-byte
# frames as fast as it can; each write runs the whole path in its thread,
# inside the system call. Measured: the writer's on-CPU ns per frame
# (CLOCK_THREAD_CPUTIME_ID), and ns above the floor of the same round.
# Every frame must arrive: read by the reader of tapB (its TX packets) or
# counted by the XDP sink on the uplink's peer. The writer keeps at most
# WINDOW (192) frames in flight (bursts of 64, waiting between bursts outside the
# timed writes), so a reader slower than the path does not turn into ring
# drops; a path that delivers less than 99% is marked "!" and under 95%
# fails the bench. See BENCHMARKS.md.
#
# DRIVER=vhost: the VM sends through vhost-net instead (vmsteer-bench
# vhostgen drives /dev/vhost-net over tapA's queue, as QEMU does with
# vhost=on): the path runs in vhost's worker thread, pinned to GEN_CPU,
# batched (tun_sendmsg -> tun_xdp_one, up to 64 frames, one redirect
# flush); measured: the worker's on-CPU ns per frame. The driver runs on
# DRV_CPU. Needs /dev/vhost-net (scripts/bench_tx_vhost.sh runs it in
# Debian's 6.1 kernel under qemu where the host has none).
#
# Then the tap programs alone: a non-live BPF_PROG_TEST_RUN (bpftool prog
# run) of vmsteer's pinned tap XDP and tc programs, COST_REPEAT times on
# the bench's own frames from tapA (the XDP program's ingress device, the
# skb's device), median of 3 runs: ns per frame, and under qemu's
# -icount instructions per frame (scripts/bench_tx_vhost.sh).
#
# Settings (environment): ROUNDS=7 (0: the program cost only), SECS=1,
# SIZES="64 1500", PATHS="floor bridge tc xdp", WINDOW=192, GEN_CPU=0,
# DRAIN_CPU=1, DRIVER=write, DRV_CPU (vhost: a third CPU, else DRAIN_CPU),
# COST_REPEAT=1000000 (0: no program cost), VMSTEER=build/vmsteer, V=1
# (verbose).
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/bench_lib.sh
bench_private_bpffs "$0" "$@"

BUILD=${BUILD:-build}
ROUNDS=${ROUNDS:-7}
SECS=${SECS:-1}
SIZES=${SIZES:-64 1500}
PATHS=${PATHS:-floor bridge tc xdp}
GEN_CPU=${GEN_CPU:-0}
WINDOW=${WINDOW:-192}
COST_REPEAT=${COST_REPEAT:-1000000}
V=${V:-0}
DRIVER=${DRIVER:-write}
ncpu=$(nproc)
DRAIN_CPU=${DRAIN_CPU:-$(((GEN_CPU + 1) % ncpu))}
if [ "$ncpu" -ge 3 ]; then
	DRV_CPU=${DRV_CPU:-$(((GEN_CPU + 2) % ncpu))}
else
	DRV_CPU=${DRV_CPU:-$DRAIN_CPU}
fi
VMSTEER=$(realpath -m "${VMSTEER:-$BUILD/vmsteer}")
BENCH=$(realpath -m "$BUILD/tests/vmsteer-bench")
MAC_A=52:54:00:00:00:0a
MAC_B=52:54:00:00:00:0b
MAC_W=52:54:00:00:00:ee
IP_A=198.51.100.1 # the writer's source address
[ "$V" = 1 ] && set -x

die() { echo "bench_tx: $*" >&2; exit 1; }
[ -x "$VMSTEER" ] || die "$VMSTEER missing: run 'make bench'"
[ -x "$BENCH" ] || die "$BENCH missing: run 'make bench'"
for p in $PATHS; do
	case $p in floor | bridge | tc | xdp) ;; *) die "PATHS: unknown path '$p' (floor, bridge, tc, xdp)" ;; esac
done
for s in $SIZES; do
	[[ $s =~ ^[0-9]+$ ]] && [ "$s" -ge 60 ] && [ "$s" -le 1514 ] ||
		die "SIZES: '$s' is not a frame length of 60..1514 bytes"
done
[[ $ROUNDS =~ ^[0-9]+$ ]] || die "ROUNDS: '$ROUNDS' is not a number of rounds"
[[ $COST_REPEAT =~ ^[0-9]+$ ]] && [ "$COST_REPEAT" -le 4294967295 ] ||
	die "COST_REPEAT: '$COST_REPEAT' is not a repeat count (0..2^32-1)"
[[ $WINDOW =~ ^[0-9]+$ ]] && [ "$WINDOW" -ge 64 ] || die "WINDOW: '$WINDOW' is not a number of frames >= 64"
case $DRIVER in
write) ;;
vhost)
	[ "$WINDOW" -le 256 ] || die "WINDOW: '$WINDOW' is over the vhost queue's 256 descriptors"
	[ -e /dev/vhost-net ] || modprobe vhost_net 2>/dev/null || true
	[ -e /dev/vhost-net ] ||
		die "DRIVER=vhost: no /dev/vhost-net on this kernel (scripts/bench_tx_vhost.sh runs the bench in Debian's 6.1 kernel under qemu)"
	;;
*) die "DRIVER: unknown driver '$DRIVER' (write, vhost)" ;;
esac

id=vmstx-$$-$RANDOM
WIRE_NS=$id-wire
HV_NS=$id-hv
WDEV=vtw$$ # the uplink's peer; unique, its NAPI thread is found by name
PIN=/sys/fs/bpf/$id
SINK_PIN=/sys/fs/bpf/$id-sink
tmp=$(mktemp -d /tmp/vmsteer-bench-tx.XXXXXX)
drain_pid=
hold_pid=
sink_pid=
cleanup() {
	local rc=$?
	set +e
	for p in $drain_pid $hold_pid $sink_pid; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	ip netns del "$HV_NS" 2>/dev/null
	ip netns del "$WIRE_NS" 2>/dev/null
	rm -rf "$PIN" "$SINK_PIN" "$tmp"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM
hv() { nsenter --net="/run/netns/$HV_NS" "$@"; }
wire() { nsenter --net="/run/netns/$WIRE_NS" "$@"; }
vms() { hv "$VMSTEER" --pin-path "$PIN" "$@"; }
wait_file() {
	for _ in $(seq 100); do
		[ -e "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

bench_netns "$WIRE_NS" "$HV_NS"
hv ip link add up0 type veth peer name "$WDEV" netns "$WIRE_NS"
hv ip link add br0 type bridge
hv ip link set br0 up
hv ip link set up0 master br0
for t in tapa tapb; do
	hv ip tuntap add dev $t mode tap multi_queue
	hv ip link set $t master br0
	hv ip link set $t up
done
hv ip link set up0 up
wire ip link set "$WDEV" up
hv sysctl -qw net.bridge.bridge-nf-call-iptables=0 \
	net.bridge.bridge-nf-call-ip6tables=0 \
	net.bridge.bridge-nf-call-arptables=0
# The bridge knows every MAC, as it would from their own traffic.
hv bridge fdb add $MAC_B dev tapb master static
hv bridge fdb add $MAC_W dev up0 master static
hv bridge fdb add $MAC_A dev tapa master static

# The VM behind tapB reads its queues (spinning, so no path pays for
# waking it). The
# wire's side of the uplink drops and counts in XDP, its NAPI in a thread
# on the reader's CPU.
# (nsenter, not the hv function: $! must be the reader itself, which
# nsenter becomes, for cleanup to stop it.)
nsenter --net="/run/netns/$HV_NS" taskset -c "$DRAIN_CPU" "$BENCH" drain \
	tapb --queues 2 --ready "$tmp/drain-ready" &
drain_pid=$!
wait_file "$tmp/drain-ready" || die "tap reader not ready"
# The VM behind tapA holds a queue of it for good, as a VM does: a tap
# with no queue attached has no carrier, and the bridge port would come
# back up only after each writer call had started (linkwatch is
# asynchronous), dropping its first frames. It sleeps in poll(), and
# opens its queue as the writer does (a tap's first queue sets its flags).
nsenter --net="/run/netns/$HV_NS" taskset -c "$DRAIN_CPU" "$BENCH" drain \
	tapa --queues 1 --poll --vnet-hdr --ready "$tmp/hold-ready" &
hold_pid=$!
wait_file "$tmp/hold-ready" || die "tapA's holder not ready"
nsenter --net="/run/netns/$WIRE_NS" "$BENCH" sink "$WDEV" --pin "$SINK_PIN" \
	--cpu "$DRAIN_CPU" --ready "$tmp/sink-ready" &
sink_pid=$!
wait_file "$tmp/sink-ready" || die "uplink sink not ready"

vms attach up0 >/dev/null || die "vmsteer attach failed"
# Where the kernel reports no XDP features (before 6.3), vmsteer never
# lets the tap XDP program send to the uplink (vmst_tx has no entry 0):
# frames for the uplink leave the XDP program (XDP_PASS) for tc.
xdp_uplink_hook=from_vm_uplink_xdp_frames
xdp_uplink_note=
if ! hv bpftool map lookup pinned "$PIN/vmst_tx" key 0 0 0 0 >/dev/null 2>&1; then
	xdp_uplink_hook=from_vm_uplink_frames
	xdp_uplink_note="; this kernel reports no XDP features: on the xdp path, frames for the uplink pass the tap XDP program to tc"
fi
# Tracepoints are global: every program on xdp_devmap_xmit (any vmsteer
# state on the host) runs for each frame the XDP path redirects.
devmap_tps=$(bpftool -j link list 2>/dev/null |
	jq '[.[] | select(.tp_name? == "xdp_devmap_xmit")] | length' 2>/dev/null) || devmap_tps="?"

# Port states: off (bridge, floor), tc (tc-only ports), xdp (XDP ports).
# The per-port hook switch (--tx-hook) is detected: a vmsteer without it
# has the tc path only.
state=off
hook_opt() {
	case $1 in
	tc) [ "$has_hook" = 1 ] && echo "--tx-hook tc" || true ;;
	xdp) echo "--tx-hook xdp" ;;
	esac
}
tapa_xdp() { hv ip -j link show tapa | jq -r '.[0].xdp.prog.id // empty'; }
set_state() {
	[ "$state" = "$1" ] && return 0
	if [ "$state" != off ]; then
		vms port del tapa >/dev/null
		vms port del tapb >/dev/null
	fi
	state=off
	[ "$1" = off ] && return 0
	# shellcheck disable=SC2046 # the option is one or two words
	vms port add tapa --mac $MAC_A --ip $IP_A $(hook_opt "$1") >/dev/null
	# shellcheck disable=SC2046
	vms port add tapb --mac $MAC_B $(hook_opt "$1") >/dev/null
	state=$1
	# The hook the port asked for is the one on the tap.
	if [ "$1" = xdp ]; then
		[ -n "$(tapa_xdp)" ] || die "xdp path: no XDP program on tapa"
	else
		[ -z "$(tapa_xdp)" ] || die "tc path: an XDP program on tapa"
	fi
}
has_hook=0
xdp_why=
if err=$(vms port add tapa --mac $MAC_A --tx-hook tc 2>&1 >/dev/null); then
	has_hook=1
	vms port del tapa >/dev/null
	if err=$(vms port add tapa --mac $MAC_A --tx-hook xdp 2>&1 >/dev/null); then
		vms port del tapa >/dev/null
	else
		xdp_why="vmsteer port add --tx-hook xdp: ${err%%$'\n'*}"
	fi
else
	xdp_why="this vmsteer has no per-port hook switch (port add --tx-hook: ${err%%$'\n'*})"
fi
paths=
for p in $PATHS; do
	if [ $p = xdp ] && [ -n "$xdp_why" ]; then
		continue
	fi
	paths="$paths $p"
done
paths=${paths# }

# What arrived is read by the writer (txgen --arrived) between its bursts:
# the frames tapB's reader read (its TX packets) or the sink's count;
# tapB's TX dropped (refused by its full ring) is read here.
# A counter of tapA's port (vmsteer stats).
tapa_counter() { vms --json stats | jq --arg c "$1" '[.ports[] | select(.port == "tapa") | .counters[$c]] | first // 0'; }
tapb_dropped() { hv ip -j -s link show tapb | jq '.[0].stats64.tx.dropped'; }

# measure ROUND PATH DEST SIZE: one writer call; appends a line to raw and
# prints the writer's on-CPU ns per frame with its marks.
measure() {
	local r=$1 p=$2 dest=$3 size=$4 dst=$MAC_B before after out
	local frames errors secs cpu got ringfull=0 how hook hook0 hook1
	case $dest in
	vm) how="--arrived tap:tapb --window $WINDOW" ;;
	uplink) how="--arrived map:$SINK_PIN --window $WINDOW" dst=$MAC_W ;;
	*) how=--floor ;;
	esac
	# The port's counter of the hook the path names: tapA's frames must
	# have taken it (from_vm_{local,uplink}[_xdp]_frames).
	case $p-$dest in
	tc-vm) hook=from_vm_local_frames ;;
	tc-uplink) hook=from_vm_uplink_frames ;;
	xdp-vm) hook=from_vm_local_xdp_frames ;;
	xdp-uplink) hook=$xdp_uplink_hook ;;
	*) hook= ;;
	esac
	[ -z "$hook" ] || hook0=$(tapa_counter $hook)
	before=$(tapb_dropped)
	# shellcheck disable=SC2086 # $how is an option and its value
	if [ "$DRIVER" = vhost ]; then
		out=$(hv taskset -c "$DRV_CPU" "$BENCH" vhostgen tapa --dst $dst \
			--src $MAC_A --secs "$SECS" --size "$size" $how \
			--worker-cpu "$GEN_CPU")
	else
		out=$(hv taskset -c "$GEN_CPU" "$BENCH" txgen tapa --dst $dst \
			--src $MAC_A --secs "$SECS" --size "$size" $how)
	fi
	after=$(tapb_dropped)
	[ "$dest" = vm ] && ringfull=$((after - before))
	frames=$(sed -n 's/.*frames=\([0-9]*\).*/\1/p' <<<"$out")
	errors=$(sed -n 's/.*errors=\([0-9]*\).*/\1/p' <<<"$out")
	secs=$(sed -n 's/.*secs=\([0-9.]*\).*/\1/p' <<<"$out")
	cpu=$(sed -n 's/.*cpu=\([0-9.]*\).*/\1/p' <<<"$out")
	got=$(sed -n 's/.*arrived=\([0-9-]*\).*/\1/p' <<<"$out")
	if [ -n "$hook" ]; then
		hook1=$(tapa_counter $hook)
		[ $((hook1 - hook0)) -ge "$frames" ] ||
			die "$p path, $dest: $((hook1 - hook0)) of $frames frames counted under tapa's $hook"
	fi
	echo "$r $p $dest $size $frames $got $ringfull $errors $secs $cpu" >>"$tmp/raw"
	awk -v f="$frames" -v g="$got" -v c="$cpu" -v w="$secs" -v d="$DRIVER" 'BEGIN {
		printf "%.0f%s%s", c * 1e9 / f, d == "write" && c < 0.9 * w ? "*" : "",
			g < 0.99 * f ? "!" : "" }'
}

# One round: every path, the order rotating round by round; per path every
# size and destination (the floor has no destination).
round() {
	local r=$1 n k i p size dest line
	read -r -a arr <<<"$paths"
	n=${#arr[@]}
	line="round $r/$ROUNDS:"
	for ((k = 0; k < n; k++)); do
		i=$(((k + r) % n))
		p=${arr[$i]}
		case $p in floor | bridge) set_state off ;; *) set_state "$p" ;; esac
		line="$line $p"
		for size in $SIZES; do
			if [ $p = floor ]; then
				line="$line ${size}B $(measure "$r" $p - "$size")"
				continue
			fi
			for dest in vm uplink; do
				line="$line ${size}B-$dest $(measure "$r" $p $dest "$size")"
			done
		done
		line="$line |"
	done
	echo "${line% |} ns"
}

echo "vmsteer transmit bench ($(git describe --always --dirty 2>/dev/null || echo unknown)), $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$DRIVER" = vhost ]; then
	who="vhost's worker thread's"
	echo "Linux $(uname -r); frames sent into tapA through vhost-net (vmsteer-bench vhostgen on CPU $DRV_CPU; vhost's worker on CPU $GEN_CPU); received: tapB (reader on CPU $DRAIN_CPU) or the uplink's peer (XDP sink, NAPI thread on CPU $DRAIN_CPU)"
	echo "$who on-CPU ns per frame (!: under 99% of the frames arrived)"
else
	who="the writer's"
	echo "Linux $(uname -r); frames written into tapA by one thread (CPU $GEN_CPU), non-blocking with a virtio-net header, as QEMU does; received: tapB (reader on CPU $DRAIN_CPU) or the uplink's peer (XDP sink, NAPI thread on CPU $DRAIN_CPU)"
	echo "$who on-CPU ns per frame (*: on CPU under 90% of the call's wall time; !: under 99% of the frames arrived)"
fi
echo "paths: $paths${xdp_why:+ (xdp: not available: $xdp_why)}$xdp_uplink_note"
echo "programs on the xdp_devmap_xmit tracepoint on this host: ${devmap_tps:-?} (this run's vmsteer has one; each runs per frame on the xdp path)"
echo
if [ "$ROUNDS" -gt 0 ]; then
	: >"$tmp/raw"
	# A short calibration round, not counted.
	secs_set=$SECS
	SECS=0.2
	round 0 >/dev/null
	SECS=$secs_set
	: >"$tmp/raw"
	for r in $(seq "$ROUNDS"); do
		round "$r"
	done
	set_state off

	awk -v paths="$paths" -v sizes="$SIZES" -v rounds="$ROUNDS" -v xdp_why="$xdp_why" -v who="$who" -f scripts/bench_tx_report.awk "$tmp/raw"
fi

# The tap programs alone (non-live test runs): the XDP program of an
# --tx-hook xdp port and the tc program behind it, as vmsteer pinned them
# for this namespace, on the frames the writer sends, from tapA.
# cost_run PROG CTX FRAME: the median of 3 runs' "verdict ns".
cost_run() {
	local i out ret ns all=
	for i in 1 2 3; do
		out=$(hv bpftool prog run pinned "$1" data_in "$3" ctx_in "$2" \
			repeat "$COST_REPEAT" 2>&1) || die "bpftool prog run $1: $out"
		ret=$(sed -n 's/.*Return value: \([0-9]*\).*/\1/p' <<<"$out")
		ns=$(sed -n 's/.*duration (average): \([0-9]*\)ns.*/\1/p' <<<"$out")
		[ -n "$ret" ] && [ -n "$ns" ] || die "bpftool prog run $1: $out"
		all="$all $ns"
	done
	echo "$ret $(tr ' ' '\n' <<<"$all" | sed '/^$/d' | sort -n | sed -n 2p)"
}
if [ "$COST_REPEAT" -gt 0 ] && [ -z "$xdp_why" ]; then
	set_state xdp
	ino=$(hv stat -L -c %i /proc/self/ns/net)
	prog_xdp=$PIN/progs/tap_xdp_$ino
	prog_tc=$PIN/progs/tap_$ino
	[ -e "$prog_xdp" ] && [ -e "$prog_tc" ] || die "no pinned tap programs $prog_xdp, $prog_tc"
	ifa=$(hv ip -j link show tapa | jq ".[0].ifindex")
	# Little-endian 32-bit words, in hex for xxd.
	le32() { printf "%02x%02x%02x%02x" $(($1 & 255)) $((($1 >> 8) & 255)) $((($1 >> 16) & 255)) $((($1 >> 24) & 255)); }
	# struct __sk_buff up to ifindex (offset 40); struct xdp_md: data 0,
	# data_end the frame's length, ingress_ifindex (offset 12), queue 0.
	printf "%080d%s" 0 "$(le32 "$ifa")" | xxd -r -p >"$tmp/ctx_skb"
	verdict_name() {
		case $1-$2 in
		xdp-2) echo XDP_PASS ;; xdp-4) echo XDP_REDIRECT ;; xdp-1) echo XDP_DROP ;;
		tc-0) echo TC_ACT_OK ;; tc-7) echo TC_ACT_REDIRECT ;; tc-2) echo TC_ACT_SHOT ;;
		*) echo "$1 verdict $2" ;;
		esac
	}
	# References: the test run's own loop (an XDP_PASS program) and the
	# floor's program (count and drop).
	ref=$PIN/bench-ref
	mkdir -p "$ref"
	bpftool prog loadall "$BUILD/tests/bpf/bench_xdp.bpf.o" "$ref" >/dev/null 2>&1 ||
		die "load $BUILD/tests/bpf/bench_xdp.bpf.o"
	echo
	echo "program cost: non-live BPF_PROG_TEST_RUN (bpftool prog run) of the pinned tap programs on the writer's frames from tapA, repeat $COST_REPEAT, median of 3 runs (under qemu -icount: instructions)"
	printf "  %-13s %5s  %-13s %8s  %s\n" program size dest ns/frame verdict
	for size in $SIZES; do
		for dest in vm uplink; do
			dst=$MAC_B
			[ $dest = uplink ] && dst=$MAC_W
			"$BENCH" txgen tapa --dst $dst --src $MAC_A --size "$size" \
				--dump "$tmp/frame" || die "txgen --dump failed"
			printf "%08d%s%08d%s%016d" 0 "$(le32 "$size")" 0 "$(le32 "$ifa")" 0 |
				xxd -r -p >"$tmp/ctx_xdp"
			for hook in xdp tc; do
				if [ $hook = xdp ]; then
					set -- $(cost_run "$prog_xdp" "$tmp/ctx_xdp" "$tmp/frame")
					name=vmst_tap_xdp
				else
					set -- $(cost_run "$prog_tc" "$tmp/ctx_skb" "$tmp/frame")
					name=vmst_tap
				fi
				printf "  %-13s %5s  %-13s %8s  %s\n" $name "$size" "vm-to-$dest" "$2" "$(verdict_name $hook "$1")"
			done
		done
		set -- $(cost_run "$ref/bench_pass" "$tmp/ctx_xdp" "$tmp/frame")
		printf "  %-13s %5s  %-13s %8s  %s\n" bench_pass "$size" - "$2" "$(verdict_name xdp "$1") (reference: the test run's loop)"
		set -- $(cost_run "$ref/bench_drop" "$tmp/ctx_xdp" "$tmp/frame")
		printf "  %-13s %5s  %-13s %8s  %s\n" bench_drop "$size" - "$2" "$(verdict_name xdp "$1") (reference: the floor's program)"
	done
	set_state off
fi
