// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vmsteer monitor: sampled pass and drop events from the uplink program's
 * ring buffer, printed one per line or written as a pcap.
 *
 * One monitor runs per state at a time. It claims vmst_mon_ctl under the
 * state lock, renews a lease in it every second, and clears it on exit
 * (SIGINT, SIGTERM, SIGHUP, --count reached, output closed). A monitor
 * that dies without clearing it stops getting events when its lease ends
 * (VMS_MON_LEASE_NS); the next monitor takes the entry over.
 */
#include <dlfcn.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
/* pcap's own struct bpf_insn would clash with the kernel's. */
#define PCAP_DONT_INCLUDE_PCAP_BPF_H
#include <pcap/dlt.h>
#include <pcap/pcap.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "core/counters.h"
#include "core/ports.h"
#include "core/state.h"
#include "load/uplink.h"
#include "util/log.h"
#include "util/netdev.h"

/*
 * libpcap writes --pcap files. It is loaded then, not linked: Debian's
 * libpcap pulls libdbus and libsystemd in, which every other CLI call
 * (libvirt hooks among them) would load for nothing.
 */
#define VMS_LIBPCAP "libpcap.so.0.8"
static struct {
	typeof(&pcap_open_dead) open_dead;
	typeof(&pcap_dump_open) dump_open;
	typeof(&pcap_geterr) geterr;
	typeof(&pcap_dump) dump;
	typeof(&pcap_dump_flush) dump_flush;
	typeof(&pcap_dump_close) dump_close;
	typeof(&pcap_close) close;
} pc;

static int pcap_load(void)
{
	void *so = dlopen(VMS_LIBPCAP, RTLD_NOW | RTLD_LOCAL);

	if (!so)
		return vms_err(-ENOENT,
			       "--pcap: %s is not installed (apt install "
			       "libpcap0.8)",
			       VMS_LIBPCAP);
	*(void **)&pc.open_dead = dlsym(so, "pcap_open_dead");
	*(void **)&pc.dump_open = dlsym(so, "pcap_dump_open");
	*(void **)&pc.geterr = dlsym(so, "pcap_geterr");
	*(void **)&pc.dump = dlsym(so, "pcap_dump");
	*(void **)&pc.dump_flush = dlsym(so, "pcap_dump_flush");
	*(void **)&pc.dump_close = dlsym(so, "pcap_dump_close");
	*(void **)&pc.close = dlsym(so, "pcap_close");
	if (!pc.open_dead || !pc.dump_open || !pc.geterr || !pc.dump ||
	    !pc.dump_flush || !pc.dump_close || !pc.close)
		return vms_err(-ENOENT, "--pcap: %s lacks pcap_dump_open",
			       VMS_LIBPCAP);
	return 0;
}

/* Lease of a running monitor, renewed every VMS_MON_RENEW_NS. */
#define VMS_MON_LEASE_NS (3ULL * 1000000000ULL)
#define VMS_MON_RENEW_NS (1ULL * 1000000000ULL)
/* Longest wait for events before looking at signals and the lease. */
#define VMS_MON_POLL_MS 200

const char cmd_monitor_usage[] =
	"Usage: vmsteer monitor [--pcap FILE] [--port TAP] [--reason R[,R...]]"
	"\n                       [--sample N] [--count N]\n\n"
	"Stream sampled events for the frames the uplink program passes to "
	"the\nkernel or drops, and for the frames VMs send that the tap "
	"programs drop\nor leave to the bridge (never for frames they "
	"forward): time, device\n(the uplink, or the tap a VM sent on), port "
	"(\"-\" when none), reason,\nCPU, the frame's length and its first "
	"128 bytes in hex; with --json one\nJSON object per line. "
	"Stops on Ctrl-C, SIGTERM or\nafter --count events, and then turns "
	"the events off again.\n\n"
	"  --pcap FILE    write the frames to FILE as a pcap instead (\"-\": "
	"stdout),\n"
	"                 128-byte snap length, original lengths kept\n"
	"  --port TAP     only frames counted under that port: what its VM "
	"sent\n"
	"                 (spoof_*, rogue_*, vm_*), and too_big, no_target,\n"
	"                 drop_no_target from the uplink; default all\n"
	"  --reason R     only these reasons (repeat or comma-separate); "
	"default all\n"
	"  --sample N     one event in N per reason and CPU, 1..1000000 "
	"(default 1:\n"
	"                 every frame); events the ring cannot take are "
	"counted as lost\n"
	"  --count N      stop after N events\n\n"
	"One monitor runs per state at a time; a second one is refused while "
	"the\nfirst is alive. A monitor killed without cleaning up stops "
	"getting events\nwithin 3 seconds; 'vmsteer status' shows it, and "
	"the next monitor clears it.\n\nReasons:\n"
#define VMS_X_DOC(name, dir, kind, label, help) "  " label ": " help "\n"
	VMST_REASONS(VMS_X_DOC)
#undef VMS_X_DOC
	;

static volatile sig_atomic_t stop_sig;

static void on_signal(int sig)
{
	stop_sig = sig;
}

struct mon {
	struct vms_state st;
	struct vmst_mon_ctl ctl; /* what this monitor wrote */
	bool open;		 /* st is */
	struct ring_buffer *rb;
	const struct vmst_port_cfg *cfg; /* vms_port_table */
	time_t cfg_read;
	pcap_t *pcap;
	pcap_dumper_t *dump;
	__s64 mono_to_real; /* add to a CLOCK_MONOTONIC time: realtime */
	unsigned long long events, max_events;
	int out_err;
	bool owner;
	bool discard; /* draining events a dead monitor left behind */
	__u32 last_ifindex;
	char last_ifname[IF_NAMESIZE];
};

static __u64 now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int parse_reasons(char *arg, __u32 *mask)
{
	char valid[400] = "", *tok, *save = NULL;
	int i;

	for (tok = strtok_r(arg, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < VMST_R_MAX; i++)
			if (!strcmp(tok, vms_reason_labels[i]))
				break;
		if (i < VMST_R_MAX) {
			*mask |= 1U << i;
			continue;
		}
		for (i = 0; i < VMST_R_MAX; i++) {
			strcat(valid, i ? ", " : "");
			strcat(valid, vms_reason_labels[i]);
		}
		return vms_err(-EINVAL, "unknown reason '%s' (valid: %s)", tok,
			       valid);
	}
	return 0;
}

static int parse_count(const char *opt, const char *s, unsigned long long min,
		       unsigned long long max, unsigned long long *out)
{
	if (vms_parse_uint(s, max, out) || *out < min)
		return vms_err(-EINVAL, "%s %s: expected a number %llu..%llu",
			       opt, s, min, max);
	return 0;
}

static const char *port_name(struct mon *m, __u32 idx)
{
	time_t now = time(NULL);

	if (!idx || idx >= VMST_MAX_PORTS)
		return NULL;
	/* A port added since: read the records again, at most once a second. */
	if (!vms_port_in_use(&m->cfg[idx]) && now != m->cfg_read) {
		m->cfg_read = now;
		vms_port_table(&m->st.maps, &m->cfg);
	}
	if (!vms_port_in_use(&m->cfg[idx]))
		return NULL;
	return m->cfg[idx].name;
}

static const char *uplink_name(struct mon *m, __u32 ifindex)
{
	if (ifindex != m->last_ifindex || !m->last_ifname[0]) {
		m->last_ifindex = ifindex;
		if (!if_indextoname(ifindex, m->last_ifname))
			snprintf(m->last_ifname, sizeof(m->last_ifname), "if%u",
				 ifindex);
	}
	return m->last_ifname;
}

static void format_time(__u64 real_ns, char *out, size_t len)
{
	time_t sec = real_ns / 1000000000ULL;
	struct tm tm;
	size_t n;

	gmtime_r(&sec, &tm);
	n = strftime(out, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, len - n, ".%06lluZ",
		 (unsigned long long)(real_ns % 1000000000ULL) / 1000);
}

static int on_event(void *ctx, void *data, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	const struct vmst_mon_event *e = data;
	char ts[40], bytes[2 * VMST_MON_SNAP + 1];
	struct mon *m = ctx;
	const char *port, *hook;
	__u64 real;
	__u32 i, cap;

	if (size < offsetof(struct vmst_mon_event, hook) || m->out_err ||
	    m->discard)
		return 0;
	if (m->max_events && m->events >= m->max_events)
		return 0;
	cap = e->caplen < VMST_MON_SNAP ? e->caplen : VMST_MON_SNAP;
	real = e->ts_ns + m->mono_to_real;
	/* An older build's program writes no hook. */
	hook = size < sizeof(*e)	  ? "unknown"
	       : e->hook == VMST_HOOK_XDP ? "xdp"
	       : e->hook == VMST_HOOK_TC  ? "tc"
					  : "unknown";

	if (m->dump) {
		struct pcap_pkthdr h = {
			.ts.tv_sec = real / 1000000000ULL,
			.ts.tv_usec = (real % 1000000000ULL) / 1000,
			.caplen = cap,
			.len = e->len,
		};

		pc.dump((u_char *)m->dump, &h, e->data);
		if (pc.dump_flush(m->dump))
			m->out_err = -EIO;
		else
			m->events++;
		return 0;
	}

	for (i = 0; i < cap; i++) {
		bytes[2 * i] = hex[e->data[i] >> 4];
		bytes[2 * i + 1] = hex[e->data[i] & 15];
	}
	bytes[2 * cap] = '\0';
	format_time(real, ts, sizeof(ts));
	port = port_name(m, e->port);
	if (vms_json) {
		struct json_object *o = json_object_new_object();

		vms_json_str(o, "time", ts);
		vms_json_str(o, "device", uplink_name(m, e->ifindex));
		/* "uplink" for frames from the wire, as it always was. */
		if (!vms_reason_from_vm(e->reason))
			vms_json_str(o, "uplink", uplink_name(m, e->ifindex));
		vms_json_str(o, "direction",
			     vms_reason_from_vm(e->reason) ? "from_vm"
							   : "from_wire");
		vms_json_u64(o, "ifindex", e->ifindex);
		vms_json_str(o, "port", port);
		vms_json_u64(o, "port_index", e->port);
		vms_json_str(o, "reason",
			     e->reason < VMST_R_MAX
				     ? vms_reason_labels[e->reason]
				     : "unknown");
		vms_json_str(o, "hook", hook);
		vms_json_u64(o, "cpu", e->cpu);
		vms_json_u64(o, "len", e->len);
		vms_json_u64(o, "caplen", cap);
		vms_json_str(o, "data", bytes);
		if (puts(json_object_to_json_string_ext(
			    o, JSON_C_TO_STRING_PLAIN)) < 0)
			m->out_err = -EIO;
		json_object_put(o);
	} else if (printf("%s %s %s %s hook=%s cpu=%u len=%u %s\n", ts,
			  uplink_name(m, e->ifindex), port ? port : "-",
			  e->reason < VMST_R_MAX ? vms_reason_labels[e->reason]
						 : "unknown",
			  hook, e->cpu, e->len, bytes) < 0) {
		m->out_err = -EIO;
	}
	if (!m->out_err && fflush(stdout))
		m->out_err = -EIO;
	if (!m->out_err)
		m->events++; /* written */
	return 0;
}

static int ctl_fail(const char *what)
{
	return vms_err(-errno, "map %s: cannot %s: %s", VMST_MAP_MON_CTL, what,
		       strerror(errno));
}

/* Under the state lock: does another live monitor hold the entry? */
static int claim(struct mon *m)
{
	int fd = m->st.maps.fd[VMS_MAP_MON_CTL], ncpus, err = 0;
	struct vmst_mon_ctl cur;
	__u32 zero = 0;

	if (flock(m->st.lock_fd, LOCK_EX))
		return vms_err(-errno, "pin path %s: cannot lock: %s",
			       m->st.pin_path, strerror(errno));
	if (bpf_map_lookup_elem(fd, &zero, &cur)) {
		err = ctl_fail("read");
		goto out;
	}
	if (cur.enabled && cur.lease_until > now_ns(CLOCK_MONOTONIC) &&
	    (!kill(cur.owner_pid, 0) || errno == EPERM)) {
		err = vms_err(-EBUSY,
			      "a monitor is already running on %s (pid %u): "
			      "one at a time",
			      m->st.pin_path, cur.owner_pid);
		goto out;
	}
	m->ctl.lease_until = now_ns(CLOCK_MONOTONIC) + VMS_MON_LEASE_NS;
	if (bpf_map_update_elem(fd, &zero, &m->ctl, 0)) {
		err = ctl_fail("write");
		goto out;
	}
	m->owner = true;
	/* Then sampling starts afresh (after the entry, so that a countdown
	 * a CPU backed off to under the old entry is cleared too): the first
	 * matching frame on each CPU is an event.
	 */
	ncpus = libbpf_num_possible_cpus();
	if (ncpus > 0) {
		struct vmst_mon_pcpu *pc = calloc(ncpus, sizeof(*pc));

		if (!pc || bpf_map_update_elem(m->st.maps.fd[VMS_MAP_MON_PCPU],
					       &zero, pc, 0))
			err = vms_err(-ENOMEM, "map %s: cannot reset",
				      VMST_MAP_MON_PCPU);
		free(pc);
		if (err)
			goto out;
	}
out:
	flock(m->st.lock_fd, LOCK_UN);
	return err;
}

/* Renew the lease, or clear the entry (@release); only while the owner. */
static int renew(struct mon *m, bool release)
{
	int fd = m->st.maps.fd[VMS_MAP_MON_CTL], err = 0;
	struct vmst_mon_ctl cur, off = {};
	__u32 zero = 0;

	if (!m->owner)
		return 0;
	flock(m->st.lock_fd, LOCK_EX);
	if (bpf_map_lookup_elem(fd, &zero, &cur)) {
		err = ctl_fail("read");
	} else if (cur.owner_token != m->ctl.owner_token ||
		   cur.owner_pid != m->ctl.owner_pid) {
		m->owner = false;
		err = vms_err(-EBUSY,
			      "another monitor (pid %u) took over while this "
			      "one was stopped",
			      cur.owner_pid);
	} else {
		m->ctl.lease_until = now_ns(CLOCK_MONOTONIC) + VMS_MON_LEASE_NS;
		if (bpf_map_update_elem(fd, &zero, release ? &off : &m->ctl, 0))
			err = ctl_fail("write");
		else if (release)
			m->owner = false;
	}
	flock(m->st.lock_fd, LOCK_UN);
	return err;
}

/* Events the ring could not take, summed over CPUs. */
static unsigned long long lost_events(struct mon *m)
{
	int ncpus = libbpf_num_possible_cpus(), i;
	unsigned long long lost = 0;
	struct vmst_mon_pcpu *pc;
	__u32 zero = 0;

	if (ncpus <= 0)
		return 0;
	pc = calloc(ncpus, sizeof(*pc));
	if (pc &&
	    !bpf_map_lookup_elem(m->st.maps.fd[VMS_MAP_MON_PCPU], &zero, pc))
		for (i = 0; i < ncpus; i++)
			lost += pc[i].lost;
	free(pc);
	return lost;
}

/* Does program @prog_id use map @map_id? */
static bool prog_uses_map(__u32 prog_id, __u32 map_id)
{
	__u32 ids[64], len, i;
	struct bpf_prog_info info;
	bool found = false;
	int fd;

	fd = bpf_prog_get_fd_by_id(prog_id);
	if (fd < 0)
		return true; /* gone or unreadable: nothing to warn about */
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = sizeof(ids) / sizeof(ids[0]);
	info.map_ids = (__u64)(unsigned long)ids;
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		found = true;
	for (i = 0; !found && i < info.nr_map_ids && i < 64; i++)
		found = ids[i] == map_id;
	close(fd);
	return found;
}

/* Warn about uplinks whose program predates the monitor: no events. */
static void check_uplinks(struct mon *m)
{
	struct vms_uplink_info up[VMST_MAX_UPLINKS];
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int n, i;

	if (bpf_obj_get_info_by_fd(m->st.maps.fd[VMS_MAP_MON_CTL], &info, &len))
		return;
	n = vms_uplink_list(&m->st, up, VMST_MAX_UPLINKS);
	for (i = 0; i < n; i++) {
		if (!up[i].prog_id || prog_uses_map(up[i].prog_id, info.id))
			continue;
		pr_warn("uplink %s runs a program older than the monitor: "
			"no events from it until 'vmsteer detach %s' and "
			"'vmsteer attach %s'",
			up[i].name[0] ? up[i].name : "(other netns)",
			up[i].name, up[i].name);
	}
}

/* The command line of one monitor, as its options give it. */
struct mon_args {
	const char *pcap, *tap, *sample_arg, *count_arg;
	__u32 reasons; /* mask of VMST_R_* (0: every reason) */
	unsigned long long sample, count;
};

static int mon_opt(void *ctx, int c, const char *arg)
{
	struct mon_args *a = ctx;
	int err;

	switch (c) {
	case 'r':
		return parse_reasons((char *)arg, &a->reasons);
	case 's':
		err = vms_opt_once("monitor", "--sample", &a->sample_arg, arg);
		return err ? err
			   : parse_count("--sample", arg, 1,
					 VMST_MON_SAMPLE_MAX, &a->sample);
	default: /* 'c' */
		err = vms_opt_once("monitor", "--count", &a->count_arg, arg);
		return err ? err
			   : parse_count("--count", arg, 1, ~0ULL >> 1,
					 &a->count);
	}
}

static int parse_args(struct mon_args *a, int argc, char **argv)
{
	static const struct vms_opt opts[] = {
		{"pcap", 'w', VMS_OPT_STR, offsetof(struct mon_args, pcap)},
		{"port", 'i', VMS_OPT_STR, offsetof(struct mon_args, tap)},
		{"reason", 'r', VMS_OPT_ARG, 0},
		{"sample", 's', VMS_OPT_ARG, 0},
		{"count", 'c', VMS_OPT_ARG, 0},
		{}};
	static const struct vms_optspec spec = {
		.cmd = "monitor",
		.shortopts = "+",
		.opts = opts,
		.fn = mon_opt,
		.no_args = true,
	};
	int err;

	a->sample = 1;
	err = vms_getopt(&spec, argc, argv, a);
	if (!err && !a->reasons)
		a->reasons = (1U << VMST_R_MAX) - 1;
	return err;
}

/*
 * Open the state (which may create the monitor's maps), let go of its
 * lock, and fill the control entry this monitor will write: every port
 * or @a->tap's, the reasons and the sampling asked for.
 */
static int mon_open(struct mon *m, const char *pin_path,
		    const struct mon_args *a)
{
	__u32 token = 0;
	int i, idx, err;

	if (!vms_state_exists(pin_path))
		return vms_err(-ENOENT,
			       "no vmsteer state at %s (it is created by "
			       "'vmsteer attach' or 'vmsteer port add')",
			       pin_path);
	/* May create: a state made before the monitor lacks its maps. */
	err = vms_state_open(&m->st, pin_path, VMS_OPEN_CREATE);
	if (err)
		return err;
	m->open = true;
	flock(m->st.lock_fd, LOCK_UN);
	/* Unlocked, other commands write: keep no records in memory. */
	vms_port_cache_free(m->st.maps.cache);
	m->st.maps.cache = NULL;

	m->ctl.enabled = 1;
	m->ctl.port = VMST_MON_PORT_ANY;
	m->ctl.owner_pid = getpid();
	if (getrandom(&token, sizeof(token), 0) != sizeof(token))
		token = now_ns(CLOCK_MONOTONIC) ^ getpid();
	m->ctl.owner_token = token;
	for (i = 0; i < VMST_R_MAX; i++)
		if (a->reasons & (1U << i))
			m->ctl.sample[i] = a->sample;
	err = vms_port_table(&m->st.maps, &m->cfg);
	if (err || !a->tap)
		return err;
	idx = vms_port_find(&m->st.maps, a->tap, vms_netns_ino(), NULL);
	if (idx <= 0)
		return idx < 0 ? idx
			       : vms_err(-ENOENT, "port %s: not configured",
					 a->tap);
	m->ctl.port = idx;
	return 0;
}

/* --pcap FILE: the pcap writer. */
static int mon_pcap_open(struct mon *m, const char *path)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	int err = pcap_load();

	if (err)
		return err;
	m->pcap = pc.open_dead(DLT_EN10MB, VMST_MON_SNAP);
	if (!m->pcap)
		return vms_err(-ENOMEM, "pcap: cannot open");
	m->dump = pc.dump_open(m->pcap, path);
	if (!m->dump) {
		snprintf(errbuf, sizeof(errbuf), "%s", pc.geterr(m->pcap));
		return vms_err(-EIO, "%s: %s", path, errbuf);
	}
	return 0;
}

/*
 * Start: the ring's reader and the stop signals, then the control entry
 * claimed; the events a dead monitor left in the ring dropped.
 */
static int mon_start(struct mon *m, const struct mon_args *a)
{
	struct sigaction sa = {.sa_handler = on_signal};
	int err;

	m->rb = ring_buffer__new(m->st.maps.fd[VMS_MAP_MON_RING], on_event, m,
				 NULL);
	if (!m->rb)
		return vms_err(-errno, "map %s: %s", VMST_MAP_MON_RING,
			       strerror(errno));
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	err = claim(m);
	if (err)
		return err;
	/* Events a dead monitor left in the ring are not ours. */
	m->discard = true;
	ring_buffer__consume(m->rb);
	m->discard = false;
	check_uplinks(m);
	m->mono_to_real =
		(__s64)(now_ns(CLOCK_REALTIME) - now_ns(CLOCK_MONOTONIC));
	fprintf(stderr,
		"vmsteer: monitoring %s (pid %d, 1 in %llu); Ctrl-C stops\n",
		a->tap ? a->tap : "all ports", (int)getpid(), a->sample);
	return 0;
}

/* Events until a signal, --count, an error, or the output closed; the
 * lease renewed every second on the way. */
static int mon_loop(struct mon *m)
{
	unsigned long long last_renew = now_ns(CLOCK_MONOTONIC);
	int n, err;

	while (!stop_sig && !m->out_err &&
	       !(m->max_events && m->events >= m->max_events)) {
		n = ring_buffer__poll(m->rb, VMS_MON_POLL_MS);
		if (n < 0 && n != -EINTR)
			return vms_err(n, "map %s: %s", VMST_MAP_MON_RING,
				       strerror(-n));
		if (now_ns(CLOCK_MONOTONIC) - last_renew >= VMS_MON_RENEW_NS) {
			err = renew(m, false);
			if (err)
				return err;
			last_renew = now_ns(CLOCK_MONOTONIC);
		}
	}
	return 0;
}

/*
 * The end, after @err: events off first, then what the ring still holds;
 * the output closed and the count of events said. The command's result.
 */
static int mon_close(struct mon *m, const char *pcap_path, int err)
{
	int fail = m->open ? renew(m, true) : 0;

	if (!err)
		err = fail;
	if (m->rb) {
		ring_buffer__consume(m->rb);
		ring_buffer__free(m->rb);
	}
	if (m->dump)
		pc.dump_close(m->dump);
	if (m->pcap)
		pc.close(m->pcap);
	if (!err && m->out_err && !pcap_path)
		err = 0; /* stdout closed (a pipe to head): a normal end */
	else if (!err && m->out_err)
		err = vms_err(m->out_err, "%s: write failed", pcap_path);
	if (m->ctl.lease_until)
		fprintf(stderr, "vmsteer: %llu event%s, %llu lost\n", m->events,
			m->events == 1 ? "" : "s", lost_events(m));
	if (m->open)
		vms_state_close(&m->st);
	return err;
}

int cmd_monitor(const struct vms_cli *cli, int argc, char **argv)
{
	struct mon_args a = {};
	struct mon m = {};
	int err;

	err = parse_args(&a, argc, argv);
	if (err)
		return err;
	m.max_events = a.count;
	err = mon_open(&m, cli->pin_path, &a);
	if (!err && a.pcap)
		err = mon_pcap_open(&m, a.pcap);
	if (!err)
		err = mon_start(&m, &a);
	if (!err)
		err = mon_loop(&m);
	return mon_close(&m, a.pcap, err);
}
