/* SPDX-License-Identifier: ISC */
/*
 * store-engine.c: the escalation state of alerts (the columns added by
 * migrations 2 and 20): saved after every decision, loaded at start so
 * timers are re-armed from stored absolute deadlines.
 */
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "esc.h"
#include "log.h"
#include "store.h"
#include "store-private.h"
#include "xmalloc.h"

#define STORE_ENGINE_COLUMNS \
	"id, service, policy, priority, status, created_ms, acknowledged_ms," \
	" first_response_ms, resolved_ms, stage, stage_started_ms," \
	" stage_ack_due_ms, stage_resolve_due_ms, repeats_done," \
	" sla_response_due_ms, sla_first_response_due_ms," \
	" sla_resolution_due_ms, sla_reminded, sla_breached, snooze_until_ms"

/*
 * Status and priority are indexed (alerts_open_dedup): they are set
 * apart, and only when they change, so that the common save (a new
 * alert started, a timer fired) writes no index entry: on PostgreSQL,
 * a HOT update (migration 15 left room for it in each page).
 */
static const char store_engine_key_sql[] =
    "UPDATE alerts SET priority = ?2, status = ?3"
    " WHERE id = ?1 AND (priority != ?2 OR status != ?3)";
static const char store_engine_save_sql[] =
    STORE_SQL("", "WITH u AS (") "UPDATE alerts SET policy = ?2,"
    " acknowledged_ms = nullif(" STORE_BIGINT("?3") ", 0),"
    " first_response_ms = nullif(" STORE_BIGINT("?4") ", 0),"
    " resolved_ms = nullif(" STORE_BIGINT("?5") ", 0), stage = ?6,"
    " max_stage = " STORE_SQL("max(max_stage, ?6)", "GREATEST(max_stage, ?6)")
    ", stage_started_ms = ?7,"
    " stage_ack_due_ms = nullif(" STORE_BIGINT("?8") ", 0),"
    " stage_resolve_due_ms = nullif(" STORE_BIGINT("?9") ", 0),"
    " repeats_done = ?10,"
    " sla_response_due_ms = nullif(" STORE_BIGINT("?11") ", 0),"
    " sla_first_response_due_ms = nullif(" STORE_BIGINT("?12") ", 0),"
    " sla_resolution_due_ms = nullif(" STORE_BIGINT("?13") ", 0),"
    " sla_reminded = ?14, sla_breached = ?15, next_due_ms = ?16,"
    " updated_ms = "
    STORE_SQL("max(updated_ms, ?17)", "GREATEST(updated_ms, ?17)")
    ", snooze_until_ms = nullif(" STORE_BIGINT("?18") ", 0)"
    " WHERE id = ?1"
    /*
     * PostgreSQL: sent without waiting (later()), so the row missing is
     * an error of the statement, which fails the transaction.
     */
    STORE_SQL("", " RETURNING 1) SELECT CAST(CASE WHEN count(*) = 1"
    " THEN '1' ELSE 'alert ' || CAST(?1 AS TEXT) || ' does not"
    " exist' END AS INT) FROM u");
/*
 * PostgreSQL: the saves of a transaction buffered (store_engine_save),
 * written by one UPDATE of many rows (store_engine_saves_flush): each
 * parameter ?K of store_engine_save_sql, bound as for one row, becomes
 * the array of the K-th values of the rows.  The join is on the
 * primary key (and its range, so that a plan made while the table was
 * small still reads it by the key): one index lookup a row, as the
 * UPDATE of each row did, without the executor's fixed cost of a
 * statement each.  A row missing fails the statement, and with it the
 * transaction, as it does for one.
 */
#define STORE_SAVE_COLS		18	/* parameters of store_engine_save_sql */
#define STORE_SAVES_ROWS	500	/* rows in one UPDATE, at most */

static const char store_engine_saves_sql[] =
    "WITH u AS (UPDATE alerts SET policy = c2,"
    " acknowledged_ms = nullif(c3, 0), first_response_ms = nullif(c4, 0),"
    " resolved_ms = nullif(c5, 0), stage = c6,"
    " max_stage = GREATEST(max_stage, c6), stage_started_ms = c7,"
    " stage_ack_due_ms = nullif(c8, 0), stage_resolve_due_ms = nullif(c9, 0),"
    " repeats_done = c10, sla_response_due_ms = nullif(c11, 0),"
    " sla_first_response_due_ms = nullif(c12, 0),"
    " sla_resolution_due_ms = nullif(c13, 0), sla_reminded = c14,"
    " sla_breached = c15, next_due_ms = c16,"
    " updated_ms = GREATEST(updated_ms, c17),"
    " snooze_until_ms = nullif(c18, 0)"
    " FROM unnest(CAST(?1 AS BIGINT[]), CAST(?2 AS TEXT[]),"
    " CAST(?3 AS BIGINT[]), CAST(?4 AS BIGINT[]), CAST(?5 AS BIGINT[]),"
    " CAST(?6 AS BIGINT[]), CAST(?7 AS BIGINT[]), CAST(?8 AS BIGINT[]),"
    " CAST(?9 AS BIGINT[]), CAST(?10 AS BIGINT[]), CAST(?11 AS BIGINT[]),"
    " CAST(?12 AS BIGINT[]), CAST(?13 AS BIGINT[]), CAST(?14 AS BIGINT[]),"
    " CAST(?15 AS BIGINT[]), CAST(?16 AS BIGINT[]), CAST(?17 AS BIGINT[]),"
    " CAST(?18 AS BIGINT[])) AS v(c1, c2, c3, c4, c5, c6, c7, c8, c9, c10,"
    " c11, c12, c13, c14, c15, c16, c17, c18)"
    " WHERE alerts.id = v.c1 AND alerts.id BETWEEN ?19 AND ?20 RETURNING 1)"
    " SELECT CAST(CASE WHEN count(*) = cardinality(CAST(?1 AS BIGINT[]))"
    " THEN '1' ELSE 'some of alerts ' || CAST(?1 AS TEXT) || ' do not exist'"
    " END AS INT)"
    " FROM u";

/* The saves buffered in the open transaction (PostgreSQL). */
struct store_saveq {
	struct store_pg_array col[STORE_SAVE_COLS];
	int64_t *ids;		/* those of the rows, to find one twice */
	size_t size;
	int64_t lo, hi;
};

/* Forget the saves buffered (a rollback, a new transaction, close). */
void
store_engine_saves_drop(struct store *s, int all)
{
	struct store_saveq *b = s->saveq;
	int i;

	s->nsaves = 0;
	s->saves_failed = 0;
	if (b == NULL)
		return;
	for (i = 0; i < STORE_SAVE_COLS; i++)
		b->col[i].len = 0;
	if (all) {
		for (i = 0; i < STORE_SAVE_COLS; i++)
			free(b->col[i].buf);
		free(b->ids);
		free(b);
		s->saveq = NULL;
	}
}

/*
 * Write the saves buffered as one UPDATE, sent without waiting (later())
 * as each save was: before any other statement of the transaction
 * (store-db-pg.c) and before COMMIT (store_events_commit), so that what
 * follows sees them.  The buffer is empty after, written or not: 0, or
 * -1 with *cause, and every statement of the transaction fails after
 * (s->saves_failed: this returns -1 again) until it is rolled back.
 * Callers on a hot path test STORE_SAVES_PENDING first.
 */
int
store_engine_saves_flush(struct store *s, char **cause)
{
	struct store_saveq *b = s->saveq;
	struct sq *q;
	int i, rc;

	if (s->saves_failed)
		goto fail;
	if (s->nsaves == 0)
		return 0;
	s->nsaves = 0;
	if ((q = store_stmt(s, store_engine_saves_sql)) == NULL)
		goto fail;
	for (i = 0; i < STORE_SAVE_COLS; i++)
		store_bind_text_static(q, i + 1, store_pg_array_end(&b->col[i]));
	store_bind_int64(q, 19, b->lo);
	store_bind_int64(q, 20, b->hi);
	/* not waited for if it can be: a missing row fails the COMMIT */
	rc = s->drv->later(q) ? STORE_ROW : store_step(q);
	store_reset(q);
	store_clear(q);
	if (rc == STORE_ROW) {
		store_engine_saves_drop(s, 0);
		return 0;
	}
fail:
	store_engine_saves_drop(s, 0);
	s->saves_failed = 1;
	store_cause(s, cause, "saving escalation state");
	return -1;
}

/*
 * PostgreSQL, inside a transaction: buffer the save whose parameters are
 * bound to q (store_engine_save_sql), to be written with the others
 * (store_engine_saves_flush).  0, or -1 with *cause.
 */
static int
store_engine_save_buffer(struct store *s, struct sq *q, int64_t id,
    char **cause)
{
	struct store_saveq *b;
	size_t j;
	int i;

	if ((b = s->saveq) == NULL)
		b = s->saveq = xcalloc(1, sizeof *b);
	/* the same alert again: the first one written before it */
	for (j = 0; j < s->nsaves; j++)
		if (b->ids[j] == id)
			break;
	if (j < s->nsaves && store_engine_saves_flush(s, cause) != 0) {
		store_clear(q);
		return -1;
	}
	if (s->nsaves == b->size) {
		b->size = b->size > 0 ? b->size * 2 : 64;
		b->ids = xreallocarray(b->ids, b->size, sizeof *b->ids);
	}
	for (i = 0; i < STORE_SAVE_COLS; i++)
		store_pg_array_add(&b->col[i], store_pg_param(q, i + 1));
	store_clear(q);
	if (s->nsaves == 0 || id < b->lo)
		b->lo = id;
	if (s->nsaves == 0 || id > b->hi)
		b->hi = id;
	b->ids[s->nsaves++] = id;
	if (s->nsaves == STORE_SAVES_ROWS)
		return store_engine_saves_flush(s, cause);
	return 0;
}

static const char store_engine_get_sql[] =
    "SELECT " STORE_ENGINE_COLUMNS " FROM alerts WHERE id = ?1";
static const char store_engine_open_sql[] =
    "SELECT " STORE_ENGINE_COLUMNS " FROM alerts WHERE status != 'resolved'"
    " ORDER BY id";

static int64_t store_engine_rows(struct store *, const char *,
    store_engine_cb, void *);
static int64_t store_engine_rows_range(struct store *, const char *, int,
    int64_t, int64_t, store_engine_cb, void *);

/*
 * Alerts a standby took in (lease.c) with ids above ?1, by the primary
 * key's range (no index of the alerts not started: migration 30).
 */
static const char store_engine_unstarted_sql[] =
    "SELECT " STORE_ENGINE_COLUMNS " FROM alerts WHERE id > ?1"
    " AND stage_started_ms IS NULL AND status != 'resolved' ORDER BY id";
static const char store_engine_top_sql[] =
    "SELECT coalesce(max(id), 0) FROM alerts";

/*
 * The same among ids lo..hi: the alerts one standby's batch wrote
 * (lease-work.c), by the primary key's range.
 */
static const char store_engine_unstarted_range_sql[] =
    "SELECT " STORE_ENGINE_COLUMNS " FROM alerts"
    " WHERE id BETWEEN ?1 AND ?2"
    " AND stage_started_ms IS NULL AND status != 'resolved' ORDER BY id";

/* Save the escalation state of an alert (inside the caller's transaction). */
int
store_engine_save(struct store *s, const struct store_engine_save *w,
    char **cause)
{
	const struct esc_state *st = w->st;
	struct sq *k = store_stmt(s, store_engine_key_sql);
	struct sq *q = store_stmt(s, store_engine_save_sql);
	int rc;

	if (k == NULL || q == NULL) {
		store_cause(s, cause, "saving escalation state");
		return -1;
	}
	if (!w->key_stored) {
		store_bind_int64(k, 1, w->id);
		store_bind_int(k, 2, st->priority);
		store_bind_text(k, 3, alert_status_name(st->status));
		if (s->drv->later != NULL && s->drv->later(k)) {
			store_reset(k);
			store_clear(k);
		} else if (store_step_done(s, k, cause) != 0)
			return -1;
	}
	store_bind_int64(q, 1, w->id);
	store_bind_text(q, 2, w->policy);
	store_bind_int64(q, 3, st->acknowledged_ms);
	store_bind_int64(q, 4, st->first_response_ms);
	store_bind_int64(q, 5, st->resolved_ms);
	store_bind_escalation(q, 6, st, w->next_due);
	store_bind_int64(q, 17, w->now);
	store_bind_int64(q, 18, st->snooze_until_ms);
	if (s->drv->dialect == STORE_DIALECT_PG) {
		/* with the others of the transaction, in one UPDATE */
		if (s->txn)
			return store_engine_save_buffer(s, q, w->id, cause);
		/* not waited for: a missing row fails the transaction */
		if (s->drv->later(q)) {
			store_reset(q);
			store_clear(q);
			return 0;
		}
		rc = store_step(q);
		store_reset(q);
		store_clear(q);
		if (rc == STORE_ROW)
			return 0;
		store_cause(s, cause, "saving escalation state");
		return -1;
	}
	if (store_step_done(s, q, cause) != 0)
		return -1;
	if (store_changed(s) != 1) {
		xasprintf(cause, "alert %lld does not exist", (long long)w->id);
		return -1;
	}
	return 0;
}

static void
store_engine_row(struct sq *q, struct store_engine_row *r)
{
	struct esc_state *st = &r->st;

	memset(r, 0, sizeof *r);
	r->id = store_column_int64(q, 0);
	r->service = store_column_strdup(q, 1);
	r->policy = store_column_strdup(q, 2);
	st->priority = store_column_int(q, 3);
	alert_status_parse(store_column_text(q, 4),
	    &st->status);
	st->created_ms = store_column_int64(q, 5);
	st->acknowledged_ms = store_column_int64(q, 6);
	st->first_response_ms = store_column_int64(q, 7);
	st->resolved_ms = store_column_int64(q, 8);
	/* stage_started_ms is NULL until the engine has started the alert */
	r->started = !store_column_null(q, 10);
	st->stage = r->started ? store_column_int(q, 9) : 0;
	st->stage_started_ms = store_column_int64(q, 10);
	st->stage_ack_due_ms = store_column_int64(q, 11);
	st->stage_resolve_due_ms = store_column_int64(q, 12);
	st->repeats_done = store_column_int(q, 13);
	st->sla_due_ms[SLA_RESPONSE] = store_column_int64(q, 14);
	st->sla_due_ms[SLA_FIRST_RESPONSE] = store_column_int64(q, 15);
	st->sla_due_ms[SLA_RESOLUTION] = store_column_int64(q, 16);
	st->reminded = (unsigned)store_column_int(q, 17);
	st->breached = (unsigned)store_column_int(q, 18);
	st->snooze_until_ms = store_column_int64(q, 19);
}

void
store_engine_row_clear(struct store_engine_row *r)
{
	free(r->service);
	free(r->policy);
	memset(r, 0, sizeof *r);
}

/* The escalation state of one alert; -1 if there is no such alert. */
int
store_engine_get(struct store *s, int64_t id, struct store_engine_row *r)
{
	struct sq *q = store_stmt(s, store_engine_get_sql);
	int rc = -1;

	if (q == NULL)
		return -1;
	store_bind_int64(q, 1, id);
	if (store_step(q) == STORE_ROW) {
		store_engine_row(q, r);
		rc = 0;
	}
	store_reset(q);
	return rc;
}

/*
 * Call cb for every open alert, oldest first; the row is lent for the
 * call.  Returns the number of alerts, or -1 on a store error.
 */
int64_t
store_engine_open(struct store *s, store_engine_cb cb, void *arg)
{
	return store_engine_rows(s, store_engine_open_sql, cb, arg);
}

/*
 * The open alerts never started (written by a standby, or held by a
 * silence), as store_engine_open() gives them: those with ids above
 * s->unstarted_floor, the largest id a look saw STORE_UNSTARTED_MARGIN_MS
 * or more before, so that a look each second reads the newest ids only,
 * not the whole table.  An alert with an id below what a look saw was
 * not committed then; its transaction is taken to be over within the
 * margin, while the looks in between still read past it.  (A standby's
 * alerts come to the leader by their NOTIFY, store-lease.c; the look is
 * what is left if one is missed, and a new leader reads every open
 * alert, engine_resume().)
 */
int64_t
store_engine_unstarted(struct store *s, store_engine_cb cb, void *arg)
{
	struct sq *q = store_stmt(s, store_engine_top_sql);
	int64_t now = clock_mono_ms(), top;
	int rc;

	if (q == NULL)
		return -1;
	rc = store_step(q);
	top = rc == STORE_ROW ? store_column_int64(q, 0) : -1;
	store_reset(q);
	if (top < 0) {
		log_warnx("store: the largest alert id: %s", store_errmsg(s));
		return -1;
	}
	if (s->unstarted_mark_ms == 0 ||
	    now - s->unstarted_mark_ms >= STORE_UNSTARTED_MARGIN_MS) {
		if (s->unstarted_mark_ms != 0)
			s->unstarted_floor = s->unstarted_mark;
		s->unstarted_mark = top;
		s->unstarted_mark_ms = now;
	}
	return store_engine_rows_range(s, store_engine_unstarted_sql, 1,
	    s->unstarted_floor, 0, cb, arg);
}

/*
 * The open alerts never started among ids lo..hi, as
 * store_engine_unstarted() gives them.
 */
int64_t
store_engine_unstarted_range(struct store *s, int64_t lo, int64_t hi,
    store_engine_cb cb, void *arg)
{
	return store_engine_rows_range(s, store_engine_unstarted_range_sql, 2,
	    lo, hi, cb, arg);
}

static int64_t
store_engine_rows(struct store *s, const char *sql, store_engine_cb cb,
    void *arg)
{
	return store_engine_rows_range(s, sql, 0, 0, 0, cb, arg);
}

/* The rows of sql (its nparams ?1 and ?2: lo, then hi) to cb. */
static int64_t
store_engine_rows_range(struct store *s, const char *sql, int nparams,
    int64_t lo, int64_t hi, store_engine_cb cb, void *arg)
{
	struct sq *q = store_stmt(s, sql);
	struct store_engine_row r;
	int64_t n = 0;
	int rc;

	if (q == NULL)
		return -1;
	if (nparams > 0)
		store_bind_int64(q, 1, lo);
	if (nparams > 1)
		store_bind_int64(q, 2, hi);
	while ((rc = store_step(q)) == STORE_ROW) {
		store_engine_row(q, &r);
		cb(&r, arg);
		store_engine_row_clear(&r);
		n++;
	}
	store_reset(q);
	if (rc != STORE_DONE) {
		log_warnx("store: loading open alerts: %s",
		    store_errmsg(s));
		return -1;
	}
	return n;
}
