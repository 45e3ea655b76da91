/* SPDX-License-Identifier: ISC */
/*
 * duration.c: parse and print durations.  A duration is one or more
 * <number><unit> terms, units ms, s, m, h, d, w ("1h30m"); a bare number
 * is refused because "5" could mean seconds or minutes.  Pure code.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "duration.h"
#include "xmalloc.h"

static const struct {
	const char *unit;
	int64_t ms;
} duration_units[] = {
	{ "ms", 1 },
	{ "s", DURATION_SECOND },
	{ "m", DURATION_MINUTE },
	{ "h", DURATION_HOUR },
	{ "d", DURATION_DAY },
	{ "w", DURATION_WEEK },
};

/*
 * Parse s into *ms.  On error return -1 and set *cause (caller frees) to
 * a message that quotes the input.
 */
int
duration_parse(const char *s, int64_t *ms, char **cause)
{
	const char *p = s;
	int64_t total = 0, n, unit;
	size_t i, len;

	if (*p == '\0') {
		xasprintf(cause, "empty duration");
		return -1;
	}
	while (*p != '\0') {
		if (!isdigit((unsigned char)*p)) {
			xasprintf(cause, "bad duration \"%s\": expected a number"
			    " at \"%s\"", s, p);
			return -1;
		}
		n = 0;
		while (isdigit((unsigned char)*p)) {
			if (n > (INT64_MAX - 9) / 10)
				goto toolarge;
			n = n * 10 + (*p++ - '0');
		}
		if (*p == '.' || *p == ',') {
			/* "0.5d": say what to write instead. */
			xasprintf(cause, "bad duration \"%s\": lengths are whole"
			    " numbers: use a smaller unit (\"12h\" for half a"
			    " day, \"90m\" for an hour and a half)", s);
			return -1;
		}
		unit = 0;
		for (i = 0; i < sizeof duration_units / sizeof duration_units[0];
		    i++) {
			len = strlen(duration_units[i].unit);
			if (strncmp(p, duration_units[i].unit, len) == 0 &&
			    !isalpha((unsigned char)p[len])) {
				unit = duration_units[i].ms;
				p += len;
				break;
			}
		}
		if (unit == 0) {
			xasprintf(cause, "bad duration \"%s\": unit must be one"
			    " of ms, s, m, h, d, w", s);
			return -1;
		}
		if (n > (INT64_MAX - total) / unit)
			goto toolarge;
		total += n * unit;
	}
	*ms = total;
	return 0;
toolarge:
	xasprintf(cause, "duration \"%s\" is too large", s);
	return -1;
}

/* Print ms as the shortest exact form ("1h30m", "0s") into buf. */
char *
duration_format(int64_t ms, char *buf, size_t size)
{
	size_t i, off = 0;
	int64_t n;

	if (size == 0)
		return buf;
	buf[0] = '\0';
	if (ms <= 0) {
		snprintf(buf, size, "%s0s", ms < 0 ? "-" : "");
		return buf;
	}
	for (i = sizeof duration_units / sizeof duration_units[0]; i-- > 0;) {
		n = ms / duration_units[i].ms;
		if (n == 0)
			continue;
		ms -= n * duration_units[i].ms;
		if (off < size)
			off += snprintf(buf + off, size - off, "%" PRId64 "%s",
			    n, duration_units[i].unit);
	}
	return buf;
}
