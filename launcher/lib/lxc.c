/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Container operations through the liblxc API: the only file that includes
 * <lxc/lxccontainer.h> (STYLE.md §1). Host probes for the config translation live here too;
 * the translation itself is pure (lxcconf.c). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <lxc/lxccontainer.h>

#include "cleanup.h"
#include "lxcconf.h"
#include "fileio.h"
#include "lxc.h"
#include "parse-util.h"
#include "security.h"

#ifndef LXL_HOOKDIR
#error "LXL_HOOKDIR must be defined by meson (get_option('hookdir'))"
#endif
#ifndef LXL_LXCFS_MOUNTPOINT
#error "LXL_LXCFS_MOUNTPOINT must be defined by meson (get_option('lxcfs_mountpoint'))"
#endif

#define SMALL_FILE_MAX (1U << 20)
#define CGROUP_WALK_DEPTH 6	/* how deep below a hierarchy's root LXC's cgroups are looked for */
#define START_WAIT_S 10
#define CGROUP_CLEANUP_TRIES 50		/* 5 s in all */
#define CGROUP_CLEANUP_WAIT_US 100000
#define EXEC_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static void lxc_container_putp(struct lxc_container **c)
{
	if (*c)
		(void) lxc_container_put(*c);
}
#define _cleanup_container_ _cleanup_(lxc_container_putp)

static char *read_text(const char *path)
{
	char *text = NULL;

	if (read_full_at(AT_FDCWD, path, SMALL_FILE_MAX, &text, NULL) < 0)
		return NULL;
	return text;
}

int lxl_host_probe(const struct lxl_spec *spec, struct lxl_host *ret)
{
	static const struct {
		const char *v1, *v2;
	} names[LXL_CTRL_MAX] = {
		[LXL_CTRL_MEMORY] = { "memory", "memory" }, [LXL_CTRL_CPU] = { "cpu", "cpu" },
		[LXL_CTRL_CPUSET] = { "cpuset", "cpuset" }, [LXL_CTRL_PIDS] = { "pids", "pids" },
		[LXL_CTRL_IO] = { "blkio", "io" },
	};
	_cleanup_free_ char *cgroups = read_text("/proc/cgroups");
	_cleanup_free_ char *unified = read_text("/sys/fs/cgroup/cgroup.controllers");
	_cleanup_free_ char *subuid = read_text("/etc/subuid");
	_cleanup_free_ char *subgid = read_text("/etc/subgid");
	_cleanup_free_ char *meminfo = NULL;
	struct lxl_host h = { .hookdir = LXL_HOOKDIR };
	const char *dir = spec->lxcfs_dir ?: LXL_LXCFS_MOUNTPOINT;

	if (!cgroups)
		return -errno ?: -EIO;
	if (!unified)	/* hybrid layout: the unified hierarchy sits below */
		unified = read_text("/sys/fs/cgroup/unified/cgroup.controllers");
	for (int i = 0; i < LXL_CTRL_MAX; i++)
		h.cg[i] = lxl_cg_version_parse(cgroups, unified, names[i].v1, names[i].v2);

	h.memsw = access("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes", F_OK) == 0;
	if (h.cg[LXL_CTRL_IO] == LXL_CG_V1) {
		if (access("/sys/fs/cgroup/blkio/blkio.weight", F_OK) == 0)
			h.io_weight_file = "blkio.weight";
		else if (access("/sys/fs/cgroup/blkio/blkio.bfq.weight", F_OK) == 0)
			h.io_weight_file = "blkio.bfq.weight";
	} else if (h.cg[LXL_CTRL_IO] == LXL_CG_V2)
		h.io_weight_file = "io.weight";	/* the root cgroup has no io.weight to probe */

	if (asprintf(&meminfo, "%s/proc/meminfo", dir) < 0)
		return -ENOMEM;
	h.lxcfs = access(meminfo, R_OK) == 0;
	h.apparmor = lsm_get("apparmor")->enabled() == 1;
	h.selinux = lsm_get("selinux")->enabled() == 1;
	if (subuid && lxl_subid_parse(subuid, "root", &h.subuid_start, &h.subuid_count) <= 0)
		h.subuid_count = 0;
	if (subgid && lxl_subid_parse(subgid, "root", &h.subgid_start, &h.subgid_count) <= 0)
		h.subgid_count = 0;
	*ret = h;
	return 0;
}

/* 0 when @br is a bridge, -ENODEV with a message otherwise */
static int check_bridge(const char *br, struct lxl_error *err)
{
	char path[256];
	int r;

	r = snprintf(path, sizeof(path), "/sys/class/net/%s", br);
	if (r < 0 || (size_t) r >= sizeof(path) || access(path, F_OK) < 0)
		return lxl_error_set(err, -ENODEV, "bridge '%s' does not exist", br);
	r = snprintf(path, sizeof(path), "/sys/class/net/%s/bridge", br);
	if (r < 0 || (size_t) r >= sizeof(path) || access(path, F_OK) < 0)
		return lxl_error_set(err, -ENODEV, "network device '%s' is not a bridge", br);
	return 0;
}

static int open_container(const char *lxcpath, const char *name, bool must_exist,
			  struct lxc_container **ret, struct lxl_error *err)
{
	struct lxc_container *c;

	if (!lxl_name_is_valid(name))
		return lxl_error_set(err, -EINVAL, "Invalid container name '%s'", name);
	c = lxc_container_new(name, lxcpath);
	if (!c)
		return lxl_error_set(err, -EIO, "Failed to open container '%s' in '%s'", name, lxcpath);
	if (must_exist && !c->is_defined(c)) {
		lxc_container_put(c);
		return lxl_error_set(err, -ENOENT, "Container '%s' does not exist in '%s'", name, lxcpath);
	}
	*ret = c;
	return 0;
}

static int set_item(struct lxc_container *c, const char *key, const char *value, struct lxl_error *err)
{
	if (!c->set_config_item(c, key, value))
		return lxl_error_set(err, -EINVAL, "LXC rejected the config item '%s = %s'", key, value);
	return 0;
}

/* The container's root is a mapped uid: it must be able to reach its rootfs below @lxcpath,
 * or LXC fails the start with an obscure error. */
static int check_searchable(const char *lxcpath, uint64_t root_uid, struct lxl_error *err)
{
	_cleanup_free_ char *p = strdup(lxcpath);
	struct stat st;

	if (!p)
		return lxl_error_set(err, -ENOMEM, "Out of memory");
	for (;;) {
		char *slash;

		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode) && !(st.st_mode & S_IXOTH))
			return lxl_error_set(err, -EACCES, "Option --userns: the container's root (host uid "
					     "%" PRIu64 ") cannot enter '%s' (mode %04o); make it searchable "
					     "(chmod o+x) or use another --lxcpath", root_uid, p,
					     (unsigned) (st.st_mode & 07777));
		slash = strrchr(p, '/');
		if (!slash || slash == p)
			return 0;
		*slash = 0;
	}
}

#define LXL_SECCOMP_FILENAME "seccomp.profile"

/* Policy built and validated in the parent (STYLE.md 3.10): the lxc.cap.drop text (*ret_cap_drop,
 * "" for none) and the LXC-format seccomp profile (*ret_seccomp, NULL for unconfined). */
static int build_security(const struct lxl_spec *spec, bool notify_sysinfo, char **ret_cap_drop,
			  char **ret_seccomp, struct lxl_error *err)
{
	_cleanup_free_ char *drop = NULL, *unknown = NULL, *profile = NULL;
	struct seccomp_opts o;
	int r;

	r = caps_drop_list_full((const char * const *) spec->cap_drop, (const char * const *) spec->cap_add,
				&drop, &unknown);
	if (r == -EINVAL)
		return lxl_error_set(err, r, "Unknown capability '%s'", unknown ?: "?");
	if (r < 0)
		return lxl_error_set(err, r, "Failed to build the capability list: %s", strerror(-r));

	r = seccomp_opts_from_arg(spec->seccomp == LXL_SECCOMP_UNCONFINED ? "unconfined" :
				  spec->seccomp == LXL_SECCOMP_PROFILE ? spec->seccomp_profile : NULL, &o);
	if (r < 0)
		return lxl_error_set(err, r, "Invalid seccomp profile");
	o.notify_sysinfo = notify_sysinfo && o.kind != SECCOMP_PROFILE_UNCONFINED;
	if (o.kind == SECCOMP_PROFILE_FILE) {
		_cleanup_free_ char *text = NULL;
		unsigned line = 0;

		/* checked here first, so the user gets one line naming the file and the line */
		r = read_full_at(AT_FDCWD, o.path, SMALL_FILE_MAX, &text, NULL);
		if (r == -ENOENT)
			return lxl_error_set(err, r, "Seccomp profile '%s' does not exist", o.path);
		if (r < 0)
			return lxl_error_set(err, r, "Failed to read the seccomp profile '%s': %s", o.path,
					     strerror(-r));
		r = seccomp_profile_check(text, &line);
		if (r == -EINVAL)
			return lxl_error_set(err, r, "Invalid seccomp profile '%s' (line %u)", o.path, line);
	}
	if (o.kind != SECCOMP_PROFILE_UNCONFINED) {
		r = seccomp_profile_build(&o, &profile);
		if (r == -EOPNOTSUPP)
			return lxl_error_set(err, r, "Seccomp filters need libseccomp, which this lxlaunch "
					     "was built without (use --seccomp unconfined)");
		if (r == -ENOENT)
			return lxl_error_set(err, r, "Seccomp profile '%s' does not exist", o.path);
		if (r < 0)
			return lxl_error_set(err, r == -ENOMEM ? r : -EINVAL, "Invalid seccomp profile '%s'",
					     o.path ?: "default");
	}
	*ret_cap_drop = TAKE_PTR(drop);
	*ret_seccomp = TAKE_PTR(profile);
	return 0;
}

/* Writes the profile next to the container's config and points lxc.seccomp.profile at it. */
static int install_seccomp(struct lxc_container *c, const char *lxcpath, const char *name,
			   const char *text, struct lxl_error *err)
{
	_cleanup_free_ char *dir = NULL, *path = NULL;
	_cleanup_close_ int dfd = -EBADF;
	int r;

	if (asprintf(&dir, "%s/%s", lxcpath, name) < 0 ||
	    asprintf(&path, "%s/" LXL_SECCOMP_FILENAME, dir) < 0)
		return lxl_error_set(err, -ENOMEM, "Out of memory");
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return lxl_error_set(err, -errno, "Failed to open '%s': %m", dir);
	r = seccomp_profile_write_at(dfd, LXL_SECCOMP_FILENAME, text);
	if (r < 0)
		return lxl_error_set(err, r, "Failed to write '%s': %s", path, strerror(-r));
	return set_item(c, "lxc.seccomp.profile", path, err);
}

int lxl_create(const struct lxl_spec *spec, const char *lxcpath, const char *sysinfo_proxy,
	       struct lxl_error *err)
{
	_cleanup_container_ struct lxc_container *c = NULL;
	_cleanup_(lxl_items_done) struct lxl_items items = {};
	_cleanup_free_ char *rootfs_item = NULL, *cap_drop = NULL, *seccomp_text = NULL, *proxy_item = NULL;
	struct lxl_host host;
	struct stat st;
	char *argv[] = { NULL };
	bool created = false;
	int r;

	if (!spec->name)
		return lxl_error_set(err, -EINVAL, "No container name given");
	/* everything that can be checked is checked before anything is created */
	if (spec->rootfs) {
		if (stat(spec->rootfs, &st) < 0)
			return lxl_error_set(err, -ENOENT, "Rootfs '%s' does not exist", spec->rootfs);
		if (!S_ISDIR(st.st_mode))
			return lxl_error_set(err, -ENOENT, "Rootfs '%s' is not a directory", spec->rootfs);
	}
	if (spec->network == LXL_NET_BRIDGE) {
		r = check_bridge(spec->bridge, err);
		if (r < 0)
			return r;
	}
	if (spec->seccomp == LXL_SECCOMP_PROFILE && access(spec->seccomp_profile, R_OK) < 0)
		return lxl_error_set(err, -ENOENT, "Seccomp profile '%s' does not exist",
				     spec->seccomp_profile);
	r = lxl_host_probe(spec, &host);
	if (r < 0)
		return lxl_error_set(err, r, "Failed to probe the host's cgroups: %s", strerror(-r));
	r = lxl_config_items(spec, &host, &items, err);
	if (r < 0)
		return r;
	if (spec->userns) {
		r = check_searchable(lxcpath, host.subuid_start, err);
		if (r < 0)
			return r;
	}
	r = build_security(spec, sysinfo_proxy != NULL, &cap_drop, &seccomp_text, err);
	if (r < 0)
		return r;
	if (sysinfo_proxy && seccomp_text) {
		if (asprintf(&proxy_item, "unix:%s", sysinfo_proxy) < 0)
			return lxl_error_set(err, -ENOMEM, "Out of memory");
		r = lxl_items_add(&items, "lxc.seccomp.notify.proxy", proxy_item);
		if (r < 0)
			return lxl_error_set(err, r, "Out of memory");
	}

	r = open_container(lxcpath, spec->name, false, &c, err);
	if (r < 0)
		return r;
	if (c->is_defined(c))
		return lxl_error_set(err, -EEXIST, "Container '%s' already exists in '%s'", spec->name, lxcpath);

	/* Setting an item before create() gives the container an empty config, so LXC's
	 * default.conf (a bridge lxcbr0 that need not exist, a generated AppArmor profile) is
	 * not loaded. The capability list is set after the template ran: the busybox template
	 * appends its own lxc.cap.drop line, which ours replaces. */
	for (size_t i = 0; i < items.n; i++) {
		if (streq(items.kv[2 * i], "lxc.cap.drop"))
			continue;
		r = set_item(c, items.kv[2 * i], items.kv[2 * i + 1], err);
		if (r < 0)
			return r;
	}
	if (spec->rootfs) {
		if (asprintf(&rootfs_item, "dir:%s", spec->rootfs) < 0)
			return lxl_error_set(err, -ENOMEM, "Out of memory");
		r = set_item(c, "lxc.rootfs.path", rootfs_item, err);
		if (r < 0)
			return r;
		r = set_item(c, "lxc.uts.name", spec->name, err);
		if (r < 0)
			return r;
		/* the user's directory: destroy() must not delete it */
		r = set_item(c, "lxc.rootfs.managed", "0", err);
		if (r < 0)
			return r;
	}

	if (!c->create(c, spec->template_name, NULL, NULL, LXC_CREATE_QUIET, argv)) {
		r = lxl_error_set(err, -EIO, "Failed to create container '%s'%s%s", spec->name,
				  spec->template_name ? " with the template " : "",
				  spec->template_name ?: "");
		goto fail;
	}
	created = true;

	if (!c->clear_config_item(c, "lxc.cap.drop")) {
		r = lxl_error_set(err, -EIO, "Failed to reset the capability list of '%s'", spec->name);
		goto fail;
	}
	if (*cap_drop) {	/* "": nothing dropped, no item at all */
		r = set_item(c, "lxc.cap.drop", cap_drop, err);
		if (r < 0)
			goto fail;
	}
	if (seccomp_text) {
		r = install_seccomp(c, lxcpath, spec->name, seccomp_text, err);
		if (r < 0)
			goto fail;
	}
	if (!c->save_config(c, NULL)) {
		r = lxl_error_set(err, -EIO, "Failed to save the config of '%s'", spec->name);
		goto fail;
	}
	return 0;

fail:
	if (created || c->is_defined(c))
		(void) c->destroy(c);
	return r;
}

/* Removes @fd's subdirectory @name and everything below it (cgroup directories only hold
 * kernel files, which rmdir ignores). Returns the number of directories removed. */
static int rmdir_tree_at(int parent_fd, const char *name, int depth)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int fd, n = 0;

	if (depth > CGROUP_WALK_DEPTH)
		return 0;
	fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	while ((de = readdir(d)))
		if (de->d_type == DT_DIR && !streq(de->d_name, ".") && !streq(de->d_name, ".."))
			n += rmdir_tree_at(dirfd(d), de->d_name, depth + 1);
	closedir(TAKE_PTR(d));
	if (unlinkat(parent_fd, name, AT_REMOVEDIR) == 0)
		n++;
	return n;
}

/* Is @dname LXC's lxc.monitor.NAME / lxc.payload.NAME, or one of its NAME-N retries? */
static bool is_lxc_cgroup_of(const char *dname, const char *name)
{
	const char *rest = startswith(dname, "lxc.monitor.");

	if (!rest)
		rest = startswith(dname, "lxc.payload.");
	if (!rest || !(rest = startswith(rest, name)))
		return false;
	if (*rest == 0)
		return true;
	if (*rest++ != '-' || !*rest)
		return false;
	return strspn(rest, "0123456789") == strlen(rest);
}

static int cgroups_walk(int parent_fd, const char *name, int depth)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int fd, n = 0;

	if (depth > CGROUP_WALK_DEPTH)
		return 0;
	fd = dup(parent_fd);
	if (fd < 0)
		return 0;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	while ((de = readdir(d))) {
		_cleanup_close_ int sub = -EBADF;

		if (de->d_type != DT_DIR || streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (is_lxc_cgroup_of(de->d_name, name)) {
			(void) rmdir_tree_at(parent_fd, de->d_name, depth);
			if (faccessat(parent_fd, de->d_name, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
				n++;	/* still busy: a process (the monitor) is in it */
			continue;
		}
		if (startswith(de->d_name, "lxc.payload.") || startswith(de->d_name, "lxc.monitor."))
			continue;	/* another container's tree */
		sub = openat(parent_fd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (sub >= 0)
			n += cgroups_walk(sub, name, depth + 1);
	}
	return n;
}

static int cgroups_cleanup_once(const char *name)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	_cleanup_free_ char *line = NULL;
	size_t size = 0;
	int n = 0;

	if (!f)
		return -errno;
	while (getline(&line, &size, f) > 0) {
		char *sep = strstr(line, " - "), *field = line, *mnt = NULL, *fstype;
		_cleanup_close_ int fd = -EBADF;

		/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS... - FSTYPE SOURCE SUPER" */
		if (!sep)
			continue;
		*sep = 0;
		fstype = sep + strlen(" - ");
		fstype[strcspn(fstype, " ")] = 0;
		if (!streq(fstype, "cgroup") && !streq(fstype, "cgroup2"))
			continue;
		for (int i = 0; i < 5 && field; i++)
			mnt = strsep(&field, " ");	/* the 5th field is the mountpoint */
		if (!mnt || !field || mnt[0] != '/' || strchr(mnt, '\\'))
			continue;	/* escaped (\040...) mountpoints are not cgroup hierarchies we use */
		fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0)
			n += cgroups_walk(fd, name, 0);
	}
	return n;
}

int lxl_cgroups_cleanup(const char *name)
{
	int r = 0;

	/* LXC's monitor leaves its cgroup only as it exits, a little after the container stopped */
	for (int i = 0; i < CGROUP_CLEANUP_TRIES; i++) {
		r = cgroups_cleanup_once(name);
		if (r <= 0)
			return r;
		(void) usleep(CGROUP_CLEANUP_WAIT_US);
	}
	return -EBUSY;
}

/* liblxc moves the process that calls start() into the container's lxc.monitor.NAME cgroups
 * (as the "transient" pid, meant for lxc-start, which exits at once). A caller that lives on
 * (run, the manager) would stay there and keep those cgroups busy after the container is
 * gone, so a short-lived child calls start(). Single-threaded caller: the child may use
 * liblxc freely. */
static int start_in_child(struct lxc_container *c)
{
	pid_t pid;
	int status;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(c->start(c, 0, NULL) ? EXIT_SUCCESS : EXIT_FAILURE);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

/* Opens container @name for a start after the checks: defined, not running, the bridge of a
 * veth NIC exists; exports LXCFS_MOUNT for the mount hook (@lxcfs_dir; NULL: the hook's
 * default). */
static int open_for_start(const char *lxcpath, const char *name, const char *lxcfs_dir,
			  struct lxc_container **ret, struct lxl_error *err)
{
	_cleanup_container_ struct lxc_container *c = NULL;
	char type[32] = "", link[64] = "";
	int r;

	r = open_container(lxcpath, name, true, &c, err);
	if (r < 0)
		return r;
	if (c->is_running(c))
		return lxl_error_set(err, -EALREADY, "Container '%s' is already running", name);
	/* LXC's own error for a missing bridge is buried in its log: say it first */
	if (c->get_config_item(c, "lxc.net.0.type", type, sizeof(type)) > 0 && streq(type, "veth") &&
	    c->get_config_item(c, "lxc.net.0.link", link, sizeof(link)) > 0) {
		r = check_bridge(link, err);
		if (r < 0)
			return r;
	}

	/* the mount hook inherits our environment and reads LXCFS_MOUNT */
	if (lxcfs_dir)
		r = setenv("LXCFS_MOUNT", lxcfs_dir, 1);
	else
		r = unsetenv("LXCFS_MOUNT");
	if (r < 0)
		return lxl_error_set(err, -errno, "Failed to set LXCFS_MOUNT: %m");
	*ret = TAKE_PTR(c);
	return 0;
}

int lxl_start(const char *lxcpath, const char *name, const char *lxcfs_dir, struct lxl_error *err)
{
	_cleanup_container_ struct lxc_container *c = NULL;
	int r;

	r = open_for_start(lxcpath, name, lxcfs_dir, &c, err);
	if (r < 0)
		return r;
	(void) c->want_daemonize(c, true);
	(void) c->want_close_all_fds(c, true);
	r = start_in_child(c);
	if (r < 0 || !c->wait(c, "RUNNING", START_WAIT_S)) {
		(void) c->stop(c);
		(void) c->wait(c, "STOPPED", START_WAIT_S);
		(void) lxl_cgroups_cleanup(name);
		return lxl_error_set(err, -EIO, "Failed to start container '%s' (see --log-file)", name);
	}
	return 0;
}
/* The rootfs directory of @c ("dir:/path" or "/path" in lxc.rootfs.path), NULL when unknown */
static char *rootfs_dir(struct lxc_container *c)
{
	char buf[4096];
	int len = c->get_config_item(c, "lxc.rootfs.path", buf, sizeof(buf));
	const char *p = buf;

	if (len <= 0 || (size_t) len >= sizeof(buf))
		return NULL;
	buf[strcspn(buf, "\n")] = 0;
	if (strncmp(p, "dir:", 4) == 0)
		p += 4;
	return p[0] == '/' ? strdup(p) : NULL;
}

/* What execvp() inside the container would find for @cmd, looked up in the rootfs @root with
 * symlinks resolved inside it (RESOLVE_IN_ROOT) along EXEC_PATH: 0 an executable file, -ENOENT
 * nothing, -EACCES something that is not an executable file. */
static int lookup_command(const char *root, const char *cmd)
{
	_cleanup_close_ int rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	const char *path = EXEC_PATH + strlen("PATH=");
	int found = -ENOENT;

	if (rfd < 0)
		return 0;	/* cannot tell: let the start decide */
	for (;;) {
		char full[PATH_MAX];
		const char *end = strchrnul(path, ':');
		struct stat st;
		int n;

		if (strchr(cmd, '/'))
			n = snprintf(full, sizeof(full), "%s", cmd);
		else
			n = snprintf(full, sizeof(full), "%.*s/%s", (int) (end - path), path, cmd);
		if (n > 0 && (size_t) n < sizeof(full)) {
			struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
			_cleanup_close_ int fd = (int) syscall(SYS_openat2, rfd, full, &how, sizeof(how));

			if (fd >= 0 && fstat(fd, &st) == 0) {
				if (S_ISREG(st.st_mode) && (st.st_mode & 0111))
					return 0;
				found = -EACCES;
			}
		}
		if (strchr(cmd, '/') || !*end)
			return found;
		path = end + 1;
	}
}

/* Runs in the forked child, single-threaded: LXC's non-daemonized start makes this process
 * the container's monitor until init (LXC's init, which runs @argv and forwards signals to it)
 * exits. Reports { started, wait status } on @report_fd. */
static _Noreturn void execute_child(struct lxc_container *c, char * const argv[], int report_fd)
{
	int report[2];
	sigset_t none;

	for (int sig = 1; sig < _NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void) signal(sig, SIG_DFL);
	sigemptyset(&none);
	(void) sigprocmask(SIG_SETMASK, &none, NULL);
	report[0] = c->start(c, 1, argv) ? 1 : 0;
	report[1] = c->error_num;
	(void) !write(report_fd, report, sizeof(report));
	_exit(EXIT_SUCCESS);
}

int lxl_execute(const char *lxcpath, const char *name, const char *lxcfs_dir, char * const argv[],
		const volatile sig_atomic_t *forward_signal, lxl_running_fn on_running, void *userdata,
		int *ret_status, struct lxl_error *err)
{
	_cleanup_container_ struct lxc_container *c = NULL;
	_cleanup_free_ char *root = NULL;
	_cleanup_close_ int rd = -EBADF;
	int fds[2], report[2] = { 0, 0 }, status, r;
	bool forwarded = false, watched = !on_running;
	pid_t child;

	if (!argv || !argv[0])
		return lxl_error_set(err, -EINVAL, "No command given");
	r = open_for_start(lxcpath, name, lxcfs_dir, &c, err);
	if (r < 0)
		return r;
	root = rootfs_dir(c);
	r = root ? lookup_command(root, argv[0]) : 0;
	if (r == -ENOENT) {
		*ret_status = 127;
		return lxl_error_set(err, r, "Command '%s' not found in container '%s'", argv[0], name);
	}
	if (r == -EACCES) {
		*ret_status = 126;
		return lxl_error_set(err, r, "Command '%s' in container '%s' is not an executable file",
				     argv[0], name);
	}
	/* in memory only: init's environment (LXC's init passes it on to the command) */
	r = set_item(c, "lxc.environment", EXEC_PATH, err);
	if (r < 0)
		return r;
	(void) c->want_daemonize(c, false);
	(void) c->want_close_all_fds(c, false);

	if (pipe2(fds, O_CLOEXEC) < 0)
		return lxl_error_set(err, -errno, "Failed to create a pipe: %m");
	child = fork();
	if (child < 0) {
		r = -errno;
		close(fds[0]);
		close(fds[1]);
		return lxl_error_set(err, r, "Failed to fork: %s", strerror(-r));
	}
	if (child == 0) {
		close(fds[0]);
		execute_child(c, argv, fds[1]);
	}
	close(fds[1]);
	rd = fds[0];

	for (;;) {
		pid_t w = waitpid(child, &status, watched ? 0 : WNOHANG);

		if (w == child)
			break;
		if (w < 0 && errno != EINTR)
			return lxl_error_set(err, -errno, "Failed to wait for container '%s': %m", name);
		if (forward_signal && *forward_signal && !forwarded) {
			(void) kill(child, *forward_signal);	/* LXC's monitor passes it to init */
			forwarded = true;
		}
		if (!watched && w == 0) {
			if (c->is_running(c) && c->init_pid(c) > 0) {
				on_running(c->init_pid(c), userdata);
				watched = true;
			} else {
				(void) nanosleep(&(struct timespec) { .tv_nsec = 10 * 1000 * 1000 }, NULL);
			}
		}
	}
	if (read(rd, report, sizeof(report)) != (ssize_t) sizeof(report) || !report[0]) {
		(void) lxl_cgroups_cleanup(name);
		return lxl_error_set(err, -EIO, "Failed to start container '%s' (see --log-file)", name);
	}
	status = report[1];
	if (WIFEXITED(status))
		*ret_status = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		*ret_status = 128 + WTERMSIG(status);
	else
		*ret_status = 255;
	return 0;
}

int lxl_stop(const char *lxcpath, const char *name, int timeout_s, struct lxl_error *err)
{
	_cleanup_container_ struct lxc_container *c = NULL;
	int r;

	r = open_container(lxcpath, name, true, &c, err);
	if (r < 0)
		return r;
	if (!c->is_running(c))
		return 0;
	if (timeout_s > 0 && c->shutdown(c, timeout_s))
		return 0;
	if (!c->stop(c) && c->is_running(c))
		return lxl_error_set(err, -EIO, "Failed to stop container '%s'", name);
	(void) c->wait(c, "STOPPED", START_WAIT_S);
	return 0;
}

int lxl_destroy(const char *lxcpath, const char *name, struct lxl_error *err)
{
	_cleanup_container_ struct lxc_container *c = NULL;
	_cleanup_free_ char *dir = NULL;
	int r;

	r = open_container(lxcpath, name, true, &c, err);
	if (r < 0)
		return r;
	if (c->is_running(c)) {
		(void) c->stop(c);
		(void) c->wait(c, "STOPPED", START_WAIT_S);
	}
	if (!c->destroy(c))
		return lxl_error_set(err, -EIO, "Failed to destroy container '%s'", name);
	/* With lxc.rootfs.managed = 0 (--rootfs) LXC leaves the container's directory with its
	 * config and our seccomp profile: remove those two files and the then empty directory,
	 * never anything else (the rootfs is the user's) */
	if (asprintf(&dir, "%s/%s", lxcpath, name) >= 0) {
		_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);

		if (dfd >= 0) {
			(void) unlinkat(dfd, "config", 0);
			(void) unlinkat(dfd, LXL_SECCOMP_FILENAME, 0);
			if (rmdir(dir) < 0 && errno != ENOENT)
				return lxl_error_set(err, -errno, "Destroyed container '%s', but could not "
						     "remove '%s': %m", name, dir);
		}
	}
	(void) lxl_cgroups_cleanup(name);
	return 0;
}

/* Runs in the container, after liblxc's clone and setns: no allocation, no logging. The exit
 * codes for a command that could not be executed follow docker/podman (and POSIX sh): 127 not
 * found, 126 found but not executable. */
static int exec_in_container(void *payload)
{
	char * const *argv = payload;

	(void) execvp(argv[0], argv);
	return errno == ENOENT || errno == ENOTDIR ? 127 : 126;
}

int lxl_exec(const char *lxcpath, const char *name, char * const argv[],
	     const volatile sig_atomic_t *forward_signal, int *ret_status, struct lxl_error *err)
{
	bool forwarded = false;
	_cleanup_container_ struct lxc_container *c = NULL;
	lxc_attach_options_t opts = LXC_ATTACH_OPTIONS_DEFAULT;
	char *env[] = { (char *) EXEC_PATH, NULL };
	pid_t pid = 0;
	int r, status;

	if (!argv || !argv[0])
		return lxl_error_set(err, -EINVAL, "No command given");
	r = open_container(lxcpath, name, true, &c, err);
	if (r < 0)
		return r;
	if (!c->is_running(c))
		return lxl_error_set(err, -ESRCH, "Container '%s' is not running", name);
	opts.env_policy = LXC_ATTACH_CLEAR_ENV;
	opts.extra_env_vars = env;
	if (c->attach(c, exec_in_container, (void *) argv, &opts, &pid) < 0 || pid <= 0)
		return lxl_error_set(err, -EIO, "Failed to run '%s' in container '%s'", argv[0], name);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return lxl_error_set(err, -errno, "Failed to wait for '%s' in container '%s': %m",
					     argv[0], name);
		if (forward_signal && *forward_signal && !forwarded) {
			(void) kill(pid, *forward_signal);
			forwarded = true;
		}
	}
	if (WIFEXITED(status))
		*ret_status = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		*ret_status = 128 + WTERMSIG(status);
	else
		*ret_status = 255;
	return 0;
}

void lxl_info_done(struct lxl_info *info)
{
	free(info->name);
	free(info->state);
	free(info->memory);
	free(info->memory_swap);
	free(info->cpu);
	free(info->cpuset);
	free(info->pids);
	free(info->network);
	*info = (struct lxl_info) {};
}

/* The value of the first of @keys that is set, or NULL */
static char *get_item(struct lxc_container *c, const char * const *keys)
{
	for (; *keys; keys++) {
		char *buf;
		int len = c->get_config_item(c, *keys, NULL, 0);

		if (len <= 0)
			continue;
		buf = calloc((size_t) len + 1, 1);
		if (!buf)
			return NULL;
		if (c->get_config_item(c, *keys, buf, len + 1) != len) {
			free(buf);
			continue;
		}
		buf[strcspn(buf, "\n")] = 0;
		return buf;
	}
	return NULL;
}

int lxl_info_get(const char *lxcpath, const char *name, struct lxl_info *ret, struct lxl_error *err)
{
	_cleanup_container_ struct lxc_container *c = NULL;
	struct lxl_info info = {};
	_cleanup_free_ char *quota = NULL, *period = NULL, *link = NULL;
	int r;

	r = open_container(lxcpath, name, true, &c, err);
	if (r < 0)
		return r;
	info.name = strdup(name);
	info.state = strdup(c->state(c) ?: "UNKNOWN");
	info.init_pid = c->is_running(c) ? c->init_pid(c) : 0;
	if (info.init_pid < 0)
		info.init_pid = 0;
	info.memory = get_item(c, (const char * const[]) { "lxc.cgroup2.memory.max",
				 "lxc.cgroup.memory.limit_in_bytes", NULL });
	info.memory_swap = get_item(c, (const char * const[]) { "lxc.cgroup2.memory.swap.max",
				      "lxc.cgroup.memory.memsw.limit_in_bytes", NULL });
	info.cpu = get_item(c, (const char * const[]) { "lxc.cgroup2.cpu.max", NULL });
	if (!info.cpu) {
		quota = get_item(c, (const char * const[]) { "lxc.cgroup.cpu.cfs_quota_us", NULL });
		period = get_item(c, (const char * const[]) { "lxc.cgroup.cpu.cfs_period_us", NULL });
		if (quota && asprintf(&info.cpu, "%s %s", quota, period ?: "100000") < 0)
			info.cpu = NULL;
	}
	info.cpuset = get_item(c, (const char * const[]) { "lxc.cgroup2.cpuset.cpus",
				 "lxc.cgroup.cpuset.cpus", NULL });
	info.pids = get_item(c, (const char * const[]) { "lxc.cgroup2.pids.max", "lxc.cgroup.pids.max", NULL });
	info.network = get_item(c, (const char * const[]) { "lxc.net.0.type", NULL });
	link = get_item(c, (const char * const[]) { "lxc.net.0.link", NULL });
	if (info.network && link) {
		char *s;

		if (asprintf(&s, "%s (link %s)", info.network, link) >= 0) {
			free(info.network);
			info.network = s;
		}
	}
	if (!info.name || !info.state) {
		lxl_info_done(&info);
		return lxl_error_set(err, -ENOMEM, "Out of memory");
	}
	*ret = info;
	return 0;
}

static int info_cmp(const void *a, const void *b)
{
	return strcmp(((const struct lxl_info *) a)->name, ((const struct lxl_info *) b)->name);
}

int lxl_list(const char *lxcpath, struct lxl_info **ret_infos, size_t *ret_n, struct lxl_error *err)
{
	char **names = NULL;
	struct lxl_info *infos;
	size_t n = 0;
	int count;

	if (access(lxcpath, F_OK) < 0) {
		*ret_infos = NULL;
		*ret_n = 0;
		return 0;
	}
	count = list_defined_containers(lxcpath, &names, NULL);
	if (count < 0)
		return lxl_error_set(err, -EIO, "Failed to list the containers in '%s'", lxcpath);
	infos = calloc((size_t) count + 1, sizeof(*infos));
	for (int i = 0; i < count; i++) {
		if (infos && lxl_info_get(lxcpath, names[i], &infos[n], NULL) == 0)
			n++;
		free(names[i]);
	}
	free(names);
	if (!infos)
		return lxl_error_set(err, -ENOMEM, "Out of memory");
	qsort(infos, n, sizeof(*infos), info_cmp);
	*ret_infos = infos;
	*ret_n = n;
	return 0;
}

int lxl_log_open(const char *file, const char *level, const char *name, const char *lxcpath)
{
	struct lxc_log log = {
		.name = name,
		.lxcpath = lxcpath,
		.file = file,
		.level = level ?: "INFO",
		.prefix = "lxlaunch",
		.quiet = true,
	};

	return lxc_log_init(&log) < 0 ? -EIO : 0;
}

int lxl_init_pid(const char *lxcpath, const char *name, pid_t *ret_pid, struct lxl_error *err)
{
	_cleanup_container_ struct lxc_container *c = NULL;
	pid_t pid;
	int r;

	r = open_container(lxcpath, name, true, &c, err);
	if (r < 0)
		return r;
	pid = c->is_running(c) ? c->init_pid(c) : -1;
	if (pid <= 0)
		return lxl_error_set(err, -ESRCH, "Container '%s' is not running", name);
	*ret_pid = pid;
	return 0;
}
