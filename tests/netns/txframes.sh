# shellcheck shell=bash
# Frames as hex for the transmit-path tests (source after lib.sh and
# lib_init: payload() keeps its counter in $TMPD). Checksums are left zero:
# pcaphex -C computes them where a host stack will look.

# TX_HOOK: the hook the test adds its ports with, xdp (the default) or tc;
# the transmit tests run once per hook (test_*_tc.sh set TX_HOOK=tc). With
# xdp the uplink's veth peer gets GRO (NAPI): then the uplink takes XDP
# frames, and the tap XDP program forwards frames for the wire too.
# FROM_LOCAL, FROM_UPLINK, TO_VM_TX: the counters of what the hook
# forwarded (sender to another VM, sender to the uplink, receiving VM).
# The further VMs' MACs (lib.sh has MAC_VM1 and MAC_VM2).
MAC_VM3=02:00:00:00:03:03
MAC_VM4=02:00:00:00:04:04
MAC_VM5=02:00:00:00:05:05
MAC_VM6=02:00:00:00:06:06

TX_HOOK=${TX_HOOK:-xdp}
if [ "$TX_HOOK" = xdp ]; then
	FROM_LOCAL=from_vm_local_xdp_frames
	FROM_UPLINK=from_vm_uplink_xdp_frames
	TO_VM_TX=to_vm_xdp_frames
else
	FROM_LOCAL=from_vm_local_frames
	FROM_UPLINK=from_vm_uplink_frames
	TO_VM_TX=to_vm_tc_frames
fi
# tx_attach: vmsteer attached to up0; for the xdp hook NAPI on wire0 first.
tx_attach() {
	[ "$TX_HOOK" = tc ] ||
		in_wire ethtool -K wire0 gro on >/dev/null || die "gro on wire0"
	vms attach up0 >/dev/null || die "vmsteer attach up0 failed"
}

# tx_uplink_hook (after attach): on a kernel that reports no XDP features
# (before 6.3: no netdev family), vmsteer never lets the tap XDP program
# send to the uplink (vmst_tx has no entry 0), so the tc program counts
# those frames.
tx_uplink_hook() {
	[ "$TX_HOOK" = xdp ] || return 0
	in_hyp bpftool map lookup pinned "$PIN/vmst_tx" key 0 0 0 0 >/dev/null 2>&1 && return 0
	echo "# this kernel reports no xdp_features: frames for the uplink take the tc path"
	FROM_UPLINK=from_vm_uplink_frames
}

h() { echo "${1//:/}"; }
ip4() { printf '%02x%02x%02x%02x' ${1//./ }; }
# payload N: N bytes, the first 4 a fresh sequence number.
# (Called in command substitutions: the counter lives in a file.)
payload() {
	local p seq=0
	[ -e "$TMPD/seq" ] && seq=$(cat "$TMPD/seq")
	seq=$((seq + 1))
	echo $seq >"$TMPD/seq"
	printf -v p '%08x' "$seq"
	[ "$1" -gt 4 ] && printf -v p '%s%0*d' "$p" $((2 * $1 - 8)) 0
	echo "$p"
}
# udp4 SRC DST SPORT DPORT: IPv4 + UDP, 46 bytes (checksums zero).
udp4() {
	printf '4500002e0000000040110000%s%s%04x%04x001a0000%s' \
		"$(ip4 "$1")" "$(ip4 "$2")" "$3" "$4" "$(payload 18)"
}
# udp6 SRC DST SPORT DPORT (addresses as 32 hex digits): IPv6 + UDP.
udp6() {
	printf '6000000000181140%s%s%04x%04x00180000%s' "$1" "$2" "$3" "$4" \
		"$(payload 16)"
}
# icmp6 SRC DST TYPE TARGET: IPv6 + ICMPv6 with a 16-byte target (ND),
# then a Nonce option (RFC 3971) carrying a sequence number: valid ND
# options after an NS or NA (an RA's start 8 bytes earlier: its "target"
# must end in a valid option).
icmp6() {
	printf '6000000000203aff%s%s%02x00000000000000%s0e01%s' "$1" "$2" "$3" \
		"$4" "$(payload 6)"
}
# arp SHA SIP TIP: an ARP reply.
arp() {
	printf '0001080006040002%s%s%s%s%s' "$(h "$1")" "$(ip4 "$2")" \
		"$(h "$MAC_WIRE")" "$(ip4 "$3")" "$(payload 18)"
}
# eth DST SRC TYPE PAYLOAD
eth() { echo "$(h "$1")$(h "$2")$3$4"; }
# tag VID FRAME: FRAME with an 802.1Q tag inserted after the MACs.
tag() { printf '%s8100%04x%s\n' "${2:0:24}" "$1" "${2:24}"; }
# tagp TPID VID FRAME: the same with another tag protocol (88a8, 9100).
tagp() { printf '%s%s%04x%s\n' "${3:0:24}" "$1" "$2" "${3:24}"; }

# ip6 SRC DST NH PAYLOAD [PLEN]: an IPv6 header (hop limit 255) and
# PAYLOAD (hex); the payload length is PAYLOAD's unless PLEN says.
ip6() {
	local plen=${5:-$((${#4} / 2))}
	printf '60000000%04x%02xff%s%s%s' "$plen" "$3" "$1" "$2" "$4"
}
# ll6 MAC: the EUI-64 link-local address of MAC, 32 hex digits.
ll6() {
	local m
	m=$(h "$1")
	printf 'fe80000000000000%02x%sfffe%s' $((0x${m:0:2} ^ 2)) "${m:2:4}" \
		"${m:6:6}"
}
# ndopt TYPE MAC: a source (1) or target (2) link-layer address option.
ndopt() { printf '%02x01%s' "$1" "$(h "$2")"; }
# udp_raw SPORT DPORT PAYLOADHEX: a UDP header (length filled) and payload.
udp_raw() { printf '%04x%04x%04x0000%s' "$1" "$2" $((8 + ${#3} / 2)) "$3"; }

# ---- sending and checking ----------------------------------------------------


# wire_capture: tcpdump on wire0 (wire netns), frames arriving only, into
# $TMPD/wire.pcap; $WIRE_PID is tcpdump's own PID (nsenter execs it).
wire_capture() {
	capture_start wire wire0 "$NS_WIRE"
	WIRE_PID=$CAPTURE_PID_wire
}

# reason_hook REASON: the hook whose program counts REASON for a port on
# $TX_HOOK: a VM's passes and vm_too_big (the XDP program leaves frames
# too long for their target to tc) on tc, the uplink's on xdp, every
# other drop on $TX_HOOK.
reason_hook() {
	case $1 in
	vm_multicast | vm_unknown_dst | vm_tagged_trunk | vm_host_dst | vm_too_big) echo tc ;;
	vm_* | spoof_* | rogue_*) echo "$TX_HOOK" ;;
	*) echo xdp ;;
	esac
}
# expect_count NAME PORT KIND KEY WANT: in the stats $S, KIND (reason or
# counter) KEY of PORT is WANT; a reason's frames all counted on its hook
# (reason_hook), none on the other.
expect_count() {
	local got hook on
	if [ "$3" = reason ]; then
		got=$(port_reason "$S" "$2" "$4")
		hook=$(reason_hook "$4")
		on=$(jq -r --arg p "$2" --arg r "$4" --arg h "$hook" \
			'[.ports[] | select(.port == $p) | .reasons[$r].hooks[$h].frames] | first // "none"' <<<"$S")
		if [ "$got" = "$5" ] && [ "$on" != "$5" ]; then
			fail "$1" "$2 $4 is $got, $on of them on $hook, want all"
			return
		fi
	else
		got=$(port_counter "$S" "$2" "$4")
	fi
	if [ "$got" = "$5" ]; then
		ok "$1"
	else
		fail "$1" "$2 $4 is $got, want $5"
	fi
}

