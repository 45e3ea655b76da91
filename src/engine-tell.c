/* SPDX-License-Identifier: ISC */
/*
 * engine-tell.c: who the engine tells about an alert, and how.  A
 * stage's targets are resolved to people (rotas on call, people, chat
 * channels); pages and notices go through the outbox, written in the
 * open transaction, or, without one, as console lines after COMMIT.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "chan.h"
#include "clock.h"
#include "engine-private.h"
#include "esc.h"
#include "jsonw.h"
#include "log.h"
#include "outbox.h"
#include "people.h"
#include "policy.h"
#include "rota.h"
#include "store.h"
#include "throttle.h"
#include "xmalloc.h"

/*
 * The "page" audit detail of a page of stage act to who (address to),
 * {"stage":1,"reason":"triggered","target":...,"to":...,"why":...}, as
 * json_pack and json_dumps made it, written directly into the engine's
 * buffer: jansson cost about 16,000 instructions a page, more than the
 * rest of the page's audit.  NULL (the detail is then {}) if a string
 * is not UTF-8, as jansson refused it.  Valid until the next call.
 */
static const char *
engine_page_detail(struct engine *e, const struct esc_action *act,
    const struct engine_who *who, const char *to)
{
	struct jsonw *w = &e->page_detail;

	jsonw_reset(w);
	jsonw_raw(w, "{", 1);
	jsonw_key(w, "stage", 1);
	jsonw_int(w, act->stage);
	jsonw_key(w, "reason", 0);
	if (jsonw_str(w, esc_reason_name(act->reason)) != 0)
		return NULL;
	jsonw_key(w, "target", 0);
	if (jsonw_str(w, who->target) != 0)
		return NULL;
	jsonw_key(w, "to", 0);
	if (jsonw_str(w, to) != 0)
		return NULL;
	jsonw_key(w, "why", 0);
	if (jsonw_str(w, who->why) != 0)
		return NULL;
	jsonw_raw(w, "}", 1);
	return w->p;
}

/* What engine_send tells about an alert. */
struct engine_tell {
	int64_t id;              /* the alert */
	enum notify_event event; /* page, reminder, acknowledged, ... */
	int stage;
	const char *reason;      /* "stage 2 page", "acknowledged by bob" */
	const char *head;        /* the alert's headline, for the console */
};

/* What to tell about alert al at its current stage (st): event, reason. */
static void
engine_tell_init(struct engine_tell *t, const struct alert *al,
    const struct esc_state *st, enum notify_event event, const char *reason,
    const char *head)
{
	memset(t, 0, sizeof *t);
	t->id = al->id;
	t->event = event;
	t->stage = st->stage;
	t->reason = reason;
	t->head = head;
}

/*
 * Page (or notify) to, a person id or "chat:NAME", about an alert, for
 * what t says.  Through the outbox, that is one row per notification
 * rule of the person, written in the open transaction and sent after
 * COMMIT; without an outbox, a console line after COMMIT.  Only what
 * asks the person to act carries an ack link.
 */
static int
engine_send(struct engine *e, const struct engine_tell *t, const char *to,
    char **cause)
{
	int64_t id = t->id;
	const char *reason = t->reason, *head = t->head;
	struct outbox_rule chat, *rules = NULL;
	struct outbox_page pg;
	const struct person *p;
	struct engine_msg *m;
	char *link;
	int rc;

	if (e->outbox == NULL) {
		e->msgs = xreallocarray(e->msgs, e->nmsgs + 1, sizeof *e->msgs);
		m = &e->msgs[e->nmsgs++];
		m->alert_id = id;
		m->to = xstrdup(to);
		xasprintf(&m->subject, "%s: %s", reason, head);
		return 0;
	}
	memset(&pg, 0, sizeof pg);
	pg.alert_id = id;
	pg.person = to;
	pg.event = t->event;
	pg.stage = t->stage;
	pg.reason = reason;
	if (strncmp(to, "chat:", 5) == 0) {
		chat.channel = to + 5;
		chat.after_ms = 0;
		pg.rules = &chat;
		pg.nrules = 1;
	} else if (e->people != NULL && (p = people_find(e->people, to)) !=
	    NULL)
		outbox_page_person(&pg, p, &rules);
	link = NULL;
	if (e->link != NULL && strncmp(to, "chat:", 5) != 0 &&
	    notify_event_is_page(t->event))
		pg.ack_url = link = e->link(id, to, e->link_arg);
	rc = outbox_page(e->outbox, &pg, clock_now_ms(), cause);
	free(link);
	free(rules);
	return rc;
}

void
engine_msgs_clear(struct engine *e, int send)
{
	struct chan_msg cm;
	size_t i;

	for (i = 0; i < e->nmsgs; i++) {
		if (send) {
			memset(&cm, 0, sizeof cm);
			cm.alert_id = e->msgs[i].alert_id;
			cm.to = e->msgs[i].to;
			cm.subject = e->msgs[i].subject;
			chan_console_send(&cm);
		}
		free(e->msgs[i].to);
		free(e->msgs[i].subject);
	}
	e->nmsgs = 0;
}

/*
 * Append s, then the number v if v >= 0, to the text at *p (ending at
 * end, always NUL-ended, cut short if it must): the texts of a page,
 * made for every alert of a storm, without printf.
 */
static void
engine_cat(char **p, char *end, const char *s, int v)
{
	char num[16], *q = num + sizeof num;
	size_t n;

	if (v >= 0) {
		*--q = '\0';
		do {
			*--q = (char)('0' + v % 10);
			v /= 10;
		} while (v != 0);
	}
	while (*p < end - 1 && *s != '\0')
		*(*p)++ = *s++;
	n = v >= 0 ? strlen(q) : 0;
	while (*p < end - 1 && n-- > 0)
		*(*p)++ = *q++;
	**p = '\0';
}

/*
 * Who the target t stands for at instant at, appended to *who.  A rota
 * is asked who is on call (following its backups); a person or contact
 * must exist in the people file.
 */
static void
engine_resolve_target(struct engine *e, const struct policy_target *t,
    int64_t at, struct engine_who **who, size_t *n)
{
	static const char *kinds[] = { "rota", "person", "contact", "chat" };
	struct rota_shifts shifts = { NULL, 0, 0 };
	const struct person *p;
	struct rota *r;
	struct engine_who *w;
	char *tp;
	size_t i;

#define ADD() (*who = xreallocarray(*who, *n + 1, sizeof **who), \
	w = &(*who)[(*n)++], memset(w, 0, sizeof *w), \
	tp = w->target, engine_cat(&tp, w->target + sizeof w->target, \
	    kinds[t->kind], -1), \
	engine_cat(&tp, w->target + sizeof w->target, ":", -1), \
	engine_cat(&tp, w->target + sizeof w->target, t->name, -1))

	switch (t->kind) {
	case TARGET_ROTA:
		if (e->rotas == NULL ||
		    (r = rota_set_find(e->rotas, t->name)) == NULL)
			return;
		if (rota_oncall(r, at, &shifts) != 0)
			return;
		for (i = 0; i < shifts.n; i++) {
			ADD();
			w->person = shifts.list[i].person;
			rota_shift_why(&shifts.list[i], w->why,
			    sizeof w->why);
		}
		rota_shifts_free(&shifts);
		break;
	case TARGET_PERSON:
	case TARGET_CONTACT:
		if (e->people == NULL ||
		    (p = people_find(e->people, t->name)) == NULL)
			return;
		ADD();
		w->person = p->id;
		tp = w->why;
		engine_cat(&tp, w->why + sizeof w->why, "named in the policy",
		    -1);
		break;
	case TARGET_CHAT:
		ADD();
		w->chat = t->name;
		tp = w->why;
		engine_cat(&tp, w->why + sizeof w->why, "chat channel", -1);
		break;
	}
#undef ADD
}

/* "alert #12 [P1] db: disk full" */
static char *
engine_headline(const struct alert *al, const struct esc_state *st)
{
	char *s;

	xasprintf(&s, "alert #%" PRId64 " [%s] %s: %s", al->id,
	    alert_priority_name(st->priority), al->service, al->summary);
	return s;
}

/* Page every recipient of stage (resolved at instant at). */
int
engine_page_stage(struct engine *e, const struct alert *al,
    const struct policy *pol, struct esc_state *st,
    const struct esc_action *act, const char *what, char **cause)
{
	const struct policy_stage *stage = &pol->stages[act->stage - 1];
	struct engine_who *who = NULL;
	struct store_event_new ev;
	struct engine_tell t;
	char *head, subject[160], *sp, to[160];
	size_t n = 0, i, people = 0;
	int64_t held = 0;
	int rc = 0;

	for (i = 0; i < stage->ntargets; i++)
		engine_resolve_target(e, &stage->targets[i], act->at_ms, &who,
		    &n);
	memset(&t, 0, sizeof t);
	t.id = al->id;
	t.stage = act->stage;
	/*
	 * What the messages say, if there is anyone to send one to; the
	 * headline is the console's alone (the outbox reads the alert).
	 */
	head = NULL;
	if (n > 0 || pol->cc != NULL) {
		if (e->outbox == NULL)
			head = engine_headline(al, st);
		t.head = head;
		sp = subject;
		/* A later stage reached by escalation says so, and why. */
		switch (act->reason) {
		case ESC_R_NO_ACK:
		case ESC_R_NO_RESOLVE:
		case ESC_R_MANUAL:
		case ESC_R_UNREACHABLE:
			t.event = NOTIFY_ESCALATED;
			engine_cat(&sp, subject + sizeof subject,
			    "escalated to stage ", act->stage);
			engine_cat(&sp, subject + sizeof subject, " (", -1);
			engine_cat(&sp, subject + sizeof subject,
			    esc_reason_name(act->reason), -1);
			engine_cat(&sp, subject + sizeof subject, ")", -1);
			break;
		default:
			t.event = NOTIFY_PAGE;
			engine_cat(&sp, subject + sizeof subject, what, -1);
			engine_cat(&sp, subject + sizeof subject, ", stage ",
			    act->stage);
			break;
		}
		t.reason = subject;
	}
	memset(&ev, 0, sizeof ev);
	ev.alert_id = al->id;
	ev.at_ms = act->at_ms;
	ev.actor = "engine";
	for (i = 0; i < n && rc == 0; i++) {
		sp = to;
		if (who[i].person != NULL) {
			people++;
			engine_cat(&sp, to + sizeof to, who[i].person, -1);
		} else {
			engine_cat(&sp, to + sizeof to, "chat:", -1);
			engine_cat(&sp, to + sizeof to, who[i].chat, -1);
		}
		ev.kind = "page";
		ev.detail = engine_page_detail(e, act, &who[i], to);
		rc = store_event_add(e->store, &ev, cause);
		/*
		 * The audit says why; who, typed: the outbox's rows, else
		 * (console lines only) the pages table.
		 */
		if (rc == 0 && e->outbox == NULL)
			rc = store_page_add(e->store, al->id, to, act->at_ms,
			    cause);
		if (rc == 0)
			rc = engine_send(e, &t, to, cause);
	}
	if (rc == 0 && n == 0) {
		snprintf(to, sizeof to, "{\"stage\":%d,\"reason\":\"no target"
		    " of the stage resolves to anyone\"}", act->stage);
		ev.kind = "page_failed";
		ev.detail = to;
		rc = store_event_add(e->store, &ev, cause);
		/* every one is in the audit; in a storm, a line a minute */
		if (throttle_log_due(&e->unpaged_log, clock_now_ms(),
		    THROTTLE_LOG_MS, &held) && held == 1)
			log_warnx("alert %" PRId64 ": stage %d has nobody to"
			    " page", al->id, act->stage);
		else if (held > 1)
			log_warnx("alert %" PRId64 ": stage %d has nobody to"
			    " page (%" PRId64 " alerts in all since the last"
			    " such line)", al->id, act->stage, held);
	}
	if (rc == 0 && pol->cc != NULL) {
		snprintf(to, sizeof to, "chat:%s", pol->cc);
		rc = engine_send(e, &t, to, cause);
	}
	free(head);
	free(who);
	if (rc != 0)
		return -1;
	return n == 0 ? 1 : 0;
}

/* Send a notice (event, reason) to the current stage and the cc channel. */
int
engine_notice(struct engine *e, const struct alert *al,
    const struct policy *pol, const struct esc_state *st, int64_t at,
    enum notify_event event, const char *reason, char **cause)
{
	struct engine_who *who = NULL;
	const struct policy_stage *stage;
	struct engine_tell t;
	char to[160], *head;
	size_t n = 0, i;
	int rc = 0;

	stage = &pol->stages[(st->stage > 0 ? st->stage : 1) - 1];
	for (i = 0; i < stage->ntargets; i++)
		engine_resolve_target(e, &stage->targets[i], at, &who, &n);
	head = engine_headline(al, st);
	engine_tell_init(&t, al, st, event, reason, head);
	for (i = 0; i < n && rc == 0; i++) {
		if (who[i].person != NULL)
			snprintf(to, sizeof to, "%s", who[i].person);
		else
			snprintf(to, sizeof to, "chat:%s", who[i].chat);
		rc = engine_send(e, &t, to, cause);
	}
	if (rc == 0 && pol->cc != NULL) {
		snprintf(to, sizeof to, "chat:%s", pol->cc);
		rc = engine_send(e, &t, to, cause);
	}
	free(head);
	free(who);
	return rc;
}

/*
 * Tell everyone who was paged for the alert (a page that went out, or
 * is going: the outbox's rows; a page cancelled before it left does not
 * count) an ack or a resolve, so nobody works an alert that someone
 * else holds, and nobody hears of an alert they were never paged for.
 * Without an outbox (no channels), the store's record of pages says who.
 */
int
engine_notify_paged(struct engine *e, const struct alert *al,
    const struct esc_state *st, enum notify_event event, const char *reason,
    char **cause)
{
	struct engine_tell t;
	char **to = NULL, *head;
	size_t nto = 0, j;
	int rc = 0;

	if (e->outbox != NULL) {
		if (store_outbox_paged(e->store, al->id, &to, &nto) != 0) {
			xasprintf(cause, "cannot read who was paged");
			return -1;
		}
	} else if (store_page_people(e->store, al->id, &to, &nto) != 0) {
		xasprintf(cause, "cannot read who was paged");
		return -1;
	}
	head = engine_headline(al, st);
	engine_tell_init(&t, al, st, event, reason, head);
	for (j = 0; j < nto; j++) {
		if (rc == 0)
			rc = engine_send(e, &t, to[j], cause);
		free(to[j]);
	}
	free(to);
	free(head);
	return rc;
}
