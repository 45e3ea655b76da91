/* SPDX-License-Identifier: ISC */
/*
 * store-handoff.c: who was on call for each rota when pagerd last
 * looked (migration 16), so that a shift change while pagerd was
 * stopped still hands off (with its note) at the next start, and a
 * restart with nobody changed hands off nothing.  People are kept as
 * one text of sorted ids, one per line.
 */
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store-private.h"
#include "xmalloc.h"

/*
 * Who was on call for rota, into *people (caller frees; "" for nobody)
 * and when that was seen: 1 if known, 0 if never recorded, -1 if the
 * store failed.
 */
int
store_oncall_seen(struct store *s, const char *rota, char **people,
    int64_t *at_ms)
{
	struct sq *st;
	int rc;

	*people = NULL;
	if ((st = store_stmt(s, "SELECT people, at_ms FROM oncall_seen"
	    " WHERE rota = ?1")) == NULL)
		return -1;
	store_bind_text(st, 1, rota);
	if ((rc = store_step(st)) == STORE_ROW) {
		*people = store_column_strdup(st, 0);
		if (*people == NULL)
			*people = xstrdup("");
		*at_ms = store_column_int64(st, 1);
	}
	store_reset(st);
	if (rc == STORE_ROW)
		return 1;
	return rc == STORE_DONE ? 0 : -1;
}

/* Record who is on call for rota, seen at at_ms. */
int
store_oncall_seen_set(struct store *s, const char *rota, const char *people,
    int64_t at_ms, char **cause)
{
	struct sq *st;

	if ((st = store_stmt(s, "INSERT INTO oncall_seen (rota, people, at_ms)"
	    " VALUES (?1, ?2, ?3) ON CONFLICT (rota) DO UPDATE SET"
	    " people = excluded.people, at_ms = excluded.at_ms")) == NULL) {
		store_cause(s, cause, "oncall_seen");
		return -1;
	}
	store_bind_text(st, 1, rota);
	store_bind_text(st, 2, people);
	store_bind_int64(st, 3, at_ms);
	return store_step_done(s, st, cause);
}
