/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Which port a frame belongs to, for the programs every tap of a network
 * namespace shares (the tap tc program and the tun steering program): one
 * program is loaded per state and namespace and attached to all of its
 * taps, so the port comes from the device the frame is on. vmst_devs maps
 * (ifindex, netns inode) to the port index; the loader sets the
 * namespace, which is the same for every tap the program is attached to.
 */
#ifndef VMST_BPF_DEVPORT_H
#define VMST_BPF_DEVPORT_H

#include "common.h"
#include "maps.h"

/* Network namespace (inode) of the taps the program serves. */
const volatile __u32 netns_ino = 0;
/* Unit tests and fuzzers only: serve this port whatever the device. */
const volatile __u32 port_index = 0;

/* Port index of the tap @ifindex, 0 when it is no port's. */
static __always_inline __u32 vmst_dev_port(__u32 ifindex)
{
	struct vmst_dev_key dk = {.ifindex = ifindex, .netns_ino = netns_ino};
	__u32 *idx;

	if (port_index)
		return port_index;
	idx = bpf_map_lookup_elem(&vmst_devs, &dk);
	return idx ? *idx : 0;
}

#endif /* VMST_BPF_DEVPORT_H */
