// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vmsteer doctor, the checks of where frames are handled: the CPUs that
 * run the uplink's XDP program (its IRQs' affinity, RPS with generic XDP)
 * against the tap queues and the CPUMAP CPUs of the ports, XPS, the
 * uplink's offloads and drop counters, a tap's attached queues against
 * vmsteer's steering and the VM's vCPUs, and the tap's master (a bridge
 * filtering VLANs, Open vSwitch).
 *
 * sysfs shows the devices of the network namespace it was mounted in:
 * what is read there is used only when the device's ifindex in sysfs is
 * the one netlink gives (`ip netns exec` mounts it so).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>

#include <libmnl/libmnl.h>

#include "load/bypass.h"
#include "cli/doctor.h"
#include "util/nl.h"
#include "core/trunk.h"

/* ---- CPU sets ----------------------------------------------------------- */

#define CPUS_MAX 4096
struct cpus {
	__u64 b[CPUS_MAX / 64];
};

static void cpus_set(struct cpus *c, unsigned int cpu)
{
	if (cpu < CPUS_MAX)
		c->b[cpu / 64] |= 1ULL << (cpu % 64);
}

static bool cpus_has(const struct cpus *c, unsigned int cpu)
{
	return cpu < CPUS_MAX && (c->b[cpu / 64] >> (cpu % 64)) & 1;
}

static unsigned int cpus_count(const struct cpus *c)
{
	unsigned int i, n = 0;

	for (i = 0; i < CPUS_MAX / 64; i++)
		n += __builtin_popcountll(c->b[i]);
	return n;
}

static void cpus_or(struct cpus *to, const struct cpus *c)
{
	unsigned int i;

	for (i = 0; i < CPUS_MAX / 64; i++)
		to->b[i] |= c->b[i];
}

/* "0-3,8" (a _list file); 0 or -EINVAL. */
static int cpus_parse_list(const char *s, struct cpus *c)
{
	unsigned long a, b;
	char *end;

	while (*s && *s != '\n') {
		a = strtoul(s, &end, 10);
		if (end == s)
			return -EINVAL;
		b = a;
		if (*end == '-') {
			s = end + 1;
			b = strtoul(s, &end, 10);
			if (end == s)
				return -EINVAL;
		}
		for (; a <= b && a < CPUS_MAX; a++)
			cpus_set(c, a);
		s = *end == ',' ? end + 1 : end;
	}
	return 0;
}

/* "00000000,0000000f" (a mask file: rps_cpus, xps_cpus). */
static void cpus_parse_mask(const char *s, struct cpus *c)
{
	unsigned int bit = 0;
	int i;

	for (i = (int)strlen(s) - 1; i >= 0; i--) {
		int v;

		if (s[i] == ',' || s[i] == '\n')
			continue;
		if (!isxdigit((unsigned char)s[i]))
			break;
		v = isdigit((unsigned char)s[i]) ? s[i] - '0'
						 : tolower(s[i]) - 'a' + 10;
		for (int k = 0; k < 4; k++, bit++)
			if (v & (1 << k))
				cpus_set(c, bit);
	}
}

/* "0-3,8". */
static const char *cpus_fmt(const struct cpus *c, char *out, size_t len)
{
	unsigned int a, b;
	size_t n = 0;

	*out = '\0';
	for (a = 0; a < CPUS_MAX; a++) {
		if (!cpus_has(c, a))
			continue;
		for (b = a; b + 1 < CPUS_MAX && cpus_has(c, b + 1); b++)
			;
		if (n < len)
			n += snprintf(out + n, len - n,
				      a == b ? "%s%u" : "%s%u-%u", n ? "," : "",
				      a, b);
		a = b;
	}
	if (!*out)
		snprintf(out, len, "none");
	return out;
}

static int read_file(const char *path, char *out, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -errno;
	n = fread(out, 1, len - 1, f);
	fclose(f);
	out[n] = '\0';
	return 0;
}

static void online_cpus(struct cpus *c)
{
	char buf[1024];

	memset(c, 0, sizeof(*c));
	if (read_file("/sys/devices/system/cpu/online", buf, sizeof(buf)) ||
	    cpus_parse_list(buf, c))
		cpus_set(c, 0);
}

/* ---- the uplink's receive CPUs ----------------------------------------- */

/* Does sysfs show this network namespace's @dev (@ifindex)? */
static bool sysfs_ours(const char *dev, __u32 ifindex)
{
	char path[128], v[32];

	snprintf(path, sizeof(path), "/sys/class/net/%s/ifindex", dev);
	return !read_file(path, v, sizeof(v)) &&
	       strtoul(v, NULL, 10) == ifindex;
}

/* Entries of a device's sysfs directory (queues, MSI vectors) read at
 * the most; a device has fewer (the kernel's limit is 4096 queues). */
#define DIR_NUMS 4096

/*
 * The entries of directory @path named @prefix and a number (a device's
 * queues "rx-3", its MSI vectors "45"): their numbers into @num (the
 * first DIR_NUMS); how many there are, 0 when there is no such directory.
 */
static int numbered_entries(const char *path, const char *prefix, int *num)
{
	size_t len = strlen(prefix);
	struct dirent *d;
	DIR *dir = opendir(path);
	int n = 0;

	while (dir && (d = readdir(dir))) {
		if (strncmp(d->d_name, prefix, len) ||
		    !isdigit((unsigned char)d->d_name[len]))
			continue;
		if (n < DIR_NUMS)
			num[n] = atoi(d->d_name + len);
		n++;
	}
	if (dir)
		closedir(dir);
	return n;
}

/* Queue directories of @dev: @prefix "rx-" or "tx-"; mask file @file of
 * each OR-ed into @all; how many queues, and how many have a mask. */
static int queue_masks(const char *dev, const char *prefix, const char *file,
		       struct cpus *all, struct cpus *each, int max, int *set)
{
	static int qs[DIR_NUMS];
	char path[512], buf[1024];
	int i, n;

	*set = 0;
	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", dev);
	n = numbered_entries(path, prefix, qs);
	for (i = 0; i < n && i < DIR_NUMS; i++) {
		struct cpus c = {};

		snprintf(path, sizeof(path), "/sys/class/net/%s/queues/%s%d/%s",
			 dev, prefix, qs[i], file);
		if (read_file(path, buf, sizeof(buf)))
			continue;
		cpus_parse_mask(buf, &c);
		if (cpus_count(&c))
			(*set)++;
		cpus_or(all, &c);
		if (each && qs[i] < max)
			each[qs[i]] = c;
	}
	return n;
}

/* The CPUs of the device's interrupts (MSI vectors, or its one IRQ): an
 * affinity list, the effective one where the kernel has it. */
static int irq_cpus(const char *dev, struct cpus *c)
{
	static int irqs[DIR_NUMS];
	char path[512], buf[1024];
	int i, m, n = 0;

	snprintf(path, sizeof(path), "/sys/class/net/%s/device/msi_irqs", dev);
	m = numbered_entries(path, "", irqs);
	for (i = 0; i < m && i < DIR_NUMS; i++) {
		snprintf(path, sizeof(path),
			 "/proc/irq/%d/effective_affinity_list", irqs[i]);
		if (read_file(path, buf, sizeof(buf)) || !*buf ||
		    *buf == '\n') {
			snprintf(path, sizeof(path),
				 "/proc/irq/%d/smp_affinity_list", irqs[i]);
			if (read_file(path, buf, sizeof(buf)))
				continue;
		}
		if (!cpus_parse_list(buf, c))
			n++;
	}
	if (!n) {
		snprintf(path, sizeof(path), "/sys/class/net/%s/device/irq",
			 dev);
		if (!read_file(path, buf, sizeof(buf)) && atoi(buf) > 0) {
			char irq[32];

			snprintf(irq, sizeof(irq), "%d", atoi(buf));
			snprintf(path, sizeof(path),
				 "/proc/irq/%s/smp_affinity_list", irq);
			if (!read_file(path, buf, sizeof(buf)) &&
			    !cpus_parse_list(buf, c))
				n++;
		}
	}
	return n;
}

/* Where the uplink's XDP program runs, as far as can be told. */
struct rx_view {
	bool sysfs; /* sysfs shows this namespace's uplink */
	bool known; /* @rx is known */
	struct cpus rx, online;
	char how[64];
};

static void rx_view(struct json_object *u, struct rx_view *v, struct cpus *irq,
		    int *nirq, struct cpus *rps, int *nrxq, int *nrps)
{
	const char *dev = doctor_jstr(u, "device");
	bool generic = !strcmp(doctor_jstr(u, "mode"), "generic");

	memset(v, 0, sizeof(*v));
	memset(irq, 0, sizeof(*irq));
	memset(rps, 0, sizeof(*rps));
	*nirq = *nrxq = *nrps = 0;
	online_cpus(&v->online);
	v->sysfs = sysfs_ours(dev, doctor_jint(u, "ifindex"));
	if (!v->sysfs)
		return;
	*nirq = irq_cpus(dev, irq);
	*nrxq = queue_masks(dev, "rx-", "rps_cpus", rps, NULL, 0, nrps);
	/* Generic XDP runs after RPS: on the RPS CPUs of the queues that
	 * have them, on the receiving CPU for the others. */
	if (generic && *nrps) {
		v->rx = *rps;
		if (*nrps < *nrxq)
			cpus_or(&v->rx, irq);
		v->known = *nrps == *nrxq || *nirq;
		snprintf(v->how, sizeof(v->how), "RPS (generic XDP)");
	} else if (*nirq) {
		v->rx = *irq;
		v->known = true;
		snprintf(v->how, sizeof(v->how), "its IRQs");
	}
}

static void check_rx_cpus(struct report *r, struct json_object *u,
			  struct rx_view *v)
{
	const char *dev = doctor_jstr(u, "device");
	bool generic = !strcmp(doctor_jstr(u, "mode"), "generic");
	struct cpus irq, rps;
	int nirq, nrxq, nrps;
	char a[256];
	unsigned int online;

	rx_view(u, v, &irq, &nirq, &rps, &nrxq, &nrps);
	if (!v->sysfs) {
		doctor_report(r, C_IRQ, L_INFO, dev,
			      "/sys shows another network namespace's "
			      "devices: IRQ, RPS, XPS and queues not checked "
			      "(run it under 'ip netns exec')");
		return;
	}
	online = cpus_count(&v->online);
	if (!nirq)
		doctor_report(r, C_IRQ, L_INFO, dev,
			      "no interrupts of its own (a virtual device): "
			      "its frames are received on the sender's CPU");
	else if (cpus_count(&irq) == 1 && online > 1 && nrxq > 1)
		doctor_report(
			r, C_IRQ, L_WARN, dev,
			"all %d interrupts on CPU %s of %u online: spread "
			"them (irqbalance, or "
			"/proc/irq/N/smp_affinity_list)",
			nirq, cpus_fmt(&irq, a, sizeof(a)), online);
	else
		doctor_report(r, C_IRQ, L_OK, dev, "%d interrupts on CPUs %s",
			      nirq, cpus_fmt(&irq, a, sizeof(a)));

	if (!nrps)
		doctor_report(r, C_RPS, L_OK, dev, "RPS off");
	else if (!generic)
		doctor_report(r, C_RPS, L_INFO, dev,
			      "RPS on CPUs %s: native XDP runs before it; it "
			      "spreads only what XDP passes to the stack",
			      cpus_fmt(&rps, a, sizeof(a)));
	else if (cpus_count(&rps) == 1 && online > 1)
		doctor_report(r, C_RPS, L_WARN, dev,
			      "generic XDP runs on RPS CPU %s only, of %u "
			      "online: name more CPUs in "
			      "/sys/class/net/%s/queues/rx-*/rps_cpus",
			      cpus_fmt(&rps, a, sizeof(a)), online, dev);
	else
		doctor_report(r, C_RPS, L_OK, dev,
			      "generic XDP runs on RPS CPUs %s",
			      cpus_fmt(&rps, a, sizeof(a)));
}

#define XPS_QUEUES 256

static void check_xps(struct report *r, const char *dev)
{
	static struct cpus each[XPS_QUEUES];
	struct cpus all = {}, shared = {};
	int n, set, q, idle = 0, crowded = -1;
	char a[256];

	memset(each, 0, sizeof(each));
	n = queue_masks(dev, "tx-", "xps_cpus", &all, each, XPS_QUEUES, &set);
	if (!set) {
		doctor_report(r, C_XPS, L_OK, dev,
			      "XPS off: transmit queues by flow hash");
		return;
	}
	for (q = 0; q < n && q < XPS_QUEUES; q++) {
		if (!cpus_count(&each[q]))
			idle++;
		else if (cpus_count(&each[q]) > 1 && crowded < 0) {
			crowded = q;
			shared = each[q];
		}
	}
	if (idle && crowded >= 0)
		doctor_report(r, C_XPS, L_WARN, dev,
			      "CPUs %s send through tx-%d while %d of %d "
			      "transmit queues have no CPU: one CPU a queue in "
			      "/sys/class/net/%s/queues/tx-*/xps_cpus",
			      cpus_fmt(&shared, a, sizeof(a)), crowded, idle, n,
			      dev);
	else
		doctor_report(r, C_XPS, L_OK, dev,
			      "XPS maps CPUs %s over %d transmit queues",
			      cpus_fmt(&all, a, sizeof(a)), n);
}

/* ---- offloads (SIOCETHTOOL: the feature names and their state) ---------- */

/* Which of @names[] are active on @dev: bit i of @on; -errno. */
static int features_on(int fd, const char *dev, const char *const *names, int n,
		       unsigned int *on)
{
	struct {
		struct ethtool_sset_info hdr;
		__u32 len;
	} info = {.hdr = {.cmd = ETHTOOL_GSSET_INFO,
			  .sset_mask = 1ULL << ETH_SS_FEATURES}};
	struct ethtool_gstrings *str = NULL;
	struct ethtool_gfeatures *feat = NULL;
	__u32 count, blocks, i;
	int k, err;

	*on = 0;
	err = doctor_ethtool(fd, dev, &info);
	if (err)
		return err;
	count = info.hdr.sset_mask ? info.len : 0;
	blocks = (count + 31) / 32;
	str = calloc(1, sizeof(*str) + count * ETH_GSTRING_LEN);
	feat = calloc(1, sizeof(*feat) + blocks * sizeof(feat->features[0]));
	if (!str || !feat) {
		err = -ENOMEM;
		goto out;
	}
	str->cmd = ETHTOOL_GSTRINGS;
	str->string_set = ETH_SS_FEATURES;
	str->len = count;
	feat->cmd = ETHTOOL_GFEATURES;
	feat->size = blocks;
	err = doctor_ethtool(fd, dev, str);
	if (!err)
		err = doctor_ethtool(fd, dev, feat);
	for (i = 0; !err && i < count; i++)
		for (k = 0; k < n; k++)
			if (!strncmp((char *)str->data + i * ETH_GSTRING_LEN,
				     names[k], ETH_GSTRING_LEN) &&
			    feat->features[i / 32].active & (1U << (i % 32)))
				*on |= 1U << k;
out:
	free(str);
	free(feat);
	return err;
}

/* Has vmsteer a port that depends on seeing VLAN tags? */
static bool vlan_ports(struct json_object *ports)
{
	struct json_object *p, *v;
	size_t i;

	for (i = 0; ports && i < json_object_array_length(ports); i++) {
		p = json_object_array_get_idx(ports, i);
		if ((json_object_object_get_ex(p, "vlan", &v) && v) ||
		    (json_object_object_get_ex(p, "trunk", &v) && v))
			return true;
	}
	return false;
}

static void check_offloads(struct report *r, int fd, const char *dev,
			   struct json_object *ports)
{
	/* Feature names as ethtool -k prints them; the VLAN ones matter
	 * only to ports with VLANs. */
	static const char *const names[] = {"rx-gro-hw", "rx-vlan-hw-parse",
					    "rx-vlan-stag-hw-parse", "rx-fcs",
					    "rx-all"};
	static const unsigned int vlan_bits = 6;
	enum doctor_level l = L_OK;
	char on_s[200] = "", cmd[300] = "";
	unsigned int on, k;

	if (features_on(fd, dev, names, 5, &on))
		return;
	for (k = 0; k < 5; k++) {
		if (!(on & (1U << k)))
			continue;
		snprintf(on_s + strlen(on_s), sizeof(on_s) - strlen(on_s),
			 "%s%s", *on_s ? ", " : "", names[k]);
		snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd),
			 " %s off", names[k]);
		if (!((1U << k) & vlan_bits) || vlan_ports(ports))
			l = L_WARN;
		else if (l < L_INFO)
			l = L_INFO;
	}
	if (l == L_OK)
		doctor_report(r, C_OFFLOAD, L_OK, dev,
			      "no hardware GRO, VLAN stripping, rx-fcs or "
			      "rx-all");
	else
		doctor_report(r, C_OFFLOAD, l, dev, "%s on: ethtool -K %s%s%s",
			      on_s, dev, cmd,
			      l == L_INFO ? " (VLAN stripping matters once a "
					    "port has --vlan or --trunk)"
					  : "");
}

/* ---- drop counters (rtnetlink: IFLA_STATS64) ------------------------------ */

struct stats_find {
	int ifindex;
	struct rtnl_link_stats64 s;
	bool have;
};

static int stats_cb(const struct nlmsghdr *nh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nh);
	const struct nlattr *tb[IFLA_STATS64 + 1];
	struct stats_find *f = data;
	size_t len;

	if (ifi->ifi_index != f->ifindex)
		return MNL_CB_OK;
	vms_nl_attrs(nh, sizeof(*ifi), tb, IFLA_STATS64);
	len = tb[IFLA_STATS64] ? mnl_attr_get_payload_len(tb[IFLA_STATS64]) : 0;
	/* An older kernel's shorter struct: what it has, up to the misses. */
	if (len < offsetof(struct rtnl_link_stats64, rx_missed_errors) +
			  sizeof(__u64))
		return MNL_CB_OK;
	memcpy(&f->s, mnl_attr_get_payload(tb[IFLA_STATS64]),
	       len < sizeof(f->s) ? len : sizeof(f->s));
	f->have = true;
	return MNL_CB_OK;
}

static void check_drops(struct report *r, const char *dev, int ifindex)
{
	struct stats_find f = {.ifindex = ifindex};
	__u64 ring, lost, all;

	if (vms_nl_dump(RTM_GETLINK, AF_UNSPEC, "links", stats_cb, NULL, &f) ||
	    !f.have)
		return;
	ring = f.s.rx_missed_errors + f.s.rx_fifo_errors + f.s.rx_over_errors;
	lost = ring + f.s.rx_dropped;
	all = f.s.rx_packets + lost;
	if (!lost) {
		doctor_report(r, C_DROPS, L_OK, dev, "no drops in %llu frames",
			      (unsigned long long)f.s.rx_packets);
		return;
	}
	/* One in a thousand is worth acting on; fewer, worth knowing. */
	doctor_report(r, C_DROPS, lost * 1000 >= all ? L_WARN : L_INFO, dev,
		      "%llu of %llu frames dropped (rx_missed %llu, rx_fifo "
		      "%llu, rx_over %llu, rx_dropped %llu)%s",
		      (unsigned long long)lost, (unsigned long long)all,
		      (unsigned long long)f.s.rx_missed_errors,
		      (unsigned long long)f.s.rx_fifo_errors,
		      (unsigned long long)f.s.rx_over_errors,
		      (unsigned long long)f.s.rx_dropped,
		      ring ? ": a bigger RX ring (ethtool -G), more CPUs for "
			     "its interrupts"
			   : ": the stack's (backlog full, frames too big "
			     "for the MTU, unknown protocols)");
}

void doctor_uplink_net(struct report *r, int fd, struct json_object *u,
		       struct json_object *ports)
{
	const char *dev = doctor_jstr(u, "device");
	struct rx_view v;

	check_rx_cpus(r, u, &v);
	if (v.sysfs)
		check_xps(r, dev);
	check_offloads(r, fd, dev, ports);
	check_drops(r, dev, doctor_jint(u, "ifindex"));
}

/* ---- a port: its queues, the VM's vCPUs, the tap's master --------------- */

/* Queues attached to @tap (sysfs: tun's real queue count), or -1. */
static int tap_attached(const char *tap, __u32 ifindex)
{
	struct cpus all = {};
	int set;

	if (!sysfs_ours(tap, ifindex))
		return -1;
	return queue_masks(tap, "tx-", "xps_cpus", &all, NULL, 0, &set);
}

/* Who holds which tap: the tun fds of every process, read once. */
struct tap_fd {
	char tap[IFNAMSIZ];
	int pid;
};
static struct tap_fd *tap_fds;
static size_t n_tap_fds;

static int tap_fd_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tap_fd *)a)->tap,
		      ((const struct tap_fd *)b)->tap);
}

/* Every fd on /dev/net/tun with the tap its queue is attached to (tun's
 * fdinfo names it; a detached queue names none), sorted by tap. */
static void scan_tap_fds(void)
{
	char path[600], buf[512], link[64];
	struct dirent *p, *fd;
	size_t cap = 0;
	DIR *proc, *fds;
	ssize_t n;

	proc = opendir("/proc");
	while (proc && (p = readdir(proc))) {
		if (!isdigit((unsigned char)p->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", p->d_name);
		fds = opendir(path);
		while (fds && (fd = readdir(fds))) {
			struct tap_fd *t;
			char *iff;

			if (!isdigit((unsigned char)fd->d_name[0]))
				continue;
			snprintf(path, sizeof(path), "/proc/%s/fd/%s",
				 p->d_name, fd->d_name);
			n = readlink(path, link, sizeof(link) - 1);
			if (n < 0 ||
			    (link[n] = '\0', strcmp(link, "/dev/net/tun")))
				continue;
			snprintf(path, sizeof(path), "/proc/%s/fdinfo/%s",
				 p->d_name, fd->d_name);
			if (read_file(path, buf, sizeof(buf)) ||
			    !(iff = strstr(buf, "iff:\t")) || iff[5] == '\n')
				continue;
			if (n_tap_fds == cap) {
				cap = cap ? 2 * cap : 64;
				t = realloc(tap_fds, cap * sizeof(*t));
				if (!t)
					break;
				tap_fds = t;
			}
			t = &tap_fds[n_tap_fds++];
			snprintf(t->tap, sizeof(t->tap), "%.*s",
				 (int)strcspn(iff + 5, "\n"), iff + 5);
			t->pid = atoi(p->d_name);
		}
		if (fds)
			closedir(fds);
	}
	if (proc)
		closedir(proc);
	if (n_tap_fds)
		qsort(tap_fds, n_tap_fds, sizeof(*tap_fds), tap_fd_cmp);
}

/* A process with queues of @tap attached: its pid and vCPUs (threads
 * qemu names "CPU n/KVM" or "CPU n/TCG"); 0 when none is found. */
static int tap_holder(const char *tap, int *vcpus)
{
	static bool scanned;
	struct tap_fd key = {}, *t;
	char path[600], buf[64];
	struct dirent *d;
	DIR *task;

	*vcpus = 0;
	if (!scanned) {
		scan_tap_fds();
		scanned = true;
	}
	snprintf(key.tap, sizeof(key.tap), "%s", tap);
	t = n_tap_fds
		    ? bsearch(&key, tap_fds, n_tap_fds, sizeof(key), tap_fd_cmp)
		    : NULL;
	if (!t)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/task", t->pid);
	task = opendir(path);
	while (task && (d = readdir(task))) {
		snprintf(path, sizeof(path), "/proc/%d/task/%s/comm", t->pid,
			 d->d_name);
		if (!read_file(path, buf, sizeof(buf)) &&
		    !strncmp(buf, "CPU ", 4) && strchr(buf, '/'))
			(*vcpus)++;
	}
	if (task)
		closedir(task);
	return t->pid;
}

static void check_tap_queues(struct report *r, struct json_object *p)
{
	const char *tap = doctor_jstr(p, "tap");
	int steered = doctor_jint(p, "queues"), attached, pid, vcpus;

	attached = tap_attached(tap, doctor_jint(p, "ifindex"));
	if (attached < 0)
		return;
	pid = tap_holder(tap, &vcpus);
	if (steered > attached)
		doctor_report(r, C_TAPQ, L_FAIL, tap,
			      "vmsteer steers to %d queues, the tap has %d "
			      "attached: the guest enabled fewer (ethtool -L "
			      "IFACE combined %d in the guest) or 'vmsteer "
			      "rss set %s --queues %d'",
			      steered, attached, steered, tap, attached);
	else if (!pid)
		doctor_report(r, C_TAPQ, L_INFO, tap,
			      "%d queue%s, no process holds them (no VM)",
			      attached, attached == 1 ? "" : "s");
	else if (vcpus > 1 && attached == 1)
		doctor_report(r, C_TAPQ, L_WARN, tap,
			      "1 queue for %d vCPUs (pid %d): <driver "
			      "queues='%d'/> in the domain's interface and "
			      "'vmsteer port add %s ... --queues %d'",
			      vcpus, pid, vcpus, tap, vcpus);
	else if (vcpus && attached != vcpus)
		doctor_report(r, C_TAPQ, L_INFO, tap,
			      "%d queues for %d vCPUs (pid %d)", attached,
			      vcpus, pid);
	else
		doctor_report(r, C_TAPQ, L_OK, tap,
			      "%d queue%s%s, held by pid %d%s", attached,
			      attached == 1 ? "" : "s",
			      steered ? " steered" : "", pid,
			      vcpus ? " (one a vCPU)" : "");
}

/* Frames for a multi-queue port that XDP redirects: which queues the
 * uplink's receive CPUs reach, or the CPUMAP CPUs' state. */
static void check_xdp_queues(struct report *r, struct json_object *p,
			     const struct rx_view *v)
{
	const char *tap = doctor_jstr(p, "tap");
	unsigned int n = doctor_jint(p, "queues"), c;
	struct cpus reach = {}, cpumap = {}, both = {};
	char a[256], b[256];
	unsigned int i;

	if (n < 1 || !v->sysfs)
		return;
	if (!strcmp(doctor_jstr(p, "xdp_steer"), "cpumap")) {
		for (c = 0; c < n; c++)
			cpus_set(&cpumap, c);
		for (c = 0; c < n; c++)
			if (!cpus_has(&v->online, c))
				break;
		if (c < n) {
			doctor_report(r, C_XDPQ, L_FAIL, tap,
				      "CPU %u is offline: frames for queue %u "
				      "are not delivered (echo 1 > "
				      "/sys/devices/system/cpu/cpu%u/online)",
				      c, c, c);
			return;
		}
		for (i = 0; i < CPUS_MAX / 64; i++)
			both.b[i] = cpumap.b[i] & v->rx.b[i];
		if (v->known && cpus_count(&both) && cpus_count(&v->online) > n)
			doctor_report(r, C_XDPQ, L_WARN, tap,
				      "CPUs %s take both the uplink's receive "
				      "(%s) and the CPUMAP hand-over: move the "
				      "uplink's receive to CPUs %u and up",
				      cpus_fmt(&both, a, sizeof(a)), v->how, n);
		else
			doctor_report(
				r, C_XDPQ, L_OK, tap, "CPUMAP CPUs %s online%s",
				cpus_fmt(&cpumap, a, sizeof(a)),
				cpus_count(&both) ? " (they also receive: "
						    "no other CPU is "
						    "left)"
						  : "");
		return;
	}
	if (n < 2)
		return;
	if (!v->known) {
		doctor_report(r, C_XDPQ, L_INFO, tap,
			      "%u queues: frames XDP redirects land on queue "
			      "(sending CPU mod %u); --xdp-steer cpumap steers "
			      "them",
			      n, n);
		return;
	}
	for (c = 0; c < CPUS_MAX; c++)
		if (cpus_has(&v->rx, c) && cpus_has(&v->online, c))
			cpus_set(&reach, c % n);
	if (cpus_count(&reach) < n)
		doctor_report(r, C_XDPQ, L_WARN, tap,
			      "frames XDP redirects land on queue%s %s of %u "
			      "only (the uplink receives on CPUs %s, by %s): "
			      "spread the uplink's receive over more CPUs, or "
			      "--xdp-steer cpumap",
			      cpus_count(&reach) == 1 ? "" : "s",
			      cpus_fmt(&reach, a, sizeof(a)), n,
			      cpus_fmt(&v->rx, b, sizeof(b)), v->how);
	else
		doctor_report(r, C_XDPQ, L_OK, tap,
			      "frames XDP redirects reach all %u queues (the "
			      "uplink receives on CPUs %s)",
			      n, cpus_fmt(&v->rx, a, sizeof(a)));
}

/* Does the bridge take what vmsteer's port @p (port list --json) takes? */
static bool bridge_agrees(const struct vms_tap_master *m, struct json_object *p)
{
	struct json_object *vlan, *trunk;
	struct vmst_trunk vids = {};

	if (json_object_object_get_ex(p, "vlan", &vlan) && vlan)
		return vms_tap_vlans_agree(m, json_object_get_int(vlan), NULL);
	if (json_object_object_get_ex(p, "trunk", &trunk) && trunk &&
	    vms_parse_vids("trunk", json_object_get_string(trunk), &vids))
		return false;
	return vms_tap_vlans_agree(m, 0, &vids);
}

static void check_master(struct report *r, struct json_object *p)
{
	const char *tap = doctor_jstr(p, "tap");
	struct vms_tap_master m;
	char why[400], vl[300];
	int err;

	if (vms_tap_master(doctor_jint(p, "ifindex"), &m))
		return;
	if (!*m.name)
		doctor_report(r, C_MASTER, L_OK, tap, "no master");
	else if (!strcmp(m.kind, "openvswitch"))
		doctor_report(r, C_MASTER, L_FAIL, tap,
			      "a port of Open vSwitch (%s): its flows do not "
			      "apply to frames vmsteer redirects; leave the VM "
			      "off the fast path or move it to a Linux bridge",
			      m.name);
	else if (strcmp(m.kind, "bridge"))
		doctor_report(r, C_MASTER, L_INFO, tap,
			      "master %s is a %s, not a bridge", m.name,
			      *m.kind ? m.kind : "device");
	else if (!m.vlan_filtering)
		doctor_report(r, C_MASTER, L_OK, tap,
			      "bridge %s, no VLAN filtering", m.name);
	else {
		vms_tap_vlans_fmt(&m, vl, sizeof(vl));
		if (bridge_agrees(&m, p))
			doctor_report(r, C_MASTER, L_OK, tap,
				      "bridge %s filters VLANs as the port "
				      "does (%s)",
				      m.name, vl);
		else
			doctor_report(r, C_MASTER, L_WARN, tap,
				      "bridge %s filters VLANs (%s on %s), "
				      "vmsteer's port differs and frames it "
				      "redirects skip the filter: give the "
				      "port the bridge's VLANs (--vlan, "
				      "--trunk)",
				      m.name, vl, tap);
	}

	err = vms_tap_nft(tap, why, sizeof(why));
	if (err > 0)
		doctor_report(r, C_NFT, L_FAIL, tap, "%s", why);
	else if (err < 0)
		doctor_report(r, C_NFT, L_INFO, tap, "%s", why);
	else
		doctor_report(r, C_NFT, L_OK, tap,
			      "no nftables rule names the tap");
}

void doctor_port_net(struct report *r, struct json_object *p,
		     struct json_object *uplink)
{
	struct cpus irq, rps;
	int nirq, nrxq, nrps;
	struct rx_view v;

	check_tap_queues(r, p);
	if (uplink) {
		rx_view(uplink, &v, &irq, &nirq, &rps, &nrxq, &nrps);
		check_xdp_queues(r, p, &v);
	}
	check_master(r, p);
}
