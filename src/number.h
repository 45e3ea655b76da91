/* SPDX-License-Identifier: ISC */
/* number.h: whole numbers from text, as ids and limits are written. */
#ifndef NUMBER_H
#define NUMBER_H

#include <stdint.h>

/* number.c */
/* A positive whole number of digits only ("12"), or -1. */
int64_t number_positive(const char *);

#endif
