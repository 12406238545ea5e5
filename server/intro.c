/*
 * intro.c: <intro> files, cached by path and checked against their mtime
 * and size each time a listener arrives (one stat()), so an edited intro
 * is heard by the next listener without a reload.
 */
#include "intro.h"
#include "log.h"
#include "refcount.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define INTRO_CACHE	16

struct intro_entry {
	char		*path;
	time_t		 mtime;
	off_t		 size;
	struct intro	*in;		/* NULL: known unreadable (logged) */
};

static struct intro_entry cache[INTRO_CACHE];
static unsigned next_slot;

void
intro_ref(struct intro *in)
{
	refcount_get(&in->refs);
}

void
intro_unref(struct intro *in)
{
	if (in != NULL && refcount_put(&in->refs))
		free(in);
}

/* Read path into a new intro; NULL and errno on failure. An MP3 file's
 * trailing ID3v1 tag is left out: mid-stream, a player would take it for
 * audio. */
static struct intro *
intro_read(const char *path, const struct stat *st)
{
	struct intro *in;
	size_t got = 0;
	ssize_t n;
	int fd;

	if (!S_ISREG(st->st_mode) || st->st_size > INTRO_MAX_BYTES) {
		errno = S_ISREG(st->st_mode) ? EFBIG : EINVAL;
		return NULL;
	}
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
		return NULL;
	in = xmalloc(sizeof *in + (size_t)st->st_size);
	in->refs = 1;
	while (got < (size_t)st->st_size &&
	    ((n = read(fd, in->data + got, (size_t)st->st_size - got)) > 0 ||
	    (n < 0 && errno == EINTR)))
		got += n > 0 ? (size_t)n : 0;
	close(fd);
	if (got >= 128 && memcmp(in->data + got - 128, "TAG", 3) == 0)
		got -= 128;
	in->len = got;
	return in;
}

struct intro *
intro_get(const char *webroot, const char *name)
{
	struct intro_entry *e = NULL;
	struct stat st;
	char *path;
	size_t i;

	/* Always under webroot, "/intro.mp3" or "intro.mp3" alike. */
	if (webroot == NULL)
		path = xstrdup(name);
	else
		path = xasprintf("%s%s%s", webroot, name[0] == '/' ? "" : "/", name);
	for (i = 0; i < INTRO_CACHE; i++)
		if (cache[i].path != NULL && strcmp(cache[i].path, path) == 0)
			e = &cache[i];
	if (stat(path, &st) < 0) {
		if (e == NULL || e->in != NULL || e->mtime != 0)
			log_warn("intro %s: %s; listeners start without it", path, strerror(errno));
		if (e == NULL) {
			e = &cache[next_slot++ % INTRO_CACHE];
			free(e->path);
			e->path = xstrdup(path);
		}
		intro_unref(e->in);
		e->in = NULL;
		e->mtime = 0;
		free(path);
		return NULL;
	}
	if (e == NULL || e->mtime != st.st_mtime || e->size != st.st_size) {
		if (e == NULL) {
			e = &cache[next_slot++ % INTRO_CACHE];
			free(e->path);
			intro_unref(e->in);
			e->path = xstrdup(path);
		} else
			intro_unref(e->in);
		e->mtime = st.st_mtime;
		e->size = st.st_size;
		if ((e->in = intro_read(path, &st)) == NULL)
			log_warn("intro %s: %s (at most %d MiB); listeners start without it",
			    path, errno == EFBIG ? "too large" : strerror(errno),
			    INTRO_MAX_BYTES >> 20);
		else
			log_info("intro %s: %zu bytes", path, e->in->len);
	}
	free(path);
	if (e->in == NULL)
		return NULL;
	intro_ref(e->in);
	return e->in;
}

void
intro_flush(void)
{
	size_t i;

	for (i = 0; i < INTRO_CACHE; i++) {
		free(cache[i].path);
		intro_unref(cache[i].in);
		memset(&cache[i], 0, sizeof cache[i]);
	}
}
