/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Node registry: classification, attributes, listings, permissions. */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>

#include "cleanup.h"
#include "fileio.h"
#include "log.h"
#include "parse-util.h"
#include "cpu.h"
#include "cpuset.h"
#include "cgfs.h"
#include "vfs.h"
#include "vfs-pressure.h"

#define SYS_CPU "sys/devices/system/cpu"

static const struct {
	const char *name;
	enum vfs_kind kind;
} proc_files[] = {
	{ "cpuinfo", VFS_PROC_CPUINFO },
	{ "meminfo", VFS_PROC_MEMINFO },
	{ "stat", VFS_PROC_STAT },
	{ "uptime", VFS_PROC_UPTIME },
	{ "diskstats", VFS_PROC_DISKSTATS },
	{ "swaps", VFS_PROC_SWAPS },
	{ "loadavg", VFS_PROC_LOADAVG },
	{ "slabinfo", VFS_PROC_SLABINFO },
};

static const struct {
	const char *name;
	enum vfs_kind kind;
} pressure_files[] = {
	{ "cpu", VFS_PROC_PRESSURE_CPU },
	{ "io", VFS_PROC_PRESSURE_IO },
	{ "memory", VFS_PROC_PRESSURE_MEMORY },
};

/* until the owner points fs->virtualize at its own switch */
static const atomic_bool always_virtualize = true;

int vfs_fs_init(struct vfs_fs *fs)
{
	_cleanup_free_ char *mountinfo = NULL;
	size_t max_fds = FDCACHE_MAX_DEFAULT;
	struct rlimit rl;
	struct stat st;
	long n;
	int r;

	*fs = (struct vfs_fs) { .sys_cpu_fd = -EBADF };
	fs->env.proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fs->env.proc_fd < 0)
		return -errno;
	if (fstatat(fs->env.proc_fd, "self/ns/pid", &st, 0) < 0)
		return -errno;
	fs->env.self_ns_dev = st.st_dev;
	fs->env.self_ns_ino = st.st_ino;
	r = read_full_at(fs->env.proc_fd, "self/mountinfo", 16u << 20, &mountinfo, NULL);
	if (r < 0)
		return r;
	r = cg_layout_discover(mountinfo, &fs->layout);
	if (r < 0)
		return r;
	nscache_init(&fs->nscache);
	fs->env.nscache = &fs->nscache;
	fs->env.layout = &fs->layout;
	pidcache_init(&fs->pidcache);
	if (!reader_env_use_pidcache(&fs->env, &fs->pidcache))
		log_info("pidfds have no unique inode numbers here (kernel < 6.9): nothing is "
			 "cached per process");
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		max_fds = MIN(max_fds, (size_t) rl.rlim_cur / 4);
	r = fdcache_new(max_fds, &fs->fdcache);
	if (r < 0)
		return r;
	fs->env.fdcache = fs->fdcache;
	for (size_t i = 0; i < fs->layout.n; i++)
		fs->layout.h[i].fdcache = fs->fdcache;
	pthread_mutex_init(&fs->janitor_lock, NULL);
	pthread_cond_init(&fs->janitor_wake, NULL);
	fs->sys_cpu_fd = open("/" SYS_CPU, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fs->sys_cpu_fd < 0)
		return -errno;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	fs->host_online_cpus = n > 0 ? (unsigned) n : 1;
	n = sysconf(_SC_NPROCESSORS_CONF);
	fs->host_conf_cpus = n > 0 && n < CPUSET_MAX ? (unsigned) n : CPUSET_MAX;
	fs->virtualize = &always_virtualize;
	return 0;
}

void vfs_fs_done(struct vfs_fs *fs)
{
	vfs_cache_stop(fs);
	for (size_t i = 0; i < fs->layout.n; i++)
		fs->layout.h[i].fdcache = NULL;
	fs->env.fdcache = NULL;
	fdcache_free(fs->fdcache);
	fs->fdcache = NULL;
	pidcache_clear(&fs->pidcache);
	nscache_clear(&fs->nscache);
	cg_layout_done(&fs->layout);
	if (fs->sys_cpu_fd >= 0)
		(void) close(fs->sys_cpu_fd);
	if (fs->env.proc_fd >= 0)
		(void) close(fs->env.proc_fd);
	fs->sys_cpu_fd = fs->env.proc_fd = -EBADF;
}

static void *janitor_main(void *userdata)
{
	struct vfs_fs *fs = userdata;
	struct timespec deadline;

	pthread_mutex_lock(&fs->janitor_lock);
	while (!fs->janitor_stop) {
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += 1;
		(void) pthread_cond_timedwait(&fs->janitor_wake, &fs->janitor_lock, &deadline);
		if (fs->janitor_stop)
			break;
		pthread_mutex_unlock(&fs->janitor_lock);
		(void) fdcache_prune(fs->fdcache, fdcache_now_ns());
		if (fs->env.pidcache)
			(void) pidcache_prune(fs->env.pidcache, fdcache_now_ns());
		nscache_prune(&fs->nscache, fdcache_now_ns() / 1000000000u);
		pthread_mutex_lock(&fs->janitor_lock);
	}
	pthread_mutex_unlock(&fs->janitor_lock);
	return NULL;
}

int vfs_cache_start(struct vfs_fs *fs)
{
	pthread_condattr_t attr;
	sigset_t all, old;
	int r;

	if (fs->janitor_running)
		return 0;
	/* the wait's deadline is on CLOCK_MONOTONIC: a clock set back never stalls it */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_destroy(&fs->janitor_wake);
	pthread_cond_init(&fs->janitor_wake, &attr);
	pthread_condattr_destroy(&attr);
	fs->janitor_stop = false;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = -pthread_create(&fs->janitor, NULL, janitor_main, fs);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0)
		return r;
	fs->janitor_running = true;
	return 0;
}

void vfs_cache_stop(struct vfs_fs *fs)
{
	if (!fs->janitor_running)
		return;
	pthread_mutex_lock(&fs->janitor_lock);
	fs->janitor_stop = true;
	pthread_cond_signal(&fs->janitor_wake);
	pthread_mutex_unlock(&fs->janitor_lock);
	pthread_join(fs->janitor, NULL);
	fs->janitor_running = false;
}

/* "cpu<digits>" */
static bool is_cpu_dir_name(const char *s, size_t n)
{
	if (n <= 3 || strncmp(s, "cpu", 3) != 0)
		return false;
	for (size_t i = 3; i < n; i++)
		if (!isdigit((unsigned char) s[i]))
			return false;
	return true;
}

enum vfs_kind vfs_classify(const char *path)
{
	const char *rest;

	if (!*path)
		return VFS_DIR_ROOT;
	if (streq(path, "proc"))
		return VFS_DIR_PROC;
	if (streq(path, "proc/pressure"))
		return VFS_DIR_PROC_PRESSURE;
	if ((rest = startswith(path, "proc/pressure/"))) {
		for (size_t i = 0; i < ELEMENTSOF(pressure_files); i++)
			if (streq(rest, pressure_files[i].name))
				return pressure_files[i].kind;
		return VFS_KIND_INVALID;
	}
	if ((rest = startswith(path, "proc/"))) {
		for (size_t i = 0; i < ELEMENTSOF(proc_files); i++)
			if (streq(rest, proc_files[i].name))
				return proc_files[i].kind;
		return VFS_KIND_INVALID;
	}
	if (streq(path, "cgroup"))
		return VFS_DIR_CGROUP;
	if (startswith(path, "cgroup/"))
		return VFS_CGFS;
	if (streq(path, "sys"))
		return VFS_DIR_SYS;
	if (streq(path, "sys/devices"))
		return VFS_DIR_SYS_DEVICES;
	if (streq(path, "sys/devices/system"))
		return VFS_DIR_SYS_SYSTEM;
	if (streq(path, SYS_CPU))
		return VFS_SYS_HOST;
	if ((rest = startswith(path, SYS_CPU "/"))) {
		const char *slash = strchr(rest, '/');

		if (streq(rest, "online"))
			return VFS_SYS_CPU_ONLINE;
		if (streq(rest, "offline"))
			return VFS_SYS_CPU_OFFLINE;
		if (streq(rest, "present"))
			return VFS_SYS_CPU_PRESENT;
		if (streq(rest, "possible"))
			return VFS_SYS_CPU_POSSIBLE;
		if (slash && streq(slash, "/online") && is_cpu_dir_name(rest, (size_t) (slash - rest)))
			return VFS_SYS_CPUN_ONLINE;
		return VFS_SYS_HOST;
	}
	return VFS_KIND_INVALID;
}

/* path of a host sysfs node relative to sys_cpu_fd ("" for the directory itself) */
static const char *host_rel(const char *path)
{
	const char *rest = startswith(path, SYS_CPU);

	if (!rest)
		return NULL;
	return *rest == '/' ? rest + 1 : rest;
}

bool vfs_path_is_per_reader(const char *path)
{
	const char *rel = host_rel(path);

	/* which cpuK directories exist, and which physical CPU each one is, depends on the
	 * reader's cpuset; online, offline, present, possible and the host's other entries
	 * exist for everyone (their content is rendered at open) */
	if (rel)
		return is_cpu_dir_name(rel, (size_t) (strchrnul(rel, '/') - rel));
	return vfs_kind_is_cgfs(vfs_classify(path));
}

int vfs_sys_host_path(struct vfs_fs *fs, const char *path, pid_t caller, char *buf, size_t size)
{
	const char *rel = host_rel(path), *end;
	struct cpuset cpuset;
	unsigned k, phys, max;
	size_t n;
	int r;

	if (!rel)
		return -ENOENT;
	end = strchrnul(rel, '/');
	n = (size_t) (end - rel);
	if (!is_cpu_dir_name(rel, n)) {
		r = snprintf(buf, size, "%s", rel);
		return r < 0 || (size_t) r >= size ? -ENAMETOOLONG : 0;
	}
	if (n > 3 + 5)
		return -ENOENT;		/* "cpu" + more digits than any CPU number */
	k = (unsigned) strtoul(rel + 3, NULL, 10);
	r = vfs_cpu_view(fs, caller, &cpuset, &max);
	if (r < 0)
		return r;
	r = cpu_view_physical(&cpuset, max, k, &phys);
	if (r < 0)
		return r;
	r = snprintf(buf, size, "cpu%u%s", phys, end);
	return r < 0 || (size_t) r >= size ? -ENAMETOOLONG : 0;
}

static int host_lstat(struct vfs_fs *fs, const char *path, pid_t caller, struct stat *ret)
{
	char rel[PATH_MAX];
	int r;

	r = vfs_sys_host_path(fs, path, caller, rel, sizeof(rel));
	if (r < 0)
		return r;
	if (fstatat(fs->sys_cpu_fd, rel, ret, AT_SYMLINK_NOFOLLOW | (*rel ? 0 : AT_EMPTY_PATH)) < 0)
		return -errno;
	return 0;
}

int vfs_getattr(struct vfs_fs *fs, enum vfs_kind kind, const char *path, pid_t caller,
		struct stat *ret)
{
	struct stat st = {}, host;
	struct timespec now;
	int r;

	clock_gettime(CLOCK_REALTIME, &now);
	st.st_atim = st.st_mtim = st.st_ctim = now;
	st.st_nlink = 1;
	switch (kind) {
	case VFS_DIR_ROOT:
		st.st_mode = S_IFDIR | 0755;
		st.st_nlink = 2;
		break;
	case VFS_DIR_PROC:
	case VFS_DIR_PROC_PRESSURE:
		st.st_mode = S_IFDIR | 0555;
		st.st_nlink = 2;
		break;
	case VFS_DIR_SYS:
	case VFS_DIR_SYS_DEVICES:
	case VFS_DIR_SYS_SYSTEM:
		/* modes of the host's directories (0555 on sysfs) */
		st.st_mode = S_IFDIR | 0555;
		st.st_nlink = 2;
		break;
	case VFS_PROC_CPUINFO ... VFS_PROC_PRESSURE_MEMORY: {
		_cleanup_free_ char *text = NULL;
		size_t len = 0;

		st.st_mode = S_IFREG | 0444;
		if (vfs_kind_is_pressure(kind))
			st.st_mode = S_IFREG | vfs_pressure_mode(fs, kind);	/* takes triggers */
		/* LXCFS reports the byte length of the host file; direct I/O ignores it */
		if (read_full_at(fs->env.proc_fd, strchr(path, '/') + 1, 16u << 20, &text, &len) == 0)
			st.st_size = (off_t) len;
		break;
	}
	case VFS_SYS_CPU_ONLINE ... VFS_SYS_CPUN_ONLINE:
		/* the host sysfs file's attributes (size 4096), as LXCFS: direct I/O reads the
		 * rendered text whatever the size says, so it is not rendered here */
		r = host_lstat(fs, path, caller, &host);
		if (r < 0)
			return r;
		st.st_mode = host.st_mode;
		st.st_size = host.st_size;
		break;
	case VFS_DIR_CGROUP:
	case VFS_CGFS:
		/* visibility depends on the caller's cgroup only, not on its ids */
		return cgfs_getattr(fs, path, &(struct vfs_cred) { .pid = caller, .uid = (uid_t) -1,
								    .gid = (gid_t) -1 }, ret);
	case VFS_SYS_HOST:
		r = host_lstat(fs, path, caller, &host);
		if (r < 0)
			return r;
		st.st_mode = host.st_mode;
		st.st_nlink = host.st_nlink;
		st.st_size = S_ISDIR(host.st_mode) ? 0 : host.st_size;
		st.st_uid = host.st_uid;
		st.st_gid = host.st_gid;
		break;
	default:
		return -ENOENT;
	}
	*ret = st;
	return 0;
}

int vfs_readdir(struct vfs_fs *fs, enum vfs_kind kind, const char *path, pid_t caller,
		vfs_add_entry_t add, void *userdata)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct cpuset cpuset, visible;
	char rel[PATH_MAX];
	bool cpu_dir;
	struct dirent *de;
	unsigned max;
	int r, fd;

	r = add(userdata, ".", S_IFDIR);
	if (r < 0)
		return r;
	r = add(userdata, "..", S_IFDIR);
	if (r < 0)
		return r;
	switch (kind) {
	case VFS_DIR_ROOT:
		r = add(userdata, "proc", S_IFDIR);
		if (r >= 0)
			r = add(userdata, "sys", S_IFDIR);
		if (r >= 0 && fs->cgroup)
			r = add(userdata, "cgroup", S_IFDIR);
		return r;
	case VFS_DIR_PROC:
		for (size_t i = 0; i < ELEMENTSOF(proc_files); i++) {
			r = add(userdata, proc_files[i].name, S_IFREG);
			if (r < 0)
				return r;
		}
		return add(userdata, "pressure", S_IFDIR);
	case VFS_DIR_PROC_PRESSURE:
		for (size_t i = 0; i < ELEMENTSOF(pressure_files); i++) {
			r = add(userdata, pressure_files[i].name, S_IFREG);
			if (r < 0)
				return r;
		}
		return 0;
	case VFS_DIR_SYS:
		return add(userdata, "devices", S_IFDIR);
	case VFS_DIR_SYS_DEVICES:
		return add(userdata, "system", S_IFDIR);
	case VFS_DIR_SYS_SYSTEM:
		return add(userdata, "cpu", S_IFDIR);
	case VFS_SYS_HOST:
		break;
	default:
		return -ENOTDIR;
	}
	r = vfs_sys_host_path(fs, path, caller, rel, sizeof(rel));
	if (r < 0)
		return r;
	cpu_dir = !*rel;
	if (cpu_dir) {
		/* cpuN directories: only the caller's CPUs, under the names it sees */
		r = vfs_cpu_view(fs, caller, &cpuset, &max);
		if (r < 0)
			return r;
		cpu_visible_set(&cpuset, max, &visible);
		for (unsigned c = 0; c < CPUSET_MAX; c++) {
			char name[16];

			if (!cpuset_contains(&visible, c))
				continue;
			(void) snprintf(name, sizeof(name), "cpu%u", c);
			r = add(userdata, name, S_IFDIR);
			if (r < 0)
				return r;
		}
	}
	fd = open_beneath(fs->sys_cpu_fd, rel, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return fd;
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		(void) close(fd);
		return r;
	}
	while ((errno = 0, de = readdir(d))) {
		mode_t type;

		/* the host's own "." and ".." were listed above already */
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (cpu_dir && is_cpu_dir_name(de->d_name, strlen(de->d_name)))
			continue;	/* listed above */
		switch (de->d_type) {
		case DT_DIR: type = S_IFDIR; break;
		case DT_LNK: type = S_IFLNK; break;
		default: type = S_IFREG; break;
		}
		r = add(userdata, de->d_name, type);
		if (r < 0)
			return r;
	}
	return errno ? -errno : 0;
}

int vfs_access(struct vfs_fs *fs, enum vfs_kind kind, const char *path, pid_t caller, uid_t uid,
	       gid_t gid, int mask)
{
	struct stat st;
	mode_t bits;
	int r;

	/* read-only filesystem: nothing is writable for anyone, except that the pressure files
	 * take PSI triggers for whom the host's /proc/pressure files do (their mode, below) */
	if ((mask & W_OK) && !vfs_kind_is_pressure(kind))
		return -EACCES;
	if (kind == VFS_SYS_CPU_ONLINE || kind == VFS_SYS_CPU_OFFLINE ||
	    kind == VFS_SYS_CPU_POSSIBLE || kind == VFS_SYS_CPU_PRESENT) {
		/* read-only sysfs attributes (drivers/base/cpu.c: 0444, root's): no stat needed */
		st = (struct stat) { .st_mode = S_IFREG | 0444 };
		r = 0;
	} else if (kind == VFS_SYS_HOST || vfs_kind_is_sys_cpu_view(kind))
		r = host_lstat(fs, path, caller, &st);
	else if (vfs_kind_is_proc_file(kind)) {
		/* the mode alone: vfs_getattr() would read the host file for its size */
		st = (struct stat) { .st_mode = S_IFREG | (vfs_kind_is_pressure(kind) ?
							   vfs_pressure_mode(fs, kind) : 0444) };
		r = 0;
	} else
		r = vfs_getattr(fs, kind, path, caller, &st);
	if (r < 0)
		return r;
	if (mask == F_OK)
		return 0;
	if (uid == 0) {
		/* root reads anything; executes only what someone may execute */
		if ((mask & X_OK) && !S_ISDIR(st.st_mode) && !(st.st_mode & 0111))
			return -EACCES;
		return 0;
	}
	if (uid == st.st_uid)
		bits = (st.st_mode >> 6) & 7;
	else if (gid == st.st_gid)
		bits = (st.st_mode >> 3) & 7;
	else
		bits = st.st_mode & 7;
	if (((mask & R_OK) && !(bits & 4)) || ((mask & W_OK) && !(bits & 2)) ||
	    ((mask & X_OK) && !(bits & 1)))
		return -EACCES;
	return 0;
}

int vfs_readlink(struct vfs_fs *fs, enum vfs_kind kind, const char *path, pid_t caller,
		 char **ret)
{
	char buf[4096], rel[PATH_MAX];
	ssize_t n;
	int r;

	if (kind != VFS_SYS_HOST)
		return -EINVAL;
	r = vfs_sys_host_path(fs, path, caller, rel, sizeof(rel));
	if (r < 0)
		return r;
	if (!*rel)
		return -EINVAL;
	n = readlinkat(fs->sys_cpu_fd, rel, buf, sizeof(buf));
	if (n < 0)
		return -errno;
	if ((size_t) n >= sizeof(buf))
		return -ENAMETOOLONG;
	*ret = strndup(buf, (size_t) n);
	return *ret ? 0 : -ENOMEM;
}
