/*
 * config.c: the config file and the settings behind the flags.
 *
 * Format: "key = value" lines; '#' or ';' starts a comment line; a value
 * may be wrapped in double quotes to keep spaces at its ends. Keys before
 * the first section are global; each "[output NAME]" section is one output.
 * Unknown keys are errors (a typo should not silently do nothing).
 */
#include "config.h"
#include "encode.h"
#include "log.h"
#include "schedule.h"
#include "uplink.h"
#include "../server/util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A config file larger than this is not a config file. */
#define CONFIG_MAX_BYTES (1u << 20)
/* Default bitrates: 128 kbps MP3 is the common station default; native
 * AAC-LC sounds comparable at 96, Opus at 96 (transparent for most music
 * in listening tests), Vorbis at 128 (its quality 4, also oggenc's
 * default). FLAC has none. */
#define DEFAULT_MP3_KBPS 128
#define DEFAULT_AAC_KBPS 96
#define DEFAULT_VORBIS_KBPS 128
#define DEFAULT_OPUS_KBPS 96
/* Opus runs at 48 kHz inside whatever it is given: an Opus output defaults
 * to it (the station's 44100 resampled once, in output.c). */
#define DEFAULT_OPUS_RATE 48000
/* LAME's VBR quality 4 (~165 kbps): transparent for most listeners. */
#define DEFAULT_VBR_QUALITY 4

/* Defaults. */
void
config_init(struct config *c)
{
	memset(c, 0, sizeof *c);
	c->loop = 1;
	c->trim_db = -50.0;
	c->normalize = 1;
	c->target_lufs = -16.0;
	c->rate = 44100;
	c->channels = 2;
	c->burst = 1.0;
	c->log_level = LOG_INFO;
	c->live_crossfade = -1;
	c->live_silence = 15;
	TAILQ_INIT(&c->outputs);
}

/* Free one output's settings. */
static void
output_conf_free(struct output_conf *o)
{
	free(o->name);
	free(o->url);
	free(o->file);
	free(o->ice_name);
	free(o->ice_description);
	free(o->ice_genre);
	free(o->ice_url);
	free(o);
}

/* Free everything. */
void
config_free(struct config *c)
{
	struct output_conf *o;

	while ((o = TAILQ_FIRST(&c->outputs)) != NULL) {
		TAILQ_REMOVE(&c->outputs, o, entry);
		output_conf_free(o);
	}
	free(c->playlist);
	free(c->fallback);
	free(c->ca_file);
	for (size_t h = 0; h < FLOE_NELEM(c->hooks); h++)
		free(c->hooks[h]);
	for (size_t h = 0; h < FLOE_NELEM(c->hook_urls); h++)
		free(c->hook_urls[h]);
	free(c->api_listen);
	free(c->api_token);
	free(c->ice_name);
	free(c->ice_description);
	free(c->ice_genre);
	free(c->ice_url);
	free(c->control);
	free(c->log_file);
	sched_free(c->sched);
	free(c->live_listen);
	free(c->live_user);
	free(c->live_password);
	free(c->live_mount);
	free(c->live_where);
	memset(c, 0, sizeof *c);
	TAILQ_INIT(&c->outputs);
}

/* Replace a string setting. */
static void
set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

/* Replace a path setting, relative to base_dir unless absolute or "-". */
static void
set_path(char **dst, const char *v, const char *base_dir)
{
	free(*dst);
	if (v[0] == '/' || strcmp(v, "-") == 0 || base_dir == NULL || *base_dir == '\0')
		*dst = xstrdup(v);
	else
		*dst = xasprintf("%s/%s", base_dir, v);
}

/* The hook a key names (on-track...), as enum hook_event; -1 if none. */
static int
hook_index(const char *key)
{
	static const char *const keys[] = { "on-track", "on-output-up", "on-output-down",
	    "on-playlist", "on-live-connect", "on-live-disconnect" };
	size_t i;

	for (i = 0; i < FLOE_NELEM(keys); i++)
		if (strcmp(key, keys[i]) == 0)
			return (int)i;
	return -1;
}

/* A live-* key (a DJ on floe-source, live.h). */
static int
live_set(struct config *c, const char *key, const char *v, char *err, size_t errlen)
{
	if (strcmp(key, "live-listen") == 0) {
		set_str(&c->live_listen, v);
		free(c->live_where);
		c->live_where = c->parsing_line > 0 ? xasprintf("%s line %d", c->parsing_file ?
		    c->parsing_file : "the config", c->parsing_line) : xstrdup("--live-listen");
	} else if (strcmp(key, "live-user") == 0)
		set_str(&c->live_user, v);
	else if (strcmp(key, "live-password") == 0)
		set_str(&c->live_password, v);
	else if (strcmp(key, "live-mount") == 0) {
		if (v[0] != '/') {
			snprintf(err, errlen, "live-mount must begin with / (as /live)");
			return -1;
		}
		set_str(&c->live_mount, v);
	} else if (strcmp(key, "live-crossfade") == 0) {
		if (parse_double(v, 0, CONFIG_CROSSFADE_MAX, &c->live_crossfade) != 0) {
			snprintf(err, errlen, "live-crossfade must be 0 to %d seconds",
			    CONFIG_CROSSFADE_MAX);
			return -1;
		}
	} else if (strcmp(key, "live-silence") == 0) {
		if (parse_double(v, 0, 3600, &c->live_silence) != 0) {
			snprintf(err, errlen, "live-silence must be 0 (never) to 3600 seconds");
			return -1;
		}
	} else {
		snprintf(err, errlen, "unknown setting \"%s\"", key);
		return -1;
	}
	return 0;
}

/* Set a global key. */
int
config_set(struct config *c, const char *key, const char *v, const char *base_dir, char *err,
    size_t errlen)
{
	long l;

	if (strcmp(key, "playlist") == 0)
		set_path(&c->playlist, v, base_dir);
	else if (strcmp(key, "fallback") == 0)
		set_path(&c->fallback, v, base_dir);
	else if (strcmp(key, "ca-file") == 0)
		set_path(&c->ca_file, v, base_dir);
	else if (strncmp(key, "on-", 3) == 0 && hook_index(key) >= 0) {
		int i = hook_index(key);

		free(c->hooks[i]);
		c->hooks[i] = xstrdup(v);
	} else if (hook_url_event(key) >= 0) {
		if (!str_iprefix(v, "http://") && !str_iprefix(v, "https://")) {
			snprintf(err, errlen, "%s must be an http:// or https:// URL", key);
			return -1;
		}
		set_str(&c->hook_urls[hook_url_event(key)], v);
	} else if (strcmp(key, "api-listen") == 0) {
		set_str(&c->api_listen, v);
		c->api_line = 0;	/* config_parse says which line */
	} else if (strcmp(key, "api-token") == 0)
		set_str(&c->api_token, v);
	else if (strncmp(key, "live-", 5) == 0) {
		if (live_set(c, key, v, err, errlen) != 0)
			return -1;
	} else if (strcmp(key, "normalize") == 0) {
		if (parse_bool(v, &c->normalize) != 0)
			goto bad_bool;
	} else if (strcmp(key, "loudness") == 0) {
		if (parse_double(v, -40, -5, &c->target_lufs) != 0) {
			snprintf(err, errlen, "loudness must be -40 to -5 (LUFS)");
			return -1;
		}
	}
	else if (strcmp(key, "shuffle") == 0) {
		if (parse_bool(v, &c->shuffle) != 0)
			goto bad_bool;
	} else if (strcmp(key, "loop") == 0) {
		if (parse_bool(v, &c->loop) != 0)
			goto bad_bool;
	} else if (strcmp(key, "crossfade") == 0) {
		if (parse_double(v, 0, CONFIG_CROSSFADE_MAX, &c->crossfade) != 0) {
			snprintf(err, errlen, "crossfade must be 0 to %d seconds", CONFIG_CROSSFADE_MAX);
			return -1;
		}
	} else if (strcmp(key, "trim-silence") == 0) {
		if (parse_bool(v, &c->trim) != 0)
			goto bad_bool;
	} else if (strcmp(key, "silence-level") == 0) {
		if (parse_double(v, -120, 0, &c->trim_db) != 0) {
			snprintf(err, errlen, "silence-level must be -120 to 0 (dBFS)");
			return -1;
		}
	} else if (strcmp(key, "samplerate") == 0) {
		if (parse_long(v, 8000, 96000, &l) != 0) {
			snprintf(err, errlen, "samplerate must be 8000 to 96000");
			return -1;
		}
		c->rate = (int)l;
	} else if (strcmp(key, "channels") == 0) {
		if (parse_long(v, 1, 2, &l) != 0) {
			snprintf(err, errlen, "channels must be 1 or 2");
			return -1;
		}
		c->channels = (int)l;
	} else if (strcmp(key, "burst") == 0) {
		if (parse_double(v, 0, 10, &c->burst) != 0) {
			snprintf(err, errlen, "burst must be 0 to 10 seconds");
			return -1;
		}
	} else if (strcmp(key, "name") == 0)
		set_str(&c->ice_name, v);
	else if (strcmp(key, "description") == 0)
		set_str(&c->ice_description, v);
	else if (strcmp(key, "genre") == 0)
		set_str(&c->ice_genre, v);
	else if (strcmp(key, "website") == 0)
		set_str(&c->ice_url, v);
	else if (strcmp(key, "public") == 0) {
		if (parse_bool(v, &c->ice_public) != 0)
			goto bad_bool;
	} else if (strcmp(key, "control") == 0)
		set_path(&c->control, v, strcmp(v, "none") == 0 ? NULL : base_dir);
	else if (strcmp(key, "log") == 0)
		set_path(&c->log_file, v, base_dir);
	else if (strcmp(key, "log-level") == 0) {
		static const char *names[] = { "error", "warn", "info", "debug" };
		size_t i;
		for (i = 0; i < FLOE_NELEM(names) && strcmp(v, names[i]) != 0; i++)
			;
		if (i == FLOE_NELEM(names)) {
			snprintf(err, errlen, "log-level must be error, warn, info or debug");
			return -1;
		}
		c->log_level = (int)i + LOG_ERROR;
	} else {
		snprintf(err, errlen, "unknown setting \"%s\"", key);
		return -1;
	}
	return 0;
bad_bool:
	snprintf(err, errlen, "%s must be yes or no", key);
	return -1;
}

/* Append a new output. */
struct output_conf *
config_add_output(struct config *c, const char *name, int line)
{
	struct output_conf *o = xcalloc(1, sizeof *o);

	o->name = name != NULL && *name != '\0' ? xstrdup(name) : NULL;
	o->line = line;
	o->format = -1;
	o->quality = DEFAULT_VBR_QUALITY;
	o->method = UPLINK_PUT;
	o->ice_public = -1;
	TAILQ_INSERT_TAIL(&c->outputs, o, entry);
	c->noutputs++;
	return o;
}

/* Set one output key. */
int
config_output_set(struct output_conf *o, const char *key, const char *v, const char *base_dir,
    char *err, size_t errlen)
{
	long l;
	int b;

	if (strcmp(key, "url") == 0) {
		struct uplink_url u;
		if (uplink_url_parse(v, &u, err, errlen) != 0)
			return -1;
		uplink_url_free(&u);
		set_str(&o->url, v);
	} else if (strcmp(key, "file") == 0)
		set_path(&o->file, v, base_dir);
	else if (strcmp(key, "rotate") == 0) {
		if (parse_long(v, 1, 7 * 86400, &l) != 0) {
			snprintf(err, errlen, "rotate must be 1 to 604800 seconds (3600: hourly)");
			return -1;
		}
		o->rotate = l;
	}
	else if (strcmp(key, "format") == 0) {
		if ((o->format = encode_format_parse(v)) < 0) {
			snprintf(err, errlen, "format must be mp3, aac, vorbis, opus or flac%s",
			    str_ieq(v, "ogg") ? " (Ogg carries the last three)" : "");
			return -1;
		}
	} else if (strcmp(key, "bitrate") == 0) {
		if (parse_long(v, 8, 320, &l) != 0) {
			snprintf(err, errlen, "bitrate must be 8 to 320 (kbps)");
			return -1;
		}
		o->bitrate = (int)l;
	} else if (strcmp(key, "samplerate") == 0) {
		if (parse_long(v, 8000, 96000, &l) != 0) {
			snprintf(err, errlen, "samplerate must be 8000 to 96000");
			return -1;
		}
		o->rate = (int)l;
	} else if (strcmp(key, "mode") == 0) {
		if (str_ieq(v, "cbr"))
			o->vbr = 0;
		else if (str_ieq(v, "vbr"))
			o->vbr = 1;
		else {
			snprintf(err, errlen, "mode must be cbr or vbr");
			return -1;
		}
	} else if (strcmp(key, "quality") == 0) {
		if (parse_long(v, 0, 9, &l) != 0) {
			snprintf(err, errlen, "quality must be 0 (best) to 9");
			return -1;
		}
		o->quality = (int)l;
	} else if (strcmp(key, "method") == 0) {
		if (str_ieq(v, "put"))
			o->method = UPLINK_PUT;
		else if (str_ieq(v, "source"))
			o->method = UPLINK_SOURCE;
		else if (str_ieq(v, "shoutcast") || str_ieq(v, "icy"))
			o->method = UPLINK_SHOUTCAST;
		else {
			snprintf(err, errlen, "method must be put, source or shoutcast");
			return -1;
		}
	} else if (strcmp(key, "title-port") == 0) {
		if (parse_long(v, 1, 65535, &l) != 0) {
			snprintf(err, errlen, "title-port must be a port number (1 to 65535)");
			return -1;
		}
		o->title_port = (int)l;
	} else if (strcmp(key, "name") == 0)
		set_str(&o->ice_name, v);
	else if (strcmp(key, "description") == 0)
		set_str(&o->ice_description, v);
	else if (strcmp(key, "genre") == 0)
		set_str(&o->ice_genre, v);
	else if (strcmp(key, "website") == 0)
		set_str(&o->ice_url, v);
	else if (strcmp(key, "public") == 0) {
		if (parse_bool(v, &b) != 0) {
			snprintf(err, errlen, "public must be yes or no");
			return -1;
		}
		o->ice_public = b;
	} else {
		snprintf(err, errlen, "unknown output setting \"%s\"", key);
		return -1;
	}
	return 0;
}

/* Parse config text line by line. */
int
config_parse(struct config *c, const char *text, size_t len, const char *base_dir, char *err,
    size_t errlen)
{
	struct output_conf *cur = NULL;
	char msg[256];
	size_t i = 0;
	int lineno = 0, in_prog = 0;

	while (i < len) {
		size_t j = i;
		char *line, *s, *eq, *key, *val;
		int rc = 0;

		while (j < len && text[j] != '\n')
			j++;
		lineno++;
		line = xstrndup(text + i, j - i);
		i = j + 1;
		s = str_trim(line);
		if (*s == '\0' || *s == '#' || *s == ';') {
			free(line);
			continue;
		}
		if (*s == '[') {
			char *end = strchr(s, ']'), *name;
			if (end == NULL || end[1] != '\0') {
				snprintf(err, errlen, "line %d: a section looks like [output NAME]",
				    lineno);
				free(line);
				return -1;
			}
			*end = '\0';
			name = str_trim(s + 1);
			if (c->sched == NULL)
				c->sched = sched_new();
			if ((in_prog = sched_section(c->sched, name, lineno, msg, sizeof msg)) != 0) {
				if (in_prog < 0)
					snprintf(err, errlen, "line %d: %s", lineno, msg);
				free(line);
				if (in_prog < 0)
					return -1;
				cur = NULL;
				continue;
			}
			if (strncmp(name, "output", 6) != 0 ||
			    (name[6] != '\0' && !isspace((unsigned char)name[6]))) {
				snprintf(err, errlen, "line %d: unknown section [%s] ([output NAME], "
				    "[playlist NAME], [rotation NAME] or [schedule])", lineno, name);
				free(line);
				return -1;
			}
			cur = config_add_output(c, str_trim(name + 6), lineno);
			free(line);
			continue;
		}
		if ((eq = strchr(s, '=')) == NULL) {
			snprintf(err, errlen, "line %d: expected key = value", lineno);
			free(line);
			return -1;
		}
		*eq = '\0';
		key = str_trim(s);
		val = str_trim(eq + 1);
		if (val[0] == '"' && strlen(val) >= 2 && val[strlen(val) - 1] == '"') {
			val[strlen(val) - 1] = '\0';
			val++;
		}
		c->parsing_line = lineno;
		if (in_prog)
			rc = sched_set(c->sched, key, val, base_dir, lineno, msg, sizeof msg);
		else if (cur != NULL)
			rc = config_output_set(cur, key, val, base_dir, msg, sizeof msg);
		else
			rc = config_set(c, key, val, base_dir, msg, sizeof msg);
		c->parsing_line = 0;
		if (rc == 0 && cur == NULL && strcmp(key, "api-listen") == 0)
			c->api_line = lineno;
		free(line);
		if (rc != 0) {
			snprintf(err, errlen, "line %d: %s", lineno, msg);
			return -1;
		}
	}
	if (c->sched != NULL && c->sched->npl == 0 && c->sched->nrot == 0 &&
	    !c->sched->has_schedule) {
		sched_free(c->sched);
		c->sched = NULL;
	}
	/* The programme's names and times are checked here, where the
	 * messages can still say which line. */
	if (c->sched != NULL && sched_check(c->sched, err, errlen) != 0)
		return -1;
	return 0;
}

/* Read and parse a config file. */
int
config_load(struct config *c, const char *path, char *err, size_t errlen)
{
	char msg[300], *base, *slash;
	struct sbuf sb;
	size_t got;
	FILE *fp;
	int rc;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	sbuf_init(&sb);
	do {
		got = fread(sbuf_reserve(&sb, 4096), 1, 4096, fp);
		sbuf_commit(&sb, got);
	} while (got > 0 && sb.len <= CONFIG_MAX_BYTES);
	fclose(fp);
	if (sb.len > CONFIG_MAX_BYTES) {
		snprintf(err, errlen, "%s: too large for a config file", path);
		sbuf_free(&sb);
		return -1;
	}
	base = xstrdup(path);
	if ((slash = strrchr(base, '/')) != NULL)
		*(slash == base ? slash + 1 : slash) = '\0';
	else {
		free(base);
		base = NULL;
	}
	c->parsing_file = path;
	rc = config_parse(c, sb.data != NULL ? sb.data : "", sb.len, base, msg, sizeof msg);
	c->parsing_file = NULL;
	if (rc != 0)
		snprintf(err, errlen, "%s: %s", path, msg);
	free(base);
	sbuf_free(&sb);
	return rc;
}

/* An output's bitrate and rate, by format: given ones checked against
 * what the format can take, missing ones filled in. */
static int
config_output_defaults(const struct config *c, struct output_conf *o, char *err, size_t errlen)
{
	static const int kbps[] = {
		[ENCODE_MP3] = DEFAULT_MP3_KBPS, [ENCODE_AAC] = DEFAULT_AAC_KBPS,
		[ENCODE_VORBIS] = DEFAULT_VORBIS_KBPS, [ENCODE_OPUS] = DEFAULT_OPUS_KBPS,
		[ENCODE_FLAC] = 0,
	};

	if (o->format == ENCODE_FLAC && o->bitrate != 0) {
		snprintf(err, errlen, "output %s: FLAC is lossless and has no bitrate (remove "
		    "bitrate = %d from it)", o->name, o->bitrate);
		return -1;
	}
	if (o->bitrate == 0)
		o->bitrate = kbps[o->format];
	if (o->rate == 0)
		o->rate = o->format == ENCODE_OPUS ? DEFAULT_OPUS_RATE : c->rate;
	if (o->format == ENCODE_OPUS && o->rate != 8000 && o->rate != 12000 && o->rate != 16000 &&
	    o->rate != 24000 && o->rate != 48000) {
		snprintf(err, errlen, "output %s: Opus takes 8000, 12000, 16000, 24000 or 48000 Hz, "
		    "not %d (set samplerate = 48000, or leave it out for 48000)", o->name, o->rate);
		return -1;
	}
	return 0;
}

/* Validate and fill in defaults. */
int
config_check(struct config *c, char *err, size_t errlen)
{
	struct output_conf *o;

	if (c->playlist == NULL && c->sched == NULL) {
		snprintf(err, errlen, "no playlist: give --playlist FILE (or playlist = ... or "
		    "[playlist NAME] sections in the config)");
		return -1;
	}
	if (c->playlist != NULL && c->sched != NULL) {
		snprintf(err, errlen, "a playlist (%s) and [playlist]/[rotation]/[schedule] "
		    "sections: one or the other", c->playlist);
		return -1;
	}
	if (TAILQ_EMPTY(&c->outputs)) {
		snprintf(err, errlen, "no output: give --url http://source:PASS@HOST:PORT/MOUNT "
		    "(or [output NAME] sections in the config)");
		return -1;
	}
	TAILQ_FOREACH(o, &c->outputs, entry) {
		struct uplink_url u;
		const char *where = o->name != NULL ? o->name : "(from the command line)";
		if (o->url == NULL && o->file == NULL) {
			snprintf(err, errlen, "output %s has neither a url nor a file", where);
			return -1;
		}
		if (o->url != NULL && uplink_url_parse(o->url, &u, err, errlen) == 0) {
			int tls = u.tls;
			if (u.shoutcast)
				o->method = UPLINK_SHOUTCAST;
			if (o->format < 0)
				o->format = encode_format_for_name(u.mount);
			if (o->name == NULL && o->method == UPLINK_SHOUTCAST) {
				char hp[300];
				uplink_url_hostport(&u, hp, sizeof hp);
				o->name = xasprintf("shoutcast %s", hp);
			} else if (o->name == NULL)
				o->name = xstrdup(u.mount);
			uplink_url_free(&u);
			if (tls && o->method == UPLINK_SHOUTCAST) {
				snprintf(err, errlen, "output %s: Shoutcast v1 has no TLS: use "
				    "shoutcast://:PASS@HOST:PORT", o->name);
				return -1;
			}
		}
		if (o->format < 0)
			o->format = o->file != NULL ? encode_format_for_name(o->file) : ENCODE_MP3;
		if (o->name == NULL)
			o->name = xstrdup(o->file);
		if (o->vbr && o->format != ENCODE_MP3) {
			snprintf(err, errlen, "output %s: mode = vbr is for MP3 only", o->name);
			return -1;
		}
		if (config_output_defaults(c, o, err, errlen) != 0)
			return -1;
	}
	if (c->live_listen != NULL && c->live_password == NULL) {
		snprintf(err, errlen, "%s: live-listen needs a live-password (what DJs log in "
		    "with)", c->live_where);
		return -1;
	}
	if (c->live_crossfade < 0)
		c->live_crossfade = c->crossfade > 0 ? c->crossfade : 2.0;
	if (c->live_user == NULL)
		c->live_user = xstrdup("source");
	/* Two outputs on one server's mount would knock each other off it. */
	TAILQ_FOREACH(o, &c->outputs, entry) {
		struct output_conf *o2;
		struct uplink_url a, b;
		char ha[300], hb[300];

		if (o->url == NULL || uplink_url_parse(o->url, &a, err, errlen) != 0)
			continue;
		uplink_url_hostport(&a, ha, sizeof ha);
		for (o2 = TAILQ_NEXT(o, entry); o2 != NULL; o2 = TAILQ_NEXT(o2, entry)) {
			if (o2->url == NULL || uplink_url_parse(o2->url, &b, err, errlen) != 0)
				continue;
			uplink_url_hostport(&b, hb, sizeof hb);
			if (strcmp(ha, hb) == 0 && strcmp(a.mount, b.mount) == 0) {
				snprintf(err, errlen, "outputs %s and %s both stream to %s%s: one mount "
				    "takes one source", o->name, o2->name, ha, a.mount);
				uplink_url_free(&b);
				uplink_url_free(&a);
				return -1;
			}
			uplink_url_free(&b);
		}
		uplink_url_free(&a);
	}
	err[0] = '\0';
	return 0;
}
