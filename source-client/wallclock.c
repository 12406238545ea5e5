/*
 * wallclock.c: the programme's clock (wallclock.h).
 *
 * The schedule asks for the time at every track boundary, and the "switch
 * now" check a few times a second at most: reading a small file that often
 * costs nothing, and lets a test move time by writing the file, instead of
 * waiting for a real hour to come round.
 */
#include "wallclock.h"
#include "log.h"
#include "../server/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The clock file is one line; anything longer is not a time. */
#define WALLCLOCK_MAX_BYTES 64

/* Parse epoch seconds or ISO 8601. */
int
wallclock_parse(const char *text, time_t *out)
{
	char buf[WALLCLOCK_MAX_BYTES + 1], *s, *end;
	struct tm tm;
	long off = 0;
	int local = 1, n = 0;
	double secs;

	snprintf(buf, sizeof buf, "%s", text);
	s = str_trim(buf);
	if (*s != '\0' && strchr(s, '-') == NULL && strchr(s, ':') == NULL) {
		if (parse_double(s, 0, 1e12, &secs) != 0)
			return -1;
		*out = (time_t)secs;
		return 0;
	}
	memset(&tm, 0, sizeof tm);
	if (sscanf(s, "%4d-%2d-%2d%*1[T ]%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	    &tm.tm_hour, &tm.tm_min, &n) != 5 || n == 0)
		return -1;
	end = s + n;
	if (*end == ':') {
		if (!isdigit((unsigned char)end[1]) || !isdigit((unsigned char)end[2]))
			return -1;
		tm.tm_sec = (end[1] - '0') * 10 + (end[2] - '0');
		end += 3;
		if (*end == '.')	/* fractions of a second: ignored */
			for (end++; isdigit((unsigned char)*end); end++)
				;
	}
	if (*end == 'Z' && end[1] == '\0')
		local = 0;
	else if ((*end == '+' || *end == '-') && strlen(end) == 6 && end[3] == ':' &&
	    isdigit((unsigned char)end[1]) && isdigit((unsigned char)end[2]) &&
	    isdigit((unsigned char)end[4]) && isdigit((unsigned char)end[5])) {
		off = ((end[1] - '0') * 10 + (end[2] - '0')) * 3600L +
		    ((end[4] - '0') * 10 + (end[5] - '0')) * 60L;
		if (*end == '-')
			off = -off;
		local = 0;
	} else if (*end != '\0')
		return -1;
	if (tm.tm_year < 1970 || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_isdst = -1;
	*out = local ? mktime(&tm) : timegm(&tm) - off;
	return 0;
}

/* Does the time come from a file? */
int
wallclock_injected(void)
{
	const char *f = getenv("FLOE_SOURCE_CLOCK");

	return f != NULL && *f != '\0';
}

/* Now, from the system or the clock file. */
time_t
wallclock_now(void)
{
	static char last_err[WALLCLOCK_MAX_BYTES + 32];
	const char *path = getenv("FLOE_SOURCE_CLOCK");
	char buf[WALLCLOCK_MAX_BYTES + 1], why[sizeof last_err];
	size_t n;
	time_t t;
	FILE *fp;

	if (path == NULL || *path == '\0')
		return time(NULL);
	if ((fp = fopen(path, "r")) == NULL)
		snprintf(why, sizeof why, "cannot be read");
	else {
		n = fread(buf, 1, sizeof buf - 1, fp);
		fclose(fp);
		buf[n] = '\0';
		if (wallclock_parse(buf, &t) == 0) {
			last_err[0] = '\0';
			return t;
		}
		for (size_t i = 0; i < n; i++)	/* it goes into the log */
			if (!isprint((unsigned char)buf[i]))
				buf[i] = '?';
		snprintf(why, sizeof why, "holds no time (\"%.*s\")", 20, buf);
	}
	if (strcmp(why, last_err) != 0) {
		log_warn("FLOE_SOURCE_CLOCK %s %s: using the system's clock", path, why);
		snprintf(last_err, sizeof last_err, "%s", why);
	}
	return time(NULL);
}
