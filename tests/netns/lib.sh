# shellcheck shell=bash
# vmsteer netns test harness. Source it from tests/netns/test_*.sh:
#
#   . "$(dirname "$0")/lib.sh"
#   lib_init NAME            # unique names, temp dir, cleanup trap
#   topo_create              # netns $NS_HYP with uplink up0, a veth to
#                            # wire0 in netns $NS_WIRE
#   tap_create vmt1          # persistent multi-queue tap in $NS_HYP
#   vmsim_start vm1 vmt1     # its queues opened and read by vmsim
#   vms attach up0           # the CLI, in $NS_HYP, with this test's pin path
#   ...                      # (setup_two_vms does all of the above for
#                            #  two VMs: vmt1 untagged, vmt2 on VLAN_VM2)
#   send_hex FILE            # frames (hex lines) onto the wire
#   wait_xdp N               # until the uplink program accounted for N
#   vmsim_new_frames vm1 F   # what the VM read since last asked
#   capture_start ID up0     # tcpdump: what reached the normal path
#   ok NAME | fail NAME WHY | skip NAME WHY
#   lib_done                 # exit status from the results
#
# Run one file: sudo bash tests/netns/test_forward.sh (V=1: more detail,
# and the temp dir of a failed test is kept). All: make netns.
# VMSTEER=PATH runs another build of the CLI (test_sanitize.sh: the ASan
# build, make asan). VMSTEER_HOOKS is the test build beside it that loads
# the BPF objects $VMSTEER_TEST_*_OBJ name (tests/hooks/objfile.c).
#
# Output protocol (tests/run.sh): one line per case, "ok NAME",
# "FAIL NAME: why" or "skip NAME: why".
#
# Everything a test makes is named after the test and its PID and removed by
# the EXIT trap, even when the test fails or is interrupted: background
# processes (killed by PID), the pin directory, the namespaces (with every
# device in them) and the temporary directory. Traffic only ever flows in
# the namespaces made here; the root namespace's devices are never touched.
#
# Waiting: no assertion depends on timing. Tests wait for a condition (a
# counter reaching its value, a process being ready) up to a generous
# deadline, WAIT_SECS (60 s: test files run side by side, on machines
# that may be busy with more), and fail if it never holds.

set -u

LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$LIB_DIR/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
VMSTEER=${VMSTEER:-$BUILD/vmsteer}
VMSTEER_HOOKS=${VMSTEER_HOOKS:-$(dirname "$VMSTEER")/tests/vmsteer-hooks}
TOOLS=$BUILD/tests
VMSIM=$TOOLS/vmsim
SENDFRAMES=$TOOLS/sendframes
PCAPHEX=$TOOLS/pcaphex
MAPSUM=$TOOLS/mapsum
WAIT_SECS=${WAIT_SECS:-60}
V=${V:-0}

# MAC addresses used by the tests (locally administered).
MAC_VM1=02:00:00:00:01:01   # untagged port
MAC_VM2=02:00:00:00:02:02   # access port on VLAN_VM2
MAC_WIRE=02:00:00:00:aa:aa  # source of frames from the wire
MAC_NOBODY=02:00:00:00:ee:ee # unicast no port owns
VLAN_VM2=100

LIB_NAME=
LIB_FAILS=0
LIB_PIDS=()
LIB_NETNS=()
LIB_PINS=()
LIB_BPFFS_BEFORE=
TMPD=
NS_HYP=
NS_WIRE=
PIN=

log() { [ "$V" = 1 ] && echo "# $*" >&2; return 0; }
ok() { echo "ok $1"; }
fail() {
	echo "FAIL $1: $2"
	LIB_FAILS=$((LIB_FAILS + 1))
}
skip() { echo "skip $1: $2"; }

# A condition that does not hold aborts the whole test file: for set-up
# steps that later cases depend on.
die() {
	fail "${LIB_NAME}-setup" "$*"
	exit 1
}

lib_cleanup() {
	local rc=$? pid ns pin
	trap - EXIT INT TERM HUP
	for pid in "${LIB_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${LIB_PIDS[@]}"; do
		# Give each a moment to exit cleanly, then force it.
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.02
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	# Anything else still running in our namespaces is ours too.
	for ns in "${LIB_NETNS[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
	done
	for pin in "${LIB_PINS[@]}"; do
		[ -n "$pin" ] && rm -rf "$pin"
	done
	# Maps a faulty CLI pinned at the bpffs root during this test (see the
	# state-confined case): remove the ones this test made, so that they
	# cannot leak into the next test.
	for pin in $(comm -13 <(echo "$LIB_BPFFS_BEFORE") <(ls /sys/fs/bpf 2>/dev/null)); do
		case $pin in vmst_*) rm -f "/sys/fs/bpf/$pin" ;; esac
	done
	for ns in "${LIB_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "$TMPD" ]; then
		if [ "$V" = 1 ] && [ "$LIB_FAILS" -gt 0 ]; then
			echo "# keeping $TMPD for inspection" >&2
		else
			rm -rf "$TMPD"
		fi
	fi
	exit "$rc"
}

# lib_init NAME: names, temp dir, traps. Skips the whole file (exit 0 with
# a skip line) when not root.
lib_init() {
	LIB_NAME=$1
	if [ "$(id -u)" -ne 0 ]; then
		skip "$LIB_NAME" "needs root"
		exit 0
	fi
	local t
	for t in "$VMSTEER" "$VMSIM" "$SENDFRAMES" "$PCAPHEX"; do
		[ -x "$t" ] || { fail "$LIB_NAME-setup" "$t not built (make test-progs)"; exit 1; }
	done
	for t in ip nsenter jq tcpdump ethtool; do
		command -v "$t" >/dev/null ||
			{ fail "$LIB_NAME-setup" "$t not installed (make deps)"; exit 1; }
	done
	LIB_BPFFS_BEFORE=$(ls /sys/fs/bpf 2>/dev/null)
	if [ -e /sys/fs/bpf/vmst_config ]; then
		echo "# warning: /sys/fs/bpf/vmst_* exist (pinned outside any pin path by an earlier run): a vmsteer that looks there will share them"
	fi
	trap lib_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	TMPD=$(mktemp -d "/tmp/vmsteer-$LIB_NAME.$$.XXXXXX")
	NS_HYP=vmst-$LIB_NAME-$$-hyp
	NS_WIRE=vmst-$LIB_NAME-$$-wire
	PIN=/sys/fs/bpf/vmsteer-test-$LIB_NAME-$$
	LIB_PINS+=("$PIN")
	export VMSTEER_PIN_PATH=$PIN
}

# Exit status of the test file: 1 when any case failed.
lib_done() {
	[ "$LIB_FAILS" -eq 0 ]
	exit $?
}

# ---- namespaces and devices ------------------------------------------------

in_hyp() { nsenter --net="/run/netns/$NS_HYP" "$@"; }
in_wire() { nsenter --net="/run/netns/$NS_WIRE" "$@"; }

# A quiet namespace: no IPv6 (no router solicitations or MLD reports that
# would show up as extra frames on the taps or in the counters).
netns_add() {
	local ns=$1
	ip netns add "$ns" || die "cannot create netns $ns"
	LIB_NETNS+=("$ns")
	nsenter --net="/run/netns/$ns" sh -c '
		for c in all default; do
			f=/proc/sys/net/ipv6/conf/$c/disable_ipv6
			[ ! -e $f ] || echo 1 >$f || exit 1
		done' || die "cannot disable IPv6 in $ns"
	ip -n "$ns" link set lo up
}

# topo_create: hyp netns (the hypervisor) with uplink up0, veth to wire0 in
# the wire netns. GRO is off on up0 so that frames the fast path passes on
# reach packet sockets one by one, exactly as they arrived.
topo_create() {
	netns_add "$NS_HYP"
	netns_add "$NS_WIRE"
	ip -n "$NS_HYP" link add up0 type veth peer name wire0 netns "$NS_WIRE" ||
		die "cannot create the veth uplink"
	ip -n "$NS_WIRE" link set wire0 address "$MAC_WIRE"
	in_hyp ethtool -K up0 gro off >/dev/null 2>&1 ||
		die "cannot turn GRO off on up0"
	ip -n "$NS_HYP" link set up0 up
	ip -n "$NS_WIRE" link set wire0 up
}

# tap_create NAME QUEUES: persistent multi-queue tap in hyp, up.
tap_create() {
	local tap=$1
	ip -n "$NS_HYP" tuntap add dev "$tap" mode tap multi_queue ||
		die "cannot create tap $tap"
	ip -n "$NS_HYP" link set "$tap" up
}

# xdp_prog_id DEV: id of the XDP program on DEV in hyp, or "none".
xdp_prog_id() {
	ip -n "$NS_HYP" -j -d link show "$1" | jq -r '.[0].xdp.prog.id // "none"'
}

# ---- background processes ---------------------------------------------------

# vmsim_start ID TAP [vmsim options]: run vmsim on TAP in hyp; its files are
# $TMPD/ID.{hex,status,ready,out,err}. Waits until its queues are open.
vmsim_start() {
	local id=$1 tap=$2
	shift 2
	rm -f "$TMPD/$id".*
	# nsenter execs the tool: $! is the tool's own PID, for signals.
	nsenter --net="/run/netns/$NS_HYP" "$VMSIM" -i "$tap" -q "${VMSIM_QUEUES:-2}" \
		-x "$TMPD/$id.hex" -s "$TMPD/$id.status" -r "$TMPD/$id.ready" \
		"$@" >"$TMPD/$id.out" 2>"$TMPD/$id.err" &
	local pid=$!
	LIB_PIDS+=("$pid")
	eval "VMSIM_PID_$id=$pid"
	wait_for "vmsim $id ready" test -e "$TMPD/$id.ready" ||
		die "vmsim on $tap did not start: $(cat "$TMPD/$id.err")"
}

vmsim_pid() { eval "echo \${VMSIM_PID_$1}"; }

# vm_start N [ARGS]: tap vmtN and vmsim vmN on it (vmsim ARGS added), able
# to transmit (vm_send) and read (VM_LINES_vmN: nothing read yet).
vm_start() {
	local i=$1
	shift
	tap_create "vmt$i"
	vmsim_start "vm$i" "vmt$i" -X "$TMPD/vm$i.tx.pcap" "$@"
	eval "VM_LINES_vm$i=0"
}

# vm_send_file ID [-C]: transmit the frames of $TMPD/send_ID.hex (then emptied)
# through vmsim ID (started with -X $TMPD/ID.tx.pcap) and wait for its
# report; fails unless every frame was written. -C: checksums computed
# first (pcaphex -C), for frames a host stack will look at.
vm_send_file() {
	local id=$1 pid seq0=-1 n
	n=$(wc -l <"$TMPD/send_$id.hex")
	[ "$n" -gt 0 ] || return 0
	"$PCAPHEX" ${2:+"$2"} -r "$TMPD/send_$id.hex" -w "$TMPD/$id.tx.pcap" ||
		return 1
	: >"$TMPD/send_$id.hex"
	pid=$(vmsim_pid "$id")
	[ -e "$TMPD/$id.status" ] && seq0=$(kv seq <"$TMPD/$id.status")
	kill -HUP "$pid" || return 1
	wait_for "vmsim $id transmit" vmsim_seq_past "$id" "$seq0" || return 1
	[ "$(kv tx_errors <"$TMPD/$id.status")" = 0 ]
}
# vm_send [-C] ID HEX...: add these frames to $TMPD/send_ID.hex and
# transmit them as vm_send_file does.
vm_send() {
	local c=
	[ "$1" = -C ] && c=-C && shift
	local id=$1
	shift
	printf '%s\n' "$@" >>"$TMPD/send_$id.hex"
	vm_send_file "$id" $c
}

# vmsim_report ID: make vmsim read everything its queues hold and write its
# counters; prints the fresh status line.
vmsim_report() {
	local id=$1 pid seq0=-1
	pid=$(vmsim_pid "$id")
	[ -e "$TMPD/$id.status" ] && seq0=$(kv seq <"$TMPD/$id.status")
	kill -USR1 "$pid" || return 1
	wait_for "vmsim $id report" vmsim_seq_past "$id" "$seq0" || return 1
	cat "$TMPD/$id.status"
}
vmsim_seq_past() {
	local s
	[ -e "$TMPD/$1.status" ] || return 1
	s=$(kv seq <"$TMPD/$1.status")
	[ -n "$s" ] && [ "$s" -gt "$2" ]
}

# vmsim_frames ID: the frames vmsim ID read so far, hex, one per line.
vmsim_frames() { vmsim_report "$1" >/dev/null && cut -d' ' -f2 "$TMPD/$1.hex"; }

# Stop a background process (by PID) and wait for it.
stop_pid() {
	local pid=$1
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# capture_start ID DEV [NETNS [TCPDUMP-ARGS...]]: tcpdump on DEV in NETNS
# (default hyp's), frames arriving only, into $TMPD/ID.pcap; its PID (nsenter
# execs it) in CAPTURE_PID_<ID>. Waits until it listens.
capture_start() {
	local id=$1 dev=$2 ns=${3:-$NS_HYP}
	nsenter --net="/run/netns/$ns" tcpdump -i "$dev" -Q in -nn -U --immediate-mode -B 65536 \
		-s 0 -Z root -w "$TMPD/$id.pcap" "${@:4}" >"$TMPD/$id.out" 2>"$TMPD/$id.err" &
	local pid=$!
	LIB_PIDS+=("$pid")
	eval "CAPTURE_PID_$id=$pid"
	wait_for "tcpdump on $dev" grep -qs 'listening on' "$TMPD/$id.err" ||
		die "tcpdump on $dev did not start: $(cat "$TMPD/$id.err")"
}
capture_count() { "$PCAPHEX" -c "$TMPD/$1.pcap"; }
capture_frames() { "$PCAPHEX" "$TMPD/$1.pcap"; }
# capture_stop ID: stop tcpdump; fails when the kernel dropped frames.
capture_stop() {
	local pid
	pid=$(eval "echo \${CAPTURE_PID_$1}")
	kill -INT "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	! grep -q '^[1-9][0-9]* packets dropped by kernel' "$TMPD/$1.err"
}

# exporter_start ID PORT [ARGS]: the exporter in hyp on PORT; waits until
# it answers. Its PID goes to EXP_PID_<ID>.
exporter_start() {
	local id=$1 port=$2
	shift 2
	nsenter --net="/run/netns/$NS_HYP" "$VMSTEER" "$@" exporter \
		--listen "127.0.0.1:$port" --timeout 2 \
		>"$TMPD/$id.out" 2>"$TMPD/$id.err" &
	local pid=$!
	LIB_PIDS+=("$pid")
	eval "EXP_PID_$id=$pid"
	wait_for "exporter $id" in_hyp curl -s -o /dev/null -m 2 \
		"http://127.0.0.1:$port/" ||
		die "exporter $id did not start: $(cat "$TMPD/$id.err")"
}

# ---- waiting ----------------------------------------------------------------

# wait_for WHAT CMD...: run CMD until it succeeds or WAIT_SECS pass.
wait_for() {
	local what=$1 end
	shift
	end=$((SECONDS + WAIT_SECS))
	while ! "$@"; do
		if [ "$SECONDS" -ge "$end" ]; then
			log "gave up waiting for $what"
			return 1
		fi
		sleep 0.05
	done
}

# kv KEY: value of "KEY=value" in the line(s) on stdin.
kv() { tr ' ' '\n' | sed -n "s/^$1=//p" | tail -n1; }

# ---- the CLI ----------------------------------------------------------------

# vms ARGS: run the CLI in hyp on this test's pin path (nsenter: keeps the
# host's /sys/fs/bpf, see KERNEL-FACTS.md).
vms() { in_hyp "$VMSTEER" --pin-path "$PIN" "$@"; }
# vms_hooks ARGS: the same with the test build that has test hooks.
vms_hooks() {
	[ -x "$VMSTEER_HOOKS" ] || die "$VMSTEER_HOOKS not built (make test-progs)"
	in_hyp "$VMSTEER_HOOKS" --pin-path "$PIN" "$@"
}

# vms_json ARGS: JSON output of the CLI, failing the case on error.
vms_json() { vms --json "$@"; }

# build_variant SRC N OUT: "another build" of bpf/SRC.bpf.c for the upgrade
# tests, which load it through vms_hooks (VMSTEER_TEST_<WHAT>_OBJ): built
# with -DVMST_TEST_VARIANT=N (VMST_TEST_MARK: one dead instruction, another
# kernel tag, the same behaviour) into OUT. make test-progs builds the
# ones the tests use once ($BUILD/tests/variants/SRC-N.bpf.o, the
# Makefile's TEST_VARIANTS); another is compiled here (callers skip
# without clang).
build_variant() {
	local arch pre=$BUILD/tests/variants/$1-$2.bpf.o
	if [ -e "$pre" ]; then
		cp "$pre" "$3" || die "cannot copy $pre"
		return 0
	fi
	arch=$(uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
	"${CLANG:-clang}" -g -O2 -target bpf -D__TARGET_ARCH_"$arch" \
		-I"$ROOT" -I"$ROOT/include" -I"$ROOT/bpf" -DVMST_TEST_VARIANT="$2" \
		-c "$ROOT/bpf/$1.bpf.c" -o "$3" 2>"$TMPD/clang.err" ||
		die "cannot build a $1 variant: $(head -c 300 "$TMPD/clang.err")"
}

# ---- frames -----------------------------------------------------------------

# mac_hex MAC: "02:00:00:00:01:01" -> "020000000101"
mac_hex() { echo "${1//:/}"; }

# frame DST [VID] SEQ: a test frame from the wire (60 bytes untagged), hex. With VID an
# 802.1Q tag (PCP 0) is inserted. The payload carries SEQ so that every
# frame is distinct. frame_v VAR DST [VID] SEQ stores it in VAR instead
# (no subshell: tests build hundreds of frames).
TEST_ETHERTYPE=88b5
frame_v() {
	local -n _out=$1
	local dst=${2//:/} src=${MAC_WIRE//:/} tag="" seq payload
	if [ $# -eq 4 ]; then
		printf -v tag '8100%04x' "$3"
		seq=$4
	else
		seq=$3
	fi
	# 46 bytes after the EtherType: the sequence number, then zeros.
	printf -v payload '%08x%084d' "$seq" 0
	_out=$dst$src$tag$TEST_ETHERTYPE$payload
}
frame() {
	local f
	frame_v f "$@"
	echo "$f"
}

# untag HEX: the frame with its outer VLAN tag removed (bytes 12..15).
untag() { echo "${1:0:24}${1:32}"; }

# send_hex FILE: send the hex frames of FILE from the wire side; prints the
# number the socket accepted.
send_hex() {
	local out
	out=$(in_wire "$SENDFRAMES" -i wire0 -x "$1" "${@:2}") || return 1
	echo "$out" | kv sent
}

# ---- counters -------------------------------------------------------------

# stats_json: the CLI's counters as JSON (all ports and reasons).
stats_json() { vms --json stats; }

# port_counter JSON PORT NAME: counter NAME of PORT ("to_vm_xdp_frames"...).
port_counter() {
	jq -r --arg p "$2" --arg c "$3" \
		'[.ports[] | select(.port == $p) | .counters[$c]] | first // "none"' <<<"$1"
}
# port_reason JSON PORT REASON: frames counted under REASON for PORT.
port_reason() {
	jq -r --arg p "$2" --arg r "$3" \
		'[.ports[] | select(.port == $p) | .reasons[$r].frames] | first // "none"' <<<"$1"
}
# uplink_reason JSON REASON: frames counted under REASON before any port.
uplink_reason() {
	jq -r --arg r "$2" '.uplink_reasons[$r].frames // "none"' <<<"$1"
}
# xdp_seen JSON: every frame the uplink program accounted for: redirected
# to a port, or passed/dropped under a reason.
xdp_seen() {
	jq -r '([.ports[].counters.to_vm_xdp_frames] | add // 0)
		+ ([.ports[].reasons[].frames] | add // 0)
		+ ([.uplink_reasons[].frames] | add // 0)' <<<"$1"
}
# xdp_unsettled JSON: ports whose redirected frames are not all accounted
# for yet by the transmit tracepoints (sent, ring full, error).
xdp_unsettled() {
	jq -r '[.ports[].counters | select(.to_vm_xdp_frames !=
		.tap_sent + .tap_ring_full + .tap_xmit_err + .redirect_err)]
		| length' <<<"$1"
}

# wait_xdp N: wait until the uplink program has accounted for N frames in
# all (since attach) and every redirected frame has reached its tap ring
# or been counted as refused. Leaves the final counters in $STATS.
STATS=
xdp_done() {
	STATS=$(stats_json) || return 1
	[ "$(xdp_seen "$STATS")" = "$1" ] && [ "$(xdp_unsettled "$STATS")" = 0 ]
}
wait_xdp() {
	wait_for "the uplink program to count $1 frames" xdp_done "$1" && return 0
	XDP_WAIT_WHY="after ${WAIT_SECS}s the uplink program accounted for $(xdp_seen "$STATS") frames of $1 ($(xdp_unsettled "$STATS") port(s) with redirects unaccounted)"
	return 1
}

# ---- comparing frames -----------------------------------------------------

# same_frames EXPECTED ACTUAL: the two files hold the same frames (hex
# lines), order aside. On a difference, sets DIFF_WHY.
same_frames() {
	local missing extra
	missing=$(comm -23 <(sort "$1") <(sort "$2") | wc -l)
	extra=$(comm -13 <(sort "$1") <(sort "$2") | wc -l)
	if [ "$missing" -eq 0 ] && [ "$extra" -eq 0 ]; then
		return 0
	fi
	DIFF_WHY="$(wc -l <"$2") frames where $(wc -l <"$1") expected: $missing expected frame(s) missing, $extra unexpected"
	return 1
}

# expect_frames CASE EXPECTED GOT [WHAT]: ok CASE when the hex-frame files
# hold the same frames (same_frames), else fail with the difference, after
# "WHAT: " (the tap or capture) when given.
expect_frames() {
	if same_frames "$2" "$3"; then
		ok "$1"
	else
		fail "$1" "${4:+$4: }$DIFF_WHY"
	fi
}

# ---- the usual set-up -----------------------------------------------------

# two_vm_taps: taps vmt1 and vmt2 drained by vmsim vm1 and vm2.
two_vm_taps() {
	tap_create vmt1
	tap_create vmt2
	vmsim_start vm1 vmt1
	vmsim_start vm2 vmt2
	VM_LINES_vm1=0
	VM_LINES_vm2=0
}

# metrics_state TAP1 TAP2: topology, up0 attached (generic), port TAP1
# (MAC_VM1) and TAP2 (MAC_VM2, queue steering over 2 queues): a state
# whose scrape has every kind of series (uplink, plain and steered port).
metrics_state() {
	topo_create
	tap_create "$1"
	tap_create "$2"
	vms attach up0 --mode generic >/dev/null || die "attach"
	vms port add "$1" --mac "$MAC_VM1" >/dev/null || die "port add $1"
	vms port add "$2" --mac "$MAC_VM2" --queues 2 >/dev/null ||
		die "port add $2 --queues 2"
}

# setup_two_vms: topology, taps vmt1 (untagged, MAC_VM1) and vmt2 (access
# on VLAN_VM2, MAC_VM2) drained by vmsim vm1 and vm2, vmsteer attached to
# up0 and both ports added.
SEQ=0
XDP_TOTAL=0
setup_two_vms() {
	topo_create
	two_vm_taps
	vms attach up0 >/dev/null || die "vmsteer attach up0 failed"
	vms port add vmt1 --mac "$MAC_VM1" >/dev/null || die "port add vmt1 failed"
	vms port add vmt2 --mac "$MAC_VM2" --vlan "$VLAN_VM2" >/dev/null ||
		die "port add vmt2 failed"
}

# vmsim_new_frames ID OUT: the frames vmsim ID read since the last call
# (after draining its queues), into OUT.
vmsim_new_frames() {
	local id=$1 out=$2 seen
	vmsim_report "$id" >/dev/null || return 1
	seen=$(eval "echo \$VM_LINES_$id")
	tail -n +$((seen + 1)) "$TMPD/$id.hex" | cut -d' ' -f2 >"$out"
	eval "VM_LINES_$id=$((seen + $(wc -l <"$out")))"
}

# make_round N: $TMPD/round.hex gets N frames for each VM, interleaved;
# round_vm1.hex and round_vm2.hex what each VM should read (vm2: untagged).
make_round() {
	local i f
	: >"$TMPD/round.hex"
	: >"$TMPD/round_vm1.hex"
	: >"$TMPD/round_vm2.hex"
	for ((i = 0; i < $1; i++)); do
		SEQ=$((SEQ + 1))
		frame_v f "$MAC_VM1" $SEQ
		echo "$f" >>"$TMPD/round.hex"
		echo "$f" >>"$TMPD/round_vm1.hex"
		SEQ=$((SEQ + 1))
		frame_v f "$MAC_VM2" "$VLAN_VM2" $SEQ
		echo "$f" >>"$TMPD/round.hex"
		echo "${f:0:24}${f:32}" >>"$TMPD/round_vm2.hex"
	done
}

# deliver_round N: send N frames to each VM through the fast path and
# check that exactly those arrive, byte-exact, each at its own tap.
# XDP_TOTAL must hold the frames the uplink program accounted for so far.
# On failure sets ROUND_WHY.
deliver_round() {
	local sent
	make_round "$1"
	sent=$(send_hex "$TMPD/round.hex") || { ROUND_WHY="sendframes failed"; return 1; }
	if [ "$sent" != $(($1 * 2)) ]; then
		ROUND_WHY="the socket sent $sent of $(($1 * 2)) frames"
		return 1
	fi
	XDP_TOTAL=$((XDP_TOTAL + sent))
	wait_xdp "$XDP_TOTAL" || { ROUND_WHY=$XDP_WAIT_WHY; return 1; }
	vmsim_new_frames vm1 "$TMPD/round_got1.hex" || { ROUND_WHY="vmsim vm1 did not report"; return 1; }
	vmsim_new_frames vm2 "$TMPD/round_got2.hex" || { ROUND_WHY="vmsim vm2 did not report"; return 1; }
	same_frames "$TMPD/round_vm1.hex" "$TMPD/round_got1.hex" || { ROUND_WHY="vmt1: $DIFF_WHY"; return 1; }
	same_frames "$TMPD/round_vm2.hex" "$TMPD/round_got2.hex" || { ROUND_WHY="vmt2: $DIFF_WHY"; return 1; }
}

# counters_only JSON: the counters and reasons of every port and the
# uplink, without anything else, for before/after comparisons.
counters_only() {
	jq -cS '{ports: [.ports[] | {port, counters, reasons}], uplink_reasons}' <<<"$1"
}

# ---- the drop monitor -------------------------------------------------------

# monitor_start ID [GLOBAL OPTIONS] monitor [OPTIONS]: the CLI's monitor in
# hyp, stdout and stderr into $TMPD/ID.{out,err}. Waits until it reports
# that events are on; fails when it does not.
monitor_start() {
	local id=$1
	shift
	rm -f "$TMPD/$id.out" "$TMPD/$id.err"
	nsenter --net="/run/netns/$NS_HYP" "$VMSTEER" --pin-path "$PIN" "$@" \
		>"$TMPD/$id.out" 2>"$TMPD/$id.err" &
	local pid=$!
	LIB_PIDS+=("$pid")
	eval "MONITOR_PID_$id=$pid"
	wait_for "monitor $id" grep -q '^vmsteer: monitoring' "$TMPD/$id.err"
}
monitor_pid() { eval "echo \${MONITOR_PID_$1}"; }

# monitor_stop ID [SIGNAL]: signal the monitor (INT by default) and wait
# for it; MONITOR_RC is its exit status ("hung" when it ignored the signal
# for WAIT_SECS and had to be killed).
monitor_stop() {
	local pid hung=0
	pid=$(monitor_pid "$1")
	kill "-${2:-INT}" "$pid" 2>/dev/null
	if ! wait_for "monitor $1 to exit" eval "! kill -0 $pid 2>/dev/null"; then
		hung=1
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid"
	MONITOR_RC=$?
	[ $hung = 0 ] || MONITOR_RC=hung
} 2>/dev/null # no "Killed" notice from bash after SIGKILL

# monitor_state: "off", "on", "stale" from `vmsteer status`.
monitor_state() { vms --json status | jq -r '.monitor.state'; }
# monitor_events: events written since the last monitor started.
monitor_events() { vms --json status | jq -r '.monitor.events'; }

# pcap_tshark_hex FILE: the frames of a pcap as tshark reads them, hex.
pcap_tshark_hex() {
	tshark -r "$1" -T json -x 2>/dev/null |
		jq -r '.[]._source.layers.frame_raw[0]'
}

# ---- libFuzzer sessions -----------------------------------------------------

# Artefacts of every fuzzer run (crash-*, leak-*, the reproducer of a
# failure) go here, never into the source tree, and stay after the test.
FUZZ_ARTIFACTS=$BUILD/fuzz/artifacts

# fuzz_session NAME RUNS MIN MAX_LEN WHAT: a bounded, seeded session of the
# differential fuzzer $BUILD/tests/fuzz_NAME (tests/fuzz/fuzz_NAME.c): the
# harness writes its seeds (tcpdump corpus and built frames), then runs
# RUNS inputs in a network namespace of its own (unshare -n: nothing is
# pinned or attached). One result line; "ok" when at least MIN frames went
# "through WHAT" (as its summary line says) with no mismatch.
fuzz_session() {
	local name=$1 runs=$2 min=$3 max_len=$4 what=$5 fuzz work rc summary through
	fuzz=$BUILD/tests/fuzz_$name
	if [ "$(id -u)" -ne 0 ]; then
		skip "fuzz-$name" "needs root"
		return 0
	fi
	if [ ! -x "$fuzz" ]; then
		fail "fuzz-$name" "$fuzz not built (make test-progs)"
		return 1
	fi
	work=$(mktemp -d "/tmp/vmsteer-fuzz-$name.XXXXXX")
	mkdir "$work/seeds" "$work/new"
	mkdir -p "$FUZZ_ARTIFACTS"
	if ! VMSTEER_FUZZ_SEEDS=$work/seeds "$fuzz" >"$work/seeds.log" 2>&1; then
		fail "fuzz-$name" "cannot write seeds: $(tail -n1 "$work/seeds.log")"
		rm -rf "$work"
		return 1
	fi
	grep -q 'corpus frames from' "$work/seeds.log" ||
		skip "fuzz-$name-corpus-seeds" "$(head -n1 "$work/seeds.log")"
	# The first corpus directory is where libFuzzer writes: a temporary
	# one. The time limit only catches a hung run.
	timeout 600 unshare -n "$fuzz" -runs="$runs" -max_len="$max_len" -seed=1 \
		-artifact_prefix="$FUZZ_ARTIFACTS/$name-" "$work/new" "$work/seeds" \
		>"$work/log" 2>&1
	rc=$?
	summary=$(grep -m1 "^fuzz_$name: [0-9]* frames" "$work/log")
	FUZZ_SUMMARY=$summary # for the caller's own checks
	through=$(sed -n "s/.* \([0-9]*\) through $what.*/\1/p" <<<"$summary")
	if [ $rc -ne 0 ]; then
		fail "fuzz-$name" "fuzzer exited with $rc: $(grep -m1 -E "MISMATCH|ERROR|fuzz_$name:" "$work/log")"
		grep -A9 -m1 MISMATCH "$work/log" | sed 's/^/# /'
		ls "$FUZZ_ARTIFACTS/$name"-* 2>/dev/null | tail -n 3 | sed 's/^/# reproducer: /'
	elif [ -z "$through" ] || [ "$through" -lt "$min" ]; then
		fail "fuzz-$name" "${through:-no} frames through $what, want $min: $summary"
	else
		ok "fuzz-$name ($(grep -o '[0-9]* seeds' "$work/seeds.log"); ${summary#fuzz_$name: })"
	fi
	rm -rf "$work"
	[ $rc -eq 0 ] && [ -n "$through" ] && [ "$through" -ge "$min" ]
}

# map_sums MAP...: one line per pinned map of $PIN, "NAME: ... entries N
# sum X" (tests/tools/mapsum: every key and value hashed, read with
# libbpf's syscalls alone), "NAME: absent" for one that is not there. For
# snapshots that must stay byte for byte the same.
map_sums() {
	"$MAPSUM" "${@/#/$PIN/}" || echo "mapsum failed: $*"
}
