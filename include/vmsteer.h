/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * vmsteer shared ABI: every key, value, enum and limit used by both the BPF
 * programs and user space. One definition, included by both sides.
 *
 * Changing the size or meaning of anything here changes the pinned layout:
 * bump VMSTEER_LAYOUT_VERSION so that an older pinned state is refused
 * instead of being silently reinterpreted.
 */
#ifndef VMSTEER_H
#define VMSTEER_H

#ifndef __bpf__
#include <linux/types.h>
#endif

/* Version of the pinned state layout (maps, their keys and values). */
#define VMSTEER_LAYOUT_VERSION 5

/* Default bpffs directory of the pinned state. */
#define VMSTEER_PIN_PATH_DEFAULT "/sys/fs/bpf/vmsteer"

/* Port slots, slot 0 unused: a port index of 0 means "no port". 4,096
 * ports per state, all network namespaces together. */
#define VMST_MAX_PORTS 4097
/* Uplinks that may share one pinned state. */
#define VMST_MAX_UPLINKS 16

/*
 * FDB: open-addressed array of port indexes, searched by a multiplicative
 * hash of the (VLAN, MAC) key. Array lookups are inlined by the verifier,
 * which keeps the uplink hot path well below the cost of a BPF hash map.
 * The table is kept at most 1/8 full so a key almost always sits in the
 * first slot it hashes to.
 */
#define VMST_FDB_BITS  15
#define VMST_FDB_SLOTS (1U << VMST_FDB_BITS)
#define VMST_FDB_MASK  (VMST_FDB_SLOTS - 1)
/* Slots searched from the home slot; an insert that finds none free fails. */
#define VMST_FDB_PROBES 8

/* Set in every valid FDB key, so an all-zero port entry never matches. */
#define VMST_KEY_VALID (1ULL << 63)

/* VLAN ids: 0 stands for "untagged" in keys, 1..4094 are usable. */
#define VMST_VLAN_MIN  1
#define VMST_VLAN_MAX  4094
#define VMST_VLAN_MASK 0x0fff

/*
 * FDB key: valid bit, VLAN id in bits 48..59, MAC address (network order,
 * first octet most significant) in bits 0..47.
 */
static inline __u64 vmst_fdb_key(__u16 vlan, __u64 mac48)
{
	return VMST_KEY_VALID | ((__u64)(vlan & VMST_VLAN_MASK) << 48) |
	       (mac48 & 0xffffffffffffULL);
}

/* Home slot of a key: Fibonacci hashing, one multiply and one shift. */
static inline __u32 vmst_fdb_hash(__u64 key)
{
	return (__u32)((key * 0x9E3779B97F4A7C15ULL) >> (64 - VMST_FDB_BITS));
}

/*
 * Data-path port entry (vmst_ports, indexed by port index). The XDP program
 * reads only this. The key is one aligned 64-bit word so it is never seen
 * half-written; user space never rewrites the key of a reachable port (a
 * changed MAC or VLAN moves the port to a new index).
 */
struct vmst_port {
	__u64 key;	 /* vmst_fdb_key() of the port's (VLAN, MAC) */
	__u16 max_frame; /* longest frame the tap takes: MTU + Ethernet */
	__u16 flags;	 /* VMST_PORT_F_* */
	__u32 reserved;
};

/* The port is an access port: strip the uplink's VLAN tag on delivery. */
#define VMST_PORT_F_ACCESS (1U << 0)
/* The VM may send Router Advertisements and DHCP server messages. */
#define VMST_PORT_F_TRUSTED (1U << 1)
/* The port has addresses: check IPv4/IPv6/ARP/NA sources against them. */
#define VMST_PORT_F_IPCHECK (1U << 2)
/* XDP frames for the port hop through the CPUMAP to their RSS queue. */
#define VMST_PORT_F_XDP_STEER (1U << 3)
/* A trunk port: 802.1Q-tagged frames with a VID of its vmst_trunk entry
 * are checked like untagged ones and left to the bridge. */
#define VMST_PORT_F_TRUNK (1U << 4)

/*
 * Control-plane port record (vmst_port_cfg, indexed by port index): what
 * the CLI needs to list, update and delete ports. The tc programs read
 * its ifindex and netns_ino (redirect targets of the skb paths), only after
 * the port's key in vmst_ports matched.
 */
struct vmst_port_cfg {
	char name[16];	 /* tap name at the time of port add */
	__u32 ifindex;	 /* tap ifindex in its network namespace */
	__u32 netns_ino; /* inode of that network namespace */
	__u8 mac[6];	 /* the VM's MAC */
	__u16 vlan;	 /* access VLAN, 0 when untagged */
	__u32 flags;	 /* VMST_CFG_F_* */
	__u32 mtu;	 /* tap MTU when the port was added */
	/* VMST_CFG_F_PENDING: since when (CLOCK_BOOTTIME seconds) */
	__u32 pending_since;
};

/* The record describes a configured port. */
#define VMST_CFG_F_IN_USE (1U << 0)
/* `--trusted`: RA and DHCP server messages allowed (VMST_PORT_F_TRUSTED). */
#define VMST_CFG_F_TRUSTED (1U << 1)
/* `--trunk`: the VIDs are in vmst_trunk at the port's index. */
#define VMST_CFG_F_TRUNK (1U << 2)
/*
 * Pending: the port is configured but its tap does not exist (not yet, or
 * no more). It has no FDB slot, redirect target or device entry (ifindex
 * 0, mtu 0); its configuration (addresses, queue steering) stays, and it
 * becomes active when a tap of its name appears.
 */
#define VMST_CFG_F_PENDING (1U << 3)
/* Managed by `vmsteer agent`: it deletes the port when its VM goes away. */
#define VMST_CFG_F_AGENT (1U << 4)
/*
 * `--tx-hook tc`: the port's tap gets the tc program only. Without it
 * (the default, `--tx-hook xdp`) it also gets the tap XDP program
 * (bpf/tap_xdp.bpf.c), which forwards the frames it can without an skb
 * and passes every other frame to the tc program.
 */
#define VMST_CFG_F_TX_TC (1U << 5)

/*
 * VIDs a trunk port's VM may tag its frames with (vmst_trunk, indexed by
 * port index, follows the port when it moves index): bit (vid & 63) of
 * vids[vid >> 6]. VID 0 and 4095 are never set.
 */
struct vmst_trunk {
	__u64 vids[64];
};

/*
 * Transmit path (frames a VM sends): anti-spoofing addresses and the tc
 * attachment of each port.
 */
/* Addresses a port may have (`--ip`, both families together). */
#define VMST_MAX_ADDRS 16

/* Address families, as in struct vmst_addr. */
#define VMST_AF_INET  4
#define VMST_AF_INET6 6

/* One allowed source prefix of a port. */
struct vmst_addr {
	__u8 family;	 /* VMST_AF_INET or VMST_AF_INET6 */
	__u8 prefix_len; /* 1..32 or 1..128 */
	__u16 reserved;
	__u8 addr[16]; /* network order; IPv4 in the first 4 bytes */
};

/*
 * Control-plane transmit record of a port (vmst_port_tx, indexed by port
 * index, follows the port when it moves index). The data path reads the
 * addresses from the LPM tries vmst_addr4 / vmst_addr6, not from here.
 */
struct vmst_port_tx {
	__u32 flags;  /* VMST_TX_F_* */
	__u32 naddrs; /* entries used in addrs[] */
	struct vmst_addr addrs[VMST_MAX_ADDRS];
};

/* vmsteer created the tap's clsact qdisc (port del removes it). */
#define VMST_TX_F_QDISC_OURS (1U << 0)

/* Keys of the LPM tries: the port index is always matched whole. */
struct vmst_lpm4_key {
	__u32 prefixlen; /* 32 (port) + the address prefix */
	__u32 port;	 /* port index */
	__u8 addr[4];
};

struct vmst_lpm6_key {
	__u32 prefixlen; /* 32 (port) + the address prefix */
	__u32 port;
	__u8 addr[16];
};

/* Entries of each LPM trie: every port with every address of a family. */
#define VMST_LPM_ENTRIES (VMST_MAX_PORTS * VMST_MAX_ADDRS)

/*
 * The uplink frames from VMs leave by when their destination is not a
 * local port (vmst_north, one entry): the first uplink attached; when it is
 * detached, the remaining uplink with the lowest ifindex. ifindex 0: none.
 * Only ports of the same network namespace use it.
 */
struct vmst_north {
	__u32 ifindex;
	__u32 netns_ino;
};

/*
 * Host-local MAC addresses (vmst_local): destinations the tap program
 * never sends to the uplink, because the bridge delivers them on this
 * host. Per network namespace: every device's own address (bridges,
 * uplinks, taps, veths, VLAN devices...) and every unicast MAC a bridge
 * learned or holds on a port that is not an attached uplink (VMs on taps
 * vmsteer does not manage, containers behind veths), except the MACs of
 * vmsteer's own ports, which the FDB decides per VLAN. Rewritten from the
 * system by attach, detach, port add, port del and apply.
 */
struct vmst_local_key {
	__u64 mac48;	 /* MAC address as in vmst_fdb_key(), no VLAN bits */
	__u32 netns_ino; /* network namespace the MAC is local to */
	__u32 reserved;
};

struct vmst_local {
	__u32 ifindex; /* the device with the address, or the bridge port */
	__u32 flags;   /* VMST_LOCAL_F_* */
};

/* A device's own address. */
#define VMST_LOCAL_F_DEVICE (1U << 0)
/* In a bridge's FDB, on a port that is not an uplink. */
#define VMST_LOCAL_F_BRIDGE (1U << 1)
/* Entries of vmst_local, all network namespaces together. */
#define VMST_LOCAL_MAX 16384

/* tc filters vmsteer installs (clsact ingress, direct action). */
#define VMST_TC_HANDLE	 0x766d /* "vm" */
#define VMST_TC_PRIORITY 0x766d

/* A network device, named so that equal ifindexes in two netns differ. */
struct vmst_dev_key {
	__u32 ifindex;
	__u32 netns_ino;
};

/* XDP attach modes, as recorded in vmst_uplinks. */
enum vmst_xdp_mode {
	VMST_MODE_NATIVE = 1,
	VMST_MODE_GENERIC = 2,
};

/* Uplink record (vmst_uplinks, keyed by struct vmst_dev_key). */
struct vmst_uplink {
	__u32 mode;  /* enum vmst_xdp_mode */
	__u32 flags; /* VMST_UPLINK_F_* */
};

/* vmsteer created the uplink's clsact qdisc (detach removes it). */
#define VMST_UPLINK_F_QDISC_OURS (1U << 0)

/* Global configuration and layout stamp (vmst_config, one entry). */
struct vmst_config {
	__u32 layout_version; /* VMSTEER_LAYOUT_VERSION that created it */
	__u32 devmap_id;      /* map id of vmst_tx, for redirect-error events */
	__u32 next_port;      /* allocation cursor: indexes rotate */
	__u32 reserved;
};

/*
 * Why the data path passed a frame to the kernel or dropped it (forwarded
 * frames are counted per port in vmst_pstats). X(name, direction, kind,
 * label, help): the enum, the direction (UPLINK: a frame arriving on an
 * uplink; VM: a frame a VM sent, seen by the tap program), the kind (PASS
 * to the kernel or DROP), the label in stats and metrics and the help text
 * all come from this one list. Counted per port and reason in vmst_rstats;
 * frames not yet tied to a port count under port 0. A new reason goes at
 * the end, whatever its direction and kind: the enum value indexes
 * vmst_rstats and the monitor's sample rates (pinned layout), and nothing
 * reads meaning from the order.
 */
enum vmst_reason_dir {
	VMST_DIR_UPLINK,
	VMST_DIR_VM,
};

enum vmst_reason_kind {
	VMST_KIND_PASS,
	VMST_KIND_DROP,
};

#define VMST_REASONS(X)                                                     \
	X(PASS_MALFORMED, UPLINK, PASS, "malformed",                        \
	  "shorter than its Ethernet and VLAN headers")                     \
	X(PASS_MULTICAST, UPLINK, PASS, "multicast",                        \
	  "broadcast or multicast destination")                             \
	X(PASS_UNKNOWN, UPLINK, PASS, "unknown_dst",                        \
	  "unicast destination not owned by a port on that VLAN")           \
	X(PASS_VLAN, UPLINK, PASS, "vlan_unsupported",                      \
	  "stacked or 802.1ad tags, a priority tag (VID 0) or VID 4095")    \
	X(PASS_TOO_BIG, UPLINK, PASS, "too_big",                            \
	  "multi-buffer frame or longer than the tap's MTU")                \
	X(PASS_NO_TARGET, UPLINK, PASS, "no_target",                        \
	  "port owns the MAC but has no tap target (being reconfigured)")   \
	X(DROP_NO_TARGET, UPLINK, DROP, "drop_no_target",                   \
	  "VLAN already removed and the tap target vanished: dropped")      \
	X(DROP_VM_NO_PORT, VM, DROP, "vm_no_port",                          \
	  "frame from a tap whose port is gone or being moved: dropped")    \
	X(DROP_VM_MALFORMED, VM, DROP, "vm_malformed",                      \
	  "frame from a VM whose headers cannot be checked: dropped")       \
	X(DROP_SPOOF_MAC, VM, DROP, "spoof_mac",                            \
	  "frame from a VM with a source MAC not its own: dropped")         \
	X(DROP_SPOOF_IPV4, VM, DROP, "spoof_ipv4",                          \
	  "IPv4 from a VM with a source not among its addresses: dropped")  \
	X(DROP_SPOOF_IPV6, VM, DROP, "spoof_ipv6",                          \
	  "IPv6 from a VM with a source not among its addresses (a link-"   \
	  "local one: its MAC's EUI-64 address or listed; :: only in DAD "  \
	  "Neighbor Solicitations, MLD reports and Router Solicitations): " \
	  "dropped")                                                        \
	X(DROP_SPOOF_ARP, VM, DROP, "spoof_arp",                            \
	  "ARP from a VM with a sender MAC or IP not its own: dropped")     \
	X(DROP_SPOOF_NA, VM, DROP, "spoof_na",                              \
	  "Neighbor Advertisement for an address not the VM's (link-local " \
	  "targets by the same rule as sources): dropped")                  \
	X(DROP_ROGUE_RA, VM, DROP, "rogue_ra",                              \
	  "Router Advertisement from an untrusted VM: dropped")             \
	X(DROP_ROGUE_DHCP4, VM, DROP, "rogue_dhcpv4",                       \
	  "DHCPv4 server or relay message (UDP to port 68, from port 67, "  \
	  "or a BOOTREPLY to port 67) from an untrusted VM: dropped")       \
	X(DROP_ROGUE_DHCP6, VM, DROP, "rogue_dhcpv6",                       \
	  "DHCPv6 server or relay message (UDP to port 546, from port "     \
	  "547, or to port 547 not a client message type) from an "         \
	  "untrusted VM: dropped")                                          \
	X(DROP_VM_TAGGED, VM, DROP, "vm_tagged",                            \
	  "VLAN-tagged frame from a VM (any tag protocol, VID 0 too) that " \
	  "its port does not carry (untagged or access port; a trunk's "    \
	  "VID not listed, a tag other than 802.1Q, stacked tags): "        \
	  "dropped")                                                        \
	X(PASS_VM_MULTICAST, VM, PASS, "vm_multicast",                      \
	  "broadcast or multicast from a VM, left to the bridge")           \
	X(PASS_VM_UNKNOWN, VM, PASS, "vm_unknown_dst",                      \
	  "unicast from a VM to no local port and no usable uplink")        \
	X(PASS_VM_TAGGED, VM, PASS, "vm_tagged_trunk",                      \
	  "802.1Q-tagged frame from a VM on a trunk port, VID listed and "  \
	  "the frame inside checked, left to the bridge")                   \
	X(PASS_VM_HOST, VM, PASS, "vm_host_dst",                            \
	  "unicast from a VM to a MAC of this host (a bridge, an uplink, "  \
	  "another device, or a MAC a bridge learned on a port that is "    \
	  "not an uplink), left to the bridge")                             \
	X(DROP_VM_TOO_BIG, VM, DROP, "vm_too_big",                          \
	  "frame from a VM longer than the MTU of the device it was "       \
	  "redirected to (another VM's tap, the uplink; a GSO frame by "    \
	  "its segments): dropped, as the bridge would")                    \
	X(DROP_ROGUE_REDIRECT, VM, DROP, "rogue_redirect",                  \
	  "ICMPv6 Redirect from an untrusted VM: dropped")                  \
	X(DROP_SPOOF_LLADDR, VM, DROP, "spoof_nd_lladdr",                   \
	  "Neighbor Discovery message whose source or target link-layer "   \
	  "address option is not the VM's MAC: dropped")                    \
	X(DROP_VM_EXT_HDR, VM, DROP, "vm_ext_headers",                      \
	  "IPv6 packet whose extension headers do not lead to the upper-"   \
	  "layer header within the first fragment, the payload length or "  \
	  "the walk limit (RFC 7113): dropped")

enum vmst_reason {
#define VMST_X_ENUM(name, dir, kind, label, help) VMST_R_##name,
	VMST_REASONS(VMST_X_ENUM)
#undef VMST_X_ENUM
		VMST_R_MAX
};

/* Reason slots per port: room for reasons to come without a new layout. */
#define VMST_REASON_SLOTS 32

/*
 * Which hook counted a drop. A drop reason can be counted by an XDP
 * program (the tap XDP program's checks, the uplink's drop_no_target) and
 * by a tc program (the tap tc program, the uplink skb path): an XDP
 * program counts its drops in the reason's XDP slot, everything else goes
 * to the reason's own slot. A pass reason has one hook, so no XDP slot:
 * the uplink's reasons are the uplink XDP program's, a VM's the tap tc
 * program's (the tap XDP program passes nothing to the kernel, it leaves
 * frames to tc). The XDP slots are numbered in the order of the drop
 * reasons in VMST_REASONS (enum vmst_xdp_drop).
 */
#define VMST_XDP_DROP_OF_DROP(name) VMST_XD_##name,
#define VMST_XDP_DROP_OF_PASS(name)
#define VMST_X_XDP_DROP(name, dir, kind, label, help) \
	VMST_XDP_DROP_OF_##kind(name)
enum vmst_xdp_drop { VMST_REASONS(VMST_X_XDP_DROP) VMST_XD_MAX };
/* XDP drop slots per port. */
#define VMST_XDP_DROP_SLOTS 16
/* A port's row of vmst_rstats: its reason slots, then its XDP slots. */
#define VMST_RSTATS_ROW (VMST_REASON_SLOTS + VMST_XDP_DROP_SLOTS)
/* Key of vmst_rstats: port index (0 = no port) and reason... */
#define VMST_RSTATS_KEY(port, reason) ((port)*VMST_RSTATS_ROW + (reason))
/* ...and of an XDP program's drops: port and enum vmst_xdp_drop. */
#define VMST_RSTATS_XDP_KEY(port, xd) \
	((port)*VMST_RSTATS_ROW + VMST_REASON_SLOTS + (xd))

/* A frame and byte counter pair. */
struct vmst_counter {
	__u64 frames;
	__u64 bytes;
};

/*
 * Per-port counters (vmst_pstats value, per CPU, indexed by port index).
 * "to_vm" is traffic delivered to the VM through its tap. Each entry is a
 * (frames, bytes) pair, PAIR(X, NAME, field, label, frames help, bytes
 * help), or one frame count, ONE(X, NAME, field, label, help); the list
 * gives the slots (VMST_PORT_COUNTERS: a pair is two, NAME_FRAMES and
 * NAME_BYTES, labelled label_frames and label_bytes), the enum of slots and
 * the named fields of struct vmst_port_stats, in one order.
 */
#define VMST_PORT_COUNTER_LIST(PAIR, ONE, X)                                  \
	PAIR(X, TO_VM_XDP, to_vm_xdp, "to_vm_xdp",                            \
	     "frames an XDP program redirected to the tap (the uplink's, "    \
	     "or another VM's tap XDP program)",                              \
	     "bytes an XDP program redirected to the tap")                    \
	ONE(X, TAP_SENT, tap_sent, "tap_sent",                                \
	    "redirected frames the tap ring accepted")                        \
	ONE(X, TAP_RING_FULL, tap_ring_full, "tap_ring_full",                 \
	    "redirected frames refused by a full tap ring")                   \
	ONE(X, TAP_XMIT_ERR, tap_xmit_err, "tap_xmit_err",                    \
	    "redirected frames the tap could not take (no queue open)")       \
	ONE(X, REDIRECT_ERR, redirect_err, "redirect_err",                    \
	    "redirects that failed before the tap (tap down, frame too "      \
	    "long)")                                                          \
	PAIR(X, TO_VM_TC, to_vm_tc, "to_vm_tc",                               \
	     "frames a tc program redirected to the tap (skb path: another "  \
	     "VM, or the uplink for frames XDP could not carry)",             \
	     "bytes a tc program redirected to the tap")                      \
	PAIR(X, FROM_VM_LOCAL, from_vm_local, "from_vm_local",                \
	     "frames the VM sent that the tap tc program redirected to "      \
	     "another local VM (skb path)",                                   \
	     "bytes the tap tc program redirected to another local VM")       \
	PAIR(X, FROM_VM_UPLINK, from_vm_uplink, "from_vm_uplink",             \
	     "frames the VM sent that the tap tc program redirected to the "  \
	     "uplink (skb path)",                                             \
	     "bytes the tap tc program redirected to the uplink")             \
	PAIR(X, FROM_VM_LOCAL_XDP, from_vm_local_xdp, "from_vm_local_xdp",    \
	     "frames the VM sent that the tap XDP program redirected to "     \
	     "another local VM (no skb)",                                     \
	     "bytes the tap XDP program redirected to another local VM")      \
	PAIR(X, FROM_VM_UPLINK_XDP, from_vm_uplink_xdp, "from_vm_uplink_xdp", \
	     "frames the VM sent that the tap XDP program redirected to the " \
	     "uplink (no skb)",                                               \
	     "bytes the tap XDP program redirected to the uplink")            \
	ONE(X, TAP_RING_FULL_TC, tap_ring_full_tc, "tap_ring_full_tc",        \
	    "frames on the skb path (a tc program's redirect, the bridge) "   \
	    "that a full tap ring refused")

/* One X(NAME, label, help) per counter slot. */
#define VMST_PC_SLOTS_PAIR(X, name, field, label, fhelp, bhelp) \
	X(name##_FRAMES, label "_frames", fhelp)                \
	X(name##_BYTES, label "_bytes", bhelp)
#define VMST_PC_SLOTS_ONE(X, name, field, label, help) X(name, label, help)
#define VMST_PORT_COUNTERS(X) \
	VMST_PORT_COUNTER_LIST(VMST_PC_SLOTS_PAIR, VMST_PC_SLOTS_ONE, X)

enum vmst_port_counter {
#define VMST_X_ENUM(name, label, help) VMST_PC_##name,
	VMST_PORT_COUNTERS(VMST_X_ENUM)
#undef VMST_X_ENUM
		VMST_PC_MAX
};

/* Counter slots per port: room for counters to come. */
#define VMST_PC_SLOTS 20

#define VMST_PC_FIELD_PAIR(X, name, field, label, fhelp, bhelp) \
	struct vmst_counter field;
#define VMST_PC_FIELD_ONE(X, name, field, label, help) __u64 field;

struct vmst_port_stats {
	union {
		/* By slot (enum vmst_port_counter): what user space sums,
		 * labels and prints in order. */
		__u64 c[VMST_PC_SLOTS];
		/* By name: what the programs count into. */
		struct {
			VMST_PORT_COUNTER_LIST(VMST_PC_FIELD_PAIR,
					       VMST_PC_FIELD_ONE, 0)
		};
	};
};

/*
 * Drop monitor: sampled pass and drop events in a ring buffer. The data
 * path checks vmst_mon_ctl's enabled word on its pass and drop paths only
 * (never on a redirect); everything else happens only while it is set.
 */
/* Bytes of a frame an event carries (the snap length). */
#define VMST_MON_SNAP 128
/* Size of the event ring buffer (a power of two of pages). */
#define VMST_MON_RING_SIZE (256 * 1024)
/* vmst_mon_ctl.port: every port, and frames tied to none. */
#define VMST_MON_PORT_ANY 0xffffffffU
/* Largest 1-in-N sampling rate. */
#define VMST_MON_SAMPLE_MAX 1000000

/*
 * Monitor control (vmst_mon_ctl, one entry), written by the one running
 * monitor. It renews the lease every second: a monitor that dies without
 * cleaning up stops getting events when the lease ends, and then the data
 * path pays only the enabled check and a clock read until the next monitor
 * clears the entry.
 */
struct vmst_mon_ctl {
	__u32 enabled;	   /* non-zero while a monitor runs */
	__u32 port;	   /* port index (0: no port) or VMST_MON_PORT_ANY */
	__u64 lease_until; /* CLOCK_MONOTONIC ns: no events after it */
	__u32 owner_pid;   /* the monitor's PID, for messages */
	__u32 owner_token; /* random: tells the owner from a reused PID */
	__u32 sample[VMST_REASON_SLOTS]; /* per reason: 1 in N, 0 = none */
};

/* Per-CPU monitor state (vmst_mon_pcpu, one entry). */
struct vmst_mon_pcpu {
	__u32 skip[VMST_REASON_SLOTS]; /* frames to skip before the next */
	__u64 emitted;		       /* events written to the ring */
	__u64 lost;		       /* events lost to a full ring */
};

/* One event in vmst_mon_ring. */
struct vmst_mon_event {
	__u64 ts_ns;   /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u32 len;     /* the frame's whole length, all buffers */
	__u32 caplen;  /* bytes of it in data[], up to VMST_MON_SNAP */
	__u32 port;    /* port index, 0: not tied to a port */
	__u32 reason;  /* enum vmst_reason */
	__u32 cpu;     /* CPU that ran the program */
	__u32 ifindex; /* uplink the frame arrived on */
	__u8 data[VMST_MON_SNAP];
	/* Appended: events of older builds end before it (no hook known). */
	__u32 hook; /* VMST_HOOK_*: the program that passed or dropped it */
	__u32 reserved;
};

/* The hook of a monitor event's program. */
#define VMST_HOOK_XDP 1
#define VMST_HOOK_TC  2

/*
 * Receive-side scaling (RSS) into multi-queue taps: the Toeplitz hash of a
 * flow's addresses and ports, looked up in a per-port indirection table,
 * names the tap queue. Semantics follow virtio-net RSS (virtio 1.2,
 * 5.1.6.4.3) and Microsoft's RSS specification, so a guest's own RSS
 * configuration can be carried over unchanged.
 */
/* Length of a Toeplitz key: enough for the longest input (IPv6 + ports). */
#define VMST_RSS_KEY_LEN 40
/* Longest hash input: IPv6 source and destination, source and dest port. */
#define VMST_RSS_INPUT_MAX 36
/* Entries of the largest indirection table (a power of two). */
#define VMST_RSS_TABLE_MAX 128
/* Queues of a tap (the tun driver's MAX_TAP_QUEUES). */
#define VMST_RSS_QUEUES_MAX 256

/*
 * Hash types, with virtio-net's bit values (VIRTIO_NET_RSS_HASH_TYPE_*).
 * A TCP or UDP type hashes addresses and ports of unfragmented TCP or UDP
 * packets; an IP type hashes the addresses of any other packet of that
 * family (fragments included). A packet no enabled type covers goes to the
 * default queue. The _EX types (IPv6 extension-header addresses) are not
 * supported.
 */
enum vmst_rss_hash_type {
	VMST_RSS_IPV4 = 1U << 0,
	VMST_RSS_TCPV4 = 1U << 1,
	VMST_RSS_UDPV4 = 1U << 2,
	VMST_RSS_IPV6 = 1U << 3,
	VMST_RSS_TCPV6 = 1U << 4,
	VMST_RSS_UDPV6 = 1U << 5,
};

/* Each IPv6 type is its IPv4 type's bit shifted up by this. */
#define VMST_RSS_V6_SHIFT 3

/* Every supported hash type. */
#define VMST_RSS_TYPES_ALL                                                 \
	(VMST_RSS_IPV4 | VMST_RSS_TCPV4 | VMST_RSS_UDPV4 | VMST_RSS_IPV6 | \
	 VMST_RSS_TCPV6 | VMST_RSS_UDPV6)

/* The default key of Microsoft's RSS specification (and of most NICs). */
#define VMST_RSS_KEY_MSFT                                                     \
	{                                                                     \
		0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,   \
			0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, \
			0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, \
			0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, \
			0xac, 0x01, 0xfa,                                     \
	}

/*
 * Per-port RSS configuration (vmst_rss, indexed by port index). A frame a
 * hash covers goes to queue table[hash & (table_size - 1)]; any other frame
 * to default_queue. An entry with table_size 0 (or not a power of two) or
 * a queue outside 0..queues-1 sends frames to default_queue; an all-zero
 * entry steers everything to queue 0.
 */
struct vmst_rss {
	__u8 key[VMST_RSS_KEY_LEN]; /* Toeplitz key */
	__u32 hash_types;	    /* enum vmst_rss_hash_type bits */
	__u16 table_size;	    /* entries used: a power of two, 1..128 */
	__u16 default_queue;	    /* queue of frames no hash covers */
	__u16 queues;		    /* queues of the tap (0: unchecked) */
	__u16 flags;		    /* VMST_RSS_F_* (the tap XDP program reads
				     * ENABLED: such ports take tc) */
	__u16 key_slot; /* vmst_rss_lut entry of the key's tables, 0: none */
	__u16 reserved;
	__u16 table[VMST_RSS_TABLE_MAX]; /* indirection table: queue numbers */
};

/*
 * Lookup tables of a Toeplitz key (vmst_rss_lut, indexed by key slot): one
 * entry per distinct key of the state, shared by every port whose vmst_rss
 * entry names the slot (key_slot). User space builds an entry when a port
 * first needs its key and never rewrites a slot a port names; a slot no
 * port names is free (load/rsskeys.c counts the references from the
 * vmst_rss entries, so a crash leaves at worst a free slot with tables in
 * it). Entry nib[2i][n] is the hash of an input whose byte i is n << 4 and
 * whose other bytes are 0; nib[2i + 1][n] the same for byte i equal to n.
 * The hash being linear, the hash of an input is the XOR of one entry per
 * nibble: a fixed number of loads and no bit test that a compiler could
 * turn into a branch, so the verifier walks one path per byte whatever the
 * compiler. The programs use the tables only while @key equals the vmst_rss
 * entry's key (else the default queue), so tables of another key are never
 * used.
 */
/* Distinct RSS keys a state holds (a port with a 65th is refused). */
#define VMST_RSS_KEYS 64
/* Key slots: slot 0 is never used (key_slot 0: no tables), and there is
 * room for every key before and after an apply that replaces them all. */
#define VMST_RSS_KEY_SLOTS   (2 * VMST_RSS_KEYS + 1)
#define VMST_RSS_LUT_NIBBLES (2 * VMST_RSS_INPUT_MAX)
struct vmst_rss_lut {
	__u8 key[VMST_RSS_KEY_LEN]; /* the key the tables were built from */
	__u32 nib[VMST_RSS_LUT_NIBBLES][16];
};

/* The port has RSS configured (a steering program was installed for it). */
#define VMST_RSS_F_ENABLED (1U << 0)
/* XDP frames for the port are steered through the CPUMAP (--xdp-steer). */
#define VMST_RSS_F_XDP_CPUMAP (1U << 1)

/*
 * XDP queue steering (--xdp-steer cpumap). tun queues an XDP frame on
 * queue (CPU mod queues), so the uplink program hands a frame for queue q
 * to CPU q through the CPUMAP, whose program (bpf/cpumap.bpf.c) looks the
 * port up again and redirects it into the tap from there. CPUs
 * 0..queues-1 must be online.
 */
/* The CPUMAP has one entry per possible CPU of the host, sized when the
 * state is created (libbpf_num_possible_cpus()): no compile-time cap.
 * Frames each CPUMAP entry's queue holds: */
#define VMST_CPUMAP_QSIZE 2048

/*
 * Per-queue frame counters of a port (vmst_qstats value, indexed by port
 * index): frames each path put on each queue of the tap. One copy for all
 * CPUs, incremented atomically: per CPU, 4,096 ports of 256 queues would
 * take 8 MiB of every possible CPU. The CPUMAP program runs on the queue's
 * own CPU; only the steering program (skb path) can meet another CPU on a
 * counter.
 */
struct vmst_queue_stats {
	__u64 frames[VMST_RSS_QUEUES_MAX];
};

/*
 * One open tun file, as the tap inspection iterator (bpf/tunq.bpf.c)
 * reports it: which device it is a queue of and what that device holds.
 * The kernel has no ioctl that reads a tap's steering program back; this
 * record is how vmsteer learns it.
 */
struct vmst_tun_file {
	__u32 pid;	     /* process holding the file (thread group id) */
	__u32 fd;	     /* its descriptor in that process */
	__u32 ifindex;	     /* the tap, 0 when the file is not attached */
	__u32 netns_ino;     /* the tap's network namespace */
	__u32 steer_prog_id; /* the tap's steering program, 0: none */
	__u32 numqueues;     /* queues attached to the tap */
	__u32 numdisabled;   /* queues opened but detached */
	__u32 tun_flags;     /* IFF_* of the tap (IFF_MULTI_QUEUE...) */
	__u32 detached;	     /* this file is a detached queue */
	char comm[16];	     /* the holder's command name */
};

/* Pinned map names (bpffs shows them whole: under 16 characters). */
#define VMST_MAP_CONFIG	  "vmst_config"
#define VMST_MAP_FDB	  "vmst_fdb"
#define VMST_MAP_PORTS	  "vmst_ports"
#define VMST_MAP_PORT_CFG "vmst_port_cfg"
#define VMST_MAP_TX	  "vmst_tx"
#define VMST_MAP_DEVS	  "vmst_devs"
#define VMST_MAP_UPLINKS  "vmst_uplinks"
#define VMST_MAP_PSTATS	  "vmst_pstats"
#define VMST_MAP_RSTATS	  "vmst_rstats"
#define VMST_MAP_MON_CTL  "vmst_mon_ctl"
#define VMST_MAP_MON_RING "vmst_mon_ring"
#define VMST_MAP_MON_PCPU "vmst_mon_pcpu"
#define VMST_MAP_RSS	  "vmst_rss"
#define VMST_MAP_RSS_LUT  "vmst_rss_lut"
#define VMST_MAP_PORT_TX  "vmst_port_tx"
#define VMST_MAP_ADDR4	  "vmst_addr4"
#define VMST_MAP_ADDR6	  "vmst_addr6"
#define VMST_MAP_NORTH	  "vmst_north"
#define VMST_MAP_QSTATS	  "vmst_qstats"
#define VMST_MAP_CPUMAP	  "vmst_cpumap"
#define VMST_MAP_LOCAL	  "vmst_local"
#define VMST_MAP_TRUNK	  "vmst_trunk"

_Static_assert(sizeof(struct vmst_port) == 16, "vmst_port is 16 bytes");
_Static_assert(sizeof(struct vmst_port_cfg) == 44, "vmst_port_cfg size");
_Static_assert(sizeof(struct vmst_dev_key) == 8, "vmst_dev_key size");
_Static_assert(sizeof(struct vmst_uplink) == 8, "vmst_uplink size");
_Static_assert(sizeof(struct vmst_config) == 16, "vmst_config size");
_Static_assert(sizeof(struct vmst_counter) == 16, "vmst_counter size");
_Static_assert(VMST_R_MAX <= VMST_REASON_SLOTS, "too many reasons");
_Static_assert(VMST_XD_MAX <= VMST_XDP_DROP_SLOTS, "too many drop reasons");
_Static_assert(sizeof(struct vmst_mon_ctl) == 152, "vmst_mon_ctl size");
_Static_assert(sizeof(struct vmst_mon_pcpu) == 144, "vmst_mon_pcpu size");
_Static_assert((VMST_MON_SNAP & (VMST_MON_SNAP - 1)) == 0,
	       "monitor snapshot length is a power of two");
_Static_assert(sizeof(struct vmst_mon_event) == 40 + VMST_MON_SNAP,
	       "vmst_mon_event size");
_Static_assert(sizeof(struct vmst_rss) == 56 + 2 * VMST_RSS_TABLE_MAX,
	       "vmst_rss size");
_Static_assert(sizeof(struct vmst_rss_lut) ==
		       VMST_RSS_KEY_LEN + 64 * VMST_RSS_LUT_NIBBLES,
	       "vmst_rss_lut size");
_Static_assert(sizeof(struct vmst_tun_file) == 52, "vmst_tun_file size");
_Static_assert(VMST_RSS_IPV6 == VMST_RSS_IPV4 << VMST_RSS_V6_SHIFT &&
		       VMST_RSS_TCPV6 == VMST_RSS_TCPV4 << VMST_RSS_V6_SHIFT &&
		       VMST_RSS_UDPV6 == VMST_RSS_UDPV4 << VMST_RSS_V6_SHIFT,
	       "IPv6 hash types are the IPv4 ones shifted");
_Static_assert((VMST_RSS_TABLE_MAX & (VMST_RSS_TABLE_MAX - 1)) == 0,
	       "RSS table size is a power of two");
_Static_assert(VMST_RSS_KEY_LEN >= VMST_RSS_INPUT_MAX + 4,
	       "the key covers every input bit");
_Static_assert(VMST_PC_MAX <= VMST_PC_SLOTS, "too many port counters");
_Static_assert(sizeof(struct vmst_port_stats) == 8 * VMST_PC_SLOTS,
	       "vmst_port_stats size");
/* Each named field sits at its slot. */
#define VMST_PC_AT_PAIR(X, name, field, label, fhelp, bhelp)                \
	_Static_assert(__builtin_offsetof(struct vmst_port_stats, field) == \
			       8 * VMST_PC_##name##_FRAMES,                 \
		       #field " at its slot");
#define VMST_PC_AT_ONE(X, name, field, label, help)                         \
	_Static_assert(__builtin_offsetof(struct vmst_port_stats, field) == \
			       8 * VMST_PC_##name,                          \
		       #field " at its slot");
VMST_PORT_COUNTER_LIST(VMST_PC_AT_PAIR, VMST_PC_AT_ONE, 0)
#undef VMST_PC_AT_PAIR
#undef VMST_PC_AT_ONE
_Static_assert(sizeof(struct vmst_addr) == 20, "vmst_addr size");
_Static_assert(sizeof(struct vmst_port_tx) == 8 + 20 * VMST_MAX_ADDRS,
	       "vmst_port_tx size");
_Static_assert(sizeof(struct vmst_lpm4_key) == 12, "vmst_lpm4_key size");
_Static_assert(sizeof(struct vmst_lpm6_key) == 24, "vmst_lpm6_key size");
_Static_assert(sizeof(struct vmst_north) == 8, "vmst_north size");
_Static_assert(sizeof(struct vmst_local_key) == 16, "vmst_local_key size");
_Static_assert(sizeof(struct vmst_local) == 8, "vmst_local size");
_Static_assert(sizeof(struct vmst_trunk) == 512, "vmst_trunk size");
_Static_assert(VMST_FDB_SLOTS >= 8 * (VMST_MAX_PORTS - 1), "FDB kept 1/8 full");

#endif /* VMSTEER_H */
