/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxt-hold SIZE_MIB SECONDS: allocate SIZE_MIB of anonymous memory, write to every page so
 * it is charged to the caller's memory cgroup, print "ready" and sleep SECONDS. Used by the
 * integration tests to put a known amount of usage into a cgroup. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "args.h"

int main(int argc, char *argv[])
{
	unsigned long mib, seconds;
	long page = sysconf(_SC_PAGESIZE);
	struct timespec ts;
	size_t size;
	char *p;

	if (parse_mib_seconds(argc, argv, &mib, &seconds) < 0)
		return 2;
	if (page <= 0)
		page = 4096;
	size = (size_t) mib << 20;
	/* mmap instead of malloc: the pages are private anonymous memory, never shared */
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "lxt-hold: mmap of %lu MiB failed: %s\n", mib, strerror(errno));
		return 1;
	}
	/* a distinct non-zero byte per page: no zero-page sharing, no KSM-style merging */
	for (size_t off = 0; off < size; off += (size_t) page)
		p[off] = (char) (1 + (off / (size_t) page) % 251);
	printf("ready\n");
	fflush(stdout);

	ts.tv_sec = (time_t) seconds;
	ts.tv_nsec = 0;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	return 0;
}
