/*
 * output.h: one output: an encoder, and where its bytes go (a server mount
 * through uplink.c, a file, or both), plus the title updates timed to the
 * moment each track's first bytes actually leave for the server.
 */
#ifndef FSRC_OUTPUT_H
#define FSRC_OUTPUT_H

#include <stddef.h>

struct event_base;
struct evdns_base;
struct config;
struct output_conf;
struct output;

/** Called when an output's connection comes up or goes down. */
typedef void output_cb(struct output *o, void *arg);

/** Create an output (and start connecting). NULL with a reason in err. */
struct output *output_new(struct event_base *base, struct evdns_base *dns,
    const struct config *c, const struct output_conf *oc, output_cb *cb, void *arg,
    char *err, size_t errlen);
void output_free(struct output *o);

/** Encode frames and send them; title (if not NULL) is the track that
 *  begins with the first of them. */
void output_feed(struct output *o, const float *pcm, size_t frames, const char *title);
/** Send title updates whose moment has come (called after each send). */
void output_poll(struct output *o);
/** End of stream: flush the encoder and close once everything is sent. */
void output_finish(struct output *o);

const char *output_name(const struct output *o);
/** Can this output take audio now (streaming, or writing a file)? */
int output_live(const struct output *o);
/** Is this output's connection still being made (or retried)? */
int output_connecting(const struct output *o);
/** Has this output given up for good (wrong password)? */
int output_failed(const struct output *o);
/** Is everything sent (after output_finish)? */
int output_done(const struct output *o);
/** One line of status: name, format, destination, state. */
void output_describe(const struct output *o, char *buf, size_t n);

#endif
