/* SPDX-License-Identifier: ISC */
/*
 * check.c: check rota files without a running daemon.  Every file is
 * parsed and checked (unknown people, contradictory overrides, coverage
 * gaps and fatigue over the next 90 days); findings are printed as
 * "file:line: message", then a table of who is on call for the next
 * days.  The table and the timeline are pure functions of a rota and an
 * instant, so they can be tested with fixed times; the timeline is drawn
 * from a list of shifts, so "pagerctl rota show" draws the daemon's
 * shifts (the rota in force) and a file's alike.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "conf.h"
#include "duration.h"
#include "log.h"
#include "maint.h"
#include "oncall.h"
#include "people.h"
#include "rota.h"
#include "tz.h"
#include "xmalloc.h"


static const char *check_wdays[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	"Fri", "Sat" };

/* One person's stretch within one local day. */
struct check_seg {
	const char *person; /* NULL: nobody */
	int64_t start, end;
	int backup;
};

struct check_day {
	int64_t start, end; /* local midnight to the next */
	int year, month, day, wday;
	struct check_seg *segs;
	size_t n;
};

static int
check_cmp_seg(const void *a, const void *b)
{
	const struct check_seg *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->person == NULL || y->person == NULL)
		return (x->person == NULL) - (y->person == NULL);
	return strcmp(x->person, y->person);
}

static void
check_seg_add(struct check_day *d, const char *person, int64_t start,
    int64_t end, int backup)
{
	d->segs = xreallocarray(d->segs, d->n + 1, sizeof *d->segs);
	d->segs[d->n].person = person;
	d->segs[d->n].start = start;
	d->segs[d->n].end = end;
	d->segs[d->n++].backup = backup;
}

/*
 * Fill d with the local day number k after the day of from in zone tz:
 * who is on call when, from the n shifts of sh, cut to the day and
 * merged, with the gaps as NULL people.  d borrows the shifts' names.
 */
static void
check_day(const struct tz *tz, const struct check_shift *sh, size_t nsh,
    int64_t from, int k, struct check_day *d)
{
	struct tz_local lt, mid;
	struct check_seg *s;
	int64_t days, covered;
	size_t i, j, n;

	memset(d, 0, sizeof *d);
	tz_to_local(tz, from, &lt);
	days = tz_days_from_civil(lt.year, lt.month, lt.day) + k;
	memset(&mid, 0, sizeof mid);
	tz_civil_from_days(days, &mid.year, &mid.month, &mid.day);
	d->year = mid.year;
	d->month = mid.month;
	d->day = mid.day;
	d->wday = tz_weekday(days);
	d->start = tz_from_local(tz, &mid);
	tz_civil_from_days(days + 1, &mid.year, &mid.month, &mid.day);
	d->end = tz_from_local(tz, &mid);

	for (i = 0; i < nsh; i++) {
		if (sh[i].end <= d->start || sh[i].start >= d->end)
			continue;
		check_seg_add(d, sh[i].person, sh[i].start < d->start ?
		    d->start : sh[i].start, sh[i].end > d->end ? d->end :
		    sh[i].end, sh[i].backup);
	}
	if (d->n > 1)
		qsort(d->segs, d->n, sizeof *d->segs, check_cmp_seg);
	/* Merge a person's adjacent stretches. */
	for (i = 0; i < d->n; i++) {
		for (j = i + 1; j < d->n; j++) {
			s = &d->segs[j];
			if (s->person == NULL || s->start != d->segs[i].end ||
			    strcmp(s->person, d->segs[i].person) != 0 ||
			    s->backup != d->segs[i].backup)
				continue;
			d->segs[i].end = s->end;
			memmove(s, s + 1, (d->n - j - 1) * sizeof *s);
			d->n--;
			j = i;
		}
	}
	/* The gaps: nobody on call. */
	n = d->n;
	covered = d->start;
	for (i = 0; i < n; i++) {
		if (d->segs[i].start > covered)
			check_seg_add(d, NULL, covered, d->segs[i].start, 0);
		if (d->segs[i].end > covered)
			covered = d->segs[i].end;
	}
	if (covered < d->end)
		check_seg_add(d, NULL, covered, d->end, 0);
	if (d->n > 1)
		qsort(d->segs, d->n, sizeof *d->segs, check_cmp_seg);
}

/*
 * The instants a view of days local days in zone tz starts and ends:
 * from the midnight that starts the day of from to the one after the
 * last day.
 */
void
check_window(const struct tz *tz, int64_t from, int days, int64_t *start,
    int64_t *end)
{
	struct tz_local lt, mid;
	int64_t day;

	tz_to_local(tz, from, &lt);
	day = tz_days_from_civil(lt.year, lt.month, lt.day);
	memset(&mid, 0, sizeof mid);
	tz_civil_from_days(day, &mid.year, &mid.month, &mid.day);
	*start = tz_from_local(tz, &mid);
	tz_civil_from_days(day + days, &mid.year, &mid.month, &mid.day);
	*end = tz_from_local(tz, &mid);
}

/*
 * The shifts of r over the days of a view, as a new array (*n of them)
 * whose names sh keeps.  NULL if there are none.
 */
static struct check_shift *
check_shifts(const struct rota *r, int64_t from, int days,
    struct rota_shifts *sh, size_t *n)
{
	struct check_shift *list = NULL;
	int64_t start, end;
	size_t i;

	*n = 0;
	sh->n = 0;
	if (r->tz == NULL)
		return NULL;
	check_window(r->tz, from, days, &start, &end);
	rota_schedule(r, start, end, NULL, sh);
	if (sh->n == 0)
		return NULL;
	list = xcalloc(sh->n, sizeof *list);
	for (i = 0; i < sh->n; i++) {
		list[i].person = sh->list[i].person;
		list[i].start = sh->list[i].start;
		list[i].end = sh->list[i].end;
		list[i].backup = sh->list[i].backup;
	}
	*n = sh->n;
	return list;
}

/* "HH:MM" of t in zone tz, "24:00" for the end of day d. */
static void
check_hhmm(const struct tz *tz, const struct check_day *d, int64_t t,
    char *buf, size_t len)
{
	struct tz_local lt;

	if (t >= d->end) {
		snprintf(buf, len, "24:00");
		return;
	}
	tz_to_local(tz, t, &lt);
	snprintf(buf, len, "%02d:%02d", lt.hour, lt.minute);
}

/*
 * "ops (Europe/Berlin), 2026-11-22 to 2026-11-26 (5 days):": the real
 * range of local days shown, from the day of from (a view from another
 * day than today is not "the next" days).
 */
static void
check_header(FILE *f, const char *name, const struct tz *tz, int64_t from,
    int days)
{
	struct tz_local lt;
	int64_t day;
	int y, m, d;

	if (tz == NULL || days < 1) {
		fprintf(f, "%s, %d day%s:\n", name, days, days == 1 ? "" : "s");
		return;
	}
	tz_to_local(tz, from, &lt);
	day = tz_days_from_civil(lt.year, lt.month, lt.day);
	tz_civil_from_days(day + days - 1, &y, &m, &d);
	if (days == 1)
		fprintf(f, "%s (%s), %04d-%02d-%02d (1 day):\n", name,
		    tz_name(tz), lt.year, lt.month, lt.day);
	else
		fprintf(f, "%s (%s), %04d-%02d-%02d to %04d-%02d-%02d (%d"
		    " days):\n", name, tz_name(tz), lt.year, lt.month, lt.day,
		    y, m, d, days);
}

/*
 * The compact table of "pagerd -t": one line per local day from the day
 * of from, listing who is on call and when.  Caller frees.
 */
char *
check_table(const struct rota *r, int64_t from, int days)
{
	struct rota_shifts sh = { NULL, 0, 0 };
	struct check_shift *list;
	struct check_day d;
	const struct check_seg *s;
	char *text = NULL, a[8], b[8];
	size_t len = 0, i, n;
	FILE *f;
	int k;

	if ((f = open_memstream(&text, &len)) == NULL)
		fatal("open_memstream");
	check_header(f, r->name, r->tz, from, days);
	list = check_shifts(r, from, days, &sh, &n);
	for (k = 0; k < days && r->tz != NULL; k++) {
		check_day(r->tz, list, n, from, k, &d);
		fprintf(f, "  %s %04d-%02d-%02d ", check_wdays[d.wday], d.year,
		    d.month, d.day);
		for (i = 0; i < d.n; i++) {
			s = &d.segs[i];
			fprintf(f, "%s%s", i > 0 ? ", " : " ",
			    s->person != NULL ? s->person : "NOBODY");
			if (s->backup)
				fputs(" (backup)", f);
			if (s->start != d.start || s->end != d.end) {
				check_hhmm(r->tz, &d, s->start, a, sizeof a);
				check_hhmm(r->tz, &d, s->end, b, sizeof b);
				fprintf(f, " %s-%s", a, b);
			}
		}
		fputc('\n', f);
		free(d.segs);
	}
	free(list);
	rota_shifts_free(&sh);
	if (fclose(f) != 0)
		fatal("open_memstream");
	return text;
}

/* Same row: the same person, both backup or both not, or both gaps? */
static int
check_same_row(const struct check_seg *a, const struct check_seg *b)
{
	if (a->person == NULL || b->person == NULL)
		return a->person == NULL && b->person == NULL;
	return strcmp(a->person, b->person) == 0 && a->backup == b->backup;
}

/*
 * The cell of hour of day d on row's row: '#' on call all of it, '+'
 * part of it, '.' not, ' ' if the hour does not exist.
 */
static char
check_cell(const struct check_day *d, const struct tz *tz, int hour,
    const struct check_seg *row)
{
	struct tz_local lt;
	int64_t a, b, got = 0, lo, hi;
	size_t i;

	memset(&lt, 0, sizeof lt);
	tz_civil_from_days(tz_days_from_civil(d->year, d->month, d->day),
	    &lt.year, &lt.month, &lt.day);
	lt.hour = hour;
	a = tz_from_local(tz, &lt);
	if (hour == 23)
		b = d->end;
	else {
		lt.hour = hour + 1;
		b = tz_from_local(tz, &lt);
	}
	if (b <= a)
		return ' ';
	for (i = 0; i < d->n; i++) {
		const struct check_seg *s = &d->segs[i];

		if (!check_same_row(s, row))
			continue;
		lo = s->start > a ? s->start : a;
		hi = s->end < b ? s->end : b;
		if (hi > lo)
			got += hi - lo;
	}
	if (got == 0)
		return '.';
	return got >= b - a ? '#' : '+';
}

/*
 * The timeline of "pagerctl rota show" for rota name in zone tz, drawn
 * from n shifts (in any order; those outside the days are ignored): per
 * local day from the day of from, one row per person with an hour bar
 * and the exact times, and NOBODY for the gaps.  Pure, so the daemon's
 * shifts and a file's are drawn alike.  Caller frees.
 */
char *
check_timeline_shifts(const char *name, const struct tz *tz,
    const struct check_shift *sh, size_t n, int64_t from, int days)
{
	struct check_day d;
	const struct check_seg *s, *t;
	char *text = NULL, a[8], b[8], label[64];
	size_t len = 0, i, j;
	FILE *f;
	int k, h;

	if ((f = open_memstream(&text, &len)) == NULL)
		fatal("open_memstream");
	check_header(f, name, tz, from, days);
	fprintf(f, "%-17s %s\n", "", "0     6     12    18    24");
	for (k = 0; k < days && tz != NULL; k++) {
		check_day(tz, sh, n, from, k, &d);
		fprintf(f, "%s %04d-%02d-%02d\n", check_wdays[d.wday], d.year,
		    d.month, d.day);
		for (i = 0; i < d.n; i++) {
			s = &d.segs[i];
			/* One row per person, at their first stretch. */
			for (j = 0; j < i; j++) {
				if (check_same_row(&d.segs[j], s))
					break;
			}
			if (j < i)
				continue;
			snprintf(label, sizeof label, "%s%s", s->person !=
			    NULL ? s->person : "NOBODY", s->backup ? "*" : "");
			fprintf(f, "  %-14.14s |", label);
			for (h = 0; h < 24; h++)
				fputc(check_cell(&d, tz, h, s), f);
			fputc('|', f);
			for (j = i; j < d.n; j++) {
				t = &d.segs[j];
				if (!check_same_row(t, s))
					continue;
				check_hhmm(tz, &d, t->start, a, sizeof a);
				check_hhmm(tz, &d, t->end, b, sizeof b);
				fprintf(f, " %s-%s", a, b);
			}
			fputc('\n', f);
		}
		free(d.segs);
	}
	fputs("(* from the backup rota; # on call the whole hour,"
	    " + part of it)\n", f);
	if (fclose(f) != 0)
		fatal("open_memstream");
	return text;
}

/* The timeline of rota r, as its files say.  Caller frees. */
char *
check_timeline(const struct rota *r, int64_t from, int days)
{
	struct rota_shifts sh = { NULL, 0, 0 };
	struct check_shift *list;
	char *text;
	size_t n;

	list = check_shifts(r, from, days, &sh, &n);
	text = check_timeline_shifts(r->name, r->tz, list, n, from, days);
	free(list);
	rota_shifts_free(&sh);
	return text;
}


/* Is file one of files? */
static int
check_is_target(char *const *files, size_t n, const char *file)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(files[i], file) == 0)
			return 1;
	}
	return 0;
}

/*
 * Check rota files against people (may be NULL).  files (n of them)
 * are checked; if files is NULL, every rota file of dir is.  Other
 * rotas of dir (may be NULL) are loaded to resolve backups only.
 * Findings go to err, the table of each good rota to out (may be NULL).
 * Returns 0, or -1 if any error was found.
 */
int
check_rotas(const struct people *pp, const char *dir, char *const *files,
    size_t n, int64_t now, FILE *out, FILE *err, struct check_result *res)
{
	struct rota_findings f = { NULL, 0, 0 }, ignored = { NULL, 0, 0 };
	struct rota_set *set = rota_set_new();
	struct rota *r, *other;
	char **dirfiles = NULL, *line, *table;
	size_t ndir = 0, i;

	memset(res, 0, sizeof *res);
	if (dir != NULL && (dirfiles = oncall_list_dir(dir, &ndir)) == NULL) {
		if (files == NULL) {
			rota_findings_add(&f, dir, 0, ROTA_ERROR, "cannot read"
			    " the rota folder: %s", strerror(errno));
		}
	}
	if (files == NULL) {
		files = dirfiles;
		n = ndir;
	}
	res->nfiles = n;
	for (i = 0; i < n; i++) {
		if ((r = rota_load_findings(files[i], &f)) == NULL)
			continue;
		if ((other = rota_set_find(set, r->name)) != NULL) {
			rota_findings_add(&f, files[i], 1, ROTA_ERROR, "rota"
			    " \"%s\" is already defined in %s", r->name,
			    other->file);
			rota_free(r);
		} else if (rota_set_add(set, r, &line) != 0)
			fatalx("%s", line);
	}
	/* The rest of the folder, for backups only. */
	for (i = 0; files != dirfiles && i < ndir; i++) {
		if (check_is_target(files, n, dirfiles[i]))
			continue;
		r = rota_load_findings(dirfiles[i], &ignored);
		if (r != NULL && (rota_set_find(set, r->name) != NULL ||
		    rota_set_add(set, r, &line) != 0))
			rota_free(r);
	}
	rota_findings_free(&ignored);
	rota_set_link(set, &ignored);
	for (i = 0; i < ignored.n; i++) {
		if (check_is_target(files, n, ignored.list[i].file))
			rota_findings_add(&f, ignored.list[i].file,
			    ignored.list[i].line, ignored.list[i].severity,
			    "%s", ignored.list[i].message);
	}
	rota_findings_free(&ignored);
	for (i = 0; i < set->n; i++) {
		if (check_is_target(files, n, set->list[i]->file))
			rota_check(set->list[i], pp, now, now + CHECK_DAYS *
			    DURATION_DAY, &f);
	}

	for (i = 0; i < f.n; i++) {
		line = rota_finding_format(&f.list[i]);
		fprintf(err, "%s\n", line);
		free(line);
		if (f.list[i].severity == ROTA_ERROR)
			res->nerrors++;
		else
			res->nwarnings++;
	}
	fflush(err);
	for (i = 0; out != NULL && i < set->n; i++) {
		if (!check_is_target(files, n, set->list[i]->file))
			continue;
		table = check_table(set->list[i], now, CHECK_TABLE_DAYS);
		fprintf(out, "%s", table);
		free(table);
	}
	rota_findings_free(&f);
	rota_set_free(set);
	xfree_strings(dirfiles, ndir);
	return res->nerrors > 0 ? -1 : 0;
}

/* A local instant of tz as "2026-03-29 02:00 +01:00" into buf. */
static char *
check_local(const struct tz *tz, int64_t t, char *buf, size_t len)
{
	struct tz_local lt;
	int off;

	tz_to_local(tz, t, &lt);
	off = lt.offset < 0 ? -lt.offset : lt.offset;
	snprintf(buf, len, "%04d-%02d-%02d %02d:%02d %c%02d:%02d", lt.year,
	    lt.month, lt.day, lt.hour, lt.minute, lt.offset < 0 ? '-' : '+',
	    off / 3600, off / 60 % 60);
	return buf;
}

/* The next occurrence of each maintenance window, in its zone. */
static void
check_maint(const struct conf *c, int64_t now, FILE *f)
{
	const struct maint_window *w;
	int64_t s, e;
	char a[40], b[40];
	size_t i;

	for (i = 0; i < c->nmaint; i++) {
		w = &c->maint[i];
		if (maint_occurrence(w, now, &s, &e) != 0)
			continue;
		fprintf(f, "maintenance %s (%s): %s %s to %s\n", w->name,
		    tz_name(w->tz), s <= now ? "in force," : "next",
		    check_local(w->tz, s, a, sizeof a), check_local(w->tz, e,
		    b, sizeof b));
	}
}

/*
 * pagerd -t, after pagerd.conf itself loaded: check the people file and
 * every rota of rota_dir, print findings and tables.  Returns the exit
 * status: 1 if anything is in error (fatigue only in strict rotas).
 */
int
check_conf(const struct conf *c, int64_t now)
{
	struct check_result res;
	struct people *pp = NULL;
	char *cause;
	int rc;

	if (c->people != NULL && (pp = people_load(c->people, &cause)) ==
	    NULL) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
		return 1;
	}
	check_maint(c, now, stdout);
	if (c->rota_dir == NULL) {
		printf("%s: configuration OK (no rota_dir)\n", c->path);
		people_free(pp);
		return 0;
	}
	rc = check_rotas(pp, c->rota_dir, NULL, 0, now, stdout, stderr, &res);
	people_free(pp);
	printf("%s: %zu rota file%s, %zu error%s, %zu warning%s\n", c->path,
	    res.nfiles, res.nfiles == 1 ? "" : "s", res.nerrors,
	    res.nerrors == 1 ? "" : "s", res.nwarnings,
	    res.nwarnings == 1 ? "" : "s");
	if (rc != 0)
		return 1;
	printf("%s: configuration OK\n", c->path);
	return 0;
}
