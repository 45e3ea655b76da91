/* SPDX-License-Identifier: ISC */
/*
 * jsonptr.h: JSON Pointers (RFC 6901), "/a/0/b~1c", checked and
 * resolved against a jansson document.
 */
#ifndef JSONPTR_H
#define JSONPTR_H

struct json_t;

/* jsonptr.c */
int jsonptr_check(const char *, char **);
struct json_t *jsonptr_get(struct json_t *, const char *);

#endif
