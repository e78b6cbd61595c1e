#!/usr/bin/env bash
# The tc side of the transmit path: how `port add/del` and `attach/detach`
# put the tc programs on and take them off.
#
# - port add attaches the tap program at clsact ingress; a second port add
#   replaces it in place (never two filters); an existing clsact qdisc and
#   other people's filters are reused and left alone by port del, which
#   removes only its own filter, and the qdisc only when vmsteer created it.
# - A filter of someone else at vmsteer's handle and priority is refused
#   with a clear error, and the port is not added.
# - attach puts the uplink tc program on the uplink; detach removes it and
#   the qdisc vmsteer created.
# - attach upgrades tc programs of another build in place (same handle and
#   priority, one filter), and traffic goes on through them. "Other builds"
#   are variants compiled with -DVMST_TEST_VARIANT=N (one dead instruction),
#   loaded through VMSTEER_TEST_TAP_OBJ and VMSTEER_TEST_UPLINK_TC_OBJ by
#   the test build of the CLI (vms_hooks).
. "$(dirname "$0")/lib.sh"
lib_init txtc

command -v "${CLANG:-clang}" >/dev/null || { skip txtc "clang not installed"; exit 0; }
build_variant tap 1 "$TMPD/tap1.o"
build_variant uplink_tc 1 "$TMPD/uplink_tc1.o"

topo_create
for t in vmt1 vmt2 vmt3; do tap_create $t; done
vmsim_start vm1 vmt1 -X "$TMPD/vm1.tx.pcap"
vmsim_start vm2 vmt2
VM_LINES_vm2=0

# ntc DEV PROG: vmsteer filters running PROG on DEV's ingress.
ntc() { in_hyp tc filter show dev "$1" ingress | grep -c "name $2 "; }
# nall DEV: filters of any kind on DEV's ingress.
nall() { in_hyp tc filter show dev "$1" ingress | grep -c 'handle'; }
has_clsact() { in_hyp tc qdisc show dev "$1" | grep -q '^qdisc clsact'; }
tc_id() { in_hyp tc filter show dev "$1" ingress | sed -n "s/.* name $2 .*/&/p" |
	grep -o 'id [0-9]*' | head -1; }

# ---- uplink ---------------------------------------------------------------------

vms attach up0 >/dev/null || die "attach failed"
case=attach-adds-uplink-tc
if [ "$(ntc up0 vmst_uplink_tc)" = 1 ] && has_clsact up0; then
	ok $case
else
	fail $case "up0 ingress: $(in_hyp tc filter show dev up0 ingress | tr '\n' '|')"
fi

# ---- a qdisc and a filter that are not vmsteer's --------------------------------

in_hyp tc qdisc add dev vmt1 clsact || die "clsact on vmt1"
# (A classic BPF filter: cls_bpf is there, other classifiers may not be.
# It matches nothing, so frames go on to the next filter, vmsteer's.)
CBPF=(bpf bytecode "1,6 0 0 0,")
in_hyp tc filter add dev vmt1 ingress pref 1 "${CBPF[@]}" || die "filter on vmt1"
vms port add vmt1 --mac "$MAC_VM1" --ip 10.0.0.1 >/dev/null ||
	die "port add vmt1 failed"
vms port add vmt1 --mac "$MAC_VM1" --ip 10.0.0.1 --ip 10.0.0.11 >/dev/null ||
	die "second port add vmt1 failed"
case=port-add-twice-one-filter
if [ "$(ntc vmt1 vmst_tap)" = 1 ] && [ "$(nall vmt1)" = 2 ]; then
	ok $case
else
	fail $case "vmt1 ingress: $(in_hyp tc filter show dev vmt1 ingress | tr '\n' '|')"
fi

vms port add vmt2 --mac "$MAC_VM2" >/dev/null || die "port add vmt2 failed"
case=port-add-creates-clsact
if has_clsact vmt2 && [ "$(ntc vmt2 vmst_tap)" = 1 ]; then
	ok $case
else
	fail $case "vmt2: $(in_hyp tc qdisc show dev vmt2 | tr '\n' '|')"
fi

# One tap program per state and namespace, pinned, on every tap: the
# second port loaded nothing.
case=one-tap-program-for-all-taps
pinned=$(bpftool prog show pinned "$PIN/progs/tap_$(stat -L -c %i "/run/netns/$NS_HYP")" 2>/dev/null |
	sed -n 's/^\([0-9]*\): sched_cls .*/id \1/p')
if [ -n "$pinned" ] && [ "$(tc_id vmt1 vmst_tap)" = "$pinned" ] &&
	[ "$(tc_id vmt2 vmst_tap)" = "$pinned" ]; then
	ok $case
else
	fail $case "pinned '$pinned', vmt1 '$(tc_id vmt1 vmst_tap)', vmt2 '$(tc_id vmt2 vmst_tap)'"
fi

case=port-list-shows-tc
if [ "$(vms --json port list | jq -r '[.[] | select(.tc)] | length')" = 2 ]; then
	ok $case
else
	fail $case "$(vms --json port list)"
fi

# ---- a foreign filter at vmsteer's handle and priority ---------------------------

in_hyp tc qdisc add dev vmt3 clsact || die "clsact on vmt3"
in_hyp tc filter add dev vmt3 ingress pref 30317 handle 0x766d "${CBPF[@]}" ||
	die "filter on vmt3"
case=foreign-filter-refused
out=$(vms port add vmt3 --mac 02:00:00:00:03:03 2>&1)
rc=$?
if [ $rc = 0 ]; then
	fail $case "port add succeeded: $out"
elif ! echo "$out" | grep -q vmt3; then
	fail $case "the error does not name the tap: $out"
elif vms --json port list | jq -e '.[] | select(.tap == "vmt3")' >/dev/null; then
	fail $case "vmt3 was added anyway"
elif [ "$(nall vmt3)" != 1 ]; then
	fail $case "vmt3's filters changed: $(in_hyp tc filter show dev vmt3 ingress | tr '\n' '|')"
else
	ok $case
fi

# An existing port whose update cannot put its filter back on is restored.
case=failed-update-restores-port
in_hyp tc filter del dev vmt3 ingress pref 30317 handle 0x766d bpf ||
	die "cannot remove the filter on vmt3"
vms port add vmt3 --mac 02:00:00:00:03:03 --ip 10.0.3.1 >/dev/null ||
	die "port add vmt3 failed"
in_hyp tc filter del dev vmt3 ingress pref 30317 handle 0x766d bpf ||
	die "cannot remove vmsteer's filter on vmt3"
in_hyp tc filter add dev vmt3 ingress pref 30317 handle 0x766d "${CBPF[@]}" ||
	die "filter on vmt3"
before=$(vms --json port list)
if out=$(vms port add vmt3 --mac 02:00:00:00:03:33 --ip 10.0.3.2 2>&1); then
	fail $case "port add succeeded: $out"
elif [ "$(vms --json port list | jq -c '[.[] | select(.tap == "vmt3") | {mac, addresses}]')" != \
	'[{"mac":"02:00:00:00:03:03","addresses":["10.0.3.1"]}]' ]; then
	fail $case "vmt3 changed: $(vms --json port list)"
else
	ok $case
fi
vms port del vmt3 >/dev/null || die "port del vmt3 failed"

# ---- bad addresses: a clear error naming the object, nothing changed ----------------

# bad_add CASE WANT ARGS...: port add ARGS fails, its error contains WANT,
# and the ports are as they were.
bad_add() {
	local case=$1 want=$2 before out
	shift 2
	before=$(vms --json port list)
	if out=$(vms port add "$@" 2>&1); then
		fail $case "port add succeeded: $out"
	elif ! grep -qF -- "$want" <<<"$out"; then
		fail $case "the error does not say '$want': $out"
	elif [ "$(vms --json port list)" != "$before" ]; then
		fail $case "the ports changed"
	else
		ok $case
	fi
}
bad_add cli-bad-address "10.0.0.300" vmt2 --mac "$MAC_VM2" --ip 10.0.0.300
bad_add cli-host-bits "2001:db8::1/64" vmt2 --mac "$MAC_VM2" --ip 2001:db8::1/64
bad_add cli-multicast-address "224.0.0.5" vmt2 --mac "$MAC_VM2" --ip 224.0.0.5
bad_add cli-overlap-other-port "overlaps 10.0.0.1 of port vmt1" \
	vmt2 --mac "$MAC_VM2" --ip 10.0.0.0/24
bad_add cli-duplicate-in-port "overlap" vmt2 --mac "$MAC_VM2" \
	--ip 10.0.5.1 --ip 10.0.5.1
many=()
for i in $(seq 17); do many+=(--ip "10.9.$i.1"); done
bad_add cli-too-many-addresses "at most 16" vmt2 --mac "$MAC_VM2" "${many[@]}"
case=cli-overlap-other-vlan-allowed
if vms port add vmt2 --mac "$MAC_VM2" --vlan 300 --ip 10.0.0.1 >/dev/null &&
	vms port add vmt2 --mac "$MAC_VM2" >/dev/null; then
	ok $case
else
	fail $case "the same address on another VLAN was refused"
fi

# ---- upgrade of the tc programs by attach -------------------------------------------

tap_before=$(tc_id vmt1 vmst_tap)
up_before=$(tc_id up0 vmst_uplink_tc)
case=attach-upgrades-tc-programs
act=$(VMSTEER_TEST_TAP_OBJ=$TMPD/tap1.o VMSTEER_TEST_UPLINK_TC_OBJ=$TMPD/uplink_tc1.o \
	vms_hooks --json attach up0 | jq -r .action)
if [ "$act" != upgraded ]; then
	fail $case "attach reported '$act'"
elif [ "$(tc_id vmt1 vmst_tap)" = "$tap_before" ] ||
	[ "$(tc_id up0 vmst_uplink_tc)" = "$up_before" ]; then
	fail $case "programs unchanged: $tap_before $up_before"
elif [ "$(ntc vmt1 vmst_tap)" != 1 ] || [ "$(ntc vmt2 vmst_tap)" != 1 ] ||
	[ "$(ntc up0 vmst_uplink_tc)" != 1 ] || [ "$(nall vmt1)" != 2 ]; then
	fail $case "filters stacked or lost"
else
	ok $case
fi
case=attach-same-variant-unchanged
act=$(VMSTEER_TEST_TAP_OBJ=$TMPD/tap1.o VMSTEER_TEST_UPLINK_TC_OBJ=$TMPD/uplink_tc1.o \
	vms_hooks --json attach up0 | jq -r .action)
if [ "$act" = "already attached" ]; then ok $case; else fail $case "attach reported '$act'"; fi

# The upgraded tap program still checks and forwards: a legitimate frame
# reaches vmt2, a spoofed one is dropped under its reason.
case=upgraded-program-forwards
f_ok=$(printf '%s%s0800%s' "$(mac_hex "$MAC_VM2")" "$(mac_hex "$MAC_VM1")" \
	4500002e00000000401100000a0000010a000002)
f_ok="${f_ok}03e807d0001a0000$(printf '%036d' 1)"
f_bad="${f_ok:0:52}09${f_ok:54}" # source 10.0.0.9
vm_send vm1 "$f_ok" "$f_bad" || die "vm1 did not send"
vmsim_new_frames vm2 "$TMPD/got2.hex" || die "vm2 did not report"
echo "$f_ok" >"$TMPD/exp2.hex"
S=$(stats_json)
if ! same_frames "$TMPD/exp2.hex" "$TMPD/got2.hex"; then
	fail $case "vmt2: $DIFF_WHY"
elif [ "$(port_reason "$S" vmt1 spoof_ipv4)" != 1 ]; then
	fail $case "spoof_ipv4 of vmt1: $(port_reason "$S" vmt1 spoof_ipv4)"
else
	ok $case
fi

case=attach-back-to-this-build
act=$(vms --json attach up0 | jq -r .action)
if [ "$act" = upgraded ] && [ "$(ntc vmt1 vmst_tap)" = 1 ]; then
	ok $case
else
	fail $case "attach reported '$act'"
fi

# ---- port del and detach take off only what is vmsteer's ------------------------------

vms port del vmt1 >/dev/null || die "port del vmt1 failed"
vms port del vmt2 >/dev/null || die "port del vmt2 failed"
case=port-del-keeps-foreign-qdisc-and-filter
if [ "$(ntc vmt1 vmst_tap)" = 0 ] && has_clsact vmt1 && [ "$(nall vmt1)" = 1 ]; then
	ok $case
else
	fail $case "vmt1: $(in_hyp tc filter show dev vmt1 ingress | tr '\n' '|')"
fi
case=port-del-removes-own-qdisc
if has_clsact vmt2; then
	fail $case "vmt2 still has a clsact qdisc"
else
	ok $case
fi

vms detach up0 >/dev/null || die "detach failed"
case=detach-removes-uplink-tc
if has_clsact up0; then
	fail $case "up0: $(in_hyp tc qdisc show dev up0 | tr '\n' '|')"
else
	ok $case
fi

lib_done
