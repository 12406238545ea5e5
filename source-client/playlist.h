/*
 * playlist.h: the list of tracks and the order they play in. Parsing M3U,
 * M3U8 (#EXTINF titles), PLS and plain lists is pure (text in, entries
 * out); loading from a file, a folder (recursive, sorted) or standard input
 * is a thin layer of I/O on top.
 */
#ifndef FSRC_PLAYLIST_H
#define FSRC_PLAYLIST_H

#include <stddef.h>
#include <stdint.h>

/** One track: a file path and, if the playlist named it, a title. */
struct playlist_entry {
	char	*path;
	char	*title;		/* #EXTINF or PLS TitleN, or NULL */
	/* #EXTFLOE:crossfade=S,cue-in=S,cue-out=S before it in an M3U */
	double	 crossfade;	/* its joins' crossfade, seconds; < 0: the global one */
	double	 cue_in;	/* seconds skipped at its start */
	double	 cue_out;	/* it ends here (seconds from the file's start); 0: at its end */
};

/** Entries plus a play order (a permutation of them) and a position in it. */
struct playlist {
	struct playlist_entry	*v;
	size_t			 n, cap;
	size_t			*order;		/* indices into v, in play order */
	size_t			 pos;		/* next index into order */
	int			 shuffle;
	int			 loop;
	uint32_t		 rng;		/* shuffle state (xorshift32) */
};

/** An empty playlist. */
void playlist_init(struct playlist *pl, int shuffle, int loop, uint32_t seed);
void playlist_free(struct playlist *pl);
/** Add one entry (path resolved against base_dir unless absolute). */
void playlist_add(struct playlist *pl, const char *path, const char *title, const char *base_dir);

/** Parse playlist text: PLS if it starts with "[playlist]", otherwise M3U or
 *  a plain list of paths. Relative paths are taken from base_dir. Returns the
 *  number of entries added. Remote URLs are skipped with *skipped counted. */
size_t playlist_parse(struct playlist *pl, const char *text, size_t len, const char *base_dir,
    size_t *skipped);
/** Add every audio file under dir, recursively, sorted by name. -1 if dir
 *  cannot be read (errno set). */
int playlist_scan_dir(struct playlist *pl, const char *dir);
/** Load from a playlist file, a folder, or "-" (standard input, read once).
 *  -1 with *err set (allocated) on failure; an empty result is an error too. */
int playlist_load(struct playlist *pl, const char *source, char **err);

/** (Re)build the play order from the start: in order, or shuffled. */
void playlist_reorder(struct playlist *pl);
/** The next entry to play and advance; NULL at the end when not looping. */
const struct playlist_entry *playlist_next(struct playlist *pl);
/** The entry playlist_next() would return, without advancing. */
const struct playlist_entry *playlist_peek(struct playlist *pl);
/** Replace pl's entries with fresh's (which is emptied), keeping the place:
 *  play continues after the entry whose path is current, if it is still
 *  listed, or else at the same position. */
void playlist_replace(struct playlist *pl, struct playlist *fresh, const char *current);

/** Is this file name one of the audio types floe-source plays? */
int playlist_is_audio_name(const char *name);

#endif
