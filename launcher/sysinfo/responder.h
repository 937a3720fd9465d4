/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The sysinfo(2) responder: LXC's seccomp notify proxy (lxc.seccomp.notify.proxy =
 * unix:PATH) for containers whose seccomp profile holds "sysinfo notify". The container's
 * monitor forwards every notification over a SOCK_SEQPACKET connection to PATH; the responder
 * writes the container view of struct sysinfo into the caller's memory and answers "return 0",
 * or, on any failure or any other syscall, SECCOMP_USER_NOTIF_FLAG_CONTINUE (the kernel runs
 * the real syscall, so nothing breaks). See README.md in this directory for the protocol. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct sysinfo_responder;

/* Counters, for tests and `lxlaunch info`. */
struct sysinfo_responder_stats {
	uint64_t answered;	/* sysinfo calls answered with the container view */
	uint64_t continued;	/* notifications answered with CONTINUE (failures, other calls) */
	uint64_t bad_messages;	/* malformed proxy messages (no answer possible) */
};

/* Creates the unix SOCK_SEQPACKET socket @path (mode 0600; an existing socket file there is
 * replaced) and listens on it; starts no thread. Call it before the container starts: LXC's
 * monitor connects once at start and fails the start when nobody listens. Loads average
 * sampling (every 5 s) starts with the serving loop. Returns 0 and *ret, -ENAMETOOLONG,
 * -ENOMEM, or the errno of socket/bind/listen. */
int sysinfo_responder_new(const char *path, struct sysinfo_responder **ret);

/* Serves in a new thread, with every signal blocked, until sysinfo_responder_free(). A
 * process with this thread may fork() (glibc keeps malloc usable in the child) but should not
 * itself call liblxc's start(), whose raw clone() skips fork's malloc handling: lxl_execute()
 * runs the start in a forked child. Returns 0 or -errno of pthread_create. */
int sysinfo_responder_start(struct sysinfo_responder *r);

/* Serves in the calling thread until sysinfo_responder_stop() (from another thread or a
 * signal handler: it only write()s to an eventfd). Returns 0 when stopped, -errno on a
 * poll() failure. */
int sysinfo_responder_serve(struct sysinfo_responder *r);
void sysinfo_responder_stop(struct sysinfo_responder *r);

/* Starts sampling the load of the container whose init is host pid @init_pid now, rather
 * than at its first sysinfo call (call it right after start). Its load averages start at 0.00
 * and take one step every 5 s, as lxcfs's proc/loadavg. Thread-safe. Returns 0, -EINVAL,
 * -ENOSPC when 64 containers are sampled already (their callers then get the host's loads). */
int sysinfo_responder_watch(struct sysinfo_responder *r, pid_t init_pid);

/* Thread-safe snapshot of the counters. */
void sysinfo_responder_get_stats(struct sysinfo_responder *r, struct sysinfo_responder_stats *ret);

/* Stops and joins the thread, closes every connection, unlinks the socket, frees. NULL-safe. */
void sysinfo_responder_free(struct sysinfo_responder *r);
static inline void sysinfo_responder_freep(struct sysinfo_responder **r)
{
	sysinfo_responder_free(*r);
}
