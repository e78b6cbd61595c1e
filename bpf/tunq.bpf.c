// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vmsteer tap inspection (BPF task_file iterator, run on demand by the CLI).
 *
 * The tun driver has no ioctl that reads a tap's steering program back, and
 * neither netlink nor /proc shows it. This iterator walks every open file
 * of every process and, for each tun file (/dev/net/tun, char 10:200)
 * attached to a device, writes one struct vmst_tun_file: the device, its
 * steering program's id, its queue counts and flags, and the holder. From
 * it vmsteer learns exactly whether a steering program it did not install
 * sits on a tap, and how many queues the VM opened. Nothing is changed.
 */
#include "lib/common.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Device number of /dev/net/tun: misc major 10, minor 200 (kernel MKDEV). */
#define TUN_MISC_DEV ((10U << 20) | 200U)
/* File type bits of i_mode, and that of a character device. */
#define VMST_S_IFMT  0170000
#define VMST_S_IFCHR 0020000

SEC("iter/task_file")
int vmst_tunq(struct bpf_iter__task_file *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct vmst_tun_file rec = {};
	struct tun_struct *tun;
	struct tun_file *tfile;
	struct tun_prog *sp;
	struct net_device *dev;

	if (!task || !file)
		return 0;
	if (BPF_CORE_READ(file, f_inode, i_rdev) != TUN_MISC_DEV ||
	    (BPF_CORE_READ(file, f_inode, i_mode) & VMST_S_IFMT) !=
		    VMST_S_IFCHR)
		return 0;
	tfile = BPF_CORE_READ(file, private_data);
	if (!tfile)
		return 0;
	/* An attached queue has tun set; a detached one keeps it too, and
	 * also has detached set. Either names the device.
	 */
	tun = BPF_CORE_READ(tfile, tun);
	if (!tun)
		tun = BPF_CORE_READ(tfile, detached);
	if (!tun)
		return 0;
	dev = BPF_CORE_READ(tun, dev);
	rec.pid = BPF_CORE_READ(task, tgid);
	rec.fd = ctx->fd;
	rec.ifindex = BPF_CORE_READ(dev, ifindex);
	rec.netns_ino = BPF_CORE_READ(dev, nd_net.net, ns.inum);
	sp = BPF_CORE_READ(tun, steering_prog);
	if (sp)
		rec.steer_prog_id = BPF_CORE_READ(sp, prog, aux, id);
	rec.numqueues = BPF_CORE_READ(tun, numqueues);
	rec.numdisabled = BPF_CORE_READ(tun, numdisabled);
	rec.tun_flags = BPF_CORE_READ(tun, flags);
	rec.detached = BPF_CORE_READ(tfile, detached) != NULL;
	BPF_CORE_READ_STR_INTO(&rec.comm, task, comm);
	bpf_seq_write(seq, &rec, sizeof(rec));
	return 0;
}
