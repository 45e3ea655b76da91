/* SPDX-License-Identifier: ISC */
/*
 * text.h: checks of text that people send, before it reaches logs,
 * notices, terminals and pages.
 */
#ifndef TEXT_H
#define TEXT_H

/* text.c */
int text_has_control(const char *, int);

#endif
