// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Crash points, for tests only: linked into build/tests/vmsteer-crash (the
 * CLI built with -Wl,--wrap=SYMBOL for each function below) and never into
 * build/vmsteer. Every write of the CLI to the state is numbered from 1:
 * map updates and deletes (but the counters' and vmst_local's), the link operations of
 * attach and detach (create, update, pin, detach), and the tc changes of
 * the tap and uplink tc programs (clsact qdisc create and destroy, filter
 * attach and detach: vms_nl_change):
 *
 *   VMSTEER_CRASH_AFTER=N   SIGKILL the process just before write N+1,
 *                           so exactly N writes were made (0: before any)
 *   VMSTEER_CRASH_COUNT=F   at exit, write the number of writes made to F
 *   VMSTEER_CRASH_TRACE=F   write the kind of each write to F, one a line
 *                           (line N: write N), e.g. "update vmst_fdb",
 *                           "delete vmst_ports", "link_create", "tc_filter_add"
 *
 * tests/netns/test_crash.sh kills apply and port add at chosen points this
 * way, deterministically, and checks what each kill leaves behind; the
 * trace lets it choose points of every kind of write.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

int __real_bpf_map_update_elem(int fd, const void *key, const void *value,
			       __u64 flags);
int __real_bpf_map_delete_elem(int fd, const void *key);
int __wrap_bpf_map_update_elem(int fd, const void *key, const void *value,
			       __u64 flags);
int __wrap_bpf_map_delete_elem(int fd, const void *key);

static long writes;
static FILE *trace;

/*
 * True for a map of the forwarding state; false for a counter map, and for
 * vmst_local, a snapshot of the system's devices that every command
 * rewrites where it differs (so its writes vary from run to run, and a
 * kill there leaves nothing the next command does not rewrite).
 */
static bool counted(const char *map)
{
	return strcmp(map, "vmst_pstats") && strcmp(map, "vmst_rstats") &&
	       strcmp(map, "vmst_local");
}

/* Write @op (on map @fd; -1: not a map write) is about to be made. */
static void crash_point(const char *op, int fd)
{
	const char *after = getenv("VMSTEER_CRASH_AFTER");
	const char *path = getenv("VMSTEER_CRASH_TRACE");
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len) &&
	    !counted(info.name))
		return;
	if (after && *after && writes >= atol(after))
		raise(SIGKILL);
	writes++;
	if (!trace && path && *path)
		trace = fopen(path, "w");
	if (trace)
		fprintf(trace, "%s%s%s\n", op, info.name[0] ? " " : "",
			info.name);
}

int __wrap_bpf_map_update_elem(int fd, const void *key, const void *value,
			       __u64 flags)
{
	crash_point("update", fd);
	return __real_bpf_map_update_elem(fd, key, value, flags);
}

int __wrap_bpf_map_delete_elem(int fd, const void *key)
{
	crash_point("delete", fd);
	return __real_bpf_map_delete_elem(fd, key);
}

/* Link operations: always counted (-1: not a counter map). */
int __real_bpf_link_create(int prog_fd, int target_fd,
			   enum bpf_attach_type type,
			   const struct bpf_link_create_opts *opts);
int __real_bpf_link_update(int link_fd, int new_prog_fd,
			   const struct bpf_link_update_opts *opts);
int __real_bpf_link_detach(int link_fd);
int __real_bpf_obj_pin(int fd, const char *path);
int __real_bpf_link__pin(struct bpf_link *link, const char *path);
int __wrap_bpf_link_create(int prog_fd, int target_fd,
			   enum bpf_attach_type type,
			   const struct bpf_link_create_opts *opts);
int __wrap_bpf_link_update(int link_fd, int new_prog_fd,
			   const struct bpf_link_update_opts *opts);
int __wrap_bpf_link_detach(int link_fd);
int __wrap_bpf_obj_pin(int fd, const char *path);
int __wrap_bpf_link__pin(struct bpf_link *link, const char *path);

int __wrap_bpf_link_create(int prog_fd, int target_fd,
			   enum bpf_attach_type type,
			   const struct bpf_link_create_opts *opts)
{
	crash_point("link_create", -1);
	return __real_bpf_link_create(prog_fd, target_fd, type, opts);
}

int __wrap_bpf_link_update(int link_fd, int new_prog_fd,
			   const struct bpf_link_update_opts *opts)
{
	crash_point("link_update", -1);
	return __real_bpf_link_update(link_fd, new_prog_fd, opts);
}

int __wrap_bpf_link_detach(int link_fd)
{
	crash_point("link_detach", -1);
	return __real_bpf_link_detach(link_fd);
}

int __wrap_bpf_obj_pin(int fd, const char *path)
{
	crash_point("obj_pin", -1);
	return __real_bpf_obj_pin(fd, path);
}

int __wrap_bpf_link__pin(struct bpf_link *link, const char *path)
{
	crash_point("link_pin", -1);
	return __real_bpf_link__pin(link, path);
}

/* tc qdisc and filter changes (user/util/nl.c): always counted. */
int __real_vms_nl_change(struct nlmsghdr *nh, __u16 flags);
int __wrap_vms_nl_change(struct nlmsghdr *nh, __u16 flags);

int __wrap_vms_nl_change(struct nlmsghdr *nh, __u16 flags)
{
	crash_point(nh->nlmsg_type == RTM_NEWQDISC     ? "tc_qdisc_add"
		    : nh->nlmsg_type == RTM_DELQDISC   ? "tc_qdisc_del"
		    : nh->nlmsg_type == RTM_NEWTFILTER ? "tc_filter_add"
		    : nh->nlmsg_type == RTM_DELTFILTER ? "tc_filter_del"
						       : "netlink_change",
		    -1);
	return __real_vms_nl_change(nh, flags);
}

__attribute__((destructor)) static void report_count(void)
{
	const char *path = getenv("VMSTEER_CRASH_COUNT");
	FILE *f;

	if (!path || !*path)
		return;
	f = fopen(path, "w");
	if (!f)
		return;
	fprintf(f, "%ld\n", writes);
	fclose(f);
}

__attribute__((destructor)) static void close_trace(void)
{
	if (trace)
		fclose(trace);
}
