# SPDX-License-Identifier: LGPL-2.1-or-later
"""lxkit.Client: the lxmanagerd REST API (spec: manager-api.md) over its unix socket.

Every method returns the reply's ``metadata`` (decoded JSON) and raises an lxkit.Error
subclass carrying the HTTP status and the manager's message: BadRequest 400, NotFound 404,
Conflict 409, PreconditionFailed 412, TooLarge 413, ServerError 5xx; OperationFailed when an
asynchronous operation ends in failure; ConnectionFailed when the socket cannot be reached.
Asynchronous requests are waited for (``wait=True``, the default) and return the finished
operation's metadata; with ``wait=False`` they return an Operation.
"""

import http.client
import json
import socket
import urllib.parse

from .errors import ConnectionFailed, Error, OperationFailed, error_for

__all__ = ["Client", "Operation", "DEFAULT_SOCKET"]

DEFAULT_SOCKET = "/run/lxkit/manager.socket"


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout):
        super().__init__("lxkit", timeout=timeout)
        self._path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        try:
            s.connect(self._path)
        except OSError:
            s.close()
            raise
        self.sock = s


def _q(name):
    return urllib.parse.quote(name, safe="")


class Operation:
    """An asynchronous manager operation: ``id``, ``path`` ("/1.0/operations/ID") and the
    operation object as last seen in ``data``."""

    def __init__(self, client, path, data):
        self.client = client
        self.path = path
        self.id = path.rsplit("/", 1)[-1]
        self.data = data or {}

    def wait(self, timeout=60):
        """Waits up to ``timeout`` seconds. Returns the operation's ``metadata`` on Success;
        raises OperationFailed (status = operation status code, message = its ``err``) on
        Failure or Cancelled, Error 408 when still running after ``timeout``."""
        self.data = self.client._call("GET", "%s/wait?timeout=%d" % (self.path, int(timeout)),
                                      timeout=timeout + 30)
        status = self.data.get("status")
        if status == "Success":
            return self.data.get("metadata")
        if status == "Running":
            raise Error(408, "operation %s still running after %d s" % (self.id, timeout),
                        self.data)
        raise OperationFailed(int(self.data.get("status_code") or 400),
                              self.data.get("err") or status or "operation failed", self.data)


class Client:
    """A connection to lxmanagerd at ``socket_path`` (default /run/lxkit/manager.socket).
    ``timeout``: seconds per request. Thread-safe: one HTTP connection per request."""

    def __init__(self, socket_path=DEFAULT_SOCKET, timeout=60):
        self.socket_path = socket_path
        self.timeout = timeout

    # -- transport --------------------------------------------------------------------------

    def _request(self, method, path, body=None, headers=None, timeout=None):
        """Sends one request; returns (HTTP status, headers, raw body bytes)."""
        conn = _UnixConnection(self.socket_path, timeout or self.timeout)
        hdrs = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        try:
            conn.request(method, path, body=data, headers=hdrs)
            resp = conn.getresponse()
            raw = resp.read()
            return resp.status, resp.headers, raw
        except (OSError, http.client.HTTPException) as e:
            raise ConnectionFailed(0, "manager socket '%s': %s" % (self.socket_path, e)) from e
        finally:
            conn.close()

    def _call(self, method, path, body=None, wait=True, timeout=None, headers=None,
              want_etag=False):
        status, hdrs, raw = self._request(method, path, body, headers, timeout)
        if want_etag and status < 400:
            return self._call_result(status, raw, wait, timeout), hdrs.get("ETag")
        return self._call_result(status, raw, wait, timeout)

    def _call_result(self, status, raw, wait, timeout):
        try:
            env = json.loads(raw.decode() or "null")
        except ValueError:
            env = None
        if not isinstance(env, dict):
            if status >= 400:
                raise error_for(status, raw.decode(errors="replace").strip() or "HTTP %d" % status)
            return raw.decode(errors="replace")
        if env.get("type") == "error" or status >= 400:
            raise error_for(int(env.get("error_code") or status),
                            env.get("error") or "HTTP %d" % status, env.get("metadata"))
        if env.get("type") == "async":
            op = Operation(self, env.get("operation"), env.get("metadata"))
            return op.wait(self.timeout if timeout is None else timeout) if wait else op
        return env.get("metadata")

    def raw(self, method, path, body=None, wait=True):
        """Any API request: ``path`` as sent ("/1.0/..."); the reply's metadata."""
        return self._call(method, path, body, wait)

    def server(self):
        """The server object (GET /1.0)."""
        return self._call("GET", "/1.0")

    # -- instances --------------------------------------------------------------------------

    def instances(self, recursion=1):
        """Instances: objects (``recursion`` 1), with state (2), or URLs (0)."""
        return self._call("GET", "/1.0/instances?recursion=%d" % recursion)

    def instance(self, name):
        return self._call("GET", "/1.0/instances/" + _q(name))

    def create_instance(self, name, pool, source=None, config=None, devices=None,
                        type="container", wait=True, **extra):
        """Creates an instance with its root disk on ``pool``. ``source`` defaults to the
        busybox template ({"type": "template", "template": "busybox"}); ``config`` maps keys
        ("limits.memory", ...) to strings; ``devices`` is added to the root disk."""
        devs = {"root": {"type": "disk", "path": "/", "pool": pool}}
        devs.update(devices or {})
        body = {"name": name, "type": type,
                "source": source or {"type": "template", "template": "busybox"},
                "config": dict(config or {}), "devices": devs}
        body.update(extra)
        return self._call("POST", "/1.0/instances", body, wait)

    def instance_etag(self, name):
        """(instance object, its ETag) for a later update_instance(..., etag=...)."""
        return self._call("GET", "/1.0/instances/" + _q(name), want_etag=True)

    def update_instance(self, name, fields, wait=True, etag=None):
        """PATCH of writable fields (config, devices, description, ...). With ``etag`` (from
        instance_etag()), PreconditionFailed (412) when the instance changed since."""
        return self._call("PATCH", "/1.0/instances/" + _q(name), fields, wait,
                          headers={"If-Match": etag} if etag else None)

    def delete_instance(self, name, wait=True):
        return self._call("DELETE", "/1.0/instances/" + _q(name), wait=wait)

    def state(self, name):
        """The instance state object (status, pid, ...)."""
        return self._call("GET", "/1.0/instances/%s/state" % _q(name))

    def _action(self, name, action, timeout, force, wait):
        return self._call("PUT", "/1.0/instances/%s/state" % _q(name),
                          {"action": action, "timeout": timeout, "force": force}, wait)

    def start(self, name, wait=True):
        return self._action(name, "start", 30, False, wait)

    def stop(self, name, timeout=30, force=False, wait=True):
        """Stops the instance; ``timeout`` in seconds before it is killed."""
        return self._action(name, "stop", timeout, force, wait)

    def restart(self, name, timeout=30, force=False, wait=True):
        return self._action(name, "restart", timeout, force, wait)

    def exec(self, name, command, environment=None, cwd="/"):
        """Runs ``command`` (list of str) in the running instance and waits. Returns
        {"return": exit status, "stdout": str, "stderr": str}."""
        meta = self._call("POST", "/1.0/instances/%s/exec" % _q(name),
                          {"command": list(command), "environment": dict(environment or {}),
                           "wait-for-websocket": False, "interactive": False,
                           "record-output": True, "cwd": cwd})
        result = {"return": meta.get("return")}
        for fd, key in (("1", "stdout"), ("2", "stderr")):
            path = (meta.get("output") or {}).get(fd)
            result[key] = self._text(path) if path else ""
        return result

    def _text(self, path):
        status, _, raw = self._request("GET", path)
        text = raw.decode(errors="replace")
        if status < 400:
            return text
        try:
            env = json.loads(text)
        except ValueError:
            env = None
        if isinstance(env, dict) and env.get("error"):
            raise error_for(int(env.get("error_code") or status), env["error"])
        raise error_for(status, text.strip() or "HTTP %d" % status)

    def snapshots(self, name):
        return self._call("GET", "/1.0/instances/%s/snapshots?recursion=1" % _q(name))

    def create_snapshot(self, name, snapshot, stateful=False, wait=True):
        return self._call("POST", "/1.0/instances/%s/snapshots" % _q(name),
                          {"name": snapshot, "stateful": stateful}, wait)

    def delete_snapshot(self, name, snapshot, wait=True):
        return self._call("DELETE", "/1.0/instances/%s/snapshots/%s" % (_q(name), _q(snapshot)),
                          wait=wait)

    def restore_snapshot(self, name, snapshot, wait=True):
        return self._call("PUT", "/1.0/instances/" + _q(name), {"restore": snapshot}, wait)

    # -- devices ----------------------------------------------------------------------------

    def devices(self, name):
        """Map of device name -> device object."""
        return self._call("GET", "/1.0/instances/%s/devices" % _q(name))

    def add_device(self, name, device, spec, wait=True):
        """Adds (hotplugs when running) ``device`` = ``spec`` ({"type": "disk", ...})."""
        return self._call("POST", "/1.0/instances/%s/devices/%s" % (_q(name), _q(device)),
                          spec, wait)

    def remove_device(self, name, device, wait=True):
        return self._call("DELETE", "/1.0/instances/%s/devices/%s" % (_q(name), _q(device)),
                          wait=wait)

    # -- storage ----------------------------------------------------------------------------

    def storage_pools(self):
        return self._call("GET", "/1.0/storage-pools?recursion=1")

    def storage_pool(self, pool):
        return self._call("GET", "/1.0/storage-pools/" + _q(pool))

    def storage_pool_etag(self, pool):
        """(pool object, its ETag)."""
        return self._call("GET", "/1.0/storage-pools/" + _q(pool), want_etag=True)

    def update_storage_pool(self, pool, fields, etag=None):
        """PATCH of ``description`` or ``config`` (size grows only); ``etag`` as for
        update_instance()."""
        return self._call("PATCH", "/1.0/storage-pools/" + _q(pool), fields,
                          headers={"If-Match": etag} if etag else None)

    def create_storage_pool(self, pool, driver, config=None, description=""):
        """Creates a pool: ``driver`` "dir", "btrfs", "lvm" or "zfs"; ``config`` e.g.
        {"size": "1GiB"} (sizes in bytes or with kB..PB / KiB..PiB units)."""
        return self._call("POST", "/1.0/storage-pools",
                          {"name": pool, "driver": driver, "config": dict(config or {}),
                           "description": description})

    def delete_storage_pool(self, pool):
        return self._call("DELETE", "/1.0/storage-pools/" + _q(pool))

    def storage_pool_resources(self, pool):
        """{"space": {"used": bytes, "total": bytes}}."""
        return self._call("GET", "/1.0/storage-pools/%s/resources" % _q(pool))

    def volumes(self, pool, type=None):
        path = "/1.0/storage-pools/%s/volumes" % _q(pool)
        if type:
            path += "/" + _q(type)
        return self._call("GET", path + "?recursion=1")

    def volume(self, pool, volume):
        return self._call("GET", "/1.0/storage-pools/%s/volumes/custom/%s" % (_q(pool), _q(volume)))

    def create_volume(self, pool, volume, config=None, description="", content_type="filesystem"):
        return self._call("POST", "/1.0/storage-pools/%s/volumes/custom" % _q(pool),
                          {"name": volume, "config": dict(config or {}),
                           "description": description, "content_type": content_type})

    def delete_volume(self, pool, volume):
        return self._call("DELETE",
                          "/1.0/storage-pools/%s/volumes/custom/%s" % (_q(pool), _q(volume)))

    def volume_snapshots(self, pool, volume):
        return self._call("GET", "/1.0/storage-pools/%s/volumes/custom/%s/snapshots?recursion=1"
                          % (_q(pool), _q(volume)))

    def create_volume_snapshot(self, pool, volume, snapshot, wait=True):
        return self._call("POST", "/1.0/storage-pools/%s/volumes/custom/%s/snapshots"
                          % (_q(pool), _q(volume)), {"name": snapshot}, wait)

    def delete_volume_snapshot(self, pool, volume, snapshot):
        return self._call("DELETE", "/1.0/storage-pools/%s/volumes/custom/%s/snapshots/%s"
                          % (_q(pool), _q(volume), _q(snapshot)))

    def restore_volume_snapshot(self, pool, volume, snapshot):
        return self._call("PUT", "/1.0/storage-pools/%s/volumes/custom/%s"
                          % (_q(pool), _q(volume)), {"restore": snapshot})

    # -- operations -------------------------------------------------------------------------

    def operation(self, op_id):
        return self._call("GET", "/1.0/operations/" + _q(op_id))

    def operations(self):
        return self._call("GET", "/1.0/operations")

    def cancel_operation(self, op_id):
        """Cancels a running operation; Conflict (409) when it may not be cancelled."""
        return self._call("DELETE", "/1.0/operations/" + _q(op_id))

    def log(self, name, file):
        """The text of instance log ``file`` (GET /1.0/instances/N/logs/FILE)."""
        return self._text("/1.0/instances/%s/logs/%s" % (_q(name), _q(file)))
