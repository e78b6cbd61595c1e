#!/usr/bin/env bash
# vmsteer-test: parallel 28
# vmsteer doctor, the checks of where frames are handled and what the fast
# path bypasses, each provoked both ways in this file's namespaces and read
# from `doctor --json` (check, object, level): RPS on the generic-mode
# uplink (one CPU / all), the tap queues frames XDP redirects reach (RPS
# on one CPU: one queue of two), the CPUMAP CPUs, XPS (two CPUs on one
# transmit queue while the other has none), VLAN stripping with a VLAN
# port, drop counters (frames too big for the uplink's MTU), a port
# steering to more queues than the tap has attached (a VM with fewer
# queue readers), a VM with more vCPUs than tap queues (vmsim's threads
# named as qemu's), a bridge filtering VLANs other than the port's, an
# nftables rule, an ebtables (nft) rule and a named set naming the tap
# (and port add refusing it without --force), the tuned profile.
# /sys is mounted anew in a private mount namespace for doctor (as
# `ip netns exec` does), so that it shows this namespace's devices; /proc/irq
# is only read. Open vSwitch cannot be made here (no module): not tested.
. "$(dirname "$0")/lib.sh"
lib_init doctornet

command -v nft >/dev/null || { skip doctornet "nft not installed (make deps)"; exit 0; }
# The topology of topo_create, with two receive and transmit queues on up0.
netns_add "$NS_HYP"
netns_add "$NS_WIRE"
ip -n "$NS_HYP" link add up0 numrxqueues 2 numtxqueues 2 type veth peer name wire0 netns "$NS_WIRE" ||
	die "cannot create the veth uplink"
ip -n "$NS_WIRE" link set wire0 address "$MAC_WIRE"
in_hyp ethtool -K up0 gro off >/dev/null 2>&1 || die "gro off"
ip -n "$NS_HYP" link set up0 up
ip -n "$NS_WIRE" link set wire0 up
tap_create vmtdn1
tap_create vmtdn2
vms attach up0 --mode generic >/dev/null || die "attach"
vmsim_start v1 vmtdn1
vms port add vmtdn1 --mac "$MAC_VM1" --queues 2 >/dev/null || die "port add vmtdn1"

# hyp_sys CMD...: CMD in hyp with /sys mounted for hyp (bpffs kept).
hyp_sys() {
	in_hyp unshare -m sh -c 'mkdir -p "$0.bpf" && mount --bind /sys/fs/bpf "$0.bpf" &&
		mount -t sysfs sysfs /sys && mount --move "$0.bpf" /sys/fs/bpf && shift && exec "$@"' \
		"$TMPD/mnt" sh "$@"
}
. "$(dirname "$0")/doctor_lib.sh"
doctor() { hyp_sys "$VMSTEER" --json --pin-path "$PIN" doctor >"$DOC"; echo $? >"$DOC.rc"; }
# set_masks DEV rx|tx FILE MASK...: MASK for queue 0, 1... of DEV.
set_masks() {
	local dev=$1 dir=$2 file=$3 q=0 m
	shift 3
	for m in "$@"; do
		hyp_sys sh -c "echo $m > /sys/class/net/$dev/queues/$dir-$q/$file" || die "$file $dir-$q"
		q=$((q + 1))
	done
}

# Without its own /sys doctor says it cannot look, and does not guess.
vms --json doctor >"$DOC"
expect_level doctor-foreign-sysfs irq_affinity up0 info "another network namespace"
if [ "$(level rps up0)" = none ] && [ "$(level tap_queues vmtdn1)" = none ]; then
	ok doctor-foreign-sysfs-no-guess
else
	fail doctor-foreign-sysfs-no-guess "rps $(level rps up0), tap_queues $(level tap_queues vmtdn1)"
fi

doctor
expect_level doctor-irq-virtual irq_affinity up0 info "no interrupts"
nrx=$(hyp_sys sh -c 'ls -d /sys/class/net/up0/queues/rx-* | wc -l')
ntx=$(hyp_sys sh -c 'ls -d /sys/class/net/up0/queues/tx-* | wc -l')
if [ "$(nproc)" -lt 2 ] || [ "$nrx" -lt 2 ] || [ "$ntx" -lt 2 ]; then
	skip doctor-rps "needs 2 CPUs and 2 queues on up0 ($(nproc) CPUs, $nrx rx, $ntx tx)"
else
	masks() { local i; for ((i = 0; i < nrx; i++)); do echo "$1"; done; }
	expect_level doctor-rps-off rps up0 ok "RPS off"
	expect_level doctor-xdp-queues-unknown xdp_queues vmtdn1 info "sending CPU mod 2"
	# shellcheck disable=SC2046
	set_masks up0 rx rps_cpus $(masks 1)
	doctor
	expect_level doctor-rps-one-cpu rps up0 warn "RPS CPU 0 only"
	expect_level doctor-xdp-queues-one xdp_queues vmtdn1 warn "queue 0 of 2 only"
	# shellcheck disable=SC2046
	set_masks up0 rx rps_cpus $(masks 3)
	doctor
	expect_level doctor-rps-spread rps up0 ok "RPS CPUs 0-1"
	expect_level doctor-xdp-queues-all xdp_queues vmtdn1 ok "all 2 queues"

	# A CPUMAP port of one queue: CPU 0 hands its frames over; the
	# uplink receiving there too is avoidable with CPU 1 left.
	VMSIM_QUEUES=1 vmsim_start v2 vmtdn2
	vms port add vmtdn2 --mac "$MAC_VM2" --queues 1 --xdp-steer cpumap >/dev/null || die "port add cpumap"
	# shellcheck disable=SC2046
	set_masks up0 rx rps_cpus $(masks 1)
	doctor
	expect_level doctor-cpumap-shared xdp_queues vmtdn2 warn "CPUs 0 take both"
	# shellcheck disable=SC2046
	set_masks up0 rx rps_cpus $(masks 2)
	doctor
	expect_level doctor-cpumap-apart xdp_queues vmtdn2 ok "CPUMAP CPUs 0 online"
	# shellcheck disable=SC2046
	set_masks up0 rx rps_cpus $(masks 0)
	vms port del vmtdn2 >/dev/null || die "port del vmtdn2"
	stop_pid "$(vmsim_pid v2)"

	expect_level doctor-xps-off xps up0 ok "XPS off"
	set_masks up0 tx xps_cpus 3 0
	doctor
	expect_level doctor-xps-crowded xps up0 warn "CPUs 0-1 send through tx-0"
	set_masks up0 tx xps_cpus 1 2
	doctor
	expect_level doctor-xps-spread xps up0 ok "XPS maps CPUs 0-1"
fi

# VLAN stripping matters once a port has a VLAN.
strip() { in_hyp ethtool -K up0 rx-vlan-hw-parse "$1" rx-vlan-stag-hw-parse "$2" >/dev/null 2>&1 || die "VLAN stripping $1 $2"; }
strip off off
doctor
expect_level doctor-offloads-off offloads up0 ok "no hardware GRO"
strip on off
doctor
expect_level doctor-offloads-rxvlan-no-vlan-port offloads up0 info "rx-vlan-hw-parse on: ethtool -K up0 rx-vlan-hw-parse off ("
vms port add vmtdn2 --mac "$MAC_VM2" --vlan 100 >/dev/null || die "port add vlan"
doctor
expect_level doctor-offloads-rxvlan-vlan-port offloads up0 warn "rx-vlan-hw-parse on: ethtool -K up0 rx-vlan-hw-parse off"
strip off on
doctor
expect_level doctor-offloads-stag-vlan-port offloads up0 warn "ethtool -K up0 rx-vlan-stag-hw-parse off"
strip off off

# Drops: frames longer than up0's MTU that wire0 (MTU 9000) sends: veth
# counts them in up0's rx_dropped.
expect_level doctor-no-drops nic_drops up0 ok "no drops"
in_wire ip link set wire0 mtu 9000 || die "wire0 mtu"
# A packet socket that takes ENOBUFS (the drop) as an answer, not a retry.
in_wire python3 -c '
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("wire0", 0))
f = bytes.fromhex(sys.argv[1]) + bytes(3000)
for i in range(5):
	try:
		s.send(f)
	except OSError:
		pass' "$(mac_hex "$MAC_VM1")$(mac_hex "$MAC_WIRE")$TEST_ETHERTYPE" || die "big frames"
doctor
expect_level doctor-drops nic_drops up0 warn "rx_dropped 5)"
in_wire ip link set wire0 mtu 1500

# A port steering to 2 queues on a tap whose VM attached 1; then a VM of
# 2 vCPUs on 1 queue; then 2 on 2.
stop_pid "$(vmsim_pid v1)"
VMSIM_QUEUES=1 vmsim_start v1 vmtdn1
doctor
expect_level doctor-tap-fewer-queues tap_queues vmtdn1 fail "steers to 2 queues, the tap has 1 attached"
stop_pid "$(vmsim_pid v1)"
vmsim_start v1 vmtdn1
doctor
expect_level doctor-tap-queues-steered tap_queues vmtdn1 ok "2 queues steered"
VMSIM_QUEUES=1 vmsim_start v3 vmtdn2 -V 2
doctor
expect_level doctor-tap-vcpus tap_queues vmtdn2 warn "1 queue for 2 vCPUs"
stop_pid "$(vmsim_pid v3)"
vmsim_start v3 vmtdn2 -V 2
doctor
expect_level doctor-tap-vcpus-queues tap_queues vmtdn2 ok "2 queues, held by pid $(vmsim_pid v3) (one a vCPU)"

# A bridge filtering VLANs: the tap's pvid 1 against the port's VLAN 100.
expect_level doctor-no-master tap_master vmtdn2 ok "no master"
in_hyp ip link add brdn type bridge || die "bridge"
in_hyp ip link set vmtdn2 master brdn || die "enslave"
doctor
expect_level doctor-bridge-no-filtering tap_master vmtdn2 ok "bridge brdn, no VLAN filtering"
if ! in_hyp ip link set brdn type bridge vlan_filtering 1 2>/dev/null; then
	skip doctor-bridge-vlan "this kernel's bridge has no VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING)"
else
doctor
expect_level doctor-bridge-vlan-differs tap_master vmtdn2 warn "pvid 1 untagged on vmtdn2"
case=port-add-warns-bridge-vlan
out=$(vms port add vmtdn2 --mac "$MAC_VM2" --vlan 100 2>&1); rc=$?
if [ $rc = 0 ] && [[ $out == *"warning"*"bridge brdn filters VLANs (pvid 1 untagged on vmtdn2)"* ]]; then
	ok $case
else
	fail $case "rc $rc: $out"
fi
in_hyp bridge vlan add dev vmtdn2 vid 100 pvid untagged || die "bridge vlan 100"
in_hyp bridge vlan del dev vmtdn2 vid 1 || die "bridge vlan del 1"
doctor
expect_level doctor-bridge-vlan-same tap_master vmtdn2 ok "as the port does (pvid 100 untagged)"
case=port-add-bridge-vlan-same
out=$(vms port add vmtdn2 --mac "$MAC_VM2" --vlan 100 2>&1); rc=$?
if [ $rc = 0 ] && [[ $out != *"filters VLANs"* ]]; then ok $case; else fail $case "rc $rc: $out"; fi
in_hyp bridge vlan add dev vmtdn2 vid 200 || die "bridge vlan 200"
doctor
expect_level doctor-bridge-vlan-extra tap_master vmtdn2 warn "tagged 200"
fi
in_hyp ip link del brdn

# nftables rules naming the tap, in this namespace's ruleset.
expect_level doctor-no-nft tap_nftables vmtdn1 ok "no nftables rule"
in_hyp nft -f - <<'EOF' || die "nft"
table bridge vmstdn {
	chain forward_c { type filter hook forward priority 0; iifname "vmtdn1" counter drop; }
}
EOF
doctor
expect_level doctor-nft-rule tap_nftables vmtdn1 fail "rule bridge vmstdn forward_c"
expect_level doctor-nft-other-tap tap_nftables vmtdn2 ok "no nftables rule"
case=port-add-refuses-nft-tap
out=$(vms port add vmtdn1 --mac "$MAC_VM1" 2>&1); rc=$?
if [ $rc = 1 ] && [[ $out == *"port vmtdn1: 1 nftables rule names vmtdn1"*"--force"* ]] &&
	[ "$(vms --json port list | jq -r '.[] | select(.tap == "vmtdn1") | .queues')" = 2 ]; then
	ok $case
else
	fail $case "rc $rc: $out"
fi
in_hyp nft delete table bridge vmstdn || die "nft delete"
in_hyp nft -f - <<'EOF' || die "nft set"
table netdev vmstdn {
	set taps { type ifname; flags interval; elements = { "vmtdn*" } }
	chain c { type filter hook ingress device "up0" priority 0; oifname @taps counter accept; }
}
EOF
doctor
expect_level doctor-nft-named-set tap_nftables vmtdn2 fail "nftables rule names vmtdn2"
in_hyp nft delete table netdev vmstdn || die "nft delete"
if command -v ebtables-nft >/dev/null; then
	in_hyp ebtables-nft -A FORWARD -o vmtdn2 -j DROP || die "ebtables"
	doctor
	expect_level doctor-ebtables-rule tap_nftables vmtdn2 fail "rule bridge filter FORWARD"
	in_hyp ebtables-nft -F FORWARD
	doctor
	expect_level doctor-ebtables-gone tap_nftables vmtdn2 ok "no nftables rule"
else
	skip doctor-ebtables-rule "ebtables-nft not installed"
fi

# tuned: a power-saving profile and a hypervisor's, in a private /etc
# (an overlay: the host's /etc is not written).
tuned() {
	rm -rf "$TMPD/etc.up" "$TMPD/etc.work"
	mkdir -p "$TMPD/etc.up/tuned" "$TMPD/etc.work"
	echo "$1" >"$TMPD/etc.up/tuned/active_profile"
	in_hyp unshare -m sh -c 'mount -t overlay vmst-doctor -o "lowerdir=/etc,upperdir=$2.up,workdir=$2.work" /etc &&
		exec "$0" --json --pin-path "$1" doctor' "$VMSTEER" "$PIN" "$TMPD/etc" >"$DOC"
}
tuned powersave
expect_level doctor-tuned-powersave tuned "" warn "active profile powersave"
tuned virtual-host
expect_level doctor-tuned-virtual-host tuned "" ok "active profile virtual-host"

case=doctor-net-exit-status
doctor
bad=$(jq '[.findings[] | select(.level == "warn" or .level == "fail")] | length' "$DOC")
rc=$(cat "$DOC.rc")
if { [ "$bad" -gt 0 ] && [ "$rc" = 3 ]; } || { [ "$bad" = 0 ] && [ "$rc" = 0 ]; }; then
	ok $case
else
	fail $case "exit $rc with $bad warn/fail findings"
fi

lib_done
