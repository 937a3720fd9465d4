/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxlaunch's manager client, transport: libcurl over the manager's unix socket. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "cleanup.h"
#include "mgr-client.h"
#include "strbuf.h"

#define MGR_REPLY_MAX (64u << 20)	/* a reply larger than this is refused, never cut */

void mgr_reply_done(struct mgr_reply *r)
{
	if (r->root)
		json_object_put(r->root);
	r->root = NULL;
}

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct strbuf *sb = userdata;

	if (strbuf_append(sb, ptr, size * nmemb) < 0)
		return 0;	/* makes curl fail with CURLE_WRITE_ERROR */
	return size * nmemb;
}

static void curl_cleanupp(CURL **c)
{
	if (*c)
		curl_easy_cleanup(*c);
}

static void slist_freep(struct curl_slist **l)
{
	if (*l)
		curl_slist_free_all(*l);
}

/* Runs one request; the body (raw) goes to @out, the HTTP status to *ret_status */
static int do_request(const char *socket_path, const char *method, const char *path,
		      const char *body, int timeout_s, struct strbuf *out, long *ret_status,
		      char *errbuf, size_t errsize)
{
	static bool global_done;
	__attribute__((cleanup(curl_cleanupp))) CURL *c = NULL;
	__attribute__((cleanup(slist_freep))) struct curl_slist *hdrs = NULL;
	_cleanup_free_ char *url = NULL;
	char cerr[CURL_ERROR_SIZE] = "";
	CURLcode cc;

	if (!global_done) {
		if (curl_global_init(CURL_GLOBAL_NOTHING) != CURLE_OK) {
			(void) snprintf(errbuf, errsize, "failed to initialise libcurl");
			return -EIO;
		}
		global_done = true;
	}
	c = curl_easy_init();
	if (!c || asprintf(&url, "http://lxmanagerd%s", path) < 0)
		return -ENOMEM;
	hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	if (!hdrs)
		return -ENOMEM;
	(void) curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, socket_path);
	(void) curl_easy_setopt(c, CURLOPT_URL, url);
	(void) curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	(void) curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	(void) curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	(void) curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	(void) curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	(void) curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	(void) curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
	if (timeout_s > 0)
		(void) curl_easy_setopt(c, CURLOPT_TIMEOUT, (long) timeout_s);
	if (body) {
		(void) curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		(void) curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long) strlen(body));
	}

	cc = curl_easy_perform(c);
	switch (cc) {
	case CURLE_OK:
		break;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
		(void) snprintf(errbuf, errsize, "the manager is not reachable on '%s': %s", socket_path,
				cerr[0] ? cerr : curl_easy_strerror(cc));
		return -ECONNREFUSED;
	case CURLE_OPERATION_TIMEDOUT:
		(void) snprintf(errbuf, errsize, "the manager on '%s' did not answer in %d s", socket_path,
				timeout_s);
		return -ETIMEDOUT;
	case CURLE_WRITE_ERROR:
		(void) snprintf(errbuf, errsize, "the manager's reply is larger than %u bytes", MGR_REPLY_MAX);
		return -EBADMSG;
	default:
		(void) snprintf(errbuf, errsize, "request %s %s to '%s' failed: %s", method, path,
				socket_path, cerr[0] ? cerr : curl_easy_strerror(cc));
		return -EIO;
	}
	(void) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, ret_status);
	return 0;
}

int mgr_request(const char *socket_path, const char *method, const char *path, json_object *body,
		int timeout_s, struct mgr_reply *ret, char *errbuf, size_t errsize)
{
	_cleanup_(strbuf_done) struct strbuf out = STRBUF_INIT(MGR_REPLY_MAX);
	json_tokener *tok;
	json_object *root;
	long status = 0;
	int r;

	r = do_request(socket_path, method, path,
		       body ? json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN) : NULL,
		       timeout_s, &out, &status, errbuf, errsize);
	if (r < 0)
		return r;
	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	root = json_tokener_parse_ex(tok, out.buf ?: "", (int) out.len);
	if (root && json_tokener_get_parse_end(tok) != out.len) {
		/* trailing bytes: allow only whitespace */
		for (size_t i = json_tokener_get_parse_end(tok); i < out.len; i++)
			if (!strchr(" \t\r\n", out.buf[i])) {
				json_object_put(root);
				root = NULL;
				break;
			}
	}
	json_tokener_free(tok);
	if (!root || !json_object_is_type(root, json_type_object)) {
		if (root)
			json_object_put(root);
		(void) snprintf(errbuf, errsize, "the manager's reply to %s %s (HTTP %ld) is not a JSON object",
				method, path, status);
		return -EBADMSG;
	}
	ret->http_status = status;
	ret->root = root;
	return 0;
}

int mgr_request_text(const char *socket_path, const char *path, int timeout_s, char **ret_text,
		     long *ret_status, char *errbuf, size_t errsize)
{
	_cleanup_(strbuf_done) struct strbuf out = STRBUF_INIT(MGR_REPLY_MAX);
	long status = 0;
	char *text;
	int r;

	r = do_request(socket_path, "GET", path, NULL, timeout_s, &out, &status, errbuf, errsize);
	if (r < 0)
		return r;
	text = strbuf_steal(&out, NULL);
	if (!text)
		return -ENOMEM;
	*ret_text = text;
	*ret_status = status;
	return 0;
}
