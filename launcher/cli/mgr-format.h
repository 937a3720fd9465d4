/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxlaunch's manager client, pure part: sizes, operand parsing and the human tables that
 * 'lxlaunch storage|volume|snapshot|list|info' print from the manager's replies
 * (spec/manager-api.md §9). No I/O: replies come in as parsed json-c objects, text goes out
 * into a strbuf. Unit-tested with fixture replies (tests/fixtures/lxlaunch-client). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "strbuf.h"

/* Parses a manager size: a plain byte count, or an integer with kB MB GB TB PB (powers of
 * 1000) or KiB MiB GiB TiB PiB (powers of 1024), no space, case-sensitive. *ret_bytes is
 * written only on success. -EINVAL for an empty, signed, fractional or unknown-unit size
 * and for zero, -ERANGE when it overflows 64 bits. */
int mcf_size_parse(const char *s, uint64_t *ret_bytes);

/* Formats @bytes in IEC units into @buf (at least MCF_SIZE_MAX bytes): "512B", "5GiB" for
 * an exact multiple, else two decimals ("953.67MiB"). Returns @buf. */
#define MCF_SIZE_MAX 32
char *mcf_size_format(uint64_t bytes, char *buf, size_t size);

/* Splits "KEY=VALUE" into newly allocated strings (VALUE may be empty). -EINVAL when there is
 * no '=' or KEY is empty, -ENOMEM. */
int mcf_kv_parse(const char *arg, char **ret_key, char **ret_value);

/* A snapshot or copy target: "NAME" (an instance) or "POOL/VOLUME" (a custom volume).
 * *ret_pool is NULL for an instance. -EINVAL for an empty part, more than one '/', or a
 * part that is "." or "..". */
int mcf_target_parse(const char *arg, char **ret_pool, char **ret_name);

/* Percent-encodes @s for one URL path segment (everything but A-Z a-z 0-9 - . _ ~), newly
 * allocated; NULL on OOM. */
char *mcf_path_escape(const char *s);

/* The socket lxlaunch talks to: @arg (--socket), else @env ($LXKIT_SOCKET, ignored when
 * empty), else /run/lxkit/manager.socket. Never NULL. */
#define MCF_DEFAULT_SOCKET "/run/lxkit/manager.socket"
const char *mcf_socket_choose(const char *arg, const char *env);

/* Whether an instance command goes to the manager: --remote, or the socket exists and
 * --local was not given. */
bool mcf_route_remote(bool opt_remote, bool opt_local, bool socket_exists);

/* A table: column headers and rows of cells, cells NULL or "" printed as "-". */
struct mcf_table {
	size_t n_cols;
	const char * const *headers;
	char **cells;		/* n_rows * n_cols, row-major; owned */
	size_t n_rows;
	size_t alloc_rows;
};
/* Appends a row of n_cols cells (copied; NULL allowed). -ENOMEM. */
int mcf_table_add(struct mcf_table *t, const char * const *cells);
/* Renders headers and rows, columns left-aligned and two spaces apart, no trailing blanks. */
int mcf_table_render(const struct mcf_table *t, struct strbuf *out);
void mcf_table_done(struct mcf_table *t);

/* Renderers of the human output. Each takes the reply's metadata and returns 0, -EBADMSG
 * when it does not have the expected shape, -ENOMEM or -EFBIG.
 *   pools:      GET /1.0/storage-pools?recursion=1 (array of pool objects)
 *   pool:       GET /1.0/storage-pools/P
 *   resources:  GET /1.0/storage-pools/P/resources
 *   volumes:    GET /1.0/storage-pools/P/volumes?recursion=1
 *   volume:     GET /1.0/storage-pools/P/volumes/custom/V
 *   snapshots:  GET .../snapshots?recursion=1 (instance or volume snapshots)
 *   instances:  GET /1.0/instances?recursion=2
 *   instance:   GET /1.0/instances/N plus its state (@state may be NULL) */
int mcf_render_pools(json_object *md, struct strbuf *out);
int mcf_render_pool(json_object *md, struct strbuf *out);
int mcf_render_resources(json_object *md, struct strbuf *out);
int mcf_render_volumes(json_object *md, struct strbuf *out);
int mcf_render_volume(json_object *md, struct strbuf *out);
int mcf_render_snapshots(json_object *md, struct strbuf *out);
int mcf_render_instances(json_object *md, struct strbuf *out);
int mcf_render_instance(json_object *md, json_object *state, struct strbuf *out);
/* GET /1.0/instances/N/devices: a map name -> device; one row per device (NAME TYPE and the
 * other keys as k=v, sorted) */
int mcf_render_devices(json_object *md, struct strbuf *out);
