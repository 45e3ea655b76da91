/* SPDX-License-Identifier: ISC */
/*
 * rota-dump.c: test-only tool for the zoneinfo cross-check.  Loads one
 * rota file and prints, for [from, to), each instant at which the set of
 * people on call changes: "2026-03-29T01:00:00Z alice,bob" ("-": nobody).
 * Who is on call comes from the rota's index, rebuilt as time goes by as
 * the daemon does, and must be what a scan says (else exit 1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rota-private.h"
#include "rota.h"
#include "tz.h"

static int
dump_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Parse "YYYY-MM-DD" as UTC midnight. */
static int
dump_date(const char *s, int64_t *t)
{
	int y, m, d, n = -1;

	if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 ||
	    s[n] != '\0' || m < 1 || m > 12 || d < 1 ||
	    d > tz_days_in_month(y, m))
		return -1;
	*t = tz_days_from_civil(y, m, d) * 86400000;
	return 0;
}

/* Are the shifts on call at t those of a scan? */
static void
dump_same(const struct rota *r, int64_t t, const struct rota_shifts *sh)
{
	struct rota_shifts scan = { NULL, 0, 0 };
	const struct rota_shift *a, *b;
	size_t i;

	rota_oncall_scan(r, t, &scan);
	for (i = 0; i < sh->n && sh->n == scan.n; i++) {
		a = &sh->list[i];
		b = &scan.list[i];
		if (a->person != b->person || a->start != b->start ||
		    a->end != b->end || a->layer != b->layer ||
		    a->override != b->override || a->rota != b->rota ||
		    a->backup != b->backup)
			break;
	}
	if (sh->n != scan.n || i < sh->n) {
		fprintf(stderr, "rota-dump: %s at %lld: the index and a scan"
		    " disagree\n", r->name, (long long)t);
		exit(1);
	}
	rota_shifts_free(&scan);
}

static void
dump_state(struct rota *r, int64_t t)
{
	struct rota_shifts now = { NULL, 0, 0 };
	const char *names[256];
	int64_t days = t / 86400000 - (t % 86400000 < 0);
	int64_t secs = (t - days * 86400000) / 1000;
	size_t i, n = 0;
	int y, m, d;

	if (rota_index_due(r, t))
		rota_index_build(r, t);
	rota_oncall(r, t, &now);
	dump_same(r, t, &now);
	for (i = 0; i < now.n && n < 256; i++)
		names[n++] = now.list[i].person;
	qsort(names, n, sizeof *names, dump_cmp);
	tz_civil_from_days(days, &y, &m, &d);
	printf("%04d-%02d-%02dT%02d:%02d:%02dZ ", y, m, d, (int)(secs / 3600),
	    (int)(secs / 60 % 60), (int)(secs % 60));
	if (n == 0)
		printf("-");
	for (i = 0; i < n; i++)
		printf("%s%s", i > 0 ? "," : "", names[i]);
	printf("\n");
	rota_shifts_free(&now);
}

int
main(int argc, char **argv)
{
	struct rota *r;
	char *cause = NULL;
	int64_t from, to, u, next;

	if (argc != 4 || dump_date(argv[2], &from) != 0 ||
	    dump_date(argv[3], &to) != 0) {
		fprintf(stderr, "usage: rota-dump file from-date to-date\n");
		return 2;
	}
	if ((r = rota_load(argv[1], &cause)) == NULL) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
		return 1;
	}
	dump_state(r, from);
	for (u = from; u < to; u = next) {
		next = rota_next_handoff(r, u);
		if (next == ROTA_NONE) {
			next = u + 35 * 86400000LL;
			continue;
		}
		if (next < to)
			dump_state(r, next);
	}
	rota_free(r);
	return 0;
}
