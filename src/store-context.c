/* SPDX-License-Identifier: ISC */
/*
 * store-context.c: what PagerDuty Events v2 senders attach for the
 * responder (migration 15): the images, client and client_url of an
 * alert (alert_context, one row per alert that had any), with the
 * external_url (a ticket's link) of a mapped intake (migration 17); and
 * change
 * events (changes), kept per service so that an alert shows what
 * changed on its service shortly before it.  Changes are kept 90 days,
 * as PagerDuty keeps them; each insert prunes what is older.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store.h"
#include "store-private.h"
#include "xmalloc.h"

#define STORE_CHANGES_KEEP_MS (90 * 86400 * (int64_t)1000)

static const char store_context_add_sql[] =
    "INSERT INTO alert_context (alert_id, images, client, client_url,"
    " external_url) VALUES (?1, ?2, ?3, ?4, ?5)"
    " ON CONFLICT (alert_id) DO NOTHING";
static const char store_context_get_sql[] =
    "SELECT images, client, client_url, external_url FROM alert_context"
    " WHERE alert_id = ?1";
static const char store_change_add_sql[] =
    "INSERT INTO changes (service, at_ms, received_ms, summary, source,"
    " details, links, integration) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
static const char store_change_prune_sql[] =
    "DELETE FROM changes WHERE received_ms < ?1";
static const char store_changes_sql[] =
    "SELECT id, service, at_ms, received_ms, summary, source, details,"
    " links, integration FROM changes"
    " WHERE service = ?1 AND at_ms >= ?2 AND at_ms <= ?3"
    " ORDER BY at_ms DESC, id DESC LIMIT ?4";

/*
 * Record, inside the caller's transaction, the images, client,
 * client_url and external_url of new alert id (nothing if it has
 * none).  The first trigger's context stays: a duplicate adds nothing.
 * 0, or -1.
 */
int
store_alert_context_add(struct store *s, int64_t id,
    const struct alert_new *an, char **cause)
{
	struct sq *q;

	if (an->images == NULL && an->client == NULL &&
	    an->client_url == NULL && an->external_url == NULL)
		return 0;
	if ((q = store_stmt(s, store_context_add_sql)) == NULL) {
		store_cause(s, cause, "recording an alert's context");
		return -1;
	}
	store_bind_int64(q, 1, id);
	store_bind_text_static(q, 2, an->images);
	store_bind_text_static(q, 3, an->client);
	store_bind_text_static(q, 4, an->client_url);
	store_bind_text_static(q, 5, an->external_url);
	return store_step_done(s, q, cause);
}

/*
 * The context of alert id into *c (owned strings, NULL where none; all
 * NULL if the alert has none).  0, or -1 if the store failed.
 */
int
store_alert_context_get(struct store *s, int64_t id,
    struct store_alert_context *c)
{
	struct sq *q = store_stmt(s, store_context_get_sql);
	int rc;

	memset(c, 0, sizeof *c);
	if (q == NULL)
		return -1;
	store_bind_int64(q, 1, id);
	if ((rc = store_step(q)) == STORE_ROW) {
		c->images = store_column_strdup(q, 0);
		c->client = store_column_strdup(q, 1);
		c->client_url = store_column_strdup(q, 2);
		c->external_url = store_column_strdup(q, 3);
	}
	store_reset(q);
	if (rc != STORE_ROW && rc != STORE_DONE) {
		log_warnx("store: alert context: %s", store_errmsg(s));
		return -1;
	}
	return 0;
}

void
store_alert_context_clear(struct store_alert_context *c)
{
	free(c->images);
	free(c->client);
	free(c->client_url);
	free(c->external_url);
	memset(c, 0, sizeof *c);
}

/*
 * Record a change event inside the caller's transaction, received at
 * now (at_ms 0: it happened then), and prune changes received more than
 * 90 days ago.  0, or -1 with *cause.
 */
int
store_change_add(struct store *s, const struct store_change *c, int64_t now,
    char **cause)
{
	struct sq *q = store_stmt(s, store_change_add_sql);

	if (q == NULL) {
		store_cause(s, cause, "recording a change");
		return -1;
	}
	store_bind_text_static(q, 1, c->service);
	store_bind_int64(q, 2, c->at_ms != 0 ? c->at_ms : now);
	store_bind_int64(q, 3, now);
	store_bind_text_static(q, 4, c->summary);
	store_bind_text_static(q, 5, c->source);
	store_bind_text_static(q, 6, c->details);
	store_bind_text_static(q, 7, c->links);
	store_bind_text_static(q, 8, c->integration);
	if (store_step_done(s, q, cause) != 0)
		return -1;
	if ((q = store_stmt(s, store_change_prune_sql)) == NULL) {
		store_cause(s, cause, "pruning changes");
		return -1;
	}
	store_bind_int64(q, 1, now - STORE_CHANGES_KEEP_MS);
	return store_step_done(s, q, cause);
}

/*
 * The changes of service that happened in [from_ms, to_ms], newest
 * first, at most max, into a new array *out of *n (free with
 * store_changes_free).  0, or -1 if the store failed.
 */
int
store_changes(struct store *s, const char *service, int64_t from_ms,
    int64_t to_ms, int max, struct store_change **out, size_t *n)
{
	struct sq *q = store_stmt(s, store_changes_sql);
	struct store_change *c;
	int rc;

	*out = NULL;
	*n = 0;
	if (q == NULL)
		return -1;
	store_bind_text(q, 1, service);
	store_bind_int64(q, 2, from_ms);
	store_bind_int64(q, 3, to_ms);
	store_bind_int(q, 4, max);
	while ((rc = store_step(q)) == STORE_ROW) {
		*out = xreallocarray(*out, *n + 1, sizeof **out);
		c = &(*out)[(*n)++];
		c->id = store_column_int64(q, 0);
		c->service = store_column_strdup(q, 1);
		c->at_ms = store_column_int64(q, 2);
		c->received_ms = store_column_int64(q, 3);
		c->summary = store_column_strdup(q, 4);
		c->source = store_column_strdup(q, 5);
		c->details = store_column_strdup(q, 6);
		c->links = store_column_strdup(q, 7);
		c->integration = store_column_strdup(q, 8);
	}
	store_reset(q);
	store_clear(q);
	if (rc != STORE_DONE) {
		log_warnx("store: changes: %s", store_errmsg(s));
		store_changes_free(*out, *n);
		*out = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

void
store_changes_free(struct store_change *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(list[i].service);
		free(list[i].summary);
		free(list[i].source);
		free(list[i].details);
		free(list[i].links);
		free(list[i].integration);
	}
	free(list);
}
