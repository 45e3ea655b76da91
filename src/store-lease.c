/* SPDX-License-Identifier: ISC */
/*
 * store-lease.c: the fence of the leader's transactions.  While a node
 * leads (lease.c holds the lease row at some epoch), every transaction
 * it opens begins by reading the lease row at that epoch FOR KEY SHARE.
 * That lock does not stand in the way of the leader's own renewals (an
 * UPDATE of a column that is no key), but it does stand in the way of
 * another node's acquisition (SELECT ... FOR UPDATE, then epoch + 1):
 * so each write of an old leader either commits before the epoch moves
 * on, or finds no row, fails and rolls back, and the node steps down.
 * Only the database's clock says whether the lease expired.
 *
 * A standby's alerts go the other way: its intake writes them unstarted
 * and the leader starts them.  store_work_note() keeps the ids written
 * in the open transaction, and its COMMIT (store_pg_commit_send) is
 * preceded, in the same pipeline, by a NOTIFY pagerd_work whose payload
 * is their range, "a LO HI": no transaction of its own, no WAL flush of
 * its own, and the leader (lease.c) reads that range alone.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "store.h"
#include "store-private.h"
#include "xmalloc.h"

static const char store_fence_sql[] =
    "SELECT 1 FROM lease WHERE name = 'leader' AND epoch = "
    STORE_BIGINT("?1") " AND expires_at > " STORE_SQL("datetime('now')",
    "now() FOR KEY SHARE");

/*
 * From now on, each transaction checks the lease at epoch (0: none, as
 * on a standby and on SQLite); lost(arg) is called when a check finds
 * it moved on or expired, and the fence is then off.
 */
void
store_fence(struct store *s, int64_t epoch, void (*lost)(void *), void *arg)
{
	s->fence_epoch = epoch;
	s->fence_lost = lost;
	s->fence_arg = arg;
}

int64_t
store_fence_epoch(const struct store *s)
{
	return s->fence_epoch;
}

/* Inside the transaction just begun: 0 if the lease still holds. */
int
store_fence_check(struct store *s, char **cause)
{
	struct sq *q = store_stmt(s, store_fence_sql);
	int64_t epoch = s->fence_epoch;
	int rc;

	if (q == NULL) {
		store_cause(s, cause, "checking the lease");
		return -1;
	}
	store_bind_int64(q, 1, epoch);
	rc = store_step(q);
	store_reset(q);
	store_clear(q);
	if (rc == STORE_ROW)
		return 0;
	if (rc == STORE_ERR) {
		store_cause(s, cause, "checking the lease");
		return -1;
	}
	if (cause != NULL)
		xasprintf(cause, "the lease at epoch %lld is no longer held:"
		    " not the leader", (long long)epoch);
	s->fence_epoch = 0;
	if (s->fence_lost != NULL)
		s->fence_lost(s->fence_arg);
	return -1;
}

/*
 * Alert id was written unstarted in the open transaction, for the leader
 * to start: its COMMIT tells the leader so (PostgreSQL; nothing on
 * SQLite, which has no standby).
 */
void
store_work_note(struct store *s, int64_t id)
{
	if (s->drv->dialect != STORE_DIALECT_PG || id <= 0)
		return;
	if (s->work_lo == 0 || id < s->work_lo)
		s->work_lo = id;
	if (id > s->work_hi)
		s->work_hi = id;
}

static const char store_work_sql[] =
    "SELECT pg_notify('pagerd_work', CAST(?1 AS TEXT))";

/*
 * Just before COMMIT: NOTIFY pagerd_work with the range of the alerts
 * noted (store_work_note), in the transaction, so that the leader hears
 * of them once they are committed, and only then.  0 (also with nothing
 * to send), or -1 with *cause: the transaction is to be rolled back.
 */
int
store_work_send(struct store *s, char **cause)
{
	struct sq *q;
	char payload[64];
	int rc;

	if (s->work_hi <= 0)
		return 0;
	snprintf(payload, sizeof payload, "a %" PRId64 " %" PRId64,
	    s->work_lo, s->work_hi);
	s->work_lo = s->work_hi = 0;
	if ((q = store_stmt(s, store_work_sql)) == NULL) {
		store_cause(s, cause, "telling the leader");
		return -1;
	}
	store_bind_text(q, 1, payload);
	if (s->drv->later != NULL && s->drv->later(q)) {
		store_reset(q);
		store_clear(q);
		return 0;
	}
	/* not prepared on this connection yet: waited for, this once */
	rc = store_step(q);
	store_reset(q);
	store_clear(q);
	if (rc != STORE_ROW) {
		store_cause(s, cause, "telling the leader");
		return -1;
	}
	return 0;
}
