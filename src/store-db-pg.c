/* SPDX-License-Identifier: ISC */
/*
 * store-db-pg.c: the store's PostgreSQL driver, all of pagerd's calls to
 * libpq.  This first version is synchronous: each statement is a round
 * trip that blocks the caller until its whole result is in (issue 15's
 * slice 3; pipelining, reconnecting and the loop come after).
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "log.h"
#include "store.h"
#include "store-private.h"
#include "xmalloc.h"

/* pg_advisory_lock() key of the migrations: "page". */
#define STORE_PG_MIGRATE_LOCK "1885431653"

struct store_pg {
	PGconn *conn;
	char *err;		/* the last error, or NULL */
	int64_t changes;	/* rows the last INSERT/UPDATE/DELETE changed */
	unsigned named;		/* statements named so far */
};

struct store_pg_sq {
	struct sq q;		/* first: a struct sq * is one of these */
	struct store *s;
	char name[16];		/* "" for a one-off statement */
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

/*
 * Run sql (no parameters, one or more statements): 0, or -1 with the
 * error kept.  If v is not NULL, the first column of its first row (an
 * integer) goes to *v, and no row is an error.
 */
static int
store_pg_exec(struct store *s, const char *sql, int64_t *v)
{
	PGresult *res = PQexec(PG(s)->conn, sql);
	ExecStatusType st = PQresultStatus(res);
	int rc = 0;

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
 * Connect with the libpq connection string target (a postgresql://
 * URI); s->path becomes what the log calls it (no password).
 */
static int
store_pg_open(struct store *s, const char *target, char **cause)
{
	struct store_pg *pg = xcalloc(1, sizeof *pg);

	s->db = pg;
	pg->conn = PQconnectdb(target);
	if (PQstatus(pg->conn) != CONNECTION_OK) {
		xasprintf(cause, "PostgreSQL: %s", PQerrorMessage(pg->conn));
		(*cause)[strcspn(*cause, "\n")] = '\0';
		return -1;
	}
	free(s->path);
	xasprintf(&s->path, "postgresql://%s@%s:%s/%s", PQuser(pg->conn),
	    PQhost(pg->conn), PQport(pg->conn), PQdb(pg->conn));
	PQsetNoticeProcessor(pg->conn, store_pg_notice, NULL);
	if (PQsetClientEncoding(pg->conn, "UTF8") != 0 ||
	    store_pg_exec(s, "SET synchronous_commit = on;"
	    " SET client_min_messages = warning", NULL) != 0) {
		xasprintf(cause, "%s: %s", s->path, store_pg_errmsg(s));
		return -1;
	}
	return 0;
}

static void
store_pg_close(struct store *s)
{
	struct store_pg *pg = PG(s);

	if (pg == NULL)
		return;
	PQfinish(pg->conn);
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

static struct sq *
store_pg_prepare(struct store *s, const char *sql, int persistent)
{
	struct store_pg *pg = PG(s);
	struct store_pg_sq *q;
	PGresult *res;
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
	res = PQprepare(pg->conn, q->name, text, 0, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		store_pg_error(s, PQresultErrorMessage(res));
		PQclear(res);
		free(text);
		free(q);
		return NULL;
	}
	PQclear(res);
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

/* Run the statement at its first step; then walk its rows. */
static int
store_pg_step(struct sq *sq)
{
	struct store_pg_sq *q = PQ(sq);
	struct store_pg *pg = PG(q->s);
	ExecStatusType st;
	const char *cmd;

	if (q->res == NULL) {
		q->res = PQexecPrepared(pg->conn, q->name, q->nparams,
		    q->vals, NULL, NULL, 0);
		st = PQresultStatus(q->res);
		if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
			store_pg_error(q->s, PQresultErrorMessage(q->res));
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
	PGTransactionStatusType t = PQtransactionStatus(PG(s)->conn);

	return t == PQTRANS_INTRANS || t == PQTRANS_INERROR;
}
