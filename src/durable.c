/* SPDX-License-Identifier: ISC */
/*
 * durable.c: answering only once a change is on disk, with the loop
 * never waiting for the disk.
 *
 * The rare, human-paced changes (an acknowledgement by link, SMS, voice
 * or API, a note, a silence, a delivery report) commit with the group
 * commit (store_commit_async) instead of syncing on the loop: the
 * loop's own view (the engine, the outbox) takes the change at COMMIT,
 * as it does for intake, and whoever asked is answered from
 * durable_then()'s callback, once a sync that began after that COMMIT
 * has returned.  durable_then() is a barrier without a commit of its
 * own: it waits for the sync the last commit asked for
 * (store_durable_after), which covers every commit made before it, so
 * one call answers for any number of changes made before it (an SMS
 * "ack all").
 *
 * The changes themselves commit with durable_ignore() as their
 * callback rather than none: on PostgreSQL a commit nobody waits for
 * does not wait for the server's WAL flush (store_pg_commit_lazy), and
 * the barrier does not wait for PostgreSQL, so there a change must
 * commit durably itself (one round trip, as before).  On SQLite
 * the callback costs a waiter in the sync's queue.
 *
 * A failed sync leaves the change committed but maybe not on disk:
 * the callback hears STORE_NOT_SYNCED and the caller answers 5xx; the
 * store takes nothing more until pagerd restarts (store-sync.c), as
 * after intake's failed sync.
 */

#include "durable.h"
#include "store.h"

/* The callback of a change nobody answers for by itself. */
void
durable_ignore(void *arg, int ok)
{
}

/*
 * cb(arg, STORE_DURABLE) once every commit made so far is on disk, or
 * cb(arg, STORE_NOT_SYNCED) if that cannot be said.  cb may run before
 * this returns (PostgreSQL, store.synchronous = "normal", a store that
 * failed, nothing left to sync): call it last, and touch arg no more.
 */
void
durable_then(struct store *s, store_durable_cb cb, void *arg)
{
	store_durable_after(s, cb, arg);
}
