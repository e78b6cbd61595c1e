// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Crash points, for tests only: linked into build/tests/vmsteer-crash (the
 * CLI built with -Wl,--wrap=bpf_map_update_elem,--wrap=bpf_map_delete_elem)
 * and never into build/vmsteer. Every write of the CLI to a map of the
 * forwarding state (everything but the counters) is numbered from 1:
 *
 *   VMSTEER_CRASH_AFTER=N   SIGKILL the process just before write N+1,
 *                           so exactly N writes were made (0: before any)
 *   VMSTEER_CRASH_COUNT=F   at exit, write the number of writes made to F
 *
 * tests/netns/test_crash.sh kills apply and port add at chosen points this
 * way, deterministically, and checks what each kill leaves behind.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

int __real_bpf_map_update_elem(int fd, const void *key, const void *value,
			       __u64 flags);
int __real_bpf_map_delete_elem(int fd, const void *key);
int __wrap_bpf_map_update_elem(int fd, const void *key, const void *value,
			       __u64 flags);
int __wrap_bpf_map_delete_elem(int fd, const void *key);

static long writes;

/* True for a map of the forwarding state, false for a counter map. */
static bool counted(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return true;
	return strcmp(info.name, "vmst_pstats") &&
	       strcmp(info.name, "vmst_rstats");
}

static void crash_point(int fd)
{
	const char *after = getenv("VMSTEER_CRASH_AFTER");

	if (!counted(fd))
		return;
	if (after && *after && writes >= atol(after))
		raise(SIGKILL);
	writes++;
}

int __wrap_bpf_map_update_elem(int fd, const void *key, const void *value,
			       __u64 flags)
{
	crash_point(fd);
	return __real_bpf_map_update_elem(fd, key, value, flags);
}

int __wrap_bpf_map_delete_elem(int fd, const void *key)
{
	crash_point(fd);
	return __real_bpf_map_delete_elem(fd, key);
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
