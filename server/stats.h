/*
 * stats.h: the server's and each mount's statistics as one list of named
 * values (icecast2's names), and the documents built from them through
 * doc.c: /admin/stats (XML or JSON), /admin/listmounts and /status-json.xsl.
 * Nothing here writes XML or escapes text: doc.c and util.c's writers do.
 */
#ifndef FLOE_STATS_H
#define FLOE_STATS_H

#include <stddef.h>

struct mount;
struct sbuf;

struct stat_kv {
	char	*key;		/* owned: some come from the source (ice-audio-info) */
	char	*value;
	int	 number;	/* render unquoted in JSON */
	int	 public;	/* shown in /status-json.xsl */
};

struct stat_list {
	struct stat_kv *kv;
	size_t	 n, cap;
};

/** Global values, sorted by key. */
void stats_global(struct stat_list *sl);
/** One mount's values, sorted by key. */
void stats_mount(struct stat_list *sl, const struct mount *m);
void stats_list_free(struct stat_list *sl);

/** The listen URL of a mount, from <hostname> and the first port. */
char *stats_listenurl(const char *mount);

struct doc;

/** Add icestats' contents (all mounts, or only the one named) to d. */
void stats_render(struct doc *d, const char *only_mount);
/** The same with only the public values of the mounts that are not hidden:
 *  the document webroot .xsl pages are rendered against. */
void stats_render_public(struct doc *d, const char *only_mount);
/** Add /admin/listmounts' contents to d. */
void stats_render_listmounts(struct doc *d, const char *except);
/** Render /status-json.xsl as icecast2 2.4 shapes it. */
void stats_render_json(struct sbuf *sb);
/** /status-json.xsl?mount=: only that mount's source (NULL: all). */
void stats_render_json_mount(struct sbuf *sb, const char *only_mount);

#endif
