/* SPDX-License-Identifier: ISC */
/*
 * pagerctl.c: the operators' command-line client.  Commands that ask
 * the running daemon go through its HTTP API (pagerctl-api.c);
 * "rota check", and "rota show" of a file or with --files, work offline
 * from pagerd.conf.
 * Each command is one entry of pagerctl_cmds[]: its words ("rota
 * check"), a function taking the arguments after them, and its usage.
 * The functions live one file per command group (pagerctl-oncall.c,
 * pagerctl-alerts.c, pagerctl-show.c, pagerctl-stats.c,
 * pagerctl-rota.c); this file has main, the global options, and the
 * helpers they share.
 */
#include <sys/ioctl.h>

#include <getopt.h>
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "iso8601.h"
#include "log.h"
#include "pagerctl-fmt.h"
#include "pagerctl.h"
#include "xmalloc.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define PAGERCTL_CONF SYSCONFDIR "/pagerd/pagerd.conf"
#define PAGERCTL_URL "http://127.0.0.1:8080"

struct pagerctl_cmd {
	const char *words; /* "rota check" */
	int (*run)(struct pagerctl *, int, char **);
	const char *args;
	const char *help;
};

static const struct pagerctl_cmd pagerctl_cmds[] = {
	{ "oncall", pagerctl_oncall, "[--rota NAME] [--at TIME]",
	    "who is on call now or at TIME (asks the daemon)" },
	{ "alerts", pagerctl_alerts, "[--status S] [--service S] [--priority P]"
	    " [--limit N] [--all]", "list alerts, newest first" },
	{ "show", pagerctl_show, "ID", "an alert and its audit timeline" },
	{ "ack", pagerctl_alerts_action, "ID [--as NAME]",
	    "acknowledge an alert" },
	{ "resolve", pagerctl_alerts_action, "ID [--as NAME]",
	    "resolve an alert" },
	{ "escalate", pagerctl_alerts_action, "ID [--as NAME]",
	    "move an alert to its next escalation stage now" },
	{ "note", pagerctl_alerts_action, "ID TEXT ... [--as NAME]",
	    "add a note to an alert's timeline" },
	{ "snooze", pagerctl_alerts_action, "ID DURATION [--as NAME]",
	    "snooze an acknowledged alert: it pages again after DURATION" },
	{ "stats", pagerctl_stats, "[--from TIME] [--to TIME] [--service S]"
	    " [--priority P]", "service-level report (default: last 7 days)" },
	{ "silence add", pagerctl_silence_add, "[--service S] [--priority P]"
	    " [--dedup-key K] [--summary GLOB] [--source S]"
	    " [--label NAME=VALUE] ... [--start TIME] --end TIME|--for DUR"
	    " [--quiet] COMMENT ...", "stop paging for matching alerts" },
	{ "silence list", pagerctl_silence_list, "",
	    "silences in force, to come, and ended this week" },
	{ "silence expire", pagerctl_silence_expire, "ID",
	    "end a silence now; its alerts go as at its end" },
	{ "rota check", pagerctl_rota_check, "FILE ...",
	    "check rota files offline; exit 1 on errors" },
	{ "rota show", pagerctl_rota_show, "NAME|FILE [--files] [--days N]"
	    " [--from TIME]", "timeline of the rota in force for the next"
	    " days (FILE, --files: offline)" },
};

static __dead void
usage(void)
{
	size_t i;

	fprintf(stderr, "usage: pagerctl [-c file] [-u url] [--token-file"
	    " file] [--json] command [args]\ncommands:\n");
	for (i = 0; i < nitems(pagerctl_cmds); i++)
		fprintf(stderr, "  %s %s\n      %s\n", pagerctl_cmds[i].words,
		    pagerctl_cmds[i].args, pagerctl_cmds[i].help);
	exit(PAGERCTL_USAGE);
}

__dead void
pagerctl_cmd_usage(const char *words)
{
	size_t i;

	for (i = 0; i < nitems(pagerctl_cmds); i++) {
		if (strcmp(pagerctl_cmds[i].words, words) == 0)
			fprintf(stderr, "usage: pagerctl %s %s\n", words,
			    pagerctl_cmds[i].args);
	}
	exit(PAGERCTL_USAGE);
}

/*
 * The command whose words start argv; *nwords gets how many words it
 * has.  The longest match wins, so "rota" and "rota check" may coexist.
 */
static const struct pagerctl_cmd *
pagerctl_cmd_find(int argc, char **argv, int *nwords)
{
	const struct pagerctl_cmd *best = NULL;
	char *copy, *w, *save;
	size_t i;
	int n, ok, bestn = 0;

	for (i = 0; i < nitems(pagerctl_cmds); i++) {
		copy = xstrdup(pagerctl_cmds[i].words);
		ok = 1;
		n = 0;
		for (w = strtok_r(copy, " ", &save); w != NULL;
		    w = strtok_r(NULL, " ", &save)) {
			if (n >= argc || strcmp(argv[n], w) != 0) {
				ok = 0;
				break;
			}
			n++;
		}
		free(copy);
		if (ok && n > bestn) {
			best = &pagerctl_cmds[i];
			bestn = n;
		}
	}
	*nwords = bestn;
	return best;
}

/*
 * What the commands share: printing the daemon's replies, reading their
 * fields, tables on the terminal, numbers in arguments, and the
 * pagerd.conf of the offline commands.
 */

/* The daemon's reply for --json, unchanged (it ends in a newline). */
void
pagerctl_print_raw(const char *raw)
{
	size_t len = strlen(raw);

	fputs(raw, stdout);
	if (len == 0 || raw[len - 1] != '\n')
		putchar('\n');
}

/* o's string key, or "-" if it has none. */
const char *
pagerctl_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "-";
}

/* ms since the epoch of an ISO 8601 string of the daemon's; 0 if none. */
int64_t
pagerctl_ms(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	char *cause = NULL;
	int64_t ms;

	if (s == NULL || iso8601_parse(s, &ms, &cause) != 0) {
		free(cause);
		return 0;
	}
	return ms;
}

/* o's integer key as text into buf ("-" if missing). */
const char *
pagerctl_int(const json_t *o, const char *key, char *buf, size_t len)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		return "-";
	snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	return buf;
}

/* Columns of the terminal on stdout; 0 (no limit) if it is not one. */
static size_t
pagerctl_term_width(void)
{
	struct winsize ws;
	const char *env;
	long n;

	if (!isatty(STDOUT_FILENO))
		return 0;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	if ((env = getenv("COLUMNS")) != NULL && (n = atol(env)) > 0)
		return (size_t)n;
	return 80;
}

/* Print table t, cut to the terminal's width if stdout is one. */
void
pagerctl_table_print(struct pagerctl_table *t)
{
	char *text = pagerctl_table_render(t, pagerctl_term_width());

	fputs(text, stdout);
	free(text);
	pagerctl_table_free(t);
}

/* The folder of file path, as a new string. */
char *
pagerctl_dir_of(const char *path)
{
	char *d = xstrdup(path), *out;

	out = xstrdup(dirname(d));
	free(d);
	return out;
}

/*
 * pagerd.conf for the offline commands about rota file near: -c, else
 * the default file, else the pagerd.conf of the folder above near's (a
 * rota_dir's usual place: conf/rota.d/ops.conf and conf/pagerd.conf),
 * saying which one it uses.  NULL, said too, if there is none; exits if
 * a file is bad.
 */
struct conf *
pagerctl_conf_near(struct pagerctl *ctl, const char *near)
{
	struct conf *c;
	char *cause, *d1, *d2, *up = NULL;

	if (!ctl->conf_given && access(ctl->conf_path, F_OK) != 0) {
		if (near != NULL) {
			d1 = pagerctl_dir_of(near);
			d2 = pagerctl_dir_of(d1);
			xasprintf(&up, "%s/pagerd.conf", d2);
			free(d1);
			free(d2);
		}
		if (up == NULL || access(up, F_OK) != 0) {
			fprintf(stderr, "pagerctl: no configuration (%s is"
			    " missing; see -c): people and backups are read"
			    " from the files' own folder\n", ctl->conf_path);
			free(up);
			return NULL;
		}
		fprintf(stderr, "pagerctl: using %s (%s is missing; see -c)\n",
		    up, ctl->conf_path);
		free(ctl->conf_found);
		ctl->conf_path = ctl->conf_found = up;
	}
	if ((c = conf_load(ctl->conf_path, &cause)) == NULL) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
		exit(PAGERCTL_FAIL);
	}
	return c;
}

/*
 * Global options may come anywhere, as users of git and systemctl
 * expect ("pagerctl rota check FILE -c CONF"): a new argv with them
 * (and their values) moved before the command, in order.  "--" ends
 * the search; the commands' own options (none of them -c, -u, -j, -h
 * or --token-file) stay where they are.
 */
static char **
pagerctl_hoist(int argc, char **argv)
{
	char **out, **rest;
	int i, n = 1, nrest = 0, value;

	out = xcalloc(argc + 1, sizeof *out);
	rest = xcalloc(argc + 1, sizeof *rest);
	out[0] = argv[0];
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			while (i < argc)
				rest[nrest++] = argv[i++];
			break;
		}
		value = strcmp(argv[i], "-c") == 0 ||
		    strcmp(argv[i], "-u") == 0 ||
		    strcmp(argv[i], "--token-file") == 0;
		if (value && i + 1 < argc) {
			out[n++] = argv[i++];
			out[n++] = argv[i];
		} else if ((strncmp(argv[i], "-c", 2) == 0 ||
		    strncmp(argv[i], "-u", 2) == 0) && argv[i][2] != '\0')
			out[n++] = argv[i];
		else if (strncmp(argv[i], "--token-file=", 13) == 0 ||
		    strcmp(argv[i], "-j") == 0 ||
		    strcmp(argv[i], "--json") == 0 ||
		    strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0)
			out[n++] = argv[i];
		else
			rest[nrest++] = argv[i];
	}
	memcpy(out + n, rest, nrest * sizeof *rest);
	free(rest);
	return out;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "token-file", required_argument, NULL, 'T' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct pagerctl ctl;
	const struct pagerctl_cmd *cmd;
	const char *env;
	char **hoisted;
	int ch, nwords, rc;

	memset(&ctl, 0, sizeof ctl);
	ctl.conf_path = PAGERCTL_CONF;
	ctl.url = (env = getenv("PAGERD_URL")) != NULL && *env != '\0' ? env :
	    PAGERCTL_URL;
	log_init(1, 0);
	argv = hoisted = pagerctl_hoist(argc, argv);
	/* "+": options end at the command; its own options follow it. */
	while ((ch = getopt_long(argc, argv, "+c:u:hj", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			ctl.conf_path = optarg;
			ctl.conf_given = 1;
			break;
		case 'u':
			ctl.url = optarg;
			break;
		case 'T':
			ctl.token_file = optarg;
			break;
		case 'j':
			ctl.json = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage();
	if ((cmd = pagerctl_cmd_find(argc, argv, &nwords)) == NULL) {
		fprintf(stderr, "pagerctl: unknown command \"%s\"\n", argv[0]);
		usage();
	}
	pagerctl_api_init();
	/* The command sees its last word as argv[0], like a program. */
	rc = cmd->run(&ctl, argc - nwords + 1, argv + nwords - 1);
	pagerctl_api_done(&ctl);
	free(ctl.conf_found);
	free(hoisted);
	return rc;
}
