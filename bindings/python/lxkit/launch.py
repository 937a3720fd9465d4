# SPDX-License-Identifier: LGPL-2.1-or-later
"""LXC containers through liblxlaunch (the library behind the lxlaunch CLI).

Needs root. Every function raises lxkit.LaunchError (an OSError: ``errno`` and the launcher's
one-line message in ``strerror``) on failure: EINVAL bad option value, ENOENT container or
rootfs not found, EEXIST name taken, ENODEV bridge missing, EPERM not root, EOPNOTSUPP host
lacks a feature, EIO liblxc failed (details in its log), ESRCH not running. liblxlaunch is
not thread-safe: calls hold the GIL and run one at a time.
"""

import builtins

from . import _native

__all__ = ["available", "DEFAULT_LXCPATH", "create", "start", "stop", "exec", "destroy", "info", "list"]

DEFAULT_LXCPATH = _native.DEFAULT_LXCPATH
available = bool(_native.HAVE_LAUNCH)


def _need():
    if not available:
        raise NotImplementedError("lxkit was built without liblxlaunch (liblxc or libcap missing)")


def create(name, options=None, lxcpath=DEFAULT_LXCPATH):
    """Creates container ``name`` under ``lxcpath``. ``options`` maps lxlaunch option names
    (without dashes) to strings: "template" (default "busybox"), "rootfs", "memory" (e.g.
    "256M"), "memory-swap", "cpus" ("1.5"), "cpuset" ("0-1"), "pids", "io-weight", "network"
    ("none", "host", "bridge=BR"), "cap-drop", "cap-add", "seccomp", "lxcfs", ... On failure
    nothing of the container is left."""
    _need()
    _native.launch_create(name, dict(options or {}), lxcpath)


def start(name, lxcpath=DEFAULT_LXCPATH, lxcfs_dir=None):
    """Starts the created container in the background and waits until it runs. ``lxcfs_dir``:
    the lxcfs mount whose views are bound in (None: the default mountpoint)."""
    _need()
    _native.launch_start(name, lxcpath, lxcfs_dir)


def stop(name, lxcpath=DEFAULT_LXCPATH, timeout=30):
    """Asks init to shut down, waits up to ``timeout`` seconds, then kills it. Not running is
    not an error."""
    _need()
    _native.launch_stop(name, lxcpath, int(timeout))


def exec(name, argv, lxcpath=DEFAULT_LXCPATH, capture=False):
    """Runs ``argv`` (list of str) in the running container and waits. Returns the exit status
    (128 + N when killed by signal N, 126 not executable, 127 not found). With ``capture``,
    returns (status, stdout bytes, stderr bytes) instead of using this process's stdio."""
    _need()
    return _native.launch_exec(name, builtins.list(argv), lxcpath, bool(capture))


def destroy(name, lxcpath=DEFAULT_LXCPATH):
    """Stops (kills) the container if it runs and destroys it with its rootfs."""
    _need()
    _native.launch_destroy(name, lxcpath)


def info(name, lxcpath=DEFAULT_LXCPATH):
    """{"name", "state" ("RUNNING", "STOPPED", ...), "init_pid" (host pid, 0 unless running),
    "memory", "memory_swap", "cpu", "cpuset", "pids", "network" (configured values as str, or
    None when unset)}."""
    _need()
    return _native.launch_info(name, lxcpath)


def list(lxcpath=DEFAULT_LXCPATH):
    """info() of every container defined under ``lxcpath``, sorted by name."""
    _need()
    return _native.launch_list(lxcpath)
