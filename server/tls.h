/*
 * tls.h: TLS for listen-sockets with <ssl>1</ssl>, via OpenSSL. The
 * certificate (and key) come from <paths><ssl-certificate>, a PEM file
 * holding both as icecast2 expects, or with the key in <ssl-private-key>;
 * SIGHUP reads them again (a renewal needs no restart).
 */
#ifndef FLOE_TLS_H
#define FLOE_TLS_H

struct config;
struct ssl_st;

/** Load the certificate if any listen-socket wants TLS; -1 (logged) on failure. */
int tls_init(const struct config *cf);
/** SIGHUP: load cf's certificate for new handshakes; on failure (logged)
 *  keep the one in use. Sessions already connected keep theirs. */
void tls_reload(const struct config *cf);
/** A new server-side TLS session, or NULL if TLS is not set up. */
struct ssl_st *tls_new_session(void);
void tls_free(void);

#endif
