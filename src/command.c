/* SPDX-License-Identifier: ISC */
/*
 * command.c: the leader carries out the commands a standby node wrote
 * (store-command.c), oldest first, each through the engine as if it had
 * come to the leader itself, then marks it done with the result for the
 * standby to answer with.
 *
 * The change and the "done" mark are two transactions: a leader that
 * dies between them leaves the command to the next leader, which
 * carries it out again (at least once, as sends across a failover): an
 * acknowledgement or resolution again is refused as a conflict and
 * changes nothing; a note or an escalation would be made twice.
 */
#include <stdlib.h>

#include "command.h"
#include "engine.h"
#include "log.h"
#include "store.h"

#define COMMAND_BATCH 64 /* read at once */
#define COMMAND_EXPIRE_EVERY_MS (3600 * INT64_C(1000))

static int64_t command_expired_ms; /* when done ones were last removed */

/* Carry out command c: an enum engine_result, *cause set if refused. */
int
command_apply(struct engine *e, const struct store_command *c, char **cause)
{
	switch (c->kind) {
	case STORE_CMD_ACK:
		return engine_ack(e, c->alert_id, c->actor, c->for_whom,
		    c->via, cause);
	case STORE_CMD_RESOLVE:
		return engine_resolve(e, c->alert_id, c->actor, c->for_whom,
		    c->via, cause);
	case STORE_CMD_NOTE:
		return engine_note(e, c->alert_id, c->actor, c->for_whom,
		    c->text != NULL ? c->text : "", cause);
	case STORE_CMD_SNOOZE:
		return engine_snooze(e, c->alert_id, c->actor, c->for_whom,
		    c->text != NULL ? c->text : "", c->ms, cause);
	case STORE_CMD_ESCALATE:
		return engine_escalate(e, c->alert_id, c->actor, c->for_whom,
		    cause);
	}
	return ENGINE_ERROR;
}

/*
 * Carry out the commands not done yet, at now: how many, or -1 if the
 * store failed (what is left waits for the next run).  A command whose
 * change the store failed to make stays to be tried again.
 */
int
command_run(struct engine *e, struct store *s, int64_t now)
{
	struct store_command *v;
	size_t n, i;
	char *cause;
	int done = 0, res;

	do {
		if (store_command_pending(s, COMMAND_BATCH, &v, &n) != 0)
			return -1;
		for (i = 0; i < n; i++) {
			cause = NULL;
			res = command_apply(e, &v[i], &cause);
			if (res == ENGINE_ERROR) {
				log_warnx("command %lld: %s; trying again",
				    (long long)v[i].id, cause != NULL ? cause :
				    "the alert store failed");
				free(cause);
				store_commands_free(v, n);
				return -1;
			}
			if (store_begin(s, NULL) != 0 || store_command_done(s,
			    v[i].id, res, cause, now, NULL) != 0 ||
			    store_commit(s, NULL) != 0) {
				store_rollback(s);
				free(cause);
				store_commands_free(v, n);
				return -1;
			}
			free(cause);
			done++;
		}
		store_commands_free(v, n);
	} while (n == COMMAND_BATCH);
	if (now - command_expired_ms >= COMMAND_EXPIRE_EVERY_MS) {
		command_expired_ms = now;
		if (store_begin(s, NULL) != 0 || store_command_expire(s,
		    now - COMMAND_KEEP_MS, NULL) != 0 ||
		    store_commit(s, NULL) != 0)
			store_rollback(s);
	}
	return done;
}
