// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The agent's libvirt side: a connection (virConnectOpen, the configured
 * URI), domain events (LIFECYCLE, DEVICE_ADDED, DEVICE_REMOVED) and the
 * running domains' XML. After an event for a domain its XML is read again
 * (a running domain) or its ports dropped (a domain that stopped); after
 * the connection opens (at start and after every reconnect) all running
 * domains are listed and read. A closed connection (libvirtd restarted or
 * stopped) is opened again with a backoff of 0.25 s doubling up to 30 s;
 * meanwhile the agent's ports stay and only follow their taps.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "agent.h"
#include "util/log.h"

#define BACKOFF_MIN_MS 250
#define BACKOFF_MAX_MS 30000

/* Read domain @dom again: its ports, or none when it is not running. */
static void domain_read(struct vms_agent *a, virDomainPtr dom)
{
	static struct vms_agent_domain d;
	char uuid[VIR_UUID_STRING_BUFLEN];
	char *xml;
	int err;

	if (virDomainGetUUIDString(dom, uuid))
		return;
	if (virDomainIsActive(dom) != 1) {
		vms_agent_domain_gone(a, uuid);
		return;
	}
	xml = virDomainGetXMLDesc(dom, 0);
	if (!xml) {
		/* Gone between the event and now: its stop event follows. */
		vms_agent_domain_gone(a, uuid);
		return;
	}
	err = vms_agent_domain_ports(xml, strlen(xml), &a->sel, false, &d);
	free(xml);
	if (err) {
		agent_log("domain %s: %s", virDomainGetName(dom),
			  vms_last_error());
		vms_clear_error();
		return;
	}
	snprintf(d.uuid, sizeof(d.uuid), "%s", uuid);
	vms_agent_domain_set(a, &d);
}

static int lifecycle_cb(virConnectPtr conn, virDomainPtr dom, int event,
			int detail, void *opaque)
{
	struct vms_agent *a = opaque;

	(void)conn;
	(void)detail;
	pr_debug("domain %s: lifecycle event %d", virDomainGetName(dom), event);
	domain_read(a, dom);
	vms_agent_kick(a, "domain lifecycle");
	return 0;
}

static int device_cb(virConnectPtr conn, virDomainPtr dom, const char *alias,
		     void *opaque)
{
	struct vms_agent *a = opaque;

	(void)conn;
	pr_debug("domain %s: device %s added or removed", virDomainGetName(dom),
		 alias);
	domain_read(a, dom);
	vms_agent_kick(a, "domain device");
	return 0;
}

/* All running domains, read afresh. */
static int domains_list(struct vms_agent *a)
{
	virDomainPtr *doms = NULL;
	int i, n;

	n = virConnectListAllDomains(a->conn, &doms,
				     VIR_CONNECT_LIST_DOMAINS_ACTIVE);
	if (n < 0)
		return -EIO;
	vms_agent_domains_clear(a);
	for (i = 0; i < n; i++) {
		domain_read(a, doms[i]);
		virDomainFree(doms[i]);
	}
	free(doms);
	a->domains_known = true;
	return 0;
}

static void reconnect_fire(int timer, void *opaque);

static void close_cb(virConnectPtr conn, int reason, void *opaque)
{
	struct vms_agent *a = opaque;

	(void)conn;
	agent_log("libvirt connection closed (reason %d): the ports follow "
		  "their taps until it is back",
		  reason);
	/* The domains are no longer known: nothing is deleted meanwhile. */
	a->domains_known = false;
	a->backoff_ms = BACKOFF_MIN_MS;
	virEventUpdateTimeout(a->reconnect_timer, 0);
}

static void disconnect(struct vms_agent *a)
{
	virConnectPtr c = a->conn;

	if (!c)
		return;
	a->conn = NULL;
	if (a->cb_lifecycle >= 0)
		virConnectDomainEventDeregisterAny(c, a->cb_lifecycle);
	if (a->cb_added >= 0)
		virConnectDomainEventDeregisterAny(c, a->cb_added);
	if (a->cb_removed >= 0)
		virConnectDomainEventDeregisterAny(c, a->cb_removed);
	a->cb_lifecycle = a->cb_added = a->cb_removed = -1;
	virConnectUnregisterCloseCallback(c, close_cb);
	virConnectClose(c);
}

/* Open the connection, subscribe, read the domains: 0 or -errno. */
static int connect_once(struct vms_agent *a)
{
	virConnectPtr c;

	c = virConnectOpen(a->uri);
	if (!c)
		return -ECONNREFUSED;
	a->conn = c;
	a->cb_lifecycle = virConnectDomainEventRegisterAny(
		c, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
		VIR_DOMAIN_EVENT_CALLBACK(lifecycle_cb), a, NULL);
	a->cb_added = virConnectDomainEventRegisterAny(
		c, NULL, VIR_DOMAIN_EVENT_ID_DEVICE_ADDED,
		VIR_DOMAIN_EVENT_CALLBACK(device_cb), a, NULL);
	a->cb_removed = virConnectDomainEventRegisterAny(
		c, NULL, VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED,
		VIR_DOMAIN_EVENT_CALLBACK(device_cb), a, NULL);
	if (a->cb_lifecycle < 0 || a->cb_added < 0 || a->cb_removed < 0 ||
	    virConnectRegisterCloseCallback(c, close_cb, a, NULL) < 0) {
		disconnect(a);
		return -EIO;
	}
	/* A daemon that hangs is noticed too (a closed socket is at once). */
	virConnectSetKeepAlive(c, 5, 3);
	/* Subscribed before listing: no change falls in between. */
	if (domains_list(a)) {
		disconnect(a);
		return -EIO;
	}
	return 0;
}

static const char *last_libvirt_error(void)
{
	virErrorPtr e = virGetLastError();

	return e && e->message ? e->message : "unknown error";
}

static void reconnect_fire(int timer, void *opaque)
{
	struct vms_agent *a = opaque;

	virEventUpdateTimeout(timer, -1);
	disconnect(a);
	if (connect_once(a)) {
		pr_debug("libvirt %s: %s (again in %d ms)", a->uri,
			 last_libvirt_error(), a->backoff_ms);
		virEventUpdateTimeout(timer, a->backoff_ms);
		a->backoff_ms = a->backoff_ms * 2 > BACKOFF_MAX_MS
					? BACKOFF_MAX_MS
					: a->backoff_ms * 2;
		return;
	}
	agent_log("libvirt %s: connected, %d domains with managed interfaces",
		  a->uri, a->n_domains);
	vms_agent_kick(a, "libvirt connected");
}

/* libvirt's own error printing goes: the agent says what matters. */
static void quiet_errors(void *data, virErrorPtr e)
{
	(void)data;
	(void)e;
}

int vms_agent_libvirt_start(struct vms_agent *a)
{
	a->cb_lifecycle = a->cb_added = a->cb_removed = -1;
	a->backoff_ms = BACKOFF_MIN_MS;
	virSetErrorFunc(NULL, quiet_errors);
	a->reconnect_timer = virEventAddTimeout(-1, reconnect_fire, a, NULL);
	if (a->reconnect_timer < 0)
		return vms_err(-EIO, "libvirt: cannot add a timer");
	if (connect_once(a)) {
		if (a->once)
			return vms_err(-ECONNREFUSED, "libvirt %s: %s", a->uri,
				       last_libvirt_error());
		agent_log("libvirt %s: %s; trying again (the ports follow "
			  "their taps meanwhile)",
			  a->uri, last_libvirt_error());
		virEventUpdateTimeout(a->reconnect_timer, a->backoff_ms);
		return 0;
	}
	agent_log("libvirt %s: connected, %d domains with managed interfaces",
		  a->uri, a->n_domains);
	return 0;
}

void vms_agent_libvirt_stop(struct vms_agent *a)
{
	disconnect(a);
	if (a->reconnect_timer > 0)
		virEventRemoveTimeout(a->reconnect_timer);
}
