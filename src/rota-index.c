/* SPDX-License-Identifier: ISC */
/*
 * rota-index.c: who is on call, worked out in advance.  The time from a
 * little before the build instant to some weeks after it is cut into
 * slots, each a stretch with the same people on call, in order; each slot
 * lists its shifts.  rota_oncall() then finds its slot by binary search
 * instead of scanning every layer and override around t: every alert of a
 * storm asks.  The answer is the scan's, shift for shift, and rota_oncall()
 * scans when t is outside the index or an end cannot be told from it.
 *
 * An index holds pointers into its rota and the rota's backups: it is
 * dropped whenever backups are linked again (rota-set.c) and built by the
 * owner of the set after that (rota_set_index()), and again when time runs
 * past the middle of it (rota_index_due()).
 */
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "rota-private.h"
#include "rota.h"
#include "xmalloc.h"

/* The time covered: from a little before the build instant to weeks after. */
#define ROTA_INDEX_BEHIND DURATION_HOUR
#define ROTA_INDEX_AHEAD (60 * DURATION_DAY)

/*
 * Memory stays bounded whatever the rota: a rota of 1-minute shifts
 * changes 86,400 times in 60 days, so its index stops earlier (after about
 * 22 days).  Under 3 MB for one rota; a rota of weekly and daily shifts
 * with hundreds of overrides takes some 15 kB.
 */
#define ROTA_INDEX_MAX_SLOTS (1 << 15)
#define ROTA_INDEX_MAX_RUNS (1 << 15)
#define ROTA_INDEX_MAX_WHO (1 << 17)
/* And so does the time to build: boundaries looked at, then after the end
 * to find where the last shifts end. */
#define ROTA_INDEX_MAX_LOOK (1 << 17)
#define ROTA_INDEX_MAX_TAIL (1 << 16)

/*
 * One shift.  Its start is its true start, or from - ROTA_REACH if that is
 * earlier: the scan never looks further back than ROTA_REACH before the
 * instant asked about.  Its end is ROTA_NONE if it goes on until known at
 * least.
 */
struct rota_index_run {
	struct rota_who who;
	int64_t start;
	int64_t end;
};

struct rota_index {
	int64_t from; /* slots cover [from, to) */
	int64_t to;
	int64_t known; /* see struct rota_index_run */

	int64_t *at; /* where each slot starts */
	uint32_t *first; /* slot i's shifts: who[first[i]] to who[first[i+1]] */
	size_t nslots;
	size_t slotsize;

	uint32_t *who; /* run numbers, each slot's in rota_eval() order */
	size_t nwho;
	size_t whosize;

	struct rota_index_run *runs;
	size_t nruns;
	size_t runsize;
};

/* Free r's index, if any: rota_oncall() scans again. */
void
rota_index_drop(struct rota *r)
{
	struct rota_index *ix = r->index;

	if (ix == NULL)
		return;
	free(ix->at);
	free(ix->first);
	free(ix->who);
	free(ix->runs);
	free(ix);
	r->index = NULL;
}

static uint32_t
rota_index_run_add(struct rota_index *ix, const struct rota_who *w,
    int64_t start)
{
	struct rota_index_run *run;

	if (ix->nruns == ix->runsize) {
		ix->runsize = ix->runsize == 0 ? 16 : ix->runsize * 2;
		ix->runs = xreallocarray(ix->runs, ix->runsize,
		    sizeof *ix->runs);
	}
	run = &ix->runs[ix->nruns];
	run->who = *w;
	run->start = start;
	run->end = ROTA_NONE;
	return (uint32_t)ix->nruns++;
}

/* Add a slot starting at at, of the n runs in list. */
static void
rota_index_slot_add(struct rota_index *ix, int64_t at, const uint32_t *list,
    size_t n)
{
	if (ix->nslots + 1 >= ix->slotsize) {
		ix->slotsize = ix->slotsize == 0 ? 64 : ix->slotsize * 2;
		ix->at = xreallocarray(ix->at, ix->slotsize, sizeof *ix->at);
		ix->first = xreallocarray(ix->first, ix->slotsize,
		    sizeof *ix->first);
	}
	while (ix->nwho + n > ix->whosize) {
		ix->whosize = ix->whosize == 0 ? 64 : ix->whosize * 2;
		ix->who = xreallocarray(ix->who, ix->whosize, sizeof *ix->who);
	}
	if (n > 0)
		memcpy(ix->who + ix->nwho, list, n * sizeof *list);
	ix->at[ix->nslots] = at;
	ix->first[ix->nslots] = (uint32_t)ix->nwho;
	ix->nwho += n;
	ix->first[++ix->nslots] = (uint32_t)ix->nwho;
}

/* Give back what the arrays were grown by beyond their use. */
static void
rota_index_trim(struct rota_index *ix)
{
	ix->slotsize = ix->nslots + 1;
	ix->at = xreallocarray(ix->at, ix->slotsize, sizeof *ix->at);
	ix->first = xreallocarray(ix->first, ix->slotsize, sizeof *ix->first);
	if (ix->nwho > 0) {
		ix->whosize = ix->nwho;
		ix->who = xreallocarray(ix->who, ix->whosize, sizeof *ix->who);
	}
	if (ix->nruns > 0) {
		ix->runsize = ix->nruns;
		ix->runs = xreallocarray(ix->runs, ix->runsize,
		    sizeof *ix->runs);
	}
}

/*
 * The runs of ev, into list: a run of cur (n of them) for the people who
 * go on, else UINT32_MAX (a new run).  Returns the number of new runs.
 */
static size_t
rota_index_match(const struct rota_index *ix, const uint32_t *cur, size_t n,
    const struct rota_eval *ev, uint32_t *list)
{
	size_t i, j, nnew = 0;

	for (j = 0; j < ev->n; j++) {
		list[j] = UINT32_MAX;
		for (i = 0; i < n; i++) {
			if (rota_who_equal(&ix->runs[cur[i]].who,
			    &ev->list[j])) {
				list[j] = cur[i];
				break;
			}
		}
		if (list[j] == UINT32_MAX)
			nnew++;
	}
	return nnew;
}

/* End at u each run of cur (n of them) that is not in list (m of them). */
static void
rota_index_close(struct rota_index *ix, const uint32_t *cur, size_t n,
    const uint32_t *list, size_t m, int64_t u)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < m; j++) {
			if (list[j] == cur[i])
				break;
		}
		if (j == m)
			ix->runs[cur[i]].end = u;
	}
}

/*
 * The runs going on at ix->from, from a scan there (which has their true
 * starts), into cur; -1 if the scan and rota_eval() disagree, which they
 * should not.
 */
static int
rota_index_seed(struct rota_index *ix, const struct rota *r,
    const struct rota_eval *ev, uint32_t *cur)
{
	struct rota_shifts sh = { NULL, 0, 0 };
	struct rota_who w;
	size_t i, j;
	int rc = -1;

	if (rota_oncall_scan(r, ix->from, &sh) != 0 || sh.n != ev->n)
		goto out;
	for (j = 0; j < ev->n; j++) {
		for (i = 0; i < sh.n; i++) {
			w.person = sh.list[i].person;
			w.rota = sh.list[i].rota;
			w.layer = sh.list[i].layer;
			w.override = sh.list[i].override;
			w.backup = sh.list[i].backup;
			if (rota_who_equal(&w, &ev->list[j]))
				break;
		}
		if (i == sh.n)
			goto out;
		/* w, not ev's: a name listed twice is two strings */
		cur[j] = rota_index_run_add(ix, &w, sh.list[i].start);
	}
	rc = 0;
out:
	rota_shifts_free(&sh);
	return rc;
}

/*
 * (Re)build r's index for the weeks after now; r's backups must be linked
 * (rota_set_link()) and stay as they are while the index is in use.
 * Returns -1, with no index, for a rota without a time zone or an instant
 * outside the years 1970 to 9000.
 */
int
rota_index_build(struct rota *r, int64_t now)
{
	struct rota_eval ev = { NULL, 0, 0 };
	struct rota_index *ix;
	uint32_t *cur = NULL, *list = NULL;
	size_t n, nnew, j, size = 0, look, tail;
	int64_t u, end;

	rota_index_drop(r);
	if (r->tz == NULL || now < ROTA_MIN_T + ROTA_INDEX_BEHIND ||
	    now > ROTA_MAX_T - ROTA_INDEX_AHEAD - 2 * ROTA_REACH)
		return -1;
	ix = xcalloc(1, sizeof *ix);
	ix->from = now - ROTA_INDEX_BEHIND;
	end = now + ROTA_INDEX_AHEAD;

	rota_eval(r, ix->from, 0, &ev);
	size = ev.n > 0 ? ev.n : 1;
	cur = xreallocarray(NULL, size, sizeof *cur);
	list = xreallocarray(NULL, size, sizeof *list);
	if (rota_index_seed(ix, r, &ev, cur) != 0)
		goto fail;
	n = ev.n;
	rota_index_slot_add(ix, ix->from, cur, n);

	/* Each boundary where the people on call change starts a slot. */
	for (u = ix->from, look = 0;; look++) {
		if ((u = rota_next_boundary(r, u, 0)) == ROTA_NONE ||
		    u >= end) {
			ix->to = end;
			break;
		}
		if (look == ROTA_INDEX_MAX_LOOK) {
			ix->to = u;
			break;
		}
		ev.n = 0;
		rota_eval(r, u, 0, &ev);
		if (ev.n > size) {
			size = ev.n;
			cur = xreallocarray(cur, size, sizeof *cur);
			list = xreallocarray(list, size, sizeof *list);
		}
		nnew = rota_index_match(ix, cur, n, &ev, list);
		if (nnew == 0 && ev.n == n && memcmp(list, cur, n *
		    sizeof *cur) == 0)
			continue; /* nothing changed after all */
		if (ix->nslots == ROTA_INDEX_MAX_SLOTS ||
		    ix->nruns + nnew > ROTA_INDEX_MAX_RUNS ||
		    ix->nwho + ev.n > ROTA_INDEX_MAX_WHO) {
			ix->to = u; /* full: stop here */
			break;
		}
		for (j = 0; j < ev.n; j++) {
			if (list[j] == UINT32_MAX)
				list[j] = rota_index_run_add(ix, &ev.list[j], u);
		}
		rota_index_close(ix, cur, n, list, ev.n, u);
		rota_index_slot_add(ix, u, list, ev.n);
		memcpy(cur, list, ev.n * sizeof *list);
		n = ev.n;
	}

	/*
	 * Follow the shifts going on at the end until they end, as far as a
	 * scan for an instant before the end looks (ROTA_REACH after it).
	 * Those still going on then end at known or later.
	 */
	for (tail = 0; n > 0; tail++) {
		if (u == ROTA_NONE || u > ix->to + ROTA_REACH ||
		    tail == ROTA_INDEX_MAX_TAIL)
			break;
		ev.n = 0;
		rota_eval(r, u, 0, &ev);
		if (ev.n > size) {
			size = ev.n;
			list = xreallocarray(list, size, sizeof *list);
		}
		rota_index_match(ix, cur, n, &ev, list);
		rota_index_close(ix, cur, n, list, ev.n, u);
		/* Keep those of cur that go on. */
		for (j = 0, nnew = 0; j < n; j++) {
			if (ix->runs[cur[j]].end == ROTA_NONE)
				cur[nnew++] = cur[j];
		}
		n = nnew;
		u = rota_next_boundary(r, u, 0);
	}
	ix->known = n > 0 ? u : ROTA_NONE;
	rota_index_trim(ix);
	r->index = ix;
	free(ev.list);
	free(cur);
	free(list);
	return 0;

fail:
	r->index = ix;
	rota_index_drop(r);
	free(ev.list);
	free(cur);
	free(list);
	return -1;
}

/* The slot of ix that t is in (ix->from <= t < ix->to). */
static size_t
rota_index_find(const struct rota_index *ix, int64_t t)
{
	size_t lo = 0, hi = ix->nslots, mid;

	/* at[lo] <= t < at[hi], with at[nslots] taken as ix->to */
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (ix->at[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The people on call in r at t from r's index, appended to out as
 * rota_oncall_scan() would: each shift's start is at most ROTA_REACH
 * before t, and a shift going on more than ROTA_REACH after t ends at its
 * layer's next handoff, if that comes first.  Returns -1 (out unchanged)
 * if t is outside the index or an end is beyond what it knows.
 */
int
rota_index_oncall(const struct rota *r, int64_t t, struct rota_shifts *out)
{
	const struct rota_index *ix = r->index;
	const struct rota_index_run *run;
	struct rota_shift *s, tmp;
	int64_t limit = t + 1 + ROTA_REACH, h;
	size_t base = out->n, slot, i, k, n;

	if (ix == NULL || t < ix->from || t >= ix->to)
		return -1;
	slot = rota_index_find(ix, t);
	n = ix->first[slot + 1] - ix->first[slot];
	for (i = ix->first[slot]; i < ix->first[slot + 1]; i++) {
		run = &ix->runs[ix->who[i]];
		if (run->end == ROTA_NONE && ix->known <= limit)
			return -1;
	}
	if (out->n + n > out->size) {
		out->size = out->n + n < 16 ? 16 : out->n + n;
		out->list = xreallocarray(out->list, out->size,
		    sizeof *out->list);
	}
	for (i = ix->first[slot]; i < ix->first[slot + 1]; i++) {
		run = &ix->runs[ix->who[i]];
		s = &out->list[out->n];
		memset(s, 0, sizeof *s);
		s->person = run->who.person;
		s->rota = run->who.rota;
		s->layer = run->who.layer;
		s->override = run->who.override;
		s->backup = run->who.backup;
		s->start = run->start > t - ROTA_REACH ? run->start :
		    t - ROTA_REACH;
		/*
		 * The scan names a person by the string it saw first: for a
		 * shift cut at t - ROTA_REACH, the member of the layer's turn
		 * then, which differs from the one at its start only when a
		 * layer lists the same name twice.
		 */
		if (run->start < s->start && s->layer != NULL &&
		    s->override == NULL && s->layer->nmembers > 1)
			s->person = s->layer->members[rota_layer_slot(s->rota,
			    s->layer, s->start) % (int64_t)s->layer->nmembers];
		if (run->end != ROTA_NONE && run->end <= limit)
			s->end = run->end;
		else {
			/* What the scan does with a shift still going on. */
			s->end = limit;
			if (s->layer != NULL && s->rota == r &&
			    (h = rota_layer_handoff(r, s->layer,
			    rota_layer_slot(r, s->layer, t + 1) + 1)) !=
			    ROTA_NONE && h > s->start && h < limit)
				s->end = h;
		}
		/* In order of start; rota_eval() order among equals. */
		for (k = out->n; k > base &&
		    out->list[k - 1].start > out->list[k].start; k--) {
			tmp = out->list[k - 1];
			out->list[k - 1] = out->list[k];
			out->list[k] = tmp;
		}
		out->n++;
	}
	return 0;
}

/*
 * Does r's index need building again at now: none yet, or now is before
 * it or past its middle?  0 for a rota that cannot have one.
 */
int
rota_index_due(const struct rota *r, int64_t now)
{
	const struct rota_index *ix = r->index;

	if (r->tz == NULL)
		return 0;
	if (ix == NULL)
		return 1;
	return now < ix->from || now >= ix->from + (ix->to - ix->from) / 2;
}

/* What r's index holds; -1 if it has none. */
int
rota_index_stats(const struct rota *r, struct rota_index_stats *st)
{
	const struct rota_index *ix = r->index;

	memset(st, 0, sizeof *st);
	if (ix == NULL)
		return -1;
	st->from = ix->from;
	st->to = ix->to;
	st->nslots = ix->nslots;
	st->nruns = ix->nruns;
	st->bytes = sizeof *ix + ix->slotsize * (sizeof *ix->at +
	    sizeof *ix->first) + ix->whosize * sizeof *ix->who +
	    ix->runsize * sizeof *ix->runs;
	return 0;
}

/*
 * The people on call in r at t, with the end of each one's shift.  From
 * r's index (rota_index_build()) when t is inside it, else by a scan;
 * both give the same shifts in the same order.
 */
int
rota_oncall(const struct rota *r, int64_t t, struct rota_shifts *out)
{
	if (t < ROTA_MIN_T || t >= ROTA_MAX_T)
		return -1;
	if (r->index != NULL && rota_index_oncall(r, t, out) == 0)
		return 0;
	return rota_oncall_scan(r, t, out);
}
