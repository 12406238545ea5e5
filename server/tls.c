/*
 * tls.c: the OpenSSL context for TLS listen-sockets.
 */
#include "tls.h"
#include "config.h"
#include "log.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <stddef.h>

static SSL_CTX *tls_ctx;

/* The last OpenSSL error as text. */
static const char *
tls_error(void)
{
	static char buf[256];

	ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
	return buf;
}

/* A context from cf's certificate, key and ciphers; NULL (logged at
 * level, with the reason) if they cannot make one. */
static SSL_CTX *
tls_ctx_make(const struct config *cf, enum log_level level)
{
	const char *key;
	SSL_CTX *tls_ctx;

	if (cf->ssl_certificate == NULL) {
		log_msg(level, "a listen-socket has <ssl>1</ssl> but <paths><ssl-certificate> is not set: "
		    "point it at a PEM file with the certificate and its key");
		return NULL;
	}
	key = cf->ssl_private_key != NULL ? cf->ssl_private_key : cf->ssl_certificate;
	if ((tls_ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		log_msg(level, "TLS: %s", tls_error());
		return NULL;
	}
	/* TLS 1.2 is the oldest version any current player or encoder needs. */
	SSL_CTX_set_min_proto_version(tls_ctx, TLS1_2_VERSION);
	SSL_CTX_set_mode(tls_ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_ENABLE_PARTIAL_WRITE);
	/* <paths><ssl-allowed-ciphers>, as icecast2: OpenSSL's cipher list
	 * syntax, for TLS 1.2 (TLS 1.3's suites are all strong). */
	if (cf->ssl_allowed_ciphers != NULL &&
	    SSL_CTX_set_cipher_list(tls_ctx, cf->ssl_allowed_ciphers) != 1) {
		log_msg(level, "TLS: <paths><ssl-allowed-ciphers> \"%s\" names no cipher OpenSSL "
		    "knows: %s", cf->ssl_allowed_ciphers, tls_error());
		goto fail;
	}
	if (SSL_CTX_use_certificate_chain_file(tls_ctx, cf->ssl_certificate) != 1) {
		log_msg(level, "TLS: cannot load the certificate from %s: %s", cf->ssl_certificate, tls_error());
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(tls_ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(tls_ctx) != 1) {
		log_msg(level, "TLS: cannot load a private key matching the certificate from %s: %s",
		    key, tls_error());
		goto fail;
	}
	return tls_ctx;
fail:
	SSL_CTX_free(tls_ctx);
	return NULL;
}

/* Set up the context once, if any socket needs it. */
int
tls_init(const struct config *cf)
{
	size_t i;
	int want = 0;

	for (i = 0; i < cf->nlistens; i++)
		want |= cf->listens[i].tls;
	if (!want)
		return 0;
	if ((tls_ctx = tls_ctx_make(cf, LOG_ERROR)) == NULL)
		return -1;
	log_info("TLS ready with %s", cf->ssl_certificate);
	return 0;
}

/*
 * SIGHUP: a renewed certificate. New handshakes get the new context; each
 * connected session holds a reference to the context it began with, so
 * nobody connected notices. A certificate that does not load keeps the
 * one in use.
 */
void
tls_reload(const struct config *cf)
{
	SSL_CTX *ctx;

	if (tls_ctx == NULL)
		return;		/* no TLS socket (those change at restart) */
	if ((ctx = tls_ctx_make(cf, LOG_WARN)) == NULL) {
		log_warn("TLS: keeping the certificate loaded before (the new one above "
		    "does not load)");
		return;
	}
	SSL_CTX_free(tls_ctx);
	tls_ctx = ctx;
	log_info("TLS certificate reloaded from %s; connected sessions keep theirs",
	    cf->ssl_certificate);
}

/* One session per accepted TLS connection. */
SSL *
tls_new_session(void)
{
	return tls_ctx != NULL ? SSL_new(tls_ctx) : NULL;
}

/* Release the context at shutdown. */
void
tls_free(void)
{
	SSL_CTX_free(tls_ctx);
	tls_ctx = NULL;
}
