/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Container runtime through child processes: lxlaunch --local, lxc-freeze, the LXC busybox
 * template, criu (instance-rt.h). */
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "instance-rt.h"
#include "log.h"
#include "mgr.h"
#include "parse-util.h"

#define LXC_TEMPLATE_DIR "/usr/share/lxc/templates"
#define LXLAUNCH_EXIT_NOT_FOUND 3	/* launcher/cli/lxlaunch.c */
#define LXLAUNCH_EXIT_EXISTS 4

static const char *const status_names[INST_STATUS_MAX] = {
	[INST_STOPPED] = "Stopped", [INST_RUNNING] = "Running", [INST_FROZEN] = "Frozen",
};
static const int status_codes[INST_STATUS_MAX] = {
	[INST_STOPPED] = 102, [INST_RUNNING] = 103, [INST_FROZEN] = 110,
};

const char *inst_status_to_string(enum inst_status s)
{
	return s >= 0 && s < INST_STATUS_MAX ? status_names[s] : "Error";
}

int inst_status_code(enum inst_status s)
{
	return s >= 0 && s < INST_STATUS_MAX ? status_codes[s] : 112;
}

char *inst_rt_lxcpath(struct mgr *m)
{
	return mgr_path(m, "containers", NULL);
}

static const char *lxlaunch_bin(void)
{
	const char *e = getenv("LXKIT_LXLAUNCH");

	return e && *e ? e : "lxlaunch";
}

/* One line out of a tool's stderr: newlines as "; ", trailing blanks dropped */
static char *one_line(const char *text)
{
	g_autofree char *t = g_strstrip(g_strdup(text ? text : ""));
	g_auto(GStrv) lines = g_strsplit(t, "\n", -1);

	return g_strjoinv("; ", lines);
}

/* Runs @argv, waits; *ret_exit is its exit status (-1 when killed by a signal). Output
 * captured unless the paths are given (then written there). 0, or -ENOENT / -EIO when it
 * could not be run at all. */
static int spawn(const char *const *argv, const char *stdout_path, const char *stderr_path,
		 char **ret_out, char **ret_errtext, int *ret_exit, char **ret_err)
{
	g_autoptr(GSubprocessLauncher) l = NULL;
	g_autoptr(GSubprocess) p = NULL;
	g_autoptr(GError) gerr = NULL;
	g_autofree char *out = NULL, *errtext = NULL, *cmd = g_strjoinv(" ", (char **) argv);
	GSubprocessFlags flags = G_SUBPROCESS_FLAGS_STDIN_INHERIT;

	log_debug("Running %s", cmd);
	if (!stdout_path)
		flags |= G_SUBPROCESS_FLAGS_STDOUT_PIPE;
	if (!stderr_path)
		flags |= G_SUBPROCESS_FLAGS_STDERR_PIPE;
	l = g_subprocess_launcher_new(flags);
	g_subprocess_launcher_set_stdin_file_path(l, "/dev/null");
	if (stdout_path)
		g_subprocess_launcher_set_stdout_file_path(l, stdout_path);
	if (stderr_path)
		g_subprocess_launcher_set_stderr_file_path(l, stderr_path);
	p = g_subprocess_launcher_spawnv(l, argv, &gerr);
	if (!p) {
		*ret_err = g_strdup_printf("cannot run '%s': %s", argv[0], gerr->message);
		return g_error_matches(gerr, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT) ? -ENOENT : -EIO;
	}
	if (!g_subprocess_communicate_utf8(p, NULL, NULL, stdout_path ? NULL : &out,
					   stderr_path ? NULL : &errtext, &gerr)) {
		*ret_err = g_strdup_printf("cannot read the output of '%s': %s", argv[0], gerr->message);
		return -EIO;
	}
	*ret_exit = g_subprocess_get_if_exited(p) ? g_subprocess_get_exit_status(p) : -1;
	if (ret_out)
		*ret_out = g_steal_pointer(&out);
	if (ret_errtext)
		*ret_errtext = g_steal_pointer(&errtext);
	return 0;
}

/* Runs a tool that must exit 0; else -EIO (or @not_found_errno for exit @not_found_exit)
 * with "@what failed: <its stderr>" */
static int run_ok(const char *const *argv, const char *what, int special_exit, int special_errno,
		  char **ret_out, char **ret_err)
{
	g_autofree char *out = NULL, *errtext = NULL, *line = NULL;
	int r, status = 0;

	r = spawn(argv, NULL, NULL, &out, &errtext, &status, ret_err);
	if (r < 0)
		return r;
	if (status == 0) {
		if (ret_out)
			*ret_out = g_steal_pointer(&out);
		return 0;
	}
	line = one_line(errtext && *errtext ? errtext : out);
	*ret_err = g_strdup_printf("%s failed: %s", what, *line ? line : "(no output)");
	return status == special_exit ? special_errno : -EIO;
}

/* Template config keys lxlaunch sets itself, or that name paths the template assumed */
static bool template_item_skipped(const char *line)
{
	static const char *const keys[] = { "lxc.rootfs.path", "lxc.uts.name", "lxc.cap.drop" };
	const char *p = line;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p || *p == '#')
		return true;
	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
		const char *rest = startswith(p, keys[i]);

		if (rest && (*rest == ' ' || *rest == '\t' || *rest == '='))
			return true;
	}
	return false;
}

int inst_rt_template(const char *template_name, const char *name, const char *rootfs,
		     const char *workdir, char **ret_items, char **ret_err)
{
	g_autofree char *script = NULL, *cfg_path = NULL, *cfg = NULL;
	g_autoptr(GString) items = g_string_new(NULL);
	g_auto(GStrv) lines = NULL;
	g_autoptr(GError) gerr = NULL;
	int r;

	if (!streq(template_name, "busybox")) {
		*ret_err = g_strdup_printf("template '%s' is not supported (only 'busybox')", template_name);
		return -EINVAL;
	}
	script = g_build_filename(LXC_TEMPLATE_DIR, "lxc-busybox", NULL);
	{
		const char *argv[] = { script, "--name", name, "--path", workdir, "--rootfs", rootfs, NULL };

		r = run_ok(argv, "the LXC busybox template", -2, -EIO, NULL, ret_err);
		if (r < 0)
			return r;
	}
	cfg_path = g_build_filename(workdir, "config", NULL);
	if (!g_file_get_contents(cfg_path, &cfg, NULL, &gerr)) {
		*ret_err = g_strdup_printf("the busybox template wrote no config: %s", gerr->message);
		return -EIO;
	}
	lines = g_strsplit(cfg, "\n", -1);
	for (size_t i = 0; lines[i]; i++)
		if (!template_item_skipped(lines[i]))
			g_string_append_printf(items, "%s\n", lines[i]);
	*ret_items = g_string_free(g_steal_pointer(&items), FALSE);
	return 0;
}

int inst_rt_create(struct mgr *m, const char *name, const char *rootfs,
		   const struct inst_limits *limits, const char *extra_items, char **ret_err)
{
	g_autofree char *lxcpath = inst_rt_lxcpath(m), *cfg_path = NULL;
	g_autofree char *mem = NULL, *pids = NULL;
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	int r;

	g_ptr_array_add(argv, (char *) lxlaunch_bin());
	g_ptr_array_add(argv, "create");
	g_ptr_array_add(argv, "--local");
	g_ptr_array_add(argv, "--lxcpath");
	g_ptr_array_add(argv, lxcpath);
	g_ptr_array_add(argv, "--rootfs");
	g_ptr_array_add(argv, (char *) rootfs);
	if (limits && limits->memory) {
		mem = g_strdup_printf("%" G_GUINT64_FORMAT, limits->memory);
		g_ptr_array_add(argv, "--memory");
		g_ptr_array_add(argv, mem);
	}
	if (limits && limits->cpuset) {
		g_ptr_array_add(argv, "--cpuset");
		g_ptr_array_add(argv, limits->cpuset);
	}
	if (limits && limits->processes) {
		pids = g_strdup_printf("%" G_GUINT64_FORMAT, limits->processes);
		g_ptr_array_add(argv, "--pids");
		g_ptr_array_add(argv, pids);
	}
	g_ptr_array_add(argv, (char *) name);
	g_ptr_array_add(argv, NULL);
	if (g_mkdir_with_parents(lxcpath, 0711) < 0) {
		*ret_err = g_strdup_printf("cannot create '%s': %s", lxcpath, g_strerror(errno));
		return -errno;
	}
	r = run_ok((const char *const *) argv->pdata, "defining the LXC container",
		   LXLAUNCH_EXIT_EXISTS, -EEXIST, NULL, ret_err);
	if (r < 0)
		return r;
	if (extra_items && *extra_items) {
		g_autofree char *old = NULL, *text = NULL;
		g_autoptr(GError) gerr = NULL;

		cfg_path = g_build_filename(lxcpath, name, "config", NULL);
		if (!g_file_get_contents(cfg_path, &old, NULL, &gerr) ||
		    !(text = g_strconcat(old, extra_items, NULL)) ||
		    !g_file_set_contents(cfg_path, text, -1, &gerr)) {
			g_autofree char *e = NULL;

			*ret_err = g_strdup_printf("cannot add the template's items to '%s': %s", cfg_path,
						   gerr ? gerr->message : "out of memory");
			(void) inst_rt_destroy(m, name, &e);
			return -EIO;
		}
	}
	return 0;
}

int inst_rt_destroy(struct mgr *m, const char *name, char **ret_err)
{
	g_autofree char *lxcpath = inst_rt_lxcpath(m), *cfg = NULL;
	const char *argv[] = { lxlaunch_bin(), "delete", "--local", "--lxcpath", lxcpath, name, NULL };
	int r;

	cfg = g_build_filename(lxcpath, name, "config", NULL);
	if (access(cfg, F_OK) < 0 && errno == ENOENT)
		return 0;
	r = run_ok(argv, "removing the LXC container", LXLAUNCH_EXIT_NOT_FOUND, -ENOENT, NULL, ret_err);
	if (r == -ENOENT) {
		g_clear_pointer(ret_err, g_free);
		return 0;
	}
	return r;
}

int inst_rt_state(struct mgr *m, const char *name, enum inst_status *ret_status, pid_t *ret_pid,
		  char **ret_err)
{
	g_autofree char *lxcpath = inst_rt_lxcpath(m), *out = NULL;
	const char *argv[] = { lxlaunch_bin(), "info", "--local", "--lxcpath", lxcpath, name, NULL };
	g_auto(GStrv) lines = NULL;
	enum inst_status st = INST_STATUS_INVALID;
	pid_t pid = 0;
	int r;

	r = run_ok(argv, "reading the container's state", LXLAUNCH_EXIT_NOT_FOUND, -ENOENT, &out, ret_err);
	if (r < 0)
		return r;
	lines = g_strsplit(out, "\n", -1);
	for (size_t i = 0; lines[i]; i++) {
		const char *v;
		uint64_t n;

		if ((v = startswith(lines[i], "State: "))) {
			if (streq(v, "RUNNING"))
				st = INST_RUNNING;
			else if (streq(v, "FROZEN") || streq(v, "FREEZING"))
				st = INST_FROZEN;
			else if (streq(v, "STOPPED") || streq(v, "STOPPING") || streq(v, "ABORTING"))
				st = INST_STOPPED;
			else if (streq(v, "STARTING") || streq(v, "THAWED"))
				st = INST_RUNNING;
		} else if ((v = startswith(lines[i], "PID: ")) && safe_atou64(v, &n) >= 0 && n < INT32_MAX) {
			pid = (pid_t) n;
		}
	}
	if (st < 0) {
		*ret_err = g_strdup_printf("lxlaunch info gave no state for '%s'", name);
		return -EIO;
	}
	*ret_status = st;
	if (ret_pid)
		*ret_pid = st == INST_STOPPED ? 0 : pid;
	return 0;
}

int inst_rt_start(struct mgr *m, const char *name, char **ret_err)
{
	g_autofree char *lxcpath = inst_rt_lxcpath(m);
	const char *argv[] = { lxlaunch_bin(), "start", "--local", "--lxcpath", lxcpath, name, NULL };

	return run_ok(argv, "starting the container", LXLAUNCH_EXIT_NOT_FOUND, -ENOENT, NULL, ret_err);
}

int inst_rt_stop(struct mgr *m, const char *name, int timeout_s, char **ret_err)
{
	g_autofree char *lxcpath = inst_rt_lxcpath(m), *t = g_strdup_printf("%d", timeout_s);
	const char *argv[] = { lxlaunch_bin(), "stop", "--local", "--lxcpath", lxcpath, "--timeout", t,
			       name, NULL };
	enum inst_status st;
	int r;

	/* a frozen container cannot act on its shutdown signal: thaw it first */
	if (inst_rt_state(m, name, &st, NULL, ret_err) >= 0 && st == INST_FROZEN) {
		r = inst_rt_unfreeze(m, name, ret_err);
		if (r < 0)
			return r;
	}
	g_clear_pointer(ret_err, g_free);
	return run_ok(argv, "stopping the container", LXLAUNCH_EXIT_NOT_FOUND, -ENOENT, NULL, ret_err);
}

int inst_rt_freeze(struct mgr *m, const char *name, char **ret_err)
{
	g_autofree char *lxcpath = inst_rt_lxcpath(m);
	const char *argv[] = { "lxc-freeze", "-P", lxcpath, "-n", name, NULL };

	return run_ok(argv, "freezing the container", -2, -EIO, NULL, ret_err);
}

int inst_rt_unfreeze(struct mgr *m, const char *name, char **ret_err)
{
	g_autofree char *lxcpath = inst_rt_lxcpath(m);
	const char *argv[] = { "lxc-unfreeze", "-P", lxcpath, "-n", name, NULL };

	return run_ok(argv, "thawing the container", -2, -EIO, NULL, ret_err);
}

int inst_rt_exec(struct mgr *m, const char *name, const char *const *argv,
		 const char *stdout_path, const char *stderr_path, int *ret_status, char **ret_err)
{
	g_autofree char *lxcpath = inst_rt_lxcpath(m);
	g_autoptr(GPtrArray) a = g_ptr_array_new();
	int r, status = 0;

	g_ptr_array_add(a, (char *) lxlaunch_bin());
	g_ptr_array_add(a, "exec");
	g_ptr_array_add(a, "--local");
	g_ptr_array_add(a, "--lxcpath");
	g_ptr_array_add(a, lxcpath);
	g_ptr_array_add(a, (char *) name);
	g_ptr_array_add(a, "--");
	for (size_t i = 0; argv[i]; i++)
		g_ptr_array_add(a, (char *) argv[i]);
	g_ptr_array_add(a, NULL);
	r = spawn((const char *const *) a->pdata, stdout_path, stderr_path, NULL, NULL, &status, ret_err);
	if (r < 0)
		return r;
	if (status < 0) {
		*ret_err = g_strdup("lxlaunch exec was killed");
		return -EIO;
	}
	/* 125: lxlaunch itself failed (its message is in the stderr file) */
	if (status == 125) {
		g_autofree char *text = NULL;

		(void) g_file_get_contents(stderr_path, &text, NULL, NULL);
		*ret_err = g_strdup_printf("running the command failed: %s",
					   text ? g_strstrip(text) : "(no output)");
		return -EIO;
	}
	*ret_status = status;
	return 0;
}

/* The cgroup v1 path of @controller for @pid (or the v2 path when none is mounted apart) */
static char *cgroup_dir(pid_t pid, const char *controller)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/cgroup", (int) pid), *text = NULL;
	g_auto(GStrv) lines = NULL;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return NULL;
	lines = g_strsplit(text, "\n", -1);
	for (size_t i = 0; lines[i]; i++) {
		g_auto(GStrv) f = g_strsplit(lines[i], ":", 3);
		g_auto(GStrv) ctrls = NULL;

		if (g_strv_length(f) != 3)
			continue;
		ctrls = g_strsplit(f[1], ",", -1);
		if (g_strv_contains((const char *const *) ctrls, controller))
			return g_strdup_printf("/sys/fs/cgroup/%s%s", controller, f[2]);
	}
	return NULL;
}

void inst_rt_usage(pid_t init_pid, unsigned *ret_processes, guint64 *ret_memory)
{
	g_autofree char *mem = NULL, *pids = NULL, *text = NULL, *p = NULL;
	uint64_t n;

	*ret_processes = 0;
	*ret_memory = 0;
	if (init_pid <= 0)
		return;
	mem = cgroup_dir(init_pid, "memory");
	p = mem ? g_build_filename(mem, "memory.usage_in_bytes", NULL) : NULL;
	if (p && g_file_get_contents(p, &text, NULL, NULL) && safe_atou64(text, &n) >= 0)
		*ret_memory = n;
	g_clear_pointer(&p, g_free);
	g_clear_pointer(&text, g_free);
	pids = cgroup_dir(init_pid, "pids");
	p = pids ? g_build_filename(pids, "pids.current", NULL) : NULL;
	if (p && g_file_get_contents(p, &text, NULL, NULL) && safe_atou64(text, &n) >= 0 && n < G_MAXUINT)
		*ret_processes = (unsigned) n;
}

int inst_rt_criu_usable(char **ret_reason)
{
	static GMutex lock;
	static bool probed;
	static int result;
	static char *reason;
	int r;

	g_mutex_lock(&lock);
	if (!probed) {
		g_autofree char *out = NULL, *errtext = NULL, *err = NULL;
		const char *argv[] = { "criu", "check", NULL };
		int status = 0;

		if (!g_find_program_in_path("criu")) {
			result = -EOPNOTSUPP;
			reason = g_strdup("criu not found in PATH (Debian package 'criu')");
		} else if (spawn(argv, NULL, NULL, &out, &errtext, &status, &err) < 0) {
			result = -EOPNOTSUPP;
			reason = g_strdup_printf("'criu check' could not run: %s", err);
		} else if (status != 0) {
			g_auto(GStrv) lines = g_strsplit(errtext && *errtext ? errtext : out ? out : "", "\n", -1);
			const char *first = "";

			/* the first "Error (...)" line names the cause */
			for (size_t i = 0; lines[i]; i++)
				if (*g_strstrip(lines[i])) {
					if (!*first)
						first = lines[i];
					if (startswith(lines[i], "Error")) {
						first = lines[i];
						break;
					}
				}
			result = -EOPNOTSUPP;
			reason = g_strdup_printf("'criu check' failed on this kernel: %s",
						 *first ? first : "(no output)");
		} else {
			result = 0;
		}
		probed = true;
		if (result < 0)
			log_warning("Stateful snapshots are unavailable: %s", reason);
	}
	r = result;
	if (r < 0 && ret_reason)
		*ret_reason = g_strdup(reason);
	g_mutex_unlock(&lock);
	return r;
}
