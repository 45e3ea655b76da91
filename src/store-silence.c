/* SPDX-License-Identifier: ISC */
/*
 * store-silence.c: silences and the alerts they hold (migration 17).
 * A silence's matchers are kept as the JSON text of
 * silence_matchers_json() and read back with silence_matchers_load();
 * whether an alert is held, and whether it was paged when its silence
 * ended, are typed columns (alert_silences), read at start so the
 * engine knows which open alerts not to start.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "silence.h"
#include "store.h"
#include "store-private.h"
#include "xmalloc.h"

#define STORE_SILENCE_COLUMNS \
	"id, matchers, starts_ms, ends_ms, created_ms, expired_ms, comment," \
	" creator, page_on_expiry, \"window\""

/* Store a new silence s (inside the caller's transaction); sets s->id. */
int
store_silence_add(struct store *s, struct silence *si, char **cause)
{
	struct sq *q;
	json_t *m;
	char *text;
	int64_t id;

	if ((q = store_stmt(s, "INSERT INTO silences (matchers, starts_ms,"
	    " ends_ms, created_ms, comment, creator, page_on_expiry,"
	    " \"window\") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
	    STORE_SQL("", " RETURNING id"))) == NULL) {
		store_cause(s, cause, "adding a silence");
		return -1;
	}
	m = silence_matchers_json(si);
	text = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(m);
	store_bind_text(q, 1, text);
	store_bind_int64(q, 2, si->starts_ms);
	store_bind_int64(q, 3, si->ends_ms);
	store_bind_int64(q, 4, si->created_ms);
	store_bind_text(q, 5, si->comment);
	store_bind_text(q, 6, si->creator);
	store_bind_int(q, 7, si->page_on_expiry);
	store_bind_text(q, 8, si->window);
	id = store_step_id(s, q, "adding a silence", cause);
	free(text);
	if (id <= 0)
		return -1;
	si->id = id;
	return 0;
}

/*
 * Expire silence id early at now.  1 if it was in force or pending
 * and is now expired, 0 if it had already ended, -1 if the store failed.
 */
int
store_silence_expire(struct store *s, int64_t id, int64_t now, char **cause)
{
	struct sq *q;

	if ((q = store_stmt(s, "UPDATE silences SET expired_ms = ?2"
	    " WHERE id = ?1 AND expired_ms IS NULL AND ends_ms > ?2")) ==
	    NULL) {
		store_cause(s, cause, "expiring a silence");
		return -1;
	}
	store_bind_int64(q, 1, id);
	store_bind_int64(q, 2, now);
	if (store_step_done(s, q, cause) != 0)
		return -1;
	return store_changed(s) == 1;
}

static int
store_silence_row(struct sq *q, struct silence *si)
{
	char *cause = NULL;
	int rc;

	memset(si, 0, sizeof *si);
	si->id = store_column_int64(q, 0);
	rc = silence_matchers_load(si, store_column_text(q,
	    1) != NULL ? store_column_text(q, 1) : "", &cause);
	if (rc != 0) {
		log_warnx("store: silence %lld: %s", (long long)si->id, cause);
		free(cause);
		silence_clear(si);
		return -1;
	}
	si->starts_ms = store_column_int64(q, 2);
	si->ends_ms = store_column_int64(q, 3);
	si->created_ms = store_column_int64(q, 4);
	si->expired_ms = store_column_int64(q, 5);
	si->comment = store_column_strdup(q, 6);
	si->creator = store_column_strdup(q, 7);
	si->page_on_expiry = store_column_int(q, 8);
	si->window = store_column_strdup(q, 9);
	return 0;
}

/*
 * The silences that end (or were expired) at or after since_ms, oldest
 * first, into a new array *out of *n (silence_clear each, free the
 * array).  0, or -1 if the store failed.
 */
int
store_silences(struct store *s, int64_t since_ms, struct silence **out,
    size_t *n)
{
	struct sq *q;
	struct silence si;
	int rc;

	*out = NULL;
	*n = 0;
	if ((q = store_stmt(s, "SELECT " STORE_SILENCE_COLUMNS
	    " FROM silences WHERE ends_ms >= ?1"
	    " AND coalesce(expired_ms, ends_ms) >= ?1 ORDER BY id")) == NULL)
		return -1;
	store_bind_int64(q, 1, since_ms);
	while ((rc = store_step(q)) == STORE_ROW) {
		if (store_silence_row(q, &si) != 0)
			continue;
		*out = xreallocarray(*out, *n + 1, sizeof **out);
		(*out)[(*n)++] = si;
	}
	store_reset(q);
	if (rc != STORE_DONE) {
		log_warnx("store: silences: %s", store_errmsg(s));
		while (*n > 0)
			silence_clear(&(*out)[--*n]);
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* Silence id into *si: 1, 0 if there is none, -1 if the store failed. */
int
store_silence_get(struct store *s, int64_t id, struct silence *si)
{
	struct sq *q;
	int rc;

	if ((q = store_stmt(s, "SELECT " STORE_SILENCE_COLUMNS
	    " FROM silences WHERE id = ?1")) == NULL)
		return -1;
	store_bind_int64(q, 1, id);
	rc = store_step(q);
	if (rc == STORE_ROW)
		rc = store_silence_row(q, si) == 0 ? 1 : -1;
	else
		rc = rc == STORE_DONE ? 0 : -1;
	store_reset(q);
	return rc;
}

/* Alert alert_id is held by silence silence_id from now (in a txn). */
int
store_silence_hold(struct store *s, int64_t alert_id, int64_t silence_id,
    int64_t now, char **cause)
{
	struct sq *q;

	if ((q = store_stmt(s, "INSERT INTO alert_silences (alert_id,"
	    " silence_id, held_ms) VALUES (?1, ?2, ?3)")) == NULL) {
		store_cause(s, cause, "holding an alert");
		return -1;
	}
	store_bind_int64(q, 1, alert_id);
	store_bind_int64(q, 2, silence_id);
	store_bind_int64(q, 3, now);
	return store_step_done(s, q, cause);
}

/* Alert alert_id's silence ended at now; paged: its escalation began. */
int
store_silence_release(struct store *s, int64_t alert_id, int64_t now,
    int paged, char **cause)
{
	struct sq *q;

	if ((q = store_stmt(s, "UPDATE alert_silences SET released_ms = ?2,"
	    " paged = ?3 WHERE alert_id = ?1 AND released_ms IS NULL")) ==
	    NULL) {
		store_cause(s, cause, "releasing an alert");
		return -1;
	}
	store_bind_int64(q, 1, alert_id);
	store_bind_int64(q, 2, now);
	store_bind_int(q, 3, paged);
	return store_step_done(s, q, cause);
}

static int
store_silence_ids(struct store *s, const char *sql, int64_t arg,
    int64_t **out, size_t *n)
{
	struct sq *q;
	int rc;

	*out = NULL;
	*n = 0;
	if ((q = store_stmt(s, sql)) == NULL)
		return -1;
	if (arg != 0)
		store_bind_int64(q, 1, arg);
	while ((rc = store_step(q)) == STORE_ROW) {
		*out = xreallocarray(*out, *n + 1, sizeof **out);
		(*out)[(*n)++] = store_column_int64(q, 0);
	}
	store_reset(q);
	if (rc != STORE_DONE) {
		log_warnx("store: held alerts: %s", store_errmsg(s));
		free(*out);
		*out = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

/*
 * The open alerts silence id still holds, by id, into a new array *out
 * of *n (caller frees).  0, or -1 if the store failed.
 */
int
store_silence_held(struct store *s, int64_t id, int64_t **out, size_t *n)
{
	return store_silence_ids(s, "SELECT h.alert_id FROM alert_silences h"
	    " JOIN alerts a ON a.id = h.alert_id WHERE h.silence_id = ?1"
	    " AND h.released_ms IS NULL AND a.status != 'resolved'"
	    " ORDER BY h.alert_id", id, out, n);
}

/*
 * The open alerts that a silence held and that were not paged when it
 * ended (held still, or released quietly), by id: the engine must not
 * start them.  Same as store_silence_held().
 */
int
store_silence_quiet(struct store *s, int64_t **out, size_t *n)
{
	return store_silence_ids(s, "SELECT h.alert_id FROM alert_silences h"
	    " JOIN alerts a ON a.id = h.alert_id WHERE h.paged = 0"
	    " AND a.status != 'resolved' ORDER BY h.alert_id", 0, out, n);
}

/*
 * Which silence held alert id: its id, 0 if none, -1 on failure; with
 * whether it let the alert go, and whether the alert was then paged.
 */
int64_t
store_silence_of(struct store *s, int64_t alert_id, int *released,
    int *paged)
{
	struct sq *q;
	int64_t id = 0;
	int rc;

	*released = *paged = 0;
	if ((q = store_stmt(s, "SELECT silence_id, released_ms IS NOT NULL,"
	    " paged FROM alert_silences WHERE alert_id = ?1")) == NULL)
		return -1;
	store_bind_int64(q, 1, alert_id);
	if ((rc = store_step(q)) == STORE_ROW) {
		id = store_column_int64(q, 0);
		*released = store_column_int(q, 1);
		*paged = store_column_int(q, 2);
	} else if (rc != STORE_DONE)
		id = -1;
	store_reset(q);
	return id;
}

/* Alert alert_id, still held, is now held by silence silence_id. */
int
store_silence_move(struct store *s, int64_t alert_id, int64_t silence_id,
    char **cause)
{
	struct sq *q;

	if ((q = store_stmt(s, "UPDATE alert_silences SET silence_id = ?2"
	    " WHERE alert_id = ?1 AND released_ms IS NULL")) == NULL) {
		store_cause(s, cause, "moving a held alert");
		return -1;
	}
	store_bind_int64(q, 1, alert_id);
	store_bind_int64(q, 2, silence_id);
	return store_step_done(s, q, cause);
}

/*
 * Is there a silence of maintenance window name starting at starts_ms?
 * 1, 0, or -1 if the store failed.
 */
int
store_silence_window(struct store *s, const char *name, int64_t starts_ms)
{
	struct sq *q;
	int rc;

	if ((q = store_stmt(s, "SELECT 1 FROM silences WHERE \"window\" = ?1"
	    " AND starts_ms = ?2")) == NULL)
		return -1;
	store_bind_text(q, 1, name);
	store_bind_int64(q, 2, starts_ms);
	rc = store_step(q);
	store_reset(q);
	return rc == STORE_ROW ? 1 : rc == STORE_DONE ? 0 : -1;
}
