/*
 * replay.c: runs one fuzz target over its corpus without libFuzzer, so that
 * make check replays every seed and every input that ever crashed, in
 * seconds, with the normal compiler (as tmux runs its fuzzers in its test
 * suite). Linked with one fuzz_*.c; prints TAP, one line per input; a crash
 * or a failed check aborts, which the TAP driver reports.
 *
 *   fuzz/fuzz_http [file-or-directory ...]
 *
 * Without arguments it replays corpus/<name>, where <name> is the program's
 * name without "fuzz_": under $top_srcdir/tests/fuzz when make check sets
 * top_srcdir, else next to the program.
 */
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Why 16 MiB: the largest input any target takes (a config file) is capped
 * there; a larger corpus file is a mistake, not a test. */
#define REPLAY_MAX_INPUT (16 * 1024 * 1024)

static int replay_n, replay_failed;

/* Read a whole file into an allocation of exactly its size (so a sanitizer
 * build sees any read past the input's end). */
static uint8_t *
replay_read(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	size_t got = 0;
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		return NULL;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_size > REPLAY_MAX_INPUT) {
		close(fd);
		errno = EFBIG;
		return NULL;
	}
	buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
	while (buf != NULL && got < (size_t)st.st_size) {
		r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	if (buf == NULL || got < (size_t)st.st_size) {
		free(buf);
		return NULL;
	}
	*len = got;
	return buf;
}

/* Run the target on one file and print its TAP line. */
static void
replay_file(const char *path)
{
	uint8_t *data;
	size_t len = 0;

	printf("# %s\n", path);
	fflush(stdout);		/* if the target crashes, the log says on what */
	if ((data = replay_read(path, &len)) == NULL) {
		printf("not ok %d - %s: cannot read: %s\n", ++replay_n, path, strerror(errno));
		replay_failed++;
		return;
	}
	LLVMFuzzerTestOneInput(data, len);
	free(data);
	printf("ok %d - %s (%zu bytes)\n", ++replay_n, path, len);
}

/* qsort order for file names. */
static int
replay_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replay every file in a directory, in name order; a plain file is one input. */
static void
replay_path(const char *path)
{
	struct dirent *e;
	char **names = NULL, *full;
	size_t n = 0, i, len;
	DIR *d;

	if ((d = opendir(path)) == NULL) {
		if (errno == ENOTDIR) {
			replay_file(path);
			return;
		}
		printf("not ok %d - %s: %s\n", ++replay_n, path, strerror(errno));
		replay_failed++;
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		len = strlen(path) + strlen(e->d_name) + 2;
		if ((names = realloc(names, (n + 1) * sizeof *names)) == NULL ||
		    (full = malloc(len)) == NULL)
			abort();
		snprintf(full, len, "%s/%s", path, e->d_name);
		names[n++] = full;
	}
	closedir(d);
	if (n == 0) {
		printf("not ok %d - %s: empty corpus\n", ++replay_n, path);
		replay_failed++;
	}
	qsort(names, n, sizeof *names, replay_cmp);
	for (i = 0; i < n; i++) {
		replay_file(names[i]);
		free(names[i]);
	}
	free(names);
}

/* The corpus this program replays when given no arguments. */
static char *
replay_default(const char *argv0)
{
	const char *base = strrchr(argv0, '/'), *top = getenv("top_srcdir");
	size_t len;
	char *path;

	base = base != NULL ? base + 1 : argv0;
	if (strncmp(base, "fuzz_", 5) == 0)
		base += 5;
	len = strlen(argv0) + strlen(base) + (top != NULL ? strlen(top) : 0) + 32;
	if ((path = malloc(len)) == NULL)
		abort();
	if (top != NULL)
		snprintf(path, len, "%s/tests/fuzz/corpus/%s", top, base);
	else
		snprintf(path, len, "%.*scorpus/%s", (int)(strrchr(argv0, '/') != NULL ?
		    strrchr(argv0, '/') - argv0 + 1 : 0), argv0, base);
	return path;
}

/* Replay the named inputs, or this target's corpus. */
int
main(int argc, char **argv)
{
	char *path;
	int i;

	if (argc > 1) {
		for (i = 1; i < argc; i++)
			replay_path(argv[i]);
	} else {
		path = replay_default(argv[0]);
		replay_path(path);
		free(path);
	}
	printf("1..%d\n", replay_n);
	return replay_failed > 0;
}
