/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: the renderers whose inputs are numbers, not text: proc/loadavg after a
 * loadavg_step() (lxcfs/render/loadavg.c), proc/uptime and the --enable-cfs CPU count
 * (lxcfs/render/cpu.c). The input bytes are read as little-endian integers. */
#include "cpu.h"
#include "fuzz.h"
#include "loadavg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf sb = STRBUF_INIT(FUZZ_OUTPUT_MAX);
	struct loadavg_state st, next;
	struct tasks_count sample;
	uint64_t now, start, tck, busy, quota, period;
	unsigned cpus, host, max;
	int r;

	loadavg_state_init((pid_t) fuzz_consume(&data, &size, 4), &st);
	for (int i = 0; i < 3; i++)
		st.avenrun[i] = fuzz_consume(&data, &size, 6) & ((UINT64_C(1) << 43) - 1);
	sample.running = fuzz_consume(&data, &size, 8);
	sample.total = fuzz_consume(&data, &size, 8);
	sample.last_pid = (pid_t) fuzz_consume(&data, &size, 4);
	sample.cgroups = 0;
	loadavg_step(&st, &sample, &next);
	for (int i = 0; i < 3; i++) {
		uint64_t active = (sample.running < LOADAVG_RUNNING_MAX ? sample.running
									 : LOADAVG_RUNNING_MAX) *
				  LOADAVG_FIXED_1;
		uint64_t lo = st.avenrun[i] < active ? st.avenrun[i] : active;
		uint64_t hi = st.avenrun[i] < active ? active : st.avenrun[i];

		/* an average moves towards the sample, never past it (one unit of rounding) */
		FUZZ_ASSERT(next.avenrun[i] + 1 >= lo && next.avenrun[i] <= hi + 1);
	}
	FUZZ_ASSERT(loadavg_render(&next, &sb) == 0);
	fuzz_check_strbuf(&sb);
	FUZZ_ASSERT(sb.len && sb.buf[sb.len - 1] == '\n');
	strbuf_reset(&sb);
	loadavg_step(&next, &sample, &next);	/* may alias */

	now = fuzz_consume(&data, &size, 8);
	start = fuzz_consume(&data, &size, 8);
	tck = fuzz_consume(&data, &size, 2);
	busy = fuzz_consume(&data, &size, 8);
	r = uptime_render(now, start, tck, busy, &sb);
	FUZZ_ASSERT(r == 0 || r == -ERANGE || r == -EINVAL);
	fuzz_check_strbuf(&sb);
	if (r == 0)
		FUZZ_ASSERT(sb.len && sb.buf[sb.len - 1] == '\n' && !strchr(sb.buf, '-'));
	strbuf_done(&sb);

	quota = fuzz_consume(&data, &size, 8);
	period = fuzz_consume(&data, &size, 8);
	cpus = (unsigned) fuzz_consume(&data, &size, 2);
	host = (unsigned) fuzz_consume(&data, &size, 2);
	max = cpuview_max_cpus(quota, period, cpus, host);
	if (cpus)
		FUZZ_ASSERT(max >= 1 && max <= cpus);
	else if (host && quota != UINT64_MAX)
		FUZZ_ASSERT(max <= host);
	return 0;
}
