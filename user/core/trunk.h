/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Trunk ports: their VID lists, as given, stored and shown (trunk.c). */
#ifndef VMS_CORE_TRUNK_H
#define VMS_CORE_TRUNK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/types.h>

#include "vmsteer.h"
#include "core/state.h"

/*
 * Parse a trunk's VID list "VID[-VID][,...]" (1..4094) into @t, adding to
 * what it holds; refuses, with a message "@what: ...", bad syntax, a VID
 * out of range and a reversed range.
 */
int vms_parse_vids(const char *what, const char *s, struct vmst_trunk *t);
/* "10,20,100-200" of @t into @out (@len bytes: 25000 holds any list). */
#define VMS_VIDS_STRLEN 25000
void vms_format_vids(const struct vmst_trunk *t, char *out, size_t len);
/* VID @vid is in @t. */
bool vms_trunk_has(const struct vmst_trunk *t, __u16 vid);
/* The trunk VIDs of port @idx (zeroed when the map is absent). */
int vms_port_trunk_read(const struct vms_maps *m, __u32 idx,
			struct vmst_trunk *t);
/* Every port's (VMST_MAX_PORTS entries) in one batch read. */
int vms_port_trunk_read_all(const struct vms_maps *m, struct vmst_trunk *t);

#endif /* VMS_CORE_TRUNK_H */
