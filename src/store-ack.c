/* SPDX-License-Identifier: ISC */
/*
 * store-ack.c: the tables behind acknowledgements (migration 5): the
 * nonces of used ack tokens, so a link or keypress acts only once, and
 * the open pages of a person (outbox rows, and the pages table of
 * store-facts.c), for the SMS replies "a" and "aa"; and (migration 10)
 * the provider callbacks already taken, so that a signed SMS or keypress
 * delivered again acts only once.
 */
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store-private.h"
#include "xmalloc.h"

static const char store_ack_used_sql[] =
    "SELECT 1 FROM ack_tokens WHERE nonce = ?1";
static const char store_ack_use_sql[] =
    "INSERT INTO ack_tokens (nonce, alert_id, person, action, used_ms)"
    " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (nonce) DO NOTHING";
/*
 * Open alerts paged to a person (a page through the outbox is its row
 * there, one written as a console line a row of the pages table,
 * store-facts.c), found by the partial index of open alerts (SQLite
 * would rather scan them all, resolved ones included, than use it).
 */
static const char store_ack_pages_sql[] =
    "SELECT a.id FROM alerts a"
    STORE_SQL(" INDEXED BY alerts_open_dedup", "")
    " WHERE a.status != 'resolved' AND (a.status = 'triggered' OR"
    " (?2 = 0 AND a.status = 'acknowledged')) AND (EXISTS (SELECT 1 FROM"
    " notifications n WHERE n.alert_id = a.id AND n.person = ?1"
    " AND n.event IN ('page', 'escalated')) OR EXISTS (SELECT 1 FROM"
    " pages p WHERE p.alert_id = a.id AND p.person = ?1)) ORDER BY a.id";

static const char store_hook_seen_sql[] =
    "SELECT alert_id, actor, seen_ms FROM hook_deliveries"
    " WHERE hook_key = ?1 AND seen_ms >= ?2";
static const char store_hook_prune_sql[] =
    "DELETE FROM hook_deliveries WHERE seen_ms < ?1";
static const char store_hook_add_sql[] =
    "INSERT INTO hook_deliveries (hook_key, alert_id, actor, seen_ms)"
    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (hook_key) DO UPDATE SET"
    " alert_id = excluded.alert_id, actor = excluded.actor,"
    " seen_ms = excluded.seen_ms";

/*
 * Was the provider callback key taken since now - keep_ms?  1 if so,
 * with what it was recorded with in *seen (its actor owned by the
 * caller); 0 if not; -1 if the store failed.
 */
int
store_hook_seen(struct store *s, const char *key, int64_t now,
    int64_t keep_ms, struct store_hook *seen)
{
	struct sq *q = store_stmt(s, store_hook_seen_sql);
	int rc;

	memset(seen, 0, sizeof *seen);
	if (q == NULL)
		return -1;
	store_bind_text(q, 1, key);
	store_bind_int64(q, 2, now - keep_ms);
	if ((rc = store_step(q)) == STORE_ROW) {
		seen->alert_id = store_column_int64(q, 0);
		seen->actor = store_column_strdup(q, 1);
		seen->seen_ms = store_column_int64(q, 2);
	}
	store_reset(q);
	if (rc == STORE_ROW)
		return 1;
	return rc == STORE_DONE ? 0 : -1;
}

/*
 * Record that the provider callback h->key was taken at h->seen_ms, by
 * h->actor, about h->alert_id (0: none), and forget those older than
 * keep_ms: the index on seen_ms makes that a range scan of the few rows
 * due.  0, or -1 with *cause.
 */
int
store_hook_add(struct store *s, const struct store_hook_new *h,
    int64_t keep_ms, char **cause)
{
	struct sq *q;

	if ((q = store_stmt_cause(s, store_hook_prune_sql,
	    "pruning provider callbacks", cause)) == NULL)
		return -1;
	store_bind_int64(q, 1, h->seen_ms - keep_ms);
	if (store_step_done(s, q, cause) != 0)
		return -1;
	if ((q = store_stmt_cause(s, store_hook_add_sql,
	    "recording a provider callback", cause)) == NULL)
		return -1;
	store_bind_text(q, 1, h->key);
	store_bind_alert(q, 2, h->alert_id);
	store_bind_text(q, 3, h->actor);
	store_bind_int64(q, 4, h->seen_ms);
	return store_step_done(s, q, cause);
}

/* 1 if the token nonce was used, 0 if not, -1 if the store failed. */
int
store_ack_used(struct store *s, const char *nonce)
{
	struct sq *q = store_stmt(s, store_ack_used_sql);
	int rc;

	if (q == NULL)
		return -1;
	store_bind_text(q, 1, nonce);
	rc = store_step(q);
	store_reset(q);
	if (rc == STORE_ROW)
		return 1;
	return rc == STORE_DONE ? 0 : -1;
}

/*
 * Record that the token nonce a->nonce was used: 0 if this is its first
 * use, 1 if it was used before, -1 (with *cause) if the store failed.
 */
int
store_ack_use(struct store *s, const struct store_ack_new *a, char **cause)
{
	struct sq *q;

	if ((q = store_stmt_cause(s, store_ack_use_sql,
	    "recording a used ack token", cause)) == NULL)
		return -1;
	store_bind_text(q, 1, a->nonce);
	store_bind_int64(q, 2, a->alert_id);
	store_bind_text(q, 3, a->person);
	store_bind_text(q, 4, a->action);
	store_bind_int64(q, 5, a->used_ms);
	if (store_step_done(s, q, cause) != 0)
		return -1;
	return store_changed(s) == 1 ? 0 : 1;
}

/*
 * The ids of the open alerts paged to person, oldest first, into *ids
 * (caller frees): only the unacknowledged ones if triggered_only, else
 * the acknowledged ones too.  0, or -1 if the store failed.
 */
int
store_ack_pages(struct store *s, const char *person, int triggered_only,
    int64_t **ids, size_t *n)
{
	struct sq *q = store_stmt(s, store_ack_pages_sql);
	int rc;

	*ids = NULL;
	*n = 0;
	if (q == NULL)
		return -1;
	store_bind_text(q, 1, person);
	store_bind_int(q, 2, triggered_only);
	while ((rc = store_step(q)) == STORE_ROW) {
		*ids = xreallocarray(*ids, *n + 1, sizeof **ids);
		(*ids)[(*n)++] = store_column_int64(q, 0);
	}
	store_reset(q);
	if (rc != STORE_DONE) {
		free(*ids);
		*ids = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}
