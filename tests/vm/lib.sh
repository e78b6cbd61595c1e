# shellcheck shell=bash
# Real guests under a real libvirtd, confined to a test's own namespaces.
# Source it after tests/netns/lib.sh (whose names, waits, clean-up and
# `vms` it uses):
#
#   . "$ROOT/tests/netns/lib.sh"; . "$ROOT/tests/vm/lib.sh"
#   lib_init NAME
#   lab_init                    # guest image, hyp + wire namespaces,
#                               # bridge br0 with uplink up0, libvirtd
#   lab_define vm1 52:54:00:00:01:02 [QUEUES]   # a domain (QUEUES: vCPUs too)
#   lab_start vm1; lab_wait_up vm1 eth0         # boot, wait for its marker
#   lab_tap vm1                 # the tap libvirt made for its first NIC
#   lab_guest vm1 CMD           # run CMD in the guest (GUEST_OUT: output)
#   lab_virsh ARGS              # virsh on the test's own libvirtd
#
# Topology: netns $NS_HYP (the hypervisor: bridge br0, uplink veth up0 in
# br0, libvirtd, virtlogd, qemu and its taps), netns $NS_WIRE (a host on
# the wire: wire0 with 10.AA.0.254/24 for every guest subnet AA it is
# given, the echo service on port 7). A guest whose NIC has MAC
# 52:54:00:00:AA:BB has address 10.AA.0.BB/24 (scripts/guest/vm-init.sh).
#
# libvirtd runs in $NS_HYP and in a mount namespace of its own, where
# /run, /var, /etc/libvirt, /etc/passwd and /etc/group are private
# directories and copies under $LAB (so that nothing it writes reaches the
# host, and it finds the libvirt-qemu user it insists on). Guests are
# <domain type='qemu'> (TCG: see ../shared/REAL-VM.md), q35 with PCIe
# root ports for NIC hotplug, no disk; the serial console goes to
# $LAB/NAME.log (appended across starts), a second serial is the guest's
# command line (unix socket $LAB/NAME.cmd).
#
# Everything is removed on exit, even on failure: domains destroyed and
# undefined, libvirtd and virtlogd killed by PID, then tests/netns/lib.sh
# kills whatever else runs in the namespaces and deletes them.
#
# LAB_HOOK=FILE (before lab_init) installs FILE as libvirt's qemu hook,
# run with VMSTEER, VMSTEER_PIN_PATH (this test's) and VMSTEER_AGENT_CONFIG
# (LAB_AGENT_CONFIG) set.
#
# Timing: TCG is slow and the test machine shared; waits are on markers
# and counters with LAB_WAIT_SECS (default 300) for boots and WAIT_SECS
# for the rest.

LAB=
LAB_URI=
LAB_GUEST=
LAB_WAIT_SECS=${LAB_WAIT_SECS:-300}
LAB_DOMAINS=()
LAB_CMD_SEQ=0
LAB_WIRE_MAC=02:00:00:00:aa:aa
LAB_WIRE_IP=10.1.0.254 # the wire host on the first guest subnet
ECHO_PORT=7

# lab_exit: the EXIT trap; libvirt first, then tests/netns/lib.sh's
# clean-up with the test's exit status.
lab_exit() {
	local rc=$?
	lab_cleanup
	(exit "$rc")
	lib_cleanup
}

lab_cleanup() {
	local d pid f
	trap - EXIT
	if [ -n "$LAB_URI" ] && [ -S "$LAB/run/libvirt/libvirt-sock" ]; then
		for d in "${LAB_DOMAINS[@]}"; do
			timeout 20 virsh -q -c "$LAB_URI" destroy "$d" >/dev/null 2>&1
			timeout 20 virsh -q -c "$LAB_URI" undefine "$d" >/dev/null 2>&1
		done
	fi
	for f in libvirtd virtlogd; do
		[ -n "$LAB" ] && [ -s "$LAB/run/$f.pid" ] || continue
		pid=$(cat "$LAB/run/$f.pid")
		kill -TERM "$pid" 2>/dev/null
	done
	return 0
}

# lab_init: everything the lab needs, up and running.
lab_init() {
	local t
	for t in qemu-system-x86_64 libvirtd virtlogd virsh unshare; do
		command -v "$t" >/dev/null ||
			die "$t not installed (make deps: scripts/install-deps.sh)"
	done
	LAB_GUEST=$("$ROOT/scripts/guest/build-vm.sh" "$BUILD/guest") ||
		die "cannot build the guest (scripts/guest/build-vm.sh)"
	LAB=$TMPD/lab
	mkdir -p "$LAB"
	trap lab_exit EXIT
	lab_topo
	lab_libvirtd_start
}

in_wire_sh() { in_wire sh -c "$1"; }

# lab_topo: namespaces (IPv6 off), bridge br0 in hyp with up0, wire0 with
# its checksums computed in software (a veth leaves them to offload, and a
# frame XDP redirects into a tap would reach the guest with a bad one: a
# real NIC delivers full checksums).
lab_topo() {
	topo_create
	ip -n "$NS_HYP" link add br0 type bridge || die "cannot create br0"
	ip -n "$NS_HYP" link set up0 master br0 || die "cannot put up0 in br0"
	ip -n "$NS_HYP" link set br0 up
	ip -n "$NS_WIRE" link set wire0 address "$LAB_WIRE_MAC"
	in_wire ethtool -K wire0 tx off >/dev/null ||
		die "cannot turn checksum offload off on wire0"
	lab_wire_subnet 1
	in_wire "$LAB_GUEST/vmecho" serve "$ECHO_PORT" >"$TMPD/wire-echo.log" 2>&1 &
	LIB_PIDS+=($!)
}

# lab_wire_subnet AA: the wire host gets 10.AA.0.254/24.
lab_wire_subnet() {
	ip -n "$NS_WIRE" addr add "10.$1.0.254/24" dev wire0 ||
		die "cannot add 10.$1.0.254/24 to wire0"
}

# lab_libvirtd_start: private directories and configuration, then virtlogd
# and libvirtd in hyp and their own mount namespace.
lab_libvirtd_start() {
	local d=$LAB
	mkdir -p "$d/run" "$d/var/lib/libvirt" "$d/var/log/libvirt" "$d/var/cache/libvirt" \
		"$d/etc/hooks"
	ln -sfn /run "$d/var/run"
	cp /etc/passwd "$d/passwd"
	cp /etc/group "$d/group"
	grep -q '^libvirt-qemu:' "$d/group" || echo 'libvirt-qemu:x:64055:' >>"$d/group"
	grep -q '^libvirt-qemu:' "$d/passwd" ||
		echo 'libvirt-qemu:x:64055:64055:libvirt qemu:/var/lib/libvirt:/usr/sbin/nologin' >>"$d/passwd"
	cat >"$d/etc/libvirtd.conf" <<-'EOF'
		unix_sock_group = "root"
		unix_sock_rw_perms = "0700"
		auth_unix_rw = "none"
		auth_unix_ro = "none"
	EOF
	cat >"$d/etc/qemu.conf" <<-'EOF'
		user = "root"
		group = "root"
		dynamic_ownership = 0
		security_driver = "none"
		namespaces = [ ]
		cgroup_controllers = [ ]
		remember_owner = 0
	EOF
	if [ -n "${LAB_HOOK:-}" ]; then
		# libvirtd runs hooks with a cleared environment (PATH, HOME,
		# locale): the test's CLI, pin path and configuration are set
		# by a wrapper.
		cat >"$d/etc/hooks/qemu" <<-EOF
			#!/bin/sh
			export VMSTEER='$VMSTEER' VMSTEER_PIN_PATH='$PIN'
			${LAB_AGENT_CONFIG:+export VMSTEER_AGENT_CONFIG='$LAB_AGENT_CONFIG'}
			exec '$LAB_HOOK' "\$@"
		EOF
		chmod 0755 "$d/etc/hooks/qemu"
	fi
	LAB_URI="qemu:///system?socket=$d/run/libvirt/libvirt-sock"
	nsenter --net="/run/netns/$NS_HYP" unshare -m sh -c '
		d=$1
		mount --make-rprivate / &&
		mount --bind "$d/run" /run &&
		mount --bind "$d/var" /var &&
		mount --bind "$d/etc" /etc/libvirt &&
		mount --bind "$d/passwd" /etc/passwd &&
		mount --bind "$d/group" /etc/group || exit 1
		virtlogd -d && libvirtd -d' lab-libvirtd "$d" >"$LAB/daemons.log" 2>&1 ||
		die "cannot start virtlogd and libvirtd: $(cat "$LAB/daemons.log")"
	WAIT_SECS=$LAB_WAIT_SECS wait_for "libvirtd" lab_libvirtd_ready ||
		die "libvirtd did not answer on $d/run/libvirt/libvirt-sock"
}

lab_libvirtd_ready() { command virsh -q -c "$LAB_URI" version >/dev/null 2>&1; }

# lab_libvirtd_pid: libvirtd's PID.
lab_libvirtd_pid() { cat "$LAB/run/libvirtd.pid" 2>/dev/null; }

# lab_libvirtd_restart: stop libvirtd (guests keep running) and start it
# again in the same namespaces (hooks are read at start-up).
lab_libvirtd_restart() {
	local pid vpid
	pid=$(lab_libvirtd_pid)
	vpid=$(cat "$LAB/run/virtlogd.pid")
	kill -TERM "$pid" || return 1
	wait_for "libvirtd $pid to exit" eval "! kill -0 $pid 2>/dev/null" || return 1
	nsenter -t "$vpid" -m -n libvirtd -d || return 1
	WAIT_SECS=$LAB_WAIT_SECS wait_for "libvirtd" lab_libvirtd_ready
}

lab_virsh() { command virsh -q -c "$LAB_URI" "$@"; }

# lab_nic_xml MAC [QUEUES]: an interface on br0 (tap named by libvirt).
lab_nic_xml() {
	local drv=""
	[ "${2:-1}" -gt 1 ] && drv="<driver queues='$2'/>"
	printf "<interface type='bridge'><source bridge='br0'/><mac address='%s'/><model type='virtio'/>%s</interface>\n" \
		"$1" "$drv"
}

# lab_define NAME MAC [QUEUES [METADATA]]: define a domain with one virtio
# NIC on br0; QUEUES > 1 gives the NIC that many queues and the guest as
# many vCPUs. METADATA goes into <metadata> as it is.
lab_define() {
	local name=$1 mac=$2 queues=${3:-1} meta=${4:-} uuid cpus
	cpus=$queues
	uuid=$(printf '%08x-1ab0-4000-8000-%012x' $$ $((${#LAB_DOMAINS[@]} + 1)))
	cat >"$LAB/$name.xml" <<-EOF
		<domain type='qemu'>
		  <name>$name</name>
		  <uuid>$uuid</uuid>
		  <metadata>$meta</metadata>
		  <memory unit='MiB'>256</memory>
		  <vcpu>$cpus</vcpu>
		  <os>
		    <type arch='x86_64' machine='q35'>hvm</type>
		    <kernel>$LAB_GUEST/vmlinuz</kernel>
		    <initrd>$LAB_GUEST/initrd.gz</initrd>
		    <cmdline>console=ttyS0 panic=-1 quiet</cmdline>
		  </os>
		  <features><acpi/></features>
		  <cpu mode='custom' match='exact'><model fallback='allow'>qemu64</model></cpu>
		  <on_poweroff>destroy</on_poweroff>
		  <on_reboot>destroy</on_reboot>
		  <on_crash>destroy</on_crash>
		  <devices>
		    <emulator>$(command -v qemu-system-x86_64)</emulator>
		    <controller type='pci' model='pcie-root'/>
		    <controller type='pci' model='pcie-root-port'/>
		    <controller type='pci' model='pcie-root-port'/>
		    <controller type='pci' model='pcie-root-port'/>
		    <controller type='pci' model='pcie-root-port'/>
		    <controller type='usb' model='none'/>
		    $(lab_nic_xml "$mac" "$queues")
		    <serial type='file'><source path='$LAB/$name.log' append='on'/><target port='0'/></serial>
		    <serial type='unix'><source mode='bind' path='$LAB/$name.cmd'/><target port='1'/></serial>
		    <memballoon model='none'/>
		  </devices>
		</domain>
	EOF
	lab_virsh define "$LAB/$name.xml" >"$LAB/$name.define.out" 2>&1 ||
		die "virsh define $name: $(cat "$LAB/$name.define.out")"
	LAB_DOMAINS+=("$name")
	: >"$LAB/$name.log"
	eval "LAB_MARK_$name=0"
}

# lab_mark NAME: later waits look at serial lines written after this.
lab_mark() { eval "LAB_MARK_$1=$(wc -l <"$LAB/$1.log")"; }

# lab_serial_since NAME: the serial lines since the mark.
lab_serial_since() {
	local m
	m=$(eval "echo \$LAB_MARK_$1")
	tail -n +$((m + 1)) "$LAB/$1.log" | tr -d '\r'
}

# lab_has NAME REGEX: a serial line since the mark matches.
lab_has() { lab_serial_since "$1" | grep -qE "$2"; }

# lab_wait NAME REGEX [SECS]: wait for such a line.
lab_wait() {
	WAIT_SECS=${3:-$LAB_WAIT_SECS} wait_for "$2 on $1's console" lab_has "$1" "$2"
}

# lab_start NAME: start the domain; marks the console first.
lab_start() {
	lab_mark "$1"
	lab_virsh start "$1" >"$LAB/$1.start.out" 2>&1 || {
		LAB_WHY="virsh start $1: $(cat "$LAB/$1.start.out")"
		return 1
	}
}

# lab_wait_up NAME [IF]: until the guest has configured IF (eth0).
lab_wait_up() { lab_wait "$1" "^UP ${2:-eth0} "; }

# lab_tap NAME [MAC]: the tap of NAME's NIC with MAC (default: the first).
lab_tap() {
	lab_virsh domiflist "$1" 2>/dev/null |
		awk -v m="${2:-}" 'NF >= 5 && (m == "" || $5 == m) { print $1; exit }'
}

# lab_tap_exists TAP: TAP is a device in hyp.
lab_tap_exists() { ip -n "$NS_HYP" link show "$1" >/dev/null 2>&1; }

# lab_guest NAME CMD: run CMD (shell commands; the guest gets them as one
# line, so newlines must only separate what `;`, `&&` or `||` joins) in
# the guest, wait for it to finish; its output (newlines as spaces) is in
# GUEST_OUT, its exit status is lab_guest's.
GUEST_OUT=
lab_guest() {
	local name=$1 id line
	LAB_CMD_SEQ=$((LAB_CMD_SEQ + 1))
	id=c$LAB_CMD_SEQ
	"$LAB_GUEST/vmecho" line "$LAB/$name.cmd" "$id ${2//$'\n'/ }" || return 125
	WAIT_SECS=$LAB_WAIT_SECS wait_for "command $id in $name" \
		grep -q "^DONE $id rc=" "$LAB/$name.log" || return 124
	line=$(grep -a "^DONE $id rc=" "$LAB/$name.log" | tr -d '\r' | tail -n1)
	line=${line#DONE "$id" rc=}
	GUEST_OUT=${line#* }
	return "${line%% *}"
}

# lab_addr MAC: 10.AA.0.BB, the address the guest gives the NIC with MAC.
lab_addr() {
	local IFS=:
	# shellcheck disable=SC2086
	set -- $1
	echo "10.$((16#$5)).0.$((16#$6))"
}

# wire_echo udp|tcp ADDR MSG: from the wire host to a guest's echo service.
wire_echo() { in_wire "$LAB_GUEST/vmecho" "$1" "$2" "$ECHO_PORT" "$3" >/dev/null 2>&1; }

# wire_ping ADDR [COUNT]: ping from the wire host (busybox).
wire_ping() {
	in_wire "$LAB_GUEST/busybox" ping -c "${2:-3}" -W 5 "$1" >/dev/null 2>&1
}

# wire_capture_start ID: tcpdump in the wire namespace on wire0, frames
# arriving, into $TMPD/ID.pcap (capture_count/capture_stop of lib.sh).
wire_capture_start() { capture_start "$1" wire0 "$NS_WIRE" "${@:2}"; }

# port_ctr PORT NAME: counter NAME of PORT now (stats), "none" if absent.
port_ctr() { port_counter "$(stats_json)" "$1" "$2"; }

# ---- ports following the guests ---------------------------------------------

# lab_nics: "TAP MAC" of every NIC of every running domain, sorted: the
# ports the agent must have made (from libvirt, not from vmsteer).
lab_nics() {
	local d
	for d in $(lab_virsh list --name 2>/dev/null); do
		lab_virsh domiflist "$d" 2>/dev/null | awk 'NF >= 5 && $1 != "-" { print $1, $5 }'
	done | sort
}

# vms_ports: "TAP MAC STATE tc|no-tc" of every port vmsteer has, sorted.
vms_ports() {
	vms --json port list 2>/dev/null |
		jq -r '.[] | "\(.tap) \(.mac) \(.state) \(if .tc then "tc" else "no-tc" end)"' |
		sort
}

# lab_state_right [WANT]: vmsteer's ports are exactly the running guests'
# NICs (WANT: lab_want, taken once when libvirt's view is settled), each
# with its tap present ("ok") and its tap program attached, and `status`
# sees nothing to attend to (exit 0: no port on a dead tap, none without
# its tap program). LAB_STATE_WHY says what differs.
LAB_STATE_WHY=
lab_want() { lab_nics | awk '{ print $1, $2, "ok", "tc" }'; }
lab_state_right() {
	local want got
	want=${1-$(lab_want)}
	got=$(vms_ports)
	if [ "$want" != "$got" ]; then
		LAB_STATE_WHY="ports [${got//$'\n'/, }], want [${want//$'\n'/, }]"
		return 1
	fi
	if ! vms status >"$TMPD/status.out" 2>&1; then
		LAB_STATE_WHY="status exits non-zero: $(tr '\n' ' ' <"$TMPD/status.out")"
		return 1
	fi
}

# lab_converge WHAT: wait until lab_state_right holds. When LAB_T0 is set
# (`lab_t0` when the event happened), prints how long vmsteer's ports took
# to become right, and unsets LAB_T0: libvirt is asked for the truth in
# the background (on a loaded machine that takes seconds) while vmsteer's
# ports are sampled (one CLI run, ~0.1 s), then the first sample that
# matches is the time reported.
LAB_T0=
lab_t0() { LAB_T0=$EPOCHREALTIME; }
lab_converge() {
	local want wpid i n=0 at=
	local -a ts=() ps=()
	if [ -n "$LAB_T0" ]; then
		lab_want >"$TMPD/want" &
		wpid=$!
		while kill -0 "$wpid" 2>/dev/null; do
			ts[n]=$EPOCHREALTIME
			ps[n]=$(vms_ports)
			n=$((n + 1))
		done
		wait "$wpid"
		want=$(cat "$TMPD/want")
		for ((i = 0; i < n; i++)); do
			[ "${ps[i]}" = "$want" ] && { at=${ts[i]}; break; }
		done
	else
		want=$(lab_want)
	fi
	LAB_STATE_WHY=
	wait_for "the ports after $1" lab_state_right "$want" || return 1
	[ -n "$LAB_T0" ] || return 0
	# The first sample that matched (the ports then stayed or became
	# right again: the check passed), or when the check passed.
	[ -n "$at" ] || at=$EPOCHREALTIME
	echo "# $1: ports right after $(((${at/./} - ${LAB_T0/./}) / 1000)) ms"
	[ -z "$LAB_STATE_WHY" ] || log "$1: before that: $LAB_STATE_WHY"
	LAB_T0=
}
lab_ms_since() {
	local now=$EPOCHREALTIME
	echo $(((${now/./} - ${1/./}) / 1000))
}

# lab_fastpath TAP ADDR: 5 UDP echoes from the wire to the guest at ADDR
# through the fast path: answered, the port's XDP counter moved by the
# requests and its transmit counter by the replies. LAB_FAST_WHY on failure.
LAB_FAST_WHY=
lab_fastpath() {
	local tap=$1 addr=$2 s0 s1 i d_in d_out
	s0=$(stats_json)
	for i in 1 2 3 4 5; do
		wire_echo udp "$addr" "fast-$tap-$i" || {
			LAB_FAST_WHY="UDP echo $i to $addr not answered"
			return 1
		}
	done
	s1=$(stats_json)
	d_in=$(($(port_counter "$s1" "$tap" to_vm_xdp_frames) - $(port_counter "$s0" "$tap" to_vm_xdp_frames)))
	d_out=$(($(port_counter "$s1" "$tap" from_vm_uplink_frames) - $(port_counter "$s0" "$tap" from_vm_uplink_frames)))
	if [ "$d_in" -lt 5 ] || [ "$d_out" -lt 5 ]; then
		LAB_FAST_WHY="$tap: to_vm_xdp_frames +$d_in, from_vm_uplink_frames +$d_out for 5 echoes"
		return 1
	fi
} 2>/dev/null

# lab_spoof VM TAP: VM takes an address its port does not list (10.1.0.99)
# and sends a UDP echo request from it to the wire host (a static neighbour
# entry: the datagram itself leaves, no ARP first). Succeeds when it is
# not answered, nothing from that address reaches the wire, and TAP's
# spoof_ipv4 counter moved; LAB_SPOOF_WHY otherwise.
LAB_SPOOF_WHY=
lab_spoof() {
	local vm=$1 tap=$2 spoof=10.1.0.99 wire_ip=$LAB_WIRE_IP b a rc seen out
	b=$(port_reason "$(stats_json)" "$tap" spoof_ipv4)
	wire_capture_start "spoof_$vm"
	lab_guest "$vm" "arp -s $wire_ip $LAB_WIRE_MAC && ip addr add $spoof/32 dev eth0 &&
		vmecho udp $wire_ip $ECHO_PORT spoofed $spoof; rc=\$?;
		ip addr del $spoof/32 dev eth0; arp -d $wire_ip; exit \$rc"
	rc=$?
	out=$GUEST_OUT
	capture_stop "spoof_$vm"
	a=$(port_reason "$(stats_json)" "$tap" spoof_ipv4)
	seen=$(tshark -r "$TMPD/spoof_$vm.pcap" -Y "ip.src == $spoof || arp.src.proto_ipv4 == $spoof" 2>/dev/null | wc -l)
	if [ "$rc" = 0 ]; then
		LAB_SPOOF_WHY="$vm got an echo from $spoof: $out"
	elif [ "$seen" != 0 ]; then
		LAB_SPOOF_WHY="$seen frame(s) from $spoof reached the wire"
	elif [ $((${a/none/0} - ${b/none/0})) -lt 1 ]; then
		LAB_SPOOF_WHY="$tap: spoof_ipv4 moved from $b to $a ($vm: rc $rc, $out)"
	else
		return 0
	fi
	return 1
}
