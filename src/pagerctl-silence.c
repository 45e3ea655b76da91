/* SPDX-License-Identifier: ISC */
/*
 * pagerctl-silence.c: "pagerctl silence add", "silence list" and
 * "silence expire", over POST, GET and DELETE /api/v1/silences.  The
 * daemon validates; pagerctl only builds the body and shows the reply.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "duration.h"
#include "log.h"
#include "number.h"
#include "pagerctl-fmt.h"
#include "pagerctl.h"
#include "xmalloc.h"

/* Set key of o to the string s, or say it is not UTF-8 and exit 2. */
static void
pagerctl_silence_set(json_t *o, const char *key, const char *s)
{
	if (json_object_set_new(o, key, json_string(s)) != 0) {
		fprintf(stderr, "pagerctl: %s: not valid UTF-8\n", key);
		exit(PAGERCTL_USAGE);
	}
}

/*
 * pagerctl silence add [matchers] [--start TIME] --end TIME|--for DUR
 * [--quiet] COMMENT...: the comment's words joined by spaces; --quiet
 * sends page_on_expiry false.
 */
int
pagerctl_silence_add(struct pagerctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "service", required_argument, NULL, 'S' },
		{ "priority", required_argument, NULL, 'p' },
		{ "dedup-key", required_argument, NULL, 'k' },
		{ "summary", required_argument, NULL, 's' },
		{ "source", required_argument, NULL, 'o' },
		{ "label", required_argument, NULL, 'l' },
		{ "start", required_argument, NULL, 'b' },
		{ "end", required_argument, NULL, 'e' },
		{ "for", required_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 }
	};
	json_t *body, *m, *labels, *j;
	char *comment = NULL, *next, *eq, *data, *cause = NULL, buf[32];
	const char *end = NULL, *dur = NULL, *start = NULL;
	int64_t len;
	int ch, i, rc, quiet = 0;

	m = json_object();
	labels = json_object();
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'S':
			pagerctl_silence_set(m, "service", optarg);
			break;
		case 'p':
			pagerctl_silence_set(m, "priority", optarg);
			break;
		case 'k':
			pagerctl_silence_set(m, "dedup_key", optarg);
			break;
		case 's':
			pagerctl_silence_set(m, "summary", optarg);
			break;
		case 'o':
			pagerctl_silence_set(m, "source", optarg);
			break;
		case 'l':
			if ((eq = strchr(optarg, '=')) == NULL ||
			    eq == optarg) {
				fprintf(stderr, "pagerctl: --label %s: want"
				    " NAME=VALUE\n", optarg);
				exit(PAGERCTL_USAGE);
			}
			*eq = '\0';
			pagerctl_silence_set(labels, optarg, eq + 1);
			*eq = '=';
			break;
		case 'b':
			start = optarg;
			break;
		case 'e':
			end = optarg;
			break;
		case 'f':
			dur = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		default:
			pagerctl_cmd_usage("silence add");
		}
	}
	if (optind == argc || (end == NULL) == (dur == NULL)) {
		fprintf(stderr, "pagerctl: give a comment, and --end or"
		    " --for\n");
		pagerctl_cmd_usage("silence add");
	}
	if (dur != NULL) {
		if (start != NULL) {
			fprintf(stderr, "pagerctl: --for counts from now:"
			    " with --start, give --end\n");
			exit(PAGERCTL_USAGE);
		}
		if (duration_parse(dur, &len, &cause) != 0 || len <= 0) {
			fprintf(stderr, "pagerctl: --for %s: %s\n", dur,
			    cause != NULL ? cause : "must be positive");
			free(cause);
			exit(PAGERCTL_USAGE);
		}
		end = clock_format_iso(clock_now_ms() + len, buf, sizeof buf);
	}
	for (i = optind; i < argc; i++) {
		xasprintf(&next, "%s%s%s", comment != NULL ? comment : "",
		    comment != NULL ? " " : "", argv[i]);
		free(comment);
		comment = next;
	}
	if (json_object_size(labels) > 0)
		json_object_set(m, "labels", labels);
	json_decref(labels);
	body = json_pack("{s:o,s:b}", "matchers", m, "page_on_expiry",
	    !quiet);
	pagerctl_silence_set(body, "ends_at", end);
	if (start != NULL)
		pagerctl_silence_set(body, "starts_at", start);
	pagerctl_silence_set(body, "comment", comment);
	free(comment);
	if ((data = json_dumps(body, JSON_COMPACT)) == NULL)
		fatalx("json_dumps failed");
	json_decref(body);
	rc = pagerctl_api_call(ctl, xstrdup("/api/v1/silences"), data, &j);
	free(data);
	if (rc != PAGERCTL_OK || j == NULL)
		return rc;
	printf("silence %s added: %s until %s\n", pagerctl_int(j, "id", buf,
	    sizeof buf), pagerctl_str(j, "state"), pagerctl_str(j, "ends_at"));
	json_decref(j);
	return PAGERCTL_OK;
}

/* The matchers of silence s as "service=db priority=P1 env=prod". */
static char *
pagerctl_silence_matchers(const json_t *s)
{
	json_t *m = json_object_get(s, "matchers"), *v, *lv;
	const char *k, *lk;
	char *out = xstrdup(""), *next;

	json_object_foreach(m, k, v) {
		if (json_is_string(v)) {
			xasprintf(&next, "%s%s%s=%s", out, *out ? " " : "", k,
			    json_string_value(v));
			free(out);
			out = next;
			continue;
		}
		json_object_foreach(v, lk, lv) {
			xasprintf(&next, "%s%s%s=%s", out, *out ? " " : "",
			    lk, json_string_value(lv));
			free(out);
			out = next;
		}
	}
	return out;
}

/* pagerctl silence list */
int
pagerctl_silence_list(struct pagerctl *ctl, int argc, char **argv)
{
	struct pagerctl_table *t;
	json_t *j, *s;
	char id[32], from[64], to[64], *m, *clean;
	size_t i;
	int rc;

	if (argc != 1)
		pagerctl_cmd_usage("silence list");
	rc = pagerctl_api_call(ctl, xstrdup("/api/v1/silences"), NULL, &j);
	if (rc != PAGERCTL_OK || j == NULL)
		return rc;
	if (json_array_size(json_object_get(j, "silences")) == 0) {
		printf("no silences\n");
		json_decref(j);
		return PAGERCTL_OK;
	}
	t = pagerctl_table_new(7, "rllllll", "ID", "STATE", "FROM", "UNTIL",
	    "BY", "MATCHERS", "COMMENT");
	pagerctl_table_flex(t, 6);
	json_array_foreach(json_object_get(j, "silences"), i, s) {
		m = pagerctl_silence_matchers(s);
		clean = pagerctl_fmt_clean(m);
		pagerctl_table_add(t, pagerctl_int(s, "id", id, sizeof id),
		    pagerctl_str(s, "state"), pagerctl_fmt_time(pagerctl_ms(s,
		    "starts_at"), from, sizeof from), pagerctl_fmt_time(
		    pagerctl_ms(s, "expired_at") != 0 ? pagerctl_ms(s,
		    "expired_at") : pagerctl_ms(s, "ends_at"), to, sizeof to),
		    pagerctl_str(s, "created_by"), clean,
		    pagerctl_str(s, "comment"));
		free(clean);
		free(m);
	}
	pagerctl_table_print(t);
	json_decref(j);
	return PAGERCTL_OK;
}

/* pagerctl silence expire ID */
int
pagerctl_silence_expire(struct pagerctl *ctl, int argc, char **argv)
{
	json_t *j;
	char *path, *raw = NULL;
	int rc;

	if (argc != 2)
		pagerctl_cmd_usage("silence expire");
	if (number_positive(argv[1]) < 0) {
		fprintf(stderr, "pagerctl: %s: not a silence id\n", argv[1]);
		pagerctl_cmd_usage("silence expire");
	}
	xasprintf(&path, "/api/v1/silences/%s", argv[1]);
	rc = pagerctl_api_method(ctl, "DELETE", path, NULL, &j, &raw);
	free(path);
	if (rc != PAGERCTL_OK)
		return rc;
	if (ctl->json)
		pagerctl_print_raw(raw);
	else
		printf("silence %s expired\n", argv[1]);
	free(raw);
	json_decref(j);
	return PAGERCTL_OK;
}
