/* SPDX-License-Identifier: ISC */
/*
 * chan-console.c: the console channel.  Writes each message as one
 * line (plus an indented body) to standard output and flushes, so pages
 * show up at once in a terminal or a journal.  As a channel driver
 * ("console") it needs no account, so it is the default that works.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "clock.h"
#include "xmalloc.h"

static int chan_console_check(const struct conf_chan *, char **);
static int chan_console_page(const struct conf_chan *,
    const struct chan_page *, chan_done_cb, void *, char **);

const struct chan_driver chan_console_driver = {
	"console", CHAN_CONSOLE, chan_console_check, chan_console_page
};

static FILE *chan_console_out;

void
chan_console_init(FILE *f)
{
	chan_console_out = f;
}

/* Print msg, unflushed; control characters in it are shown as '?'. */
static void
chan_console_print(FILE *f, const struct chan_msg *msg)
{
	char when[32];
	const char *p;

	clock_format_iso(clock_now_ms(), when, sizeof when);
	fprintf(f, "%s console: to %s: ", when, *msg->to != '\0' ? msg->to :
	    "everyone");
	for (p = msg->subject; *p != '\0'; p++)
		fputc((unsigned char)*p < 0x20 ? '?' : *p, f);
	fputc('\n', f);
	if (msg->body != NULL) {
		fputs("    ", f);
		for (p = msg->body; *p != '\0'; p++) {
			if (*p == '\n')
				fputs("\n    ", f);
			else
				fputc((unsigned char)*p < 0x20 ? '?' : *p, f);
		}
		fputc('\n', f);
	}
}

static FILE *
chan_console_file(void)
{
	return chan_console_out != NULL ? chan_console_out : stdout;
}

/* Print msg and flush. */
int
chan_console_send(const struct chan_msg *msg)
{
	FILE *f = chan_console_file();

	chan_console_print(f, msg);
	return fflush(f) == 0 ? 0 : -1;
}

static int
chan_console_check(const struct conf_chan *cc, char **cause)
{
	return 0;
}

/*
 * The driver: one line per alert (or the note), flushed together; done
 * is called before returning.
 */
static int
chan_console_page(const struct conf_chan *cc, const struct chan_page *pg,
    chan_done_cb done, void *arg, char **cause)
{
	struct chan_result r;
	struct chan_msg m;
	char *subject;
	size_t i;
	int rc = 0;

	if (pg->nalerts == 0) {
		/* A note: its title, then its text indented. */
		memset(&m, 0, sizeof m);
		m.to = pg->person != NULL ? pg->person : pg->to != NULL ?
		    pg->to : "";
		m.subject = pg->reason != NULL ? pg->reason : "note";
		m.body = pg->note;
		rc = chan_console_send(&m);
	}
	for (i = 0; i < pg->nalerts; i++) {
		/* Each alert with its own event: "page, stage 1: ...". */
		subject = chan_msg_expand(cc->tpl_text != NULL ? cc->tpl_text :
		    "{reason}: alert #{id} [{priority}] {service}: {summary}",
		    pg, &pg->alerts[i], NULL);
		memset(&m, 0, sizeof m);
		m.alert_id = pg->alerts[i].id;
		m.to = pg->person != NULL ? pg->person : pg->to != NULL ?
		    pg->to : "";
		m.subject = subject;
		m.body = pg->alerts[i].ack_url;
		chan_console_print(chan_console_file(), &m);
		free(subject);
	}
	if (pg->nalerts > 0 && fflush(chan_console_file()) != 0)
		rc = -1;
	memset(&r, 0, sizeof r);
	r.status = rc == 0 ? CHAN_SENT : CHAN_RETRY;
	r.error = rc == 0 ? NULL : "cannot write to the console";
	r.retry_after_ms = -1;
	done(arg, &r);
	return 0;
}
