// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Port addresses (`--ip ADDR[/LEN]`): parsing, formatting, overlap. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"
#include "util/log.h"
#include "util/netdev.h"

static bool bits_past(const __u8 *a, int len, int plen)
{
	int i;

	for (i = 0; i < len; i++) {
		int keep = plen - 8 * i;
		__u8 mask = keep >= 8	? 0xff
			    : keep <= 0 ? 0
					: 0xff << (8 - keep);

		if (a[i] & ~mask)
			return true;
	}
	return false;
}

int vms_parse_addr(const char *s, struct vmst_addr *a)
{
	char buf[64], *slash;
	unsigned long long plen;
	int max;

	memset(a, 0, sizeof(*a));
	if (strlen(s) >= sizeof(buf))
		return vms_err(-EINVAL, "address %.64s...: too long", s);
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, a->addr) == 1) {
		a->family = VMST_AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, a->addr) == 1) {
		a->family = VMST_AF_INET6;
		max = 128;
	} else {
		return vms_err(-EINVAL,
			       "address %s: not an IPv4 or IPv6 address", s);
	}
	plen = max;
	if (slash) {
		if (vms_parse_uint(slash + 1, max, &plen) || plen < 1)
			return vms_err(-EINVAL,
				       "address %s: prefix length must be "
				       "1..%d",
				       s, max);
	}
	a->prefix_len = plen;
	if (bits_past(a->addr, max / 8, plen))
		return vms_err(-EINVAL,
			       "address %s: bits set past the prefix length "
			       "(a host address has no /LEN, or /%d)",
			       s, max);
	if (a->family == VMST_AF_INET) {
		const __u8 *b = a->addr;

		if (!(b[0] | b[1] | b[2] | b[3]))
			return vms_err(-EINVAL, "address %s: unspecified", s);
		if (b[0] == 127)
			return vms_err(-EINVAL, "address %s: loopback", s);
		if (b[0] >= 224)
			return vms_err(-EINVAL,
				       "address %s: multicast, broadcast or "
				       "reserved",
				       s);
	} else {
		static const __u8 zero[16], one[16] = {[15] = 1};

		if (!memcmp(a->addr, zero, 16))
			return vms_err(-EINVAL, "address %s: unspecified", s);
		if (!memcmp(a->addr, one, 16))
			return vms_err(-EINVAL, "address %s: loopback", s);
		if (a->addr[0] == 0xff)
			return vms_err(-EINVAL, "address %s: multicast", s);
	}
	return 0;
}

void vms_format_addr(const struct vmst_addr *a, char *out)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	int full = a->family == VMST_AF_INET ? 32 : 128;

	inet_ntop(a->family == VMST_AF_INET ? AF_INET : AF_INET6, a->addr, ip,
		  sizeof(ip));
	if (a->prefix_len == full)
		snprintf(out, VMS_ADDR_STRLEN, "%s", ip);
	else
		snprintf(out, VMS_ADDR_STRLEN, "%s/%u", ip, a->prefix_len);
}

bool vms_addr_overlap(const struct vmst_addr *a, const struct vmst_addr *b)
{
	int plen =
		a->prefix_len < b->prefix_len ? a->prefix_len : b->prefix_len;
	int i;

	if (a->family != b->family)
		return false;
	for (i = 0; i < 16 && plen > 0; i++, plen -= 8) {
		__u8 mask = plen >= 8 ? 0xff : 0xff << (8 - plen);

		if ((a->addr[i] ^ b->addr[i]) & mask)
			return false;
	}
	return true;
}
