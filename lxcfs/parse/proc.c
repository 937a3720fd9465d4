/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure procfs text parsers. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "parse-util.h"
#include "proc.h"
#include "strbuf.h"

static bool list_has_item(const char *list, size_t len, const char *item)
{
	size_t ilen = strlen(item);
	const char *p = list, *end = list + len;

	while (p < end) {
		const char *c = memchr(p, ',', (size_t) (end - p));
		size_t n = c ? (size_t) (c - p) : (size_t) (end - p);

		if (n == ilen && strncmp(p, item, n) == 0)
			return true;
		if (!c)
			break;
		p = c + 1;
	}
	return false;
}

static int path_prune_init_scope(const char *path, size_t len, char **ret)
{
	static const char suffix[] = "/init.scope";
	size_t slen = strlen(suffix);
	char *p;

	if (len >= slen && strncmp(path + len - slen, suffix, slen) == 0)
		len -= slen;
	if (len == 0) {
		path = "/";
		len = 1;
	}
	p = strndup(path, len);
	if (!p)
		return -ENOMEM;
	*ret = p;
	return 0;
}

int proc_cgroup_find(const char *text, const char *controller, char **ret_path)
{
	const char *found = NULL;
	size_t found_len = 0;

	for (const char *l = text; l && *l; l = next_line(l)) {
		const char *c1, *c2, *eol;

		if (*l == '\n')
			continue;
		eol = strchrnul(l, '\n');
		c1 = memchr(l, ':', (size_t) (eol - l));
		if (!c1)
			return -EBADMSG;
		c2 = memchr(c1 + 1, ':', (size_t) (eol - c1 - 1));
		if (!c2 || c2[1] != '/')
			return -EBADMSG;
		if (controller ? !list_has_item(c1 + 1, (size_t) (c2 - c1 - 1), controller)
			       : !(c2 == c1 + 1 && c1 - l == 1 && l[0] == '0'))
			continue;
		if (found)
			return -ENOTUNIQ;
		found = c2 + 1;
		found_len = (size_t) (eol - found);
	}
	if (!found)
		return -ENOENT;
	return path_prune_init_scope(found, found_len, ret_path);
}

int proc_stat_starttime(const char *text, uint64_t *ret_ticks)
{
	const char *p = strrchr(text, ')');
	uint64_t v;

	if (!p)
		return -EBADMSG;
	p++;
	/* after ')' come field 3 (state) .. field 22 (starttime): skip 19 fields */
	for (int i = 0; i < 19; i++) {
		while (*p == ' ')
			p++;
		if (!*p || *p == '\n')
			return -EBADMSG;
		while (*p && *p != ' ' && *p != '\n')
			p++;
	}
	if (parse_u64_token(p, &v, NULL) < 0)
		return -EBADMSG;
	*ret_ticks = v;
	return 0;
}

int proc_status_parse(const char *text, pid_t *ret_ppid, pid_t *ret_nspid_last,
		      unsigned *ret_nspid_levels)
{
	bool have_ppid = false, have_nspid = false;
	uint64_t ppid = 0, last = 0;
	unsigned levels = 0;

	for (const char *l = text; l && *l; l = next_line(l)) {
		const char *v;

		if ((v = startswith(l, "PPid:"))) {
			if (parse_u64_token(v, &ppid, NULL) < 0 || ppid > INT32_MAX)
				return -EBADMSG;
			have_ppid = true;
		} else if ((v = startswith(l, "NSpid:"))) {
			const char *end;

			while (parse_u64_token(v, &last, &end) == 0) {
				if (last > INT32_MAX)
					return -EBADMSG;
				levels++;
				v = end;
				if (*v == '\n' || !*v)
					break;
			}
			if (levels == 0)
				return -EBADMSG;
			have_nspid = true;
		}
	}
	if (!have_ppid || !have_nspid)
		return -EBADMSG;
	*ret_ppid = (pid_t) ppid;
	*ret_nspid_last = (pid_t) last;
	*ret_nspid_levels = levels;
	return 0;
}

int proc_status_nspids(const char *text, pid_t *ret, size_t max, size_t *ret_n)
{
	pid_t tmp[64];
	size_t n = 0;

	for (const char *l = text; l && *l; l = next_line(l)) {
		const char *v = startswith(l, "NSpid:");
		uint64_t pid;

		if (!v)
			continue;
		for (;;) {
			while (*v == ' ' || *v == '\t')
				v++;
			if (*v == '\n' || !*v)
				break;
			if (parse_u64_token(v, &pid, &v) < 0 || pid == 0 || pid > INT32_MAX)
				return -EBADMSG;
			if (n == max || n == ELEMENTSOF(tmp))
				return -E2BIG;
			tmp[n++] = (pid_t) pid;
		}
		if (n == 0)
			return -EBADMSG;
		memcpy(ret, tmp, n * sizeof(tmp[0]));
		*ret_n = n;
		return 0;
	}
	return -EBADMSG;
}

int meminfo_get_kb(const char *text, const char *key, uint64_t *ret_kb)
{
	size_t klen = strlen(key);

	for (const char *l = text; l && *l; l = next_line(l)) {
		uint64_t v;

		if (strncmp(l, key, klen) != 0 || l[klen] != ':')
			continue;
		if (parse_u64_token(l + klen + 1, &v, NULL) < 0)
			return -EBADMSG;
		*ret_kb = v;
		return 0;
	}
	return -ENOENT;
}

int procstat_parse_cpu_line(const char *line, unsigned *ret_cpu, uint64_t ret_fields[PROCSTAT_FIELDS])
{
	uint64_t f[PROCSTAT_FIELDS] = {};
	const char *p = startswith(line, "cpu"), *end;
	uint64_t cpu;
	int n = 0;

	if (!p || !isdigit((unsigned char) *p))
		return 0;
	if (parse_u64_token(p, &cpu, &end) < 0 || cpu > UINT32_MAX)
		return -EBADMSG;
	p = end;
	while (*p == ' ' && n < PROCSTAT_FIELDS) {
		if (parse_u64_token(p, &f[n], &end) < 0)
			return -EBADMSG;
		p = end;
		n++;
	}
	if (n < 4)
		return -EBADMSG;
	*ret_cpu = (unsigned) cpu;
	memcpy(ret_fields, f, sizeof(f));
	return 1;
}

int cpuacct_parse(const char *text, bool percpu, struct cpuacct_usage *ret, size_t n_max,
		  size_t *ret_n)
{
	_cleanup_free_ struct cpuacct_usage *u = calloc(n_max ? n_max : 1, sizeof(*u));
	const char *p = text, *end;
	size_t n = 0;

	if (!u)
		return -ENOMEM;
	if (percpu) {
		uint64_t v;

		while (parse_u64_token(p, &v, &end) == 0) {
			if (n >= n_max)
				return -ERANGE;
			u[n++].user_ns = v;
			p = end;
		}
		while (isspace((unsigned char) *p))
			p++;
		if (*p)
			return -EBADMSG;
	} else {
		const char *l = text;

		if (!startswith(l, "cpu user system"))
			return -EBADMSG;
		for (l = next_line(l); l && *l; l = next_line(l)) {
			uint64_t cpu, user, sys;

			if (parse_u64_token(l, &cpu, &end) < 0 ||
			    parse_u64_token(end, &user, &end) < 0 ||
			    parse_u64_token(end, &sys, &end) < 0)
				return -EBADMSG;
			if (cpu >= n_max)
				return -ERANGE;
			u[cpu].user_ns = user;
			u[cpu].system_ns = sys;
			if (cpu + 1 > n)
				n = cpu + 1;
		}
	}
	memcpy(ret, u, n * sizeof(*u));
	*ret_n = n;
	return 0;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo */
static char *unescape_field(const char *s, size_t len)
{
	char *out = malloc(len + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 3 < len &&
		    s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' && s[i + 2] <= '7' &&
		    s[i + 3] >= '0' && s[i + 3] <= '7') {
			*o++ = (char) ((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
			i += 3;
		} else
			*o++ = s[i];
	}
	*o = 0;
	return out;
}

static const char *const v1_mount_options[] = {
	"rw", "ro", "noprefix", "clone_children", "xattr", "cpuset_v2_mode", "favordynmods",
	"none", "all",
};

static char *controllers_from_superopts(const char *s, size_t len)
{
	struct strbuf sb = STRBUF_INIT(4096);
	const char *p = s, *end = s + len;

	while (p < end) {
		const char *c = memchr(p, ',', (size_t) (end - p));
		size_t n = c ? (size_t) (c - p) : (size_t) (end - p);
		bool skip = n == 0 || (n >= strlen("release_agent=") &&
				       strncmp(p, "release_agent=", strlen("release_agent=")) == 0);

		for (size_t i = 0; !skip && i < ELEMENTSOF(v1_mount_options); i++)
			if (strlen(v1_mount_options[i]) == n && strncmp(p, v1_mount_options[i], n) == 0)
				skip = true;
		if (!skip && ((sb.len && strbuf_append(&sb, ",", 1) < 0) || strbuf_append(&sb, p, n) < 0)) {
			strbuf_done(&sb);
			return NULL;
		}
		if (!c)
			break;
		p = c + 1;
	}
	return strbuf_steal(&sb, NULL);
}

void cgroup_mounts_free(struct cgroup_mount *m, size_t n)
{
	for (size_t i = 0; m && i < n; i++) {
		free(m[i].mountpoint);
		free(m[i].controllers);
	}
	free(m);
}

int mountinfo_parse_cgroups(const char *text, struct cgroup_mount **ret, size_t *ret_n)
{
	struct cgroup_mount *m = NULL;
	size_t n = 0;

	for (const char *l = text; l && *l; l = next_line(l)) {
		const char *eol = strchrnul(l, '\n'), *f[5], *p = l, *sep, *fstype, *src, *opts;
		size_t flen[5];
		struct cgroup_mount *nm;
		bool unified;

		/* fields: id parent maj:min root mountpoint ... " - " fstype source superopts */
		for (int i = 0; i < 5; i++) {
			while (p < eol && *p == ' ')
				p++;
			f[i] = p;
			while (p < eol && *p != ' ')
				p++;
			flen[i] = (size_t) (p - f[i]);
			if (flen[i] == 0)
				goto bad;
		}
		sep = strstr(p, " - ");
		if (!sep || sep >= eol)
			goto bad;
		fstype = sep + 3;
		src = memchr(fstype, ' ', (size_t) (eol - fstype));
		if (!src)
			goto bad;
		opts = memchr(src + 1, ' ', (size_t) (eol - src - 1));
		if (!opts)
			goto bad;
		opts++;
		if ((size_t) (src - fstype) == strlen("cgroup2") && !strncmp(fstype, "cgroup2", 7))
			unified = true;
		else if ((size_t) (src - fstype) == strlen("cgroup") && !strncmp(fstype, "cgroup", 6))
			unified = false;
		else
			continue;
		if (flen[3] != 1 || f[3][0] != '/')
			continue;	/* a bind mount of a subtree is not a whole hierarchy */
		nm = realloc(m, (n + 1) * sizeof(*m));
		if (!nm)
			goto oom;
		m = nm;
		m[n] = (struct cgroup_mount) { .unified = unified };
		m[n].mountpoint = unescape_field(f[4], flen[4]);
		if (!m[n].mountpoint)
			goto oom;
		if (!unified) {
			m[n].controllers = controllers_from_superopts(opts, (size_t) (eol - opts));
			if (!m[n].controllers) {
				free(m[n].mountpoint);
				goto oom;
			}
		}
		n++;
	}
	*ret = m;
	*ret_n = n;
	return 0;
bad:
	cgroup_mounts_free(m, n);
	return -EBADMSG;
oom:
	cgroup_mounts_free(m, n);
	return -ENOMEM;
}
