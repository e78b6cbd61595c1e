// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Declarative configuration: parse and validate a document, read the
 * state's configuration back as one, and plan and apply the difference.
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

#include "config.h"
#include "lifecycle.h"

/* ---- errors ------------------------------------------------------------ */

struct pctx {
	const char *name; /* file name for messages, or NULL */
	unsigned int flags;
	struct vms_config *cfg;
};

static int perr(const char *name, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int perr(const char *name, const char *path, const char *fmt, ...)
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
 * members of the model in config.h); anything not listed is refused.
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
		return perr(p->name, path, "expected %s %s object, got %s",
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
			return perr(p->name, sub,
				    "unknown key (%s %s takes %s)",
				    strchr("aeiou", what[0]) ? "an" : "a", what,
				    keys);
		err = fields[i].parse(p, sub, val, obj);
		if (err)
			return err;
	}
	for (i = 0; i < nfields; i++)
		if (fields[i].required &&
		    !json_object_object_get_ex(o, fields[i].key, NULL))
			return perr(p->name, *path ? path : "document",
				    "missing key \"%s\"%s", fields[i].key,
				    !*path ? " (use [] for none)" : "");
	return 0;
}

/* A string without NUL bytes. */
static int get_string(const struct pctx *p, const char *path,
		      struct json_object *v, const char *what, const char **s)
{
	char q[80];

	if (!json_object_is_type(v, json_type_string))
		return perr(p->name, path, "%s %s, got %s (%s)", "expected",
			    what, type_name(v), quoted(v, q, sizeof(q)));
	*s = json_object_get_string(v);
	if (strlen(*s) != (size_t)json_object_get_string_len(v))
		return perr(p->name, path, "%s contains a NUL character",
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
		return perr(p->name, path, "%s is not a device name (%s)",
			    quoted(v, q, sizeof(q)), why);
	snprintf(out, IF_NAMESIZE, "%s", s);
	return 0;
}

static int uplink_device(const struct pctx *p, const char *path,
			 struct json_object *v, void *obj)
{
	struct vms_cfg_uplink *u = obj;

	return get_ifname(p, path, v, u->device);
}

static int uplink_mode(const struct pctx *p, const char *path,
		       struct json_object *v, void *obj)
{
	struct vms_cfg_uplink *u = obj;
	const char *s;
	char q[80];
	int err;

	err = get_string(p, path, v, "\"auto\", \"native\" or \"generic\"", &s);
	if (err)
		return err;
	if (!strcmp(s, "auto"))
		u->mode = VMS_ATTACH_AUTO;
	else if (!strcmp(s, "native"))
		u->mode = VMS_ATTACH_NATIVE;
	else if (!strcmp(s, "generic"))
		u->mode = VMS_ATTACH_GENERIC;
	else
		return perr(p->name, path,
			    "%s is not a mode (auto, native or generic)",
			    quoted(v, q, sizeof(q)));
	return 0;
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
		return perr(p->name, path,
			    "%s is not a MAC address (aa:bb:cc:dd:ee:ff)",
			    quoted(v, q, sizeof(q)));
	if (port->mac[0] & 1)
		return perr(p->name, path,
			    "%s is a multicast address, not a VM's unicast "
			    "MAC",
			    quoted(v, q, sizeof(q)));
	if (!memcmp(port->mac, zero, 6))
		return perr(p->name, path, "%s is not a usable MAC address",
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
		return perr(p->name, path,
			    "expected a VLAN id %d..%d (or null: untagged), "
			    "got %s (%s)",
			    VMST_VLAN_MIN, VMST_VLAN_MAX, type_name(v),
			    quoted(v, q, sizeof(q)));
	errno = 0;
	id = json_object_get_int64(v);
	if (errno || id < VMST_VLAN_MIN || id > VMST_VLAN_MAX)
		return perr(p->name, path, "VLAN id %s outside %d..%d",
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
		return perr(p->name, path,
			    "expected an array of addresses, got %s",
			    type_name(v));
	n = json_object_array_length(v);
	if (n > VMST_MAX_ADDRS)
		return perr(p->name, path, "%zu addresses, at most %d per port",
			    n, VMST_MAX_ADDRS);
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
			return perr(p->name, sub, "%s", why);
		}
		for (j = 0; j < i; j++)
			if (vms_addr_overlap(&port->addrs[i],
					     &port->addrs[j])) {
				vms_format_addr(&port->addrs[j], x);
				return perr(p->name, sub,
					    "%s overlaps %s (%s[%zu])",
					    quoted(e, q, sizeof(q)), x, path,
					    j);
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
		return perr(p->name, path,
			    "expected a VID list such as \"10,20,100-199\" "
			    "(or null: not a trunk), got %s",
			    type_name(v));
	if (vms_parse_vids("trunk", json_object_get_string(v), &port->vids))
		return perr(p->name, path, "%s",
			    vms_last_error() + strlen("trunk: "));
	port->trunk = true;
	return 0;
}

static int port_trusted(const struct pctx *p, const char *path,
			struct json_object *v, void *obj)
{
	struct vms_cfg_port *port = obj;

	if (!json_object_is_type(v, json_type_boolean))
		return perr(p->name, path, "expected true or false, got %s",
			    type_name(v));
	port->trusted = json_object_get_boolean(v);
	return 0;
}

static int port_tx_hook(const struct pctx *p, const char *path,
			struct json_object *v, void *obj)
{
	struct vms_cfg_port *port = obj;
	const char *s = json_object_get_string(v);

	if (!json_object_is_type(v, json_type_string) ||
	    (strcmp(s, "xdp") && strcmp(s, "tc")))
		return perr(p->name, path, "expected \"xdp\" or \"tc\", got %s",
			    json_object_is_type(v, json_type_string)
				    ? s
				    : type_name(v));
	port->tx_tc = !strcmp(s, "tc");
	return 0;
}

static int port_agent(const struct pctx *p, const char *path,
		      struct json_object *v, void *obj)
{
	struct vms_cfg_port *port = obj;

	if (!json_object_is_type(v, json_type_boolean))
		return perr(p->name, path, "expected true or false, got %s",
			    type_name(v));
	port->agent = json_object_get_boolean(v);
	return 0;
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
		return perr(p->name, path,
			    "expected %s %lld..%lld, got %s (%s)", what,
			    (long long)min, (long long)max, type_name(v),
			    quoted(v, q, sizeof(q)));
	errno = 0;
	*out = json_object_get_int64(v);
	if (errno || *out < min || *out > max)
		return perr(p->name, path, "%s %s outside %lld..%lld", what,
			    quoted(v, q, sizeof(q)), (long long)min,
			    (long long)max);
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
	struct vms_cfg_port *port = obj;
	const char *s;
	int err;

	err = get_string(p, path, v, "\"none\" or \"cpumap\"", &s);
	if (err)
		return err;
	if (!strcmp(s, "cpumap"))
		port->rss.flags |= VMST_RSS_F_XDP_CPUMAP;
	else if (strcmp(s, "none"))
		return perr(p->name, path,
			    "unknown XDP steering \"%.20s\" (expected "
			    "\"none\" or \"cpumap\")",
			    s);
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
		return perr(p->name, path, "%s",
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
		return perr(p->name, path,
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
			return perr(p->name, sub,
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
		return perr(p->name, path,
			    "expected an array of queue numbers, got %s",
			    type_name(v));
	n = json_object_array_length(v);
	if (!n || n > VMST_RSS_TABLE_MAX || (n & (n - 1)))
		return perr(p->name, path,
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
			return perr(p->name, sub,
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
			return perr(p->name, sub,
				    "queue %u, but the port has queues 0..%u",
				    r->table[i], r->queues - 1);
		}
	if (r->default_queue >= r->queues) {
		snprintf(sub, sizeof(sub), "%s.rss.default_queue", path);
		return perr(p->name, sub,
			    "queue %u, but the port has queues 0..%u",
			    r->default_queue, r->queues - 1);
	}
	r->flags = VMST_RSS_F_ENABLED | (given.flags & VMST_RSS_F_XDP_CPUMAP);
	if ((r->flags & VMST_RSS_F_XDP_CPUMAP) &&
	    !(p->flags & VMS_CFG_NO_DEVICES)) {
		snprintf(sub, sizeof(sub), "%s.xdp_steer", path);
		err = vms_xdp_steer_check(sub, r->queues, NULL);
		if (err)
			return perr(p->name, sub, "%s",
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
		return perr(p->name, path, "expected an array of %s, got %s",
			    what, type_name(v));
	n = json_object_array_length(v);
	if (n > (size_t)max)
		return perr(p->name, path, "%zu %s, at most %d", n, what, max);
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
			err = perr(p->name, sub,
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

static void vlan_text(__u16 vlan, char *out, size_t len)
{
	if (vlan)
		snprintf(out, len, "on VLAN %u", vlan);
	else
		snprintf(out, len, "untagged");
}

static int check_document(const struct pctx *p)
{
	const struct vms_config *c = p->cfg;
	char path[64], mac[18], vl[24];
	int i, j;

	for (i = 0; i < c->n_uplinks; i++)
		for (j = 0; j < i; j++)
			if (!strcmp(c->uplinks[i].device,
				    c->uplinks[j].device)) {
				snprintf(path, sizeof(path),
					 "uplinks[%d].device", i);
				return perr(p->name, path,
					    "%s is already uplinks[%d]",
					    c->uplinks[i].device, j);
			}
	for (i = 0; i < c->n_ports; i++) {
		const struct vms_cfg_port *a = &c->ports[i];

		for (j = 0; j < i; j++) {
			const struct vms_cfg_port *b = &c->ports[j];

			if (!strcmp(a->tap, b->tap)) {
				snprintf(path, sizeof(path), "ports[%d].tap",
					 i);
				return perr(p->name, path,
					    "%s is already ports[%d]", a->tap,
					    j);
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
						vlan_text(a->vlan, vl,
							  sizeof(vl));
						return perr(
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
				vlan_text(a->vlan, vl, sizeof(vl));
				return perr(p->name, path,
					    "%s %s is already the MAC of "
					    "ports[%d] (%s)",
					    mac, vl, j, b->tap);
			}
		}
		for (j = 0; j < c->n_uplinks; j++)
			if (!strcmp(a->tap, c->uplinks[j].device)) {
				snprintf(path, sizeof(path),
					 "uplinks[%d].device", j);
				return perr(p->name, path,
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
		r = if_nametoindex(t->tap);
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
			return perr(name, path, "%s: cannot tell its type: %s",
				    t->tap, strerror(-r));
		return perr(name, path, "%s is not a tap device", t->tap);
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
		r = if_nametoindex(u->device);
		if (!r)
			return perr(p->name, path, "%s: no such device",
				    u->device);
		u->ifindex = r;
		r = vms_is_tap(u->device);
		if (r == 1)
			return perr(p->name, path,
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
		err = perr(p->name, c->path,
			   "duplicate key (each key may "
			   "appear once in an object)");
	else if (!h)
		err = vms_err(-ENOMEM, "out of memory");
	else if (st != yajl_status_ok)
		err = perr(p->name, "document",
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
		return perr(name, at, "NUL byte in the document");
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
		return perr(name, at, "%s", json_tokener_error_desc(jerr));
	}
	for (; end < len; end++) {
		if (!strchr(" \t\r\n", text[end])) {
			json_object_put(root);
			line_col(text, end, &line, &col);
			snprintf(at, sizeof(at), "line %d, column %d", line,
				 col);
			return perr(name, at,
				    "unexpected text after the document");
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

static const char *attach_mode_name(enum vms_attach_mode m)
{
	return m == VMS_ATTACH_NATIVE	 ? "native"
	       : m == VMS_ATTACH_GENERIC ? "generic"
					 : "auto";
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
		json_object_object_add(u, "mode",
				       json_object_new_string(attach_mode_name(
					       cfg->uplinks[i].mode)));
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

static bool addr_in(const struct vmst_addr *a, const struct vmst_addr *set,
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

/* Same trust and the same addresses (order aside) as @p. */
static bool same_tx(const struct vms_cfg_port *p, bool trusted,
		    const struct vmst_addr *addrs, __u32 n)
{
	__u32 i;

	if (p->trusted != trusted || p->naddrs != n)
		return false;
	for (i = 0; i < n; i++)
		if (!addr_in(&addrs[i], p->addrs, p->naddrs))
			return false;
	return true;
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
	qsort(x.uplinks, x.n_uplinks, sizeof(x.uplinks[0]), cmp_uplink);
	qsort(y.uplinks, y.n_uplinks, sizeof(y.uplinks[0]), cmp_uplink);
	qsort(x.ports, x.n_ports, sizeof(x.ports[0]), cmp_port);
	qsort(y.ports, y.n_ports, sizeof(y.ports[0]), cmp_port);
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
		    !same_tx(&x.ports[i], y.ports[i].trusted, y.ports[i].addrs,
			     y.ports[i].naddrs) ||
		    !vms_cfg_rss_equal(&x.ports[i].rss, &y.ports[i].rss))
			return false;
	return true;
}

/* ---- the state's configuration ----------------------------------------- */

static bool in_use(const struct vmst_port_cfg *c)
{
	return c->flags & VMST_CFG_F_IN_USE;
}

static __u64 rec_key(const struct vmst_port_cfg *c)
{
	return vmst_fdb_key(c->vlan, vms_mac48(c->mac));
}

static __u64 port_key(const struct vms_cfg_port *p)
{
	return vmst_fdb_key(p->vlan, vms_mac48(p->mac));
}

static int read_ports(struct vms_state *st, struct vmst_port_cfg *pc)
{
	memset(pc, 0, sizeof(*pc) * VMST_MAX_PORTS);
	return st ? vms_port_read_all(&st->maps, pc) : 0;
}

static int read_uplinks(struct vms_state *st, struct vms_uplink_info *up)
{
	int n;

	if (!st)
		return 0;
	n = vms_uplink_list(st, up, VMST_MAX_UPLINKS);
	if (n < 0)
		return vms_err(n, "cannot list the uplinks: %s", strerror(-n));
	return n;
}

int vms_config_from_state(struct vms_state *st, struct vms_config *cfg)
{
	static struct vmst_port_cfg pc[VMST_MAX_PORTS];
	struct vms_uplink_info up[VMST_MAX_UPLINKS];
	__u32 netns = vms_netns_ino();
	int i, j, n, err;

	memset(cfg, 0, sizeof(*cfg));
	n = read_uplinks(st, up);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		struct vms_cfg_uplink *u = &cfg->uplinks[cfg->n_uplinks];

		if (up[i].netns_ino != netns)
			continue;
		if (up[i].defunct || !up[i].name[0]) {
			pr_warn("uplink ifindex %u: its device is gone; left "
				"out (apply detaches it)",
				up[i].ifindex);
			continue;
		}
		snprintf(u->device, sizeof(u->device), "%s", up[i].name);
		u->ifindex = up[i].ifindex;
		u->mode = up[i].mode == VMST_MODE_NATIVE ? VMS_ATTACH_NATIVE
							 : VMS_ATTACH_GENERIC;
		cfg->n_uplinks++;
	}
	err = read_ports(st, pc);
	if (err)
		return err;
	for (i = 1; i < VMST_MAX_PORTS; i++) {
		struct vms_cfg_port *p = &cfg->ports[cfg->n_ports];
		char name[IF_NAMESIZE];

		if (!in_use(&pc[i]) || pc[i].netns_ino != netns)
			continue;
		snprintf(name, sizeof(name), "%.*s",
			 (int)sizeof(pc[i].name) - 1, pc[i].name);
		for (j = 0; j < cfg->n_ports; j++)
			if (!strcmp(cfg->ports[j].tap, name))
				break;
		if (j < cfg->n_ports)
			continue; /* a duplicate record: apply repairs it */
		memcpy(p->tap, name, sizeof(p->tap));
		memcpy(p->mac, pc[i].mac, 6);
		p->vlan = pc[i].vlan;
		if (!vms_port_tapless(&pc[i], netns)) {
			p->ifindex = pc[i].ifindex;
			p->mtu = pc[i].mtu;
		}
		p->trusted = pc[i].flags & VMST_CFG_F_TRUSTED;
		p->agent = pc[i].flags & VMST_CFG_F_AGENT;
		p->tx_tc = pc[i].flags & VMST_CFG_F_TX_TC;
		p->trunk = pc[i].flags & VMST_CFG_F_TRUNK;
		if (st && p->trunk) {
			err = vms_port_trunk_read(&st->maps, i, &p->vids);
			if (err)
				return err;
		}
		if (st) {
			struct vmst_port_tx tx;

			err = vms_port_tx_read(&st->maps, i, &tx);
			if (err)
				return err;
			p->naddrs = tx.naddrs;
			memcpy(p->addrs, tx.addrs, sizeof(p->addrs));
		}
		if (st) {
			err = vms_rss_read(&st->maps, i, &p->rss);
			if (err)
				return err;
			if (!(p->rss.flags & VMST_RSS_F_ENABLED))
				memset(&p->rss, 0, sizeof(p->rss));
		}
		cfg->n_ports++;
	}
	qsort(cfg->uplinks, cfg->n_uplinks, sizeof(cfg->uplinks[0]),
	      cmp_uplink);
	qsort(cfg->ports, cfg->n_ports, sizeof(cfg->ports[0]), cmp_port);
	return 0;
}

/* ---- plan -------------------------------------------------------------- */

static struct vms_op *plan_push(struct vms_plan *plan, enum vms_op_kind kind,
				int cfg_idx, __u32 index, const char *name)
{
	struct vms_op *op;

	if (plan->n == plan->cap) {
		int cap = plan->cap ? plan->cap * 2 : 16;
		struct vms_op *ops = realloc(plan->ops, cap * sizeof(*ops));

		if (!ops)
			return NULL;
		plan->ops = ops;
		plan->cap = cap;
	}
	op = &plan->ops[plan->n++];
	memset(op, 0, sizeof(*op));
	op->kind = kind;
	op->cfg_idx = cfg_idx;
	op->index = index;
	if (name)
		snprintf(op->name, sizeof(op->name), "%s", name);
	return op;
}

static void op_old_port(struct vms_op *op, const struct vmst_port_cfg *c)
{
	memcpy(op->old_mac, c->mac, 6);
	op->old_vlan = c->vlan;
	op->old_ifindex = c->ifindex;
	op->old_mtu = c->mtu;
}

void vms_plan_free(struct vms_plan *plan)
{
	free(plan->ops);
	memset(plan, 0, sizeof(*plan));
}

/* Why port record @idx cannot forward as it is, or NULL. */
static const char *port_unhealthy(struct vms_state *st, const __u32 *fdb,
				  __u32 idx, const struct vmst_port_cfg *c)
{
	__u64 key = rec_key(c);
	__u32 home = vmst_fdb_hash(key), i, s, tx;
	struct vmst_port port;

	if (c->flags & VMST_CFG_F_PENDING)
		return NULL; /* reachable by no FDB slot, by design */
	if (bpf_map_lookup_elem(st->maps.fd[VMS_MAP_PORTS], &idx, &port) ||
	    port.key != key)
		return "port entry not written";
	if (bpf_map_lookup_elem(st->maps.fd[VMS_MAP_TX], &idx, &tx) ||
	    tx != c->ifindex) {
		/* The kernel took the target with the tap: the port becomes
		 * pending (or follows a new tap), it is not broken. */
		if (vms_port_tapless(c, vms_netns_ino()))
			return NULL;
		return "no redirect target";
	}
	for (i = 0; i < VMST_FDB_PROBES; i++) {
		s = (home + i) & VMST_FDB_MASK;
		if (fdb[s] == idx)
			return NULL;
	}
	return "not in the FDB";
}

/* Free @idx's FDB slot (in the probe window of its @key) in the
 * simulation. */
static void sim_free(__u32 *fdb, __u64 key, __u32 idx)
{
	__u32 home = vmst_fdb_hash(key), i;

	for (i = 0; i < VMST_FDB_PROBES; i++)
		if (fdb[(home + i) & VMST_FDB_MASK] == idx)
			fdb[(home + i) & VMST_FDB_MASK] = 0;
}

/* The simulated slot of @key holding @idx (0: a free one), or -1. */
static int sim_slot(const __u32 *fdb, __u64 key, __u32 idx)
{
	__u32 home = vmst_fdb_hash(key), i;

	for (i = 0; i < VMST_FDB_PROBES; i++)
		if (fdb[(home + i) & VMST_FDB_MASK] == idx)
			return (home + i) & VMST_FDB_MASK;
	return -1;
}

/*
 * Play @plan on a copy of the FDB, the way ports.c places keys: a port
 * that would find no free slot among the VMST_FDB_PROBES from its home
 * slot is refused now, naming its JSON path, rather than half-way through.
 */
static int plan_check_fdb(const __u32 *state_fdb, const struct vms_config *cfg,
			  const struct vms_plan *plan,
			  const struct vmst_port_cfg *pc, const char *name,
			  int *bad)
{
	static __u32 fdb[VMST_FDB_SLOTS];
	char path[64], mac[18], vl[24];
	__u32 mark;
	int i, slot;

	memcpy(fdb, state_fdb, sizeof(fdb));
	for (i = 0; i < plan->n; i++) {
		const struct vms_op *op = &plan->ops[i];
		const struct vms_cfg_port *p;
		__u64 key;

		switch (op->kind) {
		case VMS_OP_FDB_CLEAR:
			fdb[op->index] = 0;
			continue;
		case VMS_OP_PORT_REPAIR:
		case VMS_OP_PORT_DEL:
			sim_free(fdb, rec_key(&pc[op->index]), op->index);
			continue;
		case VMS_OP_PORT_ADD:
		case VMS_OP_PORT_UPDATE:
			break;
		default:
			continue;
		}
		p = &cfg->ports[op->cfg_idx];
		key = port_key(p);
		if (!p->ifindex) { /* pending: in no FDB slot */
			if (op->kind == VMS_OP_PORT_UPDATE)
				sim_free(fdb, rec_key(&pc[op->index]),
					 op->index);
			continue;
		}
		/* A new port's index is not known yet: mark it by entry. */
		mark = VMST_MAX_PORTS + op->cfg_idx;
		if (op->kind == VMS_OP_PORT_UPDATE &&
		    rec_key(&pc[op->index]) == key) {
			if (sim_slot(fdb, key, op->index) >= 0)
				continue; /* refreshed in place */
			mark = op->index;
		}
		slot = sim_slot(fdb, key, 0);
		if (slot < 0) {
			*bad = op->cfg_idx;
			snprintf(path, sizeof(path), "ports[%d].mac",
				 op->cfg_idx);
			vms_format_mac(p->mac, mac);
			vlan_text(p->vlan, vl, sizeof(vl));
			return perr(name, path,
				    "%s %s: the FDB has no free slot for it "
				    "(the %u slots from its home slot %u are "
				    "taken by other ports)",
				    mac, vl, VMST_FDB_PROBES,
				    vmst_fdb_hash(key));
		}
		fdb[slot] = mark;
		if (op->kind == VMS_OP_PORT_UPDATE && mark != op->index)
			sim_free(fdb, rec_key(&pc[op->index]),
				 op->index); /* moved to a new index */
	}
	return 0;
}

/* Give up on @plan because of document port @i (plan->bad_port). */
static int plan_fail_port(struct vms_plan *plan, int i, int err)
{
	vms_plan_free(plan);
	plan->bad_port = i + 1;
	return err;
}

int vms_plan_make(struct vms_state *st, const struct vms_config *cfg,
		  const char *name, struct vms_plan *plan)
{
	static struct vmst_port_cfg pc[VMST_MAX_PORTS];
	static __u32 fdb[VMST_FDB_SLOTS];
	struct vms_uplink_info up[VMST_MAX_UPLINKS];
	__u32 netns = vms_netns_ino();
	int cur[VMS_CFG_MAX_PORTS];  /* record index of each document port */
	int orig[VMS_CFG_MAX_PORTS]; /* the same before any change */
	__u64 cur_key[VMS_CFG_MAX_PORTS];
	bool pending[VMS_CFG_MAX_PORTS], kept[VMST_MAX_PORTS] = {};
	int i, j, n, err, other = 0, used = 0, left, bad = -1;
	char path[64], mac[18], vl[24];
	struct vms_op *op;

	memset(plan, 0, sizeof(*plan));
	n = read_uplinks(st, up);
	if (n < 0)
		return n;
	err = read_ports(st, pc);
	memset(fdb, 0, sizeof(fdb));
	if (!err && st)
		err = vms_fdb_read(&st->maps, fdb);
	if (err)
		return err;

	/* What the state makes impossible: refuse before any change. */
	for (i = 1; i < VMST_MAX_PORTS; i++)
		other += in_use(&pc[i]) && pc[i].netns_ino != netns;
	/* Addresses of ports of other namespaces on the same VLAN. */
	for (j = 1; st && j < VMST_MAX_PORTS; j++) {
		struct vmst_port_tx tx;
		__u32 k, l;

		if (!in_use(&pc[j]) || pc[j].netns_ino == netns)
			continue;
		err = vms_port_tx_read(&st->maps, j, &tx);
		if (err)
			return err;
		for (i = 0; i < cfg->n_ports; i++) {
			const struct vms_cfg_port *p = &cfg->ports[i];

			if (p->vlan != pc[j].vlan)
				continue;
			for (k = 0; k < p->naddrs; k++)
				for (l = 0; l < tx.naddrs; l++) {
					char x[VMS_ADDR_STRLEN];

					if (!vms_addr_overlap(&p->addrs[k],
							      &tx.addrs[l]))
						continue;
					snprintf(path, sizeof(path),
						 "ports[%d].addresses[%u]", i,
						 k);
					vms_format_addr(&tx.addrs[l], x);
					plan->bad_port = i + 1;
					return perr(name, path,
						    "overlaps %s of port %.16s "
						    "of another network "
						    "namespace",
						    x, pc[j].name);
				}
		}
	}
	if (cfg->n_ports + other > VMS_CFG_MAX_PORTS)
		return perr(name, "ports",
			    "%d ports, but only %d fit beside the %d of other "
			    "network namespaces (limit %d)",
			    cfg->n_ports, VMS_CFG_MAX_PORTS - other, other,
			    VMS_CFG_MAX_PORTS);
	for (i = 0; i < cfg->n_ports; i++)
		for (j = 1; j < VMST_MAX_PORTS; j++)
			if (in_use(&pc[j]) && pc[j].netns_ino != netns &&
			    rec_key(&pc[j]) == port_key(&cfg->ports[i])) {
				snprintf(path, sizeof(path), "ports[%d].mac",
					 i);
				vms_format_mac(cfg->ports[i].mac, mac);
				vlan_text(cfg->ports[i].vlan, vl, sizeof(vl));
				plan->bad_port = i + 1;
				return perr(name, path,
					    "%s %s is owned by port %.16s of "
					    "another network namespace",
					    mac, vl, pc[j].name);
			}
	for (i = 0, other = 0; i < n; i++)
		other += up[i].netns_ino != netns;
	if (cfg->n_uplinks + other > VMS_CFG_MAX_UPLINKS)
		return perr(name, "uplinks",
			    "%d uplinks, but only %d fit beside the %d of "
			    "other network namespaces (limit %d)",
			    cfg->n_uplinks, VMS_CFG_MAX_UPLINKS - other, other,
			    VMS_CFG_MAX_UPLINKS);

	/* Uplinks to attach (or re-attach in another mode). */
	for (i = 0; i < cfg->n_uplinks; i++) {
		const struct vms_cfg_uplink *u = &cfg->uplinks[i];
		__u32 id = 0;

		for (j = 0; j < n; j++)
			if (up[j].netns_ino == netns && !up[j].defunct &&
			    up[j].ifindex == u->ifindex)
				break;
		if (j < n) {
			bool want_native = u->mode == VMS_ATTACH_NATIVE;

			if (u->mode == VMS_ATTACH_AUTO ||
			    want_native == (up[j].mode == VMST_MODE_NATIVE))
				continue;
			op = plan_push(plan, VMS_OP_REATTACH, i, u->ifindex,
				       u->device);
			if (!op)
				goto nomem;
			op->old_mode = up[j].mode;
			continue;
		}
		if (!bpf_xdp_query_id(u->ifindex, 0, &id) && id) {
			snprintf(path, sizeof(path), "uplinks[%d].device", i);
			vms_plan_free(plan);
			return perr(name, path,
				    "%s already has an XDP program (id %u) "
				    "that vmsteer did not attach; remove it "
				    "first",
				    u->device, id);
		}
		if (!plan_push(plan, VMS_OP_ATTACH, i, u->ifindex, u->device))
			goto nomem;
	}

	/* Repairs: FDB slots naming no port, broken or duplicate records. */
	for (i = 0; st && i < (int)VMST_FDB_SLOTS; i++) {
		__u32 s = i, val = fdb[i];

		if (!val)
			continue;
		if (val < VMST_MAX_PORTS && in_use(&pc[val]))
			continue;
		op = plan_push(plan, VMS_OP_FDB_CLEAR, -1, s, NULL);
		if (!op)
			goto nomem;
		snprintf(op->why, sizeof(op->why), "names free port index %u",
			 val);
	}
	for (i = 0; i < cfg->n_ports; i++) {
		cur[i] = 0;
		cur_key[i] = 0;
	}
	for (j = 1; j < VMST_MAX_PORTS; j++) {
		const char *why = NULL;

		if (!in_use(&pc[j]) || pc[j].netns_ino != netns)
			continue;
		for (i = 0; i < cfg->n_ports; i++)
			if (!strncmp(cfg->ports[i].tap, pc[j].name,
				     sizeof(pc[j].name)))
				break;
		if (i == cfg->n_ports) {
			op = plan_push(plan, VMS_OP_PORT_DEL, -1, j, NULL);
			if (!op)
				goto nomem;
			snprintf(op->name, sizeof(op->name), "%.*s",
				 (int)sizeof(pc[j].name) - 1, pc[j].name);
			op_old_port(op, &pc[j]);
			continue;
		}
		if (cur[i])
			why = "duplicate record";
		else
			why = port_unhealthy(st, fdb, j, &pc[j]);
		if (why) {
			op = plan_push(plan, VMS_OP_PORT_REPAIR, i, j,
				       cfg->ports[i].tap);
			if (!op)
				goto nomem;
			op_old_port(op, &pc[j]);
			snprintf(op->why, sizeof(op->why), "%s", why);
			continue;
		}
		cur[i] = j;
		cur_key[i] = rec_key(&pc[j]);
		kept[j] = true;
	}
	for (i = 0; i < cfg->n_ports; i++)
		orig[i] = cur[i];
	/* Repairs first, then attaches: move the repairs to the front. */
	for (i = 0, j = 0; i < plan->n; i++) {
		struct vms_op t = plan->ops[i];

		if (t.kind != VMS_OP_FDB_CLEAR && t.kind != VMS_OP_PORT_REPAIR)
			continue;
		memmove(&plan->ops[j + 1], &plan->ops[j], (i - j) * sizeof(t));
		plan->ops[j++] = t;
	}
	/* Deletions next (they come after the attaches already). */
	for (j = 1; j < VMST_MAX_PORTS; j++)
		used += in_use(&pc[j]) && (pc[j].netns_ino != netns || kept[j]);

	/*
	 * Adds and updates, in an order that never asks for a MAC and VLAN
	 * another port still holds: a port whose key another pending port
	 * still has waits for it. A cycle (two ports swapping MACs) is
	 * broken by deleting one of them first; it is then added again.
	 */
	left = 0;
	for (i = 0; i < cfg->n_ports; i++) {
		const struct vms_cfg_port *p = &cfg->ports[i];
		const struct vmst_port_cfg *c = &pc[cur[i]];

		struct vmst_port_tx tx = {};
		struct vmst_trunk vids = {};

		if (cur[i] && st) {
			err = vms_port_tx_read(&st->maps, cur[i], &tx);
			if (!err)
				err = vms_port_trunk_read(&st->maps, cur[i],
							  &vids);
			if (err)
				return err;
		}
		pending[i] = !cur[i] || cur_key[i] != port_key(p) ||
			     !(c->flags & VMST_CFG_F_TRUNK) != !p->trunk ||
			     memcmp(&vids, &p->vids, sizeof(vids)) ||
			     c->ifindex != p->ifindex || c->mtu != p->mtu ||
			     !same_tx(p, c->flags & VMST_CFG_F_TRUSTED,
				      tx.addrs, tx.naddrs) ||
			     p->agent != !!(c->flags & VMST_CFG_F_AGENT) ||
			     p->tx_tc != !!(c->flags & VMST_CFG_F_TX_TC) ||
			     (p->ifindex && !vms_tc_prog_id(p->ifindex)) ||
			     (p->ifindex && !p->tx_tc &&
			      !vms_tap_xdp_prog_id(p->ifindex));
		left += pending[i];
	}
	while (left) {
		bool progress = false;

		for (i = 0; i < cfg->n_ports; i++) {
			bool moves = cur_key[i] != port_key(&cfg->ports[i]);

			if (!pending[i])
				continue;
			for (j = 0; moves && j < cfg->n_ports; j++)
				if (j != i && pending[j] &&
				    cur_key[j] == port_key(&cfg->ports[i]))
					break;
			/* At a full table a port moves in place (ports.c). */
			if (moves && j < cfg->n_ports)
				continue;
			op = plan_push(plan,
				       cur[i] ? VMS_OP_PORT_UPDATE
					      : VMS_OP_PORT_ADD,
				       i, cur[i], cfg->ports[i].tap);
			if (!op)
				goto nomem;
			if (cur[i])
				op_old_port(op, &pc[cur[i]]);
			else
				used++;
			cur_key[i] = port_key(&cfg->ports[i]);
			pending[i] = false;
			left--;
			progress = true;
		}
		if (progress)
			continue;
		/* Stuck: delete the first blocked port that has a record. */
		for (i = 0; i < cfg->n_ports; i++)
			if (pending[i] && cur[i])
				break;
		if (i == cfg->n_ports) {
			vms_plan_free(plan);
			return vms_err(-ENOSPC, "no order of changes fits the "
						"port table");
		}
		op = plan_push(plan, VMS_OP_PORT_DEL, i, cur[i],
			       cfg->ports[i].tap);
		if (!op)
			goto nomem;
		op_old_port(op, &pc[cur[i]]);
		snprintf(op->why, sizeof(op->why), "added again below");
		cur[i] = 0;
		cur_key[i] = 0;
		used--;
	}

	/* Queue steering of the ports, once they exist at their index. */
	for (i = 0; i < cfg->n_ports; i++) {
		const struct vms_cfg_port *p = &cfg->ports[i];
		bool want = p->rss.flags & VMST_RSS_F_ENABLED, had, moved;
		struct vms_steer_ctx sc;
		struct vmst_rss now = {};

		if (st && orig[i]) {
			err = vms_rss_read(&st->maps, orig[i], &now);
			if (err)
				goto fail;
		}
		had = now.flags & VMST_RSS_F_ENABLED;
		moved = !orig[i] || !cur[i] ||
			rec_key(&pc[orig[i]]) != port_key(p) ||
			pc[orig[i]].ifindex != p->ifindex;
		if (vms_cfg_rss_equal(&p->rss, &now) && !(moved && want))
			continue;
		if (!want && !had)
			continue;
		if (want && p->ifindex) {
			/* The tap's queues and program, checked now. */
			err = vms_steer_prepare(st ? &st->maps : NULL, p->tap,
						p->rss.queues, false, &sc);
			if (!err && (p->rss.flags & VMST_RSS_F_XDP_CPUMAP)) {
				err = vms_xdp_steer_check(p->tap, p->rss.queues,
							  &sc);
				vms_steer_close(&sc);
			}
			if (err) {
				char msg[400];

				snprintf(path, sizeof(path), "ports[%d].queues",
					 i);
				snprintf(msg, sizeof(msg), "%s",
					 vms_last_error());
				return plan_fail_port(
					plan, i, perr(name, path, "%s", msg));
			}
			vms_steer_close(&sc);
		}
		op = plan_push(plan, VMS_OP_PORT_RSS, i, orig[i], p->tap);
		if (!op)
			goto nomem;
		op->old_queues = had ? now.queues : 0;
	}

	/* Uplinks the document does not name. */
	for (j = 0; j < n; j++) {
		if (up[j].netns_ino != netns)
			continue;
		for (i = 0; i < cfg->n_uplinks && !up[j].defunct; i++)
			if (cfg->uplinks[i].ifindex == up[j].ifindex)
				break;
		if (i < cfg->n_uplinks && !up[j].defunct)
			continue;
		op = plan_push(plan, VMS_OP_DETACH, -1, up[j].ifindex,
			       up[j].name);
		if (!op)
			goto nomem;
		op->old_mode = up[j].mode;
		if (up[j].defunct || !up[j].name[0])
			snprintf(op->why, sizeof(op->why), "device gone");
	}
	err = plan_check_fdb(fdb, cfg, plan, pc, name, &bad);
	if (err)
		return plan_fail_port(plan, bad, err);
	return 0;
fail:
	vms_plan_free(plan);
	return err;
nomem:
	vms_plan_free(plan);
	return vms_err(-ENOMEM, "out of memory");
}

/* ---- describing and applying ------------------------------------------- */

static void port_text(const __u8 mac[6], __u16 vlan, char *out, size_t len)
{
	char m[18], v[24];

	vms_format_mac(mac, m);
	vlan_text(vlan, v, sizeof(v));
	snprintf(out, len, "%s %s", m, v);
}

static const char *const op_names[] = {
	[VMS_OP_FDB_CLEAR] = "repair", [VMS_OP_PORT_REPAIR] = "repair",
	[VMS_OP_ATTACH] = "attach",    [VMS_OP_REATTACH] = "reattach",
	[VMS_OP_PORT_DEL] = "delete",  [VMS_OP_PORT_UPDATE] = "update",
	[VMS_OP_PORT_ADD] = "add",     [VMS_OP_DETACH] = "detach",
	[VMS_OP_PORT_RSS] = "steer",
};

static const char *xdp_mode_name(__u32 mode)
{
	return mode == VMST_MODE_NATIVE ? "native" : "generic";
}

void vms_op_describe(const struct vms_op *op, const struct vms_config *cfg,
		     char *out, size_t len)
{
	const struct vms_cfg_port *p =
		op->cfg_idx >= 0 && op->kind >= VMS_OP_PORT_DEL &&
				op->kind <= VMS_OP_PORT_ADD
			? &cfg->ports[op->cfg_idx]
			: NULL;
	char a[48], b[48], dev[32];

	if (op->name[0])
		snprintf(dev, sizeof(dev), "%s", op->name);
	else
		snprintf(dev, sizeof(dev), "ifindex %u", op->index);
	switch (op->kind) {
	case VMS_OP_FDB_CLEAR:
		snprintf(out, len, "repair FDB slot %u: %s", op->index,
			 op->why);
		break;
	case VMS_OP_PORT_REPAIR:
		port_text(op->old_mac, op->old_vlan, a, sizeof(a));
		snprintf(out, len, "repair port %s: remove record %u (%s, %s)",
			 op->name, op->index, a, op->why);
		break;
	case VMS_OP_ATTACH:
		snprintf(out, len, "attach uplink %s (%s mode)", dev,
			 attach_mode_name(cfg->uplinks[op->cfg_idx].mode));
		break;
	case VMS_OP_REATTACH:
		snprintf(out, len, "reattach uplink %s: %s -> %s mode", dev,
			 xdp_mode_name(op->old_mode),
			 attach_mode_name(cfg->uplinks[op->cfg_idx].mode));
		break;
	case VMS_OP_DETACH:
		snprintf(out, len, "detach uplink %s%s%s%s", dev,
			 op->why[0] ? " (" : "", op->why,
			 op->why[0] ? ")" : "");
		break;
	case VMS_OP_PORT_DEL:
		port_text(op->old_mac, op->old_vlan, a, sizeof(a));
		snprintf(out, len, "delete port %s: %s%s%s%s", op->name, a,
			 op->why[0] ? " (" : "", op->why,
			 op->why[0] ? ")" : "");
		break;
	case VMS_OP_PORT_ADD:
		port_text(p->mac, p->vlan, b, sizeof(b));
		snprintf(out, len, "add port %s: %s%s", op->name, b,
			 p->ifindex ? "" : ", pending (no tap yet)");
		break;
	case VMS_OP_PORT_RSS:
		p = &cfg->ports[op->cfg_idx];
		if (!(p->rss.flags & VMST_RSS_F_ENABLED))
			snprintf(out, len, "steer port %s: queue steering off",
				 op->name);
		else if (op->old_queues)
			snprintf(out, len,
				 "steer port %s: RSS over %u queues (was %u "
				 "queues, other settings)",
				 op->name, p->rss.queues, op->old_queues);
		else
			snprintf(out, len, "steer port %s: RSS over %u queues",
				 op->name, p->rss.queues);
		break;
	case VMS_OP_PORT_UPDATE:
		port_text(op->old_mac, op->old_vlan, a, sizeof(a));
		port_text(p->mac, p->vlan, b, sizeof(b));
		if (strcmp(a, b))
			snprintf(out, len, "update port %s: %s -> %s", op->name,
				 a, b);
		else if (!p->ifindex)
			snprintf(out, len,
				 "update port %s: %s, pending (no tap; was "
				 "ifindex %u)",
				 op->name, b, op->old_ifindex);
		else if (!op->old_ifindex)
			snprintf(out, len,
				 "update port %s: %s, active (tap appeared, "
				 "ifindex %u)",
				 op->name, b, p->ifindex);
		else
			snprintf(out, len,
				 "update port %s: %s (ifindex %u -> %u, MTU "
				 "%u -> %u)",
				 op->name, b, op->old_ifindex, p->ifindex,
				 op->old_mtu, p->mtu);
		break;
	}
}

static void json_port(struct json_object *o, const char *k, const __u8 mac[6],
		      __u16 vlan)
{
	struct json_object *p = json_object_new_object();
	char m[18];

	vms_format_mac(mac, m);
	json_object_object_add(p, "mac", json_object_new_string(m));
	json_object_object_add(p, "vlan",
			       vlan ? json_object_new_int(vlan) : NULL);
	json_object_object_add(o, k, p);
}

struct json_object *vms_op_json(const struct vms_op *op,
				const struct vms_config *cfg)
{
	struct json_object *o = json_object_new_object();
	char text[200];
	bool port = op->kind >= VMS_OP_PORT_DEL && op->kind <= VMS_OP_PORT_ADD;

	json_object_object_add(o, "op",
			       json_object_new_string(op_names[op->kind]));
	if (op->kind == VMS_OP_FDB_CLEAR) {
		json_object_object_add(o, "fdb_slot",
				       json_object_new_int64(op->index));
	} else if (op->kind == VMS_OP_PORT_RSS) {
		const struct vms_cfg_port *p = &cfg->ports[op->cfg_idx];

		json_object_object_add(o, "port",
				       json_object_new_string(op->name));
		json_object_object_add(
			o, "queues",
			p->rss.flags & VMST_RSS_F_ENABLED
				? json_object_new_int(p->rss.queues)
				: NULL);
	} else if (op->kind == VMS_OP_PORT_REPAIR || port) {
		json_object_object_add(o, "port",
				       json_object_new_string(op->name));
		if (op->kind != VMS_OP_PORT_ADD)
			json_port(o, "from", op->old_mac, op->old_vlan);
		if (op->kind == VMS_OP_PORT_ADD ||
		    op->kind == VMS_OP_PORT_UPDATE)
			json_port(o, "to", cfg->ports[op->cfg_idx].mac,
				  cfg->ports[op->cfg_idx].vlan);
	} else {
		json_object_object_add(o, "uplink",
				       json_object_new_string(op->name));
		json_object_object_add(o, "ifindex",
				       json_object_new_int64(op->index));
		if (op->kind == VMS_OP_ATTACH || op->kind == VMS_OP_REATTACH)
			json_object_object_add(
				o, "mode",
				json_object_new_string(attach_mode_name(
					cfg->uplinks[op->cfg_idx].mode)));
	}
	if (op->why[0])
		json_object_object_add(o, "why",
				       json_object_new_string(op->why));
	vms_op_describe(op, cfg, text, sizeof(text));
	json_object_object_add(o, "text", json_object_new_string(text));
	return o;
}

/* Make port @p's queue steering what the document says. */
static int apply_rss(struct vms_state *st, const struct vms_cfg_port *p)
{
	struct vms_steer_ctx sc;
	bool removed;
	int idx, err;

	idx = vms_port_find(&st->maps, p->tap, vms_netns_ino(), NULL);
	if (idx <= 0)
		return idx ? idx
			   : vms_err(-ENOENT, "port %s: not configured",
				     p->tap);
	if (!(p->rss.flags & VMST_RSS_F_ENABLED))
		return vms_rss_port_disable(st, p->tap, idx, &removed);
	if (!p->ifindex) /* pending: the program comes with the tap */
		return vms_rss_write(&st->maps, idx, &p->rss);
	err = vms_steer_prepare(&st->maps, p->tap, p->rss.queues, false, &sc);
	if (!err && (p->rss.flags & VMST_RSS_F_XDP_CPUMAP))
		err = vms_xdp_steer_check(p->tap, p->rss.queues, &sc);
	if (!err && (p->rss.flags & VMST_RSS_F_XDP_CPUMAP))
		err = vms_cpumap_ensure(st, p->rss.queues);
	if (err) {
		vms_steer_close(&sc);
		return err;
	}
	/* Configuration first, then the program that reads it. */
	err = vms_rss_write(&st->maps, idx, &p->rss);
	if (!err)
		err = vms_steer_install(st, &sc, p->tap, idx, NULL);
	if (!err)
		err = vms_port_set_xdp_steer(
			&st->maps, idx, p->rss.flags & VMST_RSS_F_XDP_CPUMAP);
	vms_steer_close(&sc);
	return err;
}

static int apply_op(struct vms_state *st, const struct vms_config *cfg,
		    const struct vms_op *op)
{
	const struct vms_cfg_uplink *u =
		op->kind == VMS_OP_ATTACH || op->kind == VMS_OP_REATTACH
			? &cfg->uplinks[op->cfg_idx]
			: NULL;
	static struct vms_port_spec spec;
	struct vms_uplink_info info;
	const struct vms_cfg_port *p;
	__u32 zero = 0, slot = op->index, idx;
	struct vmst_rss rss = {};
	bool changed;
	int err;

	memset(&spec, 0, sizeof(spec));
	memset(&spec, 0, sizeof(spec));
	switch (op->kind) {
	case VMS_OP_FDB_CLEAR:
		if (bpf_map_update_elem(st->maps.fd[VMS_MAP_FDB], &slot, &zero,
					BPF_ANY))
			return vms_err(-errno, "FDB slot %u: cannot clear: %s",
				       slot, strerror(errno));
		return 0;
	case VMS_OP_PORT_DEL:
		/* With vmsteer's steering and tap programs. */
		return vms_port_remove(st, op->index, NULL);
	case VMS_OP_PORT_REPAIR:
		return vms_port_delete(&st->maps, op->index);
	case VMS_OP_PORT_RSS:
		return apply_rss(st, &cfg->ports[op->cfg_idx]);
	case VMS_OP_PORT_ADD:
	case VMS_OP_PORT_UPDATE:
		p = &cfg->ports[op->cfg_idx];
		memcpy(spec.name, p->tap, sizeof(spec.name));
		spec.ifindex = p->ifindex;
		spec.netns_ino = vms_netns_ino();
		memcpy(spec.mac, p->mac, 6);
		spec.vlan = p->vlan;
		spec.trunk = p->trunk;
		spec.vids = p->vids;
		spec.mtu = p->mtu;
		spec.trusted = p->trusted;
		spec.agent = p->agent;
		spec.tx_tc = p->tx_tc;
		spec.naddrs = p->naddrs;
		memcpy(spec.addrs, p->addrs, sizeof(spec.addrs));
		spec.xdp_steer = p->rss.flags & VMST_RSS_F_XDP_CPUMAP;
		/* A port that moves index takes its RSS entry along (the
		 * steering op that follows re-points the tap's program).
		 */
		err = op->index ? vms_rss_read(&st->maps, op->index, &rss) : 0;
		if (!err)
			err = vms_port_upsert(&st->maps, &spec, &idx);
		if (!err && op->index && idx != op->index &&
		    (rss.flags & VMST_RSS_F_ENABLED))
			err = vms_rss_write(&st->maps, idx, &rss);
		if (!err && p->ifindex)
			err = vms_tap_attach(st, idx, p->ifindex, p->tap,
					     &changed);
		return err;
	case VMS_OP_ATTACH:
		return vms_uplink_attach(st, u->ifindex, u->device, u->mode,
					 &info, &changed);
	case VMS_OP_REATTACH:
		err = vms_uplink_detach(st, u->ifindex, u->device);
		if (err)
			return err;
		err = vms_uplink_attach(st, u->ifindex, u->device, u->mode,
					&info, &changed);
		if (err) {
			char msg[512];

			/* Keep the uplink forwarding in its old mode. */
			snprintf(msg, sizeof(msg), "%s", vms_last_error());
			vms_uplink_attach(st, u->ifindex, u->device,
					  op->old_mode == VMST_MODE_NATIVE
						  ? VMS_ATTACH_NATIVE
						  : VMS_ATTACH_GENERIC,
					  &info, &changed);
			return vms_err(err, "%s", msg);
		}
		return 0;
	case VMS_OP_DETACH:
		return vms_uplink_detach(st, op->index,
					 op->name[0] ? op->name : "uplink");
	}
	return 0;
}

/*
 * Before any port gets new addresses, the ports that lose some drop them:
 * an address moving from one port to another on the same VLAN in one
 * document must never be refused as an overlap. Each such port is written
 * again as it is, with only the addresses it keeps.
 */
static int release_addresses(struct vms_state *st, const struct vms_config *cfg,
			     const struct vms_plan *plan)
{
	static struct vms_port_spec spec;
	const struct vms_cfg_port *p;
	struct vmst_port_tx tx;
	struct vmst_port_cfg c;
	int i, err;
	__u32 k;

	for (i = 0; i < plan->n; i++) {
		const struct vms_op *op = &plan->ops[i];

		if (op->kind != VMS_OP_PORT_UPDATE)
			continue;
		p = &cfg->ports[op->cfg_idx];
		if (bpf_map_lookup_elem(st->maps.fd[VMS_MAP_PORT_CFG],
					&op->index, &c) ||
		    vms_port_tx_read(&st->maps, op->index, &tx))
			continue;
		memset(&spec, 0, sizeof(spec));
		for (k = 0; k < tx.naddrs; k++)
			if (addr_in(&tx.addrs[k], p->addrs, p->naddrs))
				spec.addrs[spec.naddrs++] = tx.addrs[k];
		if (spec.naddrs == tx.naddrs)
			continue;
		memcpy(spec.name, c.name, sizeof(spec.name) - 1);
		spec.ifindex = c.ifindex;
		spec.netns_ino = c.netns_ino;
		memcpy(spec.mac, c.mac, 6);
		spec.vlan = c.vlan;
		spec.trunk = c.flags & VMST_CFG_F_TRUNK;
		err = vms_port_trunk_read(&st->maps, op->index, &spec.vids);
		if (err)
			return err;
		spec.mtu = c.mtu;
		spec.trusted = c.flags & VMST_CFG_F_TRUSTED;
		spec.agent = c.flags & VMST_CFG_F_AGENT;
		spec.tx_tc = c.flags & VMST_CFG_F_TX_TC;
		err = vms_port_upsert(&st->maps, &spec, NULL);
		if (err)
			return err;
	}
	return 0;
}

int vms_plan_apply(struct vms_state *st, const struct vms_config *cfg,
		   const struct vms_plan *plan, int *done)
{
	int i, err;

	*done = 0;
	err = release_addresses(st, cfg, plan);
	if (err)
		return err;
	for (i = 0; i < plan->n; i++) {
		err = apply_op(st, cfg, &plan->ops[i]);
		if (err)
			return err;
		(*done)++;
	}
	return 0;
}
