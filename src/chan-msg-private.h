/* SPDX-License-Identifier: ISC */
/*
 * chan-msg-private.h: shared by the chan-msg*.c files only, which build
 * what a page says on each channel family; chan.h has their public side.
 */
#ifndef CHAN_MSG_PRIVATE_H
#define CHAN_MSG_PRIVATE_H

#include <stddef.h>

#include "compat.h"

struct chan_page;

/* Alerts listed one by one in a mail or chat message, at most. */
#define CHAN_MSG_LIST_MAX 20

/* A growing string the builders write into; start it { NULL, 0 }. */
struct chan_msg_buf {
	char *p;
	size_t len;
	size_t cap;	/* allocated, grown by doubling */
};

/* chan-msg.c */
void chan_msg_buf_add(struct chan_msg_buf *, const char *, size_t);
void chan_msg_buf_str(struct chan_msg_buf *, const char *);
void chan_msg_buf_printf(struct chan_msg_buf *, const char *, ...)
    printflike(2, 3);
char *chan_msg_buf_take(struct chan_msg_buf *); /* the text, or "" */
char *chan_msg_cut(const char *, size_t); /* on UTF-8, with "..." */
const char *chan_msg_note_title(const struct chan_page *); /* never NULL */
const char *chan_msg_note_text(const struct chan_page *);  /* never NULL */
char *chan_msg_note_line(const struct chan_page *); /* "title: text" */
char *chan_msg_more(const struct chan_page *, size_t); /* "+N more: URL" */
long chan_msg_utf8(const char **); /* one code point, or -1 */

#endif
