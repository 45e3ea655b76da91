/* SPDX-License-Identifier: ISC */
/*
 * pagerctl.h: private to pagerctl, the operators' command-line client:
 * its state, exit statuses, and the functions its pagerctl-*.c files
 * share.  One file per command group runs over one HTTP client
 * (pagerctl-api.c) and one formatter (pagerctl-fmt.c).
 */
#ifndef PAGERCTL_H
#define PAGERCTL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "compat.h"

/* Exit statuses. */
#define PAGERCTL_OK 0
#define PAGERCTL_FAIL 1  /* an error, or findings that are errors */
#define PAGERCTL_USAGE 2
#define PAGERCTL_NOTFOUND 3 /* the daemon answered 404: no such alert */
#define PAGERCTL_CONFLICT 4 /* 409: the alert's state does not allow it */

struct conf;
struct pagerctl_table;

struct pagerctl {
	const char *conf_path;
	int conf_given; /* -c was given: a missing file is an error */
	char *conf_found; /* the pagerd.conf found near a rota file */
	const char *url;
	const char *token_file;
	char *token;
	int json; /* --json: print the API's JSON as is */
	int unreachable; /* the last request got no answer at all */
};

/* pagerctl.c: the command table, global options, shared helpers */
/* Print the usage of the command named words and exit 2. */
__dead void pagerctl_cmd_usage(const char *);
/* The daemon's reply for --json, unchanged (it ends in a newline). */
void pagerctl_print_raw(const char *);
/* o's string key, or "-" if it has none; borrowed from o. */
const char *pagerctl_str(const json_t *, const char *);
/* ms since the epoch of o's ISO 8601 key; 0 if none. */
int64_t pagerctl_ms(const json_t *, const char *);
/* o's integer key as text into buf ("-" if missing). */
const char *pagerctl_int(const json_t *, const char *, char *, size_t);
/* Print table t (and free it), cut to the terminal's width. */
void pagerctl_table_print(struct pagerctl_table *);
/* The folder of a file path, as a new string. */
char *pagerctl_dir_of(const char *);
/* pagerd.conf for the offline commands about a rota file; may be NULL. */
struct conf *pagerctl_conf_near(struct pagerctl *, const char *);

/* pagerctl-api.c: the HTTP client to the daemon */
/* Once, before any request; fatal if libcurl cannot start. */
void pagerctl_api_init(void);
/* Once, at exit: libcurl's end, and the token wiped and freed. */
void pagerctl_api_done(struct pagerctl *);
/* Find the bearer token (--token-file, $PAGERD_TOKEN): 0, or -1 said. */
int pagerctl_api_token(struct pagerctl *);
/* GET path, or POST body to it: an exit status, and *out (and *raw). */
int pagerctl_api_request(struct pagerctl *, const char *, const char *,
    json_t **, char **);
/* The same with a method of its own ("DELETE"). */
int pagerctl_api_method(struct pagerctl *, const char *, const char *,
    const char *, json_t **, char **);
/* The same for a command, path freed: under --json, printed, *out NULL. */
int pagerctl_api_call(struct pagerctl *, char *, const char *, json_t **);
/* Append "name=value", escaped, to the query of *path (replaced). */
void pagerctl_api_query(char **, const char *, const char *);

/* The commands: each takes its arguments, its last word as argv[0]. */
/* pagerctl-oncall.c */
int pagerctl_oncall(struct pagerctl *, int, char **);
/* pagerctl-alerts.c */
int pagerctl_alerts(struct pagerctl *, int, char **);
int pagerctl_alerts_action(struct pagerctl *, int, char **);
/* pagerctl-show.c */
int pagerctl_show(struct pagerctl *, int, char **);
/* pagerctl-stats.c */
int pagerctl_stats(struct pagerctl *, int, char **);
/* pagerctl-silence.c */
int pagerctl_silence_add(struct pagerctl *, int, char **);
int pagerctl_silence_list(struct pagerctl *, int, char **);
int pagerctl_silence_expire(struct pagerctl *, int, char **);
/* pagerctl-rota.c */
int pagerctl_rota_check(struct pagerctl *, int, char **);
int pagerctl_rota_show(struct pagerctl *, int, char **);

#endif
