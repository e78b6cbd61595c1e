#!/usr/bin/env bash
# Pending ports (ports whose tap does not exist yet, or no more), without
# the agent:
# - apply at boot with no tap yet succeeds: the ports are pending (listed,
#   counted by status, in no FDB slot); dump | apply changes nothing;
# - status exits 3 for a port pending longer than --pending-max and for a
#   port whose tap vanished, 0 when healthy; --json says which (attention);
#   the exporter counts both (vmsteer_ports_pending, _tap_gone);
# - `vmsteer sync` activates a pending port whose tap appeared (FDB entry,
#   tap program, frames delivered), makes a port whose tap vanished
#   pending (its FDB entry gone at once: frames for it reach the kernel as
#   unknown_dst; its addresses kept) and follows a tap made again; a port
#   its tap cannot take (2 queues, a single-queue tap) stays pending with
#   a warning while the others become active;
# - a MAC moves from a port whose tap is gone to a new tap (an update, same
#   index), while an active port's MAC is still refused;
# - port del --if-exists, port del --mac MAC [--vlan VID], port prune.
. "$(dirname "$0")/lib.sh"
lib_init pending

topo_create
cat >"$TMPD/boot.json" <<EOF
{"uplinks": [{"device": "up0"}],
 "ports": [{"tap": "vmt1", "mac": "$MAC_VM1", "addresses": ["192.0.2.1"]},
	   {"tap": "vmt2", "mac": "$MAC_VM2", "vlan": $VLAN_VM2}]}
EOF

# port_field TAP FIELD: FIELD of TAP's entry in port list --json.
port_field() {
	vms --json port list | jq -r --arg t "$1" --arg f "$2" \
		'[.[] | select(.tap == $t) | .[$f]] | first // "none"'
}
status_json() { vms --json status "$@"; }
fdb_entries() { vms --json status | jq -r .fdb_entries; }

case=apply-before-taps-pending
out=$(vms apply "$TMPD/boot.json" 2>&1)
rc=$?
if [ $rc -ne 0 ]; then
	fail $case "apply failed ($rc): $out"
elif [ "$(port_field vmt1 state) $(port_field vmt2 state)" != "pending pending" ]; then
	fail $case "states: $(vms --json port list | jq -c '[.[] | .state]')"
elif [ "$(fdb_entries)" != 0 ]; then
	fail $case "pending ports in the FDB: $(fdb_entries) entries"
else
	ok $case
fi

case=status-counts-pending
st=$(status_json)
rc=$?
if [ $rc -ne 0 ] || [ "$(jq -r .ports_pending <<<"$st")" != 2 ]; then
	fail $case "status $rc, ports_pending $(jq -r .ports_pending <<<"$st"): $(jq -c .attention <<<"$st")"
elif ! vms status | grep -q '^pending: *2 ports waiting for their tap'; then
	fail $case "plain status: $(vms status | tr '\n' '|')"
else
	ok $case
fi

# metric NAME: its value in a scrape of the exporter.
metric() { in_hyp curl -s -m 10 "http://127.0.0.1:9477/metrics" | sed -n "s/^$1 //p"; }
exporter_start exp 9477 --pin-path "$PIN"
case=metric-ports-pending
got="$(metric vmsteer_ports_pending)/$(metric vmsteer_ports_tap_gone)"
if [ "$got" = 2/0 ]; then ok $case; else fail $case "pending/tap_gone: $got, want 2/0"; fi

case=status-pending-too-long-exit-3
sleep 1.1
st=$(status_json --pending-max 0)
rc=$?
if [ $rc -ne 3 ]; then
	fail $case "exit status $rc, want 3"
elif [ "$(jq -r '[.attention[] | select(.kind == "pending_too_long") | .object] | sort | join(",")' <<<"$st")" != vmt1,vmt2 ] ||
	[ "$(jq -r .healthy <<<"$st")" != false ]; then
	fail $case "attention: $(jq -c .attention <<<"$st")"
else
	ok $case
fi

case=status-pending-max-refused
out=$(vms status --pending-max -1 2>&1)
rc=$?
if [ $rc -eq 1 ] && [[ $out == *"--pending-max -1"* ]]; then
	ok $case
else
	fail $case "status $rc: $out"
fi

case=dump-apply-pending-no-changes
out=$(vms dump | vms apply - 2>&1)
if [ "$out" = "no changes" ] &&
	[ "$(vms dump | jq -c '[.ports[] | select(.tap == "vmt1") | .addresses] | first')" = '["192.0.2.1"]' ]; then
	ok $case
else
	fail $case "dump | apply: $out; dump: $(vms dump | jq -c .)"
fi

# The taps appear: sync makes the ports active. vmt3 wants 2 queues but
# its tap has one: it stays pending (a warning), the others go on.
vms port add vmt3 --mac 02:00:00:00:03:03 --queues 2 >/dev/null ||
	die "port add vmt3 (pending, 2 queues) failed"
ip -n "$NS_HYP" tuntap add dev vmt3 mode tap || die "cannot create vmt3"
two_vm_taps
case=sync-activates-pending
out=$(vms sync 2>&1)
rc=$?
if [ $rc -ne 0 ]; then
	fail $case "sync failed ($rc): $out"
elif [ "$(port_field vmt3 state)" != pending ] ||
	[[ $out != *"port vmt3: "*"pending until that changes"* ]]; then
	fail $case "vmt3 $(port_field vmt3 state), sync said: $out"
elif [ "$(port_field vmt1 state) $(port_field vmt2 state)" != "ok ok" ] ||
	[ "$(port_field vmt1 tc) $(port_field vmt2 tc)" != "true true" ]; then
	fail $case "after sync: $(vms --json port list | jq -c '[.[] | {tap, state, tc}]')"
elif [ "$(fdb_entries)" != 2 ]; then
	fail $case "FDB entries: $(fdb_entries)"
elif ! deliver_round 4; then
	fail $case "$ROUND_WHY"
else
	ok $case
fi

vms port del vmt3 >/dev/null || die "port del vmt3 failed"
ip -n "$NS_HYP" link del vmt3
case=status-healthy-exit-0
st=$(status_json)
rc=$?
if [ $rc -eq 0 ] && [ "$(jq -r '.healthy, (.attention | length)' <<<"$st" | tr '\n' ' ')" = "true 0 " ]; then
	ok $case
else
	fail $case "status $rc: $(jq -c .attention <<<"$st")"
fi

case=sync-again-no-changes
out=$(vms sync 2>&1)
if [ "$out" = "no changes" ]; then ok $case; else fail $case "$out"; fi

# vmt1's tap vanishes (its VM stopped).
stop_pid "$(vmsim_pid vm1)"
ip -n "$NS_HYP" link del vmt1
case=status-tap-gone-exit-3
st=$(status_json)
rc=$?
if [ $rc -eq 3 ] && [ "$(jq -r '[.attention[] | select(.kind == "tap_gone") | .object] | join(",")' <<<"$st")" = vmt1 ]; then
	ok $case
else
	fail $case "status $rc: $(jq -c .attention <<<"$st")"
fi

case=metric-ports-tap-gone
got="$(metric vmsteer_ports_pending)/$(metric vmsteer_ports_tap_gone)"
if [ "$got" = 0/1 ]; then ok $case; else fail $case "pending/tap_gone: $got, want 0/1"; fi

case=sync-vanished-tap-pending
out=$(vms sync 2>&1)
rc=$?
st=$(status_json)
if [ $rc -ne 0 ]; then
	fail $case "sync failed ($rc): $out"
elif [ "$(port_field vmt1 state)" != pending ] || [ "$(fdb_entries)" != 1 ]; then
	fail $case "vmt1 $(port_field vmt1 state), FDB entries $(fdb_entries)"
elif [ "$(vms --json port list | jq -c '[.[] | select(.tap == "vmt1") | .addresses] | first')" != '["192.0.2.1"]' ]; then
	fail $case "vmt1's addresses: $(port_field vmt1 addresses)"
elif [ "$(jq -r .ports_pending <<<"$st")" != 1 ]; then
	fail $case "status: $st"
else
	ok $case
fi

# Frames for vmt1's MAC now take the kernel's path (no stale redirect).
case=vanished-port-no-redirect
s0=$(stats_json)
before=$(uplink_reason "$s0" unknown_dst)
[ "$before" = none ] && before=0
SEQ=$((SEQ + 1))
frame "$MAC_VM1" $SEQ >"$TMPD/one.hex"
send_hex "$TMPD/one.hex" >/dev/null
XDP_TOTAL=$((XDP_TOTAL + 1))
if ! wait_xdp "$XDP_TOTAL"; then
	fail $case "$XDP_WAIT_WHY"
elif [ "$(uplink_reason "$STATS" unknown_dst)" != $((before + 1)) ]; then
	fail $case "unknown_dst $before -> $(uplink_reason "$STATS" unknown_dst)"
else
	ok $case
fi

# The tap is made again under its name: the port follows it.
tap_create vmt1
vmsim_start vm1 vmt1
VM_LINES_vm1=0
idx1=$(port_field vmt1 index)
case=tap-made-again-active
out=$(vms sync 2>&1)
if [ "$(port_field vmt1 state)" != ok ] || [ "$(port_field vmt1 tc)" != true ]; then
	fail $case "sync: $out; vmt1 $(port_field vmt1 state) tc $(port_field vmt1 tc)"
elif [ "$(port_field vmt1 index)" != "$idx1" ]; then
	fail $case "index $idx1 -> $(port_field vmt1 index)"
elif ! deliver_round 3; then
	fail $case "$ROUND_WHY"
else
	ok $case
fi

# The VM restarts on another tap: its MAC moves, it is no conflict.
stop_pid "$(vmsim_pid vm1)"
ip -n "$NS_HYP" link del vmt1
tap_create vmt5
case=mac-moves-from-vanished-tap
out=$(vms port add vmt5 --mac "$MAC_VM1" --ip 192.0.2.1 2>&1)
rc=$?
if [ $rc -ne 0 ]; then
	fail $case "port add vmt5 ($rc): $out"
elif [ "$(port_field vmt1 state)" != none ] || [ "$(port_field vmt5 state)" != ok ] ||
	[ "$(port_field vmt5 index)" != "$idx1" ] || [ "$(port_field vmt5 mac)" != "$MAC_VM1" ]; then
	fail $case "ports: $(vms --json port list | jq -c '[.[] | {tap, index, state, mac}]')"
else
	ok $case
fi

case=mac-of-active-port-refused
tap_create vmt6
out=$(vms port add vmt6 --mac "$MAC_VM2" --vlan "$VLAN_VM2" 2>&1)
rc=$?
if [ $rc -eq 1 ] && [[ $out == *"already owned by port vmt2"* ]] &&
	[ "$(port_field vmt6 state)" = none ]; then
	ok $case
else
	fail $case "status $rc: $out"
fi

case=port-add-no-tap-pending
out=$(vms --json port add vmt9 --mac 02:00:00:00:09:09 --vlan 7 2>&1)
rc=$?
if [ $rc -eq 0 ] && [ "$(jq -r .pending <<<"$out")" = true ] &&
	[ "$(port_field vmt9 state)" = pending ]; then
	ok $case
else
	fail $case "status $rc: $out"
fi

case=port-del-if-exists
out1=$(vms port del nosuchtap0 2>&1)
rc1=$?
out2=$(vms port del nosuchtap0 --if-exists 2>&1)
rc2=$?
if [ $rc1 -eq 1 ] && [[ $out1 == *"port nosuchtap0: not configured"* ]] &&
	[ $rc2 -eq 0 ] && [[ $out2 == *"nothing to delete"* ]]; then
	ok $case
else
	fail $case "without: $rc1 '$out1'; with: $rc2 '$out2'"
fi

case=port-del-by-mac
out1=$(vms port del --mac "$MAC_VM2" 2>&1)
rc1=$?
out2=$(vms port del --mac "$MAC_VM2" --vlan "$VLAN_VM2" 2>&1)
rc2=$?
if [ $rc1 -ne 1 ] || [[ $out1 != *"(untagged): not configured"* ]]; then
	fail $case "untagged: $rc1 '$out1'"
elif [ $rc2 -ne 0 ] || [ "$(port_field vmt2 state)" != none ]; then
	fail $case "on VLAN $VLAN_VM2: $rc2 '$out2'"
elif tc -n "$NS_HYP" filter show dev vmt2 ingress | grep -q bpf; then
	fail $case "vmt2 kept its tap program"
else
	ok $case
fi

case=port-del-mac-usage
out=$(vms port del vmt5 --mac "$MAC_VM1" 2>&1)
rc=$?
if [ $rc -eq 2 ] && [ "$(port_field vmt5 state)" = ok ]; then
	ok $case
else
	fail $case "status $rc: $out"
fi

# vmt5's tap goes too; prune removes vmt5 (gone) and vmt9 (pending).
ip -n "$NS_HYP" link del vmt5
case=prune-dry-run
out=$(vms --json port prune --dry-run)
if [ "$(jq -r '.pruned | sort | join(",")' <<<"$out")" = vmt5,vmt9 ] &&
	[ "$(port_field vmt9 state)" = pending ]; then
	ok $case
else
	fail $case "$out"
fi
case=prune
tap_create vmt3
vms port add vmt3 --mac 02:00:00:00:03:03 >/dev/null || die "port add vmt3 failed"
out=$(vms port prune 2>&1)
left=$(vms --json port list | jq -r '[.[].tap] | sort | join(",")')
if [ "$left" = vmt3 ] && [[ $out == *"port vmt5: deleted"* ]] &&
	[ "$(status_json | jq -r .ports_pending)" = 0 ]; then
	ok $case
else
	fail $case "left: $left; $out"
fi

lib_done
