/* SPDX-License-Identifier: ISC */
/* duration.h: "30s", "5m", "4h", "1d", "1w", "1h30m" <-> milliseconds. */
#ifndef DURATION_H
#define DURATION_H

#include <stddef.h>
#include <stdint.h>

#define DURATION_SECOND INT64_C(1000)
#define DURATION_MINUTE (60 * DURATION_SECOND)
#define DURATION_HOUR (60 * DURATION_MINUTE)
#define DURATION_DAY (24 * DURATION_HOUR)
#define DURATION_WEEK (7 * DURATION_DAY)

/* duration.c */
int duration_parse(const char *, int64_t *, char **);
char *duration_format(int64_t, char *, size_t);

#endif
