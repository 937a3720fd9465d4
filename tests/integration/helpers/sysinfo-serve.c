/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sysinfo-serve SOCKET: runs the launcher's sysinfo responder (launcher/sysinfo/responder.c)
 * on the unix socket SOCKET in the foreground, for plain lxc-start containers configured with
 * "lxc.seccomp.notify.proxy = unix:SOCKET" and a profile holding "sysinfo notify". Prints
 * "ready" once it listens. SIGTERM/SIGINT stop it; it then prints its counters
 * ("answered N continued N bad N") and exits 0. Exit 1 on a setup error. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "responder.h"

static struct sysinfo_responder *responder;

static void on_signal(int sig)
{
	sysinfo_responder_stop(responder);	/* only write()s to an eventfd */
}

int main(int argc, char *argv[])
{
	struct sysinfo_responder_stats st;
	struct sigaction sa = { .sa_handler = on_signal };
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: sysinfo-serve SOCKET\n");
		return 1;
	}
	r = sysinfo_responder_new(argv[1], &responder);
	if (r < 0) {
		fprintf(stderr, "sysinfo-serve: cannot listen on '%s': %s\n", argv[1], strerror(-r));
		return 1;
	}
	sigemptyset(&sa.sa_mask);
	(void) sigaction(SIGTERM, &sa, NULL);
	(void) sigaction(SIGINT, &sa, NULL);
	printf("ready\n");
	fflush(stdout);
	r = sysinfo_responder_serve(responder);
	sysinfo_responder_get_stats(responder, &st);
	printf("answered %llu continued %llu bad %llu\n", (unsigned long long) st.answered,
	       (unsigned long long) st.continued, (unsigned long long) st.bad_messages);
	sysinfo_responder_free(responder);
	if (r < 0) {
		fprintf(stderr, "sysinfo-serve: %s\n", strerror(-r));
		return 1;
	}
	return 0;
}
