/* SPDX-License-Identifier: ISC */
/*
 * store-private.h: shared by the files of the store module (store.c and
 * store-*.c, one per group of tables).  Only these include sqlite3.h.
 */
#ifndef STORE_PRIVATE_H
#define STORE_PRIVATE_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

struct breach;
struct store;
struct store_event_new;

/* The statements store.c prepares at open; see store_sql[]. */
#define STORE_NSTMT 10

struct store_cached {
	const char *sql; /* compared by address */
	sqlite3_stmt *stmt;
};

struct store_sync;

struct store {
	sqlite3 *db;
	char *path;
	char *wal_path;		/* path + "-wal" */
	int wal_fd;		/* for store_sync_now(), or -1 */
	int wal;		/* the database is in WAL mode */
	int full_sync;		/* sync the WAL at each commit */
	int sync_failed;	/* a sync failed: nothing more is stored */
	struct store_sync *sync; /* the worker, once started */
	sqlite3_stmt *stmt[STORE_NSTMT];
	struct store_cached *cache;
	size_t ncache;
	char **cb_integrations;	/* those with a callback (store-callback.c) */
	size_t ncb_integrations;
	void (*cb_kick)(void *); /* a callback row was queued */
	void *cb_kick_arg;
};

/* store.c */
sqlite3_stmt *store_stmt(struct store *, const char *);
sqlite3_stmt *store_stmt_cause(struct store *, const char *, const char *,
    char **);
int store_step_done(struct store *, sqlite3_stmt *, char **);
void store_cause(struct store *, char **, const char *);
void store_bind_text(sqlite3_stmt *, int, const char *);
void store_bind_text_static(sqlite3_stmt *, int, const char *);
void store_bind_alert(sqlite3_stmt *, int, int64_t);
char *store_column_strdup(sqlite3_stmt *, int);
int64_t store_step_int64(sqlite3_stmt *, int64_t);
int store_strings(struct store *, const char *, int64_t, const char *,
    char ***, size_t *);
int store_commit_nosync(struct store *, char **);
int64_t store_usec(void);

/* store-migrations.c */
int store_migrate(struct store *, char **);

/* store-sync.c */
int store_sync_now(struct store *);
void store_wal_open(const char *, int *);
void store_sync_stop(struct store *);

/* store-callback.c */
int store_callback_enqueue(struct store *, const struct store_event_new *,
    int64_t, char **);

/* store-breach.c */
int store_breach_rows(struct store *, sqlite3_stmt *, struct breach **,
    size_t *);

#endif
