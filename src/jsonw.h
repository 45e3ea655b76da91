/* SPDX-License-Identifier: ISC */
/*
 * jsonw.h: compact JSON written straight into a growing buffer, with
 * the very bytes jansson's json_dumps(JSON_COMPACT) would write, for
 * the hot paths (audit details of pages and sends) where building a
 * jansson object per alert cost more than the rest of the page.
 */
#ifndef JSONW_H
#define JSONW_H

#include <stddef.h>

/* A buffer being written; { NULL, 0, 0 } is empty.  p is NUL-ended. */
struct jsonw {
	char *p;
	size_t len;
	size_t cap;
};

/* jsonw.c */
void jsonw_reset(struct jsonw *);
void jsonw_free(struct jsonw *);
void jsonw_raw(struct jsonw *, const char *, size_t);
int jsonw_str(struct jsonw *, const char *);
void jsonw_int(struct jsonw *, long long);
void jsonw_key(struct jsonw *, const char *, int);

#endif
