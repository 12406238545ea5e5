/*
 * tlsclient.h: TLS to the server, for https:// outputs: the server's
 * certificate checked against the system's CAs (or the one --ca-file
 * names), its host name verified, SNI sent.
 */
#ifndef FSRC_TLSCLIENT_H
#define FSRC_TLSCLIENT_H

#include <stddef.h>

struct bufferevent;
struct event_base;

/** Trust only this PEM file's CAs (a station's own CA); NULL: the system's. */
void tlsclient_set_ca(const char *file);
/** A bufferevent that will speak TLS to host once connected (with
 *  bufferevent_socket_connect_hostname); NULL with a reason in err. */
struct bufferevent *tlsclient_bev(struct event_base *base, const char *host, char *err,
    size_t errlen);
/** Why a TLS connection failed (a certificate not verified, a handshake
 *  error), or NULL if it was not TLS's doing. */
const char *tlsclient_error(struct bufferevent *bev, char *buf, size_t n);

#endif
