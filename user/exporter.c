// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vmsteer-exporter [-j] [-v] [--pin-path DIR] [--listen ADDR:PORT]
 *                  [--timeout SECS]
 *
 * The Prometheus exporter on libmicrohttpd, a program of its own so that
 * the CLI does not link libmicrohttpd (`vmsteer exporter` runs this one).
 * One internal polling thread
 * serves every connection, so scrapes are serialised and the library
 * (which records errors in a global) is only ever used by one thread at a
 * time. Every scrape opens the pinned state read-only and closes it again:
 * the exporter needs no restart when vmsteer is re-attached, upgraded or
 * its state created after the exporter started.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "cli.h"
#include "exporter.h"

/* clang-format off */
static const char usage[] =
	"Usage: " VMS_EXPORTER_BIN " [-j|--json] [-p|--pretty] [-v] "
	"[--pin-path DIR]\n"
	"                        [--listen ADDR:PORT] [--timeout SECS]\n\n"
	VMS_EXPORTER_HELP
	"\n-j, -p, -v and --pin-path are vmsteer's global options (see "
	"vmsteer --help).\n";
/* clang-format on */

struct exporter {
	const char *pin_path;
	pthread_mutex_t lock; /* scrape rendering and the counters below */
	unsigned long long scrape_errors;
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

static enum MHD_Result serve_metrics(struct exporter *e,
				     struct MHD_Connection *conn)
{
	char *buf = NULL;
	size_t len = 0;
	double t0;
	FILE *f;
	int err;

	f = open_memstream(&buf, &len);
	if (!f)
		return reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
				  "out of memory\n");
	pthread_mutex_lock(&e->lock);
	t0 = now_seconds();
	err = vms_metrics_render(f, e->pin_path);
	if (err && err != -ENOENT) {
		e->scrape_errors++;
		pr_debug("scrape: %s", vms_last_error() ?: strerror(-err));
	}
	vms_clear_error();
	vms_metrics_render_self(f, now_seconds() - t0, e->scrape_errors);
	pthread_mutex_unlock(&e->lock);
	if (fclose(f)) {
		free(buf);
		return reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
				  "out of memory\n");
	}
	return reply(conn, MHD_HTTP_OK, VMS_METRICS_CONTENT_TYPE, buf, len,
		     MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result serve_health(struct exporter *e,
				    struct MHD_Connection *conn)
{
	char msg[600];
	struct vms_state st;
	int err;

	pthread_mutex_lock(&e->lock);
	err = vms_state_open(&st, e->pin_path, 0);
	if (!err)
		vms_state_close(&st);
	else
		snprintf(msg, sizeof(msg), "unavailable: %s\n",
			 vms_last_error() ?: strerror(-err));
	vms_clear_error();
	pthread_mutex_unlock(&e->lock);
	if (!err)
		return reply_text(conn, MHD_HTTP_OK, "ok\n");
	return reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		     "text/plain; charset=utf-8", msg, strlen(msg),
		     MHD_RESPMEM_MUST_COPY);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn,
			      const char *url, const char *method,
			      const char *version, const char *upload_data,
			      size_t *upload_data_size, void **req_cls)
{
	struct exporter *e = cls;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)req_cls;
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
 * Parse ADDR:PORT (IPv4) or [ADDR]:PORT (IPv6) into @ss; -EINVAL with a
 * message naming @s otherwise.
 */
static int parse_listen(const char *s, struct sockaddr_storage *ss,
			socklen_t *sslen)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	const char *colon = strrchr(s, ':');
	char host[INET6_ADDRSTRLEN + 2];
	unsigned long port;
	size_t hlen;
	char *end;

	memset(ss, 0, sizeof(*ss));
	if (!colon || !colon[1])
		goto bad;
	hlen = colon - s;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (*end || errno || port > 65535 || colon[1] == '-' || colon[1] == '+')
		goto bad;
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
			     "--listen '%s': expected IPV4:PORT or "
			     "[IPV6]:PORT with a numeric address and a port "
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

/* A listening socket on @ss, or -errno with a message naming @what. */
static int listen_on(struct sockaddr_storage *ss, socklen_t sslen,
		     const char *what)
{
	int one = 1, fd, err;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return vms_err(-errno,
			       "--listen %s: cannot create a socket: %s", what,
			       strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)ss, sslen) || listen(fd, EXP_BACKLOG) ||
	    getsockname(fd, (struct sockaddr *)ss, &sslen)) {
		err = -errno;
		close(fd);
		return vms_err(err, "--listen %s: cannot listen: %s", what,
			       strerror(-err));
	}
	return fd;
}

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"pretty", no_argument, NULL, 'p'},
		{"verbose", no_argument, NULL, 'v'},
		{"pin-path", required_argument, NULL, 'P'},
		{"listen", required_argument, NULL, 'l'},
		{"timeout", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{}};
	const char *listen_arg = EXP_DEFAULT_LISTEN, *pin_override = NULL;
	unsigned long timeout = EXP_TIMEOUT_DEFAULT;
	struct exporter e = {};
	struct sockaddr_storage ss;
	struct MHD_Daemon *d;
	char addr[INET6_ADDRSTRLEN + 10];
	sigset_t sigs, old;
	socklen_t sslen = 0;
	int c, fd, sig, err, verbose = 0;
	char *end;

	opterr = 0; /* our own message, JSON in JSON mode */
	while ((c = getopt_long(argc, argv, "+jpvhV", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			vms_json = true;
			break;
		case 'p':
			vms_json = vms_pretty = true;
			break;
		case 'v':
			verbose++;
			break;
		case 'P':
			if (!*optarg)
				return vms_usage_err("exporter",
						     "--pin-path: empty "
						     "directory name");
			pin_override = optarg;
			break;
		case 'l':
			listen_arg = optarg;
			break;
		case 't':
			errno = 0;
			timeout = strtoul(optarg, &end, 10);
			if (*end || errno || !*optarg || optarg[0] == '-' ||
			    timeout < 1 || timeout > 3600)
				return vms_usage_err("exporter",
						     "--timeout '%s': expected "
						     "seconds, 1..3600",
						     optarg);
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		case 'V':
			printf("%s %s (state layout %d)\n", VMS_EXPORTER_BIN,
			       VMSTEER_VERSION, VMSTEER_LAYOUT_VERSION);
			return 0;
		default:
			return vms_usage_err("exporter",
					     "unknown option or missing value: "
					     "'%s'",
					     argv[optind - 1]);
		}
	}
	if (optind < argc)
		return vms_usage_err("exporter", "unexpected argument '%s'",
				     argv[optind]);
	vms_libbpf_logging(verbose);
	e.pin_path = vms_pin_path(pin_override);
	err = parse_listen(listen_arg, &ss, &sslen);
	if (err)
		return err;
	fd = listen_on(&ss, sslen, listen_arg);
	if (fd < 0)
		return fd;
	format_addr(&ss, addr, sizeof(addr));

	/*
	 * Block the stop signals before MHD's thread starts (it inherits
	 * the mask), then wait for one here.
	 */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, &old);
	signal(SIGPIPE, SIG_IGN);
	pthread_mutex_init(&e.lock, NULL);

	d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
			MHD_USE_ERROR_LOG,
		0, NULL, NULL, handle, &e, MHD_OPTION_LISTEN_SOCKET, fd,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)EXP_MAX_CONNECTIONS,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)timeout,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)EXP_CONN_MEMORY,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_END);
	if (!d) {
		close(fd);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		pthread_mutex_destroy(&e.lock);
		return vms_err(-EIO,
			       "--listen %s: cannot start the HTTP server",
			       addr);
	}
	pr_info("exporter listening on http://%s/ (pin path %s)", addr,
		e.pin_path);

	while (sigwait(&sigs, &sig))
		;
	pr_debug("exporter: signal %d, stopping", sig);
	MHD_stop_daemon(d);
	close(fd);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_mutex_destroy(&e.lock);
	return 0;
}

int main(int argc, char **argv)
{
	int ret = run(argc, argv);

	return ret ? vms_report_error(ret) : 0;
}
