// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Ports of an apply document that clash: the same tap, or on one VLAN the
 * same MAC or overlapping addresses. The document check looks for them by
 * sorting (a pairwise search took seconds at 4,096 ports) and names the
 * first clash in document order: ports[i] against the lowest j < i, the
 * tap first, then the addresses, then the MAC. Random documents from
 * small pools (many clashes, nested prefixes far apart in the sort order)
 * are checked against that pairwise rule written out here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/addr.h"
#include "test.h"
#include "util/log.h"

/* The error of parsing @doc, or NULL when it is accepted. */
static const char *parse_error(const char *doc)
{
	static struct vms_config cfg;

	vms_clear_error();
	if (!vms_config_parse(doc, strlen(doc), "t", VMS_CFG_NO_DEVICES, &cfg))
		return NULL;
	return vms_last_error() ?: "(no message)";
}

static const struct {
	const char *name;
	const char *ports; /* the "ports" array's elements */
	const char *error; /* NULL: accepted; else the message's start */
} cases[] = {
	{"distinct",
	 "{\"tap\":\"a\",\"mac\":\"02:00:00:00:00:01\"},"
	 "{\"tap\":\"b\",\"mac\":\"02:00:00:00:00:02\"}",
	 NULL},
	{"same_tap",
	 "{\"tap\":\"a\",\"mac\":\"02:00:00:00:00:01\"},"
	 "{\"tap\":\"b\",\"mac\":\"02:00:00:00:00:02\"},"
	 "{\"tap\":\"a\",\"mac\":\"02:00:00:00:00:03\"}",
	 "t: ports[2].tap: a is already ports[0]"},
	{"same_mac_same_vlan",
	 "{\"tap\":\"a\",\"mac\":\"02:00:00:00:00:01\",\"vlan\":7},"
	 "{\"tap\":\"b\",\"mac\":\"02:00:00:00:00:01\",\"vlan\":7}",
	 "t: ports[1].mac: 02:00:00:00:00:01 on VLAN 7 is already the MAC of "
	 "ports[0] (a)"},
	{"same_mac_other_vlan",
	 "{\"tap\":\"a\",\"mac\":\"02:00:00:00:00:01\",\"vlan\":7},"
	 "{\"tap\":\"b\",\"mac\":\"02:00:00:00:00:01\"}",
	 NULL},
	{"nested_prefix_far_in_sort",
	 "{\"tap\":\"a\",\"mac\":\"02:00:00:00:00:01\",\"addresses\":"
	 "[\"10.0.0.0/8\"]},"
	 "{\"tap\":\"b\",\"mac\":\"02:00:00:00:00:02\",\"addresses\":"
	 "[\"10.1.0.0/16\"]},"
	 "{\"tap\":\"c\",\"mac\":\"02:00:00:00:00:03\",\"addresses\":"
	 "[\"10.200.0.1/32\"]}",
	 "t: ports[1].addresses[0]: overlaps 10.0.0.0/8 of ports[0] (a, "
	 "untagged)"},
	{"overlap_other_vlan",
	 "{\"tap\":\"a\",\"mac\":\"02:00:00:00:00:01\",\"addresses\":"
	 "[\"10.0.0.0/8\"]},"
	 "{\"tap\":\"b\",\"mac\":\"02:00:00:00:00:02\",\"vlan\":3,"
	 "\"addresses\":[\"10.1.0.0/16\"]}",
	 NULL},
	{"adjacent_prefixes",
	 "{\"tap\":\"a\",\"mac\":\"02:00:00:00:00:01\",\"addresses\":"
	 "[\"10.0.0.0/24\",\"fd00::/64\"]},"
	 "{\"tap\":\"b\",\"mac\":\"02:00:00:00:00:02\",\"addresses\":"
	 "[\"10.0.1.0/24\",\"fd00:0:0:1::/64\"]}",
	 NULL},
	{"v6_inside_v6",
	 "{\"tap\":\"a\",\"mac\":\"02:00:00:00:00:01\",\"addresses\":"
	 "[\"10.0.0.1/32\",\"fd00::5/128\"]},"
	 "{\"tap\":\"b\",\"mac\":\"02:00:00:00:00:02\",\"addresses\":"
	 "[\"fd00::/64\"]}",
	 "t: ports[1].addresses[0]: overlaps fd00::5 of ports[0] (a, "
	 "untagged)"},
};

static char doc[1 << 16];

static void put_doc(const char *ports)
{
	snprintf(doc, sizeof(doc), "{\"uplinks\":[],\"ports\":[%s]}", ports);
}

/* Pools the random documents draw from: few values, many clashes. */
static const char *const taps[] = {"a", "b", "c", "d", "e", "f", "g"};
static const char *const macs[] = {"02:00:00:00:00:01", "02:00:00:00:00:02",
				   "02:00:00:00:00:03"};
static const int vlans[] = {0, 0, 5};
static const char *const addrs[] = {
	"10.0.0.0/8",	 "10.1.0.0/16",	   "10.1.2.3/32",    "10.2.0.0/16",
	"10.255.0.0/16", "192.168.0.0/24", "192.168.0.7/32", "fd00::/8",
	"fd00:1::/32",	 "fd00:1::1/128",  "fe80::/64",	     "2001:db8::/32"};
#define NADDRS ((int)(sizeof(addrs) / sizeof(addrs[0])))

struct rport {
	int tap, mac, vlan, n;
	int a[4];
	struct vmst_addr addr[4];
};

/* The first clash by the pairwise rule, as the message's start ("" when
 * none). */
static void reference(const struct rport *p, int n, char *out, size_t len)
{
	int i, j, k, l;

	out[0] = '\0';
	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++) {
			if (p[i].tap == p[j].tap) {
				snprintf(out, len,
					 "t: ports[%d].tap: %s is already "
					 "ports[%d]",
					 i, taps[p[i].tap], j);
				return;
			}
			for (k = 0;
			     vlans[p[i].vlan] == vlans[p[j].vlan] && k < p[i].n;
			     k++)
				for (l = 0; l < p[j].n; l++)
					if (vms_addr_overlap(&p[i].addr[k],
							     &p[j].addr[l])) {
						snprintf(out, len,
							 "t: ports[%d]."
							 "addresses[%d]: "
							 "overlaps",
							 i, k);
						return;
					}
			if (vlans[p[i].vlan] == vlans[p[j].vlan] &&
			    p[i].mac == p[j].mac) {
				snprintf(out, len, "t: ports[%d].mac: %s", i,
					 macs[p[i].mac]);
				return;
			}
		}
}

/* A random port whose own addresses do not overlap each other (the
 * parser refuses that on its own). */
static void random_port(struct rport *p)
{
	int k, m, want = rand() % 4;

	p->tap = rand() % (int)(sizeof(taps) / sizeof(taps[0]));
	p->mac = rand() % (int)(sizeof(macs) / sizeof(macs[0]));
	p->vlan = rand() % (int)(sizeof(vlans) / sizeof(vlans[0]));
	p->n = 0;
	for (k = 0; k < want; k++) {
		int a = rand() % NADDRS;
		bool ok = true;

		vms_parse_addr(addrs[a], &p->addr[p->n]);
		for (m = 0; m < p->n; m++)
			ok = ok &&
			     !vms_addr_overlap(&p->addr[m], &p->addr[p->n]);
		if (ok)
			p->a[p->n++] = a;
	}
}

static void put_random_doc(const struct rport *p, int n)
{
	size_t off;
	int i, k;

	off = snprintf(doc, sizeof(doc), "{\"uplinks\":[],\"ports\":[");
	for (i = 0; i < n; i++) {
		off += snprintf(doc + off, sizeof(doc) - off,
				"%s{\"tap\":\"%s\",\"mac\":\"%s\",",
				i ? "," : "", taps[p[i].tap], macs[p[i].mac]);
		if (vlans[p[i].vlan]) /* untagged: no "vlan" */
			off += snprintf(doc + off, sizeof(doc) - off,
					"\"vlan\":%d,", vlans[p[i].vlan]);
		off += snprintf(doc + off, sizeof(doc) - off,
				"\"addresses\":[");
		for (k = 0; k < p[i].n; k++)
			off += snprintf(doc + off, sizeof(doc) - off,
					"%s\"%s\"", k ? "," : "",
					addrs[p[i].a[k]]);
		off += snprintf(doc + off, sizeof(doc) - off, "]}");
	}
	snprintf(doc + off, sizeof(doc) - off, "]}");
}

TEST(config_clash)
{
	static struct rport p[12];
	char want[160];
	const char *err;
	size_t i;
	int r, n, k, refused = 0;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!test__start_subtest("%s", cases[i].name))
			continue;
		put_doc(cases[i].ports);
		err = parse_error(doc);
		if (!cases[i].error) {
			ASSERT_TRUE(!err, err ?: "accepted");
			continue;
		}
		if (ASSERT_TRUE(err != NULL, "refused"))
			ASSERT_TRUE(!strncmp(err, cases[i].error,
					     strlen(cases[i].error)),
				    err);
	}
	if (test__start_subtest("random_against_pairwise")) {
		srand(11);
		for (r = 0; r < 2000; r++) {
			n = 1 + rand() % 12;
			/* distinct taps and MACs half the time: clashes
			 * then come from addresses only */
			for (k = 0; k < n; k++) {
				random_port(&p[k]);
				if (r % 2 && n <= 7) {
					p[k].tap = k;
					p[k].mac = k % 3;
					p[k].vlan = k / 3 % 3;
				}
			}
			reference(p, n, want, sizeof(want));
			put_random_doc(p, n);
			err = parse_error(doc);
			refused += !!err;
			if (!want[0] ? err != NULL
				     : !err || strncmp(err, want,
						       strlen(want))) {
				test__diag("%s", doc);
				ASSERT_STREQ(err ?: "(accepted)",
					     want[0] ? want : "(accepted)",
					     "first clash");
				break;
			}
		}
		/* both outcomes were exercised */
		ASSERT_TRUE(refused > 200 && refused < 1800, "mix of outcomes");
		test__diag("%d of 2000 refused", refused);
	}
}
