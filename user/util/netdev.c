// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Network device helpers. Everything here asks the kernel through a socket
 * of the caller's network namespace (never sysfs, which shows the namespace
 * of whoever mounted it), so it is right under nsenter too.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>

#include "util/netdev.h"
#include "util/log.h"

int vms_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int vms_parse_mac(const char *s, __u8 mac[6])
{
	int i;

	if (!s || strlen(s) != 17)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		const char *o = s + 3 * i;
		int hi = vms_hexval(o[0]), lo = vms_hexval(o[1]);

		if (hi < 0 || lo < 0 || (i < 5 && o[2] != ':'))
			return -EINVAL;
		mac[i] = hi << 4 | lo;
	}
	return 0;
}

ssize_t vms_unhex(const char *s, __u8 *out, size_t max)
{
	size_t n = 0;
	int half = -1;

	for (; *s; s++) {
		int v = vms_hexval(*s);

		if (v < 0) {
			if (strchr(" :.\t\r\n", *s))
				continue;
			return -EINVAL;
		}
		if (half < 0) {
			half = v;
			continue;
		}
		if (n == max)
			return -E2BIG;
		out[n++] = half << 4 | v;
		half = -1;
	}
	return half < 0 ? (ssize_t)n : -EINVAL;
}

void vms_format_mac(const __u8 mac[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
		 mac[2], mac[3], mac[4], mac[5]);
}

__u64 vms_mac48(const __u8 mac[6])
{
	__u64 v = 0;
	int i;

	for (i = 0; i < 6; i++)
		v = (v << 8) | mac[i];
	return v;
}

int vms_parse_uint(const char *s, unsigned long long max,
		   unsigned long long *out)
{
	unsigned long long v;
	char *end;

	/* strtoull alone would take leading spaces and a sign */
	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int vms_parse_vlan(const char *s, __u16 *vlan)
{
	unsigned long long v;
	int err;

	err = vms_parse_uint(s, VMST_VLAN_MAX, &v);
	if (err)
		return err;
	if (v < VMST_VLAN_MIN)
		return -ERANGE;
	*vlan = v;
	return 0;
}

const char *vms_ifname_invalid(const char *name)
{
	const unsigned char *c;

	if (!*name || strlen(name) >= IFNAMSIZ)
		return "1..15 characters";
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return "'.' and '..' are not";
	for (c = (const unsigned char *)name; *c; c++) {
		if (*c < 0x20 || *c == 0x7f)
			return "contains a control character";
		if (*c == '/' || *c == ':' || *c == ' ')
			return "contains '/', ':' or a space";
	}
	return NULL;
}

int vms_ifname_check(const char *name)
{
	const char *why = name ? vms_ifname_invalid(name) : "no name";

	if (why)
		return vms_err(-ENODEV, "%s: not a valid device name (%s)",
			       name ? name : "(null)", why);
	return 0;
}

/* An interface ioctl, through one socket the process keeps (a socket
 * each was two more system calls; apply makes three a port). */
static int ioctl_sock(unsigned long req, struct ifreq *ifr)
{
	static int fd = -1;

	if (fd < 0)
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	return ioctl(fd, req, ifr) < 0 ? -errno : 0;
}

/* An interface ioctl on @name. */
static int dev_ioctl(const char *name, unsigned long req, struct ifreq *ifr)
{
	memset(ifr->ifr_name, 0, sizeof(ifr->ifr_name));
	strncpy(ifr->ifr_name, name, IFNAMSIZ - 1);
	return ioctl_sock(req, ifr);
}

unsigned int vms_nametoindex(const char *name)
{
	struct ifreq ifr = {0};

	if (strlen(name) >= IFNAMSIZ) {
		errno = ENODEV;
		return 0;
	}
	return dev_ioctl(name, SIOCGIFINDEX, &ifr) || ifr.ifr_ifindex <= 0
		       ? 0
		       : ifr.ifr_ifindex;
}

char *vms_ifname(__u32 ifindex, char *name)
{
	struct ifreq ifr = {.ifr_ifindex = ifindex};

	if (ioctl_sock(SIOCGIFNAME, &ifr))
		return NULL;
	memcpy(name, ifr.ifr_name, IF_NAMESIZE);
	name[IF_NAMESIZE - 1] = '\0';
	return name;
}

int vms_ifindex(const char *name)
{
	struct ifreq ifr = {0};
	int err;

	err = vms_ifname_check(name);
	if (err)
		return err;
	err = dev_ioctl(name, SIOCGIFINDEX, &ifr);
	if (err == -ENODEV || (!err && ifr.ifr_ifindex <= 0))
		return vms_err(-ENODEV, "%s: no such device", name);
	if (err)
		return vms_err(err, "%s: %s", name, strerror(-err));
	return ifr.ifr_ifindex;
}

int vms_is_tap(const char *name)
{
	struct ethtool_drvinfo info = {.cmd = ETHTOOL_GDRVINFO};
	struct ifreq ifr = {.ifr_data = (void *)&info};
	int err;

	err = dev_ioctl(name, SIOCETHTOOL, &ifr);
	if (err == -EOPNOTSUPP)
		return 0;
	if (err)
		return err;
	/* The tun driver reports bus "tap" for TAP mode, "tun" for TUN. */
	return !strcmp(info.driver, "tun") && !strcmp(info.bus_info, "tap");
}

int vms_dev_mtu(const char *name)
{
	struct ifreq ifr = {0};
	int err;

	err = dev_ioctl(name, SIOCGIFMTU, &ifr);
	return err ? err : ifr.ifr_mtu;
}

__u32 vms_netns_ino(void)
{
	/* vmsteer never changes namespace: read once (it was asked several
	 * times a port). */
	static __u32 ino;
	struct stat st;

	if (!ino && !stat("/proc/self/ns/net", &st))
		ino = (__u32)st.st_ino;
	return ino;
}
