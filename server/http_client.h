/*
 * http_client.h: outgoing HTTP requests that never block the main loop
 * (auth callbacks, YP, relays' upstreams and master stream lists). libcurl's multi interface does
 * the protocol (HTTP/HTTPS, keep-alive, redirects are not followed); its
 * sockets and timers are events on srv.base. Main loop only.
 */
#ifndef FLOE_HTTP_CLIENT_H
#define FLOE_HTTP_CLIENT_H

#include <stddef.h>
#include <stdint.h>

struct http_call;

/** What came back. error is NULL on an HTTP answer (any status), else why
 *  there was none (refused, timed out, ...). Valid during the callback. */
struct http_result {
	const char	*error;
	long		 status;
	const char	*headers;	/* the final response's header lines, "\r\n" separated */
	const char	*body;		/* at most 64 KiB of it (GET: 4 MiB), NUL-terminated */
	size_t		 body_len;
};

typedef void (*http_call_done)(void *arg, const struct http_result *res);

/**
 * POST body (application/x-www-form-urlencoded) to url, with Basic
 * credentials "user:pass" if userpwd is not NULL, giving up after
 * timeout_ms. done runs later on the main loop, exactly once, unless
 * http_call_cancel ran first. NULL if the call could not even start (then
 * done never runs).
 */
struct http_call *http_post(const char *url, const char *body, const char *userpwd,
    long timeout_ms, http_call_done done, void *arg);
/** GET url, as http_post does POST (a body of up to 4 MiB). */
struct http_call *http_get(const char *url, const char *userpwd, long timeout_ms,
    http_call_done done, void *arg);

/** A long-lived GET whose body is a stream (a relay's upstream). */
struct http_stream_req {
	const char	*url;
	const char	*userpwd;		/* "user:pass" or NULL */
	const char *const *headers;		/* extra "Name: value" lines, NULL-terminated */
	const char	*bind;			/* local address to connect from, or NULL */
	const char	*cafile;		/* https: trust these, not the system's */
	int		 verify;		/* https: check the certificate (else not) */
	long		 connect_timeout_ms;
	long		 stall_s;		/* a stream silent this long has ended */
};

/** What a stream hands back, on the main loop and outside libcurl's own
 *  callbacks (so they may start other calls). head and data may return -1
 *  to end the transfer (done then says "stopped by floe"); they must not
 *  cancel their own call. */
struct http_stream_ops {
	int	(*head)(void *arg, long status, const char *headers);
	int	(*data)(void *arg, const uint8_t *p, size_t len);
	/* the transfer is over: error is why, or NULL when the server ended it */
	void	(*done)(void *arg, const char *error);
};

/** Start a stream (redirects followed); NULL if it could not even start. */
struct http_call *http_stream(const struct http_stream_req *req,
    const struct http_stream_ops *ops, void *arg);
/** Forget a call whose answer is no longer wanted. */
void http_call_cancel(struct http_call *call);
/** The value of a response header (trimmed, allocated), or NULL. */
char *http_result_header(const struct http_result *res, const char *name);
/** Calls under way. */
unsigned http_client_pending(void);
/** Cancel everything and release libcurl (shutdown). */
void http_client_shutdown(void);

#endif
