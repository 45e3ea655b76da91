/* SPDX-License-Identifier: ISC */
/*
 * tz.h: local wall-clock <-> UTC for a named IANA zone, read from the
 * compiled TZif files.  Reentrant: never touches TZ, localtime or mktime.
 * Instants are UTC milliseconds since the epoch; offsets are seconds east.
 */
#ifndef TZ_H
#define TZ_H

#include <stddef.h>
#include <stdint.h>

#define TZ_DIR "/usr/share/zoneinfo"

struct tz;

/* A broken-down local time. */
struct tz_local {
	int year;
	int month; /* 1-12 */
	int day; /* 1-31 */
	int hour; /* 0-23 */
	int minute;
	int second;
	int ms;
	int wday; /* 0 Sunday .. 6 Saturday (tz_to_local only) */
	int offset; /* seconds east of UTC (tz_to_local only) */
	int isdst; /* (tz_to_local only) */
};

/* tz.c */
struct tz *tz_load(const char *, char **);
struct tz *tz_load_file(const char *, const char *, char **);
struct tz *tz_parse(const char *, const unsigned char *, size_t, char **);
void tz_free(struct tz *);
const char *tz_name(const struct tz *);
int tz_offset_at(const struct tz *, int64_t);
void tz_to_local(const struct tz *, int64_t, struct tz_local *);
int64_t tz_from_local(const struct tz *, const struct tz_local *);
int tz_name_is_valid(const char *);

int64_t tz_days_from_civil(int, int, int);
void tz_civil_from_days(int64_t, int *, int *, int *);
int tz_weekday(int64_t);
int tz_days_in_month(int, int);

#endif
