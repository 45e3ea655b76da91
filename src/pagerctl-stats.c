/* SPDX-License-Identifier: ISC */
/*
 * pagerctl-stats.c: "pagerctl stats", the service-level report of the
 * daemon's /api/v1/stats: MTTA, MTTR, rates and SLA attainment, then
 * volume by integration and channel, and the top problems.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "compat.h"
#include "pagerctl-fmt.h"
#include "pagerctl.h"
#include "xmalloc.h"

/* A rate of the stats reply (0 to 1, or null) as "12.5%" or "-". */
static const char *
pagerctl_stats_rate(const json_t *o, const char *key, char *buf, size_t len)
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
int
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
	char *path, from[PAGERCTL_FMT_TIME_LEN];
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
			pagerctl_api_query(&path, params[i], val[i]);
	if ((rc = pagerctl_api_call(ctl, path, NULL, &j)) != PAGERCTL_OK ||
	    j == NULL)
		return rc;
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
	if (json_integer_value(json_object_get(j, "silenced")) > 0)
		printf("%-24s%s (%s SLA attainment)\n", "silenced",
		    pagerctl_int(j, "silenced", n1, sizeof n1),
		    json_is_true(json_object_get(j, "sla_includes_silenced")) ?
		    "in" : "left out of");
	printf("%-24s%s\n", "breach rate", pagerctl_stats_rate(j,
	    "breach_rate", r1, sizeof r1));
	printf("%-24s%s\n", "closure rate", pagerctl_stats_rate(j,
	    "closure_rate", r1, sizeof r1));
	esc = json_object_get(j, "escalation");
	printf("%-24sstage 2 %s, stage 3 %s, stage 4 %s\n", "reached",
	    pagerctl_stats_rate(esc, "stage2", r1, sizeof r1),
	    pagerctl_stats_rate(esc, "stage3", r2, sizeof r2),
	    pagerctl_stats_rate(esc, "stage4", r3, sizeof r3));
	printf("%-24s%s\n", "first-stage resolution", pagerctl_stats_rate(j,
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
			    sizeof n3), pagerctl_stats_rate(c, "attainment", r1,
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
		    "delivered", n2, sizeof n2), pagerctl_stats_rate(v,
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
	json_decref(j);
	return PAGERCTL_OK;
}
