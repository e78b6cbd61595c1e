// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The ports of a libvirt domain, from its XML (libxml2, XPath):
 *
 *   <interface type='bridge'>            type 'network' and 'ethernet' too
 *     <source bridge='br0'/>             selection by bridge
 *     <target dev='vnet3'/>              the tap
 *     <mac address='52:54:00:12:34:56'/> the VM's MAC
 *     <driver queues='2'/>               queue steering over 2 queues
 *     <vlan><tag id='100'/></vlan>       access VLAN (one tag; several, or
 *                                        trunk='yes': a trunk port)
 *     <filterref filter='clean-traffic'>
 *       <parameter name='IP' value='192.0.2.10'/>    allowed sources
 *       <parameter name='IPV6' value='2001:db8::10'/>
 *     </filterref>
 *   </interface>
 *
 * and what libvirt has no element for, in the domain's metadata under the
 * namespace VMS_XML_NS, per interface by MAC:
 *
 *   <metadata>
 *     <vmsteer:domain xmlns:vmsteer='urn:vmsteer:domain:1'>
 *       <vmsteer:interface mac='52:54:00:12:34:56' manage='yes'
 *                          trusted='yes' xdp-steer='none'>
 *         <vmsteer:address>192.0.2.64/26</vmsteer:address>
 *         <vmsteer:rss key='6d:5a:...' types='ipv4,tcpv4'
 *                      table='0,1,1,0' default-queue='0'/>
 *       </vmsteer:interface>
 *     </vmsteer:domain>
 *   </metadata>
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "agent.h"
#include "config/config.h"
#include "core/addr.h"
#include "load/rss.h"
#include "load/toeplitz.h"
#include "util/log.h"
#include "util/netdev.h"

/* The string value of @expr relative to @node ("" when none), malloc()ed. */
static char *xstr(xmlXPathContextPtr x, xmlNodePtr node, const char *expr)
{
	xmlXPathObjectPtr r;
	char *s;

	r = xmlXPathNodeEval(node, BAD_CAST expr, x);
	if (!r)
		return strdup("");
	if (r->type == XPATH_STRING && r->stringval)
		s = strdup((const char *)r->stringval);
	else
		s = (char *)xmlXPathCastToString(r);
	xmlXPathFreeObject(r);
	return s ? s : strdup("");
}

/* The nodes of @expr relative to @node (NULL when none). */
static xmlXPathObjectPtr xnodes(xmlXPathContextPtr x, xmlNodePtr node,
				const char *expr)
{
	xmlXPathObjectPtr r = xmlXPathNodeEval(node, BAD_CAST expr, x);

	if (r && (r->type != XPATH_NODESET || !r->nodesetval ||
		  !r->nodesetval->nodeNr)) {
		xmlXPathFreeObject(r);
		r = NULL;
	}
	return r;
}

static int nnodes(xmlXPathObjectPtr r)
{
	return r ? r->nodesetval->nodeNr : 0;
}

static bool yes_no(const char *v, bool *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
		*out = true;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
		*out = false;
	else
		return false;
	return true;
}

/* Add address @s to @p; @what names it in messages. */
static int add_addr(struct vms_cfg_port *p, const char *s, const char *what)
{
	struct vmst_addr a;
	__u32 i;
	int err;

	err = vms_parse_addr(s, &a);
	if (err)
		return vms_err(err, "%s: %s", what, vms_last_error());
	for (i = 0; i < p->naddrs; i++)
		if (vms_addr_overlap(&a, &p->addrs[i]))
			return vms_err(-EINVAL,
				       "%s: %s overlaps another address of the "
				       "interface",
				       what, s);
	if (p->naddrs == VMST_MAX_ADDRS)
		return vms_err(-E2BIG, "%s: more than %d addresses", what,
			       VMST_MAX_ADDRS);
	p->addrs[p->naddrs++] = a;
	return 0;
}

/* <vlan trunk='yes'>: frames of several VLANs, tagged. */
static bool trunk(xmlXPathContextPtr x, xmlNodePtr itf)
{
	char *t = xstr(x, itf, "string(vlan/@trunk)");
	bool yes = !strcmp(t, "yes");

	free(t);
	return yes;
}

/* The vmsteer metadata of interface @mac (NULL when none). */
static xmlNodePtr meta_of(xmlXPathContextPtr x, xmlNodePtr root,
			  const char *mac)
{
	xmlXPathObjectPtr r;
	xmlNodePtr n = NULL;
	__u8 want[6], got[6];
	int i;

	if (vms_parse_mac(mac, want))
		return NULL;
	/* `virsh metadata --set` puts the namespace on <vmsteer:domain>
	 * only: its children are matched by local name. */
	r = xnodes(x, root,
		   "metadata/vmsteer:domain/*[local-name()='interface']");
	for (i = 0; i < nnodes(r) && !n; i++) {
		xmlChar *m =
			xmlGetProp(r->nodesetval->nodeTab[i], BAD_CAST "mac");

		if (m && !vms_parse_mac((const char *)m, got) &&
		    !memcmp(want, got, 6))
			n = r->nodesetval->nodeTab[i];
		xmlFree(m);
	}
	xmlXPathFreeObject(r);
	return n;
}

/* RSS settings of the metadata's <vmsteer:rss> into @p->rss. */
static int meta_rss(xmlNodePtr rss, struct vms_cfg_port *p, const char *what)
{
	static const char *const keys[] = {"key", "types", "table",
					   "default-queue"};
	char sub[340];
	unsigned int i;
	int err = 0;

	for (i = 0; i < 4 && !err; i++) {
		xmlChar *v = xmlGetProp(rss, BAD_CAST keys[i]);
		char *end;
		long q;

		if (!v)
			continue;
		snprintf(sub, sizeof(sub), "%s: rss %s", what, keys[i]);
		if (i == 0)
			err = vms_rss_parse_key(sub, (const char *)v,
						p->rss.key);
		else if (i == 1)
			err = vms_rss_parse_types(sub, (const char *)v,
						  &p->rss.hash_types);
		else if (i == 2)
			err = vms_rss_parse_table(sub, (const char *)v,
						  &p->rss);
		else {
			q = strtol((const char *)v, &end, 10);
			if (*end || !*v || q < 0 || q >= p->rss.queues)
				err = vms_err(-EINVAL,
					      "%s: '%s' is no queue "
					      "of 0..%u",
					      sub, v, p->rss.queues - 1);
			else
				p->rss.default_queue = q;
		}
		xmlFree(v);
	}
	return err;
}

/* Settings of the metadata's <vmsteer:interface> into @p. */
static int meta_apply(xmlXPathContextPtr x, xmlNodePtr m,
		      struct vms_cfg_port *p, const char *what, bool *manage)
{
	xmlXPathObjectPtr r;
	xmlChar *v;
	char sub[340];
	int i, err = 0;

	v = xmlGetProp(m, BAD_CAST "manage");
	if (v && !yes_no((const char *)v, manage))
		err = vms_err(-EINVAL, "%s: manage='%s', expected yes or no",
			      what, v);
	xmlFree(v);
	v = err ? NULL : xmlGetProp(m, BAD_CAST "trusted");
	if (v && !yes_no((const char *)v, &p->trusted))
		err = vms_err(-EINVAL, "%s: trusted='%s', expected yes or no",
			      what, v);
	xmlFree(v);
	v = err ? NULL : xmlGetProp(m, BAD_CAST "xdp-steer");
	if (v && !strcmp((const char *)v, "cpumap"))
		p->rss.flags |= VMST_RSS_F_XDP_CPUMAP;
	else if (v && strcmp((const char *)v, "none"))
		err = vms_err(-EINVAL,
			      "%s: xdp-steer='%s', expected cpumap or none",
			      what, v);
	xmlFree(v);
	if (err)
		return err;
	r = xnodes(x, m, "*[local-name()='address']");
	for (i = 0; i < nnodes(r) && !err; i++) {
		xmlChar *a = xmlNodeGetContent(r->nodesetval->nodeTab[i]);

		snprintf(sub, sizeof(sub), "%s: metadata address", what);
		err = add_addr(p, a ? (const char *)a : "", sub);
		xmlFree(a);
	}
	xmlXPathFreeObject(r);
	if (err)
		return err;
	r = xnodes(x, m, "*[local-name()='rss']");
	if (nnodes(r) && p->rss.queues)
		err = meta_rss(r->nodesetval->nodeTab[0], p, what);
	else if (nnodes(r))
		err = vms_err(-EINVAL,
			      "%s: <vmsteer:rss> needs <driver queues='N'/> "
			      "with N > 1",
			      what);
	xmlXPathFreeObject(r);
	return err;
}

/* <driver queues='N'/> (@queues, "" when none): N > 1 steers queues. */
static int itf_queues(const char *queues, const char *what,
		      struct vms_cfg_port *p)
{
	char *end;
	long q;

	if (!*queues)
		return 0;
	q = strtol(queues, &end, 10);
	if (*end || q < 1 || q > VMST_RSS_QUEUES_MAX)
		return vms_err(-EINVAL, "%s: driver queues='%s'", what, queues);
	if (q > 1)
		vms_rss_default(&p->rss, q);
	return 0;
}

/* VLAN: one tag is an access port; several, or trunk='yes', a trunk port
 * (untagged, and tagged with these VIDs). */
static int itf_vlans(xmlXPathContextPtr x, xmlNodePtr itf, const char *what,
		     struct vms_cfg_port *p)
{
	xmlXPathObjectPtr r = xnodes(x, itf, "vlan/tag");
	int i, ret = 0;

	for (i = 0; i < nnodes(r) && !ret; i++) {
		xmlNodePtr t = r->nodesetval->nodeTab[i];
		xmlChar *id = xmlGetProp(t, BAD_CAST "id");
		xmlChar *native = xmlGetProp(t, BAD_CAST "nativeMode");
		__u16 vid = 0;

		if (!id || vms_parse_vlan((const char *)id, &vid))
			ret = vms_err(-EINVAL, "%s: VLAN tag id '%s'", what,
				      id ? (const char *)id : "");
		else if (native)
			ret = vms_err(-EOPNOTSUPP,
				      "%s: VLAN tag %u nativeMode: a port is "
				      "an access port or an untagged trunk, "
				      "not both",
				      what, vid);
		else if (nnodes(r) == 1 && !trunk(x, itf))
			p->vlan = vid;
		else
			p->vids.vids[vid >> 6] |= 1ULL << (vid & 63);
		p->trunk = !ret && (nnodes(r) > 1 || trunk(x, itf));
		xmlFree(id);
		xmlFree(native);
	}
	xmlXPathFreeObject(r);
	return ret;
}

/* Addresses: the nwfilter parameters IP and IPV6. */
static int itf_addrs(xmlXPathContextPtr x, xmlNodePtr itf, const char *what,
		     struct vms_cfg_port *p)
{
	xmlXPathObjectPtr r = xnodes(
		x, itf, "filterref//parameter[@name='IP' or @name='IPV6']");
	char sub[340];
	int i, ret = 0;

	snprintf(sub, sizeof(sub), "%s: filterref parameter", what);
	for (i = 0; i < nnodes(r) && !ret; i++) {
		xmlChar *v =
			xmlGetProp(r->nodesetval->nodeTab[i], BAD_CAST "value");

		ret = add_addr(p, v ? (const char *)v : "", sub);
		xmlFree(v);
	}
	xmlXPathFreeObject(r);
	return ret;
}

/* The port's own settings (<metadata>, @meta when there is one), then the
 * queue steering they make up: 0 or -errno. */
static int itf_settings(xmlXPathContextPtr x, xmlNodePtr meta, const char *what,
			struct vms_cfg_port *p, bool *manage)
{
	int ret = meta ? meta_apply(x, meta, p, what, manage) : 0;

	if (!ret && p->rss.queues) {
		ret = vms_rss_check(what, &p->rss);
		p->rss.flags |= VMST_RSS_F_ENABLED;
	} else if (!ret && (p->rss.flags & VMST_RSS_F_XDP_CPUMAP)) {
		ret = vms_err(-EINVAL,
			      "%s: xdp-steer='cpumap' needs <driver "
			      "queues='N'/> with N > 1",
			      what);
	}
	return ret;
}

/*
 * One <interface>: 1 and @p filled when it is a port the agent manages, 0
 * when it is not (or not running: no tap), -errno (message) when its
 * settings are wrong.
 */
static int one_interface(xmlXPathContextPtr x, xmlNodePtr root, xmlNodePtr itf,
			 const char *dom, const struct vms_agent_select *sel,
			 bool tapless, struct vms_cfg_port *p)
{
	char *tap = xstr(x, itf, "string(target/@dev)");
	char *mac = xstr(x, itf, "string(mac/@address)");
	char *bridge = xstr(x, itf, "string(source/@bridge)");
	char *queues = xstr(x, itf, "string(driver/@queues)");
	char what[300]; /* a domain name is up to 255 bytes */
	xmlNodePtr meta;
	bool manage;
	int ret = 0;

	snprintf(what, sizeof(what), "domain %s, interface %s", dom,
		 *mac ? mac : "without MAC");
	memset(p, 0, sizeof(*p));
	manage = vms_agent_selected(sel, bridge, mac);
	meta = *mac ? meta_of(x, root, mac) : NULL;
	if ((!*tap && !tapless) || !*mac)
		goto out; /* not running (no tap) or no MAC: nothing */
	if (strlen(tap) >= sizeof(p->tap))
		ret = vms_err(-EINVAL, "%s: tap name %s too long", what, tap);
	else
		memcpy(p->tap, tap, strlen(tap) + 1);
	if (!ret && vms_parse_mac(mac, p->mac))
		ret = vms_err(-EINVAL, "%s: not a MAC address", what);
	if (!ret)
		ret = itf_queues(queues, what, p);
	if (!ret)
		ret = itf_vlans(x, itf, what, p);
	if (!ret)
		ret = itf_addrs(x, itf, what, p);
	if (!ret)
		ret = itf_settings(x, meta, what, p, &manage);
	if (!ret)
		ret = manage;
out:
	free(tap);
	free(mac);
	free(bridge);
	free(queues);
	return ret;
}

int vms_agent_domain_ports(const char *xml, size_t len,
			   const struct vms_agent_select *sel, bool tapless,
			   struct vms_agent_domain *d)
{
	xmlXPathContextPtr x = NULL;
	xmlXPathObjectPtr r = NULL;
	xmlNodePtr root;
	xmlDocPtr doc;
	char *name;
	int i, ret = 0, one;

	memset(d, 0, sizeof(*d));
	doc = xmlReadMemory(xml, len, "domain.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR |
				    XML_PARSE_NOWARNING);
	if (!doc)
		return vms_err(-EINVAL, "domain XML: not well-formed XML");
	root = xmlDocGetRootElement(doc);
	if (!root || xmlStrcmp(root->name, BAD_CAST "domain")) {
		ret = vms_err(-EINVAL, "domain XML: the root is not <domain>");
		goto out;
	}
	x = xmlXPathNewContext(doc);
	if (!x ||
	    xmlXPathRegisterNs(x, BAD_CAST "vmsteer", BAD_CAST VMS_XML_NS)) {
		ret = vms_err(-ENOMEM, "out of memory");
		goto out;
	}
	name = xstr(x, root, "string(name)");
	snprintf(d->name, sizeof(d->name), "%s", *name ? name : "?");
	free(name);
	name = xstr(x, root, "string(uuid)");
	snprintf(d->uuid, sizeof(d->uuid), "%s", name);
	free(name);
	r = xnodes(x, root, "devices/interface");
	for (i = 0; i < nnodes(r); i++) {
		if (d->n == VMS_AGENT_DOM_PORTS) {
			pr_warn("domain %s: more than %d interfaces, the rest "
				"left out",
				d->name, VMS_AGENT_DOM_PORTS);
			break;
		}
		one = one_interface(x, root, r->nodesetval->nodeTab[i], d->name,
				    sel, tapless, &d->ports[d->n]);
		if (one < 0) {
			/* One bad interface does not stop the others. */
			pr_warn("%s (left out)", vms_last_error());
			vms_clear_error();
			d->errors++;
		}
		d->n += one > 0;
	}
out:
	xmlXPathFreeObject(r);
	xmlXPathFreeContext(x);
	xmlFreeDoc(doc);
	return ret;
}
