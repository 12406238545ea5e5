/*
 * wallclock.h: "what time is it" for the programme (schedules, top-of-the-
 * hour inserts): the system's clock in local time (TZ honoured), or, for
 * tests and rehearsals, the time written in the file FLOE_SOURCE_CLOCK
 * names, read again at every look.
 */
#ifndef FSRC_WALLCLOCK_H
#define FSRC_WALLCLOCK_H

#include <time.h>

/** Now: time(NULL), or the content of $FLOE_SOURCE_CLOCK's file (epoch
 *  seconds, or ISO 8601 "2026-12-07T05:59:58", local unless it ends in Z
 *  or +HH:MM). An unreadable or malformed file is warned about (once per
 *  change) and the system's clock used. */
time_t wallclock_now(void);
/** Is the clock injected (FLOE_SOURCE_CLOCK set)? */
int wallclock_injected(void);
/** Parse a time as wallclock_now() reads it: 0, or -1 if malformed. Pure
 *  apart from the time zone (TZ) for local times. */
int wallclock_parse(const char *text, time_t *out);

#endif
