/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What the fast path would bypass on a tap (bypass.c). */
#ifndef VMS_BYPASS_H
#define VMS_BYPASS_H

#include <stddef.h>
#include <linux/types.h>

/* Where libvirt keeps a running domain's nwfilter bindings, by tap. */
#define VMS_NWFILTER_BINDINGS "/run/libvirt/nwfilter-binding"

/*
 * What the fast path would bypass on tap @tap (@ifindex, this network
 * namespace): a root qdisc that shapes, a libvirt nwfilter binding. 1 with
 * the reasons in @why, or 0.
 */
int vms_tap_bypass(const char *tap, __u32 ifindex, char *why, size_t len);

#endif /* VMS_BYPASS_H */
