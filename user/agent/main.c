// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vmsteer-agent: the daemon behind `vmsteer agent`. One event loop
 * (libvirt's default implementation) carries the libvirt connection and
 * its events, an rtnetlink socket and a signalfd. Every event only asks
 * for a convergence (vms_agent_kick); a short timer coalesces bursts, then
 * the ports are made what the running domains and the taps say
 * (vms_sync), and the host-local MACs are read again. The state stays
 * pinned: a restarted agent reads everything again and repairs, it never
 * starts from an empty state.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <libvirt/libvirt.h>

#include "agent.h"
#include "cli/cli.h"
#include "core/lifecycle.h"
#include "config/config.h"
#include "core/local.h"
#include "core/state.h"
#include "util/log.h"
#include "util/netdev.h"

/* Events within this many milliseconds make one convergence. */
#define KICK_MS 30
/*
 * And every this many milliseconds all the same: a change no event tells
 * of (an apply or port del run by hand that removed the agent's ports, a
 * tap program taken off with tc) is repaired within this time.
 */
#define RESYNC_MS 30000

void agent_log(const char *fmt, ...)
{
	va_list ap;

	fputs("vmsteer-agent: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

bool vms_agent_selected(const struct vms_agent_select *sel, const char *bridge,
			const char *mac)
{
	__u8 m[6];
	int i;

	for (i = 0; bridge && *bridge && i < sel->n_bridges; i++)
		if (!strcmp(sel->bridges[i], bridge))
			return true;
	if (!mac || vms_parse_mac(mac, m))
		return false;
	for (i = 0; i < sel->n_macs; i++)
		if (!memcmp(sel->macs[i], m, 6))
			return true;
	return false;
}

/* ---- the domains' ports ------------------------------------------------ */

static int dom_find(struct vms_agent *a, const char *uuid)
{
	int i;

	for (i = 0; i < a->n_domains; i++)
		if (!strcmp(a->domains[i]->uuid, uuid))
			return i;
	return -1;
}

void vms_agent_domain_gone(struct vms_agent *a, const char *uuid)
{
	int i = dom_find(a, uuid);

	if (i < 0)
		return;
	free(a->domains[i]);
	a->domains[i] = a->domains[--a->n_domains];
}

void vms_agent_domain_set(struct vms_agent *a, const struct vms_agent_domain *d)
{
	struct vms_agent_domain **nd;
	int i = dom_find(a, d->uuid);

	if (!d->n) {
		vms_agent_domain_gone(a, d->uuid);
		return;
	}
	if (i < 0) {
		nd = realloc(a->domains, (a->n_domains + 1) * sizeof(*nd));
		if (!nd)
			return;
		a->domains = nd;
		nd[a->n_domains] = malloc(sizeof(*d));
		if (!nd[a->n_domains])
			return;
		i = a->n_domains++;
	}
	*a->domains[i] = *d;
}

void vms_agent_domains_clear(struct vms_agent *a)
{
	while (a->n_domains)
		free(a->domains[--a->n_domains]);
}

/* ---- converging -------------------------------------------------------- */

/*
 * A warning of this convergence: logged when the previous one did not
 * have it (a port waiting for its tap is retried every few seconds; its
 * warning is logged once, and again only after it went away).
 */
static void converge_cb(void *ctx, bool warning, const char *msg)
{
	struct vms_agent *a = ctx;
	char **w;
	int i;

	if (!warning) {
		agent_log("%s", msg);
		return;
	}
	for (i = 0; i < a->n_warn_prev; i++)
		if (!strcmp(a->warn_prev[i], msg))
			break;
	if (i == a->n_warn_prev)
		agent_log("warning: %s", msg);
	w = realloc(a->warn_cur, (a->n_warn_cur + 1) * sizeof(*w));
	if (!w)
		return;
	a->warn_cur = w;
	w[a->n_warn_cur] = strdup(msg);
	if (w[a->n_warn_cur])
		a->n_warn_cur++;
}

static void warnings_rotate(struct vms_agent *a)
{
	while (a->n_warn_prev)
		free(a->warn_prev[--a->n_warn_prev]);
	free(a->warn_prev);
	a->warn_prev = a->warn_cur;
	a->n_warn_prev = a->n_warn_cur;
	a->warn_cur = NULL;
	a->n_warn_cur = 0;
}

/* 0 converged, > 0 ports left out or waiting (try again), -errno. */
static int converge(struct vms_agent *a)
{
	static struct vms_cfg_port ports[VMS_CFG_MAX_PORTS];
	struct vms_state st;
	int i, j, n = 0, done = 0, err;

	/* The domains' ports replace the agent's, while the list is known;
	 * without it (libvirt away) the ports only follow their taps. */
	for (i = 0; a->domains_known && i < a->n_domains; i++)
		for (j = 0; j < a->domains[i]->n && n < VMS_CFG_MAX_PORTS; j++)
			ports[n++] = a->domains[i]->ports[j];
	err = vms_state_open(&st, a->pin_path,
			     VMS_OPEN_CREATE | VMS_OPEN_WRITE);
	if (err)
		return err;
	/* A bridge FDB change alone asks for the host-local MACs only. */
	if (a->ports_dirty) {
		a->ports_dirty = false;
		err = vms_sync(
			&st, a->domains_known ? VMS_SYNC_AGENT : VMS_SYNC_TAPS,
			ports, n, &done, converge_cb, a);
		warnings_rotate(a);
		if (err)
			a->ports_dirty = true; /* tried again */
	}
	/* Host-local MACs as they are now, after the ports changed. */
	if (vms_local_refresh(&st) && err >= 0)
		err = -EIO;
	vms_state_close(&st);
	a->converges++;
	return err;
}

static void kick_fire(int timer, void *opaque)
{
	struct vms_agent *a = opaque;
	int err;

	virEventUpdateTimeout(timer, -1);
	err = converge(a);
	if (!err) {
		a->retry_ms = 0;
		a->last_err[0] = '\0';
		return;
	}
	if (err < 0) {
		const char *msg = vms_last_error() ?: "converging failed";

		if (strcmp(msg, a->last_err))
			agent_log("%s", msg);
		snprintf(a->last_err, sizeof(a->last_err), "%s", msg);
		vms_clear_error();
	}
	/* Try again later (a tap half made, queues not attached yet, a busy
	 * lock): 0.5 s, doubling up to 30 s while it lasts. */
	a->retry_ms = a->retry_ms ? a->retry_ms * 2 : 500;
	if (a->retry_ms > 30000)
		a->retry_ms = 30000;
	virEventUpdateTimeout(timer, a->retry_ms);
}

void vms_agent_kick(struct vms_agent *a, const char *why)
{
	pr_debug("kick: %s", why);
	a->ports_dirty = true;
	virEventUpdateTimeout(a->kick_timer, KICK_MS);
}

static void resync_fire(int timer, void *opaque)
{
	(void)timer;
	vms_agent_kick(opaque, "periodic");
}

void vms_agent_kick_local(struct vms_agent *a)
{
	virEventUpdateTimeout(a->kick_timer, KICK_MS);
}

/* ---- signals ------------------------------------------------------------ */

static void settings_reload(struct vms_agent *a);

static void signal_cb(int watch, int fd, int events, void *opaque)
{
	struct vms_agent *a = opaque;
	struct signalfd_siginfo si;

	(void)watch;
	(void)events;
	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			settings_reload(a);
			vms_agent_kick(a, "SIGHUP");
			continue;
		}
		agent_log("signal %u: exiting (the state stays)", si.ssi_signo);
		a->quit = true;
	}
}

/* ---- configuration ------------------------------------------------------ */

static int add_bridge(struct vms_agent_select *s, const char *br,
		      const char *what)
{
	if (!*br || strlen(br) >= IF_NAMESIZE || strchr(br, '/'))
		return vms_err(-EINVAL, "%s: '%s' is no device name", what, br);
	if (s->n_bridges == VMS_AGENT_MAX_SEL)
		return vms_err(-E2BIG, "%s: more than %d bridges", what,
			       VMS_AGENT_MAX_SEL);
	snprintf(s->bridges[s->n_bridges++], IF_NAMESIZE, "%s", br);
	return 0;
}

static int add_mac(struct vms_agent_select *s, const char *mac,
		   const char *what)
{
	if (s->n_macs == VMS_AGENT_MAX_SEL)
		return vms_err(-E2BIG, "%s: more than %d MACs", what,
			       VMS_AGENT_MAX_SEL);
	if (vms_parse_mac(mac, s->macs[s->n_macs]))
		return vms_err(-EINVAL, "%s: '%s' is not a MAC address", what,
			       mac);
	s->n_macs++;
	return 0;
}

static int config_list(struct json_object *v, const char *file, const char *key,
		       struct vms_agent *a)
{
	char what[600];
	size_t i;
	int err;

	if (!json_object_is_type(v, json_type_array))
		return vms_err(-EINVAL, "%s: %s: expected an array of strings",
			       file, key);
	for (i = 0; i < json_object_array_length(v); i++) {
		struct json_object *e = json_object_array_get_idx(v, i);

		snprintf(what, sizeof(what), "%s: %s[%zu]", file, key, i);
		if (!json_object_is_type(e, json_type_string))
			return vms_err(-EINVAL, "%s: expected a string", what);
		err = key[0] == 'b'
			      ? add_bridge(&a->sel, json_object_get_string(e),
					   what)
			      : add_mac(&a->sel, json_object_get_string(e),
					what);
		if (err)
			return err;
	}
	return 0;
}

static int config_read(struct vms_agent *a, const char *file, bool given)
{
	struct json_object *root, *v;
	size_t len;
	char *text;
	int err;

	if (!given && access(file, F_OK))
		return 0;
	err = vms_config_read_file(file, &text, &len);
	if (err)
		return err;
	root = json_tokener_parse(text);
	free(text);
	if (!root || !json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		return vms_err(-EINVAL, "%s: not a JSON object", file);
	}
	err = 0;
	json_object_object_foreach(root, key, val)
	{
		if (err)
			break;
		if (!strcmp(key, "libvirt_uri")) {
			if (!val)
				a->uri[0] = '\0';
			else if (json_object_is_type(val, json_type_string) &&
				 json_object_get_string_len(val) <
					 (int)sizeof(a->uri))
				snprintf(a->uri, sizeof(a->uri), "%s",
					 json_object_get_string(val));
			else
				err = vms_err(-EINVAL,
					      "%s: libvirt_uri: expected a "
					      "string or null",
					      file);
		} else if (!strcmp(key, "bridges") || !strcmp(key, "macs")) {
			err = config_list(val, file, key, a);
		} else {
			err = vms_err(-EINVAL, "%s: unknown key \"%s\"", file,
				      key);
		}
	}
	(void)v;
	json_object_put(root);
	return err;
}

/* What the settings are made of: the file, then the command line's. */
static struct {
	const char *config;
	bool config_given;
	struct vms_agent_select cli_sel;
	const char *uri;
	bool no_libvirt;
} settings;

/* @a's URI and selection from the settings' sources, read now. */
static int settings_apply(struct vms_agent *a)
{
	int i;

	snprintf(a->uri, sizeof(a->uri), "%s", VMS_AGENT_URI);
	memset(&a->sel, 0, sizeof(a->sel));
	if (config_read(a, settings.config, settings.config_given))
		return -EINVAL;
	for (i = 0; i < settings.cli_sel.n_bridges; i++)
		if (add_bridge(&a->sel, settings.cli_sel.bridges[i],
			       "--bridge"))
			return -EINVAL;
	for (i = 0; i < settings.cli_sel.n_macs; i++)
		if (a->sel.n_macs < VMS_AGENT_MAX_SEL)
			memcpy(a->sel.macs[a->sel.n_macs++],
			       settings.cli_sel.macs[i], 6);
	if (settings.uri)
		snprintf(a->uri, sizeof(a->uri), "%s", settings.uri);
	if (settings.no_libvirt)
		a->uri[0] = '\0';
	return 0;
}

/*
 * SIGHUP (systemctl reload): read the configuration file again. A file
 * with an error changes nothing; a new libvirt_uri takes a restart (the
 * connection stays); the interfaces selected take effect at once.
 */
static void settings_reload(struct vms_agent *a)
{
	struct vms_agent_select sel = a->sel;
	char uri[sizeof(a->uri)];

	memcpy(uri, a->uri, sizeof(uri));
	if (settings_apply(a)) {
		agent_log("SIGHUP: %s: the settings in use are kept",
			  vms_last_error());
		a->sel = sel;
		memcpy(a->uri, uri, sizeof(uri));
		return;
	}
	if (strcmp(a->uri, uri)) {
		agent_log("SIGHUP: libvirt_uri %s takes a restart; %s is kept",
			  a->uri[0] ? a->uri : "null", uri[0] ? uri : "null");
		memcpy(a->uri, uri, sizeof(uri));
	}
	agent_log("SIGHUP: settings read again: %d bridges, %d MACs",
		  a->sel.n_bridges, a->sel.n_macs);
}

/* The agent's command line. */
struct agent_args {
	struct vms_globals g;
	const char *config, *uri, *hook;
	bool no_libvirt, once;
	struct vms_agent_select sel; /* --bridge, --mac */
};

static int agent_opt(void *ctx, int c, const char *arg)
{
	struct agent_args *x = ctx;

	switch (c) {
	case 'b':
		return add_bridge(&x->sel, arg, "--bridge");
	case 'm':
		return add_mac(&x->sel, arg, "--mac");
	default: /* 'h' */
		fputs(cmd_agent_usage, stdout);
		return VMS_OPTS_DONE;
	}
}

/* 0, VMS_OPTS_DONE, VMS_EXIT_USAGE or -errno (after vms_err()). */
static int agent_args(struct agent_args *x, int argc, char **argv)
{
	static const struct vms_opt opts[] = {
		{"config", 'c', VMS_OPT_STR,
		 offsetof(struct agent_args, config)},
		{"uri", 'u', VMS_OPT_STR, offsetof(struct agent_args, uri)},
		{"no-libvirt", 'n', VMS_OPT_FLAG,
		 offsetof(struct agent_args, no_libvirt)},
		{"bridge", 'b', VMS_OPT_ARG, 0},
		{"mac", 'm', VMS_OPT_ARG, 0},
		{"once", '1', VMS_OPT_FLAG, offsetof(struct agent_args, once)},
		{"hook", 'H', VMS_OPT_STR, offsetof(struct agent_args, hook)},
		{"pin-path", 'P', VMS_OPT_GLOBAL, 0},
		{"verbose", 'v', VMS_OPT_GLOBAL, 0},
		{"help", 'h', VMS_OPT_NOARG, 0},
		{}};
	const struct vms_optspec spec = {
		.cmd = "agent",
		.shortopts = "c:u:nb:m:1vh",
		.opts = opts,
		.fn = agent_opt,
		.globals = &x->g,
		.no_args = true,
	};
	int err = vms_getopt(&spec, argc, argv, x);

	if (err)
		return err;
	if (x->uri && x->no_libvirt)
		return vms_usage_err("agent", "--uri and --no-libvirt exclude "
					      "each other");
	settings.uri = x->uri;
	settings.no_libvirt = x->no_libvirt;
	settings.cli_sel = x->sel;
	settings.config = x->config ? x->config : VMS_AGENT_CONFIG;
	settings.config_given = x->config != NULL;
	return 0;
}

/*
 * libvirt's event loop, which the agent runs on: the debounce (kick) and
 * resync timers, and the stop and reload signals through a signalfd.
 */
static int agent_events_setup(struct vms_agent *a)
{
	sigset_t mask;
	int sfd;

	if (virEventRegisterDefaultImpl() < 0)
		return vms_err(-EIO, "libvirt: cannot set up its event loop");
	a->kick_timer = virEventAddTimeout(-1, kick_fire, a, NULL);
	if (a->kick_timer < 0 ||
	    virEventAddTimeout(RESYNC_MS, resync_fire, a, NULL) < 0)
		a->kick_timer = -1; /* refused below */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0 || a->kick_timer < 0 ||
	    virEventAddHandle(sfd, VIR_EVENT_HANDLE_READABLE, signal_cb, a,
			      NULL) < 0)
		return vms_err(-EIO, "cannot set up the event loop");
	return 0;
}

/* Links first: a tap event while libvirt is read is not lost. */
static int agent_start(struct vms_agent *a)
{
	int err = vms_agent_netlink_start(a);

	if (!err && a->uri[0])
		err = vms_agent_libvirt_start(a);
	if (err)
		return err;
	if (!a->uri[0])
		a->domains_known = false;
	a->ports_dirty = true;
	return 0;
}

/*
 * Run until told to stop, after a first convergence that returned @err
 * (a failed one is tried again from the loop); the exit status.
 */
static int agent_serve(struct vms_agent *a, int err)
{
	if (err) {
		if (err < 0)
			agent_log("%s",
				  vms_last_error() ?: "converging failed");
		vms_clear_error();
		vms_agent_kick(a, "retry");
	}
	agent_log("running: pin path %s, %s%s", a->pin_path,
		  a->uri[0] ? "libvirt " : "no libvirt", a->uri);
	while (!a->quit)
		if (virEventRunDefaultImpl() < 0)
			break;
	vms_agent_libvirt_stop(a);
	vms_agent_netlink_stop(a);
	vms_agent_domains_clear(a);
	free(a->domains);
	warnings_rotate(a);
	warnings_rotate(a);
	return a->exit_code;
}

int main(int argc, char **argv)
{
	static struct vms_agent a;
	struct agent_args x = {};
	int err;

	err = agent_args(&x, argc, argv);
	if (err == VMS_OPTS_DONE)
		return 0;
	if (err > 0) {
		fprintf(stderr, "vmsteer: %s\n", vms_last_error());
		return VMS_EXIT_USAGE;
	}
	if (err)
		goto bad;
	a.once = x.once;
	vms_libbpf_logging(x.g.verbose);
	if (settings_apply(&a))
		goto bad;
	a.pin_path = vms_pin_path(x.g.pin_path);
	if (vms_pin_path_check(a.pin_path))
		goto bad;
	if (x.hook) {
		if (vms_agent_hook(&a, x.hook))
			goto bad;
		return 0;
	}
	if (a.uri[0] && !a.sel.n_bridges && !a.sel.n_macs)
		agent_log("no bridges or MACs selected: only interfaces whose "
			  "metadata says manage='yes' are managed");
	if (agent_events_setup(&a) || agent_start(&a))
		goto bad;
	err = converge(&a);
	if (!a.once)
		return agent_serve(&a, err);
	warnings_rotate(&a);
	warnings_rotate(&a);
	if (err >= 0)
		return err ? 1 : 0;
bad:
	fprintf(stderr, "vmsteer agent: %s\n", vms_last_error() ?: "failed");
	return 1;
}
