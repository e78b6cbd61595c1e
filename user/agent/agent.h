/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * vmsteer-agent: keeps the pinned state converged with the VMs that exist
 * (libvirt events, rtnetlink). Its own binary: libvirt, libxml2 and libmnl
 * are linked here only (the CLI's `vmsteer agent` runs it).
 */
#ifndef VMS_AGENT_H
#define VMS_AGENT_H

#include <stdbool.h>

#include "config/config.h"

/* The namespace of vmsteer's elements in a domain's <metadata>. */
#define VMS_XML_NS "urn:vmsteer:domain:1"

/* Default agent configuration file. */
#define VMS_AGENT_CONFIG "/etc/vmsteer/agent.json"
#define VMS_AGENT_URI	 "qemu:///system"

#define VMS_AGENT_MAX_SEL 64

/* Which interfaces of the domains the agent manages. */
struct vms_agent_select {
	int n_bridges;
	char bridges[VMS_AGENT_MAX_SEL][IF_NAMESIZE];
	int n_macs;
	__u8 macs[VMS_AGENT_MAX_SEL][6];
};

/* True when an interface on @bridge ("" none) with MAC @mac is selected. */
bool vms_agent_selected(const struct vms_agent_select *sel, const char *bridge,
			const char *mac);

/* Interfaces of one domain the agent takes at most. */
#define VMS_AGENT_DOM_PORTS 32

/* The ports of a running domain. */
struct vms_agent_domain {
	char name[256];
	char uuid[40];
	int n;
	int errors; /* interfaces left out for bad settings */
	struct vms_cfg_port ports[VMS_AGENT_DOM_PORTS];
};

/*
 * The ports the agent manages of the domain whose XML is @xml: selected
 * interfaces with a tap (<target dev>; with @tapless those without too,
 * tap ""), their settings from the XML and the vmsteer metadata (see
 * domxml.c and README). An interface with bad settings is left out with a
 * warning (counted in @d->errors). -errno only when the document is no
 * domain.
 */
int vms_agent_domain_ports(const char *xml, size_t len,
			   const struct vms_agent_select *sel, bool tapless,
			   struct vms_agent_domain *d);

struct vms_agent;

/*
 * The libvirt qemu hook (scripts/libvirt/qemu-hook): the domain XML on
 * standard input; @op "start" adds or updates its selected interfaces'
 * ports, "release" deletes them (by MAC and VLAN: the XML then names no
 * tap). 0, or -errno with a message.
 */
int vms_agent_hook(struct vms_agent *a, const char *op);

/* libvirt (libvirt.c). */
int vms_agent_libvirt_start(struct vms_agent *a);
void vms_agent_libvirt_stop(struct vms_agent *a);

/* rtnetlink (netlink.c). */
int vms_agent_netlink_start(struct vms_agent *a);
void vms_agent_netlink_stop(struct vms_agent *a);

/* Converge soon (coalescing bursts of events); @why for the log. */
void vms_agent_kick(struct vms_agent *a, const char *why);
/* Read the host-local MACs again soon (a bridge FDB change). */
void vms_agent_kick_local(struct vms_agent *a);

extern const char cmd_agent_usage[];

/* The agent's log: one line on stderr (the journal under systemd). */
void agent_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

struct vms_agent {
	const char *pin_path;
	char uri[512]; /* "" : no libvirt */
	bool once;     /* converge once, then exit */
	struct vms_agent_select sel;

	/* libvirt */
	void *conn; /* virConnectPtr, NULL while disconnected */
	int cb_lifecycle, cb_added, cb_removed;
	int reconnect_timer;
	int backoff_ms;
	bool domains_known; /* the domain list is current */
	int n_domains;
	struct vms_agent_domain **domains;

	/* rtnetlink */
	void *nl; /* struct mnl_socket * */
	int nl_watch;

	/* converging */
	int kick_timer;
	bool ports_dirty;   /* the ports need converging, not only vmst_local */
	int retry_ms;	    /* next retry after a failed one, 0: none */
	char last_err[512]; /* logged once while it repeats */
	char **warn_prev, **warn_cur; /* warnings of the last convergence */
	int n_warn_prev, n_warn_cur;
	bool quit;
	int exit_code;
	unsigned long converges;
};

/* Replace the ports of domain @d->uuid (n 0: the domain is gone). */
void vms_agent_domain_set(struct vms_agent *a,
			  const struct vms_agent_domain *d);
void vms_agent_domain_gone(struct vms_agent *a, const char *uuid);
void vms_agent_domains_clear(struct vms_agent *a);

#endif /* VMS_AGENT_H */
