/*
 * schedule.h: the programme a config file describes, checked: named
 * playlists, rotations that mix them (by weight, with inserts such as a
 * jingle every N songs or a station ID at the top of each hour), and a
 * week's schedule of which rotation plays when.
 *
 * Pure, like config.c which feeds it: section keys in, structures or a
 * message with a line number out, and "what is scheduled at this moment" is
 * arithmetic on a struct tm. program.c runs what is described here: it
 * loads the playlists and picks each next track for the player.
 */
#ifndef FSRC_SCHEDULE_H
#define FSRC_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct sbuf;

/** Seconds in a week: the schedule repeats every week. */
#define SCHED_WEEK (7L * 86400)

/** [playlist NAME]: one list and its rule. */
struct sched_playlist {
	char	*name;
	int	 line;		/* its section; 0: made for a URL the schedule names */
	char	*source;	/* file, folder, or a URL (one entry: a relayed show) */
	int	 is_url;
	int	 shuffle;	/* -1: the global setting */
	int	 loop;		/* -1: the global setting */
	double	 crossfade;	/* -1: the global one (an insert: 0, played clean) */
	int	 weight;	/* its share in a rotation, unless the rotation says */
	int	 every;		/* an insert: one entry after every N songs (0: not) */
	uint64_t at;		/* an insert: bit M = at M minutes past each hour */
};

/** A rotation member: a playlist and its weight (inserts have none). */
struct sched_member {
	size_t	 pl;		/* index into sched.pl */
	int	 weight;
};

/** [rotation NAME], or one made for a playlist the schedule names alone. */
struct sched_rotation {
	char			*name;
	int			 line;	/* 0: made up */
	struct sched_member	*m;
	size_t			 nm;
	char			*spec;		/* "playlists = ..." as written, until checked */
	int			 spec_line;
};

/** One [schedule] line: days, a time of day, and what plays. */
struct sched_slot {
	int	 line;
	char	*when;		/* as written: "mon-fri 06:00-10:00" */
	char	*target;	/* a rotation, a playlist or a URL */
	unsigned days;		/* bit 0 Monday ... bit 6 Sunday */
	long	 start, end;	/* seconds since its day's midnight; end may pass midnight */
	size_t	 rot;		/* resolved: index into sched.rot */
};

/** The whole programme. */
struct sched {
	struct sched_playlist	*pl;
	size_t			 npl;
	struct sched_rotation	*rot;
	size_t			 nrot;
	struct sched_slot	*slot;
	size_t			 nslot;
	int			 has_schedule;	/* a [schedule] section was given */
	char			*default_target;
	int			 default_line;
	size_t			 default_rot;	/* resolved; SIZE_MAX: none */
	int			 switch_now;	/* switch = now: end the track at a change */
	/* Parsing: the section keys go to. */
	int			 cur_kind;
	size_t			 cur;
};

struct sched *sched_new(void);
void sched_free(struct sched *s);

/**
 * A section header's text ("playlist jazz", "rotation day", "schedule"):
 * 1 if it is a programme section (keys now go to it), 0 if it is not one
 * (the caller's own sections), -1 with err set if it is malformed.
 */
int sched_section(struct sched *s, const char *header, int line, char *err, size_t errlen);
/** A key of the current programme section; -1 with err set. */
int sched_set(struct sched *s, const char *key, const char *value, const char *base_dir,
    int line, char *err, size_t errlen);
/** Resolve names and check the whole: every name known, no overlapping
 *  slots, no gap without a default. -1 with "line N: ..." in err. */
int sched_check(struct sched *s, char *err, size_t errlen);

/** Seconds since Monday 00:00 of tm's week (local time as given). */
long sched_week_seconds(const struct tm *tm);
/** The rotation scheduled at week second ws, and the slot (NULL: the
 *  default, or the only rotation when there is no schedule). */
size_t sched_at(const struct sched *s, long ws, const struct sched_slot **slot);
/** Seconds from ws to the next change of what is scheduled (and what it
 *  changes to in *rot), or -1 if it never changes. */
long sched_next_change(const struct sched *s, long ws, size_t *rot);

/** Is pl an insert (played between songs) rather than a weighted member? */
int sched_is_insert(const struct sched_playlist *pl);
/** "music:3, oldies:1, jingles every 2, ids at :00" */
void sched_rotation_desc(const struct sched *s, const struct sched_rotation *r,
    struct sbuf *sb);
/** The week, day by day: each span of time and what plays in it. */
void sched_describe_week(const struct sched *s, struct sbuf *sb);

/** "mon".."sun" for a day index (0 Monday). */
const char *sched_day_name(int day);

#endif
