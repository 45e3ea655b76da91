/* SPDX-License-Identifier: ISC */
/*
 * tz.c: time zones from compiled TZif files (RFC 8536): the 64-bit
 * transition table plus the POSIX TZ footer for instants after the last
 * transition.  Converts both ways with the rota handoff rules: a local time
 * in a spring-forward gap maps to the end of the gap, a repeated local
 * time maps to its first occurrence.  No global state.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tz.h"
#include "xmalloc.h"

#define TZ_MAX_FILE (1024 * 1024)
#define TZ_DAY INT64_C(86400)

/* One rule date of a POSIX TZ string: Jn, n or Mm.w.d, plus a time. */
struct tz_rule {
	char kind; /* 'J', 'D' (zero-based day) or 'M' */
	int day;
	int week;
	int month;
	int32_t time; /* seconds after local midnight, may be <0 or >24h */
};

/* A POSIX TZ string ("CET-1CEST,M3.5.0,M10.5.0/3"). */
struct tz_posix {
	int32_t std_off; /* seconds east */
	int32_t dst_off;
	int has_dst;
	struct tz_rule start;
	struct tz_rule end;
};

struct tz_type {
	int32_t off;
	int isdst;
};

struct tz {
	char *name;
	int64_t *trans; /* UTC seconds, ascending */
	uint8_t *idx;
	size_t ntrans;
	struct tz_type *types;
	size_t ntypes;
	int has_footer;
	struct tz_posix footer;
};

static int64_t tz_floor_div(int64_t, int64_t);
static int tz_posix_parse(const char *, struct tz_posix *);
static int tz_posix_isdst(const struct tz_posix *, int64_t);
static int32_t tz_offset_secs(const struct tz *, int64_t, int *);

/* Floor division, for instants before 1970. */
static int64_t
tz_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
int64_t
tz_days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe, yy = y;

	yy -= m <= 2;
	era = tz_floor_div(yy, 400);
	yoe = yy - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The inverse of tz_days_from_civil. */
void
tz_civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp, yy;

	z += 719468;
	era = tz_floor_div(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yy + (*m <= 2));
}

/* Day of the week of a day number: 0 Sunday .. 6 Saturday. */
int
tz_weekday(int64_t days)
{
	int64_t w = (days + 4) % 7; /* 1970-01-01 was a Thursday */

	return (int)(w < 0 ? w + 7 : w);
}

int
tz_days_in_month(int y, int m)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
		30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	if (m < 1 || m > 12)
		return 0;
	return mdays[m - 1] + (m == 2 && leap);
}

/* Zone names are relative paths below TZ_DIR made of safe characters. */
int
tz_name_is_valid(const char *name)
{
	const char *p;

	if (name == NULL || *name == '\0' || *name == '/' ||
	    strstr(name, "..") != NULL || strlen(name) > 255)
		return 0;
	for (p = name; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && strchr("/_+-", *p) == NULL)
			return 0;
	}
	return 1;
}

/* Load zone name from the system zone directory. */
struct tz *
tz_load(const char *name, char **cause)
{
	char *path;
	struct tz *tz;

	if (!tz_name_is_valid(name)) {
		xasprintf(cause, "bad time zone name \"%s\"", name);
		return NULL;
	}
	xasprintf(&path, "%s/%s", TZ_DIR, name);
	tz = tz_load_file(path, name, cause);
	free(path);
	return tz;
}

/* Load a TZif file from path and call the zone name. */
struct tz *
tz_load_file(const char *path, const char *name, char **cause)
{
	unsigned char *buf = NULL;
	struct stat sb;
	struct tz *tz = NULL;
	ssize_t n;
	size_t len = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			xasprintf(cause, "unknown time zone \"%s\"", name);
		else
			xasprintf(cause, "time zone \"%s\": %s", name,
			    strerror(errno));
		return NULL;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > TZ_MAX_FILE) {
		xasprintf(cause, "unknown time zone \"%s\"", name);
		goto out;
	}
	buf = xmalloc((size_t)sb.st_size + 1);
	while (len < (size_t)sb.st_size) {
		n = read(fd, buf + len, (size_t)sb.st_size - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			xasprintf(cause, "time zone \"%s\": read error", name);
			goto out;
		}
		len += (size_t)n;
	}
	tz = tz_parse(name, buf, len, cause);
out:
	free(buf);
	close(fd);
	return tz;
}

static uint32_t
tz_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static int64_t
tz_be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)tz_be32(p) << 32 | tz_be32(p + 4));
}

/* Parse a TZif image of len bytes; name is only kept for messages. */
struct tz *
tz_parse(const char *name, const unsigned char *buf, size_t len,
    char **cause)
{
	struct tz *tz;
	const unsigned char *p = buf, *end = buf + len, *fs, *fe;
	uint32_t cnt[6]; /* isut, isstd, leap, time, type, char */
	size_t tsize = 4, need, i;
	char *footer;
	int pass, version;

	if (len < 44 || memcmp(buf, "TZif", 4) != 0)
		goto bad;
	version = buf[4];
	for (pass = 0; pass < 2; pass++) {
		if ((size_t)(end - p) < 44 || memcmp(p, "TZif", 4) != 0)
			goto bad;
		for (i = 0; i < 6; i++)
			cnt[i] = tz_be32(p + 20 + 4 * i);
		p += 44;
		if (cnt[3] > 100000 || cnt[4] == 0 || cnt[4] > 256 ||
		    cnt[5] > 100000 || cnt[2] > 100000 ||
		    (cnt[0] != 0 && cnt[0] != cnt[4]) ||
		    (cnt[1] != 0 && cnt[1] != cnt[4]))
			goto bad;
		need = cnt[3] * tsize + cnt[3] + cnt[4] * 6 + cnt[5] +
		    cnt[2] * (tsize + 4) + cnt[1] + cnt[0];
		if ((size_t)(end - p) < need)
			goto bad;
		if (pass == 0 && version >= '2') {
			/* Skip the 32-bit data, use the 64-bit section. */
			p += need;
			tsize = 8;
			continue;
		}
		break;
	}

	tz = xcalloc(1, sizeof *tz);
	tz->name = xstrdup(name);
	tz->ntrans = cnt[3];
	tz->ntypes = cnt[4];
	tz->trans = xreallocarray(NULL, tz->ntrans + 1, sizeof *tz->trans);
	tz->idx = xmalloc(tz->ntrans + 1);
	tz->types = xreallocarray(NULL, tz->ntypes, sizeof *tz->types);
	for (i = 0; i < tz->ntrans; i++) {
		if (tsize == 8)
			tz->trans[i] = tz_be64(p);
		else
			tz->trans[i] = (int32_t)tz_be32(p);
		p += tsize;
		if (i > 0 && tz->trans[i] <= tz->trans[i - 1])
			goto badfree;
	}
	for (i = 0; i < tz->ntrans; i++) {
		tz->idx[i] = *p++;
		if (tz->idx[i] >= tz->ntypes)
			goto badfree;
	}
	for (i = 0; i < tz->ntypes; i++) {
		tz->types[i].off = (int32_t)tz_be32(p);
		tz->types[i].isdst = p[4] != 0;
		if (tz->types[i].off <= -26 * 3600 ||
		    tz->types[i].off >= 26 * 3600)
			goto badfree;
		p += 6;
	}
	p += cnt[5] + cnt[2] * (tsize + 4) + cnt[1] + cnt[0];

	/* Footer: "\n" POSIX-TZ "\n", only in version 2+ files. */
	if (tsize == 8 && p < end && *p == '\n') {
		fs = p + 1;
		fe = memchr(fs, '\n', (size_t)(end - fs));
		if (fe == NULL)
			goto badfree;
		if (fe > fs) {
			footer = xstrndup((const char *)fs, (size_t)(fe - fs));
			if (tz_posix_parse(footer, &tz->footer) != 0) {
				free(footer);
				goto badfree;
			}
			free(footer);
			tz->has_footer = 1;
		}
	}
	return tz;

badfree:
	tz_free(tz);
bad:
	xasprintf(cause, "time zone \"%s\": bad zone file", name);
	return NULL;
}

void
tz_free(struct tz *tz)
{
	if (tz == NULL)
		return;
	free(tz->name);
	free(tz->trans);
	free(tz->idx);
	free(tz->types);
	free(tz);
}

const char *
tz_name(const struct tz *tz)
{
	return tz->name;
}

/* Skip a zone abbreviation: alphabetic, or quoted in <>. */
static const char *
tz_posix_name(const char *p)
{
	const char *s = p;

	if (*p == '<') {
		while (*p != '\0' && *p != '>')
			p++;
		return *p == '>' && p - s >= 4 ? p + 1 : NULL;
	}
	while (isalpha((unsigned char)*p))
		p++;
	return p - s >= 3 ? p : NULL;
}

/* Parse [+-]hh[:mm[:ss]] (hours up to 167) into seconds. */
static const char *
tz_posix_time(const char *p, int32_t *secs)
{
	int sign = 1, part[3] = { 0, 0, 0 }, i, n;

	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	for (i = 0; i < 3; i++) {
		if (i > 0) {
			if (*p != ':')
				break;
			p++;
		}
		if (!isdigit((unsigned char)*p))
			return NULL;
		for (n = 0; isdigit((unsigned char)*p) && n < 1000; p++)
			n = n * 10 + (*p - '0');
		part[i] = n;
	}
	if (part[0] > 167 || part[1] > 59 || part[2] > 59)
		return NULL;
	*secs = sign * (part[0] * 3600 + part[1] * 60 + part[2]);
	return p;
}

static int
tz_posix_num(const char **pp, int lo, int hi)
{
	const char *p = *pp;
	int n = 0;

	if (!isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p) && n <= hi)
		n = n * 10 + (*p++ - '0');
	*pp = p;
	return n < lo || n > hi ? -1 : n;
}

static const char *
tz_posix_rule(const char *p, struct tz_rule *r)
{
	r->time = 2 * 3600;
	if (*p == 'J') {
		p++;
		r->kind = 'J';
		if ((r->day = tz_posix_num(&p, 1, 365)) == -1)
			return NULL;
	} else if (*p == 'M') {
		p++;
		r->kind = 'M';
		if ((r->month = tz_posix_num(&p, 1, 12)) == -1 || *p++ != '.')
			return NULL;
		if ((r->week = tz_posix_num(&p, 1, 5)) == -1 || *p++ != '.')
			return NULL;
		if ((r->day = tz_posix_num(&p, 0, 6)) == -1)
			return NULL;
	} else {
		r->kind = 'D';
		if ((r->day = tz_posix_num(&p, 0, 365)) == -1)
			return NULL;
	}
	if (*p == '/')
		p = tz_posix_time(p + 1, &r->time);
	return p;
}

/* Parse a POSIX TZ string; offsets in it are west-positive. */
static int
tz_posix_parse(const char *s, struct tz_posix *tp)
{
	const char *p = s;
	int32_t off;

	memset(tp, 0, sizeof *tp);
	if ((p = tz_posix_name(p)) == NULL ||
	    (p = tz_posix_time(p, &off)) == NULL)
		return -1;
	tp->std_off = -off;
	if (*p == '\0')
		return 0;
	if ((p = tz_posix_name(p)) == NULL)
		return -1;
	tp->has_dst = 1;
	tp->dst_off = tp->std_off + 3600;
	if (*p != ',' && *p != '\0') {
		if ((p = tz_posix_time(p, &off)) == NULL)
			return -1;
		tp->dst_off = -off;
	}
	if (*p == '\0') {
		/* POSIX default: the US rules. */
		tp->start = (struct tz_rule){ 'M', 0, 2, 3, 7200 };
		tp->end = (struct tz_rule){ 'M', 0, 1, 11, 7200 };
		return 0;
	}
	if (*p++ != ',' || (p = tz_posix_rule(p, &tp->start)) == NULL ||
	    *p++ != ',' || (p = tz_posix_rule(p, &tp->end)) == NULL ||
	    *p != '\0')
		return -1;
	return 0;
}

/* Local day number on which rule r falls in year y. */
static int64_t
tz_rule_day(const struct tz_rule *r, int y)
{
	int64_t first;
	int leap = tz_days_in_month(y, 2) == 29, d;

	switch (r->kind) {
	case 'J':
		return tz_days_from_civil(y, 1, 1) + r->day - 1 +
		    (leap && r->day >= 60);
	case 'D':
		return tz_days_from_civil(y, 1, 1) + r->day;
	default:
		first = tz_days_from_civil(y, r->month, 1);
		d = 1 + (r->day - tz_weekday(first) + 7) % 7 + (r->week - 1) * 7;
		while (d > tz_days_in_month(y, r->month))
			d -= 7;
		return first + d - 1;
	}
}

/* Is UTC instant t (seconds) in daylight time under footer rule tp? */
static int
tz_posix_isdst(const struct tz_posix *tp, int64_t t)
{
	int64_t start, end;
	int y, m, d;

	if (!tp->has_dst)
		return 0;
	tz_civil_from_days(tz_floor_div(t + tp->std_off, TZ_DAY), &y, &m, &d);
	/* Start is given in standard time, end in daylight time. */
	start = tz_rule_day(&tp->start, y) * TZ_DAY + tp->start.time -
	    tp->std_off;
	end = tz_rule_day(&tp->end, y) * TZ_DAY + tp->end.time - tp->dst_off;
	if (start < end)
		return t >= start && t < end;
	return !(t >= end && t < start);
}

/* Offset (seconds east) at UTC instant t in seconds. */
static int32_t
tz_offset_secs(const struct tz *tz, int64_t t, int *isdst)
{
	size_t lo, hi, mid, i;
	int dst;

	if (tz->ntrans > 0 && t >= tz->trans[tz->ntrans - 1] &&
	    tz->has_footer) {
		dst = tz_posix_isdst(&tz->footer, t);
		if (isdst != NULL)
			*isdst = dst;
		return dst ? tz->footer.dst_off : tz->footer.std_off;
	}
	if (tz->ntrans == 0 || t < tz->trans[0]) {
		if (tz->ntrans == 0 && tz->has_footer) {
			dst = tz_posix_isdst(&tz->footer, t);
			if (isdst != NULL)
				*isdst = dst;
			return dst ? tz->footer.dst_off : tz->footer.std_off;
		}
		i = 0; /* RFC 8536: type 0 applies before the first change */
	} else {
		lo = 0;
		hi = tz->ntrans; /* trans[lo] <= t < trans[hi] */
		while (hi - lo > 1) {
			mid = lo + (hi - lo) / 2;
			if (tz->trans[mid] <= t)
				lo = mid;
			else
				hi = mid;
		}
		i = tz->idx[lo];
	}
	if (isdst != NULL)
		*isdst = tz->types[i].isdst;
	return tz->types[i].off;
}

/* Offset in seconds east of UTC at the UTC instant utc_ms. */
int
tz_offset_at(const struct tz *tz, int64_t utc_ms)
{
	return tz_offset_secs(tz, tz_floor_div(utc_ms, 1000), NULL);
}

/* Break the UTC instant utc_ms down into local time in tz. */
void
tz_to_local(const struct tz *tz, int64_t utc_ms, struct tz_local *lt)
{
	int64_t secs = tz_floor_div(utc_ms, 1000), local, days, rem;
	int isdst, off;

	off = tz_offset_secs(tz, secs, &isdst);
	local = secs + off;
	days = tz_floor_div(local, TZ_DAY);
	rem = local - days * TZ_DAY;
	tz_civil_from_days(days, &lt->year, &lt->month, &lt->day);
	lt->hour = (int)(rem / 3600);
	lt->minute = (int)(rem / 60 % 60);
	lt->second = (int)(rem % 60);
	lt->ms = (int)(utc_ms - secs * 1000);
	lt->wday = tz_weekday(days);
	lt->offset = off;
	lt->isdst = isdst;
}

/*
 * The UTC instant of a local time in tz.  Fields may be out of range
 * (hour 24, day 32) and are carried over.  A time inside a gap maps to
 * the instant the gap ends; a time that occurs twice maps to the first.
 */
int64_t
tz_from_local(const struct tz *tz, const struct tz_local *lt)
{
	int64_t local, t, best = INT64_MAX, lo, hi, mid;
	int32_t offs[6], o, omin, omax;
	size_t n = 0, i, j;
	int found;

	local = (tz_days_from_civil(lt->year, lt->month, 1) + lt->day - 1) *
	    TZ_DAY + (int64_t)lt->hour * 3600 + (int64_t)lt->minute * 60 +
	    lt->second;

	/* Offsets in force around the local time (transitions are sparse). */
	offs[n++] = tz_offset_secs(tz, local - 30 * 3600, NULL);
	offs[n++] = tz_offset_secs(tz, local + 30 * 3600, NULL);
	if (offs[0] == offs[1])
		return (local - offs[0]) * 1000 + lt->ms; /* no change near */
	for (i = 0; i < 2; i++)
		offs[n++] = tz_offset_secs(tz, local - offs[i], NULL);
	omin = omax = offs[0];
	for (i = 0; i < n; i++) {
		o = offs[i];
		if (o < omin)
			omin = o;
		if (o > omax)
			omax = o;
		for (found = 0, j = 0; j < i; j++)
			found |= offs[j] == o;
		if (found)
			continue;
		t = local - o;
		if (tz_offset_secs(tz, t, NULL) == o && t < best)
			best = t;
	}
	if (best == INT64_MAX) {
		/*
		 * In a gap: the offset jumps from omin to omax somewhere in
		 * (local - omax, local - omin]; find the first instant of the
		 * new offset.
		 */
		lo = local - omax;
		hi = local - omin;
		o = tz_offset_secs(tz, lo, NULL);
		while (hi - lo > 1) {
			mid = lo + (hi - lo) / 2;
			if (tz_offset_secs(tz, mid, NULL) == o)
				lo = mid;
			else
				hi = mid;
		}
		best = hi;
	}
	return best * 1000 + lt->ms;
}
