/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* rtnetlink dumps, gets and changes (nl.c), through libmnl. */
#ifndef VMS_NL_H
#define VMS_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/netlink.h>
#include <linux/types.h>

/* Receive buffer: a dump message of the kernel fits (32 KiB, as libmnl's
 * later MNL_SOCKET_DUMP_SIZE). */
#define VMS_NL_BUF 32768

/* Called for each message of a dump; returns MNL_CB_OK (or _ERROR). */
typedef int (*vms_nl_cb)(const struct nlmsghdr *nh, void *data);

struct mnl_socket;
/* A netlink socket of @bus (NETLINK_ROUTE, _GENERIC, _NETFILTER...),
 * bound to a port id the kernel picks: the socket, or NULL and errno. */
struct mnl_socket *vms_nl_open(int bus);
/*
 * Send request @nh over @nl (its type, flags and payload set by the
 * caller, the sequence number here) and call @cb for each reply from the
 * kernel carrying that number, to the dump's end or the ack. Every
 * netlink exchange of vmsteer goes through here but batches. 0, or
 * -errno with no message: the kernel's answer (NLMSG_ERROR), -EINTR for
 * a dump the kernel marked interrupted, or the socket's error.
 */
int vms_nl_talk(struct mnl_socket *nl, struct nlmsghdr *nh, vms_nl_cb cb,
		void *data);
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
/*
 * Put XDP program @fd (-1: none) on device @ifindex with XDP_FLAGS_*
 * @flags; with XDP_FLAGS_REPLACE only where program @old_fd is (an
 * RTM_SETLINK, as libbpf's bpf_xdp_attach sends it, over the process's
 * socket). 0 or -errno of the kernel's answer, no message.
 */
int vms_nl_xdp_set(__u32 ifindex, int fd, int old_fd, __u32 flags);

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
/* The kind of a tc object (TCA_KIND: "clsact", "bpf"...) fits in this. */
#define VMS_TC_KIND_LEN 32
/* Start a tc request (@type RTM_GETQDISC, RTM_NEWTFILTER...) about
 * device @ifindex in @nh: its tcmsg, the rest zero, for the caller to
 * fill (parent, handle, attributes). */
struct tcmsg *vms_nl_tcmsg(struct nlmsghdr *nh, __u16 type, __u32 ifindex);

/*
 * A reply's attributes by type, as libmnl's examples read them: @tb[type]
 * for each attribute of message @nh after its @hdrlen-byte family header
 * (vms_nl_attrs) or nested in @nest (vms_nl_nested: none when @nest is
 * NULL), for types up to @max (@tb has @max + 1 slots); NULL where absent.
 * The caller then reads the attributes it wants, one line each.
 */
void vms_nl_attrs(const struct nlmsghdr *nh, size_t hdrlen,
		  const struct nlattr **tb, unsigned int max);
void vms_nl_nested(const struct nlattr *nest, const struct nlattr **tb,
		   unsigned int max);
/* The value of attribute @a into *@v (a string: @len bytes at @v, cut to
 * fit): true when @a is there and of that type, else false and *@v as it
 * was. */
bool vms_nl_u8(const struct nlattr *a, __u8 *v);
bool vms_nl_u16(const struct nlattr *a, __u16 *v);
bool vms_nl_u32(const struct nlattr *a, __u32 *v);
bool vms_nl_u64(const struct nlattr *a, __u64 *v);
bool vms_nl_str(const struct nlattr *a, char *v, size_t len);
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
/* The same for @n devices into @ids (0 also for a device that is gone),
 * the gets sent in batches (vms_nl_batch): 0 or -errno, no message. */
int vms_xdp_drv_prog_ids(const __u32 *ifindex, int n, __u32 *ids);

#endif /* VMS_NL_H */
