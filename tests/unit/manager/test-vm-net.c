/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of manager/tap.c's pure parts (the host interface name of a nic, random MACs) and
 * of qmp_getfd() (manager/qmp.c): a scripted server receives the getfd command together with
 * the descriptor (SCM_RIGHTS) and answers; an error reply is returned as -EIO. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "check-main.h"
#include "qmp.h"
#include "tap.h"

START_TEST(names)
{
	g_autofree char *a = tap_name("vm1", "eth0"), *b = tap_name("vm1", "eth0");
	g_autofree char *c = tap_name("vm1", "eth1"), *d = tap_name("vm2", "eth0");
	g_autofree char *longname = g_strnfill(63, 'x'), *f = tap_name(longname, longname);

	ck_assert_str_eq(a, b);		/* stable */
	ck_assert_uint_eq(strlen(a), 15);	/* IFNAMSIZ - 1 */
	ck_assert_uint_eq(strlen(f), 15);
	ck_assert(g_str_has_prefix(a, "lxkt"));
	for (const char *p = a + 4; *p; p++)
		ck_assert(g_ascii_isxdigit(*p) && !g_ascii_isupper(*p));
	ck_assert_str_ne(a, c);
	ck_assert_str_ne(a, d);
}
END_TEST

START_TEST(macs)
{
	for (int i = 0; i < 50; i++) {
		g_autofree char *m = tap_mac_random();

		ck_assert_uint_eq(strlen(m), 17);
		ck_assert(g_str_has_prefix(m, "00:16:3e:"));
		for (int j = 9; j < 17; j++)
			ck_assert(j % 3 == 2 ? m[j] == ':' : g_ascii_isxdigit(m[j]));
	}
}
END_TEST

/* ---- qmp_getfd() against a server that receives the descriptor ---- */

struct srv {
	int lfd;
	bool fail;		/* answer getfd with an error */
	char *line;		/* the command line received */
	struct stat got;	/* of the descriptor received */
	bool have_fd;
	char *failure;
};

static gpointer server(gpointer data)
{
	struct srv *s = data;
	int fd = accept(s->lfd, NULL, NULL);
	g_autoptr(GString) buf = g_string_new(NULL);
	const char *greet = "{\"QMP\": {}}\r\n", *ok = "{\"return\": {}}\r\n";
	const char *err = "{\"error\": {\"class\": \"GenericError\", \"desc\": \"no fd\"}}\r\n";
	int step = 0;

	if (fd < 0 || write(fd, greet, strlen(greet)) < 0)
		goto out;
	while (step < 2) {
		union {
			char b[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} u;
		char chunk[512];
		struct iovec iov = { .iov_base = chunk, .iov_len = sizeof(chunk) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
				     .msg_controllen = sizeof(u.b) };
		ssize_t n = recvmsg(fd, &mh, 0);
		char *nl;

		if (n <= 0) {
			s->failure = g_strdup_printf("step %d: EOF", step);
			goto out;
		}
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
				int rfd;

				memcpy(&rfd, CMSG_DATA(c), sizeof(int));
				s->have_fd = fstat(rfd, &s->got) == 0;
				close(rfd);
			}
		g_string_append_len(buf, chunk, n);
		while ((nl = strchr(buf->str, '\n'))) {
			g_autofree char *line = g_strndup(buf->str, nl - buf->str);
			const char *reply = ok;

			g_string_erase(buf, 0, nl - buf->str + 1);
			if (step == 1) {
				s->line = g_strdup(line);
				if (s->fail)
					reply = err;
			}
			if (write(fd, reply, strlen(reply)) < 0)
				goto out;
			step++;
		}
	}
out:
	if (fd >= 0)
		close(fd);
	return NULL;
}

static void run_getfd(bool fail)
{
	g_autofree char *dir = g_dir_make_tmp("lxkit-test-qmpfd-XXXXXX", NULL), *path = NULL;
	g_autofree char *err = NULL;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct srv s = { .fail = fail };
	g_autoptr(qmp_t) q = NULL;
	struct stat want;
	int pfd[2];
	GThread *t;

	path = g_build_filename(dir, "qmp.sock", NULL);
	s.lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(s.lfd, 0);
	strcpy(sa.sun_path, path);
	ck_assert_int_eq(bind(s.lfd, (struct sockaddr *) &sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(s.lfd, 1), 0);
	ck_assert_int_eq(pipe(pfd), 0);
	ck_assert_int_eq(fstat(pfd[0], &want), 0);
	t = g_thread_new("qmp-server", server, &s);
	ck_assert_int_eq(qmp_connect(path, 2000, &q, &err), 0);
	if (fail) {
		ck_assert_int_eq(qmp_getfd(q, "lxkit-fd-eth0", pfd[0], 2000, &err), -EIO);
		ck_assert_str_eq(err, "no fd");
	} else {
		ck_assert_int_eq(qmp_getfd(q, "lxkit-fd-eth0", pfd[0], 2000, &err), 0);
	}
	g_thread_join(t);
	ck_assert_msg(!s.failure, "%s", s.failure);
	ck_assert_str_eq(s.line, "{\"execute\":\"getfd\",\"arguments\":{\"fdname\":\"lxkit-fd-eth0\"}}");
	ck_assert(s.have_fd);
	ck_assert(s.got.st_ino == want.st_ino && s.got.st_dev == want.st_dev);
	ck_assert_int_ge(fcntl(pfd[0], F_GETFD), 0);	/* ours stays open */
	close(pfd[0]);
	close(pfd[1]);
	close(s.lfd);
	g_free(s.line);
	g_unlink(path);
	g_rmdir(dir);
}

START_TEST(getfd_ok)
{
	run_getfd(false);
}
END_TEST

START_TEST(getfd_error)
{
	run_getfd(true);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("vm-net");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, names);
	tcase_add_test(tc, macs);
	tcase_add_test(tc, getfd_ok);
	tcase_add_test(tc, getfd_error);
	tcase_set_timeout(tc, 20);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(suite());
}
