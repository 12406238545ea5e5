/*
 * playlist.c: playlist parsing (pure), folder scanning, and the play order.
 *
 * Formats, told apart by content rather than by file name:
 *   PLS:  "[playlist]" then FileN=, TitleN= (and LengthN=, NumberOfEntries=,
 *         Version=, which are ignored); entries play in N order.
 *   M3U/M3U8: one path per line, "#EXTINF:secs,Title" names the next path,
 *         other '#' lines are comments. A plain list of paths is the same.
 * file:// URLs are turned into paths; http:// and https:// URLs are remote
 * streams, relayed (remote.c); other URLs (rtsp://...) are skipped.
 */
#include "playlist.h"
#include "log.h"
#include "../server/util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Folders nested deeper than this are not scanned: a symlink loop would
 * otherwise recurse until the stack runs out. */
#define SCAN_MAX_DEPTH 32

/* A playlist larger than this is refused rather than read into memory: no
 * station's list is 64 MB of text, and stdin could be endless. */
#define PLAYLIST_MAX_BYTES (64u << 20)

/* File name endings of the audio files a folder scan picks up. */
static const char *audio_exts[] = {
	".mp3", ".mp2", ".flac", ".wav", ".wave", ".ogg", ".oga", ".opus",
	".m4a", ".aac", ".aif", ".aiff",
};

/* Start an empty playlist. */
void
playlist_init(struct playlist *pl, int shuffle, int loop, uint32_t seed)
{
	memset(pl, 0, sizeof *pl);
	pl->shuffle = shuffle;
	pl->loop = loop;
	pl->rng = seed ? seed : 0x9e3779b9u;
}

/* Free entries and order. */
void
playlist_free(struct playlist *pl)
{
	size_t i;

	for (i = 0; i < pl->n; i++) {
		free(pl->v[i].path);
		free(pl->v[i].title);
	}
	free(pl->v);
	free(pl->order);
	pl->v = NULL;
	pl->order = NULL;
	pl->n = pl->cap = pl->pos = 0;
}

/* Append one entry, resolving a relative path against base_dir. */
void
playlist_add(struct playlist *pl, const char *path, const char *title, const char *base_dir)
{
	struct playlist_entry *e;

	if (pl->n == pl->cap) {
		pl->cap = pl->cap ? pl->cap * 2 : 16;
		pl->v = xreallocarray(pl->v, pl->cap, sizeof *pl->v);
	}
	e = &pl->v[pl->n++];
	if (path[0] == '/' || base_dir == NULL || *base_dir == '\0')
		e->path = xstrdup(path);
	else
		e->path = xasprintf("%s/%s", base_dir, path);
	e->title = (title != NULL && *title != '\0') ? xstrdup(title) : NULL;
	e->crossfade = -1.0;
	e->cue_in = e->cue_out = 0.0;
}

/* Add one path from a playlist line: file:// decoded, http(s):// kept as
 * it is (a remote stream), other URLs skipped. */
static int
add_line_path(struct playlist *pl, const char *path, const char *title, const char *base_dir,
    size_t *skipped)
{
	if (strncasecmp(path, "file://", 7) == 0) {
		const char *p = path + 7;
		char *dec;
		if (strncasecmp(p, "localhost/", 10) == 0)
			p += 9;
		dec = url_decode(p, strlen(p), 0, NULL);
		playlist_add(pl, dec, title, base_dir);
		free(dec);
		return 1;
	}
	if (strncasecmp(path, "http://", 7) == 0 || strncasecmp(path, "https://", 8) == 0) {
		playlist_add(pl, path, title, NULL);
		return 1;
	}
	if (url_has_scheme(path)) {
		if (skipped != NULL)
			(*skipped)++;
		return 0;
	}
	playlist_add(pl, path, title, base_dir);
	return 1;
}

/* Split text into lines (LF, CRLF or CR) and call fn on each, trimmed. */
static void
each_line(const char *text, size_t len, void (*fn)(void *, char *), void *arg)
{
	size_t i = 0;

	/* A UTF-8 byte order mark is common at the start of .m3u8 files. */
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < len) {
		size_t j = i;
		char *line;
		while (j < len && text[j] != '\n' && text[j] != '\r')
			j++;
		line = xstrndup(text + i, j - i);
		fn(arg, str_trim(line));
		free(line);
		if (j < len && text[j] == '\r' && j + 1 < len && text[j + 1] == '\n')
			j++;
		i = j + 1;
	}
}

/* State while parsing one playlist text. */
struct parse_state {
	struct playlist	*pl;
	const char	*base_dir;
	size_t		 added;
	size_t		*skipped;
	char		*title;		/* M3U: pending #EXTINF title */
	struct playlist_entry opts;	/* M3U: pending #EXTFLOE options */
	/* PLS: entries by number, gathered then added in order */
	struct pls_item {
		long	 num;
		char	*file;
		char	*title;
	}		*items;
	size_t		 nitems;
};

/*
 * "#EXTFLOE:crossfade=0,cue-in=1.5,cue-out=183" (commas or spaces between,
 * seconds each) says how the next entry joins and where it starts and
 * ends: a jingle that must play clean (crossfade=0), a song with a long
 * silent intro (cue-in). A key or value it does not know is warned about
 * and ignored.
 */
static void
extfloe(struct playlist_entry *o, const char *text)
{
	char *copy = xstrdup(text), *tok, *save = NULL, *eq;
	double v;

	for (tok = strtok_r(copy, ", \t", &save); tok != NULL; tok = strtok_r(NULL, ", \t", &save)) {
		if ((eq = strchr(tok, '=')) == NULL || parse_double(eq + 1, 0, 86400, &v) != 0) {
			log_warn("#EXTFLOE: \"%s\" is not KEY=SECONDS: ignored", tok);
			continue;
		}
		*eq = '\0';
		if (strcasecmp(tok, "crossfade") == 0)
			o->crossfade = v;
		else if (strcasecmp(tok, "cue-in") == 0)
			o->cue_in = v;
		else if (strcasecmp(tok, "cue-out") == 0)
			o->cue_out = v;
		else
			log_warn("#EXTFLOE: unknown key \"%s\" (crossfade, cue-in, cue-out): ignored",
			    tok);
	}
	free(copy);
}

/* M3U: one line. */
static void
m3u_line(void *arg, char *line)
{
	struct parse_state *ps = arg;

	if (*line == '\0')
		return;
	if (line[0] == '#') {
		if (strncasecmp(line, "#EXTINF:", 8) == 0) {
			/* "#EXTINF:duration[ attributes],Title": the title
			 * follows the first comma outside quoted attributes. */
			char *p = line + 8;
			int quoted = 0;
			for (; *p != '\0'; p++) {
				if (*p == '"')
					quoted = !quoted;
				else if (*p == ',' && !quoted)
					break;
			}
			free(ps->title);
			ps->title = *p == ',' ? xstrdup(str_trim(p + 1)) : NULL;
		} else if (strncasecmp(line, "#EXTFLOE:", 9) == 0)
			extfloe(&ps->opts, line + 9);
		return;
	}
	if (add_line_path(ps->pl, line, ps->title, ps->base_dir, ps->skipped)) {
		struct playlist_entry *e = &ps->pl->v[ps->pl->n - 1];

		e->crossfade = ps->opts.crossfade;
		e->cue_in = ps->opts.cue_in;
		e->cue_out = ps->opts.cue_out;
		ps->added++;
	}
	ps->opts.crossfade = -1.0;
	ps->opts.cue_in = ps->opts.cue_out = 0.0;
	free(ps->title);
	ps->title = NULL;
}

/* PLS entry for number num, created if new. */
static struct pls_item *
pls_item(struct parse_state *ps, long num)
{
	size_t i;

	for (i = 0; i < ps->nitems; i++)
		if (ps->items[i].num == num)
			return &ps->items[i];
	ps->items = xreallocarray(ps->items, ps->nitems + 1, sizeof *ps->items);
	ps->items[ps->nitems] = (struct pls_item){ num, NULL, NULL };
	return &ps->items[ps->nitems++];
}

/* PLS: one "Key=Value" line. */
static void
pls_line(void *arg, char *line)
{
	struct parse_state *ps = arg;
	char *eq = strchr(line, '='), *key, *val, *digits;
	struct pls_item *it;
	long num;

	if (eq == NULL || line[0] == ';' || line[0] == '#' || line[0] == '[')
		return;
	*eq = '\0';
	key = str_trim(line);
	val = str_trim(eq + 1);
	for (digits = key; *digits != '\0' && !isdigit((unsigned char)*digits); digits++)
		;
	if (*digits == '\0' || parse_long(digits, 0, 1000000000L, &num) != 0)
		return;
	*digits = '\0';
	if (str_ieq(key, "File")) {
		it = pls_item(ps, num);
		free(it->file);
		it->file = xstrdup(val);
	} else if (str_ieq(key, "Title")) {
		it = pls_item(ps, num);
		free(it->title);
		it->title = xstrdup(val);
	}
}

/* Order PLS entries by their number. */
static int
pls_cmp(const void *a, const void *b)
{
	const struct pls_item *x = a, *y = b;
	return (x->num > y->num) - (x->num < y->num);
}

/* Parse M3U, M3U8, PLS or a plain list. */
size_t
playlist_parse(struct playlist *pl, const char *text, size_t len, const char *base_dir,
    size_t *skipped)
{
	struct parse_state ps = { pl, base_dir, 0, skipped, NULL, { NULL, NULL, -1.0, 0.0, 0.0 },
	    NULL, 0 };
	size_t i = 0;

	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < len && isspace((unsigned char)text[i]))
		i++;
	if (len - i >= 10 && strncasecmp(text + i, "[playlist]", 10) == 0) {
		each_line(text, len, pls_line, &ps);
		qsort(ps.items, ps.nitems, sizeof *ps.items, pls_cmp);
		for (i = 0; i < ps.nitems; i++) {
			if (ps.items[i].file != NULL && *ps.items[i].file != '\0')
				ps.added += (size_t)add_line_path(pl, ps.items[i].file,
				    ps.items[i].title, base_dir, skipped);
			free(ps.items[i].file);
			free(ps.items[i].title);
		}
		free(ps.items);
	} else {
		each_line(text, len, m3u_line, &ps);
		free(ps.title);
	}
	return ps.added;
}

/* Is name an audio file by its ending? */
int
playlist_is_audio_name(const char *name)
{
	size_t i;

	for (i = 0; i < FLOE_NELEM(audio_exts); i++)
		if (str_isuffix(name, audio_exts[i]))
			return 1;
	return 0;
}

/* Byte order of names, so that the order is the same in every locale. */
static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Recursive part of playlist_scan_dir(). */
static int
scan_dir(struct playlist *pl, const char *dir, int depth)
{
	char **names = NULL;
	size_t n = 0, i;
	struct dirent *de;
	DIR *d;

	if (depth > SCAN_MAX_DEPTH)
		return 0;
	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')	/* ., .. and hidden files */
			continue;
		names = xreallocarray(names, n + 1, sizeof *names);
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof *names, name_cmp);
	for (i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s", dir, names[i]);
		struct stat st;
		if (stat(path, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				scan_dir(pl, path, depth + 1);
			else if (S_ISREG(st.st_mode) && playlist_is_audio_name(names[i]))
				playlist_add(pl, path, NULL, NULL);
		}
		free(path);
		free(names[i]);
	}
	free(names);
	return 0;
}

/* Add every audio file under dir, sorted, depth first. */
int
playlist_scan_dir(struct playlist *pl, const char *dir)
{
	size_t n = strlen(dir);
	char *d = xstrdup(dir);
	int rc;

	while (n > 1 && d[n - 1] == '/')
		d[--n] = '\0';
	rc = scan_dir(pl, d, 0);
	free(d);
	return rc;
}

/* Read a whole stream, up to PLAYLIST_MAX_BYTES. NULL on error or if too big. */
static char *
read_all(FILE *fp, size_t *len)
{
	struct sbuf sb;
	size_t got;

	sbuf_init(&sb);
	do {
		got = fread(sbuf_reserve(&sb, 65536), 1, 65536, fp);
		sbuf_commit(&sb, got);
		if (sb.len > PLAYLIST_MAX_BYTES) {
			sbuf_free(&sb);
			errno = EFBIG;
			return NULL;
		}
	} while (got > 0);
	if (ferror(fp)) {
		sbuf_free(&sb);
		return NULL;
	}
	*len = sb.len;
	return sb.data != NULL ? sb.data : xstrdup("");
}

/* Directory part of path, NULL if none. */
static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return NULL;	/* the current directory: paths stay as listed */
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

/* Load from a file, folder or standard input. */
int
playlist_load(struct playlist *pl, const char *source, char **err)
{
	size_t len = 0, skipped = 0;
	struct stat st;
	char *text, *base;
	FILE *fp;

	*err = NULL;
	if (strcmp(source, "-") == 0) {
		if ((text = read_all(stdin, &len)) == NULL) {
			*err = xasprintf("cannot read the playlist from standard input: %s",
			    strerror(errno));
			return -1;
		}
		base = getcwd(NULL, 0);
		playlist_parse(pl, text, len, base, &skipped);
		free(base);
		free(text);
	} else if (stat(source, &st) == 0 && S_ISDIR(st.st_mode)) {
		if (playlist_scan_dir(pl, source) != 0) {
			*err = xasprintf("cannot read folder %s: %s", source, strerror(errno));
			return -1;
		}
		if (pl->n == 0) {
			*err = xasprintf("folder %s holds no audio files (%s, ...)", source,
			    audio_exts[0] + 1);
			return -1;
		}
	} else if (playlist_is_audio_name(source) && stat(source, &st) == 0) {
		/* One audio file (a station's loop, a test tone): a list of one,
		 * not its bytes read as lines of text. */
		playlist_add(pl, source, NULL, NULL);
	} else {
		if ((fp = fopen(source, "rb")) == NULL) {
			*err = xasprintf("cannot open playlist %s: %s", source, strerror(errno));
			return -1;
		}
		text = read_all(fp, &len);
		fclose(fp);
		if (text == NULL) {
			*err = xasprintf("cannot read playlist %s: %s", source, strerror(errno));
			return -1;
		}
		base = dir_of(source);
		playlist_parse(pl, text, len, base, &skipped);
		free(base);
		free(text);
	}
	if (pl->n == 0) {
		*err = skipped ? xasprintf("playlist %s lists only URLs floe-source does not "
		    "play (%zu; it plays files and http(s):// streams)", source, skipped) :
		    xasprintf("playlist %s lists no files", source);
		return -1;
	}
	if (skipped > 0)
		log_warn("playlist %s: %zu URL%s skipped (floe-source plays files and http(s):// "
		    "streams)", source, skipped, skipped == 1 ? "" : "s");
	playlist_reorder(pl);
	return 0;
}

/* xorshift32: a tiny PRNG; shuffles need no cryptographic quality. */
static uint32_t
rng_next(struct playlist *pl)
{
	pl->rng ^= pl->rng << 13;
	pl->rng ^= pl->rng >> 17;
	pl->rng ^= pl->rng << 5;
	return pl->rng;
}

/* Build a new order: identity, or a Fisher-Yates shuffle that avoids
 * starting with `avoid` (the track that just played) when it can. */
static void
build_order(struct playlist *pl, size_t avoid)
{
	size_t i;

	free(pl->order);
	pl->order = xreallocarray(NULL, pl->n ? pl->n : 1, sizeof *pl->order);
	for (i = 0; i < pl->n; i++)
		pl->order[i] = i;
	if (pl->shuffle && pl->n > 1) {
		for (i = pl->n - 1; i > 0; i--) {
			size_t j = rng_next(pl) % (i + 1), t = pl->order[i];
			pl->order[i] = pl->order[j];
			pl->order[j] = t;
		}
		if (pl->order[0] == avoid) {
			size_t t = pl->order[0];
			pl->order[0] = pl->order[pl->n - 1];
			pl->order[pl->n - 1] = t;
		}
	}
	pl->pos = 0;
}

/* Start over from the first entry of a new order. */
void
playlist_reorder(struct playlist *pl)
{
	build_order(pl, SIZE_MAX);
}

/* Take the next entry. When a looping list wraps, the next pass's order
 * is built at once so that playlist_peek() can tell what comes next. */
const struct playlist_entry *
playlist_next(struct playlist *pl)
{
	const struct playlist_entry *e;
	size_t idx;

	if (pl->n == 0 || pl->order == NULL || pl->pos >= pl->n)
		return NULL;
	idx = pl->order[pl->pos++];
	e = &pl->v[idx];
	if (pl->pos >= pl->n && pl->loop)
		build_order(pl, idx);
	return e;
}

/* What playlist_next() would return. */
const struct playlist_entry *
playlist_peek(struct playlist *pl)
{
	if (pl->n == 0 || pl->order == NULL || pl->pos >= pl->n)
		return NULL;
	return &pl->v[pl->order[pl->pos]];
}

/*
 * Swap in a reloaded list and keep our place in it: after the current
 * track if the new list has it; else at the entry that was due next, if it
 * has that (the current track was a queued file, or a stand-in); else the
 * list is a new one, and plays from its start (its first entry, or the
 * first of a new shuffled order). Keeping the old index instead skipped
 * the first entries of a list written to schedule the next programme.
 */
void
playlist_replace(struct playlist *pl, struct playlist *fresh, const char *current)
{
	size_t i, found = SIZE_MAX;
	int shuffle = pl->shuffle, loop = pl->loop, at_next = 0;
	uint32_t rng = pl->rng;
	char *due = pl->pos < pl->n && pl->order != NULL ?
	    xstrdup(pl->v[pl->order[pl->pos]].path) : NULL;

	playlist_free(pl);
	*pl = *fresh;
	pl->shuffle = shuffle;
	pl->loop = loop;
	pl->rng = rng;
	memset(fresh, 0, sizeof *fresh);
	build_order(pl, SIZE_MAX);
	if (current != NULL)
		for (i = 0; i < pl->n && found == SIZE_MAX; i++)
			if (strcmp(pl->v[pl->order[i]].path, current) == 0)
				found = i;
	if (found == SIZE_MAX && due != NULL)
		for (i = 0; i < pl->n && found == SIZE_MAX; i++)
			if (strcmp(pl->v[pl->order[i]].path, due) == 0) {
				found = i;
				at_next = 1;
			}
	free(due);
	if (found != SIZE_MAX && at_next) {
		/* The entry due next goes first (shuffled: the rest still to come). */
		if (pl->shuffle && found != 0) {
			size_t t = pl->order[0];
			pl->order[0] = pl->order[found];
			pl->order[found] = t;
			found = 0;
		}
		pl->pos = found;
		return;
	}
	if (found != SIZE_MAX) {
		/* In a shuffled list, the current track goes first in the new
		 * order so that everything else is still to come. */
		if (pl->shuffle && found != 0) {
			size_t t = pl->order[0];
			pl->order[0] = pl->order[found];
			pl->order[found] = t;
			found = 0;
		}
		pl->pos = found + 1;
	} else
		pl->pos = 0;
	if (pl->pos >= pl->n && pl->loop)
		build_order(pl, found != SIZE_MAX ? pl->order[found] : SIZE_MAX);
}
