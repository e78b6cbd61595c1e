// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Reference RSS: the Toeplitz hash written bit by bit from Microsoft's
 * specification ("RSS hashing functions"), the hash inputs, and the queue
 * choice of the steering program (bpf/lib/rss.h), which the tests hold
 * this reference against.
 */
#include <string.h>
#include <netinet/in.h>

#include "load/toeplitz.h"

const __u8 vms_rss_key_msft[VMST_RSS_KEY_LEN] = VMST_RSS_KEY_MSFT;

/* Bit @bit of @key, most significant bit of key[0] first; 0 past the end. */
static unsigned int key_bit(const __u8 *key, size_t bit)
{
	if (bit >= 8 * VMST_RSS_KEY_LEN)
		return 0;
	return (key[bit / 8] >> (7 - bit % 8)) & 1;
}

__u32 vms_toeplitz(const __u8 key[VMST_RSS_KEY_LEN], const void *in, size_t len)
{
	const __u8 *p = in;
	__u32 result = 0;
	size_t bit;

	/*
	 * The specification: for each bit b of the input from the left, if
	 * it is set, result ^= the left-most 32 bits of K; then shift K left
	 * by one. The left-most 32 bits of K at input bit b are key bits
	 * b..b+31.
	 */
	for (bit = 0; bit < 8 * len; bit++) {
		__u32 window = 0;
		int k;

		if (!((p[bit / 8] >> (7 - bit % 8)) & 1))
			continue;
		for (k = 0; k < 32; k++)
			window = window << 1 | key_bit(key, bit + k);
		result ^= window;
	}
	return result;
}

void vms_rss_lut_build(const __u8 key[VMST_RSS_KEY_LEN],
		       struct vmst_rss_lut *lut)
{
	__u8 in[VMST_RSS_INPUT_MAX] = {};
	unsigned int i, n;

	memset(lut, 0, sizeof(*lut));
	memcpy(lut->key, key, VMST_RSS_KEY_LEN);
	/* Each entry is the reference hash of one nibble at its place. */
	for (i = 0; i < VMST_RSS_INPUT_MAX; i++) {
		for (n = 0; n < 16; n++) {
			in[i] = n << 4;
			lut->nib[2 * i][n] = vms_toeplitz(key, in, i + 1);
			in[i] = n;
			lut->nib[2 * i + 1][n] = vms_toeplitz(key, in, i + 1);
		}
		in[i] = 0;
	}
}

static size_t put_port(__u8 *out, __u16 port)
{
	out[0] = port >> 8;
	out[1] = port & 0xff;
	return 2;
}

size_t vms_rss_input(__u8 out[VMST_RSS_INPUT_MAX], int family,
		     const void *saddr, const void *daddr, bool ports,
		     __u16 sport, __u16 dport)
{
	size_t len = family == 4 ? 4 : 16, n = 2 * len;

	memcpy(out, saddr, len);
	memcpy(out + len, daddr, len);
	if (ports) {
		n += put_port(out + n, sport);
		n += put_port(out + n, dport);
	}
	return n;
}

bool vms_rss_flow_hash(const __u8 key[VMST_RSS_KEY_LEN], __u32 types,
		       const struct vms_rss_flow *f, __u32 *hash)
{
	__u32 t_ip, t_tcp, t_udp;
	__u8 in[VMST_RSS_INPUT_MAX];
	bool v4 = f->family == 4, ports;
	size_t len;

	if (f->family != 4 && f->family != 6)
		return false;
	t_ip = v4 ? VMST_RSS_IPV4 : VMST_RSS_IPV6;
	t_tcp = v4 ? VMST_RSS_TCPV4 : VMST_RSS_TCPV6;
	t_udp = v4 ? VMST_RSS_UDPV4 : VMST_RSS_UDPV6;
	ports = (f->l4 == IPPROTO_TCP && (types & t_tcp)) ||
		(f->l4 == IPPROTO_UDP && (types & t_udp));
	if (!ports && !(types & t_ip))
		return false;
	len = vms_rss_input(in, f->family, f->saddr, f->daddr, ports, f->sport,
			    f->dport);
	*hash = vms_toeplitz(key, in, len);
	return true;
}

__u32 vms_rss_flow_queue(const struct vmst_rss *cfg,
			 const struct vms_rss_flow *f)
{
	__u32 size = cfg->table_size, hash, q;

	if (size == 0 || size > VMST_RSS_TABLE_MAX || (size & (size - 1)))
		return cfg->default_queue;
	if (!vms_rss_flow_hash(cfg->key, cfg->hash_types, f, &hash))
		return cfg->default_queue;
	q = cfg->table[hash % size];
	if (cfg->queues && q >= cfg->queues)
		return cfg->default_queue;
	return q;
}

void vms_rss_default(struct vmst_rss *cfg, __u16 queues)
{
	int i;

	memset(cfg, 0, sizeof(*cfg));
	memcpy(cfg->key, vms_rss_key_msft, sizeof(cfg->key));
	cfg->hash_types = VMST_RSS_TYPES_ALL;
	cfg->table_size = VMST_RSS_TABLE_MAX;
	cfg->queues = queues;
	for (i = 0; i < VMST_RSS_TABLE_MAX; i++)
		cfg->table[i] = queues ? i % queues : 0;
}
