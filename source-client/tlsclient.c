/*
 * tlsclient.c: TLS to the server (tlsclient.h), with OpenSSL through
 * libevent's bufferevent_openssl, as the server's TLS sockets are.
 */
#include "tlsclient.h"
#include "log.h"
#include "../server/util.h"

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <stdio.h>
#include <string.h>

static SSL_CTX *ctx;
static char *ca_file;

void
tlsclient_set_ca(const char *file)
{
	free(ca_file);
	ca_file = file != NULL ? xstrdup(file) : NULL;
}

/* The one client context: TLS 1.2 at least, certificates verified. */
static SSL_CTX *
client_ctx(char *err, size_t errlen)
{
	if (ctx != NULL)
		return ctx;
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		snprintf(err, errlen, "TLS: cannot create a context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (ca_file != NULL ? SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1 :
	    SSL_CTX_set_default_verify_paths(ctx) != 1) {
		snprintf(err, errlen, "TLS: cannot load %s", ca_file != NULL ? ca_file :
		    "the system's CA certificates");
		SSL_CTX_free(ctx);
		ctx = NULL;
		return NULL;
	}
	return ctx;
}

struct bufferevent *
tlsclient_bev(struct event_base *base, const char *host, char *err, size_t errlen)
{
	SSL_CTX *c = client_ctx(err, errlen);
	struct bufferevent *bev;
	SSL *ssl;

	if (c == NULL)
		return NULL;
	if ((ssl = SSL_new(c)) == NULL) {
		snprintf(err, errlen, "TLS: cannot create a session");
		return NULL;
	}
	SSL_set_tlsext_host_name(ssl, host);		/* SNI */
	/* The certificate must be the host's: a name, or an address literal. */
	if (SSL_set1_host(ssl, host) != 1) {
		snprintf(err, errlen, "TLS: cannot check the name %s", host);
		SSL_free(ssl);
		return NULL;
	}
	bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
	    BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		snprintf(err, errlen, "TLS: cannot create a connection");
		SSL_free(ssl);
	}
	return bev;
}

const char *
tlsclient_error(struct bufferevent *bev, char *buf, size_t n)
{
	SSL *ssl = bufferevent_openssl_get_ssl(bev);
	unsigned long e;
	long vr;

	if (ssl == NULL)
		return NULL;
	if ((vr = SSL_get_verify_result(ssl)) != X509_V_OK) {
		snprintf(buf, n, "the server's TLS certificate is not trusted: %s (--ca-file to "
		    "trust a station's own CA)", X509_verify_cert_error_string(vr));
		return buf;
	}
	if ((e = bufferevent_get_openssl_error(bev)) != 0) {
		snprintf(buf, n, "TLS: %s", ERR_reason_error_string(e) != NULL ?
		    ERR_reason_error_string(e) : "handshake failed");
		return buf;
	}
	return NULL;
}
