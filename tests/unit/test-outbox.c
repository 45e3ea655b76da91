/* SPDX-License-Identifier: ISC */
/*
 * test-outbox.c: the outbox's decisions with a fake clock (backoff and
 * jitter, Retry-After, retry or fail over, rate limits, bundling,
 * routing, delivery reports, HTTP outcome classes), then one run on a
 * real loop and store: a dead webhook fails over to the console at once
 * and every attempt is recorded; notes go once, on one channel; a queue
 * on the real store bundles, sends a note alone, keeps each address to
 * its rate limit and serves many addresses; 10,000 pages queued for
 * one person do not make a page to another read the backlog; and
 * marking a message of a storm sent takes as many steps with 4,000
 * pages waiting as with 200.  With
 * PAGERD_TEST_PG, the tests on a real store but the last run on
 * PostgreSQL instead (store-pg.test).
 */
#include <sys/inotify.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <event2/event.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert.h"
#include "chan.h"
#include "clock.h"
#include "conf.h"
#include "outbox.h"
#include "outbox-index.h"
#include "people-rules.h"
#include "store.h"
#include "store-private.h"
#include "xfer.h"

#define MIN INT64_C(60000)
#define T0 INT64_C(1795357599000)

static void
chan_init(struct conf_chan *cc)
{
	memset(cc, 0, sizeof *cc);
	cc->name = (char *)"sms";
	cc->driver = &chan_twilio_sms_driver;
	cc->max_attempts = 3;
	cc->backoff_ms = 1000;
	cc->backoff_max_ms = 8000;
	cc->rate_limit = 3;
	cc->rate_window_ms = 15 * MIN;
}

static void
test_backoff(void **state)
{
	struct conf_chan cc;
	int64_t d;
	int a;

	chan_init(&cc);
	assert_int_equal(outbox_backoff(&cc, 1, -1, 0), 500);
	assert_int_equal(outbox_backoff(&cc, 1, -1, 500), 1000);
	assert_int_equal(outbox_backoff(&cc, 2, -1, 0), 1000);
	assert_int_equal(outbox_backoff(&cc, 3, -1, 0), 2000);
	assert_int_equal(outbox_backoff(&cc, 3, -1, 2000), 4000);
	/* Capped, and jitter stays in [cap/2, cap]. */
	for (a = 4; a < 40; a++) {
		d = outbox_backoff(&cc, a, -1, (uint32_t)a * 2654435761u);
		assert_true(d >= 4000 && d <= 8000);
	}
	/* Retry-After is a floor; beyond backoff_max we give up. */
	assert_int_equal(outbox_backoff(&cc, 1, 6000, 0), 6000);
	assert_int_equal(outbox_backoff(&cc, 3, 100, 0), 2000);
	assert_int_equal(outbox_backoff(&cc, 1, 9000, 0), -1);
}

static void
test_decide(void **state)
{
	struct conf_chan cc;
	struct chan_result r;
	int64_t d;

	chan_init(&cc);
	memset(&r, 0, sizeof r);
	r.retry_after_ms = -1;
	r.status = CHAN_SENT;
	assert_int_equal(outbox_decide(&cc, 1, &r, 0, &d), OUTBOX_DONE);
	r.status = CHAN_FAIL; /* a 4xx: never retried */
	assert_int_equal(outbox_decide(&cc, 1, &r, 0, &d), OUTBOX_FAILOVER);
	r.status = CHAN_RETRY;
	assert_int_equal(outbox_decide(&cc, 1, &r, 0, &d), OUTBOX_RETRY);
	assert_int_equal(d, 500);
	assert_int_equal(outbox_decide(&cc, 2, &r, 0, &d), OUTBOX_RETRY);
	assert_int_equal(outbox_decide(&cc, 3, &r, 0, &d), OUTBOX_FAILOVER);
	r.retry_after_ms = 7000;
	assert_int_equal(outbox_decide(&cc, 1, &r, 0, &d), OUTBOX_RETRY);
	assert_int_equal(d, 7000);
	r.retry_after_ms = 3600000;
	assert_int_equal(outbox_decide(&cc, 1, &r, 0, &d), OUTBOX_FAILOVER);
}

static void
test_classify(void **state)
{
	struct chan_result r;

	chan_classify_http(201, NULL, NULL, T0, &r);
	assert_int_equal(r.status, CHAN_SENT);
	chan_classify_http(202, NULL, NULL, T0, &r);
	assert_int_equal(r.status, CHAN_SENT);
	chan_classify_http(429, NULL, "30", T0, &r);
	assert_int_equal(r.status, CHAN_RETRY);
	assert_int_equal(r.retry_after_ms, 30000);
	chan_classify_http(503, NULL, NULL, T0, &r);
	assert_int_equal(r.status, CHAN_RETRY);
	assert_int_equal(r.retry_after_ms, -1);
	chan_classify_http(408, NULL, NULL, T0, &r);
	assert_int_equal(r.status, CHAN_RETRY);
	chan_classify_http(400, NULL, NULL, T0, &r);
	assert_int_equal(r.status, CHAN_FAIL);
	chan_classify_http(404, NULL, "5", T0, &r);
	assert_int_equal(r.status, CHAN_FAIL);
	chan_classify_http(0, "Connection refused", NULL, T0, &r);
	assert_int_equal(r.status, CHAN_RETRY);
	assert_string_equal(r.error, "Connection refused");
}

static void
test_retry_after(void **state)
{
	assert_int_equal(xfer_retry_after_ms("120", T0), 120000);
	assert_int_equal(xfer_retry_after_ms("0", T0), 0);
	/* An HTTP-date 90 s after T0. */
	assert_int_equal(xfer_retry_after_ms("Sun, 22 Nov 2026 14:28:09 GMT",
	    T0), 90000);
	/* In the past: at once. */
	assert_int_equal(xfer_retry_after_ms("Sun, 22 Nov 2026 14:00:00 GMT",
	    T0), 0);
	assert_int_equal(xfer_retry_after_ms("soon", T0), -1);
	assert_int_equal(xfer_retry_after_ms("12x", T0), -1);
	assert_int_equal(xfer_retry_after_ms(NULL, T0), -1);
	assert_int_equal(xfer_retry_after_ms("99999999", T0), 86400000);
}

static void
test_rate(void **state)
{
	int64_t sent[] = { T0, T0 + MIN, T0 + 2 * MIN, T0 - 20 * MIN };

	/* Two in the window: room for one more. */
	assert_int_equal(outbox_rate_next(sent, 2, 3, 15 * MIN, T0 + 3 * MIN),
	    T0 + 3 * MIN);
	/* Three: the oldest must leave the window first. */
	assert_int_equal(outbox_rate_next(sent, 3, 3, 15 * MIN, T0 + 3 * MIN),
	    T0 + 15 * MIN);
	/* Sends older than the window do not count. */
	assert_int_equal(outbox_rate_next(sent + 1, 3, 3, 15 * MIN,
	    T0 + 3 * MIN), T0 + 3 * MIN);
	assert_int_equal(outbox_rate_next(sent, 4, 3, 15 * MIN, T0 + 16 * MIN),
	    T0 + 16 * MIN);
	/* limit 1: one per window. */
	assert_int_equal(outbox_rate_next(sent, 3, 1, 15 * MIN, T0 + 3 * MIN),
	    T0 + 17 * MIN);
	assert_int_equal(outbox_rate_next(sent, 3, 0, 15 * MIN, T0), T0);
}

static void
test_bundle(void **state)
{
	struct store_note rows[5];
	const char *ch[] = { "sms", "sms", "sms", "sms", "voice" };
	const char *to[] = { "+1", "+1", "+1", "+2", "+2" };
	size_t i;

	memset(rows, 0, sizeof rows);
	for (i = 0; i < 5; i++) {
		rows[i].alert_id = (int64_t)i + 1;
		rows[i].channel = (char *)ch[i];
		rows[i].address = (char *)to[i];
	}
	assert_int_equal(outbox_bundle(rows, 5, 0, 10), 3);
	assert_int_equal(outbox_bundle(rows, 5, 0, 2), 2);
	assert_int_equal(outbox_bundle(rows, 5, 3, 10), 1);
	assert_int_equal(outbox_bundle(rows, 5, 4, 10), 1);

	/* A note (alert 0) goes alone and cuts a bundle short. */
	rows[1].alert_id = 0;
	assert_int_equal(outbox_bundle(rows, 5, 0, 10), 1);
	assert_int_equal(outbox_bundle(rows, 5, 1, 10), 1);
	assert_int_equal(outbox_bundle(rows, 5, 2, 10), 1);
}

static void
test_route(void **state)
{
	struct conf_chan chans[3];
	struct conf c;
	struct outbox_contact ct = { "a@example.org", "+15550001", NULL, NULL };
	struct outbox_rule r;
	struct outbox_route rt;

	memset(&c, 0, sizeof c);
	memset(chans, 0, sizeof chans);
	chans[0].name = (char *)"mail";
	chans[0].driver = &chan_smtp_driver;
	chans[1].name = (char *)"pager-sms";
	chans[1].driver = &chan_twilio_sms_driver;
	chans[2].name = (char *)"ops";
	chans[2].driver = &chan_slack_driver;
	c.chans = chans;
	c.nchans = 3;

	r.channel = "sms";
	assert_int_equal(outbox_route(&c, &r, &ct, "alice", &rt), 0);
	assert_ptr_equal(rt.chan, &chans[1]);
	assert_string_equal(rt.address, "+15550001");
	r.channel = "mail";
	assert_int_equal(outbox_route(&c, &r, &ct, "alice", &rt), 0);
	assert_string_equal(rt.address, "a@example.org");
	r.channel = "voice"; /* no channel of that kind */
	assert_int_equal(outbox_route(&c, &r, &ct, "alice", &rt), -1);
	r.channel = "chat"; /* the room itself */
	assert_int_equal(outbox_route(&c, &r, &ct, "alice", &rt), 0);
	assert_string_equal(rt.address, "");
	ct.sms = NULL;
	r.channel = "pager-sms";
	assert_int_equal(outbox_route(&c, &r, &ct, "alice", &rt), -1);
	r.channel = "nope";
	assert_int_equal(outbox_route(&c, &r, &ct, "alice", &rt), -1);
}

static void
test_report(void **state)
{
	assert_int_equal(outbox_report_map(1, "completed", "human", NULL),
	    OUTBOX_REPORT_DELIVERED);
	assert_int_equal(outbox_report_map(1, "completed", NULL, NULL),
	    OUTBOX_REPORT_DELIVERED);
	assert_int_equal(outbox_report_map(1, "completed", "machine_start",
	    NULL), OUTBOX_REPORT_FAILED);
	assert_int_equal(outbox_report_map(1, "completed",
	    "machine_end_beep", NULL), OUTBOX_REPORT_FAILED);
	assert_int_equal(outbox_report_map(1, "no-answer", NULL, NULL),
	    OUTBOX_REPORT_FAILED);
	assert_int_equal(outbox_report_map(1, "busy", NULL, NULL),
	    OUTBOX_REPORT_FAILED);
	assert_int_equal(outbox_report_map(1, "ringing", NULL, NULL),
	    OUTBOX_REPORT_NONE);
	assert_int_equal(outbox_report_map(0, "delivered", NULL, NULL),
	    OUTBOX_REPORT_DELIVERED);
	assert_int_equal(outbox_report_map(0, "undelivered", NULL, "30003"),
	    OUTBOX_REPORT_FAILED);
	assert_int_equal(outbox_report_map(0, "sent", NULL, NULL),
	    OUTBOX_REPORT_NONE);
}

static void
test_rules(void **state)
{
	config_t cfg;
	struct people_rules r;
	char *cause = NULL;

	config_init(&cfg);
	assert_int_equal(config_read_string(&cfg, "p = { id = \"alice\";\n"
	    " notify = ( { channel = \"voice\"; after = \"3m\"; },\n"
	    "  { channel = \"chat\"; },\n"
	    "  { channel = \"sms\"; after = \"1m\"; } ); };\n"
	    "q = { notify = ( { channel = \"SMS!\"; },\n"
	    "  { channel = \"sms\"; after = \"soon\"; },\n"
	    "  { channel = \"sms\"; when = 1; } ); };\n"), CONFIG_TRUE);
	assert_int_equal(people_rules_parse(config_lookup(&cfg, "p"),
	    "people.conf", &r, &cause), 0);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.list[0].channel, "chat");
	assert_int_equal(r.list[0].after_ms, 0);
	assert_string_equal(r.list[1].channel, "sms");
	assert_int_equal(r.list[1].after_ms, MIN);
	assert_string_equal(r.list[2].channel, "voice");
	assert_int_equal(r.list[2].after_ms, 3 * MIN);
	people_rules_clear(&r);
	assert_int_equal(people_rules_parse(config_lookup(&cfg, "q"),
	    "people.conf", &r, &cause), -1);
	assert_non_null(strstr(cause, "people.conf:5: notify: channel"));
	assert_non_null(strstr(cause, "people.conf:6: notify: after"));
	assert_non_null(strstr(cause, "people.conf:7: notify: unknown key"
	    " \"when\""));
	assert_int_equal(r.n, 0);
	free(cause);
	config_destroy(&cfg);
	people_rules_default(&r, 1, 1, 0, 0);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.list[1].channel, "sms");
	people_rules_clear(&r);
}

/* The loop, a store and the config text in a fresh folder. */
/*
 * With PAGERD_TEST_PG (a postgresql:// URI: store-pg.test), the tests
 * on a real store run on that database, emptied before each.
 */
static const char *test_pg;

/* The result of sql on test_pg (caller clears), or a failed test. */
static PGresult *
pg_query(const char *sql)
{
	PGconn *c = PQconnectdb(test_pg);
	PGresult *res = PQexec(c, sql);

	if (PQresultStatus(res) != PGRES_TUPLES_OK &&
	    PQresultStatus(res) != PGRES_COMMAND_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	PQfinish(c);
	return res;
}

struct qfix {
	char dir[64];
	struct event_base *base;
	struct store *st;
	struct conf *c;
	struct outbox *ob;
};

static void
qfix_open(struct qfix *f, const char *channels)
{
	char path[256], *cause = NULL;
	FILE *fp;

	snprintf(f->dir, sizeof f->dir, "/tmp/test-outbox.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(path, sizeof path, "%s/pagerd.conf", f->dir);
	fp = fopen(path, "w");
	fprintf(fp, "state_dir = \"%s\";\nchannels = (\n%s\n);\n", f->dir,
	    channels);
	fclose(fp);
	if ((f->c = conf_load(path, &cause)) == NULL)
		fail_msg("%s", cause);
	f->base = event_base_new();
	assert_int_equal(xfer_init(f->base, &cause), 0);
	if (test_pg != NULL)
		PQclear(pg_query("SET client_min_messages = warning;"
		    " DROP SCHEMA public CASCADE; CREATE SCHEMA public"));
	if ((f->st = store_open(test_pg != NULL ? test_pg : f->dir,
	    &cause)) == NULL)
		fail_msg("%s", cause);
	f->ob = outbox_new(f->base, f->st, f->c);
}

static void
qfix_close(struct qfix *f)
{
	outbox_close(f->ob);
	xfer_shutdown();
	outbox_free(f->ob);
	store_close(f->st);
	conf_free(f->c);
	event_base_free(f->base);
}

/* A webhook that refuses connections (one attempt), and the console. */
#define FLOW_CHANNELS \
	" { name = \"dead\"; driver = \"webhook-chat\";" \
	"   url = \"http://127.0.0.1:9/\"; max_attempts = 1; },\n" \
	" { name = \"console\"; driver = \"console\"; }"

/*
 * A real loop and store: alice's rules are a dead webhook (refused
 * connection, one attempt) then the console after 10 minutes.  The
 * webhook fails, and the console step is brought forward at once.
 */
static int unreached;

static void
unreach_cb(int64_t id, const char *person, void *arg)
{
	unreached++;
}

static void
test_flow(void **state)
{
	struct qfix fx;
	char *cause = NULL;
	static const struct outbox_rule rules[] = {
		{ "dead", 0 }, { "console", 10 * MIN },
	};
	struct event_base *base;
	struct store_note *rows;
	struct store_raise raise;
	struct alert_new an;
	struct outbox_page pg;
	struct outbox *ob;
	struct store *st;
	size_t n;
	int i;

	qfix_open(&fx, FLOW_CHANNELS);
	chan_console_init(stderr);
	base = fx.base;
	st = fx.st;
	ob = fx.ob;
	outbox_set_unreachable_cb(ob, unreach_cb, NULL);

	memset(&an, 0, sizeof an);
	an.dedup_key = (char *)"k1";
	an.service = (char *)"db";
	an.priority = 1;
	an.summary = (char *)"disk full";
	assert_int_equal(store_begin(st, &cause), 0);
	assert_int_equal(store_alert_raise(st, &an, clock_now_ms(), &raise,
	    &cause), 0);
	memset(&pg, 0, sizeof pg);
	pg.alert_id = raise.id;
	pg.person = "alice";
	pg.rules = rules;
	pg.nrules = 2;
	pg.reason = "stage 1";
	assert_int_equal(outbox_page(ob, &pg, clock_now_ms(), &cause), 0);
	assert_int_equal(store_commit(st, &cause), 0);
	outbox_kick(ob);

	for (i = 0; i < 500; i++) {
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		assert_int_equal(store_outbox_list(st, raise.id, &rows, &n), 0);
		if (n == 2 && rows[1].state == NOTIFY_SENT) {
			store_notes_free(rows, n);
			break;
		}
		store_notes_free(rows, n);
		usleep(10000);
	}
	assert_int_equal(store_outbox_list(st, raise.id, &rows, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(rows[0].channel, "dead");
	assert_int_equal(rows[0].state, NOTIFY_FAILED);
	assert_int_equal(rows[0].attempt, 1);
	assert_non_null(rows[0].last_error);
	assert_string_equal(rows[1].channel, "console");
	assert_int_equal(rows[1].state, NOTIFY_SENT);
	assert_true(rows[1].due_ms < clock_now_ms() + MIN); /* brought forward */
	store_notes_free(rows, n);
	assert_int_equal(unreached, 0);

	/* Cancelling after the fact changes nothing that went out. */
	assert_int_equal(outbox_cancel(ob, raise.id, NULL, &cause), 0);
	free(raise.dedup_key);
	qfix_close(&fx);
}

/* The note rows of the store, as "channel state attempt" lines. */
static char *
note_rows(const char *dir)
{
	char path[256], *out = NULL, *next;
	sqlite3_stmt *q;
	sqlite3 *db;
	PGresult *res;
	int i, j;

	if (test_pg != NULL) {
		res = pg_query("SELECT channel, state, attempt, reason, body"
		    " FROM notifications WHERE alert_id IS NULL ORDER BY id");
		out = strdup("");
		for (i = 0; i < PQntuples(res); i++) {
			for (j = 0; j < 5; j++) {
				if (asprintf(&next, "%s%s%s", out,
				    PQgetisnull(res, i, j) ? "(null)" :
				    PQgetvalue(res, i, j),
				    j == 4 ? "\n" : j == 3 ? "|" : " ") == -1)
					fail();
				free(out);
				out = next;
			}
		}
		PQclear(res);
		return out;
	}
	snprintf(path, sizeof path, "%s/pagerd.db", dir);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT channel, state,"
	    " attempt, reason, body FROM notifications WHERE alert_id IS NULL"
	    " ORDER BY id", -1, &q, NULL), SQLITE_OK);
	out = strdup("");
	while (sqlite3_step(q) == SQLITE_ROW) {
		if (asprintf(&next, "%s%s %s %d %s|%s\n", out,
		    sqlite3_column_text(q, 0), sqlite3_column_text(q, 1),
		    sqlite3_column_int(q, 2), sqlite3_column_text(q, 3),
		    sqlite3_column_text(q, 4)) == -1)
			fail();
		free(out);
		out = next;
	}
	sqlite3_finalize(q);
	sqlite3_close(db);
	return out;
}

/*
 * Notes (outbox rows about no alert, like a handoff note): one row on
 * the first rule that routes, never more; a note that fails does not
 * fail over, is not "unreachable" and escalates nothing.
 */
static void
test_note(void **state)
{
	struct qfix fx;
	char *cause = NULL;
	static const struct outbox_rule dead_first[] = {
		{ "dead", 0 }, { "console", 10 * MIN },
	};
	static const struct outbox_rule console_only[] = {
		{ "nosuch", 0 }, { "console", 0 }, { "dead", 0 },
	};
	static const struct outbox_rule late_console[] = {
		{ "console", 10 * MIN },
	};
	struct event_base *base;
	struct outbox_page pg;
	struct outbox *ob;
	struct store *st;
	char *rows = NULL;
	int i;

	qfix_open(&fx, FLOW_CHANNELS);
	chan_console_init(stderr);
	base = fx.base;
	st = fx.st;
	ob = fx.ob;
	unreached = 0;
	outbox_set_unreachable_cb(ob, unreach_cb, NULL);

	/* A page without an alert and without a note is refused. */
	memset(&pg, 0, sizeof pg);
	pg.person = "alice";
	pg.rules = dead_first;
	pg.nrules = 2;
	pg.reason = "handoff";
	assert_int_equal(store_begin(st, &cause), 0);
	assert_int_equal(outbox_page(ob, &pg, clock_now_ms(), &cause), -1);
	free(cause);
	cause = NULL;
	pg.note = "no open alerts";
	assert_int_equal(outbox_page(ob, &pg, clock_now_ms(), &cause), 0);
	pg.rules = console_only;
	pg.nrules = 3;
	pg.note = "1 open alert routed to ops:\n#7 P1 disk full";
	assert_int_equal(outbox_page(ob, &pg, clock_now_ms(), &cause), 0);
	/* a note goes at once, whatever its rule's delay */
	pg.rules = late_console;
	pg.nrules = 1;
	pg.note = "no open alerts";
	assert_int_equal(outbox_page(ob, &pg, clock_now_ms(), &cause), 0);
	assert_int_equal(store_commit(st, &cause), 0);
	outbox_kick(ob);

	for (i = 0; i < 500; i++) {
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		free(rows);
		rows = note_rows(fx.dir);
		if (strstr(rows, "pending") == NULL)
			break;
		usleep(10000);
	}
	assert_string_equal(rows,
	    "dead failed 1 handoff|no open alerts\n"
	    "console sent 1 handoff|1 open alert routed to ops:\n#7 P1 disk"
	    " full\n"
	    "console sent 1 handoff|no open alerts\n");
	free(rows);
	assert_int_equal(unreached, 0);

	qfix_close(&fx);
}

/* Raise an alert and page person about it by one rule (or a note). */
static int64_t
qfix_page(struct qfix *f, const char *person, const char *chat,
    const struct outbox_rule *rule, const char *note)
{
	static int seq;
	struct store_raise raise;
	struct outbox_page pg;
	struct alert_new an;
	char key[32], *cause = NULL;

	memset(&pg, 0, sizeof pg);
	if (note == NULL) {
		snprintf(key, sizeof key, "q%d", ++seq);
		memset(&an, 0, sizeof an);
		an.dedup_key = key;
		an.service = (char *)"db";
		an.priority = 1;
		an.summary = (char *)"disk full";
		if (store_alert_raise(f->st, &an, clock_now_ms(), &raise,
		    &cause) != 0)
			fail_msg("%s", cause);
		free(raise.dedup_key);
		pg.alert_id = raise.id;
	}
	pg.person = person;
	pg.contact.chat = chat;
	pg.rules = rule;
	pg.nrules = 1;
	pg.reason = "stage 1";
	pg.note = note;
	if (outbox_page(f->ob, &pg, clock_now_ms(), &cause) != 0)
		fail_msg("%s", cause);
	return pg.alert_id;
}

/*
 * The message of the first k rows of an address's queue (rows, as read
 * in (due, id) order), at now; whole: they are all that was due.  Its
 * channel and address point into rows[0].
 */
static void
qfix_msg(struct store_outbox_msg *m, const struct store_note *rows,
    size_t k, int64_t now, int whole)
{
	size_t i;

	memset(m, 0, sizeof *m);
	m->channel = rows[0].channel;
	m->address = rows[0].address;
	m->now = now;
	m->last_due = rows[k - 1].due_ms;
	m->last_id = rows[k - 1].id;
	m->send_id = m->min_id = m->max_id = rows[0].id;
	for (i = 1; i < k; i++) {
		if (rows[i].id < m->min_id)
			m->min_id = rows[i].id;
		if (rows[i].id > m->max_id)
			m->max_id = rows[i].id;
	}
	m->n = k;
	m->whole = whole;
}

/* A pending row n in a message in flight (store-outbox.c). */
#define QFIX_INFLIGHT \
	"state = 'pending' AND EXISTS (SELECT 1 FROM sends sx" \
	" WHERE sx.channel = n.channel AND sx.address = n.address" \
	" AND n.id <= sx.max_id AND (n.due_ms < sx.last_due OR" \
	" (n.due_ms = sx.last_due AND n.id <= sx.last_id)))"

/* One number from the store, by a query of our own. */
static int64_t
qfix_count(struct qfix *f, const char *sql)
{
	char path[256];
	sqlite3_stmt *q;
	sqlite3 *db;
	PGresult *res;
	int64_t v;

	if (test_pg != NULL) {
		res = pg_query(sql);
		assert_int_equal(PQntuples(res), 1);
		v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		PQclear(res);
		return v;
	}
	snprintf(path, sizeof path, "%s/pagerd.db", f->dir);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return v;
}

/* Turn the loop until sql counts want (at most 1000 turns). */
static void
qfix_until(struct qfix *f, const char *sql, int64_t want)
{
	int i;

	for (i = 0; i < 1000; i++) {
		event_base_loop(f->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		if (qfix_count(f, sql) == want)
			return;
		usleep(5000);
	}
	fail_msg("%s: %lld, not %lld", sql, (long long)qfix_count(f, sql),
	    (long long)want);
}

/*
 * The queue on a real store, by the console.  alice (a limit of two
 * messages an hour): two pages go as one message, the note after them
 * alone, and the page after the note waits for the limit (put off by
 * about an hour, not lost).  bob, on the same channel but his own
 * address, is not held up by alice's limit.  150 people with one page
 * each (more than one pass serves) all get theirs; a page due in ten
 * minutes stays pending.
 */
static void
test_queue(void **state)
{
	static const struct outbox_rule con = { "con", 0 };
	static const struct outbox_rule many = { "many", 0 };
	static const struct outbox_rule later = { "many", 10 * MIN };
	struct qfix f;
	char *cause = NULL, *out = NULL, person[16], s1[32], s2[32], s3[32];
	char sb[32], sql[256];
	const char *p1, *p2, *pn;
	int64_t a1, a2, a3, b1;
	size_t len = 0;
	FILE *mem;
	int i;

	mem = open_memstream(&out, &len);
	chan_console_init(mem);
	qfix_open(&f, " { name = \"con\"; driver = \"console\";"
	    "   rate_limit = 2; rate_window = \"1h\"; },\n"
	    " { name = \"many\"; driver = \"console\"; }");
	assert_int_equal(store_begin(f.st, &cause), 0);
	a1 = qfix_page(&f, "alice", NULL, &con, NULL);
	a2 = qfix_page(&f, "alice", NULL, &con, NULL);
	qfix_page(&f, "alice", NULL, &con, "handoff note");
	a3 = qfix_page(&f, "alice", NULL, &con, NULL);
	b1 = qfix_page(&f, "bob", NULL, &con, NULL);
	for (i = 0; i < 150; i++) {
		snprintf(person, sizeof person, "p%03d", i);
		qfix_page(&f, person, NULL, &many, NULL);
	}
	qfix_page(&f, "zed", NULL, &later, NULL);
	assert_int_equal(store_commit(f.st, &cause), 0);
	outbox_kick(f.ob);

	qfix_until(&f, "SELECT count(*) FROM notifications WHERE state ="
	    " 'sent'", 3 + 1 + 150);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM notifications WHERE"
	    " person = 'alice' AND state = 'pending' AND due_ms > %lld",
	    (long long)(clock_now_ms() + 59 * 60000));
	qfix_until(&f, sql, 1);
	/* Nothing else falls due: a few more turns change nothing. */
	for (i = 0; i < 20; i++)
		event_base_loop(f.base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	assert_int_equal(qfix_count(&f, "SELECT count(*) FROM notifications"
	    " WHERE state = 'sent'"), 3 + 1 + 150);
	assert_int_equal(qfix_count(&f, "SELECT count(*) FROM notifications"
	    " WHERE state = 'pending'"), 2);
	/* alice's third page waits for her limit, about an hour. */
	assert_true(qfix_count(&f, "SELECT min(due_ms) FROM notifications"
	    " WHERE person = 'alice' AND state = 'pending'") >
	    clock_now_ms() + 59 * MIN);
	assert_int_equal(qfix_count(&f, "SELECT count(*) FROM notifications"
	    " WHERE person = 'alice' AND state = 'pending' AND alert_id IS NOT"
	    " NULL"), 1);
	assert_true(qfix_count(&f, "SELECT due_ms FROM notifications WHERE"
	    " person = 'zed'") > clock_now_ms() + 9 * MIN);
	/* In order on the console: the two pages, then the note. */
	fflush(mem);
	snprintf(s1, sizeof s1, "alert #%lld ", (long long)a1);
	snprintf(s2, sizeof s2, "alert #%lld ", (long long)a2);
	snprintf(s3, sizeof s3, "alert #%lld ", (long long)a3);
	snprintf(sb, sizeof sb, "alert #%lld ", (long long)b1);
	assert_non_null(p1 = strstr(out, s1));
	assert_non_null(p2 = strstr(out, s2));
	assert_non_null(pn = strstr(out, "handoff note"));
	assert_true(p1 < p2 && p2 < pn);
	assert_non_null(strstr(out, sb));
	assert_null(strstr(out, s3));
	qfix_close(&f);
	chan_console_init(stderr);
	fclose(mem);
	free(out);
}

/*
 * One message, each alert's own event: a stage-2 escalation and an SLA
 * reminder of the same alert due at the same instant both reach alice
 * (the old outbox sent one message labelled by its first row, so she
 * got a "reminder" and never the stage-2 page); an acknowledgement of
 * another alert in the same message says "acknowledged", not what the
 * first row said.
 */
static void
test_digest_events(void **state)
{
	static const struct outbox_rule con = { "con", 0 };
	struct outbox_page pg;
	struct qfix f;
	char *cause = NULL, *out = NULL, want[128];
	int64_t a1, a2;
	size_t len = 0;
	FILE *mem;

	mem = open_memstream(&out, &len);
	chan_console_init(mem);
	qfix_open(&f, " { name = \"con\"; driver = \"console\"; }");
	assert_int_equal(store_begin(f.st, &cause), 0);
	a1 = qfix_page(&f, "alice", NULL, &con, NULL); /* stage 1 page */
	a2 = qfix_page(&f, "alice", NULL, &con, NULL);
	memset(&pg, 0, sizeof pg);
	pg.alert_id = a1;
	pg.person = "alice";
	pg.rules = &con;
	pg.nrules = 1;
	pg.event = NOTIFY_ESCALATED;
	pg.stage = 2;
	pg.reason = "escalated to stage 2 (not acknowledged in time)";
	assert_int_equal(outbox_page(f.ob, &pg, clock_now_ms(), &cause), 0);
	pg.event = NOTIFY_REMINDER;
	pg.reason = "reminder (resolution due soon)";
	assert_int_equal(outbox_page(f.ob, &pg, clock_now_ms(), &cause), 0);
	pg.alert_id = a2;
	pg.event = NOTIFY_ACKNOWLEDGED;
	pg.stage = 1;
	pg.reason = "acknowledged by bob via API";
	assert_int_equal(outbox_page(f.ob, &pg, clock_now_ms(), &cause), 0);
	assert_int_equal(store_commit(f.st, &cause), 0);
	outbox_kick(f.ob);
	qfix_until(&f, "SELECT count(*) FROM notifications WHERE state ="
	    " 'sent'", 5);
	assert_int_equal(qfix_count(&f, "SELECT count(DISTINCT event || stage)"
	    " FROM notifications"), 4);
	fflush(mem);
	snprintf(want, sizeof want, "escalated to stage 2 (not acknowledged in"
	    " time): alert #%lld ", (long long)a1);
	assert_non_null(strstr(out, want));
	snprintf(want, sizeof want, "reminder (resolution due soon): alert"
	    " #%lld ", (long long)a1);
	assert_non_null(strstr(out, want));
	snprintf(want, sizeof want, "stage 1: alert #%lld ", (long long)a2);
	assert_non_null(strstr(out, want));
	snprintf(want, sizeof want, "acknowledged by bob via API: alert #%lld ",
	    (long long)a2);
	assert_non_null(strstr(out, want));
	qfix_close(&f);
	chan_console_init(stderr);
	fclose(mem);
	free(out);
}

/*
 * The send index with a fake clock: addresses come off the queue in due
 * order and only when due; one with a message in flight is never queued;
 * one just served goes behind those already waiting (no starvation);
 * touched addresses are read again once each; the rate limit counts
 * what went out in its window and forgets sends older than a day; a
 * rebuild (restart) empties the queue and puts back what the store
 * says, in the same order; 100,000 addresses keep their order.
 */
static void
test_index(void **state)
{
	struct outbox_index x;
	struct outbox_addr *a, *b, *c, *d;
	struct conf_chan cc;
	char name[32];
	int64_t prev, t;
	int i;

	outbox_index_init(&x);
	a = outbox_index_get(&x, "sms", "+1");
	b = outbox_index_get(&x, "sms", "+2");
	c = outbox_index_get(&x, "chat", "+1");
	assert_ptr_equal(outbox_index_get(&x, "sms", "+1"), a);
	assert_ptr_equal(outbox_index_find(&x, "chat", "+1"), c);
	assert_null(outbox_index_find(&x, "chat", "+2"));

	/* Due order, and nothing before it is due. */
	outbox_index_place(&x, a, 1, 300);
	outbox_index_place(&x, b, 1, 100);
	outbox_index_place(&x, c, 1, 200);
	assert_int_equal(outbox_index_next(&x), 100);
	assert_null(outbox_index_pop(&x, 50));
	assert_ptr_equal(outbox_index_pop(&x, 150), b);
	assert_ptr_equal(outbox_index_pop(&x, 250), c);
	assert_null(outbox_index_pop(&x, 299));
	assert_ptr_equal(outbox_index_pop(&x, 1000), a);
	assert_int_equal(outbox_index_next(&x), INT64_MAX);

	/* A message in flight: not queued until its outcome. */
	a->send = &x;
	outbox_index_place(&x, a, 1, 0);
	assert_null(outbox_index_pop(&x, 5000));
	a->send = NULL;
	outbox_index_place(&x, a, 1, 0);
	/* a was served at 1000: it waits behind b, due since 900. */
	outbox_index_place(&x, b, 1, 900);
	assert_ptr_equal(outbox_index_pop(&x, 2000), b);
	assert_ptr_equal(outbox_index_pop(&x, 2000), a);
	/* No rows any more: off the queue. */
	outbox_index_place(&x, c, 1, 0);
	outbox_index_place(&x, c, 0, 0);
	assert_null(outbox_index_pop(&x, 9000));

	/* Touched twice, read once; in the order it keeps. */
	outbox_index_touch(&x, a);
	outbox_index_touch(&x, b);
	outbox_index_touch(&x, a);
	assert_ptr_equal(outbox_index_dirty(&x), b);
	outbox_index_clean(&x, b);
	assert_ptr_equal(outbox_index_dirty(&x), a);
	outbox_index_clean(&x, a);
	assert_null(outbox_index_dirty(&x));

	/* Two messages a minute: the third waits for the first to age. */
	memset(&cc, 0, sizeof cc);
	cc.rate_limit = 2;
	cc.rate_window_ms = 60000;
	d = outbox_index_get(&x, "sms", "+4");
	assert_int_equal(outbox_index_rate(&cc, d, 0), 0);
	outbox_index_sent(d, 1000);
	assert_int_equal(outbox_index_rate(&cc, d, 2000), 2000);
	outbox_index_sent(d, 10000);
	assert_int_equal(outbox_index_rate(&cc, d, 20000), 61000);
	assert_int_equal(outbox_index_rate(&cc, d, 61000), 61000);
	/* A day later both are forgotten. */
	t = 86400 * INT64_C(1000) + 20000;
	assert_int_equal(outbox_index_rate(&cc, d, t), t);
	assert_int_equal(d->n - d->first, 0);

	/* A rebuild: empty, then what the store says, same order. */
	outbox_index_place(&x, a, 1, 10);
	outbox_index_place(&x, b, 1, 5);
	outbox_index_touch(&x, c);
	outbox_index_reset(&x);
	assert_null(outbox_index_pop(&x, INT64_MAX));
	assert_null(outbox_index_dirty(&x));
	outbox_index_place(&x, a, 1, 10000);
	outbox_index_place(&x, b, 1, 5000);
	assert_ptr_equal(outbox_index_pop(&x, 99999), b);
	assert_ptr_equal(outbox_index_pop(&x, 99999), a);

	/* Many addresses, shuffled due instants: still in order. */
	for (i = 0; i < 100000; i++) {
		snprintf(name, sizeof name, "p%d", i);
		d = outbox_index_get(&x, "chat", name);
		outbox_index_place(&x, d, 1, 20000 + (i * 7919) % 100000);
	}
	prev = 0;
	for (i = 0; i < 100000; i++) {
		d = outbox_index_pop(&x, INT64_MAX - 1);
		assert_non_null(d);
		assert_true(d->at >= prev);
		prev = d->at;
	}
	assert_null(outbox_index_pop(&x, INT64_MAX - 1));
	outbox_index_free(&x);
}

/*
 * What only tells (acknowledged, resolved) is one row, at once, on the
 * person's first rule that routes: it used to climb their rules, so an
 * "acknowledged" went by SMS a minute later and by voice after three,
 * reading like a new page.  A page still gets a row for its first
 * rule, and its later rules when they fall due.
 */
static void
test_notice_one_rule(void **state)
{
	static const struct outbox_rule rules[] = { { "con", 0 },
	    { "later", 10 * MIN } };
	struct outbox_page pg;
	struct qfix f;
	char *cause = NULL;
	int64_t a;

	qfix_open(&f, " { name = \"con\"; driver = \"console\"; },\n"
	    " { name = \"later\"; driver = \"console\"; }");
	assert_int_equal(store_begin(f.st, &cause), 0);
	a = qfix_page(&f, "alice", NULL, &rules[0], NULL);
	memset(&pg, 0, sizeof pg);
	pg.alert_id = a;
	pg.person = "alice";
	pg.rules = rules;
	pg.nrules = 2;
	pg.event = NOTIFY_ESCALATED;
	pg.stage = 2;
	pg.reason = "escalated to stage 2 (not acknowledged in time)";
	assert_int_equal(outbox_page(f.ob, &pg, clock_now_ms(), &cause), 0);
	pg.event = NOTIFY_ACKNOWLEDGED;
	pg.reason = "acknowledged by bob via API";
	assert_int_equal(outbox_page(f.ob, &pg, clock_now_ms(), &cause), 0);
	assert_int_equal(store_commit(f.st, &cause), 0);
	/* the page: a row for its first rule, the later one a rule kept
	 * on it until it falls due */
	assert_int_equal(qfix_count(&f, "SELECT count(*) FROM notifications"
	    " WHERE event = 'escalated'"), 1);
	assert_int_equal(qfix_count(&f, "SELECT count(*) FROM notifications"
	    " WHERE event = 'escalated' AND channel = 'con' AND later_ms ="
	    " created_ms + 600000 AND later LIKE '1 600000 later\t%'"), 1);
	assert_int_equal(qfix_count(&f, "SELECT count(*) FROM notifications"
	    " WHERE event = 'acknowledged'"), 1);
	assert_int_equal(qfix_count(&f, "SELECT count(*) FROM notifications"
	    " WHERE event = 'acknowledged' AND channel = 'con' AND due_ms <="
	    " created_ms"), 1);
	qfix_close(&f);
}

/*
 * The later rules of a page as text (outbox-later.c), with times as
 * parameters: written and read back (escapes included), split at an
 * instant into what fell due and what is left (and when that falls
 * due), all of it at once for a failover; what is not a list is
 * refused.
 */
static void
test_later(void **state)
{
	struct outbox_later *v;
	char *list = NULL, *rest;
	size_t n;
	int64_t next;

	list = outbox_later_add(list, 1, MIN, "sms", "+15550100");
	list = outbox_later_add(list, 2, 3 * MIN, "voice", "a\tb%c\nd");
	assert_string_equal(list, "1 60000 sms\t+15550100\n"
	    "2 180000 voice\ta%09b%25c%0Ad\n");
	assert_int_equal(outbox_later_first(list), MIN);
	assert_int_equal(outbox_later_parse(list, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(v[1].step, 2);
	assert_int_equal(v[1].after_ms, 3 * MIN);
	assert_string_equal(v[1].channel, "voice");
	assert_string_equal(v[1].address, "a\tb%c\nd");
	outbox_later_free(v, n);

	/* a page written at T: nothing due before T + 1m */
	assert_int_equal(outbox_later_take(list, 1000, 1000 + MIN - 1, 0, &v,
	    &n, &rest, &next), 0);
	assert_int_equal(n, 0);
	assert_null(v);
	assert_string_equal(rest, list);
	assert_int_equal(next, 1000 + MIN);
	free(rest);
	/* at T + 1m the SMS; the call is left, due at T + 3m */
	assert_int_equal(outbox_later_take(list, 1000, 1000 + MIN, 0, &v, &n,
	    &rest, &next), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].channel, "sms");
	assert_string_equal(rest, "2 180000 voice\ta%09b%25c%0Ad\n");
	assert_int_equal(next, 1000 + 3 * MIN);
	outbox_later_free(v, n);
	free(rest);
	/* long after (a restart): both, nothing left */
	assert_int_equal(outbox_later_take(list, 1000, 1000 + 60 * MIN, 0, &v,
	    &n, &rest, &next), 0);
	assert_int_equal(n, 2);
	assert_null(rest);
	assert_int_equal(next, 0);
	outbox_later_free(v, n);
	/* a failover: all of them, whenever */
	assert_int_equal(outbox_later_take(list, 1000, 1000, 1, &v, &n, &rest,
	    &next), 0);
	assert_int_equal(n, 2);
	assert_null(rest);
	outbox_later_free(v, n);
	free(list);

	assert_int_equal(outbox_later_parse("", &v, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(outbox_later_parse("1 60000 sms+1555\n", &v, &n), -1);
	assert_int_equal(outbox_later_parse("1 60000 sms\t+1555", &v, &n), -1);
	assert_int_equal(outbox_later_parse("x 60000 sms\t+1\n", &v, &n), -1);
	assert_int_equal(outbox_later_parse("1 -5 sms\t+1\n", &v, &n), -1);
	assert_int_equal(outbox_later_parse("1 5 sms\t+1%4\n", &v, &n), -1);
	assert_int_equal(outbox_later_parse("1 5 sms\t+1%zz\n", &v, &n), -1);
	assert_int_equal(outbox_later_first("bad"), -1);
}

/* Loop until clock_now_ms() reaches at (a few ms at a time). */
static void
qfix_wait_clock(struct qfix *f, int64_t at)
{
	while (clock_now_ms() < at) {
		if (f->ob != NULL)
			event_base_loop(f->base, EVLOOP_ONCE |
			    EVLOOP_NONBLOCK);
		usleep(5000);
	}
}

/*
 * A page's later rule is a row only once it falls due, and then goes
 * out once; a page acknowledged before then never has it.  And across
 * a crash: pages written, pagerd gone before their later rules fell
 * due, back after: each later rule becomes its row then, and goes out
 * once; nothing is lost, nothing twice.
 */
static void
test_later_due(void **state)
{
	static const struct outbox_rule rules[] = { { "con", 0 },
	    { "later", 300 } };
	struct outbox_page pg;
	struct qfix f;
	char *cause = NULL, sql[256];
	int64_t a, b, t0;
	int i;

	qfix_open(&f, " { name = \"con\"; driver = \"console\"; },\n"
	    " { name = \"later\"; driver = \"console\"; }");
	memset(&pg, 0, sizeof pg);
	pg.person = "alice";
	pg.rules = rules;
	pg.nrules = 2;
	pg.reason = "stage 1";
	assert_int_equal(store_begin(f.st, &cause), 0);
	a = qfix_page(&f, "alice", NULL, &rules[0], NULL);
	b = qfix_page(&f, "alice", NULL, &rules[0], NULL);
	t0 = clock_now_ms();
	pg.alert_id = a;
	assert_int_equal(outbox_page(f.ob, &pg, t0, &cause), 0);
	pg.alert_id = b;
	assert_int_equal(outbox_page(f.ob, &pg, t0, &cause), 0);
	assert_int_equal(store_commit(f.st, &cause), 0);
	outbox_kick(f.ob);
	/* first rules out; no row for the later one yet */
	qfix_until(&f, "SELECT count(*) FROM notifications WHERE channel ="
	    " 'con' AND state = 'sent'", 4);
	if (clock_now_ms() < t0 + 300)
		assert_int_equal(qfix_count(&f, "SELECT count(*) FROM"
		    " notifications WHERE channel = 'later'"), 0);
	/* b acknowledged: its later rule is dropped */
	assert_int_equal(store_begin(f.st, &cause), 0);
	assert_int_equal(outbox_cancel(f.ob, b, NULL, &cause), 0);
	assert_int_equal(store_commit(f.st, &cause), 0);
	qfix_wait_clock(&f, t0 + 300);
	qfix_until(&f, "SELECT count(*) FROM notifications WHERE channel ="
	    " 'later' AND state = 'sent'", 1);
	for (i = 0; i < 20; i++) {
		event_base_loop(f.base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		usleep(5000);
	}
	assert_int_equal(qfix_count(&f, "SELECT count(*) FROM notifications"
	    " WHERE channel = 'later'"), 1);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM notifications"
	    " WHERE channel = 'later' AND step = 1 AND event = 'page' AND"
	    " reason = 'stage 1' AND alert_id = %lld", (long long)a);
	assert_int_equal(qfix_count(&f, sql), 1);
	assert_int_equal(qfix_count(&f, "SELECT count(*) FROM notifications"
	    " WHERE later_ms IS NOT NULL OR later IS NOT NULL"), 0);

	/* pages written, then a crash before their later rules fall due */
	assert_int_equal(store_begin(f.st, &cause), 0);
	for (i = 0; i < 50; i++) {
		pg.alert_id = qfix_page(&f, "alice", NULL, &rules[0], NULL);
		assert_int_equal(outbox_page(f.ob, &pg, clock_now_ms(),
		    &cause), 0);
	}
	assert_int_equal(store_commit(f.st, &cause), 0);
	t0 = clock_now_ms();
	outbox_free(f.ob); /* nothing of it runs again */
	f.ob = NULL;
	qfix_wait_clock(&f, t0 + 400);
	f.ob = outbox_new(f.base, f.st, f.c);
	if (outbox_resume(f.ob, &cause) != 0)
		fail_msg("%s", cause);
	qfix_until(&f, "SELECT count(*) FROM notifications WHERE channel ="
	    " 'later' AND state = 'sent'", 51);
	for (i = 0; i < 20; i++) {
		event_base_loop(f.base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		usleep(5000);
	}
	assert_int_equal(qfix_count(&f, "SELECT count(*) FROM notifications"
	    " WHERE channel = 'later'"), 51);
	assert_int_equal(qfix_count(&f, "SELECT count(DISTINCT alert_id) FROM"
	    " notifications WHERE channel = 'later'"), 51);
	assert_int_equal(qfix_count(&f, "SELECT count(*) FROM notifications"
	    " WHERE later_ms IS NOT NULL"), 0);
	qfix_close(&f);
}

/* store_outbox_recent's sends, counted: how many, and the last. */
struct recent_seen {
	int n;
	int64_t at;
	char address[32];
};

static void
recent_cb(const char *channel, const char *address, int64_t at, void *arg)
{
	struct recent_seen *r = arg;

	r->n++;
	r->at = at;
	snprintf(r->address, sizeof r->address, "%s", address);
}

/*
 * A message's rows move together: "sending" by one row of the sends
 * table (the first k due rows of the address, in due and id order, none
 * of them written), "sent" in one statement.  Rows sending are not
 * cancelled, count as paged, are not failed over to; a row written
 * meanwhile, even due earlier, is not the message's, nor is a row a
 * failover brings forward; its outcome touches no other row; at start,
 * what was left "sending" is pending again.
 */
static void
test_mark(void **state)
{
	static const struct outbox_rule con = { "console", 0 };
	struct store_outbox_due due;
	struct store_outbox_msg m1, m2;
	struct store_outbox_head h;
	struct recent_seen seen;
	struct store_note *rows, *more, *got, fail;
	struct qfix f;
	char *cause = NULL, **who;
	int64_t now, ids[5], id;
	size_t ngot, nwho, nmore;
	size_t n, i;

	qfix_open(&f, " { name = \"console\"; driver = \"console\"; }");
	assert_int_equal(store_begin(f.st, &cause), 0);
	for (i = 0; i < 5; i++)
		ids[i] = qfix_page(&f, "alice", NULL, &con, NULL);
	qfix_page(&f, "bob", NULL, &con, NULL);
	now = clock_now_ms();
	due.channel = "console";
	due.address = "alice";
	due.now = now;
	assert_int_equal(store_outbox_queue(f.st, &due, 10, &rows, &n), 0);
	assert_int_equal(n, 5);
	/* a message of the first three (not all that is due) */
	qfix_msg(&m1, rows, 3, now, 0);
	assert_int_equal(store_outbox_mark(f.st, &m1, &cause), 0);
	assert_int_equal(store_commit(f.st, &cause), 0);
	assert_int_equal(store_begin(f.st, &cause), 0);
	/* no row written: one row of sends */
	assert_int_equal(qfix_count(&f, "SELECT count(*) FROM notifications"
	    " WHERE send_id IS NOT NULL"), 0);
	assert_int_equal(qfix_count(&f, "SELECT count(*) FROM sends"), 1);
	assert_int_equal(store_outbox_list(f.st, ids[0], &got, &ngot), 0);
	assert_int_equal(ngot, 1);
	assert_int_equal(got[0].state, NOTIFY_SENDING);
	store_notes_free(got, ngot);
	assert_int_equal(store_outbox_list(f.st, ids[3], &got, &ngot), 0);
	assert_int_equal(ngot, 1);
	assert_int_equal(got[0].state, NOTIFY_PENDING);
	store_notes_free(got, ngot);
	/* /metrics counts them "sending" too */
	assert_int_equal(qfix_count(&f, "SELECT count(*) FROM notifications"
	    " n WHERE " QFIX_INFLIGHT), 3);
	/* alert 2 in flight counts as paged; alert 5 not yet */
	assert_int_equal(store_outbox_paged(f.st, ids[1], &who, &nwho), 0);
	assert_int_equal(nwho, 1);
	assert_string_equal(who[0], "alice");
	free(who[0]);
	free(who);
	assert_int_equal(store_outbox_paged(f.st, ids[4], &who, &nwho), 0);
	assert_int_equal(nwho, 0);
	free(who);
	/* an ack of alert 2 (sending) and alert 4 (pending) */
	assert_int_equal(store_outbox_cancel(f.st, ids[1], NULL, now, &cause),
	    0);
	assert_int_equal(store_outbox_cancel(f.st, ids[3], NULL, now, &cause),
	    1);
	/* a row due earlier than the message's last, written after it
	 * (a later rule falling due): not the message's */
	assert_int_equal(store_outbox_spawn(f.st, rows[0].id, 1, "console",
	    "alice", rows[0].due_ms - 1, now, &cause), 0);
	assert_int_equal(store_outbox_list(f.st, ids[0], &got, &ngot), 0);
	assert_int_equal(ngot, 2);
	assert_int_equal(got[0].state, NOTIFY_SENDING);
	assert_int_equal(got[1].state, NOTIFY_PENDING);
	store_notes_free(got, ngot);
	/* step 0 of alert 1 failed: the failover brings that row forward,
	 * after the message's last, so it does not read as the message's */
	memset(&fail, 0, sizeof fail);
	fail.alert_id = ids[0];
	fail.person = (char *)"alice";
	fail.step = 0;
	id = store_outbox_failover(f.st, &fail, now, &h);
	assert_true(id > m1.max_id);
	assert_true(h.due_ms == m1.last_due + 1);
	store_outbox_head_clear(&h);
	assert_int_equal(store_outbox_list(f.st, ids[0], &got, &ngot), 0);
	assert_int_equal(got[1].state, NOTIFY_PENDING);
	store_notes_free(got, ngot);
	m1.now = now + 1;
	assert_int_equal(store_outbox_sent(f.st, &m1, "pid-1", &cause), 3);
	assert_int_equal(store_commit(f.st, &cause), 0);
	assert_int_equal(qfix_count(&f, "SELECT count(*) FROM sends"), 0);
	assert_int_equal(qfix_count(&f, "SELECT count(*) FROM notifications"
	    " WHERE state = 'sent' AND attempt = 1 AND provider_id = 'pid-1'"
	    " AND person = 'alice'"), 3);
	/* the send instant (rate limits at start) on its first row only */
	assert_int_equal(qfix_count(&f, "SELECT count(*) FROM notifications"
	    " WHERE state = 'sent' AND sent_ms = updated_ms"), 1);
	assert_int_equal(qfix_count(&f, "SELECT count(*) FROM notifications"
	    " WHERE state = 'sent' AND sent_ms IS NOT NULL AND id = send_id"),
	    1);
	/* the rate limits see one send of the message, at its instant */
	memset(&seen, 0, sizeof seen);
	assert_int_equal(store_outbox_recent(f.st, now - 1000, recent_cb,
	    &seen), 0);
	assert_int_equal(seen.n, 1);
	assert_true(seen.at == now + 1);
	assert_string_equal(seen.address, "alice");
	assert_int_equal(qfix_count(&f, "SELECT count(*) FROM notifications"
	    " WHERE state = 'pending' AND person = 'alice'"), 2);
	assert_int_equal(qfix_count(&f, "SELECT count(*) FROM notifications"
	    " WHERE state = 'cancelled'"), 1);
	assert_int_equal(qfix_count(&f, "SELECT count(*) FROM notifications"
	    " WHERE state = 'pending' AND person = 'bob'"), 1);
	/* nothing sends twice: the message is gone */
	assert_int_equal(store_begin(f.st, &cause), 0);
	assert_int_equal(store_outbox_sent(f.st, &m1, NULL, &cause), 0);
	/* a message of all that is due (alert 5's row and the row failed
	 * over to), left out as if its start failed: at start it is
	 * pending again */
	due.now = now + 10;
	assert_int_equal(store_outbox_queue(f.st, &due, 10, &more, &nmore),
	    0);
	assert_int_equal(nmore, 2);
	qfix_msg(&m2, more, 2, now + 10, 1);
	assert_int_equal(store_outbox_mark(f.st, &m2, &cause), 0);
	assert_int_equal(store_outbox_resume(f.st, now, &cause), 0);
	assert_int_equal(qfix_count(&f, "SELECT count(*) FROM sends"), 0);
	assert_int_equal(store_outbox_list(f.st, ids[4], &got, &ngot), 0);
	assert_int_equal(got[0].state, NOTIFY_PENDING);
	store_notes_free(got, ngot);
	/* again, and a row due earlier written while it is out: its
	 * outcome, by its ids (close together), leaves that row pending */
	assert_int_equal(store_outbox_mark(f.st, &m2, &cause), 0);
	assert_int_equal(store_outbox_spawn(f.st, rows[0].id, 2, "console",
	    "alice", rows[0].due_ms - 2, now, &cause), 0);
	assert_int_equal(store_outbox_sent(f.st, &m2, NULL, &cause), 2);
	assert_int_equal(store_commit(f.st, &cause), 0);
	assert_int_equal(qfix_count(&f, "SELECT count(*) FROM notifications"
	    " WHERE state = 'pending' AND send_id IS NULL AND person ="
	    " 'alice' AND step = 2"), 1);
	assert_int_equal(qfix_count(&f, "SELECT count(*) FROM sends"), 0);
	store_notes_free(more, nmore);
	store_notes_free(rows, n);
	qfix_close(&f);
}

/*
 * A crash while sending: the row was left "sending".  At start the row
 * goes out again (at least once), and so does a row due meanwhile.
 */
static void
test_resume(void **state)
{
	static const struct outbox_rule con = { "console", 0 };
	struct store_outbox_msg m;
	struct store_note *rows;
	struct qfix f;
	char *cause = NULL;
	int64_t id;
	size_t n;

	qfix_open(&f, " { name = \"console\"; driver = \"console\"; }");
	assert_int_equal(store_begin(f.st, &cause), 0);
	id = qfix_page(&f, "alice", NULL, &con, NULL);
	qfix_page(&f, "bob", NULL, &con, NULL);
	assert_int_equal(store_outbox_list(f.st, id, &rows, &n), 0);
	assert_int_equal(n, 1);
	qfix_msg(&m, rows, 1, clock_now_ms(), 1);
	assert_int_equal(store_outbox_mark(f.st, &m, &cause), 0);
	store_notes_free(rows, n);
	assert_int_equal(store_commit(f.st, &cause), 0);

	/* What a fresh start does. */
	outbox_free(f.ob);
	f.ob = outbox_new(f.base, f.st, f.c);
	if (outbox_resume(f.ob, &cause) != 0)
		fail_msg("%s", cause);
	qfix_until(&f, "SELECT count(*) FROM notifications WHERE state ="
	    " 'sent'", 2);
	qfix_close(&f);
}

/* Rows SQLite hands to pagerd's own connection, while counting. */
static int64_t rows_read;
static int counting;

static int
trace_cb(unsigned int what, void *arg, void *p, void *x)
{
	if (counting && what == SQLITE_TRACE_ROW)
		rows_read++;
	return 0;
}

/* A loopback listener that never accepts: its port in *port. */
static int
hang_listener(int *port)
{
	struct sockaddr_in sin;
	socklen_t slen = sizeof sin;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd != -1);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(fd, 16), 0); /* never accepted */
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &slen), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

/*
 * A storm to one person must not hold up a page to another: alice's
 * first page leaves at once (nothing was in flight) and hangs (a
 * listener that never answers); 10,000 more queue behind it, and bob
 * gets one page by the console.  bob's page goes out, and what the
 * outbox reads from the store meanwhile is a few rows, not alice's
 * backlog (the outbox used to read every due row on each pass); alice
 * still has her one message in flight, the rest waiting for it.
 */
static void
test_storm(void **state)
{
	static const struct outbox_rule hang = { "hang", 0 };
	static const struct outbox_rule con = { "console", 0 };
	struct qfix f;
	int port;
	char chans[512], *cause = NULL;
	int fd, i;

	fd = hang_listener(&port);
	snprintf(chans, sizeof chans, " { name = \"hang\";"
	    " driver = \"webhook-chat\"; url = \"http://127.0.0.1:%d/\";"
	    " timeout = \"60s\"; rate_limit = 0; },\n"
	    " { name = \"console\"; driver = \"console\"; }",
	    port);
	chan_console_init(stderr);
	qfix_open(&f, chans);

	assert_int_equal(store_begin(f.st, &cause), 0);
	qfix_page(&f, "alice", "@alice", &hang, NULL);
	assert_int_equal(store_commit(f.st, &cause), 0);
	outbox_kick(f.ob);
	qfix_until(&f, "SELECT count(*) FROM notifications n WHERE "
	    QFIX_INFLIGHT, 1);
	assert_int_equal(outbox_inflight(f.ob), 1);
	assert_int_equal(store_begin(f.st, &cause), 0);
	for (i = 0; i < 10000; i++)
		qfix_page(&f, "alice", "@alice", &hang, NULL);
	assert_int_equal(store_commit(f.st, &cause), 0);
	outbox_kick(f.ob);

	sqlite3_trace_v2(f.st->db, SQLITE_TRACE_ROW, trace_cb, NULL);
	counting = 1;
	assert_int_equal(store_begin(f.st, &cause), 0);
	qfix_page(&f, "bob", NULL, &con, NULL);
	assert_int_equal(store_commit(f.st, &cause), 0);
	outbox_kick(f.ob);
	for (i = 0; i < 1000; i++) {
		event_base_loop(f.base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		if (qfix_count(&f, "SELECT count(*) FROM notifications WHERE"
		    " person = 'bob' AND state = 'sent'") == 1)
			break;
		usleep(5000);
	}
	counting = 0;
	print_message("rows read from the store until bob's page went: %lld\n",
	    (long long)rows_read);
	assert_int_equal(qfix_count(&f, "SELECT count(*) FROM notifications"
	    " WHERE person = 'bob' AND state = 'sent'"), 1);
	assert_true(rows_read < 100);
	assert_int_equal(qfix_count(&f, "SELECT count(*) FROM notifications"
	    " n WHERE person = 'alice' AND " QFIX_INFLIGHT), 1);
	assert_int_equal(qfix_count(&f, "SELECT count(*) FROM notifications"
	    " n WHERE person = 'alice' AND state = 'pending' AND NOT ("
	    QFIX_INFLIGHT ")"), 10000);
	assert_int_equal(outbox_inflight(f.ob), 1);
	sqlite3_trace_v2(f.st->db, 0, NULL, NULL);

	qfix_close(&f);
	close(fd);
}

/* SQLite's virtual machine steps of every statement since the last call. */
static int64_t
vm_steps(sqlite3 *db)
{
	sqlite3_stmt *q = NULL;
	int64_t n = 0;

	while ((q = sqlite3_next_stmt(db, q)) != NULL)
		n += sqlite3_stmt_status(q, SQLITE_STMTSTATUS_VM_STEP, 1);
	return n;
}

/*
 * The steps store_outbox_sent takes to mark a message of 10 rows sent,
 * out of a backlog of pending rows of one address all due at one
 * instant (a storm).  spread: each of the address's rows is followed
 * by 5 rows of another address, so the message's ids do not lie close
 * together and it is marked by its (due, id) ranges instead of by the
 * walk of its ids.
 */
static int64_t
storm_sent_steps(int backlog, int spread)
{
	static const struct outbox_rule con = { "console", 0 };
	struct store_outbox_due due;
	struct store_outbox_msg m;
	struct store_note *rows;
	struct qfix f;
	char *cause = NULL;
	int64_t steps;
	size_t n;
	int j, k;

	qfix_open(&f, " { name = \"console\"; driver = \"console\"; }");
	assert_int_equal(store_begin(f.st, &cause), 0);
	for (j = 0; j < backlog; j++) {
		qfix_page(&f, "alice", NULL, &con, NULL);
		for (k = 0; spread && k < 5; k++)
			qfix_page(&f, "bob", NULL, &con, NULL);
	}
	assert_int_equal(store_commit(f.st, &cause), 0);
	assert_int_equal(sqlite3_exec(f.st->db, "UPDATE notifications SET"
	    " due_ms = 1000", NULL, NULL, NULL), SQLITE_OK);

	assert_int_equal(store_begin(f.st, &cause), 0);
	due.channel = "console";
	due.address = "alice";
	due.now = 2000;
	assert_int_equal(store_outbox_queue(f.st, &due, 10, &rows, &n), 0);
	assert_int_equal(n, 10);
	qfix_msg(&m, rows, n, 2000, 0);
	assert_int_equal(store_outbox_mark(f.st, &m, &cause), 0);
	vm_steps(f.st->db);
	assert_int_equal(store_outbox_sent(f.st, &m, NULL, &cause), 10);
	steps = vm_steps(f.st->db);
	assert_int_equal(store_commit(f.st, &cause), 0);
	store_notes_free(rows, n);
	assert_int_equal(qfix_count(&f, "SELECT count(*) FROM notifications"
	    " WHERE state = 'sent'"), 10);
	assert_int_equal(qfix_count(&f, "SELECT count(*) FROM notifications"
	    " WHERE state = 'pending' AND person = 'alice'"), backlog - 10);
	qfix_close(&f);
	return steps;
}

/*
 * Marking a message of a storm sent costs the same whatever the
 * backlog behind it, by either of the ways store_outbox_sent marks it:
 * a plan that walks the address's pending rows due by the message's
 * last (the regression fixed in c64e668: 30 ms on the loop per message
 * with 100,000 waiting) takes steps in proportion to the backlog.
 */
static void
test_storm_sent(void **state)
{
	int64_t small, big;
	int spread;

	for (spread = 0; spread < 2; spread++) {
		small = storm_sent_steps(200, spread);
		big = storm_sent_steps(4000, spread);
		print_message("steps to mark 10 rows sent (%s): %lld with 200"
		    " waiting, %lld with 4000\n", spread ? "by ranges" :
		    "by ids", (long long)small, (long long)big);
		assert_true(big < 2000);
		assert_true(big <= small + 50);
	}
}

/* Lines of the console's output f naming to (the person paged). */
static int
console_lines(FILE *f, const char *to)
{
	char line[1024], pat[64];
	int n = 0;

	fflush(f);
	rewind(f);
	snprintf(pat, sizeof pat, "console: to %s:", to);
	while (fgets(line, sizeof line, f) != NULL)
		if (strstr(line, pat) != NULL)
			n++;
	fseek(f, 0, SEEK_END);
	return n;
}

/*
 * The pass joined to intake's transaction (outbox_join, SQLite): a page
 * written in that transaction is marked in it, and its message starts
 * once the transaction is on disk, without a transaction of its own.
 * If the transaction rolls back, the message never starts; the timer's
 * own pass then sends the page, once.
 */
static void
test_join(void **state)
{
	static const struct outbox_rule con = { "console", 0 };
	struct qfix f;
	char *cause = NULL;
	FILE *out;

	assert_non_null(out = tmpfile());
	chan_console_init(out);
	qfix_open(&f, " { name = \"console\"; driver = \"console\"; }");
	/* settle the pass of the start */
	event_base_loop(f.base, EVLOOP_ONCE | EVLOOP_NONBLOCK);

	/* committed: marked inside, started after, by outbox_join_end */
	assert_int_equal(store_begin(f.st, &cause), 0);
	qfix_page(&f, "alice", NULL, &con, NULL);
	assert_int_equal(outbox_join(f.ob, &cause), 0);
	assert_int_equal(outbox_inflight(f.ob), 1);
	assert_int_equal(console_lines(out, "alice"), 0);
	assert_int_equal(store_commit(f.st, &cause), 0);
	assert_int_equal(console_lines(out, "alice"), 0);
	outbox_join_end(f.ob, 1);
	qfix_until(&f, "SELECT count(*) FROM notifications WHERE person ="
	    " 'alice' AND state = 'sent'", 1);
	assert_int_equal(console_lines(out, "alice"), 1);

	/* rolled back: bob's page, committed before, waits for the timer */
	assert_int_equal(store_begin(f.st, &cause), 0);
	qfix_page(&f, "bob", NULL, &con, NULL);
	assert_int_equal(store_commit(f.st, &cause), 0);
	assert_int_equal(store_begin(f.st, &cause), 0);
	assert_int_equal(outbox_join(f.ob, &cause), 0);
	assert_int_equal(outbox_inflight(f.ob), 1);
	store_rollback(f.st);
	outbox_join_end(f.ob, 0);
	assert_int_equal(outbox_inflight(f.ob), 0);
	assert_int_equal(console_lines(out, "bob"), 0);
	qfix_until(&f, "SELECT count(*) FROM notifications WHERE person ="
	    " 'bob' AND state = 'sent'", 1);
	assert_int_equal(console_lines(out, "bob"), 1);
	assert_int_equal(console_lines(out, "alice"), 1);

	chan_console_init(stderr);
	fclose(out);
	qfix_close(&f);
}

/* SQLITE_TMPDIR, set in main() before SQLite starts: watched below. */
static char tmpdir[] = "/tmp/test-outbox-tmp.XXXXXX";

/*
 * A digest marked sent writes no temporary file.  Its rows lie among
 * other people's (a storm to many at once), so the UPDATE touches a
 * few hundred pages, and SQLite keeps each page's old content in a
 * statement journal (the statement may fail half-way: CHECK, foreign
 * keys).  By default that journal goes to a temporary file past 64
 * KiB: under storm shape b, 28,000 pwrites a second (and an open and
 * unlink a statement) on the loop, more than intake's own WAL writes.
 * store-db-sqlite.c keeps statement journals in memory up to 8 MiB.
 */
static void
test_digest_no_temp_file(void **state)
{
	static const struct outbox_rule con = { "console", 0 };
	struct store_outbox_due due;
	struct store_outbox_msg m;
	struct store_note *rows;
	struct qfix f;
	char buf[4096], *cause = NULL;
	size_t n;
	ssize_t got;
	int fd, j, k;

	qfix_open(&f, " { name = \"console\"; driver = \"console\"; }");
	assert_int_equal(store_begin(f.st, &cause), 0);
	for (j = 0; j < 2000; j++) {
		qfix_page(&f, "alice", NULL, &con, NULL);
		for (k = 0; k < 5; k++)
			qfix_page(&f, "bob", NULL, &con, NULL);
	}
	assert_int_equal(store_commit(f.st, &cause), 0);

	fd = inotify_init1(IN_NONBLOCK);
	assert_true(fd >= 0);
	assert_true(inotify_add_watch(fd, tmpdir, IN_CREATE) >= 0);
	assert_int_equal(store_begin(f.st, &cause), 0);
	due.channel = "console";
	due.address = "alice";
	due.now = clock_now_ms() + 60000;
	assert_int_equal(store_outbox_queue(f.st, &due, 256, &rows, &n), 0);
	assert_int_equal(n, 256);
	qfix_msg(&m, rows, n, due.now, 0);
	assert_int_equal(store_outbox_mark(f.st, &m, &cause), 0);
	assert_int_equal(store_outbox_sent(f.st, &m, NULL, &cause), 256);
	assert_int_equal(store_commit(f.st, &cause), 0);
	got = read(fd, buf, sizeof buf);
	assert_int_equal(got, -1); /* EAGAIN: nothing created */
	close(fd);
	store_notes_free(rows, n);
	assert_int_equal(qfix_count(&f, "SELECT count(*) FROM notifications"
	    " WHERE state = 'sent'"), 256);
	qfix_close(&f);
}

/*
 * A storm to many addresses at once: 300 people are due on a channel
 * whose receiver never answers.  At most OUTBOX_SENDS_MAX messages are
 * in flight; the others stay pending (not started, not failed), waiting
 * for a send to finish.
 */
static void
test_sends_max(void **state)
{
	static const struct outbox_rule hang = { "hang", 0 };
	struct qfix f;
	int port;
	char chans[512], person[16], chat[16], *cause = NULL;
	int fd, i;
	int64_t n = 0;

	fd = hang_listener(&port);
	snprintf(chans, sizeof chans, " { name = \"hang\";"
	    " driver = \"webhook-chat\"; url = \"http://127.0.0.1:%d/\";"
	    " timeout = \"60s\"; rate_limit = 0; }", port);
	qfix_open(&f, chans);

	assert_int_equal(store_begin(f.st, &cause), 0);
	for (i = 0; i < OUTBOX_SENDS_MAX + 44; i++) {
		snprintf(person, sizeof person, "p%d", i);
		snprintf(chat, sizeof chat, "@p%d", i);
		qfix_page(&f, person, chat, &hang, NULL);
	}
	assert_int_equal(store_commit(f.st, &cause), 0);
	outbox_kick(f.ob);
	/* up to 20 s for the first OUTBOX_SENDS_MAX to be started */
	for (i = 0; i < 4000; i++) {
		event_base_loop(f.base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		n = qfix_count(&f, "SELECT count(*) FROM notifications n"
		    " WHERE " QFIX_INFLIGHT);
		if (n >= OUTBOX_SENDS_MAX)
			break;
		usleep(5000);
	}
	assert_int_equal(n, OUTBOX_SENDS_MAX);
	/* and no more, however long the loop runs (here a second) */
	for (i = 0; i < 500; i++) {
		event_base_loop(f.base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		usleep(2000);
	}
	assert_int_equal(outbox_inflight(f.ob), OUTBOX_SENDS_MAX);
	assert_int_equal(qfix_count(&f, "SELECT count(*) FROM notifications"
	    " n WHERE " QFIX_INFLIGHT), OUTBOX_SENDS_MAX);
	assert_int_equal(qfix_count(&f, "SELECT count(*) FROM notifications"
	    " n WHERE state = 'pending' AND NOT (" QFIX_INFLIGHT ")"), 44);

	qfix_close(&f);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_bundle),
		cmocka_unit_test(test_later),
		cmocka_unit_test(test_digest_events),
		cmocka_unit_test(test_index),
		cmocka_unit_test(test_notice_one_rule),
		cmocka_unit_test(test_route),
		cmocka_unit_test(test_report),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_flow),
		cmocka_unit_test(test_note),
		cmocka_unit_test(test_queue),
		cmocka_unit_test(test_resume),
		cmocka_unit_test(test_mark),
		cmocka_unit_test(test_later_due),
		cmocka_unit_test(test_storm),
		cmocka_unit_test(test_storm_sent),
		cmocka_unit_test(test_digest_no_temp_file),
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_sends_max),
	};
	/* test_storm and test_storm_sent count the rows SQLite reads */
	const struct CMUnitTest pg_tests[] = {
		cmocka_unit_test(test_flow),
		cmocka_unit_test(test_note),
		cmocka_unit_test(test_queue),
		cmocka_unit_test(test_resume),
		cmocka_unit_test(test_mark),
		cmocka_unit_test(test_later_due),
		cmocka_unit_test(test_sends_max),
	};

	int rc;

	if ((test_pg = getenv("PAGERD_TEST_PG")) != NULL)
		return cmocka_run_group_tests_name("outbox on PostgreSQL",
		    pg_tests, NULL, NULL);
	/* SQLite reads it once, when it starts */
	if (mkdtemp(tmpdir) == NULL || setenv("SQLITE_TMPDIR", tmpdir, 1) != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(tmpdir);
	return rc;
}
