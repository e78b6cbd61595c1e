/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* vmsteer doctor: findings (cmd_doctor.c) and the checks of CPUs, queues,
 * offloads and drops (cmd_doctor_net.c). */
#ifndef VMS_DOCTOR_H
#define VMS_DOCTOR_H

#include <stdint.h>
#include <json-c/json.h>

enum doctor_level { L_OK, L_INFO, L_WARN, L_FAIL };

/*
 * Every check, in the order of vmsteer(8)'s list: X(id, name, why it
 * exists), the why printed with --json and written in the man page.
 */
#define DOCTOR_CHECKS(X)                                                    \
	X(C_KERNEL, "kernel",                                               \
	  "vmsteer's programs are CO-RE: they need the kernel's BTF, "      \
	  "and the features of Linux 5.18 that attach probes; it is "       \
	  "tested on 6.1 and later")                                        \
	X(C_VHOST, "vhost_net",                                             \
	  "without vhost-net qemu moves every frame in user space: "        \
	  "taps fill and frames redirected into them are dropped "          \
	  "(tap_ring_full)")                                                \
	X(C_BRNF, "br_netfilter",                                           \
	  "bridged frames then go through iptables: about a third of "      \
	  "the bridge path's rate on the test machine; frames vmsteer "     \
	  "redirects skip those rules anyway")                              \
	X(C_TUNED, "tuned",                                                 \
	  "the tuned profile sets CPU power and scheduling policy; "        \
	  "virtual-host suits a hypervisor")                                \
	X(C_XDP_MODE, "xdp_mode",                                           \
	  "generic XDP runs after the kernel has built an skb: most "       \
	  "of the fast path's gain is lost")                                \
	X(C_XDP_FEAT, "xdp_features",                                       \
	  "native XDP needs the driver's support (basic and "               \
	  "redirect), as the kernel reports it in the netdev family's "     \
	  "xdp_features")                                                   \
	X(C_LRO, "lro",                                                     \
	  "LRO merges frames before XDP: native XDP refuses a device "      \
	  "with LRO on, and merged frames cannot be redirected")            \
	X(C_GRO, "gro",                                                     \
	  "GRO merges frames before generic XDP sees them (native XDP "     \
	  "runs first): merged frames for a VM take the uplink's tc "       \
	  "path instead of XDP; the bridge path gains from GRO")            \
	X(C_RING, "rx_ring",                                                \
	  "a small RX ring drops bursts before any program runs (the "      \
	  "driver's rx_missed/rx_fifo counters)")                           \
	X(C_TC, "tap_program",                                              \
	  "without its tap program a VM's frames are not checked "          \
	  "(anti-spoofing) and take the bridge")                            \
	X(C_MTU, "mtu",                                                     \
	  "a tap's MTU above the uplink's lets the VM send frames the "     \
	  "wire drops; below it, frames for the VM that do not fit "        \
	  "take the bridge (too_big)")                                      \
	X(C_TXQ, "tap_txqueuelen",                                          \
	  "the tap's queue length bounds the ring vmsteer redirects "       \
	  "into: a short one drops bursts (tap_ring_full)")                 \
	X(C_QDISC, "tap_qdisc",                                             \
	  "frames vmsteer redirects into a tap skip its root qdisc: "       \
	  "libvirt's <bandwidth> shaping does not apply")                   \
	X(C_NWFILTER, "nwfilter",                                           \
	  "frames vmsteer redirects skip libvirt's nwfilter rules "         \
	  "(ebtables/iptables): give vmsteer the VM's addresses "           \
	  "instead, or leave the VM off the fast path")                     \
	X(C_STATUS, "status", "what 'vmsteer status' says needs attention") \
	X(C_IRQ, "irq_affinity",                                            \
	  "native XDP runs on the CPUs that take the uplink's "             \
	  "interrupts: all on one CPU caps the fast path at one CPU's "     \
	  "rate")                                                           \
	X(C_RPS, "rps",                                                     \
	  "with generic XDP the program runs after RPS, on the CPUs "       \
	  "rps_cpus names: one CPU of several caps the fast path")          \
	X(C_XPS, "xps",                                                     \
	  "XPS maps sending CPUs to transmit queues: several CPUs on "      \
	  "one queue while another has none serialises the VMs' "           \
	  "frames to the wire on one queue lock")                           \
	X(C_XDPQ, "xdp_queues",                                             \
	  "tun queues a frame XDP redirects on queue (CPU mod "             \
	  "queues): the CPUs that run the uplink's XDP decide which "       \
	  "tap queues (vCPUs) get them; with --xdp-steer cpumap CPUs "      \
	  "0..queues-1 hand the frames over and must be online, and "       \
	  "share a CPU with the uplink's receive only when no other "       \
	  "is left")                                                        \
	X(C_OFFLOAD, "offloads",                                            \
	  "offloads that change frames before XDP sees them: hardware "     \
	  "GRO merges them, VLAN stripping hides the tag from "             \
	  "vmsteer's VLAN lookup, rx-fcs/rx-all pass frames with the "      \
	  "FCS or bad ones")                                                \
	X(C_DROPS, "nic_drops",                                             \
	  "frames the uplink dropped before any program saw them "          \
	  "(rx_missed, rx_fifo, rx_over: ring full) or the stack did "      \
	  "(rx_dropped), since it came up")                                 \
	X(C_TAPQ, "tap_queues",                                             \
	  "vmsteer steers to the queues its port names: a tap with "        \
	  "fewer attached (the guest enabled fewer) loses the frames "      \
	  "steered past them; a VM with more vCPUs than queues leaves "     \
	  "vCPUs without a queue")                                          \
	X(C_MASTER, "tap_master",                                           \
	  "frames vmsteer redirects skip the tap's master: Open "           \
	  "vSwitch flows and a bridge's VLAN filtering do not apply "       \
	  "to them, so the port's VLAN must say what the bridge says")      \
	X(C_NFT, "tap_nftables",                                            \
	  "frames vmsteer redirects skip nftables (and ebtables-nft, "      \
	  "iptables-nft) rules naming the tap")

enum doctor_check {
#define DOCTOR_X_ENUM(id, name, reason) id,
	DOCTOR_CHECKS(DOCTOR_X_ENUM)
#undef DOCTOR_X_ENUM
		DOCTOR_CHECK_MAX
};

struct report {
	struct json_object *arr; /* --json: the findings; else printed */
	int worst;
};

/* One finding of check @c on @object ("" for the host). */
void doctor_report(struct report *r, enum doctor_check c, enum doctor_level l,
		   const char *object, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* The SIOCETHTOOL command @cmd on @dev through socket @fd: 0 or -errno. */
int doctor_ethtool(int fd, const char *dev, void *cmd);

/* A string or integer member of a JSON object ("" or 0 when absent). */
const char *doctor_jstr(struct json_object *o, const char *key);
int64_t doctor_jint(struct json_object *o, const char *key);

/* The uplink's receive CPUs, offloads, drops (cmd_doctor_net.c); @ports:
 * `port list --json`. */
void doctor_uplink_net(struct report *r, int fd, struct json_object *u,
		       struct json_object *ports);
/* A port's queues against the tap's, the VM's vCPUs and the uplink's
 * receive CPUs; its master (bridge VLANs, Open vSwitch). */
void doctor_port_net(struct report *r, struct json_object *p,
		     struct json_object *uplink);

#endif /* VMS_DOCTOR_H */
