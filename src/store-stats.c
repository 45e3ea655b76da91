/* SPDX-License-Identifier: ISC */
/*
 * store-stats.c: the queries behind /api/v1/stats: the alerts raised in
 * a window (optionally of one service and priority), their volume by
 * integration, delivery by channel, and the most recurring problems.
 */
#include <stdlib.h>
#include <string.h>

#include "breach.h"
#include "log.h"
#include "stats.h"
#include "store.h"
#include "store-private.h"
#include "xmalloc.h"

/*
 * Every query reads the live tables and, for alerts that the retention
 * removed (store-retention.c), the archived_* tables beside them: the
 * figures of a window do not change when its alerts go.
 */
#define STORE_STATS_WHERE \
	" WHERE a.created_ms >= ?1 AND a.created_ms < ?2" \
	" AND (CAST(?3 AS TEXT) IS NULL OR a.service = ?3)" \
	" AND (?4 = 0 OR a.priority = ?4)"
#define STORE_STATS_COLS \
	" a.priority, a.created_ms, a.acknowledged_ms," \
	" a.first_response_ms, a.resolved_ms, a.sla_response_due_ms," \
	" a.sla_first_response_due_ms, a.sla_resolution_due_ms, a.sla_breached," \
	" a.max_stage"
#define STORE_STATS_BREACHES \
	" b.alert_id, b.clock, b.due_ms, b.breached_ms, b.stopped_ms"

static const char store_stats_rows_sql[] =
    "SELECT" STORE_STATS_COLS ", CASE WHEN EXISTS (SELECT 1"
    " FROM alert_silences h WHERE h.alert_id = a.id) THEN 1 ELSE 0 END"
    " FROM alerts a" STORE_STATS_WHERE
    " UNION ALL SELECT" STORE_STATS_COLS ", a.silenced"
    " FROM archived_alerts a" STORE_STATS_WHERE " ORDER BY 2";
static const char store_stats_breaches_sql[] =
    "SELECT" STORE_STATS_BREACHES
    " FROM breaches b JOIN alerts a ON a.id = b.alert_id" STORE_STATS_WHERE
    " UNION ALL SELECT" STORE_STATS_BREACHES " FROM archived_breaches b"
    " JOIN archived_alerts a ON a.id = b.alert_id" STORE_STATS_WHERE
    " ORDER BY 1, 2";
static const char store_stats_groups_sql[] =
    "SELECT 'integration', coalesce(integration, ''), count(*), 0, 0, 0"
    " FROM (SELECT a.integration FROM alerts a" STORE_STATS_WHERE
    " UNION ALL SELECT a.integration FROM archived_alerts a" STORE_STATS_WHERE
    ") AS t GROUP BY 2"
    " UNION ALL SELECT 'channel', channel, sum(n),"
    " sum(CASE WHEN state IN ('sent', 'delivered') THEN n ELSE 0 END),"
    " sum(CASE WHEN state = 'cancelled' THEN n ELSE 0 END),"
    " sum(CASE WHEN state IN ('pending', 'sending') THEN n ELSE 0 END)"
    " FROM (SELECT n.channel, n.state, 1 AS n"
    " FROM notifications n JOIN alerts a ON a.id = n.alert_id"
    STORE_STATS_WHERE
    " UNION ALL SELECT d.channel, d.state, d.n FROM archived_deliveries d"
    " JOIN archived_alerts a ON a.id = d.alert_id" STORE_STATS_WHERE
    ") AS t GROUP BY 2"
    " ORDER BY 1, 3 DESC, 2";
static const char store_stats_top_sql[] =
    "SELECT service, dedup_key, max(summary), count(*), sum(count)"
    " FROM (SELECT a.service, a.dedup_key, a.summary, a.count FROM alerts a"
    STORE_STATS_WHERE " UNION ALL SELECT a.service, a.dedup_key, a.summary,"
    " a.count FROM archived_alerts a" STORE_STATS_WHERE ") AS t"
    " GROUP BY service, dedup_key ORDER BY 5 DESC, 4 DESC, 2 LIMIT ?5";

static struct sq *
store_stats_bind(struct store *s, const char *sql,
    const struct store_stats_query *q)
{
	struct sq *st = store_stmt(s, sql);

	if (st == NULL)
		return NULL;
	store_bind_int64(st, 1, q->from_ms);
	store_bind_int64(st, 2, q->to_ms);
	store_bind_text(st, 3, q->service);
	store_bind_int(st, 4, q->priority);
	return st;
}

/* The alerts of the window, as stats rows, into *out (free it). */
int
store_stats_rows(struct store *s, const struct store_stats_query *q,
    struct stats_row **out, size_t *n)
{
	struct sq *st = store_stats_bind(s, store_stats_rows_sql, q);
	struct stats_row *v = NULL, *r;
	size_t count = 0, size = 0;
	int rc, c;

	if (st == NULL)
		return -1;
	while ((rc = store_step(st)) == STORE_ROW) {
		if (count == size) {
			size = size == 0 ? 256 : size * 2;
			v = xreallocarray(v, size, sizeof *v);
		}
		r = &v[count++];
		r->priority = store_column_int(st, 0);
		r->created_ms = store_column_int64(st, 1);
		r->acknowledged_ms = store_column_int64(st, 2);
		r->first_response_ms = store_column_int64(st, 3);
		r->resolved_ms = store_column_int64(st, 4);
		for (c = 0; c < SLA_NCLOCKS; c++)
			r->due_ms[c] = store_column_int64(st, 5 + c);
		r->breached = (unsigned)store_column_int(st, 8);
		r->max_stage = store_column_int(st, 9);
		r->silenced = store_column_int(st, 10);
	}
	store_reset(st);
	if (rc != STORE_DONE) {
		free(v);
		return -1;
	}
	*out = v;
	*n = count;
	return 0;
}

/* The breaches of the window's alerts, into *out (free it). */
int
store_stats_breaches(struct store *s, const struct store_stats_query *q,
    struct breach **out, size_t *n)
{
	struct sq *st = store_stats_bind(s, store_stats_breaches_sql, q);

	if (st == NULL)
		return -1;
	return store_breach_rows(s, st, out, n);
}

/*
 * Volume by integration and delivery by channel: cb(group) per group,
 * kind "integration" (total: alerts) or "channel" (total: rows, with
 * those delivered, cancelled before they went, and still waiting).
 */
int
store_stats_groups(struct store *s, const struct store_stats_query *q,
    void (*cb)(const struct store_stats_group *, void *), void *arg)
{
	struct sq *st = store_stats_bind(s, store_stats_groups_sql, q);
	struct store_stats_group g;
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = store_step(st)) == STORE_ROW) {
		g.kind = store_column_text(st, 0);
		g.name = store_column_text(st, 1);
		g.total = store_column_int64(st, 2);
		g.delivered = store_column_int64(st, 3);
		g.cancelled = store_column_int64(st, 4);
		g.waiting = store_column_int64(st, 5);
		cb(&g, arg);
	}
	store_reset(st);
	return rc == STORE_DONE ? 0 : -1;
}

/*
 * The most recurring problems: by service and dedup key, most posts
 * first; cb(service, dedup_key, summary, alerts, posts) for each.
 */
int
store_stats_top(struct store *s, const struct store_stats_query *q, int limit,
    void (*cb)(const char *, const char *, const char *, int64_t, int64_t,
    void *), void *arg)
{
	struct sq *st = store_stats_bind(s, store_stats_top_sql, q);
	int rc;

	if (st == NULL)
		return -1;
	store_bind_int(st, 5, limit);
	while ((rc = store_step(st)) == STORE_ROW)
		cb(store_column_text(st, 0),
		    store_column_text(st, 1),
		    store_column_text(st, 2),
		    store_column_int64(st, 3), store_column_int64(st, 4),
		    arg);
	store_reset(st);
	return rc == STORE_DONE ? 0 : -1;
}

static const char store_metrics_sql[] =
    "SELECT k, a, b, sum(n) FROM ("
    " SELECT 'alerts' AS k, status AS a, CAST(priority AS TEXT) AS b,"
    " count(*) AS n"
    " FROM alerts GROUP BY status, priority"
    " UNION ALL SELECT 'pages', channel, CASE WHEN state = 'pending' AND"
    " EXISTS (SELECT 1 FROM sends sx WHERE sx.channel = n.channel"
    " AND sx.address = n.address AND n.id <= sx.max_id"
    " AND (n.due_ms < sx.last_due OR (n.due_ms = sx.last_due"
    " AND n.id <= sx.last_id))) THEN 'sending' ELSE state END AS st,"
    " count(*) FROM notifications n"
    " WHERE alert_id IS NOT NULL GROUP BY channel, st"
    " UNION ALL SELECT 'pages', channel, state, sum(n)"
    " FROM archived_deliveries GROUP BY channel, state"
    " UNION ALL SELECT 'breaches', clock, '', count(*) FROM breaches"
    " GROUP BY clock"
    " UNION ALL SELECT 'breaches', clock, '', count(*)"
    " FROM archived_breaches GROUP BY clock"
    ") AS t GROUP BY 1, 2, 3 ORDER BY 1, 2, 3";

/*
 * Totals for /metrics: cb(kind, a, b, n) with kind "alerts" (status,
 * priority: the alerts in the store), "pages" (channel, state) or
 * "breaches" (clock, ""): counters, with what the retention removed.
 */
int
store_metrics(struct store *s, void (*cb)(const char *, const char *,
    const char *, int64_t, void *), void *arg)
{
	struct sq *st = store_stmt(s, store_metrics_sql);
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = store_step(st)) == STORE_ROW)
		cb(store_column_text(st, 0),
		    store_column_text(st, 1),
		    store_column_text(st, 2),
		    store_column_int64(st, 3), arg);
	store_reset(st);
	return rc == STORE_DONE ? 0 : -1;
}
