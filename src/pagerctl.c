/* SPDX-License-Identifier: ISC */
/*
 * pagerctl.c: the operators' command-line client.  Commands that ask
 * the running daemon go through its HTTP API (libcurl, a bearer token);
 * rota commands that only need files work offline from pagerd.conf.
 * Each command is one entry of pagerctl_cmds[]: its words ("rota
 * check"), a function taking the arguments after them, and its usage.
 */
#include <errno.h>
#include <getopt.h>
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
#include "people.h"
#include "rota.h"
#include "xmalloc.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define PAGERCTL_CONF SYSCONFDIR "/pagerd/pagerd.conf"
#define PAGERCTL_URL "http://127.0.0.1:8080"
#define PAGERCTL_TIMEOUT 30L      /* seconds per request */
#define PAGERCTL_MAX_REPLY (16 << 20)
#define PAGERCTL_MAX_DAYS 62

/* Exit statuses. */
#define PAGERCTL_OK 0
#define PAGERCTL_FAIL 1  /* an error, or findings that are errors */
#define PAGERCTL_USAGE 2

struct pagerctl {
	const char *conf_path;
	int conf_given; /* -c was given: a missing file is an error */
	const char *url;
	const char *token_file;
	char *token;
	int json; /* --json: print the API's JSON as is */
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

static const struct pagerctl_cmd pagerctl_cmds[] = {
	{ "oncall", pagerctl_oncall, "[--rota NAME] [--at TIME]",
	    "who is on call now or at TIME (asks the daemon)" },
	{ "rota check", pagerctl_rota_check, "FILE ...",
	    "check rota files offline; exit 1 on errors" },
	{ "rota show", pagerctl_rota_show, "NAME|FILE [--days N] [--from TIME]",
	    "timeline of a rota for the next days (offline)" },
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
 * GET path (with its query) from the daemon; *out gets the JSON reply.
 * Any failure is printed and returns -1.
 */
static int
pagerctl_get(struct pagerctl *ctl, const char *path, json_t **out)
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

	if (pagerctl_token(ctl) != 0)
		return -1;
	if ((c = curl_easy_init()) == NULL)
		fatalx("curl_easy_init failed");
	xasprintf(&url, "%s%s", ctl->url, path);
	xasprintf(&auth, "Authorization: Bearer %s", ctl->token);
	hdrs = curl_slist_append(hdrs, auth);
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
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
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, CURLPROTO_HTTP | CURLPROTO_HTTPS);
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
		fprintf(stderr, "pagerctl: %s: %ld: %s\n", path, code, msg);
		json_decref(j);
		goto fail;
	}
	free(url);
	free(b.data);
	*out = j;
	return 0;
fail:
	free(url);
	free(b.data);
	return -1;
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

static void
pagerctl_print_json(const json_t *j)
{
	char *text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	if (text == NULL)
		fatalx("json_dumps failed");
	printf("%s\n", text);
	free(text);
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
	char *path;
	int ch;

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
	if (pagerctl_get(ctl, path, &j) != 0) {
		free(path);
		return PAGERCTL_FAIL;
	}
	free(path);
	if (ctl->json) {
		pagerctl_print_json(j);
		json_decref(j);
		return PAGERCTL_OK;
	}
	printf("%-12s %-10s %-24s %-25s %s\n", "ROTA", "PERSON", "NAME",
	    "UNTIL", "WHY");
	json_array_foreach(json_object_get(j, "rotas"), i, r) {
		on = json_object_get(r, "oncall");
		if (json_array_size(on) == 0)
			printf("%-12s %s\n", pagerctl_str(r, "rota"),
			    "NOBODY");
		json_array_foreach(on, k, p) {
			printf("%-12s %-10s %-24s %-25s %s\n",
			    pagerctl_str(r, "rota"), pagerctl_str(p, "person"),
			    pagerctl_str(p, "name"),
			    pagerctl_str(p, "end_local"),
			    pagerctl_str(p, "why"));
		}
	}
	json_decref(j);
	return PAGERCTL_OK;
}

/*
 * pagerd.conf for the offline commands: NULL (and nothing printed) if
 * the default file is missing; exits if a given file is bad.
 */
static struct conf *
pagerctl_conf(struct pagerctl *ctl)
{
	struct conf *c;
	char *cause;

	if (!ctl->conf_given && access(ctl->conf_path, F_OK) != 0)
		return NULL;
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
	char *cause;
	int rc;

	if (argc < 2 || argv[1][0] == '-')
		pagerctl_cmd_usage("rota check");
	c = pagerctl_conf(ctl);
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
	rc = check_rotas(pp, c != NULL ? c->rota_dir : NULL, argv + 1,
	    (size_t)argc - 1, clock_now_ms(), NULL, stdout, &res);
	printf("%zu file%s, %zu error%s, %zu warning%s\n", res.nfiles,
	    res.nfiles == 1 ? "" : "s", res.nerrors, res.nerrors == 1 ? "" :
	    "s", res.nwarnings, res.nwarnings == 1 ? "" : "s");
	people_free(pp);
	conf_free(c);
	return rc == 0 ? PAGERCTL_OK : PAGERCTL_FAIL;
}

/* pagerctl rota show NAME|FILE [--days N] [--from TIME] */
static int
pagerctl_rota_show(struct pagerctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "days", required_argument, NULL, 'd' },
		{ "from", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	struct rota_findings f = { NULL, 0, 0 };
	struct rota_set *set = rota_set_new();
	struct conf *c;
	struct rota *r = NULL;
	const char *name;
	char *cause = NULL, *end, *text;
	int64_t from;
	long days = 7;
	int ch, rc = PAGERCTL_FAIL;

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
		default:
			pagerctl_cmd_usage("rota show");
		}
	}
	if (optind != argc - 1)
		pagerctl_cmd_usage("rota show");
	name = argv[optind];
	c = pagerctl_conf(ctl);
	if (c != NULL && c->rota_dir != NULL)
		rota_set_load_dir(set, c->rota_dir, &f);
	rota_findings_free(&f);
	if (strchr(name, '/') != NULL || (strlen(name) > 5 &&
	    strcmp(name + strlen(name) - 5, ".conf") == 0)) {
		/* A file: it replaces the folder's rota of that name. */
		if ((r = rota_load(name, &cause)) == NULL) {
			fprintf(stderr, "%s\n", cause);
			free(cause);
			goto out;
		}
		rota_free(rota_set_remove(set, r->name));
		if (rota_set_add(set, r, &cause) != 0)
			fatalx("%s", cause);
		rota_set_link(set, &f);
		rota_findings_free(&f);
	} else if ((r = rota_set_find(set, name)) == NULL) {
		fprintf(stderr, "pagerctl: no rota \"%s\"%s%s\n", name,
		    c != NULL && c->rota_dir != NULL ? " in " : "",
		    c != NULL && c->rota_dir != NULL ? c->rota_dir : "");
		goto out;
	}
	text = check_timeline(r, from, (int)days);
	fputs(text, stdout);
	free(text);
	rc = PAGERCTL_OK;
out:
	rota_set_free(set);
	conf_free(c);
	return rc;
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
	int ch, nwords, rc;

	memset(&ctl, 0, sizeof ctl);
	ctl.conf_path = PAGERCTL_CONF;
	ctl.url = (env = getenv("PAGERD_URL")) != NULL && *env != '\0' ? env :
	    PAGERCTL_URL;
	log_init(1, 0);
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
	return rc;
}
