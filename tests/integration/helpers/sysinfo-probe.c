/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sysinfo-probe: prints what sysinfo(2) returns, one "key value" per line, memory in bytes
 * (multiplied by mem_unit), loads as the raw 16-bit fixed point and as a decimal. Linked
 * statically so it runs in a busybox container without the host's libraries. Also prints
 * getloadavg()[0] and sysconf(_SC_PHYS_PAGES) * page size, which glibc derives from the same
 * syscall. Exit status 0, or 1 when sysinfo() fails. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <unistd.h>

int main(void)
{
	struct sysinfo si;
	unsigned long long unit;
	double la[1] = { -1 };

	if (sysinfo(&si) < 0) {
		fprintf(stderr, "sysinfo-probe: sysinfo() failed: %s\n", strerror(errno));
		return 1;
	}
	unit = si.mem_unit ? si.mem_unit : 1;
	printf("uptime %ld\n", si.uptime);
	printf("totalram %llu\n", (unsigned long long) si.totalram * unit);
	printf("freeram %llu\n", (unsigned long long) si.freeram * unit);
	printf("sharedram %llu\n", (unsigned long long) si.sharedram * unit);
	printf("totalswap %llu\n", (unsigned long long) si.totalswap * unit);
	printf("freeswap %llu\n", (unsigned long long) si.freeswap * unit);
	printf("procs %u\n", (unsigned) si.procs);
	printf("mem_unit %u\n", si.mem_unit);
	printf("loads0 %lu\n", si.loads[0]);
	printf("load1 %.2f\n", (double) si.loads[0] / (1 << SI_LOAD_SHIFT));
	if (getloadavg(la, 1) == 1)
		printf("getloadavg0 %.2f\n", la[0]);
	printf("phys_bytes %llu\n",
	       (unsigned long long) sysconf(_SC_PHYS_PAGES) * (unsigned long long) sysconf(_SC_PAGESIZE));
	return 0;
}
