/* SPDX-License-Identifier: ISC */
/*
 * pagerctl-alerts.c: "pagerctl alerts", the list of alerts, and the
 * actions on one alert: ack, resolve, escalate, note and snooze.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "number.h"
#include "pagerctl-fmt.h"
#include "pagerctl.h"
#include "xmalloc.h"

/*
 * pagerctl alerts [--status S] [--service S] [--priority P] [--limit N]
 * [--all]: newest first.  --all follows next_before to the end, N per
 * request; with --json the pages are joined into one reply of the same
 * shape.
 */
int
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
			if (number_positive(optarg) < 0) {
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
		pagerctl_api_query(&base, "status", status);
	if (service != NULL)
		pagerctl_api_query(&base, "service", service);
	if (prio != NULL)
		pagerctl_api_query(&base, "priority", prio);
	if (limit != NULL)
		pagerctl_api_query(&base, "limit", limit);
	all = json_array();
	for (;;) {
		path = xstrdup(base);
		if (before != 0) {
			snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT,
			    before);
			pagerctl_api_query(&path, "before", num);
		}
		rc = pagerctl_api_request(ctl, path, NULL, &j, &raw);
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

/*
 * pagerctl ack|resolve|escalate ID [--as NAME], pagerctl note ID TEXT...
 * [--as NAME], pagerctl snooze ID DURATION [--as NAME]: POST to the
 * alert's action; --as names for whom the key
 * acts (sent as "actor", which the daemon records as on_behalf_of
 * beside the key's name, the actor).  A note's words are joined by
 * spaces.
 */
int
pagerctl_alerts_action(struct pagerctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "as", required_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 }
	};
	const char *cmd = argv[0], *actor = NULL, *what;
	json_t *body, *j;
	char *text = NULL, *next, *path, *data = NULL, num[32];
	int ch, rc, i, note = strcmp(cmd, "note") == 0;
	int snooze = strcmp(cmd, "snooze") == 0;

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
	if (note ? argc - optind < 2 : argc - optind != 1 + snooze)
		pagerctl_cmd_usage(cmd);
	if (number_positive(argv[optind]) < 0) {
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
	} else if (text != NULL && json_object_set_new(body, snooze ? "for" :
	    "text", json_string(text)) != 0) {
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
	rc = pagerctl_api_call(ctl, path, data != NULL ? data : "", &j);
	free(data);
	if (rc != PAGERCTL_OK || j == NULL)
		return rc;
	what = note ? "note added" : snooze ? "snoozed until" :
	    strcmp(cmd, "escalate") == 0 ? "escalated to stage" :
	    pagerctl_str(j, "status");
	printf("alert %s: %s%s%s\n", argv[optind], what,
	    strcmp(cmd, "escalate") == 0 || snooze ? " " : "",
	    snooze ? pagerctl_str(j, "snoozed_until") :
	    strcmp(cmd, "escalate") == 0 ? pagerctl_int(j, "stage", num,
	    sizeof num) : "");
	json_decref(j);
	return PAGERCTL_OK;
}
