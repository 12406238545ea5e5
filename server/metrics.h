/*
 * metrics.h: /metrics, Prometheus's text exposition format (0.0.4): the
 * server, each mount, each worker, the process. O(mounts + workers) per
 * scrape, never O(listeners). Main thread only.
 */
#ifndef FLOE_METRICS_H
#define FLOE_METRICS_H

struct conn;
struct http_request;

/** Answer GET /metrics: admin credentials, or <metrics-user>/<metrics-password>. */
void metrics_handle(struct conn *c, const struct http_request *r);

#endif
