/* SPDX-License-Identifier: ISC */
/*
 * rota-findings.c: the list of findings (errors and warnings, each with
 * its file and line) that parsing, loading and checking rotas report.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "compat.h"
#include "rota.h"
#include "xmalloc.h"

/* Add a finding; file is copied. */
void
rota_findings_add(struct rota_findings *f, const char *file, int line,
    enum rota_severity sev, const char *fmt, ...)
{
	struct rota_finding *x;
	va_list ap;

	f->list = xreallocarray(f->list, f->n + 1, sizeof *f->list);
	x = &f->list[f->n++];
	x->file = xstrdup(file != NULL ? file : "");
	x->line = line;
	x->severity = sev;
	va_start(ap, fmt);
	if (vasprintf(&x->message, fmt, ap) == -1)
		x->message = xstrdup("out of memory");
	va_end(ap);
	if (sev == ROTA_ERROR)
		f->nerrors++;
}

/* Free the findings' contents; f is left empty and reusable. */
void
rota_findings_free(struct rota_findings *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		free(f->list[i].file);
		free(f->list[i].message);
	}
	free(f->list);
	f->list = NULL;
	f->n = f->nerrors = 0;
}

/* "file:line: message", with "warning: " before warnings; caller frees. */
char *
rota_finding_format(const struct rota_finding *x)
{
	char *s;
	const char *sev = x->severity == ROTA_WARNING ? "warning: " : "";

	if (x->line > 0)
		xasprintf(&s, "%s:%d: %s%s", x->file, x->line, sev,
		    x->message);
	else
		xasprintf(&s, "%s: %s%s", x->file, sev, x->message);
	return s;
}
