/*
 * program.h: what plays next, when the config has a programme (schedule.h):
 * several playlists, each keeping its own place, mixed by rotations
 * (weights; a jingle every N songs; a station ID at the top of the hour),
 * the rotation chosen by the week's schedule at each track boundary (or at
 * once). Sits between the playlists and the player, as the player's picker:
 *
 *     playlists --> program (rotation, schedule, clock) --> player --> outputs
 *                                                            ^ queue first
 */
#ifndef FSRC_PROGRAM_H
#define FSRC_PROGRAM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct player_picker;
struct sbuf;
struct sched;
struct program;

/** The global settings a [playlist] section leaves unsaid. */
struct program_opts {
	int		 shuffle;
	int		 loop;
	uint32_t	 seed;
};

/** What happened, for the on-playlist hook. */
enum program_event {
	PROGRAM_SWITCHED,	/* the schedule changed what plays */
	PROGRAM_RELOADED,	/* a playlist was read again */
};
/** name: the rotation (switched) or playlist (reloaded) now; previous: the
 *  rotation before a switch (NULL otherwise); entries: how many it has. */
typedef void program_event_fn(void *arg, enum program_event ev, const char *name,
    size_t entries, const char *previous);

/** Load every playlist of s (kept by the caller, unchanged, while the
 *  program lives). NULL with *err set (allocated) if one cannot be read. */
struct program *program_new(const struct sched *s, const struct program_opts *o, char **err);
void program_free(struct program *pg);
void program_set_events(struct program *pg, program_event_fn *fn, void *arg);

/** The player's picker (player_set_picker) over this program. */
void program_picker(struct program *pg, struct player_picker *pk);

/** switch = now: has the schedule just moved on from what plays? 1 once per
 *  change (the caller ends the track: the next pick switches). Cheap to
 *  call every tick: it looks at the clock a few times a second at most. */
int program_poll(struct program *pg);

/** Read every playlist again (keeping each one's place; current_from,
 *  current_path: the track playing, so its list continues after it).
 *  Lines for the control socket go to out. -1 if one failed (it keeps its
 *  old entries). */
int program_reload(struct program *pg, const char *current_from, const char *current_path,
    struct sbuf *out);
/** Reload the playlists whose files changed (and held still for a check). */
void program_watch(struct program *pg, const char *current_from, const char *current_path);

/** --check-config: the week, the rotations, and each playlist loaded, to
 *  out; a playlist that does not load is said on err, and makes it 1. */
int program_check_config(const struct sched *s, FILE *out, FILE *err);

/** The rotation playing now (NULL before the first track). */
const char *program_playing(const struct program *pg);
/** A few lines for `ctl status`: the rotation, its playlists. */
void program_status(const struct program *pg, struct sbuf *out);
/** `ctl schedule`: the week's slots, what plays now, the next change.
 *  pg NULL: a config with one playlist and no schedule. */
void program_schedule_text(const struct program *pg, struct sbuf *out);
/** The same as one JSON object (for an HTTP API): {"switch":, "now":,
 *  "playing":, "scheduled":, "next_change":{"at":,"in_seconds":,"to":},
 *  "slots":[{"line":,"when":,"plays":}], "default":, "rotations":{NAME: DESC}}. */
void program_schedule_json(const struct program *pg, struct sbuf *out);

#endif
