/* SPDX-License-Identifier: ISC */
/*
 * pagerctl-oncall.c: "pagerctl oncall", who is on call now or at a
 * given time, as the daemon's rotas say.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "pagerctl-fmt.h"
#include "pagerctl.h"
#include "xmalloc.h"

/* pagerctl oncall [--rota NAME] [--at TIME] */
int
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
	char *path, *c1, *c2, *c3, *c4;
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
		pagerctl_api_query(&path, "rota", rota);
	if (at != NULL)
		pagerctl_api_query(&path, "at", at);
	if ((rc = pagerctl_api_call(ctl, path, NULL, &j)) != PAGERCTL_OK ||
	    j == NULL)
		return rc;
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
