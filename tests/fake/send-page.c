/* SPDX-License-Identifier: ISC */
/*
 * send-page.c: test-only driver for the channel end-to-end tests until
 * the engine pages through the outbox.  It links the real xfer, drivers,
 * outbox and store: creates the alerts, pages the people given on the
 * command line, runs the loop until nothing is being sent or falls due
 * before the time limit, and prints each row, each unreachable person and how the
 * loop kept ticking meanwhile.
 *
 * usage: send-page -c pagerd.conf [-w secs] [-t tick-ms] -p SPEC ...
 * SPEC is "key=value;..." with keys person, email, sms, voice, chat,
 * rules ("chan@delay,chan@delay"), summary, service, priority, ack_url,
 * count (that many alerts for this person, for bundling), and links (a
 * JSON array), client and client_url as an Events v2 trigger has them.
 */
#include <sys/time.h>

#include <event2/event.h>
#include <event2/http.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert.h"
#include "chan.h"
#include "clock.h"
#include "conf.h"
#include "duration.h"
#include "http.h"
#include "log.h"
#include "outbox.h"
#include "store.h"
#include "twilio.h"
#include "xfer.h"
#include "xmalloc.h"

#define SP_MAX_PAGES 64
#define SP_MAX_RULES 8

struct sp_page {
	char *person, *email, *sms, *voice, *chat, *summary, *service;
	char *ack_url;
	char *links, *client, *client_url; /* as an Events v2 trigger's */
	int priority, count;
	struct outbox_rule rules[SP_MAX_RULES];
	size_t nrules;
	int64_t ids[SP_MAX_PAGES];
};

static struct sp_page sp_pages[SP_MAX_PAGES];
static size_t sp_npages;
static int64_t sp_tick_ms, sp_last_tick, sp_max_late;
static long sp_ticks;
static struct event *sp_tick_ev;

static void
sp_usage(void)
{
	fprintf(stderr, "usage: send-page -c conf [-w secs] [-t tick-ms]"
	    " [-H] -p spec ...\n");
	exit(2);
}

static void
sp_parse(const char *spec)
{
	struct sp_page *p = &sp_pages[sp_npages];
	char *copy = xstrdup(spec), *kv, *v, *r, *at, *save = NULL;
	int64_t ms;
	char *cause;

	if (sp_npages == SP_MAX_PAGES)
		fatalx("too many pages");
	memset(p, 0, sizeof *p);
	p->priority = 1;
	p->count = 1;
	for (kv = strtok_r(copy, ";", &save); kv != NULL;
	    kv = strtok_r(NULL, ";", &save)) {
		if ((v = strchr(kv, '=')) == NULL)
			fatalx("bad spec item %s", kv);
		*v++ = '\0';
		if (strcmp(kv, "person") == 0)
			p->person = xstrdup(v);
		else if (strcmp(kv, "email") == 0)
			p->email = xstrdup(v);
		else if (strcmp(kv, "sms") == 0)
			p->sms = xstrdup(v);
		else if (strcmp(kv, "voice") == 0)
			p->voice = xstrdup(v);
		else if (strcmp(kv, "chat") == 0)
			p->chat = xstrdup(v);
		else if (strcmp(kv, "summary") == 0)
			p->summary = xstrdup(v);
		else if (strcmp(kv, "service") == 0)
			p->service = xstrdup(v);
		else if (strcmp(kv, "ack_url") == 0)
			p->ack_url = xstrdup(v);
		else if (strcmp(kv, "links") == 0)
			p->links = xstrdup(v);
		else if (strcmp(kv, "client") == 0)
			p->client = xstrdup(v);
		else if (strcmp(kv, "client_url") == 0)
			p->client_url = xstrdup(v);
		else if (strcmp(kv, "priority") == 0)
			p->priority = atoi(v);
		else if (strcmp(kv, "count") == 0)
			p->count = atoi(v);
		else if (strcmp(kv, "rules") == 0) {
			for (r = strtok(v, ","); r != NULL &&
			    p->nrules < SP_MAX_RULES; r = strtok(NULL, ",")) {
				ms = 0;
				if ((at = strchr(r, '@')) != NULL) {
					*at++ = '\0';
					if (duration_parse(at, &ms, &cause) != 0)
						fatalx("%s", cause);
				}
				p->rules[p->nrules].channel = xstrdup(r);
				p->rules[p->nrules++].after_ms = ms;
			}
		} else
			fatalx("unknown spec key %s", kv);
	}
	if (p->person == NULL)
		fatalx("spec without person");
	if (p->count < 1 || p->count > SP_MAX_PAGES)
		fatalx("bad count");
	free(copy);
	sp_npages++;
}

static void
sp_unreachable_cb(int64_t id, const char *person, void *arg)
{
	printf("unreachable alert=%" PRId64 " person=%s\n", id, person);
	fflush(stdout);
}

/* The loop must keep turning on time whatever the providers do. */
static void
sp_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	int64_t now = clock_now_ms(), late;

	if (sp_last_tick != 0) {
		late = now - sp_last_tick - sp_tick_ms;
		if (late > sp_max_late)
			sp_max_late = late;
	}
	sp_last_tick = now;
	sp_ticks++;
}

/* 1 when no row is being sent or falls due before the deadline. */
static int
sp_settled(struct store *st, int64_t deadline, int print)
{
	struct store_note *rows;
	size_t i, j, k, n;
	int done = 1;

	for (i = 0; i < sp_npages; i++) {
		for (k = 0; k < (size_t)sp_pages[i].count; k++) {
			if (store_outbox_list(st, sp_pages[i].ids[k], &rows,
			    &n) != 0)
				fatalx("store_outbox_list failed");
			for (j = 0; j < n; j++) {
				if ((rows[j].state == NOTIFY_PENDING &&
				    rows[j].due_ms <= deadline) ||
				    rows[j].state == NOTIFY_SENDING)
					done = 0;
				if (print)
					printf("row alert=%" PRId64 " person=%s"
					    " channel=%s address=%s step=%d"
					    " state=%s attempt=%d provider_id=%s"
					    " error=%s\n", rows[j].alert_id,
					    rows[j].person, rows[j].channel,
					    rows[j].address, rows[j].step,
					    notify_state_name(rows[j].state),
					    rows[j].attempt,
					    rows[j].provider_id != NULL ?
					    rows[j].provider_id : "-",
					    rows[j].last_error != NULL ?
					    rows[j].last_error : "-");
			}
			store_notes_free(rows, n);
		}
	}
	return done;
}

int
main(int argc, char **argv)
{
	struct event_base *base;
	struct store_raise raise;
	struct alert_new an;
	struct outbox_page pg;
	struct api_hooks th;
	struct http *http = NULL;
	struct outbox *ob;
	struct store *st;
	struct conf *c;
	struct timeval tv;
	const char *conf_path = NULL;
	char *cause = NULL, key[64];
	int64_t deadline, start;
	int ch, wait_s = 30, hooks = 0, settled = 0, rc;
	size_t i, k;

	log_init(1, 0);
	while ((ch = getopt(argc, argv, "c:Hp:t:vw:")) != -1) {
		switch (ch) {
		case 'c':
			conf_path = optarg;
			break;
		case 'H':
			hooks = 1;
			break;
		case 'p':
			sp_parse(optarg);
			break;
		case 't':
			sp_tick_ms = atoi(optarg);
			break;
		case 'v':
			log_setverbose(log_getverbose() + 1);
			break;
		case 'w':
			wait_s = atoi(optarg);
			break;
		default:
			sp_usage();
		}
	}
	if (conf_path == NULL || sp_npages == 0)
		sp_usage();
	if ((c = conf_load(conf_path, &cause)) == NULL) {
		fprintf(stderr, "%s", cause);
		return 1;
	}
	base = event_base_new();
	if (xfer_init(base, &cause) != 0)
		fatalx("%s", cause);
	chan_console_init(stdout);
	if ((st = store_open(c->state_dir, &cause)) == NULL)
		fatalx("%s", cause);
	ob = outbox_new(base, st, c);
	outbox_set_unreachable_cb(ob, sp_unreachable_cb, NULL);
	if (outbox_resume(ob, &cause) != 0)
		fatalx("%s", cause);
	if (hooks) {
		if ((http = http_new(base, c, &cause)) == NULL)
			fatalx("%s", cause);
		memset(&th, 0, sizeof th); /* no throttle here */
		th.conf = c;
		th.store = st;
		th.outbox = ob;
		api_hooks_init(&th, http);
	}

	start = clock_now_ms();
	if (store_begin(st, &cause) != 0)
		fatalx("%s", cause);
	for (i = 0; i < sp_npages; i++) {
		for (k = 0; k < (size_t)sp_pages[i].count; k++) {
			memset(&an, 0, sizeof an);
			snprintf(key, sizeof key, "sp-%lld-%zu-%zu",
			    (long long)start, i, k);
			an.dedup_key = key;
			an.service = sp_pages[i].service != NULL ?
			    sp_pages[i].service : (char *)"db";
			an.priority = sp_pages[i].priority;
			an.summary = sp_pages[i].summary != NULL ?
			    sp_pages[i].summary : (char *)"disk full on db1";
			an.links = sp_pages[i].links;
			an.client = sp_pages[i].client;
			an.client_url = sp_pages[i].client_url;
			if (store_alert_raise(st, &an, start, &raise,
			    &cause) != 0 || store_alert_context_add(st,
			    raise.id, &an, &cause) != 0)
				fatalx("%s", cause);
			free(raise.dedup_key);
			sp_pages[i].ids[k] = raise.id;
			memset(&pg, 0, sizeof pg);
			pg.alert_id = raise.id;
			pg.person = sp_pages[i].person;
			pg.contact.email = sp_pages[i].email;
			pg.contact.sms = sp_pages[i].sms;
			pg.contact.voice = sp_pages[i].voice;
			pg.contact.chat = sp_pages[i].chat;
			pg.rules = sp_pages[i].rules;
			pg.nrules = sp_pages[i].nrules;
			pg.event = NOTIFY_PAGE;
			pg.stage = 1;
			pg.reason = "stage 1";
			pg.ack_url = sp_pages[i].ack_url;
			if (outbox_page(ob, &pg, start, &cause) != 0)
				fatalx("%s", cause);
		}
	}
	if (store_commit(st, &cause) != 0)
		fatalx("%s", cause);
	outbox_kick(ob);

	if (sp_tick_ms > 0) {
		sp_tick_ev = event_new(base, -1, EV_PERSIST, sp_tick_cb, NULL);
		tv.tv_sec = sp_tick_ms / 1000;
		tv.tv_usec = (sp_tick_ms % 1000) * 1000;
		event_add(sp_tick_ev, &tv);
	}
	deadline = start + wait_s * 1000LL;
	while (clock_now_ms() < deadline) {
		event_base_loop(base, EVLOOP_ONCE);
		if (outbox_inflight(ob) == 0 && sp_settled(st, deadline, 0)) {
			settled = 1;
			/* Reports may still come (-H): keep serving a bit. */
			if (!hooks)
				break;
		}
	}
	rc = sp_settled(st, deadline, 1);
	printf("settled=%d elapsed_ms=%" PRId64 " ticks=%ld max_late_ms=%"
	    PRId64 "\n", rc && settled, clock_now_ms() - start, sp_ticks,
	    sp_max_late);
	fflush(stdout);
	outbox_close(ob);
	xfer_shutdown();
	outbox_free(ob);
	if (http != NULL)
		http_free(http);
	if (sp_tick_ev != NULL)
		event_free(sp_tick_ev);
	store_close(st);
	conf_free(c);
	event_base_free(base);
	for (i = 0; i < sp_npages; i++) {
		for (k = 0; k < sp_pages[i].nrules; k++)
			free((char *)sp_pages[i].rules[k].channel);
		free(sp_pages[i].person);
		free(sp_pages[i].email);
		free(sp_pages[i].sms);
		free(sp_pages[i].voice);
		free(sp_pages[i].chat);
		free(sp_pages[i].summary);
		free(sp_pages[i].service);
		free(sp_pages[i].ack_url);
	}
	return 0;
}
