/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxt-churn SIZE_MIB SECONDS: for SECONDS, repeatedly mmap SIZE_MIB of anonymous memory,
 * write every byte and unmap it again, so the memory (and memory+swap) usage of the caller's
 * cgroup keeps moving. Prints the number of cycles at the end. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "args.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

int main(int argc, char *argv[])
{
	unsigned long mib, seconds, cycles = 0;
	double end;
	size_t size;

	if (parse_mib_seconds(argc, argv, &mib, &seconds) < 0)
		return 2;
	size = (size_t) mib << 20;
	end = now() + (double) seconds;
	do {
		char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			fprintf(stderr, "lxt-churn: mmap of %lu MiB failed: %s\n", mib, strerror(errno));
			return 1;
		}
		memset(p, (int) (1 + cycles % 251), size);
		if (munmap(p, size) < 0) {
			fprintf(stderr, "lxt-churn: munmap failed: %s\n", strerror(errno));
			return 1;
		}
		cycles++;
	} while (now() < end);
	printf("cycles %lu\n", cycles);
	return 0;
}
