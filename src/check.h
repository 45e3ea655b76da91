/* SPDX-License-Identifier: ISC */
/*
 * check.h: offline checks of rota files, as "pagerd -t" and "pagerctl
 * rota check" run them, and the text views of a rota's next days: the
 * compact table of "pagerd -t" and the timeline of "pagerctl rota show".
 */
#ifndef CHECK_H
#define CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct conf;
struct people;
struct rota;
struct tz;

#define CHECK_DAYS 90      /* coverage and fatigue are checked this far */
#define CHECK_TABLE_DAYS 14 /* the table shows this many days */

/* What check_rotas() found. */
struct check_result {
	size_t nfiles;
	size_t nerrors;
	size_t nwarnings;
};

/*
 * One stretch of duty for the timeline: a shift of a rota file, or one
 * the daemon sent.  The name is borrowed.
 */
struct check_shift {
	const char *person;
	int64_t start;
	int64_t end;
	int backup; /* from the backup rota */
};

/* check.c */
int check_rotas(const struct people *, const char *, char *const *, size_t,
    int64_t, FILE *, FILE *, struct check_result *);
char *check_table(const struct rota *, int64_t, int);
void check_window(const struct tz *, int64_t, int, int64_t *, int64_t *);
char *check_timeline(const struct rota *, int64_t, int);
char *check_timeline_shifts(const char *, const struct tz *,
    const struct check_shift *, size_t, int64_t, int);
int check_conf(const struct conf *, int64_t);

#endif
