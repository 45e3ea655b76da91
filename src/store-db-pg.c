/* SPDX-License-Identifier: ISC */
/*
 * store-db-pg.c: the store's PostgreSQL driver, all of pagerd's calls to
 * libpq.  Each statement is a round trip that blocks the caller until
 * its whole result is in, bounded: the server cancels a statement after
 * store.timeout (statement_timeout, lock_timeout; an idle transaction
 * after idle_in_transaction_session_timeout), and the client gives up
 * waiting one second later (a dead peer: TCP keepalives and
 * tcp_user_timeout too), drops the connection and calls the store down.
 * While it is down every statement fails at once, without I/O, and a
 * new connection is made on the loop (PQconnectStart/PQconnectPoll on
 * a libevent event), 100 ms after, then doubling up to 5 s; statements
 * are prepared again on the new connection as they are next used.
 *
 * A statement whose result nobody reads (an audit event, store_event_add)
 * is not waited for: it goes out in libpq's pipeline mode (later()),
 * and its result is read with the next statement's, which is sent
 * behind it in the same pipeline, or before COMMIT: a batch of alerts
 * costs two round trips per alert instead of four.  BEGIN goes the
 * same way, with the transaction's first statement.  An error there
 * fails the statement behind it, and with it the transaction.
 *
 * Intake's group commit (store_commit_group) does not wait for COMMIT:
 * it sends it and returns, the loop goes on taking requests while the
 * server flushes the WAL, and the result is read when the socket turns
 * readable (store_pg_idle_cb).  One COMMIT at most is in flight: any
 * statement sent meanwhile reads its result first (store_pg_drain),
 * and store_begin() also runs its callback first (store_pg_settle), so
 * that no other transaction starts before the one in flight is known
 * to have committed or not.  A COMMIT that fails, or whose connection
 * breaks before its answer, stored nothing as far as pagerd knows
 * (STORE_NOT_COMMITTED): the sender is told so and posts again, and a
 * dedup_key folds the repeat if the COMMIT did make it after all.
 *
 * The leader's saves of escalation state are buffered the same way
 * (store-engine.c): any statement sent in their transaction writes
 * them first, as one UPDATE, so that it sees them.
 *
 * Statements are prepared once on the server, named "s<N>" (the
 * unnamed statement for one-off ones), their ?N parameters rewritten
 * as $N; parameters go as text and PostgreSQL infers their types, so
 * the SQL CASTs those nothing else types (store.h).  COMMIT returns
 * once the server says the transaction is durable, which with the
 * default synchronous_commit = on is after its WAL is flushed (and
 * after the synchronous standbys, if any are named): there is nothing
 * for store-sync.c to do.  The schema is store-migrations-pg.c's,
 * versioned by the rows of schema_version and migrated on open under
 * an advisory lock, so that nodes starting together take turns.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <libpq-fe.h>

#include "log.h"
#include "metrics.h"
#include "store.h"
#include "store-private.h"
#include "xmalloc.h"

/* pg_advisory_lock() key of the migrations: "page". */
#define STORE_PG_MIGRATE_LOCK "1885431653"

/* Reconnecting: the first wait, the longest. */
#define STORE_PG_BACKOFF_MIN	100
#define STORE_PG_BACKOFF_MAX	5000

struct store_pg {
	PGconn *conn;		/* NULL while down */
	char *conninfo;		/* as configured: never logged */
	char *err;		/* the last error, or NULL */
	int64_t changes;	/* rows the last INSERT/UPDATE/DELETE changed */
	unsigned named;		/* statements named so far */
	unsigned gen;		/* connections made: statements prepared on
				 * an older one are prepared again */
	int64_t timeout_ms;	/* store.timeout */
	int async_commit;	/* store.synchronous = "normal" */
	int down;		/* lost: reconnecting */
	struct event_base *base; /* once store_pg_watch()ed */
	struct event *idle_ev;	/* the connection's socket, when idle */
	struct event *conn_ev;	/* a new connection's socket */
	struct event *timer;	/* the next try, or its deadline */
	PGconn *pending;	/* being connected */
	int64_t backoff_ms;
	void (*up_cb)(void *, int);
	void *up_arg;

	/* The COMMIT of store_commit_group(), if one is in flight. */
	int commit;		/* STORE_PG_COMMIT_* */
	int commit_rc;		/* once known: STORE_DURABLE or
				 * STORE_NOT_COMMITTED */
	int64_t commit_t0;	/* when it was sent, for the metrics */
	store_durable_cb commit_cb;
	void *commit_arg;
	struct event *commit_ev; /* runs commit_cb on the loop */

	int later;		/* statements sent in pipeline mode (later()),
				 * their results still to read */
};

#define STORE_PG_COMMIT_NONE	0
#define STORE_PG_COMMIT_SENT	1	/* its answer still to read */
#define STORE_PG_COMMIT_KNOWN	2	/* read, commit_cb still to run */

struct store_pg_sq {
	struct sq q;		/* first: a struct sq * is one of these */
	struct store *s;
	char name[16];		/* "" for a one-off statement */
	unsigned gen;		/* the connection it was prepared on */
	int nparams;
	const char **vals;	/* the parameters, as text (NULL: SQL NULL) */
	char **own;		/* copies bound with copy, to free */
	char (*num)[24];	/* integers bound, as text */
	PGresult *res;		/* the result, once run */
	int nrows, row;		/* row: the current one, -1 before the first */
};

#define PG(s)	((struct store_pg *)(s)->db)
#define PQ(q)	((struct store_pg_sq *)(q))

static int store_pg_open(struct store *, const char *, char **);
static void store_pg_close(struct store *);
static int store_pg_migrate(struct store *, char **);
static struct sq *store_pg_prepare(struct store *, const char *, int);
static void store_pg_finalize(struct sq *);
static void store_pg_bind_int64(struct sq *, int, int64_t);
static void store_pg_bind_text(struct sq *, int, const char *, int);
static void store_pg_bind_null(struct sq *, int);
static int store_pg_step(struct sq *);
static int64_t store_pg_column_int64(struct sq *, int);
static const char *store_pg_column_text(struct sq *, int);
static int store_pg_column_null(struct sq *, int);
static void store_pg_reset(struct sq *);
static void store_pg_clear(struct sq *);
static int64_t store_pg_changes(struct store *);
static const char *store_pg_errmsg(struct store *);
static int store_pg_in_transaction(struct store *);
static int store_pg_later(struct sq *);

const struct store_driver store_pg_driver = {
	.name = "postgresql",
	.dialect = STORE_DIALECT_PG,
	.open = store_pg_open,
	.close = store_pg_close,
	.migrate = store_pg_migrate,
	.prepare = store_pg_prepare,
	.finalize = store_pg_finalize,
	.bind_int64 = store_pg_bind_int64,
	.bind_text = store_pg_bind_text,
	.bind_null = store_pg_bind_null,
	.step = store_pg_step,
	.column_int64 = store_pg_column_int64,
	.column_text = store_pg_column_text,
	.column_null = store_pg_column_null,
	.reset = store_pg_reset,
	.clear = store_pg_clear,
	.changes = store_pg_changes,
	.last_id = NULL,	/* ids come back with RETURNING */
	.errmsg = store_pg_errmsg,
	.in_transaction = store_pg_in_transaction,
	.later = store_pg_later,
};

/* Keep msg (libpq's, ending in a newline) as the store's last error. */
static void
store_pg_error(struct store *s, const char *msg)
{
	struct store_pg *pg = PG(s);
	size_t n;

	free(pg->err);
	pg->err = xstrdup(msg != NULL && *msg != '\0' ? msg :
	    PQerrorMessage(pg->conn));
	n = strlen(pg->err);
	while (n > 0 && (pg->err[n - 1] == '\n' || pg->err[n - 1] == ' '))
		pg->err[--n] = '\0';
}

static void store_pg_lost(struct store *);
static void store_pg_retry(struct store *);
static void store_pg_commit_known(struct store *, int);
static int store_pg_drain(struct store *);

/* Milliseconds on the monotonic clock. */
static int64_t
store_pg_msec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Wait (until deadline) for input until a result can be read without
 * blocking: 0, or -1 (the error kept) if the connection broke or the
 * deadline passed.
 */
static int
store_pg_wait(struct store *s, int64_t deadline)
{
	struct store_pg *pg = PG(s);
	struct pollfd pfd;
	int64_t left;
	int n;

	while (PQisBusy(pg->conn)) {
		left = deadline - store_pg_msec();
		pfd.fd = PQsocket(pg->conn);
		pfd.events = POLLIN;
		n = left > 0 ? poll(&pfd, 1, (int)left) : 0;
		/*
		 * No PQcancel(): it connects again, blocking, to a server
		 * that is most likely gone (the server's own
		 * statement_timeout fired first if it is there).  Dropping
		 * the connection ends the transaction.
		 */
		if (n == 0) {
			store_pg_error(s, "no answer from PostgreSQL within"
			    " store.timeout");
			return -1;
		}
		if (n < 0 || !PQconsumeInput(pg->conn)) {
			store_pg_error(s, NULL);
			return -1;
		}
	}
	return 0;
}

/*
 * End the pipeline: send a sync and read the results of the statements
 * sent with later() and, if last is not NULL, of the one sent behind
 * them (into *last, or NULL), then leave pipeline mode.  0; 1 if one of
 * them failed (the first error kept: the statements behind it were not
 * run, the transaction is aborted); -1 if the connection was lost.
 */
static int
store_pg_pipe_end(struct store *s, PGresult **last)
{
	struct store_pg *pg = PG(s);
	int64_t deadline = store_pg_msec() + pg->timeout_ms + 1000;
	int n = pg->later + (last != NULL), i = 0, failed = 0;
	PGresult *r;

	if (last != NULL)
		*last = NULL;
	pg->later = 0;
	if (!PQpipelineSync(pg->conn)) {
		store_pg_error(s, NULL);
		goto lost;
	}
	for (;;) {
		if (store_pg_wait(s, deadline) != 0)
			goto lost;
		if ((r = PQgetResult(pg->conn)) == NULL) {
			i++;	/* the end of one statement's results */
			continue;
		}
		if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
			PQclear(r);
			break;
		}
		if (PQresultStatus(r) == PGRES_FATAL_ERROR && !failed) {
			store_pg_error(s, PQresultErrorMessage(r));
			failed = 1;
		}
		if (last != NULL && i == n - 1 && *last == NULL)
			*last = r;
		else
			PQclear(r);
	}
	if (PQstatus(pg->conn) == CONNECTION_BAD ||
	    !PQexitPipelineMode(pg->conn)) {
		store_pg_error(s, NULL);
		goto lost;
	}
	return failed;
lost:
	if (last != NULL) {
		PQclear(*last);
		*last = NULL;
	}
	store_pg_lost(s);
	return -1;
}

/*
 * Before a statement is sent alone: no COMMIT in flight (store_pg_drain),
 * no pipeline open.  0, or -1 with the error kept (the connection is
 * down, or a statement of the pipeline failed).
 */
static int
store_pg_ready(struct store *s)
{
	if (store_pg_drain(s) != 0)
		return -1;
	if (PG(s)->later > 0 && store_pg_pipe_end(s, NULL) != 0)
		return -1;
	return 0;
}

/*
 * The result of what was just sent, waiting at most store.timeout plus
 * a second (the server's statement_timeout fires first if the server is
 * there); of several (a string of statements), the first error or the
 * last result.  NULL if the connection broke or the deadline passed:
 * the connection is dropped and the store down.
 */
static PGresult *
store_pg_result(struct store *s)
{
	struct store_pg *pg = PG(s);
	PGresult *r, *last = NULL;
	int64_t deadline = store_pg_msec() + pg->timeout_ms + 1000;

	for (;;) {
		if (store_pg_wait(s, deadline) != 0)
			goto lost;
		if ((r = PQgetResult(pg->conn)) == NULL)
			break;
		if (last != NULL && PQresultStatus(last) == PGRES_FATAL_ERROR)
			PQclear(r);
		else {
			PQclear(last);
			last = r;
		}
	}
	if (last == NULL) {
		store_pg_error(s, NULL);
		goto lost;
	}
	if (PQstatus(pg->conn) == CONNECTION_BAD) {
		store_pg_error(s, PQresultErrorMessage(last));
		PQclear(last);
		goto lost;
	}
	return last;
lost:
	PQclear(last);
	store_pg_lost(s);
	return NULL;
}

/*
 * Run sql (no parameters, one or more statements): 0, or -1 with the
 * error kept.  If v is not NULL, the first column of its first row (an
 * integer) goes to *v, and no row is an error.
 */
static int
store_pg_exec(struct store *s, const char *sql, int64_t *v)
{
	PGresult *res;
	ExecStatusType st;
	int rc = 0;

	if (store_pg_ready(s) != 0)
		return -1;
	if (!PQsendQuery(PG(s)->conn, sql)) {
		store_pg_error(s, NULL);
		store_pg_lost(s);
		return -1;
	}
	if ((res = store_pg_result(s)) == NULL)
		return -1;
	st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		store_pg_error(s, PQresultErrorMessage(res));
		rc = -1;
	} else if (v != NULL) {
		if (st == PGRES_TUPLES_OK && PQntuples(res) > 0)
			*v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		else
			rc = -1;
	}
	PQclear(res);
	return rc;
}

/* PostgreSQL's warnings (client_min_messages is "warning") to the log. */
static void
store_pg_notice(void *arg, const char *msg)
{
	log_warnx("store: PostgreSQL: %.*s", (int)strcspn(msg, "\n"), msg);
}

/*
 * The connection's parameters: pagerd's deadlines first, then target
 * (expanded: a URI or "key=value ..."), so that what target says wins.
 */
static PGconn *
store_pg_start(struct store_pg *pg, int blocking)
{
	char ct[24], tut[24];
	const char *keys[] = { "connect_timeout", "keepalives",
	    "keepalives_idle", "keepalives_interval", "keepalives_count",
	    "tcp_user_timeout", "client_encoding", "application_name",
	    "dbname", NULL };
	const char *vals[nitems(keys)];

	snprintf(ct, sizeof ct, "%lld", (long long)(pg->timeout_ms + 999) /
	    1000 + 1);
	snprintf(tut, sizeof tut, "%lld", (long long)pg->timeout_ms + 1000);
	vals[0] = ct;
	vals[1] = "1";
	vals[2] = "10";
	vals[3] = "2";
	vals[4] = "3";
	vals[5] = tut;
	vals[6] = "UTF8";
	vals[7] = "pagerd";
	vals[8] = pg->conninfo;
	vals[9] = NULL;
	if (blocking)
		return PQconnectdbParams(keys, vals, 1);
	return PQconnectStartParams(keys, vals, 1);
}

/*
 * A new connection is up: the session's settings (the deadlines), a
 * name for the log, statements to prepare again.
 */
static int
store_pg_session(struct store *s)
{
	struct store_pg *pg = PG(s);
	char *sql;
	int rc;

	free(s->path);
	xasprintf(&s->path, "postgresql://%s@%s:%s/%s", PQuser(pg->conn),
	    PQhost(pg->conn), PQport(pg->conn), PQdb(pg->conn));
	PQsetNoticeProcessor(pg->conn, store_pg_notice, NULL);
	pg->gen++;
	xasprintf(&sql, "SET synchronous_commit = %s;"
	    " SET client_min_messages = warning;"
	    " SET statement_timeout = %lld; SET lock_timeout = %lld;"
	    " SET idle_in_transaction_session_timeout = %lld",
	    pg->async_commit ? "off" : "on", (long long)pg->timeout_ms,
	    (long long)pg->timeout_ms,
	    (long long)(pg->timeout_ms * 2 > 5000 ? pg->timeout_ms * 2 :
	    5000));
	rc = store_pg_exec(s, sql, NULL);
	free(sql);
	return rc;
}

/*
 * Connect with the libpq connection string target (a postgresql://
 * URI); s->path becomes what the log calls it (no password).  This
 * first connection blocks, bounded by connect_timeout.
 */
static int
store_pg_open(struct store *s, const char *target, char **cause)
{
	struct store_pg *pg = xcalloc(1, sizeof *pg);

	s->db = pg;
	pg->conninfo = xstrdup(target);
	pg->timeout_ms = s->timeout_ms > 0 ? s->timeout_ms : 2000;
	pg->backoff_ms = STORE_PG_BACKOFF_MIN;
	pg->conn = store_pg_start(pg, 1);
	if (PQstatus(pg->conn) != CONNECTION_OK) {
		xasprintf(cause, "cannot reach PostgreSQL: %s",
		    PQerrorMessage(pg->conn));
		(*cause)[strcspn(*cause, "\n")] = '\0';
		return -1;
	}
	if (store_pg_session(s) != 0) {
		xasprintf(cause, "%s: %s", s->path, store_pg_errmsg(s));
		return -1;
	}
	return 0;
}

/* store.synchronous = "normal": synchronous_commit off, from now on. */
void
store_pg_set_async_commit(struct store *s, int on)
{
	struct store_pg *pg = PG(s);

	pg->async_commit = on;
	if (pg->conn != NULL)
		store_pg_exec(s, on ? "SET synchronous_commit = off" :
		    "SET synchronous_commit = on", NULL);
}

/* Run the callback of the COMMIT whose outcome is known. */
static void
store_pg_commit_run(struct store *s)
{
	struct store_pg *pg = PG(s);
	store_durable_cb cb = pg->commit_cb;
	void *arg = pg->commit_arg;
	int rc = pg->commit_rc;

	if (pg->commit != STORE_PG_COMMIT_KNOWN)
		return;
	pg->commit = STORE_PG_COMMIT_NONE;
	pg->commit_cb = NULL;
	pg->commit_arg = NULL;
	if (pg->commit_ev != NULL)
		event_del(pg->commit_ev);
	if (rc == STORE_DURABLE)
		metrics_commit(store_usec() - pg->commit_t0);
	if (cb != NULL)
		cb(arg, rc);
}

static void
store_pg_commit_cb(evutil_socket_t fd, short what, void *arg)
{
	store_pg_commit_run(arg);
}

/* The COMMIT in flight committed (rc STORE_DURABLE) or did not. */
static void
store_pg_commit_known(struct store *s, int rc)
{
	struct store_pg *pg = PG(s);

	pg->commit = STORE_PG_COMMIT_KNOWN;
	pg->commit_rc = rc;
	if (rc != STORE_DURABLE)
		log_warnx("store: COMMIT failed on %s: %s; nothing of that"
		    " transaction is stored", s->path, store_pg_errmsg(s));
	if (pg->commit_ev != NULL)
		event_active(pg->commit_ev, EV_TIMEOUT, 0);
}

/*
 * Before anything else is sent: read the answer of the COMMIT in flight
 * (waiting for it, bounded as any statement), whose callback then runs
 * from the loop.  0 if the connection is up (and free), else -1 with the
 * error kept.
 */
static int
store_pg_drain(struct store *s)
{
	struct store_pg *pg = PG(s);
	PGresult *res;

	if (pg->commit == STORE_PG_COMMIT_SENT && pg->conn != NULL &&
	    (res = store_pg_result(s)) != NULL) {
		/* an aborted transaction's COMMIT answers ROLLBACK */
		if (PQresultStatus(res) == PGRES_COMMAND_OK &&
		    strcmp(PQcmdStatus(res), "COMMIT") == 0)
			store_pg_commit_known(s, STORE_DURABLE);
		else {
			store_pg_error(s, PQresultStatus(res) ==
			    PGRES_COMMAND_OK ? "the transaction was rolled"
			    " back" : PQresultErrorMessage(res));
			store_pg_commit_known(s, STORE_NOT_COMMITTED);
		}
		PQclear(res);
	}
	/* store_pg_result() lost the connection: store_pg_lost() said so */
	if (pg->conn == NULL) {
		store_pg_error(s, "PostgreSQL is unreachable (reconnecting)");
		return -1;
	}
	return 0;
}

/*
 * store_commit_group() on PostgreSQL: send COMMIT and return 1; cb runs
 * on the loop once the server answered (never before this returns).
 * Without a loop (store_pg_watch), COMMIT is waited for here and cb runs
 * at the next store_begin() or store_sync_wait().  -1 with *cause if it
 * could not be sent: cb is not called, the caller rolls back.
 */
int
store_pg_commit_send(struct store *s, store_durable_cb cb, void *arg,
    char **cause)
{
	struct store_pg *pg = PG(s);

	/* the audit events buffered go in this transaction (store.c) */
	if (store_events_commit(s, cause) != 0)
		return -1;
	/* a standby's alerts: the leader is told by this transaction */
	if (store_work_send(s, cause) != 0)
		return -1;
	if (store_pg_ready(s) != 0 || !PQsendQuery(pg->conn, "COMMIT")) {
		if (pg->conn != NULL && pg->later == 0 &&
		    PQtransactionStatus(pg->conn) != PQTRANS_INERROR) {
			store_pg_error(s, NULL);
			store_pg_lost(s);
		}
		if (cause != NULL)
			xasprintf(cause, "COMMIT: %s", store_pg_errmsg(s));
		return -1;
	}
	pg->commit = STORE_PG_COMMIT_SENT;
	pg->commit_t0 = store_usec();
	pg->commit_cb = cb;
	pg->commit_arg = arg;
	if (pg->base == NULL)
		store_pg_drain(s);
	return 1;
}

static const char store_pg_lazy_sql[] = "SET LOCAL synchronous_commit = off";

/*
 * store_commit_async() without a callback, on PostgreSQL: nobody waits
 * for that transaction to be durable, so it commits without waiting for
 * its WAL to be flushed (SET LOCAL synchronous_commit = off, in the same
 * round trip as COMMIT).  What SQLite's worker does by syncing later,
 * the server does: the WAL is flushed in order, so the next durable
 * COMMIT (and the WAL writer, within wal_writer_delay) covers it, and
 * only a crash of the server (not of pagerd) before then loses it, as
 * only a power cut before the next sync does on SQLite.  0, or -1 with
 * *cause if COMMIT failed.
 */
int
store_pg_commit_lazy(struct store *s, char **cause)
{
	struct sq *q;

	if (!PG(s)->async_commit &&
	    (q = store_stmt(s, store_pg_lazy_sql)) != NULL) {
		if (store_pg_later(q))
			store_pg_reset(q);
		else if (store_step_done(s, q, cause) != 0)
			return -1;
	}
	return store_commit_nosync(s, cause);
}

/*
 * Wait for the COMMIT in flight, if any, and run its callback now: before
 * another transaction begins, and at shutdown.
 */
void
store_pg_settle(struct store *s)
{
	struct store_pg *pg = PG(s);

	if (pg->commit == STORE_PG_COMMIT_NONE)
		return;
	store_pg_drain(s);
	store_pg_commit_run(s);
}

/* The idle connection's socket is readable: a notice, or its end. */
static void
store_pg_idle_cb(evutil_socket_t fd, short what, void *arg)
{
	struct store *s = arg;
	struct store_pg *pg = PG(s);
	PGresult *r;

	if (pg->conn == NULL)
		return;
	if (!PQconsumeInput(pg->conn) ||
	    PQstatus(pg->conn) == CONNECTION_BAD) {
		store_pg_error(s, NULL);
		store_pg_lost(s);
		return;
	}
	if (pg->commit == STORE_PG_COMMIT_SENT) {
		/* the group commit's answer, once it is all in */
		if (PQisBusy(pg->conn))
			return;
		store_pg_drain(s);
		store_pg_commit_run(s);
		return;
	}
	/* nothing was asked: drop what may have come (a late result) */
	while (!PQisBusy(pg->conn) && (r = PQgetResult(pg->conn)) != NULL)
		PQclear(r);
}

/* Watch the idle connection, so that its loss is seen at once. */
static void
store_pg_idle_watch(struct store *s)
{
	struct store_pg *pg = PG(s);

	if (pg->idle_ev != NULL) {
		event_free(pg->idle_ev);
		pg->idle_ev = NULL;
	}
	if (pg->base == NULL || pg->conn == NULL)
		return;
	if ((pg->idle_ev = event_new(pg->base, PQsocket(pg->conn),
	    EV_READ | EV_PERSIST, store_pg_idle_cb, s)) == NULL ||
	    event_add(pg->idle_ev, NULL) != 0)
		fatalx("store: cannot watch the PostgreSQL connection");
}

/* The connection broke: the store is down until a new one is made. */
static void
store_pg_lost(struct store *s)
{
	struct store_pg *pg = PG(s);

	if (pg->down)
		return;
	pg->down = 1;
	log_warnx("store: lost %s: %s; reconnecting", s->path,
	    store_pg_errmsg(s));
	metrics_store_up(0);
	metrics_store_error();
	if (pg->idle_ev != NULL) {
		event_free(pg->idle_ev);
		pg->idle_ev = NULL;
	}
	PQfinish(pg->conn);
	pg->conn = NULL;
	pg->later = 0;
	/* a COMMIT in flight: its outcome is unknown, so not stored */
	if (pg->commit == STORE_PG_COMMIT_SENT)
		store_pg_commit_known(s, STORE_NOT_COMMITTED);
	/* the backoff goes back to its least only once a session works */
	if (pg->up_cb != NULL)
		pg->up_cb(pg->up_arg, 0);
	store_pg_retry(s);
}

/* Try again after the backoff, which doubles up to its most. */
static void
store_pg_retry(struct store *s)
{
	struct store_pg *pg = PG(s);
	struct timeval tv;

	if (pg->base == NULL)
		return;
	tv.tv_sec = pg->backoff_ms / 1000;
	tv.tv_usec = (pg->backoff_ms % 1000) * 1000;
	evtimer_add(pg->timer, &tv);
	pg->backoff_ms *= 2;
	if (pg->backoff_ms > STORE_PG_BACKOFF_MAX)
		pg->backoff_ms = STORE_PG_BACKOFF_MAX;
}

/* A new connection failed: say so (once per try) and wait. */
static void
store_pg_connect_failed(struct store *s, const char *why)
{
	struct store_pg *pg = PG(s);
	char *msg;

	msg = xstrdup(why != NULL ? why : PQerrorMessage(pg->pending));
	msg[strcspn(msg, "\n")] = '\0';
	if (pg->conn_ev != NULL) {
		event_free(pg->conn_ev);
		pg->conn_ev = NULL;
	}
	PQfinish(pg->pending);
	pg->pending = NULL;
	metrics_store_error();
	log_warnx("store: cannot reach PostgreSQL (%s); next try in %lld ms",
	    msg, (long long)pg->backoff_ms);
	free(msg);
	store_pg_retry(s);
}

static void store_pg_poll(struct store *, PostgresPollingStatusType);

static void
store_pg_conn_cb(evutil_socket_t fd, short what, void *arg)
{
	struct store *s = arg;

	store_pg_poll(s, PQconnectPoll(PG(s)->pending));
}

/* Drive the new connection one step (PQconnectPoll said st). */
static void
store_pg_poll(struct store *s, PostgresPollingStatusType st)
{
	struct store_pg *pg = PG(s);
	short ev;

	if (pg->conn_ev != NULL) {
		event_free(pg->conn_ev);
		pg->conn_ev = NULL;
	}
	switch (st) {
	case PGRES_POLLING_READING:
	case PGRES_POLLING_WRITING:
		ev = st == PGRES_POLLING_READING ? EV_READ : EV_WRITE;
		if ((pg->conn_ev = event_new(pg->base, PQsocket(pg->pending),
		    ev, store_pg_conn_cb, s)) == NULL ||
		    event_add(pg->conn_ev, NULL) != 0)
			fatalx("store: cannot watch a PostgreSQL connection");
		return;
	case PGRES_POLLING_OK:
		evtimer_del(pg->timer);
		pg->conn = pg->pending;
		pg->pending = NULL;
		pg->down = 0;
		if (store_pg_session(s) != 0) {
			/* lost again (store_pg_lost), or refused */
			if (!pg->down) {
				log_warnx("store: %s: %s", s->path,
				    store_pg_errmsg(s));
				store_pg_lost(s);
			}
			return;
		}
		pg->backoff_ms = STORE_PG_BACKOFF_MIN;
		log_info("store: %s is reachable again", s->path);
		metrics_store_up(1);
		store_pg_idle_watch(s);
		if (pg->up_cb != NULL)
			pg->up_cb(pg->up_arg, 1);
		return;
	default:
		store_pg_connect_failed(s, NULL);
		return;
	}
}

/* The timer: time for the next try, or a try's deadline passed. */
static void
store_pg_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct store *s = arg;
	struct store_pg *pg = PG(s);
	struct timeval tv;

	if (pg->pending != NULL) {
		store_pg_connect_failed(s, "no answer within store.timeout");
		return;
	}
	if (pg->conn != NULL)
		return;
	pg->pending = store_pg_start(pg, 0);
	if (pg->pending == NULL || PQstatus(pg->pending) == CONNECTION_BAD) {
		store_pg_connect_failed(s, NULL);
		return;
	}
	/* the deadline of this try */
	tv.tv_sec = (pg->timeout_ms + 1000) / 1000;
	tv.tv_usec = ((pg->timeout_ms + 1000) % 1000) * 1000;
	evtimer_add(pg->timer, &tv);
	store_pg_poll(s, PGRES_POLLING_WRITING);
}

/*
 * From now on, a lost connection is made again on base's loop; cb
 * (if not NULL) hears when the store goes down (0) or is back (1).
 */
void
store_pg_watch(struct store *s, struct event_base *base,
    void (*cb)(void *, int), void *arg)
{
	struct store_pg *pg = PG(s);

	pg->base = base;
	pg->up_cb = cb;
	pg->up_arg = arg;
	if ((pg->timer = evtimer_new(base, store_pg_timer_cb, s)) == NULL ||
	    (pg->commit_ev = event_new(base, -1, 0, store_pg_commit_cb,
	    s)) == NULL)
		fatalx("store: evtimer_new failed");
	metrics_store_up(pg->conn != NULL);
	if (pg->conn != NULL)
		store_pg_idle_watch(s);
	else
		store_pg_retry(s);
}

/* Can the database be reached (as far as is known)? */
int
store_pg_up(struct store *s)
{
	return PG(s)->conn != NULL;
}

/*
 * pagerd -t: can target be reached, and what is its schema version
 * against the n this pagerd knows?  0 with *version, or -1 and *cause.
 */
int
store_pg_check(const char *target, int64_t timeout_ms, int64_t *version,
    char **cause)
{
	struct store s;
	int rc;

	memset(&s, 0, sizeof s);
	s.drv = &store_pg_driver;
	s.timeout_ms = timeout_ms;
	s.path = xstrdup("PostgreSQL");
	if (store_pg_open(&s, target, cause) != 0) {
		store_pg_close(&s);
		free(s.path);
		return -1;
	}
	*version = 0;
	rc = store_pg_exec(&s, "SELECT CASE WHEN"
	    " to_regclass('schema_version') IS NULL THEN 0 ELSE 1 END",
	    version);
	if (rc == 0 && *version != 0)
		rc = store_pg_exec(&s, "SELECT count(*) FROM schema_version",
		    version);
	if (rc != 0)
		xasprintf(cause, "%s: reading the schema version: %s", s.path,
		    store_pg_errmsg(&s));
	store_pg_close(&s);
	free(s.path);
	return rc;
}

static void
store_pg_close(struct store *s)
{
	struct store_pg *pg = PG(s);

	if (pg == NULL)
		return;
	if (pg->commit != STORE_PG_COMMIT_NONE)
		log_warnx("store: a commit callback dropped at close");
	if (pg->commit_ev != NULL)
		event_free(pg->commit_ev);
	if (pg->idle_ev != NULL)
		event_free(pg->idle_ev);
	if (pg->conn_ev != NULL)
		event_free(pg->conn_ev);
	if (pg->timer != NULL)
		event_free(pg->timer);
	PQfinish(pg->pending);
	PQfinish(pg->conn);
	free(pg->conninfo);
	free(pg->err);
	free(pg);
	s->db = NULL;
}

/*
 * Bring the schema up to date, each migration in a transaction of its
 * own, holding the migrations' advisory lock throughout.
 */
static int
store_pg_migrate(struct store *s, char **cause)
{
	const char *const *migrations;
	char *sql;
	size_t n;
	int64_t version = 0;
	int i, rc = -1;

	migrations = store_migrations_pg_list(&n);
	if (store_pg_exec(s, "SELECT pg_advisory_lock(" STORE_PG_MIGRATE_LOCK
	    ")", NULL) != 0) {
		xasprintf(cause, "%s: %s", s->path, store_pg_errmsg(s));
		return -1;
	}
	if (store_pg_exec(s, "CREATE TABLE IF NOT EXISTS schema_version"
	    " (v BIGINT PRIMARY KEY)", NULL) != 0 ||
	    store_pg_exec(s, "SELECT count(*) FROM schema_version",
	    &version) != 0) {
		xasprintf(cause, "%s: reading schema version: %s", s->path,
		    store_pg_errmsg(s));
		goto out;
	}
	if (version > (int64_t)n) {
		xasprintf(cause, "%s: schema version %lld is newer than this"
		    " pagerd knows (%zu)", s->path, (long long)version, n);
		goto out;
	}
	for (i = (int)version; i < (int)n; i++) {
		xasprintf(&sql, "BEGIN; %s; INSERT INTO schema_version (v)"
		    " VALUES (%d); COMMIT", migrations[i], i + 1);
		if (store_pg_exec(s, sql, NULL) != 0) {
			free(sql);
			xasprintf(cause, "%s: migration %d: %s", s->path, i + 1,
			    store_pg_errmsg(s));
			store_pg_exec(s, "ROLLBACK", NULL);
			goto out;
		}
		free(sql);
		log_info("store: schema migrated to version %d", i + 1);
	}
	rc = 0;
out:
	store_pg_exec(s, "SELECT pg_advisory_unlock(" STORE_PG_MIGRATE_LOCK
	    ")", NULL);
	return rc;
}

/*
 * sql with each ?N (outside quotes) written $N, as a new string; *n is
 * the largest N.
 */
static char *
store_pg_dollars(const char *sql, int *n)
{
	char *out = xmalloc(strlen(sql) + 1), *o = out;
	const char *p;
	int quoted = 0, v;

	*n = 0;
	for (p = sql; *p != '\0'; p++) {
		if (*p == '\'')
			quoted = !quoted;
		if (*p != '?' || quoted) {
			*o++ = *p;
			continue;
		}
		*o++ = '$';
		for (v = 0; p[1] >= '0' && p[1] <= '9'; p++) {
			v = v * 10 + (p[1] - '0');
			*o++ = p[1];
		}
		if (v > *n)
			*n = v;
	}
	*o = '\0';
	return out;
}

/* Prepare q on the server (again, on a new connection): 0 or -1. */
static int
store_pg_prepare_on(struct store *s, struct store_pg_sq *q)
{
	struct store_pg *pg = PG(s);
	PGresult *res;
	int rc = 0;

	if (store_pg_ready(s) != 0)
		return -1;
	if (!PQsendPrepare(pg->conn, q->name, q->q.sql, 0, NULL)) {
		store_pg_error(s, NULL);
		store_pg_lost(s);
		return -1;
	}
	if ((res = store_pg_result(s)) == NULL)
		return -1;
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		store_pg_error(s, PQresultErrorMessage(res));
		rc = -1;
	} else
		q->gen = pg->gen;
	PQclear(res);
	return rc;
}

/*
 * While the store is down a statement is prepared on the server at its
 * first step, once it is back.
 */
static struct sq *
store_pg_prepare(struct store *s, const char *sql, int persistent)
{
	struct store_pg *pg = PG(s);
	struct store_pg_sq *q;
	char *mine = store_sql_pick(sql, STORE_DIALECT_PG), *text;
	int n;

	text = store_pg_dollars(mine != NULL ? mine : sql, &n);
	free(mine);
	q = xcalloc(1, sizeof *q);
	q->q.drv = &store_pg_driver;
	q->q.sql = text;
	q->s = s;
	if (persistent)
		snprintf(q->name, sizeof q->name, "s%u", ++pg->named);
	/* a one-off statement is parsed with its parameters, at its step */
	if (persistent && pg->conn != NULL && store_pg_prepare_on(s, q) != 0 &&
	    pg->conn != NULL) {
		free(text);
		free(q);
		return NULL;
	}
	q->nparams = n;
	if (n > 0) {
		q->vals = xcalloc(n, sizeof *q->vals);
		q->own = xcalloc(n, sizeof *q->own);
		q->num = xcalloc(n, sizeof *q->num);
	}
	return &q->q;
}

static void
store_pg_finalize(struct sq *sq)
{
	struct store_pg_sq *q = PQ(sq);

	if (q == NULL)
		return;
	store_pg_reset(sq);
	store_pg_clear(sq);
	free(q->vals);
	free(q->own);
	free(q->num);
	free((char *)q->q.sql);
	free(q);
}

/* Forget what parameter i (from 1) had; 0 if there is no such one. */
static int
store_pg_unbind(struct store_pg_sq *q, int i)
{
	if (i < 1 || i > q->nparams)
		return 0;
	free(q->own[i - 1]);
	q->own[i - 1] = NULL;
	q->vals[i - 1] = NULL;
	return 1;
}

static void
store_pg_bind_int64(struct sq *sq, int i, int64_t v)
{
	struct store_pg_sq *q = PQ(sq);

	if (!store_pg_unbind(q, i))
		return;
	snprintf(q->num[i - 1], sizeof q->num[i - 1], "%lld", (long long)v);
	q->vals[i - 1] = q->num[i - 1];
}

static void
store_pg_bind_text(struct sq *sq, int i, const char *v, int copy)
{
	struct store_pg_sq *q = PQ(sq);

	if (!store_pg_unbind(q, i) || v == NULL)
		return;
	if (copy)
		v = q->own[i - 1] = xstrdup(v);
	q->vals[i - 1] = v;
}

static void
store_pg_bind_null(struct sq *sq, int i)
{
	store_pg_unbind(PQ(sq), i);
}

static void
store_pg_array_put(struct store_pg_array *a, const char *p, size_t n)
{
	if (a->len + n + 2 > a->size) {
		a->size = (a->len + n + 2) * 2;
		a->buf = xreallocarray(a->buf, a->size, 1);
	}
	memcpy(a->buf + a->len, p, n);
	a->len += n;
	a->buf[a->len] = '\0';
}

/*
 * Append v (NULL: SQL NULL) to the array literal a (zeroed to begin),
 * quoted as an element: arrays of values bound as text, to send a
 * column of many rows as one parameter (store-raise-pg.c).
 */
void
store_pg_array_add(struct store_pg_array *a, const char *v)
{
	const char *p;
	size_t n;

	store_pg_array_put(a, a->len == 0 ? "{" : ",", 1);
	if (v == NULL) {
		store_pg_array_put(a, "NULL", 4);
		return;
	}
	store_pg_array_put(a, "\"", 1);
	/* the runs without a character to escape, each in one copy */
	for (p = v; *p != '\0'; p += n) {
		if ((n = strcspn(p, "\"\\")) == 0) {
			store_pg_array_put(a, "\\", 1);
			n = 1;
		}
		store_pg_array_put(a, p, n);
	}
	store_pg_array_put(a, "\"", 1);
}

/* The literal of a, closed (a->buf, the caller frees it). */
const char *
store_pg_array_end(struct store_pg_array *a)
{
	if (a->len == 0)
		store_pg_array_put(a, "{", 1);
	store_pg_array_put(a, "}", 1);
	return a->buf;
}

/*
 * The text bound to parameter i (from 1) of q, a statement of this
 * driver, or NULL (SQL NULL), until it is bound again
 * (store-raise-pg.c builds arrays of them).
 */
const char *
store_pg_param(struct sq *sq, int i)
{
	struct store_pg_sq *q = PQ(sq);

	if (i < 1 || i > q->nparams)
		return NULL;
	return q->vals[i - 1];
}

/*
 * Send q: prepared on the server, or with its text (a one-off one, in
 * the same round trip).  0, or -1 with the connection lost.
 */
static int
store_pg_send(struct store_pg_sq *q)
{
	struct store_pg *pg = PG(q->s);
	int ok;

	if (q->name[0] == '\0')
		ok = PQsendQueryParams(pg->conn, q->q.sql, q->nparams, NULL,
		    q->vals, NULL, NULL, 0);
	else
		ok = PQsendQueryPrepared(pg->conn, q->name, q->nparams,
		    q->vals, NULL, NULL, 0);
	if (!ok) {
		store_pg_error(q->s, NULL);
		store_pg_lost(q->s);
		return -1;
	}
	return 0;
}

/* Run the statement at its first step; then walk its rows. */
static int
store_pg_step(struct sq *sq)
{
	struct store_pg_sq *q = PQ(sq);
	struct store_pg *pg = PG(q->s);
	ExecStatusType st;
	const char *cmd;

	if (q->res == NULL) {
		/* the saves buffered go first (store-engine.c) */
		if (STORE_SAVES_PENDING(q->s) &&
		    store_engine_saves_flush(q->s, NULL) != 0)
			return STORE_ERR;
		if (store_pg_drain(q->s) != 0)
			return STORE_ERR;
		/* behind the pipeline's statements (not ROLLBACK: it must run) */
		if (pg->later > 0 && (q->gen == pg->gen || q->name[0] == '\0') &&
		    strcmp(q->q.sql, "ROLLBACK") != 0) {
			if (store_pg_send(q) != 0)
				return STORE_ERR;
			if (store_pg_pipe_end(q->s, &q->res) == -1 ||
			    q->res == NULL)
				return STORE_ERR;
		} else {
			if (pg->later > 0 && store_pg_pipe_end(q->s, NULL) != 0 &&
			    (pg->conn == NULL ||
			    strcmp(q->q.sql, "ROLLBACK") != 0))
				return STORE_ERR;
			if (q->name[0] != '\0' && q->gen != pg->gen &&
			    store_pg_prepare_on(q->s, q) != 0)
				return STORE_ERR;
			if (store_pg_send(q) != 0)
				return STORE_ERR;
			if ((q->res = store_pg_result(q->s)) == NULL)
				return STORE_ERR;
		}
		st = PQresultStatus(q->res);
		if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
			/* aborted behind a failed one: its error is kept */
			if (st != PGRES_PIPELINE_ABORTED)
				store_pg_error(q->s,
				    PQresultErrorMessage(q->res));
			PQclear(q->res);
			q->res = NULL;
			return STORE_ERR;
		}
		cmd = PQcmdStatus(q->res);
		if (strncmp(cmd, "INSERT", 6) == 0 ||
		    strncmp(cmd, "UPDATE", 6) == 0 ||
		    strncmp(cmd, "DELETE", 6) == 0)
			pg->changes = strtoll(PQcmdTuples(q->res), NULL, 10);
		q->nrows = st == PGRES_TUPLES_OK ? PQntuples(q->res) : 0;
		q->row = -1;
	}
	if (q->row + 1 < q->nrows) {
		q->row++;
		return STORE_ROW;
	}
	q->row = q->nrows;
	return STORE_DONE;
}

/* An integer column; a boolean reads as 1 or 0, NULL as 0. */
static int64_t
store_pg_column_int64(struct sq *sq, int i)
{
	struct store_pg_sq *q = PQ(sq);
	const char *v;

	if (q->res == NULL || q->row < 0 || q->row >= q->nrows ||
	    PQgetisnull(q->res, q->row, i))
		return 0;
	v = PQgetvalue(q->res, q->row, i);
	if (v[0] == 't' && v[1] == '\0')
		return 1;
	return strtoll(v, NULL, 10);
}

static const char *
store_pg_column_text(struct sq *sq, int i)
{
	struct store_pg_sq *q = PQ(sq);

	if (q->res == NULL || q->row < 0 || q->row >= q->nrows ||
	    PQgetisnull(q->res, q->row, i))
		return NULL;
	return PQgetvalue(q->res, q->row, i);
}

static int
store_pg_column_null(struct sq *sq, int i)
{
	struct store_pg_sq *q = PQ(sq);

	return q->res == NULL || q->row < 0 || q->row >= q->nrows ||
	    PQgetisnull(q->res, q->row, i);
}

static void
store_pg_reset(struct sq *sq)
{
	struct store_pg_sq *q = PQ(sq);

	PQclear(q->res);
	q->res = NULL;
	q->nrows = 0;
	q->row = -1;
}

static void
store_pg_clear(struct sq *sq)
{
	struct store_pg_sq *q = PQ(sq);
	int i;

	for (i = 1; i <= q->nparams; i++)
		store_pg_unbind(q, i);
}

static int64_t
store_pg_changes(struct store *s)
{
	return PG(s)->changes;
}

static const char *
store_pg_errmsg(struct store *s)
{
	struct store_pg *pg = PG(s);

	if (pg == NULL)
		return "not open";
	return pg->err != NULL ? pg->err : PQerrorMessage(pg->conn);
}

static int
store_pg_in_transaction(struct store *s)
{
	PGTransactionStatusType t;

	/* a pipeline open: read it to know */
	if (PG(s)->later > 0)
		store_pg_pipe_end(s, NULL);
	t = PQtransactionStatus(PG(s)->conn);

	return t == PQTRANS_INTRANS || t == PQTRANS_INERROR;
}

/*
 * Send q (prepared, its parameters bound) in pipeline mode, inside the
 * open transaction, and do not wait: its result is read with the next
 * statement's (store_pg_pipe_end).  1, or 0 if it cannot be now.
 */
static int
store_pg_later(struct sq *sq)
{
	struct store_pg_sq *q = PQ(sq);
	struct store *s = q->s;
	struct store_pg *pg = PG(s);

	/* the saves buffered go first (store-engine.c) */
	if (STORE_SAVES_PENDING(s) && store_engine_saves_flush(s, NULL) != 0)
		return 0;
	if (pg->conn == NULL || pg->commit != STORE_PG_COMMIT_NONE ||
	    q->name[0] == '\0' || q->gen != pg->gen)
		return 0;
	/* inside a transaction, or the BEGIN of one */
	if (pg->later == 0 &&
	    ((PQtransactionStatus(pg->conn) != PQTRANS_INTRANS &&
	    (PQtransactionStatus(pg->conn) != PQTRANS_IDLE ||
	    strcmp(q->q.sql, "BEGIN") != 0)) ||
	    !PQenterPipelineMode(pg->conn)))
		return 0;
	if (!PQsendQueryPrepared(pg->conn, q->name, q->nparams, q->vals,
	    NULL, NULL, 0)) {
		store_pg_error(s, NULL);
		if (pg->later == 0)
			PQexitPipelineMode(pg->conn);
		return 0;
	}
	pg->later++;
	return 1;
}
