/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Where a frame a VM sent goes, once vmst_tx_check (antispoof.h) let it
 * on: the same decision for both hooks of its tap (tap.bpf.c on tc,
 * tap_xdp.bpf.c on XDP), which differ only in what they do with it.
 * A lookup is only ever made on the sender's VLAN, so no frame goes to a
 * port of another VLAN.
 */
#ifndef VMST_BPF_TXROUTE_H
#define VMST_BPF_TXROUTE_H

#include "common.h"
#include "maps.h"
#include "fdb.h"
#include "antispoof.h"

/*
 * The target vmst_tx_route found: values, not map pointers, so that no
 * pointer waits on the stack for the hook's code (the 6.1 verifier loses
 * the type of one spilled there).
 */
struct vmst_tx_dest {
	__u32 tidx;	 /* another local port's index, else 0: the uplink */
	__u32 ifindex;	 /* that port's tap, or the northbound uplink */
	__u16 max_frame; /* with tidx: the longest frame its tap takes */
	__u16 vlan;	 /* the sender's VLAN: an access port's, 0 for an
			  * untagged or trunk port (whose tagged frames the
			  * bridge forwards); pushed as a tag northbound
			  * from an access port */
};

/*
 * VMST_OK with *@d naming the target of @f: the (VLAN, destination MAC)
 * of another local port in the sender's network namespace (d->tidx), or,
 * for any other unicast not for this host, the northbound uplink of that
 * namespace (d->tidx 0). Otherwise the reason the frame goes on to the
 * host stack, whose bridge forwards it as before: a trunk's tagged frame,
 * broadcast and multicast, no target (VMST_R_PASS_VM_UNKNOWN), a MAC local
 * to the host (vmst_local).
 */
static __always_inline __u32 vmst_tx_route(const struct vmst_tx_frame *f,
					   struct vmst_tx_dest *d)
{
	struct vmst_local_key lk = {};
	struct vmst_port *tport = NULL;
	struct vmst_port_cfg *tcfg;
	struct vmst_north *north;
	__u32 zero = 0;
	__u64 key;

	if (f->l2.tags)
		return VMST_R_PASS_VM_TAGGED;
	if (f->l2.eth->h_dest[0] & 1)
		return VMST_R_PASS_VM_MULTICAST;

	d->vlan = (f->port->key >> 48) & VMST_VLAN_MASK;
	key = vmst_fdb_key(d->vlan, vmst_mac48(f->l2.eth->h_dest));
	d->tidx = vmst_fdb_lookup(key, &tport);
	if (d->tidx && d->tidx != f->idx && tport) {
		tcfg = vmst_port_cfg_of(d->tidx);
		if (!tcfg || tcfg->netns_ino != f->cfg->netns_ino)
			return VMST_R_PASS_VM_UNKNOWN;
		d->ifindex = tcfg->ifindex;
		d->max_frame = tport->max_frame;
		return VMST_OK;
	}
	if (d->tidx == f->idx)
		return VMST_R_PASS_VM_UNKNOWN;
	d->tidx = 0;

	north = bpf_map_lookup_elem(&vmst_north, &zero);
	if (!north || !north->ifindex || north->netns_ino != f->cfg->netns_ino)
		return VMST_R_PASS_VM_UNKNOWN;
	/* For this host (its bridge, a device, a VM vmsteer does not
	 * manage): the bridge delivers it, never the wire.
	 */
	lk.mac48 = key & 0xffffffffffffULL;
	lk.netns_ino = f->cfg->netns_ino;
	if (bpf_map_lookup_elem(&vmst_local, &lk))
		return VMST_R_PASS_VM_HOST;
	d->ifindex = north->ifindex;
	return VMST_OK;
}

#endif /* VMST_BPF_TXROUTE_H */
