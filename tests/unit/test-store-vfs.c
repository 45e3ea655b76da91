/* SPDX-License-Identifier: ISC */
/*
 * test-store-vfs.c: store-vfs.c's VFS, which gathers the store's WAL
 * frames into one write per COMMIT, on a real store: what a COMMIT
 * wrote is read at once by another connection; a kill -9 in the middle
 * of thousands of synced commits loses none of them; a transaction
 * larger than the buffer, a rollback of spilled frames, a WAL restarted
 * or truncated by a checkpoint; a write that fails (a file size limit)
 * fails the COMMIT, and the store goes on once it can write again; and
 * a transaction whose frame checksums SQLite rewrites survives a
 * process killed right after its COMMIT.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"
#include "store-private.h"
#include "store-vfs.h"
#include "xmalloc.h"

struct fixture {
	char		 dir[64];
	char		*db_path;
	struct store	*s;
	struct sq	*ins;
};

static off_t
file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? sb.st_size : -1;
}

/* A store in a new folder with table t (id, pad); synced commits. */
static int
setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof *fx);
	char *cause = NULL;
	struct sq *q;

	snprintf(fx->dir, sizeof fx->dir, "/tmp/pagerd-test-vfs.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	xasprintf(&fx->db_path, "%s/pagerd.db", fx->dir);
	if ((fx->s = store_open(fx->dir, &cause)) == NULL)
		fail_msg("%s", cause);
	assert_int_equal(store_begin(fx->s, &cause), 0);
	assert_non_null(q = store_stmt(fx->s, "CREATE TABLE t (id INTEGER"
	    " PRIMARY KEY, pad TEXT)"));
	assert_int_equal(store_step_done(fx->s, q, &cause), 0);
	assert_int_equal(store_commit(fx->s, &cause), 0);
	assert_non_null(fx->ins = store_stmt(fx->s, "INSERT INTO t (pad)"
	    " VALUES (?1)"));
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;
	char *cmd;

	if (fx->s != NULL)
		store_close(fx->s);
	xasprintf(&cmd, "rm -rf '%s'", fx->dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(fx->db_path);
	free(fx);
	return 0;
}

/* Insert n rows of size bytes (letter c) in the open transaction. */
static void
insert(struct fixture *fx, int n, size_t size, int c)
{
	char *pad = xmalloc(size + 1), *cause = NULL;
	int i;

	memset(pad, c, size);
	pad[size] = '\0';
	for (i = 0; i < n; i++) {
		store_bind_text(fx->ins, 1, pad);
		if (store_step_done(fx->s, fx->ins, &cause) != 0)
			fail_msg("%s", cause);
	}
	free(pad);
}

/* One committed transaction of n rows. */
static void
commit_rows(struct fixture *fx, int n, size_t size, int c)
{
	char *cause = NULL;

	assert_int_equal(store_begin(fx->s, &cause), 0);
	insert(fx, n, size, c);
	if (store_commit(fx->s, &cause) != 0)
		fail_msg("%s", cause);
}

/* A second connection, SQLite's default VFS, as the checkpointer's. */
static sqlite3 *
other(struct fixture *fx)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open_v2(fx->db_path, &db,
	    SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	return db;
}

static int64_t
query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void
assert_intact(sqlite3 *db)
{
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check",
	    -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
}

/* The store closed and opened again: rows rows in t, and intact. */
static void
reopen_has(struct fixture *fx, int64_t rows)
{
	char *cause = NULL;
	sqlite3 *db;

	store_close(fx->s);
	if ((fx->s = store_open(fx->dir, &cause)) == NULL)
		fail_msg("%s", cause);
	db = other(fx);
	assert_int_equal(query_int(db, "SELECT count(*) FROM t"), rows);
	assert_intact(db);
	sqlite3_close(db);
}

/*
 * Each COMMIT is read at once by another connection (its frames are in
 * the file when COMMIT returns), and was written with far fewer writes
 * than SQLite's two per frame.
 */
static void
test_read_back(void **state)
{
	struct fixture *fx = *state;
	struct store_vfs_stats a, b;
	sqlite3 *db = other(fx);
	int i;

	store_vfs_stats(&a);
	for (i = 1; i <= 200; i++) {
		commit_rows(fx, 5, 3000, 'a' + i % 26);
		assert_int_equal(query_int(db, "SELECT count(*) FROM t"),
		    i * 5);
	}
	store_vfs_stats(&b);
	print_message("%llu writes of WAL frames, %llu to the file\n",
	    b.writes - a.writes, b.flushes - a.flushes);
	assert_true(b.writes - a.writes >= 200 * 2 * 5);
	assert_true(b.flushes - a.flushes <= 200 + 10);
	assert_int_equal(b.failed, a.failed);
	assert_intact(db);
	sqlite3_close(db);
}

/*
 * A transaction of about 3 MB, three buffers' worth: read back whole,
 * then again after the store is closed and opened.
 */
static void
test_bigger_than_buffer(void **state)
{
	struct fixture *fx = *state;
	sqlite3 *db;

	commit_rows(fx, 1, 10, 'x');
	commit_rows(fx, 750, 4000, 'b');
	db = other(fx);
	assert_int_equal(query_int(db, "SELECT count(*) FROM t"), 751);
	assert_int_equal(query_int(db, "SELECT sum(length(pad)) FROM t"),
	    750 * 4000 + 10);
	sqlite3_close(db);
	reopen_has(fx, 751);
}

/*
 * A transaction that spilled frames into the WAL (a page cache of 10
 * pages) rolled back, then a smaller one committed: only the second is
 * there, for another connection and after a reopen.
 */
static void
test_rollback_then_commit(void **state)
{
	struct fixture *fx = *state;
	char *cause = NULL;
	sqlite3 *db;

	assert_int_equal(sqlite3_exec(fx->s->db, "PRAGMA cache_size = 10",
	    NULL, NULL, NULL), SQLITE_OK);
	commit_rows(fx, 3, 100, 'c');
	assert_int_equal(store_begin(fx->s, &cause), 0);
	insert(fx, 400, 2000, 'd');
	store_rollback(fx->s);
	commit_rows(fx, 7, 100, 'e');
	db = other(fx);
	assert_int_equal(query_int(db, "SELECT count(*) FROM t"), 10);
	assert_int_equal(query_int(db, "SELECT count(*) FROM t"
	    " WHERE pad LIKE 'd%'"), 0);
	assert_intact(db);
	sqlite3_close(db);
	/* the rolled-back frames do not come back from the WAL */
	reopen_has(fx, 10);
}

/* The WAL header's salts: a restarted WAL has new ones. */
static uint64_t
wal_salts(struct fixture *fx)
{
	unsigned char h[32];
	uint64_t v = 0;
	FILE *fp;
	char *path;
	int i;

	xasprintf(&path, "%s-wal", fx->db_path);
	assert_non_null(fp = fopen(path, "rb"));
	assert_int_equal(fread(h, 1, sizeof h, fp), sizeof h);
	fclose(fp);
	free(path);
	for (i = 16; i < 24; i++)
		v = v << 8 | h[i];
	return v;
}

/*
 * A complete checkpoint by another connection: the store's next commit
 * writes the WAL again from its start (new salts), and is read back;
 * after a TRUNCATE checkpoint (the -wal file emptied under the store's
 * connection) too.
 */
static void
test_wal_restart(void **state)
{
	struct fixture *fx = *state;
	char *wal;
	uint64_t salts;
	sqlite3 *db = other(fx);
	int log = -1, copied = -1;

	xasprintf(&wal, "%s-wal", fx->db_path);
	commit_rows(fx, 20, 3000, 'f');
	salts = wal_salts(fx);
	/* (a connection knows the file is in WAL mode once it read it) */
	assert_int_equal(query_int(db, "SELECT count(*) FROM t"), 20);
	assert_int_equal(sqlite3_wal_checkpoint_v2(db, NULL,
	    SQLITE_CHECKPOINT_PASSIVE, &log, &copied), SQLITE_OK);
	assert_true(log > 0);
	assert_int_equal(copied, log);
	commit_rows(fx, 3, 100, 'g');
	assert_true(fx->s->wal_frames < log);
	assert_true(wal_salts(fx) != salts);
	assert_int_equal(query_int(db, "SELECT count(*) FROM t"), 23);

	assert_int_equal(sqlite3_wal_checkpoint_v2(db, NULL,
	    SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL), SQLITE_OK);
	assert_int_equal(file_size(wal), 0);
	commit_rows(fx, 4, 3000, 'h');
	assert_true(file_size(wal) > 4 * 3000);
	assert_int_equal(query_int(db, "SELECT count(*) FROM t"), 27);
	assert_intact(db);
	sqlite3_close(db);
	reopen_has(fx, 27);
	free(wal);
}

/*
 * A write that fails: a file size limit just past the -wal file's end
 * (SIGXFSZ ignored, so write() says EFBIG).  The COMMIT of a transaction
 * that outgrows it fails and says so; with the limit lifted the store
 * rolls back and commits again; nothing of the failed one is there.
 */
static void
test_write_fails(void **state)
{
	struct fixture *fx = *state;
	struct store_vfs_stats a, b;
	struct rlimit old, rl;
	char *cause = NULL, *wal;
	sqlite3 *db;
	int rc;

	xasprintf(&wal, "%s-wal", fx->db_path);
	commit_rows(fx, 2, 100, 'i');
	store_vfs_stats(&a);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	rl = old;
	rl.rlim_cur = file_size(wal) + 64 * 1024;
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &rl), 0);
	assert_int_equal(store_begin(fx->s, &cause), 0);
	insert(fx, 200, 3000, 'j');
	rc = store_commit(fx->s, &cause);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(rc, -1);
	assert_non_null(cause);
	print_message("the failed COMMIT: %s\n", cause);
	assert_non_null(strstr(cause, "I/O error"));
	free(cause);
	cause = NULL;
	store_vfs_stats(&b);
	assert_true(b.failed > a.failed);
	store_rollback(fx->s);

	commit_rows(fx, 3, 100, 'k');
	db = other(fx);
	assert_int_equal(query_int(db, "SELECT count(*) FROM t"), 5);
	assert_int_equal(query_int(db, "SELECT count(*) FROM t"
	    " WHERE pad LIKE 'j%'"), 0);
	assert_intact(db);
	sqlite3_close(db);
	reopen_has(fx, 5);
	free(wal);
}

/*
 * kill -9 in the middle of thousands of synced commits (the sync and
 * checkpointing threads running, store.synchronous full): a child
 * commits one row at a time and tells each acknowledged count on a
 * pipe; once it told 3000 it is killed.  Reopened, the store has every
 * row acknowledged (and perhaps the one in flight), and is intact.
 */
static void
test_kill9(void **state)
{
	struct fixture *fx = *state;
	struct event_base *base;
	char *cause = NULL;
	int p[2], status, i, acked = 0, got;
	sqlite3 *db;
	pid_t pid;

	store_close(fx->s);
	fx->s = NULL;
	assert_int_equal(pipe(p), 0);
	if ((pid = fork()) == 0) {
		close(p[0]);
		base = event_base_new();
		if ((fx->s = store_open(fx->dir, &cause)) == NULL)
			_exit(2);
		store_sync_start(fx->s, base);
		fx->ins = store_stmt(fx->s, "INSERT INTO t (pad) VALUES (?1)");
		for (i = 1;; i++) {
			char pad[700];

			memset(pad, 'a' + i % 26, sizeof pad - 1);
			pad[sizeof pad - 1] = '\0';
			if (store_begin(fx->s, &cause) != 0)
				_exit(3);
			store_bind_text(fx->ins, 1, pad);
			if (store_step_done(fx->s, fx->ins, &cause) != 0 ||
			    store_commit(fx->s, &cause) != 0)
				_exit(4);
			if (write(p[1], &i, sizeof i) != sizeof i)
				_exit(5);
		}
	}
	assert_true(pid > 0);
	close(p[1]);
	while (acked < 3000 && read(p[0], &got, sizeof got) == sizeof got)
		acked = got;
	assert_int_equal(acked, 3000);
	kill(pid, SIGKILL);
	while (read(p[0], &got, sizeof got) == sizeof got)
		acked = got;
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));

	if ((fx->s = store_open(fx->dir, &cause)) == NULL)
		fail_msg("%s", cause);
	db = other(fx);
	got = query_int(db, "SELECT count(*) FROM t");
	print_message("%d commits acknowledged, %d rows after kill -9\n",
	    acked, got);
	assert_true(got >= acked);
	assert_true(got <= acked + 1);
	assert_int_equal(query_int(db, "SELECT max(id) FROM t"), got);
	assert_intact(db);
	sqlite3_close(db);
}

/*
 * A transaction that spills frames and then changes the same pages
 * again (a cache of a few pages): SQLite overwrites those frames in
 * place and, after the commit frame, rewrites the checksums of every
 * frame from the first overwritten one (walRewriteChecksums), 24-byte
 * headers at offsets below the WAL's end, with no page after them.
 * They must be in the file when COMMIT returns: a process killed then
 * (here _exit() at once, no close) must not lose the transaction, which
 * recovery would drop at the first frame whose checksum is stale.
 */
static void
test_rewritten_checksums(void **state)
{
	struct fixture *fx = *state;
	char *cause = NULL;
	int p[2], status, got = 0, i;
	struct sq *q;
	sqlite3 *db;
	pid_t pid;

	store_close(fx->s);
	fx->s = NULL;
	assert_int_equal(pipe(p), 0);
	if ((pid = fork()) == 0) {
		close(p[0]);
		if ((fx->s = store_open(fx->dir, &cause)) == NULL)
			_exit(2);
		if (sqlite3_exec(fx->s->db, "PRAGMA cache_size = 4", NULL,
		    NULL, NULL) != SQLITE_OK)
			_exit(3);
		fx->ins = store_stmt(fx->s, "INSERT INTO t (pad) VALUES (?1)");
		if (store_begin(fx->s, &cause) != 0)
			_exit(4);
		insert(fx, 400, 500, 'a');
		q = store_stmt(fx->s, "UPDATE t SET pad = upper(pad)"
		    " WHERE id % 7 = ?1");
		for (i = 0; i < 4; i++) {
			store_bind_int64(q, 1, i);
			if (store_step_done(fx->s, q, &cause) != 0)
				_exit(5);
		}
		if (store_commit(fx->s, &cause) != 0)
			_exit(6);
		i = 1;
		if (write(p[1], &i, sizeof i) != sizeof i)
			_exit(7);
		_exit(0);	/* as kill -9: nothing closed */
	}
	assert_true(pid > 0);
	close(p[1]);
	assert_int_equal(read(p[0], &got, sizeof got), sizeof got);
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	db = other(fx);
	assert_int_equal(query_int(db, "SELECT count(*) FROM t"), 400);
	assert_int_equal(query_int(db, "SELECT count(*) FROM t"
	    " WHERE pad GLOB 'A*'"), 229);
	assert_intact(db);
	sqlite3_close(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_back, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bigger_than_buffer, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rollback_then_commit,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_wal_restart, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_write_fails, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_kill9, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rewritten_checksums, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
