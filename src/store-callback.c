/* SPDX-License-Identifier: ISC */
/*
 * store-callback.c: the callbacks table (migration 18), the queue of an
 * alert's state changes to post back to the integration it came from
 * (callback.c sends them).
 *
 * A row is written by store_event_add() itself, for an audit event of a
 * kind worth telling (ack, resolve, note, stage, breach, snooze,
 * retrigger) about an alert whose integration has a callback: so it is
 * in the transaction of the
 * change, and goes if the change rolls back.  Rows of one alert are
 * sent in id order, the next only once the one before was delivered.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store-private.h"
#include "xmalloc.h"

/* The audit kinds that are posted back. */
static const char *const store_cb_kinds[] = {
	"ack", "resolve", "note", "stage", "breach", "snooze", "retrigger",
};

static const char store_cb_integration_sql[] =
    "SELECT integration FROM alerts WHERE id = ?1";
static const char store_cb_add_sql[] =
    "INSERT INTO callbacks (alert_id, event_id, integration, due_ms,"
    " created_ms, updated_ms) VALUES (?1, ?2, ?3, ?4, ?4, ?4)";
/* The first pending row of each alert: the one that may go next. */
static const char store_cb_heads_sql[] =
    "SELECT c.id, c.alert_id, c.event_id, c.integration, c.attempts,"
    " c.due_ms, c.body, c.created_ms FROM callbacks c"
    " WHERE c.state = 'pending'"
    " AND c.id = (SELECT min(d.id) FROM callbacks d"
    "   WHERE d.alert_id = c.alert_id AND d.state = 'pending')"
    " ORDER BY c.due_ms, c.id LIMIT ?1";
static const char store_cb_event_sql[] =
    "SELECT id, alert_id, at_ms, actor, kind, detail FROM events"
    " WHERE id = ?1";
static const char store_cb_body_sql[] =
    "UPDATE callbacks SET body = ?2 WHERE id = ?1 AND body IS NULL";
static const char store_cb_done_sql[] =
    "UPDATE callbacks SET state = ?2, attempts = attempts + 1,"
    " updated_ms = ?3, last_error = ?4 WHERE id = ?1";
static const char store_cb_retry_sql[] =
    "UPDATE callbacks SET attempts = ?2, due_ms = ?3, updated_ms = ?4,"
    " last_error = ?5 WHERE id = ?1 AND state = 'pending'";
static const char store_cb_pending_sql[] =
    "SELECT count(*) FROM callbacks WHERE state = 'pending'";

/*
 * The integrations that have a callback (names copied), and what to call
 * once a row was added (on the loop, after the transaction, is the
 * caller's business: kick must not touch the store).
 */
void
store_callback_configure(struct store *s, const char *const *names,
    size_t n, store_callback_kick_cb kick, void *arg)
{
	size_t i;

	for (i = 0; i < s->ncb_integrations; i++)
		free(s->cb_integrations[i]);
	free(s->cb_integrations);
	s->cb_integrations = n > 0 ? xcalloc(n, sizeof *s->cb_integrations) :
	    NULL;
	for (i = 0; i < n; i++)
		s->cb_integrations[i] = xstrdup(names[i]);
	s->ncb_integrations = n;
	s->cb_kick = kick;
	s->cb_kick_arg = arg;
}

/* Whether an audit event of kind is posted back. */
int
store_callback_kind(const char *kind)
{
	size_t i;

	for (i = 0; i < nitems(store_cb_kinds); i++)
		if (strcmp(kind, store_cb_kinds[i]) == 0)
			return 1;
	return 0;
}

/*
 * Called by store_event_add() for event event_id (ev) just written: if
 * its alert's integration has a callback, queue a row for it, in the
 * same transaction.
 */
int
store_callback_enqueue(struct store *s, const struct store_event_new *ev,
    int64_t event_id, char **cause)
{
	struct sq *st;
	const char *integration;
	size_t i, found = SIZE_MAX;
	int rc;

	if (s->ncb_integrations == 0 || ev->alert_id <= 0 ||
	    !store_callback_kind(ev->kind))
		return 0;
	if ((st = store_stmt_cause(s, store_cb_integration_sql,
	    "callback integration", cause)) == NULL)
		return -1;
	store_bind_int64(st, 1, ev->alert_id);
	if ((rc = store_step(st)) == STORE_ROW &&
	    (integration = store_column_text(st, 0)) != NULL) {
		for (i = 0; i < s->ncb_integrations; i++)
			if (strcmp(s->cb_integrations[i], integration) == 0)
				found = i;
	}
	store_reset(st);
	if (rc != STORE_ROW && rc != STORE_DONE) {
		store_cause(s, cause, "callback integration");
		return -1;
	}
	if (found == SIZE_MAX)
		return 0;
	if ((st = store_stmt_cause(s, store_cb_add_sql, "queueing a callback",
	    cause)) == NULL)
		return -1;
	store_bind_int64(st, 1, ev->alert_id);
	store_bind_int64(st, 2, event_id);
	store_bind_text_static(st, 3, s->cb_integrations[found]);
	store_bind_int64(st, 4, ev->at_ms);
	if (store_step_done(s, st, cause) != 0)
		return -1;
	if (s->cb_kick != NULL)
		s->cb_kick(s->cb_kick_arg);
	return 0;
}

/* The row st is on into *arg, a struct store_callback (owned strings). */
static void
store_callback_row(struct sq *st, void *arg)
{
	struct store_callback *c = arg;

	c->id = store_column_int64(st, 0);
	c->alert_id = store_column_int64(st, 1);
	c->event_id = store_column_int64(st, 2);
	c->integration = store_column_strdup(st, 3);
	c->attempts = store_column_int(st, 4);
	c->due_ms = store_column_int64(st, 5);
	c->body = store_column_strdup(st, 6);
	c->created_ms = store_column_int64(st, 7);
}

static void
store_callback_clear(void *arg)
{
	struct store_callback *c = arg;

	free(c->integration);
	free(c->body);
}

/*
 * The rows that may be sent next, one per alert (its first pending
 * row), soonest due first, at most limit: *out (free with
 * store_callbacks_free) and *n.  0, or -1 if the store failed.
 */
int
store_callback_heads(struct store *s, size_t limit,
    struct store_callback **out, size_t *n)
{
	struct sq *st = store_stmt(s, store_cb_heads_sql);
	void *v;
	int rc;

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	store_bind_int64(st, 1, (int64_t)limit);
	rc = store_read_rows(st, sizeof **out, store_callback_row,
	    store_callback_clear, &v, n);
	*out = v;
	return rc;
}

void
store_callbacks_free(struct store_callback *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		store_callback_clear(&v[i]);
	free(v);
}

/* Audit event id into *ev (owned strings): 0, or -1 if it is not there. */
int
store_callback_event(struct store *s, int64_t id, struct store_event *ev)
{
	struct sq *st = store_stmt(s, store_cb_event_sql);
	int rc;

	memset(ev, 0, sizeof *ev);
	if (st == NULL || store_events_flush(s, NULL) != 0)
		return -1;
	store_bind_int64(st, 1, id);
	if ((rc = store_step(st)) == STORE_ROW) {
		ev->id = store_column_int64(st, 0);
		ev->alert_id = store_column_int64(st, 1);
		ev->at_ms = store_column_int64(st, 2);
		ev->actor = store_column_strdup(st, 3);
		ev->kind = store_column_strdup(st, 4);
		ev->detail = store_column_strdup(st, 5);
	}
	store_reset(st);
	return rc == STORE_ROW ? 0 : -1;
}

/* Keep the body built for row id, so every attempt posts the same. */
int
store_callback_set_body(struct store *s, int64_t id, const char *body,
    char **cause)
{
	struct sq *st;

	if ((st = store_stmt_cause(s, store_cb_body_sql, "callback body",
	    cause)) == NULL)
		return -1;
	store_bind_int64(st, 1, id);
	store_bind_text(st, 2, body);
	return store_step_done(s, st, cause);
}

/*
 * Row id is over: state "delivered" or "dropped" (error: why, or NULL),
 * at now.
 */
int
store_callback_done(struct store *s, int64_t id, const char *state,
    int64_t now, const char *error, char **cause)
{
	struct sq *st;

	if ((st = store_stmt_cause(s, store_cb_done_sql, "callback done",
	    cause)) == NULL)
		return -1;
	store_bind_int64(st, 1, id);
	store_bind_text(st, 2, state);
	store_bind_int64(st, 3, now);
	store_bind_text(st, 4, error);
	return store_step_done(s, st, cause);
}

/* Row id failed its attempts-th attempt; the next is due at due. */
int
store_callback_retry(struct store *s, int64_t id, int attempts, int64_t due,
    const char *error, int64_t now, char **cause)
{
	struct sq *st;

	if ((st = store_stmt_cause(s, store_cb_retry_sql, "callback retry",
	    cause)) == NULL)
		return -1;
	store_bind_int64(st, 1, id);
	store_bind_int(st, 2, attempts);
	store_bind_int64(st, 3, due);
	store_bind_int64(st, 4, now);
	store_bind_text(st, 5, error);
	return store_step_done(s, st, cause);
}

/* How many rows wait to be delivered; -1 if the store failed. */
int64_t
store_callback_pending(struct store *s)
{
	struct sq *st = store_stmt(s, store_cb_pending_sql);

	return st != NULL ? store_step_int64(st, -1) : -1;
}
