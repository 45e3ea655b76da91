/* SPDX-License-Identifier: ISC */
/*
 * store.c: all of pagerd's SQLite use.  The database lives in the state
 * folder, in WAL mode; a committed transaction survives a crash or power
 * loss because its WAL frames are synced before anyone is told it was
 * stored (store_commit() syncs at once, store_commit_async() in a worker
 * thread: see store-sync.c).  Callers batch work into one transaction
 * (group commit) to pay for one sync per batch.  The schema is versioned
 * with PRAGMA user_version and migrated on open.
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

/*
 * Migrations, in order; migration i brings user_version from i to i + 1.
 * Never edit one that has shipped: add a new one.
 */
static const char *store_migrations[] = {
	/* 1: alerts, audit events, notifications */
	"CREATE TABLE alerts ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  dedup_key TEXT NOT NULL,"
	"  service TEXT NOT NULL,"
	"  priority INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 4),"
	"  summary TEXT NOT NULL,"
	"  source TEXT,"
	"  details TEXT,"
	"  links TEXT,"
	"  integration TEXT,"
	"  status TEXT NOT NULL DEFAULT 'triggered'"
	"    CHECK (status IN ('triggered', 'acknowledged', 'resolved')),"
	"  stage INTEGER NOT NULL DEFAULT 1,"
	"  count INTEGER NOT NULL DEFAULT 1,"
	"  created_ms INTEGER NOT NULL,"
	"  updated_ms INTEGER NOT NULL,"
	"  acknowledged_ms INTEGER,"
	"  first_response_ms INTEGER,"
	"  resolved_ms INTEGER);"
	"CREATE UNIQUE INDEX alerts_open_dedup ON alerts (service, dedup_key)"
	"  WHERE status != 'resolved';"
	"CREATE INDEX alerts_status ON alerts (status, id);"
	"CREATE TABLE events ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  alert_id INTEGER REFERENCES alerts (id),"
	"  at_ms INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  detail TEXT NOT NULL DEFAULT '{}');"
	"CREATE INDEX events_alert ON events (alert_id, id);"
	"CREATE TRIGGER events_no_update BEFORE UPDATE ON events"
	"  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
	"CREATE TRIGGER events_no_delete BEFORE DELETE ON events"
	"  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
	"CREATE TABLE notifications ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  alert_id INTEGER NOT NULL REFERENCES alerts (id),"
	"  person TEXT NOT NULL,"
	"  channel TEXT NOT NULL,"
	"  address TEXT NOT NULL,"
	"  attempt INTEGER NOT NULL DEFAULT 0,"
	"  state TEXT NOT NULL DEFAULT 'pending',"
	"  provider_id TEXT,"
	"  last_error TEXT,"
	"  due_ms INTEGER NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  updated_ms INTEGER NOT NULL);"
	"CREATE INDEX notifications_due ON notifications (state, due_ms);",
	/* 2: engine: the escalation state of each alert, instants in UTC ms */
	"ALTER TABLE alerts ADD COLUMN policy TEXT;"
	"ALTER TABLE alerts ADD COLUMN stage_started_ms INTEGER;"
	"ALTER TABLE alerts ADD COLUMN stage_ack_due_ms INTEGER;"
	"ALTER TABLE alerts ADD COLUMN stage_resolve_due_ms INTEGER;"
	"ALTER TABLE alerts ADD COLUMN repeats_done INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE alerts ADD COLUMN sla_response_due_ms INTEGER;"
	"ALTER TABLE alerts ADD COLUMN sla_first_response_due_ms INTEGER;"
	"ALTER TABLE alerts ADD COLUMN sla_resolution_due_ms INTEGER;"
	"ALTER TABLE alerts ADD COLUMN sla_reminded INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE alerts ADD COLUMN sla_breached INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE alerts ADD COLUMN next_due_ms INTEGER;"
	"ALTER TABLE alerts ADD COLUMN max_stage INTEGER NOT NULL DEFAULT 1;",
	/* 3: outbox */
	"ALTER TABLE notifications ADD COLUMN step INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE notifications ADD COLUMN reason TEXT;"
	"ALTER TABLE notifications ADD COLUMN ack_url TEXT;"
	"ALTER TABLE notifications ADD COLUMN sent_ms INTEGER;"
	"CREATE INDEX notifications_alert ON notifications (alert_id, person);"
	"CREATE INDEX notifications_provider ON notifications (provider_id)"
	"  WHERE provider_id IS NOT NULL;"
	"CREATE INDEX notifications_sent ON notifications (sent_ms)"
	"  WHERE sent_ms IS NOT NULL;",
	/* 4: heartbeats: the last ping of each monitor (store-heartbeat.c) */
	"CREATE TABLE heartbeats ("
	"  name TEXT PRIMARY KEY,"
	"  last_ping_ms INTEGER NOT NULL) WITHOUT ROWID;",
	/* 5: ack tokens: each nonce acts once (store-ack.c) */
	"CREATE TABLE ack_tokens ("
	"  nonce TEXT PRIMARY KEY,"
	"  alert_id INTEGER NOT NULL,"
	"  person TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  used_ms INTEGER NOT NULL) WITHOUT ROWID;",
	/*
	 * 6: notes: an outbox row may be about no alert (a handoff note):
	 * alert_id becomes optional (SQLite rebuilds the table for that)
	 * and body holds the note's text.
	 */
	"CREATE TABLE notifications6 ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  alert_id INTEGER REFERENCES alerts (id),"
	"  person TEXT NOT NULL,"
	"  channel TEXT NOT NULL,"
	"  address TEXT NOT NULL,"
	"  attempt INTEGER NOT NULL DEFAULT 0,"
	"  state TEXT NOT NULL DEFAULT 'pending',"
	"  provider_id TEXT,"
	"  last_error TEXT,"
	"  due_ms INTEGER NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  updated_ms INTEGER NOT NULL,"
	"  step INTEGER NOT NULL DEFAULT 0,"
	"  reason TEXT,"
	"  ack_url TEXT,"
	"  sent_ms INTEGER,"
	"  body TEXT,"
	"  CHECK (alert_id IS NOT NULL OR body IS NOT NULL));"
	"INSERT INTO notifications6 (id, alert_id, person, channel, address,"
	"  attempt, state, provider_id, last_error, due_ms, created_ms,"
	"  updated_ms, step, reason, ack_url, sent_ms)"
	"  SELECT id, alert_id, person, channel, address, attempt, state,"
	"  provider_id, last_error, due_ms, created_ms, updated_ms, step,"
	"  reason, ack_url, sent_ms FROM notifications;"
	"DROP TABLE notifications;"
	"ALTER TABLE notifications6 RENAME TO notifications;"
	"CREATE INDEX notifications_due ON notifications (state, due_ms);"
	"CREATE INDEX notifications_alert ON notifications (alert_id, person);"
	"CREATE INDEX notifications_provider ON notifications (provider_id)"
	"  WHERE provider_id IS NOT NULL;"
	"CREATE INDEX notifications_sent ON notifications (sent_ms)"
	"  WHERE sent_ms IS NOT NULL;",
	/*
	 * 7: the outbox's queue: rows by state, channel and address, oldest
	 * first, so that a pass finds each address with pending rows and
	 * reads the few it sends, never the whole backlog (store-outbox.c).
	 * It replaces the index by state and due instant, which nothing
	 * reads any more.
	 */
	"DROP INDEX notifications_due;"
	"CREATE INDEX notifications_queue ON notifications"
	"  (state, channel, address, due_ms);",
	/*
	 * 8: what each notification tells (page, escalated, reminder,
	 * breach, acknowledged, resolved, note) and for which stage, so
	 * that a message carrying several says each alert's own; rows
	 * written before are named from their reason.
	 */
	"ALTER TABLE notifications ADD COLUMN event TEXT NOT NULL"
	"  DEFAULT 'page';"
	"ALTER TABLE notifications ADD COLUMN stage INTEGER NOT NULL"
	"  DEFAULT 0;"
	"UPDATE notifications SET event = CASE"
	"  WHEN alert_id IS NULL THEN 'note'"
	"  WHEN reason LIKE 'acknowledged by %' THEN 'acknowledged'"
	"  WHEN reason LIKE 'resolved by %' THEN 'resolved'"
	"  WHEN reason LIKE 'reminder%' THEN 'reminder'"
	"  WHEN reason LIKE 'SLA breach%' THEN 'breach'"
	"  ELSE 'page' END;",
	/*
	 * 9: breaches: one row per missed SLA deadline (store-breach.c),
	 * with the instant its clock stopped (NULL while it runs), so that
	 * its lateness is read from typed columns and is final once the
	 * alert is acknowledged, noted or resolved.  Breaches recorded
	 * before come from the alerts' own columns: the clocks flagged in
	 * sla_breached, recorded at their deadline (as the audit log has
	 * them) and stopped as each clock's goal says.
	 */
	"CREATE TABLE breaches ("
	"  alert_id INTEGER NOT NULL REFERENCES alerts (id),"
	"  clock TEXT NOT NULL"
	"    CHECK (clock IN ('response', 'first_response', 'resolution')),"
	"  due_ms INTEGER NOT NULL,"
	"  breached_ms INTEGER NOT NULL,"
	"  stopped_ms INTEGER,"
	"  PRIMARY KEY (alert_id, clock));"
	"INSERT INTO breaches"
	"  (alert_id, clock, due_ms, breached_ms, stopped_ms)"
	"  SELECT id, 'response', sla_response_due_ms, sla_response_due_ms,"
	"  CASE WHEN acknowledged_ms IS NOT NULL AND (resolved_ms IS NULL OR"
	"    acknowledged_ms <= resolved_ms) THEN acknowledged_ms"
	"    ELSE resolved_ms END"
	"  FROM alerts WHERE (sla_breached & 1) != 0"
	"  AND sla_response_due_ms IS NOT NULL;"
	"INSERT INTO breaches"
	"  (alert_id, clock, due_ms, breached_ms, stopped_ms)"
	"  SELECT id, 'first_response', sla_first_response_due_ms,"
	"  sla_first_response_due_ms,"
	"  CASE WHEN first_response_ms IS NOT NULL AND (resolved_ms IS NULL OR"
	"    first_response_ms <= resolved_ms) THEN first_response_ms"
	"    ELSE resolved_ms END"
	"  FROM alerts WHERE (sla_breached & 2) != 0"
	"  AND sla_first_response_due_ms IS NOT NULL;"
	"INSERT INTO breaches"
	"  (alert_id, clock, due_ms, breached_ms, stopped_ms)"
	"  SELECT id, 'resolution', sla_resolution_due_ms,"
	"  sla_resolution_due_ms, resolved_ms"
	"  FROM alerts WHERE (sla_breached & 4) != 0"
	"  AND sla_resolution_due_ms IS NOT NULL;",
	/*
	 * 10: provider callbacks already taken (store-ack.c): the
	 * MessageSid of an inbound SMS, the CallSid and digits of a
	 * keypress, so that a signed request delivered again acts only
	 * once.  Rows are kept 24 hours; the index on seen_ms makes their
	 * pruning a short range scan.
	 */
	"CREATE TABLE hook_deliveries ("
	"  hook_key TEXT PRIMARY KEY,"
	"  alert_id INTEGER,"
	"  actor TEXT NOT NULL,"
	"  seen_ms INTEGER NOT NULL);"
	"CREATE INDEX hook_deliveries_seen ON hook_deliveries (seen_ms);",
	/*
	 * 11: the same tables, with their CHECKs on a list of names
	 * written as comparisons: SQLite evaluates "x IN ('a', 'b')" in a
	 * CHECK through a temporary table built at every insert or status
	 * change (about a tenth of the CPU of taking an alert).  A table's
	 * constraints can only change by copying it (SQLite's "making
	 * other kinds of table schema changes"; foreign keys are off
	 * while migrations run, see store_migrate).  Ids, their sequence
	 * and the indexes stay as they were.
	 */
	"CREATE TABLE alerts_new ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  dedup_key TEXT NOT NULL,"
	"  service TEXT NOT NULL,"
	"  priority INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 4),"
	"  summary TEXT NOT NULL,"
	"  source TEXT,"
	"  details TEXT,"
	"  links TEXT,"
	"  integration TEXT,"
	"  status TEXT NOT NULL DEFAULT 'triggered'"
	"    CHECK (status = 'triggered' OR status = 'acknowledged'"
	"    OR status = 'resolved'),"
	"  stage INTEGER NOT NULL DEFAULT 1,"
	"  count INTEGER NOT NULL DEFAULT 1,"
	"  created_ms INTEGER NOT NULL,"
	"  updated_ms INTEGER NOT NULL,"
	"  acknowledged_ms INTEGER,"
	"  first_response_ms INTEGER,"
	"  resolved_ms INTEGER,"
	"  policy TEXT,"
	"  stage_started_ms INTEGER,"
	"  stage_ack_due_ms INTEGER,"
	"  stage_resolve_due_ms INTEGER,"
	"  repeats_done INTEGER NOT NULL DEFAULT 0,"
	"  sla_response_due_ms INTEGER,"
	"  sla_first_response_due_ms INTEGER,"
	"  sla_resolution_due_ms INTEGER,"
	"  sla_reminded INTEGER NOT NULL DEFAULT 0,"
	"  sla_breached INTEGER NOT NULL DEFAULT 0,"
	"  next_due_ms INTEGER,"
	"  max_stage INTEGER NOT NULL DEFAULT 1);"
	"INSERT INTO alerts_new (id, dedup_key, service, priority, summary,"
	"  source, details, links, integration, status, stage, count,"
	"  created_ms, updated_ms, acknowledged_ms, first_response_ms,"
	"  resolved_ms, policy, stage_started_ms, stage_ack_due_ms,"
	"  stage_resolve_due_ms, repeats_done, sla_response_due_ms,"
	"  sla_first_response_due_ms, sla_resolution_due_ms, sla_reminded,"
	"  sla_breached, next_due_ms, max_stage)"
	"  SELECT id, dedup_key, service, priority, summary,"
	"  source, details, links, integration, status, stage, count,"
	"  created_ms, updated_ms, acknowledged_ms, first_response_ms,"
	"  resolved_ms, policy, stage_started_ms, stage_ack_due_ms,"
	"  stage_resolve_due_ms, repeats_done, sla_response_due_ms,"
	"  sla_first_response_due_ms, sla_resolution_due_ms, sla_reminded,"
	"  sla_breached, next_due_ms, max_stage FROM alerts;"
	"UPDATE sqlite_sequence SET seq = max(seq, (SELECT seq FROM"
	"  sqlite_sequence WHERE name = 'alerts')) WHERE name = 'alerts_new';"
	"DROP TABLE alerts;"
	"ALTER TABLE alerts_new RENAME TO alerts;"
	"CREATE UNIQUE INDEX alerts_open_dedup ON alerts (service, dedup_key)"
	"  WHERE status != 'resolved';"
	"CREATE INDEX alerts_status ON alerts (status, id);"
	"CREATE TABLE breaches_new ("
	"  alert_id INTEGER NOT NULL REFERENCES alerts (id),"
	"  clock TEXT NOT NULL"
	"    CHECK (clock = 'response' OR clock = 'first_response'"
	"    OR clock = 'resolution'),"
	"  due_ms INTEGER NOT NULL,"
	"  breached_ms INTEGER NOT NULL,"
	"  stopped_ms INTEGER,"
	"  PRIMARY KEY (alert_id, clock));"
	"INSERT INTO breaches_new (alert_id, clock, due_ms, breached_ms,"
	"  stopped_ms) SELECT alert_id, clock, due_ms, breached_ms, stopped_ms"
	"  FROM breaches;"
	"DROP TABLE breaches;"
	"ALTER TABLE breaches_new RENAME TO breaches;",
	/*
	 * 12: the audit log without AUTOINCREMENT.  Every insert into an
	 * AUTOINCREMENT table reads and rewrites its row of
	 * sqlite_sequence: a third of the cost of an audit row, and an
	 * alert writes three or more.  Audit rows are never deleted (the
	 * trigger), so the largest id only grows and a plain INTEGER
	 * PRIMARY KEY (largest + 1) never gives an id twice.  Ids, the
	 * foreign key, the index and the append-only triggers stay.
	 */
	"CREATE TABLE events_new ("
	"  id INTEGER PRIMARY KEY,"
	"  alert_id INTEGER REFERENCES alerts (id),"
	"  at_ms INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  detail TEXT NOT NULL DEFAULT '{}');"
	"INSERT INTO events_new (id, alert_id, at_ms, actor, kind, detail)"
	"  SELECT id, alert_id, at_ms, actor, kind, detail FROM events;"
	"DROP TABLE events;"
	"ALTER TABLE events_new RENAME TO events;"
	"DELETE FROM sqlite_sequence WHERE name IN ('events', 'events_new');"
	"CREATE INDEX events_alert ON events (alert_id, id);"
	"CREATE TRIGGER events_no_update BEFORE UPDATE ON events"
	"  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
	"CREATE TRIGGER events_no_delete BEFORE DELETE ON events"
	"  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
	/*
	 * 13: the facts that only the audit log's JSON held, in typed
	 * tables (store-facts.c), so that no query reads JSON: pages, who
	 * each alert paged (a person id, or "chat:NAME") and when first,
	 * one row per alert and recipient; alert_notes, the text of each
	 * note, in the order taken.  They are filled from the audit
	 * events of kind "page" (detail.to) and "note" (detail.text) so
	 * that an upgraded store answers as before.  That backfill reads
	 * JSON with SQLite's json_valid(), json_type() and json_extract():
	 * this is the only place they are used, and a store on another
	 * database has these tables from its start and needs no backfill.
	 * A note keeps its audit event's id, and a later one is numbered
	 * past the largest (no AUTOINCREMENT: rows are never deleted).
	 */
	"CREATE TABLE pages ("
	"  alert_id INTEGER NOT NULL REFERENCES alerts (id),"
	"  person TEXT NOT NULL,"
	"  at_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (alert_id, person)) WITHOUT ROWID;"
	"INSERT INTO pages (alert_id, person, at_ms)"
	"  SELECT alert_id, page_to, min(at_ms) FROM (SELECT alert_id, at_ms,"
	"  CASE WHEN json_valid(detail) THEN CASE WHEN"
	"    json_type(detail, '$.to') = 'text' THEN"
	"    json_extract(detail, '$.to') END END AS page_to"
	"  FROM events WHERE kind = 'page' AND alert_id IS NOT NULL)"
	"  WHERE page_to IS NOT NULL GROUP BY alert_id, page_to;"
	"CREATE TABLE alert_notes ("
	"  id INTEGER PRIMARY KEY,"
	"  alert_id INTEGER NOT NULL REFERENCES alerts (id),"
	"  at_ms INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  text TEXT NOT NULL);"
	"CREATE INDEX alert_notes_alert ON alert_notes (alert_id, id);"
	"INSERT INTO alert_notes (id, alert_id, at_ms, actor, text)"
	"  SELECT id, alert_id, at_ms, actor, note FROM (SELECT id, alert_id,"
	"  at_ms, actor, CASE WHEN json_valid(detail) THEN CASE WHEN"
	"    json_type(detail, '$.text') = 'text' THEN"
	"    json_extract(detail, '$.text') END END AS note"
	"  FROM events WHERE kind = 'note' AND alert_id IS NOT NULL)"
	"  WHERE note IS NOT NULL;",
	/*
	 * 14: retention (store-retention.c).  What the reports need of an
	 * alert removed for its age: the stats columns of the alert, its
	 * breaches, and its outbox rows counted by channel and state.  The
	 * audit log's delete trigger now lets an event go while retention_run
	 * (filled and emptied inside the retention's own transaction)
	 * names a cutoff the event is older than, and never otherwise.
	 */
	"CREATE TABLE archived_alerts ("
	"  id INTEGER PRIMARY KEY,"
	"  service TEXT NOT NULL,"
	"  dedup_key TEXT NOT NULL,"
	"  summary TEXT NOT NULL,"
	"  integration TEXT,"
	"  priority INTEGER NOT NULL,"
	"  count INTEGER NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  acknowledged_ms INTEGER,"
	"  first_response_ms INTEGER,"
	"  resolved_ms INTEGER,"
	"  sla_response_due_ms INTEGER,"
	"  sla_first_response_due_ms INTEGER,"
	"  sla_resolution_due_ms INTEGER,"
	"  sla_breached INTEGER NOT NULL,"
	"  max_stage INTEGER NOT NULL);"
	"CREATE INDEX archived_alerts_created ON archived_alerts (created_ms);"
	"CREATE TABLE archived_breaches ("
	"  alert_id INTEGER NOT NULL REFERENCES archived_alerts (id),"
	"  clock TEXT NOT NULL,"
	"  due_ms INTEGER NOT NULL,"
	"  breached_ms INTEGER NOT NULL,"
	"  stopped_ms INTEGER,"
	"  PRIMARY KEY (alert_id, clock)) WITHOUT ROWID;"
	"CREATE TABLE archived_deliveries ("
	"  alert_id INTEGER NOT NULL REFERENCES archived_alerts (id),"
	"  channel TEXT NOT NULL,"
	"  state TEXT NOT NULL,"
	"  n INTEGER NOT NULL,"
	"  PRIMARY KEY (alert_id, channel, state)) WITHOUT ROWID;"
	"CREATE TABLE retention_run (cutoff_ms INTEGER NOT NULL);"
	"DROP TRIGGER events_no_delete;"
	"CREATE TRIGGER events_no_delete BEFORE DELETE ON events"
	"  WHEN NOT EXISTS (SELECT 1 FROM retention_run r"
	"    WHERE old.at_ms < r.cutoff_ms)"
	"  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
	/*
	 * 15: PagerDuty Events v2 context (store-context.c): the images,
	 * client and client_url of an alert's first trigger, one row per
	 * alert that had any (its links are in alerts.links); and change
	 * events, per service, shown beside the alerts raised after them.
	 * Changes older than 90 days are pruned as new ones come.
	 */
	"CREATE TABLE alert_context ("
	"  alert_id INTEGER PRIMARY KEY"
	"    REFERENCES alerts (id) ON DELETE CASCADE,"
	"  images TEXT,"
	"  client TEXT,"
	"  client_url TEXT);"
	"CREATE TABLE changes ("
	"  id INTEGER PRIMARY KEY,"
	"  service TEXT NOT NULL,"
	"  at_ms INTEGER NOT NULL,"
	"  received_ms INTEGER NOT NULL,"
	"  summary TEXT NOT NULL,"
	"  source TEXT,"
	"  details TEXT,"
	"  links TEXT,"
	"  integration TEXT);"
	"CREATE INDEX changes_service ON changes (service, at_ms);"
	"CREATE INDEX changes_received ON changes (received_ms);",
	/*
	 * 16: who was on call for each rota when pagerd last looked
	 * (store-handoff.c), so a shift change while pagerd was stopped
	 * still hands off at the next start.
	 */
	"CREATE TABLE oncall_seen ("
	"  rota TEXT PRIMARY KEY,"
	"  people TEXT NOT NULL,"
	"  at_ms INTEGER NOT NULL) WITHOUT ROWID;",
};

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
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_FIND_OPEN] = "SELECT id, status, priority FROM alerts"
	    " WHERE service = ?1 AND dedup_key = ?2 AND status != 'resolved'",
	[ST_INSERT_ALERT] = "INSERT INTO alerts (dedup_key, service, priority,"
	    " summary, source, details, links, integration, created_ms,"
	    " updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
	[ST_BUMP_DUPLICATE] = "UPDATE alerts SET count = count + 1,"
	    " updated_ms = ?2, priority = min(priority, ?3) WHERE id = ?1"
	    " RETURNING count",
	[ST_INSERT_EVENT] = "INSERT INTO events (alert_id, at_ms, actor, kind,"
	    " detail) VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_GET_ALERT] = "SELECT id, dedup_key, service, priority, summary,"
	    " source, details, links, integration, status, stage, count,"
	    " created_ms, updated_ms, acknowledged_ms, first_response_ms,"
	    " resolved_ms, sla_response_due_ms, sla_first_response_due_ms,"
	    " sla_resolution_due_ms, sla_breached FROM alerts WHERE id = ?1",
	[ST_EVENTS] = "SELECT id, alert_id, at_ms, actor, kind, detail"
	    " FROM events WHERE alert_id = ?1 ORDER BY id",
	[ST_COUNT] = "SELECT count(*) FROM alerts",
};

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
		xasprintf(cause, "%s: %s", what, sqlite3_errmsg(s->db));
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
 * The references a migration left dangling: 0 if there are none, else -1
 * with *err (sqlite3_malloc'd) naming the first.  Rows that dangled
 * before the migration would be reported too; foreign keys are on at
 * every other time, so there are none.
 */
static int
store_migrate_fk_check(struct store *s, char **err)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "PRAGMA foreign_key_check", -1, &st,
	    NULL) != SQLITE_OK) {
		*err = sqlite3_mprintf("%s", sqlite3_errmsg(s->db));
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*err = sqlite3_mprintf("row %lld of %s refers to a missing"
		    " row of %s", sqlite3_column_int64(st, 1),
		    sqlite3_column_text(st, 0), sqlite3_column_text(st, 2));
	else if (rc != SQLITE_DONE)
		*err = sqlite3_mprintf("%s", sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
store_migrate(struct store *s, char **cause)
{
	sqlite3_stmt *st;
	int version, i, rc = -1;
	char *err = NULL, *sql;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st,
	    NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		store_cause(s, cause, "reading schema version");
		sqlite3_finalize(st);
		return -1;
	}
	version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version > (int)nitems(store_migrations)) {
		xasprintf(cause, "%s: schema version %d is newer than this"
		    " pagerd knows (%zu)", s->path, version,
		    nitems(store_migrations));
		return -1;
	}
	if (version == (int)nitems(store_migrations))
		return 0;
	/*
	 * A migration that copies a table drops the old one, which foreign
	 * keys would refuse (or cascade): they are off while migrations
	 * run (this cannot change inside a transaction), and each
	 * migration checks before COMMIT that it broke no reference.
	 */
	if (sqlite3_exec(s->db, "PRAGMA foreign_keys = OFF", NULL, NULL,
	    &err) != SQLITE_OK)
		goto fail;
	for (i = version; i < (int)nitems(store_migrations); i++) {
		xasprintf(&sql, "BEGIN IMMEDIATE; %s;", store_migrations[i]);
		rc = sqlite3_exec(s->db, sql, NULL, NULL, &err);
		free(sql);
		if (rc == SQLITE_OK && store_migrate_fk_check(s, &err) != 0)
			rc = SQLITE_CONSTRAINT;
		if (rc == SQLITE_OK) {
			xasprintf(&sql, "PRAGMA user_version = %d; COMMIT;",
			    i + 1);
			rc = sqlite3_exec(s->db, sql, NULL, NULL, &err);
			free(sql);
		}
		if (rc != SQLITE_OK) {
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			xasprintf(cause, "%s: migration %d: %s", s->path, i + 1,
			    err != NULL ? err : sqlite3_errmsg(s->db));
			sqlite3_free(err);
			err = NULL;
			rc = -1;
			goto out;
		}
		log_info("store: schema migrated to version %d", i + 1);
	}
	rc = 0;
out:
	if (sqlite3_exec(s->db, "PRAGMA foreign_keys = ON", NULL, NULL,
	    &err) != SQLITE_OK && rc == 0)
		goto fail;
	return rc;
fail:
	xasprintf(cause, "%s: %s", s->path, err != NULL ? err :
	    sqlite3_errmsg(s->db));
	sqlite3_free(err);
	return -1;
}

/* The answer to PRAGMA journal_mode: is the database in WAL mode? */
static int
store_journal_cb(void *arg, int n, char **v, char **names)
{
	struct store *s = arg;

	if (n == 1 && v[0] != NULL)
		s->wal = strcmp(v[0], "wal") == 0;
	return 0;
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

/*
 * Open (creating if needed) the store in folder dir.  Its files are
 * created 0600 whatever the umask pagerd was started with or the mode
 * of an existing dir: umask(077) covers the database, and SQLite gives
 * the -wal and -shm files the database's own mode.
 */
struct store *
store_open(const char *dir, char **cause)
{
	struct store *s;
	char *err = NULL;
	mode_t mask;
	int i, rc;

	/*
	 * pagerd does not read SQLite's memory statistics; without them
	 * each of SQLite's allocations skips a global mutex.  Fails (and is
	 * harmless) once SQLite is initialised.
	 */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	mask = umask(077);
	if (store_mkdirs(dir, cause) != 0) {
		umask(mask);
		return NULL;
	}
	store_tighten(dir);
	s = xcalloc(1, sizeof *s);
	xasprintf(&s->path, "%s/pagerd.db", dir);
	xasprintf(&s->wal_path, "%s-wal", s->path);
	s->wal_fd = -1;
	s->full_sync = 1;
	rc = sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(s->db, "PRAGMA journal_mode = WAL;",
		    store_journal_cb, s, &err);
	umask(mask);
	if (rc != SQLITE_OK) {
		xasprintf(cause, "%s: %s", s->path, err != NULL ? err :
		    s->db != NULL ? sqlite3_errmsg(s->db) : "cannot open");
		sqlite3_free(err);
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, 5000);
	if (sqlite3_exec(s->db, "PRAGMA foreign_keys = ON;", NULL, NULL,
	    &err) != SQLITE_OK) {
		xasprintf(cause, "%s: %s", s->path, err);
		sqlite3_free(err);
		goto fail;
	}
	/*
	 * In WAL mode, FULL differs from NORMAL only by a sync of the WAL
	 * at each commit, which store-sync.c does instead.  A file system
	 * without WAL support keeps SQLite's own FULL.
	 */
	if (sqlite3_exec(s->db, s->wal ? "PRAGMA synchronous = NORMAL" :
	    "PRAGMA synchronous = FULL", NULL, NULL, &err) != SQLITE_OK) {
		xasprintf(cause, "%s: %s", s->path, err);
		sqlite3_free(err);
		goto fail;
	}
	if (!s->wal)
		log_warnx("store: %s is not in WAL mode", s->path);
	if (store_migrate(s, cause) != 0)
		goto fail;
	for (i = 0; i < ST_MAX; i++) {
		if (sqlite3_prepare_v3(s->db, store_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &s->stmt[i], NULL) != SQLITE_OK) {
			xasprintf(cause, "%s: preparing \"%s\": %s", s->path,
			    store_sql[i], sqlite3_errmsg(s->db));
			goto fail;
		}
	}
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
	store_sync_stop(s);
	if (s->wal_fd != -1)
		close(s->wal_fd);
	for (i = 0; i < ST_MAX; i++)
		sqlite3_finalize(s->stmt[i]);
	for (i = 0; i < (int)s->ncache; i++)
		sqlite3_finalize(s->cache[i].stmt);
	free(s->cache);
	if (s->db != NULL)
		sqlite3_close(s->db);
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
	s->full_sync = full && s->wal;
}

/*
 * The prepared statement for sql, prepared on first use and kept until
 * the store closes.  sql must be a string constant: it is looked up by
 * address.  Returns NULL (and logs) if it does not compile.
 */
sqlite3_stmt *
store_stmt(struct store *s, const char *sql)
{
	sqlite3_stmt *st;
	size_t i;

	for (i = 0; i < s->ncache; i++)
		if (s->cache[i].sql == sql)
			return s->cache[i].stmt;
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
	    NULL) != SQLITE_OK) {
		log_warnx("store: preparing \"%s\": %s", sql,
		    sqlite3_errmsg(s->db));
		return NULL;
	}
	s->cache = xreallocarray(s->cache, s->ncache + 1, sizeof *s->cache);
	s->cache[s->ncache].sql = sql;
	s->cache[s->ncache++].stmt = st;
	return st;
}

/*
 * Step a statement that returns no rows, then reset it and clear its
 * parameters (so that text bound with store_bind_text_static() is not
 * referred to after the step).
 */
int
store_step_done(struct store *s, sqlite3_stmt *st, char **cause)
{
	int rc;

	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		store_cause(s, cause, sqlite3_sql(st));
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return -1;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
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
	return store_step_done(s, s->stmt[ST_BEGIN], cause);
}

/* Microseconds on the monotonic clock, for the commit metrics. */
int64_t
store_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* COMMIT, leaving the sync to the caller. */
int
store_commit_nosync(struct store *s, char **cause)
{
	return store_step_done(s, s->stmt[ST_COMMIT], cause);
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
	if (!sqlite3_get_autocommit(s->db))
		store_step_done(s, s->stmt[ST_ROLLBACK], NULL);
}

void
store_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

/*
 * Bind v without copying it, for a statement that store_step_done()
 * runs next (or that is reset and cleared before v goes): on the intake
 * path each copy was a malloc and a free.
 */
void
store_bind_text_static(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

/* Append one audit event; detail is JSON object text (NULL: {}). */
int
store_event_add(struct store *s, int64_t alert_id, int64_t at_ms,
    const char *actor, const char *kind, const char *detail, char **cause)
{
	sqlite3_stmt *st = s->stmt[ST_INSERT_EVENT];

	if (alert_id > 0)
		sqlite3_bind_int64(st, 1, alert_id);
	else
		sqlite3_bind_null(st, 1);
	sqlite3_bind_int64(st, 2, at_ms);
	store_bind_text_static(st, 3, actor);
	store_bind_text_static(st, 4, kind);
	store_bind_text_static(st, 5, detail != NULL ? detail : "{}");
	return store_step_done(s, st, cause);
}

/*
 * Record one posted alert, inside the caller's transaction.  If an open
 * alert of the same service has the same dedup_key, fold this one into
 * it: count it, raise its priority if this one is higher, and log an
 * audit event; otherwise insert a new alert and log "triggered".
 */
int
store_alert_raise(struct store *s, const struct alert_new *an, int64_t now,
    struct store_raise *r, char **cause)
{
	sqlite3_stmt *st;
	char keybuf[33], *detail;
	const char *key = an->dedup_key, *actor;
	uint8_t rnd[16];
	int rc, oldprio;
	int64_t count;

	memset(r, 0, sizeof *r);
	actor = an->integration != NULL ? an->integration : "api";
	if (key == NULL) {
		hmac_random(rnd, sizeof rnd);
		hmac_hex_encode(rnd, sizeof rnd, keybuf);
		key = keybuf;
	}

	st = s->stmt[ST_FIND_OPEN];
	store_bind_text(st, 1, an->service);
	store_bind_text(st, 2, key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		r->id = sqlite3_column_int64(st, 0);
		alert_status_parse((const char *)sqlite3_column_text(st, 1),
		    &r->status);
		oldprio = sqlite3_column_int(st, 2);
		sqlite3_reset(st);

		st = s->stmt[ST_BUMP_DUPLICATE];
		sqlite3_bind_int64(st, 1, r->id);
		sqlite3_bind_int64(st, 2, now);
		sqlite3_bind_int(st, 3, an->priority);
		if (sqlite3_step(st) != SQLITE_ROW) {
			store_cause(s, cause, "folding duplicate");
			sqlite3_reset(st);
			return -1;
		}
		count = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		r->duplicate = 1;
		xasprintf(&detail, "{\"count\":%" PRId64 ",\"priority\":\"%s\"}",
		    count, alert_priority_name(an->priority));
		rc = store_event_add(s, r->id, now, actor, "duplicate", detail,
		    cause);
		free(detail);
		if (rc != 0)
			return -1;
		if (an->priority < oldprio) {
			r->priority_raised = 1;
			xasprintf(&detail, "{\"from\":\"%s\",\"to\":\"%s\"}",
			    alert_priority_name(oldprio),
			    alert_priority_name(an->priority));
			rc = store_event_add(s, r->id, now, actor,
			    "priority_raised", detail, cause);
			free(detail);
			if (rc != 0)
				return -1;
		}
		r->dedup_key = xstrdup(key);
		return 0;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_cause(s, cause, "looking up dedup key");
		return -1;
	}

	st = s->stmt[ST_INSERT_ALERT];
	store_bind_text_static(st, 1, key);
	store_bind_text_static(st, 2, an->service);
	sqlite3_bind_int(st, 3, an->priority);
	store_bind_text_static(st, 4, an->summary);
	store_bind_text_static(st, 5, an->source);
	store_bind_text_static(st, 6, an->details);
	store_bind_text_static(st, 7, an->links);
	store_bind_text_static(st, 8, an->integration);
	sqlite3_bind_int64(st, 9, now);
	if (store_step_done(s, st, cause) != 0)
		return -1;
	r->id = sqlite3_last_insert_rowid(s->db);
	r->status = ALERT_TRIGGERED;
	xasprintf(&detail, "{\"priority\":\"%s\"}",
	    alert_priority_name(an->priority));
	rc = store_event_add(s, r->id, now, actor, "triggered", detail, cause);
	free(detail);
	if (rc != 0)
		return -1;
	r->dedup_key = xstrdup(key);
	return 0;
}

char *
store_column_strdup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t != NULL ? xstrdup((const char *)t) : NULL;
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
	sqlite3_stmt *q = store_stmt(s, sql);
	int rc;

	*out = NULL;
	*n = 0;
	if (q == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, id);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		*out = xreallocarray(*out, *n + 1, sizeof **out);
		(*out)[(*n)++] = store_column_strdup(q, 0);
	}
	sqlite3_reset(q);
	if (rc != SQLITE_DONE) {
		log_warnx("store: %s: %s", what, sqlite3_errmsg(s->db));
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
store_alert_row(sqlite3_stmt *st)
{
	struct alert *a = xcalloc(1, sizeof *a);
	int i;

	a->id = sqlite3_column_int64(st, 0);
	a->dedup_key = store_column_strdup(st, 1);
	a->service = store_column_strdup(st, 2);
	a->priority = sqlite3_column_int(st, 3);
	a->summary = store_column_strdup(st, 4);
	a->source = store_column_strdup(st, 5);
	a->details = store_column_strdup(st, 6);
	a->links = store_column_strdup(st, 7);
	a->integration = store_column_strdup(st, 8);
	alert_status_parse((const char *)sqlite3_column_text(st, 9),
	    &a->status);
	a->stage = sqlite3_column_int(st, 10);
	a->count = sqlite3_column_int64(st, 11);
	a->created_ms = sqlite3_column_int64(st, 12);
	a->updated_ms = sqlite3_column_int64(st, 13);
	a->acknowledged_ms = sqlite3_column_int64(st, 14);
	a->first_response_ms = sqlite3_column_int64(st, 15);
	a->resolved_ms = sqlite3_column_int64(st, 16);
	for (i = 0; i < ALERT_SLA_CLOCKS; i++)
		a->sla_due_ms[i] = sqlite3_column_int64(st, 17 + i);
	a->sla_breached = (unsigned)sqlite3_column_int(st, 20);
	return a;
}

/* One alert by id, or NULL. */
struct alert *
store_alert_get(struct store *s, int64_t id)
{
	sqlite3_stmt *st = s->stmt[ST_GET_ALERT];
	struct alert *a = NULL;

	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		a = store_alert_row(st);
	sqlite3_reset(st);
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
	sqlite3_stmt *st;
	struct alert **list = NULL;
	size_t count = 0;
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT " STORE_ALERT_COLUMNS
	    " FROM alerts WHERE (?1 IS NULL OR status = ?1)"
	    " AND (?2 IS NULL OR service = ?2)"
	    " AND (?3 = 0 OR priority = ?3)"
	    " AND (?4 = 0 OR id < ?4) ORDER BY id DESC LIMIT ?5", -1, &st,
	    NULL) != SQLITE_OK) {
		log_warnx("store: %s", sqlite3_errmsg(s->db));
		return -1;
	}
	store_bind_text(st, 1, f->status < 0 ? NULL :
	    alert_status_name(f->status));
	store_bind_text(st, 2, f->service);
	sqlite3_bind_int(st, 3, f->priority);
	sqlite3_bind_int64(st, 4, f->before_id);
	sqlite3_bind_int(st, 5, f->limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		list = xreallocarray(list, count + 1, sizeof *list);
		list[count++] = store_alert_row(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
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
	sqlite3_stmt *st = s->stmt[ST_EVENTS];
	struct store_event *list = NULL, *e;
	size_t count = 0;
	int rc;

	sqlite3_bind_int64(st, 1, alert_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		list = xreallocarray(list, count + 1, sizeof *list);
		e = &list[count++];
		e->id = sqlite3_column_int64(st, 0);
		e->alert_id = sqlite3_column_int64(st, 1);
		e->at_ms = sqlite3_column_int64(st, 2);
		e->actor = store_column_strdup(st, 3);
		e->kind = store_column_strdup(st, 4);
		e->detail = store_column_strdup(st, 5);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
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
	sqlite3_stmt *st = s->stmt[ST_COUNT];
	int64_t n = -1;

	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n;
}

/* The id of the open alert of service with dedup_key; 0 if none. */
int64_t
store_alert_find_open(struct store *s, const char *service, const char *key)
{
	sqlite3_stmt *st = s->stmt[ST_FIND_OPEN];
	int64_t id = 0;

	store_bind_text(st, 1, service);
	store_bind_text(st, 2, key);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return id;
}

/* 0 if the database answers a query. */
int
store_ping(struct store *s)
{
	if (s->sync_failed)
		return -1;
	return store_alert_count(s) < 0 ? -1 : 0;
}
