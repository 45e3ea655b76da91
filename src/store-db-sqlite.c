/* SPDX-License-Identifier: ISC */
/*
 * store-db-sqlite.c: the store's SQLite driver, all of pagerd's calls to
 * SQLite.  The database is one file in the state folder, in WAL mode
 * with synchronous=NORMAL: the sync of the WAL that makes a commit
 * durable is store-sync.c's, and checkpoints are store-checkpoint.c's,
 * on a connection of their own.  The schema is versioned with PRAGMA
 * user_version and migrated on open (the migrations are
 * store-migrations.c's).  The store's own connection writes through
 * store-vfs.c's VFS, which gathers each COMMIT's WAL frames into one
 * write; the checkpointing connection through SQLite's default one.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "log.h"
#include "metrics.h"
#include "store.h"
#include "store-private.h"
#include "store-vfs.h"
#include "xmalloc.h"

struct store_sqlite_sq {
	struct sq q;		/* first: a struct sq * is one of these */
	sqlite3_stmt *st;
};

#define SQ(q)	(((struct store_sqlite_sq *)(q))->st)

static int store_sqlite_open(struct store *, const char *, char **);
static void store_sqlite_close(struct store *);
static int store_sqlite_migrate(struct store *, char **);
static struct sq *store_sqlite_prepare(struct store *, const char *, int);
static void store_sqlite_finalize(struct sq *);
static void store_sqlite_bind_int64(struct sq *, int, int64_t);
static void store_sqlite_bind_text(struct sq *, int, const char *, int);
static void store_sqlite_bind_null(struct sq *, int);
static int store_sqlite_step(struct sq *);
static int64_t store_sqlite_column_int64(struct sq *, int);
static const char *store_sqlite_column_text(struct sq *, int);
static int store_sqlite_column_null(struct sq *, int);
static void store_sqlite_reset(struct sq *);
static void store_sqlite_clear(struct sq *);
static int64_t store_sqlite_changes(struct store *);
static int64_t store_sqlite_last_id(struct store *);
static const char *store_sqlite_errmsg(struct store *);
static int store_sqlite_in_transaction(struct store *);

const struct store_driver store_sqlite_driver = {
	.name = "sqlite",
	.dialect = STORE_DIALECT_SQLITE,
	.open = store_sqlite_open,
	.close = store_sqlite_close,
	.migrate = store_sqlite_migrate,
	.prepare = store_sqlite_prepare,
	.finalize = store_sqlite_finalize,
	.bind_int64 = store_sqlite_bind_int64,
	.bind_text = store_sqlite_bind_text,
	.bind_null = store_sqlite_bind_null,
	.step = store_sqlite_step,
	.column_int64 = store_sqlite_column_int64,
	.column_text = store_sqlite_column_text,
	.column_null = store_sqlite_column_null,
	.reset = store_sqlite_reset,
	.clear = store_sqlite_clear,
	.changes = store_sqlite_changes,
	.last_id = store_sqlite_last_id,
	.errmsg = store_sqlite_errmsg,
	.in_transaction = store_sqlite_in_transaction,
};

/*
 * SQLite's WAL hook, after each commit of the store's connection: frames
 * frames are in the WAL.  With the checkpointing thread running, tell
 * it, and truncate the WAL here if it reached its bound
 * (store-checkpoint.c); without, checkpoint here past STORE_CKPT_FRAMES,
 * as SQLite's own automatic checkpoint would.
 */
static int
store_sqlite_wal_cb(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct store *s = arg;
	int64_t t0 = store_usec();
	int rc;

	if (store_ckpt_wal(s, frames)) {
		/* wait for readers (a backup) only a little, on the loop */
		s->busy_ms = STORE_CKPT_BUSY_MS;
		rc = sqlite3_wal_checkpoint_v2(db, name,
		    SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
		s->busy_ms = STORE_BUSY_MS;
		store_ckpt_release(s, rc == SQLITE_OK);
		if (rc == SQLITE_OK)
			metrics_checkpoint(1, store_usec() - t0);
		log_warnx("store: the WAL of %s reached %d frames: %s in %lld"
		    " ms on the event loop", s->path, frames, rc == SQLITE_OK ?
		    "truncated" : "could not truncate it",
		    (long long)(store_usec() - t0) / 1000);
	} else if (s->ckpt == NULL && frames >= STORE_CKPT_FRAMES) {
		if (sqlite3_wal_checkpoint_v2(db, name,
		    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL) == SQLITE_OK)
			metrics_checkpoint(0, store_usec() - t0);
	}
	return SQLITE_OK;
}

/* The answer to PRAGMA journal_mode: is the database in WAL mode? */
static int
store_sqlite_journal_cb(void *arg, int n, char **v, char **names)
{
	struct store *s = arg;

	if (n == 1 && v[0] != NULL)
		s->wal = strcmp(v[0], "wal") == 0;
	return 0;
}

/*
 * SQLite's busy handler for the store's connection: a lock another
 * connection holds (the checkpointing thread writing the WAL ahead,
 * about 60 us a piece; a backup) is tried again after 20 us for the
 * first millisecond, then every millisecond, s->busy_ms in all.
 * SQLite's own sqlite3_busy_timeout() sleeps 1 ms at once, on the loop.
 */
static int
store_sqlite_busy(void *arg, int n)
{
	struct store *s = arg;

	if (n < 50) {
		usleep(20);
		return 1;
	}
	if (n - 50 >= s->busy_ms)
		return 0;
	usleep(1000);
	return 1;
}

/* A statement journal's memory before it spills to a file. */
#define STORE_STMTJRNL_MEM (8 * 1024 * 1024)

/* Open the file path (creating it), in WAL mode with foreign keys on. */
static int
store_sqlite_open(struct store *s, const char *path, char **cause)
{
	sqlite3 *db = NULL;
	char *err = NULL;
	int rc;

	/*
	 * pagerd does not read SQLite's memory statistics; without them
	 * each of SQLite's allocations skips a global mutex.  A statement
	 * that changes many rows inside a transaction keeps the old
	 * content of each page it touches in a statement journal, which
	 * SQLite moves to a temporary file past 64 KiB: marking a digest
	 * of a storm sent (its rows among other people's) wrote ~28,000
	 * pages a second there, each a pwrite on the loop, with an open
	 * and unlink per statement (tests/bench/storm, shape b).  In
	 * memory up to STORE_STMTJRNL_MEM instead, freed when the
	 * statement ends.  Both fail (harmlessly) once SQLite is
	 * initialised: the first store opened sets them.
	 */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, STORE_STMTJRNL_MEM);
	/* each COMMIT's WAL frames in one pwrite: see store-vfs.c */
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, store_vfs_register());
	s->db = db;
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "PRAGMA journal_mode = WAL;",
		    store_sqlite_journal_cb, s, &err);
	if (rc != SQLITE_OK) {
		xasprintf(cause, "%s: %s", s->path, err != NULL ? err :
		    db != NULL ? sqlite3_errmsg(db) : "cannot open");
		sqlite3_free(err);
		return -1;
	}
	sqlite3_extended_result_codes(db, 1);
	s->busy_ms = STORE_BUSY_MS;
	sqlite3_busy_handler(db, store_sqlite_busy, s);
	if (sqlite3_exec(db, "PRAGMA foreign_keys = ON;", NULL, NULL,
	    &err) != SQLITE_OK) {
		xasprintf(cause, "%s: %s", s->path, err);
		sqlite3_free(err);
		return -1;
	}
	/*
	 * In WAL mode, FULL differs from NORMAL only by a sync of the WAL
	 * at each commit, which store-sync.c does instead.  A file system
	 * without WAL support keeps SQLite's own FULL.
	 */
	if (sqlite3_exec(db, s->wal ? "PRAGMA synchronous = NORMAL" :
	    "PRAGMA synchronous = FULL", NULL, NULL, &err) != SQLITE_OK) {
		xasprintf(cause, "%s: %s", s->path, err);
		sqlite3_free(err);
		return -1;
	}
	if (!s->wal)
		log_warnx("store: %s is not in WAL mode", s->path);
	else {
		/* no checkpoint inside COMMIT: see store-checkpoint.c */
		sqlite3_wal_autocheckpoint(db, 0);
		sqlite3_wal_hook(db, store_sqlite_wal_cb, s);
	}
	return 0;
}

/*
 * A second connection to the database file path, for the checkpointing
 * thread (and only it); *page_size is the database's.  synchronous=
 * NORMAL makes SQLite sync the WAL before a checkpoint copies frames
 * into the database file, and the database file before the WAL may be
 * reused.  NULL with *cause if it cannot be opened.
 */
void *
store_sqlite_checkpointer(const char *path, int *page_size, char **cause)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "PRAGMA synchronous = NORMAL", NULL,
		    NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, "PRAGMA page_size", -1, &st,
		    NULL);
	if (rc == SQLITE_OK && sqlite3_step(st) != SQLITE_ROW)
		rc = SQLITE_ERROR;
	if (rc != SQLITE_OK) {
		xasprintf(cause, "%s: checkpointing connection: %s", path,
		    db != NULL ? sqlite3_errmsg(db) : "cannot open");
		sqlite3_finalize(st);
		sqlite3_close(db);
		return NULL;
	}
	*page_size = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_extended_result_codes(db, 1);
	return db;
}

/*
 * A PASSIVE checkpoint on the connection db: 0 with *log frames in the
 * WAL and *copied of them in the database file; 1 if busy (another
 * checkpoint ran); -1 with *cause on an error.
 */
int
store_sqlite_checkpoint(void *arg, int64_t *log, int64_t *copied,
    char **cause)
{
	sqlite3 *db = arg;
	int rc, nlog = -1, ncopied = -1;

	rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE,
	    &nlog, &ncopied);
	*log = nlog;
	*copied = ncopied;
	if (rc == SQLITE_OK)
		return 0;
	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
		return 1;
	xasprintf(cause, "%s", sqlite3_errmsg(db));
	return -1;
}

void
store_sqlite_checkpointer_close(void *db)
{
	sqlite3_close(db);
}

/*
 * Write zeros into the -wal file wal_path from its end up to size
 * bytes, and sync them, so that the frames later written there
 * overwrite blocks the file system has already allocated and written:
 * a sync of such frames need not commit the file system's journal, as
 * a sync of frames that grow the file must (measured on ext4: fdatasync
 * p99 7-8.4 ms growing the file, 2.9-4.9 ms overwriting).  Zeros past
 * the WAL's last frame are no frames to SQLite: recovering a WAL, it
 * checks each frame's salts and checksum against the WAL header and
 * stops at the first that does not match, as it does for the frames of
 * an older generation that a restarted WAL leaves behind.
 *
 * The zeros are written holding SQLite's WAL write lock, taken on the
 * connection db with BEGIN IMMEDIATE (waiting what its busy timeout
 * says), so that no connection, of this process or of another, appends
 * frames meanwhile; the sync comes after the lock is released.  0 with
 * *written the bytes written (0: the file was that long already, or
 * there is no WAL file); 1: the lock was busy; -1 with *cause.
 */
int
store_sqlite_wal_extend(void *arg, const char *wal_path, int64_t size,
    int64_t *written, char **cause)
{
	static const char zeros[65536];
	sqlite3 *db = arg;
	struct stat sb;
	int64_t off;
	ssize_t n;
	size_t len;
	int fd, rc, err = 0;

	*written = 0;
	rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK && !sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
		return 1;
	if (rc != SQLITE_OK) {
		xasprintf(cause, "%s", sqlite3_errmsg(db));
		return -1;
	}
	if ((fd = open(wal_path, O_WRONLY | O_CLOEXEC)) == -1) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		if (errno == ENOENT)
			return 0; /* no WAL yet: SQLite makes it */
		xasprintf(cause, "%s: %s", wal_path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) != 0)
		err = errno;
	for (off = sb.st_size; err == 0 && off < size; off += n) {
		len = size - off < (int64_t)sizeof zeros ?
		    (size_t)(size - off) : sizeof zeros;
		if ((n = pwrite(fd, zeros, len, off)) == -1) {
			if (errno == EINTR) {
				n = 0;
				continue;
			}
			err = errno;
			break;
		}
		*written += n;
	}
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	if (*written > 0 && fdatasync(fd) != 0 && err == 0)
		err = errno;
	close(fd);
	if (err != 0) {
		xasprintf(cause, "%s: %s", wal_path, strerror(err));
		return -1;
	}
	return 0;
}

static void
store_sqlite_close(struct store *s)
{
	if (s->db != NULL)
		sqlite3_close(s->db);
	s->db = NULL;
}

/*
 * The references a migration left dangling: 0 if there are none, else -1
 * with *err (sqlite3_malloc'd) naming the first.  Rows that dangled
 * before the migration would be reported too; foreign keys are on at
 * every other time, so there are none.
 */
static int
store_sqlite_fk_check(sqlite3 *db, char **err)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &st,
	    NULL) != SQLITE_OK) {
		*err = sqlite3_mprintf("%s", sqlite3_errmsg(db));
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*err = sqlite3_mprintf("row %lld of %s refers to a missing"
		    " row of %s", sqlite3_column_int64(st, 1),
		    sqlite3_column_text(st, 0), sqlite3_column_text(st, 2));
	else if (rc != SQLITE_DONE)
		*err = sqlite3_mprintf("%s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * Bring the schema of the open store s up to date, each migration in a
 * transaction of its own.
 */
static int
store_sqlite_migrate(struct store *s, char **cause)
{
	sqlite3 *db = s->db;
	sqlite3_stmt *st;
	const char *const *migrations;
	size_t n;
	int version, i, rc = -1;
	char *err = NULL, *sql;

	migrations = store_migrations_sqlite(&n);
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st,
	    NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		store_cause(s, cause, "reading schema version");
		sqlite3_finalize(st);
		return -1;
	}
	version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version > (int)n) {
		xasprintf(cause, "%s: schema version %d is newer than this"
		    " pagerd knows (%zu)", s->path, version, n);
		return -1;
	}
	if (version == (int)n)
		return 0;
	/*
	 * A migration that copies a table drops the old one, which foreign
	 * keys would refuse (or cascade): they are off while migrations
	 * run (this cannot change inside a transaction), and each
	 * migration checks before COMMIT that it broke no reference.
	 */
	if (sqlite3_exec(db, "PRAGMA foreign_keys = OFF", NULL, NULL,
	    &err) != SQLITE_OK)
		goto fail;
	for (i = version; i < (int)n; i++) {
		xasprintf(&sql, "BEGIN IMMEDIATE; %s;", migrations[i]);
		rc = sqlite3_exec(db, sql, NULL, NULL, &err);
		free(sql);
		if (rc == SQLITE_OK && store_sqlite_fk_check(db, &err) != 0)
			rc = SQLITE_CONSTRAINT;
		if (rc == SQLITE_OK) {
			xasprintf(&sql, "PRAGMA user_version = %d; COMMIT;",
			    i + 1);
			rc = sqlite3_exec(db, sql, NULL, NULL, &err);
			free(sql);
		}
		if (rc != SQLITE_OK) {
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			xasprintf(cause, "%s: migration %d: %s", s->path, i + 1,
			    err != NULL ? err : sqlite3_errmsg(db));
			sqlite3_free(err);
			err = NULL;
			rc = -1;
			goto out;
		}
		log_info("store: schema migrated to version %d", i + 1);
	}
	rc = 0;
out:
	if (sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL,
	    &err) != SQLITE_OK && rc == 0)
		goto fail;
	return rc;
fail:
	xasprintf(cause, "%s: %s", s->path, err != NULL ? err :
	    sqlite3_errmsg(db));
	sqlite3_free(err);
	return -1;
}

static struct sq *
store_sqlite_prepare(struct store *s, const char *sql, int persistent)
{
	struct store_sqlite_sq *q;
	sqlite3_stmt *st;
	char *mine = store_sql_pick(sql, STORE_DIALECT_SQLITE);
	int rc;

	rc = sqlite3_prepare_v3(s->db, mine != NULL ? mine : sql, -1,
	    persistent ? SQLITE_PREPARE_PERSISTENT : 0, &st, NULL);
	free(mine);
	if (rc != SQLITE_OK)
		return NULL;
	q = xcalloc(1, sizeof *q);
	q->q.drv = &store_sqlite_driver;
	q->q.sql = sqlite3_sql(st); /* SQLite's copy, as prepared */
	q->st = st;
	return &q->q;
}

static void
store_sqlite_finalize(struct sq *q)
{
	if (q == NULL)
		return;
	sqlite3_finalize(SQ(q));
	free(q);
}

static void
store_sqlite_bind_int64(struct sq *q, int i, int64_t v)
{
	sqlite3_bind_int64(SQ(q), i, v);
}

/* v NULL: SQL NULL.  Not copied unless copy (SQLITE_STATIC). */
static void
store_sqlite_bind_text(struct sq *q, int i, const char *v, int copy)
{
	if (v == NULL)
		sqlite3_bind_null(SQ(q), i);
	else
		sqlite3_bind_text(SQ(q), i, v, -1, copy ? SQLITE_TRANSIENT :
		    SQLITE_STATIC);
}

static void
store_sqlite_bind_null(struct sq *q, int i)
{
	sqlite3_bind_null(SQ(q), i);
}

static int
store_sqlite_step(struct sq *q)
{
	switch (sqlite3_step(SQ(q))) {
	case SQLITE_ROW:
		return STORE_ROW;
	case SQLITE_DONE:
		return STORE_DONE;
	default:
		return STORE_ERR;
	}
}

static int64_t
store_sqlite_column_int64(struct sq *q, int i)
{
	return sqlite3_column_int64(SQ(q), i);
}

static const char *
store_sqlite_column_text(struct sq *q, int i)
{
	return (const char *)sqlite3_column_text(SQ(q), i);
}

static int
store_sqlite_column_null(struct sq *q, int i)
{
	return sqlite3_column_type(SQ(q), i) == SQLITE_NULL;
}

static void
store_sqlite_reset(struct sq *q)
{
	sqlite3_reset(SQ(q));
}

static void
store_sqlite_clear(struct sq *q)
{
	sqlite3_clear_bindings(SQ(q));
}

static int64_t
store_sqlite_changes(struct store *s)
{
	return sqlite3_changes64(s->db);
}

static int64_t
store_sqlite_last_id(struct store *s)
{
	return sqlite3_last_insert_rowid(s->db);
}

static const char *
store_sqlite_errmsg(struct store *s)
{
	return s->db != NULL ? sqlite3_errmsg(s->db) : "not open";
}

static int
store_sqlite_in_transaction(struct store *s)
{
	return !sqlite3_get_autocommit(s->db);
}
