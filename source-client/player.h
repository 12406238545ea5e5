/*
 * player.h: the play-out chain. Picks the next track (the queue first, then
 * the playlist), decodes and resamples it, trims silence, and crossfades
 * (or joins gaplessly) into one stream of interleaved float PCM at the
 * output rate, marking where each track begins.
 */
#ifndef FSRC_PLAYER_H
#define FSRC_PLAYER_H

#include <stddef.h>
#include <stdint.h>

struct playlist;
struct player;
struct player_track;

struct player_opts {
	int	 rate;		/* output sample rate */
	int	 channels;	/* output channels */
	double	 crossfade;	/* seconds; 0 joins tracks gaplessly */
	int	 trim;		/* trim leading and trailing silence */
	double	 trim_db;	/* silence is below this level (dBFS) */
	/* A looping playlist whose every entry fails (the music disk gone)
	 * never ends the stream: this file (NULL: silence) plays instead, and
	 * the playlist is tried again after each play of it (silence: every
	 * recheck seconds). */
	const char *fallback;
	double	 recheck;
	/* Each track brought to this integrated loudness (loudness.h). */
	int	 normalize;
	double	 target_lufs;
};

/** A player over pl (which the caller keeps and may reload). */
struct player *player_new(struct playlist *pl, const struct player_opts *opts);
void player_free(struct player *p);

struct playlist_entry;
/**
 * Where the player's entries come from after its queue: the playlist given
 * to player_new(), unless a picker is set (the programme, program.h, which
 * keeps rotations and the schedule out of the player).
 */
struct player_picker {
	/** The next entry, advancing; NULL at the end. *from: the name of the
	 *  list it came from (NULL: the one playlist). The entry stays valid
	 *  until the next call or a reload. */
	const struct playlist_entry *(*next)(void *arg, const char **from);
	/** What next() would return now, without advancing. */
	const struct playlist_entry *(*peek)(void *arg);
	/** Entries it plays from (that many failing in a row: it fails). */
	size_t (*entries)(void *arg);
	/** Does it go on for ever (a looping playlist)? */
	int (*loops)(void *arg);
	void *arg;
};
/** Take entries from pk instead of the playlist. */
void player_set_picker(struct player *p, const struct player_picker *pk);

/** Fill out with up to want frames. When a track begins at out[0],
 *  *started points at it (valid until the next call). Returns frames
 *  written (it may be fewer than want: a track always begins at the start
 *  of a read), 0 when a non-looping playlist has ended, -1 on a fatal
 *  error such as a playlist with no playable file (see player_error()). */
long player_read(struct player *p, float *out, size_t want, const struct player_track **started);
const char *player_error(const struct player *p);
/** Is the fallback (or silence) standing in for a failing playlist? */
int player_standing_in(const struct player *p);
/** A round of the stand-in began since the last call: the caller should
 *  re-read the playlist (a folder may be back). */
int player_take_recheck(struct player *p);

/** The track being played (NULL between tracks). */
const struct player_track *player_current(const struct player *p);
const char *player_track_title(const struct player_track *t);
const char *player_track_path(const struct player_track *t);
/** The name of the list it came from (picker), or NULL. */
const char *player_track_from(const struct player_track *t);
/** A one-line description of the track and its decoder. */
const char *player_track_desc(const struct player_track *t);
/** Its length in seconds as the file's headers say (before trimming and
 *  cue points), or -1 when they do not. */
double player_track_duration(const struct player_track *t);
/** Seconds of the current track sent so far. */
double player_position(const struct player *p);
/** "Title (path)" of what plays next, allocated; NULL at the end. */
char *player_next_desc(const struct player *p);
/** What plays next, its title and path allocated: 1 if it is queued, 0 if
 *  it is the playlist's next entry, -1 (nothing set) at the end. */
int player_next(const struct player *p, char **title, char **path);

/** The current track's new title when it changed mid-track (a relayed
 *  stream's own titles), once; else NULL. */
const char *player_take_retitle(struct player *p);
/** End the current track now (fading out over the crossfade). */
void player_skip(struct player *p);
/** Play path next, after anything queued before it. */
void player_queue(struct player *p, const char *path);
size_t player_queue_len(const struct player *p);
/** Each queued file, in order: fn(arg, path). */
void player_queue_each(const struct player *p, void (*fn)(void *arg, const char *path),
    void *arg);

/** Why 1000: a day of music; a script gone wrong cannot fill memory. */
#define PLAYER_QUEUE_MAX 1000
/** Queue path if it is readable and decodes (the one check both the
 *  control socket and the HTTP API make); -1 with the reason in err. */
int player_queue_file(struct player *p, const char *path, char *err, size_t errlen);
/** Remove the pos'th queued file (1: the next one); its path is handed to
 *  *path (the caller frees it) unless path is NULL. -1: no such position. */
int player_queue_remove(struct player *p, size_t pos, char **path);
/** Empty the queue; returns how many files were in it. */
size_t player_queue_clear(struct player *p);
/** Each queued file with its position (from 1) and title. */
void player_queue_list(const struct player *p, void (*fn)(void *arg, size_t pos,
    const char *path, const char *title), void *arg);

/** The display title for a file: "Artist - Title" from tags, else the
 *  playlist's title, else the file name without its extension. */
char *player_make_title(const char *artist, const char *title, const char *listed,
    const char *path);

#endif
