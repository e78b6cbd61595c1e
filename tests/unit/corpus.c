// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Reading a pcap file into memory with libpcap: see corpus.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "corpus.h"

void corpus_free(struct corpus *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->data[i]);
	free(c->data);
	free(c->len);
	memset(c, 0, sizeof(*c));
}

/* Room for one more frame. */
static int grow(struct corpus *c, size_t *cap)
{
	unsigned char **data;
	size_t *len;

	if (c->n < *cap)
		return 0;
	*cap = *cap ? 2 * *cap : 1024;
	data = realloc(c->data, *cap * sizeof(*data));
	if (!data)
		return -1;
	c->data = data;
	len = realloc(c->len, *cap * sizeof(*len));
	if (!len)
		return -1;
	c->len = len;
	return 0;
}

int corpus_load(const char *path, struct corpus *c, char *err, size_t errlen)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *bytes;
	size_t cap = 0;
	pcap_t *p;
	int ret;

	memset(c, 0, sizeof(*c));
	p = pcap_open_offline(path, errbuf);
	if (!p) {
		snprintf(err, errlen, "pcap_open_offline %s: %s", path, errbuf);
		return -1;
	}
	if (pcap_datalink(p) != DLT_EN10MB) {
		snprintf(err, errlen, "%s: link type %d, want Ethernet", path,
			 pcap_datalink(p));
		pcap_close(p);
		return -1;
	}
	while ((ret = pcap_next_ex(p, &h, &bytes)) == 1) {
		if (grow(c, &cap))
			break;
		c->data[c->n] = malloc(h->caplen ? h->caplen : 1);
		if (!c->data[c->n])
			break;
		memcpy(c->data[c->n], bytes, h->caplen);
		c->len[c->n] = h->caplen;
		c->n++;
	}
	if (ret != PCAP_ERROR_BREAK) {
		snprintf(err, errlen, "%s: read failed after %zu frames: %s",
			 path, c->n,
			 ret == PCAP_ERROR ? pcap_geterr(p) : "out of memory");
		pcap_close(p);
		corpus_free(c);
		return -1;
	}
	pcap_close(p);
	return 0;
}
