/* SPDX-License-Identifier: ISC */
/* store-heartbeat.c: the last ping of each heartbeat monitor. */
#include "store.h"
#include "store-private.h"

static const char store_hb_get_sql[] =
    "SELECT last_ping_ms FROM heartbeats WHERE name = ?1";
static const char store_hb_set_sql[] =
    "INSERT INTO heartbeats (name, last_ping_ms) VALUES (?1, ?2)"
    " ON CONFLICT (name) DO UPDATE SET last_ping_ms = ?2";

/* The last ping of name; 0 if it never pinged. */
int64_t
store_heartbeat_get(struct store *s, const char *name)
{
	struct sq *st = store_stmt(s, store_hb_get_sql);

	if (st == NULL)
		return 0;
	store_bind_text(st, 1, name);
	return store_step_int64(st, 0);
}

/* Record a ping of name at t (committed at once, outside a batch). */
int
store_heartbeat_ping(struct store *s, const char *name, int64_t t,
    char **cause)
{
	struct sq *st;

	if ((st = store_stmt_cause(s, store_hb_set_sql, "recording a heartbeat",
	    cause)) == NULL)
		return -1;
	store_bind_text(st, 1, name);
	store_bind_int64(st, 2, t);
	return store_step_done(s, st, cause);
}
