/* SPDX-License-Identifier: ISC */
/*
 * api-time.c: how every /api/v1 answer writes an instant: an ISO 8601
 * UTC string, or null where the value stands for "no instant".
 */
#include <jansson.h>
#include <stdint.h>

#include "api.h"
#include "clock.h"

/* ms as a JSON string, or null as none says; a new reference. */
json_t *
api_time(int64_t ms, enum api_time_none none)
{
	char buf[32];

	if ((none == API_TIME_SET && ms <= 0) ||
	    (none == API_TIME_ROTA && ms == INT64_MAX))
		return json_null();
	return json_string(clock_format_iso(ms, buf, sizeof buf));
}
