/* SPDX-License-Identifier: ISC */
/*
 * command.c: the leader carries out the commands a standby node wrote
 * (store-command.c), oldest first, each through the engine as if it had
 * come to the leader itself, then marks it done with the result for the
 * standby to answer with.
 *
 * Silences and delivery reports come this way too, rather than being
 * written by the standby itself.  A silence must be in the leader's
 * engine before the standby says it was made (201): the leader starts
 * every alert, and an alert posted after that answer must find it.
 * A delivery report may fail a page over to the next channel, which is
 * a send: only the leader's outbox may decide and make it (fenced).
 *
 * The change and the "done" mark are two transactions: a leader that
 * dies between them leaves the command to the next leader, which
 * carries it out again (at least once, as sends across a failover): an
 * acknowledgement or resolution again is refused as a conflict and
 * changes nothing; a note or an escalation would be made twice.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "durable.h"
#include "engine.h"
#include "log.h"
#include "outbox.h"
#include "silence.h"
#include "store.h"
#include "xmalloc.h"

#define COMMAND_BATCH 64 /* read at once */
#define COMMAND_EXPIRE_EVERY_MS (3600 * INT64_C(1000))

static int64_t command_expired_ms; /* when done ones were last removed */

/*
 * Make the silence a standby was posted (its body, parsed again at the
 * instant it was posted): *made its id.  A silence with the same
 * matchers whose window meets it is refused (ENGINE_CONFLICT, answered
 * 400 as on the leader): so is this very one carried out again by the
 * next leader, when one died before it marked the command done; the
 * silence is then made once.
 */
static int
command_silence_add(struct engine *e, const struct store_command *c,
    int64_t *made, char **cause)
{
	struct silence s;
	const char *text = c->text != NULL ? c->text : "";
	int64_t other;
	int rc = ENGINE_OK;

	if (silence_parse(text, strlen(text), c->created_ms, &s, cause) != 0)
		return ENGINE_CONFLICT;
	s.creator = xstrdup(c->actor);
	if ((other = engine_silence_overlap(e, &s)) != 0) {
		xasprintf(cause, "silence %" PRId64 " has the same matchers"
		    " and a window that meets this one: extend or expire it"
		    " instead", other);
		rc = ENGINE_CONFLICT;
		goto out;
	}
	if (engine_silence_add(e, &s, cause) != 0)
		rc = ENGINE_ERROR;
	else
		*made = s.id;
out:
	silence_clear(&s);
	return rc;
}

/*
 * Carry out command c: an enum engine_result, *cause set if refused;
 * *made (if made is not NULL) the id of what it made (a silence), or 0.
 * ob, the leader's outbox, takes delivery reports (ENGINE_ERROR if
 * NULL).
 */
int
command_apply(struct engine *e, struct outbox *ob,
    const struct store_command *c, int64_t *made, char **cause)
{
	int64_t dummy;

	if (made == NULL)
		made = &dummy;
	*made = 0;
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
	case STORE_CMD_SILENCE_ADD:
		return command_silence_add(e, c, made, cause);
	case STORE_CMD_SILENCE_EXPIRE:
		return engine_silence_expire(e, c->alert_id, c->actor, cause);
	case STORE_CMD_REPORT:
		if (ob == NULL) {
			*cause = xstrdup("this node does not lead");
			return ENGINE_ERROR;
		}
		if (c->via == NULL || c->text == NULL || c->for_whom == NULL)
			return ENGINE_OK; /* nothing to report: done */
		return outbox_report(ob, c->via, c->text, c->for_whom,
		    c->actor != NULL && *c->actor != '\0' ? c->actor : NULL,
		    cause) == 0 ? ENGINE_OK : ENGINE_ERROR;
	}
	return ENGINE_ERROR;
}

/*
 * Carry out the commands not done yet, at now: how many, or -1 if the
 * store failed (what is left waits for the next run).  A command whose
 * change the store failed to make stays to be tried again.
 */
int
command_run(struct engine *e, struct outbox *ob, struct store *s,
    int64_t now)
{
	struct store_command *v;
	size_t n, i;
	char *cause;
	int64_t made;
	int done = 0, res;

	do {
		if (store_command_pending(s, COMMAND_BATCH, &v, &n) != 0)
			return -1;
		for (i = 0; i < n; i++) {
			cause = NULL;
			res = command_apply(e, ob, &v[i], &made, &cause);
			if (res == ENGINE_ERROR) {
				log_warnx("command %lld: %s; trying again",
				    (long long)v[i].id, cause != NULL ? cause :
				    "the alert store failed");
				free(cause);
				store_commands_free(v, n);
				return -1;
			}
			if (store_begin(s, NULL) != 0 || store_command_done(s,
			    v[i].id, res, cause, made, now, NULL) != 0 ||
			    store_commit_async(s, durable_ignore, NULL,
			    NULL) != 0) {
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
		    store_commit_async(s, NULL, NULL, NULL) != 0)
			store_rollback(s);
	}
	return done;
}
