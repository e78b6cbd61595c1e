// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vmsteer doctor: checks this host against what makes the fast path and
 * the VMs' networking fast and correct, one finding a line, each with the
 * reason it matters and what to change. The state's own view comes from
 * `vmsteer status` and `port list` (run as this program, --json); the
 * host's from the kernel: uname, sysfs/procfs files that are not per
 * network namespace, SIOCETHTOOL and interface ioctls and netlink
 * (rtnetlink qdiscs, the netdev generic netlink family's xdp_features),
 * which are.
 */
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <linux/ethtool.h>
#include <linux/genetlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>

#include <libmnl/libmnl.h>

#include "cli/cli.h"
#include "load/bypass.h"
#include "cli/doctor.h"
#include "util/nl.h"
#include "cli/output.h"
#include "load/probe.h"
#include "util/log.h"
#include "util/netdev.h"

const char cmd_doctor_usage[] =
	"Usage: vmsteer doctor\n\n"
	"Check this host and this network namespace's uplinks and ports "
	"against what\nmakes the fast path and the VMs' networking fast and "
	"correct: one line per\nfinding (ok, info, warn, fail), what to "
	"change, and with --json the reason\neach check exists. The checks: "
	"kernel (version, BTF), vhost-net, br_netfilter,\ntuned; per uplink: "
	"XDP mode, the driver's xdp_features, LRO, GRO, RX ring\nsize, "
	"interrupt and RPS CPUs, XPS, offloads, drop counters; per port: tap\n"
	"program, MTU against the uplink's, transmit queue length, attached "
	"queues\nagainst vmsteer's and the VM's vCPUs, the tap queues XDP "
	"frames reach (or the\nCPUMAP CPUs), what the fast path would bypass "
	"(a root qdisc that shapes, an\nnwfilter binding, nftables rules "
	"naming the tap, Open vSwitch, a bridge's VLAN\nfiltering); and what "
	"'vmsteer status' says needs attention.\n\n"
	"Exit status: 0 when every finding is ok or info; 3 when one is warn "
	"or fail;\n1 on errors.\n";

static const char *const level_name[] = {"ok", "info", "warn", "fail"};

static const struct {
	const char *name;
	const char *reason;
} checks[DOCTOR_CHECK_MAX] = {
#define DOCTOR_X_ROW(id, name, reason) [id] = {name, reason},
	DOCTOR_CHECKS(DOCTOR_X_ROW)
#undef DOCTOR_X_ROW
};

void doctor_report(struct report *r, enum doctor_check id, enum doctor_level l,
		   const char *object, const char *fmt, ...)
{
	const typeof(checks[0]) *c = &checks[id];
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if ((int)l > r->worst)
		r->worst = l;
	if (r->arr) {
		struct json_object *o = json_object_new_object();

		vms_json_str(o, "check", c->name);
		vms_json_str(o, "object", object);
		vms_json_str(o, "level", level_name[l]);
		vms_json_str(o, "message", msg);
		vms_json_str(o, "reason", c->reason);
		json_object_array_add(r->arr, o);
	} else {
		printf("%-4s %-14s %s%s%s\n", level_name[l], c->name, object,
		       *object ? ": " : "", msg);
	}
}

/* ---- the state, through this program's own JSON ---------------------- */

/* Run this program with @args (--json and the pin path added); its JSON. */
static struct json_object *self_json(const struct vms_cli *cli,
				     const char *args)
{
	char self[4096], cmd[4096 + 512];
	struct json_object *o;
	char *buf = NULL;
	size_t len = 0;
	FILE *out, *p;
	ssize_t n;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return NULL;
	self[n] = '\0';
	if (strchr(self, '\'') || strchr(cli->pin_path, '\''))
		return NULL;
	snprintf(cmd, sizeof(cmd), "'%s' --json --pin-path '%s' %s 2>/dev/null",
		 self, cli->pin_path, args);
	p = popen(cmd, "r");
	if (!p)
		return NULL;
	out = open_memstream(&buf, &len);
	if (out) {
		char chunk[4096];
		size_t got;

		while ((got = fread(chunk, 1, sizeof(chunk), p)) > 0)
			fwrite(chunk, 1, got, out);
		fclose(out);
	}
	pclose(p);
	o = buf ? json_tokener_parse(buf) : NULL;
	free(buf);
	return o;
}

const char *doctor_jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v)
						     : "";
}

int64_t doctor_jint(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v)
						     : 0;
}

/* ---- host files -------------------------------------------------------- */

static int read_line(const char *path, char *out, size_t len)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	if (!fgets(out, len, f))
		out[0] = '\0';
	fclose(f);
	out[strcspn(out, "\n")] = '\0';
	return 0;
}

static void check_kernel(struct report *r)
{
	struct utsname u;
	int major = 0, minor = 0, probe;

	uname(&u);
	sscanf(u.release, "%d.%d", &major, &minor);
	if (access("/sys/kernel/btf/vmlinux", R_OK))
		doctor_report(
			r, C_KERNEL, L_FAIL, "",
			"%s without BTF "
			"(/sys/kernel/btf/vmlinux): boot a kernel built with "
			"CONFIG_DEBUG_INFO_BTF",
			u.release);
	/* The features attach probes (user/load/probe.c); unprivileged, none. */
	else if ((probe = vms_probe_features(vms_features)) &&
		 probe != -EPERM && probe != -EACCES)
		doctor_report(r, C_KERNEL, L_FAIL, "", "%s", vms_last_error());
	else if (major < 6 || (major == 6 && minor < 1))
		doctor_report(r, C_KERNEL, L_WARN, "",
			      "%s with BTF: older than 6.1, the oldest tested",
			      u.release);
	else
		doctor_report(r, C_KERNEL, L_OK, "", "%s with BTF", u.release);
}

/* tuned's active profile: those made for throughput or a hypervisor are
 * ok, power saving is not. */
static void tuned_profile(struct report *r, const char *v)
{
	static const char *const good[] = {
		"virtual-host", "throughput-performance", "latency-performance",
		"network-latency", "network-throughput"};
	unsigned int i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!strcmp(v, good[i])) {
			doctor_report(r, C_TUNED, L_OK, "", "active profile %s",
				      v);
			return;
		}
	doctor_report(r, C_TUNED,
		      strstr(v, "powersave") || !*v ? L_WARN : L_INFO, "",
		      "active profile %s: tuned-adm profile virtual-host "
		      "suits a hypervisor",
		      *v ? v : "none");
}

static void check_host(struct report *r)
{
	static const char *const brnf[] = {"iptables", "ip6tables",
					   "arptables"};
	char path[128], v[64], on[64] = "";
	unsigned int i;

	if (access("/dev/vhost-net", F_OK))
		doctor_report(r, C_VHOST, L_WARN, "",
			      "/dev/vhost-net missing: modprobe vhost_net");
	else
		doctor_report(r, C_VHOST, L_OK, "", "/dev/vhost-net present");

	/* bridge-nf-call-* are per network namespace (procfs is too). */
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path),
			 "/proc/sys/net/bridge/bridge-nf-call-%s", brnf[i]);
		if (!read_line(path, v, sizeof(v)) && !strcmp(v, "1"))
			snprintf(on + strlen(on), sizeof(on) - strlen(on),
				 "%s%s", *on ? "," : "", brnf[i]);
	}
	if (*on)
		doctor_report(
			r, C_BRNF, L_WARN, "",
			"bridge-nf-call-%s on: set net.bridge.bridge-nf-call-* "
			"= 0 unless the host filters bridged traffic",
			on);
	else
		doctor_report(r, C_BRNF, L_OK, "", "off");

	if (!read_line("/etc/tuned/active_profile", v, sizeof(v)))
		tuned_profile(r, v);
}

/* ---- devices ----------------------------------------------------------- */

static int ifreq_ioctl(int fd, const char *dev, unsigned long req,
		       struct ifreq *ifr)
{
	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", dev);
	return ioctl(fd, req, ifr) ? -errno : 0;
}

int doctor_ethtool(int fd, const char *dev, void *cmd)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	ifr.ifr_data = cmd;
	return ioctl(fd, SIOCETHTOOL, &ifr) ? -errno : 0;
}

static void check_uplink(struct report *r, int fd, struct json_object *u)
{
	const char *dev = doctor_jstr(u, "device"),
		   *mode = doctor_jstr(u, "mode");
	struct ethtool_value lro = {.cmd = ETHTOOL_GFLAGS};
	struct ethtool_value gro = {.cmd = ETHTOOL_GGRO};
	struct ethtool_ringparam ring = {.cmd = ETHTOOL_GRINGPARAM};
	__u64 feat = 0;
	int err;

	if (!strcmp(mode, "generic"))
		doctor_report(
			r, C_XDP_MODE, L_WARN, dev,
			"generic XDP: 'vmsteer attach %s --mode native' on a "
			"driver with native XDP",
			dev);
	else
		doctor_report(r, C_XDP_MODE, L_OK, dev, "%s XDP", mode);

	err = vms_xdp_features(doctor_jint(u, "ifindex"), &feat);
	if (err)
		doctor_report(
			r, C_XDP_FEAT, L_INFO, dev,
			"the kernel does not report the driver's xdp_features");
	else if ((feat & (NETDEV_XDP_ACT_BASIC | NETDEV_XDP_ACT_REDIRECT)) !=
		 (NETDEV_XDP_ACT_BASIC | NETDEV_XDP_ACT_REDIRECT))
		doctor_report(
			r, C_XDP_FEAT, L_WARN, dev,
			"the driver has no native XDP%s (xdp_features 0x%llx): "
			"generic mode only",
			feat & NETDEV_XDP_ACT_BASIC ? " redirect" : "",
			(unsigned long long)feat);
	else
		doctor_report(r, C_XDP_FEAT, L_OK, dev,
			      "native XDP: basic, redirect%s",
			      feat & NETDEV_XDP_ACT_NDO_XMIT ? ", ndo_xmit"
							     : "");

	if (!doctor_ethtool(fd, dev, &lro)) {
		if (lro.data & ETH_FLAG_LRO)
			doctor_report(r, C_LRO, L_FAIL, dev,
				      "LRO on: ethtool -K %s lro off", dev);
		else
			doctor_report(r, C_LRO, L_OK, dev, "LRO off");
	}
	if (!doctor_ethtool(fd, dev, &gro)) {
		if (gro.data && !strcmp(mode, "generic"))
			doctor_report(
				r, C_GRO, L_INFO, dev,
				"GRO on with generic XDP: merged frames take the "
				"tc path (ethtool -K %s gro off trades the "
				"bridge path's gain for XDP's)",
				dev);
		else
			doctor_report(r, C_GRO, L_OK, dev, "GRO %s",
				      gro.data ? "on" : "off");
	}
	if (!doctor_ethtool(fd, dev, &ring) && ring.rx_max_pending) {
		if (ring.rx_pending < ring.rx_max_pending)
			doctor_report(
				r, C_RING, L_WARN, dev,
				"RX ring %u of at most %u: ethtool -G %s rx %u",
				ring.rx_pending, ring.rx_max_pending, dev,
				ring.rx_max_pending);
		else
			doctor_report(r, C_RING, L_OK, dev,
				      "RX ring %u (the most)", ring.rx_pending);
	}
}

static void check_port(struct report *r, int fd, struct json_object *p,
		       int uplink_mtu, const char *uplink)
{
	const char *tap = doctor_jstr(p, "tap");
	struct json_object *v;
	struct ifreq ifr;
	char why[400];
	int mtu, err;

	if (json_object_object_get_ex(p, "tc", &v) &&
	    !json_object_get_boolean(v))
		doctor_report(
			r, C_TC, L_FAIL, tap,
			"no tap program: 'vmsteer attach UPLINK' adds it");
	else
		doctor_report(r, C_TC, L_OK, tap, "tap program attached");

	mtu = ifreq_ioctl(fd, tap, SIOCGIFMTU, &ifr) ? 0 : ifr.ifr_mtu;
	if (mtu && uplink_mtu && mtu != uplink_mtu)
		doctor_report(r, C_MTU, L_WARN, tap,
			      "MTU %d, uplink %s %d: give both the same MTU",
			      mtu, uplink, uplink_mtu);
	else if (mtu && uplink_mtu)
		doctor_report(r, C_MTU, L_OK, tap, "MTU %d as %s", mtu, uplink);

	if (!ifreq_ioctl(fd, tap, SIOCGIFTXQLEN, &ifr)) {
		if (ifr.ifr_qlen < 500)
			doctor_report(
				r, C_TXQ, L_WARN, tap,
				"txqueuelen %d: ip link set %s txqueuelen 1000",
				ifr.ifr_qlen, tap);
		else
			doctor_report(r, C_TXQ, L_OK, tap, "txqueuelen %d",
				      ifr.ifr_qlen);
	}

	err = vms_tap_shaping(doctor_jint(p, "ifindex"), why, sizeof(why));
	if (err > 0)
		doctor_report(r, C_QDISC, L_FAIL, tap, "%s", why);
	else if (!err)
		doctor_report(r, C_QDISC, L_OK, tap, "no root qdisc shaping");
	if (vms_tap_nwfilter(tap, why, sizeof(why)) > 0)
		doctor_report(r, C_NWFILTER, L_FAIL, tap, "%s", why);
	else
		doctor_report(r, C_NWFILTER, L_OK, tap,
			      "no libvirt nwfilter binding");
}

int cmd_doctor(const struct vms_cli *cli, int argc, char **argv)
{
	struct json_object *st, *ports, *ups, *att, *u, *first = NULL;
	struct report r = {};
	const char *uplink = "";
	int fd, uplink_mtu = 0;
	struct ifreq ifr;
	size_t i;

	(void)argv;
	if (argc != 1)
		return vms_usage_err("doctor", "takes no arguments");
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return vms_err(-errno, "socket: %s", strerror(errno));
	if (vms_json)
		r.arr = json_object_new_array();

	check_kernel(&r);
	check_host(&r);

	st = self_json(cli, "status");
	ports = self_json(cli, "port list");
	if (!st) {
		doctor_report(&r, C_STATUS, L_FAIL, "",
			      "'vmsteer status' failed");
	} else {
		if (json_object_object_get_ex(st, "uplinks", &ups))
			for (i = 0; i < json_object_array_length(ups); i++) {
				u = json_object_array_get_idx(ups, i);
				if (doctor_jint(u, "netns_ino") !=
				    vms_netns_ino())
					continue;
				check_uplink(&r, fd, u);
				doctor_uplink_net(&r, fd, u, ports);
				if (!first)
					first = u;
				if (!*uplink &&
				    !ifreq_ioctl(fd, doctor_jstr(u, "device"),
						 SIOCGIFMTU, &ifr)) {
					uplink = doctor_jstr(u, "device");
					uplink_mtu = ifr.ifr_mtu;
				}
			}
		if (json_object_object_get_ex(st, "attention", &att) &&
		    json_object_array_length(att)) {
			for (i = 0; i < json_object_array_length(att); i++)
				doctor_report(
					&r, C_STATUS, L_FAIL,
					doctor_jstr(json_object_array_get_idx(
							    att, i),
						    "object"),
					"%s",
					doctor_jstr(json_object_array_get_idx(
							    att, i),
						    "message"));
		} else {
			doctor_report(&r, C_STATUS, L_OK, "",
				      doctor_jint(st, "initialised")
					      ? "nothing needs "
						"attention"
					      : "no state yet");
		}
	}
	for (i = 0; ports && i < json_object_array_length(ports); i++) {
		struct json_object *p = json_object_array_get_idx(ports, i);

		if (!strcmp(doctor_jstr(p, "state"), "ok")) {
			check_port(&r, fd, p, uplink_mtu, uplink);
			doctor_port_net(&r, p, first);
		}
	}
	close(fd);
	json_object_put(st);
	json_object_put(ports);
	if (r.arr) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "findings", r.arr);
		vms_json_bool(o, "healthy", r.worst < L_WARN);
		vms_json_print(o);
	}
	return r.worst >= L_WARN ? VMS_EXIT_ATTENTION : 0;
}
