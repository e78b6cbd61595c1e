// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * foreignsteer: put a steering program vmsteer did not write on a tap, as
 * QEMU does when a guest enables RSS, for the netns tests.
 *
 *   foreignsteer TAP QUEUE
 *
 * Loads a socket filter named "foreign_rss" that returns QUEUE for every
 * frame, opens a queue of TAP (TUNSETIFF on the multi-queue tap, detached
 * at once), installs the program with TUNSETSTEERINGEBPF and exits; the
 * program stays on the tap. Prints "prog_id=N".
 */
#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/bpf.h>
#include <linux/if_tun.h>

#include <bpf/bpf.h>

int main(int argc, char **argv)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	struct ifreq ifr = {};
	int fd, prog;

	if (argc != 3)
		errx(2, "usage: foreignsteer TAP QUEUE");
	struct bpf_insn insns[] = {
		/* r0 = QUEUE; exit */
		{.code = BPF_ALU64 | BPF_MOV | BPF_K,
		 .dst_reg = BPF_REG_0,
		 .imm = atoi(argv[2])},
		{.code = BPF_JMP | BPF_EXIT},
	};
	prog = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "foreign_rss", "GPL",
			     insns, 2, NULL);
	if (prog < 0)
		err(1, "cannot load the program");
	fd = open("/dev/net/tun", O_RDWR);
	if (fd < 0)
		err(1, "/dev/net/tun");
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[1]);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE;
	if (ioctl(fd, TUNSETIFF, &ifr))
		err(1, "%s: TUNSETIFF", argv[1]);
	ifr.ifr_flags = IFF_DETACH_QUEUE;
	if (ioctl(fd, TUNSETQUEUE, &ifr))
		err(1, "%s: TUNSETQUEUE", argv[1]);
	if (ioctl(fd, TUNSETSTEERINGEBPF, &prog))
		err(1, "%s: TUNSETSTEERINGEBPF", argv[1]);
	if (bpf_obj_get_info_by_fd(prog, &info, &len))
		err(1, "program info");
	printf("prog_id=%u\n", info.id);
	return 0;
}
