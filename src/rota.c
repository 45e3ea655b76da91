/* SPDX-License-Identifier: ISC */
/*
 * rota.c: the pure rota queries.  Who is on call at t is the union of the
 * layers active at t, then replace, add and off overrides in that order,
 * then the backup rota if nobody is left.  Shifts come from scanning the
 * instants where any of that can change (or, for who is on call, from the
 * rota's index of such a scan: rota-index.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "rota-private.h"
#include "rota.h"
#include "xmalloc.h"

static int64_t
rota_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

/* Handoff number k of a layer: elapsed time, or the same wall clock. */
int64_t
rota_layer_handoff(const struct rota *r, const struct rota_layer *l,
    int64_t k)
{
	struct tz_local lt;

	if (l->unit == ROTA_ELAPSED)
		return l->start + k * l->shift_ms;
	lt = l->start_local;
	lt.day += (int)(k * l->shift_days);
	return tz_from_local(r->tz, &lt);
}

/* The shift number of layer l running at t (t >= l->start). */
int64_t
rota_layer_slot(const struct rota *r, const struct rota_layer *l, int64_t t)
{
	struct tz_local lt;
	int64_t dd, k;

	if (l->unit == ROTA_ELAPSED)
		return (t - l->start) / l->shift_ms;
	tz_to_local(r->tz, t, &lt);
	dd = tz_days_from_civil(lt.year, lt.month, lt.day) -
	    tz_days_from_civil(l->start_local.year, l->start_local.month,
	    l->start_local.day);
	k = rota_floor_div(dd, l->shift_days);
	if (k < 0)
		k = 0;
	while (k > 0 && rota_layer_handoff(r, l, k) > t)
		k--;
	while (rota_layer_handoff(r, l, k + 1) <= t)
		k++;
	return k;
}

/* The occurrence of window sp that starts on local day number day. */
static void
rota_span_occurrence(const struct tz *tz, const struct rota_span *sp,
    int64_t day, int64_t *s, int64_t *e)
{
	struct tz_local lt;

	memset(&lt, 0, sizeof lt);
	tz_civil_from_days(day, &lt.year, &lt.month, &lt.day);
	lt.minute = sp->start;
	*s = tz_from_local(tz, &lt);
	lt.day += sp->ndays;
	lt.minute = sp->end;
	*e = tz_from_local(tz, &lt);
}

static int64_t
rota_local_day(const struct tz *tz, int64_t t)
{
	struct tz_local lt;

	tz_to_local(tz, t, &lt);
	return tz_days_from_civil(lt.year, lt.month, lt.day);
}

/*
 * Is t inside window sp?  Occurrences are turned into instants with the
 * handoff rules, so a window edge in a DST gap or fold moves the same way
 * as a handoff there.
 */
int
rota_span_contains(const struct tz *tz, const struct rota_span *sp,
    int64_t t)
{
	int64_t d0 = rota_local_day(tz, t), day, s, e;

	for (day = d0 - 8; day <= d0 + 1; day++) {
		if ((sp->days & (1 << tz_weekday(day))) == 0)
			continue;
		rota_span_occurrence(tz, sp, day, &s, &e);
		if (s <= t && t < e)
			return 1;
	}
	return 0;
}

/* The first start or end of window sp after t. */
int64_t
rota_span_next_edge(const struct tz *tz, const struct rota_span *sp,
    int64_t t)
{
	int64_t d0 = rota_local_day(tz, t), day, s, e, best = ROTA_NONE;

	for (day = d0 - 8; day <= d0 + 9; day++) {
		if ((sp->days & (1 << tz_weekday(day))) == 0)
			continue;
		rota_span_occurrence(tz, sp, day, &s, &e);
		if (s >= e)
			continue;
		if (s > t && s < best)
			best = s;
		if (e > t && e < best)
			best = e;
		if (s > t)
			break; /* later occurrences start and end later */
	}
	return best;
}

/* The member of layer l on call at t, or NULL. */
static const char *
rota_layer_person(const struct rota *r, const struct rota_layer *l,
    int64_t t)
{
	size_t i;
	int64_t k;

	if (t < l->start || t >= l->end || l->nmembers == 0)
		return NULL;
	if (l->nwhen > 0) {
		for (i = 0; i < l->nwhen; i++) {
			if (rota_span_contains(r->tz, &l->when[i], t))
				break;
		}
		if (i == l->nwhen)
			return NULL;
	}
	k = rota_layer_slot(r, l, t);
	return l->members[k % (int64_t)l->nmembers];
}

static ssize_t
rota_eval_find(const struct rota_eval *ev, const char *person)
{
	size_t i;

	for (i = 0; i < ev->n; i++) {
		if (strcmp(ev->list[i].person, person) == 0)
			return (ssize_t)i;
	}
	return -1;
}

static void
rota_eval_push(struct rota_eval *ev, const struct rota_who *w)
{
	if (ev->n == ev->size) {
		ev->size = ev->size == 0 ? 8 : ev->size * 2;
		ev->list = xreallocarray(ev->list, ev->size, sizeof *ev->list);
	}
	ev->list[ev->n++] = *w;
}

static void
rota_eval_remove(struct rota_eval *ev, size_t i)
{
	memmove(&ev->list[i], &ev->list[i + 1],
	    (ev->n - i - 1) * sizeof *ev->list);
	ev->n--;
}

/* Who is on call in r at t, appended to ev (which starts empty). */
void
rota_eval(const struct rota *r, int64_t t, int depth, struct rota_eval *ev)
{
	const struct rota_layer *l;
	const struct rota_override *o;
	struct rota_who w;
	const char *p;
	size_t i;
	ssize_t at;

	for (i = 0; i < r->nlayers; i++) {
		l = &r->layers[i];
		if ((p = rota_layer_person(r, l, t)) == NULL ||
		    rota_eval_find(ev, p) != -1)
			continue;
		w = (struct rota_who){ p, r, l, NULL, depth > 0 };
		rota_eval_push(ev, &w);
	}
	for (i = 0; i < r->noverrides; i++) {
		o = &r->overrides[i];
		if (o->kind != ROTA_REPLACE || t < o->from || t >= o->to ||
		    (at = rota_eval_find(ev, o->who)) == -1)
			continue;
		if (rota_eval_find(ev, o->with) != -1)
			rota_eval_remove(ev, (size_t)at);
		else {
			ev->list[at].person = o->with;
			ev->list[at].override = o;
		}
	}
	for (i = 0; i < r->noverrides; i++) {
		o = &r->overrides[i];
		if (o->kind != ROTA_ADD || t < o->from || t >= o->to ||
		    rota_eval_find(ev, o->who) != -1)
			continue;
		w = (struct rota_who){ o->who, r, NULL, o, depth > 0 };
		rota_eval_push(ev, &w);
	}
	for (i = 0; i < r->noverrides; i++) {
		o = &r->overrides[i];
		if (o->kind == ROTA_OFF && t >= o->from && t < o->to &&
		    (at = rota_eval_find(ev, o->who)) != -1)
			rota_eval_remove(ev, (size_t)at);
	}
	if (ev->n == 0 && r->backup_rota != NULL && depth < ROTA_MAX_BACKUP)
		rota_eval(r->backup_rota, t, depth + 1, ev);
}

/*
 * The first instant after t at which anything in r may change: who is on
 * call is the same at every instant from one boundary to the next.
 */
int64_t
rota_next_boundary(const struct rota *r, int64_t t, int depth)
{
	const struct rota_layer *l;
	const struct rota_override *o;
	int64_t best = ROTA_NONE, c;
	size_t i, j;

	for (i = 0; i < r->nlayers; i++) {
		l = &r->layers[i];
		if (t < l->start) {
			if (l->start < best)
				best = l->start;
			continue;
		}
		if (t >= l->end)
			continue;
		if (l->end < best)
			best = l->end;
		if (l->nmembers > 1) {
			c = rota_layer_handoff(r, l, rota_layer_slot(r, l, t) +
			    1);
			if (c < best)
				best = c;
		}
		for (j = 0; j < l->nwhen; j++) {
			c = rota_span_next_edge(r->tz, &l->when[j], t);
			if (c < best)
				best = c;
		}
	}
	for (i = 0; i < r->noverrides; i++) {
		o = &r->overrides[i];
		if (o->from > t && o->from < best)
			best = o->from;
		if (o->to > t && o->to < best)
			best = o->to;
	}
	if (r->backup_rota != NULL && depth < ROTA_MAX_BACKUP) {
		c = rota_next_boundary(r->backup_rota, t, depth + 1);
		if (c < best)
			best = c;
	}
	return best;
}

static int
rota_who_same(const struct rota_who *w, const struct rota_shift *s)
{
	return strcmp(w->person, s->person) == 0 && w->rota == s->rota &&
	    w->layer == s->layer && w->override == s->override &&
	    w->backup == s->backup;
}

/* Are a and b the same stretch on call (the same person, for the same
 * reason)? */
int
rota_who_equal(const struct rota_who *a, const struct rota_who *b)
{
	return strcmp(a->person, b->person) == 0 && a->rota == b->rota &&
	    a->layer == b->layer && a->override == b->override &&
	    a->backup == b->backup;
}

/*
 * Why the shift's person is on call, into buf (ROTA_WHY_LEN is enough):
 * "layer \"weekly\"", "override line 12: added (sick)", "backup rota
 * \"mgr\": ...".  Made when asked: a 90-day check of short shifts has
 * a hundred thousand of them and never asks.
 */
char *
rota_shift_why(const struct rota_shift *s, char *buf, size_t len)
{
	const struct rota_override *o = s->override;
	char pre[128] = "", what[160];

	if (s->backup)
		snprintf(pre, sizeof pre, "backup rota \"%s\": ", s->rota->name);
	if (o == NULL)
		snprintf(what, sizeof what, "layer \"%s\"", s->layer->name);
	else if (o->kind == ROTA_REPLACE)
		snprintf(what, sizeof what, "override line %d: replaces %s in"
		    " layer \"%s\"", o->line, o->who, s->layer->name);
	else
		snprintf(what, sizeof what, "override line %d: added",
		    o->line);
	if (o != NULL && o->reason != NULL)
		snprintf(buf, len, "%s%s (%s)", pre, what, o->reason);
	else
		snprintf(buf, len, "%s%s", pre, what);
	return buf;
}

static void
rota_shifts_push(struct rota_shifts *out, const struct rota_who *w,
    int64_t start)
{
	struct rota_shift *s;

	if (out->n == out->size) {
		out->size = out->size == 0 ? 16 : out->size * 2;
		out->list = xreallocarray(out->list, out->size,
		    sizeof *out->list);
	}
	s = &out->list[out->n++];
	memset(s, 0, sizeof *s);
	s->person = w->person;
	s->start = start;
	s->end = ROTA_NONE;
	s->rota = w->rota;
	s->layer = w->layer;
	s->override = w->override;
	s->backup = w->backup;
}

/*
 * Scan r from scan to find the shifts overlapping [from, to), appended
 * to out after base.  Returns 1 if a kept shift starts at scan (so it may
 * have started earlier).
 *
 * The shifts still open (end ROTA_NONE) are also listed by index in open,
 * oldest first, so each boundary costs the open shifts times the people
 * on call, not all the shifts found so far: a layer of 1-minute shifts
 * has 130,000 of them in 90 days.
 */
static int
rota_scan(const struct rota *r, int64_t scan, int64_t from, int64_t to,
    const char *person, struct rota_shifts *out, size_t base)
{
	struct rota_eval ev = { NULL, 0, 0 };
	int64_t u = scan, next, limit = to + ROTA_REACH, h;
	size_t *open = NULL, nopen = 0, opensize = 0, i, j, k;
	int truncated = 0;

	for (;;) {
		ev.n = 0;
		rota_eval(r, u, 0, &ev);
		/* Close the open shifts of people no longer on call. */
		for (i = k = 0; i < nopen; i++) {
			for (j = 0; j < ev.n; j++) {
				if (rota_who_same(&ev.list[j],
				    &out->list[open[i]]))
					break;
			}
			if (j == ev.n)
				out->list[open[i]].end = u;
			else
				open[k++] = open[i];
		}
		nopen = k;
		/* Open a shift for each one not on call before. */
		for (j = 0; j < ev.n && u < to; j++) {
			if (person != NULL &&
			    strcmp(person, ev.list[j].person) != 0)
				continue;
			for (i = 0; i < nopen; i++) {
				if (rota_who_same(&ev.list[j],
				    &out->list[open[i]]))
					break;
			}
			if (i < nopen)
				continue;
			if (nopen == opensize) {
				opensize = opensize == 0 ? 8 : opensize * 2;
				open = xreallocarray(open, opensize,
				    sizeof *open);
			}
			open[nopen++] = out->n;
			rota_shifts_push(out, &ev.list[j], u);
		}
		if (u >= to && nopen == 0)
			break;
		next = rota_next_boundary(r, u, 0);
		if (next == ROTA_NONE || next > limit)
			next = limit;
		if (u >= limit)
			break;
		u = next;
	}
	/*
	 * Still open at the limit: the same person goes on and on (a layer
	 * of one).  Their shift ends, for all we can say, at their layer's
	 * first handoff after the window: a fixed instant, where the limit
	 * itself would move with the query.  Drop shifts before from.
	 */
	for (i = j = base; i < out->n; i++) {
		if (out->list[i].end == ROTA_NONE) {
			out->list[i].end = u;
			if (out->list[i].layer != NULL &&
			    out->list[i].rota == r && (h = rota_layer_handoff(r,
			    out->list[i].layer, rota_layer_slot(r,
			    out->list[i].layer, to) + 1)) != ROTA_NONE &&
			    h > out->list[i].start && h < u)
				out->list[i].end = h;
		}
		if (out->list[i].end <= from)
			continue;
		if (out->list[i].start == scan && scan < from)
			truncated = 1;
		out->list[j++] = out->list[i];
	}
	out->n = j;
	free(open);
	free(ev.list);
	return truncated;
}

/*
 * Append to out the shifts of r (of one person, unless person is NULL)
 * that overlap [from, to), in order of start.  Shifts keep their true
 * start and end, looked for up to 35 days outside the window.  Returns
 * -1 for a window outside the years 1970 to 9000.
 */
int
rota_schedule(const struct rota *r, int64_t from, int64_t to,
    const char *person, struct rota_shifts *out)
{
	int64_t back = DURATION_DAY;
	size_t base = out->n, i;

	if (to <= from || r->tz == NULL)
		return 0;
	if (from < ROTA_MIN_T || to > ROTA_MAX_T)
		return -1;
	/* Look back one whole shift first; most shifts started within it. */
	for (i = 0; i < r->nlayers; i++) {
		if (r->layers[i].shift_ms + DURATION_HOUR > back)
			back = r->layers[i].shift_ms + DURATION_HOUR;
	}
	if (back > ROTA_REACH)
		back = ROTA_REACH;
	for (;;) {
		if (!rota_scan(r, from - back, from, to, person, out, base) ||
		    back >= ROTA_REACH)
			break;
		out->n = base;
		back *= 4;
		if (back > ROTA_REACH)
			back = ROTA_REACH;
	}
	return 0;
}

/*
 * The people on call in r at t, found by scanning r around t: what the
 * index holds, and what rota_oncall() falls back to outside it.
 */
int
rota_oncall_scan(const struct rota *r, int64_t t, struct rota_shifts *out)
{
	if (t < ROTA_MIN_T || t >= ROTA_MAX_T)
		return -1;
	return rota_schedule(r, t, t + 1, NULL, out);
}

static int
rota_eval_equal(const struct rota_eval *a, const struct rota_eval *b)
{
	size_t i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++) {
		if (rota_eval_find(b, a->list[i].person) == -1)
			return 0;
	}
	return 1;
}

/*
 * The first instant after t at which the set of people on call changes,
 * or ROTA_NONE if it does not within 35 days.  For arming a handoff timer.
 */
int64_t
rota_next_handoff(const struct rota *r, int64_t t)
{
	struct rota_eval a = { NULL, 0, 0 }, b = { NULL, 0, 0 };
	int64_t u = t, found = ROTA_NONE;

	if (r->tz == NULL || t < ROTA_MIN_T || t >= ROTA_MAX_T)
		return ROTA_NONE;
	rota_eval(r, t, 0, &a);
	while ((u = rota_next_boundary(r, u, 0)) != ROTA_NONE &&
	    u <= t + ROTA_REACH) {
		b.n = 0;
		rota_eval(r, u, 0, &b);
		if (!rota_eval_equal(&a, &b)) {
			found = u;
			break;
		}
	}
	free(a.list);
	free(b.list);
	return found;
}

/* Free the shifts' array; out is left empty and reusable. */
void
rota_shifts_free(struct rota_shifts *out)
{
	free(out->list);
	out->list = NULL;
	out->n = out->size = 0;
}

/* t as "YYYY-MM-DD HH:MM +hh:mm" in the rota's zone. */
char *
rota_format_local(const struct rota *r, int64_t t, char *buf, size_t len)
{
	struct tz_local lt;
	int off;

	tz_to_local(r->tz, t, &lt);
	off = lt.offset < 0 ? -lt.offset : lt.offset;
	snprintf(buf, len, "%04d-%02d-%02d %02d:%02d %c%02d:%02d", lt.year,
	    lt.month, lt.day, lt.hour, lt.minute, lt.offset < 0 ? '-' : '+',
	    off / 3600, off / 60 % 60);
	return buf;
}
