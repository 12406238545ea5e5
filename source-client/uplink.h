/*
 * uplink.h: one output's connection to an Icecast-compatible server: HTTP
 * PUT with Expect: 100-continue (or the older SOURCE method), Basic auth,
 * the ice-* headers, then a paced stream of encoded audio; or a Shoutcast v1
 * login (password line, OK2, icy-* lines) for DNAS-style servers. Failures are
 * logged with their reason and retried with capped exponential backoff; a
 * 401 is reported as a wrong password and not retried. Non-blocking on
 * libevent bufferevents, so a dead server never stalls anything else.
 */
#ifndef FSRC_UPLINK_H
#define FSRC_UPLINK_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct evdns_base;

/** Where a stream goes: http://USER:PASS@HOST:PORT/MOUNT, or
 *  shoutcast://:PASS@HOST:PORT (icy:// too) for a Shoutcast v1 server. */
struct uplink_url {
	char	*user;		/* "source" when the URL has none */
	char	*pass;
	char	*host;		/* without brackets for IPv6 literals */
	int	 port;		/* 8000 when the URL has none (Shoutcast: 8001) */
	char	*mount;		/* starts with '/'; Shoutcast: "" when the URL has none */
	int	 tls;		/* https:// */
	int	 shoutcast;	/* shoutcast:// or icy:// */
	int	 title_port;	/* Shoutcast: titles' HTTP port (admin.cgi); 0: port - 1 */
};

/** Parse a URL; -1 with a reason in err. A Shoutcast URL's password is
 *  the part after the colon, or the whole user part when it has none. */
int uplink_url_parse(const char *s, struct uplink_url *u, char *err, size_t errlen);
void uplink_url_free(struct uplink_url *u);
/** "host:port" (IPv6 in brackets) into buf. */
void uplink_url_hostport(const struct uplink_url *u, char *buf, size_t n);
struct sbuf;
/** Append the Host line and Basic Authorization (the URL's credentials). */
void uplink_url_add_login(const struct uplink_url *u, struct sbuf *sb);

/** Results of the pure response-head parser. */
enum { UPLINK_PARSE_ERROR = -1, UPLINK_PARSE_AGAIN = 0, UPLINK_PARSE_OK = 1 };
/** Parse an HTTP (or ICY) response head at buf: the status, its reason
 *  phrase, and the head's length including the blank line (CRLF or bare LF). */
int uplink_parse_response(const char *buf, size_t len, int *status, char *reason,
    size_t reasonlen, size_t *head_len);

enum uplink_method { UPLINK_PUT, UPLINK_SOURCE, UPLINK_SHOUTCAST };

enum uplink_state {
	UPLINK_BACKOFF,		/* waiting to (re)connect */
	UPLINK_CONNECTING,	/* resolving, connecting, or waiting for the answer */
	UPLINK_STREAMING,	/* accepted: audio flows */
	UPLINK_FAILED,		/* gave up (wrong password; for Shoutcast any answer but OK2) */
	UPLINK_CLOSED,		/* finished on purpose */
};

/** The request's descriptive headers. */
struct uplink_info {
	const char	*content_type;
	const char	*name;
	const char	*description;
	const char	*genre;
	const char	*url;
	int		 public;
	const char	*audio_info;	/* "channels=2;samplerate=44100;bitrate=128" */
	size_t		 byte_rate;	/* the stream's bytes a second (at most), to tell a
					 * server that stopped reading; 0: not judged */
	int		 bitrate;	/* kbps, for Shoutcast's icy-br; 0: not sent */
};

struct uplink;
typedef void uplink_cb(struct uplink *ul, enum uplink_state state, void *arg);

/** A connection for label (used in logs); it starts connecting at once. */
struct uplink *uplink_new(struct event_base *base, struct evdns_base *dns, const char *label,
    const struct uplink_url *url, enum uplink_method method, const struct uplink_info *info,
    size_t max_queue, uplink_cb *cb, void *arg);
void uplink_free(struct uplink *ul);

enum uplink_state uplink_state(const struct uplink *ul);
/** Queue stream bytes; they are dropped (returns -1) unless streaming. */
int uplink_send(struct uplink *ul, const void *p, size_t n);
/** Bytes of this connection's stream handed to the kernel so far. */
uint64_t uplink_sent(const struct uplink *ul);
/** Bytes queued but not yet written. */
size_t uplink_queued(const struct uplink *ul);
/** Stop when everything queued is written (end of the playlist). */
void uplink_finish(struct uplink *ul);
/** A short status for logs and the control socket. */
void uplink_describe(const struct uplink *ul, char *buf, size_t n);

#endif
