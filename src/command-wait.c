/* SPDX-License-Identifier: ISC */
/*
 * command-wait.c: a standby node's side of a command (command.h).  The
 * command is written and committed before anything is answered (so a
 * standby killed after it answered loses nothing); the leader is told
 * (the hook: a NOTIFY on PostgreSQL), and the standby looks at the row
 * every COMMAND_POLL_MS until the leader marked it done, at most
 * COMMAND_WAIT_MS / COMMAND_POLL_MS times: then the caller answers with
 * the result, or says that the command was accepted and will be
 * carried out.
 */
#include <sys/queue.h>

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "durable.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

struct command_wait {
	struct command_waits *w;
	struct event *ev;
	int64_t id;
	int polls;        /* left before it answers anyway */
	command_done_cb done;
	void *arg;
	LIST_ENTRY(command_wait) entry;
};

struct command_waits {
	struct event_base *base;
	struct store *store;
	void (*added)(void *);
	void *added_arg;
	LIST_HEAD(, command_wait) list;
};

struct command_waits *
command_waits_new(struct event_base *base, struct store *store)
{
	struct command_waits *w = xcalloc(1, sizeof *w);

	w->base = base;
	w->store = store;
	LIST_INIT(&w->list);
	return w;
}

/* Called once a command was committed (to wake the leader). */
void
command_waits_hook(struct command_waits *w, void (*added)(void *), void *arg)
{
	w->added = added;
	w->added_arg = arg;
}

static void
command_wait_end(struct command_wait *cw, const struct store_command *c)
{
	LIST_REMOVE(cw, entry);
	event_free(cw->ev);
	cw->done(cw->arg, c);
	free(cw);
}

/* Answers every wait as not done yet (the node stops), and frees w. */
void
command_waits_free(struct command_waits *w)
{
	struct command_wait *cw;

	if (w == NULL)
		return;
	while ((cw = LIST_FIRST(&w->list)) != NULL)
		command_wait_end(cw, NULL);
	free(w);
}

static void
command_wait_cb(evutil_socket_t fd, short what, void *arg)
{
	struct command_wait *cw = arg;
	struct store_command c;
	struct timeval tv = { 0, COMMAND_POLL_MS * 1000 };

	if (store_command_get(cw->w->store, cw->id, &c) == 0 &&
	    c.done_ms != 0) {
		command_wait_end(cw, &c);
		store_command_clear(&c);
		return;
	}
	store_command_clear(&c);
	if (--cw->polls <= 0) {
		command_wait_end(cw, NULL);
		return;
	}
	evtimer_add(cw->ev, &tv);
}

/*
 * Write command c for the leader, and tell it: 0 with its id in *id, or
 * -1 with *cause if it could not be written.  Committed, not yet synced:
 * answer from durable_then().
 */
int
command_send(struct command_waits *w, const struct store_command *c,
    int64_t *id, char **cause)
{
	if (store_begin(w->store, cause) != 0)
		return -1;
	if (store_command_add(w->store, c, id, cause) != 0 ||
	    store_commit_async(w->store, durable_ignore, NULL, cause) != 0) {
		store_rollback(w->store);
		return -1;
	}
	if (w->added != NULL)
		w->added(w->added_arg);
	return 0;
}

/*
 * command_send(), then wait for the leader to carry it out: done is
 * called later, once.  -1 with *cause if it could not be written (done
 * is not called).
 */
int
command_submit(struct command_waits *w, const struct store_command *c,
    int64_t *id, command_done_cb done, void *arg, char **cause)
{
	struct command_wait *cw;
	struct timeval tv = { 0, COMMAND_POLL_MS * 1000 };

	if (command_send(w, c, id, cause) != 0)
		return -1;
	cw = xcalloc(1, sizeof *cw);
	cw->w = w;
	cw->id = *id;
	cw->polls = COMMAND_WAIT_MS / COMMAND_POLL_MS;
	cw->done = done;
	cw->arg = arg;
	cw->ev = evtimer_new(w->base, command_wait_cb, cw);
	if (cw->ev == NULL)
		fatalx("command: evtimer_new");
	LIST_INSERT_HEAD(&w->list, cw, entry);
	evtimer_add(cw->ev, &tv);
	return 0;
}
