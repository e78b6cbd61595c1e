/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Network devices (netdev.c). */
#ifndef VMS_UTIL_NETDEV_H
#define VMS_UTIL_NETDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/types.h>

#include "vmsteer.h"

/* Value of hex digit @c, or -1. */
int vms_hexval(char c);
/*
 * Decode hex into @out, skipping spaces, colons, dots and line ends.
 * Returns the byte count, -EINVAL (bad character, odd digit count) or
 * -E2BIG (more than @max bytes).
 */
ssize_t vms_unhex(const char *s, __u8 *out, size_t max);
/* Parse "aa:bb:cc:dd:ee:ff"; 0 or -EINVAL. */
int vms_parse_mac(const char *s, __u8 mac[6]);
void vms_format_mac(const __u8 mac[6], char out[18]);
__u64 vms_mac48(const __u8 mac[6]);
/* Parse a VLAN id 1..4094; 0 or -EINVAL/-ERANGE. */
int vms_parse_vlan(const char *s, __u16 *vlan);
/*
 * Parse a decimal number of digits only (no sign, no spaces) up to @max:
 * 0, -EINVAL (not such a number) or -ERANGE (above @max).
 */
int vms_parse_uint(const char *s, unsigned long long max,
		   unsigned long long *out);

/*
 * Why @name cannot be a device name (the kernel's dev_valid_name(), and no
 * control characters either), or NULL when it can.
 */
const char *vms_ifname_invalid(const char *name);
/* 0, or -ENODEV with a message saying why @name is no device name. */
int vms_ifname_check(const char *name);
/* if_nametoindex() (which opens a socket a call) through the process's
 * socket: the ifindex of @name, or 0 with errno when there is none. */
unsigned int vms_nametoindex(const char *name);
/* The name of device @ifindex into @name (IF_NAMESIZE bytes), as
 * if_indextoname() (which opens a socket a call): @name, or NULL with
 * errno when there is no such device. */
char *vms_ifname(__u32 ifindex, char *name);
/* ifindex of @name in this network namespace, or -ENODEV with message. */
int vms_ifindex(const char *name);
/* 1 when @name is a tap (tun driver in TAP mode), 0 when not, or -errno. */
int vms_is_tap(const char *name);
/* MTU of @name, or -errno. */
int vms_dev_mtu(const char *name);
/* Inode of this process's network namespace, or 0 on error. */
__u32 vms_netns_ino(void);

#endif /* VMS_UTIL_NETDEV_H */
