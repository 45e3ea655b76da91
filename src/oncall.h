/* SPDX-License-Identifier: ISC */
/*
 * oncall.h: the people file and the rotas in force in the daemon,
 * loaded from the paths pagerd.conf names.  A reload keeps, per rota
 * file, the last version that loaded: a broken edit is reported and the
 * previous rota stays in force.  Broken means what pagerd -t calls an
 * error: syntax, unknown people, contradictory overrides, and coverage
 * gaps (or fatigue, if strict) over the next 90 days.  Those last are
 * judged as a change: an edit that brings them into a rota that had
 * none is refused, but a rota that has them anyway (at start, a new
 * file, or because its backup or the people changed) stays in force,
 * with its errors listed.  rota_dir is watched with inotify.
 */
#ifndef ONCALL_H
#define ONCALL_H

#include <stddef.h>
#include <stdint.h>

struct conf;
struct event_base;
struct oncall;
struct people;
struct rota_findings;
struct rota_set;

/* What the last load of one rota file did. */
enum oncall_state {
	ONCALL_OK,     /* the file loaded; its rota is in force */
	ONCALL_STALE,  /* the file is broken; the previous version is kept */
	ONCALL_FAILED, /* the file is broken and no version ever loaded */
};

struct oncall_status {
	char *file;
	char *name;         /* the rota in force from file, or NULL */
	enum oncall_state state;
	int64_t loaded_ms;  /* last successful load; 0: never */
	int64_t checked_ms; /* last attempt */
	char *error;        /* "file:line: message" of the last attempt */
	char **warnings;    /* findings that did not reject the file */
	size_t nwarnings;
	char **errors;      /* coverage or fatigue errors of the rota in */
	size_t nerrors;     /* force that did not reject it (see below) */
	char *text;         /* the file as it was when its rota loaded */
};

/* Called after the people or rotas in force changed (set replaced). */
typedef void (*oncall_change_cb)(struct oncall *, void *);

/* oncall.c */
char **oncall_list_dir(const char *, size_t *);
void oncall_log_findings(const struct rota_findings *);
struct oncall *oncall_load(const struct conf *, struct rota_findings *,
    char **);
int oncall_reload(struct oncall *, const struct conf *, char **);
void oncall_reload_rotas(struct oncall *);
void oncall_free(struct oncall *);
void oncall_set_change_cb(struct oncall *, oncall_change_cb, void *);
int oncall_watch(struct oncall *, struct event_base *);
const struct people *oncall_people(const struct oncall *);
const struct rota_set *oncall_rotas(const struct oncall *);
const char *oncall_rota_dir(const struct oncall *);
size_t oncall_nstatus(const struct oncall *);
const struct oncall_status *oncall_status(const struct oncall *, size_t);
const struct oncall_status *oncall_status_find(const struct oncall *,
    const char *);

#endif
