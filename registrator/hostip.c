/* SPDX-License-Identifier: MIT */
/*
 * Host address detection, for services published on a wildcard binding
 * when no --ip is given.  The rule is deterministic and documented in
 * registrator.ini: the IPv4 address of the interface that carries the
 * IPv4 default route (/proc/net/route), else the first non-loopback IPv4
 * address of an interface that is up, by interface name, else 127.0.0.1.
 * The host name is never resolved, so Debian's 127.0.1.1 never appears.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "str.h"

#include "registrator.h"

/* Name of the interface with the IPv4 default route, or "" if none. */
static void
hostip_default_ifname(char *ifname, size_t len)
{
	FILE *f;
	char line[256], name[IF_NAMESIZE + 1];
	unsigned long dest, mask;
	unsigned flags;
	unsigned best_metric = ~0u, metric;

	ifname[0] = '\0';
	f = fopen("/proc/net/route", "r");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		/* Iface Destination Gateway Flags RefCnt Use Metric Mask */
		if (sscanf(line, "%16s %lx %*x %x %*d %*d %u %lx", name, &dest,
			&flags, &metric, &mask)
		    != 5)
			continue;
		if (dest != 0 || mask != 0 || (flags & 0x1) == 0)
			continue;
		if (metric < best_metric) {
			best_metric = metric;
			(void)str_copy(ifname, name, len);
		}
	}
	(void)fclose(f);
}

int
hostip_detect(char *out, size_t len)
{
	struct ifaddrs *ifa_list, *ifa;
	char ifname[IF_NAMESIZE + 1], best_name[IF_NAMESIZE + 1] = "";
	char addr[INET_ADDRSTRLEN], best[INET_ADDRSTRLEN] = "";
	int ret = -1;

	hostip_default_ifname(ifname, sizeof(ifname));
	if (getifaddrs(&ifa_list) == -1)
		goto out;
	for (ifa = ifa_list; ifa != NULL; ifa = ifa->ifa_next) {
		const struct sockaddr_in *sin;

		if (ifa->ifa_addr == NULL || ifa->ifa_addr->sa_family != AF_INET
		    || (ifa->ifa_flags & IFF_UP) == 0
		    || (ifa->ifa_flags & IFF_LOOPBACK) != 0)
			continue;
		sin = (const struct sockaddr_in *)(const void *)ifa->ifa_addr;
		if ((ntohl(sin->sin_addr.s_addr) >> 24) == 127)
			continue;
		if (inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof(addr))
		    == NULL)
			continue;
		if (ifname[0] != '\0' && strcmp(ifa->ifa_name, ifname) == 0) {
			(void)str_copy(best, addr, sizeof(best));
			(void)str_copy(best_name, ifa->ifa_name,
			    sizeof(best_name));
			break;
		}
		if (best[0] == '\0' || strcmp(ifa->ifa_name, best_name) < 0) {
			(void)str_copy(best, addr, sizeof(best));
			(void)str_copy(best_name, ifa->ifa_name,
			    sizeof(best_name));
		}
	}
	freeifaddrs(ifa_list);
	if (best[0] != '\0') {
		(void)str_copy(out, best, len);
		ret = 0;
	}
out:
	if (ret == -1)
		(void)str_copy(out, "127.0.0.1", len);
	return ret;
}
