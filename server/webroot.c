/*
 * webroot.c: files under <webroot>, the station's own pages and scripts
 * (see webroot.h).
 */
#include "webroot.h"
#include "config.h"
#include "http_resp.h"
#include "server.h"
#include "util.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Why 8 MiB: web pages, scripts and images of a station's site; a larger
 * file is not what webroot is for. */
#define WEBROOT_FILE_MAX (8 * 1024 * 1024)

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

/* Serve a file below webroot; 0 if served, -1 if there is no such file. */
int
webroot_serve(struct conn *c, const char *rpath)
{
	const char *root = srv.config->webroot;
	char *path, *body;
	struct stat st;
	ssize_t n;
	int fd;

	if (root == NULL || strstr(rpath, "..") != NULL)
		return -1;
	path = xasprintf("%s%s%s", root, rpath,
	    rpath[strlen(rpath) - 1] == '/' ? "index.html" : "");
	fd = open(path, O_RDONLY | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > WEBROOT_FILE_MAX) {
		if (fd >= 0)
			close(fd);
		free(path);
		return -1;
	}
	body = xmalloc((size_t)st.st_size + 1);
	n = read(fd, body, (size_t)st.st_size);
	close(fd);
	if (n != st.st_size) {
		free(body);
		free(path);
		return -1;
	}
	srv.stats.file_connections++;
	resp_send(c, 200, webroot_type(path), body, (size_t)n);
	free(body);
	free(path);
	return 0;
}
