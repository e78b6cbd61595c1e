#!/usr/bin/env bash
# vhost-net's transmit path into the tap XDP program: frames a VM sends
# through /dev/vhost-net (vmsteer-bench vhostgen, a user-space virtio
# driver, as QEMU with vhost=on) reach tun in batches (tun_sendmsg ->
# tun_xdp_one, up to 64 frames, one redirect flush), not through write().
# Skipped where the kernel has no vhost-net (the kernel matrix's 6.1 guest
# has it: scripts/kernel-matrix.sh --netns tx_vhost).
#
# - VM-to-VM: frames of 60 to 1514 bytes, posted at once, arrive at
#   the other VM byte-exact, every one counted on the XDP path
#   (from_vm_local_xdp, the receiver's to_vm_xdp and tap_sent), none on
#   tc.
# - VM-to-uplink: byte-exact on the wire, counted on the XDP path where
#   the kernel lets the tap XDP program send to the uplink (6.3+), else on
#   tc (tx_uplink_hook).
# - A spoofed source address is dropped by the XDP program on this path:
#   counted under its reason on the XDP hook and as the tap's RX dropped
#   (tun counts XDP drops there), never forwarded.
# - The same frames through a tc-only port (--tx-hook tc) arrive the same,
#   counted on tc: the XDP counters above are the hook's, not a default.
. "$(dirname "$0")/lib.sh"
lib_init txvhost
. "$(dirname "$0")/txframes.sh"

[ -e /dev/vhost-net ] || modprobe vhost_net 2>/dev/null || true
if [ ! -e /dev/vhost-net ]; then
	skip txvhost "no /dev/vhost-net on Linux $(uname -r) (scripts/kernel-matrix.sh --netns tx_vhost runs it on 6.1)"
	exit 0
fi
VHOSTGEN=$TOOLS/vmsteer-bench
[ -x "$VHOSTGEN" ] || die "$VHOSTGEN not built (make test-progs)"

topo_create
# vmt1: the sender, its queue opened by vhostgen alone (with a virtio-net
# header); vmt2: the receiver, read by vmsim.
tap_create vmt1
tap_create vmt2
vmsim_start vm2 vmt2
VM_LINES_vm2=0
tx_attach
tx_uplink_hook
wire_capture
W=$MAC_WIRE

# vhost_send FILE: send FILE's hex frames from vmt1 through vhost-net.
vhost_send() {
	local out
	out=$(in_hyp "$VHOSTGEN" vhostgen vmt1 --hex "$1") || return 1
	[ "$out" = "sent=$(grep -c . "$1")" ]
}
# wire_frames N SKIP OUT: wait for N frames on the wire since the capture
# started; the frames after the first SKIP into OUT.
WIRE_WANT=0
wire_count_reached() { [ "$("$PCAPHEX" -c "$TMPD/wire.pcap")" -ge "$WIRE_WANT" ]; }
wire_frames() {
	WIRE_WANT=$1
	wait_for "$1 frames on the wire" wire_count_reached || true
	"$PCAPHEX" "$TMPD/wire.pcap" | tail -n +$(($2 + 1)) >"$3"
}
# vm2_count_reached: vmsim vm2 read VM2_WANT frames since the last check.
VM2_WANT=0
vm2_count_reached() {
	vmsim_report vm2 >/dev/null &&
		[ $(($(wc -l <"$TMPD/vm2.hex") - VM_LINES_vm2)) -ge "$VM2_WANT" ]
}

# round HOOK: add the ports with --tx-hook HOOK, send, check, delete.
WIRE_SEEN=0
SEQ_BASE=$((0x10000000))
round() {
	local hook=$1 local_c uplink_c recv_c i n_ew=0 n_up=0 f S d0 d1
	# expect_count checks a drop reason on the ports' hook (reason_hook).
	TX_HOOK=$hook
	if [ "$hook" = xdp ]; then
		local_c=from_vm_local_xdp_frames uplink_c=$FROM_UPLINK recv_c=to_vm_xdp_frames
	else
		local_c=from_vm_local_frames uplink_c=from_vm_uplink_frames recv_c=to_vm_tc_frames
	fi
	vms port add vmt1 --mac "$MAC_VM1" --ip 10.0.0.1 --tx-hook "$hook" >/dev/null ||
		die "port add vmt1 --tx-hook $hook"
	vms port add vmt2 --mac "$MAC_VM2" --tx-hook "$hook" >/dev/null ||
		die "port add vmt2 --tx-hook $hook"
	: >"$TMPD/send.hex"
	: >"$TMPD/exp_vm2.hex"
	: >"$TMPD/exp_wire.hex"
	# 150 frames to vmt2 (vhost takes them in batches of up to 64),
	# 60 to 1514 bytes: UDP/IPv4 from the port's address and frames of
	# another EtherType (numbered: printf, not a subshell per frame, keeps
	# this quick under qemu); 20 to the wire.
	local a=${MAC_VM1//:/} b=${MAC_VM2//:/} w=${W//:/} seq len
	for ((i = 0; i < 150; i++)); do
		seq=$((SEQ_BASE + i))
		len=$((46 + (i * 97) % 1455))
		if ((i % 15 == 0)); then
			f=$(eth "$MAC_VM2" "$MAC_VM1" 0800 "$(udp4 10.0.0.1 10.0.0.2 1000 2000)")
		else
			printf -v f '%s%s88b5%08x%0*d' "$b" "$a" $seq $((2 * len - 8)) 0
		fi
		echo "$f" >>"$TMPD/send.hex"
		echo "$f" >>"$TMPD/exp_vm2.hex"
		n_ew=$((n_ew + 1))
		if ((i % 15 == 7)); then
			f=$(eth "$W" "$MAC_VM1" 0800 "$(udp4 10.0.0.1 192.0.2.1 1000 53)")
		elif ((i % 15 == 3)); then
			printf -v f '%s%s88b5%08x%0*d' "$w" "$a" $seq $((2 * len - 8)) 0
		else
			continue
		fi
		echo "$f" >>"$TMPD/send.hex"
		echo "$f" >>"$TMPD/exp_wire.hex"
		n_up=$((n_up + 1))
	done
	SEQ_BASE=$((SEQ_BASE + 1000))
	# A spoofed source address, to the other VM and to the wire.
	eth "$MAC_VM2" "$MAC_VM1" 0800 "$(udp4 10.0.0.9 10.0.0.2 1000 2000)" >>"$TMPD/send.hex"
	eth "$W" "$MAC_VM1" 0800 "$(udp4 10.0.0.9 192.0.2.1 1000 53)" >>"$TMPD/send.hex"
	d0=$(ip -n "$NS_HYP" -j -s link show vmt1 | jq '.[0].stats64.rx.dropped')

	case=$hook-vhost-sent
	if vhost_send "$TMPD/send.hex"; then
		ok $case
	else
		fail $case "vhostgen did not send every frame of $(grep -c . "$TMPD/send.hex")"
	fi
	VM2_WANT=$n_ew
	wait_for "vm2 to read $n_ew frames" vm2_count_reached || true
	vmsim_new_frames vm2 "$TMPD/got_vm2.hex" || die "vmsim vm2 did not report"
	expect_frames $hook-vhost-vm-to-vm-byte-exact "$TMPD/exp_vm2.hex" "$TMPD/got_vm2.hex"
	case=$hook-vhost-vm-to-uplink-byte-exact
	wire_frames $((WIRE_SEEN + n_up)) "$WIRE_SEEN" "$TMPD/got_wire.hex"
	WIRE_SEEN=$((WIRE_SEEN + $(wc -l <"$TMPD/got_wire.hex")))
	expect_frames "$case" "$TMPD/exp_wire.hex" "$TMPD/got_wire.hex"

	S=$(stats_json) || die "stats failed"
	expect_count $hook-vhost-local-counted vmt1 counter $local_c $n_ew
	expect_count $hook-vhost-uplink-counted vmt1 counter $uplink_c $n_up
	expect_count $hook-vhost-receiver-counted vmt2 counter $recv_c $n_ew
	expect_count $hook-vhost-spoof-dropped vmt1 reason spoof_ipv4 2
	if [ "$hook" = xdp ]; then
		expect_count xdp-vhost-not-tc-local vmt1 counter from_vm_local_frames 0
		expect_count xdp-vhost-receiver-ring-accepted vmt2 counter tap_sent $n_ew
		case=xdp-vhost-spoof-dropped-by-xdp
		d1=$(ip -n "$NS_HYP" -j -s link show vmt1 | jq '.[0].stats64.rx.dropped')
		if [ $((d1 - d0)) = 2 ]; then
			ok $case
		else
			fail $case "vmt1 RX dropped moved by $((d1 - d0)), want 2 (the XDP drops)"
		fi
	else
		expect_count tc-vhost-not-xdp-local vmt1 counter from_vm_local_xdp_frames 0
	fi
	vms port del vmt1 >/dev/null || die "port del vmt1"
	vms port del vmt2 >/dev/null || die "port del vmt2"
}

# A round cut short by a shell error must not pass unnoticed.
round xdp || fail xdp-vhost-round "the round did not finish"
round tc || fail tc-vhost-round "the round did not finish"
lib_done
