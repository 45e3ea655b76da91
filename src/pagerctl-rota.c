/* SPDX-License-Identifier: ISC */
/*
 * pagerctl-rota.c: "pagerctl rota check", offline, and "pagerctl rota
 * show", a timeline of the rota in force: asked of the daemon, or read
 * from the rota files (a file, or --files).
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "clock.h"
#include "conf.h"
#include "iso8601.h"
#include "log.h"
#include "pagerctl.h"
#include "people.h"
#include "rota.h"
#include "tz.h"
#include "xmalloc.h"

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

/* pagerctl rota check FILE ... */
int
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
pagerctl_rota_is_file(const char *name)
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

	c = pagerctl_conf_near(ctl, pagerctl_rota_is_file(name) ? name : NULL);
	if (c != NULL && c->rota_dir != NULL)
		rota_set_load_dir(set, c->rota_dir, &f);
	if (pagerctl_rota_is_file(name)) {
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
pagerctl_rota_instant(const json_t *o, const char *key, int64_t *ms)
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
pagerctl_rota_shifts(const json_t *j, const char *path, size_t *n)
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
		    pagerctl_rota_instant(o, "start", &sh[i].start) != 0 ||
		    pagerctl_rota_instant(o, "end", &sh[i].end) != 0) {
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

	if (pagerctl_api_token(ctl) != 0) {
		fprintf(stderr, "pagerctl: or use \"pagerctl rota show --files"
		    " %s\" to read the rota files\n", name);
		return PAGERCTL_FAIL;
	}
	path = xstrdup("/api/v1/oncall/schedule");
	pagerctl_api_query(&path, "rota", name);
	for (;;) {
		if ((rc = pagerctl_api_request(ctl, path, NULL, &j, &raw)) !=
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
		pagerctl_api_query(&path, "rota", name);
		pagerctl_api_query(&path, "from", clock_format_iso(start, a,
		    sizeof a));
		pagerctl_api_query(&path, "to", clock_format_iso(end, b,
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
	if ((sh = pagerctl_rota_shifts(j, path, &n)) == NULL) {
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
int
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
	if (files || pagerctl_rota_is_file(name)) {
		if (ctl->json) {
			fprintf(stderr, "pagerctl: --json prints the daemon's"
			    " reply: not with --files or a file\n");
			exit(PAGERCTL_USAGE);
		}
		return pagerctl_rota_show_files(ctl, name, from, (int)days);
	}
	return pagerctl_rota_show_daemon(ctl, name, from, (int)days);
}
