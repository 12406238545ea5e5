/*
 * webhook.h: POSTs of a JSON object to a URL when something happens (the
 * hooks' events, hooks.h), for now-playing pages and chat bots that would
 * rather receive a request than run a command. Asynchronous: libcurl's
 * multi interface on floe-source's event loop, so the audio never waits for
 * a web server. Each URL has a bounded queue and one request in flight at
 * a time (so events arrive in order); when a server is too slow the newest
 * events are dropped and that is logged, failures are logged at most once a
 * minute per URL, and nothing is retried.
 */
#ifndef FSRC_WEBHOOK_H
#define FSRC_WEBHOOK_H

#include <stddef.h>

struct event_base;
struct webhooks;

/** Why 10 s: a webhook answers in milliseconds; one that takes longer is
 *  down, and its queue should move on. */
#define WEBHOOK_TIMEOUT_MS 10000
/** Why 32: a minute of events at the busiest (short jingles), a few KiB. */
#define WEBHOOK_QUEUE_MAX 32

/** Webhooks on base; https:// servers are checked against ca_file if not
 *  NULL, else the system's CAs. */
struct webhooks *webhooks_new(struct event_base *base, const char *ca_file);
/** Cancel what is in flight, drop what waits. */
void webhooks_free(struct webhooks *w);
/** POST body (application/json) to url; both are copied. Returns at once. */
void webhooks_post(struct webhooks *w, const char *url, const char *body);
/**
 * POST the event as {"event":NAME,"time":ISO 8601 UTC,...}: each
 * "FLOE_KEY=VALUE" of env (NULL-ended) becomes "key":"VALUE" (FLOE_TITLE
 * is "title"), every string JSON-escaped whatever bytes it holds.
 */
void webhooks_event(struct webhooks *w, const char *url, const char *event,
    const char *const *env);
/** url with any user:password@ left out, for logs (allocated). */
char *webhook_url_for_log(const char *url);

#endif
