#!/usr/bin/env bash
# `vmsteer agent --no-libvirt` (rtnetlink only), running while taps come
# and go, nobody running a vmsteer command:
# - a pending port becomes active when its tap appears: FDB entry, tap
#   program, frames from the wire delivered into the tap;
# - the tap vanishes: the port becomes pending, its FDB entry gone (frames
#   for its MAC reach the kernel as unknown_dst), its addresses kept;
# - a tap appears under another name with the port's MAC, first byte fe
#   (as libvirt makes taps): the port moves there, active, addresses kept;
# - a device created in the bridge after the agent started is host-local
#   (vmst_local) without any command: a VM's frame to it is counted
#   vm_host_dst and stays off the wire; so is a MAC the bridge learns
#   behind it; deleted, it is forgotten;
# - kill -9 and restart: nothing that was right changes, the state was
#   never flushed, and the restarted agent repairs what changed meanwhile;
# - bad options and a bad configuration file: one-line errors.
. "$(dirname "$0")/lib.sh"
lib_init agent

AGENT_BIN=$BUILD/vmsteer-agent
[ -x "$AGENT_BIN" ] || die "$AGENT_BIN not built (make test-progs)"
command -v bpftool >/dev/null || die "bpftool not installed (make deps)"
MAC_LV=02:00:00:00:1e:1e

topo_create
ip -n "$NS_HYP" link add br0 type bridge || die "cannot create br0"
ip -n "$NS_HYP" link set up0 master br0 || die "up0 into br0"
ip -n "$NS_HYP" link set br0 up || die "br0 up"
vms attach up0 >/dev/null || die "vmsteer attach up0 failed"

echo '{"libvirt_uri": null}' >"$TMPD/agent.json"
agent_start() {
	: >>"$TMPD/agent.err" # there before the agent opens it: waited on below
	nsenter --net="/run/netns/$NS_HYP" "$VMSTEER" --pin-path "$PIN" agent \
		--config "$TMPD/agent.json" -v >>"$TMPD/agent.out" 2>>"$TMPD/agent.err" &
	AGENT_PID=$!
	LIB_PIDS+=("$AGENT_PID")
	wait_for "the agent to run" grep -q 'running: pin path' "$TMPD/agent.err" ||
		die "the agent did not start: $(cat "$TMPD/agent.err")"
}
port_field() {
	vms --json port list | jq -r --arg t "$1" --arg f "$2" \
		'[.[] | select(.tap == $t) | .[$f] | tostring] | first // "none"'
}
fdb_entries() { vms --json status | jq -r .fdb_entries; }
is_state() { [ "$(port_field "$1" state)/$(port_field "$1" tc)" = "$2" ]; }
local_has() { # MAC: in vmst_local
	bpftool -j map dump pinned "$PIN/vmst_local" |
		jq -e --argjson m $((16#${1//:/})) 'any(.[]; .formatted.key.mac48 == $m)' >/dev/null
}

# deliver ID MAC N: N frames from the wire for MAC reach vmsim ID's tap.
deliver() {
	local i f
	: >"$TMPD/d.hex"
	for ((i = 0; i < $3; i++)); do
		SEQ=$((SEQ + 1))
		frame_v f "$2" $SEQ
		echo "$f" >>"$TMPD/d.hex"
	done
	send_hex "$TMPD/d.hex" >/dev/null || { WHY="sendframes failed"; return 1; }
	: >"$TMPD/d.got"
	got_all() {
		vmsim_new_frames "$1" "$TMPD/d.new" || return 1
		# Only the test's frames (the bridge floods its own to the tap).
		awk 'substr($0, 25, 4) == "88b5"' "$TMPD/d.new" >>"$TMPD/d.got"
		same_frames "$TMPD/d.hex" "$TMPD/d.got"
	}
	wait_for "frames into $1" got_all "$1" || { WHY="$1: ${DIFF_WHY:-no report}"; return 1; }
}

agent_start
vms port add vmt1 --mac "$MAC_VM1" --ip 10.0.0.1 >/dev/null || die "port add vmt1 failed"

case=tap-appears-port-active
[ "$(port_field vmt1 state)" = pending ] || die "vmt1 not pending before its tap"
tap_create vmt1
ip -n "$NS_HYP" link set vmt1 master br0
vmsim_start vm1 vmt1 -X "$TMPD/vm1.tx.pcap"
VM_LINES_vm1=0
if ! wait_for "vmt1 active" is_state vmt1 ok/true; then
	fail $case "vmt1: $(port_field vmt1 state), tc $(port_field vmt1 tc); $(tail -3 "$TMPD/agent.err")"
elif [ "$(fdb_entries)" != 1 ]; then
	fail $case "FDB entries: $(fdb_entries)"
elif ! deliver vm1 "$MAC_VM1" 5; then
	fail $case "$WHY"
else
	ok $case
fi

case=tap-vanishes-port-pending
stop_pid "$(vmsim_pid vm1)"
ip -n "$NS_HYP" link del vmt1
if ! wait_for "vmt1 pending" is_state vmt1 pending/false; then
	fail $case "vmt1: $(port_field vmt1 state); $(tail -3 "$TMPD/agent.err")"
elif [ "$(fdb_entries)" != 0 ]; then
	fail $case "FDB entries: $(fdb_entries)"
elif [ "$(port_field vmt1 addresses)" != '["10.0.0.1"]' ]; then
	fail $case "addresses: $(port_field vmt1 addresses)"
else
	ok $case
fi

# The VM comes back on a tap of another name, with libvirt's tap MAC.
case=tap-reappears-other-name
ip -n "$NS_HYP" tuntap add dev vnet5 mode tap multi_queue || die "cannot create vnet5"
ip -n "$NS_HYP" link set vnet5 address "fe:${MAC_VM1#*:}" master br0 up ||
	die "cannot set vnet5 up"
vmsim_start vm5 vnet5 -X "$TMPD/vm5.tx.pcap"
VM_LINES_vm5=0
if ! wait_for "vnet5 active" is_state vnet5 ok/true; then
	fail $case "ports: $(vms --json port list | jq -c '[.[] | {tap, state}]'); $(tail -3 "$TMPD/agent.err")"
elif [ "$(port_field vmt1 state)" != none ] || [ "$(port_field vnet5 mac)" != "$MAC_VM1" ] ||
	[ "$(port_field vnet5 addresses)" != '["10.0.0.1"]' ]; then
	fail $case "ports: $(vms --json port list | jq -c '[.[] | {tap, mac, addresses}]')"
elif ! deliver vm5 "$MAC_VM1" 5; then
	fail $case "$WHY"
else
	ok $case
fi

# A device made after the agent started: local at once, no command run.
h() { echo "${1//:/}"; }
to_lv=$(h $MAC_LV)$(h "$MAC_VM1")88b5$(printf '%08x%084d' 1 0)
case=device-made-later-host-local
ip -n "$NS_HYP" link add lv0 address $MAC_LV type veth peer name lv1 || die "cannot create lv0"
ip -n "$NS_HYP" link set lv0 master br0 up || die "lv0 into br0"
if ! wait_for "lv0's MAC in vmst_local" local_has $MAC_LV; then
	fail $case "$MAC_LV never became host-local"
elif ! vm_send vm5 "$to_lv"; then
	fail $case "vm5 could not send"
else
	S=$(stats_json)
	got="$(port_reason "$S" vnet5 vm_host_dst)/$(port_counter "$S" vnet5 from_vm_uplink_frames)"
	if [ "$got" = 1/0 ]; then ok $case; else fail $case "vm_host_dst/north: $got, want 1/0"; fi
fi

# A MAC the bridge learns behind lv0 (a container, an unmanaged VM): its
# FDB notification alone makes it host-local.
case=bridge-learned-mac-host-local
MAC_BEHIND=02:00:00:00:1f:1f
ip -n "$NS_HYP" link set lv1 up
echo "ffffffffffff$(h $MAC_BEHIND)88b6$(printf '%08x%084d' 2 0)" >"$TMPD/behind.hex"
# The bridge learns only on a forwarding port, and lv0's carrier reaches
# the bridge asynchronously (linkwatch) after lv1 comes up.
wait_for "lv0 forwarding in br0" eval \
	"bridge -n $NS_HYP link show dev lv0 | grep -q 'state forwarding'" ||
	die "lv0 never forwarding: $(bridge -n "$NS_HYP" link show dev lv0)"
in_hyp "$SENDFRAMES" -i lv1 -x "$TMPD/behind.hex" >/dev/null || die "cannot send from lv1"
if ! wait_for "br0 to learn $MAC_BEHIND" eval \
	"bridge -n $NS_HYP fdb show dev lv0 | grep -qi $MAC_BEHIND"; then
	fail $case "br0 did not learn $MAC_BEHIND on lv0"
elif wait_for "$MAC_BEHIND in vmst_local" local_has $MAC_BEHIND; then
	ok $case
else
	fail $case "$MAC_BEHIND, learned by br0 on lv0, never became host-local"
fi

case=device-deleted-forgotten
ip -n "$NS_HYP" link del lv0
if wait_for "lv0's MAC out of vmst_local" eval '! local_has $MAC_LV'; then
	ok $case
else
	fail $case "$MAC_LV still host-local"
fi

# kill -9: the state stays as it was; what changes while the agent is
# away is repaired when it starts again.
case=kill-9-state-stays
before=$(vms dump)
{
	kill -KILL "$AGENT_PID"
	wait "$AGENT_PID"
} 2>/dev/null
if [ "$(vms dump)" = "$before" ] && is_state vnet5 ok/true && deliver vm5 "$MAC_VM1" 3; then
	ok $case
else
	fail $case "after kill -9: $(vms --json port list | jq -c '[.[] | {tap, state, tc}]') ${WHY:-}"
fi

case=restart-repairs
stop_pid "$(vmsim_pid vm5)"
ip -n "$NS_HYP" link del vnet5
tap_create vmt2
vms port add vmt2 --mac "$MAC_VM2" >/dev/null || die "port add vmt2 failed"
# vmt2's tap program goes: its qdisc (the tap leaves the shared block).
tc -n "$NS_HYP" qdisc del dev vmt2 clsact || die "cannot remove vmt2's filter"
: >"$TMPD/agent.err"
agent_start
if ! wait_for "vnet5 pending, vmt2's program back" eval \
	'is_state vnet5 pending/false && is_state vmt2 ok/true'; then
	fail $case "ports: $(vms --json port list | jq -c '[.[] | {tap, state, tc}]')"
elif [ "$(fdb_entries)" != 1 ]; then
	fail $case "FDB entries $(fdb_entries), want 1 (vmt2)"
else
	ok $case
fi

case=bad-config-one-line
echo '{"bridges": ["br0"], "bridge": []}' >"$TMPD/bad.json"
out=$(in_hyp "$AGENT_BIN" --pin-path "$PIN" --config "$TMPD/bad.json" --once 2>&1)
rc=$?
if [ $rc -eq 1 ] && [ "$(wc -l <<<"$out")" = 1 ] && [[ $out == *'unknown key "bridge"'* ]]; then
	ok $case
else
	fail $case "status $rc: $out"
fi
case=bad-mac-option
out=$(vms agent --mac 52:54:00 --once 2>&1)
rc=$?
if [ $rc -eq 1 ] && [[ $out == *"--mac: '52:54:00' is not a MAC address"* ]]; then
	ok $case
else
	fail $case "status $rc: $out"
fi

lib_done
