/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The kernel's information on loaded programs and links (info.c). */
#ifndef VMS_LOAD_INFO_H
#define VMS_LOAD_INFO_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/types.h>

/* Fill @info for program @fd, program @id, or the link pinned at @path:
 * 0 or -errno (@info zeroed first). */
int vms_prog_info(int fd, struct bpf_prog_info *info);
int vms_prog_info_by_id(__u32 id, struct bpf_prog_info *info);
int vms_pinned_link_info(const char *path, struct bpf_link_info *info);
/* Does program @id have program @fd's kernel tag (a hash of its
 * instructions: the same build's program)? 0 or -errno. */
int vms_prog_same_tag(__u32 id, int fd, bool *same);
/* Kernel id of program @fd, 0 when unknown. */
__u32 vms_prog_id(int fd);

#endif /* VMS_LOAD_INFO_H */
