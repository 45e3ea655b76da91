/* SPDX-License-Identifier: ISC */
/*
 * test-store.c: the SQLite store: migrations, raising alerts, dedup,
 * priority raise, the audit log, listing with filters and pages, that
 * a committed batch survives closing and reopening, breach records, and
 * commits synced by the worker threads (fdatasync is wrapped to make a
 * sync fail or hold one while another runs), the pages and notes kept
 * typed beside the audit log, and the Events v2 context of alerts and
 * the change events of services;
 * a raise that loses its insert to another connection, and the texts of
 * STORE_SQL() each driver takes.
 *
 * With PAGERD_TEST_PG set to a postgresql:// URI (store-pg.test
 * starts a throwaway cluster for it), the tests that do not open the
 * SQLite file themselves run on that database instead, its schema
 * emptied before each.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/resource.h>

#include <errno.h>
#include <fcntl.h>
#include <event2/event.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert.h"
#include "breach.h"
#include "silence.h"
#include "stats.h"
#include "store.h"
#include "store-private.h"
#include "xmalloc.h"

#define T0 INT64_C(1795000000000)
/*
 * A store as before migrations 14 (retention), 15 (Events v2 context),
 * 16 (who was on call), 17 (a ticket's link, in alert_context), 18
 * (silences), 19 (integration callbacks), 20 (snooze), 21 (a
 * notification's message and later rules), 22 (the leader's lease,
 * alerts not started), 23 (a standby's commands), 24 (alerts without
 * AUTOINCREMENT or alerts_status), 25 (commands for silences and
 * reports) and 26 (the epoch of an event), for the migration tests.
 */
#define STORE_UNDO_29 " DROP TABLE sends;"
#define STORE_UNDO_26 STORE_UNDO_29 " ALTER TABLE events DROP COLUMN epoch;"
#define STORE_UNDO_24 \
	" DROP TABLE alert_id_floor;" \
	" CREATE TABLE a23 (id INTEGER PRIMARY KEY AUTOINCREMENT," \
	"  dedup_key TEXT NOT NULL, service TEXT NOT NULL," \
	"  priority INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 4)," \
	"  summary TEXT NOT NULL, source TEXT, details TEXT, links TEXT," \
	"  integration TEXT, status TEXT NOT NULL DEFAULT 'triggered'" \
	"  CHECK (status = 'triggered' OR status = 'acknowledged'" \
	"  OR status = 'resolved'), stage INTEGER NOT NULL DEFAULT 1," \
	"  count INTEGER NOT NULL DEFAULT 1, created_ms INTEGER NOT NULL," \
	"  updated_ms INTEGER NOT NULL, acknowledged_ms INTEGER," \
	"  first_response_ms INTEGER, resolved_ms INTEGER, policy TEXT," \
	"  stage_started_ms INTEGER, stage_ack_due_ms INTEGER," \
	"  stage_resolve_due_ms INTEGER," \
	"  repeats_done INTEGER NOT NULL DEFAULT 0," \
	"  sla_response_due_ms INTEGER, sla_first_response_due_ms INTEGER," \
	"  sla_resolution_due_ms INTEGER," \
	"  sla_reminded INTEGER NOT NULL DEFAULT 0," \
	"  sla_breached INTEGER NOT NULL DEFAULT 0, next_due_ms INTEGER," \
	"  max_stage INTEGER NOT NULL DEFAULT 1, snooze_until_ms INTEGER);" \
	" INSERT INTO a23 SELECT * FROM alerts;" \
	" DROP TABLE alerts; ALTER TABLE a23 RENAME TO alerts;" \
	" CREATE UNIQUE INDEX alerts_open_dedup ON alerts" \
	"  (service, dedup_key) WHERE status != 'resolved';" \
	" CREATE INDEX alerts_status ON alerts (status, id);" \
	" CREATE INDEX alerts_unstarted ON alerts (id)" \
	"  WHERE stage_started_ms IS NULL AND status != 'resolved';"
#define STORE_UNDO_21 \
	" DROP INDEX notifications_later;" \
	" ALTER TABLE notifications DROP COLUMN later_ms;" \
	" ALTER TABLE notifications DROP COLUMN later;" \
	" ALTER TABLE notifications DROP COLUMN send_id;"
#define STORE_UNDO_14 \
	STORE_UNDO_24 \
	" DROP TABLE commands;" /* 23 */ \
	" DROP INDEX alerts_unstarted; DROP TABLE lease;" /* 22 */ \
	" ALTER TABLE alerts DROP COLUMN snooze_until_ms;" \
	" DROP TABLE callbacks;" \
	" DROP TABLE alert_silences; DROP TABLE silences;" \
	" DROP TABLE oncall_seen;" \
	" DROP TABLE alert_context; DROP TABLE changes;" \
	" DROP TABLE archived_breaches; DROP TABLE archived_deliveries;" \
	" DROP TABLE archived_alerts; DROP TABLE retention_run;" \
	" DROP TRIGGER IF EXISTS events_no_delete;" \
	" CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN" \
	" SELECT RAISE(ABORT, 'the audit log is append-only'); END;"

int __wrap_fdatasync(int);
int __real_fdatasync(int);

/* Set by the test, read by the sync workers: under sync_mu. */
static pthread_mutex_t sync_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sync_cv = PTHREAD_COND_INITIALIZER;
static int fail_sync; /* the next fdatasync fails with EIO */
static int hold_sync; /* the next fdatasync waits until released */
static int held;      /* one is waiting: set it to 0 to release it */
static int nsyncs;

int
__wrap_fdatasync(int fd)
{
	pthread_mutex_lock(&sync_mu);
	nsyncs++;
	if (fail_sync) {
		fail_sync = 0;
		pthread_mutex_unlock(&sync_mu);
		errno = EIO;
		return -1;
	}
	if (hold_sync) {
		hold_sync = 0;
		held = 1;
		pthread_cond_broadcast(&sync_cv);
		while (held)
			pthread_cond_wait(&sync_cv, &sync_mu);
	}
	pthread_mutex_unlock(&sync_mu);
	return __real_fdatasync(fd);
}

struct fixture {
	char dir[512]; /* the folder, or PostgreSQL's URI */
	struct store *s;
};

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	char *cause = NULL;

	strcpy(f->dir, "/tmp/test-store.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	if ((f->s = store_open(f->dir, &cause)) == NULL) {
		fprintf(stderr, "%s\n", cause);
		return -1;
	}
	*state = f;
	return 0;
}

/* A store on PAGERD_TEST_PG, in an empty schema. */
static int
setup_pg(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	const char *uri = getenv("PAGERD_TEST_PG");
	char *cause = NULL;
	PGconn *c;
	PGresult *res;
	int ok;

	if (uri == NULL || strlen(uri) >= sizeof f->dir)
		return -1;
	strcpy(f->dir, uri);
	c = PQconnectdb(uri);
	res = PQexec(c, "SET client_min_messages = warning;"
	    " DROP SCHEMA public CASCADE; CREATE SCHEMA public");
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		fprintf(stderr, "%s: %s", uri, PQerrorMessage(c));
	PQclear(res);
	PQfinish(c);
	if (!ok)
		return -1;
	if ((f->s = store_open(f->dir, &cause)) == NULL) {
		fprintf(stderr, "%s\n", cause);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown_pg(void **state)
{
	struct fixture *f = *state;

	store_close(f->s);
	free(f);
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char *cmd;
	int rc;

	store_close(f->s);
	xasprintf(&cmd, "rm -rf %s", f->dir);
	rc = system(cmd);
	free(cmd);
	free(f);
	return rc == 0 ? 0 : -1;
}

/* Bob's note text on alert id at at. */
static int
note_add(struct store *s, int64_t id, int64_t at, const char *text,
    char **cause)
{
	struct store_alert_note n = { .alert_id = id, .at_ms = at,
	    .actor = "bob", .text = text };

	return store_alert_note_add(s, &n, cause);
}

/* Raise one alert in its own transaction. */
static void
raise1(struct store *s, const char *service, const char *key, int prio,
    int64_t now, struct store_raise *r)
{
	struct alert_new an;
	char *cause = NULL;

	memset(&an, 0, sizeof an);
	an.service = xstrdup(service);
	an.dedup_key = key != NULL ? xstrdup(key) : NULL;
	an.priority = prio;
	an.summary = xstrdup("disk full");
	an.integration = xstrdup("helpdesk");
	assert_int_equal(store_begin(s, &cause), 0);
	if (store_alert_raise(s, &an, now, r, &cause) != 0)
		fail_msg("%s", cause);
	assert_int_equal(store_commit(s, &cause), 0);
	alert_new_clear(&an);
}

static void
test_raise_and_get(void **state)
{
	struct fixture *f = *state;
	struct store_raise r;
	struct alert *a;

	raise1(f->s, "db", "k1", 2, T0, &r);
	assert_int_equal(r.id, 1);
	assert_false(r.duplicate);
	assert_int_equal(r.status, ALERT_TRIGGERED);
	assert_string_equal(r.dedup_key, "k1");
	free(r.dedup_key);

	a = store_alert_get(f->s, 1);
	assert_non_null(a);
	assert_string_equal(a->service, "db");
	assert_string_equal(a->dedup_key, "k1");
	assert_int_equal(a->priority, 2);
	assert_int_equal(a->count, 1);
	assert_int_equal(a->stage, 1);
	assert_int_equal(a->created_ms, T0);
	assert_int_equal(a->acknowledged_ms, 0);
	assert_string_equal(a->integration, "helpdesk");
	alert_free(a);
	assert_null(store_alert_get(f->s, 2));
}

static void
test_dedup(void **state)
{
	struct fixture *f = *state;
	struct store_raise r;
	struct store_event *ev;
	struct alert *a;
	size_t n;

	raise1(f->s, "db", "k1", 3, T0, &r);
	free(r.dedup_key);
	raise1(f->s, "db", "k1", 3, T0 + 1000, &r);
	assert_int_equal(r.id, 1);
	assert_true(r.duplicate);
	assert_false(r.priority_raised);
	free(r.dedup_key);
	raise1(f->s, "db", "k1", 1, T0 + 2000, &r);
	assert_int_equal(r.id, 1);
	assert_true(r.priority_raised);
	free(r.dedup_key);
	/* a lower priority does not lower it again */
	raise1(f->s, "db", "k1", 4, T0 + 3000, &r);
	assert_false(r.priority_raised);
	free(r.dedup_key);
	/* same key, other service: a new alert */
	raise1(f->s, "web", "k1", 3, T0 + 4000, &r);
	assert_int_equal(r.id, 2);
	assert_false(r.duplicate);
	free(r.dedup_key);

	a = store_alert_get(f->s, 1);
	assert_int_equal(a->count, 4);
	assert_int_equal(a->priority, 1);
	assert_int_equal(a->updated_ms, T0 + 3000);
	alert_free(a);

	assert_int_equal(store_events(f->s, 1, &ev, &n), 0);
	assert_int_equal(n, 5);
	assert_string_equal(ev[0].kind, "triggered");
	assert_string_equal(ev[0].actor, "helpdesk");
	assert_string_equal(ev[0].detail, "{\"priority\":\"P3\"}");
	assert_string_equal(ev[1].kind, "duplicate");
	assert_string_equal(ev[1].detail, "{\"count\":2,\"priority\":\"P3\"}");
	assert_string_equal(ev[2].kind, "duplicate");
	assert_string_equal(ev[3].kind, "priority_raised");
	assert_string_equal(ev[3].detail, "{\"from\":\"P3\",\"to\":\"P1\"}");
	assert_int_equal(ev[3].at_ms, T0 + 2000);
	assert_string_equal(ev[4].kind, "duplicate");
	store_events_free(ev, n);
}

static void
test_generated_key(void **state)
{
	struct fixture *f = *state;
	struct store_raise r1, r2;

	raise1(f->s, "db", NULL, 3, T0, &r1);
	raise1(f->s, "db", NULL, 3, T0, &r2);
	assert_int_equal(strlen(r1.dedup_key), 32);
	assert_string_not_equal(r1.dedup_key, r2.dedup_key);
	assert_int_not_equal(r1.id, r2.id);
	free(r1.dedup_key);
	free(r2.dedup_key);
}

/*
 * The race of two nodes raising the same key: B looks the key up, finds
 * nothing, and before its INSERT runs, A commits an open alert with it.
 * B's INSERT does nothing (ON CONFLICT), and B folds its alert into A's
 * as a duplicate instead of failing.  On SQLite, BEGIN IMMEDIATE makes
 * writers take turns, so B raises outside a transaction (each statement
 * its own) and A commits from inside B's step of the INSERT: the order
 * PostgreSQL's READ COMMITTED allows inside B's transaction.
 */
static struct store *race_a;
static struct store_driver race_drv;
static const struct store_driver *race_real;
static int race_fired;

static int
race_step(struct sq *q)
{
	struct store_raise ra;

	if (!race_fired++) {
		raise1(race_a, "db", "k1", 3, T0, &ra);
		assert_int_equal(ra.id, 1);
		assert_false(ra.duplicate);
		free(ra.dedup_key);
	}
	return race_real->step(q);
}

static void
test_raise_race(void **state)
{
	struct fixture *f = *state;
	struct store *b;
	struct store_raise r;
	struct alert_new an;
	struct alert *a;
	char *cause = NULL;
	int i, hooked = 0;

	if ((b = store_open(f->dir, &cause)) == NULL)
		fail_msg("%s", cause);
	race_a = f->s;
	race_real = b->drv;
	race_drv = *race_real;
	race_drv.step = race_step;
	race_fired = 0;
	for (i = 0; i < STORE_NSTMT; i++) {
		if (strncmp(b->stmt[i]->sql, "INSERT INTO alerts", 18) == 0) {
			b->stmt[i]->drv = &race_drv;
			hooked++;
		}
	}
	assert_int_equal(hooked, 1);

	memset(&an, 0, sizeof an);
	an.service = xstrdup("db");
	an.dedup_key = xstrdup("k1");
	an.priority = 2;
	an.summary = xstrdup("disk full");
	an.integration = xstrdup("other");
	if (store_alert_raise(b, &an, T0 + 1000, &r, &cause) != 0)
		fail_msg("%s", cause);
	alert_new_clear(&an);
	assert_int_equal(race_fired, 1);
	assert_int_equal(r.id, 1);
	assert_true(r.duplicate);
	assert_true(r.priority_raised);
	free(r.dedup_key);
	store_close(b);

	assert_int_equal(store_alert_count(f->s), 1);
	a = store_alert_get(f->s, 1);
	assert_int_equal(a->count, 2);
	assert_int_equal(a->priority, 2);
	alert_free(a);
}

/*
 * Two nodes raising the same keys at the same moments, for real: two
 * connections, a thread each, meet at a barrier before every round and
 * raise that round's key, each in a transaction of its own.  Every
 * round makes one alert, counted twice, and neither raise fails.
 * PostgreSQL only: SQLite's writers take turns (BEGIN IMMEDIATE), which
 * test_raise_race stands in for.
 */
#define RACE_ROUNDS 300

static int64_t sql_int(const char *, const char *);

struct racer {
	struct store *s;
	pthread_barrier_t *bar;
	int failed;
	char *cause;
	int folded;
};

static void *
racer_main(void *arg)
{
	struct racer *r = arg;
	struct store_raise res;
	struct alert_new an;
	char key[32], service[] = "db", summary[] = "disk full";
	int i;

	memset(&an, 0, sizeof an);
	an.service = service;
	an.summary = summary;
	an.priority = 2;
	an.dedup_key = key;
	for (i = 0; i < RACE_ROUNDS; i++) {
		snprintf(key, sizeof key, "race-%d", i);
		pthread_barrier_wait(r->bar);
		if (store_begin(r->s, &r->cause) != 0 ||
		    store_alert_raise(r->s, &an, T0 + i, &res,
		    &r->cause) != 0 || store_commit(r->s, &r->cause) != 0) {
			store_rollback(r->s);
			r->failed++;
			continue;
		}
		r->folded += res.duplicate;
		free(res.dedup_key);
	}
	return NULL;
}

static void
test_raise_concurrent(void **state)
{
	struct fixture *f = *state;
	struct racer r[2];
	pthread_barrier_t bar;
	pthread_t t[2];
	char *cause = NULL;
	int i;

	memset(r, 0, sizeof r);
	assert_int_equal(pthread_barrier_init(&bar, NULL, 2), 0);
	r[0].s = f->s;
	if ((r[1].s = store_open(f->dir, &cause)) == NULL)
		fail_msg("%s", cause);
	for (i = 0; i < 2; i++) {
		r[i].bar = &bar;
		assert_int_equal(pthread_create(&t[i], NULL, racer_main, &r[i]),
		    0);
	}
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	pthread_barrier_destroy(&bar);
	store_close(r[1].s);
	for (i = 0; i < 2; i++)
		if (r[i].failed != 0)
			fail_msg("racer %d: %d raise(s) failed, the last:"
			    " %s", i, r[i].failed, r[i].cause);
	assert_int_equal(r[0].folded + r[1].folded, RACE_ROUNDS);
	assert_int_equal(store_alert_count(f->s), RACE_ROUNDS);
	assert_int_equal(sql_int(f->dir, "SELECT count(*) FROM alerts"
	    " WHERE count != 2"), 0);
}

/* Each driver takes its own text of every STORE_SQL(). */
/* The start callback of test_raise_ahead: service "db" starts. */
static int
ahead_start(void *arg, const struct alert_new *an, int64_t now,
    struct store_alert_start *out)
{
	int *calls = arg;

	(*calls)++;
	if (strcmp(an->service, "db") != 0)
		return 0;
	memset(out, 0, sizeof *out);
	out->policy = "p1";
	out->policy_detail = "{\"policy\":\"p1\"}";
	out->st.stage = 1;
	out->st.stage_started_ms = now;
	out->next_due = ESC_NEVER;
	return 1;
}

/*
 * A group written ahead (one statement on PostgreSQL, nothing on
 * SQLite), then raised one by one: new alerts, a duplicate of a
 * committed one, a duplicate inside the group, a generated key; the
 * same outcome on both.  Then rows read ahead, each given once.
 */
static void
test_raise_ahead(void **state)
{
	struct fixture *f = *state;
	static const char *svc[] = { "db", "db", "db", "db", "web" };
	static const char *key[] = { "k1", "k0", "k1", NULL, "k1" };
	struct alert_new an[5];
	const struct alert_new *v[5];
	struct store_raise r[5];
	struct store_event *ev;
	struct alert *a;
	char *cause = NULL;
	int64_t ids[3];
	size_t i, n;
	int calls = 0;

	raise1(f->s, "db", "k0", 3, T0, &r[0]);
	free(r[0].dedup_key);
	for (i = 0; i < 5; i++) {
		memset(&an[i], 0, sizeof an[i]);
		an[i].service = xstrdup(svc[i]);
		an[i].dedup_key = key[i] != NULL ? xstrdup(key[i]) : NULL;
		an[i].priority = 3;
		an[i].summary = xstrdup("disk full");
		an[i].integration = xstrdup("helpdesk");
		v[i] = &an[i];
	}
	/* PostgreSQL writes the rows as arrays: what an element must quote */
	free(an[4].summary);
	an[4].summary = xstrdup("a \"quoted\" {b,c} back\\slash NULL ");
	an[4].details = xstrdup("{\"x\":\"y\\\\z\"}");
	assert_int_equal(store_begin(f->s, &cause), 0);
	if (store_alert_raise_ahead(f->s, v, 5, T0 + 1000, ahead_start,
	    &calls, &cause) != 0)
		fail_msg("%s", cause);
	for (i = 0; i < 5; i++)
		if (store_alert_raise_start(f->s, &an[i], T0 + 1000,
		    ahead_start, &calls, &r[i], &cause) != 0)
			fail_msg("%s", cause);
	assert_int_equal(store_commit(f->s, &cause), 0);

	assert_false(r[0].duplicate);
	assert_true(r[0].started);
	assert_string_equal(r[0].start.policy, "p1");
	assert_true(r[1].duplicate);
	assert_int_equal(r[1].id, 1);
	assert_true(r[2].duplicate);
	assert_int_equal(r[2].id, r[0].id);
	assert_false(r[3].duplicate);
	assert_int_equal(strlen(r[3].dedup_key), 32);
	assert_false(r[4].duplicate);
	assert_false(r[4].started);
	assert_true(r[3].id != r[0].id && r[4].id != r[0].id &&
	    r[3].id != r[4].id && r[0].id > 1 && r[3].id > 1 && r[4].id > 1);

	a = store_alert_get(f->s, r[0].id);
	assert_int_equal(a->count, 2);
	assert_int_equal(a->stage, 1);
	alert_free(a);
	a = store_alert_get(f->s, r[4].id);
	assert_string_equal(a->service, "web");
	assert_int_equal(a->count, 1);
	assert_string_equal(a->summary, "a \"quoted\" {b,c} back\\slash NULL ");
	assert_string_equal(a->details, "{\"x\":\"y\\\\z\"}");
	assert_null(a->source);
	assert_string_equal(a->integration, "helpdesk");
	alert_free(a);
	a = store_alert_get(f->s, 1);
	assert_int_equal(a->count, 2);
	alert_free(a);
	assert_int_equal(store_events(f->s, r[0].id, &ev, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ev[0].kind, "triggered");
	assert_string_equal(ev[0].detail,
	    "{\"priority\":\"P3\",\"policy\":\"p1\"}");
	assert_string_equal(ev[1].kind, "duplicate");
	store_events_free(ev, n);
	for (i = 0; i < 5; i++) {
		free(r[i].dedup_key);
		alert_new_clear(&an[i]);
	}

	/* read ahead: each row given once, inside its transaction */
	ids[0] = 1;
	ids[1] = r[4].id;
	ids[2] = 999;
	assert_int_equal(store_begin(f->s, &cause), 0);
	store_alerts_prefetch(f->s, ids, 3);
	a = store_alert_get(f->s, r[4].id);
	assert_string_equal(a->service, "web");
	alert_free(a);
	a = store_alert_get(f->s, 1);
	assert_int_equal(a->count, 2);
	alert_free(a);
	a = store_alert_get(f->s, 1);
	assert_int_equal(a->id, 1);
	alert_free(a);
	assert_null(store_alert_get(f->s, 999));
	store_rollback(f->s);
}

static void
test_sql_pick(void **state)
{
	static const char both[] = "SELECT " STORE_SQL("min(a, ?1)",
	    "LEAST(a, ?1)") " FROM t WHERE " STORE_SQL("b IS ?2",
	    "b IS NOT DISTINCT FROM ?2");
	char *s;

	assert_null(store_sql_pick("SELECT 1", STORE_DIALECT_SQLITE));
	s = store_sql_pick(both, STORE_DIALECT_SQLITE);
	assert_string_equal(s, "SELECT min(a, ?1) FROM t WHERE b IS ?2");
	free(s);
	s = store_sql_pick(both, STORE_DIALECT_PG);
	assert_string_equal(s, "SELECT LEAST(a, ?1) FROM t WHERE"
	    " b IS NOT DISTINCT FROM ?2");
	free(s);
	s = store_sql_pick(STORE_SQL("", "x"), STORE_DIALECT_SQLITE);
	assert_string_equal(s, "");
	free(s);
}

/*
 * PostgreSQL's migration 1 is SQLite's 1 to 16; each later SQLite
 * migration has its twin in store-migrations-pg.c.
 */
static void
test_migrations_in_step(void **state)
{
	size_t nsqlite, npg;

	store_migrations_sqlite(&nsqlite);
	store_migrations_pg_list(&npg);
	if (npg + 15 != nsqlite)
		fail_msg("%zu SQLite migrations but %zu PostgreSQL ones: give"
		    " each new one of store-migrations.c its twin in"
		    " store-migrations-pg.c", nsqlite, npg);
}

/* A new alert of service "db", and an audit event of the test at T0. */
static void
test_alert_event(struct alert_new *an, struct store_event_new *ev)
{
	memset(an, 0, sizeof *an);
	an->service = xstrdup("db");
	an->priority = 1;
	an->summary = xstrdup("x");
	memset(ev, 0, sizeof *ev);
	ev->at_ms = T0;
	ev->actor = "test";
	ev->detail = "{}";
}

/* A rolled-back batch leaves nothing behind. */
static void
test_rollback(void **state)
{
	struct fixture *f = *state;
	struct alert_new an;
	struct store_raise r;
	char *cause = NULL;

	memset(&an, 0, sizeof an);
	an.service = xstrdup("db");
	an.priority = 1;
	an.summary = xstrdup("x");
	assert_int_equal(store_begin(f->s, &cause), 0);
	assert_int_equal(store_alert_raise(f->s, &an, T0, &r, &cause), 0);
	free(r.dedup_key);
	store_rollback(f->s);
	assert_int_equal(store_alert_count(f->s), 0);
	assert_null(store_alert_get(f->s, r.id));
	alert_new_clear(&an);
}

/*
 * A savepoint (SQLite: the outbox's pass joined to intake's batch):
 * undone, what came after it goes, its queued audit events too, and
 * the transaction goes on with what came before; kept, all of it
 * commits.
 */
static void
test_savepoint(void **state)
{
	struct fixture *f = *state;
	struct store_event_new ev;
	struct alert_new an;
	struct store_raise r1, r2, r3;
	char sql[128], *cause = NULL;

	test_alert_event(&an, &ev);
	assert_int_equal(store_begin(f->s, &cause), 0);
	assert_int_equal(store_alert_raise(f->s, &an, T0, &r1, &cause), 0);
	ev.alert_id = r1.id;
	ev.kind = "before";
	assert_int_equal(store_event_add(f->s, &ev, &cause), 0);
	/* undone */
	assert_int_equal(store_savepoint(f->s, &cause), 0);
	assert_int_equal(store_alert_raise(f->s, &an, T0, &r2, &cause), 0);
	ev.kind = "undone";
	assert_int_equal(store_event_add(f->s, &ev, &cause), 0);
	assert_int_equal(store_savepoint_undo(f->s), 0);
	/* kept */
	assert_int_equal(store_savepoint(f->s, &cause), 0);
	assert_int_equal(store_alert_raise(f->s, &an, T0, &r3, &cause), 0);
	ev.kind = "kept";
	assert_int_equal(store_event_add(f->s, &ev, &cause), 0);
	assert_int_equal(store_savepoint_keep(f->s, &cause), 0);
	assert_int_equal(store_commit(f->s, &cause), 0);

	assert_int_equal(store_alert_count(f->s), 2);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM alerts WHERE id IN"
	    " (%lld, %lld)", (long long)r1.id, (long long)r3.id);
	assert_int_equal(sql_int(f->dir, sql), 2);
	assert_int_equal(sql_int(f->dir, "SELECT count(*) FROM events WHERE"
	    " kind = 'before'"), 1);
	assert_int_equal(sql_int(f->dir, "SELECT count(*) FROM events WHERE"
	    " kind = 'undone'"), 0);
	assert_int_equal(sql_int(f->dir, "SELECT count(*) FROM events WHERE"
	    " kind = 'kept'"), 1);
	free(r1.dedup_key);
	free(r2.dedup_key);
	free(r3.dedup_key);
	alert_new_clear(&an);
}

/*
 * PostgreSQL sends an audit event without waiting for it (pipeline
 * mode): one that fails makes the next statement fail, the transaction
 * rolls back whole, and the connection goes on.  A trigger refuses
 * events of kind "doomed".
 */
static void
test_pg_later_fails(void **state)
{
	struct fixture *f = *state;
	struct store_event_new ev;
	struct store_raise r;
	struct alert_new an;
	char *cause = NULL;
	PGconn *c;
	PGresult *res;
	int i;

	c = PQconnectdb(f->dir);
	res = PQexec(c, "CREATE FUNCTION doom() RETURNS trigger"
	    " LANGUAGE plpgsql AS $$ BEGIN IF NEW.kind = 'doomed' THEN"
	    " RAISE EXCEPTION 'doomed by the test'; END IF; RETURN NEW;"
	    " END $$; CREATE TRIGGER doom BEFORE INSERT ON events"
	    " FOR EACH ROW EXECUTE FUNCTION doom()");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		fail_msg("%s", PQerrorMessage(c));
	PQclear(res);
	PQfinish(c);

	test_alert_event(&an, &ev);
	ev.kind = "doomed";
	assert_int_equal(store_begin(f->s, &cause), 0);
	assert_int_equal(store_alert_raise(f->s, &an, T0, &r, &cause), 0);
	free(r.dedup_key);
	ev.alert_id = r.id;
	/*
	 * Buffered, then written in the pipeline once STORE_EVQ_PG_ROWS of
	 * them are waiting (the raise's "triggered" is the first), and
	 * not waited for: it succeeds here ...
	 */
	ev.kind = "fine";
	for (i = 2; i < STORE_EVQ_PG_ROWS; i++)
		assert_int_equal(store_event_add(f->s, &ev, &cause), 0);
	ev.kind = "doomed";
	assert_int_equal(store_event_add(f->s, &ev, &cause), 0);
	/* ... and the statement behind it fails with its error */
	assert_int_equal(store_alert_raise(f->s, &an, T0, &r, &cause), -1);
	assert_non_null(strstr(cause, "doomed by the test"));
	free(cause);
	cause = NULL;
	store_rollback(f->s);
	assert_int_equal(store_alert_count(f->s), 0);

	/* one buffered: written before COMMIT, which fails with it */
	assert_int_equal(store_begin(f->s, &cause), 0);
	assert_int_equal(store_alert_raise(f->s, &an, T0, &r, &cause), 0);
	free(r.dedup_key);
	ev.alert_id = r.id;
	assert_int_equal(store_event_add(f->s, &ev, &cause), 0);
	assert_int_equal(store_commit(f->s, &cause), -1);
	free(cause);
	cause = NULL;
	store_rollback(f->s);
	assert_int_equal(store_alert_count(f->s), 0);

	/* and the connection goes on: an alert and its events commit */
	assert_int_equal(store_begin(f->s, &cause), 0);
	assert_int_equal(store_alert_raise(f->s, &an, T0, &r, &cause), 0);
	free(r.dedup_key);
	ev.alert_id = r.id;
	ev.kind = "fine";
	assert_int_equal(store_event_add(f->s, &ev, &cause), 0);
	assert_int_equal(store_commit(f->s, &cause), 0);
	assert_int_equal(store_alert_count(f->s), 1);
	alert_new_clear(&an);
}

/* A URI's password never shows: user:password@ and password=. */
static void
test_redact(void **state)
{
	static const char *cases[][2] = {
		{ "/var/lib/pagerd", "/var/lib/pagerd" },
		{ "postgresql://pagerd@db/p", "postgresql://pagerd@db/p" },
		{ "postgresql://pagerd:s3cret@db:5432/p?sslmode=require",
		  "postgresql://pagerd:***@db:5432/p?sslmode=require" },
		{ "postgres://u:p%40ss@h1,h2/d", "postgres://u:***@h1,h2/d" },
		{ "postgresql:///p?user=u&password=s3cret&host=/run",
		  "postgresql:///p?user=u&password=***&host=/run" },
		{ "postgresql://h/p?password=x",
		  "postgresql://h/p?password=***" },
		{ "postgresql://h/p?passfile=/etc/pgpass",
		  "postgresql://h/p?passfile=/etc/pgpass" },
	};
	size_t i;
	char *r;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		r = store_redact(cases[i][0]);
		assert_string_equal(r, cases[i][1]);
		free(r);
	}
}

/* A tick, so that each turn of the test's loop ends. */
static void
test_pg_tick_cb(evutil_socket_t fd, short what, void *arg)
{
}

/*
 * PostgreSQL: a statement over store.timeout is cancelled by the server
 * and the connection stays; a connection killed under the store makes
 * it down (statements fail at once), and the loop makes a new one, on
 * which the statements are prepared again.
 */
static void
test_pg_down(void **state)
{
	struct fixture *f = *state;
	struct event_base *base;
	struct event *tick;
	struct timeval tv = { 0, 50000 };
	struct store *s;
	struct store_raise r;
	struct alert_new an;
	struct sq *st;
	PGconn *c;
	PGresult *res;
	char *cause = NULL;
	int64_t t0;
	int i;

	assert_non_null(s = store_open_db(f->dir, 300, &cause));
	st = store_stmt(s, "SELECT pg_sleep(3)");
	assert_non_null(st);
	t0 = store_usec();
	assert_int_equal(store_step(st), STORE_ERR);
	store_reset(st);
	assert_true(store_usec() - t0 < 1500000);
	assert_non_null(strstr(store_errmsg(s), "statement timeout"));
	assert_int_equal(store_up(s), 1);

	memset(&an, 0, sizeof an);
	an.service = xstrdup("db");
	an.priority = 1;
	an.summary = xstrdup("before");
	assert_int_equal(store_begin(s, &cause), 0);
	assert_int_equal(store_alert_raise(s, &an, T0, &r, &cause), 0);
	free(r.dedup_key);
	assert_int_equal(store_commit(s, &cause), 0);

	base = event_base_new();
	store_watch(s, base, NULL, NULL);
	c = PQconnectdb(f->dir);
	res = PQexec(c, "SELECT pg_terminate_backend(pid) FROM"
	    " pg_stat_activity WHERE application_name = 'pagerd'");
	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	PQclear(res);
	PQfinish(c);
	/* seen at the next statement (or by the loop, when it runs) */
	if (store_begin(s, &cause) == 0)
		store_rollback(s);
	free(cause);
	cause = NULL;
	assert_int_equal(store_up(s), 0);
	t0 = store_usec();
	assert_int_equal(store_begin(s, &cause), -1);
	assert_true(store_usec() - t0 < 1000);
	assert_non_null(strstr(cause, "unreachable"));
	free(cause);
	cause = NULL;

	tick = event_new(base, -1, EV_PERSIST, test_pg_tick_cb, NULL);
	event_add(tick, &tv);
	for (i = 0; i < 100 && !store_up(s); i++)
		event_base_loop(base, EVLOOP_ONCE);
	assert_int_equal(store_up(s), 1);
	free(an.summary);
	an.summary = xstrdup("after");
	free(an.dedup_key);
	an.dedup_key = NULL;
	assert_int_equal(store_begin(s, &cause), 0);
	assert_int_equal(store_alert_raise(s, &an, T0, &r, &cause), 0);
	free(r.dedup_key);
	assert_int_equal(store_commit(s, &cause), 0);
	assert_int_equal(store_alert_count(s), 2);
	alert_new_clear(&an);
	event_free(tick);
	store_close(s);
	event_base_free(base);
}

static void
test_list(void **state)
{
	struct fixture *f = *state;
	struct store_filter flt = { -1, NULL, 0, 0, 2, NULL };
	struct store_raise r;
	struct alert **list;
	size_t n, i;
	char key[16];

	for (i = 0; i < 5; i++) {
		snprintf(key, sizeof key, "k%zu", i);
		raise1(f->s, i % 2 ? "db" : "web", key, 1 + i % 4, T0, &r);
		free(r.dedup_key);
	}
	assert_int_equal(store_alert_list(f->s, &flt, &list, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(list[0]->id, 5);
	assert_int_equal(list[1]->id, 4);
	for (i = 0; i < n; i++)
		alert_free(list[i]);
	free(list);

	flt.before_id = 4;
	assert_int_equal(store_alert_list(f->s, &flt, &list, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(list[0]->id, 3);
	assert_int_equal(list[1]->id, 2);
	for (i = 0; i < n; i++)
		alert_free(list[i]);
	free(list);

	flt.before_id = 0;
	flt.limit = 50;
	flt.service = "db";
	assert_int_equal(store_alert_list(f->s, &flt, &list, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(list[0]->id, 4);
	assert_int_equal(list[1]->id, 2);
	for (i = 0; i < n; i++)
		alert_free(list[i]);
	free(list);

	flt.service = NULL;
	flt.priority = 1;
	assert_int_equal(store_alert_list(f->s, &flt, &list, &n), 0);
	assert_int_equal(n, 2); /* ids 1 and 5 */
	assert_int_equal(list[0]->id, 5);
	assert_int_equal(list[1]->id, 1);
	for (i = 0; i < n; i++)
		alert_free(list[i]);
	free(list);

	flt.priority = 0;
	flt.status = ALERT_RESOLVED;
	assert_int_equal(store_alert_list(f->s, &flt, &list, &n), 0);
	assert_int_equal(n, 0);
	free(list);
}

/* What was committed is there after the store is closed and reopened. */
static void
test_reopen(void **state)
{
	struct fixture *f = *state;
	struct store_raise r;
	char *cause = NULL;
	int i;

	for (i = 0; i < 10; i++) {
		raise1(f->s, "db", NULL, 2, T0 + i, &r);
		free(r.dedup_key);
	}
	store_close(f->s);
	f->s = store_open(f->dir, &cause);
	assert_non_null(f->s);
	assert_int_equal(store_alert_count(f->s), 10);
	assert_int_equal(store_ping(f->s), 0);
}

struct durable {
	int n;
	int order[8];
	int ok[8];
};

static struct durable durable;

static void
durable_cb(void *arg, int ok)
{
	durable.order[durable.n] = (int)(intptr_t)arg;
	durable.ok[durable.n++] = ok;
}

/* Raise one alert and commit it with store_commit_async(). */
static int
raise_async(struct store *s, int64_t now, int tag)
{
	struct store_raise r;
	struct alert_new an;
	char *cause = NULL;
	int rc;

	memset(&an, 0, sizeof an);
	an.service = xstrdup("db");
	an.priority = 2;
	an.summary = xstrdup("disk full");
	if (store_begin(s, &cause) != 0) {
		free(cause);
		alert_new_clear(&an);
		return -1;
	}
	if (store_alert_raise(s, &an, now, &r, &cause) != 0)
		fail_msg("%s", cause);
	free(r.dedup_key);
	alert_new_clear(&an);
	rc = store_commit_async(s, durable_cb, (void *)(intptr_t)tag, &cause);
	assert_int_equal(rc, 0);
	return 0;
}

/*
 * store_commit_async(): without the worker the callback runs before it
 * returns; with it, on the loop once a sync is done, in commit order,
 * and store_sync_wait() runs what is still waiting.  What was reported
 * durable is there after reopening.
 */
static void
test_commit_async(void **state)
{
	struct fixture *f = *state;
	struct event_base *base;
	char *cause = NULL;
	int i;

	memset(&durable, 0, sizeof durable);
	nsyncs = 0;
	assert_int_equal(raise_async(f->s, T0, 1), 0);
	assert_int_equal(durable.n, 1);
	assert_int_equal(durable.ok[0], 0);
	assert_true(nsyncs >= 1);

	assert_non_null(base = event_base_new());
	store_sync_start(f->s, base);
	memset(&durable, 0, sizeof durable);
	for (i = 0; i < 3; i++)
		assert_int_equal(raise_async(f->s, T0 + 1 + i, 2 + i), 0);
	assert_int_equal(durable.n, 0); /* only the loop reports */
	for (i = 0; i < 1000 && durable.n < 3; i++)
		event_base_loop(base, EVLOOP_ONCE);
	assert_int_equal(durable.n, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(durable.order[i], 2 + i);
		assert_int_equal(durable.ok[i], 0);
	}
	assert_int_equal(raise_async(f->s, T0 + 10, 5), 0);
	store_sync_wait(f->s);
	assert_int_equal(durable.n, 4);
	assert_int_equal(durable.order[3], 5);
	assert_int_equal(durable.ok[3], 0);

	store_close(f->s);
	event_base_free(base);
	assert_non_null(f->s = store_open(f->dir, &cause));
	assert_int_equal(store_alert_count(f->s), 5);
}

/* Turn base's loop until durable.n reaches n, for 10 s at most. */
static void
loop_until_durable(struct event_base *base, int n)
{
	int i;

	for (i = 0; i < 10000 && durable.n < n; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		if (durable.n < n)
			usleep(1000);
	}
}

/*
 * A commit made while a sync runs does not wait for that sync to end:
 * another worker syncs it at once, and that sync, begun after both
 * commits, reports both durable while the first is still held.  The
 * held one ending later tells nothing more.
 */
static void
test_sync_overlap(void **state)
{
	struct fixture *f = *state;
	struct event_base *base;
	char *cause = NULL;
	int i, still;

	assert_non_null(base = event_base_new());
	store_sync_start(f->s, base);
	memset(&durable, 0, sizeof durable);
	pthread_mutex_lock(&sync_mu);
	hold_sync = 1;
	pthread_mutex_unlock(&sync_mu);
	assert_int_equal(raise_async(f->s, T0, 1), 0);
	pthread_mutex_lock(&sync_mu);
	while (!held)
		pthread_cond_wait(&sync_cv, &sync_mu);
	pthread_mutex_unlock(&sync_mu);

	assert_int_equal(raise_async(f->s, T0 + 1, 2), 0);
	loop_until_durable(base, 2);
	/* release the first sync before checking, so a failure ends */
	pthread_mutex_lock(&sync_mu);
	still = held;
	held = 0;
	pthread_cond_broadcast(&sync_cv);
	pthread_mutex_unlock(&sync_mu);
	assert_int_equal(still, 1); /* the first sync had not ended */
	assert_int_equal(durable.n, 2);
	for (i = 0; i < 2; i++) {
		assert_int_equal(durable.order[i], 1 + i);
		assert_int_equal(durable.ok[i], 0);
	}

	assert_int_equal(raise_async(f->s, T0 + 2, 3), 0);
	loop_until_durable(base, 3);
	assert_int_equal(durable.n, 3);
	assert_int_equal(durable.order[2], 3);
	assert_int_equal(durable.ok[2], 0);

	store_sync_wait(f->s);
	store_close(f->s);
	event_base_free(base);
	assert_non_null(f->s = store_open(f->dir, &cause));
	assert_int_equal(store_alert_count(f->s), 3);
}

/*
 * store_durable_after() waits for the sync the last commit asked for,
 * with no commit or sync of its own: while that sync is held it has not
 * answered; once it returns, it answers after that commit's own
 * callback; with nothing left to sync it answers at once.
 */
static void
test_durable_after(void **state)
{
	struct fixture *f = *state;
	struct event_base *base;
	char *cause = NULL;
	int before, syncs;

	assert_non_null(base = event_base_new());
	store_sync_start(f->s, base);
	memset(&durable, 0, sizeof durable);
	pthread_mutex_lock(&sync_mu);
	hold_sync = 1;
	pthread_mutex_unlock(&sync_mu);
	assert_int_equal(raise_async(f->s, T0, 1), 0);
	pthread_mutex_lock(&sync_mu);
	while (!held)
		pthread_cond_wait(&sync_cv, &sync_mu);
	before = nsyncs;
	pthread_mutex_unlock(&sync_mu);

	store_durable_after(f->s, durable_cb, (void *)(intptr_t)9);
	event_base_loop(base, EVLOOP_NONBLOCK);
	assert_int_equal(durable.n, 0);
	pthread_mutex_lock(&sync_mu);
	held = 0;
	pthread_cond_broadcast(&sync_cv);
	pthread_mutex_unlock(&sync_mu);
	loop_until_durable(base, 2);
	assert_int_equal(durable.n, 2);
	assert_int_equal(durable.order[0], 1);
	assert_int_equal(durable.order[1], 9);
	assert_int_equal(durable.ok[0], STORE_DURABLE);
	assert_int_equal(durable.ok[1], STORE_DURABLE);
	pthread_mutex_lock(&sync_mu);
	syncs = nsyncs - before;
	pthread_mutex_unlock(&sync_mu);
	assert_int_equal(syncs, 0); /* only the held one, counted before */

	store_durable_after(f->s, durable_cb, (void *)(intptr_t)10);
	assert_int_equal(durable.n, 3);
	assert_int_equal(durable.order[2], 10);
	assert_int_equal(durable.ok[2], STORE_DURABLE);

	store_close(f->s);
	event_base_free(base);
	assert_non_null(f->s = store_open(f->dir, &cause));
}

/* Descriptors taken until open() fails, and the limit before. */
static int taken[1024];
static int ntaken;
static struct rlimit saved_nofile;

static void
fds_take(void)
{
	struct rlimit rl;
	int fd;

	assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved_nofile), 0);
	rl = saved_nofile;
	rl.rlim_cur = 256;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	ntaken = 0;
	while (ntaken < (int)nitems(taken) &&
	    (fd = open("/dev/null", O_RDONLY)) != -1)
		taken[ntaken++] = fd;
	assert_int_equal(errno, EMFILE);
}

static void
fds_give_back(void)
{
	while (ntaken > 0)
		close(taken[--ntaken]);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved_nofile), 0);
}

/*
 * Out of descriptors (a flood of client connections): the worker's
 * -wal file was opened at start, so commits are still made durable.
 * Where it could not be opened, the commit is answered as not stored
 * and the store stays usable: once descriptors are free again, the next
 * commit is durable.  (The store used to be broken for good: "nothing
 * more is stored until pagerd is restarted".)
 */
static void
test_sync_out_of_files(void **state)
{
	struct fixture *f = *state;
	struct event_base *base;
	int i;

	/* no worker, the -wal file never opened yet: not durable, not
	 * broken */
	memset(&durable, 0, sizeof durable);
	fds_take();
	assert_int_equal(raise_async(f->s, T0, 1), 0);
	fds_give_back();
	assert_int_equal(durable.n, 1);
	assert_int_equal(durable.ok[0], -1);
	assert_int_equal(store_ping(f->s), 0);
	assert_int_equal(raise_async(f->s, T0 + 1, 2), 0);
	assert_int_equal(durable.n, 2);
	assert_int_equal(durable.ok[1], 0);

	/* the worker opened its descriptor at start */
	assert_non_null(base = event_base_new());
	store_sync_start(f->s, base);
	fds_take();
	for (i = 0; i < 3; i++)
		assert_int_equal(raise_async(f->s, T0 + 2 + i, 3 + i), 0);
	for (i = 0; i < 1000 && durable.n < 5; i++)
		event_base_loop(base, EVLOOP_ONCE);
	fds_give_back();
	assert_int_equal(durable.n, 5);
	for (i = 2; i < 5; i++)
		assert_int_equal(durable.ok[i], 0);
	store_sync_wait(f->s);
	store_close(f->s);
	f->s = NULL;
	event_base_free(base);
	{
		char *cause = NULL;

		assert_non_null(f->s = store_open(f->dir, &cause));
	}
	assert_int_equal(store_alert_count(f->s), 5);
}

/*
 * A failed sync is reported to the commits it covered, and the store
 * takes nothing more: BEGIN fails and so does the readiness ping.
 */
static void
test_sync_fails(void **state)
{
	struct fixture *f = *state;
	struct event_base *base;
	char *cause = NULL;
	int i;

	assert_non_null(base = event_base_new());
	store_sync_start(f->s, base);
	memset(&durable, 0, sizeof durable);
	assert_int_equal(raise_async(f->s, T0, 1), 0);
	for (i = 0; i < 1000 && durable.n < 1; i++)
		event_base_loop(base, EVLOOP_ONCE);
	assert_int_equal(durable.ok[0], 0);
	fail_sync = 1;
	assert_int_equal(raise_async(f->s, T0 + 1, 2), 0);
	for (i = 0; i < 1000 && durable.n < 2; i++)
		event_base_loop(base, EVLOOP_ONCE);
	assert_int_equal(durable.n, 2);
	assert_int_equal(durable.ok[1], -1);
	assert_int_equal(raise_async(f->s, T0 + 2, 3), -1);
	assert_int_not_equal(store_ping(f->s), 0);
	assert_int_not_equal(store_begin(f->s, &cause), 0);
	assert_non_null(cause);
	free(cause);
	store_close(f->s);
	event_base_free(base);
	f->s = NULL;
}

/* The audit log cannot be edited, and a newer schema is refused. */
static void
test_schema_guards(void **state)
{
	struct fixture *f = *state;
	struct store_raise r;
	sqlite3 *db;
	char *path, *cause = NULL;

	raise1(f->s, "db", "k", 2, T0, &r);
	free(r.dedup_key);
	xasprintf(&path, "%s/pagerd.db", f->dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "UPDATE events SET kind = 'x'",
	    NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "DELETE FROM events", NULL, NULL,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	free(path);
	store_close(f->s);
	f->s = store_open(f->dir, &cause);
	assert_null(f->s);
	assert_non_null(strstr(cause, "schema version 99 is newer"));
	free(cause);
	/* leave a usable store for teardown */
	f->s = NULL;
}

/*
 * Migration 6 on a store of schema 5: notifications rebuilt with an
 * optional alert id and a body column, every row and id kept, and the
 * indexes back.  The schema-5 table is made here by hand from a fresh
 * store (its old shape: alert_id NOT NULL, no body).
 */
static void
test_migrate_notes(void **state)
{
	struct store_outbox_due due = { .channel = "mail",
	    .address = "alice@example.org", .now = T0 + 1 };
	struct fixture *f = *state;
	struct store_raise r;
	struct store_note n, *rows;
	sqlite3 *db;
	sqlite3_stmt *q;
	char *path, *cause = NULL;
	size_t nrows;

	raise1(f->s, "db", "k", 2, T0, &r);
	free(r.dedup_key);
	memset(&n, 0, sizeof n);
	n.alert_id = r.id;
	n.person = (char *)"alice";
	n.channel = (char *)"mail";
	n.address = (char *)"alice@example.org";
	n.reason = (char *)"stage 1";
	n.due_ms = T0;
	assert_int_equal(store_begin(f->s, &cause), 0);
	assert_int_equal(store_outbox_add(f->s, &n, T0, &cause), 0);
	assert_int_equal(store_outbox_add(f->s, &n, T0, &cause), 0);
	assert_int_equal(store_commit(f->s, &cause), 0);
	store_close(f->s);

	xasprintf(&path, "%s/pagerd.db", f->dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "BEGIN;"
	    "CREATE TABLE n5 (id INTEGER PRIMARY KEY AUTOINCREMENT,"
	    " alert_id INTEGER NOT NULL REFERENCES alerts (id),"
	    " person TEXT NOT NULL, channel TEXT NOT NULL,"
	    " address TEXT NOT NULL, attempt INTEGER NOT NULL DEFAULT 0,"
	    " state TEXT NOT NULL DEFAULT 'pending', provider_id TEXT,"
	    " last_error TEXT, due_ms INTEGER NOT NULL,"
	    " created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,"
	    " step INTEGER NOT NULL DEFAULT 0, reason TEXT, ack_url TEXT,"
	    " sent_ms INTEGER);"
	    "INSERT INTO n5 SELECT id, alert_id, person, channel, address,"
	    " attempt, state, provider_id, last_error, due_ms, created_ms,"
	    " updated_ms, step, reason, ack_url, sent_ms FROM notifications;"
	    "DROP TABLE notifications;"
	    "ALTER TABLE n5 RENAME TO notifications;"
	    "DROP TABLE breaches;" /* migration 9 */
	    "DROP TABLE hook_deliveries;" /* migration 10 */
	    "DROP TABLE pages; DROP TABLE alert_notes;" /* migration 13 */
	    STORE_UNDO_26 STORE_UNDO_14
	    "PRAGMA user_version = 5; COMMIT;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	f->s = store_open(f->dir, &cause);
	if (f->s == NULL)
		fail_msg("%s", cause);
	assert_int_equal(store_outbox_list(f->s, r.id, &rows, &nrows), 0);
	assert_int_equal(nrows, 2);
	assert_int_equal(rows[1].id, rows[0].id + 1);
	assert_string_equal(rows[0].reason, "stage 1");
	assert_null(rows[0].body);
	/* Migration 8 names what each old row told from its reason. */
	assert_int_equal(rows[0].event, NOTIFY_PAGE);
	assert_int_equal(rows[0].state, NOTIFY_PENDING);
	store_notes_free(rows, nrows);

	/* A note: no alert, a body; a row with neither is refused. */
	n.alert_id = 0;
	n.body = (char *)"no open alerts";
	assert_int_equal(store_begin(f->s, &cause), 0);
	assert_int_equal(store_outbox_add(f->s, &n, T0, &cause), 0);
	n.body = NULL;
	assert_int_equal(store_outbox_add(f->s, &n, T0, &cause), -1);
	free(cause);
	cause = NULL;
	assert_int_equal(store_commit(f->s, &cause), 0);
	assert_int_equal(store_outbox_queue(f->s, &due, 10, &rows, &nrows), 0);
	assert_int_equal(nrows, 3);
	assert_int_equal(rows[2].alert_id, 0);
	assert_string_equal(rows[2].body, "no open alerts");
	assert_null(rows[2].summary);
	store_notes_free(rows, nrows);

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM"
	    " sqlite_master WHERE type = 'index' AND tbl_name ="
	    " 'notifications'", -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(q, 0), 5); /* 21: later */
	sqlite3_finalize(q);
	sqlite3_close(db);
	free(path);
}

#define MIN INT64_C(60000)

/* Record one breach of alert id in its own transaction. */
static void
breach1(struct store *s, int64_t id, enum sla_clock c, int64_t due,
    int64_t stopped)
{
	struct breach b = { id, c, due, due + 1000, stopped };
	char *cause = NULL;

	assert_int_equal(store_begin(s, &cause), 0);
	if (store_breach_add(s, &b, &cause) != 0)
		fail_msg("%s", cause);
	assert_int_equal(store_commit(s, &cause), 0);
}

/* Stop the clock of a breach in its own transaction. */
static void
stop1(struct store *s, int64_t id, enum sla_clock c, int64_t at)
{
	struct breach b = { id, c, 0, 0, at };
	char *cause = NULL;

	assert_int_equal(store_begin(s, &cause), 0);
	if (store_breach_stop(s, &b, &cause) != 0)
		fail_msg("%s", cause);
	assert_int_equal(store_commit(s, &cause), 0);
}

static void
metrics_cb(const char *kind, const char *a, const char *b, int64_t n,
    void *arg)
{
	int64_t *v = arg;

	if (strcmp(kind, "breaches") == 0)
		v[strcmp(a, "response") == 0 ? 0 : 1] += n;
}

/*
 * Breaches: recorded once per clock, open until their clock stops, then
 * stopped once for good; read back typed, per alert and per window, and
 * counted for /metrics.
 */
static void
test_breaches(void **state)
{
	struct fixture *f = *state;
	struct store_stats_query q;
	struct store_raise r1, r2;
	struct breach *b;
	int64_t counts[2] = { 0, 0 };
	size_t n;

	raise1(f->s, "db", "k1", 1, T0, &r1);
	raise1(f->s, "web", "k2", 1, T0 + 60 * MIN, &r2);
	free(r1.dedup_key);
	free(r2.dedup_key);
	assert_int_equal(store_breaches(f->s, r1.id, &b, &n), 0);
	assert_int_equal(n, 0);
	free(b);

	breach1(f->s, r1.id, SLA_FIRST_RESPONSE, T0 + 15 * MIN, 0);
	breach1(f->s, r1.id, SLA_RESPONSE, T0 + 5 * MIN, 0);
	/* the same clock again: ignored, the first record stands */
	breach1(f->s, r1.id, SLA_RESPONSE, T0 + 7 * MIN, T0 + 8 * MIN);
	/* recorded with its clock already stopped */
	breach1(f->s, r2.id, SLA_RESPONSE, T0 + 65 * MIN, T0 + 66 * MIN);

	assert_int_equal(store_breaches(f->s, r1.id, &b, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(b[0].alert_id, r1.id);
	assert_int_equal(b[0].clock, SLA_RESPONSE);
	assert_int_equal(b[0].due_ms, T0 + 5 * MIN);
	assert_int_equal(b[0].breached_ms, T0 + 5 * MIN + 1000);
	assert_int_equal(b[0].stopped_ms, 0);
	assert_false(breach_is_final(&b[0]));
	assert_int_equal(breach_late_ms(&b[0], T0 + 9 * MIN), 4 * MIN);
	assert_int_equal(breach_late_ms(&b[0], T0 + 19 * MIN), 14 * MIN);
	assert_int_equal(b[1].clock, SLA_FIRST_RESPONSE);
	free(b);

	/* acknowledged 4m late: final, and a later stop changes nothing */
	stop1(f->s, r1.id, SLA_RESPONSE, T0 + 9 * MIN);
	stop1(f->s, r1.id, SLA_RESPONSE, T0 + 30 * MIN);
	stop1(f->s, r1.id, SLA_RESOLUTION, T0 + 30 * MIN); /* no breach */
	assert_int_equal(store_breaches(f->s, r1.id, &b, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(b[0].stopped_ms, T0 + 9 * MIN);
	assert_true(breach_is_final(&b[0]));
	assert_int_equal(breach_late_ms(&b[0], T0 + 1000 * MIN), 4 * MIN);
	assert_int_equal(b[1].stopped_ms, 0);
	free(b);

	/* a window holds the breaches of the alerts raised in it */
	memset(&q, 0, sizeof q);
	q.from_ms = T0;
	q.to_ms = T0 + 30 * MIN;
	assert_int_equal(store_stats_breaches(f->s, &q, &b, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(b[0].alert_id, r1.id);
	free(b);
	q.to_ms = T0 + 90 * MIN;
	q.service = "web";
	assert_int_equal(store_stats_breaches(f->s, &q, &b, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(b[0].alert_id, r2.id);
	assert_int_equal(b[0].stopped_ms, T0 + 66 * MIN);
	free(b);

	assert_int_equal(store_metrics(f->s, metrics_cb, counts), 0);
	assert_int_equal(counts[0], 2);
	assert_int_equal(counts[1], 1);
}

/*
 * Migration 9 on a store of schema 8: the breaches an alert's columns
 * flag become rows, recorded at their deadline and stopped as each
 * clock's goal says (the ack, the first note, else the resolution).
 */
static void
test_migrate_breaches(void **state)
{
	struct fixture *f = *state;
	struct store_raise r;
	struct breach *b;
	sqlite3 *db;
	char *path, *sql, *cause = NULL;
	size_t n;
	int i;

	for (i = 0; i < 3; i++) {
		raise1(f->s, "db", NULL, 1, T0, &r);
		free(r.dedup_key);
	}
	store_close(f->s);
	xasprintf(&path, "%s/pagerd.db", f->dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	xasprintf(&sql, "BEGIN; DROP TABLE breaches;"
	    " DROP TABLE hook_deliveries;" /* migration 10 */
	    " DROP TABLE pages; DROP TABLE alert_notes;" /* migration 13 */
	    STORE_UNDO_26 STORE_UNDO_21 STORE_UNDO_14
	    " UPDATE alerts SET sla_response_due_ms = %lld,"
	    " sla_first_response_due_ms = %lld, sla_resolution_due_ms = %lld;"
	    /* 1: acked late, never noted, resolved late */
	    " UPDATE alerts SET sla_breached = 7, acknowledged_ms = %lld,"
	    " resolved_ms = %lld, status = 'resolved' WHERE id = 1;"
	    /* 2: unacked, noted late: only the note stops its clock */
	    " UPDATE alerts SET sla_breached = 3, first_response_ms = %lld"
	    " WHERE id = 2;"
	    /* 3: met everything */
	    " UPDATE alerts SET acknowledged_ms = %lld WHERE id = 3;"
	    " PRAGMA user_version = 8; COMMIT;",
	    (long long)(T0 + 5 * MIN), (long long)(T0 + 15 * MIN),
	    (long long)(T0 + 240 * MIN), (long long)(T0 + 9 * MIN),
	    (long long)(T0 + 300 * MIN), (long long)(T0 + 20 * MIN),
	    (long long)(T0 + 1 * MIN));
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	free(sql);
	free(path);

	f->s = store_open(f->dir, &cause);
	if (f->s == NULL)
		fail_msg("%s", cause);
	assert_int_equal(store_breaches(f->s, 1, &b, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(b[0].clock, SLA_RESPONSE);
	assert_int_equal(b[0].breached_ms, T0 + 5 * MIN);
	assert_int_equal(b[0].stopped_ms, T0 + 9 * MIN);
	assert_int_equal(breach_late_ms(&b[0], T0 + 999 * MIN), 4 * MIN);
	assert_int_equal(b[1].clock, SLA_FIRST_RESPONSE);
	assert_int_equal(b[1].stopped_ms, T0 + 300 * MIN); /* resolved */
	assert_int_equal(b[2].clock, SLA_RESOLUTION);
	assert_int_equal(b[2].stopped_ms, T0 + 300 * MIN);
	free(b);
	assert_int_equal(store_breaches(f->s, 2, &b, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(b[0].stopped_ms, 0);
	assert_false(breach_is_final(&b[0]));
	assert_int_equal(b[1].stopped_ms, T0 + 20 * MIN);
	free(b);
	assert_int_equal(store_breaches(f->s, 3, &b, &n), 0);
	assert_int_equal(n, 0);
	free(b);
}

/* The number of rows whose column col equals want (NULL: any). */
static int
count_rows(sqlite3 *db, const char *sql, int col, const char *want)
{
	sqlite3_stmt *st;
	int n = 0;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW)
		if (want == NULL || strcmp((const char *)
		    sqlite3_column_text(st, col), want) == 0)
			n++;
	sqlite3_finalize(st);
	return n;
}

/*
 * Migration 11 copies alerts and breaches to spell their CHECKs without
 * IN: ids, the id sequence, history and foreign keys survive, the
 * CHECKs still refuse, and taking an alert builds no temporary table.
 */
static void
test_migrate_checks(void **state)
{
	struct store_event_new note999 = { .alert_id = 999, .at_ms = T0,
	    .actor = "test", .kind = "note" };
	struct fixture *f = *state;
	struct store_raise r;
	struct alert *a;
	sqlite3 *db;
	char *path, *cause = NULL;
	int i;

	for (i = 0; i < 3; i++) {
		raise1(f->s, "db", NULL, 2, T0, &r);
		free(r.dedup_key);
	}
	store_close(f->s);
	xasprintf(&path, "%s/pagerd.db", f->dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	/* as version 10 left it: a deleted newest id, a breach */
	assert_int_equal(sqlite3_exec(db, "BEGIN;"
	    " INSERT INTO breaches VALUES (2, 'response', 1, 2, NULL);"
	    " DROP TABLE pages; DROP TABLE alert_notes;" /* migration 13 */
	    STORE_UNDO_26 STORE_UNDO_21 STORE_UNDO_14
	    " UPDATE sqlite_sequence SET seq = 10 WHERE name = 'alerts';"
	    " PRAGMA user_version = 10; COMMIT;", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);

	f->s = store_open(f->dir, &cause);
	if (f->s == NULL)
		fail_msg("%s", cause);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(count_rows(db, "PRAGMA user_version", 0, "30"), 1);
	assert_int_equal(count_rows(db, "SELECT id FROM alerts", 0, NULL), 3);
	assert_int_equal(count_rows(db, "SELECT alert_id FROM events", 0, "2"),
	    1);
	assert_int_equal(count_rows(db, "SELECT clock FROM breaches", 0,
	    "response"), 1);
	assert_int_equal(count_rows(db, "SELECT name FROM sqlite_master"
	    " WHERE tbl_name = 'alerts'", 0, NULL), 2); /* and its index */
	assert_int_equal(count_rows(db, "EXPLAIN INSERT INTO alerts"
	    " (dedup_key, service, priority, summary, created_ms, updated_ms)"
	    " VALUES ('k', 's', 1, 'x', 1, 1)", 1, "OpenEphemeral"), 0);
	/* (the same question of a CHECK with IN does find one) */
	assert_int_equal(count_rows(db, "EXPLAIN INSERT INTO events (at_ms,"
	    " actor, kind) SELECT 1, 'a', 'b' WHERE 'x' IN ('x', 'y', 'z')",
	    1, "OpenEphemeral"), 1);
	assert_int_not_equal(sqlite3_exec(db, "UPDATE alerts SET status ="
	    " 'gone' WHERE id = 1", NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "UPDATE breaches SET clock ="
	    " 'late' WHERE alert_id = 2", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	free(path);

	/* the sequence went on from 10; foreign keys are on again */
	raise1(f->s, "db", NULL, 2, T0, &r);
	assert_int_equal(r.id, 11);
	free(r.dedup_key);
	assert_non_null(a = store_alert_get(f->s, 1));
	assert_int_equal(a->priority, 2);
	alert_free(a);
	/* an event is written at COMMIT (or before): the key fails it */
	assert_int_equal(store_begin(f->s, NULL), 0);
	assert_int_equal(store_event_add(f->s, &note999, NULL), 0);
	assert_int_not_equal(store_commit(f->s, &cause), 0);
	free(cause);
	store_rollback(f->s);
}

/*
 * Migration 12 copies the audit log into a table without AUTOINCREMENT:
 * ids and rows survive, the next id follows the largest, the foreign key,
 * the index and the append-only triggers stay, and an audit row no longer
 * touches sqlite_sequence.
 */
static void
test_migrate_events(void **state)
{
	struct store_event_new note1 = { .alert_id = 1, .at_ms = T0,
	    .actor = "test", .kind = "note" };
	struct store_event_new note999 = { .alert_id = 999, .at_ms = T0,
	    .actor = "test", .kind = "note" };
	struct fixture *f = *state;
	struct store_raise r;
	sqlite3 *db;
	char *path, *cause = NULL;
	int i;

	for (i = 0; i < 3; i++) {
		raise1(f->s, "db", NULL, 2, T0, &r);
		free(r.dedup_key);
	}
	store_close(f->s);
	xasprintf(&path, "%s/pagerd.db", f->dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	/* version 11's table, with a gap before its newest row (id 40) */
	assert_int_equal(sqlite3_exec(db, "BEGIN;" STORE_UNDO_26
	    " CREATE TABLE ev11 (id INTEGER PRIMARY KEY AUTOINCREMENT,"
	    "  alert_id INTEGER REFERENCES alerts (id), at_ms INTEGER NOT NULL,"
	    "  actor TEXT NOT NULL, kind TEXT NOT NULL,"
	    "  detail TEXT NOT NULL DEFAULT '{}');"
	    " INSERT INTO ev11 SELECT * FROM events;"
	    " INSERT INTO ev11 VALUES (40, 3, 5, 'test', 'note', '{\"x\":1}');"
	    " DROP TABLE events; ALTER TABLE ev11 RENAME TO events;"
	    " CREATE INDEX events_alert ON events (alert_id, id);"
	    " DROP TABLE pages; DROP TABLE alert_notes;" /* migration 13 */
	    STORE_UNDO_21 STORE_UNDO_14
	    " PRAGMA user_version = 11; COMMIT;", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(count_rows(db, "SELECT name FROM sqlite_sequence", 0,
	    "events"), 1);
	sqlite3_close(db);

	f->s = store_open(f->dir, &cause);
	if (f->s == NULL)
		fail_msg("%s", cause);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(count_rows(db, "PRAGMA user_version", 0, "30"), 1);
	assert_int_equal(count_rows(db, "SELECT id FROM events", 0, NULL), 4);
	assert_int_equal(count_rows(db, "SELECT detail FROM events WHERE"
	    " id = 40", 0, "{\"x\":1}"), 1);
	assert_int_equal(count_rows(db, "SELECT name FROM sqlite_sequence", 0,
	    "events"), 0);
	assert_int_equal(count_rows(db, "SELECT sql FROM sqlite_master WHERE"
	    " name = 'events' AND sql LIKE '%AUTOINCREMENT%'", 0, NULL), 0);
	assert_int_equal(count_rows(db, "SELECT name FROM sqlite_master"
	    " WHERE tbl_name = 'events'", 0, NULL), 4); /* index, triggers */
	assert_int_not_equal(sqlite3_exec(db, "UPDATE events SET kind = 'x'",
	    NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "DELETE FROM events", NULL, NULL,
	    NULL), SQLITE_OK);
	sqlite3_close(db);

	/* the next audit row follows the largest id; the key still holds */
	assert_int_equal(store_begin(f->s, NULL), 0);
	assert_int_equal(store_event_add(f->s, &note999, NULL), 0);
	assert_int_not_equal(store_commit(f->s, &cause), 0);
	free(cause);
	store_rollback(f->s);
	assert_int_equal(store_begin(f->s, NULL), 0);
	assert_int_equal(store_event_add(f->s, &note1, NULL), 0);
	assert_int_equal(store_commit(f->s, NULL), 0);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(count_rows(db, "SELECT max(id) FROM events", 0, "41"),
	    1);
	assert_int_equal(count_rows(db, "SELECT name FROM sqlite_sequence", 0,
	    "events"), 0);
	sqlite3_close(db);
	free(path);
}

/* Free what store_page_people() gave. */
static void
people_free(char **list, size_t n)
{
	while (n > 0)
		free(list[--n]);
	free(list);
}

/*
 * Pages and notes, typed: a recipient is recorded once per alert, at
 * its first page; recipients come back in the order first paged (by
 * name at the same instant); store_ack_pages() finds a person's open
 * alerts from them; the last note is the one taken last; a rolled-back
 * transaction leaves neither; and both refuse an alert that does not
 * exist.
 */
/* Record one change of service at at_ms, received at now. */
static void
change1(struct store *s, const char *service, const char *summary,
    int64_t at_ms, int64_t now)
{
	struct store_change c;
	char *cause = NULL;

	memset(&c, 0, sizeof c);
	c.service = (char *)service;
	c.summary = (char *)summary;
	c.at_ms = at_ms;
	c.links = (char *)"[{\"href\":\"https://ci.example/1\"}]";
	c.integration = (char *)"ci";
	assert_int_equal(store_begin(s, &cause), 0);
	if (store_change_add(s, &c, now, &cause) != 0)
		fail_msg("%s", cause);
	assert_int_equal(store_commit(s, &cause), 0);
}

/*
 * Migration 14: an alert's Events v2 context, kept once per alert and
 * read back; change events of a service found by the window they
 * happened in, newest first, at most N; older than 90 days pruned.
 */
static void
test_context(void **state)
{
	struct fixture *f = *state;
	struct store_alert_context c;
	struct store_change *ch;
	struct store_raise r;
	struct alert_new an;
	char *cause = NULL;
	size_t n;

	raise1(f->s, "web", "k1", 1, T0, &r);
	free(r.dedup_key);
	assert_int_equal(store_alert_context_get(f->s, r.id, &c), 0);
	assert_null(c.images);
	assert_null(c.client);
	memset(&an, 0, sizeof an);
	an.images = (char *)"[{\"src\":\"https://i.example/p.png\"}]";
	an.client = (char *)"Grafana";
	an.client_url = (char *)"https://grafana.example/";
	assert_int_equal(store_begin(f->s, &cause), 0);
	assert_int_equal(store_alert_context_add(f->s, r.id, &an, &cause), 0);
	/* a second trigger's context does not replace the first */
	an.client = (char *)"other";
	assert_int_equal(store_alert_context_add(f->s, r.id, &an, &cause), 0);
	assert_int_equal(store_commit(f->s, &cause), 0);
	assert_int_equal(store_alert_context_get(f->s, r.id, &c), 0);
	assert_string_equal(c.images,
	    "[{\"src\":\"https://i.example/p.png\"}]");
	assert_string_equal(c.client, "Grafana");
	assert_string_equal(c.client_url, "https://grafana.example/");
	store_alert_context_clear(&c);

	change1(f->s, "web", "deploy 1", T0 - 3 * 3600000, T0);
	change1(f->s, "web", "deploy 2", 0, T0 - 60000); /* at receipt */
	change1(f->s, "web", "long ago", T0 - 30 * 3600000, T0);
	change1(f->s, "db", "other service", T0 - 60000, T0);
	change1(f->s, "web", "after", T0 + 60000, T0);
	assert_int_equal(store_changes(f->s, "web", T0 - 24 * 3600000, T0, 10,
	    &ch, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ch[0].summary, "deploy 2");
	assert_int_equal(ch[0].at_ms, T0 - 60000);
	assert_int_equal(ch[0].received_ms, T0 - 60000);
	assert_string_equal(ch[1].summary, "deploy 1");
	assert_int_equal(ch[1].received_ms, T0);
	assert_string_equal(ch[1].integration, "ci");
	assert_string_equal(ch[1].links,
	    "[{\"href\":\"https://ci.example/1\"}]");
	assert_null(ch[1].source);
	store_changes_free(ch, n);
	assert_int_equal(store_changes(f->s, "web", T0 - 24 * 3600000, T0, 1,
	    &ch, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(ch[0].summary, "deploy 2");
	store_changes_free(ch, n);

	/* 91 days on, a new change prunes those received 90 days before */
	change1(f->s, "web", "much later", 0, T0 + 91 * 86400000LL);
	assert_int_equal(store_changes(f->s, "web", 0, T0 + 92 * 86400000LL,
	    10, &ch, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(ch[0].summary, "much later");
	store_changes_free(ch, n);
}

static void
test_facts(void **state)
{
	struct fixture *f = *state;
	struct store_raise r1, r2;
	struct store_note nt;
	char dave[] = "dave", erin[] = "erin", chat[] = "chat";
	char at_dave[] = "@dave", at_erin[] = "@erin";
	char reason[] = "page, stage 1";
	char **who, *note, *cause = NULL;
	int64_t *ids;
	size_t n;

	raise1(f->s, "db", "k1", 1, T0, &r1);
	raise1(f->s, "web", "k2", 1, T0, &r2);
	free(r1.dedup_key);
	free(r2.dedup_key);
	assert_int_equal(store_page_people(f->s, r1.id, &who, &n), 0);
	assert_int_equal(n, 0);
	assert_null(store_alert_note_last(f->s, r1.id));

	assert_int_equal(store_begin(f->s, &cause), 0);
	assert_int_equal(store_page_add(f->s, r1.id, "carol", T0, &cause), 0);
	assert_int_equal(store_page_add(f->s, r1.id, "bob", T0, &cause), 0);
	assert_int_equal(store_page_add(f->s, r1.id, "chat:ops", T0, &cause),
	    0);
	/* a repeat page, and a later stage paging alice */
	assert_int_equal(store_page_add(f->s, r1.id, "carol", T0 + 5 * 60000,
	    &cause), 0);
	assert_int_equal(store_page_add(f->s, r1.id, "alice", T0 + 5 * 60000,
	    &cause), 0);
	assert_int_equal(store_page_add(f->s, r2.id, "alice", T0, &cause), 0);
	assert_int_equal(note_add(f->s, r1.id, T0 + 1, "looking", &cause), 0);
	assert_int_equal(note_add(f->s, r1.id, T0 + 2, "disk swapped", &cause),
	    0);
	assert_int_equal(store_commit(f->s, &cause), 0);

	assert_int_equal(store_page_people(f->s, r1.id, &who, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(who[0], "bob");
	assert_string_equal(who[1], "carol");
	assert_string_equal(who[2], "chat:ops");
	assert_string_equal(who[3], "alice");
	people_free(who, n);
	assert_int_equal(store_page_people(f->s, r2.id, &who, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(who[0], "alice");
	people_free(who, n);
	assert_non_null(note = store_alert_note_last(f->s, r1.id));
	assert_string_equal(note, "disk swapped");
	free(note);
	assert_null(store_alert_note_last(f->s, r2.id));

	assert_int_equal(store_ack_pages(f->s, "alice", 1, &ids, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ids[0], r1.id);
	assert_int_equal(ids[1], r2.id);
	free(ids);
	assert_int_equal(store_ack_pages(f->s, "bob", 1, &ids, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], r1.id);
	free(ids);
	assert_int_equal(store_ack_pages(f->s, "dave", 0, &ids, &n), 0);
	assert_int_equal(n, 0);
	free(ids);

	/*
	 * A page through the outbox is its row there, no pages row: dave
	 * was paged for r2, erin only told it was acknowledged.
	 */
	memset(&nt, 0, sizeof nt);
	nt.alert_id = r2.id;
	nt.person = dave;
	nt.channel = chat;
	nt.address = at_dave;
	nt.reason = reason;
	nt.due_ms = T0 + 1;
	nt.event = NOTIFY_PAGE;
	nt.stage = 1;
	assert_int_equal(store_begin(f->s, &cause), 0);
	assert_int_equal(store_outbox_add(f->s, &nt, T0 + 1, &cause), 0);
	nt.person = erin;
	nt.address = at_erin;
	nt.event = NOTIFY_ACKNOWLEDGED;
	assert_int_equal(store_outbox_add(f->s, &nt, T0 + 2, &cause), 0);
	assert_int_equal(store_commit(f->s, &cause), 0);
	assert_int_equal(store_page_people(f->s, r2.id, &who, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(who[0], "alice");
	assert_string_equal(who[1], "dave");
	people_free(who, n);
	assert_int_equal(store_ack_pages(f->s, "dave", 0, &ids, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], r2.id);
	free(ids);
	assert_int_equal(store_ack_pages(f->s, "erin", 0, &ids, &n), 0);
	assert_int_equal(n, 0);
	free(ids);

	/* rolled back: nothing kept; a missing alert: refused */
	assert_int_equal(store_begin(f->s, &cause), 0);
	assert_int_equal(store_page_add(f->s, r2.id, "bob", T0, &cause), 0);
	assert_int_equal(note_add(f->s, r2.id, T0, "hi", &cause), 0);
	store_rollback(f->s);
	assert_int_equal(store_page_people(f->s, r2.id, &who, &n), 0);
	assert_int_equal(n, 2);
	people_free(who, n);
	assert_null(store_alert_note_last(f->s, r2.id));
	assert_int_equal(store_begin(f->s, &cause), 0);
	assert_int_not_equal(store_page_add(f->s, 999, "bob", T0, &cause), 0);
	free(cause);
	cause = NULL;
	assert_int_not_equal(note_add(f->s, 999, T0, "hi", &cause), 0);
	free(cause);
	cause = NULL;
	store_rollback(f->s);
}

/* Append a line to the string buffer of a report. */
static void
report_add(char **buf, const char *line)
{
	char *n;

	xasprintf(&n, "%s%s\n", *buf != NULL ? *buf : "", line);
	free(*buf);
	*buf = n;
}

static void
report_group_cb(const struct store_stats_group *g, void *arg)
{
	char line[256];

	snprintf(line, sizeof line, "%s %s %lld %lld %lld %lld", g->kind,
	    g->name, (long long)g->total, (long long)g->delivered,
	    (long long)g->cancelled, (long long)g->waiting);
	report_add(arg, line);
}

static void
report_top_cb(const char *service, const char *key, const char *summary,
    int64_t alerts, int64_t posts, void *arg)
{
	char line[256];

	snprintf(line, sizeof line, "top %s %s %s %lld %lld", service, key,
	    summary, (long long)alerts, (long long)posts);
	report_add(arg, line);
}

static void
report_metrics_cb(const char *kind, const char *a, const char *b, int64_t n,
    void *arg)
{
	char line[256];

	if (strcmp(kind, "alerts") == 0)
		return; /* a gauge of what the store holds: it shrinks */
	snprintf(line, sizeof line, "%s %s %s %lld", kind, a, b, (long long)n);
	report_add(arg, line);
}

/* Everything the reports of a day from T0 say, as text. */
static char *
report(struct store *s)
{
	struct store_stats_query q;
	struct stats_row *rows;
	struct breach *b;
	char *out = NULL, line[256];
	size_t n, i;

	memset(&q, 0, sizeof q);
	q.from_ms = T0;
	q.to_ms = T0 + 86400000;
	assert_int_equal(store_stats_rows(s, &q, &rows, &n), 0);
	for (i = 0; i < n; i++) {
		snprintf(line, sizeof line, "row %d %lld %lld %lld %lld %lld"
		    " %lld %lld %u %d", rows[i].priority,
		    (long long)rows[i].created_ms,
		    (long long)rows[i].acknowledged_ms,
		    (long long)rows[i].first_response_ms,
		    (long long)rows[i].resolved_ms,
		    (long long)rows[i].due_ms[0], (long long)rows[i].due_ms[1],
		    (long long)rows[i].due_ms[2], rows[i].breached,
		    rows[i].max_stage);
		report_add(&out, line);
	}
	free(rows);
	assert_int_equal(store_stats_breaches(s, &q, &b, &n), 0);
	for (i = 0; i < n; i++) {
		snprintf(line, sizeof line, "breach %lld %d %lld %lld %lld",
		    (long long)b[i].alert_id, (int)b[i].clock,
		    (long long)b[i].due_ms, (long long)b[i].breached_ms,
		    (long long)b[i].stopped_ms);
		report_add(&out, line);
	}
	free(b);
	assert_int_equal(store_stats_groups(s, &q, report_group_cb, &out), 0);
	assert_int_equal(store_stats_top(s, &q, 10, report_top_cb, &out), 0);
	assert_int_equal(store_metrics(s, report_metrics_cb, &out), 0);
	return out;
}

/* An audit event in the open transaction. */
static int
ev_add(struct store *s, int64_t id, int64_t at, const char *actor,
    const char *kind, const char *detail, char **cause)
{
	struct store_event_new ev = { .alert_id = id, .at_ms = at,
	    .actor = actor, .kind = kind, .detail = detail };

	return store_event_add(s, &ev, cause);
}

/* Run a whole retention pass with cutoff, limit alerts a batch. */
static size_t
retention_pass(struct store *s, int64_t cutoff, size_t limit)
{
	struct store_retention r;
	char *cause = NULL;
	int batches = 0;

	memset(&r, 0, sizeof r);
	r.cutoff_ms = cutoff;
	r.limit = limit;
	while (!r.done) {
		assert_true(++batches < 100);
		assert_int_equal(store_begin(s, &cause), 0);
		if (store_retention_batch(s, &r, &cause) != 0)
			fail_msg("%s", cause);
		assert_int_equal(store_commit(s, &cause), 0);
	}
	return r.removed;
}

/*
 * Run sql on PostgreSQL's uri: its result (caller clears), or NULL if
 * it failed.
 */
static PGresult *
sql_pg(const char *uri, const char *sql)
{
	PGconn *c = PQconnectdb(uri);
	PGresult *res;
	ExecStatusType st;

	assert_int_equal(PQstatus(c), CONNECTION_OK);
	res = PQexec(c, sql);
	st = PQresultStatus(res);
	PQfinish(c);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		PQclear(res);
		return NULL;
	}
	return res;
}

/* Is dir the URI of a store on PostgreSQL? */
static int
on_pg(const char *dir)
{
	return strncmp(dir, "postgresql://", 13) == 0;
}

/* Run sql on the store of dir (its folder, or PostgreSQL's URI). */
static void
sql1(const char *dir, const char *sql)
{
	char path[600], *err = NULL;
	sqlite3 *db;
	PGresult *res;

	if (on_pg(dir)) {
		if ((res = sql_pg(dir, sql)) == NULL)
			fail_msg("%s: refused", sql);
		PQclear(res);
		return;
	}
	snprintf(path, sizeof path, "%s/pagerd.db", dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err);
	sqlite3_close(db);
}

/* The integer that sql answers on the store of dir. */
static int64_t
sql_int(const char *dir, const char *sql)
{
	char path[600];
	sqlite3 *db;
	sqlite3_stmt *st;
	PGresult *res;
	int64_t v;

	if (on_pg(dir)) {
		if ((res = sql_pg(dir, sql)) == NULL || PQntuples(res) != 1)
			fail_msg("%s: no answer", sql);
		v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		PQclear(res);
		return v;
	}
	snprintf(path, sizeof path, "%s/pagerd.db", dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* Does sql fail on the store of dir? */
static int
sql_refused(const char *dir, const char *sql)
{
	char path[600];
	sqlite3 *db;
	PGresult *res;
	int rc;

	if (on_pg(dir)) {
		if ((res = sql_pg(dir, sql)) == NULL)
			return 1;
		PQclear(res);
		return 0;
	}
	snprintf(path, sizeof path, "%s/pagerd.db", dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc != SQLITE_OK;
}

/*
 * Retention: resolved alerts older than the cutoff go, with their audit
 * events, outbox rows, pages, notes and breaches, in batches; open
 * alerts, alerts newer than the cutoff and the alert holding the newest
 * audit event stay; every report of the window says the same before and
 * after, /metrics' counters included; the audit log stays append-only
 * outside a pass.
 */
static void
test_retention(void **state)
{
	struct fixture *f = *state;
	struct store_raise r1, r2, r3, r4, r5, r6;
	char *before, *after, *cause = NULL, sql[512];
	struct alert *a;

	raise1(f->s, "db", "k1", 1, T0, &r1);		 /* resolved, old */
	raise1(f->s, "db", "k2", 2, T0 + 60 * MIN, &r2); /* open */
	raise1(f->s, "web", "k3", 1, T0 + 120 * MIN, &r3); /* resolved, old */
	raise1(f->s, "db", "k4", 3, T0 + 180 * MIN, &r4); /* resolved, new */
	free(r1.dedup_key);
	free(r2.dedup_key);
	free(r3.dedup_key);
	free(r4.dedup_key);
	breach1(f->s, r1.id, SLA_RESPONSE, T0 + 5 * MIN, T0 + 9 * MIN);
	breach1(f->s, r3.id, SLA_RESOLUTION, T0 + 125 * MIN, 0);
	assert_int_equal(store_begin(f->s, &cause), 0);
	assert_int_equal(store_page_add(f->s, r1.id, "bob", T0, &cause), 0);
	assert_int_equal(note_add(f->s, r3.id, T0 + 121 * MIN, "looking",
	    &cause), 0);
	/* the newest note is the open alert's */
	assert_int_equal(note_add(f->s, r2.id, T0 + 122 * MIN, "on it",
	    &cause), 0);
	assert_int_equal(ev_add(f->s, r1.id, T0 + 10 * MIN, "bob",
	    "resolve", NULL, &cause), 0);
	assert_int_equal(ev_add(f->s, 0, T0 + 11 * MIN, "ack",
	    "ack_refused", NULL, &cause), 0);
	assert_int_equal(ev_add(f->s, r4.id, T0 + 190 * MIN, "bob",
	    "resolve", NULL, &cause), 0);
	assert_int_equal(store_commit(f->s, &cause), 0);
	snprintf(sql, sizeof sql,
	    "UPDATE alerts SET status = 'resolved', resolved_ms = created_ms"
	    " + 600000, acknowledged_ms = created_ms + 60000"
	    " WHERE id IN (%lld, %lld, %lld);"
	    "INSERT INTO notifications (alert_id, person, channel, address,"
	    " state, due_ms, created_ms, updated_ms) VALUES"
	    " (%lld, 'bob', 'chat', '@bob', 'sent', 1, 1, 1),"
	    " (%lld, 'bob', 'chat', '@bob', 'cancelled', 1, 1, 1),"
	    " (%lld, 'bob', 'sms', '+1555', 'failed', 1, 1, 1),"
	    " (%lld, 'bob', 'chat', '@bob', 'sent', 1, 1, 1);",
	    (long long)r1.id, (long long)r3.id, (long long)r4.id,
	    (long long)r1.id, (long long)r1.id, (long long)r3.id,
	    (long long)r2.id);
	sql1(f->dir, sql);

	before = report(f->s);
	/* one alert a batch: the pass takes several turns */
	assert_int_equal(retention_pass(f->s, T0 + 180 * MIN, 1), 2);
	after = report(f->s);
	assert_string_equal(before, after);
	assert_null(store_alert_get(f->s, r1.id));
	assert_null(store_alert_get(f->s, r3.id));
	assert_non_null(a = store_alert_get(f->s, r2.id));
	alert_free(a);
	assert_non_null(a = store_alert_get(f->s, r4.id));
	alert_free(a);
	/* nothing of them is left but the archive */
	assert_int_equal(sql_int(f->dir, "SELECT (SELECT count(*) FROM events"
	    " WHERE alert_id IN (1, 3) OR alert_id IS NULL)"
	    " + (SELECT count(*) FROM notifications WHERE alert_id IN (1, 3))"
	    " + (SELECT count(*) FROM pages WHERE alert_id = 1)"
	    " + (SELECT count(*) FROM alert_notes WHERE alert_id = 3)"
	    " + (SELECT count(*) FROM breaches WHERE alert_id IN (1, 3))"
	    " + (SELECT count(*) FROM retention_run)"), 0);
	assert_int_equal(sql_int(f->dir, "SELECT count(*) FROM archived_alerts"),
	    2);
	/* the audit log is append-only outside a pass */
	assert_true(sql_refused(f->dir, "DELETE FROM events"));
	assert_true(sql_refused(f->dir, "UPDATE events SET kind = 'x'"));
	/* again: nothing more goes */
	assert_int_equal(retention_pass(f->s, T0 + 180 * MIN, 50), 0);

	/* r4 holds the newest audit event: it stays, or its id would be
	 * given again */
	assert_int_equal(retention_pass(f->s, T0 + 86400000, 50), 0);
	assert_non_null(a = store_alert_get(f->s, r4.id));
	alert_free(a);
	assert_int_equal(store_begin(f->s, &cause), 0);
	assert_int_equal(ev_add(f->s, r2.id, T0 + 200 * MIN, "bob",
	    "note", NULL, &cause), 0);
	assert_int_equal(store_commit(f->s, &cause), 0);
	/* r4 is the newest alert: it stays too, or its id would be given
	 * again (alerts have no AUTOINCREMENT) */
	assert_int_equal(retention_pass(f->s, T0 + 86400000, 50), 0);
	assert_non_null(a = store_alert_get(f->s, r4.id));
	alert_free(a);
	raise1(f->s, "db", "k5", 2, T0 + 210 * MIN, &r5); /* open */
	free(r5.dedup_key);
	assert_true(r5.id > r4.id);
	free(before);
	free(after);
	before = report(f->s);
	assert_int_equal(retention_pass(f->s, T0 + 86400000, 50), 1);
	assert_null(store_alert_get(f->s, r4.id));
	after = report(f->s);
	assert_string_equal(before, after);
	free(before);
	free(after);
	/* ids go on from the largest */
	raise1(f->s, "db", "k6", 2, T0 + 220 * MIN, &r6);
	free(r6.dedup_key);
	assert_int_equal(r6.id, r5.id + 1);
}

static void
cb_kicked(void *arg)
{
	(*(int *)arg)++;
}

/*
 * Audit events are buffered in their transaction and written at COMMIT,
 * STORE_EVQ_ROWS to an INSERT: their ids follow the order they were
 * added in, across INSERTs and around one written at once for its
 * callback; a read of the audit log inside the transaction sees them;
 * a rollback drops them; each keeps the lease epoch it was added with.
 */
static void
test_events_buffered(void **state)
{
	struct fixture *f = *state;
	const char *names[] = { "helpdesk" };
	struct store_event *ev;
	struct store_raise r;
	struct store_callback *v;
	char *cause = NULL, detail[32], sql[128];
	size_t n, i;
	int kicks = 0, total = 2 * STORE_EVQ_ROWS + 5;

	raise1(f->s, "db", "k1", 1, T0, &r);
	free(r.dedup_key);

	/* a rollback drops what was buffered */
	assert_int_equal(store_begin(f->s, &cause), 0);
	for (i = 0; i < 10; i++)
		assert_int_equal(ev_add(f->s, r.id, T0 + 1, "test", "page",
		    NULL, &cause), 0);
	store_rollback(f->s);
	assert_int_equal(store_events(f->s, r.id, &ev, &n), 0);
	assert_int_equal(n, 1); /* "triggered" */
	store_events_free(ev, n);

	/* more than two INSERTs' worth, read back halfway */
	assert_int_equal(store_begin(f->s, &cause), 0);
	for (i = 0; i < (size_t)total; i++) {
		snprintf(detail, sizeof detail, "{\"i\":%zu}", i);
		f->s->fence_epoch = i == 3 ? 7 : 0;
		assert_int_equal(ev_add(f->s, r.id, T0 + 2, "test", "page",
		    detail, &cause), 0);
		f->s->fence_epoch = 0;
		if (i != STORE_EVQ_ROWS + 2)
			continue;
		assert_int_equal(store_events(f->s, r.id, &ev, &n), 0);
		assert_int_equal(n, i + 2);
		store_events_free(ev, n);
	}
	assert_int_equal(store_commit(f->s, &cause), 0);
	assert_int_equal(store_events(f->s, r.id, &ev, &n), 0);
	assert_int_equal(n, (size_t)total + 1);
	for (i = 1; i < n; i++) {
		snprintf(detail, sizeof detail, "{\"i\":%zu}", i - 1);
		assert_true(ev[i].id > ev[i - 1].id);
		assert_string_equal(ev[i].kind, "page");
		assert_non_null(strstr(ev[i].detail, detail + 1));
	}
	snprintf(sql, sizeof sql, "SELECT coalesce(epoch, 0) FROM events"
	    " WHERE id = %lld", (long long)ev[4].id);
	assert_int_equal(sql_int(f->dir, sql), 7);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM events WHERE"
	    " alert_id = %lld AND epoch IS NULL", (long long)r.id);
	assert_int_equal(sql_int(f->dir, sql), total);
	store_events_free(ev, n);

	/* one with a callback goes at once, after those before it */
	store_callback_configure(f->s, names, 1, cb_kicked, &kicks);
	assert_int_equal(store_begin(f->s, &cause), 0);
	assert_int_equal(ev_add(f->s, r.id, T0 + 3, "engine", "page",
	    "{\"i\":\"a\"}", &cause), 0);
	assert_int_equal(ev_add(f->s, r.id, T0 + 3, "bob", "ack", NULL,
	    &cause), 0);
	assert_int_equal(ev_add(f->s, r.id, T0 + 3, "engine", "page",
	    "{\"i\":\"b\"}", &cause), 0);
	assert_int_equal(store_commit(f->s, &cause), 0);
	assert_int_equal(kicks, 1);
	assert_int_equal(store_events(f->s, r.id, &ev, &n), 0);
	assert_int_equal(n, (size_t)total + 4);
	assert_non_null(strstr(ev[n - 3].detail, "a"));
	assert_string_equal(ev[n - 2].kind, "ack");
	assert_non_null(strstr(ev[n - 1].detail, "b"));
	assert_true(ev[n - 1].id > ev[n - 2].id &&
	    ev[n - 2].id > ev[n - 3].id);
	assert_int_equal(store_callback_heads(f->s, 10, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_true(v[0].event_id == ev[total + 2].id);
	store_callbacks_free(v, n);
	store_events_free(ev, total + 4);
	store_callback_configure(f->s, NULL, 0, NULL, NULL);
}

/*
 * Callbacks: a state change of an alert of an integration with a
 * callback queues a row in its own transaction (gone if it rolls back);
 * rows go in order per alert; retention keeps an alert until its rows
 * are delivered, then removes them with it.
 */
static void
test_callbacks(void **state)
{
	struct fixture *f = *state;
	const char *names[] = { "other", "helpdesk" };
	struct store_raise r1, r2;
	struct store_callback *v;
	char *cause = NULL, sql[256];
	int kicks = 0;
	size_t n;

	store_callback_configure(f->s, names, 2, cb_kicked, &kicks);
	raise1(f->s, "db", "k1", 1, T0, &r1);
	raise1(f->s, "db", "k2", 1, T0, &r2);
	free(r1.dedup_key);
	free(r2.dedup_key);
	snprintf(sql, sizeof sql, "UPDATE alerts SET integration = 'x'"
	    " WHERE id = %lld", (long long)r2.id);
	sql1(f->dir, sql);
	/* "triggered" is no state change told back */
	assert_int_equal(store_callback_pending(f->s), 0);

	assert_int_equal(store_begin(f->s, &cause), 0);
	assert_int_equal(ev_add(f->s, r1.id, T0 + 1, "bob", "ack", NULL,
	    &cause), 0);
	store_rollback(f->s);
	assert_int_equal(store_callback_pending(f->s), 0);

	assert_int_equal(store_begin(f->s, &cause), 0);
	assert_int_equal(ev_add(f->s, r1.id, T0 + 1, "bob", "ack", NULL,
	    &cause), 0);
	assert_int_equal(ev_add(f->s, r1.id, T0 + 2, "engine", "page", NULL,
	    &cause), 0);
	assert_int_equal(ev_add(f->s, r1.id, T0 + 3, "bob", "note",
	    "{\"text\":\"hi\"}", &cause), 0);
	assert_int_equal(ev_add(f->s, r2.id, T0 + 4, "bob", "ack", NULL,
	    &cause), 0);
	assert_int_equal(store_commit(f->s, &cause), 0);
	assert_int_equal(store_callback_pending(f->s), 2);
	assert_int_equal(kicks, 3);

	/* one head per alert: the ack, not the note behind it */
	assert_int_equal(store_callback_heads(f->s, 10, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].alert_id, r1.id);
	assert_int_equal(v[0].attempts, 0);
	assert_null(v[0].body);
	assert_string_equal(v[0].integration, "helpdesk");
	assert_int_equal(store_callback_retry(f->s, v[0].id, 1, T0 + 100,
	    "HTTP 500", T0 + 5, &cause), 0);
	assert_int_equal(store_callback_set_body(f->s, v[0].id, "{}", &cause),
	    0);
	store_callbacks_free(v, n);
	assert_int_equal(store_callback_heads(f->s, 10, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].attempts, 1);
	assert_int_equal(v[0].due_ms, T0 + 100);
	assert_string_equal(v[0].body, "{}");
	assert_int_equal(store_callback_done(f->s, v[0].id, "delivered",
	    T0 + 6, NULL, &cause), 0);
	store_callbacks_free(v, n);
	assert_int_equal(store_callback_heads(f->s, 10, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_callback_pending(f->s), 1);

	/* resolved long ago, but a callback waits: kept */
	snprintf(sql, sizeof sql, "UPDATE alerts SET status = 'resolved',"
	    " resolved_ms = %lld WHERE id = %lld", (long long)T0 + 10,
	    (long long)r1.id);
	sql1(f->dir, sql);
	assert_int_equal(retention_pass(f->s, T0 + 86400000, 50), 0);
	assert_int_equal(store_callback_done(f->s, v[0].id, "delivered",
	    T0 + 7, NULL, &cause), 0);
	store_callbacks_free(v, n);
	assert_int_equal(retention_pass(f->s, T0 + 86400000, 50), 1);
	assert_int_equal(sql_int(f->dir, "SELECT count(*) FROM callbacks"), 0);
	store_callback_configure(f->s, NULL, 0, NULL, NULL);
}

/* Append an audit event in its own transaction. */
static void
event1(struct store *s, int64_t id, int64_t at, const char *actor,
    const char *kind, const char *detail)
{
	struct store_event_new ev = { .alert_id = id, .at_ms = at,
	    .actor = actor, .kind = kind, .detail = detail };
	char *cause = NULL;

	assert_int_equal(store_begin(s, &cause), 0);
	if (store_event_add(s, &ev, &cause) != 0)
		fail_msg("%s", cause);
	assert_int_equal(store_commit(s, &cause), 0);
}

/*
 * Migration 13 on a store of schema 12: the pages and notes the audit
 * log holds become rows, so that store_ack_pages(), store_page_people()
 * and store_alert_note_last() answer as the audit did; details that are
 * not what pagerd writes are passed over, not fatal.
 */
static void
test_migrate_facts(void **state)
{
	struct fixture *f = *state;
	struct store_raise r;
	sqlite3 *db;
	char **who, *note, *path, *cause = NULL;
	int64_t *ids;
	size_t n;
	int i;

	for (i = 0; i < 3; i++) {
		raise1(f->s, "db", NULL, 1, T0, &r);
		free(r.dedup_key);
	}
	/* alert 1: paged bob, ops, then (stage 2) alice; bob again */
	event1(f->s, 1, T0, "engine", "page",
	    "{\"stage\":1,\"to\":\"bob\",\"why\":\"on call\"}");
	event1(f->s, 1, T0, "engine", "page",
	    "{\"stage\":1,\"to\":\"chat:ops\"}");
	event1(f->s, 1, T0 + 300000, "engine", "page",
	    "{\"stage\":2,\"to\":\"alice\"}");
	event1(f->s, 1, T0 + 600000, "engine", "page",
	    "{\"stage\":2,\"to\":\"bob\"}");
	event1(f->s, 1, T0 + 1, "bob", "note", "{\"text\":\"looking\"}");
	event1(f->s, 1, T0 + 2, "bob", "note",
	    "{\"text\":\"disk swapped\",\"on_behalf_of\":\"carol\"}");
	/* alert 2: paged carol; a note with no text, one with a number */
	event1(f->s, 2, T0, "engine", "page", "{\"to\":\"carol\"}");
	event1(f->s, 2, T0 + 1, "carol", "note", "{\"text\":\"first\"}");
	event1(f->s, 2, T0 + 2, "carol", "note", "{\"via\":\"api\"}");
	event1(f->s, 2, T0 + 3, "carol", "note", "{\"text\":7}");
	/* alert 3: details no pagerd writes */
	event1(f->s, 3, T0, "engine", "page", "{\"to\":12}");
	event1(f->s, 3, T0, "engine", "page", "not json");
	event1(f->s, 3, T0, "engine", "page", "[\"dave\"]");
	event1(f->s, 3, T0, "engine", "note", "{\"text\":");
	/* not a page: an ack naming someone */
	event1(f->s, 3, T0, "dave", "ack", "{\"to\":\"dave\"}");
	store_close(f->s);

	xasprintf(&path, "%s/pagerd.db", f->dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "BEGIN; DROP TABLE pages;"
	    " DROP TABLE alert_notes;" STORE_UNDO_26 STORE_UNDO_21
	    STORE_UNDO_14 " PRAGMA user_version = 12; COMMIT;",
	    NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	f->s = store_open(f->dir, &cause);
	if (f->s == NULL)
		fail_msg("%s", cause);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(count_rows(db, "PRAGMA user_version", 0, "30"), 1);
	assert_int_equal(count_rows(db, "SELECT at_ms FROM pages WHERE"
	    " alert_id = 1 AND person = 'bob'", 0, "1795000000000"), 1);
	sqlite3_close(db);
	free(path);

	assert_int_equal(store_page_people(f->s, 1, &who, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(who[0], "bob");
	assert_string_equal(who[1], "chat:ops");
	assert_string_equal(who[2], "alice");
	people_free(who, n);
	assert_int_equal(store_page_people(f->s, 3, &who, &n), 0);
	assert_int_equal(n, 0);
	people_free(who, n);
	assert_int_equal(store_ack_pages(f->s, "bob", 1, &ids, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], 1);
	free(ids);
	assert_int_equal(store_ack_pages(f->s, "carol", 1, &ids, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], 2);
	free(ids);
	assert_int_equal(store_ack_pages(f->s, "dave", 0, &ids, &n), 0);
	assert_int_equal(n, 0);
	free(ids);

	assert_non_null(note = store_alert_note_last(f->s, 1));
	assert_string_equal(note, "disk swapped");
	free(note);
	assert_non_null(note = store_alert_note_last(f->s, 2));
	assert_string_equal(note, "first");
	free(note);
	assert_null(store_alert_note_last(f->s, 3));

	/* a note taken after the upgrade is the last one */
	assert_int_equal(store_begin(f->s, &cause), 0);
	assert_int_equal(note_add(f->s, 1, T0 + 3, "fixed", &cause), 0);
	assert_int_equal(store_commit(f->s, &cause), 0);
	assert_non_null(note = store_alert_note_last(f->s, 1));
	assert_string_equal(note, "fixed");
	free(note);
}

/* Silences: stored, listed, expired once; holds survive a reopen. */
static void
test_silences(void **state)
{
	struct fixture *f = *state;
	struct silence si, *v, got;
	struct store_raise r1, r2;
	char *cause = NULL, body[] = "{\"matchers\": {\"service\": \"db\","
	    " \"labels\": {\"env\": \"prod\"}}, \"comment\": \"upgrade\","
	    " \"ends_at\": \"2026-11-19T10:00:00Z\"}";
	int64_t *ids;
	size_t n;
	int released, paged;

	raise1(f->s, "db", "k1", 1, T0, &r1);
	raise1(f->s, "db", "k2", 1, T0, &r2);
	free(r1.dedup_key);
	free(r2.dedup_key);
	if (silence_parse(body, strlen(body), T0, &si, &cause) != 0)
		fail_msg("%s", cause);
	si.creator = xstrdup("ops");
	assert_int_equal(store_begin(f->s, &cause), 0);
	assert_int_equal(store_silence_add(f->s, &si, &cause), 0);
	assert_true(si.id > 0);
	assert_int_equal(store_silence_hold(f->s, r1.id, si.id, T0, &cause),
	    0);
	assert_int_equal(store_silence_hold(f->s, r2.id, si.id, T0, &cause),
	    0);
	assert_int_equal(store_commit(f->s, &cause), 0);

	store_close(f->s);
	assert_non_null(f->s = store_open(f->dir, &cause));
	assert_int_equal(store_silence_get(f->s, si.id, &got), 1);
	assert_string_equal(got.service, "db");
	assert_string_equal(got.labels[0].value, "prod");
	assert_string_equal(got.creator, "ops");
	assert_string_equal(got.comment, "upgrade");
	assert_true(got.ends_ms == si.ends_ms);
	assert_int_equal(got.page_on_expiry, 1);
	silence_clear(&got);
	assert_int_equal(store_silence_get(f->s, si.id + 1, &got), 0);
	assert_int_equal(store_silence_held(f->s, si.id, &ids, &n), 0);
	assert_int_equal(n, 2);
	assert_true(ids[0] == r1.id && ids[1] == r2.id);
	free(ids);
	assert_true(store_silence_of(f->s, r1.id, &released, &paged) ==
	    si.id);
	assert_int_equal(released, 0);

	/* expired once; r1 paged, r2 left quiet */
	assert_int_equal(store_silence_expire(f->s, si.id, T0 + 10,
	    &cause), 1);
	assert_int_equal(store_silence_expire(f->s, si.id, T0 + 20,
	    &cause), 0);
	assert_int_equal(store_silence_release(f->s, r1.id, T0 + 10, 1,
	    &cause), 0);
	assert_int_equal(store_silence_release(f->s, r2.id, T0 + 10, 0,
	    &cause), 0);
	assert_int_equal(store_silence_held(f->s, si.id, &ids, &n), 0);
	assert_int_equal(n, 0);
	free(ids);
	assert_int_equal(store_silence_quiet(f->s, &ids, &n), 0);
	assert_int_equal(n, 1);
	assert_true(ids[0] == r2.id);
	free(ids);
	assert_int_equal(store_silences(f->s, T0 + 10, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_true(v[0].expired_ms == T0 + 10);
	silence_clear(&v[0]);
	free(v);
	assert_int_equal(store_silences(f->s, T0 + 11, &v, &n), 0);
	assert_int_equal(n, 0);
	free(v);
	silence_clear(&si);
}

/* The ids a look for alerts not started gave, in order. */
struct unstarted_ids {
	int64_t id[8];
	size_t n;
};

static void
unstarted_cb(const struct store_engine_row *r, void *arg)
{
	struct unstarted_ids *u = arg;

	assert_false(r->started);
	if (u->n < nitems(u->id))
		u->id[u->n] = r->id;
	u->n++;
}

static void
unstarted_look(struct store *s, size_t n, const int64_t *want)
{
	struct unstarted_ids u;
	size_t i;

	memset(&u, 0, sizeof u);
	assert_int_equal(store_engine_unstarted(s, unstarted_cb, &u),
	    (int64_t)n);
	assert_int_equal(u.n, n);
	for (i = 0; i < n; i++)
		assert_int_equal(u.id[i], want[i]);
}

/*
 * The leader's look for alerts not started (store_engine_unstarted, no
 * index of them since migration 30): every one at first, a started one
 * never; once a look's mark is STORE_UNSTARTED_MARGIN_MS old, only the
 * ids above what that look saw.
 */
static void
test_engine_unstarted(void **state)
{
	struct fixture *f = *state;
	struct store_raise a, b, c;
	struct store_engine_save w;
	struct esc_state st;
	char *cause = NULL;
	int64_t want[3];

	raise1(f->s, "db", "a", 2, T0, &a);
	raise1(f->s, "db", "b", 2, T0, &b);
	free(a.dedup_key);
	free(b.dedup_key);
	want[0] = a.id;
	want[1] = b.id;
	unstarted_look(f->s, 2, want);
	unstarted_look(f->s, 2, want);	/* the mark is new: from 0 again */

	/* b started: no longer given */
	memset(&st, 0, sizeof st);
	st.priority = 2;
	st.status = ALERT_TRIGGERED;
	st.stage = 1;
	st.stage_started_ms = T0;
	memset(&w, 0, sizeof w);
	w.id = b.id;
	w.policy = "p";
	w.st = &st;
	w.next_due = ESC_NEVER;
	w.now = T0;
	w.key_stored = 1;
	assert_int_equal(store_begin(f->s, &cause), 0);
	assert_int_equal(store_engine_save(f->s, &w, &cause), 0);
	assert_int_equal(store_commit(f->s, &cause), 0);
	unstarted_look(f->s, 1, want);

	/* a minute on: the ids the first look saw are not read again */
	f->s->unstarted_mark_ms -= STORE_UNSTARTED_MARGIN_MS;
	raise1(f->s, "db", "c", 2, T0, &c);
	free(c.dedup_key);
	want[0] = c.id;
	unstarted_look(f->s, 1, want);
	unstarted_look(f->s, 1, want);
}

/* Save alert id at stage (started at T0 + stage), inside a transaction. */
static int
save_stage(struct store *s, int64_t id, int stage, char **cause)
{
	struct store_engine_save w;
	struct esc_state st;

	memset(&st, 0, sizeof st);
	st.priority = 2;
	st.status = ALERT_TRIGGERED;
	st.stage = stage;
	st.stage_started_ms = T0 + stage;
	st.repeats_done = stage;
	memset(&w, 0, sizeof w);
	w.id = id;
	w.policy = "p";
	w.st = &st;
	w.next_due = stage == 1 ? ESC_NEVER : T0 + 1000 * stage;
	w.now = T0 + stage;
	w.key_stored = 1;
	return store_engine_save(s, &w, cause);
}

static void
saved_stage(struct store *s, int64_t id, int stage)
{
	struct store_engine_row r;

	assert_int_equal(store_engine_get(s, id, &r), 0);
	assert_int_equal(r.st.stage, stage);
	assert_int_equal(r.st.stage_started_ms, T0 + stage);
	assert_int_equal(r.st.repeats_done, stage);
	assert_true(r.started);
	assert_string_equal(r.policy, "p");
	store_engine_row_clear(&r);
}

/*
 * Several saves in one transaction (on PostgreSQL, buffered and written
 * as one UPDATE): each one seen by what follows in the transaction, the
 * same alert saved twice keeps the second, and a save of an alert that
 * does not exist fails the transaction (at once on SQLite, at COMMIT at
 * the latest on PostgreSQL) and changes nothing.
 */
static void
test_engine_saves(void **state)
{
	struct fixture *f = *state;
	struct store_raise a, b, c;
	char *cause = NULL;
	int rc;

	raise1(f->s, "db", "a", 2, T0, &a);
	raise1(f->s, "db", "b", 2, T0, &b);
	raise1(f->s, "db", "c", 2, T0, &c);
	free(a.dedup_key);
	free(b.dedup_key);
	free(c.dedup_key);

	assert_int_equal(store_begin(f->s, &cause), 0);
	assert_int_equal(save_stage(f->s, a.id, 2, &cause), 0);
	assert_int_equal(save_stage(f->s, b.id, 1, &cause), 0);
	assert_int_equal(save_stage(f->s, a.id, 3, &cause), 0);
	/* a read in the transaction sees them */
	saved_stage(f->s, a.id, 3);
	saved_stage(f->s, b.id, 1);
	assert_int_equal(save_stage(f->s, c.id, 2, &cause), 0);
	assert_int_equal(save_stage(f->s, b.id, 2, &cause), 0);
	assert_int_equal(store_commit(f->s, &cause), 0);
	saved_stage(f->s, a.id, 3);
	saved_stage(f->s, b.id, 2);
	saved_stage(f->s, c.id, 2);

	/* one alert missing: nothing of the transaction is kept */
	assert_int_equal(store_begin(f->s, &cause), 0);
	assert_int_equal(save_stage(f->s, b.id, 3, &cause), 0);
	rc = save_stage(f->s, c.id + 1000, 3, &cause);
	if (rc == 0) {
		assert_int_equal(save_stage(f->s, c.id, 3, &cause), 0);
		rc = store_commit(f->s, &cause);
	}
	assert_int_equal(rc, -1);
	assert_non_null(cause);
	assert_non_null(strstr(cause, "exist"));
	free(cause);
	cause = NULL;
	store_rollback(f->s);
	saved_stage(f->s, b.id, 2);
	saved_stage(f->s, c.id, 2);

	/* and the store goes on */
	assert_int_equal(store_begin(f->s, &cause), 0);
	assert_int_equal(save_stage(f->s, c.id, 3, &cause), 0);
	assert_int_equal(store_commit(f->s, &cause), 0);
	saved_stage(f->s, c.id, 3);
}

int
main(void)
{
	/* The tests that need no SQLite file of their own. */
	const struct CMUnitTest pg_tests[] = {
		cmocka_unit_test_setup_teardown(test_raise_and_get, setup_pg,
		    teardown_pg),
		cmocka_unit_test_setup_teardown(test_dedup, setup_pg,
		    teardown_pg),
		cmocka_unit_test_setup_teardown(test_generated_key, setup_pg,
		    teardown_pg),
		cmocka_unit_test_setup_teardown(test_raise_ahead, setup_pg,
		    teardown_pg),
		cmocka_unit_test_setup_teardown(test_raise_race, setup_pg,
		    teardown_pg),
		cmocka_unit_test_setup_teardown(test_raise_concurrent,
		    setup_pg, teardown_pg),
		cmocka_unit_test_setup_teardown(test_rollback, setup_pg,
		    teardown_pg),
		cmocka_unit_test_setup_teardown(test_list, setup_pg,
		    teardown_pg),
		cmocka_unit_test_setup_teardown(test_reopen, setup_pg,
		    teardown_pg),
		cmocka_unit_test_setup_teardown(test_breaches, setup_pg,
		    teardown_pg),
		cmocka_unit_test_setup_teardown(test_context, setup_pg,
		    teardown_pg),
		cmocka_unit_test_setup_teardown(test_facts, setup_pg,
		    teardown_pg),
		cmocka_unit_test_setup_teardown(test_events_buffered,
		    setup_pg, teardown_pg),
		cmocka_unit_test_setup_teardown(test_retention, setup_pg,
		    teardown_pg),
		cmocka_unit_test_setup_teardown(test_pg_down, setup_pg,
		    teardown_pg),
		cmocka_unit_test_setup_teardown(test_pg_later_fails, setup_pg,
		    teardown_pg),
		cmocka_unit_test_setup_teardown(test_engine_saves,
		    setup_pg, teardown_pg),
		cmocka_unit_test_setup_teardown(test_engine_unstarted,
		    setup_pg, teardown_pg),
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_raise_and_get, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dedup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_generated_key, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_raise_ahead, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_raise_race, setup,
		    teardown),
		cmocka_unit_test(test_sql_pick),
		cmocka_unit_test(test_redact),
		cmocka_unit_test(test_migrations_in_step),
		cmocka_unit_test_setup_teardown(test_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_savepoint, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync_out_of_files, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sync_overlap, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_durable_after, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_commit_async, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sync_fails, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_schema_guards, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_migrate_notes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_breaches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_events, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_migrate_checks, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_migrate_breaches, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_facts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_silences, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_events_buffered, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_callbacks, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_retention, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_engine_saves, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_engine_unstarted, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_context, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_facts, setup,
		    teardown),
	};

	if (getenv("PAGERD_TEST_PG") != NULL)
		return cmocka_run_group_tests_name("store on PostgreSQL",
		    pg_tests, NULL, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
