/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* rtnetlink dumps, gets and changes (nl.c), through libmnl. */
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

/* The same with a request built by the caller (@nh: its type, header
 * and attributes; flags and sequence number are set here). */
int vms_nl_dump_req(struct nlmsghdr *nh, const char *what, vms_nl_cb cb,
		    vms_nl_reset reset, void *data);

/*
 * Send the one-object request @nh (a get: its header and payload built
 * by the caller; flags, sequence number and port id are set here) and
 * call @cb for the reply. 0, or -errno of the kernel's answer (-ENOENT:
 * no such object) with no message: the caller names the object.
 */
int vms_nl_get(struct nlmsghdr *nh, vms_nl_cb cb, void *data);
/*
 * Send the change request @nh (RTM_NEWQDISC, RTM_DELTFILTER...: built by
 * the caller) with the NLM_F_CREATE/EXCL/REPLACE @flags and wait for its
 * ack: 0 or -errno of the kernel's answer, with no message. The tests'
 * crash build (tests/crash/crashpoint.c) counts each call as a write.
 */
int vms_nl_change(struct nlmsghdr *nh, __u16 flags);

/* Requests a vms_nl_batch sends in one message (their replies fit the
 * receive buffer). */
#define VMS_NL_BATCH 64
/* Build request @i of a batch in @nh (type, flags, header, attributes). */
typedef void (*vms_nl_put)(int i, struct nlmsghdr *nh, void *data);
/* A reply to request @i: an answer, or its ack or error (NLMSG_ERROR). */
typedef void (*vms_nl_each)(int i, const struct nlmsghdr *nh, void *data);
/*
 * @n get requests, @put builds each, sent VMS_NL_BATCH to a message over
 * the process's socket; @each sees every reply. 0 or -errno (a request's
 * own error goes to @each only).
 */
int vms_nl_batch(int n, vms_nl_put put, vms_nl_each each, void *data);
/* The TCA_KIND attribute @a of a tc message (qdisc, filter) into @kind,
 * VMS_TC_KIND_LEN bytes; other attributes are skipped. An mnl_attr_cb_t. */
#define VMS_TC_KIND_LEN 32
int vms_nl_tc_kind(const struct nlattr *a, void *kind);
/* One RTM_GETLINK get of device @ifindex (no statistics), @cb for the
 * reply: 0 or -errno (-ENODEV: no such device), no message. O(1) at any
 * number of devices, where a dump is O(devices). */
int vms_nl_link_get(__u32 ifindex, vms_nl_cb cb, void *data);
/* The netdev generic netlink family (include/uapi/linux/netdev.h). */
#define NETDEV_FAMILY		  "netdev"
#define NETDEV_CMD_DEV_GET	  1
#define NETDEV_A_DEV_IFINDEX	  1
#define NETDEV_A_DEV_XDP_FEATURES 3
#define NETDEV_XDP_ACT_BASIC	  (1U << 0)
#define NETDEV_XDP_ACT_REDIRECT	  (1U << 1)
#define NETDEV_XDP_ACT_NDO_XMIT	  (1U << 2)

/*
 * The XDP features the driver of device @ifindex announces (the netdev
 * generic netlink family, 6.3+): 0, or -ENOENT when the kernel reports
 * none, or -errno.
 */
int vms_xdp_features(__u32 ifindex, __u64 *features);

/*
 * The id of the native (driver mode) XDP program on device @ifindex in
 * *@id, 0 when none: one RTM_GETLINK get. 0 or -errno (-ENODEV: no such
 * device).
 */
int vms_xdp_drv_prog_id(__u32 ifindex, __u32 *id);

#endif /* VMS_NL_H */
