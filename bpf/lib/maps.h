/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one set of maps every vmsteer program shares. Each is pinned by name
 * under the pin path, so whichever program loads first creates it and every
 * later program, CLI run or upgrade reuses it. Each is written out whole
 * in libbpf's BTF form, alike as they look: its type, size, key and value
 * read at a glance, as the libbpf and kernel samples write them.
 */
#ifndef VMST_BPF_MAPS_H
#define VMST_BPF_MAPS_H

#include "common.h"

/* Layout stamp and global settings (struct vmst_config, one entry). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vmst_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vmst_config SEC(".maps");

/* FDB slots: port index, 0 when free. See VMST_FDB_* in vmsteer.h. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VMST_FDB_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vmst_fdb SEC(".maps");

/* Data-path port entries, indexed by port index. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VMST_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct vmst_port);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vmst_ports SEC(".maps");

/* Control-plane port records, indexed by port index (not read here). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VMST_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct vmst_port_cfg);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vmst_port_cfg SEC(".maps");

/* Redirect targets: port index -> tap ifindex. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, VMST_MAX_PORTS);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vmst_tx SEC(".maps");

/* Tap device -> port index, for the transmit tracepoints. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VMST_MAX_PORTS);
	__type(key, struct vmst_dev_key);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vmst_devs SEC(".maps");

/* Uplinks vmsteer is attached to and their attach mode. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VMST_MAX_UPLINKS);
	__type(key, struct vmst_dev_key);
	__type(value, struct vmst_uplink);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vmst_uplinks SEC(".maps");

/* Per-CPU port counters, indexed by port index. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VMST_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct vmst_port_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vmst_pstats SEC(".maps");

/* Per-CPU pass and drop counters, keyed by VMST_RSTATS_KEY(port, reason)
 * and VMST_RSTATS_XDP_KEY(port, xdp drop slot). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VMST_MAX_PORTS *VMST_RSTATS_ROW);
	__type(key, __u32);
	__type(value, struct vmst_counter);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vmst_rstats SEC(".maps");

/* Drop monitor control: see struct vmst_mon_ctl. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vmst_mon_ctl);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vmst_mon_ctl SEC(".maps");

/* Drop monitor per-CPU sampling state and event counts. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vmst_mon_pcpu);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vmst_mon_pcpu SEC(".maps");

/* Drop monitor events (struct vmst_mon_event), read by `vmsteer monitor`. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, VMST_MON_RING_SIZE);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vmst_mon_ring SEC(".maps");

/* Per-port RSS configuration (struct vmst_rss), indexed by port index. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VMST_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct vmst_rss);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vmst_rss SEC(".maps");

/* Toeplitz lookup tables of each distinct RSS key (struct vmst_rss_lut),
 * indexed by key slot (vmst_rss's key_slot). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VMST_RSS_KEY_SLOTS);
	__type(key, __u32);
	__type(value, struct vmst_rss_lut);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vmst_rss_lut SEC(".maps");

/* Transmit-path control records (struct vmst_port_tx), by port index. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VMST_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct vmst_port_tx);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vmst_port_tx SEC(".maps");

/* IPv4 source prefixes per port: (port, prefix) -> 1. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, VMST_LPM_ENTRIES);
	__type(key, struct vmst_lpm4_key);
	__type(value, __u32);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vmst_addr4 SEC(".maps");

/* IPv6 source prefixes per port: (port, prefix) -> 1. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, VMST_LPM_ENTRIES);
	__type(key, struct vmst_lpm6_key);
	__type(value, __u32);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vmst_addr6 SEC(".maps");

/* The uplink VMs' frames leave by (struct vmst_north, one entry). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vmst_north);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vmst_north SEC(".maps");
/* Frames per tap queue (struct vmst_queue_stats), by port index: one
 * copy for all CPUs, atomic increments. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VMST_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct vmst_queue_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vmst_qstats SEC(".maps");

/* CPUs that steered XDP frames hop to (key: CPU; value: queue size and
 * the program bpf/cpumap.bpf.c).
 */
struct {
	__uint(type, BPF_MAP_TYPE_CPUMAP);
	__uint(max_entries, 1); /* the loader sets the possible CPUs */
	__type(key, __u32);
	__type(value, struct bpf_cpumap_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vmst_cpumap SEC(".maps");

/* Host-local MACs of each netns (struct vmst_local_key -> vmst_local):
 * the tap program leaves unicast to them to the bridge.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VMST_LOCAL_MAX);
	__type(key, struct vmst_local_key);
	__type(value, struct vmst_local);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vmst_local SEC(".maps");

/* VIDs of trunk ports (struct vmst_trunk), indexed by port index. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VMST_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct vmst_trunk);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vmst_trunk SEC(".maps");

#endif /* VMST_BPF_MAPS_H */
