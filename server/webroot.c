/*
 * webroot.c: files under <webroot>, the station's own pages and scripts
 * (see webroot.h).
 *
 * A request path names a file only if its real path, every symlink
 * resolved, lies inside an allowed directory: the real webroot and
 * adminroot, and Debian's stock icecast2 web directories. Checking the
 * last component alone (O_NOFOLLOW) let a directory symlink
 * (webroot/d -> /etc) serve /etc/passwd.
 *
 * Files are served from the main loop, which also runs every source, so
 * nothing here may block on a file's contents: the file is opened
 * non-blocking (a FIFO would block open() forever), must be a regular
 * file, and its bytes go out as the socket drains, never read whole into
 * memory (see resp_file).
 */
#include "webroot.h"
#include "config.h"
#include "http_resp.h"
#include "log.h"
#include "server.h"
#include "util.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Debian's icecast2 package puts its stock pages in /etc/icecast2/web and
 * links them from /usr/share/icecast2/web, the webroot of its stock
 * icecast.xml (/usr/share/icecast2/web/status.xsl -> /etc/icecast2/web/
 * status.xsl). Both hold only those public pages; nothing wider is let in.
 */
static const char *const webroot_stock_dirs[] = {
	"/usr/share/icecast2/web",
	"/etc/icecast2/web",
};
/* Its admin pages the same way: /usr/share/icecast2/admin links into here. */
static const char *const webroot_stock_admin_dirs[] = {
	"/usr/share/icecast2/admin",
	"/etc/icecast2/admin",
};

/* Content type of a webroot file, by extension. */
static const char *
webroot_type(const char *path)
{
	static const char *const types[][2] = {
		{ ".html", "text/html; charset=utf-8" }, { ".htm", "text/html; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" }, { ".js", "text/javascript; charset=utf-8" },
		{ ".json", "application/json" }, { ".svg", "image/svg+xml" },
		{ ".png", "image/png" }, { ".jpg", "image/jpeg" }, { ".ico", "image/x-icon" },
		{ ".txt", "text/plain; charset=utf-8" }, { ".xml", "text/xml; charset=utf-8" },
		{ ".m3u", "audio/x-mpegurl" }, { ".pls", "audio/x-scpls" },
		{ ".mp3", "audio/mpeg" }, { ".ogg", "application/ogg" },
	};
	const char *dot = strrchr(path, '.');
	size_t i;

	for (i = 0; dot != NULL && i < FLOE_NELEM(types); i++)
		if (str_ieq(dot, types[i][0]))
			return types[i][1];
	return "application/octet-stream";
}

/* Is the real path real inside the directory dir (itself resolved first)? */
static int
webroot_inside(const char *real, const char *dir)
{
	char *root;
	size_t n;
	int in;

	if (dir == NULL || (root = realpath(dir, NULL)) == NULL)
		return 0;
	n = strlen(root);
	in = strcmp(root, "/") == 0 ||
	    (strncmp(real, root, n) == 0 && (real[n] == '/' || real[n] == '\0'));
	free(root);
	return in;
}

/* Is the real path real inside one of the directories files may come from? */
static int
webroot_allowed(const char *real)
{
	const struct config *cf = srv.config;
	size_t i;

	if (webroot_inside(real, cf->webroot) || webroot_inside(real, cf->adminroot))
		return 1;
	for (i = 0; i < FLOE_NELEM(webroot_stock_dirs); i++)
		if (webroot_inside(real, webroot_stock_dirs[i]))
			return 1;
	return 0;
}

/*
 * The real path of the regular file a request path names (index.html for
 * a directory's '/'), with its name as asked for in *asked (for the content
 * type: Debian's links keep the name, not always the target's); NULL if
 * there is none or it lies outside the allowed directories. Only stat
 * calls: nothing is opened, so a FIFO or a device cannot block or react.
 */
static char *
webroot_find(const char *path, char **asked, struct stat *st)
{
	const char *root = srv.config->webroot;
	char *want, *real;

	if (root == NULL || path[0] != '/' || strstr(path, "..") != NULL)
		return NULL;
	want = xasprintf("%s%s%s", root, path, path[strlen(path) - 1] == '/' ? "index.html" : "");
	if ((real = realpath(want, NULL)) == NULL || stat(real, st) < 0 ||
	    !S_ISREG(st->st_mode)) {
		free(real);
		free(want);
		return NULL;
	}
	if (!webroot_allowed(real)) {
		log_info("webroot: %s leads to %s, outside the allowed directories: refused",
		    path, real);
		free(real);
		free(want);
		return NULL;
	}
	if (asked != NULL)
		*asked = want;
	else
		free(want);
	return real;
}

/* The real path of webroot's file for a request path, or NULL (see webroot_find). */
char *
webroot_path(const char *path)
{
	struct stat st;

	return webroot_find(path, NULL, &st);
}

/* The real path of adminroot's stylesheet name (no directories), or NULL. */
char *
webroot_admin_path(const char *name)
{
	const char *root = srv.config->adminroot;
	struct stat st;
	char *want, *real;

	if (root == NULL || strchr(name, '/') != NULL || strstr(name, "..") != NULL)
		return NULL;
	want = xasprintf("%s/%s", root, name);
	real = realpath(want, NULL);
	free(want);
	if (real == NULL || stat(real, &st) < 0 || !S_ISREG(st.st_mode))
		goto refused;
	if (webroot_inside(real, root))
		return real;
	for (size_t i = 0; i < FLOE_NELEM(webroot_stock_admin_dirs); i++)
		if (webroot_inside(real, webroot_stock_admin_dirs[i]))
			return real;
	log_info("adminroot: %s leads to %s, outside the allowed directories: refused",
	    name, real);
refused:
	free(real);
	return NULL;
}

/* Would a GET for path be answered with a file from webroot? */
int
webroot_has(const char *path)
{
	struct stat st;
	char *real = webroot_find(path, NULL, &st);

	free(real);
	return real != NULL;
}

/* Serve a file below webroot; 0 if served, -1 if there is no such file. */
int
webroot_serve(struct conn *c, const char *path)
{
	struct stat found, st;
	char *real, *asked;
	int fd;

	if (!srv.config->fileserve)		/* <fileserve>0: no static files */
		return -1;
	if ((real = webroot_find(path, &asked, &found)) == NULL)
		return -1;
	/* O_NONBLOCK: should the file have become a FIFO since the stat, open
	 * returns at once; the fstat then refuses anything but that same file. */
	fd = open(real, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	free(real);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_dev != found.st_dev || st.st_ino != found.st_ino) {
		if (fd >= 0)
			close(fd);
		free(asked);
		return -1;
	}
	srv.stats.file_connections++;
	resp_file(c, 200, webroot_type(asked), fd, st.st_size);
	free(asked);
	return 0;
}
