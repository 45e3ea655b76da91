/* SPDX-License-Identifier: ISC */
/*
 * pagerctl-fmt.c: pure formatting for pagerctl's readable output:
 * durations ("3h05m"), local times, percentages, text made safe for a
 * terminal, and column tables whose one flexible column is cut to fit a
 * width.  No I/O here, so tests/unit/test-pagerctl-fmt.c covers it all.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pagerctl-fmt.h"
#include "xmalloc.h"

#define PAGERCTL_TABLE_GAP 2     /* spaces between columns */
#define PAGERCTL_TABLE_MIN_FLEX 8 /* the flexible column never gets less */
#define PAGERCTL_ELLIPSIS "..."

struct pagerctl_table {
	size_t ncols;
	char **head;
	char *align; /* one 'l' or 'r' per column */
	size_t flex; /* the column cut to fit; ncols: none */
	char ***rows;
	size_t nrows;
};

/*
 * A duration in ms, rounded to the second, in at most two units:
 * "42s", "12m05s", "3h05m", "2d03h".  Negative ones get a "-".
 */
char *
pagerctl_fmt_duration(int64_t ms, char *buf, size_t len)
{
	const char *sign = "";
	long long s;

	if (ms < 0) {
		sign = "-";
		ms = ms == INT64_MIN ? INT64_MAX : -ms;
	}
	s = (long long)(ms / 1000 + (ms % 1000 >= 500));
	if (s < 60)
		snprintf(buf, len, "%s%llds", sign, s);
	else if (s < 3600)
		snprintf(buf, len, "%s%lldm%02llds", sign, s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%s%lldh%02lldm", sign, s / 3600,
		    s % 3600 / 60);
	else
		snprintf(buf, len, "%s%lldd%02lldh", sign, s / 86400,
		    s % 86400 / 3600);
	return buf;
}

/* An instant in ms since the epoch as local "YYYY-MM-DD HH:MM:SS"; 0: "-". */
char *
pagerctl_fmt_time(int64_t ms, char *buf, size_t len)
{
	struct tm tm;
	time_t t;

	if (ms <= 0 || len == 0) {
		snprintf(buf, len, "-");
		return buf;
	}
	t = (time_t)(ms / 1000);
	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, len, "-");
	return buf;
}

/* A ratio from 0 to 1 as a percentage with one decimal: "97.5%". */
char *
pagerctl_fmt_percent(double r, char *buf, size_t len)
{
	snprintf(buf, len, "%.1f%%", r * 100.0);
	return buf;
}

/*
 * A copy of s that is safe to print on a terminal: tabs and line breaks
 * become spaces, other control characters (C0, DEL and the UTF-8 forms
 * of C1, which could start escape sequences) become '?'.  s comes from
 * alerts anyone with an integration key can post.  The caller frees.
 */
char *
pagerctl_fmt_clean(const char *s)
{
	const unsigned char *p;
	char *out, *o;

	out = o = xmalloc(strlen(s) + 1);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '\t' || *p == '\n' || *p == '\r')
			*o++ = ' ';
		else if (*p < 0x20 || *p == 0x7f)
			*o++ = '?';
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			*o++ = '?';
			p++;
		} else
			*o++ = (char)*p;
	}
	*o = '\0';
	return out;
}

/*
 * Decode the UTF-8 character at *s (advancing past it); a malformed
 * byte is one character of its own.
 */
static unsigned long
pagerctl_fmt_utf8(const char **s)
{
	const unsigned char *p = (const unsigned char *)*s;
	unsigned long c;
	int n, i;

	if (p[0] < 0x80 || (p[0] & 0xc0) == 0x80) {
		(*s)++;
		return p[0];
	}
	n = (p[0] & 0xe0) == 0xc0 ? 1 : (p[0] & 0xf0) == 0xe0 ? 2 : 3;
	c = p[0] & (0x3f >> n);
	for (i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			(*s)++;
			return 0xfffd;
		}
		c = (c << 6) | (p[i] & 0x3f);
	}
	*s += n + 1;
	return c;
}

/*
 * Columns character c takes on a terminal: 0 for combining marks, 2 for
 * East Asian wide and full-width ones (Unicode's W and F ranges, those
 * of names people have), 1 otherwise.
 */
static int
pagerctl_fmt_cwidth(unsigned long c)
{
	if ((c >= 0x0300 && c <= 0x036f) || (c >= 0x200b && c <= 0x200f) ||
	    (c >= 0xfe20 && c <= 0xfe2f))
		return 0;
	if ((c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0x303e) ||
	    (c >= 0x3041 && c <= 0x33ff) || (c >= 0x3400 && c <= 0x4dbf) ||
	    (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xa000 && c <= 0xa4cf) ||
	    (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
	    (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
	    (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1f64f) ||
	    (c >= 0x1f900 && c <= 0x1f9ff) || (c >= 0x20000 && c <= 0x3fffd))
		return 2;
	return 1;
}

/* Columns s takes on a terminal (display width, not bytes). */
size_t
pagerctl_fmt_width(const char *s)
{
	size_t n = 0;

	while (*s != '\0')
		n += pagerctl_fmt_cwidth(pagerctl_fmt_utf8(&s));
	return n;
}

/*
 * A copy of s followed by blanks up to w columns of display width (as
 * printf's "%-Ns" does for ASCII; it counts bytes).  The caller frees.
 */
char *
pagerctl_fmt_pad(const char *s, size_t w)
{
	size_t sw = pagerctl_fmt_width(s), n = strlen(s);
	char *out;

	if (sw >= w)
		return xstrdup(s);
	out = xmalloc(n + (w - sw) + 1);
	memcpy(out, s, n);
	memset(out + n, ' ', w - sw);
	out[n + (w - sw)] = '\0';
	return out;
}

/* Byte length of the longest start of s at most n columns wide. */
static size_t
pagerctl_fmt_prefix(const char *s, size_t n)
{
	const char *p = s, *q;
	size_t used = 0, cw;

	while (*p != '\0') {
		q = p;
		cw = pagerctl_fmt_cwidth(pagerctl_fmt_utf8(&q));
		if (used + cw > n)
			break;
		used += cw;
		p = q;
	}
	return (size_t)(p - s);
}

/*
 * A copy of s cut to at most w columns, ending with "..." when cut (a
 * bare cut below 4 columns).  The caller frees.
 */
char *
pagerctl_fmt_truncate(const char *s, size_t w)
{
	size_t keep, elen = strlen(PAGERCTL_ELLIPSIS);
	char *out;

	if (pagerctl_fmt_width(s) <= w)
		return xstrdup(s);
	if (w <= elen)
		return xstrndup(s, pagerctl_fmt_prefix(s, w));
	keep = pagerctl_fmt_prefix(s, w - elen);
	xasprintf(&out, "%.*s%s", (int)keep, s, PAGERCTL_ELLIPSIS);
	return out;
}

/*
 * A table of ncols columns; align has one 'l' (left) or 'r' (right) per
 * column, and the headers follow as ncols strings (copied).
 */
struct pagerctl_table *
pagerctl_table_new(size_t ncols, const char *align, ...)
{
	struct pagerctl_table *t;
	va_list ap;
	size_t i;

	t = xcalloc(1, sizeof *t);
	t->ncols = ncols;
	t->flex = ncols;
	t->align = xstrndup(align, ncols);
	t->head = xcalloc(ncols, sizeof *t->head);
	va_start(ap, align);
	for (i = 0; i < ncols; i++)
		t->head[i] = pagerctl_fmt_clean(va_arg(ap, const char *));
	va_end(ap);
	return t;
}

/* Column col is the one cut when the table is wider than asked. */
void
pagerctl_table_flex(struct pagerctl_table *t, size_t col)
{
	if (col < t->ncols)
		t->flex = col;
}

/* Append a row of ncols strings (copied and cleaned; NULL prints "-"). */
void
pagerctl_table_add(struct pagerctl_table *t, ...)
{
	const char *s;
	va_list ap;
	char **row;
	size_t i;

	row = xcalloc(t->ncols, sizeof *row);
	va_start(ap, t);
	for (i = 0; i < t->ncols; i++) {
		s = va_arg(ap, const char *);
		row[i] = pagerctl_fmt_clean(s != NULL ? s : "-");
	}
	va_end(ap);
	t->rows = xreallocarray(t->rows, t->nrows + 1, sizeof *t->rows);
	t->rows[t->nrows++] = row;
}

size_t
pagerctl_table_rows(const struct pagerctl_table *t)
{
	return t->nrows;
}

/* Append cell s, aligned in w columns (no padding after the last). */
static void
pagerctl_table_cell(char **out, size_t *len, const char *s, size_t w,
    char align, int last)
{
	size_t sw = pagerctl_fmt_width(s), pad = sw < w ? w - sw : 0;
	size_t need = strlen(s) + pad + PAGERCTL_TABLE_GAP + 2;
	size_t i;

	*out = xreallocarray(*out, *len + need, 1);
	if (align == 'r')
		for (i = 0; i < pad; i++)
			(*out)[(*len)++] = ' ';
	memcpy(*out + *len, s, strlen(s));
	*len += strlen(s);
	if (align != 'r' && !last)
		for (i = 0; i < pad; i++)
			(*out)[(*len)++] = ' ';
	if (!last)
		for (i = 0; i < PAGERCTL_TABLE_GAP; i++)
			(*out)[(*len)++] = ' ';
	(*out)[*len] = '\0';
}

/*
 * The table as text, a header line then one line per row, each ending
 * in a newline.  With maxw non-zero, a line wider than maxw has its
 * flexible column cut (never below 8 columns, so a very narrow terminal
 * still wraps).  The caller frees.
 */
char *
pagerctl_table_render(const struct pagerctl_table *t, size_t maxw)
{
	size_t *w, i, r, total = 0, len = 0, rest, start;
	char *out = xstrdup(""), *cut;
	char **row;

	w = xcalloc(t->ncols, sizeof *w);
	for (i = 0; i < t->ncols; i++) {
		w[i] = pagerctl_fmt_width(t->head[i]);
		for (r = 0; r < t->nrows; r++)
			if (pagerctl_fmt_width(t->rows[r][i]) > w[i])
				w[i] = pagerctl_fmt_width(t->rows[r][i]);
		total += w[i] + (i + 1 < t->ncols ? PAGERCTL_TABLE_GAP : 0);
	}
	if (maxw > 0 && total > maxw && t->flex < t->ncols) {
		rest = total - w[t->flex];
		if (rest + PAGERCTL_TABLE_MIN_FLEX >= maxw)
			w[t->flex] = w[t->flex] < PAGERCTL_TABLE_MIN_FLEX ?
			    w[t->flex] : PAGERCTL_TABLE_MIN_FLEX;
		else
			w[t->flex] = maxw - rest;
	}
	for (r = 0; r <= t->nrows; r++) {
		row = r == 0 ? t->head : t->rows[r - 1];
		start = len;
		for (i = 0; i < t->ncols; i++) {
			cut = pagerctl_fmt_truncate(row[i], w[i]);
			pagerctl_table_cell(&out, &len, cut, w[i],
			    t->align[i] == 'r' ? 'r' : 'l', i + 1 == t->ncols);
			free(cut);
		}
		/* an empty or short last cell leaves no trailing blanks */
		while (len > start && out[len - 1] == ' ')
			len--;
		out = xreallocarray(out, len + 2, 1);
		out[len++] = '\n';
		out[len] = '\0';
	}
	free(w);
	return out;
}

void
pagerctl_table_free(struct pagerctl_table *t)
{
	size_t i, r;

	if (t == NULL)
		return;
	for (i = 0; i < t->ncols; i++)
		free(t->head[i]);
	for (r = 0; r < t->nrows; r++) {
		for (i = 0; i < t->ncols; i++)
			free(t->rows[r][i]);
		free(t->rows[r]);
	}
	free(t->rows);
	free(t->head);
	free(t->align);
	free(t);
}
