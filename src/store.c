/* SPDX-License-Identifier: ISC */
/*
 * store.c: the store's core: open and close, transactions, the cache of
 * prepared statements, and alerts and their audit.  The database is
 * reached through a driver (store-private.h; SQLite's is
 * store-db-sqlite.c).  It lives in the state folder, in WAL mode; a
 * committed transaction survives a crash or power loss because its WAL
 * frames are synced before anyone is told it was stored (store_commit()
 * syncs at once, store_commit_async() in a worker thread: see
 * store-sync.c).  Callers batch work into one transaction (group commit)
 * to pay for one sync per batch.  The schema is migrated on open
 * (store-migrations.c).  Audit events added in a transaction are
 * buffered and written at its COMMIT, many rows to an INSERT
 * (store_event_add).
 */
#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "hmac.h"
#include "log.h"
#include "metrics.h"
#include "store.h"
#include "store-private.h"
#include "xmalloc.h"

enum store_stmt {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_FIND_OPEN,
	ST_INSERT_ALERT,
	ST_BUMP_DUPLICATE,
	ST_INSERT_EVENT,
	ST_GET_ALERT,
	ST_EVENTS,
	ST_COUNT,
	ST_MAX
};

_Static_assert(ST_MAX == STORE_NSTMT, "STORE_NSTMT must equal ST_MAX");

static const char *store_sql[ST_MAX] = {
	[ST_BEGIN] = STORE_SQL("BEGIN IMMEDIATE", "BEGIN"),
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_FIND_OPEN] = "SELECT id, status, priority FROM alerts"
	    " WHERE service = ?1 AND dedup_key = ?2 AND status != 'resolved'",
	/*
	 * With its escalation state when it starts at once (?10 policy).
	 * SQLite: the id is the largest + 1, or, while ?22 (the store's
	 * alert_floor) is set, at least ?22.
	 */
	[ST_INSERT_ALERT] = "INSERT INTO alerts (" STORE_SQL("id, ", "")
	    "dedup_key, service, priority,"
	    " summary, source, details, links, integration, created_ms,"
	    " updated_ms, policy, stage, max_stage, stage_started_ms,"
	    " stage_ack_due_ms, stage_resolve_due_ms, repeats_done,"
	    " sla_response_due_ms, sla_first_response_due_ms,"
	    " sla_resolution_due_ms, sla_reminded, sla_breached, next_due_ms)"
	    " VALUES (" STORE_SQL("CASE WHEN ?22 > 0 THEN max(?22,"
	    " coalesce((SELECT max(id) FROM alerts), 0) + 1) END, ", "")
	    "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10, ?11, ?11,"
	    " nullif(" STORE_BIGINT("?12") ", 0),"
	    " nullif(" STORE_BIGINT("?13") ", 0),"
	    " nullif(" STORE_BIGINT("?14") ", 0), ?15,"
	    " nullif(" STORE_BIGINT("?16") ", 0),"
	    " nullif(" STORE_BIGINT("?17") ", 0),"
	    " nullif(" STORE_BIGINT("?18") ", 0), ?19, ?20, ?21)"
	    " ON CONFLICT (service, dedup_key) WHERE status != 'resolved'"
	    " DO NOTHING" STORE_SQL("", " RETURNING id"),
	[ST_BUMP_DUPLICATE] = "UPDATE alerts SET count = count + 1,"
	    " updated_ms = ?2, priority = "
	    STORE_SQL("min(priority, ?3)", "LEAST(priority, ?3)")
	    " WHERE id = ?1"
	    " RETURNING count",
	/* epoch: the lease's, written by a leader on PostgreSQL, or NULL */
	[ST_INSERT_EVENT] = "INSERT INTO events (alert_id, at_ms, actor, kind,"
	    " detail, epoch) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
	    STORE_SQL("", " RETURNING id"),
	[ST_GET_ALERT] = "SELECT id, dedup_key, service, priority, summary,"
	    " source, details, links, integration, status, stage, count,"
	    " created_ms, updated_ms, acknowledged_ms, first_response_ms,"
	    " resolved_ms, sla_response_due_ms, sla_first_response_due_ms,"
	    " sla_resolution_due_ms, sla_breached FROM alerts WHERE id = ?1",
	[ST_EVENTS] = "SELECT id, alert_id, at_ms, actor, kind, detail"
	    " FROM events WHERE alert_id = ?1 ORDER BY id",
	[ST_COUNT] = "SELECT count(*) FROM alerts",
};

/* How often one raise may lose its insert to another connection. */
#define STORE_RAISE_TRIES 3

static void store_evq_drop(struct store *);

#define STORE_ALERT_COLUMNS \
	"id, dedup_key, service, priority, summary, source, details, links," \
	" integration, status, stage, count, created_ms, updated_ms," \
	" acknowledged_ms, first_response_ms, resolved_ms," \
	" sla_response_due_ms, sla_first_response_due_ms," \
	" sla_resolution_due_ms, sla_breached"


void
store_cause(struct store *s, char **cause, const char *what)
{
	if (cause != NULL)
		xasprintf(cause, "%s: %s", what, store_errmsg(s));
}

/* Create dir and its parents, mode 0700 for the last one. */
static int
store_mkdirs(const char *dir, char **cause)
{
	char *p, *copy = xstrdup(dir);

	for (p = copy + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0755) != 0 && errno != EEXIST)
			goto fail;
		*p = '/';
	}
	if (mkdir(copy, 0700) != 0 && errno != EEXIST)
		goto fail;
	free(copy);
	return 0;
fail:
	xasprintf(cause, "%s: %s", copy, strerror(errno));
	free(copy);
	return -1;
}

/*
 * Make state_dir (mode 0700) when the store is not in it (PostgreSQL):
 * the lock file and the rest of pagerd's state still are.
 */
int
store_mkdir(const char *dir, char **cause)
{
	mode_t mask = umask(077);
	int rc;

	rc = store_mkdirs(dir, cause);
	umask(mask);
	return rc;
}

/* The files of a store in its folder: the first STORE_DATA_FILES hold
 * data; the lock file is main.c's. */
static const char *store_files[] = {
	"pagerd.db", "pagerd.db-wal", "pagerd.db-shm", "pagerd.lock"
};
#define STORE_DATA_FILES 3

/*
 * Called as root before pagerd switches to uid:gid.  A missing dir is
 * created and given to uid; an existing one, and the store files in it,
 * must already be uid's: pagerd never changes the owner of files it did
 * not create (state_dir = "/var" would be a bad surprise), it says what
 * to run instead.
 */
int
store_prepare(const char *dir, uid_t uid, gid_t gid, char **cause)
{
	struct stat st;
	char *path;
	size_t i;

	if (stat(dir, &st) != 0) {
		if (errno != ENOENT) {
			xasprintf(cause, "%s: %s", dir, strerror(errno));
			return -1;
		}
		if (store_mkdirs(dir, cause) != 0)
			return -1;
		if (chown(dir, uid, gid) != 0) {
			xasprintf(cause, "%s: chown: %s", dir, strerror(errno));
			return -1;
		}
		return 0;
	}
	if (st.st_uid != uid) {
		xasprintf(cause, "state_dir %s belongs to uid %lu, not to the"
		    " user pagerd runs as (uid %lu): chown -R %lu %s", dir,
		    (unsigned long)st.st_uid, (unsigned long)uid,
		    (unsigned long)uid, dir);
		return -1;
	}
	for (i = 0; i < nitems(store_files); i++) {
		xasprintf(&path, "%s/%s", dir, store_files[i]);
		if (lstat(path, &st) == 0 && st.st_uid != uid) {
			xasprintf(cause, "%s belongs to uid %lu, not to the user"
			    " pagerd runs as (uid %lu): chown -R %lu %s",
			    path, (unsigned long)st.st_uid, (unsigned long)uid,
			    (unsigned long)uid, dir);
			free(path);
			return -1;
		}
		free(path);
	}
	return 0;
}

/*
 * The store holds alert text, people's addresses and who was paged:
 * it is pagerd's alone.  A store file that an older pagerd (or a copy)
 * left readable by others is made 0600 before it is opened.
 */
static void
store_tighten(const char *dir)
{
	struct stat st;
	char *path;
	size_t i;

	for (i = 0; i < STORE_DATA_FILES; i++) {
		xasprintf(&path, "%s/%s", dir, store_files[i]);
		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
			if (chmod(path, st.st_mode & S_IRWXU) != 0)
				log_warn("%s: chmod", path);
			else
				log_info("store: %s was mode %04o, now %04o",
				    path, (unsigned)(st.st_mode & 07777),
				    (unsigned)(st.st_mode & S_IRWXU));
		}
		free(path);
	}
}

/* Is where a PostgreSQL connection string (a URI), not a folder? */
static int
store_is_pg(const char *where)
{
	return strncmp(where, "postgresql://", 13) == 0 ||
	    strncmp(where, "postgres://", 11) == 0;
}

/*
 * where as the log may show it: a URI's password (user:password@, or
 * a password= parameter) replaced by "***".  A new string.
 */
char *
store_redact(const char *where)
{
	const char *p, *auth, *end, *at, *colon;
	char *out, *o;
	size_t n;

	out = o = xmalloc(strlen(where) * 2 + 8);
	p = where;
	if ((auth = strstr(where, "://")) != NULL) {
		auth += 3;
		end = auth + strcspn(auth, "/?");
		at = NULL;
		for (p = auth; p < end; p++)
			if (*p == '@')
				at = p;
		colon = at != NULL ? memchr(auth, ':', at - auth) : NULL;
		if (colon != NULL) {
			memcpy(o, where, colon - where);
			o += colon - where;
			memcpy(o, ":***", 4);
			o += 4;
			p = at;
		} else
			p = where;
	}
	while (*p != '\0') {
		if (strncmp(p, "password=", 9) == 0 && (p == where ||
		    p[-1] == '?' || p[-1] == '&' || p[-1] == ' ')) {
			memcpy(o, "password=***", 12);
			o += 12;
			p += 9;
			n = strcspn(p, "& ");
			p += n;
			continue;
		}
		*o++ = *p++;
	}
	*o = '\0';
	return out;
}

/*
 * pagerd -t: can the store where be opened, and is its schema one this
 * pagerd knows?  Prints what it finds; 0 if it can run on it, else 1.
 * A folder (SQLite) is checked when pagerd starts.
 */
int
store_check(const char *where, int64_t timeout_ms, FILE *out, FILE *err)
{
	char *shown, *cause = NULL;
	int64_t version;
	size_t n;
	int rc = 0;

	if (!store_is_pg(where))
		return 0;
	shown = store_redact(where);
	store_migrations_pg_list(&n);
	if (store_pg_check(where, timeout_ms, &version, &cause) != 0) {
		fprintf(err, "store %s: %s\n", shown, cause);
		rc = 1;
	} else if (version > (int64_t)n) {
		fprintf(err, "store %s: schema version %lld is newer than"
		    " this pagerd knows (%zu): upgrade pagerd\n", shown,
		    (long long)version, n);
		rc = 1;
	} else if (version < (int64_t)n)
		fprintf(out, "store %s: reachable, schema version %lld (%zu"
		    " after the migrations pagerd runs at start)\n", shown,
		    (long long)version, n);
	else
		fprintf(out, "store %s: reachable, schema version %lld\n",
		    shown, (long long)version);
	free(cause);
	free(shown);
	return rc;
}

/*
 * From now on the store keeps its database reachable on base's loop
 * (PostgreSQL: a lost connection is made again); cb, if not NULL,
 * hears when it goes down (0) and comes back (1).
 */
void
store_watch(struct store *s, struct event_base *base,
    void (*cb)(void *, int), void *arg)
{
	if (s->drv == &store_pg_driver)
		store_pg_watch(s, base, cb, arg);
}

/* Can the database be reached, as far as the store knows? */
int
store_up(struct store *s)
{
	if (s->drv == &store_pg_driver)
		return store_pg_up(s);
	return !s->sync_failed;
}

/* Is the store PostgreSQL's? */
int
store_is_remote(struct store *s)
{
	return s->drv == &store_pg_driver;
}

/*
 * Open (creating if needed) the store in folder dir.  Its files are
 * created 0600 whatever the umask pagerd was started with or the mode
 * of an existing dir: umask(077) covers the database, and SQLite gives
 * the -wal and -shm files the database's own mode.  A dir that is a
 * postgresql:// URI opens that PostgreSQL database instead
 * (store.database in pagerd.conf).
 */
struct store *
store_open(const char *dir, char **cause)
{
	return store_open_db(dir, 2000, cause);
}

/*
 * SQLite gives a new alert the largest id + 1 (alerts has no
 * AUTOINCREMENT since migration 24), and retention never removes the
 * alert with the largest id, so the largest id only grows.  Only an id
 * given before that migration can be larger than any left (the last of
 * the old sequence, kept in alert_id_floor, or an alert retention
 * archived): then new alerts start past it, until the next start finds
 * one of them the largest.  PostgreSQL's ids come from a sequence,
 * which never goes back.
 */
static int
store_alert_floor(struct store *s, char **cause)
{
	struct sq *st;
	int64_t given;

	s->alert_floor = 0;
	if (s->drv != &store_sqlite_driver)
		return 0;
	if ((st = s->drv->prepare(s, "SELECT (SELECT coalesce(max(id), 0)"
	    " FROM archived_alerts), (SELECT coalesce(max(id), 0) FROM"
	    " alert_id_floor), (SELECT coalesce(max(id), 0) FROM alerts)",
	    0)) == NULL) {
		store_cause(s, cause, "reading the largest alert id");
		return -1;
	}
	if (store_step(st) != STORE_ROW) {
		store_cause(s, cause, "reading the largest alert id");
		s->drv->finalize(st);
		return -1;
	}
	given = store_column_int64(st, 0);
	if (store_column_int64(st, 1) > given)
		given = store_column_int64(st, 1);
	if (given > store_column_int64(st, 2))
		s->alert_floor = given + 1;
	s->drv->finalize(st);
	return 0;
}

/* The same, with timeout_ms the deadline of PostgreSQL's statements. */
struct store *
store_open_db(const char *dir, int64_t timeout_ms, char **cause)
{
	struct store *s;
	mode_t mask;
	int i, rc;

	if (store_is_pg(dir)) {
		s = xcalloc(1, sizeof *s);
		s->drv = &store_pg_driver;
		s->path = xstrdup("PostgreSQL");
		s->wal_fd = -1;
		s->timeout_ms = timeout_ms;
		if (s->drv->open(s, dir, cause) != 0)
			goto fail;
		goto opened;
	}
	mask = umask(077);
	if (store_mkdirs(dir, cause) != 0) {
		umask(mask);
		return NULL;
	}
	store_tighten(dir);
	s = xcalloc(1, sizeof *s);
	s->drv = &store_sqlite_driver;
	xasprintf(&s->path, "%s/pagerd.db", dir);
	xasprintf(&s->wal_path, "%s-wal", s->path);
	s->wal_fd = -1;
	s->full_sync = 1;
	rc = s->drv->open(s, s->path, cause);
	umask(mask);
	if (rc != 0)
		goto fail;
opened:
	if (s->drv->migrate(s, cause) != 0)
		goto fail;
	for (i = 0; i < ST_MAX; i++) {
		if ((s->stmt[i] = s->drv->prepare(s, store_sql[i], 1)) ==
		    NULL) {
			xasprintf(cause, "%s: preparing \"%s\": %s", s->path,
			    store_sql[i], store_errmsg(s));
			goto fail;
		}
	}
	if (store_alert_floor(s, cause) != 0)
		goto fail;
	return s;
fail:
	store_close(s);
	return NULL;
}

void
store_close(struct store *s)
{
	int i;

	if (s == NULL)
		return;
	store_ckpt_stop(s);
	store_sync_stop(s);
	if (s->wal_fd != -1)
		close(s->wal_fd);
	for (i = 0; i < ST_MAX; i++)
		s->drv->finalize(s->stmt[i]);
	for (i = 0; i < (int)s->ncache; i++)
		s->drv->finalize(s->cache[i].stmt);
	free(s->cache);
	for (i = 0; i < STORE_EVQ_ROWS; i++)
		s->drv->finalize(s->evst[i]);
	free(s->evq);
	free(s->evtext);
	store_callback_configure(s, NULL, 0, NULL, NULL);
	store_ahead_clear(s);
	store_prefetch_clear(s);
	store_engine_saves_drop(s, 1);
	s->drv->close(s);
	free(s->path);
	free(s->wal_path);
	free(s);
}

/*
 * full: sync the WAL at every commit (the default, safe against power
 * loss); else leave syncing to SQLite's checkpoints, which is safe
 * against a crash of the process only (SQLite's synchronous=NORMAL).
 */
void
store_set_synchronous(struct store *s, int full)
{
	if (s->drv == &store_pg_driver) {
		/* PostgreSQL: synchronous_commit off for "normal" */
		store_pg_set_async_commit(s, !full);
		return;
	}
	s->full_sync = full && s->wal;
}

/*
 * The prepared statement for sql, prepared on first use and kept until
 * the store closes.  sql must be a string constant: it is looked up by
 * address.  Returns NULL (and logs) if it does not compile.
 */
struct sq *
store_stmt(struct store *s, const char *sql)
{
	struct sq *st;
	size_t i;

	for (i = 0; i < s->ncache; i++)
		if (s->cache[i].sql == sql)
			return s->cache[i].stmt;
	if ((st = s->drv->prepare(s, sql, 1)) == NULL) {
		log_warnx("store: preparing \"%s\": %s", sql,
		    store_errmsg(s));
		return NULL;
	}
	s->cache = xreallocarray(s->cache, s->ncache + 1, sizeof *s->cache);
	s->cache[s->ncache].sql = sql;
	s->cache[s->ncache++].stmt = st;
	return st;
}

/* The same, or NULL with *cause: "what: the database's error". */
struct sq *
store_stmt_cause(struct store *s, const char *sql, const char *what,
    char **cause)
{
	struct sq *st;

	if ((st = store_stmt(s, sql)) == NULL)
		store_cause(s, cause, what);
	return st;
}

/*
 * Step a statement that returns no rows, then reset it and clear its
 * parameters (so that text bound with store_bind_text_static() is not
 * referred to after the step).
 */
int
store_step_done(struct store *s, struct sq *st, char **cause)
{
	int rc;

	rc = store_step(st);
	if (rc != STORE_DONE) {
		store_cause(s, cause, st->sql);
		store_reset(st);
		store_clear(st);
		return -1;
	}
	store_reset(st);
	store_clear(st);
	return 0;
}

int
store_begin(struct store *s, char **cause)
{
	if (s->sync_failed) {
		if (cause != NULL)
			xasprintf(cause, "%s could not be synced to disk;"
			    " restart pagerd", s->wal_path);
		return -1;
	}
	/* a group commit still in flight is settled before another begins */
	if (s->drv == &store_pg_driver) {
		store_pg_settle(s);
		store_ahead_clear(s);
		store_prefetch_clear(s);
		store_engine_saves_drop(s, 0);
	}
	/* PostgreSQL: BEGIN goes out with the transaction's first statement */
	if (s->drv->later != NULL && s->drv->later(s->stmt[ST_BEGIN]))
		store_reset(s->stmt[ST_BEGIN]);
	else if (store_step_done(s, s->stmt[ST_BEGIN], cause) != 0)
		return -1;
	/* the leader's transactions: only while its lease holds */
	if (s->fence_epoch > 0 && store_fence_check(s, cause) != 0) {
		store_rollback(s);
		return -1;
	}
	store_evq_drop(s);
	s->txn = 1;
	return 0;
}

/*
 * A savepoint inside the open transaction, for work that may fail
 * without taking the rest of the transaction with it (the outbox's
 * pass in intake's group commit: outbox.c).  The events queued so far
 * are written first, so that store_savepoint_undo() drops only those
 * queued after it.  SQLite only; one at a time.
 */
static const char store_savepoint_sql[] = "SAVEPOINT joined";
static const char store_savepoint_keep_sql[] = "RELEASE joined";
static const char store_savepoint_undo_sql[] = "ROLLBACK TO joined";

int
store_savepoint(struct store *s, char **cause)
{
	struct sq *st;

	if (s->nevq > 0 && store_events_flush(s, cause) != 0)
		return -1;
	if ((st = store_stmt_cause(s, store_savepoint_sql, "a savepoint",
	    cause)) == NULL)
		return -1;
	return store_step_done(s, st, cause);
}

/* Keep what was done since store_savepoint(), in the transaction. */
int
store_savepoint_keep(struct store *s, char **cause)
{
	struct sq *st;

	if ((st = store_stmt_cause(s, store_savepoint_keep_sql, "a savepoint",
	    cause)) == NULL)
		return -1;
	return store_step_done(s, st, cause);
}

/*
 * Undo what was done since store_savepoint(), events queued included;
 * the transaction goes on.  -1 if even that failed: then only a
 * rollback of the whole transaction is left.
 */
int
store_savepoint_undo(struct store *s)
{
	struct sq *st;

	store_evq_drop(s);
	if ((st = store_stmt(s, store_savepoint_undo_sql)) == NULL ||
	    store_step_done(s, st, NULL) != 0)
		return -1;
	return store_savepoint_keep(s, NULL);
}

/* Microseconds on the monotonic clock, for the commit metrics. */
int64_t
store_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* COMMIT, leaving the sync to the caller; its time on the loop counted. */
int
store_commit_nosync(struct store *s, char **cause)
{
	int64_t t0;
	int rc;

	if (store_events_commit(s, cause) != 0)
		return -1;
	t0 = store_usec();
	store_prefetch_clear(s);
	rc = store_step_done(s, s->stmt[ST_COMMIT], cause);
	metrics_commit_loop(store_usec() - t0);
	return rc;
}

/*
 * COMMIT and sync the WAL before returning, as synchronous=FULL would.
 * If the sync fails the transaction may or may not survive a power cut:
 * -1, and the store takes nothing more (store_begin fails).
 */
int
store_commit(struct store *s, char **cause)
{
	int64_t t0 = store_usec();

	if (store_commit_nosync(s, cause) != 0)
		return -1;
	if (store_sync_now(s) != 0) {
		if (cause != NULL)
			xasprintf(cause, "syncing %s: %s", s->wal_path,
			    strerror(errno));
		return -1;
	}
	metrics_commit(store_usec() - t0);
	return 0;
}

void
store_rollback(struct store *s)
{
	s->txn = 0;
	store_evq_drop(s);
	store_prefetch_clear(s);
	store_engine_saves_drop(s, 0);
	if (s->drv->in_transaction(s))
		store_step_done(s, s->stmt[ST_ROLLBACK], NULL);
}

/*
 * Run st (its parameters bound) for one integer: the first column of its
 * first row, or none if it has no row.  st is reset.
 */
int64_t
store_step_int64(struct sq *st, int64_t none)
{
	int64_t v = none;

	if (store_step(st) == STORE_ROW)
		v = store_column_int64(st, 0);
	store_reset(st);
	return v;
}

/*
 * Run st, an INSERT of one row, and reset and clear it: the new row's
 * id; 0 if it inserted nothing (ON CONFLICT DO NOTHING); -1, with
 * *cause ("what: the database's error"), if it failed.  The id comes
 * back as the row of a RETURNING id, or from the driver's last_id()
 * (SQLite, where RETURNING builds a temporary table at each run: on the
 * intake path, 40% more work per alert).
 */
int64_t
store_step_id(struct store *s, struct sq *st, const char *what, char **cause)
{
	int64_t id = -1;
	int rc;

	rc = store_step(st);
	if (rc == STORE_ROW)
		id = store_column_int64(st, 0);
	else if (rc == STORE_DONE)
		id = s->drv->last_id != NULL && store_changed(s) > 0 ?
		    s->drv->last_id(s) : 0;
	else
		store_cause(s, cause, what);
	store_reset(st);
	store_clear(st);
	return id;
}

/*
 * The text of sql for a driver of dialect which (STORE_DIALECT_*): each
 * STORE_SQL() in it replaced by its text for that dialect, as a new
 * string; NULL if sql has no STORE_SQL().
 */
char *
store_sql_pick(const char *sql, int which)
{
	const char *p, *mid, *end;
	char *out, *o;

	if (strchr(sql, '\001') == NULL)
		return NULL;
	out = o = xmalloc(strlen(sql) + 1);
	for (p = sql; *p != '\0';) {
		if (*p != '\001') {
			*o++ = *p++;
			continue;
		}
		if ((mid = strchr(p, '\002')) == NULL ||
		    (end = strchr(mid, '\003')) == NULL)
			fatalx("store: a STORE_SQL() is cut short in \"%s\"",
			    sql);
		if (which == STORE_DIALECT_SQLITE) {
			memcpy(o, p + 1, mid - p - 1);
			o += mid - p - 1;
		} else {
			memcpy(o, mid + 1, end - mid - 1);
			o += end - mid - 1;
		}
		p = end + 1;
	}
	*o = '\0';
	return out;
}

/*
 * An audit event buffered in the open transaction (store_event_add):
 * its strings are in s->evtext, one after another (offsets, as
 * s->evtext moves when it grows; STORE_EVQ_NULL for NULL).
 */
struct store_evq {
	int64_t alert_id;
	int64_t at_ms;
	int64_t epoch;		/* the lease's when added; 0: NULL */
	size_t actor, kind, detail;
};

#define STORE_EVQ_NULL	SIZE_MAX
#define STORE_EVQ_COLS	6	/* parameters per row */

/* Append v to s->evtext: its offset there. */
static size_t
store_evq_text(struct store *s, const char *v)
{
	size_t len, at = s->evtext_len;

	if (v == NULL)
		return STORE_EVQ_NULL;
	len = strlen(v) + 1;
	if (len > s->evtext_size - s->evtext_len) {
		s->evtext_size = s->evtext_size * 2 > s->evtext_len + len ?
		    s->evtext_size * 2 : s->evtext_len + len + 1024;
		s->evtext = xreallocarray(s->evtext, 1, s->evtext_size);
	}
	memcpy(s->evtext + at, v, len);
	s->evtext_len += len;
	return at;
}

/* Drop the buffered events (a rollback, or once written). */
static void
store_evq_drop(struct store *s)
{
	s->nevq = 0;
	s->evtext_len = 0;
}

/*
 * The INSERT of n rows of events (1 to STORE_EVQ_ROWS), kept once made:
 * the first row's, then a row of parameters for each of the others.
 */
static struct sq *
store_evq_stmt(struct store *s, size_t n, char **cause)
{
	static const char one[] = "INSERT INTO events (alert_id, at_ms,"
	    " actor, kind, detail, epoch) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
	char *sql, *p;
	size_t i, size;
	int j;

	if (s->evst[n - 1] != NULL)
		return s->evst[n - 1];
	size = sizeof one + n * STORE_EVQ_COLS * 8;
	sql = p = xmalloc(size);
	p += snprintf(p, size, "%s", one);
	for (i = 1; i < n; i++) {
		for (j = 1; j <= STORE_EVQ_COLS; j++)
			p += snprintf(p, size - (p - sql), "%s?%zu%s",
			    j == 1 ? ", (" : "", i * STORE_EVQ_COLS + j,
			    j == STORE_EVQ_COLS ? ")" : ", ");
	}
	s->evst[n - 1] = s->drv->prepare(s, sql, 1);
	free(sql);
	if (s->evst[n - 1] == NULL)
		store_cause(s, cause, "preparing the audit events' INSERT");
	return s->evst[n - 1];
}

/*
 * PostgreSQL: every buffered event in one INSERT whatever their number,
 * prepared once on the server, each parameter the array of one column
 * (as store-raise-pg.c writes alerts): not one statement for each
 * number of rows, each with six parameters a row to parse.  The rows
 * go in their order (WITH ORDINALITY), and so do their ids.
 */
static const char store_evq_pg_sql[] = "INSERT INTO events (alert_id,"
    " at_ms, actor, kind, detail, epoch) SELECT c1, c2, c3, c4, c5, c6"
    " FROM unnest(CAST(?1 AS BIGINT[]), CAST(?2 AS BIGINT[]),"
    " CAST(?3 AS TEXT[]), CAST(?4 AS TEXT[]), CAST(?5 AS TEXT[]),"
    " CAST(?6 AS BIGINT[])) WITH ORDINALITY AS u(c1, c2, c3, c4, c5, c6,"
    " o) ORDER BY o";

/* v as an array element; with null, 0 (or less) is NULL. */
static void
store_evq_pg_int(struct store_pg_array *a, int64_t v, int null)
{
	char num[32];

	if (null && v <= 0) {
		store_pg_array_add(a, NULL);
		return;
	}
	snprintf(num, sizeof num, "%" PRId64, v);
	store_pg_array_add(a, num);
}

/* store_events_flush() on PostgreSQL: 0, or -1 with *cause. */
static int
store_events_flush_pg(struct store *s, char **cause)
{
	struct store_pg_array col[STORE_EVQ_COLS];
	const struct store_evq *e;
	struct sq *st;
	size_t i;
	int j, rc = 0;

	if ((st = store_stmt(s, store_evq_pg_sql)) == NULL) {
		store_cause(s, cause, "preparing the audit events' INSERT");
		store_evq_drop(s);
		return -1;
	}
	memset(col, 0, sizeof col);
	for (i = 0; i < s->nevq; i++) {
		e = &s->evq[i];
		store_evq_pg_int(&col[0], e->alert_id, 1);
		store_evq_pg_int(&col[1], e->at_ms, 0);
		store_pg_array_add(&col[2], s->evtext + e->actor);
		store_pg_array_add(&col[3], s->evtext + e->kind);
		store_pg_array_add(&col[4], e->detail == STORE_EVQ_NULL ?
		    "{}" : s->evtext + e->detail);
		store_evq_pg_int(&col[5], e->epoch, 1);
	}
	for (j = 0; j < STORE_EVQ_COLS; j++)
		store_bind_text_static(st, j + 1, store_pg_array_end(&col[j]));
	/* its result is read with the next statement's (the text is sent) */
	if (s->drv->later != NULL && s->drv->later(st)) {
		store_reset(st);
		store_clear(st);
	} else {
		if (store_step(st) != STORE_DONE) {
			store_cause(s, cause, "adding audit events");
			rc = -1;
		}
		store_reset(st);
		store_clear(st);
	}
	for (j = 0; j < STORE_EVQ_COLS; j++)
		free(col[j].buf);
	store_evq_drop(s);
	return rc;
}

/*
 * Write the buffered events, in the order they were added, as INSERTs
 * of up to STORE_EVQ_ROWS rows each (on PostgreSQL, one INSERT of them
 * all): before COMMIT, and before anything in the transaction reads
 * the events table.  On PostgreSQL they go out in the pipeline
 * (later()), not waited for.  The buffer is empty after, written or
 * not: 0, or -1 with *cause (the caller rolls back).
 */
int
store_events_flush(struct store *s, char **cause)
{
	const struct store_evq *e;
	struct sq *st;
	size_t at = 0, n, i;
	int p, rc = 0;

	if (s->nevq > 0 && s->drv->dialect == STORE_DIALECT_PG)
		return store_events_flush_pg(s, cause);
	while (at < s->nevq) {
		n = s->nevq - at;
		if (n > STORE_EVQ_ROWS)
			n = STORE_EVQ_ROWS;
		if ((st = store_evq_stmt(s, n, cause)) == NULL) {
			rc = -1;
			break;
		}
		for (i = 0; i < n; i++) {
			e = &s->evq[at + i];
			p = (int)i * STORE_EVQ_COLS;
			store_bind_alert(st, p + 1, e->alert_id);
			store_bind_int64(st, p + 2, e->at_ms);
			store_bind_text_static(st, p + 3, s->evtext + e->actor);
			store_bind_text_static(st, p + 4, s->evtext + e->kind);
			store_bind_text_static(st, p + 5, e->detail ==
			    STORE_EVQ_NULL ? "{}" : s->evtext + e->detail);
			if (e->epoch > 0)
				store_bind_int64(st, p + 6, e->epoch);
			else
				store_bind_null(st, p + 6);
		}
		at += n;
		/* PostgreSQL: its result is read with the next statement's */
		if (s->drv->later != NULL && s->drv->later(st)) {
			store_reset(st);
			store_clear(st);
			continue;
		}
		if (store_step(st) != STORE_DONE) {
			store_cause(s, cause, "adding audit events");
			rc = -1;
		}
		store_reset(st);
		store_clear(st);
		if (rc != 0)
			break;
	}
	store_evq_drop(s);
	return rc;
}

/*
 * Before COMMIT: the buffered saves (PostgreSQL, store-engine.c) and
 * events go in the same transaction as what they describe, and the
 * transaction is over as far as they go.
 */
int
store_events_commit(struct store *s, char **cause)
{
	s->txn = 0;
	/* PostgreSQL: the escalation states saved, in one UPDATE */
	if (STORE_SAVES_PENDING(s) && store_engine_saves_flush(s, cause) != 0) {
		store_evq_drop(s);
		return -1;
	}
	if (s->nevq == 0)
		return 0;
	return store_events_flush(s, cause);
}

/* Insert one audit event now; with its id, queue its callback if any. */
static int
store_event_now(struct store *s, const struct store_event_new *ev,
    char **cause)
{
	struct sq *st = s->stmt[ST_INSERT_EVENT];
	int64_t id;

	/* after those added before it: ids in the order of the calls */
	if (s->nevq > 0 && store_events_flush(s, cause) != 0)
		return -1;
	store_bind_alert(st, 1, ev->alert_id);
	store_bind_int64(st, 2, ev->at_ms);
	store_bind_text_static(st, 3, ev->actor);
	store_bind_text_static(st, 4, ev->kind);
	store_bind_text_static(st, 5, ev->detail != NULL ? ev->detail : "{}");
	if (s->fence_epoch > 0)
		store_bind_int64(st, 6, s->fence_epoch);
	else
		store_bind_null(st, 6);
	/* PostgreSQL: no wait for it when nobody needs its id */
	if (s->ncb_integrations == 0 && s->drv->later != NULL &&
	    s->drv->later(st)) {
		store_reset(st);
		store_clear(st);
		return 0;
	}
	if ((id = store_step_id(s, st, "adding an audit event", cause)) <= 0)
		return -1;
	/* a state change told back to its integration: same transaction */
	if (s->ncb_integrations == 0)
		return 0;
	return store_callback_enqueue(s, ev, id, cause);
}

/*
 * Append one audit event.  Inside a transaction (store_begin) it is
 * buffered, and written with the others at COMMIT (store_events_commit)
 * in one INSERT of many rows, or earlier if something reads the events
 * table first: a statement per event cost more than the event.  One
 * whose callback needs its id at once (store-callback.c) is written
 * now, after those buffered.  A rollback drops them.
 */
int
store_event_add(struct store *s, const struct store_event_new *ev,
    char **cause)
{
	struct store_evq *e;

	if (!s->txn || (s->ncb_integrations > 0 && ev->alert_id > 0 &&
	    store_callback_kind(ev->kind)))
		return store_event_now(s, ev, cause);
	if (s->nevq == s->evq_size) {
		s->evq_size = s->evq_size > 0 ? s->evq_size * 2 :
		    STORE_EVQ_ROWS;
		s->evq = xreallocarray(s->evq, s->evq_size, sizeof *s->evq);
	}
	e = &s->evq[s->nevq++];
	e->alert_id = ev->alert_id;
	e->at_ms = ev->at_ms;
	e->epoch = s->fence_epoch;
	e->actor = store_evq_text(s, ev->actor);
	e->kind = store_evq_text(s, ev->kind);
	e->detail = store_evq_text(s, ev->detail);
	/* a full INSERT's worth goes now: the buffer stays small */
	if (s->nevq == (s->drv->dialect == STORE_DIALECT_PG ?
	    STORE_EVQ_PG_ROWS : STORE_EVQ_ROWS))
		return store_events_flush(s, cause);
	return 0;
}

/* Append ev as an event of kind with detail, which is freed. */
static int
store_raise_event(struct store *s, struct store_event_new *ev,
    const char *kind, char *detail, char **cause)
{
	int rc;

	ev->kind = kind;
	ev->detail = detail;
	rc = store_event_add(s, ev, cause);
	free(detail);
	return rc;
}

/*
 * Bind the stage, its timers, the SLA clocks and next_due of an
 * escalation state to the 11 parameters from i on, in the order the
 * alerts table has them (a row insert's and a save's): stage,
 * stage_started_ms, stage_ack_due_ms, stage_resolve_due_ms,
 * repeats_done, the three SLA deadlines, sla_reminded, sla_breached
 * and next_due_ms (NULL for ESC_NEVER).
 */
void
store_bind_escalation(struct sq *q, int i, const struct esc_state *e,
    int64_t next_due)
{
	store_bind_int(q, i, e->stage);
	store_bind_int64(q, i + 1, e->stage_started_ms);
	store_bind_int64(q, i + 2, e->stage_ack_due_ms);
	store_bind_int64(q, i + 3, e->stage_resolve_due_ms);
	store_bind_int(q, i + 4, e->repeats_done);
	store_bind_int64(q, i + 5, e->sla_due_ms[SLA_RESPONSE]);
	store_bind_int64(q, i + 6, e->sla_due_ms[SLA_FIRST_RESPONSE]);
	store_bind_int64(q, i + 7, e->sla_due_ms[SLA_RESOLUTION]);
	store_bind_int(q, i + 8, (int)e->reminded);
	store_bind_int(q, i + 9, (int)e->breached);
	if (next_due == ESC_NEVER)
		store_bind_null(q, i + 10);
	else
		store_bind_int64(q, i + 10, next_due);
}

/*
 * Bind the escalation state of a new alert (?10 to ?21), or, without a
 * policy, that of an alert not started: stage 1, nothing due.
 */
static void
store_bind_start(struct sq *st, int o, const struct store_alert_start *a)
{
	static const struct esc_state unstarted = { .stage = 1 };

	if (a->policy == NULL) {
		store_bind_null(st, o + 10);
		store_bind_escalation(st, o + 11, &unstarted, ESC_NEVER);
		return;
	}
	store_bind_text_static(st, o + 10, a->policy);
	store_bind_escalation(st, o + 11, &a->st, a->next_due);
}

/*
 * Bind new alert an (its dedup key key, at now, started as start says)
 * to the STORE_INSERT_ALERT_NPARAMS parameters of STORE_INSERT_ALERT_ROW
 * numbered from o + 1 on, without copying: an, key and start outlive
 * the step.
 */
void
store_bind_alert_insert(struct sq *st, int o, const char *key,
    const struct alert_new *an, int64_t now,
    const struct store_alert_start *start)
{
	store_bind_text_static(st, o + 1, key);
	store_bind_text_static(st, o + 2, an->service);
	store_bind_int(st, o + 3, an->priority);
	store_bind_text_static(st, o + 4, an->summary);
	store_bind_text_static(st, o + 5, an->source);
	store_bind_text_static(st, o + 6, an->details);
	store_bind_text_static(st, o + 7, an->links);
	store_bind_text_static(st, o + 8, an->integration);
	store_bind_int64(st, o + 9, now);
	store_bind_start(st, o, start);
}

/*
 * "{\"priority\":\"P3\"," and rest (a JSON object's members and its
 * closing brace), or "{\"priority\":\"P3\"}" when rest is "}": the
 * detail of a "triggered" event, made for every new alert, so without
 * printf.  The caller frees it.
 */
static char *
store_detail_priority(int priority, const char *rest)
{
	const char *name = alert_priority_name(priority);
	size_t nlen = strlen(name), rlen = strlen(rest);
	char *d = xmalloc(sizeof "{\"priority\":\"\"," + nlen + rlen), *p;

	memcpy(d, "{\"priority\":\"", 13);
	p = d + 13;
	memcpy(p, name, nlen);
	p += nlen;
	*p++ = '"';
	if (strcmp(rest, "}") != 0)
		*p++ = ',';
	memcpy(p, rest, rlen + 1);
	return d;
}

/*
 * Record one posted alert, inside the caller's transaction.  If an open
 * alert of the same service has the same dedup_key, fold this one into
 * it: count it, raise its priority if this one is higher, and log an
 * audit event; otherwise insert a new alert and log "triggered".  If
 * another connection inserts that open alert between the lookup and the
 * insert, the insert does nothing (ON CONFLICT on alerts_open_dedup) and
 * this one is folded into it, rather than failing the whole batch.
 */
int
store_alert_raise(struct store *s, const struct alert_new *an, int64_t now,
    struct store_raise *r, char **cause)
{
	return store_alert_raise_start(s, an, now, NULL, NULL, r, cause);
}

/*
 * The same, and a new alert is written with the escalation state start
 * gives it (1), in the same row and its "triggered" event, rather than
 * saved apart by its first decision; start is asked only for a new
 * alert, and may return 0 to leave it unstarted.  r->start is what was
 * written.
 */
int
store_alert_raise_start(struct store *s, const struct alert_new *an,
    int64_t now, store_start_cb start, void *arg, struct store_raise *r,
    char **cause)
{
	struct store_event_new ev;
	struct sq *st;
	char keybuf[33], *detail;
	const char *key = an->dedup_key;
	uint8_t rnd[16];
	int rc, oldprio, raced = 0, sqlite, looked = 0;
	int64_t count;

	memset(r, 0, sizeof *r);
	memset(&ev, 0, sizeof ev);
	ev.at_ms = now;
	ev.actor = an->integration != NULL ? an->integration : "api";
	if (key == NULL) {
		hmac_random(rnd, sizeof rnd);
		hmac_hex_encode(rnd, sizeof rnd, keybuf);
		key = keybuf;
	}

	/*
	 * On SQLite the INSERT comes first, and its conflict on
	 * alerts_open_dedup is the lookup: under a storm most alerts are
	 * new, and a lookup before each cost a tenth of taking one.  An
	 * INSERT that did nothing takes no id there (PostgreSQL's sequence
	 * would lose one: there the lookup comes first).
	 */
	sqlite = s->drv->dialect == STORE_DIALECT_SQLITE;
	if (sqlite)
		goto insert;
	/* PostgreSQL: written ahead with the rest of its group? */
	if (s->nahead > 0 && store_ahead_take(s, an, r, &key))
		goto inserted;
	/* else, its key taken, the usual way finds that alert */
again:
	looked = 1;
	st = s->stmt[ST_FIND_OPEN];
	store_bind_text(st, 1, an->service);
	store_bind_text(st, 2, key);
	rc = store_step(st);
	if (rc == STORE_ROW) {
		r->id = store_column_int64(st, 0);
		alert_status_parse(store_column_text(st, 1),
		    &r->status);
		oldprio = store_column_int(st, 2);
		store_reset(st);

		st = s->stmt[ST_BUMP_DUPLICATE];
		store_bind_int64(st, 1, r->id);
		store_bind_int64(st, 2, now);
		store_bind_int(st, 3, an->priority);
		if (store_step(st) != STORE_ROW) {
			store_cause(s, cause, "folding duplicate");
			store_reset(st);
			return -1;
		}
		count = store_column_int64(st, 0);
		store_reset(st);
		r->duplicate = 1;
		xasprintf(&detail, "{\"count\":%" PRId64 ",\"priority\":\"%s\"}",
		    count, alert_priority_name(an->priority));
		ev.alert_id = r->id;
		if (store_raise_event(s, &ev, "duplicate", detail, cause) != 0)
			return -1;
		if (an->priority < oldprio) {
			r->priority_raised = 1;
			xasprintf(&detail, "{\"from\":\"%s\",\"to\":\"%s\"}",
			    alert_priority_name(oldprio),
			    alert_priority_name(an->priority));
			if (store_raise_event(s, &ev, "priority_raised", detail,
			    cause) != 0)
				return -1;
		}
		r->dedup_key = xstrdup(key);
		return 0;
	}
	store_reset(st);
	if (rc != STORE_DONE) {
		store_cause(s, cause, "looking up dedup key");
		return -1;
	}

insert:
	if (start != NULL && start(arg, an, now, &r->start) == 1)
		r->started = 1;
	else
		r->start.policy = NULL;
	st = s->stmt[ST_INSERT_ALERT];
	store_bind_alert_insert(st, 0, key, an, now, &r->start);
	if (sqlite)
		store_bind_int64(st, 22, s->alert_floor);
	if ((r->id = store_step_id(s, st, "inserting an alert", cause)) < 0)
		return -1;
inserted:
	if (r->id == 0) {
		/*
		 * An open alert has this key: fold this one into it, which
		 * was not started here.  (Looked up first, another
		 * connection committed it since; it may in turn be
		 * resolved before the lookup, so try again, a few times.)
		 */
		r->started = 0;
		memset(&r->start, 0, sizeof r->start);
		if (!looked)
			goto again;
		if (++raced == STORE_RAISE_TRIES) {
			xasprintf(cause, "inserting an alert: the dedup key"
			    " of %s changed hands %d times", an->service,
			    raced);
			return -1;
		}
		goto again;
	}
	r->status = ALERT_TRIGGERED;
	/* {"priority":...} and the policy's own detail, one object */
	if (r->started && r->start.policy_detail != NULL &&
	    r->start.policy_detail[0] == '{' &&
	    r->start.policy_detail[1] == '"')
		detail = store_detail_priority(an->priority,
		    r->start.policy_detail + 1);
	else
		detail = store_detail_priority(an->priority, "}");
	ev.alert_id = r->id;
	if (store_raise_event(s, &ev, "triggered", detail, cause) != 0)
		return -1;
	r->dedup_key = xstrdup(key);
	return 0;
}

char *
store_column_strdup(struct sq *st, int i)
{
	const char *t = store_column_text(st, i);

	return t != NULL ? xstrdup(t) : NULL;
}

/*
 * Step st (bound) to its end: each row read by row() into a new element
 * of size bytes (zeroed first) of the array *out of *n (caller frees).
 * 0, or -1 if the store failed: every element read is then given to
 * clear() and nothing is returned.  st is reset either way.
 */
int
store_read_rows(struct sq *st, size_t size, void (*row)(struct sq *, void *),
    void (*clear)(void *), void **out, size_t *n)
{
	char *v = NULL;
	size_t len = 0, i;
	int rc;

	*out = NULL;
	*n = 0;
	while ((rc = store_step(st)) == STORE_ROW) {
		v = xreallocarray(v, len + 1, size);
		memset(v + len * size, 0, size);
		row(st, v + len * size);
		len++;
	}
	store_reset(st);
	if (rc != STORE_DONE) {
		for (i = 0; i < len; i++)
			clear(v + i * size);
		free(v);
		return -1;
	}
	*out = v;
	*n = len;
	return 0;
}

/*
 * The first column of every row sql gives for id, as new strings in a
 * new array *out of *n (caller frees both).  0, or -1 if the store
 * failed (said in the log, as what).
 */
int
store_strings(struct store *s, const char *sql, int64_t id, const char *what,
    char ***out, size_t *n)
{
	struct sq *q = store_stmt(s, sql);
	int rc;

	*out = NULL;
	*n = 0;
	if (q == NULL)
		return -1;
	store_bind_int64(q, 1, id);
	while ((rc = store_step(q)) == STORE_ROW) {
		*out = xreallocarray(*out, *n + 1, sizeof **out);
		(*out)[(*n)++] = store_column_strdup(q, 0);
	}
	store_reset(q);
	if (rc != STORE_DONE) {
		log_warnx("store: %s: %s", what, store_errmsg(s));
		while (*n > 0)
			free((*out)[--*n]);
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* Build an alert from a row of STORE_ALERT_COLUMNS. */
static struct alert *
store_alert_row(struct sq *st)
{
	struct alert *a = xcalloc(1, sizeof *a);
	int i;

	a->id = store_column_int64(st, 0);
	a->dedup_key = store_column_strdup(st, 1);
	a->service = store_column_strdup(st, 2);
	a->priority = store_column_int(st, 3);
	a->summary = store_column_strdup(st, 4);
	a->source = store_column_strdup(st, 5);
	a->details = store_column_strdup(st, 6);
	a->links = store_column_strdup(st, 7);
	a->integration = store_column_strdup(st, 8);
	alert_status_parse(store_column_text(st, 9),
	    &a->status);
	a->stage = store_column_int(st, 10);
	a->count = store_column_int64(st, 11);
	a->created_ms = store_column_int64(st, 12);
	a->updated_ms = store_column_int64(st, 13);
	a->acknowledged_ms = store_column_int64(st, 14);
	a->first_response_ms = store_column_int64(st, 15);
	a->resolved_ms = store_column_int64(st, 16);
	for (i = 0; i < ALERT_SLA_CLOCKS; i++)
		a->sla_due_ms[i] = store_column_int64(st, 17 + i);
	a->sla_breached = (unsigned)store_column_int(st, 20);
	return a;
}

/* Drop the rows read ahead and not taken. */
void
store_prefetch_clear(struct store *s)
{
	size_t i;

	for (i = 0; i < s->npre; i++)
		alert_free(s->pre[i]);
	free(s->pre);
	s->pre = NULL;
	s->npre = 0;
}

/*
 * PostgreSQL, inside a transaction: read the n alerts ids[] in one
 * statement, so that the store_alert_get() of each that follows in
 * this transaction (the first one only) costs no round trip.  Nothing
 * on SQLite, whose reads are calls; if it fails, the reads happen one
 * by one.  A caller that changes an alert first must not read it ahead.
 */
void
store_alerts_prefetch(struct store *s, const int64_t *ids, size_t n)
{
	struct sq *st;
	char *list, *p;
	int64_t lo, hi;
	size_t i;

	store_prefetch_clear(s);
	if (s->drv->dialect != STORE_DIALECT_PG || n < 2)
		return;
	p = list = xmalloc(n * 21 + 3);
	*p++ = '{';
	lo = hi = ids[0];
	for (i = 0; i < n; i++) {
		p += sprintf(p, "%s%" PRId64, i > 0 ? "," : "", ids[i]);
		if (ids[i] < lo)
			lo = ids[i];
		if (ids[i] > hi)
			hi = ids[i];
	}
	*p++ = '}';
	*p = '\0';
	/*
	 * The range is for the plan: the statement is prepared once, and
	 * its generic plan, made while the table was small (a new
	 * database), scans the whole table for "= ANY" alone; with a
	 * range on the key it is an index scan whatever the statistics.
	 */
	if ((st = store_stmt(s, "SELECT " STORE_ALERT_COLUMNS " FROM alerts"
	    " WHERE id = ANY(CAST(?1 AS BIGINT[]))"
	    " AND id BETWEEN ?2 AND ?3")) == NULL) {
		free(list);
		return;
	}
	store_bind_text_static(st, 1, list);
	store_bind_int64(st, 2, lo);
	store_bind_int64(st, 3, hi);
	while (store_step(st) == STORE_ROW) {
		s->pre = xreallocarray(s->pre, s->npre + 1, sizeof *s->pre);
		s->pre[s->npre++] = store_alert_row(st);
	}
	store_reset(st);
	store_clear(st);
	free(list);
}

/* One alert by id, or NULL. */
struct alert *
store_alert_get(struct store *s, int64_t id)
{
	struct sq *st = s->stmt[ST_GET_ALERT];
	struct alert *a = NULL;
	size_t i;

	for (i = 0; i < s->npre; i++) {
		if (s->pre[i] != NULL && s->pre[i]->id == id) {
			a = s->pre[i];
			s->pre[i] = NULL;
			return a;
		}
	}
	store_bind_int64(st, 1, id);
	if (store_step(st) == STORE_ROW)
		a = store_alert_row(st);
	store_reset(st);
	return a;
}

/*
 * Alerts matching f, newest first, at most f->limit of them, into a new
 * array *out of *n alerts; free each with alert_free() and then the array.
 */
int
store_alert_list(struct store *s, const struct store_filter *f,
    struct alert ***out, size_t *n)
{
	struct sq *st;
	struct alert **list = NULL;
	size_t count = 0;
	int rc;

	if ((st = s->drv->prepare(s, "SELECT " STORE_ALERT_COLUMNS
	    " FROM alerts WHERE (CAST(?1 AS TEXT) IS NULL OR status = ?1)"
	    " AND (CAST(?2 AS TEXT) IS NULL OR service = ?2)"
	    " AND (?3 = 0 OR priority = ?3)"
	    " AND (" STORE_BIGINT("?4") " = 0 OR id < ?4)"
	    " AND (CAST(?6 AS TEXT) IS NULL OR EXISTS (SELECT 1"
	    " FROM notifications n WHERE n.alert_id = alerts.id"
	    " AND n.person = ?6))"
	    " ORDER BY id DESC LIMIT ?5", 0)) ==
	    NULL) {
		log_warnx("store: %s", store_errmsg(s));
		return -1;
	}
	store_bind_text(st, 1, f->status < 0 ? NULL :
	    alert_status_name(f->status));
	store_bind_text(st, 2, f->service);
	store_bind_int(st, 3, f->priority);
	store_bind_int64(st, 4, f->before_id);
	store_bind_int(st, 5, f->limit);
	store_bind_text(st, 6, f->paged);
	while ((rc = store_step(st)) == STORE_ROW) {
		list = xreallocarray(list, count + 1, sizeof *list);
		list[count++] = store_alert_row(st);
	}
	s->drv->finalize(st);
	if (rc != STORE_DONE) {
		while (count > 0)
			alert_free(list[--count]);
		free(list);
		return -1;
	}
	*out = list;
	*n = count;
	return 0;
}

/* The audit events of an alert, oldest first. */
int
store_events(struct store *s, int64_t alert_id, struct store_event **out,
    size_t *n)
{
	struct sq *st = s->stmt[ST_EVENTS];
	struct store_event *list = NULL, *e;
	size_t count = 0;
	int rc;

	/* those added in the open transaction too */
	if (s->nevq > 0 && store_events_flush(s, NULL) != 0)
		return -1;
	store_bind_int64(st, 1, alert_id);
	while ((rc = store_step(st)) == STORE_ROW) {
		list = xreallocarray(list, count + 1, sizeof *list);
		e = &list[count++];
		e->id = store_column_int64(st, 0);
		e->alert_id = store_column_int64(st, 1);
		e->at_ms = store_column_int64(st, 2);
		e->actor = store_column_strdup(st, 3);
		e->kind = store_column_strdup(st, 4);
		e->detail = store_column_strdup(st, 5);
	}
	store_reset(st);
	if (rc != STORE_DONE) {
		store_events_free(list, count);
		return -1;
	}
	*out = list;
	*n = count;
	return 0;
}

void
store_events_free(struct store_event *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(list[i].actor);
		free(list[i].kind);
		free(list[i].detail);
	}
	free(list);
}

/* Number of alerts in the store, or -1. */
int64_t
store_alert_count(struct store *s)
{
	return store_step_int64(s->stmt[ST_COUNT], -1);
}

/* The id of the open alert of service with dedup_key; 0 if none. */
int64_t
store_alert_find_open(struct store *s, const char *service, const char *key)
{
	struct sq *st = s->stmt[ST_FIND_OPEN];

	store_bind_text(st, 1, service);
	store_bind_text(st, 2, key);
	return store_step_int64(st, 0);
}

/* 0 if the database answers a query. */
int
store_ping(struct store *s)
{
	if (s->sync_failed)
		return -1;
	return store_alert_count(s) < 0 ? -1 : 0;
}
