// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The unpinned uplink program fixture: see fixture.h. */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "uplink.skel.h"
#include "fixture.h"
#include "frames.h"
#include "test.h"
#include "core/counters.h"
#include "core/ports.h"
#include "core/state.h"
#include "util/netdev.h"

const char *xdp_verdict_str(__u32 verdict)
{
	switch (verdict) {
	case XDP_ABORTED:
		return "XDP_ABORTED";
	case XDP_DROP:
		return "XDP_DROP";
	case XDP_PASS:
		return "XDP_PASS";
	case XDP_TX:
		return "XDP_TX";
	case XDP_REDIRECT:
		return "XDP_REDIRECT";
	}
	return "XDP_?";
}

bool fixture_setup(struct fixture *f)
{
	int err;

	memset(f, 0, sizeof(*f));
	vms_maps_reset(&f->maps);
	f->prog_fd = -1;
	f->ncpus = libbpf_num_possible_cpus();
	if (!ASSERT_GE(f->ncpus, 1, "libbpf_num_possible_cpus"))
		return false;

	f->skel = uplink_bpf__open();
	if (!ASSERT_OK_PTR(f->skel, "uplink_bpf__open"))
		return false;
	/* Unit tests never pin: every map is private to this fixture. */
	err = vms_object_private_maps(f->skel->obj);
	if (!ASSERT_OK(err, "vms_object_private_maps"))
		goto fail;
	err = uplink_bpf__load(f->skel);
	if (!ASSERT_OK(err, "uplink_bpf__load (verifier log: run with "
			    "VMSTEER_UNIT_VERBOSE=1)"))
		goto fail;
	f->prog_fd = bpf_program__fd(f->skel->progs.vmst_uplink);
	if (!ASSERT_GE(f->prog_fd, 0, "vmst_uplink fd"))
		goto fail;
	err = vms_maps_from_object(&f->maps, f->skel->obj);
	if (!ASSERT_OK(err, "vms_maps_from_object"))
		goto fail;
	err = vms_maps_init_config(&f->maps);
	if (!ASSERT_OK(err, "vms_maps_init_config"))
		goto fail;
	return true;
fail:
	fixture_teardown(f);
	return false;
}

void fixture_teardown(struct fixture *f)
{
	/* The map fds belong to the skeleton's object. */
	uplink_bpf__destroy(f->skel);
	f->skel = NULL;
	vms_maps_reset(&f->maps);
	f->prog_fd = -1;
}

int fixture_port(struct fixture *f, const char *name, const __u8 mac[6],
		 __u16 vlan, __u32 mtu, __u32 *idx)
{
	struct vms_port_spec s = {
		.ifindex = TEST_TARGET_IFINDEX,
		.netns_ino = vms_netns_ino(),
		.vlan = vlan,
		.mtu = mtu,
	};

	snprintf(s.name, sizeof(s.name), "%s", name);
	memcpy(s.mac, mac, 6);
	return vms_port_upsert(&f->maps, &s, idx);
}

struct xdp_run fixture_run(const struct fixture *f, const void *in, size_t len,
			   void *out)
{
	return xdp_test_run(f->prog_fd, in, len, out);
}

/* Broadcast frames: passed unmodified, whatever their length. */
static bool probe_limits(const struct fixture *f, struct fixture_limits *lim)
{
	static __u8 in[FRAME_MAX], out[FRAME_MAX];
	size_t lo, hi;
	struct xdp_run r;

	memset(in, 0xff, sizeof(in));
	r = fixture_run(f, in, 16384, out);
	if (!ASSERT_OK(r.err, "test run of 16384 bytes") ||
	    !ASSERT_EQ(r.verdict, XDP_PASS, "broadcast verdict") ||
	    !ASSERT_LT(r.linear, 16384, "first buffer of a 16 KiB frame") ||
	    !ASSERT_GE(r.linear, 1514, "first buffer of a 16 KiB frame"))
		return false;
	lim->linear = r.linear;
	lo = 16384;
	hi = FRAME_MAX;
	if (!fixture_run(f, in, hi, out).err) {
		FAIL("test run takes %zu bytes: frames may be cut", hi);
		return false;
	}
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (fixture_run(f, in, mid, out).err)
			hi = mid;
		else
			lo = mid;
	}
	lim->max_len = lo;
	return true;
}

const struct fixture_limits *fixture_limits(void)
{
	static struct fixture_limits lim;
	static bool probed;
	struct fixture f;
	bool ok;

	if (probed)
		return &lim;
	if (!fixture_setup(&f))
		return NULL;
	ok = probe_limits(&f, &lim);
	fixture_teardown(&f);
	probed = ok;
	return ok ? &lim : NULL;
}

int fixture_reason(const struct fixture *f, __u32 port, __u32 reason,
		   struct vmst_counter *sum)
{
	struct vmst_counter v[f->ncpus];
	__u32 key = VMST_RSTATS_KEY(port, reason);
	int i;

	memset(sum, 0, sizeof(*sum));
	if (bpf_map_lookup_elem(f->maps.fd[VMS_MAP_RSTATS], &key, v))
		return -errno;
	for (i = 0; i < f->ncpus; i++) {
		sum->frames += v[i].frames;
		sum->bytes += v[i].bytes;
	}
	return 0;
}

int fixture_xdp_reason(const struct fixture *f, __u32 port, __u32 reason,
		       struct vmst_counter *sum)
{
	return fixture_reason(f, port, vms_reason_xdp_slot(reason), sum);
}

int fixture_pstats(const struct fixture *f, __u32 port,
		   struct vmst_port_stats *sum)
{
	struct vmst_port_stats v[f->ncpus];
	int i, c;

	memset(sum, 0, sizeof(*sum));
	if (bpf_map_lookup_elem(f->maps.fd[VMS_MAP_PSTATS], &port, v))
		return -errno;
	for (i = 0; i < f->ncpus; i++)
		for (c = 0; c < VMST_PC_SLOTS; c++)
			sum->c[c] += v[i].c[c];
	return 0;
}

static size_t sort_key_size;

static int key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sort_key_size);
}

/* All (key, value) pairs of one map, keys ascending, into a new buffer. */
static int snapshot_map(int fd, int ncpus, unsigned char **bufp, size_t *lenp,
			size_t *key_size, size_t *rec_size)
{
	struct bpf_map_info info = {};
	__u32 info_len = sizeof(info), n = 0, i;
	unsigned char *keys = NULL, *buf = NULL, *p;
	size_t vsize, ksize;
	bool percpu;
	int err = 0;

	if (bpf_obj_get_info_by_fd(fd, &info, &info_len))
		return -errno;
	percpu = info.type == BPF_MAP_TYPE_PERCPU_ARRAY ||
		 info.type == BPF_MAP_TYPE_PERCPU_HASH;
	ksize = info.key_size;
	vsize = percpu ? ((info.value_size + 7) & ~7U) * ncpus
		       : info.value_size;
	*key_size = ksize;
	*rec_size = ksize + vsize;
	keys = calloc(info.max_entries, ksize);
	buf = calloc(info.max_entries, ksize + vsize);
	if (!keys || !buf) {
		err = -ENOMEM;
		goto out;
	}
	if (info.type == BPF_MAP_TYPE_ARRAY ||
	    info.type == BPF_MAP_TYPE_PERCPU_ARRAY) {
		for (i = 0; i < info.max_entries; i++)
			memcpy(keys + i * ksize, &i, ksize);
		n = info.max_entries;
	} else {
		void *prev = NULL;

		while (n < info.max_entries &&
		       !bpf_map_get_next_key(fd, prev, keys + n * ksize)) {
			prev = keys + n * ksize;
			n++;
		}
		sort_key_size = ksize;
		qsort(keys, n, ksize, key_cmp);
	}
	p = buf;
	for (i = 0; i < n; i++) {
		memcpy(p, keys + i * ksize, ksize);
		if (bpf_map_lookup_elem(fd, p, p + ksize)) {
			/* CPUMAP keys run over every CPU, set or not. */
			if (errno == ENOENT)
				continue;
			err = -errno;
			goto out;
		}
		p += ksize + vsize;
	}
	*bufp = buf;
	*lenp = p - buf;
	buf = NULL;
out:
	free(keys);
	free(buf);
	return err;
}

int fixture_snapshot(const struct fixture *f, struct maps_snapshot *s)
{
	int i, err;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < VMS_MAP_N; i++) {
		err = snapshot_map(f->maps.fd[i], f->ncpus, &s->buf[i],
				   &s->len[i], &s->key_size[i],
				   &s->rec_size[i]);
		if (err) {
			snapshot_free(s);
			return err;
		}
	}
	return 0;
}

void snapshot_free(struct maps_snapshot *s)
{
	int i;

	for (i = 0; i < VMS_MAP_N; i++) {
		free(s->buf[i]);
		s->buf[i] = NULL;
		s->len[i] = 0;
	}
}

bool fixture_unchanged(const struct fixture *f,
		       const struct maps_snapshot *before, const char *what)
{
	struct maps_snapshot now;
	bool same;

	if (!ASSERT_OK(fixture_snapshot(f, &now), "snapshot"))
		return false;
	same = snapshot_equal(before, &now, what);
	snapshot_free(&now);
	return same;
}

bool snapshot_equal(const struct maps_snapshot *a,
		    const struct maps_snapshot *b, const char *what)
{
	size_t off, rec, ks;
	__u32 key = 0;
	int i;

	for (i = 0; i < VMS_MAP_N; i++) {
		if (a->len[i] == b->len[i] &&
		    !memcmp(a->buf[i], b->buf[i], a->len[i]))
			continue;
		if (a->len[i] != b->len[i]) {
			FAIL("%s: map %s: %zu entries, were %zu", what,
			     vms_map_table[i].name, b->len[i] / b->rec_size[i],
			     a->len[i] / a->rec_size[i]);
			return false;
		}
		for (off = 0; a->buf[i][off] == b->buf[i][off]; off++)
			;
		rec = off / a->rec_size[i];
		ks = a->key_size[i];
		memcpy(&key, a->buf[i] + rec * a->rec_size[i],
		       ks < sizeof(key) ? ks : sizeof(key));
		if (off - rec * a->rec_size[i] < ks)
			FAIL("%s: map %s: the set of keys changed (record %zu)",
			     what, vms_map_table[i].name, rec);
		else
			FAIL("%s: map %s: entry %u changed at value byte %zu: "
			     "0x%02x, was 0x%02x",
			     what, vms_map_table[i].name, key,
			     off - rec * a->rec_size[i] - ks, b->buf[i][off],
			     a->buf[i][off]);
		return false;
	}
	return true;
}

int fixture_target_mtu(unsigned int mtu)
{
	struct ifreq ifr = {};
	int fd, err = 0;

	if (!if_indextoname(TEST_TARGET_IFINDEX, ifr.ifr_name))
		return -errno;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A loopback that is up is a namespace in use, not a fresh one of
	 * the test's (unshare -n, as tests/run.sh does): leave it alone. */
	if (ioctl(fd, SIOCGIFFLAGS, &ifr)) {
		err = -errno;
	} else if (ifr.ifr_flags & IFF_UP) {
		fprintf(stderr,
			"run the unit tests in a network namespace of "
			"their own (unshare -n, as tests/run.sh does)\n");
		err = -EPERM;
	} else {
		ifr.ifr_mtu = mtu;
		if (ioctl(fd, SIOCSIFMTU, &ifr))
			err = -errno;
	}
	close(fd);
	return err;
}
