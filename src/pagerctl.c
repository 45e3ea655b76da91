/* SPDX-License-Identifier: ISC */
/*
 * pagerctl.c: the operators' command-line client.  Commands that ask
 * the running daemon go through its HTTP API (libcurl, a bearer token);
 * "rota check", and "rota show" of a file or with --files, work offline
 * from pagerd.conf.
 * Each command is one entry of pagerctl_cmds[]: its words ("rota
 * check"), a function taking the arguments after them, and its usage.
 */
#include <sys/ioctl.h>

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "clock.h"
#include "conf.h"
#include "iso8601.h"
#include "log.h"
#include "pagerctl-fmt.h"
#include "people.h"
#include "rota.h"
#include "tz.h"
#include "xmalloc.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define PAGERCTL_CONF SYSCONFDIR "/pagerd/pagerd.conf"
#define PAGERCTL_URL "http://127.0.0.1:8080"
#define PAGERCTL_TIMEOUT 30L      /* seconds per request */
#define PAGERCTL_MAX_REPLY (16 << 20)
#define PAGERCTL_MAX_DAYS 62
/*
 * rota show asks the daemon for all its days in one request, and the
 * daemon's window is at most 186 days (API_ROTA_SCHEDULE_MAX in
 * api-rota.c); a local day is at most 25 hours.
 */
#define PAGERCTL_API_MAX_DAYS 186
#if PAGERCTL_MAX_DAYS + 2 > PAGERCTL_API_MAX_DAYS
#error "rota show --days does not fit in one request to the daemon"
#endif
#define PAGERCTL_ZONE_TRIES 3 /* rota show: the rota's zone changed */

/* Exit statuses. */
#define PAGERCTL_OK 0
#define PAGERCTL_FAIL 1  /* an error, or findings that are errors */
#define PAGERCTL_USAGE 2
#define PAGERCTL_NOTFOUND 3 /* the daemon answered 404: no such alert */
#define PAGERCTL_CONFLICT 4 /* 409: the alert's state does not allow it */

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

struct pagerctl_cmd {
	const char *words; /* "rota check" */
	int (*run)(struct pagerctl *, int, char **);
	const char *args;
	const char *help;
};

static int pagerctl_oncall(struct pagerctl *, int, char **);
static int pagerctl_rota_check(struct pagerctl *, int, char **);
static int pagerctl_rota_show(struct pagerctl *, int, char **);
static int pagerctl_alerts(struct pagerctl *, int, char **);
static int pagerctl_show(struct pagerctl *, int, char **);
static int pagerctl_action(struct pagerctl *, int, char **);
static int pagerctl_stats(struct pagerctl *, int, char **);

static const struct pagerctl_cmd pagerctl_cmds[] = {
	{ "oncall", pagerctl_oncall, "[--rota NAME] [--at TIME]",
	    "who is on call now or at TIME (asks the daemon)" },
	{ "alerts", pagerctl_alerts, "[--status S] [--service S] [--priority P]"
	    " [--limit N] [--all]", "list alerts, newest first" },
	{ "show", pagerctl_show, "ID", "an alert and its audit timeline" },
	{ "ack", pagerctl_action, "ID [--as NAME]", "acknowledge an alert" },
	{ "resolve", pagerctl_action, "ID [--as NAME]", "resolve an alert" },
	{ "escalate", pagerctl_action, "ID [--as NAME]",
	    "move an alert to its next escalation stage now" },
	{ "note", pagerctl_action, "ID TEXT ... [--as NAME]",
	    "add a note to an alert's timeline" },
	{ "stats", pagerctl_stats, "[--from TIME] [--to TIME] [--service S]"
	    " [--priority P]", "service-level report (default: last 7 days)" },
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

static __dead void
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

/* The token: --token-file's first line, else $PAGERD_TOKEN. */
static int
pagerctl_token(struct pagerctl *ctl)
{
	char buf[4097];
	const char *env;
	size_t n;
	FILE *f;

	if (ctl->token != NULL)
		return 0;
	if (ctl->token_file != NULL) {
		if ((f = fopen(ctl->token_file, "r")) == NULL) {
			fprintf(stderr, "pagerctl: %s: %s\n", ctl->token_file,
			    strerror(errno));
			return -1;
		}
		n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[n] = '\0';
		buf[strcspn(buf, "\r\n")] = '\0';
		ctl->token = xstrdup(buf);
	} else if ((env = getenv("PAGERD_TOKEN")) != NULL)
		ctl->token = xstrdup(env);
	if (ctl->token == NULL || *ctl->token == '\0') {
		fprintf(stderr, "pagerctl: no token: set PAGERD_TOKEN or give"
		    " --token-file\n");
		return -1;
	}
	return 0;
}

struct pagerctl_buf {
	char *data;
	size_t len;
};

static size_t
pagerctl_write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct pagerctl_buf *b = arg;
	size_t len = size * n;

	if (b->len + len > PAGERCTL_MAX_REPLY)
		return 0;
	b->data = xreallocarray(b->data, b->len + len + 1, 1);
	memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = '\0';
	return len;
}

/*
 * One request to the daemon: GET path (with its query), or POST body
 * (JSON text) to path when body is not NULL.  On success *out gets the
 * parsed reply and *raw (if not NULL) its text, as the daemon sent it.
 * Failures are printed (the daemon's error text, never the token) and
 * give the exit status: 3 for 404, 4 for 409, 1 for the rest.
 */
static int
pagerctl_http(struct pagerctl *ctl, const char *path, const char *body,
    json_t **out, char **raw)
{
	struct pagerctl_buf b = { NULL, 0 };
	struct curl_slist *hdrs = NULL;
	char errbuf[CURL_ERROR_SIZE] = "", *url, *auth;
	const char *msg;
	json_error_t jerr;
	json_t *j = NULL;
	long code = 0;
	CURLcode rc;
	CURL *c;
	int status = PAGERCTL_FAIL;

	ctl->unreachable = 0;
	if (pagerctl_token(ctl) != 0)
		return PAGERCTL_FAIL;
	if ((c = curl_easy_init()) == NULL)
		fatalx("curl_easy_init failed");
	xasprintf(&url, "%s%s", ctl->url, path);
	xasprintf(&auth, "Authorization: Bearer %s", ctl->token);
	hdrs = curl_slist_append(hdrs, auth);
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	if (body != NULL) {
		hdrs = curl_slist_append(hdrs,
		    "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, pagerctl_write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, PAGERCTL_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, CURLPROTO_HTTP |
	    CURLPROTO_HTTPS);
#endif
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	explicit_bzero(auth, strlen(auth));
	free(auth);
	if (rc != CURLE_OK) {
		fprintf(stderr, "pagerctl: %s: %s\n", url, *errbuf != '\0' ?
		    errbuf : curl_easy_strerror(rc));
		ctl->unreachable = 1;
		goto fail;
	}
	if (b.data == NULL ||
	    (j = json_loadb(b.data, b.len, 0, &jerr)) == NULL) {
		fprintf(stderr, "pagerctl: %s: status %ld, not JSON\n", url,
		    code);
		goto fail;
	}
	if (code != 200) {
		if (json_unpack(j, "{s:s}", "error", &msg) != 0)
			msg = "(no error message)";
		fprintf(stderr, "pagerctl: %s: %ld: %s%s\n", path, code, msg,
		    code == 403 && body != NULL ? " (ack, resolve, escalate"
		    " and note need a responder key)" : "");
		json_decref(j);
		if (code == 404)
			status = PAGERCTL_NOTFOUND;
		else if (code == 409)
			status = PAGERCTL_CONFLICT;
		goto fail;
	}
	free(url);
	if (raw != NULL)
		*raw = b.data;
	else
		free(b.data);
	*out = j;
	return PAGERCTL_OK;
fail:
	free(url);
	free(b.data);
	return status;
}

/* Append "&name=value" (escaped) to *q; the first one starts with "?". */
static void
pagerctl_query_add(char **q, const char *name, const char *value)
{
	char *esc, *next;

	if ((esc = curl_easy_escape(NULL, value, 0)) == NULL)
		fatalx("curl_easy_escape failed");
	xasprintf(&next, "%s%c%s=%s", *q, strchr(*q, '?') != NULL ? '&' :
	    '?', name, esc);
	curl_free(esc);
	free(*q);
	*q = next;
}

/* The daemon's reply for --json, unchanged (it ends in a newline). */
static void
pagerctl_print_raw(const char *raw)
{
	size_t len = strlen(raw);

	fputs(raw, stdout);
	if (len == 0 || raw[len - 1] != '\n')
		putchar('\n');
}

static const char *
pagerctl_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "-";
}

/* pagerctl oncall [--rota NAME] [--at TIME] */
static int
pagerctl_oncall(struct pagerctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rota", required_argument, NULL, 'r' },
		{ "at", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	const char *rota = NULL, *at = NULL;
	json_t *j, *r, *p, *on;
	size_t i, k;
	char *path, *raw, *c1, *c2, *c3, *c4;
	int ch, rc;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "+r:a:", opts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			rota = optarg;
			break;
		case 'a':
			at = optarg;
			break;
		default:
			pagerctl_cmd_usage("oncall");
		}
	}
	if (optind != argc)
		pagerctl_cmd_usage("oncall");
	path = xstrdup("/api/v1/oncall");
	if (rota != NULL)
		pagerctl_query_add(&path, "rota", rota);
	if (at != NULL)
		pagerctl_query_add(&path, "at", at);
	rc = pagerctl_http(ctl, path, NULL, &j, &raw);
	free(path);
	if (rc != PAGERCTL_OK)
		return rc;
	if (ctl->json) {
		pagerctl_print_raw(raw);
		free(raw);
		json_decref(j);
		return PAGERCTL_OK;
	}
	free(raw);
	printf("%-12s %-10s %-24s %-25s %s\n", "ROTA", "PERSON", "NAME",
	    "UNTIL", "WHY");
	json_array_foreach(json_object_get(j, "rotas"), i, r) {
		on = json_object_get(r, "oncall");
		if (json_array_size(on) == 0)
			printf("%-12s %s\n", pagerctl_str(r, "rota"),
			    "NOBODY");
		json_array_foreach(on, k, p) {
			/* padded by display width: "Zoë", "山田" */
			c1 = pagerctl_fmt_pad(pagerctl_str(r, "rota"), 12);
			c2 = pagerctl_fmt_pad(pagerctl_str(p, "person"), 10);
			c3 = pagerctl_fmt_pad(pagerctl_str(p, "name"), 24);
			c4 = pagerctl_fmt_pad(pagerctl_str(p, "end_local"), 25);
			printf("%s %s %s %s %s\n", c1, c2, c3, c4,
			    pagerctl_str(p, "why"));
			free(c1);
			free(c2);
			free(c3);
			free(c4);
		}
	}
	json_decref(j);
	return PAGERCTL_OK;
}

/* ms since the epoch of an ISO 8601 string of the daemon's; 0 if none. */
static int64_t
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
static const char *
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
static void
pagerctl_table_print(struct pagerctl_table *t)
{
	char *text = pagerctl_table_render(t, pagerctl_term_width());

	fputs(text, stdout);
	free(text);
	pagerctl_table_free(t);
}

/* A positive integer argument (an alert id, --limit), or -1. */
static long long
pagerctl_number(const char *s)
{
	char *end;
	long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0' || errno != 0 || v <= 0)
		return -1;
	return v;
}

/*
 * pagerctl alerts [--status S] [--service S] [--priority P] [--limit N]
 * [--all]: newest first.  --all follows next_before to the end, N per
 * request; with --json the pages are joined into one reply of the same
 * shape.
 */
static int
pagerctl_alerts(struct pagerctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "status", required_argument, NULL, 's' },
		{ "service", required_argument, NULL, 'S' },
		{ "priority", required_argument, NULL, 'p' },
		{ "limit", required_argument, NULL, 'n' },
		{ "all", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	const char *status = NULL, *service = NULL, *prio = NULL, *limit = NULL;
	struct pagerctl_table *t;
	json_t *j, *all, *a, *next;
	json_int_t before = 0;
	int64_t now = clock_now_ms(), created;
	char *base, *path, *raw, num[32], id[32], stage[32], count[32];
	char age[32];
	size_t i;
	int ch, rc, every = 0, more = 0;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			status = optarg;
			break;
		case 'S':
			service = optarg;
			break;
		case 'p':
			prio = optarg;
			break;
		case 'n':
			if (pagerctl_number(optarg) < 0) {
				fprintf(stderr, "pagerctl: --limit must be a"
				    " positive number\n");
				exit(PAGERCTL_USAGE);
			}
			limit = optarg;
			break;
		case 'a':
			every = 1;
			break;
		default:
			pagerctl_cmd_usage("alerts");
		}
	}
	if (optind != argc)
		pagerctl_cmd_usage("alerts");
	base = xstrdup("/api/v1/alerts");
	if (status != NULL)
		pagerctl_query_add(&base, "status", status);
	if (service != NULL)
		pagerctl_query_add(&base, "service", service);
	if (prio != NULL)
		pagerctl_query_add(&base, "priority", prio);
	if (limit != NULL)
		pagerctl_query_add(&base, "limit", limit);
	all = json_array();
	for (;;) {
		path = xstrdup(base);
		if (before != 0) {
			snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT,
			    before);
			pagerctl_query_add(&path, "before", num);
		}
		rc = pagerctl_http(ctl, path, NULL, &j, &raw);
		free(path);
		if (rc != PAGERCTL_OK) {
			json_decref(all);
			free(base);
			return rc;
		}
		if (ctl->json && !every) {
			pagerctl_print_raw(raw);
			free(raw);
			json_decref(j);
			json_decref(all);
			free(base);
			return PAGERCTL_OK;
		}
		free(raw);
		json_array_extend(all, json_object_get(j, "alerts"));
		next = json_object_get(j, "next_before");
		/* Ids only go down; anything else would loop for ever. */
		if (every && json_is_integer(next) && (before == 0 ||
		    json_integer_value(next) < before)) {
			before = json_integer_value(next);
			json_decref(j);
			continue;
		}
		more = json_is_integer(next);
		json_decref(j);
		break;
	}
	free(base);
	if (ctl->json) {
		j = json_pack("{s:o,s:n}", "alerts", all, "next_before");
		raw = json_dumps(j, JSON_COMPACT);
		if (raw == NULL)
			fatalx("json_dumps failed");
		pagerctl_print_raw(raw);
		free(raw);
		json_decref(j);
		return PAGERCTL_OK;
	}
	if (json_array_size(all) == 0)
		printf("no alerts\n");
	else {
		t = pagerctl_table_new(8, "rllrrrll", "ID", "PRI", "STATUS",
		    "STAGE", "AGE", "COUNT", "SERVICE", "SUMMARY");
		pagerctl_table_flex(t, 7);
		json_array_foreach(all, i, a) {
			created = pagerctl_ms(a, "created_at");
			pagerctl_table_add(t, pagerctl_int(a, "id", id,
			    sizeof id), pagerctl_str(a, "priority"),
			    pagerctl_str(a, "status"), pagerctl_int(a, "stage",
			    stage, sizeof stage), created == 0 ? "-" :
			    pagerctl_fmt_duration(now - created, age,
			    sizeof age), pagerctl_int(a, "count", count,
			    sizeof count), pagerctl_str(a, "service"),
			    pagerctl_str(a, "summary"));
		}
		pagerctl_table_print(t);
	}
	if (more)
		fprintf(stderr, "pagerctl: there are older alerts: use --all"
		    " or --limit\n");
	json_decref(all);
	return PAGERCTL_OK;
}

/* One value of an audit event's detail, readable: strings bare. */
static char *
pagerctl_detail_value(const char *key, const json_t *v)
{
	char when[PAGERCTL_FMT_TIME_LEN], *s;

	if (json_is_string(v)) {
		if (json_string_length(v) == 0 ||
		    strpbrk(json_string_value(v), " =\"") != NULL)
			xasprintf(&s, "\"%s\"", json_string_value(v));
		else
			s = xstrdup(json_string_value(v));
	} else if (json_is_integer(v) && strlen(key) > 3 &&
	    strcmp(key + strlen(key) - 3, "_ms") == 0)
		s = xstrdup(pagerctl_fmt_time(json_integer_value(v), when,
		    sizeof when));
	else if ((s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)) == NULL)
		fatalx("json_dumps failed");
	return s;
}

/*
 * The detail of an audit event as one readable line: a note is its
 * text; anything else is "key=value" pairs in the daemon's order, an
 * instant "x_ms" shown as local time "x=...", and "late_ms" left out
 * when "late" says the same.
 */
static char *
pagerctl_detail(const char *kind, const json_t *d)
{
	const char *k, *text;
	json_t *v;
	char *out = xstrdup(""), *val, *next, *name;

	if (strcmp(kind, "note") == 0 &&
	    (text = json_string_value(json_object_get(d, "text"))) != NULL) {
		free(out);
		return xstrdup(text);
	}
	if (!json_is_object(d)) {
		free(out);
		if (json_is_null(d) || d == NULL)
			return xstrdup("");
		return pagerctl_detail_value("", d);
	}
	json_object_foreach((json_t *)d, k, v) {
		if (strcmp(k, "late_ms") == 0 &&
		    json_object_get(d, "late") != NULL)
			continue;
		name = xstrdup(k);
		val = pagerctl_detail_value(k, v);
		if (json_is_integer(v) && strlen(name) > 3 &&
		    strcmp(name + strlen(name) - 3, "_ms") == 0)
			name[strlen(name) - 3] = '\0';
		xasprintf(&next, "%s%s%s=%s", out, *out != '\0' ? " " : "",
		    name, val);
		free(name);
		free(val);
		free(out);
		out = next;
	}
	return out;
}

/* One "label  value" line of pagerctl show, value cleaned. */
static void
pagerctl_show_line(const char *label, const char *value)
{
	char *clean = pagerctl_fmt_clean(value);

	printf("%-16s%s\n", label, clean);
	free(clean);
}

/*
 * The state of SLA clock k (object v) of alert j: "met", "open", or
 * "breached" with how late its breach record says the response is:
 * final once the clock stopped, "so far" while it runs.
 */
static char *
pagerctl_sla_state(const json_t *j, const char *k, const json_t *v)
{
	const json_t *b;
	char late[32], *s;
	size_t i;

	if (!json_is_true(json_object_get(v, "breached")))
		return xstrdup(json_is_true(json_object_get(v, "met")) ? "met" :
		    "open");
	json_array_foreach(json_object_get(j, "breaches"), i, b) {
		if (strcmp(pagerctl_str(b, "clock"), k) != 0)
			continue;
		pagerctl_fmt_duration(json_integer_value(json_object_get(b,
		    "late_ms")), late, sizeof late);
		xasprintf(&s, "breached, late by %s%s", late,
		    json_is_true(json_object_get(b, "final")) ? "" :
		    " so far");
		return s;
	}
	return xstrdup("breached");
}

/* pagerctl show ID: the alert, its SLA clocks and its audit timeline. */
static int
pagerctl_show(struct pagerctl *ctl, int argc, char **argv)
{
	static const char *times[][2] = {
		{ "created", "created_at" },
		{ "updated", "updated_at" },
		{ "acknowledged", "acknowledged_at" },
		{ "first response", "first_response_at" },
		{ "resolved", "resolved_at" },
	};
	struct pagerctl_table *t;
	json_t *j, *v, *ev;
	const char *k;
	char *path, *raw, *line, *s, *state, *who, num[32];
	char when[PAGERCTL_FMT_TIME_LEN];
	char ago[32];
	int64_t ms, now = clock_now_ms();
	size_t i;
	int rc;

	if (argc != 2 || pagerctl_number(argv[1]) < 0)
		pagerctl_cmd_usage("show");
	xasprintf(&path, "/api/v1/alerts/%s", argv[1]);
	rc = pagerctl_http(ctl, path, NULL, &j, &raw);
	free(path);
	if (rc != PAGERCTL_OK)
		return rc;
	if (ctl->json) {
		pagerctl_print_raw(raw);
		goto out;
	}
	line = pagerctl_fmt_clean(pagerctl_str(j, "summary"));
	printf("alert %s: %s\n", argv[1], line);
	free(line);
	pagerctl_show_line("service", pagerctl_str(j, "service"));
	pagerctl_show_line("priority", pagerctl_str(j, "priority"));
	xasprintf(&line, "%s, stage %s", pagerctl_str(j, "status"),
	    pagerctl_int(j, "stage", num, sizeof num));
	pagerctl_show_line("status", line);
	free(line);
	pagerctl_show_line("count", pagerctl_int(j, "count", num, sizeof num));
	pagerctl_show_line("dedup key", pagerctl_str(j, "dedup_key"));
	pagerctl_show_line("integration", pagerctl_str(j, "integration"));
	pagerctl_show_line("source", pagerctl_str(j, "source"));
	for (i = 0; i < nitems(times); i++) {
		ms = pagerctl_ms(j, times[i][1]);
		if (ms == 0) {
			pagerctl_show_line(times[i][0], "-");
			continue;
		}
		pagerctl_fmt_time(ms, when, sizeof when);
		xasprintf(&line, "%s (%s ago)", when,
		    pagerctl_fmt_duration(now - ms, ago, sizeof ago));
		pagerctl_show_line(times[i][0], line);
		free(line);
	}
	v = json_object_get(j, "details");
	if (v != NULL && !json_is_null(v) && json_object_size(v) != 0) {
		if ((s = json_dumps(v, JSON_COMPACT)) == NULL)
			fatalx("json_dumps failed");
		pagerctl_show_line("details", s);
		free(s);
	}
	json_array_foreach(json_object_get(j, "links"), i, v) {
		pagerctl_show_line(i == 0 ? "links" : "", json_is_string(v) ?
		    json_string_value(v) : pagerctl_str(v, "href"));
	}

	printf("\n");
	t = pagerctl_table_new(3, "lll", "SLA", "DUE", "STATE");
	json_object_foreach(json_object_get(j, "sla"), k, v) {
		if (json_is_null(v)) {
			pagerctl_table_add(t, k, "-", "none");
			continue;
		}
		state = pagerctl_sla_state(j, k, v);
		pagerctl_table_add(t, k, pagerctl_fmt_time(pagerctl_ms(v,
		    "due_at"), when, sizeof when), state);
		free(state);
	}
	if (pagerctl_table_rows(t) > 0)
		pagerctl_table_print(t);
	else
		pagerctl_table_free(t);

	printf("\n");
	t = pagerctl_table_new(4, "llll", "TIME", "ACTOR", "EVENT", "DETAIL");
	pagerctl_table_flex(t, 3);
	json_array_foreach(json_object_get(j, "events"), i, ev) {
		s = pagerctl_detail(pagerctl_str(ev, "kind"),
		    json_object_get(ev, "detail"));
		/* "e2e-responder for ann": the key, and for whom it acted */
		if ((v = json_object_get(ev, "on_behalf_of")) != NULL &&
		    json_is_string(v))
			xasprintf(&who, "%s for %s", pagerctl_str(ev, "actor"),
			    json_string_value(v));
		else
			who = xstrdup(pagerctl_str(ev, "actor"));
		pagerctl_table_add(t, pagerctl_fmt_time(pagerctl_ms(ev, "at"),
		    when, sizeof when), who, pagerctl_str(ev, "kind"), s);
		free(who);
		free(s);
	}
	pagerctl_table_print(t);
out:
	free(raw);
	json_decref(j);
	return PAGERCTL_OK;
}

/*
 * pagerctl ack|resolve|escalate ID [--as NAME], pagerctl note ID TEXT...
 * [--as NAME]: POST to the alert's action; --as names for whom the key
 * acts (sent as "actor", which the daemon records as on_behalf_of
 * beside the key's name, the actor).  A note's words are joined by
 * spaces.
 */
static int
pagerctl_action(struct pagerctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "as", required_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 }
	};
	const char *cmd = argv[0], *actor = NULL, *what;
	json_t *body, *j;
	char *text = NULL, *next, *path, *raw, *data = NULL, num[32];
	int ch, rc, i, note = strcmp(cmd, "note") == 0;

	/* No "+": --as may come after the note's words ("--" ends them). */
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'A':
			actor = optarg;
			break;
		default:
			pagerctl_cmd_usage(cmd);
		}
	}
	if (note ? argc - optind < 2 : argc - optind != 1)
		pagerctl_cmd_usage(cmd);
	if (pagerctl_number(argv[optind]) < 0) {
		fprintf(stderr, "pagerctl: %s: not an alert id\n",
		    argv[optind]);
		pagerctl_cmd_usage(cmd);
	}
	for (i = optind + 1; i < argc; i++) {
		xasprintf(&next, "%s%s%s", text != NULL ? text : "",
		    text != NULL ? " " : "", argv[i]);
		free(text);
		text = next;
	}
	body = json_object();
	rc = PAGERCTL_OK;
	if (actor != NULL && json_object_set_new(body, "actor",
	    json_string(actor)) != 0) {
		fprintf(stderr, "pagerctl: --as: not valid UTF-8\n");
		rc = PAGERCTL_USAGE;
	} else if (text != NULL && json_object_set_new(body, "text",
	    json_string(text)) != 0) {
		fprintf(stderr, "pagerctl: the note is not valid UTF-8\n");
		rc = PAGERCTL_USAGE;
	}
	free(text);
	if (rc != PAGERCTL_OK) {
		json_decref(body);
		return rc;
	}
	if (json_object_size(body) != 0 &&
	    (data = json_dumps(body, JSON_COMPACT)) == NULL)
		fatalx("json_dumps failed");
	json_decref(body);
	xasprintf(&path, "/api/v1/alerts/%s/%s", argv[optind],
	    note ? "notes" : cmd);
	rc = pagerctl_http(ctl, path, data != NULL ? data : "", &j, &raw);
	free(path);
	free(data);
	if (rc != PAGERCTL_OK)
		return rc;
	if (ctl->json)
		pagerctl_print_raw(raw);
	else {
		what = note ? "note added" : strcmp(cmd, "escalate") == 0 ?
		    "escalated to stage" : pagerctl_str(j, "status");
		printf("alert %s: %s%s%s\n", argv[optind], what,
		    strcmp(cmd, "escalate") == 0 ? " " : "",
		    strcmp(cmd, "escalate") == 0 ? pagerctl_int(j, "stage",
		    num, sizeof num) : "");
	}
	free(raw);
	json_decref(j);
	return PAGERCTL_OK;
}

/* A rate of the stats reply (0 to 1, or null) as "12.5%" or "-". */
static const char *
pagerctl_rate(const json_t *o, const char *key, char *buf, size_t len)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_number(v))
		return "-";
	return pagerctl_fmt_percent(json_number_value(v), buf, len);
}

/* "mean 12m05s, median 10m00s (36 alerts)" for MTTA or MTTR. */
static void
pagerctl_stats_mean(const char *label, const json_t *d, const char *what)
{
	char mean[32], median[32];
	json_int_t n = json_integer_value(json_object_get(d, "count"));

	if (n == 0) {
		printf("%-24s- (no %s alerts)\n", label, what);
		return;
	}
	printf("%-24smean %s, median %s (%" JSON_INTEGER_FORMAT " %s)\n",
	    label, pagerctl_fmt_duration((int64_t)(json_number_value(
	    json_object_get(d, "mean_seconds")) * 1000.0 + 0.5), mean,
	    sizeof mean), pagerctl_fmt_duration((int64_t)(json_number_value(
	    json_object_get(d, "median_seconds")) * 1000.0 + 0.5), median,
	    sizeof median), n, what);
}

/* A section heading and its table, or "(none)". */
static void
pagerctl_stats_section(const char *title, struct pagerctl_table *t)
{
	printf("\n%s:\n", title);
	if (pagerctl_table_rows(t) == 0) {
		printf("(none)\n");
		pagerctl_table_free(t);
	} else
		pagerctl_table_print(t);
}

/* pagerctl stats [--from T] [--to T] [--service S] [--priority P] */
static int
pagerctl_stats(struct pagerctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "service", required_argument, NULL, 'S' },
		{ "priority", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *params[] = { "from", "to", "service", "priority" };
	const char *val[nitems(params)] = { NULL, NULL, NULL, NULL };
	struct pagerctl_table *t;
	const char *prio, *clock;
	json_t *j, *per, *c, *v, *esc;
	char *path, *raw, from[PAGERCTL_FMT_TIME_LEN];
	char to[PAGERCTL_FMT_TIME_LEN], n1[32], n2[32], n3[32], r1[32];
	char r2[32], r3[32];
	size_t i;
	int ch, rc;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			val[0] = optarg;
			break;
		case 't':
			val[1] = optarg;
			break;
		case 'S':
			val[2] = optarg;
			break;
		case 'p':
			val[3] = optarg;
			break;
		default:
			pagerctl_cmd_usage("stats");
		}
	}
	if (optind != argc)
		pagerctl_cmd_usage("stats");
	path = xstrdup("/api/v1/stats");
	for (i = 0; i < nitems(params); i++)
		if (val[i] != NULL)
			pagerctl_query_add(&path, params[i], val[i]);
	rc = pagerctl_http(ctl, path, NULL, &j, &raw);
	free(path);
	if (rc != PAGERCTL_OK)
		return rc;
	if (ctl->json) {
		pagerctl_print_raw(raw);
		goto out;
	}
	printf("%-24s%s to %s", "window", pagerctl_fmt_time(pagerctl_ms(j,
	    "from"), from, sizeof from), pagerctl_fmt_time(pagerctl_ms(j,
	    "to"), to, sizeof to));
	if (json_is_string(json_object_get(j, "service")))
		printf(", service %s", pagerctl_str(j, "service"));
	if (json_is_string(json_object_get(j, "priority")))
		printf(", priority %s", pagerctl_str(j, "priority"));
	printf("\n%-24s%s (acknowledged %s, resolved %s)\n", "alerts",
	    pagerctl_int(j, "alerts", n1, sizeof n1),
	    pagerctl_int(j, "acknowledged", n2, sizeof n2),
	    pagerctl_int(j, "resolved", n3, sizeof n3));
	pagerctl_stats_mean("MTTA", json_object_get(j, "mtta"),
	    "acknowledged");
	pagerctl_stats_mean("MTTR", json_object_get(j, "mttr"), "resolved");
	printf("%-24s%s\n", "breach rate", pagerctl_rate(j, "breach_rate",
	    r1, sizeof r1));
	printf("%-24s%s\n", "closure rate", pagerctl_rate(j, "closure_rate",
	    r1, sizeof r1));
	esc = json_object_get(j, "escalation");
	printf("%-24sstage 2 %s, stage 3 %s, stage 4 %s\n", "reached",
	    pagerctl_rate(esc, "stage2", r1, sizeof r1),
	    pagerctl_rate(esc, "stage3", r2, sizeof r2),
	    pagerctl_rate(esc, "stage4", r3, sizeof r3));
	printf("%-24s%s\n", "first-stage resolution", pagerctl_rate(j,
	    "first_stage_resolution_rate", r1, sizeof r1));

	t = pagerctl_table_new(6, "llrrrr", "PRIORITY", "TARGET", "MET",
	    "MISSED", "OPEN", "ATTAINMENT");
	json_object_foreach(json_object_get(j, "sla"), prio, per) {
		json_object_foreach(per, clock, c) {
			if (json_integer_value(json_object_get(c, "met")) +
			    json_integer_value(json_object_get(c, "missed")) +
			    json_integer_value(json_object_get(c, "open")) == 0)
				continue;
			pagerctl_table_add(t, prio, clock, pagerctl_int(c,
			    "met", n1, sizeof n1), pagerctl_int(c, "missed",
			    n2, sizeof n2), pagerctl_int(c, "open", n3,
			    sizeof n3), pagerctl_rate(c, "attainment", r1,
			    sizeof r1));
		}
	}
	pagerctl_stats_section("SLA attainment", t);

	t = pagerctl_table_new(2, "lr", "INTEGRATION", "ALERTS");
	json_array_foreach(json_object_get(j, "by_integration"), i, v)
		pagerctl_table_add(t, pagerctl_str(v, "integration"),
		    pagerctl_int(v, "alerts", n1, sizeof n1));
	pagerctl_stats_section("Volume by integration", t);

	t = pagerctl_table_new(4, "lrrr", "CHANNEL", "PAGES", "DELIVERED",
	    "SUCCESS");
	json_array_foreach(json_object_get(j, "by_channel"), i, v)
		pagerctl_table_add(t, pagerctl_str(v, "channel"),
		    pagerctl_int(v, "pages", n1, sizeof n1), pagerctl_int(v,
		    "delivered", n2, sizeof n2), pagerctl_rate(v,
		    "success_rate", r1, sizeof r1));
	pagerctl_stats_section("Volume by channel", t);

	t = pagerctl_table_new(5, "llrrl", "SERVICE", "DEDUP KEY", "ALERTS",
	    "POSTS", "SUMMARY");
	pagerctl_table_flex(t, 4);
	json_array_foreach(json_object_get(j, "top_problems"), i, v)
		pagerctl_table_add(t, pagerctl_str(v, "service"),
		    pagerctl_str(v, "dedup_key"), pagerctl_int(v, "alerts", n1,
		    sizeof n1), pagerctl_int(v, "posts", n2, sizeof n2),
		    pagerctl_str(v, "summary"));
	pagerctl_stats_section("Top problems", t);
out:
	free(raw);
	json_decref(j);
	return PAGERCTL_OK;
}

/* The folder of file path, as a new string. */
static char *
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
static struct conf *
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

/* pagerctl rota check FILE ... */
static int
pagerctl_rota_check(struct pagerctl *ctl, int argc, char **argv)
{
	struct check_result res;
	struct people *pp = NULL;
	struct conf *c;
	char *cause, *dir;
	int rc;

	if (argc < 2 || argv[1][0] == '-')
		pagerctl_cmd_usage("rota check");
	c = pagerctl_conf_near(ctl, argv[1]);
	if (c != NULL && c->people != NULL &&
	    (pp = people_load(c->people, &cause)) == NULL) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
		conf_free(c);
		return PAGERCTL_FAIL;
	}
	if (pp == NULL)
		fprintf(stderr, "pagerctl: no people file (see -c): names of"
		    " people are not checked\n");
	/* Without a configuration, the file's own folder holds the rotas
	 * it may name as backups. */
	dir = c != NULL ? NULL : pagerctl_dir_of(argv[1]);
	rc = check_rotas(pp, c != NULL ? c->rota_dir : dir, argv + 1,
	    (size_t)argc - 1, clock_now_ms(), NULL, stdout, &res);
	free(dir);
	printf("%zu file%s, %zu error%s, %zu warning%s\n", res.nfiles,
	    res.nfiles == 1 ? "" : "s", res.nerrors, res.nerrors == 1 ? "" :
	    "s", res.nwarnings, res.nwarnings == 1 ? "" : "s");
	people_free(pp);
	conf_free(c);
	return rc == 0 ? PAGERCTL_OK : PAGERCTL_FAIL;
}

/* Is rota show's argument a file: a path, or a name ending in .conf? */
static int
pagerctl_is_file(const char *name)
{
	size_t len = strlen(name);

	return strchr(name, '/') != NULL || (len > 5 &&
	    strcmp(name + len - 5, ".conf") == 0);
}

/*
 * rota show of a file, or of a name with --files: the rota as the files
 * say, offline.  A file replaces the folder's rota of its name.  If the
 * name is not found, the errors of the folder's files say why.
 */
static int
pagerctl_rota_show_files(struct pagerctl *ctl, const char *name,
    int64_t from, int days)
{
	struct rota_findings f = { NULL, 0, 0 };
	struct rota_set *set = rota_set_new();
	struct conf *c;
	struct rota *r = NULL;
	struct people *pp = NULL;
	char *cause = NULL, *text, *line;
	size_t i, nerr;
	int rc = PAGERCTL_FAIL;

	c = pagerctl_conf_near(ctl, pagerctl_is_file(name) ? name : NULL);
	if (c != NULL && c->rota_dir != NULL)
		rota_set_load_dir(set, c->rota_dir, &f);
	if (pagerctl_is_file(name)) {
		if ((r = rota_load(name, &cause)) == NULL) {
			fprintf(stderr, "%s\n", cause);
			free(cause);
			goto out;
		}
		rota_free(rota_set_remove(set, r->name));
		if (rota_set_add(set, r, &cause) != 0)
			fatalx("%s", cause);
		rota_findings_free(&f);
		rota_set_link(set, &f);
		/* What the daemon would refuse (an unknown person, a missing
		 * backup) is an error, not a timeline naming a stranger. */
		if (c != NULL && c->people != NULL &&
		    (pp = people_load(c->people, &cause)) == NULL) {
			fprintf(stderr, "%s\n", cause);
			free(cause);
			goto out;
		}
		rota_check(r, pp, 0, 0, &f);
		for (i = 0, nerr = 0; i < f.n; i++) {
			if (f.list[i].severity != ROTA_ERROR ||
			    strcmp(f.list[i].file, r->file) != 0)
				continue;
			line = rota_finding_format(&f.list[i]);
			fprintf(stderr, "%s\n", line);
			free(line);
			nerr++;
		}
		if (nerr > 0) {
			fprintf(stderr, "pagerctl: %s: %zu error%s: the daemon"
			    " would refuse it\n", name, nerr, nerr == 1 ? "" :
			    "s");
			goto out;
		}
	} else if ((r = rota_set_find(set, name)) == NULL) {
		for (i = 0; i < f.n; i++) {
			if (f.list[i].severity != ROTA_ERROR)
				continue;
			line = rota_finding_format(&f.list[i]);
			fprintf(stderr, "%s\n", line);
			free(line);
		}
		if (c == NULL)
			fprintf(stderr, "pagerctl: no rota \"%s\": no %s"
			    " (see -c)\n", name, ctl->conf_path);
		else if (c->rota_dir == NULL)
			fprintf(stderr, "pagerctl: no rota \"%s\": %s has no"
			    " rota_dir\n", name, ctl->conf_path);
		else
			fprintf(stderr, "pagerctl: no rota \"%s\" in %s\n",
			    name, c->rota_dir);
		goto out;
	}
	text = check_timeline(r, from, days);
	fputs(text, stdout);
	free(text);
	rc = PAGERCTL_OK;
out:
	rota_findings_free(&f);
	rota_set_free(set);
	people_free(pp);
	conf_free(c);
	return rc;
}

/* The instant of o's ISO 8601 key into *ms, or -1 if it has none. */
static int
pagerctl_instant(const json_t *o, const char *key, int64_t *ms)
{
	const char *s = json_string_value(json_object_get(o, key));
	char *cause = NULL;

	if (s == NULL || iso8601_parse(s, ms, &cause) != 0) {
		free(cause);
		return -1;
	}
	return 0;
}

/*
 * The shifts of a schedule reply, as a new array (*n of them) that
 * borrows j's strings; NULL, after saying so, if the reply is
 * malformed.
 */
static struct check_shift *
pagerctl_shifts(const json_t *j, const char *path, size_t *n)
{
	const json_t *shifts = json_object_get(j, "shifts"), *o;
	struct check_shift *sh;
	size_t i;

	if (!json_is_array(shifts)) {
		fprintf(stderr, "pagerctl: %s: no shifts in the reply\n",
		    path);
		return NULL;
	}
	*n = json_array_size(shifts);
	sh = xcalloc(*n + 1, sizeof *sh);
	json_array_foreach(shifts, i, o) {
		sh[i].person = json_string_value(json_object_get(o, "person"));
		sh[i].backup = json_is_string(json_object_get(o, "backup"));
		if (sh[i].person == NULL || !people_id_is_valid(sh[i].person) ||
		    pagerctl_instant(o, "start", &sh[i].start) != 0 ||
		    pagerctl_instant(o, "end", &sh[i].end) != 0) {
			fprintf(stderr, "pagerctl: %s: shift %zu of the reply"
			    " is malformed\n", path, i + 1);
			free(sh);
			return NULL;
		}
	}
	return sh;
}

/*
 * rota show NAME from the daemon: the rota in force, which is not what
 * the files say if an edit of its file was broken.  The days shown are
 * local days of the rota's zone, which only the daemon knows: a first
 * request learns it, a second asks for the shifts of those days.  If the
 * rota was reloaded with another zone in between, ask again.
 */
static int
pagerctl_rota_show_daemon(struct pagerctl *ctl, const char *name,
    int64_t from, int days)
{
	struct check_shift *sh;
	struct tz *tz = NULL;
	const char *zone, *rota;
	json_t *j = NULL;
	char *path, *raw = NULL, *cause = NULL, *text, a[32], b[32];
	int64_t start, end;
	size_t n;
	int rc, tries = 0;

	if (pagerctl_token(ctl) != 0) {
		fprintf(stderr, "pagerctl: or use \"pagerctl rota show --files"
		    " %s\" to read the rota files\n", name);
		return PAGERCTL_FAIL;
	}
	path = xstrdup("/api/v1/oncall/schedule");
	pagerctl_query_add(&path, "rota", name);
	for (;;) {
		if ((rc = pagerctl_http(ctl, path, NULL, &j, &raw)) !=
		    PAGERCTL_OK) {
			if (ctl->unreachable)
				fprintf(stderr, "pagerctl: cannot reach pagerd"
				    " at %s; \"pagerctl rota show --files %s\""
				    " reads the rota files instead\n",
				    ctl->url, name);
			/* Even a 404 (no such rota): 1, as offline. */
			rc = PAGERCTL_FAIL;
			goto out;
		}
		if ((zone = json_string_value(json_object_get(j,
		    "timezone"))) == NULL) {
			fprintf(stderr, "pagerctl: %s: no time zone in the"
			    " reply\n", path);
			rc = PAGERCTL_FAIL;
			goto out;
		}
		/* The reply is for the days of tz: done. */
		if (tz != NULL && strcmp(tz_name(tz), zone) == 0)
			break;
		if (++tries > PAGERCTL_ZONE_TRIES) {
			fprintf(stderr, "pagerctl: rota \"%s\": its time zone"
			    " keeps changing\n", name);
			rc = PAGERCTL_FAIL;
			goto out;
		}
		tz_free(tz);
		if ((tz = tz_load(zone, &cause)) == NULL) {
			fprintf(stderr, "pagerctl: rota \"%s\": %s\n", name,
			    cause);
			free(cause);
			rc = PAGERCTL_FAIL;
			goto out;
		}
		check_window(tz, from, days, &start, &end);
		free(path);
		path = xstrdup("/api/v1/oncall/schedule");
		pagerctl_query_add(&path, "rota", name);
		pagerctl_query_add(&path, "from", clock_format_iso(start, a,
		    sizeof a));
		pagerctl_query_add(&path, "to", clock_format_iso(end, b,
		    sizeof b));
		json_decref(j);
		j = NULL;
		free(raw);
		raw = NULL;
	}
	if (ctl->json) {
		pagerctl_print_raw(raw);
		goto out;
	}
	if ((sh = pagerctl_shifts(j, path, &n)) == NULL) {
		rc = PAGERCTL_FAIL;
		goto out;
	}
	if ((rota = json_string_value(json_object_get(j, "rota"))) == NULL)
		rota = name;
	text = check_timeline_shifts(rota, tz, sh, n, from, days);
	fputs(text, stdout);
	free(text);
	free(sh);
out:
	tz_free(tz);
	json_decref(j);
	free(raw);
	free(path);
	return rc;
}

/* pagerctl rota show NAME|FILE [--files] [--days N] [--from TIME] */
static int
pagerctl_rota_show(struct pagerctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "days", required_argument, NULL, 'd' },
		{ "from", required_argument, NULL, 'f' },
		{ "files", no_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 }
	};
	const char *name;
	char *cause = NULL, *end;
	int64_t from;
	long days = 7;
	int ch, files = 0;

	from = clock_now_ms();
	optind = 0;
	while ((ch = getopt_long(argc, argv, "d:f:", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			errno = 0;
			days = strtol(optarg, &end, 10);
			if (*end != '\0' || errno != 0 || days < 1 ||
			    days > PAGERCTL_MAX_DAYS) {
				fprintf(stderr, "pagerctl: --days must be from"
				    " 1 to %d\n", PAGERCTL_MAX_DAYS);
				exit(PAGERCTL_USAGE);
			}
			break;
		case 'f':
			if (iso8601_parse(optarg, &from, &cause) != 0) {
				fprintf(stderr, "pagerctl: --from: %s\n",
				    cause);
				free(cause);
				exit(PAGERCTL_USAGE);
			}
			break;
		case 'F':
			files = 1;
			break;
		default:
			pagerctl_cmd_usage("rota show");
		}
	}
	if (optind != argc - 1)
		pagerctl_cmd_usage("rota show");
	name = argv[optind];
	if (files || pagerctl_is_file(name)) {
		if (ctl->json) {
			fprintf(stderr, "pagerctl: --json prints the daemon's"
			    " reply: not with --files or a file\n");
			exit(PAGERCTL_USAGE);
		}
		return pagerctl_rota_show_files(ctl, name, from, (int)days);
	}
	return pagerctl_rota_show_daemon(ctl, name, from, (int)days);
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
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		fatalx("curl_global_init failed");
	/* The command sees its last word as argv[0], like a program. */
	rc = cmd->run(&ctl, argc - nwords + 1, argv + nwords - 1);
	curl_global_cleanup();
	if (ctl.token != NULL) {
		explicit_bzero(ctl.token, strlen(ctl.token));
		free(ctl.token);
	}
	free(ctl.conf_found);
	free(hoisted);
	return rc;
}
