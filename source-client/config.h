/*
 * config.h: floe-source's settings, from a config file (see
 * floe-source.conf.example) and/or command-line flags. Parsing is pure: text
 * in, settings or a message with the line number out.
 */
#ifndef FSRC_CONFIG_H
#define FSRC_CONFIG_H

#include "hooks.h"
#include "../server/util.h"

#include <stddef.h>

/** One output: a mount on a server, a file, or both. */
struct output_conf {
	TAILQ_ENTRY(output_conf) entry;
	char	*name;		/* from [output NAME], or the mount */
	int	 line;		/* where it was defined (0: flags) */
	char	*url;		/* http://user:pass@host:port/mount, or NULL */
	char	*file;		/* also write the encoded stream here, or NULL (strftime %-codes) */
	long	 rotate;	/* a new file every this many seconds (0: one file) */
	int	 format;	/* enum encode_format, or -1: from the mount's extension */
	int	 bitrate;	/* kbps; 0: the format's default (FLAC: none) */
	int	 rate;		/* Hz; 0: the station's (Opus: 48000) */
	int	 vbr;
	int	 quality;	/* MP3 VBR quality 0-9 */
	int	 method;	/* enum uplink_method */
	int	 title_port;	/* Shoutcast: the HTTP port for titles; 0: the URL's - 1 */
	/* Stream description; NULL or -1 take the global value. */
	char	*ice_name, *ice_description, *ice_genre, *ice_url;
	int	 ice_public;
};

struct config {
	char	*playlist;	/* file, folder, or "-" */
	char	*fallback;	/* plays while every playlist entry fails; NULL: silence */
	int	 normalize;	/* each track to target_lufs (default on) */
	char	*ca_file;	/* https:// outputs trust only these CAs; NULL: the system's */
	char	*hooks[HOOK_NEVENTS];	/* on-EVENT: a command per enum hook_event (hooks.h) */
	char	*hook_urls[HOOK_NEVENTS];	/* on-EVENT-url: a webhook per event (webhook.h) */
	char	*api_listen;	/* HTTP JSON API address (api.h), or NULL: none */
	char	*api_token;	/* its bearer token, or NULL */
	int	 api_line;	/* the config file line of api-listen (0: a flag) */
	double	 target_lufs;
	int	 shuffle;
	int	 loop;
	double	 crossfade;	/* seconds */
	int	 trim;
	double	 trim_db;
	int	 rate;
	int	 channels;
	double	 burst;		/* seconds sent ahead when a stream starts */
	char	*ice_name, *ice_description, *ice_genre, *ice_url;
	int	 ice_public;
	char	*control;	/* control socket path; "none" disables */
	char	*log_file;
	int	 log_level;
	TAILQ_HEAD(, output_conf) outputs;
	size_t	 noutputs;
	struct sched *sched;	/* [playlist]/[rotation]/[schedule] sections, or NULL (schedule.h) */
	/* A live DJ (live.h): where to listen, their credentials, the fades. */
	char	*live_listen, *live_user, *live_password, *live_mount;
	double	 live_crossfade;	/* seconds; -1: the crossfade (2 s if that is 0) */
	double	 live_silence;		/* a DJ silent this long is gone; 0: never */
	char	*live_where;		/* where live-listen was set, for errors */
	const char *parsing_file;	/* while config_load runs */
	int	 parsing_line;		/* 0: a flag */
};

void config_init(struct config *c);
void config_free(struct config *c);
/** Parse config text; relative paths are taken from base_dir. -1 with
 *  "line N: ..." in err. */
int config_parse(struct config *c, const char *text, size_t len, const char *base_dir,
    char *err, size_t errlen);
/** Read and parse a file. */
int config_load(struct config *c, const char *path, char *err, size_t errlen);
/** Set a global key (as in the file's top section). */
int config_set(struct config *c, const char *key, const char *value, const char *base_dir,
    char *err, size_t errlen);
/** Add an output, and set one of its keys. */
struct output_conf *config_add_output(struct config *c, const char *name, int line);
int config_output_set(struct output_conf *o, const char *key, const char *value,
    const char *base_dir, char *err, size_t errlen);
/** Check the whole: at least one output, each with somewhere to go, and
 *  settings that fit together; fills in defaults. */
int config_check(struct config *c, char *err, size_t errlen);

/** Seconds a crossfade may last: longer would hold most of a track back. */
#define CONFIG_CROSSFADE_MAX 30

#endif
