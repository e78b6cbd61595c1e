// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mapsum: a digest of pinned BPF maps, entry by entry, for the netns tests
 * that check a refused command changed nothing ("every map byte for byte
 * as it was").
 *
 *   mapsum PINNED-MAP...
 *
 * One line per map: "NAME: type T key K value V max M entries N sum X",
 * where X is a 64-bit FNV-1a hash of every key and value in iteration
 * order (per-CPU values: every CPU's), and of the error of any entry that
 * cannot be read. A missing map is "NAME: absent". It reads the maps with
 * libbpf's syscalls alone, independently of vmsteer's code, as bpftool
 * does, but without formatting megabytes of JSON: the maps of a state are
 * sized for 4,096 ports, and `bpftool -j map dump` of them took most of
 * the time of the tests that compare snapshots.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n--) {
		h ^= *b++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static int sum_map(const char *path)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	uint64_t h = 0xcbf29ce484222325ULL, entries = 0;
	size_t vlen;
	void *key, *next, *val;
	int fd, err, e;
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;

	fd = bpf_obj_get(path);
	if (fd < 0) {
		if (errno == ENOENT) {
			printf("%s: absent\n", name);
			return 0;
		}
		fprintf(stderr, "mapsum: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		fprintf(stderr, "mapsum: %s: not a map: %s\n", path,
			strerror(errno));
		close(fd);
		return 1;
	}
	vlen = info.value_size;
	if (info.type == BPF_MAP_TYPE_PERCPU_ARRAY ||
	    info.type == BPF_MAP_TYPE_PERCPU_HASH ||
	    info.type == BPF_MAP_TYPE_LRU_PERCPU_HASH)
		vlen = ((vlen + 7) & ~7UL) * libbpf_num_possible_cpus();
	key = calloc(1, info.key_size + 1);
	next = calloc(1, info.key_size + 1);
	val = calloc(1, vlen + 1);
	if (!key || !next || !val) {
		fprintf(stderr, "mapsum: out of memory\n");
		return 1;
	}
	err = bpf_map_get_next_key(fd, NULL, next);
	while (!err) {
		memcpy(key, next, info.key_size);
		h = fnv(h, key, info.key_size);
		if (bpf_map_lookup_elem(fd, key, val)) {
			e = errno;
			h = fnv(h, &e, sizeof(e));
		} else {
			h = fnv(h, val, vlen);
		}
		entries++;
		err = bpf_map_get_next_key(fd, key, next);
	}
	if (errno != ENOENT) {
		fprintf(stderr, "mapsum: %s: iteration: %s\n", path,
			strerror(errno));
		return 1;
	}
	printf("%s: type %u key %u value %u max %u entries %llu sum %016llx\n",
	       name, info.type, info.key_size, info.value_size,
	       info.max_entries, (unsigned long long)entries,
	       (unsigned long long)h);
	free(key);
	free(next);
	free(val);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	int i, rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: mapsum PINNED-MAP...\n");
		return 2;
	}
	for (i = 1; i < argc; i++)
		rc |= sum_map(argv[i]);
	return rc;
}
