// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Reference model of the uplink forwarding decision: see refmodel.h. */
#include <string.h>
#include <linux/bpf.h>

#include "vmsteer.h"
#include "refmodel.h"

#define ETH_ADDRS 12 /* destination and source MAC */
#define ETH_HDR	  14
#define TAG_LEN	  4

static unsigned int be16_at(const __u8 *p)
{
	return (p[0] << 8) | p[1];
}

static bool is_tpid(unsigned int type)
{
	return type == 0x8100 || type == 0x88a8;
}

const char *ref_reason_str(int reason)
{
	static const char *const labels[] = {
#define X(name, label, help) [VMST_R_##name] = label,
		VMST_REASONS(X)
#undef X
	};

	if (reason < 0)
		return "forwarded";
	if (reason >= VMST_R_MAX)
		return "?";
	return labels[reason];
}

/* The frame goes to the kernel, unmodified. Returns 0. */
static int pass_ret(struct ref_result *res, int reason, __u32 port, __u64 bytes,
		    const __u8 *frame, size_t len, __u8 *out)
{
	res->verdict = XDP_PASS;
	res->reason = reason;
	res->port = port;
	res->bytes = bytes;
	res->out_len = len;
	memcpy(out, frame, len);
	return 0;
}

static int decide(const __u8 *frame, size_t len, size_t linear,
		  const struct ref_port *ports, size_t nports,
		  struct ref_result *res, __u8 *out)
{
	const struct ref_port *port = NULL;
	unsigned int type, vid = 0, ntags = 0;
	bool outer_ad = false, more_tags;
	size_t off = ETH_ADDRS, i, vm_len;

	memset(res, 0, sizeof(*res));

	/* 1. Ethernet and VLAN headers, in the first buffer. */
	if (linear < ETH_HDR)
		return pass_ret(res, VMST_R_PASS_MALFORMED, 0, len, frame, len,
				out);
	type = be16_at(frame + off);
	outer_ad = type == 0x88a8;
	while (is_tpid(type) && ntags < 2) {
		if (linear < off + TAG_LEN + 2)
			return pass_ret(res, VMST_R_PASS_MALFORMED, 0, len,
					frame, len, out);
		if (!ntags)
			vid = be16_at(frame + off + 2) & 0x0fff;
		off += TAG_LEN;
		ntags++;
		type = be16_at(frame + off);
	}
	more_tags = is_tpid(type);

	/* 2. Group addresses belong to the kernel. */
	if (frame[0] & 1)
		return pass_ret(res, VMST_R_PASS_MULTICAST, 0, len, frame, len,
				out);

	/* 3. Only untagged or single 802.1Q frames with a real VID. */
	if (ntags > 1 || more_tags || outer_ad ||
	    (ntags == 1 && (vid == 0 || vid == 0x0fff)))
		return pass_ret(res, VMST_R_PASS_VLAN, 0, len, frame, len, out);

	/* 4. The port owning (VLAN, MAC). */
	for (i = 0; i < nports; i++)
		if (ports[i].vlan == vid && !memcmp(ports[i].mac, frame, 6)) {
			port = &ports[i];
			break;
		}
	if (!port)
		return pass_ret(res, VMST_R_PASS_UNKNOWN, 0, len, frame, len,
				out);

	/* 5. What the VM would receive must fit its tap. */
	vm_len = len - ntags * TAG_LEN;
	if (vm_len > port->mtu + ETH_HDR || len > linear)
		return pass_ret(res, VMST_R_PASS_TOO_BIG, port->idx, vm_len,
				frame, len, out);

	/* 6, 7. Delivered untagged, or lost when the target is gone. */
	memcpy(out, frame, ETH_ADDRS);
	memcpy(out + ETH_ADDRS, frame + ETH_ADDRS + ntags * TAG_LEN,
	       len - ETH_ADDRS - ntags * TAG_LEN);
	res->port = port->idx;
	res->bytes = vm_len;
	res->out_len = vm_len;
	if (port->has_target) {
		res->verdict = XDP_REDIRECT;
		res->reason = -1;
	} else if (ntags) {
		res->verdict = XDP_DROP;
		res->reason = VMST_R_DROP_NO_TARGET;
		res->out_len = 0;
	} else {
		res->verdict = XDP_PASS;
		res->reason = VMST_R_PASS_NO_TARGET;
	}
	return 0;
}

void ref_decide(const __u8 *frame, size_t len, size_t linear,
		const struct ref_port *ports, size_t nports,
		struct ref_result *res, __u8 *out)
{
	decide(frame, len, linear, ports, nports, res, out);
}
