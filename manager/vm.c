/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db/storage-db.h"
#include "devices.h"
#include "handlers/storage-common.h"
#include "instance-db.h"
#include "log.h"
#include "mgr.h"
#include "ops/ops.h"
#include "qmp.h"
#include "storage/volumes.h"
#include "util/names.h"
#include "util/revert.h"
#include "util/run.h"
#include "util/size.h"
#include "vm-cmd.h"
#include "vm-disk.h"
#include "vm-net.h"
#include "vm.h"

#define QMP_TIMEOUT_MS 10000
#define VM_APPEND_DEFAULT "console=ttyS0 panic=-1"
#define VM_MEMORY_DEFAULT (256ULL << 20)
#define VM_ROOT_SIZE_DEFAULT (1ULL << 30)

static char *marker_path(struct mgr *m, const char *name)
{
	return mgr_path(m, "vms", name, "vm", NULL);
}

static char *rt_path(struct mgr *m, const char *name, const char *file)
{
	return g_build_filename(m->runtime_dir, "vms", name, file, NULL);
}

bool vm_is_vm(struct mgr *m, const char *name)
{
	g_autofree char *p = marker_path(m, name);

	return access(p, F_OK) == 0;
}

/* pid of QEMU when it runs, else 0 */
static pid_t qemu_pid(struct mgr *m, const char *name)
{
	g_autofree char *pf = rt_path(m, name, "qemu.pid"), *s = NULL, *comm = NULL, *stat = NULL;
	g_autofree char *cp = NULL, *sp = NULL;
	guint64 pid;

	if (!g_file_get_contents(pf, &s, NULL, NULL) ||
	    !g_ascii_string_to_unsigned(g_strstrip(s), 10, 1, G_MAXINT32, &pid, NULL))
		return 0;
	cp = g_strdup_printf("/proc/%" G_GUINT64_FORMAT "/comm", pid);
	sp = g_strdup_printf("/proc/%" G_GUINT64_FORMAT "/stat", pid);
	if (!g_file_get_contents(cp, &comm, NULL, NULL) || !g_str_has_prefix(comm, "qemu"))
		return 0;
	if (g_file_get_contents(sp, &stat, NULL, NULL)) {
		const char *e = strrchr(stat, ')');

		if (e && (e[2] == 'Z' || e[2] == 'X'))
			return 0;
	}
	return (pid_t) pid;
}

int vm_rt_state(struct mgr *m, const char *name, enum inst_status *ret_status, pid_t *ret_pid,
		char **ret_err)
{
	pid_t pid = qemu_pid(m, name);
	g_autofree char *fz = rt_path(m, name, "frozen");

	(void) ret_err;
	*ret_status = pid > 0 ? (access(fz, F_OK) == 0 ? INST_FROZEN : INST_RUNNING) : INST_STOPPED;
	if (ret_pid)
		*ret_pid = pid;
	return 0;
}

/* device name -> GHashTable (string -> string) from the devices JSON text */
static GHashTable *devices_parse(const char *text)
{
	GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					      (GDestroyNotify) g_hash_table_unref);
	g_autoptr(JsonParser) p = json_parser_new();
	JsonNode *root;
	JsonObject *o;
	g_autoptr(GList) names = NULL;

	if (!text || !json_parser_load_from_data(p, text, -1, NULL) ||
	    !(root = json_parser_get_root(p)) || !JSON_NODE_HOLDS_OBJECT(root))
		return h;
	o = json_node_get_object(root);
	names = json_object_get_members(o);
	for (GList *l = names; l; l = l->next) {
		JsonNode *dn = json_object_get_member(o, l->data);
		GHashTable *d = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
		g_autoptr(GList) keys = NULL;

		if (JSON_NODE_HOLDS_OBJECT(dn)) {
			JsonObject *dobj = json_node_get_object(dn);

			keys = json_object_get_members(dobj);
			for (GList *k = keys; k; k = k->next) {
				JsonNode *v = json_object_get_member(dobj, k->data);

				if (JSON_NODE_HOLDS_VALUE(v) && json_node_get_value_type(v) == G_TYPE_STRING)
					g_hash_table_insert(d, g_strdup(k->data),
							    g_strdup(json_node_get_string(v)));
			}
		}
		g_hash_table_insert(h, g_strdup(l->data), d);
	}
	return h;
}

static bool is_root_disk(GHashTable *d)
{
	const char *t = g_hash_table_lookup(d, "type"), *p = g_hash_table_lookup(d, "path");

	return t && g_str_equal(t, "disk") && p && g_str_equal(p, "/");
}

static const char *sysfs_usb(void)
{
	const char *e = g_getenv("LXKIT_SYSFS_USB");

	return e ? e : "/sys/bus/usb/devices";
}

/* the add commands of @d on the open connection @q; undoes the blockdev on failure */
static int attach_q(struct qmp *q, const struct vm_dev *d, char **ret_err)
{
	g_autoptr(GPtrArray) cmds = NULL;
	unsigned bus = 0, addr = 0;
	int r;

	if (d->kind == VM_DEV_USB_HOST) {
		r = vm_usb_host_find(sysfs_usb(), d, &bus, &addr, ret_err);
		if (r < 0)
			return r;
	}
	cmds = vm_dev_add_cmds(d, bus, addr);
	for (guint i = 0; i < cmds->len; i++) {
		r = qmp_execute(q, cmds->pdata[i], QMP_TIMEOUT_MS, NULL, ret_err);
		if (r < 0) {
			g_autofree char *undo = i > 0 ? vm_dev_blockdev_del_cmd(d) : NULL;
			g_autofree char *e2 = NULL;
			char *msg = g_strdup_printf("cannot add device '%s' to QEMU: %s", d->name, *ret_err);

			g_free(*ret_err);
			*ret_err = msg;
			if (undo)
				(void) qmp_execute(q, undo, QMP_TIMEOUT_MS, NULL, &e2);
			return r;
		}
	}
	return 0;
}

static void kill_qemu(struct mgr *m, const char *name, pid_t pid)
{
	g_autofree char *sock = rt_path(m, name, "qmp.sock"), *pf = rt_path(m, name, "qemu.pid");
	g_autofree char *fz = rt_path(m, name, "frozen");

	(void) g_unlink(fz);

	if (pid > 0 && qemu_pid(m, name) == pid) {
		(void) kill(pid, SIGTERM);
		for (int i = 0; i < 50 && qemu_pid(m, name) == pid; i++)
			g_usleep(100 * 1000);
		if (qemu_pid(m, name) == pid) {
			(void) kill(pid, SIGKILL);
			for (int i = 0; i < 50 && qemu_pid(m, name) == pid; i++)
				g_usleep(100 * 1000);
		}
	}
	(void) g_unlink(sock);
	(void) g_unlink(pf);
	if (qemu_pid(m, name) <= 0)
		vm_net_release(m, name);	/* macvtaps outlive QEMU */
}

/* One watched QEMU (vm_rt_watch()) */
struct qemu_watch {
	struct mgr *m;
	char *name;
	pid_t pid;
	int pidfd;
};

static void qemu_watch_free(struct qemu_watch *w)
{
	if (w->pidfd >= 0)
		close(w->pidfd);
	g_free(w->name);
	g_free(w);
}

/* Worker thread: QEMU @w->pid exited; under change_lock so that it cannot race a start or
 * stop of the same VM */
static gpointer qemu_exited(gpointer data)
{
	struct qemu_watch *w = data;
	struct mgr *m = w->m;
	g_autofree char *pf = rt_path(m, w->name, "qemu.pid"), *s = NULL;
	guint64 n = 0;

	g_mutex_lock(&m->change_lock);
	if (qemu_pid(m, w->name) <= 0) {
		/* the pid file is still there: not stopped by the manager (kill_qemu() removes it) */
		if (g_file_get_contents(pf, &s, NULL, NULL) &&
		    g_ascii_string_to_unsigned(g_strstrip(s), 10, 1, G_MAXINT32, &n, NULL) &&
		    (pid_t) n == w->pid)
			log_info("VM '%s': QEMU (pid %d) exited by itself", w->name, (int) w->pid);
		vm_net_release(m, w->name);	/* macvtaps outlive QEMU */
	}
	g_mutex_unlock(&m->change_lock);
	qemu_watch_free(w);
	return NULL;
}

/* Main context: the pidfd of a watched QEMU is readable, i.e. QEMU exited */
static gboolean on_qemu_exit(gint fd, GIOCondition cond, gpointer data)
{
	(void) fd;
	(void) cond;
	/* change_lock may be held for long (a stop waits for QEMU): not in the main context */
	g_thread_unref(g_thread_new("vm-exit", qemu_exited, data));
	return G_SOURCE_REMOVE;
}

void vm_rt_watch(struct mgr *m, const char *name)
{
	pid_t pid = qemu_pid(m, name);
	struct qemu_watch *w;
	GSource *src;
	int fd;

	if (pid <= 0) {
		vm_net_release(m, name);	/* left by a QEMU that exited while no one watched */
		return;
	}
	fd = pidfd_open(pid, 0);
	if (fd < 0) {
		log_warning("VM '%s': cannot watch QEMU (pid %d): %s; its macvtaps stay until its "
			    "next start or stop if it exits by itself", name, (int) pid,
			    g_strerror(errno));
		return;
	}
	w = g_new0(struct qemu_watch, 1);
	w->m = m;
	w->name = g_strdup(name);
	w->pid = pid;
	w->pidfd = fd;
	/* a pidfd polls readable once the process has exited */
	src = g_unix_fd_source_new(fd, G_IO_IN);
	g_source_set_callback(src, G_SOURCE_FUNC(on_qemu_exit), w, NULL);
	g_source_attach(src, m->main_ctx);
	g_source_unref(src);
}

int vm_rt_start(struct mgr *m, const char *name, char **ret_err)
{
	g_autoptr(instance_row_t) row = NULL;
	g_autoptr(GHashTable) devs = NULL;
	g_autoptr(GPtrArray) nics = NULL;
	g_autoptr(qmp_t) q = NULL;
	g_auto(GStrv) argv = NULL;
	g_autofree char *mk = marker_path(m, name), *root = NULL, *rdir = NULL, *ldir = NULL;
	g_autofree char *sock = rt_path(m, name, "qmp.sock"), *pf = rt_path(m, name, "qemu.pid");
	g_autofree char *serial = NULL, *err = NULL;
	struct vm_spec s = { .name = name };
	const char *v, *accel = g_getenv("LXKIT_VM_ACCEL");
	guint64 n;
	uint64_t mem = VM_MEMORY_DEFAULT;
	GHashTableIter it;
	gpointer k, d;
	pid_t pid;
	int r;

	if (qemu_pid(m, name) > 0) {
		*ret_err = g_strdup_printf("virtual machine '%s' is already running", name);
		return -EBUSY;
	}
	r = inst_db_get(m->db, name, &row);
	if (r < 0) {
		*ret_err = g_strdup_printf("instance '%s' not found", name);
		return r;
	}
	if (!g_file_get_contents(mk, &root, NULL, NULL)) {
		*ret_err = g_strdup_printf("virtual machine '%s' has no marker %s", name, mk);
		return -ENOENT;
	}
	g_strstrip(root);
	s.root_disk = root;
	s.kernel = g_hash_table_lookup(row->config, "vm.kernel");
	s.initrd = g_hash_table_lookup(row->config, "vm.initrd");
	v = g_hash_table_lookup(row->config, "vm.append");
	s.append = v ? v : VM_APPEND_DEFAULT;
	/* without vm.kernel the firmware boots the root disk (an imported disk image) */
	if (s.kernel && access(s.kernel, R_OK) < 0) {
		*ret_err = g_strdup_printf("cannot start '%s': vm.kernel '%s' is not readable", name,
					   s.kernel);
		return -ENOENT;
	}
	if (s.initrd && access(s.initrd, R_OK) < 0) {
		*ret_err = g_strdup_printf("cannot start '%s': vm.initrd '%s' is not readable", name,
					   s.initrd);
		return -ENOENT;
	}
	v = g_hash_table_lookup(row->config, "limits.memory");
	if (v && size_parse(v, &mem) < 0) {
		*ret_err = g_strdup_printf("invalid limits.memory '%s'", v);
		return -EINVAL;
	}
	s.memory_mib = MAX(mem >> 20, 64);
	v = g_hash_table_lookup(row->config, "limits.cpu");
	s.cpus = v && g_ascii_string_to_unsigned(v, 10, 1, 64, &n, NULL) ? (unsigned) n : 1;
	s.kvm = accel && g_str_equal(accel, "kvm");
	rdir = g_build_filename(m->runtime_dir, "vms", name, NULL);
	ldir = mgr_path(m, "logs", name, NULL);
	if (g_mkdir_with_parents(rdir, 0700) < 0 || g_mkdir_with_parents(ldir, 0700) < 0) {
		*ret_err = g_strdup_printf("cannot create %s or %s: %s", rdir, ldir, g_strerror(errno));
		return -EIO;
	}
	serial = g_build_filename(ldir, "console.log", NULL);
	s.serial_log = serial;
	s.qmp_socket = sock;
	s.pidfile = pf;
	(void) g_unlink(sock);
	(void) g_unlink(pf);
	{
		g_autofree char *fz = rt_path(m, name, "frozen");

		(void) g_unlink(fz);
	}
	r = vm_net_open(m, row, &nics, ret_err);	/* the taps of its nics */
	if (r < 0)
		return r;
	argv = vm_net_argv(vm_qemu_argv(&s), nics);
	r = vm_net_spawn(argv, nics, ret_err);
	pid = r < 0 ? 0 : qemu_pid(m, name);
	if (r >= 0 && pid <= 0) {
		*ret_err = g_strdup_printf("QEMU of '%s' exited at once (see %s)", name, serial);
		r = -EIO;
	}
	if (r < 0) {
		vm_net_release(m, name);
		return r;
	}
	r = qmp_connect(sock, QMP_TIMEOUT_MS, &q, ret_err);
	if (r < 0)
		goto fail;
	/* the devices, through the same path as a hot-add, while the guest is paused */
	devs = devices_parse(row->devices);
	g_hash_table_iter_init(&it, devs);
	while (g_hash_table_iter_next(&it, &k, &d)) {
		struct vm_dev vd;

		if (is_root_disk(d) || vm_net_is_nic(d))
			continue;	/* nics are on QEMU's command line (vm-net.h) */
		g_autoptr(GHashTable) rd = NULL;

		r = dev_cfg_resolve(m, d, &rd, ret_err);
		if (r >= 0)
			r = vm_dev_parse(k, rd, &vd, ret_err);
		if (r < 0)
			goto fail;
		r = attach_q(q, &vd, ret_err);
		if (r == -ENODEV && vd.kind == VM_DEV_USB_HOST && !vd.required) {
			log_info("VM '%s': usb device '%s' is not on the host: %s", name, (char *) k,
				 *ret_err);
			g_clear_pointer(ret_err, g_free);
			continue;
		}
		if (r < 0)
			goto fail;
	}
	r = qmp_execute(q, "{\"execute\":\"cont\"}", QMP_TIMEOUT_MS, NULL, ret_err);
	if (r < 0)
		goto fail;
	log_info("VM '%s' started: QEMU pid %d", name, (int) pid);
	vm_rt_watch(m, name);
	return 0;
fail:
	kill_qemu(m, name, pid);
	return r;
}

int vm_rt_stop(struct mgr *m, const char *name, int timeout_s, char **ret_err)
{
	pid_t pid = qemu_pid(m, name);

	(void) ret_err;
	if (pid <= 0)
		return 0;
	if (timeout_s > 0) {
		g_autoptr(qmp_t) q = NULL;
		g_autofree char *sock = rt_path(m, name, "qmp.sock"), *err = NULL;
		gint64 until = g_get_monotonic_time() + (gint64) timeout_s * G_USEC_PER_SEC;

		if (qmp_connect(sock, 3000, &q, &err) >= 0 &&
		    qmp_execute(q, "{\"execute\":\"system_powerdown\"}", 3000, NULL, &err) >= 0) {
			while (qemu_pid(m, name) == pid && g_get_monotonic_time() < until)
				g_usleep(100 * 1000);
		} else {
			log_info("VM '%s': no clean shutdown: %s", name, err);
		}
		if (qemu_pid(m, name) == pid)
			log_info("VM '%s' did not power down within %d s: killing QEMU", name, timeout_s);
	}
	kill_qemu(m, name, pid);
	if (qemu_pid(m, name) == pid) {
		*ret_err = g_strdup_printf("QEMU of '%s' (pid %d) does not exit", name, (int) pid);
		return -EBUSY;
	}
	return 0;
}

int vm_rt_destroy(struct mgr *m, const char *name, char **ret_err)
{
	g_autofree char *mk = marker_path(m, name), *dir = mgr_path(m, "vms", name, NULL);
	g_autofree char *rdir = g_build_filename(m->runtime_dir, "vms", name, NULL);
	int r;

	r = vm_rt_stop(m, name, 0, ret_err);
	if (r < 0)
		return r;
	(void) g_unlink(mk);
	(void) g_rmdir(dir);
	(void) g_rmdir(rdir);
	return 0;
}

/* QMP stop/cont; the state is kept in <runtime-dir>/vms/<name>/frozen, so that reading it
 * never waits for the monitor (which takes one client at a time) */
static int pause_vm(struct mgr *m, const char *name, bool freeze, char **ret_err)
{
	g_autofree char *sock = rt_path(m, name, "qmp.sock"), *fz = rt_path(m, name, "frozen");
	g_autoptr(qmp_t) q = NULL;
	int r;

	if (qemu_pid(m, name) <= 0) {
		*ret_err = g_strdup_printf("virtual machine '%s' is not running", name);
		return -EINVAL;
	}
	r = qmp_connect(sock, QMP_TIMEOUT_MS, &q, ret_err);
	if (r >= 0)
		r = qmp_execute(q, freeze ? "{\"execute\":\"stop\"}" : "{\"execute\":\"cont\"}",
				QMP_TIMEOUT_MS, NULL, ret_err);
	if (r < 0)
		return r;
	if (freeze && !g_file_set_contents(fz, "", 0, NULL))
		log_error("VM '%s': cannot write %s", name, fz);
	if (!freeze)
		(void) g_unlink(fz);
	return 0;
}

int vm_rt_freeze(struct mgr *m, const char *name, char **ret_err)
{
	return pause_vm(m, name, true, ret_err);
}

int vm_rt_unfreeze(struct mgr *m, const char *name, char **ret_err)
{
	return pause_vm(m, name, false, ret_err);
}

int vm_dev_attach(struct mgr *m, const char *name, const char *dev, GHashTable *cfg,
		  char **ret_err)
{
	g_autofree char *sock = rt_path(m, name, "qmp.sock");
	g_autoptr(qmp_t) q = NULL;
	struct vm_dev d;
	int r;

	r = vm_dev_parse(dev, cfg, &d, ret_err);
	if (r >= 0)
		r = qmp_connect(sock, QMP_TIMEOUT_MS, &q, ret_err);
	if (r >= 0)
		r = attach_q(q, &d, ret_err);
	if (r == -ENODEV && d.kind == VM_DEV_USB_HOST && !d.required) {
		/* spec §6: stored and pending; attached at a start that finds it */
		log_info("VM '%s': usb device '%s' is pending: %s", name, dev, *ret_err);
		g_clear_pointer(ret_err, g_free);
		r = 0;
	}
	return r;
}

int vm_dev_detach(struct mgr *m, const char *name, const char *dev, GHashTable *cfg,
		  int timeout_s, char **ret_err)
{
	g_autofree char *sock = rt_path(m, name, "qmp.sock"), *cmd = NULL, *bd = NULL;
	g_autofree char *id = vm_dev_qemu_id(dev);
	g_autoptr(qmp_t) q = NULL;
	struct vm_dev d;
	bool gone = false;
	int r;

	r = vm_dev_parse(dev, cfg, &d, ret_err);
	if (r >= 0)
		r = qmp_connect(sock, QMP_TIMEOUT_MS, &q, ret_err);
	if (r < 0)
		return r;
	timeout_s = vm_detach_timeout_s(timeout_s);	/* tests: LXKIT_VM_DETACH_TIMEOUT */
	cmd = vm_dev_del_cmd(&d);
	r = qmp_execute(q, cmd, QMP_TIMEOUT_MS, NULL, ret_err);
	if (r < 0) {
		if (!*ret_err || !strstr(*ret_err, "not found"))
			return r;
		/* not in QEMU: a usb device that was not on the host at start, or a device whose
		 * earlier removal timed out and that the guest released since: finish it */
		g_clear_pointer(ret_err, g_free);
		gone = true;
		r = 0;
	}
	if (!gone)
		r = qmp_wait_event(q, "DEVICE_DELETED", id, timeout_s * 1000, ret_err);
	if (r < 0) {
		char *msg = g_strdup_printf("the guest did not release device '%s' within %d s (%s): "
					    "it stays attached and configured; QEMU completes the "
					    "removal when the guest releases it, remove it again then",
					    dev, timeout_s, *ret_err);

		g_free(*ret_err);
		*ret_err = msg;
		return r;
	}
	bd = vm_dev_blockdev_del_cmd(&d);
	if (bd) {
		r = qmp_execute(q, bd, QMP_TIMEOUT_MS, NULL, ret_err);
		if (r < 0 && gone && *ret_err && strstr(*ret_err, "not found")) {
			g_clear_pointer(ret_err, g_free);
			r = 0;
		}
	}
	return r;
}

int vm_dev_check(struct mgr *m, const char *dev, GHashTable *cfg, struct api_resp *ret)
{
	g_autofree char *err = NULL;
	struct vm_dev d;
	unsigned bus, addr;

	(void) m;
	if (vm_dev_parse(dev, cfg, &d, &err) < 0)
		return api_errorf(ret, 400, "%s", err);
	if (d.kind != VM_DEV_USB_HOST) {
		struct stat st;

		if (stat(d.source, &st) < 0) {
			if (!d.required)
				return 0;
			return api_errorf(ret, 400, "device '%s': source '%s' does not exist", dev,
					  d.source);
		}
		if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
			return api_errorf(ret, 400, "device '%s': source '%s' is not an image file or "
					  "block device (host directories cannot be given to a "
					  "virtual machine)", dev, d.source);
		return 0;
	}
	if (d.required && vm_usb_host_find(sysfs_usb(), &d, &bus, &addr, &err) < 0)
		return api_errorf(ret, 400, "%s", err);
	return 0;
}

/* ---- create ---- */

struct vm_job {
	struct mgr *m;
	char *name, *pool_name, *devices, *description, *marker;
	char *image, *image_format;	/* source image: host path and format, or NULL */
	int64_t pool_id;
	struct pool *p;
	GHashTable *config;
	uint64_t size;
	bool volume_made;
};

static void vm_job_free(void *data)
{
	struct vm_job *j = data;

	g_free(j->name);
	g_free(j->pool_name);
	g_free(j->devices);
	g_free(j->description);
	g_free(j->marker);
	g_free(j->image);
	g_free(j->image_format);
	if (j->p)
		pool_free(j->p);
	if (j->config)
		g_hash_table_unref(j->config);
	g_free(j);
}

static void undo_vm_rows(void *data)
{
	struct vm_job *j = data;

	if (inst_db_delete(j->m->db, j->name) < 0)
		log_error("Failed to remove the rows of VM '%s' while undoing", j->name);
}

static void undo_vm_volume(void *data)
{
	struct vm_job *j = data;
	g_autofree char *err = NULL;

	if (volume_storage_delete(j->p, "container", j->name, &err) < 0)
		log_error("Failed to remove the root volume of VM '%s' while undoing: %s", j->name, err);
}

int vm_mark(struct mgr *m, const char *name, const struct pool *p, char **ret_err)
{
	g_autofree char *vol = volume_path(p, "container", name), *marker = marker_path(m, name);
	g_autofree char *img = g_build_filename(vol, VOLUME_BLOCK_FILE, NULL);
	g_autofree char *dir = mgr_path(m, "vms", name, NULL);
	g_autoptr(GError) gerr = NULL;

	if (g_mkdir_with_parents(dir, 0700) < 0 || !g_file_set_contents(marker, img, -1, &gerr)) {
		*ret_err = g_strdup_printf("cannot write %s: %s", marker,
					   gerr ? gerr->message : g_strerror(errno));
		return -EIO;
	}
	return 0;
}

static int vm_create_work(struct mgr *m, struct op *op, void *data, char **ret_err)
{
	struct vm_job *j = data;
	_cleanup_revert_ struct revert_stack rs = {};
	g_autofree char *now = mgr_now_rfc3339();
	struct instance_row row = { .name = j->name, .type = "virtual-machine",
				    .description = j->description, .config = j->config,
				    .devices = j->devices, .pool = j->pool_name, .created_at = now };
	int r;

	(void) op;
	r = inst_db_insert(m->db, &row, j->pool_id);
	if (r < 0) {
		*ret_err = r == -EEXIST ? g_strdup_printf("instance '%s' already exists", j->name) :
			g_strdup_printf("cannot record instance '%s'", j->name);
		return r;
	}
	revert_push(&rs, undo_vm_rows, j);
	r = mgr_step(m, "instance-create/volume", ret_err);
	if (r < 0)
		return r;
	r = volume_storage_create(j->p, "container", j->name, true, j->size, ret_err);
	if (r < 0)
		return r;
	revert_push(&rs, undo_vm_volume, j);
	mgr_step_done(m, "instance-create/volume");
	if (j->image) {
		g_autofree char *vol = volume_path(j->p, "container", j->name);
		g_autofree char *img = g_build_filename(vol, VOLUME_BLOCK_FILE, NULL);

		r = mgr_step(m, "instance-create/image", ret_err);
		if (r >= 0)
			r = vm_image_import(j->image, j->image_format, img, ret_err);
		if (r < 0)
			return r;
		mgr_step_done(m, "instance-create/image");
	}
	r = vm_mark(m, j->name, j->p, ret_err);
	if (r < 0)
		return r;
	r = inst_db_set_state(m->db, j->name, "created");
	if (r < 0) {
		(void) g_unlink(j->marker);
		*ret_err = g_strdup_printf("cannot record instance '%s'", j->name);
		return r;
	}
	revert_disarm(&rs);
	log_info("VM '%s' created on pool '%s'", j->name, j->pool_name);
	return 0;
}

int vm_instances_create(struct mgr *m, JsonObject *o, struct api_resp *ret)
{
	g_autoptr(GHashTable) config = NULL;
	g_autoptr(pool_row_t) prow = NULL;
	g_autoptr(struct_pool) p = NULL;
	g_autoptr(instance_row_t) existing = NULL;
	g_autoptr(volume_row_t) vexisting = NULL;
	g_autoptr(GHashTable) devs = NULL;
	g_autoptr(JsonGenerator) gen = json_generator_new();
	JsonObject *src = NULL, *dobj = NULL;
	const char *name = NULL, *stype = NULL, *description = "", *pool = NULL, *rootname = NULL;
	const char *image = NULL;
	g_autofree char *url = NULL, *err = NULL, *image_format = NULL;
	uint64_t size = VM_ROOT_SIZE_DEFAULT, image_size = 0;
	struct vm_job *j;
	GHashTableIter it;
	gpointer k, d;
	int r;

	r = api_obj_string(o, "name", &name, ret);
	if (r >= 0)
		r = api_obj_string(o, "description", &description, ret);
	if (r >= 0)
		r = api_obj_object(o, "source", NULL, &src, ret);
	if (r >= 0)
		r = api_obj_object(o, "devices", NULL, &dobj, ret);
	if (r >= 0)
		r = api_obj_config(o, "config", &config, ret);
	if (r < 0)
		return r;
	if (!name || !name_instance_valid(name))
		return api_errorf(ret, 400, "invalid instance name '%s'", name ? name : "");
	if (src && (r = api_obj_string(src, "type", &stype, ret)) < 0)
		return r;
	if (stype && !g_str_equal(stype, "none") && !g_str_equal(stype, "image"))
		return api_errorf(ret, 400, "invalid source type '%s' for a virtual machine: 'none' "
				  "(boot vm.kernel), 'image' (a disk image to import) or 'copy'", stype);
	if (stype && g_str_equal(stype, "image")) {
		r = api_obj_string(src, "source", &image, ret);
		if (r < 0)
			return r;
		if (!image)
			return api_errorf(ret, 400, "source type 'image' needs 'source': the host path "
					  "of a raw or qcow2 disk image");
		r = vm_image_probe(image, &image_format, &image_size, &err);
		if (r < 0)
			return api_errorf(ret, 400, "%s", err);
	}
	if (json_object_has_member(o, "ephemeral") &&
	    json_node_get_boolean(json_object_get_member(o, "ephemeral")))
		return api_errorf(ret, 400, "ephemeral virtual machines are not supported");
	if (!config)
		config = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	if (vm_config_validate(config, NULL, !image, &err) < 0)
		return api_errorf(ret, 400, "%s", err);
	if (image) {	/* where the root disk came from, as LXD's image.* keys */
		g_hash_table_replace(config, g_strdup("image.source"), g_strdup(image));
		g_hash_table_replace(config, g_strdup("image.format"), g_strdup(image_format));
	}
	if (!dobj)
		return api_errorf(ret, 400, "a root disk device is required: \"devices\": {\"root\": "
				  "{\"type\": \"disk\", \"path\": \"/\", \"pool\": \"POOL\"}}");
	{
		g_autoptr(JsonNode) n = json_node_new(JSON_NODE_OBJECT);
		g_autofree char *text = NULL;

		json_node_set_object(n, dobj);
		json_generator_set_root(gen, n);
		text = json_generator_to_data(gen, NULL);
		devs = devices_parse(text);
	}
	g_hash_table_iter_init(&it, devs);
	while (g_hash_table_iter_next(&it, &k, &d)) {
		if (!name_object_valid(k))
			return api_errorf(ret, 400, "invalid device name '%s'", (char *) k);
		if (is_root_disk(d)) {
			const char *sz = g_hash_table_lookup(d, "size");

			if (rootname)
				return api_errorf(ret, 400, "device '%s': a second root disk", (char *) k);
			rootname = k;
			pool = g_hash_table_lookup(d, "pool");
			if (!pool || !name_object_valid(pool))
				return api_errorf(ret, 400, "device '%s': the root disk needs a valid "
						  "'pool'", (char *) k);
			if (sz && (size_parse(sz, &size) < 0 || size < (1ULL << 20)))
				return api_errorf(ret, 400, "device '%s': invalid size '%s'", (char *) k, sz);
			if (sz && image && size < image_size)
				return api_errorf(ret, 400, "device '%s': size '%s' is smaller than the "
						  "disk image '%s' (%" G_GUINT64_FORMAT " bytes)",
						  (char *) k, sz, image, image_size);
			if (!sz && image && size < image_size)	/* MiB-aligned */
				size = (image_size + (1ULL << 20) - 1) & ~((1ULL << 20) - 1);
			continue;
		}
		if (vm_net_is_nic(d)) {
			g_autofree char *err = NULL;

			if (nic_add(m, true, k, d, &err) < 0)
				return api_errorf(ret, 400, "%s", err);
			continue;
		}
		r = vm_dev_check(m, k, d, ret);
		if (r < 0)
			return r;
	}
	if (!rootname)
		return api_errorf(ret, 400, "a root disk device is required: \"devices\": {\"root\": "
				  "{\"type\": \"disk\", \"path\": \"/\", \"pool\": \"POOL\"}}");
	if (inst_db_get(m->db, name, &existing) >= 0)
		return api_errorf(ret, 409, "instance '%s' already exists", name);
	r = storage_pool_lookup(m, pool, true, &prow, &p, ret);
	if (r < 0)
		return r;
	if (db_volume_get(m->db, prow->id, "container", name, &vexisting) >= 0)
		return api_errorf(ret, 409, "storage pool '%s' already has a volume '%s' for instances",
				  pool, name);
	j = g_new0(struct vm_job, 1);
	j->m = m;
	j->name = g_strdup(name);
	j->pool_name = g_strdup(pool);
	j->pool_id = prow->id;
	j->p = g_steal_pointer(&p);
	j->description = g_strdup(description);
	j->devices = json_generator_to_data(gen, NULL);
	j->config = g_steal_pointer(&config);
	j->size = size;
	j->marker = marker_path(m, name);
	j->image = g_strdup(image);
	j->image_format = g_steal_pointer(&image_format);
	url = g_strdup_printf("/1.0/instances/%s", name);
	return op_start(m, "Creating instance", "instances", url, vm_create_work, j, vm_job_free, ret);
}
