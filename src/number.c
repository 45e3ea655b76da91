/* SPDX-License-Identifier: ISC */
/*
 * number.c: whole numbers from text, for an alert id in a URL or on
 * pagerctl's command line, or a limit: digits only (no sign, no spaces,
 * nothing after), in range, more than zero.
 */
#include <errno.h>
#include <stdlib.h>

#include "number.h"

/* A positive whole number of digits only ("12"), or -1. */
int64_t
number_positive(const char *s)
{
	char *end;
	long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0' || errno != 0 || v <= 0)
		return -1;
	return v;
}
