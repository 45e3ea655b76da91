/* SPDX-License-Identifier: ISC */
/*
 * store-sync.c: making commits durable without holding up the loop.
 *
 * The database runs in WAL mode with synchronous=NORMAL: a COMMIT only
 * write()s its frames to the -wal file, and SQLite itself syncs nothing
 * but checkpoints.  What synchronous=FULL adds in WAL mode is one sync
 * of the -wal file at the end of each commit; pagerd does that sync
 * itself, with fdatasync() on its own descriptor of the -wal file:
 *
 *  - store_commit() syncs on the loop before returning, exactly as FULL
 *    would (for the rare writes whose caller answers at once);
 *  - store_commit_async() returns as soon as COMMIT has written the
 *    frames; a worker thread then syncs the file, and the caller's
 *    callback runs on the loop once a sync that began after the COMMIT
 *    has returned.  Meanwhile the loop goes on taking requests and
 *    committing the next groups.
 *
 * There are STORE_SYNC_THREADS workers, so that a commit made while a
 * sync runs need not wait for that sync to end before its own begins:
 * a sync of this disk takes 0.7 ms at the median but 11 ms at p99, and
 * with one worker a commit that landed just after a slow sync began
 * waited for all of it and then for its own.  Each idle worker, woken
 * by a commit, syncs everything committed so far at once; when all are
 * busy, the first to finish syncs everything committed meanwhile, one
 * sync for the whole group.  Each worker has its own descriptor; the
 * kernel makes each fdatasync() cover what was written before it was
 * called, whatever else runs (ext4 joins concurrent ones into the same
 * journal commit when it can).  Syncs may end out of order: what is
 * durable is everything up to the highest commit a finished sync began
 * after.
 *
 * The -wal file only grows or is rewritten from its start after a
 * checkpoint (which SQLite syncs first, in NORMAL too; store-checkpoint.c
 * runs them on a thread and connection of their own once this worker
 * starts), or is truncated to nothing by a TRUNCATE checkpoint; it is
 * the same file (the same inode: rewriting and truncating keep it) for
 * as long as the connection is open, and a sync of it covers every
 * frame written before the sync began.  Frames of later commits
 * that the sync happens to catch do no harm: a commit is only reported
 * durable by a sync that began after it.
 *
 * A failed sync is not retried (after an error the kernel may have
 * dropped the dirty pages): the store is marked broken, every waiting
 * and later commit fails, and the process should be restarted so that
 * recovery reads what the disk really holds.
 *
 * With store.synchronous = "normal" (store_set_synchronous) nothing is
 * synced at commit: safe against a crash of the process, not against a
 * power cut.
 */
#include <sys/eventfd.h>
#include <sys/stat.h>

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"
#include "store.h"
#include "store-private.h"
#include "xmalloc.h"

/* A callback waiting for the sync of commit number seq. */
struct store_waiter {
	uint64_t seq;
	int64_t t0;		/* when COMMIT began, for the metrics */
	store_durable_cb cb;	/* or NULL */
	void *arg;
};

/* Syncs that may run at once (measured with tests/bench/pages). */
#ifndef STORE_SYNC_THREADS
#define STORE_SYNC_THREADS 4
#endif

struct store_sync {
	struct store *s;
	pthread_t thread[STORE_SYNC_THREADS];
	int fd[STORE_SYNC_THREADS];	/* the -wal file, or -1, per worker */
	int started;			/* workers running */
	int efd;			/* worker -> loop: a sync returned */
	struct event *ev;

	/* Loop only. */
	uint64_t committed;		/* commits made, numbered from 1 */
	struct store_waiter *w;		/* FIFO ring, in commit order */
	size_t wfirst, wn, wsize;

	/* Under mu. */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t want;			/* sync up to this commit */
	uint64_t begun;			/* a sync began after this commit */
	uint64_t done;			/* synced up to this commit */
	int err;			/* errno of a failed sync, or 0 */
	int unopened;			/* errno if the sync that set done
					   could not open the file, or 0 */
	int next;			/* the next worker's number */
	int stop;
};

static void store_sync_done_cb(evutil_socket_t, short, void *);

/*
 * The -wal file, synced with fdatasync() on fd, opened once when the
 * store starts (store_wal_open) and kept: opening it at the first sync
 * failed when a flood of connections had taken every descriptor.  If
 * the file was unlinked or replaced under us, open it again: a
 * checkpoint synced everything before that happened.  0: synced (or no
 * WAL); -1 (errno): fdatasync failed, the store is broken; -2 (errno):
 * the file could not be opened (out of descriptors, say): nothing was
 * synced, but nothing was lost either, and a later sync may work.
 */
static int
store_wal_sync(const char *path, int *fd)
{
	struct stat a, b;

	if (*fd != -1 && (fstat(*fd, &a) != 0 || a.st_nlink == 0 ||
	    stat(path, &b) != 0 || a.st_ino != b.st_ino ||
	    a.st_dev != b.st_dev)) {
		close(*fd);
		*fd = -1;
	}
	if (*fd == -1 &&
	    (*fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? 0 : -2; /* no WAL: nothing to sync */
	return fdatasync(*fd) == 0 ? 0 : -1;
}

/* Open the -wal file for later syncs, if it is there. */
void
store_wal_open(const char *path, int *fd)
{
	if (*fd == -1)
		*fd = open(path, O_RDONLY | O_CLOEXEC);
}

/*
 * Write the -wal file ahead to STORE_WAL_AHEAD_BYTES, zeros past its
 * end, once, before the loop serves (store_sqlite_wal_extend): every
 * commit until the WAL outgrows that then overwrites written blocks,
 * and its sync is the cheaper kind.  A WAL restarted after a checkpoint
 * keeps its file (SQLite truncates it only if journal_size_limit says
 * so, which pagerd does not set).
 */
static void
store_wal_ahead(struct store *s)
{
	int64_t t0 = store_usec(), n;
	char *cause = NULL;

	if (s->drv != &store_sqlite_driver || !s->wal)
		return;
	if (store_sqlite_wal_extend(s->db, s->wal_path, STORE_WAL_AHEAD_BYTES,
	    &n, &cause) != 0) {
		log_warnx("store: writing %s ahead: %s", s->wal_path,
		    cause != NULL ? cause : "busy");
		free(cause);
		return;
	}
	if (n > 0)
		log_debug("store: wrote %lld bytes of %s ahead in %lld ms",
		    (long long)n, s->wal_path,
		    (long long)(store_usec() - t0) / 1000);
}

/*
 * A worker: whenever commits were made that no sync began after, sync
 * them all.  A sync that ends after a later one did tells nothing new,
 * except that it failed.
 */
static void *
store_sync_main(void *arg)
{
	struct store_sync *y = arg;
	uint64_t target, one = 1;
	int i, fd, rc, err;

	pthread_mutex_lock(&y->mu);
	i = y->next++;
	fd = y->fd[i];
	for (;;) {
		while (!y->stop && y->want == y->begun)
			pthread_cond_wait(&y->cv, &y->mu);
		if (y->want == y->begun)
			break; /* stopping, nothing left to begin */
		target = y->begun = y->want;
		pthread_mutex_unlock(&y->mu);
		rc = store_wal_sync(y->s->wal_path, &fd);
		err = rc == 0 ? 0 : errno;
		pthread_mutex_lock(&y->mu);
		if (rc == -1 && y->err == 0)
			y->err = err;
		if (target <= y->done && rc != -1)
			continue; /* a later sync ended first */
		if (target > y->done) {
			y->unopened = rc == -2 ? err : 0;
			y->done = target;
		}
		pthread_mutex_unlock(&y->mu);
		while (write(y->efd, &one, sizeof one) == -1 && errno == EINTR)
			;
		pthread_mutex_lock(&y->mu);
	}
	y->fd[i] = fd;
	pthread_mutex_unlock(&y->mu);
	return NULL;
}

/*
 * Sync commits in a worker thread, reporting to the loop of base.
 * Until this is called, store_commit_async() syncs on the caller's
 * thread before it returns.
 */
void
store_sync_start(struct store *s, struct event_base *base)
{
	struct store_sync *y;
	int i;

	if (s->sync != NULL || s->wal_path == NULL)
		return; /* no WAL file to sync (PostgreSQL) */
	y = xcalloc(1, sizeof *y);
	y->s = s;
	/* every descriptor now, before any client can take them all */
	for (i = 0; i < STORE_SYNC_THREADS; i++) {
		y->fd[i] = -1;
		store_wal_open(s->wal_path, &y->fd[i]);
	}
	store_wal_open(s->wal_path, &s->wal_fd);
	if ((y->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		fatal("eventfd");
	if ((y->ev = event_new(base, y->efd, EV_READ | EV_PERSIST,
	    store_sync_done_cb, y)) == NULL || event_add(y->ev, NULL) != 0)
		fatalx("store: cannot watch the sync thread");
	if (pthread_mutex_init(&y->mu, NULL) != 0 ||
	    pthread_cond_init(&y->cv, NULL) != 0)
		fatalx("store: pthread_mutex_init failed");
	for (i = 0; i < STORE_SYNC_THREADS; i++) {
		if ((errno = pthread_create(&y->thread[i], NULL,
		    store_sync_main, y)) != 0)
			fatal("store: pthread_create");
		y->started++;
	}
	s->sync = y;
	store_wal_ahead(s);
	store_ckpt_start(s);
}

/* Say that the -wal file could not be opened, at most once a minute. */
static void
store_sync_unopened(struct store *s, int err)
{
	static int64_t last;
	int64_t now = store_usec();

	if (last != 0 && now - last < 60 * 1000000)
		return;
	last = now;
	log_warnx("store: cannot open %s to sync it: %s; what was committed"
	    " meanwhile is answered as not stored, and the next sync tries"
	    " again", s->wal_path, strerror(err));
}

/*
 * Run the callbacks of commits up to done: failed if err (for good) or
 * unopened (the last sync could not open the file: those commits are
 * not known to be on disk, but later ones may be).
 */
static void
store_sync_report(struct store *s, uint64_t done, int err, int unopened)
{
	struct store_sync *y = s->sync;
	struct store_waiter w;
	int failed;

	if (err != 0 && !s->sync_failed) {
		s->sync_failed = 1;
		log_warnx("store: syncing %s failed: %s; nothing more is"
		    " stored until pagerd is restarted", s->wal_path,
		    strerror(err));
	}
	if (unopened != 0 && !s->sync_failed)
		store_sync_unopened(s, unopened);
	failed = s->sync_failed || unopened != 0;
	while (y->wn > 0 && y->w[y->wfirst].seq <= done) {
		w = y->w[y->wfirst];
		y->wfirst = (y->wfirst + 1) % y->wsize;
		y->wn--;
		if (!failed)
			metrics_commit(store_usec() - w.t0);
		if (w.cb != NULL)
			w.cb(w.arg, failed ? -1 : 0);
	}
}

static void
store_sync_done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct store_sync *y = arg;
	uint64_t n, done;
	int err, unopened;

	while (read(fd, &n, sizeof n) == -1 && errno == EINTR)
		;
	pthread_mutex_lock(&y->mu);
	done = y->done;
	err = y->err;
	unopened = y->unopened;
	pthread_mutex_unlock(&y->mu);
	store_sync_report(y->s, done, err, unopened);
}

/* Queue cb for commit seq (loop only). */
static void
store_sync_wait_for(struct store_sync *y, uint64_t seq, int64_t t0,
    store_durable_cb cb, void *arg)
{
	struct store_waiter *nw;
	size_t i, nsize;

	if (y->wn == y->wsize) {
		nsize = y->wsize == 0 ? 64 : y->wsize * 2;
		nw = xreallocarray(NULL, nsize, sizeof *nw);
		for (i = 0; i < y->wn; i++)
			nw[i] = y->w[(y->wfirst + i) % y->wsize];
		free(y->w);
		y->w = nw;
		y->wfirst = 0;
		y->wsize = nsize;
	}
	y->w[(y->wfirst + y->wn++) % y->wsize] = (struct store_waiter){
		seq, t0, cb, arg };
}

/* Sync the -wal file on this thread; -1 (errno set) if that failed. */
int
store_sync_now(struct store *s)
{
	int rc;

	if (s->sync_failed) {
		errno = EIO;
		return -1;
	}
	if (!s->full_sync)
		return 0;
	if ((rc = store_wal_sync(s->wal_path, &s->wal_fd)) == -2) {
		store_sync_unopened(s, errno);
		return -1;
	}
	if (rc != 0) {
		s->sync_failed = 1;
		log_warnx("store: syncing %s failed: %s; nothing more is"
		    " stored until pagerd is restarted", s->wal_path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * COMMIT the open transaction; cb (if not NULL) runs on the loop once
 * it is on disk (second argument 0), or could not be made so (-1).
 * Returns -1 with *cause if COMMIT itself failed: cb is not called and
 * the caller rolls back, as after store_commit().  Without a worker
 * (store_sync_start), or with store.synchronous = "normal", cb runs
 * before this returns.
 */
int
store_commit_async(struct store *s, store_durable_cb cb, void *arg,
    char **cause)
{
	struct store_sync *y = s->sync;
	int64_t t0 = store_usec();
	int rc;

	/* PostgreSQL: nobody waits, so neither does COMMIT (store-db-pg.c) */
	if (s->drv == &store_pg_driver && cb == NULL)
		return store_pg_commit_lazy(s, cause);
	if (store_commit_nosync(s, cause) != 0)
		return -1;
	if (y == NULL || !s->full_sync || s->sync_failed) {
		if ((rc = store_sync_now(s)) == 0)
			metrics_commit(store_usec() - t0);
		if (cb != NULL)
			cb(arg, rc);
		return 0;
	}
	y->committed++;
	store_sync_wait_for(y, y->committed, t0, cb, arg);
	pthread_mutex_lock(&y->mu);
	y->want = y->committed;
	pthread_cond_signal(&y->cv);
	pthread_mutex_unlock(&y->mu);
	return 0;
}

/*
 * cb on the loop once every commit made so far is on disk
 * (STORE_DURABLE), or cannot be said to be (STORE_NOT_SYNCED), without
 * a commit of its own: it waits for the sync of the last commit, which
 * that commit already asked for.  cb runs before this returns when
 * there is nothing to wait for (already synced, no worker, PostgreSQL,
 * whose commits with a callback are durable at COMMIT, a failed store).
 */
void
store_durable_after(struct store *s, store_durable_cb cb, void *arg)
{
	struct store_sync *y = s->sync;
	uint64_t done;
	int failed;

	if (y == NULL || !s->full_sync || s->sync_failed) {
		cb(arg, store_sync_now(s) == 0 ? STORE_DURABLE :
		    STORE_NOT_SYNCED);
		return;
	}
	pthread_mutex_lock(&y->mu);
	done = y->done;
	failed = y->err != 0 || y->unopened != 0;
	pthread_mutex_unlock(&y->mu);
	if (done >= y->committed) {
		cb(arg, failed ? STORE_NOT_SYNCED : STORE_DURABLE);
		return;
	}
	store_sync_wait_for(y, y->committed, store_usec(), cb, arg);
}

/*
 * Intake's group commit: store_commit_async(), returning 0, on SQLite;
 * on PostgreSQL (once store_watch()ed) COMMIT is sent and not waited
 * for: 1, and cb runs later from the loop, never before this returns,
 * with STORE_DURABLE if it committed (synchronous_commit makes that
 * durable) or STORE_NOT_COMMITTED.  -1 with *cause: nothing was sent,
 * cb is not called, the caller rolls back.
 */
int
store_commit_group(struct store *s, store_durable_cb cb, void *arg,
    char **cause)
{
	if (s->drv == &store_pg_driver)
		return store_pg_commit_send(s, cb, arg, cause);
	return store_commit_async(s, cb, arg, cause);
}

/*
 * PostgreSQL: wait for the group commit in flight, if any, and run its
 * callback now.  Nothing on SQLite, whose COMMIT is already done.
 */
void
store_commit_settle(struct store *s)
{
	if (s->drv == &store_pg_driver)
		store_pg_settle(s);
}

/*
 * Sync everything committed so far on this thread and run every waiting
 * callback: at shutdown, before their owners go away.
 */
void
store_sync_wait(struct store *s)
{
	struct store_sync *y = s->sync;
	int rc;

	if (s->drv == &store_pg_driver)
		store_pg_settle(s);
	if (y == NULL || y->wn == 0)
		return;
	rc = store_sync_now(s);
	store_sync_report(s, y->committed, 0, rc == 0 ? 0 : EIO);
}

/* Stop the worker; callbacks still waiting are dropped. */
void
store_sync_stop(struct store *s)
{
	struct store_sync *y = s->sync;
	int i;

	if (y == NULL)
		return;
	if (y->started > 0) {
		pthread_mutex_lock(&y->mu);
		y->stop = 1;
		pthread_cond_broadcast(&y->cv);
		pthread_mutex_unlock(&y->mu);
		for (i = 0; i < y->started; i++)
			pthread_join(y->thread[i], NULL);
	}
	for (i = 0; i < STORE_SYNC_THREADS; i++)
		if (y->fd[i] != -1)
			close(y->fd[i]);
	if (y->wn > 0)
		log_warnx("store: %zu commit callback(s) dropped at close",
		    y->wn);
	event_free(y->ev);
	close(y->efd);
	pthread_mutex_destroy(&y->mu);
	pthread_cond_destroy(&y->cv);
	free(y->w);
	free(y);
	s->sync = NULL;
}
