/* SPDX-License-Identifier: ISC */
/*
 * store-migrations.c: the store's SQLite schema, as the list of
 * migrations that build it; store-db-sqlite.c runs them on open.  The
 * schema is versioned with PRAGMA user_version: migration i brings it
 * from i to i + 1.
 */
#include <stdlib.h>

#include "log.h"
#include "store-private.h"
#include "store.h"
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
	/*
	 * 17: the link to the ticket a mapped integration's alert came
	 * from (a helpdesk's), kept with the trigger's context.
	 */
	"ALTER TABLE alert_context ADD COLUMN external_url TEXT;",
	/*
	 * 18: silences (store-silence.c): their matchers (JSON text, as
	 * silence_matchers_json() writes them), window and who made them
	 * (window: the pagerd.conf maintenance window whose occurrence it
	 * is, NULL for one of the API); expired_ms is set when one is
	 * expired early.  alert_silences holds the alerts a silence kept
	 * from paging: released_ms when the silence ended, paged if the
	 * alert's escalation then began.  An archived alert keeps whether
	 * a silence held it (the reports leave those out of SLA
	 * attainment).
	 */
	"CREATE TABLE silences ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  matchers TEXT NOT NULL,"
	"  starts_ms INTEGER NOT NULL,"
	"  ends_ms INTEGER NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  expired_ms INTEGER,"
	"  comment TEXT NOT NULL,"
	"  creator TEXT NOT NULL,"
	"  page_on_expiry INTEGER NOT NULL,"
	"  window TEXT);"
	"CREATE INDEX silences_ends ON silences (ends_ms);"
	"CREATE INDEX silences_window ON silences (window, starts_ms);"
	"CREATE TABLE alert_silences ("
	"  alert_id INTEGER PRIMARY KEY"
	"    REFERENCES alerts (id) ON DELETE CASCADE,"
	"  silence_id INTEGER NOT NULL REFERENCES silences (id),"
	"  held_ms INTEGER NOT NULL,"
	"  released_ms INTEGER,"
	"  paged INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX alert_silences_silence ON alert_silences (silence_id);"
	"ALTER TABLE archived_alerts ADD COLUMN silenced INTEGER NOT NULL"
	"  DEFAULT 0;",
	/*
	 * 19: the state changes of alerts posted back to their
	 * integration's callback (store-callback.c): one row per audit
	 * event to post, written in the transaction of the change; sent in
	 * id order per alert, its body kept once built so that every
	 * attempt posts the same bytes.
	 */
	"CREATE TABLE callbacks ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  alert_id INTEGER NOT NULL REFERENCES alerts (id),"
	"  event_id INTEGER NOT NULL REFERENCES events (id),"
	"  integration TEXT NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'pending'"
	"    CHECK (state IN ('pending', 'delivered', 'dropped')),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  due_ms INTEGER NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  updated_ms INTEGER NOT NULL,"
	"  body TEXT,"
	"  last_error TEXT);"
	"CREATE INDEX callbacks_pending ON callbacks (alert_id, id)"
	"  WHERE state = 'pending';",
	/*
	 * 20: snooze (store-engine.c): until when an acknowledged alert is
	 * snoozed, part of its escalation state; NULL when it is not.
	 */
	"ALTER TABLE alerts ADD COLUMN snooze_until_ms INTEGER;",
	/*
	 * 21: the outbox under a storm (store-outbox.c).  send_id: the
	 * message a notification went out in: a message's rows move to
	 * "sending" and then to "sent" in one statement each, by this id,
	 * not one statement per row.  later: a page's later rules (SMS
	 * after a minute, ...), rows only once they fall due, at later_ms
	 * (outbox-later.c), kept on one of the page's rows.
	 */
	"ALTER TABLE notifications ADD COLUMN send_id INTEGER;"
	"ALTER TABLE notifications ADD COLUMN later TEXT;"
	"ALTER TABLE notifications ADD COLUMN later_ms INTEGER;"
	"CREATE INDEX notifications_later ON notifications (later_ms)"
	"  WHERE later_ms IS NOT NULL;",
	/*
	 * 22: high availability (lease.c, store-lease.c).  The leader's
	 * lease is PostgreSQL's alone (on SQLite the one node always
	 * leads): the table is here so that both schemas are the same.
	 * Alerts a standby took in are written unstarted; the leader
	 * finds them by the partial index.
	 */
	"CREATE TABLE lease ("
	"  name TEXT PRIMARY KEY,"
	"  epoch INTEGER NOT NULL,"
	"  holder TEXT NOT NULL,"
	"  expires_at TEXT NOT NULL);"
	"INSERT INTO lease VALUES ('leader', 0, '', '1970-01-01 00:00:00Z');"
	"CREATE INDEX alerts_unstarted ON alerts (id)"
	"  WHERE stage_started_ms IS NULL AND status != 'resolved';",
	/*
	 * 23: commands (store-command.c): an acknowledgement, resolution,
	 * note, escalation or snooze that reached a standby node, written
	 * there for the leader to carry out; done_ms and result once it
	 * did.  Only several nodes on PostgreSQL write rows.
	 */
	"CREATE TABLE commands ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  alert_id INTEGER NOT NULL,"
	"  kind TEXT NOT NULL CHECK (kind IN ('ack', 'resolve', 'note',"
	"    'escalate', 'snooze')),"
	"  actor TEXT NOT NULL,"
	"  for_whom TEXT,"
	"  via TEXT,"
	"  text TEXT,"
	"  ms INTEGER NOT NULL DEFAULT 0,"
	"  created_ms INTEGER NOT NULL,"
	"  done_ms INTEGER,"
	"  result INTEGER,"
	"  cause TEXT);"
	"CREATE INDEX commands_pending ON commands (id) WHERE done_ms IS NULL;",
	/*
	 * 24: taking an alert writes less.  No index of every alert by
	 * status: each new alert wrote an entry in alerts_status, about a
	 * tenth of the work of taking it (tests/bench/ingest,
	 * CALLGRIND=1), for queries that want open alerts only; those find
	 * them by the partial alerts_open_dedup instead (store-ack.c), and
	 * retention walks resolved alerts by id.  And no AUTOINCREMENT:
	 * each insert read and rewrote the row of sqlite_sequence (another
	 * twentieth).  An id is still never given twice: a new alert takes
	 * the largest id + 1, retention never removes the alert with the
	 * largest id (store-retention.c), and while an id given before
	 * this migration (the sequence's last, kept in alert_id_floor, or
	 * an archived alert's) is larger than any left, new ids start past
	 * it (store.c, store_alert_floor).  The table is copied as in 11,
	 * ids kept.
	 */
	"CREATE TABLE alert_id_floor (id INTEGER NOT NULL);"
	"INSERT INTO alert_id_floor SELECT seq FROM sqlite_sequence"
	"  WHERE name = 'alerts' AND seq IS NOT NULL;"
	"CREATE TABLE alerts_new ("
	"  id INTEGER PRIMARY KEY,"
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
	"  max_stage INTEGER NOT NULL DEFAULT 1,"
	"  snooze_until_ms INTEGER);"
	"INSERT INTO alerts_new (id, dedup_key, service, priority, summary,"
	"  source, details, links, integration, status, stage, count,"
	"  created_ms, updated_ms, acknowledged_ms, first_response_ms,"
	"  resolved_ms, policy, stage_started_ms, stage_ack_due_ms,"
	"  stage_resolve_due_ms, repeats_done, sla_response_due_ms,"
	"  sla_first_response_due_ms, sla_resolution_due_ms, sla_reminded,"
	"  sla_breached, next_due_ms, max_stage, snooze_until_ms)"
	"  SELECT id, dedup_key, service, priority, summary,"
	"  source, details, links, integration, status, stage, count,"
	"  created_ms, updated_ms, acknowledged_ms, first_response_ms,"
	"  resolved_ms, policy, stage_started_ms, stage_ack_due_ms,"
	"  stage_resolve_due_ms, repeats_done, sla_response_due_ms,"
	"  sla_first_response_due_ms, sla_resolution_due_ms, sla_reminded,"
	"  sla_breached, next_due_ms, max_stage, snooze_until_ms FROM alerts;"
	"DROP TABLE alerts;"
	"ALTER TABLE alerts_new RENAME TO alerts;"
	"DELETE FROM sqlite_sequence WHERE name IN ('alerts', 'alerts_new');"
	"CREATE UNIQUE INDEX alerts_open_dedup ON alerts (service, dedup_key)"
	"  WHERE status != 'resolved';"
	"CREATE INDEX alerts_unstarted ON alerts (id)"
	"  WHERE stage_started_ms IS NULL AND status != 'resolved';",
	/*
	 * 25: commands also make and expire silences and carry a
	 * provider's delivery report (store-command.c); SQLite cannot
	 * change a CHECK, so the table is made again, rows kept.
	 */
	"CREATE TABLE commands_new ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  alert_id INTEGER NOT NULL,"
	"  kind TEXT NOT NULL CHECK (kind IN ('ack', 'resolve', 'note',"
	"    'escalate', 'snooze', 'silence_add', 'silence_expire',"
	"    'report')),"
	"  actor TEXT NOT NULL,"
	"  for_whom TEXT,"
	"  via TEXT,"
	"  text TEXT,"
	"  ms INTEGER NOT NULL DEFAULT 0,"
	"  created_ms INTEGER NOT NULL,"
	"  done_ms INTEGER,"
	"  result INTEGER,"
	"  cause TEXT);"
	"INSERT INTO commands_new SELECT id, alert_id, kind, actor, for_whom,"
	"  via, text, ms, created_ms, done_ms, result, cause FROM commands;"
	"DROP TABLE commands;"
	"ALTER TABLE commands_new RENAME TO commands;"
	"CREATE INDEX commands_pending ON commands (id) WHERE done_ms IS NULL;",
	/*
	 * 26: the lease epoch of the leader that wrote an audit event
	 * (store_event_add), NULL if no leader's lease fenced it (SQLite,
	 * a standby's intake): a page sent again across a failover shows
	 * which leader sent each.
	 */
	"ALTER TABLE events ADD COLUMN epoch INTEGER;",
	/*
	 * 27: the outbox under a storm, again (store-outbox.c).  A message
	 * in flight leaves its rows "pending" with send_id set ("sending"
	 * is no longer written), so tagging them writes no index; and the
	 * queue index holds the pending rows only, so a row sent leaves it
	 * rather than moving to another part of it, and the index is as
	 * small as the backlog.  Rows left "sending" are pending again, as
	 * at a start.
	 */
	"UPDATE notifications SET state = 'pending', send_id = NULL"
	"  WHERE state = 'sending';"
	"DROP INDEX notifications_queue;"
	"CREATE INDEX notifications_queue ON notifications"
	"  (channel, address, due_ms) WHERE state = 'pending';",
	/*
	 * 28: notifications without AUTOINCREMENT (store-outbox.c): each
	 * new row read and rewrote sqlite_sequence, about 4,000
	 * instructions of every page under a storm.  A new row's id is the
	 * largest + 1, and retention keeps the alert holding the newest
	 * row (store-retention.c), so the largest only grows.  Ids above
	 * every row left when this runs (rows retention removed before)
	 * may be given again: a notification's id stays inside the store
	 * and the daemon (a message's send_id, the range of its rows),
	 * never in the API or the audit, so nothing tells them apart.  The
	 * rows are copied as they are, ids kept; PostgreSQL's identity
	 * column has no such cost and stays as it is.
	 */
	"CREATE TABLE notifications_new ("
	"  id INTEGER PRIMARY KEY,"
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
	"  event TEXT NOT NULL DEFAULT 'page',"
	"  stage INTEGER NOT NULL DEFAULT 0,"
	"  send_id INTEGER,"
	"  later TEXT,"
	"  later_ms INTEGER,"
	"  CHECK (alert_id IS NOT NULL OR body IS NOT NULL));"
	"INSERT INTO notifications_new (id, alert_id, person, channel, address,"
	"  attempt, state, provider_id, last_error, due_ms, created_ms,"
	"  updated_ms, step, reason, ack_url, sent_ms, body, event, stage,"
	"  send_id, later, later_ms)"
	"  SELECT id, alert_id, person, channel, address, attempt, state,"
	"  provider_id, last_error, due_ms, created_ms, updated_ms, step,"
	"  reason, ack_url, sent_ms, body, event, stage, send_id, later,"
	"  later_ms FROM notifications;"
	"DROP TABLE notifications;"
	"ALTER TABLE notifications_new RENAME TO notifications;"
	"DELETE FROM sqlite_sequence"
	"  WHERE name IN ('notifications', 'notifications_new');"
	"CREATE INDEX notifications_alert ON notifications (alert_id, person);"
	"CREATE INDEX notifications_provider ON notifications (provider_id)"
	"  WHERE provider_id IS NOT NULL;"
	"CREATE INDEX notifications_sent ON notifications (sent_ms)"
	"  WHERE sent_ms IS NOT NULL;"
	"CREATE INDEX notifications_later ON notifications (later_ms)"
	"  WHERE later_ms IS NOT NULL;"
	"CREATE INDEX notifications_queue ON notifications"
	"  (channel, address, due_ms) WHERE state = 'pending';",
	/*
	 * 29: a message in flight is one row here, per channel and address
	 * (store-outbox.c, STORE_NOTE_INFLIGHT), not its rows each tagged
	 * with its id: the pending rows of the address up to its last in
	 * (due_ms, id) order, none above max_id.  Rows are tagged
	 * (send_id) once sent; a row left tagged while pending is pending
	 * again at the next start, as every message in flight is.
	 */
	"CREATE TABLE sends ("
	"  channel TEXT NOT NULL,"
	"  address TEXT NOT NULL,"
	"  send_id INTEGER NOT NULL,"
	"  last_due INTEGER NOT NULL,"
	"  last_id INTEGER NOT NULL,"
	"  max_id INTEGER NOT NULL,"
	"  started_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (channel, address)) WITHOUT ROWID;"
	"UPDATE notifications SET send_id = NULL"
	"  WHERE state = 'pending' AND send_id IS NOT NULL;",
	/*
	 * 30: no index of the alerts not started (22's alerts_unstarted).
	 * On PostgreSQL it made the leader's first save of each alert a
	 * standby took in (stage_started_ms set, a column of the index's
	 * condition) write a new entry in every index of alerts, never a
	 * HOT update (tests/bench/ha, PG_STATS=1); the leader reads the
	 * range of ids the standby's NOTIFY gives, and its look every
	 * second the ids above those it saw a while ago
	 * (store_engine_unstarted), by the primary key.  PostgreSQL also
	 * leaves room in each page of alerts for that save (fillfactor).
	 */
	"DROP INDEX alerts_unstarted;",
};

/* The migrations, *n of them, for store-db-sqlite.c to run. */
const char *const *
store_migrations_sqlite(size_t *n)
{
	*n = nitems(store_migrations);
	return store_migrations;
}
