// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vmsim: stand in for a VM on a tap, doing the job vhost-net does on a real
 * hypervisor (this test kernel has no vhost-net).
 *
 * Opens N queues of a persistent multi-queue tap (IFF_TAP | IFF_NO_PI |
 * IFF_MULTI_QUEUE), reads the frames the host sends to the VM from every
 * queue with poll(), and counts them, writes them to a pcap and/or to a hex
 * log that records the queue each frame came from. It can also transmit
 * the frames of a pcap into the tap, as a VM sending them; with --gso it
 * opens the queues with a virtio-net header and sends TCP/IPv4 frames as
 * GSO frames (as a guest with TSO does), reading frames without it.
 *
 * Signals:
 *   SIGTERM, SIGINT  stop: flush the outputs, print the summary, exit 0
 *   SIGUSR1          drain every queue (read until all are empty, unless
 *                    holding), flush the outputs and write the status file
 *   SIGUSR2          stop holding: start reading (see --hold)
 *   SIGHUP           transmit the frames of the --tx-on-hup pcap (read
 *                    anew each time) into the tap, then drain, flush and
 *                    write the status file as for SIGUSR1
 *
 * The status file and the summary printed on exit are one line of
 * "key=value" words, e.g.
 *   vmsim vmt1: seq=2 queues=2 held=0 rx_frames=10 rx_bytes=640 q0=4 q1=6
 *   tx_frames=0 tx_errors=0
 * where seq counts the status reports written, so that a script that sent
 * SIGUSR1 can tell the fresh report from the previous one.
 */
#define _GNU_SOURCE /* ppoll */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <pcap/pcap.h>

#include "tools/tool.h"

/* Queues a tap may have (the kernel allows 256; tests use a few). */
#define VMSIM_MAX_QUEUES 64
/* Largest frame read: a tap without a vnet header hands out MTU + 14. */
#define VMSIM_FRAME_MAX 65536
/* Snapshot length of the pcap written. */
#define VMSIM_SNAPLEN 262144

struct vmsim {
	const char *ifname;
	int nqueues;
	int fd[VMSIM_MAX_QUEUES];
	/* outputs */
	pcap_t *pcap;
	pcap_dumper_t *dumper;
	FILE *hex;
	const char *status_path;
	/* limits */
	uint64_t max_frames; /* 0: no limit */
	double timeout;	     /* seconds, 0: none */
	int hold;	     /* queues open but not read */
	unsigned int gso;    /* virtio-net header, TCP/IPv4 GSO segment size */
	/* counters */
	uint64_t rx_frames, rx_bytes, q_frames[VMSIM_MAX_QUEUES];
	uint64_t tx_frames, tx_errors;
	uint64_t seq;
};

static volatile sig_atomic_t stop_flag, report_flag, release_flag, tx_flag;

static void on_signal(int sig)
{
	switch (sig) {
	case SIGUSR1:
		report_flag = 1;
		break;
	case SIGHUP:
		tx_flag = 1;
		break;
	case SIGUSR2:
		release_flag = 1;
		break;
	default:
		stop_flag = 1;
		break;
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vmsim -i TAP [options]\n"
		"Act as the VM behind a persistent multi-queue tap: open its queues,\n"
		"read (and record) the frames sent to the VM, optionally transmit.\n"
		"  -i, --iface TAP     tap to attach to (ip tuntap ... multi_queue)\n"
		"  -q, --queues N      queues to open (default 2)\n"
		"  -w, --write FILE    pcap of every frame read, in read order\n"
		"  -x, --hex FILE      one line per frame read: \"QUEUE HEX\"\n"
		"  -c, --count N       exit once N frames were read\n"
		"  -t, --timeout SEC   exit after SEC seconds (may be fractional)\n"
		"  -H, --hold          open the queues but do not read them (the\n"
		"                      rings fill up) until SIGUSR2\n"
		"  -T, --tx FILE       transmit the frames of pcap FILE into the tap\n"
		"                      (round robin over the queues) once open\n"
		"  -X, --tx-on-hup F   on each SIGHUP transmit the frames of pcap F\n"
		"                      (read anew), then report as for SIGUSR1\n"
		"  -r, --ready FILE    create FILE once the queues are open (and the\n"
		"                      --tx frames are sent)\n"
		"  -V, --vcpus N       also run N idle threads named \"CPU n/KVM\"\n"
		"                      (a VM's vCPUs, as qemu names them)\n"
		"  -g, --gso SIZE      open the queues with a virtio-net header; send\n"
		"                      TCP/IPv4 frames longer than one segment as GSO\n"
		"                      frames of SIZE-byte segments (TSO)\n"
		"  -s, --status FILE   write the counters to FILE on SIGUSR1, after\n"
		"                      draining the queues, and on exit\n"
		"Signals: TERM/INT stop, USR1 drain and report, USR2 stop holding.\n");
}

static void open_queues(struct vmsim *vm)
{
	struct ifreq ifr;
	int i;

	if (strlen(vm->ifname) >= IFNAMSIZ)
		errx(1, "tap name '%s' is too long", vm->ifname);
	/* TUNSETIFF would create a new tap: only attach to an existing one. */
	if (!if_nametoindex(vm->ifname))
		errx(1, "%s: no such device in this network namespace",
		     vm->ifname);
	for (i = 0; i < vm->nqueues; i++) {
		int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

		if (fd < 0)
			errx(1, "open /dev/net/tun: %s", strerror(errno));
		memset(&ifr, 0, sizeof(ifr));
		ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE |
				(vm->gso ? IFF_VNET_HDR : 0);
		strcpy(ifr.ifr_name, vm->ifname);
		if (ioctl(fd, TUNSETIFF, &ifr) < 0)
			errx(1,
			     "%s: cannot open queue %d: %s (is it a multi_queue tap in this network namespace?)",
			     vm->ifname, i, strerror(errno));
		if (vm->gso) {
			int sz = sizeof(struct virtio_net_hdr);

			if (ioctl(fd, TUNSETVNETHDRSZ, &sz) < 0)
				errx(1, "%s: TUNSETVNETHDRSZ: %s", vm->ifname,
				     strerror(errno));
		}
		vm->fd[i] = fd;
	}
}

static void record(struct vmsim *vm, int q, const unsigned char *buf,
		   size_t len)
{
	vm->rx_frames++;
	vm->rx_bytes += len;
	vm->q_frames[q]++;
	if (vm->dumper) {
		struct pcap_pkthdr h;

		gettimeofday(&h.ts, NULL);
		h.caplen = len > VMSIM_SNAPLEN ? VMSIM_SNAPLEN : len;
		h.len = len;
		pcap_dump((unsigned char *)vm->dumper, &h, buf);
	}
	if (vm->hex) {
		size_t i;

		fprintf(vm->hex, "%d ", q);
		for (i = 0; i < len; i++)
			fprintf(vm->hex, "%02x", buf[i]);
		fputc('\n', vm->hex);
	}
}

/* Read every frame queue @q holds now. Returns the frames read. */
static uint64_t drain_queue(struct vmsim *vm, int q, unsigned char *buf)
{
	uint64_t n = 0;

	for (;;) {
		ssize_t r = read(vm->fd[q], buf, VMSIM_FRAME_MAX);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			errx(1, "%s: read queue %d: %s", vm->ifname, q,
			     strerror(errno));
		}
		if (vm->gso) { /* the virtio-net header first */
			if (r < (ssize_t)sizeof(struct virtio_net_hdr))
				errx(1, "%s: short read", vm->ifname);
			r -= sizeof(struct virtio_net_hdr);
			memmove(buf, buf + sizeof(struct virtio_net_hdr), r);
		}
		record(vm, q, buf, r);
		n++;
		if (vm->max_frames && vm->rx_frames >= vm->max_frames)
			break;
	}
	return n;
}

/* Read until every queue is empty at once. */
static void drain_all(struct vmsim *vm, unsigned char *buf)
{
	uint64_t n;
	int q;

	do {
		n = 0;
		for (q = 0; q < vm->nqueues; q++) {
			if (vm->max_frames && vm->rx_frames >= vm->max_frames)
				return;
			n += drain_queue(vm, q, buf);
		}
	} while (n);
}

static void format_counters(const struct vmsim *vm, char *out, size_t len)
{
	size_t off;
	int q;

	off = snprintf(out, len,
		       "vmsim %s: seq=%" PRIu64 " queues=%d held=%d"
		       " rx_frames=%" PRIu64 " rx_bytes=%" PRIu64,
		       vm->ifname, vm->seq, vm->nqueues, vm->hold,
		       vm->rx_frames, vm->rx_bytes);
	for (q = 0; q < vm->nqueues && off < len; q++)
		off += snprintf(out + off, len - off, " q%d=%" PRIu64, q,
				vm->q_frames[q]);
	if (off < len)
		snprintf(out + off, len - off,
			 " tx_frames=%" PRIu64 " tx_errors=%" PRIu64,
			 vm->tx_frames, vm->tx_errors);
}

static void flush_outputs(struct vmsim *vm)
{
	if (vm->dumper)
		pcap_dump_flush(vm->dumper);
	if (vm->hex)
		fflush(vm->hex);
}

/* Write the status file atomically (write a temporary, then rename). */
static void write_status(struct vmsim *vm)
{
	char line[256 + 24 * VMSIM_MAX_QUEUES], tmp[PATH_MAX];
	FILE *f;

	if (!vm->status_path)
		return;
	vm->seq++;
	format_counters(vm, line, sizeof(line));
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", vm->status_path) >=
	    (int)sizeof(tmp))
		errx(1, "status path too long: %s", vm->status_path);
	f = fopen(tmp, "w");
	if (!f)
		errx(1, "%s: %s", tmp, strerror(errno));
	fprintf(f, "%s\n", line);
	if (fclose(f))
		errx(1, "%s: %s", tmp, strerror(errno));
	if (rename(tmp, vm->status_path))
		errx(1, "rename %s: %s", vm->status_path, strerror(errno));
}

/*
 * The virtio-net header a guest with TSO puts before frame @d (@len bytes):
 * a TCP/IPv4 frame longer than one segment of @gso bytes is a GSO frame
 * with a partial checksum; anything else gets an empty header.
 */
static void vnet_hdr(struct virtio_net_hdr *vh, const unsigned char *d,
		     size_t len, unsigned int gso)
{
	size_t ihl, thl;

	memset(vh, 0, sizeof(*vh));
	if (len < 14 + 20 || d[12] != 0x08 || d[13] != 0 || d[14 + 9] != 6)
		return;
	ihl = (d[14] & 0xf) * 4;
	if (len < 14 + ihl + 20)
		return;
	thl = (d[14 + ihl + 12] >> 4) * 4;
	if (len <= 14 + ihl + thl + gso)
		return;
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	vh->hdr_len = 14 + ihl + thl;
	vh->gso_size = gso;
	vh->csum_start = 14 + ihl;
	vh->csum_offset = 16;
}

static void transmit(struct vmsim *vm, const char *path)
{
	static unsigned char
		frame[sizeof(struct virtio_net_hdr) + VMSIM_FRAME_MAX];
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const unsigned char *data;
	pcap_t *p;
	int q = 0, r;

	p = pcap_open_offline(path, errbuf);
	if (!p)
		errx(1, "%s: %s", path, errbuf);
	while ((r = pcap_next_ex(p, &h, &data)) == 1) {
		struct pollfd pfd = {.fd = vm->fd[q], .events = POLLOUT};
		ssize_t w;

		size_t len = h->caplen;

		if (vm->gso) {
			if (len > VMSIM_FRAME_MAX)
				errx(1, "%s: frame too long", path);
			vnet_hdr((struct virtio_net_hdr *)frame, data, len,
				 vm->gso);
			memcpy(frame + sizeof(struct virtio_net_hdr), data,
			       len);
			data = frame;
			len += sizeof(struct virtio_net_hdr);
		}
		/* A tap write never blocks for long: wait if it asks to. */
		while ((w = write(vm->fd[q], data, len)) < 0 &&
		       (errno == EAGAIN || errno == EINTR))
			poll(&pfd, 1, 100);
		if (w == (ssize_t)len)
			vm->tx_frames++;
		else
			vm->tx_errors++;
		q = (q + 1) % vm->nqueues;
	}
	if (r == -1)
		errx(1, "%s: %s", path, pcap_geterr(p));
	pcap_close(p);
}

static void write_ready(const char *path)
{
	char tmp[PATH_MAX];
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		errx(1, "ready path too long: %s", path);
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "ready\n") < 0 || fclose(f))
		errx(1, "%s: %s", tmp, strerror(errno));
	if (rename(tmp, path))
		errx(1, "rename %s: %s", path, strerror(errno));
}

static void *vcpu_thread(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

/* --vcpus N: N idle threads named as qemu names its vCPU threads, "CPU
 * n/KVM" (what `vmsteer doctor` counts); started with every signal
 * blocked, so that signals reach the main thread's ppoll(). */
static void vcpus(unsigned long long n)
{
	unsigned long long i;
	char name[16];
	pthread_t t;

	for (i = 0; i < n && i < 64; i++) {
		if (pthread_create(&t, NULL, vcpu_thread, NULL))
			errx(1, "cannot start vCPU thread %llu", i);
		snprintf(name, sizeof(name), "CPU %llu/KVM", i);
		pthread_setname_np(t, name);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"iface", required_argument, NULL, 'i'},
		{"queues", required_argument, NULL, 'q'},
		{"write", required_argument, NULL, 'w'},
		{"hex", required_argument, NULL, 'x'},
		{"count", required_argument, NULL, 'c'},
		{"timeout", required_argument, NULL, 't'},
		{"hold", no_argument, NULL, 'H'},
		{"tx", required_argument, NULL, 'T'},
		{"tx-on-hup", required_argument, NULL, 'X'},
		{"ready", required_argument, NULL, 'r'},
		{"status", required_argument, NULL, 's'},
		{"gso", required_argument, NULL, 'g'},
		{"vcpus", required_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *pcap_path = NULL, *hex_path = NULL, *tx_path = NULL;
	const char *ready_path = NULL, *hup_path = NULL;
	struct vmsim vm = {.nqueues = 2};
	static unsigned char buf[VMSIM_FRAME_MAX];
	struct pollfd pfd[VMSIM_MAX_QUEUES];
	struct sigaction sa = {.sa_handler = on_signal};
	sigset_t block, orig;
	char line[256 + 24 * VMSIM_MAX_QUEUES];
	double deadline = 0;
	unsigned long long nvcpus = 0;
	int c, q;

	while ((c = getopt_long(argc, argv, "i:q:w:x:c:t:HT:X:r:s:g:V:h", opts,
				NULL)) != -1) {
		switch (c) {
		case 'i':
			vm.ifname = optarg;
			break;
		case 'q':
			vm.nqueues = tool_num(optarg, "queue count");
			if (vm.nqueues < 1 || vm.nqueues > VMSIM_MAX_QUEUES)
				errx(1, "queue count must be 1..%d: '%s'",
				     VMSIM_MAX_QUEUES, optarg);
			break;
		case 'w':
			pcap_path = optarg;
			break;
		case 'x':
			hex_path = optarg;
			break;
		case 'c':
			vm.max_frames = tool_num(optarg, "count");
			break;
		case 't':
			vm.timeout = tool_positive(optarg, "timeout");
			break;
		case 'H':
			vm.hold = 1;
			break;
		case 'T':
			tx_path = optarg;
			break;
		case 'X':
			hup_path = optarg;
			break;
		case 'r':
			ready_path = optarg;
			break;
		case 's':
			vm.status_path = optarg;
			break;
		case 'g':
			vm.gso = tool_num(optarg, "GSO segment size");
			if (vm.gso < 64 || vm.gso > 65000)
				errx(1, "GSO segment size must be 64..65000");
			break;
		case 'V':
			nvcpus = tool_num(optarg, "vCPU count");
			break;
		case 'h':
			tool_usage(usage, 0);
		default:
			tool_usage(usage, 2);
		}
	}
	if (!vm.ifname || optind != argc) {
		tool_usage(usage, 2);
	}
	for (q = 0; q < VMSIM_MAX_QUEUES; q++)
		vm.fd[q] = -1;

	/* Signals are taken only inside ppoll(): no race with the flags. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGUSR2);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &orig);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	vcpus(nvcpus);

	if (pcap_path) {
		vm.pcap = pcap_open_dead(DLT_EN10MB, VMSIM_SNAPLEN);
		if (!vm.pcap)
			errx(1, "pcap_open_dead failed");
		vm.dumper = pcap_dump_open(vm.pcap, pcap_path);
		if (!vm.dumper)
			errx(1, "%s: %s", pcap_path, pcap_geterr(vm.pcap));
	}
	if (hex_path) {
		vm.hex = fopen(hex_path, "w");
		if (!vm.hex)
			errx(1, "%s: %s", hex_path, strerror(errno));
	}

	open_queues(&vm);
	if (tx_path)
		transmit(&vm, tx_path);
	if (ready_path)
		write_ready(ready_path);
	if (vm.timeout)
		deadline = tool_now() + vm.timeout;

	while (!stop_flag) {
		struct timespec ts, *tsp = NULL;
		int n;

		if (release_flag) {
			release_flag = 0;
			vm.hold = 0;
		}
		if (tx_flag) {
			tx_flag = 0;
			if (hup_path)
				transmit(&vm, hup_path);
			report_flag = 1;
		}
		if (report_flag) {
			report_flag = 0;
			if (!vm.hold)
				drain_all(&vm, buf);
			flush_outputs(&vm);
			write_status(&vm);
		}
		if (vm.max_frames && vm.rx_frames >= vm.max_frames)
			break;
		if (deadline) {
			double left = deadline - tool_now();

			if (left <= 0)
				break;
			ts.tv_sec = (time_t)left;
			ts.tv_nsec = (long)((left - ts.tv_sec) * 1e9);
			tsp = &ts;
		}
		for (q = 0; q < vm.nqueues; q++) {
			pfd[q].fd = vm.fd[q];
			pfd[q].events = vm.hold ? 0 : POLLIN;
			pfd[q].revents = 0;
		}
		n = ppoll(pfd, vm.nqueues, tsp, &orig);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			errx(1, "poll: %s", strerror(errno));
		}
		for (q = 0; q < vm.nqueues && n > 0; q++) {
			if (pfd[q].revents & (POLLERR | POLLNVAL))
				errx(1, "%s: queue %d failed (tap deleted?)",
				     vm.ifname, q);
			if (pfd[q].revents & POLLIN)
				drain_queue(&vm, q, buf);
			if (vm.max_frames && vm.rx_frames >= vm.max_frames)
				break;
		}
	}

	flush_outputs(&vm);
	write_status(&vm);
	if (vm.dumper)
		pcap_dump_close(vm.dumper);
	if (vm.pcap)
		pcap_close(vm.pcap);
	if (vm.hex && fclose(vm.hex))
		errx(1, "%s: %s", hex_path, strerror(errno));
	for (q = 0; q < vm.nqueues; q++)
		close(vm.fd[q]);
	format_counters(&vm, line, sizeof(line));
	printf("%s\n", line);
	return 0;
}
