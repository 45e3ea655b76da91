/* SPDX-License-Identifier: ISC */
/*
 * store-breach.c: the breaches table (migration 8): one row per SLA
 * deadline an alert missed, written by the engine in the transaction
 * that records the breach, and closed (stopped_ms) in the transaction
 * of the ack, note or resolve that stops its clock.  Readers get typed
 * rows; the audit log's breach events are for people.
 */
#include <stdlib.h>
#include <string.h>

#include "breach.h"
#include "log.h"
#include "store.h"
#include "store-private.h"
#include "xmalloc.h"

static const char store_breach_add_sql[] =
    "INSERT INTO breaches (alert_id, clock, due_ms, breached_ms, stopped_ms)"
    " VALUES (?1, ?2, ?3, ?4, nullif(" STORE_BIGINT("?5") ", 0))"
    " ON CONFLICT (alert_id, clock) DO NOTHING";
static const char store_breach_stop_sql[] =
    "UPDATE breaches SET stopped_ms = ?3"
    " WHERE alert_id = ?1 AND clock = ?2 AND stopped_ms IS NULL";
static const char store_breaches_sql[] =
    "SELECT alert_id, clock, due_ms, breached_ms, stopped_ms FROM breaches"
    " WHERE alert_id = ?1 ORDER BY due_ms, breached_ms, clock";

/*
 * Record breach b (inside the caller's transaction).  A clock breaches
 * once: a second record of the same clock of the same alert is ignored.
 */
int
store_breach_add(struct store *s, const struct breach *b, char **cause)
{
	struct sq *q;

	if ((q = store_stmt_cause(s, store_breach_add_sql, "recording a breach",
	    cause)) == NULL)
		return -1;
	store_bind_int64(q, 1, b->alert_id);
	store_bind_text(q, 2, sla_clock_name(b->clock));
	store_bind_int64(q, 3, b->due_ms);
	store_bind_int64(q, 4, b->breached_ms);
	store_bind_int64(q, 5, b->stopped_ms);
	return store_step_done(s, q, cause);
}

/*
 * The clock of b->alert_id's b->clock breach stopped at b->stopped_ms
 * (inside the caller's transaction).  A breach already stopped keeps
 * its instant: its lateness is final.  No such breach: nothing to do.
 */
int
store_breach_stop(struct store *s, const struct breach *b, char **cause)
{
	struct sq *q;

	if ((q = store_stmt_cause(s, store_breach_stop_sql, "stopping a breach",
	    cause)) == NULL)
		return -1;
	store_bind_int64(q, 1, b->alert_id);
	store_bind_text(q, 2, sla_clock_name(b->clock));
	store_bind_int64(q, 3, b->stopped_ms);
	return store_step_done(s, q, cause);
}

/* Fill b from a row of (alert_id, clock, due, breached, stopped). */
static void
store_breach_row(struct sq *q, struct breach *b)
{
	const char *clock = store_column_text(q, 1);
	int c;

	memset(b, 0, sizeof *b);
	b->alert_id = store_column_int64(q, 0);
	for (c = 0; c < SLA_NCLOCKS; c++)
		if (clock != NULL && strcmp(clock, sla_clock_name(c)) == 0)
			b->clock = c;
	b->due_ms = store_column_int64(q, 2);
	b->breached_ms = store_column_int64(q, 3);
	b->stopped_ms = store_column_int64(q, 4);
}

/*
 * Read the rows of q, a bound statement selecting (alert_id, clock,
 * due_ms, breached_ms, stopped_ms), into a new array *out of *n
 * breaches (free it); q is reset.
 */
int
store_breach_rows(struct store *s, struct sq *q, struct breach **out,
    size_t *n)
{
	struct breach *v = NULL;
	size_t count = 0, size = 0;
	int rc;

	while ((rc = store_step(q)) == STORE_ROW) {
		if (count == size) {
			size = size == 0 ? 4 : size * 2;
			v = xreallocarray(v, size, sizeof *v);
		}
		store_breach_row(q, &v[count++]);
	}
	store_reset(q);
	if (rc != STORE_DONE) {
		log_warnx("store: reading breaches: %s", store_errmsg(s));
		free(v);
		return -1;
	}
	*out = v;
	*n = count;
	return 0;
}

/* The breaches of alert id, earliest deadline first, into *out (free it). */
int
store_breaches(struct store *s, int64_t id, struct breach **out, size_t *n)
{
	struct sq *q = store_stmt(s, store_breaches_sql);

	if (q == NULL)
		return -1;
	store_bind_int64(q, 1, id);
	return store_breach_rows(s, q, out, n);
}
