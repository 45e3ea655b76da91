/* SPDX-License-Identifier: ISC */
/*
 * compat.h: compiler attributes and small portability macros shared by
 * every file.
 */
#ifndef COMPAT_H
#define COMPAT_H

#ifndef __unused
#define __unused __attribute__((__unused__))
#endif
#ifndef __dead
#define __dead __attribute__((__noreturn__))
#endif
#define printflike(a, b) __attribute__((__format__(__printf__, a, b)))

#ifndef nitems
#define nitems(a) (sizeof(a) / sizeof((a)[0]))
#endif

#endif
