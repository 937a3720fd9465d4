/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The FUSE request loop of the daemon: single-threaded while requests come one at a time,
 * multi-threaded when they queue up.
 *
 * libfuse's multi-threaded loop parks every idle worker in read(2) on /dev/fuse, and the kernel
 * hands each request to the worker that has waited longest (an exclusive FIFO wait queue,
 * fs/fuse/dev.c): with one reader at a time every request wakes a different, cold thread,
 * which halves the reads/s of its single-threaded loop (tests/bench). This loop keeps one
 * listener (the calling thread) reading and serving requests itself, and brings in helper
 * threads only when there is more work than it can take:
 *   - after every 4th request read (RELEASE, FORGET and the like not counted),
 *     a poll(2) of the fd tells whether another one already waits; if so a helper is woken
 *     (or started) and reads and serves requests for as long as the queue stays non-empty,
 *     then parks again; a queue alone keeps at most half the CPUs serving (the listener
 *     included: on 2 CPUs the listener alone), as readers need the other half;
 *   - a watchdog thread, awake only while requests arrive, wakes a helper (up to
 *     @max_threads in all) when the listener has been busy with one request for
 *     LOOP_STUCK_NS and others wait (a request blocked in the kernel never stalls the other
 *     containers for longer than that).
 * Signals: the calling thread takes them all (fuse_set_signal_handlers() ends the loop); the
 * loop's own threads block every signal but LOOP_WAKE_SIGNAL, which interrupts a helper's
 * read(2) at exit. */
#pragma once

#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION 312
#endif
#include <fuse_lowlevel.h>

#define LOOP_STUCK_NS (5ull * 1000 * 1000)	/* 5 ms */
#define LOOP_MAX_THREADS_DEFAULT 16

/* Serves @se until fuse_session_exit() (a signal, the unmount). @max_threads: threads that
 * serve requests at once, the caller's included (1: single-threaded; 0: default). Returns 0,
 * or -errno of a failed read of /dev/fuse. All helper threads are joined before it returns. */
int loop_run(struct fuse_session *se, unsigned max_threads);
