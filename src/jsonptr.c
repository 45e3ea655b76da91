/* SPDX-License-Identifier: ISC */
/*
 * jsonptr.c: JSON Pointers (RFC 6901).  A pointer is "" (the whole
 * document) or a sequence of "/" reference tokens, in which "~1" stands
 * for "/" and "~0" for "~"; a token names an object member, or an array
 * element by its index (decimal, no leading zero; "-", the element after
 * the last, never exists).  jansson has none of this.  Pure.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "jsonptr.h"
#include "xmalloc.h"

#define JSONPTR_TOKEN_MAX 1024 /* bytes of one token, unescaped */

/*
 * 0 if p is a well-formed pointer, else -1 with *cause saying why: it
 * must start with "/" (or be ""), and every "~" must be "~0" or "~1".
 */
int
jsonptr_check(const char *p, char **cause)
{
	size_t i;

	if (*p != '\0' && *p != '/') {
		xasprintf(cause, "a JSON Pointer must start with \"/\"");
		return -1;
	}
	for (i = 0; p[i] != '\0'; i++) {
		if (p[i] == '~' && p[i + 1] != '0' && p[i + 1] != '1') {
			xasprintf(cause, "\"~\" at byte %zu must be followed"
			    " by 0 or 1 (\"~0\" is \"~\", \"~1\" is \"/\")",
			    i + 1);
			return -1;
		}
	}
	return 0;
}

/*
 * The token that starts at *p (just after its "/"), unescaped into tok
 * (of JSONPTR_TOKEN_MAX + 1 bytes); *p moves to the next "/" or the
 * end.  -1 if the token is too long or badly escaped.
 */
static int
jsonptr_token(const char **p, char *tok, size_t *len)
{
	const char *s = *p;
	size_t n = 0;

	for (; *s != '\0' && *s != '/'; s++) {
		if (n == JSONPTR_TOKEN_MAX)
			return -1;
		if (*s == '~') {
			if (s[1] == '0')
				tok[n++] = '~';
			else if (s[1] == '1')
				tok[n++] = '/';
			else
				return -1;
			s++;
		} else
			tok[n++] = *s;
	}
	tok[n] = '\0';
	*len = n;
	*p = s;
	return 0;
}

/* The element of array a that tok names, or NULL. */
static json_t *
jsonptr_index(json_t *a, const char *tok, size_t len)
{
	size_t i, idx = 0;

	if (len == 0 || len > 9 || (tok[0] == '0' && len > 1))
		return NULL;
	for (i = 0; i < len; i++) {
		if (tok[i] < '0' || tok[i] > '9')
			return NULL;
		idx = idx * 10 + (size_t)(tok[i] - '0');
	}
	return json_array_get(a, idx);
}

/*
 * The value p points to in doc (borrowed: owned by doc), or NULL if
 * there is none or p is not a well-formed pointer.
 */
json_t *
jsonptr_get(json_t *doc, const char *p)
{
	char tok[JSONPTR_TOKEN_MAX + 1];
	size_t len;

	if (*p != '\0' && *p != '/')
		return NULL;
	while (doc != NULL && *p == '/') {
		p++;
		if (jsonptr_token(&p, tok, &len) != 0)
			return NULL;
		if (json_is_object(doc))
			doc = json_object_get(doc, tok);
		else if (json_is_array(doc))
			doc = jsonptr_index(doc, tok, len);
		else
			doc = NULL;
	}
	return doc;
}
