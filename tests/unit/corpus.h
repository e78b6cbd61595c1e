/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A pcap file's frames in memory. Kept apart from the BPF headers: libpcap's
 * pcap/bpf.h and linux/bpf.h both define struct bpf_insn.
 */
#ifndef VMST_UNIT_CORPUS_H
#define VMST_UNIT_CORPUS_H

#include <stddef.h>

struct corpus {
	size_t n;	      /* frames */
	unsigned char **data; /* captured bytes of each */
	size_t *len;	      /* captured length of each */
};

/*
 * Read every frame of the Ethernet pcap @path. 0, or -1 with a message in
 * @err (@errlen bytes).
 */
int corpus_load(const char *path, struct corpus *c, char *err, size_t errlen);
void corpus_free(struct corpus *c);

#endif /* VMST_UNIT_CORPUS_H */
