/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* rtnetlink dumps (nl.c), through libmnl. */
#ifndef VMS_NL_H
#define VMS_NL_H

#include <linux/netlink.h>
#include <linux/types.h>

/* Receive buffer: a dump message of the kernel fits (32 KiB, as libmnl's
 * later MNL_SOCKET_DUMP_SIZE). */
#define VMS_NL_BUF 32768

/* Called for each message of a dump; returns MNL_CB_OK (or _ERROR). */
typedef int (*vms_nl_cb)(const struct nlmsghdr *nh, void *data);
/* Called before each attempt: forget what an interrupted one gave. */
typedef void (*vms_nl_reset)(void *data);

/*
 * Dump an rtnetlink table (@type RTM_GETLINK, RTM_GETNEIGH... of address
 * family @family) of the caller's network namespace, calling @cb for each
 * message. Replies must carry the request's sequence number; a dump marked
 * NLM_F_DUMP_INTR is done again (after @reset). @what names the table in
 * messages. A table the kernel does not have is empty. 0 or -errno.
 */
int vms_nl_dump(__u16 type, __u8 family, const char *what, vms_nl_cb cb,
		vms_nl_reset reset, void *data);

/*
 * Send the one-object request @nh (a get: its header and payload built
 * by the caller; flags, sequence number and port id are set here) and
 * call @cb for the reply. 0, or -errno of the kernel's answer (-ENOENT:
 * no such object) with no message: the caller names the object.
 */
int vms_nl_get(struct nlmsghdr *nh, vms_nl_cb cb, void *data);

#endif /* VMS_NL_H */
