/* SPDX-License-Identifier: ISC */
/*
 * text.c: checks of text that people send.  Text from the API, an
 * intake or a silence ends up in log lines, notices, chat messages and
 * terminals (pagerctl); a control character there could forge a line
 * or drive a terminal.  Pure.
 */
#include "text.h"

/*
 * Does s (valid UTF-8) hold a control character: C0, DEL, or C1
 * (U+0080..U+009F, encoded C2 80..C2 9F), which a terminal may obey?
 * Tab, newline and carriage return are allowed if multiline.
 */
int
text_has_control(const char *s, int multiline)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == 0x7f || (*p < 0x20 && !(multiline &&
		    (*p == '\n' || *p == '\t' || *p == '\r'))))
			return 1;
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			return 1;
	}
	return 0;
}
