// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Corpus test: every frame of a real-world pcap (tcpdump's test captures,
 * see ../shared/corpus/README.md) through the uplink program, compared with
 * the reference model (refmodel.h): verdict, bytes out and the reason it
 * was counted under. Three passes:
 *   as_is                   frames unchanged: mostly group, unknown or odd;
 *   dst_rewritten           destination set to a configured port's MAC, and
 *                           for a tagged frame a port on its VID too, so
 *                           the frames reach the fast path;
 *   dst_rewritten_no_target the same with every redirect target deleted.
 * Frames BPF_PROG_TEST_RUN does not take (under 14 bytes, more fragments
 * than an skb holds) must be refused with an error, and are counted.
 *
 * The pcap is $VMSTEER_CORPUS, else <repo>/../shared/corpus/
 * tcpdump-ethernet.pcap (the repository is found from the binary's path or
 * the working directory); the cases are skipped when it is absent.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "corpus.h"
#include "fixture.h"
#include "frames.h"
#include "refmodel.h"
#include "test.h"

#define CORPUS_DEFAULT "shared/corpus/tcpdump-ethernet.pcap"
/* Mismatches described in detail; the rest are only counted. */
#define MISMATCH_SHOWN 5

/* MAC given to the corpus ports (locally administered unicast). */
static const __u8 PORT_MAC[6] = {0x02, 0x5e, 0x10, 0x00, 0x00, 0x01};

static __u8 buf[FRAME_MAX], out[FRAME_MAX], want[FRAME_MAX];

/* Does @dir hold the vmsteer repository? */
static bool is_repo(const char *dir)
{
	char p[PATH_MAX + 32];

	snprintf(p, sizeof(p), "%s/include/vmsteer.h", dir);
	return access(p, R_OK) == 0;
}

/* The repository: an ancestor of the binary, else the working directory. */
static bool find_repo(char *dir, size_t len)
{
	char exe[PATH_MAX], *slash;
	ssize_t n;
	int up;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		for (up = 0; up < 6; up++) {
			slash = strrchr(exe, '/');
			if (!slash || slash == exe)
				break;
			*slash = '\0';
			if (is_repo(exe)) {
				snprintf(dir, len, "%s", exe);
				return true;
			}
		}
	}
	if (getcwd(exe, sizeof(exe)) && is_repo(exe)) {
		snprintf(dir, len, "%s", exe);
		return true;
	}
	return false;
}

/* The counters the program should have, by the model: to compare. */
struct shadow {
	__u64 reason[VMST_MAX_PORTS][VMST_R_MAX];
	__u64 fwd[VMST_MAX_PORTS];
};

struct pass_ctx {
	const struct fixture *f;
	struct ref_port ports[64];
	size_t nports;
	struct shadow sh;
	size_t refused_short, refused_long, runs, mismatches;
	size_t by_reason[VMST_R_MAX + 1]; /* model outcomes, last: forwarded */
	char first[512];
	const char *pass_name;
};

static void mismatch(struct pass_ctx *c, size_t frame_no, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void mismatch(struct pass_ctx *c, size_t frame_no, const char *fmt, ...)
{
	char msg[400], where[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (frame_no)
		snprintf(where, sizeof(where), "frame %zu", frame_no);
	else
		snprintf(where, sizeof(where), "after the last frame");
	if (!c->mismatches)
		snprintf(c->first, sizeof(c->first), "%s: %s", where, msg);
	if (c->mismatches < MISMATCH_SHOWN)
		test__diag("corpus %s: %s: %s", c->pass_name, where, msg);
	c->mismatches++;
}

/*
 * Read all counters of the ports in play into the shadow, reporting each
 * that differs from it.
 */
static void resync(struct pass_ctx *c, size_t frame_no)
{
	__u32 list[65];
	size_t n = 0, i;
	int r;

	list[n++] = 0;
	for (i = 0; i < c->nports; i++)
		list[n++] = c->ports[i].idx;
	for (i = 0; i < n; i++) {
		struct vmst_port_stats ps;
		__u32 p = list[i];

		for (r = 0; r < VMST_R_MAX; r++) {
			struct vmst_counter ctr;

			if (fixture_xdp_reason(c->f, p, r, &ctr)) {
				mismatch(c, frame_no, "cannot read rstats");
				continue;
			}
			if (ctr.frames != c->sh.reason[p][r])
				mismatch(
					c, frame_no,
					"counter port %u %s: %llu frames, "
					"model %llu",
					p, ref_reason_str(r),
					(unsigned long long)ctr.frames,
					(unsigned long long)c->sh.reason[p][r]);
			c->sh.reason[p][r] = ctr.frames;
		}
		if (fixture_pstats(c->f, p, &ps)) {
			mismatch(c, frame_no, "cannot read pstats");
			continue;
		}
		if (ps.c[VMST_PC_TO_VM_XDP_FRAMES] != c->sh.fwd[p])
			mismatch(c, frame_no,
				 "counter port %u to_vm_xdp_frames: %llu, "
				 "model %llu",
				 p,
				 (unsigned long long)
					 ps.c[VMST_PC_TO_VM_XDP_FRAMES],
				 (unsigned long long)c->sh.fwd[p]);
		c->sh.fwd[p] = ps.c[VMST_PC_TO_VM_XDP_FRAMES];
	}
}

/*
 * The model's counter for @res moved by one. Counters moving elsewhere show
 * in the next resync(), at the latest after the last frame.
 */
static bool counter_ok(struct pass_ctx *c, const struct ref_result *res)
{
	__u64 now;

	if (res->reason < 0) {
		struct vmst_port_stats ps;

		c->sh.fwd[res->port]++;
		if (fixture_pstats(c->f, res->port, &ps))
			return false;
		now = ps.c[VMST_PC_TO_VM_XDP_FRAMES];
		return now == c->sh.fwd[res->port];
	} else {
		struct vmst_counter ctr;

		c->sh.reason[res->port][res->reason]++;
		if (fixture_xdp_reason(c->f, res->port, res->reason, &ctr))
			return false;
		now = ctr.frames;
		return now == c->sh.reason[res->port][res->reason];
	}
}

static void run_frame(struct pass_ctx *c, size_t frame_no, const __u8 *frame,
		      size_t len, const struct fixture_limits *lim)
{
	struct ref_result res;
	struct xdp_run r;

	r = fixture_run(c->f, frame, len, out);
	c->runs++;
	if (len < 14 || len > lim->max_len) {
		/* The kernel never shows the program such a frame. */
		if (!r.err)
			mismatch(c, frame_no,
				 "%zu bytes: test run took it, want an error",
				 len);
		else if (len < 14 && r.err != -EINVAL)
			mismatch(c, frame_no, "%zu bytes: error %d, want %d",
				 len, r.err, -EINVAL);
		if (len < 14)
			c->refused_short++;
		else
			c->refused_long++;
		return;
	}
	if (r.err) {
		mismatch(c, frame_no, "%zu bytes: test run failed: %s", len,
			 strerror(-r.err));
		return;
	}

	ref_decide(frame, len, len < lim->linear ? len : lim->linear, c->ports,
		   c->nports, &res, want);
	c->by_reason[res.reason < 0 ? VMST_R_MAX : res.reason]++;
	if (r.verdict != res.verdict) {
		mismatch(c, frame_no,
			 "%zu bytes: verdict %s, model %s (%s, port %u)", len,
			 xdp_verdict_str(r.verdict),
			 xdp_verdict_str(res.verdict),
			 ref_reason_str(res.reason), res.port);
		resync(c, frame_no);
		return;
	}
	if (res.verdict != XDP_DROP &&
	    (r.out_len != res.out_len || memcmp(out, want, res.out_len))) {
		size_t i = 0;

		while (i < r.out_len && i < res.out_len && out[i] == want[i])
			i++;
		mismatch(c, frame_no,
			 "%zu bytes, %s: output of %zu bytes differs from the "
			 "model's %zu at byte %zu",
			 len, xdp_verdict_str(res.verdict), r.out_len,
			 res.out_len, i);
	}
	if (!counter_ok(c, &res)) {
		mismatch(c, frame_no,
			 "%zu bytes: not counted as %s under port %u", len,
			 ref_reason_str(res.reason), res.port);
		resync(c, frame_no);
	}
}

/* Add (or find) the corpus port on @vlan. */
static bool ensure_port(struct pass_ctx *c, struct fixture *f, __u16 vlan,
			bool target)
{
	struct ref_port *p;
	char name[16];
	size_t i;

	for (i = 0; i < c->nports; i++)
		if (c->ports[i].vlan == vlan)
			return true;
	if (!ASSERT_LT(c->nports, 64, "corpus ports"))
		return false;
	p = &c->ports[c->nports];
	snprintf(name, sizeof(name), "corpus%u", vlan);
	memcpy(p->mac, PORT_MAC, 6);
	p->vlan = vlan;
	/* Untagged: a standard MTU; tagged: jumbo, to reach the tag pop. */
	p->mtu = vlan ? 9000 : 1500;
	if (!ASSERT_OK(fixture_port(f, name, p->mac, vlan, p->mtu, &p->idx),
		       "add corpus port"))
		return false;
	p->has_target = target;
	if (!target &&
	    !ASSERT_OK(bpf_map_delete_elem(f->maps.fd[VMS_MAP_TX], &p->idx),
		       "delete vmst_tx entry"))
		return false;
	c->nports++;
	return true;
}

enum corpus_pass { AS_IS, REWRITTEN, NO_TARGET };

static void run_pass(const struct corpus *cp, enum corpus_pass which,
		     const char *name, const struct fixture_limits *lim)
{
	static struct pass_ctx c;
	struct fixture f;
	size_t i;

	if (!fixture_setup(&f))
		return;
	memset(&c, 0, sizeof(c));
	c.f = &f;
	c.pass_name = name;
	if (!ensure_port(&c, &f, 0, which != NO_TARGET))
		goto out;

	for (i = 0; i < cp->n; i++) {
		const __u8 *frame = cp->data[i];
		size_t len = cp->len[i];

		/* (Frames past FRAME_MAX are refused by test_run anyway.) */
		if (which != AS_IS && len >= 6 && len <= sizeof(buf)) {
			memcpy(buf, frame, len);
			memcpy(buf, PORT_MAC, 6);
			frame = buf;
			/* A tag of a usable VID: give it a port too. */
			if (len >= 16 &&
			    (((buf[12] << 8) | buf[13]) == 0x8100 ||
			     ((buf[12] << 8) | buf[13]) == 0x88a8)) {
				__u16 vid = ((buf[14] << 8) | buf[15]) & 0xfff;

				if (vid >= VMST_VLAN_MIN &&
				    vid <= VMST_VLAN_MAX &&
				    !ensure_port(&c, &f, vid,
						 which != NO_TARGET))
					goto out;
			}
		}
		run_frame(&c, i + 1, frame, len, lim);
	}
	/* Nothing moved that the model did not expect. */
	resync(&c, 0);

	test__diag("corpus %s: %zu frames, %zu refused by test_run (%zu under "
		   "14 bytes, %zu over %zu), %zu ports; model: %zu forwarded, "
		   "%zu malformed, %zu multicast, %zu unknown_dst, %zu "
		   "vlan_unsupported, %zu too_big, %zu no_target, %zu "
		   "drop_no_target",
		   name, cp->n, c.refused_short + c.refused_long,
		   c.refused_short, c.refused_long, lim->max_len, c.nports,
		   c.by_reason[VMST_R_MAX], c.by_reason[VMST_R_PASS_MALFORMED],
		   c.by_reason[VMST_R_PASS_MULTICAST],
		   c.by_reason[VMST_R_PASS_UNKNOWN],
		   c.by_reason[VMST_R_PASS_VLAN],
		   c.by_reason[VMST_R_PASS_TOO_BIG],
		   c.by_reason[VMST_R_PASS_NO_TARGET],
		   c.by_reason[VMST_R_DROP_NO_TARGET]);
	ASSERT_EQ(c.runs, cp->n, "frames run");
	if (c.mismatches)
		FAIL("%zu mismatches with the model; first: %s", c.mismatches,
		     c.first);
out:
	fixture_teardown(&f);
}

TEST(corpus)
{
	static const struct {
		enum corpus_pass which;
		const char *name;
	} passes[] = {
		{AS_IS, "as_is"},
		{REWRITTEN, "dst_rewritten"},
		{NO_TARGET, "dst_rewritten_no_target"},
	};
	const char *env = getenv("VMSTEER_CORPUS");
	char repo[PATH_MAX], path[PATH_MAX + 64], err[PATH_MAX + 256] = "";
	const struct fixture_limits *lim = NULL;
	struct corpus cp = {};
	bool have, tried = false;
	size_t i;

	if (env && *env) {
		snprintf(path, sizeof(path), "%s", env);
		have = true; /* asked for: a missing file is a failure */
	} else if (find_repo(repo, sizeof(repo))) {
		snprintf(path, sizeof(path), "%s/../%s", repo, CORPUS_DEFAULT);
		have = access(path, R_OK) == 0;
	} else {
		snprintf(path, sizeof(path), "../%s", CORPUS_DEFAULT);
		have = false;
	}

	for (i = 0; i < sizeof(passes) / sizeof(passes[0]); i++) {
		if (!test__start_subtest("%s", passes[i].name))
			continue;
		if (!have) {
			test__skip("no corpus at %s (set VMSTEER_CORPUS)",
				   path);
			continue;
		}
		/* Loaded once, for the first case that runs. */
		if (!tried) {
			tried = true;
			if (!corpus_load(path, &cp, err, sizeof(err))) {
				lim = fixture_limits();
				if (!cp.n)
					snprintf(err, sizeof(err),
						 "%s: no frames", path);
				else if (!lim)
					snprintf(err, sizeof(err),
						 "cannot probe test_run");
			}
		}
		if (err[0]) {
			FAIL("%s", err);
			continue;
		}
		run_pass(&cp, passes[i].which, passes[i].name, lim);
	}
	corpus_free(&cp);
}
