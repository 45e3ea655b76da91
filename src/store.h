/* SPDX-License-Identifier: ISC */
/*
 * store.h: the SQLite state store (WAL): alerts, the append-only audit
 * event log, breaches, notifications.  Only store*.c talk to the
 * database, through the driver of store-private.h; only
 * store-db-sqlite.c talks to SQLite, and store-db-pg.c to PostgreSQL.
 *
 * What this interface promises, whatever database is behind it:
 *
 * Transactions.  The caller owns them: it calls store_begin(), then the
 * functions below that write, then exactly one of store_commit(),
 * store_commit_async() or store_rollback().  No other store function
 * begins, commits or rolls back (store_open's migrations, each in a
 * transaction of its own, aside).  There is one connection, used on the
 * loop's thread only, and no transaction stays open across a return to
 * the loop; a read sees every commit made before it, synced or not.  A
 * write made with no transaction open (a used ack nonce, a provider
 * callback, a heartbeat ping, a refused-token audit event) is atomic on
 * its own and survives a crash of the process, but reaches the disk
 * only with the next synced commit or checkpoint: it is for bookkeeping
 * whose loss in a power cut does no harm.
 *
 * Durability.  store_commit() returns once the transaction is on disk
 * (the WAL synced), for the rare writes whose caller answers at once.
 * store_commit_async() is the group commit: it returns once COMMIT has
 * written, and a worker thread syncs (store-sync.c); the callback runs
 * on the loop when a sync begun after that COMMIT has returned, with 0
 * (on disk) or -1 (not).  One sync covers every commit made while the
 * previous one ran, so a storm costs one sync per batch, not per alert.
 * store_commit_group() is the same on SQLite; on PostgreSQL it does not
 * wait for COMMIT at all: it returns 1 and the callback, run later from
 * the loop, says whether the transaction committed (and is durable) or
 * not, so that the loop goes on taking requests while the server
 * flushes its WAL.  Until then the connection is busy: a statement sent
 * meanwhile waits for that COMMIT first, and store_begin() runs its
 * callback first.
 * Nobody is told that something was stored before it is durable: intake
 * answers 202 only from that callback, and the outbox starts a send
 * only once the row marking it "sending" is on disk (a restart resends
 * rather than forgets).  A failed sync is final: every later
 * store_begin() fails until pagerd restarts.  With store.synchronous =
 * "normal" nothing is synced at commit: safe from a crash of the
 * process, not from a power cut.
 *
 * Facts and the audit log.  The audit log (store_event_add) is for
 * people: its detail is JSON text, written and shown, never read back to
 * decide anything.  Facts that decisions need live in typed tables with
 * functions of their own: alerts, breaches, notifications, pages and
 * notes (store-facts.c), ack tokens and provider callbacks.  No query
 * parses JSON, except migration 13's backfill of pages and notes from
 * the audit log of stores made before them.
 *
 * SQLite-specific, to redo for another database: the migrations
 * (PRAGMA user_version, table copies to change constraints,
 * sqlite_sequence, WITHOUT ROWID, INTEGER PRIMARY KEY ids, and JSON1 in
 * migration 13's backfill); the pragmas of store-db-sqlite.c (WAL,
 * synchronous, foreign_keys, foreign_key_check) and the WAL sync of
 * store-sync.c; ?N parameters.  The statements are written once, in SQL
 * that PostgreSQL takes too: new ids come back with RETURNING, upserts
 * are ON CONFLICT, a subquery in FROM has an alias, a comparison read as
 * a number is a CASE, and a parameter whose type nothing beside it says
 * (?1 IS NULL, nullif(?1, 0)) is CAST.  The few texts that must differ
 * are chosen with STORE_SQL() (store-private.h): BEGIN IMMEDIATE,
 * two-argument min() and max() (LEAST, GREATEST), "x IS ?1".
 */
#ifndef STORE_H
#define STORE_H

#include <sys/types.h>

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "alert.h"
#include "esc.h"
#include "notify.h"

struct breach;
struct event_base;
struct store;

/*
 * Called on the loop once a commit is on disk (second argument
 * STORE_DURABLE) or could not be made so: STORE_NOT_SYNCED (SQLite: it
 * committed, but may not survive a power cut), or STORE_NOT_COMMITTED
 * (store_commit_group() on PostgreSQL: nothing of it is stored).
 */
typedef void (*store_durable_cb)(void *, int);
#define STORE_DURABLE		0
#define STORE_NOT_SYNCED	-1
#define STORE_NOT_COMMITTED	-2

/* The escalation state a new alert is written with. */
struct store_alert_start {
	const char *policy;        /* NULL: not started */
	const char *policy_detail; /* its audit detail, a JSON object */
	struct esc_state st;
	int64_t next_due;          /* ESC_NEVER: nothing due */
};

/* How a new alert starts: 1 (*start filled), or 0 (not started). */
typedef int (*store_start_cb)(void *, const struct alert_new *, int64_t,
    struct store_alert_start *);

/* What store_alert_raise() did with one posted alert. */
struct store_raise {
	int64_t id;
	char *dedup_key; /* owned; free with free() */
	enum alert_status status;
	int duplicate;        /* folded into an open alert */
	int priority_raised;  /* the duplicate raised its priority */
	int started;          /* new, and written with start */
	struct store_alert_start start;
};

/* One audit event. */
struct store_event {
	int64_t id;
	int64_t alert_id;
	int64_t at_ms;
	char *actor;
	char *kind;
	char *detail; /* JSON object text */
};

/* One audit event to append (store_event_add). */
struct store_event_new {
	int64_t alert_id;   /* 0: about no alert */
	int64_t at_ms;
	const char *actor;
	const char *kind;
	const char *detail; /* JSON object text; NULL: {} */
};

/* Filter and page for store_alert_list(); zero values mean "any". */
struct store_filter {
	int status; /* -1: any, else enum alert_status */
	const char *service;
	int priority;      /* 0: any */
	int64_t before_id; /* page: alerts with id < before_id; 0: newest */
	int limit;
	const char *paged; /* a person paged for it, or NULL */
};

/* store.c */
/* As root, before the switch to uid: make dir uid's, or say why not. */
int store_prepare(const char *, uid_t, gid_t, char **);
/*
 * A pass of the retention (store-retention.c): remove resolved alerts
 * older than cutoff_ms, limit alerts looked at per batch, from cursor
 * (an alert id; 0 at the start of a pass).
 */
struct store_retention {
	int64_t cutoff_ms;
	int64_t cursor;
	size_t limit;
	size_t removed;	/* alerts removed so far in this pass */
	int done;	/* the pass has nothing more to remove */
};
int store_retention_batch(struct store *, struct store_retention *, char **);

/* store-silence.c: silences and the alerts they hold */
struct silence;
int store_silence_add(struct store *, struct silence *, char **);
int store_silence_expire(struct store *, int64_t, int64_t, char **);
int store_silences(struct store *, int64_t, struct silence **, size_t *);
int store_silence_get(struct store *, int64_t, struct silence *);
int store_silence_hold(struct store *, int64_t, int64_t, int64_t, char **);
int store_silence_release(struct store *, int64_t, int64_t, int, char **);
int store_silence_move(struct store *, int64_t, int64_t, char **);
int store_silence_held(struct store *, int64_t, int64_t **, size_t *);
int store_silence_quiet(struct store *, int64_t **, size_t *);
int64_t store_silence_of(struct store *, int64_t, int *, int *);
int store_silence_window(struct store *, const char *, int64_t);

/* store-handoff.c: who was on call per rota when last seen */
int store_oncall_seen(struct store *, const char *, char **, int64_t *);
int store_oncall_seen_set(struct store *, const char *, const char *,
    int64_t, char **);

/* Open (creating, mode 0600) the store in a folder. */
struct store *store_open(const char *, char **);
struct store *store_open_db(const char *, int64_t, char **);
char *store_redact(const char *);
int store_mkdir(const char *, char **);
int store_check(const char *, int64_t, FILE *, FILE *);
void store_watch(struct store *, struct event_base *,
    void (*)(void *, int), void *);
int store_up(struct store *);
int store_is_remote(struct store *);
void store_close(struct store *);
int store_begin(struct store *, char **);
void store_fence(struct store *, int64_t, void (*)(void *), void *);
int64_t store_fence_epoch(const struct store *);
void store_work_note(struct store *, int64_t);
int store_commit(struct store *, char **);
void store_set_synchronous(struct store *, int);
void store_rollback(struct store *);
int store_savepoint(struct store *, char **);
int store_savepoint_keep(struct store *, char **);
int store_savepoint_undo(struct store *);
int store_alert_raise(struct store *, const struct alert_new *, int64_t,
    struct store_raise *, char **);
int store_alert_raise_start(struct store *, const struct alert_new *,
    int64_t, store_start_cb, void *, struct store_raise *, char **);
int store_alert_raise_ahead(struct store *, const struct alert_new *const *,
    size_t, int64_t, store_start_cb, void *, char **);
struct alert *store_alert_get(struct store *, int64_t);
void store_alerts_prefetch(struct store *, const int64_t *, size_t);
int store_alert_list(struct store *, const struct store_filter *,
    struct alert ***, size_t *);
int store_event_add(struct store *, const struct store_event_new *,
    char **);
int store_events(struct store *, int64_t, struct store_event **, size_t *);
void store_events_free(struct store_event *, size_t);
int64_t store_alert_count(struct store *);
int64_t store_alert_find_open(struct store *, const char *, const char *);
int store_ping(struct store *);

/* store-sync.c */
void store_sync_start(struct store *, struct event_base *);
int store_commit_async(struct store *, store_durable_cb, void *, char **);
int store_commit_group(struct store *, store_durable_cb, void *, char **);
void store_commit_settle(struct store *);
void store_durable_after(struct store *, store_durable_cb, void *);
void store_sync_wait(struct store *);

/* The escalation state of one alert, as stored (store-engine.c). */
struct store_engine_row {
	int64_t id;
	char *service;
	char *policy; /* NULL until the engine started the alert */
	int started;
	struct esc_state st;
};

typedef void (*store_engine_cb)(const struct store_engine_row *, void *);

/*
 * What store_engine_save() writes: the escalation state of alert id.
 * key_stored says that st's priority and status are those of the stored
 * row (the caller has just read or written it), so they need no writing:
 * they are indexed, and checking them costs a statement per save.
 */
struct store_engine_save {
	int64_t id;
	const char *policy;
	const struct esc_state *st;
	int64_t next_due; /* ESC_NEVER: nothing due */
	int64_t now;
	int key_stored;
};

/* store-engine.c */
int store_engine_save(struct store *, const struct store_engine_save *,
    char **);
int store_engine_get(struct store *, int64_t, struct store_engine_row *);
void store_engine_row_clear(struct store_engine_row *);
int64_t store_engine_open(struct store *, store_engine_cb, void *);
int64_t store_engine_unstarted(struct store *, store_engine_cb, void *);
int64_t store_engine_unstarted_range(struct store *, int64_t, int64_t,
    store_engine_cb, void *);

/* store-breach.c */
int store_breach_add(struct store *, const struct breach *, char **);
int store_breach_stop(struct store *, const struct breach *, char **);
int store_breaches(struct store *, int64_t, struct breach **, size_t *);

/* A window of alerts for the figures (store-stats.c). */
struct store_stats_query {
	int64_t from_ms; /* created in [from_ms, to_ms) */
	int64_t to_ms;
	const char *service; /* NULL: all */
	int priority;        /* 0: all */
};

struct stats_row;

/* store-stats.c */
int store_stats_rows(struct store *, const struct store_stats_query *,
    struct stats_row **, size_t *);
int store_stats_breaches(struct store *, const struct store_stats_query *,
    struct breach **, size_t *);
/* One group of store_stats_groups: an integration, or a channel. */
struct store_stats_group {
	const char *kind; /* "integration" or "channel" */
	const char *name;
	int64_t total;     /* alerts, or notification rows */
	int64_t delivered; /* rows sent or delivered */
	int64_t cancelled; /* rows cancelled before they went (acked) */
	int64_t waiting;   /* rows pending or sending */
};

int store_stats_groups(struct store *, const struct store_stats_query *,
    void (*)(const struct store_stats_group *, void *), void *);
int store_stats_top(struct store *, const struct store_stats_query *, int,
    void (*)(const char *, const char *, const char *, int64_t, int64_t,
    void *), void *);
int store_metrics(struct store *, void (*)(const char *, const char *,
    const char *, int64_t, void *), void *);

/* One notifications row with its alert's fields (store-outbox.c). */
struct store_note {
	int64_t id;
	int64_t alert_id; /* 0: a note about no alert (body says it) */
	char *person;
	char *channel;
	char *address;
	int attempt; /* sends tried so far */
	int step;    /* index in the person's notification rules */
	enum notify_state state;
	enum notify_event event; /* what it tells about the alert */
	int stage;   /* the alert's stage it is about; 0: none */
	char *reason; /* one line for people: "stage 2", "acknowledged by X" */
	char *ack_url;
	int64_t due_ms;
	char *provider_id;
	char *last_error;
	int priority; /* from the alert */
	int64_t alert_created_ms; /* from the alert: threads its mail */
	char *service;
	char *summary;
	char *body; /* a note's text; NULL for a page */
	char *links;      /* from the alert: JSON array text, or NULL */
	char *client;     /* from its trigger (alert_context), or NULL */
	char *client_url;
	char *external_url; /* the ticket's link (alert_context), or NULL */
	/* written by store_outbox_add only (lent), never read back: */
	const char *later; /* its page's later rules (outbox-later.c) */
	int64_t later_ms;  /* when the first of them falls due */
};

/* A row carrying its page's later rules (store_outbox_later_due). */
struct store_outbox_later {
	int64_t id;
	int64_t created_ms; /* its page's instant */
	char *later;
};

/* A channel and address with pending rows, and the earliest due one. */
struct store_outbox_head {
	char *channel;
	char *address;
	int64_t due_ms;
};

/* The rows of one channel and address due at an instant. */
struct store_outbox_due {
	const char *channel;
	const char *address;
	int64_t now;
};

/* store-outbox.c */
int store_outbox_add(struct store *, struct store_note *, int64_t, char **);
int store_outbox_next_head(struct store *, const char *, const char *,
    struct store_outbox_head *);
int store_outbox_head(struct store *, const char *, const char *, int64_t *);
void store_outbox_head_clear(struct store_outbox_head *);
int store_outbox_queue(struct store *, const struct store_outbox_due *,
    size_t, struct store_note **, size_t *);
int store_outbox_defer(struct store *, const struct store_outbox_due *,
    int64_t, char **);
int store_outbox_by_provider(struct store *, const char *,
    struct store_note **, size_t *);
int store_outbox_list(struct store *, int64_t, struct store_note **,
    size_t *);
/* A row's move to another state (store_outbox_set). */
struct store_outbox_change {
	int64_t id;
	enum notify_state state;
	int attempt;
	int64_t due_ms;
	const char *provider_id; /* NULL: kept */
	const char *error;       /* NULL: kept */
};

int store_outbox_set(struct store *, const struct store_outbox_change *,
    int64_t, char **);
/*
 * One message's rows: the first due pending rows of a channel and
 * address in (due_ms, id) order, up to its last row (last_due,
 * last_id), none above its greatest id (max_id); send_id: its id (its
 * first row's); whole: they were every pending row of the address due
 * when read (none due at last_due was left out); now: when it is
 * marked, or went out.
 */
struct store_outbox_msg {
	const char *channel;
	const char *address;
	int64_t now;
	int64_t last_due;
	int64_t last_id;
	int64_t send_id;
	int whole;
	int64_t min_id, max_id; /* its least and greatest row id, */
	size_t n;		/* and how many rows (0: not known) */
};
int store_outbox_mark(struct store *, const struct store_outbox_msg *,
    char **);
int store_outbox_unmark(struct store *, const struct store_outbox_msg *,
    char **);
int64_t store_outbox_sent(struct store *, const struct store_outbox_msg *,
    const char *, char **);
int store_outbox_later_due(struct store *, int64_t, size_t,
    struct store_outbox_later **, size_t *);
int store_outbox_later_of(struct store *, int64_t, const char *,
    struct store_outbox_later **, size_t *);
int64_t store_outbox_later_next(struct store *);
int store_outbox_later_set(struct store *, int64_t, const char *, int64_t,
    char **);
void store_outbox_later_free(struct store_outbox_later *, size_t);
int store_outbox_spawn(struct store *, int64_t, int, const char *,
    const char *, int64_t, int64_t, char **);
int store_outbox_paged(struct store *, int64_t, char ***, size_t *);
int64_t store_outbox_cancel(struct store *, int64_t, const char *, int64_t,
    char **);
int64_t store_outbox_failover(struct store *, const struct store_note *,
    int64_t, struct store_outbox_head *);
int64_t store_outbox_live(struct store *, int64_t, const char *);
int store_outbox_resume(struct store *, int64_t, char **);
int store_outbox_recent(struct store *, int64_t,
    void (*)(const char *, const char *, int64_t, void *), void *);
void store_notes_free(struct store_note *, size_t);

/* A provider callback taken before (store_hook_seen). */
struct store_hook {
	int64_t alert_id; /* 0: it acted on none */
	char *actor;      /* owned */
	int64_t seen_ms;
};

/* A provider callback taken now (store_hook_add). */
struct store_hook_new {
	const char *key;  /* "sms:SID", "voice:SID:DIGITS" */
	int64_t alert_id; /* 0: it acted on none */
	const char *actor;
	int64_t seen_ms;
};

/* An ack token used (store_ack_use). */
struct store_ack_new {
	const char *nonce;
	int64_t alert_id;
	const char *person;
	const char *action; /* "ack", "resolve" */
	int64_t used_ms;
};

/* store-ack.c */
int store_hook_seen(struct store *, const char *, int64_t, int64_t,
    struct store_hook *);
int store_hook_add(struct store *, const struct store_hook_new *, int64_t,
    char **);
int store_ack_used(struct store *, const char *);
int store_ack_use(struct store *, const struct store_ack_new *, char **);
int store_ack_pages(struct store *, const char *, int, int64_t **, size_t *);

/* A person's note on an alert (store_alert_note_add). */
struct store_alert_note {
	int64_t alert_id;
	int64_t at_ms;
	const char *actor;
	const char *text;
};

/* store-facts.c */
int store_page_add(struct store *, int64_t, const char *, int64_t, char **);
int store_page_people(struct store *, int64_t, char ***, size_t *);
int store_alert_note_add(struct store *, const struct store_alert_note *,
    char **);
char *store_alert_note_last(struct store *, int64_t);

/* One callback row that may be sent next (store-callback.c). */
struct store_callback {
	int64_t id;
	int64_t alert_id;
	int64_t event_id;
	char *integration;
	int attempts;  /* made so far */
	int64_t due_ms;
	char *body;    /* NULL until built at its first attempt */
	int64_t created_ms;
};

/* A callback row was queued (called inside the transaction). */
typedef void (*store_callback_kick_cb)(void *);

/* store-callback.c */
void store_callback_configure(struct store *, const char *const *, size_t,
    store_callback_kick_cb, void *);
int store_callback_kind(const char *);
int store_callback_heads(struct store *, size_t, struct store_callback **,
    size_t *);
void store_callbacks_free(struct store_callback *, size_t);
int store_callback_event(struct store *, int64_t, struct store_event *);
int store_callback_set_body(struct store *, int64_t, const char *, char **);
int store_callback_done(struct store *, int64_t, const char *, int64_t,
    const char *, char **);
int store_callback_retry(struct store *, int64_t, int, int64_t,
    const char *, int64_t, char **);
int64_t store_callback_pending(struct store *);

/*
 * What a person, tool or provider asked through a standby node, for the
 * leader to carry out (store-command.c, command.c): an action on an
 * alert, a silence made or expired, a provider's delivery report.
 */
enum store_command_kind {
	STORE_CMD_ACK,
	STORE_CMD_RESOLVE,
	STORE_CMD_NOTE,
	STORE_CMD_ESCALATE,
	STORE_CMD_SNOOZE,
	STORE_CMD_SILENCE_ADD,    /* text: the body posted; actor: creator */
	STORE_CMD_SILENCE_EXPIRE, /* alert_id: the silence's id */
	STORE_CMD_REPORT,         /* see below */
};
/*
 * A report (STORE_CMD_REPORT): via is the channel kind ("sms",
 * "voice"), text the provider's message or call id, for_whom its
 * status, actor what answered the call (AnsweredBy, "" if not said).
 */
struct store_command {
	int64_t id;
	int64_t alert_id;  /* or a silence's id (made: once done) */
	enum store_command_kind kind;
	char *actor;
	char *for_whom;    /* may be NULL */
	char *via;         /* may be NULL */
	char *text;        /* a note's text, a snooze's length as given */
	int64_t ms;        /* a snooze's length */
	int64_t created_ms;
	int64_t done_ms;   /* 0 until the leader carried it out */
	int result;        /* then an enum engine_result */
	char *cause;       /* why it failed, or NULL */
};

/* store-command.c */
int store_command_add(struct store *, const struct store_command *,
    int64_t *, char **);
int store_command_pending(struct store *, size_t, struct store_command **,
    size_t *);
int store_command_get(struct store *, int64_t, struct store_command *);
int store_command_done(struct store *, int64_t, int, const char *, int64_t,
    int64_t, char **);
int store_command_expire(struct store *, int64_t, char **);
void store_command_clear(struct store_command *);
void store_commands_free(struct store_command *, size_t);

/* store-heartbeat.c */
int64_t store_heartbeat_get(struct store *, const char *);
int store_heartbeat_ping(struct store *, const char *, int64_t, char **);

/*
 * What an Events v2 trigger attached to an alert, and a mapped intake's
 * ticket link (store-context.c).
 */
struct store_alert_context {
	char *images;     /* JSON array text, or NULL */
	char *client;
	char *client_url;
	char *external_url;
};

/* A change event of a service (POST /v2/change/enqueue). */
struct store_change {
	int64_t id;
	char *service;
	int64_t at_ms;       /* when it happened (0 on add: when received) */
	int64_t received_ms;
	char *summary;
	char *source;        /* or NULL */
	char *details;       /* JSON object text, or NULL */
	char *links;         /* JSON array text, or NULL */
	char *integration;   /* the key that posted it */
};

/* store-context.c */
int store_alert_context_add(struct store *, int64_t,
    const struct alert_new *, char **);
int store_alert_context_get(struct store *, int64_t,
    struct store_alert_context *);
void store_alert_context_clear(struct store_alert_context *);
int store_change_add(struct store *, const struct store_change *, int64_t,
    char **);
int store_changes(struct store *, const char *, int64_t, int64_t, int,
    struct store_change **, size_t *);
void store_changes_free(struct store_change *, size_t);

#endif
