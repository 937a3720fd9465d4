/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every route table, one line each; no include guard (included twice with different
 * ROUTE_TABLE definitions). A new file of handlers defines
 *   const struct api_route api_routes_NAME[] = { { "/1.0/...", { [API_GET] = h } }, { NULL } };
 * and adds one line ROUTE_TABLE(NAME) here. */
ROUTE_TABLE(server)
ROUTE_TABLE(storage)
ROUTE_TABLE(storage_volumes)
ROUTE_TABLE(instances)
ROUTE_TABLE(devices)
