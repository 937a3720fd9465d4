/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxkit._native: the CPython glue over liblxkit-views (bindings/c/lxkit-views.h) and
 * liblxlaunch (launcher/lib/lxc.h, spec.h). No logic: arguments in, C call, errors out as
 * exceptions. lxkit/__init__.py wraps it into lxkit.views and lxkit.launch. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lxkit-views.h"
#ifdef LXKIT_HAVE_LAUNCH
#include "lxc.h"
#include "spec.h"
#endif

static PyObject *launch_error;	/* lxkit.LaunchError, an OSError */

/* OSError(errno, strerror): Python picks the subclass (FileNotFoundError for ENOENT, ...) */
static PyObject *raise_errno(int r, const char *what)
{
	PyObject *v = Py_BuildValue("(iss)", -r, strerror(-r), what);

	if (v) {
		PyErr_SetObject(PyExc_OSError, v);
		Py_DECREF(v);
	}
	return NULL;
}

typedef int (*view_fn)(const char *cgroup, char **ret_text);

static PyObject *call_view(PyObject *args, view_fn fn)
{
	PyObject *path_obj = NULL, *ret;
	char *text = NULL;
	int r;

	if (!PyArg_ParseTuple(args, "O&", PyUnicode_FSConverter, &path_obj))
		return NULL;
	Py_BEGIN_ALLOW_THREADS
	r = fn(PyBytes_AS_STRING(path_obj), &text);
	Py_END_ALLOW_THREADS
	if (r < 0) {
		ret = raise_errno(r, PyBytes_AS_STRING(path_obj));
		Py_DECREF(path_obj);
		return ret;
	}
	Py_DECREF(path_obj);
	ret = PyUnicode_DecodeFSDefault(text);
	free(text);
	return ret;
}

#define VIEW_WRAPPER(name)							\
	static PyObject *py_view_##name(PyObject *self, PyObject *args)	\
	{									\
		return call_view(args, lxkit_view_##name);			\
	}
VIEW_WRAPPER(meminfo)
VIEW_WRAPPER(cpuinfo)
VIEW_WRAPPER(stat)
VIEW_WRAPPER(diskstats)
VIEW_WRAPPER(loadavg)

static PyObject *py_view_uptime(PyObject *self, PyObject *args)
{
	PyObject *ret;
	char *text = NULL;
	int pid, r;

	if (!PyArg_ParseTuple(args, "i", &pid))
		return NULL;
	Py_BEGIN_ALLOW_THREADS
	r = lxkit_view_uptime((pid_t) pid, &text);
	Py_END_ALLOW_THREADS
	if (r < 0) {
		char what[32];

		snprintf(what, sizeof(what), "pid %d", pid);
		return raise_errno(r, what);
	}
	ret = PyUnicode_DecodeFSDefault(text);
	free(text);
	return ret;
}

#ifdef LXKIT_HAVE_LAUNCH
/* liblxlaunch is not thread-safe (lxc.h): every call runs with the GIL held, one at a time */

static PyObject *raise_launch(const struct lxl_error *err, int r)
{
	PyObject *v = Py_BuildValue("(is)", -r, err->msg[0] ? err->msg : strerror(-r));

	if (v) {
		PyErr_SetObject(launch_error, v);
		Py_DECREF(v);
	}
	return NULL;
}

static PyObject *py_launch_create(PyObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "name", "options", "lxcpath", NULL };
	const char *name, *lxcpath = LXL_DEFAULT_LXCPATH;
	struct lxl_error err = {};
	struct lxl_spec spec;
	PyObject *options = NULL, *key, *value;
	Py_ssize_t pos = 0;
	int r;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "s|O!s", kwlist, &name, &PyDict_Type, &options,
					 &lxcpath))
		return NULL;
	lxl_spec_init(&spec);
	r = lxl_spec_set(&spec, "name", name, &err);
	while (r >= 0 && options && PyDict_Next(options, &pos, &key, &value)) {
		const char *k = PyUnicode_Check(key) ? PyUnicode_AsUTF8(key) : NULL;
		const char *v = PyUnicode_Check(value) ? PyUnicode_AsUTF8(value) : NULL;

		if (!k || !v) {
			lxl_spec_done(&spec);
			PyErr_Clear();
			PyErr_SetString(PyExc_TypeError, "launch options must map str to str");
			return NULL;
		}
		r = lxl_spec_set(&spec, k, v, &err);
	}
	if (r >= 0)
		r = lxl_spec_validate(&spec, true, &err);
	if (r >= 0)
		r = lxl_create(&spec, lxcpath, NULL, &err);
	lxl_spec_done(&spec);
	if (r < 0)
		return raise_launch(&err, r);
	Py_RETURN_NONE;
}

static PyObject *py_launch_start(PyObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "name", "lxcpath", "lxcfs_dir", NULL };
	const char *name, *lxcpath = LXL_DEFAULT_LXCPATH, *lxcfs_dir = NULL;
	struct lxl_error err = {};
	int r;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "s|sz", kwlist, &name, &lxcpath, &lxcfs_dir))
		return NULL;
	r = lxl_start(lxcpath, name, lxcfs_dir, &err);
	if (r < 0)
		return raise_launch(&err, r);
	Py_RETURN_NONE;
}

static PyObject *py_launch_stop(PyObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "name", "lxcpath", "timeout", NULL };
	const char *name, *lxcpath = LXL_DEFAULT_LXCPATH;
	struct lxl_error err = {};
	int timeout = 30, r;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "s|si", kwlist, &name, &lxcpath, &timeout))
		return NULL;
	if (timeout < 0) {
		PyErr_SetString(PyExc_ValueError, "timeout must be >= 0 seconds");
		return NULL;
	}
	r = lxl_stop(lxcpath, name, timeout, &err);
	if (r < 0)
		return raise_launch(&err, r);
	Py_RETURN_NONE;
}

static PyObject *py_launch_destroy(PyObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "name", "lxcpath", NULL };
	const char *name, *lxcpath = LXL_DEFAULT_LXCPATH;
	struct lxl_error err = {};
	int r;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "s|s", kwlist, &name, &lxcpath))
		return NULL;
	r = lxl_destroy(lxcpath, name, &err);
	if (r < 0)
		return raise_launch(&err, r);
	Py_RETURN_NONE;
}

static void strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

/* Reads all of memfd @fd from offset 0 as bytes */
static PyObject *memfd_bytes(int fd)
{
	off_t n = lseek(fd, 0, SEEK_END);
	PyObject *b;

	if (n < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return PyErr_SetFromErrno(PyExc_OSError);
	b = PyBytes_FromStringAndSize(NULL, n);
	if (!b)
		return NULL;
	for (off_t got = 0; got < n;) {
		ssize_t k = read(fd, PyBytes_AS_STRING(b) + got, (size_t) (n - got));

		if (k <= 0) {
			Py_DECREF(b);
			return PyErr_SetFromErrno(PyExc_OSError);
		}
		got += k;
	}
	return b;
}

/* exec(name, argv, lxcpath, capture): with capture, the command's stdout and stderr go to two
 * memfds (this process's fds 1 and 2 are pointed there for the call and restored after), and
 * (status, stdout, stderr) is returned; else the caller's stdio and the status alone. */
static PyObject *py_launch_exec(PyObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "name", "argv", "lxcpath", "capture", NULL };
	const char *name, *lxcpath = LXL_DEFAULT_LXCPATH;
	struct lxl_error err = {};
	PyObject *argv_obj, *seq, *out = NULL, *errb = NULL, *ret = NULL;
	char **argv;
	int capture = 0, status = 0, r;
	int fds[2] = { -1, -1 }, saved[2] = { -1, -1 };
	Py_ssize_t n;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "sO|sp", kwlist, &name, &argv_obj, &lxcpath,
					 &capture))
		return NULL;
	seq = PySequence_Fast(argv_obj, "argv must be a sequence of str");
	if (!seq)
		return NULL;
	n = PySequence_Fast_GET_SIZE(seq);
	if (n == 0) {
		Py_DECREF(seq);
		PyErr_SetString(PyExc_ValueError, "argv must not be empty");
		return NULL;
	}
	argv = calloc((size_t) n + 1, sizeof(char *));
	if (!argv) {
		Py_DECREF(seq);
		return PyErr_NoMemory();
	}
	for (Py_ssize_t i = 0; i < n; i++) {
		PyObject *o = PySequence_Fast_GET_ITEM(seq, i);
		const char *s = PyUnicode_Check(o) ? PyUnicode_AsUTF8(o) : NULL;

		if (!s || !(argv[i] = strdup(s))) {
			strv_free(argv);
			Py_DECREF(seq);
			if (!PyErr_Occurred())
				PyErr_SetString(PyExc_TypeError, "argv must be a sequence of str");
			return NULL;
		}
	}
	Py_DECREF(seq);

	if (capture) {
		fflush(stdout);
		fflush(stderr);
		for (int i = 0; i < 2; i++) {
			fds[i] = memfd_create(i ? "lxkit-exec-stderr" : "lxkit-exec-stdout", MFD_CLOEXEC);
			saved[i] = fcntl(i + 1, F_DUPFD_CLOEXEC, 3);
			if (fds[i] < 0 || saved[i] < 0) {
				PyErr_SetFromErrno(PyExc_OSError);
				goto out;
			}
		}
		(void) dup2(fds[0], 1);
		(void) dup2(fds[1], 2);
	}
	r = lxl_exec(lxcpath, name, argv, NULL, &status, &err);
	if (capture) {
		(void) dup2(saved[0], 1);
		(void) dup2(saved[1], 2);
	}
	if (r < 0) {
		raise_launch(&err, r);
		goto out;
	}
	if (!capture) {
		ret = PyLong_FromLong(status);
		goto out;
	}
	out = memfd_bytes(fds[0]);
	errb = out ? memfd_bytes(fds[1]) : NULL;
	if (out && errb)
		ret = Py_BuildValue("(iOO)", status, out, errb);
out:
	Py_XDECREF(out);
	Py_XDECREF(errb);
	for (int i = 0; i < 2; i++) {
		if (fds[i] >= 0)
			(void) close(fds[i]);
		if (saved[i] >= 0)
			(void) close(saved[i]);
	}
	strv_free(argv);
	return ret;
}

static PyObject *info_dict(const struct lxl_info *in)
{
	return Py_BuildValue("{s:s,s:s,s:i,s:z,s:z,s:z,s:z,s:z,s:z}",
			     "name", in->name ? in->name : "", "state", in->state ? in->state : "",
			     "init_pid", (int) in->init_pid, "memory", in->memory,
			     "memory_swap", in->memory_swap, "cpu", in->cpu, "cpuset", in->cpuset,
			     "pids", in->pids, "network", in->network);
}

static PyObject *py_launch_info(PyObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "name", "lxcpath", NULL };
	const char *name, *lxcpath = LXL_DEFAULT_LXCPATH;
	struct lxl_error err = {};
	struct lxl_info info = {};
	PyObject *ret;
	int r;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "s|s", kwlist, &name, &lxcpath))
		return NULL;
	r = lxl_info_get(lxcpath, name, &info, &err);
	if (r < 0)
		return raise_launch(&err, r);
	ret = info_dict(&info);
	lxl_info_done(&info);
	return ret;
}

static PyObject *py_launch_list(PyObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "lxcpath", NULL };
	const char *lxcpath = LXL_DEFAULT_LXCPATH;
	struct lxl_error err = {};
	struct lxl_info *infos = NULL;
	PyObject *ret;
	size_t n = 0;
	int r;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|s", kwlist, &lxcpath))
		return NULL;
	r = lxl_list(lxcpath, &infos, &n, &err);
	if (r < 0)
		return raise_launch(&err, r);
	ret = PyList_New(0);
	for (size_t i = 0; i < n; i++) {
		PyObject *d = ret ? info_dict(&infos[i]) : NULL;

		if (!d || PyList_Append(ret, d) < 0)
			Py_CLEAR(ret);
		Py_XDECREF(d);
	}
	for (size_t i = 0; i < n; i++)
		lxl_info_done(&infos[i]);
	free(infos);
	return ret;
}
#endif

static PyMethodDef methods[] = {
	{ "view_meminfo", py_view_meminfo, METH_VARARGS, "meminfo(cgroup) -> str" },
	{ "view_cpuinfo", py_view_cpuinfo, METH_VARARGS, "cpuinfo(cgroup) -> str" },
	{ "view_stat", py_view_stat, METH_VARARGS, "stat(cgroup) -> str" },
	{ "view_diskstats", py_view_diskstats, METH_VARARGS, "diskstats(cgroup) -> str" },
	{ "view_loadavg", py_view_loadavg, METH_VARARGS, "loadavg(cgroup) -> str" },
	{ "view_uptime", py_view_uptime, METH_VARARGS, "uptime(pid) -> str" },
#ifdef LXKIT_HAVE_LAUNCH
	{ "launch_create", (PyCFunction) (void (*)(void)) py_launch_create,
	  METH_VARARGS | METH_KEYWORDS, "create(name, options=None, lxcpath=...)" },
	{ "launch_start", (PyCFunction) (void (*)(void)) py_launch_start,
	  METH_VARARGS | METH_KEYWORDS, "start(name, lxcpath=..., lxcfs_dir=None)" },
	{ "launch_stop", (PyCFunction) (void (*)(void)) py_launch_stop,
	  METH_VARARGS | METH_KEYWORDS, "stop(name, lxcpath=..., timeout=30)" },
	{ "launch_destroy", (PyCFunction) (void (*)(void)) py_launch_destroy,
	  METH_VARARGS | METH_KEYWORDS, "destroy(name, lxcpath=...)" },
	{ "launch_exec", (PyCFunction) (void (*)(void)) py_launch_exec,
	  METH_VARARGS | METH_KEYWORDS, "exec(name, argv, lxcpath=..., capture=False)" },
	{ "launch_info", (PyCFunction) (void (*)(void)) py_launch_info,
	  METH_VARARGS | METH_KEYWORDS, "info(name, lxcpath=...) -> dict" },
	{ "launch_list", (PyCFunction) (void (*)(void)) py_launch_list,
	  METH_VARARGS | METH_KEYWORDS, "list(lxcpath=...) -> [dict]" },
#endif
	{ NULL, NULL, 0, NULL },
};

static struct PyModuleDef module = {
	PyModuleDef_HEAD_INIT, "lxkit._native",
	"C glue of lxkit: liblxkit-views and liblxlaunch", -1, methods,
	NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__native(void)
{
	PyObject *m = PyModule_Create(&module);

	if (!m)
		return NULL;
	launch_error = PyErr_NewExceptionWithDoc("lxkit.LaunchError",
		"A liblxlaunch call failed: errno and the launcher's one-line message.",
		PyExc_OSError, NULL);
	if (!launch_error || PyModule_AddObject(m, "LaunchError", launch_error) < 0) {
		Py_XDECREF(launch_error);
		Py_DECREF(m);
		return NULL;
	}
	Py_INCREF(launch_error);
#ifdef LXKIT_HAVE_LAUNCH
	PyModule_AddIntConstant(m, "HAVE_LAUNCH", 1);
	PyModule_AddStringConstant(m, "DEFAULT_LXCPATH", LXL_DEFAULT_LXCPATH);
#else
	PyModule_AddIntConstant(m, "HAVE_LAUNCH", 0);
	PyModule_AddStringConstant(m, "DEFAULT_LXCPATH", "/var/lib/lxc");
#endif
	return m;
}
