/* SPDX-License-Identifier: ISC */
/*
 * rota-check.c: findings about a parsed rota over a window of time:
 * unknown people, contradictory overrides, coverage gaps (errors) and
 * fatigue (warnings, errors if the rota is strict).  Pure: it only calls
 * the rota queries.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "people.h"
#include "rota.h"
#include "xmalloc.h"

#define ROTA_CHECK_MAX 20 /* findings of one kind per rota */

static const char *rota_kind_names[] = { "replace", "add", "off" };

/* Counts findings of one kind so a bad rota does not flood the output. */
struct rota_cap {
	const struct rota *r;
	struct rota_findings *f;
	int n;
	int line;
	const char *what;
};

static int
rota_cap_ok(struct rota_cap *c, int line)
{
	if (c->n++ < ROTA_CHECK_MAX)
		return 1;
	c->line = line;
	return 0;
}

static void
rota_cap_done(struct rota_cap *c, enum rota_severity sev)
{
	if (c->n > ROTA_CHECK_MAX)
		rota_findings_add(c->f, c->r->file, c->line, sev,
		    "%d more %s findings", c->n - ROTA_CHECK_MAX, c->what);
}

static void
rota_check_members(const struct rota *r, const struct people *pp,
    struct rota_findings *f)
{
	const struct rota_layer *l;
	const struct rota_override *o;
	size_t i, j;

	if (pp == NULL)
		return;
	for (i = 0; i < r->nlayers; i++) {
		l = &r->layers[i];
		for (j = 0; j < l->nmembers; j++) {
			if (people_find(pp, l->members[j]) == NULL)
				rota_findings_add(f, r->file, l->members_line,
				    ROTA_ERROR, "layer \"%s\": unknown person"
				    " \"%s\"", l->name, l->members[j]);
		}
	}
	for (i = 0; i < r->noverrides; i++) {
		o = &r->overrides[i];
		if (people_find(pp, o->who) == NULL)
			rota_findings_add(f, r->file, o->line, ROTA_ERROR,
			    "override: unknown person \"%s\"", o->who);
		if (o->with != NULL && people_find(pp, o->with) == NULL)
			rota_findings_add(f, r->file, o->line, ROTA_ERROR,
			    "override: unknown person \"%s\"", o->with);
	}
}

/* Overrides that overlap in time and say opposite things. */
static void
rota_check_overrides(const struct rota *r, struct rota_findings *f)
{
	const struct rota_override *a, *b, *on, *off;
	const char *p;
	char when[64];
	size_t i, j;

	for (i = 0; i < r->noverrides; i++) {
		a = &r->overrides[i];
		for (j = i + 1; j < r->noverrides; j++) {
			b = &r->overrides[j];
			if (!(a->from < b->to && b->from < a->to))
				continue;
			rota_format_local(r, a->from > b->from ? a->from :
			    b->from, when, sizeof when);
			if (a->kind == b->kind && strcmp(a->who, b->who) == 0 &&
			    (a->with == NULL || strcmp(a->with, b->with) == 0)) {
				rota_findings_add(f, r->file, b->line,
				    ROTA_WARNING, "override repeats the one at"
				    " line %d (%s %s from %s)", a->line,
				    rota_kind_names[a->kind], a->who, when);
				continue;
			}
			if (a->kind == ROTA_REPLACE && b->kind == ROTA_REPLACE &&
			    strcmp(a->who, b->who) == 0) {
				rota_findings_add(f, r->file, b->line,
				    ROTA_ERROR, "override replaces %s with %s"
				    " but line %d replaces %s with %s from %s",
				    b->who, b->with, a->line, a->who, a->with,
				    when);
				continue;
			}
			if (a->kind == ROTA_OFF && b->kind == ROTA_OFF)
				continue;
			if (a->kind != ROTA_OFF && b->kind != ROTA_OFF)
				continue;
			/* One takes p off, the other puts p on call. */
			on = a->kind == ROTA_OFF ? b : a;
			off = a->kind == ROTA_OFF ? a : b;
			p = on->kind == ROTA_REPLACE ? on->with : on->who;
			if (strcmp(p, off->who) == 0)
				rota_findings_add(f, r->file, b->line,
				    ROTA_ERROR, "override at line %d puts %s on"
				    " call while line %d takes %s off from %s",
				    on->line, p, off->line, p, when);
		}
	}
}

/* The coverage needed at t and the line that asks for it. */
static int
rota_required(const struct rota *r, int64_t t, int *line)
{
	size_t i;
	int need = r->minimum;

	*line = r->coverage_line > 0 ? r->coverage_line : r->layers_line;
	for (i = 0; i < r->nwindows; i++) {
		if (r->windows[i].minimum > need &&
		    rota_span_contains(r->tz, &r->windows[i].span, t)) {
			need = r->windows[i].minimum;
			*line = r->windows[i].line;
		}
	}
	return need;
}

static int
rota_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static void
rota_gap(struct rota_cap *c, const struct rota *r, int line, int bybackup,
    int have, int need, int64_t a, int64_t b)
{
	char s[64], e[64];

	if (!rota_cap_ok(c, line))
		return;
	rota_format_local(r, a, s, sizeof s);
	rota_format_local(r, b, e, sizeof e);
	if (bybackup)
		rota_findings_add(c->f, r->file, line, ROTA_WARNING,
		    "coverage from %s to %s only through backup rota \"%s\""
		    " (%d of %d on call)", s, e, r->backup_rota->name, have,
		    need);
	else
		rota_findings_add(c->f, r->file, line, ROTA_ERROR,
		    "coverage gap from %s to %s: %d of %d on call", s, e, have,
		    need);
}

/* A shift starting (+1) or ending (-1), for the sweep over the window. */
struct rota_edge {
	int64_t t;
	int own; /* 0 for a shift of a backup rota */
	int all;
};

static int
rota_cmp_edge(const void *a, const void *b)
{
	const struct rota_edge *x = a, *y = b;

	return x->t < y->t ? -1 : x->t > y->t;
}

/*
 * Cut [from, to) where shifts or coverage windows start or end, and count
 * who is on call in each piece.  Less than needed is an error unless the
 * backup rota makes up for it.  The counts come from a sweep over the
 * shifts' starts and ends in order of time: the pieces come in order, so
 * the edges at or before a piece's start are those of the shifts that
 * started and of those that ended by then.  What is needed changes only
 * at a window's edge, so it is looked up again only after one.
 */
static void
rota_check_coverage(const struct rota *r, const struct rota_shifts *sh,
    int64_t from, int64_t to, struct rota_findings *f)
{
	struct rota_cap cap = { r, f, 0, 0, "coverage" };
	struct rota_cap wcap = { r, f, 0, 0, "backup coverage" };
	struct rota_edge *edge;
	int64_t *cut = NULL, *wcut = NULL, a, b, gap_from = 0, t;
	size_t ncut = 0, size, nedge = 0, nwcut = 0, wsize = 0, i, j, k;
	int own = 0, all = 0, need = 0, line = 0, kind, gap_kind = 0;
	int gap_line = 0, gap_have = 0, gap_need = 0, first = 1;

	size = 2 * sh->n + 2;
	cut = xreallocarray(NULL, size, sizeof *cut);
	edge = xreallocarray(NULL, 2 * sh->n + 1, sizeof *edge);
	cut[ncut++] = from;
	cut[ncut++] = to;
	for (i = 0; i < sh->n; i++) {
		cut[ncut++] = sh->list[i].start;
		cut[ncut++] = sh->list[i].end;
		if (sh->list[i].start >= sh->list[i].end)
			continue; /* on call at no instant */
		edge[nedge++] = (struct rota_edge){ sh->list[i].start,
		    !sh->list[i].backup, 1 };
		edge[nedge++] = (struct rota_edge){ sh->list[i].end,
		    -!sh->list[i].backup, -1 };
	}
	for (i = 0; i < r->nwindows; i++) {
		for (t = from; (t = rota_span_next_edge(r->tz,
		    &r->windows[i].span, t)) < to;) {
			if (ncut == size) {
				size *= 2;
				cut = xreallocarray(cut, size, sizeof *cut);
			}
			cut[ncut++] = t;
			if (nwcut == wsize) {
				wsize = wsize == 0 ? 64 : wsize * 2;
				wcut = xreallocarray(wcut, wsize, sizeof *wcut);
			}
			wcut[nwcut++] = t;
		}
	}
	/* (qsort's array must not be NULL, even when empty) */
	qsort(cut, ncut, sizeof *cut, rota_cmp_i64);
	if (nwcut > 1)
		qsort(wcut, nwcut, sizeof *wcut, rota_cmp_i64);
	if (nedge > 1)
		qsort(edge, nedge, sizeof *edge, rota_cmp_edge);
	for (i = j = k = 0; i + 1 < ncut; i++) {
		a = cut[i];
		b = cut[i + 1];
		if (a == b || a < from || b > to)
			continue;
		for (; j < nedge && edge[j].t <= a; j++) {
			own += edge[j].own;
			all += edge[j].all;
		}
		if (first || (k < nwcut && wcut[k] <= a)) {
			need = rota_required(r, a, &line);
			while (k < nwcut && wcut[k] <= a)
				k++;
			first = 0;
		}
		kind = own >= need ? 0 : (all >= need ? 1 : 2);
		if (gap_kind != 0 && (kind != gap_kind || line != gap_line ||
		    own != gap_have)) {
			rota_gap(gap_kind == 1 ? &wcap : &cap, r, gap_line,
			    gap_kind == 1, gap_have, gap_need, gap_from, a);
			gap_kind = 0;
		}
		if (kind != 0 && gap_kind == 0) {
			gap_kind = kind;
			gap_from = a;
			gap_line = line;
			gap_have = own;
			gap_need = need;
		}
	}
	if (gap_kind != 0)
		rota_gap(gap_kind == 1 ? &wcap : &cap, r, gap_line,
		    gap_kind == 1, gap_have, gap_need, gap_from, to);
	rota_cap_done(&cap, ROTA_ERROR);
	rota_cap_done(&wcap, ROTA_WARNING); /* not an error: backup covers */
	free(edge);
	free(wcut);
	free(cut);
}

/* Who covers shift k of layer l, after replace and off overrides. */
static const char *
rota_slot_person(const struct rota *r, const struct rota_layer *l,
    int64_t k, int64_t start)
{
	const struct rota_override *o;
	const char *p = l->members[k % (int64_t)l->nmembers];
	size_t i;

	for (i = 0; i < r->noverrides; i++) {
		o = &r->overrides[i];
		if (o->kind == ROTA_REPLACE && start >= o->from &&
		    start < o->to && strcmp(o->who, p) == 0) {
			p = o->with;
			break;
		}
	}
	for (i = 0; i < r->noverrides; i++) {
		o = &r->overrides[i];
		if (o->kind == ROTA_OFF && start >= o->from && start < o->to &&
		    strcmp(o->who, p) == 0)
			return NULL;
	}
	return p;
}

/* The same person on more than max_consecutive shifts of a layer in a row. */
static void
rota_check_consecutive(const struct rota *r, int64_t from, int64_t to,
    enum rota_severity sev, struct rota_findings *f)
{
	const struct rota_layer *l;
	struct rota_cap cap = { r, f, 0, 0, "fatigue" };
	const char *p, *prev;
	char when[64];
	int64_t k, start, run_start = 0;
	size_t i;
	int run;

	if (r->max_consecutive == 0)
		return;
	for (i = 0; i < r->nlayers; i++) {
		l = &r->layers[i];
		if (l->nmembers == 0 || to <= l->start)
			continue;
		k = from > l->start ? rota_layer_slot(r, l, from) : 0;
		prev = NULL;
		run = 0;
		for (; (start = rota_layer_handoff(r, l, k)) < to &&
		    start < l->end; k++) {
			p = rota_slot_person(r, l, k, start);
			if (p != NULL && prev != NULL && strcmp(p, prev) == 0)
				run++;
			else {
				run = p != NULL;
				run_start = start;
			}
			prev = p;
			if (run != r->max_consecutive + 1 ||
			    !rota_cap_ok(&cap, r->max_consecutive_line))
				continue;
			rota_format_local(r, run_start, when, sizeof when);
			rota_findings_add(f, r->file, r->max_consecutive_line,
			    sev, "layer \"%s\": %s has more than %d shifts in"
			    " a row from %s", l->name, p, r->max_consecutive,
			    when);
		}
	}
	rota_cap_done(&cap, sev);
}

static int
rota_names_has(const char **names, size_t n, const char *p)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(names[i], p) == 0)
			return 1;
	}
	return 0;
}

/* Nobody on call during two weekends (Sat 00:00 to Mon 00:00) in a row. */
static void
rota_check_weekends(const struct rota *r, int64_t from, int64_t to,
    enum rota_severity sev, struct rota_findings *f)
{
	struct rota_shifts sh = { NULL, 0, 0 };
	struct rota_cap cap = { r, f, 0, 0, "fatigue" };
	struct tz_local lt;
	const char **prev = NULL, **cur = NULL, **tmp;
	size_t nprev = 0, ncur, i;
	int64_t day, ws, we;
	char when[64];
	int first = 1;

	if (!r->weekend_rotation)
		return;
	tz_to_local(r->tz, from, &lt);
	day = tz_days_from_civil(lt.year, lt.month, lt.day);
	while (tz_weekday(day) != 6)
		day++;
	for (;; day += 7) {
		memset(&lt, 0, sizeof lt);
		tz_civil_from_days(day, &lt.year, &lt.month, &lt.day);
		ws = tz_from_local(r->tz, &lt);
		lt.day += 2;
		we = tz_from_local(r->tz, &lt);
		if (we > to)
			break;
		sh.n = 0;
		rota_schedule(r, ws, we, NULL, &sh);
		cur = xreallocarray(NULL, sh.n + 1, sizeof *cur);
		for (ncur = 0, i = 0; i < sh.n; i++) {
			if (sh.list[i].backup ||
			    rota_names_has(cur, ncur, sh.list[i].person))
				continue;
			cur[ncur++] = sh.list[i].person;
			if (first || !rota_names_has(prev, nprev,
			    sh.list[i].person) ||
			    !rota_cap_ok(&cap, r->weekend_line))
				continue;
			rota_format_local(r, ws, when, sizeof when);
			rota_findings_add(f, r->file, r->weekend_line, sev,
			    "%s is on call two weekends in a row (the"
			    " weekend from %s and the one before)",
			    sh.list[i].person, when);
		}
		tmp = prev;
		prev = cur;
		nprev = ncur;
		free(tmp);
		first = 0;
	}
	free(prev);
	rota_shifts_free(&sh);
	rota_cap_done(&cap, sev);
}

static int
rota_cmp_shift(const void *a, const void *b)
{
	const struct rota_shift *x = a, *y = b;
	int c;

	if ((c = strcmp(x->person, y->person)) != 0)
		return c;
	return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * Less than min_rest between one stretch on call and the next.  Drops the
 * backup's shifts from sh and sorts the rest by person.
 */
static void
rota_check_rest(const struct rota *r, struct rota_shifts *sh,
    enum rota_severity sev, struct rota_findings *f)
{
	struct rota_cap cap = { r, f, 0, 0, "fatigue" };
	const struct rota_shift *s;
	const char *who = NULL;
	char a[64], b[64], d[32];
	int64_t end = 0;
	size_t i, j;

	if (r->min_rest == 0)
		return;
	for (i = j = 0; i < sh->n; i++) {
		if (!sh->list[i].backup)
			sh->list[j++] = sh->list[i];
	}
	sh->n = j;
	if (sh->n > 1)
		qsort(sh->list, sh->n, sizeof *sh->list, rota_cmp_shift);
	for (i = 0; i < sh->n; i++) {
		s = &sh->list[i];
		if (who == NULL || strcmp(who, s->person) != 0) {
			who = s->person;
			end = s->end;
			continue;
		}
		if (s->start > end && s->start - end < r->min_rest &&
		    rota_cap_ok(&cap, r->min_rest_line)) {
			rota_format_local(r, end, a, sizeof a);
			rota_format_local(r, s->start, b, sizeof b);
			duration_format(s->start - end, d, sizeof d);
			rota_findings_add(f, r->file, r->min_rest_line, sev,
			    "%s rests only %s between shifts (%s to %s)", who,
			    d, a, b);
		}
		if (s->end > end)
			end = s->end;
	}
	rota_cap_done(&cap, sev);
}

/*
 * At most this many turns, of all layers together, are checked (about
 * 12 ms): the daemon checks a rota on its loop when the file changes, so
 * no file may stall it.  A rota of 1-minute shifts is checked over its
 * next 13 days, one of daily shifts over years.
 */
#define ROTA_CHECK_TURNS 20000

/*
 * The end of the span from from that holds ROTA_CHECK_TURNS turns of r's
 * layers, or to if that comes first; *shortest is the layer with the
 * shortest turns.
 */
static int64_t
rota_check_until(const struct rota *r, int64_t from, int64_t to,
    const struct rota_layer **shortest)
{
	const struct rota_layer *l;
	double rate = 0; /* turns per millisecond */
	int64_t len, min = INT64_MAX, until;
	size_t i;

	*shortest = NULL;
	for (i = 0; i < r->nlayers; i++) {
		l = &r->layers[i];
		len = l->shift_ms; /* whole days too (rota-parse.c) */
		if (len <= 0)
			continue;
		rate += 1.0 / (double)len;
		if (len < min) {
			min = len;
			*shortest = l;
		}
	}
	if (rate <= 0)
		return to;
	until = from + (int64_t)(ROTA_CHECK_TURNS / rate);
	return until < to ? until : to;
}

/*
 * Append to f what is wrong with r over [from, to), at most five years
 * and at most ROTA_CHECK_TURNS turns (a warning says when that cuts the
 * span short).  people may be NULL to skip the check of names.  Backups
 * must be linked already.
 */
void
rota_check(const struct rota *r, const struct people *pp, int64_t from,
    int64_t to, struct rota_findings *f)
{
	enum rota_severity sev = r->strict ? ROTA_ERROR : ROTA_WARNING;
	struct rota_shifts sh = { NULL, 0, 0 };
	const struct rota_layer *l;
	char span[32], want[32], len[32];
	int64_t until;

	rota_check_members(r, pp, f);
	rota_check_overrides(r, f);
	if (r->tz == NULL || to <= from || from < 0 ||
	    to > from + 5 * 366 * DURATION_DAY)
		return;
	if ((until = rota_check_until(r, from, to, &l)) < to && l != NULL) {
		rota_findings_add(f, r->file, l->line, ROTA_WARNING,
		    "layer \"%s\": with shifts of %s, coverage and fatigue"
		    " are checked over the next %s only, not %s", l->name,
		    duration_format(l->shift_ms, len, sizeof len),
		    duration_format((until - from) / DURATION_HOUR *
		    DURATION_HOUR, span, sizeof span), duration_format(to - from,
		    want, sizeof want));
		to = until;
	}
	/* One schedule for both coverage and rest. */
	rota_schedule(r, from, to, NULL, &sh);
	rota_check_coverage(r, &sh, from, to, f);
	rota_check_consecutive(r, from, to, sev, f);
	rota_check_weekends(r, from, to, sev, f);
	rota_check_rest(r, &sh, sev, f); /* last: it reorders sh */
	rota_shifts_free(&sh);
}
