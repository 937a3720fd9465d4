# SPDX-License-Identifier: LGPL-2.1-or-later
"""Container views of lxcfs, computed for a cgroup without a FUSE mount.

The text is rendered by lxcfs's own loaders and renderers (liblxkit-views, C); it equals what
an lxcfs mount (default options: no --enable-cfs, no -u) serves to a reader whose pid
namespace init sits in that cgroup. Each function returns a View: a dict of the parsed values
(units below) whose ``text`` attribute holds the rendered file.

``cgroup`` is a directory of a mounted cgroup hierarchy, e.g. "/sys/fs/cgroup/memory/X"
(cgroup v1) or "/sys/fs/cgroup/X" (cgroup v2); its path below the mountpoint ("/X") is used in
every hierarchy. A hierarchy root gives the host's file.

Errors are OSError subclasses carrying errno: FileNotFoundError (the cgroup, or a file the
view needs, does not exist), NotADirectoryError, ProcessLookupError (uptime: pid gone),
OSError EINVAL (not under a cgroup mount), EBADMSG (a kernel file did not parse), ENODATA
(diskstats: no per-cgroup IO accounting on this host).
"""

from . import _native

__all__ = ["View", "meminfo", "cpuinfo", "stat", "uptime", "diskstats", "loadavg"]


class View(dict):
    """The parsed values of one view (a dict) and its rendered ``text`` (str)."""

    def __init__(self, text, values):
        super().__init__(values)
        self.text = text

    def __repr__(self):
        return "View(%s)" % dict.__repr__(self)


def _meminfo_values(text):
    values = {}
    for line in text.splitlines():
        key, sep, rest = line.partition(":")
        if not sep:
            continue
        fields = rest.split()
        if fields:
            values[key.strip()] = int(fields[0])
    return values


def meminfo(cgroup):
    """/proc/meminfo of ``cgroup``: {"MemTotal": kB, "MemFree": kB, ...}, every value an int
    in kB (HugePages_* counts are plain numbers, as in the file)."""
    text = _native.view_meminfo(cgroup)
    return View(text, _meminfo_values(text))


def cpuinfo(cgroup):
    """/proc/cpuinfo of ``cgroup``: {"processors": [{field: str, ...} per visible CPU, in
    order, "processor" renumbered from "0"], "count": number of CPUs}."""
    text = _native.view_cpuinfo(cgroup)
    procs, cur = [], None
    for line in text.splitlines():
        if not line.strip():
            cur = None
            continue
        key, sep, value = line.partition(":")
        if not sep:
            continue
        if cur is None:
            cur = {}
            procs.append(cur)
        cur[key.strip()] = value.strip()
    return View(text, {"processors": procs, "count": len(procs)})


def stat(cgroup):
    """/proc/stat of ``cgroup``: "cpu" and "cpuN" map to lists of 10 ints in USER_HZ ticks
    (user nice system idle iowait irq softirq steal guest guest_nice); "intr" and "softirq"
    to lists of ints; "ctxt", "btime" (s since the epoch), "processes", "procs_running",
    "procs_blocked" to ints."""
    text = _native.view_stat(cgroup)
    values = {}
    for line in text.splitlines():
        fields = line.split()
        if not fields:
            continue
        nums = [int(f) for f in fields[1:]]
        if fields[0].startswith("cpu"):
            values[fields[0]] = (nums + [0] * 10)[:10]
        elif fields[0] in ("intr", "softirq"):
            values[fields[0]] = nums
        elif len(nums) == 1:
            values[fields[0]] = nums[0]
    return View(text, values)


def uptime(pid):
    """/proc/uptime of the container whose init is host ``pid``: {"uptime": seconds since that
    process started, "idle": seconds}, floats with 2 decimals. ProcessLookupError when the
    process is gone."""
    text = _native.view_uptime(int(pid))
    up, idle = text.split()[:2]
    return View(text, {"uptime": float(up), "idle": float(idle)})


_DISK_FIELDS = ("reads", "reads_merged", "sectors_read", "read_ms",
                "writes", "writes_merged", "sectors_written", "write_ms",
                "in_flight", "io_ms", "weighted_io_ms",
                "discards", "discards_merged", "sectors_discarded", "discard_ms",
                "flushes", "flush_ms")


def diskstats(cgroup):
    """/proc/diskstats of ``cgroup``: {device name: {"major", "minor", "reads", "reads_merged",
    "sectors_read" (512-byte sectors), "read_ms" (ms), "writes", ..., "io_ms",
    "weighted_io_ms", "discards", ..., "flushes", "flush_ms"}}, only the disks the cgroup
    did IO on. FileNotFoundError or OSError ENODATA when the host has no per-cgroup IO
    accounting (see lxkit-views.h)."""
    text = _native.view_diskstats(cgroup)
    values = {}
    for line in text.splitlines():
        f = line.split()
        if len(f) < 4:
            continue
        dev = {"major": int(f[0]), "minor": int(f[1])}
        dev.update(zip(_DISK_FIELDS, (int(x) for x in f[3:])))
        values[f[2]] = dev
    return View(text, values)


def loadavg(cgroup):
    """/proc/loadavg of ``cgroup`` from one sample taken now: {"load1", "load5", "load15"
    (floats: the averages after one 5 s step from 0, since a one-shot call has no history;
    lxcfs -l keeps them over time), "running" and "total" (threads of the cgroup subtree,
    running = R or D state), "last_pid" (highest thread id, host numbering)}."""
    text = _native.view_loadavg(cgroup)
    f = text.split()
    running, total = f[3].split("/")
    return View(text, {"load1": float(f[0]), "load5": float(f[1]), "load15": float(f[2]),
                       "running": int(running), "total": int(total), "last_pid": int(f[4])})
