/* SPDX-License-Identifier: ISC */
/*
 * rota-set.c: the set of rotas loaded from a directory, which is where
 * backup rotas are found by name.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "rota.h"
#include "xmalloc.h"

#define ROTA_MAX_FILES 10000

struct rota_set *
rota_set_new(void)
{
	return xcalloc(1, sizeof(struct rota_set));
}

/* Free the set and every rota in it. */
void
rota_set_free(struct rota_set *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++)
		rota_free(set->list[i]);
	free(set->list);
	free(set);
}

/* Add r to the set, which then owns it; fails if the name is taken. */
int
rota_set_add(struct rota_set *set, struct rota *r, char **cause)
{
	struct rota *old;

	if ((old = rota_set_find(set, r->name)) != NULL) {
		xasprintf(cause, "%s: rota \"%s\" is already defined in %s",
		    r->file, r->name, old->file);
		return -1;
	}
	set->list = xreallocarray(set->list, set->n + 1, sizeof *set->list);
	set->list[set->n++] = r;
	return 0;
}

struct rota *
rota_set_find(const struct rota_set *set, const char *name)
{
	size_t i;

	if (set == NULL || name == NULL)
		return NULL;
	for (i = 0; i < set->n; i++) {
		if (strcmp(set->list[i]->name, name) == 0)
			return set->list[i];
	}
	return NULL;
}

/*
 * Take the named rota out of the set and give it to the caller (to keep
 * an old version in force when its file no longer loads).  Backup links
 * to it are cut, and with them every index of the set (an index holds
 * its backups' shifts); call rota_set_link() and rota_set_index() again.
 */
struct rota *
rota_set_remove(struct rota_set *set, const char *name)
{
	struct rota *r;
	size_t i, j;

	for (i = 0; i < set->n; i++) {
		if (strcmp(set->list[i]->name, name) != 0)
			continue;
		r = set->list[i];
		memmove(&set->list[i], &set->list[i + 1],
		    (set->n - i - 1) * sizeof *set->list);
		set->n--;
		for (j = 0; j < set->n; j++) {
			if (set->list[j]->backup_rota == r)
				set->list[j]->backup_rota = NULL;
			rota_index_drop(set->list[j]);
		}
		r->backup_rota = NULL;
		rota_index_drop(r);
		return r;
	}
	return NULL;
}

static int
rota_set_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Load every *.conf file of dir, in name order.  A file that does not
 * parse is skipped and its errors go to f.  Returns the number of files
 * that failed, or -1 if the directory cannot be read.  Backups are linked.
 */
int
rota_set_load_dir(struct rota_set *set, const char *dir,
    struct rota_findings *f)
{
	struct dirent *de;
	struct rota *r, *old;
	char **names = NULL, *path, *cause = NULL;
	size_t n = 0, i, len;
	int failed = 0;
	DIR *d;

	if ((d = opendir(dir)) == NULL) {
		rota_findings_add(f, dir, 0, ROTA_ERROR, "cannot read"
		    " directory");
		return -1;
	}
	while ((de = readdir(d)) != NULL && n < ROTA_MAX_FILES) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len < 6 ||
		    strcmp(de->d_name + len - 5, ".conf") != 0)
			continue;
		names = xreallocarray(names, n + 1, sizeof *names);
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof *names, rota_set_cmp);
	for (i = 0; i < n; i++) {
		xasprintf(&path, "%s/%s", dir, names[i]);
		if ((r = rota_load_findings(path, f)) == NULL)
			failed++;
		else if ((old = rota_set_find(set, r->name)) != NULL) {
			rota_findings_add(f, path, 1, ROTA_ERROR, "rota \"%s\""
			    " is already defined in %s", r->name, old->file);
			rota_free(r);
			failed++;
		} else if (rota_set_add(set, r, &cause) != 0)
			fatalx("%s", cause);
		free(path);
		free(names[i]);
	}
	free(names);
	rota_set_link(set, f);
	return failed;
}

/*
 * Resolve each rota's backup by name.  An unknown backup or a loop of
 * backups is an error finding and leaves that link unset.  Indexes are
 * dropped, since they follow the old links: see rota_set_index().
 * Returns the number of errors.
 */
int
rota_set_link(struct rota_set *set, struct rota_findings *f)
{
	struct rota *r;
	const struct rota *b;
	size_t i;
	int errors = 0, depth, *loop;

	loop = xcalloc(set->n + 1, sizeof *loop);

	for (i = 0; i < set->n; i++) {
		r = set->list[i];
		rota_index_drop(r);
		r->backup_rota = NULL;
		if (r->backup == NULL)
			continue;
		if ((r->backup_rota = rota_set_find(set, r->backup)) == NULL) {
			rota_findings_add(f, r->file, r->backup_line,
			    ROTA_ERROR, "backup rota \"%s\" not found",
			    r->backup);
			errors++;
		}
	}
	for (i = 0; i < set->n; i++) {
		r = set->list[i];
		b = r->backup_rota;
		for (depth = 0; b != NULL && depth <= ROTA_MAX_BACKUP; depth++) {
			if (b == r)
				break;
			b = b->backup_rota;
		}
		if (b == r) {
			loop[i] = 1;
			rota_findings_add(f, r->file, r->backup_line,
			    ROTA_ERROR, "backup rotas of \"%s\" form a loop",
			    r->name);
			errors++;
		} else if (b != NULL) {
			rota_findings_add(f, r->file, r->backup_line,
			    ROTA_WARNING, "backup chain of \"%s\" is longer"
			    " than %d rotas", r->name, ROTA_MAX_BACKUP);
		}
	}
	/* Cut loops only after every rota has been looked at. */
	for (i = 0; i < set->n; i++) {
		if (loop[i])
			set->list[i]->backup_rota = NULL;
	}
	free(loop);
	return errors;
}

/*
 * Build the index of each rota of the set that has none or whose index
 * now runs past (rota_index_due()), with backups linked as they are.
 * Called by the set's owner after loading and linking, and from time to
 * time after that.  Returns the number of indexes built.
 */
size_t
rota_set_index(struct rota_set *set, int64_t now)
{
	size_t i, n = 0;

	for (i = 0; i < set->n; i++) {
		if (rota_index_due(set->list[i], now) &&
		    rota_index_build(set->list[i], now) == 0)
			n++;
	}
	return n;
}
