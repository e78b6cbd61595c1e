#!/usr/bin/env bash
# The taps' shared tc block (user/load/tc.c):
# - port add binds a tap without a clsact qdisc to the state's blocks
#   (ingress B = status's tc_block, egress B+1), and block B holds one
#   filter, the tap program, which runs for every tap bound to it;
# - port del takes only that tap out (its qdisc); the others keep the
#   block and its filter; the block goes with the last tap, and an apply
#   that deletes the last port and adds another in one run binds the new
#   tap to a block with the filter again;
# - a tap with a clsact qdisc of its own keeps it (vmsteer's filter goes
#   on it, the operator's stay, port del leaves them);
# - a tap bound to another block is refused, naming the tap and the
#   block, and nothing changes; so is a port add while block B holds a
#   filter that is not vmsteer's;
# - a qdisc bound to block B that vmsteer did not record (a kill before
#   recording) is taken as vmsteer's: port del removes it;
# - two states in one namespace get two blocks.
. "$(dirname "$0")/lib.sh"
lib_init tcblock

topo_create
for t in vmb1 vmb2 vmb3 vmb4 vmb5 vmb6; do tap_create $t; done
vmsim_start vm2 vmb2 -X "$TMPD/vm2.tx.pcap"
VM_LINES_vm2=0

vms attach up0 >/dev/null || die "attach failed"
vms port add vmb1 --mac "$MAC_VM1" >/dev/null || die "port add vmb1"
vms port add vmb2 --mac "$MAC_VM2" --ip 10.0.0.2 >/dev/null || die "port add vmb2"
vms port add vmb3 --mac 02:00:00:00:03:03 >/dev/null || die "port add vmb3"
B=$(vms --json status | jq -r .tc_block)

# iblock DEV: the ingress block DEV's clsact qdisc is bound to ("" none).
iblock() { in_hyp tc -j qdisc show dev "$1" | jq -r '[.[] | select(.kind == "clsact") | .ingress_block // empty] | first // ""'; }
eblock() { in_hyp tc -j qdisc show dev "$1" | jq -r '[.[] | select(.kind == "clsact") | .egress_block // empty] | first // ""'; }
# nblock: filters (with a handle) in block B; ntap: those running vmst_tap.
nblock() { in_hyp tc filter show block "$B" 2>/dev/null | grep -c 'handle'; }
ntap() { in_hyp tc filter show block "$B" 2>/dev/null | grep -c 'handle 0x766d vmst_tap'; }
has_clsact() { in_hyp tc qdisc show dev "$1" | grep -q '^qdisc clsact'; }

case=port-add-binds-shared-block
if [ -z "$B" ] || [ "$B" = 0 ] || [ "$B" = null ]; then
	fail $case "status tc_block: '$B'"
elif [ "$(iblock vmb1)" != "$B" ] || [ "$(iblock vmb2)" != "$B" ] || [ "$(iblock vmb3)" != "$B" ]; then
	fail $case "ingress blocks $(iblock vmb1) $(iblock vmb2) $(iblock vmb3), want $B"
elif [ "$(eblock vmb1)" != $((B + 1)) ]; then
	fail $case "egress block $(eblock vmb1), want $((B + 1))"
elif [ "$(nblock)" != 1 ] || [ "$(ntap)" != 1 ]; then
	fail $case "block $B: $(in_hyp tc filter show block "$B" | tr '\n' '|')"
else
	ok $case
fi

# The block's filter runs for vmb2: a spoofed frame from vm2 is dropped
# under its reason (and one with its own address is not).
spoof_from_vm2() { # SRC_IP_HEX
	local f
	f=$(printf '%s%s0800%s' "$(mac_hex "$MAC_VM1")" "$(mac_hex "$MAC_VM2")" \
		"4500002e0000000040110000$1""0a000001")
	vm_send vm2 "${f}03e807d0001a0000$(printf '%036d' 1)" || die "vm2 did not send"
}
case=block-filter-runs-for-tap
spoof_from_vm2 0a000009
got=$(port_reason "$(stats_json)" vmb2 spoof_ipv4)
if [ "$got" = 1 ]; then ok $case; else fail $case "spoof_ipv4 of vmb2: $got, want 1"; fi

case=port-del-leaves-other-taps
vms port del vmb1 >/dev/null || die "port del vmb1"
spoof_from_vm2 0a000009
got=$(port_reason "$(stats_json)" vmb2 spoof_ipv4)
if has_clsact vmb1; then
	fail $case "vmb1 keeps its qdisc: $(in_hyp tc qdisc show dev vmb1 | tr '\n' '|')"
elif [ "$(iblock vmb2)" != "$B" ] || [ "$(iblock vmb3)" != "$B" ] || [ "$(ntap)" != 1 ]; then
	fail $case "vmb2/vmb3 blocks $(iblock vmb2) $(iblock vmb3), block filters $(ntap)"
elif [ "$got" != 2 ]; then
	fail $case "spoof_ipv4 of vmb2 after vmb1's port del: $got, want 2"
else
	ok $case
fi

# A tap with a clsact qdisc (and a filter) of the operator's.
in_hyp tc qdisc add dev vmb4 clsact || die "clsact on vmb4"
in_hyp tc filter add dev vmb4 ingress pref 100 protocol ip u32 match u32 0 0 flowid 1:1 ||
	die "filter on vmb4"
case=own-qdisc-kept
vms port add vmb4 --mac 02:00:00:00:04:04 >/dev/null || die "port add vmb4"
if [ -n "$(iblock vmb4)" ]; then
	fail $case "vmb4 bound to block $(iblock vmb4)"
elif ! in_hyp tc filter show dev vmb4 ingress | grep -q 'handle 0x766d vmst_tap' ||
	! in_hyp tc filter show dev vmb4 ingress | grep -q 'pref 100 u32'; then
	fail $case "vmb4: $(in_hyp tc filter show dev vmb4 ingress | tr '\n' '|')"
elif [ "$(nblock)" != 1 ]; then
	fail $case "block $B: $(in_hyp tc filter show block "$B" | tr '\n' '|')"
else
	ok $case
fi
case=own-qdisc-port-del
vms port del vmb4 >/dev/null || die "port del vmb4"
if ! has_clsact vmb4 || ! in_hyp tc filter show dev vmb4 ingress | grep -q 'pref 100 u32' ||
	in_hyp tc filter show dev vmb4 ingress | grep -q vmst_tap; then
	fail $case "vmb4: $(in_hyp tc filter show dev vmb4 ingress | tr '\n' '|')"
else
	ok $case
fi
in_hyp tc qdisc del dev vmb4 clsact

# A tap bound to another block: refused, naming both; nothing changes.
other=$((B + 1000))
in_hyp tc qdisc add dev vmb5 ingress_block $other egress_block $((other + 1)) clsact ||
	die "vmb5 on block $other"
case=other-block-refused
before=$(vms --json port list | jq -c .)
out=$(vms port add vmb5 --mac 02:00:00:00:05:05 2>&1)
rc=$?
if [ $rc = 0 ]; then
	fail $case "port add succeeded: $out"
elif [[ $out != *vmb5* || $out != *"block $other"* ]]; then
	fail $case "message: $out"
elif [ "$(vms --json port list | jq -c .)" != "$before" ] || [ "$(iblock vmb5)" != $other ]; then
	fail $case "something changed: $(vms --json port list | jq -c 'map(.tap)')"
else
	ok $case
fi
in_hyp tc qdisc del dev vmb5 clsact

# Someone's filter in vmsteer's block: the next tap is refused.
in_hyp tc filter add block "$B" pref 5 protocol all handle 7 bpf da bytecode '1,6 0 0 0,' ||
	die "filter in block $B"
case=foreign-filter-in-block-refused
out=$(vms port add vmb5 --mac 02:00:00:00:05:05 2>&1)
rc=$?
if [ $rc = 0 ]; then
	fail $case "port add succeeded: $out"
elif [[ $out != *"tc block $B"* ]]; then
	fail $case "message: $out"
elif has_clsact vmb5 || vms --json port list | jq -e 'any(.tap == "vmb5")' >/dev/null; then
	fail $case "vmb5 was added or bound: $(in_hyp tc qdisc show dev vmb5 | tr '\n' '|')"
else
	ok $case
fi
in_hyp tc filter del block "$B" pref 5 protocol all handle 7 bpf || die "block filter del"

# A qdisc bound to block B that vmsteer never recorded is vmsteer's.
in_hyp tc qdisc add dev vmb5 ingress_block "$B" egress_block $((B + 1)) clsact ||
	die "vmb5 on block $B"
case=unrecorded-qdisc-on-block-removed
vms port add vmb5 --mac 02:00:00:00:05:05 >/dev/null || die "port add vmb5"
vms port del vmb5 >/dev/null || die "port del vmb5"
if has_clsact vmb5; then fail $case "vmb5 keeps its qdisc"; else ok $case; fi

# The last tap leaves and another comes in one apply: the new tap's
# block has the filter again (a new block, made by its bind).
cat >"$TMPD/a.json" <<JSON
{"uplinks": [{"device": "up0"}],
 "ports": [{"tap": "vmb6", "mac": "02:00:00:00:06:06"}]}
JSON
case=apply-last-tap-out-new-in
vms apply "$TMPD/a.json" >/dev/null || die "apply a.json"
if has_clsact vmb2 || has_clsact vmb3; then
	fail $case "vmb2/vmb3 keep their qdiscs"
elif [ "$(iblock vmb6)" != "$B" ] || [ "$(ntap)" != 1 ]; then
	fail $case "vmb6 block $(iblock vmb6), block filters: $(in_hyp tc filter show block "$B" | tr '\n' '|')"
elif [ "$(vms --json status | jq -r '"\(.tc_attached) \(.tc_missing)"')" != "1 0" ]; then
	fail $case "status: $(vms --json status | jq -c '[.tc_attached, .tc_missing]')"
else
	ok $case
fi

# A second state in the namespace: its own block.
PIN2=$PIN-2
LIB_PINS+=("$PIN2")
case=second-state-own-block
in_hyp "$VMSTEER" --pin-path "$PIN2" port add vmb1 --mac "$MAC_VM1" >/dev/null ||
	die "port add vmb1 (second state)"
B2=$(in_hyp "$VMSTEER" --pin-path "$PIN2" --json status | jq -r .tc_block)
if [ "$B2" = "$B" ] || [ -z "$B2" ]; then
	fail $case "both states use block $B"
elif [ "$(iblock vmb1)" != "$B2" ] || [ "$(iblock vmb6)" != "$B" ]; then
	fail $case "vmb1 on $(iblock vmb1) (want $B2), vmb6 on $(iblock vmb6) (want $B)"
else
	ok $case
fi
in_hyp "$VMSTEER" --pin-path "$PIN2" port del vmb1 >/dev/null || die "port del (second state)"

lib_done
