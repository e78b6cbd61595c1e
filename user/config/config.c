// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Declarative configuration: parse and validate a document, write it
 * back as JSON, compare two (plan.c reads the state as one, plans and
 * applies the difference).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <yajl/yajl_parse.h>

#include "config/config.h"
#include "core/lifecycle.h"
#include "core/addr.h"
#include "core/ports.h"
#include "core/trunk.h"
#include "load/rss.h"
#include "load/toeplitz.h"
#include "load/uplink.h"
#include "util/log.h"
#include "util/netdev.h"

/* ---- errors ------------------------------------------------------------ */

struct pctx {
	const char *name; /* file name for messages, or NULL */
	unsigned int flags;
	struct vms_config *cfg;
};

int vms_cfg_err(const char *name, const char *path, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return vms_err(-EINVAL, "%s%s%s: %s", name ? name : "",
		       name ? ": " : "", path, msg);
}

/* @v as JSON text, cut to fit @out (for messages). */
static const char *quoted(struct json_object *v, char *out, size_t len)
{
	const char *s = json_object_to_json_string_ext(
		v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t n = strlen(s);

	if (n < len) {
		memcpy(out, s, n + 1);
	} else {
		memcpy(out, s, len - 4);
		strcpy(out + len - 4, "...");
	}
	return out;
}

static const char *type_name(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "a boolean";
	case json_type_double:
		return "a fractional number";
	case json_type_int:
		return "an integer";
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	case json_type_string:
		return "a string";
	}
	return "a value";
}

/* "parent.key", or parent["key"] for a key that is not a plain word. */
static void path_key(char *out, size_t len, const char *parent, const char *key)
{
	bool plain = *key != '\0' && strlen(key) < 40;
	const char *k;

	for (k = key; *k && plain; k++)
		plain = (*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') ||
			*k == '_' || *k == '-' ||
			(k != key && *k >= '0' && *k <= '9');
	if (plain) {
		snprintf(out, len, "%s%s%s", parent, *parent ? "." : "", key);
	} else {
		struct json_object *s = json_object_new_string(key);
		char q[48];

		snprintf(out, len, "%s[%s]", parent, quoted(s, q, sizeof(q)));
		json_object_put(s);
	}
}

/* ---- schema ------------------------------------------------------------ */

/*
 * An object's keys: a handler each. Fields to come are new rows here (and
 * members of the model in config.h); anything not listed is refused. The
 * handlers below share their opening (this signature, the cast of @obj,
 * a get_* call): the shape a row's handler has, not a copy of logic.
 */
struct field {
	const char *key;
	bool required;
	int (*parse)(const struct pctx *p, const char *path,
		     struct json_object *v, void *obj);
};

static int parse_object(const struct pctx *p, const char *path,
			struct json_object *o, const struct field *fields,
			int nfields, const char *what, void *obj)
{
	char sub[160], keys[200] = "";
	int i, err;

	if (!json_object_is_type(o, json_type_object))
		return vms_cfg_err(p->name, path,
				   "expected %s %s object, got %s",
				   strchr("aeiou", what[0]) ? "an" : "a", what,
				   type_name(o));
	for (i = 0; i < nfields; i++)
		snprintf(keys + strlen(keys), sizeof(keys) - strlen(keys),
			 "%s%s", i ? ", " : "", fields[i].key);
	json_object_object_foreach(o, key, val)
	{
		for (i = 0; i < nfields; i++)
			if (!strcmp(key, fields[i].key))
				break;
		path_key(sub, sizeof(sub), path, key);
		if (i == nfields)
			return vms_cfg_err(
				p->name, sub, "unknown key (%s %s takes %s)",
				strchr("aeiou", what[0]) ? "an" : "a", what,
				keys);
		err = fields[i].parse(p, sub, val, obj);
		if (err)
			return err;
	}
	for (i = 0; i < nfields; i++)
		if (fields[i].required &&
		    !json_object_object_get_ex(o, fields[i].key, NULL))
			return vms_cfg_err(p->name, *path ? path : "document",
					   "missing key \"%s\"%s",
					   fields[i].key,
					   !*path ? " (use [] for none)" : "");
	return 0;
}

/* A string without NUL bytes. */
static int get_string(const struct pctx *p, const char *path,
		      struct json_object *v, const char *what, const char **s)
{
	char q[80];

	if (!json_object_is_type(v, json_type_string))
		return vms_cfg_err(p->name, path, "%s %s, got %s (%s)",
				   "expected", what, type_name(v),
				   quoted(v, q, sizeof(q)));
	*s = json_object_get_string(v);
	if (strlen(*s) != (size_t)json_object_get_string_len(v))
		return vms_cfg_err(p->name, path, "%s contains a NUL character",
				   quoted(v, q, sizeof(q)));
	return 0;
}

/* A device name as the kernel accepts one (vms_ifname_invalid()). */
static int get_ifname(const struct pctx *p, const char *path,
		      struct json_object *v, char out[IF_NAMESIZE])
{
	const char *s, *why;
	char q[80];
	int err;

	err = get_string(p, path, v, "a device name", &s);
	if (err)
		return err;
	why = vms_ifname_invalid(s);
	if (why)
		return vms_cfg_err(p->name, path,
				   "%s is not a device name (%s)",
				   quoted(v, q, sizeof(q)), why);
	snprintf(out, IF_NAMESIZE, "%s", s);
	return 0;
}

/*
 * One of the @n words @names into *@idx; else an error naming the value
 * as no @what and listing the words.
 */
static int get_choice(const struct pctx *p, const char *path,
		      struct json_object *v, const char *what,
		      const char *const *names, int n, int *idx)
{
	char list[160] = "", q[80];
	size_t len = 0;
	const char *s;
	int i, err;

	for (i = 0; i < n && len < sizeof(list); i++)
		len += snprintf(list + len, sizeof(list) - len, "%s\"%s\"",
				!i	     ? ""
				: i == n - 1 ? " or "
					     : ", ",
				names[i]);
	err = get_string(p, path, v, list, &s);
	if (err)
		return err;
	for (i = 0; i < n; i++)
		if (!strcmp(s, names[i])) {
			*idx = i;
			return 0;
		}
	return vms_cfg_err(p->name, path, "%s is not %s (expected %s)",
			   quoted(v, q, sizeof(q)), what, list);
}

static int uplink_device(const struct pctx *p, const char *path,
			 struct json_object *v, void *obj)
{
	struct vms_cfg_uplink *u = obj;

	return get_ifname(p, path, v, u->device);
}

/* The names of the attach modes, in documents and on the command line. */
static const char *const attach_modes[] = {
	[VMS_ATTACH_AUTO] = "auto",
	[VMS_ATTACH_NATIVE] = "native",
	[VMS_ATTACH_GENERIC] = "generic",
};
#define N_ATTACH_MODES (sizeof(attach_modes) / sizeof(attach_modes[0]))

static int uplink_mode(const struct pctx *p, const char *path,
		       struct json_object *v, void *obj)
{
	struct vms_cfg_uplink *u = obj;
	int mode, err;

	err = get_choice(p, path, v, "a mode", attach_modes, N_ATTACH_MODES,
			 &mode);
	if (!err)
		u->mode = mode;
	return err;
}

static const struct field uplink_fields[] = {
	{"device", true, uplink_device},
	{"mode", false, uplink_mode},
};

static int port_tap(const struct pctx *p, const char *path,
		    struct json_object *v, void *obj)
{
	struct vms_cfg_port *port = obj;

	return get_ifname(p, path, v, port->tap);
}

static int port_mac(const struct pctx *p, const char *path,
		    struct json_object *v, void *obj)
{
	static const __u8 zero[6];
	struct vms_cfg_port *port = obj;
	const char *s;
	char q[80];
	int err;

	err = get_string(p, path, v, "a MAC address", &s);
	if (err)
		return err;
	if (vms_parse_mac(s, port->mac))
		return vms_cfg_err(
			p->name, path,
			"%s is not a MAC address (aa:bb:cc:dd:ee:ff)",
			quoted(v, q, sizeof(q)));
	if (port->mac[0] & 1)
		return vms_cfg_err(
			p->name, path,
			"%s is a multicast address, not a VM's unicast "
			"MAC",
			quoted(v, q, sizeof(q)));
	if (!memcmp(port->mac, zero, 6))
		return vms_cfg_err(p->name, path,
				   "%s is not a usable MAC address",
				   quoted(v, q, sizeof(q)));
	return 0;
}

static int port_vlan(const struct pctx *p, const char *path,
		     struct json_object *v, void *obj)
{
	struct vms_cfg_port *port = obj;
	char q[80];
	int64_t id;

	if (json_object_is_type(v, json_type_null)) {
		port->vlan = 0; /* untagged, as `port list --json` shows it */
		return 0;
	}
	if (!json_object_is_type(v, json_type_int))
		return vms_cfg_err(
			p->name, path,
			"expected a VLAN id %d..%d (or null: untagged), "
			"got %s (%s)",
			VMST_VLAN_MIN, VMST_VLAN_MAX, type_name(v),
			quoted(v, q, sizeof(q)));
	errno = 0;
	id = json_object_get_int64(v);
	if (errno || id < VMST_VLAN_MIN || id > VMST_VLAN_MAX)
		return vms_cfg_err(p->name, path, "VLAN id %s outside %d..%d",
				   quoted(v, q, sizeof(q)), VMST_VLAN_MIN,
				   VMST_VLAN_MAX);
	port->vlan = (__u16)id;
	return 0;
}

static int port_addresses(const struct pctx *p, const char *path,
			  struct json_object *v, void *obj)
{
	struct vms_cfg_port *port = obj;
	char sub[96], q[80], x[VMS_ADDR_STRLEN];
	size_t i, j, n;
	int err;

	if (!json_object_is_type(v, json_type_array))
		return vms_cfg_err(p->name, path,
				   "expected an array of addresses, got %s",
				   type_name(v));
	n = json_object_array_length(v);
	if (n > VMST_MAX_ADDRS)
		return vms_cfg_err(p->name, path,
				   "%zu addresses, at most %d per port", n,
				   VMST_MAX_ADDRS);
	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(v, i);
		const char *s;

		snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
		err = get_string(p, sub, e, "an address (ADDR[/LEN])", &s);
		if (err)
			return err;
		if (vms_parse_addr(s, &port->addrs[i])) {
			char why[256];

			snprintf(why, sizeof(why), "%s", vms_last_error());
			return vms_cfg_err(p->name, sub, "%s", why);
		}
		for (j = 0; j < i; j++)
			if (vms_addr_overlap(&port->addrs[i],
					     &port->addrs[j])) {
				vms_format_addr(&port->addrs[j], x);
				return vms_cfg_err(p->name, sub,
						   "%s overlaps %s (%s[%zu])",
						   quoted(e, q, sizeof(q)), x,
						   path, j);
			}
	}
	port->naddrs = n;
	return 0;
}

static int port_trunk(const struct pctx *p, const char *path,
		      struct json_object *v, void *obj)
{
	struct vms_cfg_port *port = obj;

	memset(&port->vids, 0, sizeof(port->vids));
	port->trunk = false;
	if (json_object_is_type(v, json_type_null))
		return 0; /* not a trunk, as `port list --json` shows it */
	if (!json_object_is_type(v, json_type_string))
		return vms_cfg_err(
			p->name, path,
			"expected a VID list such as \"10,20,100-199\" "
			"(or null: not a trunk), got %s",
			type_name(v));
	if (vms_parse_vids("trunk", json_object_get_string(v), &port->vids))
		return vms_cfg_err(p->name, path, "%s",
				   vms_last_error() + strlen("trunk: "));
	port->trunk = true;
	return 0;
}

/* A JSON boolean into *@out. */
static int get_bool(const struct pctx *p, const char *path,
		    struct json_object *v, bool *out)
{
	if (!json_object_is_type(v, json_type_boolean))
		return vms_cfg_err(p->name, path,
				   "expected true or false, got %s",
				   type_name(v));
	*out = json_object_get_boolean(v);
	return 0;
}

static int port_trusted(const struct pctx *p, const char *path,
			struct json_object *v, void *obj)
{
	return get_bool(p, path, v, &((struct vms_cfg_port *)obj)->trusted);
}

static int port_tx_hook(const struct pctx *p, const char *path,
			struct json_object *v, void *obj)
{
	static const char *const hooks[] = {"xdp", "tc"};
	struct vms_cfg_port *port = obj;
	int hook, err;

	err = get_choice(p, path, v, "a transmit hook", hooks, 2, &hook);
	if (!err)
		port->tx_tc = hook == 1;
	return err;
}

static int port_agent(const struct pctx *p, const char *path,
		      struct json_object *v, void *obj)
{
	return get_bool(p, path, v, &((struct vms_cfg_port *)obj)->agent);
}

/* Which RSS keys a port gave (struct vms_cfg_port.rss_given). */
enum {
	CFG_RSS_QUEUES = 1 << 0,
	CFG_RSS_KEY = 1 << 1,
	CFG_RSS_TYPES = 1 << 2,
	CFG_RSS_TABLE = 1 << 3,
	CFG_RSS_DEFQ = 1 << 4,
	CFG_RSS_OBJ = 1 << 5,
	CFG_RSS_XDP = 1 << 6,
};

/* A JSON integer in @min..@max into *@out. */
static int get_int(const struct pctx *p, const char *path,
		   struct json_object *v, int64_t min, int64_t max,
		   const char *what, int64_t *out)
{
	char q[80];

	if (!json_object_is_type(v, json_type_int))
		return vms_cfg_err(p->name, path,
				   "expected %s %lld..%lld, got %s (%s)", what,
				   (long long)min, (long long)max, type_name(v),
				   quoted(v, q, sizeof(q)));
	errno = 0;
	*out = json_object_get_int64(v);
	if (errno || *out < min || *out > max)
		return vms_cfg_err(p->name, path, "%s %s outside %lld..%lld",
				   what, quoted(v, q, sizeof(q)),
				   (long long)min, (long long)max);
	return 0;
}

static int port_queues(const struct pctx *p, const char *path,
		       struct json_object *v, void *obj)
{
	struct vms_cfg_port *port = obj;
	int64_t n;
	int err;

	if (json_object_is_type(v, json_type_null))
		return 0; /* no queue steering, as `port list --json` says */
	err = get_int(p, path, v, 1, VMST_RSS_QUEUES_MAX, "a queue count", &n);
	if (err)
		return err;
	port->rss.queues = n;
	port->rss_given |= CFG_RSS_QUEUES;
	return 0;
}

static int port_xdp_steer(const struct pctx *p, const char *path,
			  struct json_object *v, void *obj)
{
	static const char *const steer[] = {"none", "cpumap"};
	struct vms_cfg_port *port = obj;
	int how, err;

	err = get_choice(p, path, v, "an XDP steering", steer, 2, &how);
	if (err)
		return err;
	if (how == 1)
		port->rss.flags |= VMST_RSS_F_XDP_CPUMAP;
	port->rss_given |= CFG_RSS_XDP;
	return 0;
}

static int rss_key(const struct pctx *p, const char *path,
		   struct json_object *v, void *obj)
{
	struct vms_cfg_port *port = obj;
	const char *s;
	int err;

	err = get_string(p, path, v, "a 40-byte key in hex", &s);
	if (err)
		return err;
	if (vms_rss_parse_key(path, s, port->rss.key))
		return vms_cfg_err(p->name, path, "%s",
				   strchr(vms_last_error(), ':') + 2);
	port->rss_given |= CFG_RSS_KEY;
	return 0;
}

static int rss_types(const struct pctx *p, const char *path,
		     struct json_object *v, void *obj)
{
	struct vms_cfg_port *port = obj;
	char sub[192], q[80];
	size_t i, n;
	int bit;

	if (!json_object_is_type(v, json_type_array))
		return vms_cfg_err(p->name, path,
				   "expected an array of hash types, got %s",
				   type_name(v));
	n = json_object_array_length(v);
	port->rss.hash_types = 0;
	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(v, i);

		snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
		bit = json_object_is_type(e, json_type_string)
			      ? vms_rss_type_bit(json_object_get_string(e))
			      : 0;
		if (!bit)
			return vms_cfg_err(p->name, sub,
					   "unknown hash type %s (known: ipv4, "
					   "tcpv4, udpv4, ipv6, tcpv6, udpv6)",
					   quoted(e, q, sizeof(q)));
		port->rss.hash_types |= bit;
	}
	port->rss_given |= CFG_RSS_TYPES;
	return 0;
}

static int rss_table(const struct pctx *p, const char *path,
		     struct json_object *v, void *obj)
{
	struct vms_cfg_port *port = obj;
	char sub[192];
	size_t i, n;
	int64_t q;
	int err;

	if (!json_object_is_type(v, json_type_array))
		return vms_cfg_err(p->name, path,
				   "expected an array of queue numbers, got %s",
				   type_name(v));
	n = json_object_array_length(v);
	if (!n || n > VMST_RSS_TABLE_MAX || (n & (n - 1)))
		return vms_cfg_err(p->name, path,
				   "%zu entries; a table has a power of two of "
				   "entries, 1..%d",
				   n, VMST_RSS_TABLE_MAX);
	memset(port->rss.table, 0, sizeof(port->rss.table));
	for (i = 0; i < n; i++) {
		snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
		err = get_int(p, sub, json_object_array_get_idx(v, i), 0,
			      VMST_RSS_QUEUES_MAX - 1, "a queue", &q);
		if (err)
			return err;
		port->rss.table[i] = q;
	}
	port->rss.table_size = n;
	port->rss_given |= CFG_RSS_TABLE;
	return 0;
}

static int rss_default_queue(const struct pctx *p, const char *path,
			     struct json_object *v, void *obj)
{
	struct vms_cfg_port *port = obj;
	int64_t q;
	int err;

	err = get_int(p, path, v, 0, VMST_RSS_QUEUES_MAX - 1, "a queue", &q);
	if (err)
		return err;
	port->rss.default_queue = q;
	port->rss_given |= CFG_RSS_DEFQ;
	return 0;
}

static const struct field rss_fields[] = {
	{"key", false, rss_key},
	{"types", false, rss_types},
	{"table", false, rss_table},
	{"default_queue", false, rss_default_queue},
};

static int port_rss(const struct pctx *p, const char *path,
		    struct json_object *v, void *obj)
{
	struct vms_cfg_port *port = obj;

	port->rss_given |= CFG_RSS_OBJ;
	return parse_object(p, path, v, rss_fields,
			    sizeof(rss_fields) / sizeof(rss_fields[0]), "rss",
			    port);
}

/*
 * The port's complete RSS entry once all its keys are read (in any order):
 * defaults for what was not given, then queues checked against the table
 * and default queue.
 */
static int port_rss_finish(const struct pctx *p, const char *path,
			   struct vms_cfg_port *port)
{
	struct vmst_rss given = port->rss, *r = &port->rss;
	char sub[192];
	unsigned int i;
	int err;

	if (!(port->rss_given & CFG_RSS_QUEUES)) {
		if (port->rss_given) {
			snprintf(sub, sizeof(sub), "%s.%s", path,
				 port->rss_given & CFG_RSS_OBJ ? "rss"
							       : "xdp_steer");
			return vms_cfg_err(
				p->name, sub,
				"needs \"queues\" (queue steering is "
				"off without it)");
		}
		memset(r, 0, sizeof(*r));
		return 0;
	}
	vms_rss_default(r, given.queues);
	if (port->rss_given & CFG_RSS_KEY)
		memcpy(r->key, given.key, sizeof(r->key));
	if (port->rss_given & CFG_RSS_TYPES)
		r->hash_types = given.hash_types;
	if (port->rss_given & CFG_RSS_TABLE) {
		memcpy(r->table, given.table, sizeof(r->table));
		r->table_size = given.table_size;
	}
	if (port->rss_given & CFG_RSS_DEFQ)
		r->default_queue = given.default_queue;
	for (i = 0; i < r->table_size; i++)
		if (r->table[i] >= r->queues) {
			snprintf(sub, sizeof(sub), "%s.rss.table[%u]", path, i);
			return vms_cfg_err(
				p->name, sub,
				"queue %u, but the port has queues 0..%u",
				r->table[i], r->queues - 1);
		}
	if (r->default_queue >= r->queues) {
		snprintf(sub, sizeof(sub), "%s.rss.default_queue", path);
		return vms_cfg_err(p->name, sub,
				   "queue %u, but the port has queues 0..%u",
				   r->default_queue, r->queues - 1);
	}
	r->flags = VMST_RSS_F_ENABLED | (given.flags & VMST_RSS_F_XDP_CPUMAP);
	if ((r->flags & VMST_RSS_F_XDP_CPUMAP) &&
	    !(p->flags & VMS_CFG_NO_DEVICES)) {
		snprintf(sub, sizeof(sub), "%s.xdp_steer", path);
		err = vms_xdp_steer_check(sub, r->queues, NULL);
		if (err)
			return vms_cfg_err(p->name, sub, "%s",
					   strchr(vms_last_error(), ':') + 2);
	}
	return 0;
}

static const struct field port_fields[] = {
	{"tap", true, port_tap},	  {"mac", true, port_mac},
	{"vlan", false, port_vlan},	  {"addresses", false, port_addresses},
	{"trusted", false, port_trusted}, {"queues", false, port_queues},
	{"rss", false, port_rss},	  {"xdp_steer", false, port_xdp_steer},
	{"trunk", false, port_trunk},	  {"agent", false, port_agent},
	{"tx_hook", false, port_tx_hook},
};

static int check_array(const struct pctx *p, const char *path,
		       struct json_object *v, int max, const char *what)
{
	size_t n;

	if (!json_object_is_type(v, json_type_array))
		return vms_cfg_err(p->name, path,
				   "expected an array of %s, got %s", what,
				   type_name(v));
	n = json_object_array_length(v);
	if (n > (size_t)max)
		return vms_cfg_err(p->name, path, "%zu %s, at most %d", n, what,
				   max);
	return 0;
}

static int doc_uplinks(const struct pctx *p, const char *path,
		       struct json_object *v, void *obj)
{
	struct vms_config *cfg = obj;
	char sub[64];
	int i, err;

	(void)obj;
	err = check_array(p, path, v, VMS_CFG_MAX_UPLINKS, "uplinks");
	if (err)
		return err;
	cfg->n_uplinks = json_object_array_length(v);
	for (i = 0; i < cfg->n_uplinks; i++) {
		snprintf(sub, sizeof(sub), "%s[%d]", path, i);
		err = parse_object(
			p, sub, json_object_array_get_idx(v, i), uplink_fields,
			sizeof(uplink_fields) / sizeof(uplink_fields[0]),
			"uplink", &cfg->uplinks[i]);
		if (err)
			return err;
	}
	return 0;
}

static int doc_ports(const struct pctx *p, const char *path,
		     struct json_object *v, void *obj)
{
	struct vms_config *cfg = obj;
	char sub[64];
	int i, err;

	err = check_array(p, path, v, VMS_CFG_MAX_PORTS, "ports");
	if (err)
		return err;
	cfg->n_ports = json_object_array_length(v);
	memset(cfg->ports, 0, cfg->n_ports * sizeof(cfg->ports[0]));
	for (i = 0; i < cfg->n_ports; i++) {
		snprintf(sub, sizeof(sub), "%s[%d]", path, i);
		err = parse_object(p, sub, json_object_array_get_idx(v, i),
				   port_fields,
				   sizeof(port_fields) / sizeof(port_fields[0]),
				   "port", &cfg->ports[i]);
		if (!err)
			err = port_rss_finish(p, sub, &cfg->ports[i]);
		if (!err && cfg->ports[i].trunk && cfg->ports[i].vlan)
			err = vms_cfg_err(
				p->name, sub,
				"\"vlan\" and \"trunk\" exclude each other "
				"(an access port or a trunk)");
		if (err)
			return err;
	}
	return 0;
}

static const struct field doc_fields[] = {
	{"uplinks", true, doc_uplinks},
	{"ports", true, doc_ports},
};

/* ---- validation across entries ----------------------------------------- */

void vms_vlan_text(__u16 vlan, char *out, size_t len)
{
	if (vlan)
		snprintf(out, len, "on VLAN %u", vlan);
	else
		snprintf(out, len, "untagged");
}

/* ---- a quick look for two ports that may clash ---- */

/* One address of a document port, as the range of addresses it covers. */
struct addr_span {
	__u16 vlan;
	__u8 family;
	__u8 lo[16], hi[16]; /* first and last address, network order */
};

static int cmp_span(const void *a, const void *b)
{
	const struct addr_span *x = a, *y = b;

	if (x->vlan != y->vlan)
		return x->vlan < y->vlan ? -1 : 1;
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return memcmp(x->lo, y->lo, sizeof(x->lo));
}

static int cmp_tap_of(const void *a, const void *b)
{
	return strcmp((*(const struct vms_cfg_port *const *)a)->tap,
		      (*(const struct vms_cfg_port *const *)b)->tap);
}

static int cmp_key_of(const void *a, const void *b)
{
	const struct vms_cfg_port *x = *(const struct vms_cfg_port *const *)a;
	const struct vms_cfg_port *y = *(const struct vms_cfg_port *const *)b;

	if (x->vlan != y->vlan)
		return x->vlan < y->vlan ? -1 : 1;
	return memcmp(x->mac, y->mac, 6);
}

/* Addresses @a of port @p as ranges into @out; how many. */
static int spans_of(const struct vms_cfg_port *p, struct addr_span *out)
{
	__u32 k;
	int i;

	for (k = 0; k < p->naddrs; k++) {
		const struct vmst_addr *a = &p->addrs[k];
		int plen = a->prefix_len;

		out[k].vlan = p->vlan;
		out[k].family = a->family;
		for (i = 0; i < 16; i++, plen -= 8) {
			__u8 mask = plen >= 8  ? 0xff
				    : plen > 0 ? (__u8)(0xff << (8 - plen))
					       : 0;

			out[k].lo[i] = a->addr[i] & mask;
			out[k].hi[i] = a->addr[i] | (__u8)~mask;
		}
	}
	return p->naddrs;
}

/*
 * Whether two ports of @c may clash: the same tap, or on the same VLAN the
 * same MAC or overlapping addresses. In O(N log N), by sorting; false
 * means none does, true that check_document's pairwise search (which
 * names the first clash in document order) has to look. -ENOMEM: unknown.
 */
static int ports_may_clash(const struct vms_config *c)
{
	const struct vms_cfg_port **by;
	struct addr_span *sp;
	__u8 top[16] = {}; /* the greatest end of a group so far */
	int i, n = 0, clash = 0;

	by = malloc(c->n_ports * sizeof(*by) + 1);
	sp = malloc(c->n_ports * VMST_MAX_ADDRS * sizeof(*sp) + 1);
	if (!by || !sp) {
		clash = -ENOMEM;
		goto out;
	}
	for (i = 0; i < c->n_ports; i++)
		by[i] = &c->ports[i];
	qsort(by, c->n_ports, sizeof(*by), cmp_tap_of);
	for (i = 1; i < c->n_ports && !clash; i++)
		clash = !cmp_tap_of(&by[i - 1], &by[i]);
	qsort(by, c->n_ports, sizeof(*by), cmp_key_of);
	for (i = 1; i < c->n_ports && !clash; i++)
		clash = !cmp_key_of(&by[i - 1], &by[i]);
	for (i = 0; i < c->n_ports; i++)
		n += spans_of(&c->ports[i], &sp[n]);
	qsort(sp, n, sizeof(*sp), cmp_span);
	/* Sorted by first address, a range overlaps an earlier one of its
	 * VLAN and family when it starts at or before the last of their
	 * ends. (Two addresses of one port that overlap count too: the
	 * pairwise search then finds no clash between ports, as it should.)
	 */
	for (i = 0; i < n && !clash; i++) {
		bool same = i && sp[i].vlan == sp[i - 1].vlan &&
			    sp[i].family == sp[i - 1].family;

		if (same && memcmp(sp[i].lo, top, 16) <= 0)
			clash = 1;
		if (!same || memcmp(sp[i].hi, top, 16) > 0)
			memcpy(top, sp[i].hi, 16);
	}
out:
	free(by);
	free(sp);
	return clash;
}

static int check_document(const struct pctx *p)
{
	const struct vms_config *c = p->cfg;
	char path[64], mac[18], vl[24];
	int i, j, clash;

	clash = ports_may_clash(c);
	if (clash < 0)
		return vms_err(clash, "out of memory");
	for (i = 0; i < c->n_uplinks; i++)
		for (j = 0; j < i; j++)
			if (!strcmp(c->uplinks[i].device,
				    c->uplinks[j].device)) {
				snprintf(path, sizeof(path),
					 "uplinks[%d].device", i);
				return vms_cfg_err(p->name, path,
						   "%s is already uplinks[%d]",
						   c->uplinks[i].device, j);
			}
	for (i = 0; i < c->n_ports; i++) {
		const struct vms_cfg_port *a = &c->ports[i];

		for (j = 0; clash && j < i; j++) {
			const struct vms_cfg_port *b = &c->ports[j];

			if (!strcmp(a->tap, b->tap)) {
				snprintf(path, sizeof(path), "ports[%d].tap",
					 i);
				return vms_cfg_err(p->name, path,
						   "%s is already ports[%d]",
						   a->tap, j);
			}
			if (a->vlan == b->vlan) {
				__u32 k, l;
				char x[VMS_ADDR_STRLEN];

				for (k = 0; k < a->naddrs; k++)
					for (l = 0; l < b->naddrs; l++) {
						if (!vms_addr_overlap(
							    &a->addrs[k],
							    &b->addrs[l]))
							continue;
						snprintf(path, sizeof(path),
							 "ports[%d].addresses"
							 "[%u]",
							 i, k);
						vms_format_addr(&b->addrs[l],
								x);
						vms_vlan_text(a->vlan, vl,
							      sizeof(vl));
						return vms_cfg_err(
							p->name, path,
							"overlaps %s of "
							"ports[%d] (%s, %s)",
							x, j, b->tap, vl);
					}
			}
			if (a->vlan == b->vlan && !memcmp(a->mac, b->mac, 6)) {
				snprintf(path, sizeof(path), "ports[%d].mac",
					 i);
				vms_format_mac(a->mac, mac);
				vms_vlan_text(a->vlan, vl, sizeof(vl));
				return vms_cfg_err(
					p->name, path,
					"%s %s is already the MAC of "
					"ports[%d] (%s)",
					mac, vl, j, b->tap);
			}
		}
		for (j = 0; j < c->n_uplinks; j++)
			if (!strcmp(a->tap, c->uplinks[j].device)) {
				snprintf(path, sizeof(path),
					 "uplinks[%d].device", j);
				return vms_cfg_err(
					p->name, path,
					"%s is also ports[%d].tap: a tap "
					"cannot be an uplink",
					a->tap, i);
			}
	}
	return 0;
}

int vms_config_resolve_ports(struct vms_config *c, const char *name,
			     bool lenient)
{
	char path[64];
	int i, r;

	for (i = 0; i < c->n_ports; i++) {
		struct vms_cfg_port *t = &c->ports[i];

		snprintf(path, sizeof(path), "ports[%d].tap", i);
		r = vms_nametoindex(t->tap);
		t->ifindex = r;
		t->mtu = 0;
		if (!r)
			continue; /* pending until the tap appears */
		r = vms_is_tap(t->tap);
		if (r == 1)
			r = vms_dev_mtu(t->tap);
		if (r > 0) {
			t->mtu = r;
			continue;
		}
		t->ifindex = 0;
		if (lenient)
			continue; /* not (or no more) a usable tap: pending */
		if (r < 0)
			return vms_cfg_err(name, path,
					   "%s: cannot tell its type: %s",
					   t->tap, strerror(-r));
		return vms_cfg_err(name, path, "%s is not a tap device",
				   t->tap);
	}
	return 0;
}

static int check_devices(const struct pctx *p)
{
	struct vms_config *c = p->cfg;
	char path[64];
	int i, r;

	for (i = 0; i < c->n_uplinks; i++) {
		struct vms_cfg_uplink *u = &c->uplinks[i];

		snprintf(path, sizeof(path), "uplinks[%d].device", i);
		r = vms_nametoindex(u->device);
		if (!r)
			return vms_cfg_err(p->name, path, "%s: no such device",
					   u->device);
		u->ifindex = r;
		r = vms_is_tap(u->device);
		if (r == 1)
			return vms_cfg_err(
				p->name, path,
				"%s is a tap: taps are ports, not uplinks",
				u->device);
	}
	return vms_config_resolve_ports(c, p->name, false);
}

/* ---- duplicate keys ---------------------------------------------------- */

/*
 * json-c keeps the last of two equal keys and says nothing (a second
 * "ports": [] would delete every port), so a document json-c accepted is
 * read once more with yajl's event parser, which reports every key: each
 * object's keys go into a set (a json-c object), and the first key seen
 * twice is refused with its JSON path.
 */
struct dup_frame {
	struct json_object *keys; /* an object's keys so far; NULL: an array */
	char *key;		  /* object: the current key */
	long index;		  /* array: the current element */
};

struct dup_ctx {
	struct dup_frame f[JSON_TOKENER_DEFAULT_DEPTH + 1];
	int depth;	/* frames in use */
	char path[200]; /* the duplicate's path, once found */
};

/* A value starts: in an array, it is the next element. */
static int dup_value(struct dup_ctx *c)
{
	if (c->depth && !c->f[c->depth - 1].keys)
		c->f[c->depth - 1].index++;
	return 1;
}

static int dup_push(struct dup_ctx *c, bool object)
{
	struct dup_frame *f;

	dup_value(c);
	if (c->depth == JSON_TOKENER_DEFAULT_DEPTH + 1)
		return 0; /* deeper than json-c accepts: cannot happen */
	f = &c->f[c->depth++];
	memset(f, 0, sizeof(*f));
	f->index = -1;
	if (object) {
		f->keys = json_object_new_object();
		if (!f->keys)
			return 0;
	}
	return 1;
}

static int dup_pop(void *ctx)
{
	struct dup_ctx *c = ctx;
	struct dup_frame *f = &c->f[--c->depth];

	json_object_put(f->keys);
	free(f->key);
	return 1;
}

static int dup_start_map(void *ctx)
{
	return dup_push(ctx, true);
}

static int dup_start_array(void *ctx)
{
	return dup_push(ctx, false);
}

static int dup_key(void *ctx, const unsigned char *key, size_t len)
{
	struct dup_ctx *c = ctx;
	struct dup_frame *f = &c->f[c->depth - 1];
	char parent[sizeof(c->path)], tmp[sizeof(c->path)];
	int i;

	free(f->key);
	f->key = strndup((const char *)key, len);
	if (!f->key)
		return 0;
	if (!json_object_object_get_ex(f->keys, f->key, NULL)) {
		json_object_object_add(f->keys, f->key, NULL);
		return 1;
	}
	parent[0] = '\0';
	for (i = 0; i < c->depth - 1; i++) {
		if (c->f[i].keys)
			path_key(tmp, sizeof(tmp), parent, c->f[i].key);
		else if (snprintf(tmp, sizeof(tmp), "%s[%ld]", parent,
				  c->f[i].index) < 0)
			return 0;
		memcpy(parent, tmp, sizeof(parent));
	}
	path_key(c->path, sizeof(c->path), parent, f->key);
	return 0;
}

static int dup_null(void *ctx)
{
	return dup_value(ctx);
}

static int dup_bool(void *ctx, int v)
{
	(void)v;
	return dup_value(ctx);
}

static int dup_scalar(void *ctx, const char *s, size_t len)
{
	(void)s;
	(void)len;
	return dup_value(ctx);
}

static int dup_string(void *ctx, const unsigned char *s, size_t len)
{
	return dup_scalar(ctx, (const char *)s, len);
}

static const yajl_callbacks dup_callbacks = {
	.yajl_null = dup_null,
	.yajl_boolean = dup_bool,
	.yajl_number = dup_scalar, /* raw text: no range limits */
	.yajl_string = dup_string,
	.yajl_start_map = dup_start_map,
	.yajl_map_key = dup_key,
	.yajl_end_map = dup_pop,
	.yajl_start_array = dup_start_array,
	.yajl_end_array = dup_pop,
};

/* Refuse a document (already accepted by json-c) with a repeated key. */
static int check_duplicate_keys(const struct pctx *p, const char *text,
				size_t len)
{
	struct dup_ctx *c = calloc(1, sizeof(*c));
	yajl_status st = yajl_status_error;
	yajl_handle h = NULL;
	int err = 0;

	if (c)
		h = yajl_alloc(&dup_callbacks, NULL, c);
	if (h) {
		/* json-c does not check UTF-8 either */
		yajl_config(h, yajl_dont_validate_strings, 1);
		st = yajl_parse(h, (const unsigned char *)text, len);
		if (st == yajl_status_ok)
			st = yajl_complete_parse(h);
	}
	if (c && c->path[0])
		err = vms_cfg_err(p->name, c->path,
				  "duplicate key (each key may "
				  "appear once in an object)");
	else if (!h)
		err = vms_err(-ENOMEM, "out of memory");
	else if (st != yajl_status_ok)
		err = vms_cfg_err(p->name, "document",
				  "cannot check for duplicate keys (byte %zu)",
				  yajl_get_bytes_consumed(h));
	while (c && c->depth)
		dup_pop(c);
	if (h)
		yajl_free(h);
	free(c);
	return err;
}

/* ---- parsing ----------------------------------------------------------- */

static void line_col(const char *text, size_t off, int *line, int *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

int vms_config_parse(const char *text, size_t len, const char *name,
		     unsigned int flags, struct vms_config *cfg)
{
	struct pctx p = {name, flags, cfg};
	enum json_tokener_error jerr;
	struct json_object *root;
	struct json_tokener *tok;
	int line, col, err;
	size_t end;
	char at[64];
	const char *nul;

	/* The port array (4.9 MB) is cleared as far as the document fills
	 * it (doc_ports): clearing all of it made each parse cost a
	 * millisecond, which was most of the config fuzzer's time.
	 */
	memset(cfg, 0, offsetof(struct vms_config, ports));
	if (len > VMS_CFG_MAX_BYTES)
		return vms_err(-EFBIG, "%s%slarger than %d bytes",
			       name ? name : "", name ? ": " : "",
			       VMS_CFG_MAX_BYTES);
	if (!len)
		return vms_err(-EINVAL, "%s%sempty, no JSON document",
			       name ? name : "", name ? ": " : "");
	nul = memchr(text, '\0', len);
	if (nul) {
		line_col(text, nul - text, &line, &col);
		snprintf(at, sizeof(at), "line %d, column %d", line, col);
		return vms_cfg_err(name, at, "NUL byte in the document");
	}
	tok = json_tokener_new();
	if (!tok)
		return vms_err(-ENOMEM, "out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, text, len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (!root && jerr == json_tokener_continue)
		jerr = json_tokener_error_parse_eof;
	json_tokener_free(tok);
	if (jerr != json_tokener_success) {
		json_object_put(root);
		line_col(text, end > len ? len : end, &line, &col);
		snprintf(at, sizeof(at), "line %d, column %d", line, col);
		return vms_cfg_err(name, at, "%s",
				   json_tokener_error_desc(jerr));
	}
	for (; end < len; end++) {
		if (!strchr(" \t\r\n", text[end])) {
			json_object_put(root);
			line_col(text, end, &line, &col);
			snprintf(at, sizeof(at), "line %d, column %d", line,
				 col);
			return vms_cfg_err(
				name, at, "unexpected text after the document");
		}
	}
	err = check_duplicate_keys(&p, text, len);
	if (err) {
		json_object_put(root);
		return err;
	}
	err = parse_object(&p, "", root, doc_fields,
			   sizeof(doc_fields) / sizeof(doc_fields[0]),
			   "document", cfg);
	json_object_put(root);
	if (!err)
		err = check_document(&p);
	if (!err && !(flags & VMS_CFG_NO_DEVICES))
		err = check_devices(&p);
	return err;
}

/*
 * @path opened for reading: a regular file, or a pipe or FIFO (`apply
 * <(...)`) whose writer is there already. It is opened without blocking,
 * so a FIFO nobody writes to reads as empty instead of waiting forever;
 * directories, devices and sockets are refused.
 */
static int open_document(const char *path, FILE **out)
{
	struct stat st;
	int fd, flags, err;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return vms_err(-errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st)) {
		err = vms_err(-errno, "%s: %s", path, strerror(errno));
	} else if (S_ISDIR(st.st_mode)) {
		err = vms_err(-EISDIR, "%s: is a directory, not a document",
			      path);
	} else if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode)) {
		err = vms_err(-EINVAL,
			      "%s: not a regular file or a pipe (use '-' for "
			      "standard input)",
			      path);
	} else {
		/* Reads wait for a writer that is there; none: end of file. */
		flags = fcntl(fd, F_GETFL);
		if (flags >= 0 && !fcntl(fd, F_SETFL, flags & ~O_NONBLOCK))
			*out = fdopen(fd, "r");
		if (*out)
			return 0;
		err = vms_err(-errno, "%s: %s", path, strerror(errno));
	}
	close(fd);
	return err;
}

int vms_config_read_file(const char *path, char **text, size_t *len)
{
	size_t cap = 65536, n = 0, r;
	FILE *f = stdin;
	char *buf;
	int err;

	if (strcmp(path, "-")) {
		f = NULL;
		err = open_document(path, &f);
		if (err)
			return err;
	}
	buf = malloc(cap + 1);
	while (buf) {
		r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (n < cap)
			break;
		if (cap > VMS_CFG_MAX_BYTES) {
			free(buf);
			if (f != stdin)
				fclose(f);
			return vms_err(-EFBIG, "%s: larger than %d bytes", path,
				       VMS_CFG_MAX_BYTES);
		}
		cap *= 2;
		char *nb = realloc(buf, cap + 1);

		if (!nb)
			free(buf);
		buf = nb;
	}
	if (!buf || ferror(f)) {
		err = !buf ? -ENOMEM : errno ? -errno : -EIO;

		free(buf);
		if (f != stdin)
			fclose(f);
		return vms_err(err, "%s: cannot read: %s", path,
			       strerror(-err));
	}
	if (f != stdin)
		fclose(f);
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

/* ---- documents --------------------------------------------------------- */

const char *vms_attach_mode_name(enum vms_attach_mode m)
{
	return (unsigned int)m < N_ATTACH_MODES ? attach_modes[m] : "auto";
}

int vms_attach_mode_parse(const char *s, enum vms_attach_mode *m)
{
	unsigned int i;

	for (i = 0; i < N_ATTACH_MODES; i++)
		if (!strcmp(s, attach_modes[i])) {
			*m = i;
			return 0;
		}
	return -EINVAL;
}

static int cmp_uplink(const void *a, const void *b)
{
	return strcmp(((const struct vms_cfg_uplink *)a)->device,
		      ((const struct vms_cfg_uplink *)b)->device);
}

static int cmp_port(const void *a, const void *b)
{
	return strcmp(((const struct vms_cfg_port *)a)->tap,
		      ((const struct vms_cfg_port *)b)->tap);
}

void vms_config_sort(struct vms_config *cfg)
{
	qsort(cfg->uplinks, cfg->n_uplinks, sizeof(cfg->uplinks[0]),
	      cmp_uplink);
	qsort(cfg->ports, cfg->n_ports, sizeof(cfg->ports[0]), cmp_port);
}

struct json_object *vms_config_to_json(const struct vms_config *cfg)
{
	struct json_object *doc = json_object_new_object();
	struct json_object *ups = json_object_new_array();
	struct json_object *ports = json_object_new_array();
	char mac[18];
	int i;

	for (i = 0; i < cfg->n_uplinks; i++) {
		struct json_object *u = json_object_new_object();

		json_object_object_add(
			u, "device",
			json_object_new_string(cfg->uplinks[i].device));
		json_object_object_add(
			u, "mode",
			json_object_new_string(
				vms_attach_mode_name(cfg->uplinks[i].mode)));
		json_object_array_add(ups, u);
	}
	for (i = 0; i < cfg->n_ports; i++) {
		const struct vms_cfg_port *p = &cfg->ports[i];
		struct json_object *o = json_object_new_object();

		vms_format_mac(p->mac, mac);
		json_object_object_add(o, "tap",
				       json_object_new_string(p->tap));
		json_object_object_add(o, "mac", json_object_new_string(mac));
		if (p->vlan)
			json_object_object_add(o, "vlan",
					       json_object_new_int(p->vlan));
		if (p->trunk) {
			static char vids[VMS_VIDS_STRLEN];

			vms_format_vids(&p->vids, vids, sizeof(vids));
			json_object_object_add(o, "trunk",
					       json_object_new_string(vids));
		}
		if (p->naddrs) {
			struct json_object *arr = json_object_new_array();
			char a[VMS_ADDR_STRLEN];
			__u32 k;

			for (k = 0; k < p->naddrs; k++) {
				vms_format_addr(&p->addrs[k], a);
				json_object_array_add(
					arr, json_object_new_string(a));
			}
			json_object_object_add(o, "addresses", arr);
		}
		if (p->trusted)
			json_object_object_add(o, "trusted",
					       json_object_new_boolean(true));
		if (p->agent)
			json_object_object_add(o, "agent",
					       json_object_new_boolean(true));
		if (p->tx_tc)
			json_object_object_add(o, "tx_hook",
					       json_object_new_string("tc"));
		if (p->rss.flags & VMST_RSS_F_ENABLED) {
			json_object_object_add(
				o, "queues",
				json_object_new_int(p->rss.queues));
			json_object_object_add(o, "rss", vms_rss_json(&p->rss));
			json_object_object_add(
				o, "xdp_steer",
				json_object_new_string(
					p->rss.flags & VMST_RSS_F_XDP_CPUMAP
						? "cpumap"
						: "none"));
		}
		json_object_array_add(ports, o);
	}
	json_object_object_add(doc, "uplinks", ups);
	json_object_object_add(doc, "ports", ports);
	return doc;
}

bool vms_addr_in(const struct vmst_addr *a, const struct vmst_addr *set,
		 __u32 n)
{
	__u32 i;

	for (i = 0; i < n; i++)
		if (set[i].family == a->family &&
		    set[i].prefix_len == a->prefix_len &&
		    !memcmp(set[i].addr, a->addr, 16))
			return true;
	return false;
}

bool vms_cfg_same_tx(const struct vms_cfg_port *p, bool trusted,
		     const struct vmst_addr *addrs, __u32 n)
{
	__u32 i;

	if (p->trusted != trusted || p->naddrs != n)
		return false;
	for (i = 0; i < n; i++)
		if (!vms_addr_in(&addrs[i], p->addrs, p->naddrs))
			return false;
	return true;
}

void vms_port_spec_from_cfg(const struct vms_cfg_port *p,
			    struct vms_port_spec *s)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->name, p->tap, sizeof(s->name));
	s->ifindex = p->ifindex;
	s->netns_ino = vms_netns_ino();
	memcpy(s->mac, p->mac, 6);
	s->vlan = p->vlan;
	s->trunk = p->trunk;
	s->vids = p->vids;
	s->mtu = p->mtu;
	s->trusted = p->trusted;
	s->agent = p->agent;
	s->tx_tc = p->tx_tc;
	s->naddrs = p->naddrs;
	memcpy(s->addrs, p->addrs, sizeof(s->addrs));
	s->xdp_steer = p->rss.flags & VMST_RSS_F_XDP_CPUMAP;
}

bool vms_cfg_rss_equal(const struct vmst_rss *a, const struct vmst_rss *b)
{
	bool on = a->flags & VMST_RSS_F_ENABLED;

	if (on != !!(b->flags & VMST_RSS_F_ENABLED))
		return false;
	return !on || (a->queues == b->queues && a->flags == b->flags &&
		       !memcmp(a->key, b->key, sizeof(a->key)) &&
		       a->hash_types == b->hash_types &&
		       a->table_size == b->table_size &&
		       a->default_queue == b->default_queue &&
		       a->table_size <= VMST_RSS_TABLE_MAX &&
		       !memcmp(a->table, b->table,
			       a->table_size * sizeof(a->table[0])));
}

bool vms_config_equal(const struct vms_config *a, const struct vms_config *b)
{
	static struct vms_config x, y;
	int i;

	if (a->n_uplinks != b->n_uplinks || a->n_ports != b->n_ports)
		return false;
	/* Only the entries in use: the arrays are 4.9 MB. */
	memcpy(x.uplinks, a->uplinks, a->n_uplinks * sizeof(a->uplinks[0]));
	memcpy(y.uplinks, b->uplinks, b->n_uplinks * sizeof(b->uplinks[0]));
	memcpy(x.ports, a->ports, a->n_ports * sizeof(a->ports[0]));
	memcpy(y.ports, b->ports, b->n_ports * sizeof(b->ports[0]));
	x.n_uplinks = y.n_uplinks = a->n_uplinks;
	x.n_ports = y.n_ports = a->n_ports;
	vms_config_sort(&x);
	vms_config_sort(&y);
	for (i = 0; i < x.n_uplinks; i++)
		if (strcmp(x.uplinks[i].device, y.uplinks[i].device) ||
		    x.uplinks[i].mode != y.uplinks[i].mode)
			return false;
	for (i = 0; i < x.n_ports; i++)
		if (strcmp(x.ports[i].tap, y.ports[i].tap) ||
		    memcmp(x.ports[i].mac, y.ports[i].mac, 6) ||
		    x.ports[i].vlan != y.ports[i].vlan ||
		    x.ports[i].agent != y.ports[i].agent ||
		    x.ports[i].tx_tc != y.ports[i].tx_tc ||
		    x.ports[i].trunk != y.ports[i].trunk ||
		    memcmp(&x.ports[i].vids, &y.ports[i].vids,
			   sizeof(x.ports[i].vids)) ||
		    !vms_cfg_same_tx(&x.ports[i], y.ports[i].trusted,
				     y.ports[i].addrs, y.ports[i].naddrs) ||
		    !vms_cfg_rss_equal(&x.ports[i].rss, &y.ports[i].rss))
			return false;
	return true;
}
