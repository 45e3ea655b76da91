/* SPDX-License-Identifier: ISC */
/*
 * pagerctl-fmt.h: pagerctl's pure formatting helpers (durations, local
 * times, percentages, terminal-safe text and column tables).  Linked
 * into pagerctl only, never into the daemon.
 */
#ifndef PAGERCTL_FMT_H
#define PAGERCTL_FMT_H

#include <stddef.h>
#include <stdint.h>

#define PAGERCTL_FMT_TIME_LEN 32

struct pagerctl_table;

/* pagerctl-fmt.c */
char *pagerctl_fmt_duration(int64_t, char *, size_t);
char *pagerctl_fmt_time(int64_t, char *, size_t);
char *pagerctl_fmt_percent(double, char *, size_t);
char *pagerctl_fmt_clean(const char *);
size_t pagerctl_fmt_width(const char *);
char *pagerctl_fmt_pad(const char *, size_t);
char *pagerctl_fmt_truncate(const char *, size_t);
struct pagerctl_table *pagerctl_table_new(size_t, const char *, ...);
void pagerctl_table_flex(struct pagerctl_table *, size_t);
void pagerctl_table_add(struct pagerctl_table *, ...);
size_t pagerctl_table_rows(const struct pagerctl_table *);
char *pagerctl_table_render(const struct pagerctl_table *, size_t);
void pagerctl_table_free(struct pagerctl_table *);

#endif
