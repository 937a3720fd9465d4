/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The list of route tables (api/route-tables.h), apart from api.c so that the unit tests can
 * link the matcher with tables of their own. */
#include "api.h"

#define ROUTE_TABLE(name) api_routes_##name,
const struct api_route *const api_route_tables[] = {
#include "route-tables.h"
	NULL,
};
#undef ROUTE_TABLE
