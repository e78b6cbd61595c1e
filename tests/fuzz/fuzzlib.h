/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the packet fuzzers (fuzz_packet.c, fuzz_tap.c) share: their
 * messages, seed files, the tcpdump corpus, LLVMFuzzerInitialize and the
 * privately loaded uplink program.
 */
#ifndef VMS_FUZZLIB_H
#define VMS_FUZZLIB_H

#include <stddef.h>
#include <linux/types.h>

#include "core/state.h"

/* The harness's name, which its messages start with: each defines it. */
extern const char *const fuzz_name;

/* "NAME: " @fmt (with @arg), and exit 2: the harness cannot run. */
void fuzz_die(const char *fmt, const char *arg) __attribute__((noreturn));
/* Frame @f in hex, 32 bytes a line, the first 256 (a mismatch report). */
void fuzz_hexdump(const __u8 *f, size_t len);

/* Seeds written so far: the next one's number. */
extern int fuzz_seed_no;
/* Seed file DIR/seed-NNNNN: the @nsel selector bytes @sel, then @len
 * bytes of frame @f. */
void fuzz_write_seed(const char *dir, const __u8 *sel, size_t nsel,
		     const __u8 *f, size_t len);
/* Each frame of the tcpdump corpus to @seed (its number @i): the corpus
 * is $VMSTEER_CORPUS, else ../shared/corpus beside the checkout the
 * binary was built in (BUILD/tests/NAME). None there: said, no seeds. */
void fuzz_corpus_seeds(const char *dir,
		       void (*seed)(const char *dir, size_t i, const __u8 *f,
				    size_t len));

/*
 * Each harness defines these: LLVMFuzzerInitialize (here) with
 * VMSTEER_FUZZ_SEEDS=DIR calls fuzz_seeds(DIR) to write the seeds and
 * exits, else calls fuzz_setup() to fuzz (libbpf's messages shown with
 * FUZZ_VERBOSE=1 only).
 */
void fuzz_seeds(const char *dir);
void fuzz_setup(void);

struct uplink_bpf;
/* The uplink XDP program, loaded privately (nothing pinned), and its
 * maps in @maps with the configuration written. */
struct uplink_bpf *fuzz_uplink(struct vms_maps *maps);

#endif /* VMS_FUZZLIB_H */
