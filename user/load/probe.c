// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Kernel feature probes: before vmsteer loads anything, check that the
 * running kernel has each feature its programs and maps use, so that an
 * old kernel, or one built without BTF, gets one line naming what is
 * missing instead of a verifier log or a misleading errno. The floor is
 * Linux 5.18 (xdp.frags and its helpers); see README "Supported kernels".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "load/probe.h"
#include "util/log.h"

const struct vms_feature vms_features[] = {
	{VMS_PROBE_BTF, 0, 0, "vmlinux", "5.4",
	 "BTF of the running kernel (/sys/kernel/btf/vmlinux, "
	 "CONFIG_DEBUG_INFO_BTF): CO-RE relocations"},
	VMS_FEATURE_PROG(BPF_PROG_TYPE_XDP, "4.8", "XDP programs (the uplink)"),
	VMS_FEATURE_PROG(BPF_PROG_TYPE_SCHED_CLS, "4.1",
			 "tc BPF programs (taps and the uplink's transmit "
			 "side)"),
	VMS_FEATURE_PROG(BPF_PROG_TYPE_SOCKET_FILTER, "3.19",
			 "socket filter programs (tap queue steering)"),
	/* libbpf cannot probe tracing programs: their BTF typedef tells. */
	VMS_FEATURE_BTF_TYPE(BTF_KIND_TYPEDEF, "btf_trace_xdp_devmap_xmit",
			     "5.5",
			     "tp_btf on xdp_devmap_xmit (tap_sent and "
			     "tap_ring_full)"),
	VMS_FEATURE_BTF_TYPE(BTF_KIND_STRUCT, "bpf_iter__task_file", "5.8",
			     "task_file iterators (finding a tap's queues)"),
	VMS_FEATURE_BTF_ENUM("BPF_LINK_TYPE_XDP", "5.9",
			     "bpf_link for XDP (pinned, replaceable uplink "
			     "programs)"),
	VMS_FEATURE_BTF_ENUM("BPF_XDP_CPUMAP", "5.9",
			     "CPUMAP programs (--xdp-steer cpumap)"),
	VMS_FEATURE_MAP(BPF_MAP_TYPE_DEVMAP_HASH, "5.4",
			"devmap-hash maps (redirect into taps)"),
	VMS_FEATURE_MAP(BPF_MAP_TYPE_CPUMAP, "4.15",
			"CPUMAP maps (--xdp-steer cpumap)"),
	VMS_FEATURE_MAP(BPF_MAP_TYPE_RINGBUF, "5.8",
			"BPF ring buffers (the drop monitor)"),
	VMS_FEATURE_MAP(BPF_MAP_TYPE_LPM_TRIE, "4.11",
			"LPM trie maps (anti-spoofing prefixes)"),
	VMS_FEATURE_HELPER(BPF_PROG_TYPE_XDP, BPF_FUNC_xdp_get_buff_len, "5.18",
			   "xdp.frags: bpf_xdp_get_buff_len (multi-buffer "
			   "XDP)"),
	VMS_FEATURE_HELPER(BPF_PROG_TYPE_XDP, BPF_FUNC_xdp_load_bytes, "5.18",
			   "bpf_xdp_load_bytes (the drop monitor's "
			   "snapshots)"),
	VMS_FEATURE_HELPER(BPF_PROG_TYPE_SCHED_CLS,
			   BPF_FUNC_skb_load_bytes_relative, "4.18",
			   "bpf_skb_load_bytes_relative (queue steering)"),
	{VMS_PROBE_END, 0, 0, NULL, NULL, NULL},
};

/* 1: present, 0: absent, <0: the probe itself failed. */
static int probe_one(const struct vms_feature *f, struct btf **vmlinux)
{
	switch (f->kind) {
	case VMS_PROBE_PROG:
		return libbpf_probe_bpf_prog_type(f->type, NULL);
	case VMS_PROBE_MAP:
		return libbpf_probe_bpf_map_type(f->type, NULL);
	case VMS_PROBE_HELPER:
		return libbpf_probe_bpf_helper(f->type, f->helper, NULL);
	default:
		break;
	}
	if (!*vmlinux) {
		*vmlinux = btf__load_vmlinux_btf();
		if (!*vmlinux)
			return f->kind == VMS_PROBE_BTF ? 0 : -ENOENT;
	}
	if (f->kind == VMS_PROBE_BTF)
		return 1;
	if (f->kind == VMS_PROBE_BTF_TYPE)
		return btf__find_by_name_kind(*vmlinux, f->name, f->type) > 0;
	/* An enumerator: walk the enums. */
	for (__u32 id = 1; id < btf__type_cnt(*vmlinux); id++) {
		const struct btf_type *t = btf__type_by_id(*vmlinux, id);
		const struct btf_enum *e;
		__u16 i;

		if (!btf_is_enum(t))
			continue;
		e = btf_enum(t);
		for (i = 0; i < btf_vlen(t); i++)
			if (!strcmp(btf__name_by_offset(*vmlinux,
							e[i].name_off),
				    f->name))
				return 1;
	}
	return 0;
}

int vms_probe_features(const struct vms_feature *features)
{
	struct btf *vmlinux = NULL;
	struct utsname u;
	const struct vms_feature *f;
	int err = 0, r;

	if (uname(&u))
		strcpy(u.release, "?");
	/* libbpf's probes answer "absent" when the bpf() call is refused:
	 * tell a lack of privilege from a lack of features first.
	 */
	r = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 1, NULL);
	if (r < 0 && (errno == EPERM || errno == EACCES))
		return vms_err(-errno,
			       "cannot use bpf(): %s (vmsteer needs root: "
			       "CAP_BPF, CAP_NET_ADMIN)",
			       strerror(errno));
	if (r >= 0)
		close(r);
	for (f = features; f->kind != VMS_PROBE_END && !err; f++) {
		r = probe_one(f, &vmlinux);
		if (r == 1)
			continue;
		if (r == -EPERM || r == -EACCES)
			err = vms_err(r,
				      "cannot probe the kernel's BPF features: "
				      "%s (vmsteer needs root: CAP_BPF, "
				      "CAP_NET_ADMIN)",
				      strerror(-r));
		else if (f->kind != VMS_PROBE_BTF && r == -ENOENT && !vmlinux)
			err = vms_err(-EOPNOTSUPP,
				      "kernel %s has no BTF "
				      "(/sys/kernel/btf/vmlinux): vmsteer "
				      "needs CONFIG_DEBUG_INFO_BTF",
				      u.release);
		else
			err = vms_err(-EOPNOTSUPP,
				      "kernel %s lacks %s (Linux %s+); vmsteer "
				      "needs Linux 5.18 or later",
				      u.release, f->what, f->since);
	}
	btf__free(vmlinux);
	return err;
}

int vms_probe_kernel(void)
{
	static char msg[512];
	static int done, result;

	/* Once per process: attach and the state's creation both ask. */
	if (!done) {
		result = vms_probe_features(vms_features);
		if (result)
			snprintf(msg, sizeof(msg), "%s", vms_last_error());
		done = 1;
	}
	return result ? vms_err(result, "%s", msg) : 0;
}
