/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Container runtime through child processes: lxlaunch --local, lxc-freeze, the LXC busybox
 * template, criu (instance-rt.h). */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "instance-rt.h"
#include "log.h"
#include "mgr.h"
#include "devices.h"
#include "vm.h"
#include "parse-util.h"

#define LXC_TEMPLATE_DIR "/usr/share/lxc/templates"
#define LXLAUNCH_EXIT_NOT_FOUND 3	/* launcher/cli/lxlaunch.c */
#define LXLAUNCH_EXIT_EXISTS 4

static const char *const status_names[INST_STATUS_MAX] = {
	[INST_STOPPED] = "Stopped", [INST_RUNNING] = "Running", [INST_FROZEN] = "Frozen",
	[INST_WAITING] = "Waiting",
};
static const int status_codes[INST_STATUS_MAX] = {
	[INST_STOPPED] = 102, [INST_RUNNING] = 103, [INST_FROZEN] = 110, [INST_WAITING] = 114,
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

/* Runs @argv (stdin /dev/null), waits; *ret_exit is its exit status (-1 when killed by a
 * signal). Output captured unless the paths are given (then written there). 0, or -ENOENT /
 * -EIO when it could not be run at all. g_spawn rather than GSubprocess: GSubprocessLauncher
 * from several worker threads trips glib's "GSubprocessFlags unreferenced too often". */
static int spawn(const char *const *argv, const char *stdout_path, const char *stderr_path,
		 char **ret_out, char **ret_errtext, int *ret_exit, char **ret_err)
{
	g_autoptr(GError) gerr = NULL;
	g_autofree char *out = NULL, *errtext = NULL, *cmd = g_strjoinv(" ", (char **) argv);
	int status = 0;

	log_debug("Running %s", cmd);
	if (stdout_path || stderr_path) {
		int ofd = -1, efd = -1;
		GPid pid;
		bool ok;

		if (stdout_path)
			ofd = open(stdout_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (stderr_path)
			efd = open(stderr_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if ((stdout_path && ofd < 0) || (stderr_path && efd < 0)) {
			int r = -errno;

			*ret_err = g_strdup_printf("cannot create the output files of '%s': %s", argv[0],
						   g_strerror(-r));
			if (ofd >= 0)
				close(ofd);
			if (efd >= 0)
				close(efd);
			return r;
		}
		ok = g_spawn_async_with_pipes_and_fds(NULL, argv, NULL,
						      G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
						      G_SPAWN_STDIN_FROM_DEV_NULL, NULL, NULL, -1, ofd, efd,
						      NULL, NULL, 0, &pid, NULL, NULL, NULL, &gerr);
		if (ofd >= 0)
			close(ofd);
		if (efd >= 0)
			close(efd);
		if (!ok) {
			*ret_err = g_strdup_printf("cannot run '%s': %s", argv[0], gerr->message);
			return g_error_matches(gerr, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT) ? -ENOENT : -EIO;
		}
		while (waitpid(pid, &status, 0) < 0) {
			if (errno != EINTR) {
				*ret_err = g_strdup_printf("cannot wait for '%s': %s", argv[0], g_strerror(errno));
				g_spawn_close_pid(pid);
				return -EIO;
			}
		}
		g_spawn_close_pid(pid);
	} else if (!g_spawn_sync(NULL, (char **) argv, NULL,
				 G_SPAWN_SEARCH_PATH | G_SPAWN_CLOEXEC_PIPES | G_SPAWN_STDIN_FROM_DEV_NULL,
				 NULL, NULL, &out, &errtext, &status, &gerr)) {
		*ret_err = g_strdup_printf("cannot run '%s': %s", argv[0], gerr->message);
		return g_error_matches(gerr, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT) ? -ENOENT : -EIO;
	}
	*ret_exit = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
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

/* lxlaunch create ... under @lxcpath */
static int define(const char *lxcpath, const char *name, const char *rootfs,
		  const struct inst_limits *limits, char **ret_err)
{
	g_autofree char *mem = NULL, *pids = NULL;
	g_autoptr(GPtrArray) argv = g_ptr_array_new();

	g_ptr_array_add(argv, (char *) lxlaunch_bin());
	g_ptr_array_add(argv, "create");
	g_ptr_array_add(argv, "--local");
	g_ptr_array_add(argv, "--lxcpath");
	g_ptr_array_add(argv, (char *) lxcpath);
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
	return run_ok((const char *const *) argv->pdata, "defining the LXC container",
		      LXLAUNCH_EXIT_EXISTS, -EEXIST, NULL, ret_err);
}

int inst_rt_create(struct mgr *m, const char *name, const char *rootfs,
		   const struct inst_limits *limits, const char *extra_items, char **ret_err)
{
	g_autofree char *lxcpath = inst_rt_lxcpath(m), *cfg_path = NULL;
	int r;

	r = define(lxcpath, name, rootfs, limits, ret_err);
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

/* Replaces every occurrence of @from in @text by @to */
static char *replace_all(const char *text, const char *from, const char *to)
{
	g_auto(GStrv) parts = g_strsplit(text, from, -1);

	return g_strjoinv(to, parts);
}

int inst_rt_redefine(struct mgr *m, const char *name, const char *rootfs,
		     const struct inst_limits *limits, const char *extra_items, const char *workdir,
		     char **ret_err)
{
	g_autofree char *lxcpath = inst_rt_lxcpath(m);
	g_autofree char *tdir = g_build_filename(workdir, name, NULL);
	g_autofree char *ddir = g_build_filename(lxcpath, name, NULL);
	g_autofree char *tprefix = g_strconcat(tdir, "/", NULL), *dprefix = g_strconcat(ddir, "/", NULL);
	g_autoptr(GDir) d = NULL;
	g_autoptr(GError) gerr = NULL;
	const char *e;
	int r;

	r = define(workdir, name, rootfs, limits, ret_err);
	if (r < 0)
		return r;
	/* the new files, with paths into the scratch lxcpath pointed at the real one, are
	 * written beside the old ones and renamed over them (config last) */
	d = g_dir_open(tdir, 0, &gerr);
	if (!d) {
		*ret_err = g_strdup_printf("cannot read '%s': %s", tdir, gerr->message);
		return -EIO;
	}
	for (int pass = 0; pass < 2; pass++) {
		g_dir_rewind(d);
		while ((e = g_dir_read_name(d))) {
			g_autofree char *src = g_build_filename(tdir, e, NULL), *dst = g_build_filename(ddir, e, NULL);
			g_autofree char *text = NULL, *fixed = NULL, *all = NULL;
			bool is_config = streq(e, "config");

			if ((pass == 0) == is_config || !g_file_test(src, G_FILE_TEST_IS_REGULAR))
				continue;
			if (!g_file_get_contents(src, &text, NULL, &gerr)) {
				*ret_err = g_strdup_printf("cannot read '%s': %s", src, gerr->message);
				return -EIO;
			}
			fixed = replace_all(text, tprefix, dprefix);
			all = is_config && extra_items ? g_strconcat(fixed, extra_items, NULL) : g_strdup(fixed);
			if (!g_file_set_contents(dst, all, -1, &gerr)) {
				*ret_err = g_strdup_printf("cannot write '%s': %s", dst, gerr->message);
				return -EIO;
			}
		}
	}
	{
		/* the scratch definition goes; its rootfs is not LXC's (rootfs.managed = 0) */
		const char *argv[] = { lxlaunch_bin(), "delete", "--local", "--lxcpath", workdir, name, NULL };
		g_autofree char *e2 = NULL;

		if (run_ok(argv, "removing the scratch definition", -2, -EIO, NULL, &e2) < 0)
			log_warning("Failed to remove the scratch definition of '%s': %s", name, e2);
	}
	return 0;
}

static int cgroup_set(const char *lxcpath, const char *name, const char *key, const char *value,
		      char **ret_err)
{
	/* "--": a value of "-1" is not an option */
	const char *argv[] = { "lxc-cgroup", "-P", lxcpath, "-n", name, "--", key, value, NULL };
	g_autofree char *what = g_strdup_printf("setting %s to %s", key, value);

	return run_ok(argv, what, -2, -EIO, NULL, ret_err);
}

static char *cgroup_dir(pid_t pid, const char *controller);

int inst_rt_apply_limits(struct mgr *m, const char *name, pid_t pid,
			 const struct inst_limits *limits, char **ret_err)
{
	g_autofree char *lxcpath = inst_rt_lxcpath(m), *mem_dir = cgroup_dir(pid, "memory");
	g_autofree char *mem = NULL, *pids = NULL, *online = NULL;
	bool v1 = mem_dir != NULL;
	int r;

	mem = limits->memory ? g_strdup_printf("%" G_GUINT64_FORMAT, limits->memory)
			     : g_strdup(v1 ? "-1" : "max");
	r = cgroup_set(lxcpath, name, v1 ? "memory.limit_in_bytes" : "memory.max", mem, ret_err);
	if (r < 0)
		return r;
	pids = limits->processes ? g_strdup_printf("%" G_GUINT64_FORMAT, limits->processes) : g_strdup("max");
	r = cgroup_set(lxcpath, name, "pids.max", pids, ret_err);
	if (r < 0)
		return r;
	if (!limits->cpuset && !g_file_get_contents("/sys/devices/system/cpu/online", &online, NULL, NULL)) {
		*ret_err = g_strdup("cannot read /sys/devices/system/cpu/online");
		return -EIO;
	}
	return cgroup_set(lxcpath, name, "cpuset.cpus", limits->cpuset ? limits->cpuset : g_strstrip(online),
			  ret_err);
}

int inst_rt_destroy(struct mgr *m, const char *name, char **ret_err)
{
	if (vm_is_vm(m, name))	/* issue 10: VMs run in vm.c */
		return vm_rt_destroy(m, name, ret_err);
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
	if (vm_is_vm(m, name))
		return vm_rt_state(m, name, ret_status, ret_pid, ret_err);
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

static int inst_rt_start_devices(struct mgr *m, const char *name, char **ret_err)
{
	enum inst_status st;
	pid_t pid = 0;
	int r;

	r = inst_rt_state(m, name, &st, &pid, ret_err);
	if (r >= 0 && pid > 0)
		r = devices_ct_start_all(m, name, pid, ret_err);
	if (r < 0) {
		g_autofree char *e2 = NULL;

		(void) inst_rt_stop(m, name, 0, &e2);
	}
	return r;
}

int inst_rt_start(struct mgr *m, const char *name, char **ret_err)
{
	int r;

	if (vm_is_vm(m, name))
		return vm_rt_start(m, name, ret_err);
	g_autofree char *lxcpath = inst_rt_lxcpath(m);
	const char *argv[] = { lxlaunch_bin(), "start", "--local", "--lxcpath", lxcpath, name, NULL };

	r = run_ok(argv, "starting the container", LXLAUNCH_EXIT_NOT_FOUND, -ENOENT, NULL, ret_err);
	if (r >= 0)	/* issue 10: stored devices, by the hotplug code (devices.c) */
		r = inst_rt_start_devices(m, name, ret_err);
	return r;
}

int inst_rt_stop(struct mgr *m, const char *name, int timeout_s, char **ret_err)
{
	if (vm_is_vm(m, name))
		return vm_rt_stop(m, name, timeout_s, ret_err);
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
	if (vm_is_vm(m, name))
		return vm_rt_freeze(m, name, ret_err);
	g_autofree char *lxcpath = inst_rt_lxcpath(m);
	const char *argv[] = { "lxc-freeze", "-P", lxcpath, "-n", name, NULL };

	return run_ok(argv, "freezing the container", -2, -EIO, NULL, ret_err);
}

int inst_rt_unfreeze(struct mgr *m, const char *name, char **ret_err)
{
	if (vm_is_vm(m, name))
		return vm_rt_unfreeze(m, name, ret_err);
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
