// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Trunk ports: their VID lists, as given, stored and shown. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>

#include "core/counters.h"
#include "core/trunk.h"
#include "core/state.h"
#include "util/log.h"

bool vms_trunk_has(const struct vmst_trunk *t, __u16 vid)
{
	return vid < 4096 && ((t->vids[vid >> 6] >> (vid & 63)) & 1);
}

/* A VID at *@p (digits only, no sign or space); advances *@p. */
static int parse_vid(const char **p, unsigned int *vid)
{
	unsigned int v = 0;
	int n = 0;

	while (**p >= '0' && **p <= '9' && n < 5) {
		v = v * 10 + (unsigned int)(**p - '0');
		(*p)++;
		n++;
	}
	if (!n || (**p >= '0' && **p <= '9'))
		return -EINVAL;
	*vid = v;
	return 0;
}

int vms_parse_vids(const char *what, const char *s, struct vmst_trunk *t)
{
	const char *p = s;
	unsigned int a, b, v;

	if (!s || !*s)
		return vms_err(-EINVAL,
			       "%s: empty VID list (expected "
			       "VID[-VID][,...], VIDs %d..%d)",
			       what, VMST_VLAN_MIN, VMST_VLAN_MAX);
	for (;;) {
		if (parse_vid(&p, &a))
			goto bad;
		b = a;
		if (*p == '-') {
			p++;
			if (parse_vid(&p, &b))
				goto bad;
		}
		if (a < VMST_VLAN_MIN || b > VMST_VLAN_MAX)
			return vms_err(-ERANGE, "%s: VID %u outside %d..%d",
				       what, a < VMST_VLAN_MIN ? a : b,
				       VMST_VLAN_MIN, VMST_VLAN_MAX);
		if (a > b)
			return vms_err(-EINVAL, "%s: range %u-%u is reversed",
				       what, a, b);
		for (v = a; v <= b; v++)
			t->vids[v >> 6] |= 1ULL << (v & 63);
		if (!*p)
			return 0;
		if (*p != ',')
			goto bad;
		p++;
	}
bad:
	return vms_err(-EINVAL,
		       "%s: not a VID list (expected VID[-VID][,...], "
		       "VIDs %d..%d)",
		       what, VMST_VLAN_MIN, VMST_VLAN_MAX);
}

void vms_format_vids(const struct vmst_trunk *t, char *out, size_t len)
{
	size_t used = 0;
	unsigned int v, w;

	if (len)
		out[0] = '\0';
	for (v = 1; v < 4096; v++) {
		int n;

		if (!vms_trunk_has(t, v))
			continue;
		for (w = v; w + 1 < 4096 && vms_trunk_has(t, w + 1); w++)
			;
		if (w == v)
			n = snprintf(out + used, len - used, "%s%u",
				     used ? "," : "", v);
		else
			n = snprintf(out + used, len - used, "%s%u-%u",
				     used ? "," : "", v, w);
		if (n < 0 || (size_t)n >= len - used)
			return;
		used += n;
		v = w;
	}
}

int vms_port_trunk_read_all(const struct vms_maps *m, struct vmst_trunk *t)
{
	return vms_ports_read_all(m, VMS_MAP_TRUNK, t, sizeof(*t));
}

int vms_port_trunk_read(const struct vms_maps *m, __u32 idx,
			struct vmst_trunk *t)
{
	memset(t, 0, sizeof(*t));
	if (m->fd[VMS_MAP_TRUNK] < 0)
		return 0; /* a state from before trunk ports */
	if (bpf_map_lookup_elem(m->fd[VMS_MAP_TRUNK], &idx, t))
		return vms_err(-errno, "map %s: cannot read entry %u: %s",
			       VMST_MAP_TRUNK, idx, strerror(errno));
	return 0;
}
