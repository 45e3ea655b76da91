/* SPDX-License-Identifier: ISC */
/*
 * store-raise-pg.c: on PostgreSQL, a group commit's new alerts written
 * in one statement.  Each statement is a round trip to the server and a
 * wake-up of its backend, which shares the machine's cores with pagerd:
 * raised one at a time, a group of N alerts costs N lookups and N
 * inserts.  store_alert_raise_ahead(), called by intake inside the
 * group's transaction before it raises each alert, writes every alert
 * of the group in one INSERT ... SELECT ... FROM unnest(arrays) ON
 * CONFLICT DO NOTHING RETURNING (prepared once, whatever the number of
 * rows), with the escalation state its start callback gives
 * (the same row store_alert_raise_start() would write); then
 * store_alert_raise_start() finds each alert written (store_ahead_take)
 * and only audits it, without a round trip.  An alert whose key was
 * taken (an open alert with that key, committed or in this group, or
 * being committed by another node, whose COMMIT the INSERT waits for)
 * was not written, and is raised the usual way, which folds it into
 * that alert.
 *
 * The rows go in the order of (service, dedup_key), so that two nodes
 * writing the same keys at once take their locks in the same order and
 * cannot deadlock.  On SQLite, whose statements are calls, and for a
 * group of one, it does nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hmac.h"
#include "log.h"
#include "store.h"
#include "store-private.h"
#include "xmalloc.h"

/* A new alert written ahead with its group (store-raise-pg.c). */
struct store_ahead {
	const struct alert_new *an;
	const char *key;	/* an's dedup key, or buf */
	char buf[33];		/* a random key, when an has none */
	int64_t id;		/* > 0: written ahead as this alert */
	int started;		/* written started, as start says */
	int taken;		/* store_ahead_take() gave it out */
	struct store_alert_start start;
	char *detail;		/* start.policy_detail, a copy */
};

/* Rows in one statement, at most: its arrays stay of a bounded size. */
#define STORE_AHEAD_ROWS	500

/* Forget the group written ahead (at each BEGIN, and at close). */
void
store_ahead_clear(struct store *s)
{
	size_t i;

	for (i = 0; i < s->nahead; i++)
		free(s->ahead[i].detail);
	free(s->ahead);
	s->ahead = NULL;
	s->nahead = s->ahead_at = 0;
}

/*
 * Was an given to store_alert_raise_ahead() (and not taken yet)?  Then
 * *key is its dedup key, and if it was written, r says so (its id, how
 * it started) and 1 is returned.  0 otherwise: raise it the usual way.
 * Alerts are taken in the order given.
 */
int
store_ahead_take(struct store *s, const struct alert_new *an,
    struct store_raise *r, const char **key)
{
	struct store_ahead *x;
	size_t i;

	for (i = 0; i < s->nahead; i++) {
		x = &s->ahead[(s->ahead_at + i) % s->nahead];
		if (x->an != an || x->taken)
			continue;
		x->taken = 1;
		s->ahead_at = (s->ahead_at + i + 1) % s->nahead;
		*key = x->key;
		if (x->id <= 0)
			return 0;
		r->id = x->id;
		r->started = x->started;
		r->start = x->start;
		return 1;
	}
	return 0;
}

static int
store_ahead_cmp(const struct store_ahead *a, const struct store_ahead *b)
{
	int c;

	if ((c = strcmp(a->an->service, b->an->service)) != 0)
		return c;
	return strcmp(a->key, b->key);
}

/* By key, then as given: the first given of a key is the one written. */
static int
store_ahead_sort(const void *a, const void *b)
{
	const struct store_ahead *x = *(struct store_ahead *const *)a;
	const struct store_ahead *y = *(struct store_ahead *const *)b;
	int c;

	if ((c = store_ahead_cmp(x, y)) != 0)
		return c;
	return x < y ? -1 : x > y;
}

/*
 * One row, as store_alert_raise_start() writes it: its parameters are
 * bound here (never sent) to read them as text, column by column.
 */
static const char store_ahead_one_sql[] = STORE_INSERT_ALERT " VALUES "
    STORE_INSERT_ALERT_ROW;

/*
 * Every row of the group in one statement whatever their number, so
 * that it is prepared once on the server, not parsed and planned again
 * for each group: each parameter ?K of store_ahead_one_sql is the array
 * of the K-th values of the rows (TEXT[] or BIGINT[], as bound), and
 * the rows go in their order (WITH ORDINALITY).
 */
static const char store_ahead_sql[] = STORE_INSERT_ALERT
    " SELECT c1, c2, c3, c4, c5, c6, c7, c8, c9, c9, c10, c11, c11,"
    " nullif(c12, 0), nullif(c13, 0), nullif(c14, 0), c15,"
    " nullif(c16, 0), nullif(c17, 0), nullif(c18, 0), c19, c20, c21"
    " FROM unnest(CAST(?1 AS TEXT[]), CAST(?2 AS TEXT[]),"
    " CAST(?3 AS BIGINT[]), CAST(?4 AS TEXT[]), CAST(?5 AS TEXT[]),"
    " CAST(?6 AS TEXT[]), CAST(?7 AS TEXT[]), CAST(?8 AS TEXT[]),"
    " CAST(?9 AS BIGINT[]), CAST(?10 AS TEXT[]), CAST(?11 AS BIGINT[]),"
    " CAST(?12 AS BIGINT[]), CAST(?13 AS BIGINT[]), CAST(?14 AS BIGINT[]),"
    " CAST(?15 AS BIGINT[]), CAST(?16 AS BIGINT[]), CAST(?17 AS BIGINT[]),"
    " CAST(?18 AS BIGINT[]), CAST(?19 AS BIGINT[]), CAST(?20 AS BIGINT[]),"
    " CAST(?21 AS BIGINT[])) WITH ORDINALITY AS u(c1, c2, c3, c4, c5, c6,"
    " c7, c8, c9, c10, c11, c12, c13, c14, c15, c16, c17, c18, c19, c20,"
    " c21, o) ORDER BY o ON CONFLICT (service, dedup_key)"
    " WHERE status != 'resolved' DO NOTHING RETURNING id, service, dedup_key";

/* Write rows v[0..n) (sorted) in one statement: 0, or -1 with *cause. */
static int
store_ahead_write(struct store *s, struct store_ahead **v, size_t n,
    int64_t now, char **cause)
{
	struct store_pg_array col[STORE_INSERT_ALERT_NPARAMS];
	struct store_ahead key, *kp, **hit;
	struct alert_new kan;
	struct sq *one, *q;
	size_t j, lo, hi;
	int i, rc;

	if ((one = s->drv->prepare(s, store_ahead_one_sql, 0)) == NULL ||
	    (q = store_stmt(s, store_ahead_sql)) == NULL) {
		if (one != NULL)
			s->drv->finalize(one);
		store_cause(s, cause, "inserting alerts");
		return -1;
	}
	memset(col, 0, sizeof col);
	for (j = 0; j < n; j++) {
		store_bind_alert_insert(one, 0, v[j]->key, v[j]->an, now,
		    &v[j]->start);
		for (i = 0; i < STORE_INSERT_ALERT_NPARAMS; i++)
			store_pg_array_add(&col[i], store_pg_param(one, i + 1));
		store_clear(one);
	}
	s->drv->finalize(one);
	for (i = 0; i < STORE_INSERT_ALERT_NPARAMS; i++) {
		store_bind_text_static(q, i + 1, store_pg_array_end(&col[i]));
	}
	memset(&kan, 0, sizeof kan);
	key.an = &kan;
	kp = &key;
	while ((rc = store_step(q)) == STORE_ROW) {
		/* the first entry of that key (a later one was not written) */
		kan.service = (char *)store_column_text(q, 1);
		key.key = store_column_text(q, 2);
		if (kan.service == NULL || key.key == NULL)
			break;
		lo = 0;
		hi = n;
		while (lo < hi) {
			j = lo + (hi - lo) / 2;
			if (store_ahead_cmp(v[j], kp) < 0)
				lo = j + 1;
			else
				hi = j;
		}
		hit = lo < n && store_ahead_cmp(v[lo], kp) == 0 ? &v[lo] : NULL;
		if (hit == NULL || (*hit)->id != 0)
			break;
		(*hit)->id = store_column_int64(q, 0);
	}
	store_reset(q);
	store_clear(q);
	for (i = 0; i < STORE_INSERT_ALERT_NPARAMS; i++)
		free(col[i].buf);
	if (rc == STORE_ERR) {
		store_cause(s, cause, "inserting alerts");
		return -1;
	}
	if (rc != STORE_DONE) {
		xasprintf(cause, "inserting alerts: a row came back that was"
		    " not asked for");
		return -1;
	}
	return 0;
}

/*
 * Inside the group's transaction, before its alerts are raised: write
 * the n new alerts an[] (now, started as start(arg) says) ahead, in as
 * few statements as it takes, on PostgreSQL.  0, or -1 with *cause
 * (the transaction must be rolled back).
 */
int
store_alert_raise_ahead(struct store *s, const struct alert_new *const *an,
    size_t n, int64_t now, store_start_cb start, void *arg, char **cause)
{
	struct store_ahead *x, **v;
	uint8_t rnd[16];
	size_t i, done, k;
	int rc = 0;

	store_ahead_clear(s);
	if (s->drv->dialect != STORE_DIALECT_PG || n < 2)
		return 0;
	s->ahead = xcalloc(n, sizeof *s->ahead);
	s->nahead = n;
	v = xcalloc(n, sizeof *v);
	for (i = 0; i < n; i++) {
		x = v[i] = &s->ahead[i];
		x->an = an[i];
		if ((x->key = an[i]->dedup_key) == NULL) {
			hmac_random(rnd, sizeof rnd);
			hmac_hex_encode(rnd, sizeof rnd, x->buf);
			x->key = x->buf;
		}
		if (start != NULL && start(arg, an[i], now, &x->start) == 1) {
			x->started = 1;
			/* the callback's copy may go with the next call */
			if (x->start.policy_detail != NULL)
				x->detail = xstrdup(x->start.policy_detail);
			x->start.policy_detail = x->detail;
		} else
			memset(&x->start, 0, sizeof x->start);
	}
	qsort(v, n, sizeof *v, store_ahead_sort);
	for (done = 0; done < n && rc == 0; done += k) {
		k = n - done < STORE_AHEAD_ROWS ? n - done : STORE_AHEAD_ROWS;
		rc = store_ahead_write(s, v + done, k, now, cause);
	}
	free(v);
	if (rc != 0)
		store_ahead_clear(s);
	return rc;
}
