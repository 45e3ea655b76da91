/* SPDX-License-Identifier: ISC */
/*
 * store-command.c: the commands table (migrations 23 and 25), what
 * reached a standby node for the leader to carry out: an
 * acknowledgement, resolution, note, escalation or snooze, a silence
 * made or expired, a provider's delivery report.  The standby writes a row
 * and commits it before it answers; the leader reads the rows not done,
 * in id order, carries each out through its engine and marks it done
 * with the result; the standby reads that result back for its answer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store-private.h"
#include "xmalloc.h"

static const char *const store_cmd_kinds[] = {
	[STORE_CMD_ACK] = "ack",
	[STORE_CMD_RESOLVE] = "resolve",
	[STORE_CMD_NOTE] = "note",
	[STORE_CMD_ESCALATE] = "escalate",
	[STORE_CMD_SNOOZE] = "snooze",
	[STORE_CMD_SILENCE_ADD] = "silence_add",
	[STORE_CMD_SILENCE_EXPIRE] = "silence_expire",
	[STORE_CMD_REPORT] = "report",
};

static const char store_cmd_add_sql[] =
    "INSERT INTO commands (alert_id, kind, actor, for_whom, via, text, ms,"
    " created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id";
#define STORE_CMD_COLUMNS \
    "SELECT id, alert_id, kind, actor, for_whom, via, text, ms, created_ms," \
    " done_ms, result, cause FROM commands"
static const char store_cmd_pending_sql[] =
    STORE_CMD_COLUMNS " WHERE done_ms IS NULL ORDER BY id LIMIT ?1";
static const char store_cmd_get_sql[] =
    STORE_CMD_COLUMNS " WHERE id = ?1";
static const char store_cmd_done_sql[] =
    "UPDATE commands SET done_ms = ?2, result = ?3, cause = ?4,"
    " alert_id = COALESCE(?5, alert_id)"
    " WHERE id = ?1 AND done_ms IS NULL";
static const char store_cmd_expire_sql[] =
    "DELETE FROM commands WHERE done_ms IS NOT NULL AND done_ms < ?1";

/* Write command c (its id is ignored); its new id into *id. */
int
store_command_add(struct store *s, const struct store_command *c,
    int64_t *id, char **cause)
{
	struct sq *st;

	if ((st = store_stmt_cause(s, store_cmd_add_sql, "adding a command",
	    cause)) == NULL)
		return -1;
	store_bind_int64(st, 1, c->alert_id);
	store_bind_text_static(st, 2, store_cmd_kinds[c->kind]);
	store_bind_text(st, 3, c->actor);
	store_bind_text(st, 4, c->for_whom);
	store_bind_text(st, 5, c->via);
	store_bind_text(st, 6, c->text);
	store_bind_int64(st, 7, c->ms);
	store_bind_int64(st, 8, c->created_ms);
	return (*id = store_step_id(s, st, "adding a command", cause)) > 0 ?
	    0 : -1;
}

/* The row st is on into *arg, a struct store_command (owned strings). */
static void
store_command_row(struct sq *st, void *arg)
{
	struct store_command *c = arg;
	const char *kind = store_column_text(st, 2);
	size_t i;

	memset(c, 0, sizeof *c);
	c->id = store_column_int64(st, 0);
	c->alert_id = store_column_int64(st, 1);
	for (i = 0; i < nitems(store_cmd_kinds); i++)
		if (kind != NULL && strcmp(kind, store_cmd_kinds[i]) == 0)
			c->kind = (enum store_command_kind)i;
	c->actor = store_column_strdup(st, 3);
	c->for_whom = store_column_strdup(st, 4);
	c->via = store_column_strdup(st, 5);
	c->text = store_column_strdup(st, 6);
	c->ms = store_column_int64(st, 7);
	c->created_ms = store_column_int64(st, 8);
	c->done_ms = store_column_null(st, 9) ? 0 : store_column_int64(st, 9);
	c->result = store_column_int(st, 10);
	c->cause = store_column_strdup(st, 11);
}

static void
store_command_clear_cb(void *arg)
{
	store_command_clear(arg);
}

/*
 * The commands not done yet, oldest first, at most limit: *out (free
 * with store_commands_free) and *n.  0, or -1 if the store failed.
 */
int
store_command_pending(struct store *s, size_t limit,
    struct store_command **out, size_t *n)
{
	struct sq *st = store_stmt(s, store_cmd_pending_sql);
	void *v;
	int rc;

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	store_bind_int64(st, 1, (int64_t)limit);
	rc = store_read_rows(st, sizeof **out, store_command_row,
	    store_command_clear_cb, &v, n);
	*out = v;
	return rc;
}

/* Command id into *c: 0, 1 if there is none, -1 if the store failed. */
int
store_command_get(struct store *s, int64_t id, struct store_command *c)
{
	struct sq *st = store_stmt(s, store_cmd_get_sql);
	int rc;

	memset(c, 0, sizeof *c);
	if (st == NULL)
		return -1;
	store_bind_int64(st, 1, id);
	if ((rc = store_step(st)) == STORE_ROW)
		store_command_row(st, c);
	store_reset(st);
	return rc == STORE_ROW ? 0 : rc == STORE_DONE ? 1 : -1;
}

/*
 * Command id was carried out at now: result (and why, if it failed);
 * made, if above 0, is what it made (a silence's id), kept as its
 * alert_id for the standby to answer with.
 */
int
store_command_done(struct store *s, int64_t id, int result, const char *why,
    int64_t made, int64_t now, char **cause)
{
	struct sq *st;

	if ((st = store_stmt_cause(s, store_cmd_done_sql, "command done",
	    cause)) == NULL)
		return -1;
	store_bind_int64(st, 1, id);
	store_bind_int64(st, 2, now);
	store_bind_int(st, 3, result);
	store_bind_text(st, 4, why);
	if (made > 0)
		store_bind_int64(st, 5, made);
	else
		store_bind_null(st, 5);
	return store_step_done(s, st, cause);
}

/* Forget the commands done before before. */
int
store_command_expire(struct store *s, int64_t before, char **cause)
{
	struct sq *st;

	if ((st = store_stmt_cause(s, store_cmd_expire_sql, "expiring commands",
	    cause)) == NULL)
		return -1;
	store_bind_int64(st, 1, before);
	return store_step_done(s, st, cause);
}

void
store_command_clear(struct store_command *c)
{
	free(c->actor);
	free(c->for_whom);
	free(c->via);
	free(c->text);
	free(c->cause);
	memset(c, 0, sizeof *c);
}

void
store_commands_free(struct store_command *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		store_command_clear(&v[i]);
	free(v);
}
