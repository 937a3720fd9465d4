/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure name checks: no locale (isalpha() would accept more than ASCII in some locales). */
#include <stdbool.h>
#include <string.h>

#include "names.h"

#define NAME_MAX_LEN 63
#define IFNAME_MAX_LEN 15

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

bool name_instance_valid(const char *name)
{
	size_t n;

	if (!name)
		return false;
	n = strlen(name);
	if (n == 0 || n > NAME_MAX_LEN || !is_alpha(name[0]) || name[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alpha(name[i]) && !is_digit(name[i]) && name[i] != '-')
			return false;
	return true;
}

bool name_object_valid(const char *name)
{
	size_t n;

	if (!name)
		return false;
	n = strlen(name);
	if (n == 0 || n > NAME_MAX_LEN || name[0] == '.' || name[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alpha(name[i]) && !is_digit(name[i]) && !strchr("._-", name[i]))
			return false;
	return true;
}

bool name_ifname_valid(const char *name)
{
	size_t n;

	if (!name)
		return false;
	n = strlen(name);
	if (n == 0 || n > IFNAME_MAX_LEN || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (name[i] == '/' || name[i] == ':' || strchr(" \t\n\r\v\f", name[i]))
			return false;
	return true;
}
