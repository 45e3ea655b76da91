/* SPDX-License-Identifier: ISC */
/*
 * intake-json.c: what every intake format does first: read the body as
 * JSON and require an object, with the same refusal text for all.
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
