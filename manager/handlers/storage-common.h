/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers shared by the storage handlers (and the instance handlers): pool lookup with the
 * §2.3 name check, availability (503), pool objects. */
#pragma once

#include <stdbool.h>

#include "api/api.h"
#include "db/storage-db.h"
#include "storage/storage.h"

/* Validates @name (400), finds the row (404; a pool being deleted counts as absent) and,
 * with @need_available, answers 503 when the pool is being created (row 'pending', shown as
 * status Pending) or Unavailable (with the reason).
 * On success *ret_row and *ret_pool (both may be NULL) are new. */
int storage_pool_lookup(struct mgr *m, const char *name, bool need_available,
			struct pool_row **ret_row, struct pool **ret_pool, struct api_resp *ret);
/* URLs of everything on the pool (custom volumes, instances), sorted. */
GPtrArray *storage_pool_used_by(struct mgr *m, const struct pool_row *row);
/* The pool object of §3.2; caller unrefs. */
JsonNode *storage_pool_json(struct mgr *m, const struct pool_row *row);
/* ETag of a pool or volume: sha256 over its writable fields. Caller g_free()s. */
char *storage_etag(const char *description, GHashTable *config);
/* 412 when the request has If-Match and it differs from @etag. */
int storage_check_if_match(const struct api_req *req, const char *etag, struct api_resp *ret);
