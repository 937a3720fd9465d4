# SPDX-License-Identifier: LGPL-2.1-or-later
"""lxkit from Python.

- lxkit.views: the container views lxcfs serves, computed for a cgroup without a FUSE mount;
- lxkit.Client: the lxmanagerd REST API over its unix socket (errors: lxkit.Error subclasses);
- lxkit.launch: create, start, stop, exec of LXC containers through liblxlaunch (errors:
  lxkit.LaunchError, an OSError).
"""

from . import _native, views, launch
from .client import Client, Operation
from .errors import (Error, BadRequest, NotFound, MethodNotAllowed, Conflict,
                     PreconditionFailed, TooLarge, ServerError, OperationFailed,
                     ConnectionFailed)

LaunchError = _native.LaunchError

__all__ = ["views", "launch", "Client", "Operation", "Error", "BadRequest", "NotFound",
           "MethodNotAllowed", "Conflict", "PreconditionFailed", "TooLarge", "ServerError",
           "OperationFailed", "ConnectionFailed", "LaunchError"]
