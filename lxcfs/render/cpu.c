/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure CPU view renderers: cpuinfo, stat, uptime, sysfs cpu lists. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cgroup-file.h"
#include "cleanup.h"
#include "cpu.h"
#include "parse-util.h"

unsigned cpuview_max_cpus(uint64_t quota_us, uint64_t period_us, unsigned cpuset_cpus,
			  unsigned host_online)
{
	uint64_t r = 0;

	if (quota_us != CG_LIMIT_MAX && period_us > 0)
		r = quota_us / period_us + (quota_us % period_us ? 1 : 0);
	if (r == 0)
		return cpuset_cpus;
	if (host_online && r > host_online)
		r = host_online;
	if (cpuset_cpus > 0 && cpuset_cpus < r)
		r = cpuset_cpus;
	return (unsigned) r;
}

void cpu_visible_set(const struct cpuset *cpuset, unsigned max_cpus, struct cpuset *ret)
{
	if (max_cpus == 0) {
		*ret = *cpuset;
		return;
	}
	*ret = (struct cpuset) {};
	for (unsigned i = 0; i < max_cpus && i < CPUSET_MAX; i++)
		cpuset_add(ret, i);
}

int cpu_view_physical(const struct cpuset *cpuset, unsigned max_cpus, unsigned k, unsigned *ret)
{
	unsigned seen = 0;

	if (max_cpus == 0) {
		if (!cpuset_contains(cpuset, k))
			return -ENOENT;
		*ret = k;
		return 0;
	}
	if (k >= max_cpus)
		return -ENOENT;
	for (unsigned c = 0; c < CPUSET_MAX; c++)
		if (cpuset_contains(cpuset, c) && seen++ == k) {
			*ret = c;
			return 0;
		}
	return -ENOENT;
}

/* "processor<ws>:<ws>N" -> N (x86, arm, ...) or s390's "processor N: ..."; false otherwise */
static bool cpuinfo_processor_line(const char *l, unsigned *ret, bool *ret_s390)
{
	const char *p = startswith(l, "processor"), *end;
	uint64_t n;

	if (!p)
		return false;
	if (*p == ' ' && isdigit((unsigned char) p[1])) {
		const char *q = p + 1;

		for (n = 0; isdigit((unsigned char) *q) && n <= UINT32_MAX; q++)
			n = n * 10 + (uint64_t) (*q - '0');
		if (*q != ':' || n > UINT32_MAX)
			return false;
		*ret = (unsigned) n;
		*ret_s390 = true;
		return true;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != ':')
		return false;
	if (parse_u64_token(p + 1, &n, &end) < 0 || n > UINT32_MAX)
		return false;
	*ret = (unsigned) n;
	*ret_s390 = false;
	return true;
}

int cpuinfo_render(const char *host_cpuinfo, const struct cpuset *cpuset, unsigned max_cpus,
		   struct strbuf *out)
{
	struct cpuset seen = {};
	bool printing = false;
	unsigned emitted = 0;
	int r;

	for (const char *l = host_cpuinfo; l && *l; l = next_line(l)) {
		const char *eol = strchrnul(l, '\n');
		unsigned cpu;
		bool s390;

		if (startswith(l, "# processors:"))
			continue;
		if (cpuinfo_processor_line(l, &cpu, &s390)) {
			if (max_cpus && emitted >= max_cpus)
				break;
			/* a CPU listed again is dropped: never more processors than the cpuset
			 * (found by fuzz-cpuinfo) */
			printing = cpuset_contains(cpuset, cpu) && !cpuset_contains(&seen, cpu);
			if (!printing)
				continue;
			cpuset_add(&seen, cpu);
			if (s390) {
				const char *rest = strchr(l, ':');

				r = strbuf_appendf(out, "processor %u", emitted);
				if (r >= 0)
					r = strbuf_append(out, rest, (size_t) (eol - rest));
				if (r >= 0)
					r = strbuf_append(out, "\n", 1);
			} else
				r = strbuf_appendf(out, "processor\t: %u\n", emitted);
			if (r < 0)
				return r;
			emitted++;
			continue;
		}
		if (!printing)
			continue;
		r = strbuf_append(out, l, (size_t) (eol - l));
		if (r >= 0)
			r = strbuf_append(out, "\n", 1);
		if (r < 0)
			return r;
	}
	return 0;
}

static uint64_t ns_to_ticks(uint64_t ns, uint64_t clk_tck)
{
	return (uint64_t) ((unsigned __int128) ns * clk_tck / 1000000000u);
}

/* The k-th of @m shares of @total ticks: ceil((total - k) / m), so the shares add up to @total
 * and each one only grows as @total grows (counters stay monotonic). */
static uint64_t share(uint64_t total, unsigned m, unsigned k)
{
	return total > k ? (total - k + m - 1) / m : 0;
}

int stat_render(const struct stat_inputs *in, struct strbuf *out)
{
	_cleanup_(strbuf_done) struct strbuf cpus = STRBUF_INIT(out->cap);
	uint64_t sum[PROCSTAT_FIELDS] = {}, total_user = 0, total_sys = 0;
	unsigned emitted = 0, n_cpuset = cpuset_count(in->cpuset);
	struct cpuset seen = {};
	const char *rest = NULL;
	int r;

	for (size_t c = 0; in->usage && c < in->n_usage; c++)
		if (cpuset_contains(in->cpuset, (unsigned) c)) {
			total_user += ns_to_ticks(in->usage[c].user_ns, in->clk_tck);
			total_sys += ns_to_ticks(in->usage[c].system_ns, in->clk_tck);
		}

	for (const char *l = in->host_stat; l && *l; l = next_line(l)) {
		uint64_t f[PROCSTAT_FIELDS];
		unsigned cpu;

		if (startswith(l, "cpu "))
			continue;
		r = procstat_parse_cpu_line(l, &cpu, f);
		if (r < 0)
			return r;
		if (r == 0) {
			rest = l;	/* the host's non-cpu lines follow the cpu block */
			break;
		}
		if (!cpuset_contains(in->cpuset, cpu))
			continue;
		/* a CPU listed twice would be shown twice and summed twice (found by fuzz-procstat) */
		if (cpuset_contains(&seen, cpu))
			return -EBADMSG;
		cpuset_add(&seen, cpu);
		if (in->max_cpus && emitted >= in->max_cpus)
			continue;
		if (in->usage) {
			uint64_t user = 0, sys = 0, busy_host = 0, busy_cg;

			if (cpu < in->n_usage) {
				user = ns_to_ticks(in->usage[cpu].user_ns, in->clk_tck);
				sys = ns_to_ticks(in->usage[cpu].system_ns, in->clk_tck);
			}
			busy_cg = user + sys;
			for (int i = 0; i < PROCSTAT_FIELDS; i++)
				if (i != 3)
					busy_host += f[i];
			/* time the CPU was busy for other cgroups is idle time for this one */
			f[3] = add_sat(f[3], sub_sat(busy_host, busy_cg));
			if (in->max_cpus && n_cpuset > in->max_cpus) {
				/* CFS view with fewer CPUs than the cpuset: the cgroup's time on all
				 * its CPUs is dealt out over the visible ones, so none is lost */
				user = share(total_user, in->max_cpus, emitted);
				sys = share(total_sys, in->max_cpus, emitted);
			}
			f[0] = user;
			f[2] = sys;
			f[1] = f[4] = f[5] = f[6] = f[7] = f[8] = f[9] = 0;
		}
		r = strbuf_appendf(&cpus, "cpu%u", in->max_cpus ? emitted : cpu);
		for (int i = 0; r >= 0 && i < PROCSTAT_FIELDS; i++) {
			sum[i] = add_sat(sum[i], f[i]);
			r = strbuf_appendf(&cpus, " %" PRIu64, f[i]);
		}
		if (r >= 0)
			r = strbuf_append(&cpus, "\n", 1);
		if (r < 0)
			return r;
		emitted++;
	}

	r = strbuf_appends(out, "cpu ");
	for (int i = 0; r >= 0 && i < PROCSTAT_FIELDS; i++)
		r = strbuf_appendf(out, " %" PRIu64, sum[i]);
	if (r >= 0)
		r = strbuf_append(out, "\n", 1);
	if (r >= 0 && cpus.len)
		r = strbuf_append(out, cpus.buf, cpus.len);
	if (r >= 0 && rest)
		r = strbuf_appends(out, rest);
	return r;
}

int uptime_render(uint64_t now_boot_ns, uint64_t start_ticks, uint64_t clk_tck, uint64_t busy_ns,
		  struct strbuf *out)
{
	uint64_t now_cs = now_boot_ns / 10000000u, start_cs, up_cs, idle_cs;

	if (clk_tck == 0)
		return -EINVAL;
	start_cs = (uint64_t) ((unsigned __int128) start_ticks * 100 / clk_tck);
	if (start_cs > now_cs)
		return -ERANGE;
	up_cs = now_cs - start_cs;
	idle_cs = busy_ns / 10000000u <= up_cs ? up_cs - busy_ns / 10000000u : up_cs;
	return strbuf_appendf(out, "%" PRIu64 ".%02" PRIu64 " %" PRIu64 ".%02" PRIu64 "\n",
			      up_cs / 100, up_cs % 100, idle_cs / 100, idle_cs % 100);
}

int cpu_online_render(const struct cpuset *visible, struct strbuf *out)
{
	int r = cpuset_format(visible, out);

	return r < 0 ? r : strbuf_append(out, "\n", 1);
}

int cpu_offline_render(const struct cpuset *present, const struct cpuset *visible,
		       struct strbuf *out)
{
	struct cpuset off;

	cpuset_subtract(present, visible, &off);
	return cpu_online_render(&off, out);
}

int cpu_n_online_render(const struct cpuset *visible, unsigned cpu, struct strbuf *out)
{
	return strbuf_appends(out, cpuset_contains(visible, cpu) ? "1\n" : "0\n");
}
