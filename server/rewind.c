/*
 * rewind.c: a mount's rewind buffer to disk and back.
 *
 * The file, DIR/<mount with '/' as '_'>.rewind, is written to a temporary
 * name and renamed, so a crash mid-write leaves the last good one:
 *
 *   "FLOE-REWIND 1\n" "<format>\n"
 *   then per block, big-endian: u32 len, u32 flags, i64 time_ms, u64 pts,
 *   u32 dur, u16 title length, the title (UTF-8), the block's bytes
 *   and u32 0xFFFFFFFF at the end.
 *
 * Only MP3 and AAC mounts are kept (Ogg and WebM blocks depend on header
 * pages a file would have to carry too). A file is read once, at start,
 * then removed: the buffer lives in memory from there on.
 */
#include "rewind.h"
#include "block.h"
#include "config.h"
#include "fanout.h"
#include "format.h"
#include "icy.h"
#include "log.h"
#include "mount.h"
#include "server.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAGIC		"FLOE-REWIND 1\n"
#define END_MARK	0xFFFFFFFFu
/* A block is at most a few tens of KiB; anything larger is a damaged file. */
#define BLOCK_MAX	(16 * 1024 * 1024)

static char *
rewind_path(const char *dir, const char *mount, const char *suffix)
{
	char *name = xstrdup(mount + 1), *p, *path;

	for (p = name; *p != '\0'; p++)
		if (*p == '/')
			*p = '_';
	path = xasprintf("%s/%s.rewind%s", dir, name, suffix);
	free(name);
	return path;
}

static void
put32(FILE *f, uint32_t v)
{
	uint8_t b[4] = { v >> 24, v >> 16, v >> 8, v };

	fwrite(b, 1, 4, f);
}

static void
put64(FILE *f, uint64_t v)
{
	put32(f, (uint32_t)(v >> 32));
	put32(f, (uint32_t)v);
}

static int
get32(FILE *f, uint32_t *v)
{
	uint8_t b[4];

	if (fread(b, 1, 4, f) != 4)
		return -1;
	*v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	return 0;
}

static int
get64(FILE *f, uint64_t *v)
{
	uint32_t hi, lo;

	if (get32(f, &hi) < 0 || get32(f, &lo) < 0)
		return -1;
	*v = (uint64_t)hi << 32 | lo;
	return 0;
}

static void
rewind_save(struct mount *m, const char *dir)
{
	const struct format_ops *fmt = m->fmt;
	char *tmp = rewind_path(dir, m->name, ".tmp"), *path = rewind_path(dir, m->name, "");
	const struct block *b;
	const char *title;
	size_t n = 0, bytes = 0, tl;
	FILE *f;

	if ((f = fopen(tmp, "wb")) == NULL) {
		log_warn("rewind buffer of %s: cannot write %s: %s", m->name, tmp, strerror(errno));
		goto out;
	}
	fprintf(f, "%s%s\n", MAGIC, fmt->name);
	for (b = m->q.head; b != NULL; b = b->next) {
		title = b->meta != NULL && b->meta->title != NULL ? b->meta->title : "";
		tl = FLOE_MIN(strlen(title), (size_t)0xFFFF);
		put32(f, b->len);
		put32(f, b->flags);
		put64(f, (uint64_t)b->time_ms);
		put64(f, b->pts);
		put32(f, b->dur);
		fputc((int)(tl >> 8), f);
		fputc((int)(tl & 0xFF), f);
		fwrite(title, 1, tl, f);
		fwrite(b->data, 1, b->len, f);
		n++;
		bytes += b->len;
	}
	put32(f, END_MARK);
	if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0) {
		log_warn("rewind buffer of %s: writing %s failed: %s", m->name, tmp, strerror(errno));
		fclose(f);
		unlink(tmp);
		goto out;
	}
	fclose(f);
	if (rename(tmp, path) != 0)
		log_warn("rewind buffer of %s: cannot rename %s: %s", m->name, tmp, strerror(errno));
	else
		log_info("rewind buffer of %s saved to %s: %zu blocks, %zu bytes", m->name, path,
		    n, bytes);
out:
	free(tmp);
	free(path);
}

void
rewind_save_all(void)
{
	struct mount *m;

	if (srv.config->rewind_dir == NULL)
		return;
	TAILQ_FOREACH(m, &srv.mounts, entry)
		if (mount_rewind_ms(m) > 0 && m->q.head != NULL &&
		    (m->fmt == &format_mp3 || m->fmt == &format_aac))
			rewind_save(m, srv.config->rewind_dir);
}

/* Read one file into m's queue; -1 (logged) if it is not a good one. */
static int
rewind_read(struct mount *m, FILE *f, const char *path)
{
	char line[64];
	const struct format_ops *fmt;
	struct icy_meta *meta = NULL;
	struct block *b;
	uint32_t len, flags, dur;
	uint64_t t, pts, clock = 0;
	int hi, lo;
	size_t n = 0, bytes = 0, tl;
	char *title = NULL, *data = NULL;

	if (fgets(line, sizeof line, f) == NULL || strcmp(line, MAGIC) != 0 ||
	    fgets(line, sizeof line, f) == NULL)
		goto bad;
	line[strcspn(line, "\n")] = '\0';
	fmt = strcmp(line, "mp3") == 0 ? &format_mp3 : strcmp(line, "aac") == 0 ? &format_aac :
	    NULL;
	if (fmt == NULL)
		goto bad;
	__atomic_store_n(&m->fmt, fmt, __ATOMIC_RELEASE);
	for (;;) {
		if (get32(f, &len) < 0)
			goto bad;
		if (len == END_MARK)
			break;
		if (len == 0 || len > BLOCK_MAX || get32(f, &flags) < 0 || get64(f, &t) < 0 ||
		    get64(f, &pts) < 0 || get32(f, &dur) < 0 || (hi = fgetc(f)) == EOF ||
		    (lo = fgetc(f)) == EOF)
			goto bad;
		tl = (size_t)hi << 8 | (size_t)lo;
		title = xrealloc(title, tl + 1);
		data = xrealloc(data, len);
		if (fread(title, 1, tl, f) != tl || fread(data, 1, len, f) != len)
			goto bad;
		title[tl] = '\0';
		if (meta == NULL || strcmp(meta->title, title) != 0) {
			icy_meta_unref(meta);
			meta = icy_meta_new(title, NULL);
		}
		b = block_new(data, len, 0, flags & (BLOCK_SYNC | BLOCK_HEADER | BLOCK_CHAIN));
		icy_meta_ref(meta);
		b->meta = meta;
		b->time_ms = (int64_t)t;
		b->pts = pts;
		b->dur = dur;
		clock = pts + dur;
		pthread_mutex_lock(&m->lock);
		queue_append(&m->q, b);
		pthread_mutex_unlock(&m->lock);
		n++;
		bytes += len;
	}
	fanout_set_clock(m, clock);
	icy_meta_unref(meta);
	free(title);
	free(data);
	log_info("rewind buffer of %s read from %s: %zu blocks, %zu bytes", m->name, path, n,
	    bytes);
	return 0;
bad:
	icy_meta_unref(meta);
	free(title);
	free(data);
	log_warn("rewind buffer of %s: %s is not a whole rewind file: kept %zu blocks of it",
	    m->name, path, n);
	if (n > 0)
		fanout_set_clock(m, clock);
	return -1;
}

void
rewind_load_all(void)
{
	const struct config *c = srv.config;
	struct mount *m;
	char *path;
	FILE *f;
	size_t i;

	if (c->rewind_dir == NULL)
		return;
	for (i = 0; i < c->nmounts; i++) {
		if (c->mounts[i].is_default || c->mounts[i].name == NULL)
			continue;
		m = mount_get(c->mounts[i].name);
		if (mount_rewind_ms(m) == 0) {
			mount_release(m);
			continue;
		}
		path = rewind_path(c->rewind_dir, m->name, "");
		if ((f = fopen(path, "rb")) != NULL) {
			rewind_read(m, f, path);
			fclose(f);
			unlink(path);	/* from now on the buffer is in memory */
		}
		free(path);
		mount_release(m);	/* stays if it now holds audio */
	}
}
