/*
 * api.h: floe-source's HTTP JSON API (api-listen = 127.0.0.1:8020): what
 * plays now and next, the queue (list, add, remove, clear), skip, reload,
 * the schedule and the history. libevent's evhttp serves it on the event
 * loop; every request is answered from memory in microseconds, so the
 * audio never waits for it. Bound to loopback unless an api-token is set
 * (api_check refuses anything else), and then every request must carry
 * "Authorization: Bearer TOKEN". The actions themselves (queue a file,
 * skip, reload, queue-remove, queue-clear) are the control socket's own
 * commands (control.h), run through the same handler: one implementation.
 */
#ifndef FSRC_API_H
#define FSRC_API_H

#include "control.h"

#include <stddef.h>

struct config;
struct event_base;
struct history;
struct player;
struct sbuf;

/** Why 16 KiB: a request body is a path in a small JSON object; libevent
 *  answers 413 to a larger one without reading it. */
#define API_BODY_MAX 16384

/** What the API reads and runs, from the station (main.c). */
struct api_env {
	struct player	*player;
	struct history	*history;
	control_handler	*run;		/* the control socket's commands */
	/* GET /api/schedule's JSON object (station_schedule_describe) */
	void		(*schedule)(void *arg, struct sbuf *out);
	/* is the playlist paused for want of a connected output? */
	int		(*paused)(void *arg);
	/* seconds of audio the station has sent (history.h's clock) */
	double		(*audio_clock)(void *arg);
	/* the live DJ's title while one is on the air over the playlist, else NULL */
	const char	*(*live_title)(void *arg);
	void		*arg;
};

/** Check api-listen and api-token before anything starts: the address
 *  parses, and one that is not loopback has a token. config_file (NULL:
 *  flags) and cfg->api_line name where api-listen was set. */
int api_check(const struct config *cfg, const char *config_file, char *err, size_t errlen);
/** Listen on cfg->api_listen; NULL with the reason in err. */
struct api *api_new(struct event_base *base, const struct config *cfg, const struct api_env *env,
    char *err, size_t errlen);
void api_free(struct api *a);

/** Parse "HOST:PORT", "[V6]:PORT" or "localhost:PORT" into a numeric host
 *  and a port; *loopback says if every address it names is loopback. */
int api_parse_addr(const char *s, char *host, size_t hostlen, int *port, int *loopback);
/** The string value of key in a flat JSON object (allocated, unescaped):
 *  0, or 1 if the object has no such key, -1 if body is not such an object
 *  or the value is not a string without NUL. Pure. */
int api_json_string(const char *body, size_t len, const char *key, char **out);

#endif
