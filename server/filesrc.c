/*
 * filesrc.c: icecast-kh's file fallbacks. A <fallback-mount> that names a
 * file in webroot, "/fallback-[128].mp3" (the number in brackets is its
 * bitrate in kbit/s), is played looped and paced at that rate to the
 * listeners of a mount whose source is gone: a mount of that name is fed
 * from the file as a source would feed it, so every listener shares one
 * position and one copy of the file, and fallback-override brings them
 * back to the live source on a frame boundary like any other fallback.
 *
 * The file is read once when the fallback is first needed (at most
 * FILESRC_MAX_BYTES); the feed stops, and the mount goes, once no listener
 * is left on it. Main thread only.
 */
#include "filesrc.h"
#include "config.h"
#include "fanout.h"
#include "format.h"
#include "log.h"
#include "mount.h"
#include "server.h"
#include "util.h"

#include <event2/event.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* An hour of 128 kbit/s audio is 58 MB; a fallback is a loop, not a show. */
#define FILESRC_MAX_BYTES	(64 * 1024 * 1024)
/* Feed a little ahead of real time, as an encoder's buffer would. */
#define FILESRC_TICK_MS		100
#define FILESRC_LEAD_MS		500

struct filesrc {
	struct mount	*m;
	uint8_t		*data;
	size_t		 len;
	size_t		 pos;		/* next byte to feed */
	long		 rate;		/* bytes per second */
	uint64_t	 start_ns;
	uint64_t	 fed;
	int		 idle_ticks;	/* ticks with no listener */
	struct format_state fs;
	struct event	*tick;
};

/* The kbit/s in "/name-[128].mp3"; 0 if the name has none. */
static long
filesrc_kbps(const char *name)
{
	const char *open = strrchr(name, '['), *close;
	char digits[16];
	long v;

	if (open == NULL || (close = strchr(open, ']')) == NULL ||
	    (size_t)(close - open - 1) >= sizeof digits || close == open + 1)
		return 0;
	memcpy(digits, open + 1, (size_t)(close - open - 1));
	digits[close - open - 1] = '\0';
	return parse_long(digits, 8, 2000, &v) == 0 ? v : 0;
}

/* The file's frames, its ID3v2 tag and trailing ID3v1 tag left out. */
static uint8_t *
filesrc_read(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *data;
	size_t got = 0, off = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > FILESRC_MAX_BYTES ||
	    st.st_size < 1024) {
		close(fd);
		errno = S_ISREG(st.st_mode) ? EFBIG : EINVAL;
		return NULL;
	}
	data = xmalloc((size_t)st.st_size);
	while (got < (size_t)st.st_size &&
	    ((n = read(fd, data + got, (size_t)st.st_size - got)) > 0 || (n < 0 && errno == EINTR)))
		got += n > 0 ? (size_t)n : 0;
	close(fd);
	if (got > 10 && memcmp(data, "ID3", 3) == 0)
		off = 10 + ((size_t)(data[6] & 0x7f) << 21 | (size_t)(data[7] & 0x7f) << 14 |
		    (size_t)(data[8] & 0x7f) << 7 | (size_t)(data[9] & 0x7f));
	if (got >= 128 && memcmp(data + got - 128, "TAG", 3) == 0)
		got -= 128;
	if (off >= got) {
		free(data);
		errno = EINVAL;
		return NULL;
	}
	memmove(data, data + off, got - off);
	*len = got - off;
	return data;
}

/* Hand the fan-out what is due: whole frames, from the start again at the end. */
static void
filesrc_feed(evutil_socket_t fd, short what, void *arg)
{
	struct filesrc *f = arg;
	struct timeval tv = { 0, FILESRC_TICK_MS * 1000 };
	double secs = (double)(time_mono_ns() - f->start_ns) / 1e9 + FILESRC_LEAD_MS / 1000.0;
	uint32_t flags;
	size_t n;
	int wrapped = 0;

	(void)fd;
	(void)what;
	if (STAT_GET(f->m->nlisteners) == 0 && ++f->idle_ticks > 1) {
		mount_release(f->m);		/* stops this feed (filesrc_stop) */
		return;
	}
	if (STAT_GET(f->m->nlisteners) > 0)
		f->idle_ticks = 0;
	while ((double)f->fed < secs * f->rate) {
		n = format_cut(&f->fs, f->data + f->pos, f->len - f->pos, &flags);
		if (n == 0) {			/* the end (or a partial frame): loop */
			if (wrapped++)
				break;		/* nothing to cut in the whole file */
			f->pos = 0;
			continue;
		}
		fanout_add(f->m, f->data + f->pos, n, flags);
		f->pos += n;
		f->fed += n;
		if (f->pos >= f->len)
			f->pos = 0;
	}
	evtimer_add(f->tick, &tv);
}

int
filesrc_is_file_name(const char *name)
{
	return filesrc_kbps(name) > 0;
}

struct mount *
filesrc_mount(const char *name)
{
	const struct format_ops *fmt;
	struct mount *m;
	struct filesrc *f;
	char *path, *real;
	long kbps = filesrc_kbps(name);

	if (kbps == 0 || srv.config->webroot == NULL || strstr(name, "..") != NULL)
		return NULL;
	if ((m = mount_find(name)) != NULL && m->file != NULL)
		return m;
	if (m != NULL && m->source != NULL)
		return m;
	path = xasprintf("%s%s", srv.config->webroot, name);
	real = realpath(path, NULL);
	fmt = format_for_type(str_ieq(name + strlen(name) - 4, ".aac") ? "audio/aac" :
	    str_ieq(name + strlen(name) - 4, ".ogg") ? "application/ogg" : "audio/mpeg");
	f = xcalloc(1, sizeof *f);
	if (real == NULL || (f->data = filesrc_read(real, &f->len)) == NULL) {
		log_warn("fallback file %s: %s", path, real == NULL ? strerror(errno) :
		    errno == EFBIG ? "too large (at most 64 MiB)" : strerror(errno));
		free(f);
		free(real);
		free(path);
		return NULL;
	}
	m = mount_get(name);
	mount_source_started(m, fmt);
	free(m->info.content_type);
	m->info.content_type = xstrdup(fmt == &format_mp3 ? "audio/mpeg" :
	    fmt == &format_aac ? "audio/aac" : "application/ogg");
	free(m->info.bitrate);
	m->info.bitrate = xasprintf("%ld", kbps);
	f->m = m;
	f->rate = kbps * 1000 / 8;
	f->start_ns = time_mono_ns();
	format_state_init(&f->fs, fmt);
	f->tick = evtimer_new(srv.base, filesrc_feed, f);
	m->file = f;
	m->file_stop = filesrc_stop;
	log_info("fallback file %s: %zu bytes looped at %ld kbit/s on %s", real, f->len, kbps,
	    name);
	free(real);
	free(path);
	filesrc_feed(-1, 0, f);
	return m;
}

void
filesrc_stop(struct mount *m)
{
	struct filesrc *f = m->file;

	if (f == NULL)
		return;
	m->file = NULL;
	fanout_flush(m);
	event_free(f->tick);
	free(f->data);
	free(f);
	log_info("fallback file on %s: stopped, no listener left", m->name);
}
