/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A blocking client of QEMU's QMP monitor (one unix socket, newline-separated JSON messages),
 * with json-glib. One connection per operation: QEMU's -qmp server takes one client at a
 * time, and the manager's device operations are serialised by its change lock. Events that
 * arrive while a command waits for its reply are kept and seen by qmp_wait_event(). Not
 * thread-safe: one thread uses a connection. Every function returns 0 or a negative errno with
 * a one-line *ret_err (caller g_free()s). */
#pragma once

#include <json-glib/json-glib.h>

struct qmp;

/* Connects to the QMP socket @path, retrying for up to @timeout_ms milliseconds while it does
 * not exist or refuses, reads the greeting and negotiates (qmp_capabilities). -ETIMEDOUT,
 * -ECONNREFUSED, -EPROTO (not QMP). */
int qmp_connect(const char *path, int timeout_ms, struct qmp **ret, char **ret_err);
void qmp_close(struct qmp *q);
typedef struct qmp qmp_t;	/* for g_autoptr() only */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qmp_t, qmp_close)

/* Sends @cmd_json (a complete {"execute": ...} object, as text) and waits up to @timeout_ms
 * for its reply. 0 and *ret_return (the "return" member, may pass NULL; caller
 * json_node_unref()s), or -EIO with *ret_err = QEMU's "desc" for an error reply,
 * -ETIMEDOUT, -ECONNRESET when QEMU closed the socket. */
int qmp_execute(struct qmp *q, const char *cmd_json, int timeout_ms, JsonNode **ret_return,
		char **ret_err);

/* Passes the file descriptor @fd to QEMU as @fdname (QMP getfd, the fd sent with SCM_RIGHTS
 * on the monitor socket), for a later netdev_add with "fd": @fdname. @fd stays open here.
 * Errors as qmp_execute(). */
int qmp_getfd(struct qmp *q, const char *fdname, int fd, int timeout_ms, char **ret_err);

/* Waits up to @timeout_ms for event @name whose data.device is @device (NULL: any); an event
 * already received counts. Other events, and the same event for another device or for a
 * child object (no data.device, as usb-storage sends for its legacy SCSI child), are skipped
 * and dropped. 0 when seen, -ETIMEDOUT, -ECONNRESET. */
int qmp_wait_event(struct qmp *q, const char *name, const char *device, int timeout_ms,
		   char **ret_err);

/* Whether the event message @msg (a parsed QMP object) is @name for @device (NULL: any). */
gboolean qmp_event_matches(JsonObject *msg, const char *name, const char *device);
