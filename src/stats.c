/* SPDX-License-Identifier: ISC */
/*
 * stats.c: service-level figures from alert rows.  An SLA target counts
 * as met if its goal came before the deadline, missed if the deadline
 * passed first (recorded as a breach, or past and still unmet), and
 * open otherwise; attainment is met / (met + missed).  A breach is late
 * by the time its clock took to stop after the deadline, or has taken
 * so far if it still runs (breach.c).  Pure.
 */
#include <stdlib.h>
#include <string.h>

#include "breach.h"
#include "stats.h"
#include "xmalloc.h"

static int
stats_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Mean and median of n durations (sorts v). */
static void
stats_durations(int64_t *v, size_t n, struct stats_durations *d)
{
	double sum = 0;
	size_t i;

	d->n = n;
	if (n == 0)
		return;
	for (i = 0; i < n; i++)
		sum += (double)v[i];
	d->mean_ms = sum / (double)n;
	qsort(v, n, sizeof *v, stats_cmp);
	d->median_ms = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* When the goal of clock c was met for r; 0 if not (yet). */
static int64_t
stats_met_at(const struct stats_row *r, int c)
{
	int64_t t = c == SLA_RESPONSE ? r->acknowledged_ms :
	    c == SLA_FIRST_RESPONSE ? r->first_response_ms : 0;

	if (t == 0 || (r->resolved_ms != 0 && r->resolved_ms < t))
		t = r->resolved_ms;
	return t;
}

/*
 * The figures of n rows at now into s.  Alerts that a silence held are
 * counted (s->silenced) but left out of SLA attainment unless
 * with_silenced: their clocks ran, if at all, only once the silence
 * ended, and a maintenance is not a missed response.
 */
void
stats_compute(const struct stats_row *rows, size_t n, int64_t now,
    int with_silenced, struct stats *s)
{
	int64_t *tta, *ttr, met;
	size_t i, na = 0, nr = 0;
	const struct stats_row *r;
	struct stats_sla *sla;
	int c, st;

	memset(s, 0, sizeof *s);
	s->total = n;
	tta = xcalloc(n > 0 ? n : 1, sizeof *tta);
	ttr = xcalloc(n > 0 ? n : 1, sizeof *ttr);
	for (i = 0; i < n; i++) {
		r = &rows[i];
		if (r->acknowledged_ms != 0) {
			s->acknowledged++;
			tta[na++] = r->acknowledged_ms - r->created_ms;
		}
		if (r->resolved_ms != 0) {
			s->resolved++;
			ttr[nr++] = r->resolved_ms - r->created_ms;
			if (r->max_stage <= 1)
				s->resolved_in_stage1++;
		}
		if (r->breached != 0)
			s->breached++;
		if (r->silenced)
			s->silenced++;
		for (st = 2; st <= 4; st++)
			if (r->max_stage >= st)
				s->reached_stage[st]++;
		if (r->priority < 1 || r->priority > 4 ||
		    (r->silenced && !with_silenced))
			continue;
		for (c = 0; c < SLA_NCLOCKS; c++) {
			if (r->due_ms[c] == 0)
				continue;
			sla = &s->sla[r->priority - 1][c];
			met = stats_met_at(r, c);
			if (r->breached & (1u << c))
				sla->missed++;
			else if (met != 0 && met <= r->due_ms[c])
				sla->met++;
			else if (met != 0 || r->due_ms[c] <= now)
				sla->missed++;
			else
				sla->open++;
		}
	}
	stats_durations(tta, na, &s->mtta);
	stats_durations(ttr, nr, &s->mttr);
	free(tta);
	free(ttr);
}

/* a / b, or 0 when b is 0. */
double
stats_ratio(size_t a, size_t b)
{
	return b == 0 ? 0.0 : (double)a / (double)b;
}

/*
 * How late the responses to n breaches were, per clock, at now: into
 * s->lateness (after stats_compute(), which clears it).
 */
void
stats_breaches(const struct breach *b, size_t n, int64_t now, struct stats *s)
{
	struct stats_lateness *l;
	int64_t *late[SLA_NCLOCKS], ms;
	size_t i;
	int c;

	memset(s->lateness, 0, sizeof s->lateness);
	for (c = 0; c < SLA_NCLOCKS; c++)
		late[c] = xcalloc(n > 0 ? n : 1, sizeof *late[c]);
	for (i = 0; i < n; i++) {
		if ((unsigned)b[i].clock >= SLA_NCLOCKS)
			continue;
		l = &s->lateness[b[i].clock];
		ms = breach_late_ms(&b[i], now);
		late[b[i].clock][l->n++] = ms;
		if (breach_is_final(&b[i]))
			l->final++;
		if (ms > l->max_ms)
			l->max_ms = ms;
	}
	for (c = 0; c < SLA_NCLOCKS; c++) {
		stats_durations(late[c], s->lateness[c].n,
		    &s->lateness[c].late);
		free(late[c]);
	}
}
