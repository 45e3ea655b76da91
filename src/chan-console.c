/* SPDX-License-Identifier: ISC */
/*
 * chan-console.c: the console channel.  Writes each message as one
 * line (plus an indented body) to standard output and flushes, so pages
 * show up at once in a terminal or a journal.
 */
#include <stdio.h>
#include <string.h>

#include "chan.h"
#include "clock.h"

static FILE *chan_console_out;

void
chan_console_init(FILE *f)
{
	chan_console_out = f;
}

/* Print msg; control characters in it are shown as '?'. */
int
chan_console_send(const struct chan_msg *msg)
{
	char when[32];
	const char *p;
	FILE *f = chan_console_out != NULL ? chan_console_out : stdout;

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
	return fflush(f) == 0 ? 0 : -1;
}
