/* SPDX-License-Identifier: ISC */
/*
 * iso8601.h: instants written as ISO 8601 / RFC 3339 text, with a
 * mandatory offset ("Z" or "+05:30"), read into UTC milliseconds.  Pure.
 */
#ifndef ISO8601_H
#define ISO8601_H

#include <stdint.h>

/* iso8601.c */
int iso8601_parse(const char *, int64_t *, char **);

#endif
