/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What the fast path would bypass on a tap (bypass.c). */
#ifndef VMS_BYPASS_H
#define VMS_BYPASS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "vmsteer.h"

/* Where libvirt keeps a running domain's nwfilter bindings, by tap. */
#define VMS_NWFILTER_BINDINGS "/run/libvirt/nwfilter-binding"

/*
 * Each of these looks at one policy of tap @tap (@ifindex, this network
 * namespace) that frames vmsteer redirects would skip: 1 with what was
 * found in @why, 0 when there is none (@why empty), or -errno when it
 * cannot be seen (@why says why).
 */
/* A root qdisc that shapes (libvirt's <bandwidth>). */
int vms_tap_shaping(__u32 ifindex, char *why, size_t len);
/* A libvirt nwfilter binding (its ebtables/iptables rules). */
int vms_tap_nwfilter(const char *tap, char *why, size_t len);
/*
 * nftables rules or chains that name the tap (iifname, oifname, iif, oif,
 * a set of them, a netdev chain on it), ebtables-nft and iptables-nft
 * rules included; through libnftables, loaded when needed (-ENOENT when it
 * is not installed and the kernel has nftables tables).
 */
int vms_tap_nft(const char *tap, char *why, size_t len);

/* The tap's master device and, for a bridge, its VLAN filtering. */
struct vms_tap_master {
	char name[16]; /* "" when the tap has no master */
	char kind[32]; /* "bridge", "openvswitch" (ovs-system)... */
	bool vlan_filtering;
	__u16 pvid; /* 0: none */
	bool pvid_untagged;
	__u32 ntagged;		  /* VIDs the bridge takes tagged on the tap */
	struct vmst_trunk tagged; /* those VIDs */
};
int vms_tap_master(__u32 ifindex, struct vms_tap_master *m);
/* Does bridge @m take on the tap what a port of access VLAN @vlan (0:
 * untagged) or trunk @vids (NULL: not a trunk) takes: the pvid untagged
 * (the access VLAN's), tagged exactly the trunk's VIDs? */
bool vms_tap_vlans_agree(const struct vms_tap_master *m, __u16 vlan,
			 const struct vmst_trunk *vids);
/* "pvid 1 untagged, tagged 10,20" */
void vms_tap_vlans_fmt(const struct vms_tap_master *m, char *out, size_t len);

/*
 * What `port add` refuses without --force: a shaping root qdisc, an
 * nwfilter binding, nftables rules naming the tap, an Open vSwitch port.
 * 1 with the reasons in @why, or 0.
 */
int vms_tap_bypass(const char *tap, __u32 ifindex, char *why, size_t len);

#endif /* VMS_BYPASS_H */
