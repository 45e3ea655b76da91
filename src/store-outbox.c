/* SPDX-License-Identifier: ISC */
/*
 * store-outbox.c: the notifications table (the outbox): one row per
 * page step (alert, person, channel, address), or per note (no alert, a
 * body instead), written before anything is sent, then moved through
 * pending -> sending -> sent -> delivered, or to failed or cancelled.
 * "Sending" is written on no row (migration 29): a message in flight is
 * one row of the sends table, keyed by channel and address (one message
 * at a time goes to an address), saying which pending rows of the
 * address it carries (STORE_NOTE_INFLIGHT).  Tagging each row with the
 * message's id (send_id, migration 21) rewrote every row of a digest
 * once more than it had to, about 6,700 instructions an alert under a
 * storm.  A message's rows move to "sent" together in one statement,
 * found by the same ranges of the queue index, and keep the message's
 * id (send_id) then.  Migration 24 made the queue index partial,
 * pending rows only, so rows leave it once sent and the index is as
 * small as the backlog.
 * Columns from migrations 1, 3, 6 and 8 (what each row tells: its event
 * and stage), read with the alert's links and its client (and its
 * ticket's link, migration 17) from migration 15's alert_context for
 * the chat and mail messages; the queue index (state,
 * channel, address, due_ms) from migration 7 lets the outbox walk the
 * addresses with pending rows and read the due rows of one address,
 * whatever the backlog.  States and events are enums in the code
 * (notify.h), names here.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store.h"
#include "store-private.h"
#include "xmalloc.h"

/*
 * Whether pending row r (a table alias) is in the message in flight to
 * its channel and address: that message (its sends row) carries the
 * pending rows of the address up to its last in (due_ms, id) order, and
 * none with an id above its greatest.  Nothing enters that range while
 * the message is out: a row written since has a larger id than any
 * before it (SQLite's largest + 1; a PostgreSQL identity, the rows
 * written by the one leader's one connection), a failover puts the row
 * it brings forward after the message's last (store_outbox_failover_sql),
 * and nothing else moves a pending row's due instant on an address with
 * a message out (a retry is the message's own outcome, which ends it).
 * One primary key lookup in sends.
 */
#define STORE_NOTE_INFLIGHT(r) \
	"EXISTS (SELECT 1 FROM sends sx WHERE sx.channel = " r ".channel" \
	" AND sx.address = " r ".address AND " r ".id <= sx.max_id" \
	" AND (" r ".due_ms < sx.last_due OR (" r ".due_ms = sx.last_due" \
	" AND " r ".id <= sx.last_id)))"

#define STORE_NOTE_COLUMNS_BASE \
	"n.id, n.alert_id, n.person, n.channel, n.address, n.attempt," \
	" n.step, n.state, n.reason, n.ack_url, n.due_ms, n.provider_id," \
	" a.priority, a.service, a.summary, n.last_error, n.body, n.event," \
	" n.stage, a.created_ms, a.links, x.client, x.client_url," \
	" x.external_url, "
/* ... and whether the row is in flight (read as NOTIFY_SENDING) */
#define STORE_NOTE_COLUMNS STORE_NOTE_COLUMNS_BASE \
	"CASE WHEN n.state = 'pending' AND " STORE_NOTE_INFLIGHT("n") \
	" THEN 1 ELSE 0 END"
/* ... or, for the queue of an address with no message out, none is */
#define STORE_NOTE_COLUMNS_IDLE STORE_NOTE_COLUMNS_BASE "0"
/* A row's alert, and what its trigger attached (migration 15). */
#define STORE_NOTE_FROM \
	" FROM notifications n LEFT JOIN alerts a ON a.id = n.alert_id" \
	" LEFT JOIN alert_context x ON x.alert_id = n.alert_id"

/*
 * The rows of alert ?1, or of no alert (notes) if it is NULL.  In
 * PostgreSQL, IS NOT DISTINCT FROM would say it but uses no index.
 */
#define STORE_NOTE_ALERT_IS STORE_SQL("alert_id IS ?1", \
	"(alert_id = ?1 OR (alert_id IS NULL AND ?1 IS NULL))")

static const char store_outbox_add_sql[] =
    "INSERT INTO notifications (alert_id, person, channel, address, step,"
    " reason, ack_url, due_ms, created_ms, updated_ms, state, body, event,"
    " stage, later, later_ms)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, 'pending', ?10, ?11,"
    " ?12, ?13, ?14)" STORE_SQL("", " RETURNING id");
/*
 * A pending row of the table (unaliased) not in flight: where a
 * message's rows are not, though they stay "pending" while it is.
 */
#define STORE_NOTE_IDLE " AND NOT " STORE_NOTE_INFLIGHT("notifications")

static const char store_outbox_first_sql[] =
    "SELECT channel, address, due_ms FROM notifications"
    " WHERE state = 'pending' ORDER BY channel, address, due_ms LIMIT 1";
static const char store_outbox_same_sql[] =
    "SELECT channel, address, due_ms FROM notifications"
    " WHERE state = 'pending' AND channel = ?1 AND address > ?2"
    " ORDER BY address, due_ms LIMIT 1";
static const char store_outbox_other_sql[] =
    "SELECT channel, address, due_ms FROM notifications"
    " WHERE state = 'pending' AND channel > ?1"
    " ORDER BY channel, address, due_ms LIMIT 1";
static const char store_outbox_head_sql[] =
    "SELECT min(due_ms) FROM notifications"
    " WHERE state = 'pending' AND channel = ?1 AND address = ?2";
static const char store_outbox_queue_sql[] =
    "SELECT " STORE_NOTE_COLUMNS_IDLE STORE_NOTE_FROM
    " WHERE n.state = 'pending' AND n.channel = ?1 AND n.address = ?2"
    " AND n.due_ms <= ?3 ORDER BY n.due_ms, n.id LIMIT ?4";
/* Only an address with no message out is put off (outbox.c). */
static const char store_outbox_defer_sql[] =
    "UPDATE notifications SET due_ms = ?4, updated_ms = ?3"
    " WHERE state = 'pending' AND channel = ?1 AND address = ?2"
    " AND due_ms <= ?3";
/* A row moved back to "pending" (a retry) is no longer in flight. */
static const char store_outbox_set_sql[] =
    "UPDATE notifications SET state = ?2, attempt = ?3, due_ms = ?4,"
    " send_id = CASE WHEN ?2 = 'pending' THEN NULL ELSE send_id END,"
    " provider_id = coalesce(?5, provider_id),"
    " last_error = coalesce(?6, last_error),"
    " sent_ms = CASE WHEN ?2 = 'sent' THEN ?7 ELSE sent_ms END,"
    " updated_ms = ?7 WHERE id = ?1";
/*
 * Message m now in flight: its sends row, in place of any left by a
 * message of the address that never started (its pass's sync failed:
 * its rows are due again, and the new message carries them).
 */
static const char store_outbox_mark_sql[] =
    "INSERT INTO sends (channel, address, send_id, last_due, last_id,"
    " max_id, started_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
    " ON CONFLICT (channel, address) DO UPDATE SET"
    " send_id = excluded.send_id, last_due = excluded.last_due,"
    " last_id = excluded.last_id, max_id = excluded.max_id,"
    " started_ms = excluded.started_ms";
/* Message ?3 is no longer out (its outcome is written). */
static const char store_outbox_unmark_sql[] =
    "DELETE FROM sends WHERE channel = ?1 AND address = ?2"
    " AND send_id = ?3";
/*
 * One message's rows: the pending rows of an address, in (due_ms, id)
 * order, up to and including row (?4, ?5), none above id ?9 (its
 * greatest; ?8 its least).  A message of every pending row of its
 * address due when it was read (STORE_OUTBOX_MSG_ALL) is one index
 * range, due by ?4.  Otherwise (a digest cut short, rows due at ?4 left
 * after it) two ranges, those due before ?4 and those due at ?4 up to
 * id ?5, one statement each: written as one "due_ms < ?4 OR (...)",
 * SQLite walked every pending row of the address due by ?4, so a
 * message out of a backlog of 100,000 rows due at one instant cost the
 * loop 20 ms; and both ranges as "id IN (SELECT ... UNION ALL SELECT
 * ...)", each statement built a temporary table, about 30,000
 * instructions, more than the rows of a small message cost.
 */
#define STORE_OUTBOX_MSG_IDS \
    " AND id <= ?9 AND CAST(?8 AS BIGINT) IS NOT NULL"
#define STORE_OUTBOX_MSG_ALL \
    " WHERE state = 'pending' AND channel = ?1 AND address = ?2" \
    " AND due_ms <= ?4 AND (due_ms < ?4 OR id <= ?5)" STORE_OUTBOX_MSG_IDS
#define STORE_OUTBOX_MSG_BEFORE \
    " WHERE state = 'pending' AND channel = ?1 AND address = ?2" \
    " AND due_ms < ?4 AND CAST(?5 AS BIGINT) IS NOT NULL" \
    STORE_OUTBOX_MSG_IDS
#define STORE_OUTBOX_MSG_AT \
    " WHERE state = 'pending' AND channel = ?1 AND address = ?2" \
    " AND due_ms = ?4 AND id <= ?5" STORE_OUTBOX_MSG_IDS
/*
 * Message ?6 went out (provider id ?7): its rows "sent", off the queue
 * index, with its id.  Its send instant (sent_ms) goes on its first row
 * only (id ?6), the one the rate limits are rebuilt from at start
 * (store_outbox_recent): an entry in notifications_sent per message,
 * not per row, about 1,500 instructions less per alert of a digest.
 */
#define STORE_OUTBOX_SENT \
    "UPDATE notifications SET state = 'sent', attempt = attempt + 1," \
    " provider_id = coalesce(?7, provider_id), send_id = ?6," \
    " sent_ms = CASE WHEN id = ?6 THEN ?3 ELSE sent_ms END," \
    " updated_ms = ?3"
static const char *const store_outbox_sent_sql[] = {
	STORE_OUTBOX_SENT STORE_OUTBOX_MSG_ALL,
	STORE_OUTBOX_SENT STORE_OUTBOX_MSG_BEFORE,
	STORE_OUTBOX_SENT STORE_OUTBOX_MSG_AT,
};
/*
 * The same, for a message whose rows lie close together by id (a
 * storm to one address): a walk of the ids from the message's least
 * (?8) to its greatest (?9), by the primary key.  Moving rows out of
 * the queue index while walking that index made SQLite gather them in
 * a temporary table first (about 30,000 instructions a statement);
 * walking the primary key it updates each row as it goes.  On SQLite
 * the unary + on channel and address keeps the planner off
 * notifications_queue (channel, address, due_ms): through it, the
 * walk covered every pending row of the address due by ?4, the whole
 * backlog of a storm due at one instant (about 30 ms on the loop per
 * message with 100,000 waiting: tests/bench/pages part 3).
 */
static const char store_outbox_sent_ids_sql[] =
    STORE_OUTBOX_SENT " WHERE id >= ?8 AND id <= ?9 AND state = 'pending'"
    " AND " STORE_SQL("+channel", "channel") " = ?1"
    " AND " STORE_SQL("+address", "address") " = ?2"
    " AND (due_ms < ?4 OR (due_ms = ?4 AND id <= ?5))";
static const char store_outbox_cancel_sql[] =
    "UPDATE notifications SET state = 'cancelled', updated_ms = ?3"
    " WHERE alert_id = ?1 AND (CAST(?2 AS TEXT) IS NULL OR person = ?2)"
    " AND state = 'pending'" STORE_NOTE_IDLE;
static const char store_outbox_cancel_later_sql[] =
    "UPDATE notifications SET later = NULL, later_ms = NULL,"
    " updated_ms = ?3"
    " WHERE alert_id = ?1 AND (CAST(?2 AS TEXT) IS NULL OR person = ?2)"
    " AND later_ms IS NOT NULL";
/* The rows whose page has later rules due (the oldest first). */
static const char store_outbox_later_due_sql[] =
    "SELECT id, created_ms, later FROM notifications"
    " WHERE later_ms <= ?1 ORDER BY later_ms, id LIMIT ?2";
static const char store_outbox_later_of_sql[] =
    "SELECT id, created_ms, later FROM notifications"
    " WHERE alert_id = ?1 AND person = ?2 AND later_ms IS NOT NULL"
    " ORDER BY id";
static const char store_outbox_later_next_sql[] =
    "SELECT min(later_ms) FROM notifications WHERE later_ms IS NOT NULL";
static const char store_outbox_later_set_sql[] =
    "UPDATE notifications SET later = ?2, later_ms = ?3 WHERE id = ?1";
/* A later rule's row: row ?1's page, by another step and address. */
static const char store_outbox_spawn_sql[] =
    "INSERT INTO notifications (alert_id, person, channel, address, step,"
    " reason, ack_url, due_ms, created_ms, updated_ms, state, body, event,"
    " stage)"
    " SELECT alert_id, person, ?3, ?4, ?2, reason, ack_url, ?5, ?6, ?6,"
    " 'pending', body, event, stage FROM notifications WHERE id = ?1";
/*
 * The person's next step brought forward to now (?4), but after the
 * last row of a message out to its address, if one is (in the same
 * millisecond, by one): it must not read as that message's.
 */
static const char store_outbox_failover_sql[] =
    "UPDATE notifications SET due_ms = "
    STORE_SQL("max(min(due_ms, ?4),", "GREATEST(LEAST(due_ms, ?4),")
    " coalesce((SELECT s.last_due + 1 FROM sends s"
    " WHERE s.channel = notifications.channel"
    " AND s.address = notifications.address), 0)), updated_ms = ?4"
    " WHERE id = (SELECT id FROM notifications WHERE " STORE_NOTE_ALERT_IS
    " AND person = ?2 AND state = 'pending' AND step > ?3" STORE_NOTE_IDLE
    " ORDER BY step, id LIMIT 1) RETURNING id, channel, address, due_ms";
static const char store_outbox_live_sql[] =
    "SELECT count(*) FROM notifications WHERE " STORE_NOTE_ALERT_IS
    " AND person = ?2"
    " AND state IN ('pending', 'sending', 'sent', 'delivered')";
static const char store_outbox_provider_sql[] =
    "SELECT " STORE_NOTE_COLUMNS STORE_NOTE_FROM
    " WHERE n.provider_id = ?1 ORDER BY n.id";
/*
 * At start: no message is out.  (A row still tagged, by a version
 * before migration 29, is pending again.)
 */
static const char store_outbox_resume_sql[] =
    "DELETE FROM sends";
static const char store_outbox_resume_rows_sql[] =
    "UPDATE notifications SET send_id = NULL, updated_ms = ?1"
    " WHERE state = 'pending' AND send_id IS NOT NULL";
static const char store_outbox_recent_sql[] =
    "SELECT DISTINCT channel, address, sent_ms FROM notifications"
    " WHERE sent_ms > ?1 ORDER BY sent_ms";
/*
 * Who received something that asked them to act on an alert, or is
 * being sent it.
 */
static const char store_outbox_paged_sql[] =
    "SELECT DISTINCT person FROM notifications WHERE alert_id = ?1"
    " AND event IN ('page', 'escalated', 'reminder', 'breach')"
    " AND (state IN ('sent', 'delivered') OR (state = 'pending' AND "
    STORE_NOTE_INFLIGHT("notifications") ")) ORDER BY person";
static const char store_outbox_list_sql[] =
    "SELECT " STORE_NOTE_COLUMNS STORE_NOTE_FROM
    " WHERE n.alert_id = ?1 ORDER BY n.id";

/* Add one pending row (inside the caller's transaction); id is set. */
int
store_outbox_add(struct store *s, struct store_note *n, int64_t now,
    char **cause)
{
	struct sq *q;

	if ((q = store_stmt_cause(s, store_outbox_add_sql,
	    "adding a notification", cause)) == NULL)
		return -1;
	store_bind_alert(q, 1, n->alert_id);
	store_bind_text(q, 2, n->person);
	store_bind_text(q, 3, n->channel);
	store_bind_text(q, 4, n->address);
	store_bind_int(q, 5, n->step);
	store_bind_text(q, 6, n->reason);
	store_bind_text(q, 7, n->ack_url);
	store_bind_int64(q, 8, n->due_ms);
	store_bind_int64(q, 9, now);
	store_bind_text(q, 10, n->body);
	store_bind_text(q, 11, notify_event_name(n->event));
	store_bind_int(q, 12, n->stage);
	store_bind_text(q, 13, n->later);
	if (n->later != NULL)
		store_bind_int64(q, 14, n->later_ms);
	else
		store_bind_null(q, 14);
	if ((n->id = store_step_id(s, q, "adding a notification", cause)) <= 0)
		return -1;
	return 0;
}

/* The stored names of a row's state and event (notify.c maps them). */
/* A pending row of a message in flight (column inflight_col) is
 * "sending". */
static enum notify_state
store_note_state(struct sq *q, int col, int inflight_col)
{
	int v = notify_state_find(store_column_text(q, col));

	if (v == NOTIFY_PENDING && store_column_int(q, inflight_col) != 0)
		return NOTIFY_SENDING;
	return v < 0 ? NOTIFY_FAILED : (enum notify_state)v;
}

static enum notify_event
store_note_event(struct sq *q, int col)
{
	int v = notify_event_find(store_column_text(q, col));

	return v < 0 ? NOTIFY_PAGE : (enum notify_event)v;
}

static void
store_note_row(struct sq *q, struct store_note *n)
{
	memset(n, 0, sizeof *n);
	n->id = store_column_int64(q, 0);
	n->alert_id = store_column_int64(q, 1);
	n->person = store_column_strdup(q, 2);
	n->channel = store_column_strdup(q, 3);
	n->address = store_column_strdup(q, 4);
	n->attempt = store_column_int(q, 5);
	n->step = store_column_int(q, 6);
	n->state = store_note_state(q, 7, 24);
	n->reason = store_column_strdup(q, 8);
	n->ack_url = store_column_strdup(q, 9);
	n->due_ms = store_column_int64(q, 10);
	n->provider_id = store_column_strdup(q, 11);
	n->priority = store_column_int(q, 12);
	n->service = store_column_strdup(q, 13);
	n->summary = store_column_strdup(q, 14);
	n->last_error = store_column_strdup(q, 15);
	n->body = store_column_strdup(q, 16);
	n->event = store_note_event(q, 17);
	n->stage = store_column_int(q, 18);
	n->alert_created_ms = store_column_int64(q, 19);
	n->links = store_column_strdup(q, 20);
	n->client = store_column_strdup(q, 21);
	n->client_url = store_column_strdup(q, 22);
	n->external_url = store_column_strdup(q, 23);
}

static int
store_outbox_rows(struct store *s, struct sq *q, struct store_note **out,
    size_t *n)
{
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	while ((rc = store_step(q)) == STORE_ROW) {
		if (*n == cap) {
			/* a digest's rows: grown by doubling */
			cap = cap > 0 ? 2 * cap : 8;
			*out = xreallocarray(*out, cap, sizeof **out);
		}
		store_note_row(q, &(*out)[(*n)++]);
	}
	store_reset(q);
	if (rc != STORE_DONE) {
		log_warnx("store: outbox: %s", store_errmsg(s));
		store_notes_free(*out, *n);
		*out = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

/* Step a head query: 1 and h filled, 0 if none, -1 on error. */
static int
store_outbox_head_row(struct store *s, struct sq *q,
    struct store_outbox_head *h)
{
	int rc;

	rc = store_step(q);
	if (rc == STORE_ROW) {
		h->channel = store_column_strdup(q, 0);
		h->address = store_column_strdup(q, 1);
		h->due_ms = store_column_int64(q, 2);
	}
	store_reset(q);
	if (rc == STORE_ROW)
		return 1;
	if (rc == STORE_DONE)
		return 0;
	log_warnx("store: outbox: %s", store_errmsg(s));
	return -1;
}

/*
 * The next channel and address in (channel, address) order with pending
 * rows, after channel and address (channel NULL: the first of all), and
 * the earliest due instant of its rows: one or two index lookups,
 * however many rows wait.  Returns 1 and fills h (free with
 * store_outbox_head_clear), 0 past the last one, -1 on error.
 */
int
store_outbox_next_head(struct store *s, const char *channel,
    const char *address, struct store_outbox_head *h)
{
	struct sq *q;
	int rc;

	memset(h, 0, sizeof *h);
	if (channel == NULL) {
		if ((q = store_stmt(s, store_outbox_first_sql)) == NULL)
			return -1;
		return store_outbox_head_row(s, q, h);
	}
	/* The next address on the same channel, else the next channel. */
	if ((q = store_stmt(s, store_outbox_same_sql)) == NULL)
		return -1;
	store_bind_text(q, 1, channel);
	store_bind_text(q, 2, address);
	if ((rc = store_outbox_head_row(s, q, h)) != 0)
		return rc;
	if ((q = store_stmt(s, store_outbox_other_sql)) == NULL)
		return -1;
	store_bind_text(q, 1, channel);
	return store_outbox_head_row(s, q, h);
}

/*
 * The earliest due instant of the pending rows of one channel and
 * address (one index lookup): 1 and *due, 0 if it has none, -1 on error.
 */
int
store_outbox_head(struct store *s, const char *channel, const char *address,
    int64_t *due)
{
	struct sq *q = store_stmt(s, store_outbox_head_sql);
	int rc, found = 0;

	if (q == NULL)
		return -1;
	store_bind_text(q, 1, channel);
	store_bind_text(q, 2, address);
	rc = store_step(q);
	if (rc == STORE_ROW && !store_column_null(q, 0)) {
		*due = store_column_int64(q, 0);
		found = 1;
	}
	store_reset(q);
	if (rc != STORE_ROW) {
		log_warnx("store: outbox: %s", store_errmsg(s));
		return -1;
	}
	return found;
}

void
store_outbox_head_clear(struct store_outbox_head *h)
{
	free(h->channel);
	free(h->address);
	memset(h, 0, sizeof *h);
}

/*
 * The pending rows of one channel and address due at an instant (d),
 * oldest first (due instant, then id), at most max of them.
 */
int
store_outbox_queue(struct store *s, const struct store_outbox_due *d,
    size_t max, struct store_note **out, size_t *n)
{
	struct sq *q = store_stmt(s, store_outbox_queue_sql);

	if (q == NULL) {
		*out = NULL;
		*n = 0;
		return -1;
	}
	store_bind_text(q, 1, d->channel);
	store_bind_text(q, 2, d->address);
	store_bind_int64(q, 3, d->now);
	store_bind_int64(q, 4, (int64_t)max);
	return store_outbox_rows(s, q, out, n);
}

/*
 * Put off every pending row of one channel and address that is due at
 * an instant (d) until instant until (a rate limit), attempts and
 * errors kept.
 */
int
store_outbox_defer(struct store *s, const struct store_outbox_due *d,
    int64_t until, char **cause)
{
	struct sq *q;

	if ((q = store_stmt_cause(s, store_outbox_defer_sql,
	    "deferring notifications", cause)) == NULL)
		return -1;
	store_bind_text(q, 1, d->channel);
	store_bind_text(q, 2, d->address);
	store_bind_int64(q, 3, d->now);
	store_bind_int64(q, 4, until);
	return store_step_done(s, q, cause);
}

/* Rows that went out under provider message id pid. */
int
store_outbox_by_provider(struct store *s, const char *pid,
    struct store_note **out, size_t *n)
{
	struct sq *q = store_stmt(s, store_outbox_provider_sql);

	if (q == NULL)
		return -1;
	store_bind_text(q, 1, pid);
	return store_outbox_rows(s, q, out, n);
}

/* Every row of one alert, oldest first. */
int
store_outbox_list(struct store *s, int64_t alert_id, struct store_note **out,
    size_t *n)
{
	struct sq *q = store_stmt(s, store_outbox_list_sql);

	if (q == NULL)
		return -1;
	store_bind_int64(q, 1, alert_id);
	return store_outbox_rows(s, q, out, n);
}

/*
 * Move row c->id to c->state (attempt, due_ms); provider_id and error
 * are kept when NULL.  A move to "sent" records now as sent_ms (rate
 * limits).
 */
int
store_outbox_set(struct store *s, const struct store_outbox_change *c,
    int64_t now, char **cause)
{
	struct sq *q;

	if ((q = store_stmt_cause(s, store_outbox_set_sql,
	    "updating a notification", cause)) == NULL)
		return -1;
	store_bind_int64(q, 1, c->id);
	store_bind_text(q, 2, notify_state_name(c->state));
	store_bind_int(q, 3, c->attempt);
	store_bind_int64(q, 4, c->due_ms);
	store_bind_text(q, 5, c->provider_id);
	store_bind_text(q, 6, c->error);
	store_bind_int64(q, 7, now);
	return store_step_done(s, q, cause);
}

/*
 * Message m (rows up to (m->last_due, m->last_id), none above m->max_id)
 * went out: its rows "sent" by sql[] (see STORE_OUTBOX_MSG_ALL: the
 * first statement if m is all that was due, else the other two), or by
 * the walk of its ids if they lie close together
 * (store_outbox_sent_ids_sql).  Returns how many rows it changed, or -1
 * with *cause.
 */
static int64_t
store_outbox_msg(struct store *s, const char *const sql[3], const char *what,
    const struct store_outbox_msg *m, const char *provider_id, char **cause)
{
	struct sq *q;
	int64_t n = 0;
	int i, ids;

	/* the rows of a message that went out, close together by id */
	ids = m->n > 0 && m->max_id >= m->min_id &&
	    m->max_id - m->min_id < (int64_t)(4 * m->n + 16);
	for (i = m->whole || ids ? 0 : 1; i < (m->whole || ids ? 1 : 3);
	    i++) {
		if ((q = store_stmt_cause(s, ids ? store_outbox_sent_ids_sql :
		    sql[i], what, cause)) == NULL)
			return -1;
		store_bind_text(q, 1, m->channel);
		store_bind_text(q, 2, m->address);
		store_bind_int64(q, 3, m->now);
		store_bind_int64(q, 4, m->last_due);
		store_bind_int64(q, 5, m->last_id);
		store_bind_int64(q, 6, m->send_id);
		store_bind_text(q, 7, provider_id);
		store_bind_int64(q, 8, m->min_id);
		store_bind_int64(q, 9, m->max_id);
		if (store_step_done(s, q, cause) != 0)
			return -1;
		n += store_changed(s);
	}
	return n;
}

/*
 * Message m now in flight: one row of the sends table, for its channel
 * and address, saying which of the address's pending rows it carries
 * (up to its last row in (due, id) order, none above its greatest id
 * m->max_id), whatever the message carries; the rows themselves are not
 * written.  They stay "pending" in the store (read as NOTIFY_SENDING),
 * so a crash before their outcome leaves them to go out again at the
 * next start (store_outbox_resume).  0, or -1 with *cause.
 */
int
store_outbox_mark(struct store *s, const struct store_outbox_msg *m,
    char **cause)
{
	struct sq *q;

	if ((q = store_stmt_cause(s, store_outbox_mark_sql,
	    "marking notifications sending", cause)) == NULL)
		return -1;
	store_bind_text(q, 1, m->channel);
	store_bind_text(q, 2, m->address);
	store_bind_int64(q, 3, m->send_id);
	store_bind_int64(q, 4, m->last_due);
	store_bind_int64(q, 5, m->last_id);
	store_bind_int64(q, 6, m->max_id);
	store_bind_int64(q, 7, m->now);
	return store_step_done(s, q, cause);
}

/*
 * Message m is no longer out (a retry, a failure: its rows are written
 * one by one), or went out (store_outbox_sent): its sends row goes.
 */
int
store_outbox_unmark(struct store *s, const struct store_outbox_msg *m,
    char **cause)
{
	struct sq *q;

	if ((q = store_stmt_cause(s, store_outbox_unmark_sql,
	    "ending a message", cause)) == NULL)
		return -1;
	store_bind_text(q, 1, m->channel);
	store_bind_text(q, 2, m->address);
	store_bind_int64(q, 3, m->send_id);
	return store_step_done(s, q, cause);
}

/*
 * Message m went out (provider_id, or NULL): its rows "sent" at m->now,
 * their attempts counted, in one statement (two for a digest cut
 * short), and it is no longer out.  Returns how many rows, or -1 with
 * *cause.
 */
int64_t
store_outbox_sent(struct store *s, const struct store_outbox_msg *m,
    const char *provider_id, char **cause)
{
	int64_t n;

	if ((n = store_outbox_msg(s, store_outbox_sent_sql,
	    "marking notifications sent", m, provider_id, cause)) < 0)
		return -1;
	if (store_outbox_unmark(s, m, cause) != 0)
		return -1;
	return n;
}

/*
 * Who (person ids, "chat:NAME" for a chat channel) has been sent, or is
 * being sent, something that asked them to act on alert_id: those, and
 * only those, are told when it is acknowledged or resolved.  A page
 * cancelled before it left does not count.  *out is a new array of new
 * strings.
 */
int
store_outbox_paged(struct store *s, int64_t alert_id, char ***out, size_t *n)
{
	return store_strings(s, store_outbox_paged_sql, alert_id, "outbox", out,
	    n);
}

/*
 * Cancel the pending rows of an alert (of one person, or all if NULL):
 * how many, or -1 with *cause.
 */
int64_t
store_outbox_cancel(struct store *s, int64_t alert_id, const char *person,
    int64_t now, char **cause)
{
	struct sq *q;
	int64_t n;

	if ((q = store_stmt_cause(s, store_outbox_cancel_sql,
	    "cancelling notifications", cause)) == NULL)
		return -1;
	store_bind_int64(q, 1, alert_id);
	store_bind_text(q, 2, person);
	store_bind_int64(q, 3, now);
	if (store_step_done(s, q, cause) != 0)
		return -1;
	n = store_changed(s);
	/* and its later rules, not yet rows, never will be */
	if ((q = store_stmt_cause(s, store_outbox_cancel_later_sql,
	    "cancelling notifications", cause)) == NULL)
		return -1;
	store_bind_int64(q, 1, alert_id);
	store_bind_text(q, 2, person);
	store_bind_int64(q, 3, now);
	if (store_step_done(s, q, cause) != 0)
		return -1;
	return n;
}

static int
store_outbox_later_rows(struct store *s, struct sq *q,
    struct store_outbox_later **out, size_t *n)
{
	struct store_outbox_later *v;
	int rc;

	*out = NULL;
	*n = 0;
	while ((rc = store_step(q)) == STORE_ROW) {
		*out = xreallocarray(*out, *n + 1, sizeof **out);
		v = &(*out)[(*n)++];
		v->id = store_column_int64(q, 0);
		v->created_ms = store_column_int64(q, 1);
		v->later = store_column_strdup(q, 2);
	}
	store_reset(q);
	if (rc != STORE_DONE) {
		log_warnx("store: outbox: %s", store_errmsg(s));
		store_outbox_later_free(*out, *n);
		*out = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

/*
 * The rows whose page has later rules due at now (later_ms <= now),
 * oldest first, at most max: one index lookup.
 */
int
store_outbox_later_due(struct store *s, int64_t now, size_t max,
    struct store_outbox_later **out, size_t *n)
{
	struct sq *q = store_stmt(s, store_outbox_later_due_sql);

	*out = NULL;
	*n = 0;
	if (q == NULL)
		return -1;
	store_bind_int64(q, 1, now);
	store_bind_int64(q, 2, (int64_t)max);
	return store_outbox_later_rows(s, q, out, n);
}

/* The rows of one alert and person that carry later rules. */
int
store_outbox_later_of(struct store *s, int64_t alert_id, const char *person,
    struct store_outbox_later **out, size_t *n)
{
	struct sq *q = store_stmt(s, store_outbox_later_of_sql);

	*out = NULL;
	*n = 0;
	if (q == NULL)
		return -1;
	store_bind_alert(q, 1, alert_id);
	store_bind_text(q, 2, person);
	return store_outbox_later_rows(s, q, out, n);
}

/* When the first later rule falls due: 0 if none, -1 on error. */
int64_t
store_outbox_later_next(struct store *s)
{
	struct sq *q = store_stmt(s, store_outbox_later_next_sql);

	if (q == NULL)
		return -1;
	return store_step_int64(q, 0);
}

/* Row id's later rules are now later (NULL: none left), due at at. */
int
store_outbox_later_set(struct store *s, int64_t id, const char *later,
    int64_t at, char **cause)
{
	struct sq *q;

	if ((q = store_stmt_cause(s, store_outbox_later_set_sql,
	    "updating later rules", cause)) == NULL)
		return -1;
	store_bind_int64(q, 1, id);
	store_bind_text(q, 2, later);
	if (later != NULL)
		store_bind_int64(q, 3, at);
	else
		store_bind_null(q, 3);
	return store_step_done(s, q, cause);
}

void
store_outbox_later_free(struct store_outbox_later *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].later);
	free(v);
}

/*
 * A later rule of row id's page fell due: its row, pending at due_ms,
 * step step to channel and address, telling what row id tells.
 */
int
store_outbox_spawn(struct store *s, int64_t id, int step, const char *channel,
    const char *address, int64_t due_ms, int64_t now, char **cause)
{
	struct sq *q;

	if ((q = store_stmt_cause(s, store_outbox_spawn_sql,
	    "adding a notification", cause)) == NULL)
		return -1;
	store_bind_int64(q, 1, id);
	store_bind_int(q, 2, step);
	store_bind_text(q, 3, channel);
	store_bind_text(q, 4, address);
	store_bind_int64(q, 5, due_ms);
	store_bind_int64(q, 6, now);
	return store_step_done(s, q, cause);
}

/*
 * Bring the next pending step of n's person (for n's alert, after n's
 * step) forward to now.  Returns its row id, and where it goes in h
 * (free with store_outbox_head_clear); 0 if there is none, -1 on error.
 */
int64_t
store_outbox_failover(struct store *s, const struct store_note *n,
    int64_t now, struct store_outbox_head *h)
{
	struct sq *q = store_stmt(s, store_outbox_failover_sql);
	int64_t id = 0;
	int rc;

	memset(h, 0, sizeof *h);
	if (q == NULL)
		return -1;
	store_bind_alert(q, 1, n->alert_id);
	store_bind_text(q, 2, n->person);
	store_bind_int(q, 3, n->step);
	store_bind_int64(q, 4, now);
	while ((rc = store_step(q)) == STORE_ROW) {
		store_outbox_head_clear(h);
		id = store_column_int64(q, 0);
		h->channel = store_column_strdup(q, 1);
		h->address = store_column_strdup(q, 2);
		h->due_ms = store_column_int64(q, 3);
	}
	store_reset(q);
	if (rc != STORE_DONE) {
		store_outbox_head_clear(h);
		return -1;
	}
	return id;
}

/* How many rows of the person for this alert may still reach them. */
int64_t
store_outbox_live(struct store *s, int64_t alert_id, const char *person)
{
	struct sq *q = store_stmt(s, store_outbox_live_sql);

	if (q == NULL)
		return -1;
	store_bind_alert(q, 1, alert_id);
	store_bind_text(q, 2, person);
	return store_step_int64(q, -1);
}

/* At start: sends cut short by a stop or crash go out again. */
int
store_outbox_resume(struct store *s, int64_t now, char **cause)
{
	struct sq *q;

	if ((q = store_stmt_cause(s, store_outbox_resume_sql,
	    "resuming notifications", cause)) == NULL)
		return -1;
	if (store_step_done(s, q, cause) != 0)
		return -1;
	if ((q = store_stmt_cause(s, store_outbox_resume_rows_sql,
	    "resuming notifications", cause)) == NULL)
		return -1;
	store_bind_int64(q, 1, now);
	return store_step_done(s, q, cause);
}

/*
 * Each distinct (channel, address, sent_ms) after since, oldest first:
 * one per message that went out (its first row carries sent_ms), or per
 * row moved to "sent" alone (store_outbox_set).
 */
int
store_outbox_recent(struct store *s, int64_t since,
    void (*cb)(const char *, const char *, int64_t, void *), void *arg)
{
	struct sq *q = store_stmt(s, store_outbox_recent_sql);
	int rc;

	if (q == NULL)
		return -1;
	store_bind_int64(q, 1, since);
	while ((rc = store_step(q)) == STORE_ROW)
		cb(store_column_text(q, 0),
		    store_column_text(q, 1),
		    store_column_int64(q, 2), arg);
	store_reset(q);
	return rc == STORE_DONE ? 0 : -1;
}

void
store_notes_free(struct store_note *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(list[i].person);
		free(list[i].channel);
		free(list[i].address);
		free(list[i].reason);
		free(list[i].ack_url);
		free(list[i].provider_id);
		free(list[i].service);
		free(list[i].summary);
		free(list[i].last_error);
		free(list[i].body);
		free(list[i].links);
		free(list[i].client);
		free(list[i].client_url);
		free(list[i].external_url);
	}
	free(list);
}
