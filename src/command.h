/* SPDX-License-Identifier: ISC */
/*
 * command.h: what reaches a standby node for the leader to carry out
 * (an acknowledgement, resolution, note, escalation or snooze, a
 * silence made or expired, a provider's delivery report), passed
 * through the commands table of the store (store-command.c).  The
 * standby writes it and waits a moment for the result (command-wait.c);
 * the leader carries it out through its engine and outbox (command.c).
 */
#ifndef COMMAND_H
#define COMMAND_H

#include <stdint.h>

struct event_base;
struct engine;
struct outbox;
struct store;
struct store_command;

/* How long a standby waits for the leader before it answers anyway. */
#define COMMAND_WAIT_MS 3000
/* How often it looks whether the leader did it. */
#define COMMAND_POLL_MS 20
/* How long done commands are kept. */
#define COMMAND_KEEP_MS (24 * 3600 * INT64_C(1000))

/* command.c: the leader's side */
int command_apply(struct engine *, struct outbox *,
    const struct store_command *, int64_t *, char **);
int command_run(struct engine *, struct outbox *, struct store *, int64_t);

/*
 * command-wait.c: the standby's side.  done(arg, c) is called once: c is
 * the command carried out (c->result an enum engine_result), or NULL if
 * the leader had not done it within COMMAND_WAIT_MS, or the node stops.
 */
struct command_waits;
typedef void (*command_done_cb)(void *, const struct store_command *);

struct command_waits *command_waits_new(struct event_base *, struct store *);
void command_waits_free(struct command_waits *);
void command_waits_hook(struct command_waits *, void (*)(void *), void *);
int command_send(struct command_waits *, const struct store_command *,
    int64_t *, char **);
int command_submit(struct command_waits *, const struct store_command *,
    int64_t *, command_done_cb, void *, char **);

#endif
