/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Port addresses (`--ip ADDR[/LEN]`): parsing, formatting, overlap (addr.c). */
#ifndef VMS_CORE_ADDR_H
#define VMS_CORE_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/types.h>

#include "vmsteer.h"
#include "core/state.h"

/*
 * Parse "ADDR[/LEN]" (IPv4 or IPv6; without LEN a host address) into @a.
 * Refuses, with a message naming @s, what cannot be a VM's source: bad
 * syntax, a length out of range (1..32, 1..128), bits set past the
 * length, unspecified, loopback, multicast or broadcast addresses.
 */
int vms_parse_addr(const char *s, struct vmst_addr *a);
/* "ADDR/LEN" of @a into @out (at least VMS_ADDR_STRLEN bytes). */
#define VMS_ADDR_STRLEN 50 /* INET6_ADDRSTRLEN (46), "/128" */
void vms_format_addr(const struct vmst_addr *a, char *out);
/* True when the prefixes @a and @b overlap (same family, one holds the
 * other's first address). */
bool vms_addr_overlap(const struct vmst_addr *a, const struct vmst_addr *b);
/* Write the transmit record of port @idx. */
int vms_port_tx_write(const struct vms_maps *m, __u32 idx,
		      const struct vmst_port_tx *tx);
/* The transmit record of port @idx (zeroed when the map is absent). */
int vms_port_tx_read(const struct vms_maps *m, __u32 idx,
		     struct vmst_port_tx *tx);
/* Every port's (VMST_MAX_PORTS records) in one batch read. */
int vms_port_tx_read_all(const struct vms_maps *m, struct vmst_port_tx *tx);

#endif /* VMS_CORE_ADDR_H */
