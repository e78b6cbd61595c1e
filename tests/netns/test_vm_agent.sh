#!/usr/bin/env bash
# vmsteer-test: parallel 94
# `vmsteer agent` with real guests under a real libvirtd (tests/vm/lib.sh):
# the agent follows the guests' lifecycle and keeps their ports right.
#
# Two domains, booted once for the whole file: vm1 (one queue, its address
# in vmsteer's <metadata>) and vm2 (<driver queues='2'/>, 2 vCPUs, queue
# steering through the CPUMAP from the metadata). After each event the
# ports must become exactly the running guests' NICs (tap and MAC from
# libvirt, state ok, tap program attached, `status` clean: no port left
# on a dead tap) and traffic must flow on the fast path again (UDP echoes
# from the wire: the port's XDP and transmit counters move):
#   start; NIC hotplug and unplug; libvirtd restart (then a hotplug: the
#   agent's events work again); a host-local device created after the
#   agent started: reached from a guest through the bridge, never sent to
#   the uplink; kill -9 of the agent, a guest restarted meanwhile, agent
#   started again (it repairs); destroy, start (a new tap name); ACPI
#   shutdown. Anti-spoofing with the addresses the agent took from the
#   metadata. Four boots in all (the two guests, then each once more).
# Each event prints how long the ports took to become right ("# EVENT:
# ports right after N ms"); README reports them. Waits are on conditions
# (console markers, counters, port state) with generous deadlines.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/vm/lib.sh"

lib_init vm_agent
"$VMSTEER" agent --help >/dev/null 2>&1 || {
	skip vm-agent "this build has no vmsteer agent"
	exit 0
}
lab_init
lab_wire_subnet 2

MAC1=52:54:00:00:01:02 # vm1: 10.1.0.2
MAC2=52:54:00:00:01:03 # vm2: 10.1.0.3, 2 queues
MAC3=52:54:00:00:02:05 # hot-plugged into vm1: 10.2.0.5
IP1=$(lab_addr $MAC1)
IP2=$(lab_addr $MAC2)
IP3=$(lab_addr $MAC3)
NS_XML="xmlns:vmsteer='urn:vmsteer:domain:1'"
META1="<vmsteer:domain $NS_XML>
  <vmsteer:interface mac='$MAC1'><vmsteer:address>$IP1</vmsteer:address></vmsteer:interface>
  <vmsteer:interface mac='$MAC3'><vmsteer:address>$IP3</vmsteer:address></vmsteer:interface>
</vmsteer:domain>"
META2="<vmsteer:domain $NS_XML>
  <vmsteer:interface mac='$MAC2' xdp-steer='cpumap'><vmsteer:address>$IP2</vmsteer:address></vmsteer:interface>
</vmsteer:domain>"

AGENT_PID=
agent_start() {
	nsenter --net="/run/netns/$NS_HYP" "$VMSTEER" --pin-path "$PIN" agent \
		--uri "$LAB_URI" --bridge br0 >>"$TMPD/agent.out" 2>>"$TMPD/agent.err" &
	AGENT_PID=$!
	LIB_PIDS+=("$AGENT_PID")
}
agent_alive() { kill -0 "$AGENT_PID" 2>/dev/null; }

# event_case NAME WHAT: the ports converge and the fast path works for
# every running guest's first NIC.
event_case() {
	local name=$1 what=$2 d tap mac
	if ! agent_alive; then
		fail "$name" "the agent exited: $(tail -n3 "$TMPD/agent.err" | tr '\n' ' ')"
		return 1
	fi
	if ! lab_converge "$what"; then
		fail "$name" "after $what: $LAB_STATE_WHY"
		return 1
	fi
	while read -r tap mac; do
		lab_fastpath "$tap" "$(lab_addr "$mac")" || {
			fail "$name" "after $what: $LAB_FAST_WHY"
			return 1
		}
	done < <(lab_nics)
	ok "$name"
}

vms attach up0 >/dev/null || die "vmsteer attach up0 failed"
agent_start
lab_define vm1 $MAC1 1 "$META1"
lab_define vm2 $MAC2 2 "$META2"

# ---- start -----------------------------------------------------------------
# vm1's single-queue port can be made as soon as its tap exists; vm2's
# (queue steering through the CPUMAP needs both queues attached) once the
# guest's virtio-net driver has attached its second queue.
port_ok() { vms_ports | grep -q "^$1 $2 ok tc$"; }
t_start=$EPOCHREALTIME
lab_start vm1 || die "$LAB_WHY"
lab_t0
TAP1=$(lab_tap vm1)
if wait_for "vm1's port" port_ok "$TAP1" $MAC1; then
	echo "# start: vm1's port right after $(lab_ms_since "$LAB_T0") ms"
else
	fail vm-agent-start "no port for vm1's $TAP1: $(vms_ports | tr '\n' ' ')"
fi
lab_start vm2 || die "$LAB_WHY"
lab_wait_up vm1 || die "vm1 did not come up: $(lab_serial_since vm1 | tail -n3)"
lab_wait_up vm2 || die "vm2 did not come up: $(lab_serial_since vm2 | tail -n3)"
lab_t0
echo "# two guests up after $(lab_ms_since "$t_start") ms"
lab_converge "start, once the guests are up" || true
event_case vm-agent-start "start"
TAP1=$(lab_tap vm1)
TAP2=$(lab_tap vm2)

# What the agent took from the domain XML and the metadata.
pl=$(vms --json port list)
got=$(jq -c --arg t "$TAP2" '.[] | select(.tap == $t) | [.queues, .xdp_steer, .addresses]' <<<"$pl")
want=$(jq -cn --arg a "$IP2" '[2, "cpumap", [$a]]')
if [ "$got" = "$want" ]; then
	ok vm-agent-domain-xml
else
	fail vm-agent-domain-xml "$TAP2: [queues, xdp_steer, addresses] = $got, want $want"
fi

# Anti-spoofing with the metadata's address: vm1 sends from another one.
if lab_spoof vm1 "$TAP1"; then ok vm-agent-antispoof; else fail vm-agent-antispoof "$LAB_SPOOF_WHY"; fi

# ---- NIC hotplug and unplug ------------------------------------------------------
# hotplug CASE WHAT, unplug CASE WHAT: MAC3 into vm1 and out again.
hotplug() {
	local tap
	lab_mark vm1
	lab_t0
	lab_virsh attach-interface vm1 bridge br0 --mac $MAC3 --model virtio --live >/dev/null ||
		{ fail "$1" "virsh attach-interface failed"; return 1; }
	event_case "$1" "$2" || return 1
	lab_wait vm1 '^UP eth1 ' || { fail "$1-guest" "vm1 did not bring up eth1"; return 1; }
	tap=$(lab_tap vm1 $MAC3)
	if lab_fastpath "$tap" "$IP3"; then ok "$1-traffic"; else fail "$1-traffic" "$LAB_FAST_WHY"; fi
}
unplug() {
	local tap
	tap=$(lab_tap vm1 $MAC3)
	lab_mark vm1
	lab_virsh detach-interface vm1 bridge --mac $MAC3 --live >/dev/null ||
		{ fail "$1" "virsh detach-interface failed"; return 1; }
	# libvirt drops the NIC from the domain when the guest let it go
	# (DEVICE_REMOVED, 1-3 s later): from then on the port must go.
	WAIT_SECS=$LAB_WAIT_SECS wait_for "libvirt to remove $MAC3" eval '! lab_nics | grep -q " $MAC3$"' ||
		{ fail "$1" "libvirt still lists $MAC3"; return 1; }
	lab_t0
	event_case "$1" "$2" || return 1
	lab_wait vm1 '^GONE eth1' || fail "$1-guest" "vm1 did not report eth1 gone"
	! lab_tap_exists "$tap" || fail "$1" "$tap still exists"
}
hotplug vm-agent-hotplug "NIC hotplug"
unplug vm-agent-unplug "NIC unplug"

# ---- libvirtd restart ----------------------------------------------------------
lab_libvirtd_restart || die "libvirtd did not restart"
lab_t0
event_case vm-agent-libvirtd-restart "libvirtd restart"
# The agent's libvirt connection works again: a hotplug is followed.
hotplug vm-agent-hotplug-after-libvirtd-restart "hotplug after libvirtd restart"
unplug vm-agent-unplug-after-libvirtd-restart "unplug after libvirtd restart"

# ---- a host-local device created after the agent started -------------------------
# loc0 (in br0) and loc1 (10.1.0.200) in the hypervisor: loc1's MAC is a
# host-local destination the agent learns from rtnetlink.
LOC_MAC=02:00:00:00:bb:bb
LOC_IP=10.1.0.200
lab_t0
ip -n "$NS_HYP" link add loc0 type veth peer name loc1 &&
	ip -n "$NS_HYP" link set loc1 address $LOC_MAC &&
	ip -n "$NS_HYP" link set loc0 master br0 &&
	ip -n "$NS_HYP" addr add $LOC_IP/24 dev loc1 &&
	ip -n "$NS_HYP" link set loc0 up && ip -n "$NS_HYP" link set loc1 up ||
	die "cannot create loc0/loc1"
loc_idx=$(ip -n "$NS_HYP" -j link show loc1 | jq '.[0].ifindex')
local_has_loc() {
	bpftool -j map dump pinned "$PIN/vmst_local" 2>/dev/null |
		jq -e --argjson i "$loc_idx" '[.[] | (.formatted // .) | select(.value.ifindex == $i)] | length > 0' >/dev/null
}
if wait_for "loc1 in vmst_local" local_has_loc; then
	echo "# host-local device: in vmst_local after $(lab_ms_since "$LAB_T0") ms"
	wire_capture_start loc
	h0=$(port_reason "$(stats_json)" "$TAP1" vm_host_dst)
	lab_guest vm1 "ping -c 3 -W 5 $LOC_IP"
	rc=$?
	capture_stop loc
	h1=$(port_reason "$(stats_json)" "$TAP1" vm_host_dst)
	north=$(tshark -r "$TMPD/loc.pcap" -Y "eth.dst == $LOC_MAC" 2>/dev/null | wc -l)
	if [ $rc != 0 ]; then
		fail vm-agent-host-local "vm1 cannot ping $LOC_IP: $GUEST_OUT"
	elif [ "$north" != 0 ]; then
		fail vm-agent-host-local "$north frame(s) for $LOC_MAC reached the wire"
	elif [ $((${h1/none/0} - ${h0/none/0})) -lt 3 ]; then
		fail vm-agent-host-local "$TAP1: vm_host_dst moved from $h0 to $h1, expected >= 3"
	else
		ok vm-agent-host-local
	fi
else
	fail vm-agent-host-local "loc1 ($LOC_MAC, ifindex $loc_idx) never reached vmst_local"
fi

# ---- kill -9 of the agent; a guest restarted while it is away ------------------
kill -KILL "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null
# The state stays pinned: the fast path works without the agent.
if lab_fastpath "$TAP1" "$IP1" && lab_fastpath "$TAP2" "$IP2"; then
	ok vm-agent-killed-fastpath-stays
else
	fail vm-agent-killed-fastpath-stays "$LAB_FAST_WHY"
fi
old=$TAP2
lab_virsh destroy vm2 >/dev/null || die "virsh destroy vm2"
lab_start vm2 || die "$LAB_WHY"
TAP2=$(lab_tap vm2)
lab_wait_up vm2 || die "vm2 did not come up again"
lab_t0
agent_start
event_case vm-agent-restart-repairs "agent restart (vm2 $old -> $TAP2 meanwhile)"

# ---- destroy, start: a new tap -----------------------------------------------
old=$TAP1
# Timed from when `virsh destroy` returned (libvirt's stop event comes
# then; the call itself takes 1-2 s under TCG on a loaded machine).
lab_virsh destroy vm1 >/dev/null || die "virsh destroy vm1"
lab_t0
if event_case vm-agent-destroy "destroy"; then
	lab_tap_exists "$old" && fail vm-agent-destroy "$old still exists"
fi
lab_start vm1 || die "$LAB_WHY"
lab_t0
TAP1=$(lab_tap vm1)
lab_converge "destroy + start" || true
lab_wait_up vm1 || die "vm1 did not come up again"
if [ "$TAP1" = "$old" ]; then
	fail vm-agent-restart-new-tap "libvirt reused $old: the case needs a new tap name"
else
	event_case vm-agent-restart-new-tap "destroy + start ($old -> $TAP1)"
fi

# ---- ACPI shutdown -------------------------------------------------------------
lab_virsh shutdown vm1 >/dev/null || die "virsh shutdown vm1"
lab_wait vm1 '^POWEROFF' || fail vm-agent-shutdown "vm1 did not power off"
WAIT_SECS=$LAB_WAIT_SECS wait_for "vm1 shut off" eval '[ "$(lab_virsh domstate vm1)" = "shut off" ]' ||
	die "vm1 is not shut off: $(lab_virsh domstate vm1)"
lab_t0
event_case vm-agent-shutdown "shutdown"

agent_alive || fail vm-agent-alive "the agent exited: $(tail -n3 "$TMPD/agent.err" | tr '\n' ' ')"
echo "# wall time $SECONDS s"
lib_done
