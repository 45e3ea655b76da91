/* SPDX-License-Identifier: ISC */
/*
 * store-facts.c: facts about alerts kept in typed tables beside the
 * audit log (migration 13), so that nothing reads the audit's JSON to
 * find them: who each alert paged (pages), and the notes taken on it
 * (alert_notes).  The engine writes both in the transaction that writes
 * the matching audit event; a page that goes through the outbox is
 * recorded by its outbox row (store-outbox.c), not a pages row.
 */
#include <stdlib.h>

#include "log.h"
#include "store.h"
#include "store-private.h"
#include "xmalloc.h"

/* The first page of an alert to a recipient counts; repeats add nothing. */
static const char store_page_add_sql[] =
    "INSERT INTO pages (alert_id, person, at_ms) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (alert_id, person) DO NOTHING";
/*
 * A page that went through the outbox is its row there (the engine
 * writes no pages row then: one INSERT an alert less in a storm); one
 * written as a console line, a pages row.  Both are read, so that who
 * was paged is known whether or not channels were configured then.
 */
static const char store_page_people_sql[] =
    "SELECT person FROM (SELECT person, at_ms FROM pages WHERE alert_id = ?1"
    " UNION ALL SELECT person, created_ms FROM notifications"
    " WHERE alert_id = ?1 AND event IN ('page', 'escalated')) AS p"
    " GROUP BY person ORDER BY min(at_ms), person";
static const char store_note_add_sql[] =
    "INSERT INTO alert_notes (alert_id, at_ms, actor, text)"
    " VALUES (?1, ?2, ?3, ?4)";
static const char store_note_last_sql[] =
    "SELECT text FROM alert_notes WHERE alert_id = ?1"
    " ORDER BY id DESC LIMIT 1";

/*
 * Record, inside the caller's transaction, that alert id paged person
 * (a person id, or "chat:NAME") at at_ms; a later page of the same
 * alert to the same recipient changes nothing.  0, or -1 with *cause.
 */
int
store_page_add(struct store *s, int64_t id, const char *person,
    int64_t at_ms, char **cause)
{
	struct sq *q;

	if ((q = store_stmt_cause(s, store_page_add_sql, "recording a page",
	    cause)) == NULL)
		return -1;
	store_bind_int64(q, 1, id);
	store_bind_text_static(q, 2, person);
	store_bind_int64(q, 3, at_ms);
	return store_step_done(s, q, cause);
}

/*
 * Everyone alert id paged, once each, in the order first paged (those
 * paged at the same instant by name), as new strings in a new array
 * *out of *n (caller frees both).  0, or -1 if the store failed.
 */
int
store_page_people(struct store *s, int64_t id, char ***out, size_t *n)
{
	return store_strings(s, store_page_people_sql, id, "pages", out, n);
}

/*
 * Record, inside the caller's transaction, a note on alert id taken by
 * actor at at_ms.  0, or -1 with *cause.
 */
int
store_alert_note_add(struct store *s, const struct store_alert_note *n,
    char **cause)
{
	struct sq *q;

	if ((q = store_stmt_cause(s, store_note_add_sql, "recording a note",
	    cause)) == NULL)
		return -1;
	store_bind_int64(q, 1, n->alert_id);
	store_bind_int64(q, 2, n->at_ms);
	store_bind_text_static(q, 3, n->actor);
	store_bind_text_static(q, 4, n->text);
	return store_step_done(s, q, cause);
}

/*
 * The text of the last note taken on alert id, as a new string (caller
 * frees); NULL if it has none or the store failed.
 */
char *
store_alert_note_last(struct store *s, int64_t id)
{
	struct sq *q = store_stmt(s, store_note_last_sql);
	char *text = NULL;
	int rc;

	if (q == NULL)
		return NULL;
	store_bind_int64(q, 1, id);
	if ((rc = store_step(q)) == STORE_ROW)
		text = store_column_strdup(q, 0);
	else if (rc != STORE_DONE)
		log_warnx("store: notes: %s", store_errmsg(s));
	store_reset(q);
	return text;
}
