/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api/api.h"
#include "db/storage-db.h"
#include "devices.h"
#include "handlers/storage-common.h"
#include "instance-db.h"
#include "instance-rt.h"
#include "log.h"
#include "mgr.h"
#include "ops/ops.h"
#include "storage/volumes.h"
#include "util/names.h"
#include "vm-net.h"
#include "vm.h"

#define DETACH_TIMEOUT_S 30

/* ---- pure helpers ---- */

char *dev_cgroup_rule(bool block, unsigned major, unsigned minor)
{
	return g_strdup_printf("%c %u:%u rwm", block ? 'b' : 'c', major, minor);
}

char *dev_cgroup_devices_path(const char *text)
{
	g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);

	for (char **l = lines; *l; l++) {
		g_auto(GStrv) f = g_strsplit(*l, ":", 3);

		if (!f[0] || !f[1] || !f[2])
			continue;
		g_auto(GStrv) ctl = g_strsplit(f[1], ",", -1);
		for (char **c = ctl; *c; c++)
			if (g_str_equal(*c, "devices"))
				return g_strdup(f[2]);
	}
	return NULL;
}

static JsonNode *parse_devices(const char *text);
static GHashTable *device_map(JsonObject *d);
static char *devices_text(JsonNode *all);

int dev_cfg_resolve(struct mgr *m, GHashTable *c, GHashTable **ret_cfg, char **ret_err)
{
	const char *pool = g_hash_table_lookup(c, "pool"), *src = g_hash_table_lookup(c, "source");
	struct api_resp tmp = {};
	g_autoptr(pool_row_t) prow = NULL;
	g_autoptr(struct_pool) p = NULL;
	g_autoptr(volume_row_t) v = NULL;
	g_autofree char *dir = NULL;
	GHashTable *out;
	GHashTableIter it;
	gpointer k, val;

	if (!pool) {
		*ret_cfg = g_hash_table_ref(c);
		return 0;
	}
	if (!src || !name_object_valid(src)) {
		*ret_err = g_strdup_printf("'source' must name a custom volume of pool '%s'", pool);
		return -EINVAL;
	}
	if (storage_pool_lookup(m, pool, true, &prow, &p, &tmp) < 0) {
		*ret_err = g_strdup(tmp.error ? tmp.error : "storage pool lookup failed");
		api_resp_clear(&tmp);
		return -ENOENT;
	}
	api_resp_clear(&tmp);
	if (db_volume_get(m->db, prow->id, "custom", src, &v) < 0 ||
	    !g_str_equal(v->state, "created")) {
		*ret_err = g_strdup_printf("source volume '%s' does not exist on pool '%s'", src, pool);
		return -ENOENT;
	}
	dir = volume_path(p, "custom", src);
	out = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_hash_table_iter_init(&it, c);
	while (g_hash_table_iter_next(&it, &k, &val))
		if (!g_str_equal(k, "pool") && !g_str_equal(k, "source"))
			g_hash_table_insert(out, g_strdup(k), g_strdup(val));
	g_hash_table_insert(out, g_strdup("source"),
			    g_str_equal(v->content_type, "block") ?
			    g_build_filename(dir, "root.img", NULL) : g_strdup(dir));
	*ret_cfg = out;
	return 0;
}

/* ---- containers: work inside the container's mount namespace, in a forked child ---- */

/* Runs @fn(@arg) in a child that joined the mount namespace of @pid; the child's exit code is
 * 0 or an errno. Only system calls happen in the child (this daemon has threads). */
static int in_container(pid_t pid, int (*fn)(void *), void *arg, const char *what, char **ret_err)
{
	g_autofree char *nsp = g_strdup_printf("/proc/%d/ns/mnt", (int) pid);
	int nsfd, status = 0;
	pid_t child;

	nsfd = open(nsp, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0) {
		*ret_err = g_strdup_printf("cannot open %s: %s", nsp, g_strerror(errno));
		return -errno;
	}
	child = fork();
	if (child < 0) {
		int e = errno;

		close(nsfd);
		*ret_err = g_strdup_printf("fork: %s", g_strerror(e));
		return -e;
	}
	if (child == 0) {
		if (setns(nsfd, CLONE_NEWNS) < 0)
			_exit(errno ? errno : EIO);
		if (chdir("/") < 0)
			_exit(errno ? errno : EIO);
		_exit(fn(arg));
	}
	close(nsfd);
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		int e = WIFEXITED(status) ? WEXITSTATUS(status) : EIO;

		*ret_err = g_strdup_printf("%s: %s", what, g_strerror(e));
		return -e;
	}
	return 0;
}

/* mkdir -p of @path (absolute, inside the container), async-signal-safe */
static int mkdir_p(const char *path, mode_t mode)
{
	char buf[4096];
	size_t len = strlen(path);

	if (len >= sizeof(buf))
		return ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return errno;
	return 0;
}

struct ct_mount {
	int tree_fd;
	const char *target;
	bool dir, readonly;
};

static int do_mount(void *data)
{
	struct ct_mount *c = data;
	struct stat st;
	int r;

	if (c->dir) {
		r = mkdir_p(c->target, 0755);
		if (r)
			return r;
	} else if (stat(c->target, &st) < 0) {
		char parent[4096];
		char *slash;
		int fd;

		if (strlen(c->target) >= sizeof(parent))
			return ENAMETOOLONG;
		strcpy(parent, c->target);
		slash = strrchr(parent, '/');
		if (slash && slash != parent) {
			*slash = 0;
			r = mkdir_p(parent, 0755);
			if (r)
				return r;
		}
		fd = open(c->target, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
		if (fd < 0)
			return errno;
		close(fd);
	}
	if (syscall(SYS_move_mount, c->tree_fd, "", AT_FDCWD, c->target,
		    0x00000004 /* MOVE_MOUNT_F_EMPTY_PATH */) < 0)
		return errno;
	if (c->readonly && mount(NULL, c->target, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
		return errno;
	return 0;
}

static int do_umount(void *data)
{
	const char *target = data;

	if (umount2(target, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return errno;
	return 0;
}

struct ct_node {
	const char *path;
	mode_t mode;
	dev_t dev;
	uid_t uid;
	gid_t gid;
};

static int do_mknod(void *data)
{
	struct ct_node *n = data;
	char parent[4096];
	char *slash;
	int r;

	if (strlen(n->path) >= sizeof(parent))
		return ENAMETOOLONG;
	strcpy(parent, n->path);
	slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = 0;
		r = mkdir_p(parent, 0755);
		if (r)
			return r;
	}
	if (mknod(n->path, n->mode, n->dev) < 0)
		return errno;
	if (chmod(n->path, n->mode & 07777) < 0 || lchown(n->path, n->uid, n->gid) < 0) {
		r = errno;
		(void) unlink(n->path);
		return r;
	}
	return 0;
}

static int do_unlink(void *data)
{
	if (unlink(data) < 0 && errno != ENOENT)
		return errno;
	return 0;
}

static const char *cfg(GHashTable *c, const char *k)
{
	return g_hash_table_lookup(c, k);
}

static bool cfg_bool(GHashTable *c, const char *k, bool def)
{
	const char *v = cfg(c, k);

	if (!v)
		return def;
	return g_str_equal(v, "true") || g_str_equal(v, "1");
}

static int check_keys(const char *dev, GHashTable *c, const char *const *allowed, char **ret_err)
{
	GHashTableIter it;
	gpointer k, v;

	g_hash_table_iter_init(&it, c);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		bool ok = g_str_equal(k, "type");

		for (size_t i = 0; allowed[i]; i++)
			ok = ok || g_str_equal(k, allowed[i]);
		if (!ok) {
			*ret_err = g_strdup_printf("device '%s': unknown key '%s' for type '%s'", dev,
						   (char *) k, cfg(c, "type"));
			return -EINVAL;
		}
		if ((g_str_equal(k, "readonly") || g_str_equal(k, "required")) &&
		    !g_str_equal(v, "true") && !g_str_equal(v, "false") && !g_str_equal(v, "1") &&
		    !g_str_equal(v, "0")) {
			*ret_err = g_strdup_printf("device '%s': invalid value '%s' for key '%s'", dev,
						   (char *) v, (char *) k);
			return -EINVAL;
		}
	}
	return 0;
}

/* ---- disk ---- */

static bool any_hotplug(bool vm)
{
	(void) vm;
	return true;
}

static int disk_add(struct mgr *m, bool vm, const char *dev, GHashTable *c, char **ret_err)
{
	static const char *const keys[] = { "path", "source", "readonly", "required", "io.bus",
					     "pool", NULL };
	const char *path = cfg(c, "path"), *src = cfg(c, "source");
	struct stat st;
	int r;

	(void) m;
	r = check_keys(dev, c, keys, ret_err);
	if (r < 0)
		return r;
	if (!src || !g_path_is_absolute(src)) {
		*ret_err = g_strdup_printf("device '%s': key 'source' (an absolute host path) is "
					   "required", dev);
		return -EINVAL;
	}
	if (!vm) {
		if (cfg(c, "io.bus")) {
			*ret_err = g_strdup_printf("device '%s': key 'io.bus' applies to virtual "
						   "machines only", dev);
			return -EINVAL;
		}
		if (!path || !g_path_is_absolute(path) || g_str_equal(path, "/") ||
		    strstr(path, "/../") || g_str_has_suffix(path, "/..")) {
			*ret_err = g_strdup_printf("device '%s': key 'path' (an absolute path inside the "
						   "container, not '/') is required", dev);
			return -EINVAL;
		}
		if (stat(src, &st) < 0) {
			if (!cfg_bool(c, "required", true))
				return 0;
			*ret_err = g_strdup_printf("device '%s': source '%s' does not exist", dev, src);
			return -ENOENT;
		}
		return 0;
	}
	return 0;	/* VMs: vm_dev_check() by the caller */
}

static int disk_start(struct mgr *m, const char *inst, bool vm, pid_t pid, const char *dev,
		      GHashTable *c, char **ret_err)
{
	struct ct_mount cm = { .target = cfg(c, "path"), .readonly = cfg_bool(c, "readonly", false) };
	const char *src = cfg(c, "source");
	struct stat st;
	int r;

	if (vm)
		return vm_dev_attach(m, inst, dev, c, ret_err);
	if (stat(src, &st) < 0) {
		if (!cfg_bool(c, "required", true))
			return 0;
		*ret_err = g_strdup_printf("device '%s': source '%s' does not exist", dev, src);
		return -ENOENT;
	}
	cm.dir = S_ISDIR(st.st_mode);
	cm.tree_fd = (int) syscall(SYS_open_tree, AT_FDCWD, src,
				   1 /* OPEN_TREE_CLONE */ | O_CLOEXEC | AT_RECURSIVE);
	if (cm.tree_fd < 0) {
		*ret_err = g_strdup_printf("device '%s': cannot clone the mount of '%s': %s", dev, src,
					   g_strerror(errno));
		return -errno;
	}
	r = in_container(pid, do_mount, &cm, "cannot bind-mount into the container", ret_err);
	close(cm.tree_fd);
	if (r >= 0)
		log_info("Instance '%s': %s mounted at %s", inst, src, cm.target);
	return r;
}

static int disk_stop(struct mgr *m, const char *inst, bool vm, pid_t pid, const char *dev,
		     GHashTable *c, char **ret_err)
{
	if (vm)
		return vm_dev_detach(m, inst, dev, c, DETACH_TIMEOUT_S, ret_err);
	return in_container(pid, do_umount, (void *) cfg(c, "path"),
			    "cannot unmount in the container", ret_err);
}

/* ---- usb (VMs: usb-host) ---- */

static bool vm_only_hotplug(bool vm)
{
	return vm;
}

static int usb_add(struct mgr *m, bool vm, const char *dev, GHashTable *c, char **ret_err)
{
	(void) m; (void) c;
	if (!vm) {
		*ret_err = g_strdup_printf("device '%s': usb devices of containers are not supported "
					   "here yet", dev);
		return -EINVAL;
	}
	return 0;	/* VMs: vm_dev_check() by the caller */
}

static int usb_start(struct mgr *m, const char *inst, bool vm, pid_t pid, const char *dev,
		     GHashTable *c, char **ret_err)
{
	(void) vm; (void) pid;
	return vm_dev_attach(m, inst, dev, c, ret_err);
}

static int usb_stop(struct mgr *m, const char *inst, bool vm, pid_t pid, const char *dev,
		    GHashTable *c, char **ret_err)
{
	(void) vm; (void) pid;
	return vm_dev_detach(m, inst, dev, c, DETACH_TIMEOUT_S, ret_err);
}

/* ---- unix-char, unix-block (containers) ---- */

struct node_spec {
	bool block;
	const char *path;
	unsigned major, minor;
	mode_t mode;
	uid_t uid;
	gid_t gid;
};

static int node_spec(const char *dev, GHashTable *c, bool need_source, struct node_spec *ret,
		     char **ret_err)
{
	const char *src = cfg(c, "source"), *path = cfg(c, "path"), *v;
	struct node_spec n = { .block = g_str_equal(cfg(c, "type"), "unix-block"), .mode = 0660 };
	guint64 x;

	n.path = path ? path : src;
	if (!n.path || !g_path_is_absolute(n.path) || strstr(n.path, "/../")) {
		*ret_err = g_strdup_printf("device '%s': 'source' or 'path' (an absolute path) is "
					   "required", dev);
		return -EINVAL;
	}
	if (src && (!cfg(c, "major") || !cfg(c, "minor"))) {
		struct stat st;

		if (stat(src, &st) < 0) {
			*ret_err = g_strdup_printf("device '%s': source '%s' does not exist", dev, src);
			return -ENOENT;
		}
		if (n.block ? !S_ISBLK(st.st_mode) : !S_ISCHR(st.st_mode)) {
			*ret_err = g_strdup_printf("device '%s': source '%s' is not a %s device", dev, src,
						   n.block ? "block" : "character");
			return -EINVAL;
		}
		n.major = major(st.st_rdev);
		n.minor = minor(st.st_rdev);
	} else if (!src && need_source && (!cfg(c, "major") || !cfg(c, "minor"))) {
		*ret_err = g_strdup_printf("device '%s': give 'source' or both 'major' and 'minor'", dev);
		return -EINVAL;
	}
	if ((v = cfg(c, "major"))) {
		if (!g_ascii_string_to_unsigned(v, 10, 0, 4095, &x, NULL))
			goto bad;
		n.major = (unsigned) x;
	}
	if ((v = cfg(c, "minor"))) {
		if (!g_ascii_string_to_unsigned(v, 10, 0, 1048575, &x, NULL))
			goto bad;
		n.minor = (unsigned) x;
	}
	if ((v = cfg(c, "mode"))) {
		if (!g_ascii_string_to_unsigned(v, 8, 0, 07777, &x, NULL))
			goto bad;
		n.mode = (mode_t) x;
	}
	if ((v = cfg(c, "uid"))) {
		if (!g_ascii_string_to_unsigned(v, 10, 0, G_MAXINT32, &x, NULL))
			goto bad;
		n.uid = (uid_t) x;
	}
	if ((v = cfg(c, "gid"))) {
		if (!g_ascii_string_to_unsigned(v, 10, 0, G_MAXINT32, &x, NULL))
			goto bad;
		n.gid = (gid_t) x;
	}
	*ret = n;
	return 0;
bad:
	*ret_err = g_strdup_printf("device '%s': invalid value '%s'", dev, v);
	return -EINVAL;
}

static bool ct_only_hotplug(bool vm)
{
	return !vm;
}

static int unix_add(struct mgr *m, bool vm, const char *dev, GHashTable *c, char **ret_err)
{
	static const char *const keys[] = { "source", "path", "major", "minor", "mode", "uid", "gid",
					     "required", NULL };
	struct node_spec n;
	int r;

	(void) m;
	if (vm) {
		*ret_err = g_strdup_printf("device '%s': type '%s' is for containers, not virtual "
					   "machines", dev, cfg(c, "type"));
		return -EINVAL;
	}
	r = check_keys(dev, c, keys, ret_err);
	if (r >= 0)
		r = node_spec(dev, c, true, &n, ret_err);
	if (r == -ENOENT && !cfg_bool(c, "required", true)) {
		g_clear_pointer(ret_err, g_free);
		return 0;
	}
	return r;
}

static int cgroup_devices(pid_t pid, const char *file, const char *rule, char **ret_err)
{
	g_autofree char *cgp = g_strdup_printf("/proc/%d/cgroup", (int) pid), *text = NULL;
	g_autofree char *rel = NULL, *path = NULL;
	g_autoptr(GError) gerr = NULL;

	if (!g_file_get_contents(cgp, &text, NULL, &gerr)) {
		*ret_err = g_strdup_printf("cannot read %s: %s", cgp, gerr->message);
		return -EIO;
	}
	rel = dev_cgroup_devices_path(text);
	if (!rel) {
		*ret_err = g_strdup("the container has no v1 devices cgroup (cgroup v2 device rules "
				    "are not supported here)");
		return -EOPNOTSUPP;
	}
	path = g_build_filename("/sys/fs/cgroup/devices", rel, file, NULL);
	if (!g_file_set_contents_full(path, rule, -1, G_FILE_SET_CONTENTS_NONE, 0644, &gerr)) {
		*ret_err = g_strdup_printf("cannot write '%s' to %s: %s", rule, path, gerr->message);
		return -EIO;
	}
	return 0;
}

static int unix_start(struct mgr *m, const char *inst, bool vm, pid_t pid, const char *dev,
		      GHashTable *c, char **ret_err)
{
	struct ct_node cn;
	struct node_spec n;
	g_autofree char *rule = NULL, *e2 = NULL;
	int r;

	(void) m; (void) vm;
	r = node_spec(dev, c, true, &n, ret_err);
	if (r == -ENOENT && !cfg_bool(c, "required", true)) {
		g_clear_pointer(ret_err, g_free);
		return 0;
	}
	if (r < 0)
		return r;
	rule = dev_cgroup_rule(n.block, n.major, n.minor);
	r = cgroup_devices(pid, "devices.allow", rule, ret_err);
	if (r < 0)
		return r;
	cn = (struct ct_node) { .path = n.path, .mode = (n.block ? S_IFBLK : S_IFCHR) | n.mode,
				.dev = makedev(n.major, n.minor), .uid = n.uid, .gid = n.gid };
	r = in_container(pid, do_mknod, &cn, "cannot create the device node in the container",
			 ret_err);
	if (r < 0) {
		(void) cgroup_devices(pid, "devices.deny", rule, &e2);
		return r;
	}
	log_info("Instance '%s': device node %s (%s) created", inst, n.path, rule);
	return 0;
}

static int unix_stop(struct mgr *m, const char *inst, bool vm, pid_t pid, const char *dev,
		     GHashTable *c, char **ret_err)
{
	struct node_spec n;
	g_autofree char *rule = NULL;
	int r;

	(void) m; (void) vm; (void) inst;
	r = node_spec(dev, c, false, &n, ret_err);
	if (r == -ENOENT) {	/* a vanished source is not an error: the path is enough */
		g_clear_pointer(ret_err, g_free);
		n.path = cfg(c, "path") ? cfg(c, "path") : cfg(c, "source");
		return in_container(pid, do_unlink, (void *) n.path, "cannot remove the device node",
				    ret_err);
	}
	if (r < 0)
		return r;
	r = in_container(pid, do_unlink, (void *) n.path, "cannot remove the device node", ret_err);
	if (r < 0)
		return r;
	rule = dev_cgroup_rule(n.block, n.major, n.minor);
	return cgroup_devices(pid, "devices.deny", rule, ret_err);
}

static const struct dev_ops dev_types[] = {
	{ "disk", any_hotplug, disk_add, disk_start, disk_stop, NULL },
	{ "usb", vm_only_hotplug, usb_add, usb_start, usb_stop, NULL },
	{ "unix-char", ct_only_hotplug, unix_add, unix_start, unix_stop, NULL },
	{ "unix-block", ct_only_hotplug, unix_add, unix_start, unix_stop, NULL },
	{ "nic", nic_can_hotplug, nic_add, nic_start, nic_stop, nic_remove },	/* vm-net.h */
};
/* ---- the mock (STYLE §3.11): every call appended to the file $LXKIT_TEST_DEVICE_MOCK as
 * "<call> <instance> <device> <vm|ct>"; a device with key mock.fail = add|start|stop fails
 * there with -EIO. Only when that variable is set (tests) or dev_ops_set_mock() chose it. ---- */

static void mock_log(const char *call, const char *inst, const char *dev, bool vm)
{
	const char *f = g_getenv("LXKIT_TEST_DEVICE_MOCK");
	g_autofree char *line = g_strdup_printf("%s %s %s %s\n", call, inst ? inst : "-", dev,
						vm ? "vm" : "ct");
	int fd;

	if (!f || (fd = open(f, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) < 0)
		return;
	if (write(fd, line, strlen(line)) < 0)
		log_error("device mock: cannot write %s", f);
	close(fd);
}

static int mock_fail(const char *call, const char *dev, GHashTable *c, char **ret_err)
{
	if (g_strcmp0(g_hash_table_lookup(c, "mock.fail"), call) != 0)
		return 0;
	*ret_err = g_strdup_printf("mock failure of %s for device '%s'", call, dev);
	return -EIO;
}

static int mock_add(struct mgr *m, bool vm, const char *dev, GHashTable *c, char **ret_err)
{
	(void) m;
	mock_log("add", NULL, dev, vm);
	return mock_fail("add", dev, c, ret_err);
}

static int mock_start(struct mgr *m, const char *inst, bool vm, pid_t pid, const char *dev,
		      GHashTable *c, char **ret_err)
{
	(void) m; (void) pid;
	mock_log("start", inst, dev, vm);
	return mock_fail("start", dev, c, ret_err);
}

static int mock_stop(struct mgr *m, const char *inst, bool vm, pid_t pid, const char *dev,
		     GHashTable *c, char **ret_err)
{
	(void) m; (void) pid;
	mock_log("stop", inst, dev, vm);
	return mock_fail("stop", dev, c, ret_err);
}

static void mock_remove(struct mgr *m, const char *inst, const char *dev, GHashTable *c)
{
	(void) m; (void) c;
	mock_log("remove", inst, dev, false);
}

const struct dev_ops dev_ops_mock = { "mock", any_hotplug, mock_add, mock_start, mock_stop,
				      mock_remove };
static const struct dev_ops *dev_mock;

void dev_ops_set_mock(const struct dev_ops *mock)
{
	dev_mock = mock;
}

const struct dev_ops *dev_ops_find(const char *type)
{
	const struct dev_ops *mock = dev_mock;

	if (!mock && g_getenv("LXKIT_TEST_DEVICE_MOCK"))
		mock = &dev_ops_mock;
	for (size_t i = 0; type && i < G_N_ELEMENTS(dev_types); i++)
		if (g_str_equal(dev_types[i].type, type))
			return mock ? mock : &dev_types[i];
	return NULL;
}

int devices_ct_start_all(struct mgr *m, const char *name, pid_t pid, char **ret_err)
{
	g_autoptr(instance_row_t) row = NULL;
	g_autoptr(JsonNode) all = NULL;
	g_autoptr(GList) names = NULL;
	JsonObject *o;
	int r;

	if (inst_db_get(m->db, name, &row) < 0)
		return 0;	/* not the manager's: nothing stored */
	all = parse_devices(row->devices);
	o = json_node_get_object(all);
	names = json_object_get_members(o);
	for (GList *l = names; l; l = l->next) {
		JsonNode *dn = json_object_get_member(o, l->data);
		g_autoptr(GHashTable) c = NULL;
		const struct dev_ops *ops;

		if (!JSON_NODE_HOLDS_OBJECT(dn))
			continue;
		c = device_map(json_node_get_object(dn));
		ops = dev_ops_find(g_hash_table_lookup(c, "type"));
		if (!ops || g_strcmp0(g_hash_table_lookup(c, "path"), "/") == 0 || vm_net_is_nic(c))
			continue;	/* root and nics are LXC's */
		g_autoptr(GHashTable) rc = NULL;

		r = dev_cfg_resolve(m, c, &rc, ret_err);
		if (r >= 0)
			r = ops->start(m, name, false, pid, l->data, rc, ret_err);
		if (r < 0) {
			char *msg = g_strdup_printf("device '%s': %s", (char *) l->data, *ret_err);

			g_free(*ret_err);
			*ret_err = msg;
			return r;
		}
	}
	return 0;
}

/* ---- the API ---- */

static JsonNode *parse_devices(const char *text)
{
	g_autoptr(JsonParser) p = json_parser_new();
	JsonNode *root;

	if (text && json_parser_load_from_data(p, text, -1, NULL) &&
	    (root = json_parser_get_root(p)) && JSON_NODE_HOLDS_OBJECT(root))
		return json_node_copy(root);
	root = json_node_new(JSON_NODE_OBJECT);
	json_node_take_object(root, json_object_new());
	return root;
}

static GHashTable *device_map(JsonObject *d)
{
	GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autoptr(GList) keys = json_object_get_members(d);

	for (GList *k = keys; k; k = k->next) {
		JsonNode *v = json_object_get_member(d, k->data);

		if (JSON_NODE_HOLDS_VALUE(v) && json_node_get_value_type(v) == G_TYPE_STRING)
			g_hash_table_insert(h, g_strdup(k->data), g_strdup(json_node_get_string(v)));
	}
	return h;
}

static int lookup(struct mgr *m, const struct api_req *req, struct instance_row **ret_row,
		  struct api_resp *ret)
{
	const char *name = api_req_param(req, "name");
	g_autoptr(instance_row_t) row = NULL;

	if (!name || !name_instance_valid(name))
		return api_errorf(ret, 400, "invalid instance name '%s'", name ? name : "");
	if (inst_db_get(m->db, name, &row) < 0 || !g_str_equal(row->state, "created"))
		return api_errorf(ret, 404, "instance '%s' not found", name);
	*ret_row = g_steal_pointer(&row);
	return 0;
}

static int devices_list(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	g_autoptr(instance_row_t) row = NULL;
	int r;

	r = api_query_check(req, NULL, ret);
	if (r >= 0)
		r = lookup(m, req, &row, ret);
	if (r < 0)
		return r;
	return api_sync(ret, parse_devices(row->devices));
}

static int device_get(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	g_autoptr(instance_row_t) row = NULL;
	g_autoptr(JsonNode) all = NULL;
	const char *dev = api_req_param(req, "dev");
	JsonObject *o;
	int r;

	r = api_query_check(req, NULL, ret);
	if (r >= 0)
		r = lookup(m, req, &row, ret);
	if (r < 0)
		return r;
	all = parse_devices(row->devices);
	o = json_node_get_object(all);
	if (!dev || !json_object_has_member(o, dev))
		return api_errorf(ret, 404, "device '%s' of instance '%s' not found", dev ? dev : "",
				  row->name);
	return api_sync(ret, json_node_copy(json_object_get_member(o, dev)));
}

struct dev_job {
	char *inst, *dev, *new_devices;
	JsonNode *body;		/* add: the device as given */
	GHashTable *cfg;
	bool vm, add;
};

static void dev_job_free(void *data)
{
	struct dev_job *j = data;

	g_free(j->inst);
	g_free(j->dev);
	g_free(j->new_devices);
	if (j->body)
		json_node_unref(j->body);
	g_hash_table_unref(j->cfg);
	g_free(j);
}

static int dev_work(struct mgr *m, struct op *op, void *data, char **ret_err)
{
	struct dev_job *j = data;
	const struct dev_ops *ops = dev_ops_find(g_hash_table_lookup(j->cfg, "type"));
	g_autoptr(instance_row_t) row = NULL;
	g_autofree char *e2 = NULL;
	g_autoptr(GHashTable) rc = NULL;
	enum inst_status st = INST_STOPPED;
	pid_t pid = 0;
	bool live;
	int r;

	(void) op;
	r = inst_db_get(m->db, j->inst, &row);
	if (r < 0) {
		*ret_err = g_strdup_printf("instance '%s' not found", j->inst);
		return r;
	}
	{
		/* the devices as they are now (operations queued before this one may have changed
		 * them since the request was checked), with this change */
		g_autoptr(JsonNode) all = parse_devices(row->devices);
		JsonObject *o = json_node_get_object(all);

		if (j->add && json_object_has_member(o, j->dev)) {
			*ret_err = g_strdup_printf("device '%s' already exists in instance '%s'", j->dev,
						   j->inst);
			return -EEXIST;
		}
		if (!j->add && !json_object_has_member(o, j->dev)) {
			*ret_err = g_strdup_printf("device '%s' of instance '%s' not found", j->dev, j->inst);
			return -ENOENT;
		}
		if (j->add)
			json_object_set_member(o, j->dev, json_node_copy(j->body));
		else
			json_object_remove_member(o, j->dev);
		g_free(j->new_devices);
		j->new_devices = devices_text(all);
	}
	r = inst_rt_state(m, j->inst, &st, &pid, ret_err);
	if (r < 0)
		return r;
	live = st != INST_STOPPED;
	if (live && !ops->can_hotplug(j->vm)) {
		*ret_err = g_strdup_printf("device '%s' cannot be %s a running %s: stop it first", j->dev,
					   j->add ? "added to" : "removed from",
					   j->vm ? "virtual machine" : "container");
		return -EBUSY;
	}
	if (live) {
		r = dev_cfg_resolve(m, j->cfg, &rc, ret_err);
		if (r < 0 && j->add)
			return r;
		if (r < 0) {	/* a vanished volume: the path and name are enough to remove */
			g_clear_pointer(ret_err, g_free);
			rc = g_hash_table_ref(j->cfg);
		}
		r = j->add ? ops->start(m, j->inst, j->vm, pid, j->dev, rc, ret_err) :
			ops->stop(m, j->inst, j->vm, pid, j->dev, rc, ret_err);
		if (r < 0)
			return r;
	}
	r = mgr_step(m, j->add ? "device-add/store" : "device-remove/store", ret_err);
	if (r >= 0) {
		/* the config as the device's start left it (a nic stores its MAC there) */
		g_autoptr(instance_row_t) now = NULL;

		r = inst_db_get(m->db, j->inst, &now);
		if (r >= 0)
			r = inst_db_update(m->db, j->inst, row->description, now->config,
					   j->new_devices, row->ephemeral);
		if (r < 0)
			*ret_err = g_strdup_printf("cannot store the devices of '%s'", j->inst);
	}
	if (r < 0) {
		/* all or nothing (spec §6): undo the live part */
		if (live && j->add) {
			(void) ops->stop(m, j->inst, j->vm, pid, j->dev, rc, &e2);
			if (ops->remove)	/* what the start stored (a nic's MAC) */
				ops->remove(m, j->inst, j->dev, j->cfg);
		} else if (live)
			(void) ops->start(m, j->inst, j->vm, pid, j->dev, rc, &e2);
		if (e2)
			log_error("Instance '%s': undoing device '%s' failed: %s", j->inst, j->dev, e2);
		return r;
	}
	mgr_step_done(m, j->add ? "device-add/store" : "device-remove/store");
	if (!j->add && ops->remove)
		ops->remove(m, j->inst, j->dev, j->cfg);
	log_info("Instance '%s': device '%s' %s%s", j->inst, j->dev, j->add ? "added" : "removed",
		 live ? " live" : " (stored for the next start)");
	return 0;
}

static char *devices_text(JsonNode *all)
{
	g_autoptr(JsonGenerator) g = json_generator_new();

	json_generator_set_root(g, all);
	return json_generator_to_data(g, NULL);
}

/* spec §6: a block disk or a usb device already attached to another running instance is 409.
 * @rc is the resolved config of the new device. Returns 0 or the api_errorf() result. */
static int check_exclusive(struct mgr *m, const char *inst, const char *dev, GHashTable *rc,
			   struct api_resp *ret)
{
	const char *type = g_hash_table_lookup(rc, "type"), *src = g_hash_table_lookup(rc, "source");
	g_autoptr(GPtrArray) rows = NULL;
	struct stat st;
	bool usb = type && g_str_equal(type, "usb");

	if (!usb && !(type && g_str_equal(type, "disk") && src && stat(src, &st) == 0 &&
		      (S_ISBLK(st.st_mode) || S_ISREG(st.st_mode))))
		return 0;
	if (inst_db_list(m->db, &rows) < 0)
		return 0;
	for (guint i = 0; i < rows->len; i++) {
		struct instance_row *row = rows->pdata[i];
		g_autoptr(JsonNode) all = NULL;
		g_autoptr(GList) names = NULL;
		JsonObject *o;

		if (g_str_equal(row->name, inst) || !g_str_equal(row->state, "created"))
			continue;
		all = parse_devices(row->devices);
		o = json_node_get_object(all);
		names = json_object_get_members(o);
		for (GList *l = names; l; l = l->next) {
			JsonNode *dn = json_object_get_member(o, l->data);
			g_autoptr(GHashTable) c = NULL, oc = NULL;
			g_autofree char *err = NULL;
			enum inst_status ist = INST_STOPPED;
			bool same = true;
			static const char *const usb_keys[] = { "vendorid", "productid", "busnum", "devnum",
								NULL };

			if (!JSON_NODE_HOLDS_OBJECT(dn))
				continue;
			c = device_map(json_node_get_object(dn));
			if (g_strcmp0(g_hash_table_lookup(c, "type"), type) != 0 ||
			    g_strcmp0(g_hash_table_lookup(c, "path"), "/") == 0)
				continue;
			if (usb) {
				for (size_t k = 0; usb_keys[k]; k++)
					same = same && g_strcmp0(g_hash_table_lookup(c, usb_keys[k]),
								 g_hash_table_lookup(rc, usb_keys[k])) == 0;
			} else {
				same = dev_cfg_resolve(m, c, &oc, &err) >= 0 &&
				       g_strcmp0(g_hash_table_lookup(oc, "source"), src) == 0;
			}
			if (!same || inst_rt_state(m, row->name, &ist, NULL, &err) < 0 ||
			    ist == INST_STOPPED)
				continue;
			return api_errorf(ret, 409, "device '%s': %s is already attached to running "
					  "instance '%s' as device '%s'", dev,
					  usb ? "this usb device" : src, row->name, (char *) l->data);
		}
	}
	return 0;
}

static int device_post(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	g_autoptr(instance_row_t) row = NULL;
	g_autoptr(JsonNode) all = NULL;
	g_autoptr(GHashTable) c = NULL, rc = NULL;
	g_autofree char *err = NULL, *url = NULL;
	const char *dev = api_req_param(req, "dev"), *type, *path;
	const struct dev_ops *ops;
	JsonObject *o, *allo;
	g_autoptr(GList) names = NULL, keys = NULL;
	struct dev_job *j;
	bool vm;
	int r;

	r = api_query_check(req, NULL, ret);
	if (r >= 0)
		r = lookup(m, req, &row, ret);
	if (r < 0)
		return r;
	if (!dev || !name_object_valid(dev))
		return api_errorf(ret, 400, "invalid device name '%s'", dev ? dev : "");
	if (!req->body || !JSON_NODE_HOLDS_OBJECT(req->body))
		return api_errorf(ret, 400, "request body must be a JSON object of the device's keys "
				  "(strings), with 'type'");
	o = json_node_get_object(req->body);
	keys = json_object_get_members(o);
	for (GList *k = keys; k; k = k->next) {
		JsonNode *v = json_object_get_member(o, k->data);

		if (!JSON_NODE_HOLDS_VALUE(v) || json_node_get_value_type(v) != G_TYPE_STRING)
			return api_errorf(ret, 400, "device '%s': key '%s' must be a string", dev,
					  (char *) k->data);
	}
	c = device_map(o);
	type = g_hash_table_lookup(c, "type");
	if (!type)
		return api_errorf(ret, 400, "device '%s' has no type", dev);
	ops = dev_ops_find(type);
	if (!ops)
		return api_errorf(ret, 400, "device '%s': unknown device type '%s'", dev, type);
	vm = vm_is_vm(m, row->name);
	if (dev_cfg_resolve(m, c, &rc, &err) < 0)
		return api_errorf(ret, 400, "device '%s': %s", dev, err);
	r = ops->add(m, vm, dev, rc, &err);
	if (r < 0)
		return api_errorf(ret, 400, "%s", err);
	if (vm && (g_str_equal(type, "disk") || g_str_equal(type, "usb"))) {
		r = vm_dev_check(m, dev, rc, ret);
		if (r < 0)
			return r;
	}
	all = parse_devices(row->devices);
	allo = json_node_get_object(all);
	if (json_object_has_member(allo, dev))
		return api_errorf(ret, 409, "device '%s' already exists in instance '%s'", dev,
				  row->name);
	if (vm || g_str_equal(type, "usb")) {
		r = check_exclusive(m, row->name, dev, rc, ret);
		if (r < 0)
			return r;
	}
	path = g_hash_table_lookup(c, "path");
	names = json_object_get_members(allo);
	for (GList *l = names; path && !vm && l; l = l->next) {
		JsonNode *dn = json_object_get_member(allo, l->data);
		JsonObject *d = JSON_NODE_HOLDS_OBJECT(dn) ? json_node_get_object(dn) : NULL;

		if (d && json_object_has_member(d, "path") &&
		    g_strcmp0(json_object_get_string_member(d, "path"), path) == 0)
			return api_errorf(ret, 409, "device '%s': path '%s' is used by device '%s'", dev,
					  path, (char *) l->data);
	}
	json_object_set_member(allo, dev, json_node_copy(req->body));
	j = g_new0(struct dev_job, 1);
	j->inst = g_strdup(row->name);
	j->dev = g_strdup(dev);
	j->cfg = g_steal_pointer(&c);
	j->vm = vm;
	j->add = true;
	j->body = json_node_copy(req->body);
	url = g_strdup_printf("/1.0/instances/%s", row->name);
	return op_start(m, "Adding a device", "instances", url, dev_work, j, dev_job_free, ret);
}

static int device_delete(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	g_autoptr(instance_row_t) row = NULL;
	g_autoptr(JsonNode) all = NULL;
	g_autofree char *url = NULL;
	const char *dev = api_req_param(req, "dev"), *type;
	JsonObject *allo, *d;
	JsonNode *dn;
	struct dev_job *j;
	GHashTable *c;
	int r;

	r = api_query_check(req, NULL, ret);
	if (r >= 0)
		r = lookup(m, req, &row, ret);
	if (r < 0)
		return r;
	all = parse_devices(row->devices);
	allo = json_node_get_object(all);
	if (!dev || !json_object_has_member(allo, dev))
		return api_errorf(ret, 404, "device '%s' of instance '%s' not found", dev ? dev : "",
				  row->name);
	dn = json_object_get_member(allo, dev);
	d = JSON_NODE_HOLDS_OBJECT(dn) ? json_node_get_object(dn) : NULL;
	c = d ? device_map(d) : g_hash_table_new(g_str_hash, g_str_equal);
	type = g_hash_table_lookup(c, "type");
	if (type && g_str_equal(type, "disk") && g_strcmp0(g_hash_table_lookup(c, "path"), "/") == 0) {
		g_hash_table_unref(c);
		return api_errorf(ret, 409, "the root disk '%s' cannot be removed", dev);
	}
	if (!dev_ops_find(type)) {
		g_hash_table_unref(c);
		return api_errorf(ret, 409, "device '%s' of type '%s' cannot be removed here: change "
				  "the instance's devices while it is stopped", dev, type ? type : "");
	}
	json_object_remove_member(allo, dev);
	j = g_new0(struct dev_job, 1);
	j->inst = g_strdup(row->name);
	j->dev = g_strdup(dev);
	j->cfg = c;
	j->vm = vm_is_vm(m, row->name);
	url = g_strdup_printf("/1.0/instances/%s", row->name);
	return op_start(m, "Removing a device", "instances", url, dev_work, j, dev_job_free, ret);
}

const struct api_route api_routes_devices[] = {
	{ "/1.0/instances/{name}/devices", { [API_GET] = devices_list } },
	{ "/1.0/instances/{name}/devices/{dev}", { [API_GET] = device_get, [API_POST] = device_post,
						   [API_DELETE] = device_delete } },
	{ NULL },
};
