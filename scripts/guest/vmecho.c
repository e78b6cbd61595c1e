// SPDX-License-Identifier: GPL-2.0
/* vmecho: the echo service and its client, for real-guest tests. Built
 * static (scripts/guest/build-vm.sh): the same binary runs in the busybox
 * guest and on the test's wire namespace.
 *
 *   vmecho serve PORT                 UDP and TCP echo on PORT (forever)
 *   vmecho udp|tcp HOST PORT MSG [SRC] send MSG (from address SRC), wait up
 *                                     to 3 s for the echo; exit 0 when it
 *                                     came back unchanged, print it
 *   vmecho line SOCKET TEXT           write TEXT and a newline to the unix
 *                                     stream socket SOCKET (a qemu serial or
 *                                     monitor) and wait until it was read
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int fail(const char *what)
{
	fprintf(stderr, "vmecho: %s: %s\n", what, strerror(errno));
	return 1;
}

static int addr4(const char *s, int port, struct sockaddr_in *a)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	if (inet_pton(AF_INET, s, &a->sin_addr) != 1) {
		fprintf(stderr, "vmecho: %s: not an IPv4 address\n", s);
		return -1;
	}
	return 0;
}

static int serve(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	int u = socket(AF_INET, SOCK_DGRAM, 0),
	    t = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	char buf[65536];

	signal(SIGCHLD, SIG_IGN);
	setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (u < 0 || t < 0 || bind(u, (void *)&a, sizeof(a)) ||
	    bind(t, (void *)&a, sizeof(a)) || listen(t, 16))
		return fail("serve");
	for (;;) {
		struct pollfd p[2] = {{.fd = u, .events = POLLIN},
				      {.fd = t, .events = POLLIN}};
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n;

		if (poll(p, 2, -1) < 0)
			continue;
		if (p[0].revents) {
			n = recvfrom(u, buf, sizeof(buf), 0, (void *)&from,
				     &fl);
			if (n >= 0)
				sendto(u, buf, n, 0, (void *)&from, fl);
		}
		if (p[1].revents) {
			int c = accept(t, NULL, NULL);

			if (c >= 0 && fork() == 0) {
				while ((n = read(c, buf, sizeof(buf))) > 0)
					if (write(c, buf, n) != n)
						break;
				_exit(0);
			}
			if (c >= 0)
				close(c);
		}
	}
}

static int client(int type, const char *host, int port, const char *msg,
		  const char *src)
{
	struct sockaddr_in to, from;
	size_t len = strlen(msg), got = 0;
	struct timeval tv = {.tv_sec = 3};
	char buf[4096];
	int s;

	if (addr4(host, port, &to) || (src && addr4(src, 0, &from)))
		return 2;
	s = socket(AF_INET, type, 0);
	if (s < 0)
		return fail("socket");
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (src && bind(s, (void *)&from, sizeof(from)))
		return fail(src);
	if (connect(s, (void *)&to, sizeof(to)))
		return fail(host);
	if (write(s, msg, len) != (ssize_t)len)
		return fail("send");
	while (got < len && got < sizeof(buf)) {
		ssize_t n = read(s, buf + got, sizeof(buf) - got);

		if (n <= 0)
			return n ? fail("receive") : 1;
		got += n;
		if (type == SOCK_DGRAM)
			break;
	}
	printf("%.*s\n", (int)got, buf);
	return got == len && !memcmp(buf, msg, len) ? 0 : 1;
}

static int line(const char *path, const char *text)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int s = socket(AF_UNIX, SOCK_STREAM, 0);

	if (strlen(path) >= sizeof(a.sun_path)) {
		fprintf(stderr, "vmecho: %s: path too long\n", path);
		return 2;
	}
	strcpy(a.sun_path, path);
	if (s < 0 || connect(s, (void *)&a, sizeof(a)))
		return fail(path);
	if (write(s, text, strlen(text)) < 0 || write(s, "\n", 1) != 1)
		return fail(path);
	/* qemu reads a serial's socket only as fast as the guest's UART
	 * takes it, and drops what it has not read when the client goes:
	 * stay until the peer has read every byte (up to 10 s). */
	for (int i = 0; i < 1000; i++) {
		int unread = 0;

		if (ioctl(s, SIOCOUTQ, &unread) || !unread)
			return close(s) ? fail(path) : 0;
		usleep(10000);
	}
	fprintf(stderr, "vmecho: %s: the peer did not read the line\n", path);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "serve"))
		return serve(atoi(argv[2]));
	if ((argc == 5 || argc == 6) &&
	    (!strcmp(argv[1], "udp") || !strcmp(argv[1], "tcp")))
		return client(argv[1][0] == 'u' ? SOCK_DGRAM : SOCK_STREAM,
			      argv[2], atoi(argv[3]), argv[4],
			      argc == 6 ? argv[5] : NULL);
	if (argc == 4 && !strcmp(argv[1], "line"))
		return line(argv[2], argv[3]);
	fprintf(stderr,
		"usage: vmecho serve PORT | vmecho udp|tcp HOST PORT MSG [SRC] | "
		"vmecho line SOCKET TEXT\n");
	return 2;
}
