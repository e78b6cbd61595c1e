// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* vmsteer benchmark: helpers shared by the subcommands. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "harness.h"
#include "core/ports.h"
#include "core/state.h"
#include "util/log.h"
#include "uplink.skel.h"

int bench_verbose;

static void vlog(const char *fmt, va_list ap)
{
	fputs("vmsteer-bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void bench_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

void bench_dbg(const char *fmt, ...)
{
	va_list ap;

	if (!bench_verbose)
		return;
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (level != LIBBPF_WARN && bench_verbose < 2)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void bench_libbpf_logging(void)
{
	libbpf_set_print(libbpf_print);
}

int netns_open(const char *name)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		bench_err("network namespace %s: %s", name, strerror(errno));
		return -errno;
	}
	return fd;
}

int netns_enter(int fd)
{
	if (setns(fd, CLONE_NEWNET)) {
		bench_err("setns: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

__u32 netns_ino(int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return 0;
	return (__u32)st.st_ino;
}

int rtnl_open(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0) {
		bench_err("netlink socket: %s", strerror(errno));
		return -errno;
	}
	return fd;
}

int link_read_counters(int rtnl, int ifindex, struct link_counters *out)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req = {
		.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
		.nh.nlmsg_type = RTM_GETLINK,
		.nh.nlmsg_flags = NLM_F_REQUEST,
		.ifi.ifi_family = AF_UNSPEC,
		.ifi.ifi_index = ifindex,
	};
	static char buf[65536];
	struct nlmsghdr *nh;
	ssize_t len;

	if (send(rtnl, &req, req.nh.nlmsg_len, 0) < 0)
		return -errno;
	len = recv(rtnl, buf, sizeof(buf), 0);
	if (len < 0)
		return -errno;
	for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (__u32)len);
	     nh = NLMSG_NEXT(nh, len)) {
		struct ifinfomsg *ifi = NLMSG_DATA(nh);
		int alen = IFLA_PAYLOAD(nh);
		struct rtattr *rta;

		if (nh->nlmsg_type == NLMSG_ERROR) {
			struct nlmsgerr *e = NLMSG_DATA(nh);

			return e->error ? e->error : -EIO;
		}
		if (nh->nlmsg_type != RTM_NEWLINK)
			continue;
		for (rta = IFLA_RTA(ifi); RTA_OK(rta, alen);
		     rta = RTA_NEXT(rta, alen)) {
			struct rtnl_link_stats64 st;

			if (rta->rta_type != IFLA_STATS64 ||
			    RTA_PAYLOAD(rta) < sizeof(st))
				continue;
			memcpy(&st, RTA_DATA(rta), sizeof(st));
			out->rx_packets = st.rx_packets;
			out->tx_packets = st.tx_packets;
			out->rx_dropped = st.rx_dropped;
			out->tx_dropped = st.tx_dropped;
			return 0;
		}
	}
	return -ENODATA;
}

static __u16 ip_csum(const void *hdr, size_t len)
{
	const __u16 *p = hdr;
	__u32 sum = 0;

	while (len > 1) {
		sum += *p++;
		len -= 2;
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

void frame_build(__u8 *buf, size_t len, const __u8 dst[6], const __u8 src[6])
{
	__u8 *ip = buf + 14, *udp = ip + 20;
	__u16 v;

	memset(buf, 0, len);
	memcpy(buf, dst, 6);
	memcpy(buf + 6, src, 6);
	buf[12] = 0x08; /* EtherType IPv4 */
	buf[13] = 0x00;
	ip[0] = 0x45; /* version 4, 20-byte header */
	v = htons(len - 14);
	memcpy(ip + 2, &v, 2);
	ip[8] = 64;   /* TTL */
	ip[9] = 17;   /* UDP */
	ip[12] = 198; /* 198.51.100.1 -> 198.51.100.2 (TEST-NET-2) */
	ip[13] = 51;
	ip[14] = 100;
	ip[15] = 1;
	memcpy(ip + 16, ip + 12, 3);
	ip[19] = 2;
	v = ip_csum(ip, 20);
	memcpy(ip + 10, &v, 2);
	v = htons(BENCH_UDP_SPORT);
	memcpy(udp, &v, 2);
	v = htons(9); /* discard */
	memcpy(udp + 2, &v, 2);
	v = htons(len - 14 - 20);
	memcpy(udp + 4, &v, 2);
	/* UDP checksum 0: none, so the generator may rewrite ports. */
}

int percpu_u64_sum(int map_fd, __u32 key, __u64 *sum)
{
	static __u64 *vals;
	static int ncpu;
	int i;

	if (!vals) {
		ncpu = libbpf_num_possible_cpus();
		if (ncpu <= 0)
			return ncpu ? ncpu : -EINVAL;
		vals = calloc(ncpu, sizeof(*vals));
		if (!vals)
			return -ENOMEM;
	}
	if (bpf_map_lookup_elem(map_fd, &key, vals))
		return -errno;
	*sum = 0;
	for (i = 0; i < ncpu; i++)
		*sum += vals[i];
	return 0;
}

struct bpf_object *uplink_open_private(const char *file)
{
	struct bpf_object *obj;
	size_t sz;

	if (file) {
		obj = bpf_object__open_file(file, NULL);
	} else {
		const void *elf = uplink_bpf__elf_bytes(&sz);

		obj = bpf_object__open_mem(elf, sz, NULL);
	}
	if (!obj) {
		bench_err("open uplink object %s: %s", file ?: "(built in)",
			  strerror(errno));
		return NULL;
	}
	if (vms_object_private_maps(obj)) {
		bench_err("%s", vms_last_error());
		bpf_object__close(obj);
		return NULL;
	}
	if (bpf_object__load(obj)) {
		bench_err("load uplink object %s: %s", file ?: "(built in)",
			  strerror(errno));
		bpf_object__close(obj);
		return NULL;
	}
	if (!bpf_object__find_program_by_name(obj, "vmst_uplink")) {
		bench_err("%s: no program vmst_uplink", file ?: "(built in)");
		bpf_object__close(obj);
		return NULL;
	}
	return obj;
}

int uplink_add_port(struct bpf_object *obj, const struct vms_port_spec *s)
{
	struct vms_maps maps;
	__u32 idx;
	int err;

	err = vms_maps_from_object(&maps, obj);
	if (!err)
		err = vms_maps_init_config(&maps);
	if (!err)
		err = vms_port_upsert(&maps, s, &idx);
	if (err)
		bench_err("configure port %s: %s", s->name,
			  vms_last_error() ?: strerror(-err));
	return err;
}

int tap_queue_open(const char *tap, bool vnet_hdr)
{
	int fd, hdr_len = sizeof(struct virtio_net_hdr_v1);
	struct ifreq ifr = {};

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		bench_err("/dev/net/tun: %s", strerror(errno));
		return -errno;
	}
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE;
	if (vnet_hdr)
		ifr.ifr_flags |= IFF_VNET_HDR;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", tap);
	if (ioctl(fd, TUNSETIFF, &ifr) ||
	    (vnet_hdr && ioctl(fd, TUNSETVNETHDRSZ, &hdr_len))) {
		int err = -errno;

		bench_err("tap %s: %s: %s", tap,
			  vnet_hdr ? "TUNSETIFF/TUNSETVNETHDRSZ" : "TUNSETIFF",
			  strerror(-err));
		close(fd);
		return err;
	}
	/* The device's flags, not the ones asked for: another queue's. */
	if (ioctl(fd, TUNGETIFF, &ifr) ||
	    !!(ifr.ifr_flags & IFF_VNET_HDR) != vnet_hdr) {
		bench_err("tap %s: %s virtio-net header (its first queue "
			  "decides)",
			  tap, vnet_hdr ? "no" : "a");
		close(fd);
		return -EINVAL;
	}
	return fd;
}

int touch_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0) {
		bench_err("%s: %s", path, strerror(errno));
		return -errno;
	}
	close(fd);
	return 0;
}

double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

double thread_cpu_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double median(double *v, size_t n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		bench_err("pin to CPU %d: %s", cpu, strerror(errno));
		return -errno;
	}
	return 0;
}
