/* SPDX-License-Identifier: ISC */
/*
 * store-retention.c: removing resolved alerts older than the retention,
 * a few at a time, inside the caller's transaction (retention.c runs
 * the batches from the loop).
 *
 * An alert goes with everything about it: its audit events, outbox rows,
 * pages, notes, breaches and the callbacks delivered to its integration.
 * What the reports need of it stays, in the archived_* tables (migration
 * 14): one small row per alert with the times and targets stats are
 * computed from, its breaches, and its outbox rows counted by channel
 * and state.  store-stats.c reads them beside the live tables, so a
 * report over any window gives the same figures before and after its
 * alerts were removed, medians included, and /metrics' counters never
 * go back.
 *
 * The audit log stays append-only for everything else: its delete
 * trigger lets a row go only while a row of retention_run (written and
 * removed inside this transaction) names a cutoff the event is older
 * than.  An alert is a candidate when it was resolved before the cutoff
 * and nothing of it is newer: no event or note at or after the cutoff,
 * no page still waiting or being sent, no callback still to deliver.
 * Ids of alerts, of the audit log, of notes and of notifications are
 * the largest + 1 on SQLite (no AUTOINCREMENT): the newest alert, and
 * the alert holding the newest event, note or notification, are kept,
 * so an id is never given twice.
 */
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store-private.h"
#include "xmalloc.h"

/*
 * Resolved alerts after id *cursor, in id order (creation order): id,
 * whether created before the cutoff, and whether it may go now.
 */
static const char store_ret_scan_sql[] =
    "SELECT a.id, CASE WHEN a.created_ms < ?1 THEN 1 ELSE 0 END,"
    " CASE WHEN a.resolved_ms < ?1"
    " AND a.id < (SELECT max(id) FROM alerts)"
    " AND NOT EXISTS (SELECT 1 FROM events e WHERE e.alert_id = a.id"
    "   AND (e.at_ms >= ?1 OR e.id = (SELECT max(id) FROM events)))"
    " AND NOT EXISTS (SELECT 1 FROM alert_notes o WHERE o.alert_id = a.id"
    "   AND (o.at_ms >= ?1 OR o.id = (SELECT max(id) FROM alert_notes)))"
    " AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.alert_id = a.id"
    "   AND (n.state IN ('pending', 'sending')"
    "   OR n.id = (SELECT max(id) FROM notifications)))"
    " AND NOT EXISTS (SELECT 1 FROM callbacks c WHERE c.alert_id = a.id"
    "   AND c.state = 'pending') THEN 1 ELSE 0 END"
    " FROM alerts a WHERE a.status = 'resolved' AND a.id > ?2"
    " ORDER BY a.id LIMIT ?3";

/* Per alert ?1, in this order: keep what reports need, then remove. */
static const char *const store_ret_alert_sql[] = {
	"INSERT INTO archived_alerts (id, service, dedup_key, summary,"
	" integration, priority, count, created_ms, acknowledged_ms,"
	" first_response_ms, resolved_ms, sla_response_due_ms,"
	" sla_first_response_due_ms, sla_resolution_due_ms, sla_breached,"
	" max_stage, silenced) SELECT id, service, dedup_key, summary,"
	" integration, priority, count, created_ms, acknowledged_ms,"
	" first_response_ms, resolved_ms, sla_response_due_ms,"
	" sla_first_response_due_ms, sla_resolution_due_ms, sla_breached,"
	" max_stage, CASE WHEN EXISTS (SELECT 1 FROM alert_silences h"
	" WHERE h.alert_id = alerts.id) THEN 1 ELSE 0 END FROM alerts"
	" WHERE id = ?1",
	"INSERT INTO archived_breaches (alert_id, clock, due_ms, breached_ms,"
	" stopped_ms) SELECT alert_id, clock, due_ms, breached_ms, stopped_ms"
	" FROM breaches WHERE alert_id = ?1",
	"INSERT INTO archived_deliveries (alert_id, channel, state, n)"
	" SELECT alert_id, channel, state, count(*) FROM notifications"
	" WHERE alert_id = ?1 GROUP BY alert_id, channel, state",
	"DELETE FROM breaches WHERE alert_id = ?1",
	"DELETE FROM notifications WHERE alert_id = ?1",
	"DELETE FROM pages WHERE alert_id = ?1",
	"DELETE FROM alert_notes WHERE alert_id = ?1",
	"DELETE FROM callbacks WHERE alert_id = ?1",
	"DELETE FROM events WHERE alert_id = ?1",
	"DELETE FROM alerts WHERE id = ?1",
};

/* Bookkeeping older than the cutoff that belongs to no alert kept. */
static const char *const store_ret_rest_sql[] = {
	/* refused forged tokens and the like: audited, about no alert */
	"DELETE FROM events WHERE id IN (SELECT id FROM events"
	" WHERE alert_id IS NULL AND at_ms < ?1"
	" AND id < (SELECT max(id) FROM events) ORDER BY id LIMIT ?2)",
	/* used ack nonces: a token lives at most ack.ttl (30 days) */
	"DELETE FROM ack_tokens WHERE nonce IN (SELECT nonce FROM ack_tokens"
	" WHERE used_ms < ?1 LIMIT ?2)",
	/* provider callbacks seen, kept to drop repeats */
	"DELETE FROM hook_deliveries WHERE hook_key IN (SELECT hook_key"
	" FROM hook_deliveries WHERE seen_ms < ?1 ORDER BY seen_ms LIMIT ?2)",
};

static int
store_ret_open(struct store *s, int64_t cutoff_ms, char **cause)
{
	struct sq *st;

	if ((st = store_stmt(s, "INSERT INTO retention_run (cutoff_ms)"
	    " VALUES (?1)")) == NULL) {
		store_cause(s, cause, "retention");
		return -1;
	}
	store_bind_int64(st, 1, cutoff_ms);
	return store_step_done(s, st, cause);
}

static int
store_ret_close(struct store *s, char **cause)
{
	struct sq *st;

	if ((st = store_stmt(s, "DELETE FROM retention_run")) == NULL) {
		store_cause(s, cause, "retention");
		return -1;
	}
	return store_step_done(s, st, cause);
}

static int
store_ret_alert(struct store *s, int64_t id, char **cause)
{
	struct sq *st;
	size_t i;

	for (i = 0; i < nitems(store_ret_alert_sql); i++) {
		if ((st = store_stmt(s, store_ret_alert_sql[i])) == NULL) {
			store_cause(s, cause, store_ret_alert_sql[i]);
			return -1;
		}
		store_bind_int64(st, 1, id);
		if (store_step_done(s, st, cause) != 0)
			return -1;
	}
	return 0;
}

/*
 * One batch, inside the caller's transaction: look at up to limit
 * resolved alerts after r->cursor, remove those that may go (adding to
 * r->removed), and advance r->cursor.  r->done is set once the scan
 * reached alerts created after the cutoff or the last alert; then the
 * bookkeeping of no alert older than the cutoff goes too (up to limit
 * rows of each kind; r->done stays 0 while there may be more).
 */
int
store_retention_batch(struct store *s, struct store_retention *r,
    char **cause)
{
	struct sq *st;
	int64_t *ids = NULL, id;
	size_t n = 0, seen = 0, i;
	int rc, newer = 0, more = 0;

	/* the scan reads the audit log: those buffered first */
	if (store_events_flush(s, cause) != 0)
		return -1;
	if ((st = store_stmt(s, store_ret_scan_sql)) == NULL) {
		store_cause(s, cause, "retention scan");
		return -1;
	}
	store_bind_int64(st, 1, r->cutoff_ms);
	store_bind_int64(st, 2, r->cursor);
	store_bind_int64(st, 3, (int64_t)r->limit);
	ids = xcalloc(r->limit > 0 ? r->limit : 1, sizeof *ids);
	while ((rc = store_step(st)) == STORE_ROW) {
		seen++;
		id = store_column_int64(st, 0);
		if (!store_column_int(st, 1)) {
			newer = 1; /* created after the cutoff: so are the rest */
			break;
		}
		r->cursor = id;
		if (store_column_int(st, 2))
			ids[n++] = id;
	}
	if (rc != STORE_ROW && rc != STORE_DONE) {
		store_cause(s, cause, "retention scan");
		store_reset(st);
		free(ids);
		return -1;
	}
	store_reset(st);
	if (store_ret_open(s, r->cutoff_ms, cause) != 0)
		goto fail;
	for (i = 0; i < n; i++)
		if (store_ret_alert(s, ids[i], cause) != 0)
			goto fail;
	r->removed += n;
	if (newer || seen < r->limit) {
		for (i = 0; i < nitems(store_ret_rest_sql); i++) {
			if ((st = store_stmt(s, store_ret_rest_sql[i])) ==
			    NULL) {
				store_cause(s, cause, store_ret_rest_sql[i]);
				goto fail;
			}
			store_bind_int64(st, 1, r->cutoff_ms);
			store_bind_int64(st, 2, (int64_t)r->limit);
			if (store_step_done(s, st, cause) != 0)
				goto fail;
			if ((size_t)store_changed(s) >= r->limit)
				more = 1;
		}
		r->done = !more;
	}
	free(ids);
	return store_ret_close(s, cause);
fail:
	free(ids);
	return -1;
}
