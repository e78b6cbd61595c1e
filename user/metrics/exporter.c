// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vmsteer-exporter [-j] [-v] [--pin-path DIR] [--listen ADDR:PORT]
 *                  [--timeout SECS]
 *
 * The Prometheus exporter on libmicrohttpd, a program of its own so that
 * the CLI does not link libmicrohttpd (`vmsteer exporter` runs this one).
 * One thread serves every connection (MHD driven from run()'s loop), so
 * scrapes are serialised and the library (which records errors in a
 * global) is only ever used by one thread at a time. Every scrape opens
 * the pinned state read-only and closes it again: the exporter needs no
 * restart when vmsteer is re-attached, upgraded or its state created
 * after the exporter started.
 *
 * Clients cannot starve it: at most EXP_PER_IP_CONNECTIONS connections
 * per client (an IPv4 address, or an IPv6 /64: one host usually has the
 * whole /64); a request must have arrived in full within --timeout
 * seconds of its connection opening (or of the previous answer on it),
 * however busily its client trickles it in, and a client must take some
 * of its answer every --timeout seconds. The time the one thread spends
 * answering others counts against nobody: it reads and writes no other
 * connection meanwhile. These deadlines are the exporter's own (cut_late):
 * libmicrohttpd's idle timer would count that time, and cannot be moved
 * on safely from outside.
 */
#define _GNU_SOURCE /* fopencookie */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/tcp.h> /* struct tcp_info with tcpi_bytes_acked */

#include <microhttpd.h>

#include "cli/cli.h"
#include "metrics/exporter.h"
#include "core/state.h"
#include "metrics/metrics.h"
#include "util/log.h"
#include "util/netdev.h"

/* clang-format off */
static const char usage[] =
	"Usage: " VMS_EXPORTER_BIN " [-j|--json] [-p|--pretty] [-v] "
	"[--pin-path DIR]\n"
	"                        [--listen ADDR:PORT] [--timeout SECS]\n\n"
	VMS_EXPORTER_HELP
	"\n-j, -p, -v and --pin-path are vmsteer's global options (see "
	"vmsteer --help).\n";
/* clang-format on */

/* A client connection, from MHD's connection notifications. */
struct exp_conn {
	struct exp_conn *next;
	int fd;
	/* Cut by then: the request must have arrived, or (answering) the
	 * client taken more of the answer; 0: no deadline. */
	double deadline;
	bool answering;		  /* an answer is being sent */
	unsigned long long acked; /* answering: bytes the client acked */
	bool over;  /* over its client's share: cut, never answered */
	bool cut;   /* shut down: closing, counts for no client */
	int family; /* the client: AF_INET address or AF_INET6 /64 */
	unsigned char client[8];
};

struct exporter {
	const char *pin_path;
	size_t last_len; /* size of the last /metrics body */
	unsigned long long scrape_errors;
	double timeout;		/* seconds: --timeout */
	struct exp_conn *conns; /* open connections */
};

static const char index_html[] =
	"<!DOCTYPE html>\n<html><head><title>vmsteer exporter</title></head>\n"
	"<body><h1>vmsteer exporter</h1>\n<ul>\n"
	"<li><a href=\"metrics\">/metrics</a> Prometheus metrics</li>\n"
	"<li><a href=\"healthz\">/healthz</a> health</li>\n"
	"</ul></body></html>\n";

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status,
			     const char *type, void *body, size_t len,
			     enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, body, mode);
	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *conn,
				  unsigned int status, const char *text)
{
	return reply(conn, status, "text/plain; charset=utf-8", (void *)text,
		     strlen(text), MHD_RESPMEM_PERSISTENT);
}

/*
 * The /metrics body: a buffer sized from the last body, so that a scrape
 * of thousands of ports neither copies it on every doubling (as
 * open_memstream does) nor faults in fresh pages more than once.
 */
struct body {
	char *buf;
	size_t len, cap;
};

static ssize_t body_write(void *cookie, const char *data, size_t n)
{
	struct body *b = cookie;

	if (b->len + n > b->cap) {
		size_t cap = 2 * (b->len + n);
		char *p = realloc(b->buf, cap);

		if (!p)
			return -1;
		b->buf = p;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, data, n);
	b->len += n;
	return n;
}

static FILE *body_open(struct body *b, size_t hint)
{
	static const cookie_io_functions_t io = {.write = body_write};
	FILE *f;

	b->len = 0;
	b->cap = hint + hint / 4 + 65536;
	b->buf = malloc(b->cap);
	if (!b->buf)
		return NULL;
	f = fopencookie(b, "w", io);
	if (!f)
		free(b->buf);
	return f;
}

static enum MHD_Result serve_metrics(struct exporter *e,
				     struct MHD_Connection *conn)
{
	struct body b;
	double t0;
	FILE *f;
	int err;

	f = body_open(&b, e->last_len);
	if (!f)
		return reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
				  "out of memory\n");
	t0 = now_seconds();
	err = vms_metrics_render(f, e->pin_path);
	if (err && err != -ENOENT) {
		e->scrape_errors++;
		pr_debug("scrape: %s", vms_last_error() ?: strerror(-err));
	}
	vms_clear_error();
	vms_metrics_render_self(f, now_seconds() - t0, e->scrape_errors);
	if (fclose(f)) {
		free(b.buf);
		return reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
				  "out of memory\n");
	}
	e->last_len = b.len;
	return reply(conn, MHD_HTTP_OK, VMS_METRICS_CONTENT_TYPE, b.buf, b.len,
		     MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result serve_health(struct exporter *e,
				    struct MHD_Connection *conn)
{
	char msg[600];
	struct vms_state st;
	int err;

	err = vms_state_open(&st, e->pin_path, 0);
	if (!err)
		vms_state_close(&st);
	else
		snprintf(msg, sizeof(msg), "unavailable: %s\n",
			 vms_last_error() ?: strerror(-err));
	vms_clear_error();
	if (!err)
		return reply_text(conn, MHD_HTTP_OK, "ok\n");
	return reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		     "text/plain; charset=utf-8", msg, strlen(msg),
		     MHD_RESPMEM_MUST_COPY);
}

/* Bytes of its answer the client of socket @fd acknowledged (TCP). */
static unsigned long long bytes_acked(int fd)
{
	struct tcp_info ti = {};
	socklen_t len = sizeof(ti);

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
		return 0;
	return ti.tcpi_bytes_acked;
}

/* The answer to a request that has arrived in full. */
static enum MHD_Result answer(struct exporter *e, struct MHD_Connection *conn,
			      const char *url, const char *method)
{
	if (strcmp(method, MHD_HTTP_METHOD_GET) &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
				  "method not allowed: use GET or HEAD\n");
	if (!strcmp(url, "/metrics"))
		return serve_metrics(e, conn);
	if (!strcmp(url, "/healthz"))
		return serve_health(e, conn);
	if (!strcmp(url, "/"))
		return reply(conn, MHD_HTTP_OK, "text/html; charset=utf-8",
			     (void *)index_html, sizeof(index_html) - 1,
			     MHD_RESPMEM_PERSISTENT);
	return reply_text(conn, MHD_HTTP_NOT_FOUND, "not found\n");
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn,
			      const char *url, const char *method,
			      const char *version, const char *upload_data,
			      size_t *upload_data_size, void **req_cls)
{
	const union MHD_ConnectionInfo *ci;
	struct exporter *e = cls;
	struct exp_conn *c, *o;
	enum MHD_Result ret;
	double t0, busy;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)req_cls;
	/* A connection over its client's share is not answered at all. */
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	c = ci ? ci->socket_context : NULL;
	if (c && c->over)
		return MHD_NO;
	t0 = now_seconds();
	ret = answer(e, conn, url, method);
	/*
	 * While the one thread answered this (a scrape can take seconds on
	 * a busy host), it read and wrote no other connection: their
	 * deadlines move on by that time, or a request sent in time but
	 * left unread would be cut as late.
	 */
	busy = now_seconds() - t0;
	for (o = e->conns; o; o = o->next)
		if (o != c && o->deadline && !o->cut)
			o->deadline += busy;
	/* The request has arrived: now the client must take the answer. */
	if (c) {
		c->answering = true;
		c->acked = bytes_acked(c->fd);
		c->deadline = now_seconds() + e->timeout;
	}
	return ret;
}

/*
 * The client a connection counts against: an IPv4 address (also when
 * mapped into IPv6), or the /64 of an IPv6 address.
 */
static void client_of(const struct sockaddr *sa, struct exp_conn *c)
{
	static const unsigned char mapped[12] = {[10] = 0xff, [11] = 0xff};
	const struct sockaddr_in6 *s6 = (const void *)sa;
	const struct sockaddr_in *s4 = (const void *)sa;

	c->family = sa ? sa->sa_family : AF_UNSPEC;
	if (c->family == AF_INET) {
		memcpy(c->client, &s4->sin_addr, 4);
	} else if (c->family == AF_INET6 &&
		   !memcmp(s6->sin6_addr.s6_addr, mapped, sizeof(mapped))) {
		c->family = AF_INET;
		memcpy(c->client, s6->sin6_addr.s6_addr + 12, 4);
	} else if (c->family == AF_INET6) {
		memcpy(c->client, s6->sin6_addr.s6_addr, 8);
	}
}

/*
 * A connection opens (its request deadline starts; one over its client's
 * share is cut at once) or closes.
 */
static void conn_notify(void *cls, struct MHD_Connection *conn,
			void **socket_context,
			enum MHD_ConnectionNotificationCode code)
{
	const union MHD_ConnectionInfo *ci;
	struct exporter *e = cls;
	struct exp_conn *c, **pp;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		struct exp_conn *o;
		int n = 0;

		ci = MHD_get_connection_info(conn,
					     MHD_CONNECTION_INFO_CONNECTION_FD);
		c = calloc(1, sizeof(*c));
		if (!c || !ci) { /* it would have no deadline: refused */
			if (ci)
				shutdown(ci->connect_fd, SHUT_RDWR);
			free(c);
			return;
		}
		c->fd = ci->connect_fd;
		c->deadline = now_seconds() + e->timeout;
		ci = MHD_get_connection_info(
			conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		client_of(ci ? ci->client_addr : NULL, c);
		for (o = e->conns; o; o = o->next)
			n += !o->cut && o->family == c->family &&
			     !memcmp(o->client, c->client, sizeof(c->client));
		/* Over its client's share (an IPv6 /64; MHD's own limit
		 * counts single addresses): cut at once. MHD keeps the fd
		 * and closes it when it reads the end of the stream. */
		if (n >= EXP_PER_IP_CONNECTIONS) {
			c->over = c->cut = true;
			shutdown(c->fd, SHUT_RDWR);
		}
		c->next = e->conns;
		e->conns = c;
		*socket_context = c;
		return;
	}
	for (pp = &e->conns; *pp; pp = &(*pp)->next) {
		if (*pp == *socket_context) {
			c = *pp;
			*pp = c->next;
			free(c);
			break;
		}
	}
	*socket_context = NULL;
}

/* An answer is done: the next request on the connection has its time. */
static void request_done(void *cls, struct MHD_Connection *conn, void **req_cls,
			 enum MHD_RequestTerminationCode code)
{
	const union MHD_ConnectionInfo *ci;
	struct exporter *e = cls;
	struct exp_conn *c;

	(void)req_cls;
	(void)code;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	c = ci ? ci->socket_context : NULL;
	if (c) {
		c->answering = false;
		c->deadline = now_seconds() + e->timeout;
	}
}

/*
 * Cut the connections past their deadline: a request late, or an answer
 * its client stopped taking (no byte acked for --timeout). Runs in the
 * thread that drives MHD, between its rounds, so no fd here is closed
 * under it: MHD sees the end of the stream and closes the connection
 * itself.
 */
static void cut_late(struct exporter *e)
{
	double now = now_seconds();
	unsigned long long acked;
	struct exp_conn *c;

	for (c = e->conns; c; c = c->next) {
		if (c->cut || !c->deadline)
			continue;
		if (c->answering) {
			acked = bytes_acked(c->fd);
			if (acked != c->acked) {
				c->acked = acked;
				c->deadline = now + e->timeout;
			}
		}
		if (now < c->deadline)
			continue;
		pr_debug("exporter: closing a connection whose %s",
			 c->answering ? "client stopped taking its answer"
				      : "request came too slowly");
		shutdown(c->fd, SHUT_RDWR);
		c->deadline = 0;
		c->cut = true;
	}
}

/* MHD's messages (bad requests, limits reached) only with -v. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	if (!vms_verbose)
		return;
	fputs("vmsteer: debug: http: ", stderr);
	vfprintf(stderr, fmt, ap);
}

/*
 * Parse ADDR:PORT (IPv4), [ADDR]:PORT (IPv6) or :PORT (every address, IPv6
 * and IPv4: *@dual) into @ss; -EINVAL with a message naming @s otherwise.
 */
static int parse_listen(const char *s, struct sockaddr_storage *ss,
			socklen_t *sslen, bool *dual)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	const char *colon = strrchr(s, ':');
	char host[INET6_ADDRSTRLEN + 2];
	unsigned long long port;
	size_t hlen;

	memset(ss, 0, sizeof(*ss));
	*dual = false;
	if (!colon || vms_parse_uint(colon + 1, 65535, &port))
		goto bad;
	hlen = colon - s;
	if (hlen == 0) {
		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_any;
		s6->sin6_port = htons(port);
		*sslen = sizeof(*s6);
		*dual = true;
		return 0;
	}
	if (hlen >= 2 && s[0] == '[' && s[hlen - 1] == ']') {
		if (hlen - 2 >= sizeof(host))
			goto bad;
		memcpy(host, s + 1, hlen - 2);
		host[hlen - 2] = '\0';
		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			goto bad;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		*sslen = sizeof(*s6);
		return 0;
	}
	if (hlen >= sizeof(host))
		goto bad;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
		goto bad;
	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	*sslen = sizeof(*s4);
	return 0;
bad:
	return vms_usage_err("exporter",
			     "--listen '%s': expected IPV4:PORT, [IPV6]:PORT "
			     "or :PORT with a numeric address and a port "
			     "0..65535",
			     s);
}

static void format_addr(const struct sockaddr_storage *ss, char *out,
			size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		snprintf(out, len, "[%s]:%u", host, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const void *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		snprintf(out, len, "%s:%u", host, ntohs(s4->sin_port));
	}
}

/*
 * A listening socket on @ss (IPv6 with @dual: IPv4 too), or -errno with a
 * message naming @what. A host without IPv6 takes :PORT on IPv4 alone.
 */
static int listen_on(struct sockaddr_storage *ss, socklen_t *sslen, bool dual,
		     const char *what)
{
	int one = 1, v6only = !dual, fd, err;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 && dual && errno == EAFNOSUPPORT) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		__be16 port = ((struct sockaddr_in6 *)ss)->sin6_port;

		memset(ss, 0, sizeof(*ss));
		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_ANY);
		s4->sin_port = port;
		*sslen = sizeof(*s4);
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	}
	if (fd < 0)
		return vms_err(-errno,
			       "--listen %s: cannot create a socket: %s", what,
			       strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only,
			   sizeof(v6only));
	if (bind(fd, (struct sockaddr *)ss, *sslen) ||
	    listen(fd, EXP_BACKLOG) ||
	    getsockname(fd, (struct sockaddr *)ss, sslen)) {
		err = -errno;
		close(fd);
		return vms_err(err, "--listen %s: cannot listen: %s", what,
			       strerror(-err));
	}
	return fd;
}

/* The exporter's command line. */
struct exp_args {
	struct vms_globals g;
	const char *listen, *timeout_arg;
	unsigned long long timeout;
};

static int exp_opt(void *ctx, int c, const char *arg)
{
	struct exp_args *a = ctx;
	int err;

	switch (c) {
	case 't':
		err = vms_opt_once("exporter", "--timeout", &a->timeout_arg,
				   arg);
		if (!err &&
		    (vms_parse_uint(arg, 3600, &a->timeout) || a->timeout < 1))
			err = vms_usage_err("exporter",
					    "--timeout '%s': expected "
					    "seconds, 1..3600",
					    arg);
		return err;
	case 'h':
		fputs(usage, stdout);
		return VMS_OPTS_DONE;
	default: /* 'V' */
		printf("%s %s (state layout %d)\n", VMS_EXPORTER_BIN,
		       VMSTEER_VERSION, VMSTEER_LAYOUT_VERSION);
		return VMS_OPTS_DONE;
	}
}

static int parse_args(struct exp_args *a, int argc, char **argv)
{
	static const struct vms_opt opts[] = {
		VMS_OPTS_GLOBAL,
		{"listen", 'l', VMS_OPT_STR, offsetof(struct exp_args, listen)},
		{"timeout", 't', VMS_OPT_ARG, 0},
		{"help", 'h', VMS_OPT_NOARG, 0},
		{"version", 'V', VMS_OPT_NOARG, 0},
		{}};
	const struct vms_optspec spec = {
		.cmd = "exporter",
		.shortopts = "+jpvhV",
		.opts = opts,
		.fn = exp_opt,
		.globals = &a->g,
		.no_args = true,
	};

	a->timeout = EXP_TIMEOUT_DEFAULT;
	return vms_getopt(&spec, argc, argv, a);
}

/* The HTTP server on listening socket @fd, or NULL after vms_err(). */
static struct MHD_Daemon *start_daemon(struct exporter *e, int fd,
				       const char *addr)
{
	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL, handle, e,
		MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT,
		(unsigned int)EXP_MAX_CONNECTIONS,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		(unsigned int)EXP_PER_IP_CONNECTIONS,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)EXP_CONN_MEMORY,
		MHD_OPTION_NOTIFY_CONNECTION, conn_notify, e,
		MHD_OPTION_NOTIFY_COMPLETED, request_done, e,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_END);

	if (!d)
		vms_err(-EIO, "--listen %s: cannot start the HTTP server",
			addr);
	return d;
}

/* Serve until a stop signal of @sigs (blocked); every EXP_TICK_MS at
 * least, cut late requests and look for one. */
static int serve(struct exporter *e, struct MHD_Daemon *d, const sigset_t *sigs,
		 const char *addr)
{
	int sig;

	for (;;) {
		if (MHD_run_wait(d, EXP_TICK_MS) != MHD_YES)
			return vms_err(-EIO,
				       "--listen %s: the HTTP server failed",
				       addr);
		cut_late(e);
		sig = sigtimedwait(sigs, NULL, &(struct timespec){0});
		if (sig > 0) {
			pr_debug("exporter: signal %d, stopping", sig);
			return 0;
		}
	}
}

static int run(int argc, char **argv)
{
	struct exp_args a = {};
	struct exporter e = {};
	struct sockaddr_storage ss;
	struct MHD_Daemon *d;
	char addr[INET6_ADDRSTRLEN + 10];
	sigset_t sigs, old;
	socklen_t sslen = 0;
	bool dual;
	int fd, err;

	err = parse_args(&a, argc, argv);
	if (err)
		return err == VMS_OPTS_DONE ? 0 : err;
	vms_libbpf_logging(a.g.verbose);
	e.pin_path = vms_pin_path(a.g.pin_path);
	e.timeout = a.timeout;
	err = vms_pin_path_check(e.pin_path);
	if (!err)
		err = parse_listen(a.listen ? a.listen : EXP_DEFAULT_LISTEN,
				   &ss, &sslen, &dual);
	if (err)
		return err;
	fd = listen_on(&ss, &sslen, dual,
		       a.listen ? a.listen : EXP_DEFAULT_LISTEN);
	if (fd < 0)
		return fd;
	format_addr(&ss, addr, sizeof(addr));

	/* The stop signals are taken between rounds of serve(). */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigprocmask(SIG_BLOCK, &sigs, &old);
	signal(SIGPIPE, SIG_IGN);
	d = start_daemon(&e, fd, addr);
	if (d) {
		pr_info("exporter listening on http://%s/ (pin path %s)", addr,
			e.pin_path);
		err = serve(&e, d, &sigs, addr);
		MHD_stop_daemon(d);
	} else {
		err = -EIO;
	}
	close(fd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return err;
}

int main(int argc, char **argv)
{
	int ret = run(argc, argv);

	return ret ? vms_report_error(ret) : 0;
}
