/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runs a check suite with TAP output on stdout (meson protocol 'tap'). */
#pragma once

#include <check.h>

/* Runs every test of @s silently with TAP on stdout; frees the runner.
 * Returns EXIT_SUCCESS when all passed, EXIT_FAILURE otherwise. */
int check_main(Suite *s);
