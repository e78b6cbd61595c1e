#!/usr/bin/env bash
# vmsteer-test: parallel 56
# libvirt's qemu hook (scripts/libvirt/qemu-hook) run by a real libvirtd
# for a real guest (tests/vm/lib.sh), no agent:
# - `virsh start`: when it returns, the guest's tap is a port (MAC from
#   the XML, address from vmsteer's <metadata>, tap program attached),
#   traffic takes the fast path, a spoofed source is dropped;
# - `virsh destroy`: the port is deleted (by MAC: the XML libvirt hands
#   the release hook names no tap);
# - `virsh start` again: a new tap name, its port, the fast path;
# - the documented limit: a hot-plugged NIC fires no hook and gets no
#   port; the guest still reaches the wire through the bridge.
# One guest boot (and one restart).
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/vm/lib.sh"

lib_init vm_hook
LAB_HOOK=${LAB_HOOK:-$ROOT/scripts/libvirt/qemu-hook}
[ -e "$LAB_HOOK" ] || {
	skip vm-hook "no $LAB_HOOK in this tree"
	exit 0
}
LAB_AGENT_CONFIG=$TMPD/agent.json
echo '{"bridges": ["br0"]}' >"$LAB_AGENT_CONFIG"
lab_init
lab_wire_subnet 2

MAC1=52:54:00:00:01:02
MAC3=52:54:00:00:02:05 # hot-plugged: 10.2.0.5
IP1=$(lab_addr $MAC1)
IP3=$(lab_addr $MAC3)
META1="<vmsteer:domain xmlns:vmsteer='urn:vmsteer:domain:1'>
  <vmsteer:interface mac='$MAC1'><vmsteer:address>$IP1</vmsteer:address></vmsteer:interface>
</vmsteer:domain>"

vms attach up0 >/dev/null || die "vmsteer attach up0 failed"
lab_define vm1 $MAC1 1 "$META1"

# started CASE: right after `virsh start` the port is there (the hook runs
# before qemu starts the guest's CPUs), then the guest's traffic is fast.
started() {
	local case=$1
	TAP1=$(lab_tap vm1)
	if ! lab_state_right; then
		fail "$case" "after virsh start: $LAB_STATE_WHY ($(grep -a 'vmsteer hook' "$LAB/var/log/libvirt/libvirtd.log" 2>/dev/null | tail -n2))"
		return 1
	fi
	lab_wait_up vm1 || die "vm1 did not come up: $(lab_serial_since vm1 | tail -n3)"
	if lab_fastpath "$TAP1" "$IP1"; then ok "$case"; else fail "$case" "$LAB_FAST_WHY"; fi
}

lab_start vm1 || die "$LAB_WHY"
started vm-hook-start
addrs=$(vms --json port list | jq -c --arg t "$TAP1" '[.[] | select(.tap == $t) | .addresses] | first')
if [ "$addrs" = "[\"$IP1\"]" ]; then
	ok vm-hook-metadata
else
	fail vm-hook-metadata "$TAP1: addresses $addrs, want [\"$IP1\"]"
fi

if lab_spoof vm1 "$TAP1"; then ok vm-hook-antispoof; else fail vm-hook-antispoof "$LAB_SPOOF_WHY"; fi

old=$TAP1
lab_virsh destroy vm1 >/dev/null || die "virsh destroy vm1"
# libvirt runs `release end` after `virsh destroy` returned: wait for it.
if lab_converge "destroy"; then
	ok vm-hook-destroy
else
	fail vm-hook-destroy "after destroy: $LAB_STATE_WHY"
fi

lab_start vm1 || die "$LAB_WHY"
if [ "$(lab_tap vm1)" = "$old" ]; then
	fail vm-hook-restart "libvirt reused $old: the case needs a new tap name"
else
	started vm-hook-restart
fi

# The limit: NIC hotplug runs no hook.
lab_mark vm1
lab_virsh attach-interface vm1 bridge br0 --mac $MAC3 --model virtio --live >/dev/null ||
	die "virsh attach-interface failed"
lab_wait vm1 '^UP eth1 ' || die "vm1 did not bring up eth1"
tap3=$(lab_tap vm1 $MAC3)
if vms_ports | grep -q "^$tap3 "; then
	fail vm-hook-hotplug-limit "$tap3 became a port: the README says the hook cannot see hotplug"
elif ! wire_echo udp "$IP3" hotplugged; then
	fail vm-hook-hotplug-limit "the hot-plugged NIC ($IP3) is not reachable through the bridge"
else
	ok vm-hook-hotplug-limit
fi

echo "# wall time $SECONDS s"
lib_done
