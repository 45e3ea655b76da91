/* SPDX-License-Identifier: ISC */
/*
 * store-checkpoint.c: checkpointing SQLite's WAL off the event loop.
 *
 * SQLite left to itself checkpoints inside the COMMIT that takes the
 * WAL past 1000 frames: it syncs the WAL, copies the frames into the
 * database file and syncs that, two syncs and a few MB of writes on the
 * loop every thousand frames (2 to 12 ms, measured under the pages
 * bench; every alert in flight waited for them).  Instead the loop's
 * connection has no automatic checkpoint (its WAL hook only reports the
 * size of the WAL here) and a thread of its own, with its own
 * connection to the same file, runs PASSIVE checkpoints: they copy what
 * they can without taking a lock the loop waits for, and the loop's
 * next write restarts the WAL from its start once all of it is in the
 * database file.  The checkpointing connection runs synchronous=NORMAL,
 * under which SQLite syncs the WAL before it copies frames and the
 * database file before the WAL may be reused: a checkpoint never makes
 * a commit less durable than it was.
 *
 * A PASSIVE checkpoint that commits overlapped leaves those frames for
 * the next one, and the WAL is only reused once one ended with nothing
 * left and the loop's next write found it so.  Under a steady storm
 * that happens within a few tries (a try takes a few ms); under writes
 * back to back with no pause at all it may never, and a long backup
 * holding an old snapshot stops it too.  When the WAL reaches
 * STORE_CKPT_HARD_BYTES anyway, the loop's WAL hook bounds it with a
 * TRUNCATE checkpoint on its own connection (the only writer, so it
 * need not wait for the write lock; it waits STORE_CKPT_BUSY_MS at most
 * for readers), once this thread's checkpoint, if one runs, is over:
 * most frames are already copied, but it syncs twice on the loop, and
 * is logged.  (From this thread, TRUNCATE could not get the write lock
 * in the gaps between the loop's transactions.)
 *
 * The thread also keeps the -wal file written ahead of the WAL's end,
 * with zeros, by STORE_WAL_AHEAD_LOW at least: a sync of frames that
 * overwrite written blocks is the cheaper kind (store_sqlite_wal_extend
 * says why and how it stays safe).  store-sync.c writes it ahead to
 * STORE_WAL_AHEAD_BYTES before the loop serves, which a WAL restarted
 * from its start after each complete checkpoint rarely outgrows; when
 * it does (checkpoints that cannot complete under a storm) or after a
 * TRUNCATE, the thread writes STORE_WAL_AHEAD_PIECE at a time, each
 * under SQLite's WAL write lock, which it takes only if it is free: a
 * COMMIT of the loop that comes meanwhile waits (the store's busy
 * handler tries again every 20 us at first), so pieces are small and
 * this is rare.
 *
 * When to checkpoint is store_ckpt_next()'s and store_ckpt_bound()'s,
 * and when to write ahead store_ckpt_ahead()'s, pure, over the state
 * that store_ckpt_note() (the WAL hook), store_ckpt_done() (each
 * checkpoint's outcome) and store_ckpt_extended() keep.  Without the
 * thread (before store_sync_start(), in pagerd -t, the tools), the WAL
 * hook checkpoints on the caller's thread as SQLite would.
 */
#include <sys/stat.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "log.h"
#include "metrics.h"
#include "store.h"
#include "store-private.h"
#include "xmalloc.h"

struct store_ckpt {
	struct store *s;
	void *db;			/* the checkpointing connection */
	pthread_t thread;
	int started;

	pthread_mutex_t mu;		/* guards what follows */
	pthread_cond_t cv;		/* to the thread: look again */
	pthread_cond_t idle;		/* from it: no checkpoint running */
	struct store_ckpt_state st;
	int running;			/* a checkpoint is running */
	int hold;			/* the loop truncates: start none */
	int stop;
};

/* The policy's defaults for a database of page_size bytes a page. */
void
store_ckpt_init(struct store_ckpt_state *st, int page_size)
{
	*st = (struct store_ckpt_state){ 0 };
	st->threshold = STORE_CKPT_FRAMES;
	st->hard = STORE_CKPT_HARD_BYTES / ((int64_t)page_size + 24);
	if (st->hard < 2 * st->threshold)
		st->hard = 2 * st->threshold;
	st->gap = STORE_CKPT_GAP_US;
	st->retry = STORE_CKPT_RETRY_US;
	st->frame_bytes = (int64_t)page_size + 24;
}

/* Where the WAL's last frame ends in the -wal file (its header: 32). */
static int64_t
store_ckpt_end(const struct store_ckpt_state *st)
{
	return 32 + st->frames * st->frame_bytes;
}

/*
 * A commit left frames frames in the WAL (SQLite's WAL hook).  Fewer
 * than before: the WAL was restarted from its start, and what earlier
 * checkpoints copied was of the old one.
 */
void
store_ckpt_note(struct store_ckpt_state *st, int64_t frames)
{
	if (frames < st->frames)
		st->gen++;
	st->frames = frames;
	if (store_ckpt_end(st) > st->written)
		st->written = store_ckpt_end(st);
}

/*
 * Must the thread write the -wal file ahead at now: is less than
 * STORE_WAL_AHEAD_LOW written past the WAL's end, and the file shorter
 * than the WAL's bound (beyond which the loop truncates it)?  The size
 * to write it to (one piece more), or 0, with *wait_us the time until
 * it may be (after a busy lock), or -1.
 */
int64_t
store_ckpt_ahead(const struct store_ckpt_state *st, int64_t now,
    int64_t *wait_us)
{
	int64_t cap = st->hard * st->frame_bytes, to;

	*wait_us = -1;
	if (st->written - store_ckpt_end(st) >= STORE_WAL_AHEAD_LOW ||
	    st->written >= cap)
		return 0;
	if (now < st->ahead_at) {
		*wait_us = st->ahead_at - now;
		return 0;
	}
	to = st->written + STORE_WAL_AHEAD_PIECE;
	return to < cap ? to : cap;
}

/*
 * Writing the -wal file ahead to size ended at now: rc 0, written; 1,
 * SQLite's write lock was busy (try again soon); -1, failed (again in
 * st->retry).
 */
void
store_ckpt_extended(struct store_ckpt_state *st, int rc, int64_t size,
    int64_t now)
{
	if (rc == 0 && size > st->written)
		st->written = size;
	if (rc != 0)
		st->ahead_at = now + (rc == 1 ? STORE_WAL_AHEAD_BUSY_US :
		    st->retry);
}

/* The -wal file was truncated to nothing. */
void
store_ckpt_truncated(struct store_ckpt_state *st)
{
	st->written = 0;
	store_ckpt_note(st, 0);
}

/*
 * What the thread should do at now (µs): STORE_CKPT_NONE, with *wait_us
 * the time until something may be due without a new commit (-1:
 * nothing until one), or STORE_CKPT_PASSIVE.
 */
int
store_ckpt_next(const struct store_ckpt_state *st, int64_t now,
    int64_t *wait_us)
{
	int64_t copied, left;

	*wait_us = -1;
	copied = st->copied_gen == st->gen ? st->copied : 0;
	left = st->frames - copied;
	if (st->frames < st->threshold || left <= 0)
		return STORE_CKPT_NONE;
	if (now < st->next_at) {
		*wait_us = st->next_at - now;
		return STORE_CKPT_NONE;
	}
	return STORE_CKPT_PASSIVE;
}

/*
 * Must the loop bound the WAL itself at now: has it reached st->hard
 * frames (the thread's checkpoints never left it empty at the start of
 * a write), with no attempt in the last st->retry?  If so, the attempt
 * is counted as made.
 */
int
store_ckpt_bound(struct store_ckpt_state *st, int64_t now)
{
	if (st->frames < st->hard || now < st->trunc_at)
		return 0;
	st->trunc_at = now + st->retry;
	return 1;
}

/*
 * A PASSIVE checkpoint begun while the WAL was of generation gen ended
 * at now: rc 0 with log frames in the WAL of which copied are in the
 * database file, or rc != 0 (busy, or an error).  The next waits
 * st->gap, so that under a storm (commits leaving frames behind each
 * one, or a transaction open across a complete one, so that the WAL is
 * not reused) they do not follow each other back to back, each with its
 * syncs competing with store-sync.c's; after one that failed, st->retry.
 */
void
store_ckpt_done(struct store_ckpt_state *st, uint64_t gen, int rc,
    int64_t log, int64_t copied, int64_t now)
{
	if (rc == 0 && gen == st->gen) {
		st->copied_gen = gen;
		st->copied = copied;
	}
	st->next_at = now + (rc != 0 ? st->retry : st->gap);
}

/* The thread: checkpoint whenever store_ckpt_next() says so. */
static void *
store_ckpt_main(void *arg)
{
	struct store_ckpt *c = arg;
	struct timespec ts;
	int64_t now, wait, wait2, log, copied, t0, to, n;
	uint64_t gen;
	int what, rc;
	char *cause;

	pthread_mutex_lock(&c->mu);
	while (!c->stop) {
		if (c->hold) {
			pthread_cond_wait(&c->cv, &c->mu);
			continue;
		}
		now = store_usec();
		what = store_ckpt_next(&c->st, now, &wait);
		if (what == STORE_CKPT_NONE &&
		    (to = store_ckpt_ahead(&c->st, now, &wait2)) > 0) {
			c->running = 1;
			pthread_mutex_unlock(&c->mu);
			cause = NULL;
			rc = store_sqlite_wal_extend(c->db, c->s->wal_path, to,
			    &n, &cause);
			if (rc < 0)
				log_warnx("store: writing %s ahead: %s",
				    c->s->wal_path, cause);
			free(cause);
			pthread_mutex_lock(&c->mu);
			store_ckpt_extended(&c->st, rc, to, store_usec());
			c->running = 0;
			pthread_cond_broadcast(&c->idle);
			continue;
		}
		if (what == STORE_CKPT_NONE) {
			if (wait2 >= 0 && (wait < 0 || wait2 < wait))
				wait = wait2;
			if (wait < 0)
				pthread_cond_wait(&c->cv, &c->mu);
			else {
				now += wait;
				ts.tv_sec = now / 1000000;
				ts.tv_nsec = (now % 1000000) * 1000;
				pthread_cond_timedwait(&c->cv, &c->mu, &ts);
			}
			continue;
		}
		gen = c->st.gen;
		c->running = 1;
		pthread_mutex_unlock(&c->mu);

		t0 = store_usec();
		cause = NULL;
		rc = store_sqlite_checkpoint(c->db, &log, &copied, &cause);
		now = store_usec();
		if (rc < 0)
			log_warnx("store: checkpoint of %s: %s", c->s->path,
			    cause);
		free(cause);
		if (rc == 0)
			metrics_checkpoint(0, now - t0);

		pthread_mutex_lock(&c->mu);
		store_ckpt_done(&c->st, gen, rc, log, copied, now);
		c->running = 0;
		pthread_cond_broadcast(&c->idle);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

/*
 * Checkpoint s's WAL from a thread from now on.  If its connection
 * cannot be opened, checkpoints stay on the loop, as before (logged).
 */
void
store_ckpt_start(struct store *s)
{
	struct store_ckpt *c;
	pthread_condattr_t ca;
	char *cause = NULL;
	struct stat sb;
	int page_size;
	void *db;

	if (s->ckpt != NULL || s->drv != &store_sqlite_driver || !s->wal)
		return;
	if ((db = store_sqlite_checkpointer(s->path, &page_size,
	    &cause)) == NULL) {
		log_warnx("store: %s; checkpoints stay on the event loop",
		    cause);
		free(cause);
		return;
	}
	c = xcalloc(1, sizeof *c);
	c->s = s;
	c->db = db;
	store_ckpt_init(&c->st, page_size);
	c->st.frames = s->wal_frames;
	if (stat(s->wal_path, &sb) == 0)
		c->st.written = sb.st_size; /* store-sync.c wrote it ahead */
	if (pthread_mutex_init(&c->mu, NULL) != 0 ||
	    pthread_condattr_init(&ca) != 0 ||
	    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&c->cv, &ca) != 0 ||
	    pthread_cond_init(&c->idle, NULL) != 0)
		fatalx("store: pthread_cond_init failed");
	pthread_condattr_destroy(&ca);
	if ((errno = pthread_create(&c->thread, NULL, store_ckpt_main,
	    c)) != 0)
		fatal("store: pthread_create");
	c->started = 1;
	s->ckpt = c;
}

/*
 * The loop's WAL hook: a commit left frames frames in the WAL.  Wakes
 * the thread once there is enough to checkpoint.  Returns 1 if the WAL
 * reached its bound: the thread is then held, its checkpoint (if one
 * was running: SQLite runs one at a time) finished, and the caller
 * truncates the WAL on the loop, then calls store_ckpt_release().
 */
int
store_ckpt_wal(struct store *s, int64_t frames)
{
	struct store_ckpt *c = s->ckpt;
	int64_t now, wait;
	int bound;

	s->wal_frames = frames;
	metrics_wal_frames(frames);
	if (c == NULL)
		return 0;
	pthread_mutex_lock(&c->mu);
	store_ckpt_note(&c->st, frames);
	now = store_usec();
	if ((bound = store_ckpt_bound(&c->st, now))) {
		c->hold = 1;
		while (c->running)
			pthread_cond_wait(&c->idle, &c->mu);
	} else if (frames >= c->st.threshold ||
	    store_ckpt_ahead(&c->st, now, &wait) > 0)
		pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	return bound;
}

/* The loop is done truncating (emptied: it worked): let the thread go. */
void
store_ckpt_release(struct store *s, int emptied)
{
	struct store_ckpt *c = s->ckpt;

	if (emptied) {
		s->wal_frames = 0;
		metrics_wal_frames(0);
	}
	pthread_mutex_lock(&c->mu);
	if (emptied)
		store_ckpt_truncated(&c->st);
	c->hold = 0;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

/* Stop the thread and close its connection (before the loop's). */
void
store_ckpt_stop(struct store *s)
{
	struct store_ckpt *c = s->ckpt;

	if (c == NULL)
		return;
	if (c->started) {
		pthread_mutex_lock(&c->mu);
		c->stop = 1;
		pthread_cond_signal(&c->cv);
		pthread_mutex_unlock(&c->mu);
		pthread_join(c->thread, NULL);
	}
	store_sqlite_checkpointer_close(c->db);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	pthread_cond_destroy(&c->idle);
	free(c);
	s->ckpt = NULL;
}
