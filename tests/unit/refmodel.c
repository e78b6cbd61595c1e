// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Reference model of the uplink forwarding decision: see refmodel.h. */
#include <stdio.h>
#include <string.h>
#include <linux/bpf.h>

#include "vmsteer.h"
#include "core/counters.h"
#include "load/toeplitz.h"
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
	if (reason < 0)
		return "forwarded";
	if (reason >= VMST_R_MAX)
		return "?";
	return vms_reason_labels[reason];
}

const char *ref_slot_str(int slot)
{
	static char buf[64];
	int r;

	if (slot < VMST_REASON_SLOTS)
		return ref_reason_str(slot);
	for (r = 0; r < VMST_R_MAX; r++)
		if (vms_reason_xdp_slot(r) == slot) {
			snprintf(buf, sizeof(buf), "%s (XDP)",
				 vms_reason_labels[r]);
			return buf;
		}
	return "(a spare XDP drop slot)";
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

/*
 * The flow RSS hashes, from the frame as the VM sees it: @l3 is the offset
 * past the Ethernet header and the tag.
 */
static void rss_flow(const __u8 *f, size_t len, size_t l3, unsigned int type,
		     struct vms_rss_flow *fl)
{
	unsigned int proto;
	size_t l4;

	memset(fl, 0, sizeof(*fl));
	if (type == 0x0800) {
		if (len < l3 + 20 || f[l3] >> 4 != 4 || (f[l3] & 15) < 5)
			return;
		fl->family = 4;
		memcpy(fl->saddr, f + l3 + 12, 4);
		memcpy(fl->daddr, f + l3 + 16, 4);
		if (be16_at(f + l3 + 6) & 0x3fff) /* MF or an offset */
			return;
		proto = f[l3 + 9];
		l4 = l3 + (f[l3] & 15) * 4;
	} else if (type == 0x86dd) {
		if (len < l3 + 40 || f[l3] >> 4 != 6)
			return;
		fl->family = 6;
		memcpy(fl->saddr, f + l3 + 8, 16);
		memcpy(fl->daddr, f + l3 + 24, 16);
		proto = f[l3 + 6];
		l4 = l3 + 40;
	} else {
		return;
	}
	if ((proto == 6 || proto == 17) && len >= l4 + 4) {
		fl->l4 = proto;
		fl->sport = be16_at(f + l4);
		fl->dport = be16_at(f + l4 + 2);
	}
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
	res->queue = -1;

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

	/* 7. To the CPU of the flow's queue, when the CPUMAP has it. */
	if (port->xdp_steer && port->rss.queues) {
		struct vms_rss_flow fl;
		__u32 q;

		rss_flow(frame, len, ETH_HDR + ntags * TAG_LEN, type, &fl);
		q = vms_rss_flow_queue(&port->rss, &fl);
		if (q < 64 && (port->cpumap_cpus >> q & 1)) {
			res->verdict = XDP_REDIRECT;
			res->reason = -1;
			res->port = port->idx;
			res->bytes = vm_len;
			res->out_len = len;
			res->queue = q;
			memcpy(out, frame, len);
			return 0;
		}
	}

	/* 6, 8. Delivered untagged, or lost when the target is gone. */
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
