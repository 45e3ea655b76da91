/* SPDX-License-Identifier: ISC */
/*
 * intake-json.c: what every intake format does first: read the body as
 * JSON and require an object, with the same refusal text for all; and
 * the length of text in characters, as the formats count it.
 */
#include <jansson.h>
#include <stddef.h>

#include "intake-private.h"
#include "xmalloc.h"

/*
 * The body as a JSON object (a new reference: the caller decrefs it),
 * read with jansson's flags; or NULL with *cause saying what is wrong.
 */
json_t *
intake_json_object(const char *buf, size_t len, size_t flags, char **cause)
{
	json_error_t jerr;
	json_t *o;

	if ((o = json_loadb(buf, len, flags, &jerr)) == NULL) {
		xasprintf(cause, "malformed JSON at line %d column %d: %s",
		    jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	if (!json_is_object(o)) {
		xasprintf(cause, "the body must be a JSON object");
		json_decref(o);
		return NULL;
	}
	return o;
}

/*
 * The number of characters (code points) of s, valid UTF-8 as jansson
 * checked it: every byte but continuation bytes (10xxxxxx) starts one.
 * PagerDuty counts its limits (summary: 1,024) in characters, not bytes.
 */
size_t
intake_utf8_len(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* The length in bytes of the first max characters of s (valid UTF-8). */
size_t
intake_utf8_prefix(const char *s, size_t max)
{
	size_t i, n = 0;

	for (i = 0; s[i] != '\0'; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 && n++ == max)
			break;
	return i;
}
