# SPDX-License-Identifier: LGPL-2.1-or-later
"""Exceptions of lxkit.Client: one class per HTTP status family of the manager API.

Every error carries ``status`` (the HTTP status, e.g. 404; for a failed operation the
operation's status code, 400) and ``message`` (the manager's one-sentence error text).
"""


class Error(Exception):
    """A manager request failed: ``status`` (int, HTTP status) and ``message`` (str)."""

    def __init__(self, status, message, metadata=None):
        super().__init__(status, message)
        self.status = status
        self.message = message
        self.metadata = metadata

    def __str__(self):
        return "%d: %s" % (self.status, self.message)


class BadRequest(Error):
    """400: bad JSON, unknown field or key, bad value, invalid name."""


class NotFound(Error):
    """404: instance, pool, volume, snapshot, device or operation not found."""


class MethodNotAllowed(Error):
    """405: method not defined for an existing path."""


class Conflict(Error):
    """409: name taken, object in use, instance in the wrong state."""


class PreconditionFailed(Error):
    """412: If-Match did not match the object's ETag."""


class TooLarge(Error):
    """413: request body over 1 MiB."""


class ServerError(Error):
    """5xx: a tool or system call failed (500), not possible on this host (501), pool
    unavailable (503), not enough space (507)."""


class OperationFailed(Error):
    """An asynchronous operation ended in Failure (status 400) or Cancelled (401); the
    operation object is in ``metadata``."""


class ConnectionFailed(Error):
    """The manager socket could not be reached (status 0); ``message`` says why."""


_BY_STATUS = {
    400: BadRequest,
    404: NotFound,
    405: MethodNotAllowed,
    409: Conflict,
    412: PreconditionFailed,
    413: TooLarge,
}


def error_for(status, message, metadata=None):
    """The Error subclass instance for HTTP ``status``."""
    cls = _BY_STATUS.get(status)
    if cls is None:
        cls = ServerError if status >= 500 else Error
    return cls(status, message, metadata)
