/* SPDX-License-Identifier: ISC */
/*
 * store-private.h: shared by the files of the store module (store.c and
 * store-*.c, one per group of tables).  They reach the database only
 * through the driver below (struct store_driver, one file per kind of
 * database: store-db-sqlite.c); only that file includes sqlite3.h.
 */
#ifndef STORE_PRIVATE_H
#define STORE_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

struct alert;
struct alert_new;
struct breach;
struct esc_state;
struct store_alert_start;
struct store_raise;
struct event_base;
struct store;
struct store_driver;
struct store_event_new;

/* The statements store.c prepares at open; see store_sql[]. */
#define STORE_NSTMT 10

/*
 * SQL that differs between databases, inside a statement's text: the
 * SQLite text, then the PostgreSQL one (each a string constant), as in
 * "priority = " STORE_SQL("min(priority, ?3)", "LEAST(priority, ?3)").
 * The driver's prepare() keeps its own (store_sql_pick()); everything
 * else is written once, in SQL both accept.
 */
#define STORE_SQL(sqlite, pg)	"\001" sqlite "\002" pg "\003"

/*
 * Parameter p ("?13") as a BIGINT, where PostgreSQL could not tell its
 * type (nullif(?13, 0) would make it a 32-bit integer); SQLite's CAST
 * would cost its VDBE work for nothing, on the intake path.
 */
#define STORE_BIGINT(p)	STORE_SQL(p, "CAST(" p " AS BIGINT)")

/*
 * A new alert's row: the columns, and the text of one row of values,
 * its STORE_INSERT_ALERT_NPARAMS parameters bound by
 * store_bind_alert_insert().
 */
#define STORE_INSERT_ALERT "INSERT INTO alerts (dedup_key, service,"	\
	" priority, summary, source, details, links, integration,"	\
	" created_ms, updated_ms, policy, stage, max_stage,"		\
	" stage_started_ms, stage_ack_due_ms, stage_resolve_due_ms,"	\
	" repeats_done, sla_response_due_ms, sla_first_response_due_ms,"	\
	" sla_resolution_due_ms, sla_reminded, sla_breached, next_due_ms)"
#define STORE_INSERT_ALERT_ROW "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9,"	\
	" ?10, ?11, ?11,"						\
	" nullif(" STORE_BIGINT("?12") ", 0),"				\
	" nullif(" STORE_BIGINT("?13") ", 0),"				\
	" nullif(" STORE_BIGINT("?14") ", 0), ?15,"			\
	" nullif(" STORE_BIGINT("?16") ", 0),"				\
	" nullif(" STORE_BIGINT("?17") ", 0),"				\
	" nullif(" STORE_BIGINT("?18") ", 0), ?19, ?20, ?21)"
#define STORE_INSERT_ALERT_NPARAMS 21

/* Which text of a STORE_SQL() a driver takes: its dialect. */
#define STORE_DIALECT_SQLITE	0
#define STORE_DIALECT_PG	1

/* What store_step() gives. */
#define STORE_ROW	1	/* a row is ready for store_column_*() */
#define STORE_DONE	0	/* no more rows */
#define STORE_ERR	-1	/* failed: store_errmsg() says why */

/*
 * A prepared statement: the driver's own struct begins with this one.
 * Parameters are numbered from 1 (?1 in the SQL), columns from 0.
 */
struct sq {
	const struct store_driver *drv;
	const char *sql;	/* its text, as the driver prepared it */
};

/*
 * What the store asks of a database.  open() connects to target (a file
 * name, a connection string) and fills s->db (and, for SQLite, s->wal),
 * and s->path with what the log calls it; migrate() brings the schema
 * up to date.
 * prepare() returns NULL if sql does not compile (store_errmsg() says
 * why); persistent: kept until the store closes.  bind_text() copies v
 * if copy, else v must outlive the next step and reset.  step() gives
 * STORE_ROW, STORE_DONE or STORE_ERR; reset() makes the statement ready
 * to run again, bindings kept; clear() drops the bindings.  changes():
 * the rows the last INSERT, UPDATE or DELETE changed.  Ids of new rows
 * come back with RETURNING, or (if not NULL) from last_id(): the id of
 * the row the last INSERT made (store_step_id()).  later() (if not
 * NULL) runs a statement whose result nobody reads, inside the open
 * transaction, without waiting for it: 1, or 0 if it cannot now (the
 * caller steps it as usual); its error, if any, fails the transaction's
 * next statement or its COMMIT.
 */
struct store_driver {
	const char *name;
	int dialect;		/* STORE_DIALECT_* */
	int (*open)(struct store *, const char *, char **);
	void (*close)(struct store *);
	int (*migrate)(struct store *, char **);
	struct sq *(*prepare)(struct store *, const char *, int);
	void (*finalize)(struct sq *);
	void (*bind_int64)(struct sq *, int, int64_t);
	void (*bind_text)(struct sq *, int, const char *, int);
	void (*bind_null)(struct sq *, int);
	int (*step)(struct sq *);
	int64_t (*column_int64)(struct sq *, int);
	const char *(*column_text)(struct sq *, int);
	int (*column_null)(struct sq *, int);
	void (*reset)(struct sq *);
	void (*clear)(struct sq *);
	int64_t (*changes)(struct store *);
	int64_t (*last_id)(struct store *);
	const char *(*errmsg)(struct store *);
	int (*in_transaction)(struct store *);
	int (*later)(struct sq *);
};

struct store_cached {
	const char *sql; /* compared by address */
	struct sq *stmt;
};

struct store_sync;
struct store_ckpt;

struct store_ahead;
struct store_evq;
struct store_saveq;

/*
 * Audit events buffered in a transaction are written this many rows to
 * an INSERT at most (store_event_add).
 */
#define STORE_EVQ_ROWS	64
#define STORE_EVQ_PG_ROWS 1000	/* PostgreSQL: rows to its one INSERT */

/*
 * How long a transaction that took an alert id may take to commit, as
 * far as the leader's look for alerts not started goes
 * (store_engine_unstarted).
 */
#define STORE_UNSTARTED_MARGIN_MS	60000

struct store {
	const struct store_driver *drv;
	void *db;		/* the driver's connection (sqlite3 *, ...) */
	char *path;
	char *wal_path;		/* path + "-wal"; NULL: no WAL to sync */
	int wal_fd;		/* for store_sync_now(), or -1 */
	int wal;		/* the database is in WAL mode */
	int busy_ms;		/* the loop's connection waits a lock that long */
	int full_sync;		/* sync the WAL at each commit */
	int sync_failed;	/* a sync failed: nothing more is stored */
	int64_t timeout_ms;	/* PostgreSQL: a statement's deadline */
	struct store_sync *sync; /* the worker, once started */
	struct store_ckpt *ckpt; /* the checkpointing thread, or NULL */
	int64_t wal_frames;	/* frames in the WAL after the last commit */
	struct sq *stmt[STORE_NSTMT];
	struct store_cached *cache;
	size_t ncache;
	char **cb_integrations;	/* those with a callback (store-callback.c) */
	size_t ncb_integrations;
	void (*cb_kick)(void *); /* a callback row was queued */
	void *cb_kick_arg;
	int64_t alert_floor;	/* SQLite: no new alert id below this */
	int64_t fence_epoch;	/* > 0: transactions check the lease */
	void (*fence_lost)(void *); /* a check found it moved on */
	int64_t work_lo, work_hi; /* > 0: alerts written unstarted in this
				 * transaction, for the leader (store-lease.c) */
	int64_t unstarted_floor; /* the leader's look reads ids above */
	int64_t unstarted_mark;	/* the largest id a look saw, */
	int64_t unstarted_mark_ms; /* then (clock_mono_ms; 0: none yet) */
	void *fence_arg;
	struct store_ahead *ahead; /* PostgreSQL: the group written ahead */
	size_t nahead, ahead_at;
	struct alert **pre;	/* PostgreSQL: rows read ahead (NULL: taken) */
	size_t npre;
	int txn;		/* store_begin() opened a transaction */
	struct store_evq *evq;	/* audit events not written yet */
	size_t nevq, evq_size;
	char *evtext;		/* their strings, one after another */
	size_t evtext_len, evtext_size;
	struct sq *evst[STORE_EVQ_ROWS]; /* INSERTs of 1, 2, ... rows */
	struct store_saveq *saveq; /* PostgreSQL: saves not written yet */
	size_t nsaves;		/* how many (store-engine.c) */
	int saves_failed;	/* writing them failed: the transaction too */
};

/*
 * The driver's calls, for the statements of store.c and store-*.c: one
 * indirect call each, no allocation.
 */
static inline void
store_bind_int64(struct sq *q, int i, int64_t v)
{
	q->drv->bind_int64(q, i, v);
}

static inline void
store_bind_int(struct sq *q, int i, int v)
{
	q->drv->bind_int64(q, i, v);
}

static inline void
store_bind_null(struct sq *q, int i)
{
	q->drv->bind_null(q, i);
}

/* Bind a copy of v (NULL: SQL NULL) to parameter i. */
static inline void
store_bind_text(struct sq *q, int i, const char *v)
{
	q->drv->bind_text(q, i, v, 1);
}

/*
 * Bind v without copying it, for a statement that store_step_done()
 * runs next (or that is reset and cleared before v goes): on the intake
 * path each copy was a malloc and a free.
 */
static inline void
store_bind_text_static(struct sq *q, int i, const char *v)
{
	q->drv->bind_text(q, i, v, 0);
}

/* Bind an alert id to parameter i; 0 (no alert) is SQL NULL. */
static inline void
store_bind_alert(struct sq *q, int i, int64_t alert_id)
{
	if (alert_id > 0)
		q->drv->bind_int64(q, i, alert_id);
	else
		q->drv->bind_null(q, i);
}

static inline int
store_step(struct sq *q)
{
	return q->drv->step(q);
}

static inline int64_t
store_column_int64(struct sq *q, int i)
{
	return q->drv->column_int64(q, i);
}

static inline int
store_column_int(struct sq *q, int i)
{
	return (int)q->drv->column_int64(q, i);
}

/* The text of column i, or NULL; valid until the next step or reset. */
static inline const char *
store_column_text(struct sq *q, int i)
{
	return q->drv->column_text(q, i);
}

static inline int
store_column_null(struct sq *q, int i)
{
	return q->drv->column_null(q, i);
}

static inline void
store_reset(struct sq *q)
{
	q->drv->reset(q);
}

static inline void
store_clear(struct sq *q)
{
	q->drv->clear(q);
}

static inline int64_t
store_changed(struct store *s)
{
	return s->drv->changes(s);
}

static inline const char *
store_errmsg(struct store *s)
{
	return s->drv->errmsg(s);
}

/* store.c */
struct sq *store_stmt(struct store *, const char *);
struct sq *store_stmt_cause(struct store *, const char *, const char *,
    char **);
int store_step_done(struct store *, struct sq *, char **);
int store_events_flush(struct store *, char **);
int store_events_commit(struct store *, char **);
void store_cause(struct store *, char **, const char *);
char *store_column_strdup(struct sq *, int);
int store_read_rows(struct sq *, size_t, void (*)(struct sq *, void *),
    void (*)(void *), void **, size_t *);
int64_t store_step_int64(struct sq *, int64_t);
int64_t store_step_id(struct store *, struct sq *, const char *, char **);
void store_bind_escalation(struct sq *, int, const struct esc_state *,
    int64_t);
char *store_sql_pick(const char *, int);
void store_prefetch_clear(struct store *);
void store_bind_alert_insert(struct sq *, int, const char *,
    const struct alert_new *, int64_t, const struct store_alert_start *);

/* store-engine.c */
/* saves buffered to write, or a failed write of them to report */
#define STORE_SAVES_PENDING(s) ((s)->nsaves > 0 || (s)->saves_failed)
int store_engine_saves_flush(struct store *, char **);
void store_engine_saves_drop(struct store *, int);

/* store-raise-pg.c */
int store_ahead_take(struct store *, const struct alert_new *,
    struct store_raise *, const char **);
void store_ahead_clear(struct store *);
int store_strings(struct store *, const char *, int64_t, const char *,
    char ***, size_t *);
int store_commit_nosync(struct store *, char **);
int64_t store_usec(void);

/* store-db-sqlite.c */
extern const struct store_driver store_sqlite_driver;
void *store_sqlite_checkpointer(const char *, int *, char **);
int store_sqlite_checkpoint(void *, int64_t *, int64_t *, char **);
void store_sqlite_checkpointer_close(void *);
int store_sqlite_wal_extend(void *, const char *, int64_t, int64_t *,
    char **);

/* store-db-pg.c */
extern const struct store_driver store_pg_driver;
void store_pg_set_async_commit(struct store *, int);
int store_pg_commit_send(struct store *, void (*)(void *, int), void *,
    char **);
void store_pg_settle(struct store *);
int store_pg_commit_lazy(struct store *, char **);
const char *store_pg_param(struct sq *, int);
struct store_pg_array {
	char *buf;
	size_t len, size;
};
void store_pg_array_add(struct store_pg_array *, const char *);
const char *store_pg_array_end(struct store_pg_array *);

/* store-lease.c */
int store_work_send(struct store *, char **);
void store_pg_watch(struct store *, struct event_base *,
    void (*)(void *, int), void *);
int store_pg_up(struct store *);
int store_pg_check(const char *, int64_t, int64_t *, char **);

/* store-migrations-pg.c: the PostgreSQL schema */
const char *const *store_migrations_pg_list(size_t *);

/* store-migrations.c: the SQLite schema */
const char *const *store_migrations_sqlite(size_t *);

/* store-sync.c */
#define STORE_WAL_AHEAD_BYTES	(16LL << 20) /* -wal written ahead at start */
int store_sync_now(struct store *);
void store_wal_open(const char *, int *);
void store_sync_stop(struct store *);

/* store-checkpoint.c */
#define STORE_CKPT_FRAMES	1000	/* checkpoint past this many frames */
#define STORE_CKPT_HARD_BYTES	(64LL << 20) /* then TRUNCATE on the loop */
#define STORE_CKPT_GAP_US	50000	/* after one that left some behind */
#define STORE_CKPT_RETRY_US	1000000	/* after a failure or a TRUNCATE */
#define STORE_BUSY_MS		5000	/* the loop waits a lock this at most */
#define STORE_CKPT_BUSY_MS	100	/* a TRUNCATE waits this at most */
#define STORE_WAL_AHEAD_LOW	(4LL << 20) /* write ahead when less is */
#define STORE_WAL_AHEAD_PIECE	(256LL << 10) /* per hold of the lock */
#define STORE_WAL_AHEAD_BUSY_US	1000	/* after the lock was busy */

/* What store_ckpt_next() says to do. */
#define STORE_CKPT_NONE		0
#define STORE_CKPT_PASSIVE	1

/* When to checkpoint: the pure part of store-checkpoint.c. */
struct store_ckpt_state {
	int64_t threshold;	/* frames in the WAL worth a checkpoint */
	int64_t hard;		/* frames past which to TRUNCATE */
	int64_t gap;		/* µs after a checkpoint that left frames */
	int64_t retry;		/* µs after a failed one or a TRUNCATE */
	int64_t frames;		/* in the WAL after the last commit */
	uint64_t gen;		/* times the WAL was seen restarted */
	int64_t copied;		/* frames of WAL copied_gen in the database */
	uint64_t copied_gen;
	int64_t next_at;	/* no checkpoint before this (µs) */
	int64_t trunc_at;	/* no TRUNCATE on the loop before this */
	int64_t frame_bytes;	/* a frame's size in the -wal file */
	int64_t written;	/* bytes of the -wal file written */
	int64_t ahead_at;	/* write none ahead before this (µs) */
};

void store_ckpt_init(struct store_ckpt_state *, int);
void store_ckpt_note(struct store_ckpt_state *, int64_t);
int store_ckpt_next(const struct store_ckpt_state *, int64_t, int64_t *);
int store_ckpt_bound(struct store_ckpt_state *, int64_t);
int64_t store_ckpt_ahead(const struct store_ckpt_state *, int64_t,
    int64_t *);
void store_ckpt_extended(struct store_ckpt_state *, int, int64_t, int64_t);
void store_ckpt_truncated(struct store_ckpt_state *);
void store_ckpt_done(struct store_ckpt_state *, uint64_t, int, int64_t,
    int64_t, int64_t);
void store_ckpt_start(struct store *);
int store_ckpt_wal(struct store *, int64_t);
void store_ckpt_release(struct store *, int);
void store_ckpt_stop(struct store *);

/* store-callback.c */
int store_callback_enqueue(struct store *, const struct store_event_new *,
    int64_t, char **);

/* store-lease.c */
int store_fence_check(struct store *, char **);

/* store-breach.c */
int store_breach_rows(struct store *, struct sq *, struct breach **,
    size_t *);

#endif
