// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What the kernel tells of a loaded program or link: one place for the
 * bpf_obj_get_info_by_fd() calls that tell vmsteer's programs (by name)
 * and this build's (by tag) from others.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "load/info.h"

int vms_prog_info(int fd, struct bpf_prog_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return bpf_obj_get_info_by_fd(fd, info, &len) ? -errno : 0;
}

int vms_prog_info_by_id(__u32 id, struct bpf_prog_info *info)
{
	int fd = bpf_prog_get_fd_by_id(id), err;

	memset(info, 0, sizeof(*info));
	if (fd < 0)
		return -errno;
	err = vms_prog_info(fd, info);
	close(fd);
	return err;
}

int vms_pinned_link_info(const char *path, struct bpf_link_info *info)
{
	__u32 len = sizeof(*info);
	int fd = bpf_obj_get(path), err = 0;

	memset(info, 0, sizeof(*info));
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, info, &len))
		err = -errno;
	close(fd);
	return err;
}

int vms_prog_same_tag(__u32 id, int fd, bool *same)
{
	struct bpf_prog_info a, b;
	int err = vms_prog_info_by_id(id, &a);

	if (!err)
		err = vms_prog_info(fd, &b);
	*same = !err && !memcmp(a.tag, b.tag, BPF_TAG_SIZE);
	return err;
}

__u32 vms_prog_id(int fd)
{
	struct bpf_prog_info info;

	return fd >= 0 && !vms_prog_info(fd, &info) ? info.id : 0;
}
