/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure container view of sysinfo(2) (man 2 sysinfo, kernel/sys.c do_sysinfo()): the numbers a
 * process in the container gets from the syscall, the same ones lxcfs renders into
 * proc/meminfo, proc/swaps, proc/uptime and proc/loadavg. No I/O, no clocks, no globals. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/sysinfo.h>

#include "meminfo.h"

/* sysinfo(2) loads are fixed point with 16 bits of fraction; the kernel shifts its 11-bit
 * avenrun left by SI_LOAD_SHIFT - FSHIFT (kernel/sys.c). */
#define SYSINFO_LOAD_SHIFT 16

struct sysinfo_inputs {
	const struct sysinfo *host;	/* the host's sysinfo(2), as the responder saw it */
	/* The container's memory cgroup, exactly what lxcfs's meminfo renderer takes (the
	 * loader makes the same decisions). NULL: the caller is in the root cgroup, memory and
	 * swap are the host's. mem->host_meminfo must hold MemTotal. */
	const struct meminfo_inputs *mem;
	uint64_t now_boot_ns;		/* CLOCK_BOOTTIME, ns */
	uint64_t start_ticks;		/* the container init's /proc/PID/stat starttime */
	uint64_t clk_tck;		/* USER_HZ, sysconf(_SC_CLK_TCK); 0 = uptime is the host's */
	/* The container's load averages, fixed point with LOADAVG_FSHIFT bits (loadavg_state's
	 * avenrun). has_loads false: the host's loads are passed through. */
	bool has_loads;
	uint64_t avenrun[3];
	/* Processes in the container (its pids cgroup); has_procs false: the host's count. */
	bool has_procs;
	uint64_t procs;
};

/* Fills *ret with the container view, mem_unit 1 (all memory fields in bytes):
 *   uptime     = (now_boot_ns - start_ticks / clk_tck) in whole seconds, rounded down, as
 *                lxcfs's proc/uptime integer part;
 *   totalram   = meminfo MemTotal * 1024 (the cgroup limit clamped to the host's MemTotal;
 *                a 0 or "max" limit is the host's), freeram = MemFree * 1024 (limit - usage,
 *                saturating), sharedram = Shmem * 1024, bufferram = Buffers (0);
 *   totalswap  = SwapTotal * 1024 and freeswap = SwapFree * 1024 from meminfo_swap_kb();
 *   totalhigh  = freehigh = 0;
 *   loads      = avenrun << (SYSINFO_LOAD_SHIFT - LOADAVG_FSHIFT), or the host's;
 *   procs      = the container's process count (clamped to 65535), or the host's.
 * Returns 0; -ERANGE when the start lies in the future, -EBADMSG when mem->host_meminfo has
 * no MemTotal (*ret untouched on error). */
int sysinfo_view_compute(const struct sysinfo_inputs *in, struct sysinfo *ret);
