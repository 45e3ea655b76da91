/* SPDX-License-Identifier: ISC */
/*
 * test-store-ckpt.c: when the store checkpoints its WAL
 * (store-checkpoint.c's store_ckpt_next() and the state that the WAL
 * hook and each checkpoint's outcome keep), with times given by hand;
 * then the thread itself on a real store: after thousands of commits
 * the WAL was checkpointed off the committing thread and reused, so the
 * -wal file stays small.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store.h"
#include "store-private.h"
#include "xmalloc.h"

#define MS	1000	/* µs */

static struct store_ckpt_state
fresh(void)
{
	struct store_ckpt_state st;

	store_ckpt_init(&st, 4096);
	return st;
}

/* Nothing below the threshold; a PASSIVE at it. */
static void
test_threshold(void **state)
{
	struct store_ckpt_state st = fresh();
	int64_t wait;

	(void)state;
	assert_int_equal(st.threshold, STORE_CKPT_FRAMES);
	assert_int_equal(st.hard, (64LL << 20) / (4096 + 24));
	store_ckpt_note(&st, 10);
	assert_int_equal(store_ckpt_next(&st, 0, &wait), STORE_CKPT_NONE);
	assert_int_equal(wait, -1);
	store_ckpt_note(&st, STORE_CKPT_FRAMES - 1);
	assert_int_equal(store_ckpt_next(&st, 0, &wait), STORE_CKPT_NONE);
	store_ckpt_note(&st, STORE_CKPT_FRAMES);
	assert_int_equal(store_ckpt_next(&st, 0, &wait), STORE_CKPT_PASSIVE);
}

/*
 * A checkpoint that copied everything: nothing more until new frames;
 * the next commit restarts the WAL (fewer frames), and what was copied
 * of the old one no longer counts.
 */
static void
test_complete_then_restart(void **state)
{
	struct store_ckpt_state st = fresh();
	int64_t wait;
	uint64_t gen;

	(void)state;
	store_ckpt_note(&st, 1200);
	gen = st.gen;
	store_ckpt_done(&st, gen, 0, 1200, 1200, 5 * MS);
	assert_int_equal(store_ckpt_next(&st, 6 * MS, &wait), STORE_CKPT_NONE);
	assert_int_equal(wait, -1);
	/* the WAL restarted: 3 frames of a new one */
	store_ckpt_note(&st, 3);
	assert_int_not_equal(st.gen, gen);
	assert_int_equal(store_ckpt_next(&st, 7 * MS, &wait), STORE_CKPT_NONE);
	/* it fills again: due, though fewer frames than were copied */
	store_ckpt_note(&st, 1100);
	assert_int_equal(store_ckpt_next(&st, 8 * MS, &wait),
	    STORE_CKPT_NONE);
	assert_int_equal(wait, STORE_CKPT_GAP_US - 3 * MS);
	assert_int_equal(store_ckpt_next(&st, 5 * MS + STORE_CKPT_GAP_US,
	    &wait), STORE_CKPT_PASSIVE);
}

/*
 * Commits during a checkpoint leave frames behind: the next one waits
 * the gap (as after any), then copies them; a checkpoint whose WAL restarted meanwhile
 * tells nothing about the new one.
 */
static void
test_tail_and_gap(void **state)
{
	struct store_ckpt_state st = fresh();
	int64_t wait;
	uint64_t gen;

	(void)state;
	store_ckpt_note(&st, 1000);
	gen = st.gen;
	store_ckpt_note(&st, 1040);	/* commits meanwhile */
	store_ckpt_done(&st, gen, 0, 1040, 1000,
	    100 * MS);
	assert_int_equal(store_ckpt_next(&st, 101 * MS, &wait),
	    STORE_CKPT_NONE);
	assert_int_equal(wait, STORE_CKPT_GAP_US - 1 * MS);
	assert_int_equal(store_ckpt_next(&st, 100 * MS + STORE_CKPT_GAP_US,
	    &wait), STORE_CKPT_PASSIVE);

	/* a restart while a checkpoint ran: its counts are of the old WAL */
	gen = st.gen;
	store_ckpt_note(&st, 2);
	store_ckpt_note(&st, 1500);
	store_ckpt_done(&st, gen, 0, 1040, 1040,
	    200 * MS);
	assert_int_equal(store_ckpt_next(&st, 200 * MS + STORE_CKPT_GAP_US,
	    &wait), STORE_CKPT_PASSIVE);
}

/*
 * Past the hard bound (the thread's checkpoints never left the WAL
 * empty when the loop began a write), the loop truncates it; after an
 * attempt, not again for st.retry.  The thread still runs PASSIVE ones;
 * one that failed is retried after st.retry.
 */
static void
test_hard_bound(void **state)
{
	struct store_ckpt_state st = fresh();
	int64_t wait;

	(void)state;
	store_ckpt_note(&st, st.hard - 1);
	assert_false(store_ckpt_bound(&st, 0));
	assert_int_equal(store_ckpt_next(&st, 0, &wait), STORE_CKPT_PASSIVE);
	store_ckpt_note(&st, st.hard);
	assert_true(store_ckpt_bound(&st, 10 * MS));
	/* it could not (a reader): not again at once */
	store_ckpt_note(&st, st.hard + 10);
	assert_false(store_ckpt_bound(&st, 11 * MS));
	assert_true(store_ckpt_bound(&st, 10 * MS + STORE_CKPT_RETRY_US));
	/* it did: an empty WAL, a new generation */
	store_ckpt_note(&st, 0);
	assert_false(store_ckpt_bound(&st, 100 * STORE_CKPT_RETRY_US));
	assert_int_equal(store_ckpt_next(&st, 0, &wait), STORE_CKPT_NONE);

	st = fresh();
	store_ckpt_note(&st, 2000);
	store_ckpt_done(&st, st.gen, 1, -1, -1, 10 * MS);
	assert_int_equal(store_ckpt_next(&st, 11 * MS, &wait),
	    STORE_CKPT_NONE);
	assert_int_equal(wait, STORE_CKPT_RETRY_US - 1 * MS);
	assert_int_equal(store_ckpt_next(&st, 10 * MS + STORE_CKPT_RETRY_US,
	    &wait), STORE_CKPT_PASSIVE);
	/* a page size so large the bound would fall below the threshold */
	store_ckpt_init(&st, 65536);
	assert_true(st.hard >= 2 * st.threshold);
}

/*
 * The -wal file is written ahead of the WAL's end: nothing while
 * STORE_WAL_AHEAD_LOW or more is written past it (as after store-sync.c
 * wrote it ahead at start), one piece at a time once less is, never
 * past the WAL's bound, soon again after a busy lock, later after a
 * failure, and from nothing after a TRUNCATE.
 */
static void
test_ahead(void **state)
{
	struct store_ckpt_state st = fresh();
	int64_t wait, fb = 4096 + 24, end, to;

	(void)state;
	st.written = STORE_WAL_AHEAD_BYTES;
	store_ckpt_note(&st, 100);
	assert_int_equal(store_ckpt_ahead(&st, 0, &wait), 0);
	assert_int_equal(wait, -1);
	/* a WAL grown to within STORE_WAL_AHEAD_LOW of what is written */
	store_ckpt_note(&st, (STORE_WAL_AHEAD_BYTES - STORE_WAL_AHEAD_LOW) /
	    fb + 1);
	to = store_ckpt_ahead(&st, 0, &wait);
	assert_int_equal(to, STORE_WAL_AHEAD_BYTES + STORE_WAL_AHEAD_PIECE);
	/* the lock was busy: not again at once */
	store_ckpt_extended(&st, 1, to, 10 * MS);
	assert_int_equal(store_ckpt_ahead(&st, 10 * MS, &wait), 0);
	assert_int_equal(wait, STORE_WAL_AHEAD_BUSY_US);
	assert_int_equal(store_ckpt_ahead(&st, 10 * MS +
	    STORE_WAL_AHEAD_BUSY_US, &wait), to);
	/* written: enough ahead again */
	store_ckpt_extended(&st, 0, to, 12 * MS);
	assert_int_equal(st.written, to);
	assert_int_equal(store_ckpt_ahead(&st, 12 * MS, &wait), 0);
	/* a failure: again only after st.retry */
	store_ckpt_note(&st, st.frames + STORE_WAL_AHEAD_PIECE / fb + 1);
	to = store_ckpt_ahead(&st, 13 * MS, &wait);
	assert_true(to > st.written);
	store_ckpt_extended(&st, -1, to, 13 * MS);
	assert_int_equal(store_ckpt_ahead(&st, 14 * MS, &wait), 0);
	assert_int_equal(wait, STORE_CKPT_RETRY_US - 1 * MS);
	/* commits that outgrow what was written count as written */
	store_ckpt_note(&st, 10000);
	end = 32 + 10000 * fb;
	assert_int_equal(st.written, end);
	assert_int_equal(store_ckpt_ahead(&st, 10 * STORE_CKPT_RETRY_US,
	    &wait), end + STORE_WAL_AHEAD_PIECE);
	/* never past the bound */
	store_ckpt_note(&st, st.hard - 1);
	assert_int_equal(store_ckpt_ahead(&st, 10 * STORE_CKPT_RETRY_US,
	    &wait), st.hard * fb);
	store_ckpt_note(&st, st.hard + 5);
	assert_int_equal(store_ckpt_ahead(&st, 10 * STORE_CKPT_RETRY_US,
	    &wait), 0);
	/* truncated: from nothing, a new generation */
	store_ckpt_truncated(&st);
	assert_int_equal(st.frames, 0);
	assert_int_equal(store_ckpt_ahead(&st, 10 * STORE_CKPT_RETRY_US,
	    &wait), 32 + STORE_WAL_AHEAD_PIECE);
}

static off_t
file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? sb.st_size : 0;
}

/*
 * The thread on a real store: 6,000 commits of a few pages each (about
 * 18,000 frames, 70 MB of WAL if it were never reused) with the worker
 * running; each commit waits for nothing but its COMMIT.  The WAL hook
 * never checkpoints on this thread (s->ckpt is set), the thread's
 * checkpoints let the WAL be reused, and the file stays far below what
 * the commits wrote.
 */
static void
test_thread(void **state)
{
	char dir[] = "/tmp/pagerd-test-ckpt.XXXXXX", *path, *cause = NULL;
	struct event_base *base;
	struct store *s;
	struct sq *ins;
	off_t max = 0, sz;
	int i, restarts = 0;
	int64_t last = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_non_null(base = event_base_new());
	s = store_open(dir, &cause);
	if (s == NULL)
		fail_msg("%s", cause);
	store_set_synchronous(s, 0);	/* nothing to wait for here */
	store_sync_start(s, base);
	assert_non_null(s->ckpt);
	assert_int_equal(store_begin(s, &cause), 0);
	assert_non_null(ins = store_stmt(s, "CREATE TABLE IF NOT EXISTS"
	    " ckpt_test (id INTEGER PRIMARY KEY, pad TEXT)"));
	assert_int_equal(store_step_done(s, ins, &cause), 0);
	assert_int_equal(store_commit(s, &cause), 0);
	assert_non_null(ins = store_stmt(s, "INSERT INTO ckpt_test (pad)"
	    " VALUES (?1)"));
	for (i = 0; i < 6000; i++) {
		char pad[5000];

		memset(pad, 'a' + i % 26, sizeof pad - 1);
		pad[sizeof pad - 1] = '\0';
		assert_int_equal(store_begin(s, &cause), 0);
		store_bind_text(ins, 1, pad);
		assert_int_equal(store_step_done(s, ins, &cause), 0);
		assert_int_equal(store_commit(s, &cause), 0);
		if (s->wal_frames < last)
			restarts++;
		last = s->wal_frames;
		if ((sz = file_size(s->wal_path)) > max)
			max = sz;
	}
	print_message("WAL restarted %d times, largest %lld bytes\n",
	    restarts, (long long)max);
	assert_true(restarts > 0);
	assert_true(max <= STORE_CKPT_HARD_BYTES + (8LL << 20));
	store_close(s);
	event_base_free(base);
	xasprintf(&path, "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
	free(path);
}

/*
 * A crash with zeros written ahead past the WAL's end: a child process
 * opens a store (the -wal file is written ahead at once), commits
 * thousands of rows, synced, enough for the WAL to be restarted and to
 * outgrow what was written ahead at start (the thread writes more), and
 * exits without closing anything, as after kill -9.  Reopened, the
 * store has every row and passes SQLite's integrity check.  4,000
 * rows of 3,000 bytes, a page each: three frames a commit (the leaf,
 * its parent, page 1 with the database's size), about 50 MB of WAL if
 * no checkpoint ever completed, below STORE_CKPT_HARD_BYTES, whose
 * TRUNCATE would shrink the file under the size checked here (6,000
 * rows of 5,000 bytes, four frames a commit, reached it whenever the
 * checkpoints fell behind: the check then failed, by the machine's
 * pace).
 */
static void
test_ahead_crash(void **state)
{
	char dir[] = "/tmp/pagerd-test-ahead.XXXXXX", *path, *cause = NULL;
	struct event_base *base;
	struct store *s;
	struct sq *ins, *q;
	pid_t pid;
	int i, status, n = 4000;
	off_t sz = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	if ((pid = fork()) == 0) {
		base = event_base_new();
		if ((s = store_open(dir, &cause)) == NULL)
			_exit(2);
		store_sync_start(s, base);
		if (file_size(s->wal_path) < STORE_WAL_AHEAD_BYTES)
			_exit(3);
		if (store_begin(s, &cause) != 0 ||
		    (ins = store_stmt(s, "CREATE TABLE ahead_test (id INTEGER"
		    " PRIMARY KEY, pad TEXT)")) == NULL ||
		    store_step_done(s, ins, &cause) != 0 ||
		    store_commit(s, &cause) != 0 ||
		    (ins = store_stmt(s, "INSERT INTO ahead_test (pad)"
		    " VALUES (?1)")) == NULL)
			_exit(4);
		for (i = 0; i < n; i++) {
			char pad[3001];

			memset(pad, 'a' + i % 26, sizeof pad - 1);
			pad[sizeof pad - 1] = '\0';
			if (store_begin(s, &cause) != 0)
				_exit(5);
			store_bind_text(ins, 1, pad);
			if (store_step_done(s, ins, &cause) != 0 ||
			    store_commit(s, &cause) != 0)
				_exit(6);
		}
		_exit(0);	/* no close, no checkpoint: a crash */
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	xasprintf(&path, "%s/pagerd.db-wal", dir);
	sz = file_size(path);
	free(path);
	print_message("-wal file after the crash: %lld bytes\n",
	    (long long)sz);
	assert_true(sz >= STORE_WAL_AHEAD_BYTES);

	s = store_open(dir, &cause);
	if (s == NULL)
		fail_msg("%s", cause);
	assert_non_null(q = store_stmt(s, "SELECT count(*) FROM ahead_test"));
	assert_int_equal(store_step_int64(q, -1), n);
	assert_non_null(q = store_stmt(s, "PRAGMA integrity_check"));
	assert_int_equal(store_step(q), STORE_ROW);
	assert_string_equal(store_column_text(q, 0), "ok");
	store_reset(q);
	store_close(s);
	xasprintf(&path, "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threshold),
		cmocka_unit_test(test_complete_then_restart),
		cmocka_unit_test(test_tail_and_gap),
		cmocka_unit_test(test_hard_bound),
		cmocka_unit_test(test_ahead),
		cmocka_unit_test(test_thread),
		cmocka_unit_test(test_ahead_crash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
