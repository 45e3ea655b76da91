/* SPDX-License-Identifier: ISC */
/*
 * intake-flat.c: the shape most alert bodies have, read without a JSON
 * library: one object whose members are all plain strings (printable
 * ASCII, no escapes) with names from a given list, each at most once.
 * jansson's reader costs about as much as the rest of taking an alert
 * in user space; this costs a tenth of that.  Anything else (another
 * type, an escape, a byte outside printable ASCII, a name not on the
 * list, a repeated name, bad JSON) is left to jansson, so that every
 * refusal and every value is what jansson would make of the body.
 * Pure: no I/O.
 */
#include <stddef.h>
#include <string.h>

#include "intake-private.h"

static size_t
intake_flat_ws(const char *s, size_t i, size_t len)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' ||
	    s[i] == '\r'))
		i++;
	return i;
}

/*
 * A string without escapes at s[i] (its opening quote): the index of
 * its closing quote, or 0 if it is not such a string.
 */
static size_t
intake_flat_string(const char *s, size_t i, size_t len)
{
	unsigned char c;

	if (i >= len || s[i] != '"')
		return 0;
	for (i++; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '"')
			return i;
		if (c < 0x20 || c > 0x7e || c == '\\')
			return 0;
	}
	return 0;
}

/*
 * Read buf (len bytes, writable: each value found gets a NUL written
 * over its closing quote) as a flat object of the names in names[n]:
 * 1 with out[i] pointing at the value of names[i] inside buf (NULL
 * where absent), or 0 if the body is not of that shape (out is then
 * undefined) and must be read as JSON.
 */
int
intake_flat_scan(char *buf, size_t len, const char *const *names, size_t n,
    struct intake_flat *out)
{
	size_t i, k, end, kend;

	for (k = 0; k < n; k++) {
		out[k].s = NULL;
		out[k].len = 0;
	}
	i = intake_flat_ws(buf, 0, len);
	if (i >= len || buf[i] != '{')
		return 0;
	i = intake_flat_ws(buf, i + 1, len);
	if (i < len && buf[i] == '}')
		goto end;
	for (;;) {
		if ((kend = intake_flat_string(buf, i, len)) == 0)
			return 0;
		for (k = 0; k < n; k++)
			if (strlen(names[k]) == kend - i - 1 &&
			    memcmp(names[k], buf + i + 1, kend - i - 1) == 0)
				break;
		if (k == n || out[k].s != NULL)
			return 0; /* not ours, or twice */
		i = intake_flat_ws(buf, kend + 1, len);
		if (i >= len || buf[i] != ':')
			return 0;
		i = intake_flat_ws(buf, i + 1, len);
		if ((end = intake_flat_string(buf, i, len)) == 0)
			return 0;
		out[k].s = buf + i + 1;
		out[k].len = end - i - 1;
		buf[end] = '\0';
		i = intake_flat_ws(buf, end + 1, len);
		if (i < len && buf[i] == '}')
			break;
		if (i >= len || buf[i] != ',')
			return 0;
		i = intake_flat_ws(buf, i + 1, len);
	}
end:
	return intake_flat_ws(buf, i + 1, len) == len;
}
