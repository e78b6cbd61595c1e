// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The CLI's input parsers (user/util/netdev.c): MAC addresses, VLAN ids, hex
 * frames. Each row is an input and the outcome the parser must give.
 */
#include <errno.h>
#include <string.h>

#include "test.h"
#include "util/netdev.h"

static const struct {
	const char *in;
	int ok;
	__u8 mac[6];
} macs[] = {
	{"52:54:00:12:34:56", 1, {0x52, 0x54, 0x00, 0x12, 0x34, 0x56}},
	{"AA:bb:Cc:0d:E0:ff", 1, {0xaa, 0xbb, 0xcc, 0x0d, 0xe0, 0xff}},
	{.in = "52:54:00:12:34"},     /* too short */
	{.in = "52:54:00:12:34:567"}, /* too long */
	{.in = "52-54-00-12-34-56"},  /* wrong separator */
	{.in = "52:54:00:12:34:5g"},  /* not hex */
	{.in = " 2:54:00:12:34:56"},  /* sscanf-style leniency refused */
	{.in = "+2:54:00:12:34:56"},
	{.in = ""},
};

static const struct {
	const char *in;
	int err;
	__u16 vlan;
} vlans[] = {
	{"1", 0, 1},
	{"4094", 0, 4094},
	{.in = "0", .err = -ERANGE},
	{.in = "4095", .err = -ERANGE},
	{.in = "65537", .err = -ERANGE},
	{.in = "-1", .err = -EINVAL},
	{.in = "10x", .err = -EINVAL},
	{.in = "", .err = -EINVAL},
	{.in = "+5", .err = -EINVAL},
	{.in = "0x10", .err = -EINVAL},
};

TEST(parse)
{
	__u8 mac[6], buf[4];
	size_t i;

	for (i = 0; i < sizeof(macs) / sizeof(macs[0]); i++) {
		if (!test__start_subtest("mac_%zu", i))
			continue;
		memset(mac, 0xee, sizeof(mac));
		if (macs[i].ok) {
			if (ASSERT_OK(vms_parse_mac(macs[i].in, mac),
				      macs[i].in))
				ASSERT_MEMEQ(mac, 6, macs[i].mac, 6,
					     macs[i].in);
		} else {
			ASSERT_EQ(vms_parse_mac(macs[i].in, mac), -EINVAL,
				  macs[i].in);
		}
	}
	for (i = 0; i < sizeof(vlans) / sizeof(vlans[0]); i++) {
		__u16 v = 0;

		if (!test__start_subtest("vlan_%zu", i))
			continue;
		if (ASSERT_EQ(vms_parse_vlan(vlans[i].in, &v), vlans[i].err,
			      vlans[i].in) &&
		    !vlans[i].err)
			ASSERT_EQ(v, vlans[i].vlan, vlans[i].in);
	}
	if (test__start_subtest("unhex")) {
		static const __u8 want[] = {0x01, 0xab, 0xff};

		if (ASSERT_EQ(vms_unhex("01 ab:FF\n", buf, sizeof(buf)), 3,
			      "separators skipped"))
			ASSERT_MEMEQ(buf, 3, want, 3, "bytes");
		ASSERT_EQ(vms_unhex("abc", buf, sizeof(buf)), -EINVAL,
			  "odd digit count");
		ASSERT_EQ(vms_unhex("zz", buf, sizeof(buf)), -EINVAL,
			  "bad character");
		ASSERT_EQ(vms_unhex("0102030405", buf, sizeof(buf)), -E2BIG,
			  "too long");
		ASSERT_EQ(vms_unhex("", buf, sizeof(buf)), 0, "empty");
	}
}
