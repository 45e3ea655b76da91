/* SPDX-License-Identifier: ISC */
/*
 * intake-private.h: shared by the intake parsers (intake-native.c,
 * intake-events.c, intake-alertmanager.c, intake-mapped.c) only.
 */
#ifndef INTAKE_PRIVATE_H
#define INTAKE_PRIVATE_H

#include <stddef.h>

struct json_t;

/* intake-json.c */
struct json_t *intake_json_object(const char *, size_t, size_t, char **);
size_t intake_utf8_len(const char *);             /* in characters */
size_t intake_utf8_prefix(const char *, size_t);  /* bytes of N chars */

/* intake-flat.c: a flat object of plain strings, read without jansson */
struct intake_flat {
	const char *s;	/* NUL-terminated inside the scanned copy, or NULL */
	size_t len;
};
int intake_flat_scan(char *, size_t, const char *const *, size_t,
    struct intake_flat *);

/* intake-events.c */
int intake_link_ok(const char *, size_t, int);

#endif
