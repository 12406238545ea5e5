/*
 * config.c: loads Icecast 2.4's icecast.xml into an immutable struct config.
 * libxml2 builds the tree; a few tables of {element, type, offset} drive the
 * walk, so each section is a list of fields rather than a chain of ifs. Every
 * problem is reported (file, line, what is wrong, how to fix it) and the walk
 * goes on, so one run shows them all; any error makes the load fail.
 */
#include "config.h"
#include "router_check.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

/*
 * An icecast.xml is a few kilobytes; anything this big is the wrong file,
 * and refusing it keeps a mistyped path from pulling gigabytes into memory.
 */
#define CONFIG_MAX_BYTES	(16 * 1024 * 1024)

/* Bounds for values; generous, but they catch typos and overflow. */
#define MAX_COUNT	1000000L		/* clients, listeners */
#define MAX_BYTES	(1024L * 1024 * 1024)	/* queue and burst sizes */
#define MAX_REWIND_BYTES (8 * MAX_BYTES)	/* <rewind-size> */
#define MAX_SECONDS	86400L			/* timeouts: one day */
#define MAX_METAINT	1048576L		/* ICY metadata interval */
/* A listener's bytes waiting longer than 5 s would starve players' buffers. */
#define MAX_WRITE_INTERVAL 5000L		/* milliseconds */

/* What one load is doing: where reports go, and what has been seen so far. */
struct parse {
	const char	*file;
	config_report_fn report;
	void		*arg;
	int		 nerrors;
	struct config	*c;
	long		 legacy_port;		/* top-level <port>, -1 if absent */
	int		 legacy_port_line;
	char		*legacy_bind;		/* top-level <bind-address> */
	int		 legacy_bind_line;
};

/* How an element's text is stored into its target struct. */
enum field_type {
	F_STR,		/* char *, empty text is warned and ignored */
	F_MOUNTPATH,	/* char * that must start with '/' */
	F_LONG,		/* long in [min, max] */
	F_INT,		/* int in [min, max] */
	F_BOOL,		/* int 0/1 from 1/0/true/false/yes/no */
	F_ENUM,		/* int: index of the text in the "a|b|c" list in why */
	F_SECTION,	/* children parsed with sub, same target */
	F_FUNC,		/* handled by fn */
	F_IGNORED	/* known, not acted on: one warning saying why */
};

typedef void (*field_fn)(struct parse *, xmlNode *, void *);

/* One known child element of a section. */
struct field {
	const char		*name;
	enum field_type		 type;
	size_t			 off;
	long			 min, max;
	const struct field	*sub;
	field_fn		 fn;
	const char		*why;
};

#define FSTR(n, st, m)		{ n, F_STR, offsetof(st, m), 0, 0, NULL, NULL, NULL }
#define FPATH(n, st, m)		{ n, F_MOUNTPATH, offsetof(st, m), 0, 0, NULL, NULL, NULL }
#define FLONG(n, st, m, lo, hi)	{ n, F_LONG, offsetof(st, m), lo, hi, NULL, NULL, NULL }
#define FINT(n, st, m, lo, hi)	{ n, F_INT, offsetof(st, m), lo, hi, NULL, NULL, NULL }
#define FBOOL(n, st, m)		{ n, F_BOOL, offsetof(st, m), 0, 1, NULL, NULL, NULL }
#define FENUM(n, st, m, names)	{ n, F_ENUM, offsetof(st, m), 0, 0, NULL, NULL, names }
#define FSECT(n, t)		{ n, F_SECTION, 0, 0, 0, t, NULL, NULL }
#define FFUNC(n, f)		{ n, F_FUNC, 0, 0, 0, NULL, f, NULL }
#define FIGN(n, w)		{ n, F_IGNORED, 0, 0, 0, NULL, NULL, w }
#define FEND			{ NULL, F_IGNORED, 0, 0, 0, NULL, NULL, NULL }

/*
 * Icecast settings Floe knows about but does not implement yet. They get a
 * "not supported yet" warning; any other unknown name gets "check the
 * spelling", which is what a typo most likely is.
 */
static const char *const icecast_unsupported[] = {
	"master-redirect", "max-redirect-slaves",
	"on-connect",
	"on-disconnect", "fallback-when-full", "no-yp", "subtype",
	"cluster-password", "no-mount",
};

static void parse_listen(struct parse *, xmlNode *, void *);
static void parse_mount(struct parse *, xmlNode *, void *);
static void parse_global_headers(struct parse *, xmlNode *, void *);
static void parse_mount_headers(struct parse *, xmlNode *, void *);
static void parse_legacy_port(struct parse *, xmlNode *, void *);
static void parse_legacy_bind(struct parse *, xmlNode *, void *);
static void parse_security(struct parse *, xmlNode *, void *);
static void parse_changeowner(struct parse *, xmlNode *, void *);
static void parse_security_scalar(struct parse *, xmlNode *, void *);
static void parse_mount_auth(struct parse *, xmlNode *, void *);
static void parse_global_auth_role(struct parse *, xmlNode *, void *);
static void parse_path_list(struct parse *, xmlNode *, void *);
static void parse_xff(struct parse *, xmlNode *, void *);
static void parse_server_id(struct parse *, xmlNode *, void *);
static void parse_listen_tls(struct parse *, xmlNode *, void *);
static void parse_directory(struct parse *, xmlNode *, void *);
static void parse_yp_directory(struct parse *, xmlNode *, void *);
static void parse_alias(struct parse *, xmlNode *, void *);
static void parse_limit_rate(struct parse *, xmlNode *, void *);
static void parse_burst_on_connect(struct parse *, xmlNode *, void *);
static void parse_relay(struct parse *, xmlNode *, void *);
static void parse_section(struct parse *, xmlNode *, const struct field *, void *);
static void parse_master_ssl_port(struct parse *, xmlNode *, void *);
static void parse_edges(struct parse *, xmlNode *, void *);

static const struct field limits_fields[] = {
	FLONG("clients", struct config, clients, 1, MAX_COUNT),
	FLONG("sources", struct config, sources, 1, MAX_COUNT),
	FLONG("queue-size", struct config, queue_size, 0, MAX_BYTES),
	FLONG("client-timeout", struct config, client_timeout, 1, MAX_SECONDS),
	FLONG("header-timeout", struct config, header_timeout, 1, MAX_SECONDS),
	FLONG("source-timeout", struct config, source_timeout, 1, MAX_SECONDS),
	FLONG("burst-size", struct config, burst_size, 0, MAX_BYTES),
	FLONG("write-interval", struct config, write_interval, 0, MAX_WRITE_INTERVAL),
	FENUM("lag-policy", struct config, lag_policy, LAG_POLICY_NAMES),
	FLONG("workers", struct config, workers, 0, FLOE_MAX_WORKERS),
	FFUNC("burst-on-connect", parse_burst_on_connect),
	FIGN("threadpool", "Floe has no thread pool; its <workers> (event "
	    "loops serving listeners, default one per CPU) replaces it"),
	FEND
};

static const struct field auth_fields[] = {
	FSTR("source-password", struct config, source_password),
	FSTR("admin-user", struct config, admin_user),
	FSTR("admin-password", struct config, admin_password),
	FSTR("relay-user", struct config, relay_user),
	FSTR("relay-password", struct config, relay_password),
	FSTR("metrics-user", struct config, metrics_user),
	FSTR("metrics-password", struct config, metrics_password),
	FFUNC("role", parse_global_auth_role),
	FEND
};

static const struct field listen_fields[] = {
	FINT("port", struct config_listen, port, 1, 65535),
	FSTR("bind-address", struct config_listen, bind_address),
	FFUNC("ssl", parse_listen_tls),
	FFUNC("tls", parse_listen_tls),
	FBOOL("shoutcast-compat", struct config_listen, shoutcast_compat),
	FPATH("shoutcast-mount", struct config_listen, shoutcast_mount),
	FBOOL("so-reuseport", struct config_listen, reuseport),
	FEND
};

static const struct field mount_fields[] = {
	FPATH("mount-name", struct config_mount, name),
	FSTR("username", struct config_mount, username),
	FSTR("password", struct config_mount, password),
	FLONG("max-listeners", struct config_mount, max_listeners, -1, MAX_COUNT),
	FLONG("burst-size", struct config_mount, burst_size, 0, MAX_BYTES),
	FLONG("queue-size", struct config_mount, queue_size, 0, MAX_BYTES),
	FLONG("rewind", struct config_mount, rewind, 0, 7 * MAX_SECONDS),
	FLONG("rewind-size", struct config_mount, rewind_size, 0, MAX_REWIND_BYTES),
	FBOOL("hls", struct config_mount, hls),
	FLONG("hls-segment-seconds", struct config_mount, hls_segment, 1, 60),
	FLONG("hls-window", struct config_mount, hls_window, 2, 1000),
	FLONG("write-interval", struct config_mount, write_interval, 0, MAX_WRITE_INTERVAL),
	FENUM("lag-policy", struct config_mount, lag_policy, LAG_POLICY_NAMES),
	FLONG("mp3-metadata-interval", struct config_mount, metaint, 1, MAX_METAINT),
	FPATH("fallback-mount", struct config_mount, fallback_mount),
	FBOOL("fallback-override", struct config_mount, fallback_override),
	FBOOL("hidden", struct config_mount, hidden),
	FBOOL("public", struct config_mount, public),
	FSTR("stream-name", struct config_mount, stream_name),
	FSTR("stream-description", struct config_mount, stream_description),
	FSTR("stream-url", struct config_mount, stream_url),
	FSTR("genre", struct config_mount, genre),
	FSTR("bitrate", struct config_mount, bitrate),
	FSTR("charset", struct config_mount, charset),
	FSTR("dump-file", struct config_mount, dump_file),
	FFUNC("http-headers", parse_mount_headers),
	FFUNC("authentication", parse_mount_auth),
	FLONG("max-listener-duration", struct config_mount, max_listener_duration, 0, MAX_SECONDS),
	FLONG("max-listeners-per-ip", struct config_mount, max_listeners_per_ip, 0, MAX_COUNT),
	FSTR("listenurl", struct config_mount, listenurl),
	FSTR("intro", struct config_mount, intro),
	FFUNC("limit-rate", parse_limit_rate),
	FEND
};

static const struct field paths_fields[] = {
	FSTR("basedir", struct config, basedir),
	FSTR("logdir", struct config, logdir),
	FSTR("webroot", struct config, webroot),
	FSTR("adminroot", struct config, adminroot),
	FSTR("pidfile", struct config, pidfile),
	FSTR("rewind-dir", struct config, rewind_dir),
	FSTR("takeover-socket", struct config, takeover_socket),
	FSTR("ssl-certificate", struct config, ssl_certificate),
	FSTR("ssl-private-key", struct config, ssl_private_key),
	FSTR("ssl-allowed-ciphers", struct config, ssl_allowed_ciphers),
	FFUNC("alias", parse_alias),
	FFUNC("allow-ip", parse_path_list),
	FFUNC("deny-ip", parse_path_list),
	FFUNC("allow-agents", parse_path_list),
	FFUNC("deny-agents", parse_path_list),
	FFUNC("x-forwarded-for", parse_xff),
	FEND
};

static const struct field logging_fields[] = {
	FSTR("accesslog", struct config, accesslog),
	FSTR("errorlog", struct config, errorlog),
	FSTR("playlistlog", struct config, playlistlog),
	FINT("loglevel", struct config, loglevel, 1, 4),
	FLONG("logsize", struct config, logsize, 0, MAX_BYTES / 1024),
	FBOOL("logarchive", struct config, logarchive),
	FEND
};

/* <security>'s elements go through functions that also keep their lines,
 * so that privs.c can name the element it refuses or warns about. */
static const struct field changeowner_fields[] = {
	FFUNC("user", parse_security_scalar),
	FFUNC("group", parse_security_scalar),
	FEND
};

static const struct field security_fields[] = {
	FFUNC("chroot", parse_security_scalar),
	FFUNC("changeowner", parse_changeowner),
	FEND
};

static const struct field root_fields[] = {
	FSECT("limits", limits_fields),
	FSECT("authentication", auth_fields),
	FSTR("hostname", struct config, hostname),
	FSTR("location", struct config, location),
	FSTR("admin", struct config, admin),
	FFUNC("listen-socket", parse_listen),
	FFUNC("port", parse_legacy_port),
	FFUNC("bind-address", parse_legacy_bind),
	FFUNC("mount", parse_mount),
	FFUNC("http-headers", parse_global_headers),
	FSECT("paths", paths_fields),
	FSECT("logging", logging_fields),
	FFUNC("security", parse_security),
	FBOOL("fileserve", struct config, fileserve),
	FFUNC("server-id", parse_server_id),
	FFUNC("directory", parse_directory),
	FFUNC("yp-directory", parse_yp_directory),
	FPATH("shoutcast-mount", struct config, shoutcast_mount),
	FFUNC("relay", parse_relay),
	FSTR("master-server", struct config, master_server),
	FINT("master-server-port", struct config, master_server_port, 1, 65535),
	FFUNC("master-ssl-port", parse_master_ssl_port),
	FLONG("master-update-interval", struct config, master_update_interval, 1, MAX_SECONDS),
	FSTR("master-username", struct config, master_username),
	FSTR("master-password", struct config, master_password),
	FBOOL("relays-on-demand", struct config, relays_on_demand),
	FFUNC("edges", parse_edges),
	FEND
};

/* One host of a relay: kh's <master>/<host>, 2.5's <upstream>. */
static const struct field upstream_fields[] = {
	FSTR("server", struct config_upstream, server),
	FSTR("ip", struct config_upstream, server),
	FINT("port", struct config_upstream, port, 1, 65535),
	FPATH("mount", struct config_upstream, mount),
	FSTR("username", struct config_upstream, username),
	FSTR("password", struct config_upstream, password),
	FSTR("bind", struct config_upstream, bind),
	FBOOL("tls", struct config_upstream, tls),
	FBOOL("ssl", struct config_upstream, tls),
	FLONG("timeout", struct config_upstream, timeout, 1, 300),
	FEND
};

/* A relay's own settings (its host's are read apart: parse_relay). */
static const struct field relay_fields[] = {
	FPATH("local-mount", struct config_relay, local_mount),
	FBOOL("relay-shoutcast-metadata", struct config_relay, icy_metadata),
	FBOOL("relay-icy-metadata", struct config_relay, icy_metadata),
	FBOOL("on-demand", struct config_relay, on_demand),
	FBOOL("enable", struct config_relay, enable),
	FLONG("retry-delay", struct config_relay, retry_delay, 1, MAX_SECONDS),
	FLONG("hold", struct config_relay, hold, 0, MAX_SECONDS),
	FLONG("idle-timeout", struct config_relay, idle, 0, MAX_SECONDS),
	FBOOL("tls-verify", struct config_relay, tls_verify),
	FSTR("ca-file", struct config_relay, ca_file),
	FEND
};

/* Send one formatted report to the caller and count errors. */
static void __attribute__((format(printf, 4, 5)))
report(struct parse *p, int line, enum config_severity sev, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (sev == CONFIG_ERROR)
		p->nerrors++;
	if (p->report == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	p->report(p->arg, p->file, line, sev, msg);
}

/* The line an element starts on. */
static int
node_line(xmlNode *n)
{
	long l = xmlGetLineNo(n);

	return l > 0 && l <= INT_MAX ? (int)l : 0;
}

/* Write an element's path below the root, like "<limits><clients>", into buf. */
static const char *
node_path(xmlNode *n, char *buf, size_t size)
{
	char tmp[256];

	buf[0] = '\0';
	for (; n != NULL && n->type == XML_ELEMENT_NODE &&
	    n->parent != NULL && n->parent->type == XML_ELEMENT_NODE;
	    n = n->parent) {
		snprintf(tmp, sizeof tmp, "<%s>%s", (const char *)n->name, buf);
		snprintf(buf, size, "%s", tmp);
	}
	if (buf[0] == '\0' && n != NULL)
		snprintf(buf, size, "<%s>", (const char *)n->name);
	return buf;
}

/* An element's text with surrounding whitespace kept; caller frees with xmlFree. */
static char *
node_text(xmlNode *n)
{
	xmlChar *s = xmlNodeGetContent(n);

	return s != NULL ? (char *)s : (char *)xmlStrdup(BAD_CAST "");
}

/* A short, printable copy of a config value for use inside a message. */
static char *
quote_value(const char *s)
{
	return str_sanitize(s, 64);
}

/* Warn about an element Floe does not act on; its children are not looked at. */
static void
warn_ignored(struct parse *p, xmlNode *n, const char *why)
{
	char path[512];
	size_t i;

	node_path(n, path, sizeof path);
	if (why != NULL) {
		report(p, node_line(n), CONFIG_WARNING, "%s is ignored: %s",
		    path, why);
		return;
	}
	for (i = 0; i < FLOE_NELEM(icecast_unsupported); i++) {
		if (strcmp((const char *)n->name, icecast_unsupported[i]) == 0) {
			report(p, node_line(n), CONFIG_WARNING, "%s is not "
			    "supported by Floe yet and is ignored; remove it to "
			    "silence this warning", path);
			return;
		}
	}
	report(p, node_line(n), CONFIG_WARNING, "%s is not a known setting and "
	    "is ignored; check its spelling and where it is placed", path);
}

/* Store one scalar element's text into target according to f. */
/* Position of text in a "a|b|c" list of names, or -1. */
static int
enum_index(const char *names, const char *text)
{
	size_t len = strlen(text);
	int i = 0;

	for (const char *p = names; *p != '\0'; i++) {
		size_t n = strcspn(p, "|");
		if (n == len && strncmp(p, text, n) == 0)
			return i;
		p += n;
		if (*p == '|')
			p++;
	}
	return -1;
}

/*
 * A number as icecast.xml files in the field write them. Byte sizes take
 * icecast-kh's k and m suffixes (64k is 65536); a setting that allows -1
 * takes "unlimited" for it; and since icecast2 reads numbers with atoi(),
 * digits followed by anything else load as the digits, with a warning that
 * says so. 0 and *v set, or -1 after an error report.
 */
static int
parse_number(struct parse *p, xmlNode *n, const struct field *f, const char *path,
    const char *word, long *v)
{
	char *q, digits[32];
	size_t nd = 0;
	long mult = 0;

	if (parse_long(word, LONG_MIN, LONG_MAX, v) == 0)
		return 0;
	if (f->min < 0 && strcasecmp(word, "unlimited") == 0) {
		*v = -1;
		return 0;
	}
	if (word[0] == '-' || word[0] == '+')
		digits[nd++] = *word++;
	while (*word >= '0' && *word <= '9' && nd < sizeof digits - 1)
		digits[nd++] = *word++;
	digits[nd] = '\0';
	if ((f->max == MAX_BYTES || f->max == MAX_REWIND_BYTES) && *word != '\0' &&
	    word[1] == '\0')
		mult = *word == 'k' || *word == 'K' ? 1024 :
		    *word == 'm' || *word == 'M' ? 1024 * 1024 : 0;
	if (parse_long(digits, LONG_MIN, LONG_MAX, v) != 0 ||
	    (mult != 0 && (*v > LONG_MAX / mult || *v < LONG_MIN / mult))) {
		q = quote_value(word - nd);
		report(p, node_line(n), CONFIG_ERROR, "%s: '%s' is not a number "
		    "(expected %ld..%ld)", path, q, f->min, f->max);
		free(q);
		return -1;
	}
	if (mult != 0) {
		*v *= mult;
		return 0;
	}
	q = quote_value(word - nd);
	report(p, node_line(n), CONFIG_WARNING, "%s: '%s' is read as %ld, as "
	    "icecast2 reads it; write %ld to silence this warning", path, q, *v, *v);
	free(q);
	return 0;
}

static void
parse_scalar(struct parse *p, xmlNode *n, const struct field *f, void *target)
{
	char path[512], *text, *q, *word;
	char *base = (char *)target + f->off;
	long v;
	int b;

	node_path(n, path, sizeof path);
	text = node_text(n);
	q = quote_value(text);
	/* Numbers and booleans may be padded (<port> 8000 </port>), as Icecast's
	 * atoi() allows; the parsers are strict, so those cases trim first.
	 * Strings are kept exactly as written (a password may end in a space). */
	switch (f->type) {
	case F_STR:
	case F_MOUNTPATH:
		if (text[0] == '\0') {
			report(p, node_line(n), CONFIG_WARNING, "%s is empty and "
			    "is ignored; give it a value or remove it", path);
			break;
		}
		/* A bad mount point is still stored, so that its <mount> is
		 * not also reported as having no <mount-name>. */
		if (f->type == F_MOUNTPATH && text[0] != '/')
			report(p, node_line(n), CONFIG_ERROR, "%s: '%s' is not a "
			    "mount point; it must start with '/', as in /live.mp3",
			    path, q);
		free(*(char **)base);
		*(char **)base = xstrdup(text);
		break;
	case F_LONG:
	case F_INT:
		word = str_trim(text);
		if (parse_number(p, n, f, path, word, &v) != 0)
			break;
		if (v < f->min || v > f->max) {
			report(p, node_line(n), CONFIG_ERROR, "%s: %ld is out of "
			    "range (expected %ld..%ld)", path, v, f->min, f->max);
			break;
		}
		if (f->type == F_LONG)
			*(long *)base = v;
		else
			*(int *)base = (int)v;
		break;
	case F_ENUM:
		if ((b = enum_index(f->why, text)) < 0) {
			report(p, node_line(n), CONFIG_ERROR, "%s: '%s' is not one of %s",
			    path, q, f->why);
			break;
		}
		*(int *)base = b;
		break;
	case F_BOOL:
		word = str_trim(text);
		/* icecast2 reads a boolean with atoi(): any non-zero number is true */
		if (parse_bool(word, &b) != 0 && parse_long(word, LONG_MIN, LONG_MAX, &v) == 0)
			b = v != 0;
		else if (parse_bool(word, &b) != 0) {
			report(p, node_line(n), CONFIG_ERROR, "%s: '%s' is not a "
			    "boolean (expected 1 or 0)", path, q);
			break;
		}
		*(int *)base = b;
		break;
	default:
		break;
	}
	free(q);
	xmlFree(text);
}

/* An attribute's value (caller frees with xmlFree), or NULL. */
static char *
attr(xmlNode *n, const char *name)
{
	return (char *)xmlGetProp(n, BAD_CAST name);
}

/*
 * A listen-socket's <ssl> (2.4, icecast-kh) or <tls> (2.5). A true boolean
 * is icecast-kh's behaviour: TLS or plain HTTP, told apart by each
 * connection's first byte (TLS_AUTO), which also serves 2.4 configs whose
 * clients all speak TLS there. 2.5's modes: disabled, auto, auto_no_plain
 * and rfc2818 (TLS only); rfc2817 (upgrade in HTTP) is refused.
 */
static void
parse_listen_tls(struct parse *p, xmlNode *n, void *target)
{
	static const char *const names[] = { "disabled", "auto", "auto_no_plain", "rfc2818" };
	static const int modes[] = { TLS_OFF, TLS_AUTO, TLS_ONLY, TLS_ONLY };
	struct config_listen *l = target;
	char *text = node_text(n), *word = str_trim(text), *q;
	long v;
	int b;
	size_t i;

	for (i = 0; i < FLOE_NELEM(names); i++)
		if (strcasecmp(word, names[i]) == 0) {
			l->tls = modes[i];
			goto out;
		}
	if (parse_bool(word, &b) == 0)
		l->tls = b ? TLS_AUTO : TLS_OFF;
	else if (parse_long(word, LONG_MIN, LONG_MAX, &v) == 0)
		l->tls = v != 0 ? TLS_AUTO : TLS_OFF;
	else {
		q = quote_value(word);
		report(p, node_line(n), CONFIG_ERROR, "<listen-socket><%s>: '%s' is not 1, 0 or "
		    "one of disabled, auto, auto_no_plain, rfc2818 (rfc2817 upgrades are not "
		    "supported)", (const char *)n->name, q);
		free(q);
	}
out:
	xmlFree(text);
}

/* <directory>: a YP directory, its <yp-url> and <yp-url-timeout> (seconds,
 * default 30 as icecast2); several blocks, several directories. */
static void
parse_directory(struct parse *p, xmlNode *n, void *target)
{
	struct config *c = target;
	struct config_yp yp = { NULL, 30, node_line(n) };
	char path[512], *text, *word;
	long v;
	xmlNode *ch;

	for (ch = n->children; ch != NULL; ch = ch->next) {
		if (ch->type != XML_ELEMENT_NODE)
			continue;
		text = node_text(ch);
		word = str_trim(text);
		node_path(ch, path, sizeof path);
		if (strcmp((const char *)ch->name, "yp-url") == 0 && word[0] != '\0') {
			free(yp.url);
			yp.url = xstrdup(word);
		} else if (strcmp((const char *)ch->name, "yp-url-timeout") == 0 &&
		    parse_long(word, 1, 300, &v) == 0)
			yp.timeout = v;
		else if (strcmp((const char *)ch->name, "yp-url-timeout") == 0)
			report(p, node_line(ch), CONFIG_ERROR, "%s: expected 1..300 seconds", path);
		else
			warn_ignored(p, ch, NULL);
		xmlFree(text);
	}
	if (yp.url == NULL) {
		report(p, yp.line, CONFIG_WARNING, "<directory> without <yp-url> is ignored");
		return;
	}
	c->yp = xreallocarray(c->yp, c->nyp + 1, sizeof *c->yp);
	c->yp[c->nyp++] = yp;
}

/* Icecast 2.5's <yp-directory url="..."><option name="timeout" value="15"/>. */
static void
parse_yp_directory(struct parse *p, xmlNode *n, void *target)
{
	struct config *c = target;
	struct config_yp yp = { NULL, 30, node_line(n) };
	char *url = attr(n, "url"), *name, *value;
	long v;
	xmlNode *ch;

	for (ch = n->children; ch != NULL; ch = ch->next) {
		if (ch->type != XML_ELEMENT_NODE)
			continue;
		name = attr(ch, "name");
		value = attr(ch, "value");
		if (strcmp((const char *)ch->name, "option") == 0 && name != NULL &&
		    strcmp(name, "timeout") == 0 && value != NULL &&
		    parse_long(value, 1, 300, &v) == 0)
			yp.timeout = v;
		else
			warn_ignored(p, ch, NULL);
		xmlFree(name);
		xmlFree(value);
	}
	if (url == NULL || url[0] == '\0')
		report(p, yp.line, CONFIG_WARNING, "<yp-directory> without url= is ignored");
	else {
		yp.url = xstrdup(url);
		c->yp = xreallocarray(c->yp, c->nyp + 1, sizeof *c->yp);
		c->yp[c->nyp++] = yp;
	}
	xmlFree(url);
}

/* The field of table called name, or NULL. */
static const struct field *
field_find(const struct field *table, const char *name)
{
	for (; table->name != NULL; table++)
		if (strcmp(table->name, name) == 0)
			return table;
	return NULL;
}

static void
upstream_clear(struct config_upstream *u)
{
	free(u->server);
	free(u->mount);
	free(u->username);
	free(u->password);
	free(u->bind);
}

/* u with def's values where u has none. */
static void
upstream_inherit(struct config_upstream *u, const struct config_upstream *def)
{
	if (u->server == NULL && def->server != NULL)
		u->server = xstrdup(def->server);
	if (u->mount == NULL && def->mount != NULL)
		u->mount = xstrdup(def->mount);
	if (u->username == NULL && def->username != NULL)
		u->username = xstrdup(def->username);
	if (u->password == NULL && def->password != NULL)
		u->password = xstrdup(def->password);
	if (u->bind == NULL && def->bind != NULL)
		u->bind = xstrdup(def->bind);
	if (u->port < 0)
		u->port = def->port;
	if (u->tls < 0)
		u->tls = def->tls;
	if (u->timeout < 0)
		u->timeout = def->timeout;
}

static void
upstream_init(struct config_upstream *u, int line)
{
	memset(u, 0, sizeof *u);
	u->port = -1;
	u->tls = -1;
	u->timeout = -1;
	u->line = line;
}

/* Hosts are tried in file order; the relay's own <server>/<port>/<mount>
 * (and 2.5's <upstream-default>) are what each host leaves unsaid, and
 * the only host if there is no other, as in icecast-kh. */
static int
is_host_element(const char *name)
{
	return strcmp(name, "master") == 0 || strcmp(name, "host") == 0 ||
	    strcmp(name, "upstream") == 0;
}

void
config_relay_clear(struct config_relay *r)
{
	size_t i;

	for (i = 0; i < r->nups; i++)
		upstream_clear(&r->ups[i]);
	free(r->ups);
	free(r->local_mount);
	free(r->ca_file);
	memset(r, 0, sizeof *r);
}

/*
 * <relay>, in any of its dialects: Icecast 2.4's <server>/<port>/<mount>/
 * <local-mount>/<username>/<password>/<relay-shoutcast-metadata>/
 * <on-demand>; icecast-kh's <master>/<host> hosts, <bind>, <timeout>,
 * <retry-delay>, <enable>; Icecast 2.5's <upstream> and
 * <upstream-default>; floe's <tls>, <tls-verify>, <ca-file>, <hold> and
 * <idle-timeout>.
 */
static void
parse_relay(struct parse *p, xmlNode *n, void *target)
{
	struct config *c = target;
	struct config_relay r;
	struct config_upstream def, u;
	const struct field *f;
	const char *name;
	xmlNode *ch;
	size_t i;
	int nerrors = p->nerrors;

	memset(&r, 0, sizeof r);
	r.icy_metadata = 1;
	r.on_demand = -1;
	r.enable = 1;
	r.retry_delay = 15;
	r.hold = 10;
	r.idle = 10;
	r.tls_verify = 1;
	r.line = node_line(n);
	upstream_init(&def, r.line);
	for (ch = n->children; ch != NULL; ch = ch->next) {
		if (ch->type != XML_ELEMENT_NODE)
			continue;
		name = (const char *)ch->name;
		if ((f = field_find(upstream_fields, name)) != NULL)
			parse_scalar(p, ch, f, &def);
		else if (strcmp(name, "upstream-default") == 0)
			parse_section(p, ch, upstream_fields, &def);
		else if ((f = field_find(relay_fields, name)) != NULL)
			parse_scalar(p, ch, f, &r);
		else if (!is_host_element(name))
			warn_ignored(p, ch, NULL);
	}
	if (def.port < 0)
		def.port = 8000;
	if (def.tls < 0)
		def.tls = 0;
	if (def.timeout < 0)
		def.timeout = 4;
	if (def.server == NULL)
		def.server = xstrdup("127.0.0.1");
	if (def.mount == NULL)
		def.mount = xstrdup("/");
	for (ch = n->children; ch != NULL; ch = ch->next) {
		if (ch->type != XML_ELEMENT_NODE || !is_host_element((const char *)ch->name))
			continue;
		upstream_init(&u, node_line(ch));
		parse_section(p, ch, upstream_fields, &u);
		upstream_inherit(&u, &def);
		r.ups = xreallocarray(r.ups, r.nups + 1, sizeof *r.ups);
		r.ups[r.nups++] = u;
	}
	if (r.nups == 0) {
		r.ups = xmalloc(sizeof *r.ups);
		r.ups[r.nups++] = def;
	} else
		upstream_clear(&def);
	if (r.local_mount == NULL)
		r.local_mount = xstrdup(r.ups[0].mount);
	if (!router_mount_name_ok(r.local_mount) || router_path_reserved(r.local_mount))
		report(p, r.line, CONFIG_ERROR, "<relay>: <local-mount> %s is not a mount floe "
		    "can serve (a mount name starts with '/', has no \"..\" and is not one of "
		    "floe's own paths such as /admin/)", r.local_mount);
	for (i = 0; i < c->nrelays; i++)
		if (strcmp(c->relays[i].local_mount, r.local_mount) == 0)
			report(p, r.line, CONFIG_ERROR, "<relay> for %s: another <relay> "
			    "(line %d) already feeds that <local-mount>; give each its own",
			    r.local_mount, c->relays[i].line);
	if (p->nerrors > nerrors || !r.enable) {
		if (!r.enable && p->nerrors == nerrors)
			report(p, r.line, CONFIG_WARNING, "<relay> for %s has <enable>0 and "
			    "is not started", r.local_mount);
		config_relay_clear(&r);
		return;
	}
	c->relays = xreallocarray(c->relays, c->nrelays + 1, sizeof *c->relays);
	c->relays[c->nrelays++] = r;
}

/* icecast-kh's <master-ssl-port>: slave mode speaks https to that port. */
static void
parse_master_ssl_port(struct parse *p, xmlNode *n, void *target)
{
	struct config *c = target;
	char *text = node_text(n);
	long v;

	if (parse_long(str_trim(text), 1, 65535, &v) == 0) {
		c->master_server_port = (int)v;
		c->master_tls = 1;
	} else
		report(p, node_line(n), CONFIG_ERROR, "<master-ssl-port>: expected a port, "
		    "1..65535");
	xmlFree(text);
}

/*
 * Floe's <edges poll-interval="5"><edge>http://edge1:8000</edge>...</edges>:
 * when a mount or the server is full, new listeners are sent (302) to the
 * least loaded of these that carries the mount.
 */
static void
parse_edges(struct parse *p, xmlNode *n, void *target)
{
	struct config *c = target;
	char *text, *word, *poll = attr(n, "poll-interval");
	long v;
	xmlNode *ch;

	if (poll != NULL) {
		if (parse_long(poll, 1, 3600, &v) == 0)
			c->edges_poll = v;
		else
			report(p, node_line(n), CONFIG_ERROR, "<edges poll-interval=\"%s\">: "
			    "expected 1..3600 seconds", poll);
		xmlFree(poll);
	}
	for (ch = n->children; ch != NULL; ch = ch->next) {
		if (ch->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)ch->name, "edge") != 0) {
			warn_ignored(p, ch, NULL);
			continue;
		}
		text = node_text(ch);
		word = str_trim(text);
		while (word[0] != '\0' && word[strlen(word) - 1] == '/')
			word[strlen(word) - 1] = '\0';
		if ((strncmp(word, "http://", 7) != 0 && strncmp(word, "https://", 8) != 0) ||
		    strpbrk(word, " \t\r\n\"<>") != NULL)
			report(p, node_line(ch), CONFIG_ERROR, "<edges><edge>: expected a base "
			    "URL such as http://edge1.example.com:8000");
		else {
			c->edges = xreallocarray(c->edges, c->nedges + 1, sizeof *c->edges);
			c->edges[c->nedges++] = xstrdup(word);
		}
		xmlFree(text);
	}
}

/* <server-id>: what the Server header and the documents call this server.
 * It goes into every response head, so it must be one printable line. */
static void
parse_server_id(struct parse *p, xmlNode *n, void *target)
{
	struct config *c = target;
	char *text = node_text(n);
	const unsigned char *s;

	for (s = (const unsigned char *)text; *s != '\0'; s++)
		if (*s < 0x20 || *s == 0x7f)
			break;
	if (*s != '\0' || text[0] == '\0')
		report(p, node_line(n), CONFIG_ERROR, "<server-id> must be one line "
		    "of printable text, as it is sent in every Server header");
	else {
		free(c->server_id);
	free(c->ssl_allowed_ciphers);
	free(c->shoutcast_mount);
		c->server_id = xstrdup(text);
	}
	xmlFree(text);
}

/*
 * <paths><alias source="/" destination="/status.xsl"/>: a request for
 * exactly source is served as destination (2.4 writes dest=, 2.5
 * destination=); port= and bind-address= limit it to requests arriving
 * on that port or address.
 */
static void
parse_alias(struct parse *p, xmlNode *n, void *target)
{
	struct config *c = target;
	struct config_alias a = { NULL, NULL, -1, NULL, node_line(n) };
	char *src = attr(n, "source"), *dst = attr(n, "destination"), *port, *bind;
	long v;

	if (dst == NULL)
		dst = attr(n, "dest");
	port = attr(n, "port");
	bind = attr(n, "bind-address");
	if (src == NULL || dst == NULL || src[0] != '/' || dst[0] != '/')
		report(p, a.line, CONFIG_ERROR, "<paths><alias> needs source= and "
		    "destination= (or dest=), both starting with '/'");
	else if (port != NULL && parse_long(port, 1, 65535, &v) != 0)
		report(p, a.line, CONFIG_ERROR, "<paths><alias> port=: not a port number");
	else {
		a.source = xstrdup(src);
		a.dest = xstrdup(dst);
		a.port = port != NULL ? (int)v : -1;
		a.bind_address = bind != NULL ? xstrdup(bind) : NULL;
		c->aliases = xreallocarray(c->aliases, c->naliases + 1, sizeof *c->aliases);
		c->aliases[c->naliases++] = a;
	}
	xmlFree(src);
	xmlFree(dst);
	xmlFree(port);
	xmlFree(bind);
}

/* <mount><limit-rate> (icecast-kh): the most a source may send, in bits per
 * second, with k or m for 1000 or 1000000 as kh reads it; 0 is no limit. */
static void
parse_limit_rate(struct parse *p, xmlNode *n, void *target)
{
	struct config_mount *m = target;
	char path[512], *text = node_text(n), *word = str_trim(text), *end, *q;
	double v;

	node_path(n, path, sizeof path);
	errno = 0;
	v = strtod(word, &end);
	if (end != word && (*end == 'k' || *end == 'K'))
		v *= 1000, end++;
	else if (end != word && (*end == 'm' || *end == 'M'))
		v *= 1000000, end++;
	if (end == word || *end != '\0' || errno != 0 || v < 0 || v > 1e10) {
		q = quote_value(word);
		report(p, node_line(n), CONFIG_ERROR, "%s: '%s' is not a rate in bits "
		    "per second (such as 131072 or 128k)", path, q);
		free(q);
	} else
		m->limit_rate = (long)(v / 8);
	xmlFree(text);
}

/* <limits><burst-on-connect>0: as icecast2, no burst (burst-size 0); a
 * <burst-size> after it in the file sets one again. */
static void
parse_burst_on_connect(struct parse *p, xmlNode *n, void *target)
{
	struct config *c = target;
	const struct field f = { "burst-on-connect", F_BOOL, 0, 0, 1, NULL, NULL, NULL };
	int on = 1;

	parse_scalar(p, n, &f, &on);
	if (!on)
		c->burst_size = 0;
}

/* Walk the element children of n, dispatching each through the table. */
static void
parse_section(struct parse *p, xmlNode *n, const struct field *table, void *target)
{
	const struct field *f;
	xmlNode *ch;

	for (ch = n->children; ch != NULL; ch = ch->next) {
		if (ch->type != XML_ELEMENT_NODE)
			continue;
		for (f = table; f->name != NULL; f++)
			if (strcmp((const char *)ch->name, f->name) == 0)
				break;
		if (f->name == NULL) {
			warn_ignored(p, ch, NULL);
			continue;
		}
		switch (f->type) {
		case F_SECTION:
			parse_section(p, ch, f->sub, target);
			break;
		case F_FUNC:
			f->fn(p, ch, target);
			break;
		case F_IGNORED:
			warn_ignored(p, ch, f->why);
			break;
		default:
			parse_scalar(p, ch, f, target);
			break;
		}
	}
}

/* Is s an HTTP header name (an RFC 9110 token)? */
static int
is_header_name(const char *s)
{
	const char *extra = "!#$%&'*+-.^_`|~";

	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr(extra, *s) != NULL)
			continue;
		return 0;
	}
	return 1;
}

/* Can s go into a header value without breaking the response? */
static int
is_header_value(const char *s)
{
	for (; *s != '\0'; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return 0;
	return 1;
}

/* Append one header to a list. */
static void
headers_add(struct config_header **h, size_t *nh, const char *name, const char *value)
{
	*h = xrealloc(*h, (*nh + 1) * sizeof **h);
	(*h)[*nh].name = xstrdup(name);
	(*h)[*nh].value = xstrdup(value);
	(*nh)++;
}

/* Parse <http-headers><header name= value= [type=]/></http-headers> into a list. */
static void
parse_headers(struct parse *p, xmlNode *n, struct config_header **h, size_t *nh)
{
	char path[512];
	xmlNode *ch;
	xmlChar *name, *value;
	char *q;

	for (ch = n->children; ch != NULL; ch = ch->next) {
		if (ch->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)ch->name, "header") != 0) {
			warn_ignored(p, ch, NULL);
			continue;
		}
		node_path(ch, path, sizeof path);
		name = xmlGetProp(ch, BAD_CAST "name");
		value = xmlGetProp(ch, BAD_CAST "value");
		if (name == NULL || value == NULL) {
			report(p, node_line(ch), CONFIG_ERROR, "%s needs both a "
			    "name and a value attribute, as in <header "
			    "name=\"X-Foo\" value=\"bar\"/>", path);
		} else if (!is_header_name((const char *)name)) {
			q = quote_value((const char *)name);
			report(p, node_line(ch), CONFIG_ERROR, "%s: '%s' is not a "
			    "valid header name; use letters, digits and '-'",
			    path, q);
			free(q);
		} else if (!is_header_value((const char *)value)) {
			report(p, node_line(ch), CONFIG_ERROR, "%s: the value of "
			    "'%s' contains control characters or line breaks; "
			    "remove them", path, (const char *)name);
		} else
			headers_add(h, nh, (const char *)name, (const char *)value);
		xmlFree(name);
		xmlFree(value);
	}
}

/* <http-headers> at top level: sent on every response. */
static void
parse_global_headers(struct parse *p, xmlNode *n, void *target)
{
	struct config *c = target;

	parse_headers(p, n, &c->headers, &c->nheaders);
}

/* <http-headers> inside a <mount>: sent on that mount's responses. */
static void
parse_mount_headers(struct parse *p, xmlNode *n, void *target)
{
	struct config_mount *m = target;

	parse_headers(p, n, &m->headers, &m->nheaders);
}

/*
 * Listener authentication. What floe cannot enforce it refuses: an unknown
 * type, an option it does not implement or a role limited in a way it does
 * not understand is an error, never a warning and an open door.
 */
struct auth_type {
	const char *type;
	const char *const *options;	/* NULL-terminated */
	const char *required;		/* an option that must be given, or NULL */
};

static const char *const htpasswd_options[] = { "filename", "allow_duplicate_users", NULL };
static const char *const static_options[] = { "username", "password", NULL };
static const char *const anonymous_options[] = { NULL };
/* icecast2 2.4 and icecast-kh names, and 2.5's client_add/client_remove. */
static const char *const url_options[] = {
	"listener_add", "listener_remove", "client_add", "client_remove",
	"mount_add", "mount_remove", "stream_auth", "username", "password",
	"auth_header", "timelimit_header", "headers", "header_prefix", "timeout",
	"presume_innocent", NULL
};

static const struct auth_type auth_types[] = {
	{ "htpasswd", htpasswd_options, "filename" },
	{ "url", url_options, NULL },
	{ "static", static_options, "password" },
	{ "anonymous", anonymous_options, NULL },
};

/* Role attributes of Icecast 2.5 that are not backend options. */
static const char *const role_attributes[] = {
	"type", "name", "allow-method", "deny-method", "management-url",
	"allow-web", "deny-web", "allow-admin", "deny-admin", NULL
};

const char *
config_auth_option(const struct config_auth *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->noptions; i++)
		if (strcmp(a->options[i].name, name) == 0)
			return a->options[i].value;
	return NULL;
}

static void
config_auth_clear(struct config_auth *a)
{
	size_t i;

	free(a->type);
	for (i = 0; i < a->noptions; i++) {
		free(a->options[i].name);
		free(a->options[i].value);
	}
	free(a->options);
}

static int
name_in(const char *const *list, const char *name)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, name) == 0)
			return 1;
	return 0;
}

static void
auth_option_add(struct config_auth *a, const char *name, const char *value, int line)
{
	a->options = xrealloc(a->options, (a->noptions + 1) * sizeof *a->options);
	a->options[a->noptions].name = xstrdup(name);
	a->options[a->noptions].value = xstrdup(value);
	a->options[a->noptions].line = line;
	a->noptions++;
}

/* Does a comma list of methods ("get,head" or "*") name method? */
static int
method_listed(const char *list, const char *method)
{
	const char *p = list;
	size_t n = strlen(method);

	while (*p != '\0') {
		while (*p == ' ' || *p == ',')
			p++;
		if (*p == '*')
			return 1;
		if (strncasecmp(p, method, n) == 0 && (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
			return 1;
		while (*p != '\0' && *p != ',')
			p++;
	}
	return 0;
}

/* 2.5's allow-method/deny-method: may the role serve this method? */
static int
role_allows(const char *allow, const char *deny, const char *method)
{
	if (deny != NULL && method_listed(deny, method))
		return allow != NULL && method_listed(allow, method) && strcmp(allow, "*") != 0;
	return allow == NULL || method_listed(allow, method);
}

/* Check one parsed auth against its type's options; 0 if floe can enforce it. */
static int
auth_check(struct parse *p, struct config_auth *a, const char *where)
{
	const struct auth_type *t = NULL;
	size_t i;
	int ok = 1;
	char *q;

	for (i = 0; i < FLOE_NELEM(auth_types); i++)
		if (a->type != NULL && strcmp(a->type, auth_types[i].type) == 0)
			t = &auth_types[i];
	if (t == NULL) {
		q = quote_value(a->type != NULL ? a->type : "");
		report(p, a->line, CONFIG_ERROR, "%s type=\"%s\": floe does not "
		    "know this authentication type, and will not start with the "
		    "mount open to everyone; use htpasswd, url, static or anonymous",
		    where, q);
		free(q);
		return -1;
	}
	for (i = 0; i < a->noptions; i++) {
		if (name_in(t->options, a->options[i].name))
			continue;
		q = quote_value(a->options[i].name);
		report(p, a->options[i].line, CONFIG_ERROR, "%s type=\"%s\": "
		    "option \"%s\" is not implemented by floe, which will not "
		    "start rather than ignore it; remove it or see docs/compat.md",
		    where, a->type, q);
		free(q);
		ok = 0;
	}
	if (t->required != NULL && config_auth_option(a, t->required) == NULL) {
		report(p, a->line, CONFIG_ERROR, "%s type=\"%s\" needs the option "
		    "\"%s\"", where, a->type, t->required);
		ok = 0;
	}
	if (strcmp(a->type, "url") == 0 && config_auth_option(a, "listener_add") == NULL &&
	    config_auth_option(a, "client_add") == NULL && a->get) {
		/* icecast2 admits everyone then: say so, since it looks protected. */
		report(p, a->line, CONFIG_WARNING, "%s type=\"url\" has no listener_add: "
		    "listeners are admitted without a check, as icecast2 does", where);
	}
	return ok ? 0 : -1;
}

/* Collect <option name= value=/> children into a. */
static void
auth_options(struct parse *p, xmlNode *n, struct config_auth *a)
{
	xmlNode *ch;
	xmlChar *name, *value;
	char path[512];

	for (ch = n->children; ch != NULL; ch = ch->next) {
		if (ch->type != XML_ELEMENT_NODE)
			continue;
		node_path(ch, path, sizeof path);
		if (strcmp((const char *)ch->name, "option") != 0) {
			report(p, node_line(ch), CONFIG_ERROR, "%s: only <option "
			    "name=\"...\" value=\"...\"/> may go here; floe will not "
			    "start rather than ignore part of an <authentication>", path);
			continue;
		}
		name = xmlGetProp(ch, BAD_CAST "name");
		value = xmlGetProp(ch, BAD_CAST "value");
		if (name == NULL || value == NULL)
			report(p, node_line(ch), CONFIG_ERROR, "%s needs both a name "
			    "and a value attribute", path);
		else
			auth_option_add(a, (const char *)name, (const char *)value,
			    node_line(ch));
		xmlFree(name);
		xmlFree(value);
	}
}

/* An Icecast 2.5 <role type=... attr=...>: attributes are options too. */
static int
parse_role(struct parse *p, xmlNode *n, struct config_auth *a)
{
	xmlAttr *at;
	xmlChar *v, *d;
	const char *allow, *deny, *name;
	char path[512];
	int ok = 1;

	node_path(n, path, sizeof path);
	for (at = n->properties; at != NULL; at = at->next) {
		name = (const char *)at->name;
		v = xmlGetProp(n, at->name);
		if (strcmp(name, "type") == 0)
			a->type = xstrdup((const char *)v);
		else if (!name_in(role_attributes, name))
			auth_option_add(a, name, (const char *)v, node_line(n));
		else if (strcmp(name, "deny-web") == 0 && v[0] != '\0') {
			report(p, node_line(n), CONFIG_ERROR, "%s deny-web: floe cannot "
			    "limit a role to some pages; remove it", path);
			ok = 0;
		}
		xmlFree(v);
	}
	auth_options(p, n, a);
	/* allow-method/deny-method decide which requests the role serves;
	 * without them a role admits listeners only. */
	v = xmlGetProp(n, BAD_CAST "allow-method");
	d = xmlGetProp(n, BAD_CAST "deny-method");
	allow = (const char *)v;
	deny = (const char *)d;
	a->get = role_allows(allow, deny, "get");
	a->source = (allow != NULL || deny != NULL) &&
	    (role_allows(allow, deny, "source") || role_allows(allow, deny, "put"));
	xmlFree(v);
	xmlFree(d);
	return ok;
}

/* <mount><authentication type="T"> (2.4, kh) or <authentication><role>s (2.5). */
static void
parse_mount_auth(struct parse *p, xmlNode *n, void *target)
{
	struct config_mount *m = target;
	struct config_auth a;
	xmlChar *type = xmlGetProp(n, BAD_CAST "type");
	xmlNode *ch;
	char path[512];

	node_path(n, path, sizeof path);
	if (m->nauth > 0) {
		report(p, node_line(n), CONFIG_ERROR, "%s: a second <authentication> "
		    "in one <mount> (the first is at line %d); merge them", path, m->auth_line);
		xmlFree(type);
		return;
	}
	m->auth_line = node_line(n);
	if (type != NULL) {
		memset(&a, 0, sizeof a);
		a.type = xstrdup((const char *)type);
		a.line = node_line(n);
		a.get = 1;
		auth_options(p, n, &a);
		a.source = strcmp(a.type, "url") == 0 && config_auth_option(&a, "stream_auth") != NULL;
		if (auth_check(p, &a, path) == 0) {
			m->auth = xrealloc(m->auth, (m->nauth + 1) * sizeof *m->auth);
			m->auth[m->nauth++] = a;
		} else
			config_auth_clear(&a);
		xmlFree(type);
		return;
	}
	for (ch = n->children; ch != NULL; ch = ch->next) {
		if (ch->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)ch->name, "role") != 0) {
			node_path(ch, path, sizeof path);
			report(p, node_line(ch), CONFIG_ERROR, "%s: an <authentication> "
			    "without type= holds Icecast 2.5 <role> elements only; floe "
			    "will not start rather than ignore it", path);
			continue;
		}
		memset(&a, 0, sizeof a);
		a.line = node_line(ch);
		node_path(ch, path, sizeof path);
		if (parse_role(p, ch, &a) && auth_check(p, &a, path) == 0) {
			if (strcmp(a.type, "url") == 0 && config_auth_option(&a, "stream_auth") != NULL)
				a.source = 1;
			m->auth = xrealloc(m->auth, (m->nauth + 1) * sizeof *m->auth);
			m->auth[m->nauth++] = a;
		} else
			config_auth_clear(&a);
	}
	if (m->nauth == 0 && p->nerrors == 0) {
		node_path(n, path, sizeof path);
		report(p, node_line(n), CONFIG_ERROR, "%s has neither type= nor a "
		    "<role>: say how listeners authenticate (type=\"htpasswd\", "
		    "\"url\", ...)", path);
	}
}

/* Icecast 2.5's global <authentication><role>: floe authenticates sources
 * and admins with <source-password> and <admin-password> only. */
static void
parse_global_auth_role(struct parse *p, xmlNode *n, void *target)
{
	char path[512];

	(void)target;
	report(p, node_line(n), CONFIG_ERROR, "%s: Icecast 2.5 roles for sources and "
	    "the admin are not implemented, and floe will not start with them "
	    "ignored; use <source-password>, <admin-user> and <admin-password>",
	    node_path(n, path, sizeof path));
}

/* <paths><deny-ip>, <allow-ip>, <deny-agents>, <allow-agents>: a file each. */
static void
parse_path_list(struct parse *p, xmlNode *n, void *target)
{
	struct config *c = target;
	const char *name = (const char *)n->name;
	char **dst;
	int *line;
	char *text;

	if (strcmp(name, "deny-ip") == 0)
		dst = &c->deny_ip, line = &c->deny_ip_line;
	else if (strcmp(name, "allow-ip") == 0)
		dst = &c->allow_ip, line = &c->allow_ip_line;
	else if (strcmp(name, "deny-agents") == 0)
		dst = &c->deny_agents, line = &c->deny_agents_line;
	else
		dst = &c->allow_agents, line = &c->allow_agents_line;
	if (*dst != NULL) {
		report(p, node_line(n), CONFIG_ERROR, "<paths><%s> is given twice "
		    "(first at line %d); floe reads one file for each list", name, *line);
		return;
	}
	text = node_text(n);
	str_trim(text);
	if (text[0] == '\0')
		report(p, node_line(n), CONFIG_ERROR, "<paths><%s> is empty: name "
		    "the file that holds the list", name);
	else {
		*dst = xstrdup(text);
		*line = node_line(n);
	}
	xmlFree(text);
}

/* <paths><x-forwarded-for>: one trusted proxy (address or CIDR) each. */
static void
parse_xff(struct parse *p, xmlNode *n, void *target)
{
	struct config *c = target;
	char *text = node_text(n), *word = str_trim(text), *q;
	struct cidr cidr;

	if (cidr_parse(word, &cidr) < 0) {
		q = quote_value(word);
		report(p, node_line(n), CONFIG_ERROR, "<paths><x-forwarded-for> "
		    "\"%s\" is not an IP address or CIDR (such as 10.0.0.1 or "
		    "10.0.0.0/8)", q);
		free(q);
	} else {
		c->xff = xrealloc(c->xff, (c->nxff + 1) * sizeof *c->xff);
		c->xff[c->nxff++] = xstrdup(word);
	}
	xmlFree(text);
}

/* Free one mount's contents (not the struct itself). */
static void
config_mount_clear(struct config_mount *m)
{
	size_t i;

	free(m->name);
	free(m->username);
	free(m->password);
	free(m->fallback_mount);
	free(m->stream_name);
	free(m->stream_description);
	free(m->stream_url);
	free(m->genre);
	free(m->bitrate);
	free(m->charset);
	free(m->dump_file);
	free(m->listenurl);
	free(m->intro);
	for (i = 0; i < m->nheaders; i++) {
		free(m->headers[i].name);
		free(m->headers[i].value);
	}
	free(m->headers);
	for (i = 0; i < m->nauth; i++)
		config_auth_clear(&m->auth[i]);
	free(m->auth);
}

/* Find a mount by name among those parsed so far. */
static const struct config_mount *
config_mount_lookup(const struct config *c, const char *name, int is_default)
{
	size_t i;

	for (i = 0; i < c->nmounts; i++) {
		if (is_default && c->mounts[i].is_default)
			return &c->mounts[i];
		if (!is_default && !c->mounts[i].is_default &&
		    strcmp(c->mounts[i].name, name) == 0)
			return &c->mounts[i];
	}
	return NULL;
}

/* One <mount type="normal|default">: parse, check, and append it. */
static void
parse_mount(struct parse *p, xmlNode *n, void *target)
{
	struct config *c = target;
	const struct config_mount *prev;
	struct config_mount m;
	xmlChar *type;
	int line = node_line(n), bad = 0;
	char *q;

	memset(&m, 0, sizeof m);
	m.max_listeners = m.burst_size = m.queue_size = m.metaint = m.write_interval = -1;
	m.fallback_override = m.hidden = m.public = m.lag_policy = -1;
	m.max_listener_duration = m.max_listeners_per_ip = -1;
	m.rewind = m.rewind_size = -1;
	m.hls = -1;
	m.hls_segment = m.hls_window = -1;
	m.line = line;

	type = xmlGetProp(n, BAD_CAST "type");
	if (type == NULL || str_ieq((const char *)type, "normal"))
		m.is_default = 0;
	else if (str_ieq((const char *)type, "default"))
		m.is_default = 1;
	else {
		q = quote_value((const char *)type);
		report(p, line, CONFIG_ERROR, "<mount type=\"%s\">: unknown "
		    "mount type; use type=\"normal\" or type=\"default\"", q);
		free(q);
		bad = 1;
	}
	xmlFree(type);

	parse_section(p, n, mount_fields, &m);

	if (bad) {
		/* already reported */
	} else if (m.is_default && m.name != NULL && m.nauth > 0) {
		report(p, m.auth_line, CONFIG_ERROR, "<mount type=\"default\"> with a "
		    "<mount-name> (a pattern) is not supported yet, and this block "
		    "protects listeners with <authentication>: floe will not start "
		    "and leave the mounts it names open; give each mount its own "
		    "<mount> block");
		bad = 1;
	} else if (m.is_default && m.name != NULL) {
		report(p, line, CONFIG_WARNING, "<mount type=\"default\"> with a "
		    "<mount-name> (a pattern) is not supported yet, so this "
		    "block is ignored; remove <mount-name> to apply it to every "
		    "mount");
		bad = 1;
	} else if (m.is_default && (prev = config_mount_lookup(c, NULL, 1)) != NULL) {
		report(p, line, CONFIG_ERROR, "second <mount type=\"default\"> "
		    "(the first is at line %d); merge the two blocks", prev->line);
		bad = 1;
	} else if (!m.is_default && m.name == NULL) {
		report(p, line, CONFIG_ERROR, "<mount> has no <mount-name>; add "
		    "one such as <mount-name>/live.mp3</mount-name>");
		bad = 1;
	} else if (!m.is_default && (prev = config_mount_lookup(c, m.name, 0)) != NULL) {
		q = quote_value(m.name);
		report(p, line, CONFIG_ERROR, "mount %s is already defined at "
		    "line %d; merge the two <mount> blocks", q, prev->line);
		free(q);
		bad = 1;
	}
	if (bad) {
		config_mount_clear(&m);
		return;
	}
	c->mounts = xrealloc(c->mounts, (c->nmounts + 1) * sizeof *c->mounts);
	c->mounts[c->nmounts++] = m;
}

/* Append a listen socket to the config. */
static void
config_listen_add(struct config *c, const struct config_listen *l)
{
	c->listens = xrealloc(c->listens, (c->nlistens + 1) * sizeof *c->listens);
	c->listens[c->nlistens++] = *l;
}

/* One <listen-socket>. */
static void
parse_listen(struct parse *p, xmlNode *n, void *target)
{
	struct config_listen l;
	int nerrors = p->nerrors;

	memset(&l, 0, sizeof l);
	l.port = -1;
	l.line = node_line(n);
	parse_section(p, n, listen_fields, &l);
	if (p->nerrors > nerrors) {
		/* Already reported; adding it would only cause more noise. */
		free(l.bind_address);
		free(l.shoutcast_mount);
		return;
	}
	if (l.port == -1) {
		report(p, l.line, CONFIG_WARNING, "<listen-socket> has no <port>, "
		    "so it listens on 8000 as Icecast does; add <port>8000</port> "
		    "to say so");
		l.port = 8000;
	}
	/* As icecast2: a <shoutcast-mount> on an HTTP socket opens port+1 for
	 * Shoutcast v1 sources of that mount; a <shoutcast-compat>1 socket is
	 * one itself (its mount: <shoutcast-mount>, else the global one,
	 * else /stream, filled in at the end of the load). */
	if (l.shoutcast_mount != NULL && !l.shoutcast_compat) {
		struct config_listen sc = l;

		if (l.port == 65535) {
			report(p, l.line, CONFIG_ERROR, "<listen-socket> port 65535 has a "
			    "<shoutcast-mount>, whose socket would be port+1: use a lower port");
			free(l.bind_address);
			free(l.shoutcast_mount);
			return;
		}
		sc.port = l.port + 1;
		sc.shoutcast_compat = 1;
		sc.tls = TLS_OFF;		/* no Shoutcast encoder speaks TLS */
		sc.bind_address = l.bind_address != NULL ? xstrdup(l.bind_address) : NULL;
		l.shoutcast_mount = NULL;
		config_listen_add(target, &l);
		config_listen_add(target, &sc);
		return;
	}
	config_listen_add(target, &l);
}

/* Legacy top-level <port> (Icecast before 2.3): one more listen socket. */
static void
parse_legacy_port(struct parse *p, xmlNode *n, void *target)
{
	static const struct field f = FLONG("port", struct parse, legacy_port,
	    1, 65535);

	parse_scalar(p, n, &f, p);
	p->legacy_port_line = node_line(n);
}

/* Legacy top-level <bind-address>, paired with the top-level <port>. */
static void
parse_legacy_bind(struct parse *p, xmlNode *n, void *target)
{
	static const struct field f = FSTR("bind-address", struct parse,
	    legacy_bind);

	parse_scalar(p, n, &f, p);
	p->legacy_bind_line = node_line(n);
}

/* <security>: its children, and its line. */
static void
parse_security(struct parse *p, xmlNode *n, void *target)
{
	struct config *c = target;

	c->security_line = node_line(n);
	parse_section(p, n, security_fields, c);
}

/* <security><changeowner>: <user> and <group>, and its line. */
static void
parse_changeowner(struct parse *p, xmlNode *n, void *target)
{
	struct config *c = target;

	c->changeowner_line = node_line(n);
	parse_section(p, n, changeowner_fields, c);
}

/* <chroot>, <user> or <group>: the value and the line it is on. */
static void
parse_security_scalar(struct parse *p, xmlNode *n, void *target)
{
	static const struct field chroot_f = FBOOL("chroot", struct config, chroot);
	static const struct field user_f = FSTR("user", struct config, user);
	static const struct field group_f = FSTR("group", struct config, group);
	struct config *c = target;
	const char *name = (const char *)n->name;

	if (strcmp(name, "chroot") == 0) {
		parse_scalar(p, n, &chroot_f, c);
		c->chroot_line = node_line(n);
	} else if (strcmp(name, "user") == 0) {
		parse_scalar(p, n, &user_f, c);
		c->user_line = node_line(n);
	} else {
		parse_scalar(p, n, &group_f, c);
		c->group_line = node_line(n);
	}
}


/* Add the legacy listener, the 8000 fallback, and refuse duplicate sockets. */
static void
finish_listens(struct parse *p)
{
	struct config *c = p->c;
	struct config_listen l;
	size_t i, j;

	if (p->legacy_port != -1) {
		for (i = 0; i < c->nlistens; i++)
			if (c->listens[i].port == p->legacy_port &&
			    str_same(c->listens[i].bind_address, p->legacy_bind))
				break;
		if (i < c->nlistens) {
			report(p, p->legacy_port_line, CONFIG_WARNING, "top-level "
			    "<port> repeats the <listen-socket> at line %d; "
			    "remove the top-level <port>", c->listens[i].line);
		} else {
			memset(&l, 0, sizeof l);
			l.port = (int)p->legacy_port;
			l.bind_address = xstrdup(p->legacy_bind);
			l.line = p->legacy_port_line;
			config_listen_add(c, &l);
		}
	} else if (p->legacy_bind != NULL) {
		report(p, p->legacy_bind_line, CONFIG_WARNING, "top-level "
		    "<bind-address> without a top-level <port> is ignored; put "
		    "it inside a <listen-socket>");
	}
	free(p->legacy_bind);
	p->legacy_bind = NULL;

	if (c->nlistens == 0) {
		memset(&l, 0, sizeof l);
		l.port = 8000;
		config_listen_add(c, &l);
	}
	for (i = 1; i < c->nlistens; i++) {
		for (j = 0; j < i; j++) {
			if (c->listens[i].port != c->listens[j].port ||
			    !str_same(c->listens[i].bind_address,
			    c->listens[j].bind_address))
				continue;
			report(p, c->listens[i].line, CONFIG_ERROR, "<listen-socket> "
			    "on port %d%s%s is already declared at line %d; "
			    "remove one or change its <port> or <bind-address>",
			    c->listens[i].port,
			    c->listens[i].bind_address ? " address " : "",
			    c->listens[i].bind_address ? c->listens[i].bind_address : "",
			    c->listens[j].line);
			break;
		}
	}
}

/* Fill a string the mount left unset from the default block's. */
static void
inherit_str(char **dst, const char *src)
{
	if (*dst == NULL)
		*dst = xstrdup(src);
}

/* Fill a named mount's unset fields from the type="default" block. */
static void
config_mount_inherit(struct config_mount *m, const struct config_mount *d)
{
	size_t i, j;

	inherit_str(&m->username, d->username);
	inherit_str(&m->password, d->password);
	inherit_str(&m->fallback_mount, d->fallback_mount);
	inherit_str(&m->stream_name, d->stream_name);
	inherit_str(&m->stream_description, d->stream_description);
	inherit_str(&m->stream_url, d->stream_url);
	inherit_str(&m->genre, d->genre);
	inherit_str(&m->bitrate, d->bitrate);
	inherit_str(&m->charset, d->charset);
	inherit_str(&m->dump_file, d->dump_file);
	inherit_str(&m->intro, d->intro);
	if (m->limit_rate == 0)
		m->limit_rate = d->limit_rate;
	if (m->max_listeners == -1)
		m->max_listeners = d->max_listeners;
	if (m->burst_size == -1)
		m->burst_size = d->burst_size;
	if (m->queue_size == -1)
		m->queue_size = d->queue_size;
	if (m->rewind == -1)
		m->rewind = d->rewind;
	if (m->rewind_size == -1)
		m->rewind_size = d->rewind_size;
	if (m->hls == -1)
		m->hls = d->hls;
	if (m->hls_segment == -1)
		m->hls_segment = d->hls_segment;
	if (m->hls_window == -1)
		m->hls_window = d->hls_window;
	if (m->write_interval == -1)
		m->write_interval = d->write_interval;
	if (m->lag_policy == -1)
		m->lag_policy = d->lag_policy;
	if (m->metaint == -1)
		m->metaint = d->metaint;
	if (m->fallback_override == -1)
		m->fallback_override = d->fallback_override;
	if (m->hidden == -1)
		m->hidden = d->hidden;
	if (m->public == -1)
		m->public = d->public;
	if (m->max_listener_duration == -1)
		m->max_listener_duration = d->max_listener_duration;
	if (m->max_listeners_per_ip == -1)
		m->max_listeners_per_ip = d->max_listeners_per_ip;
	/* A mount without its own <authentication> is protected by the
	 * default block's, as in icecast2. */
	if (m->nauth == 0 && d->nauth > 0) {
		m->auth = xcalloc(d->nauth, sizeof *m->auth);
		for (i = 0; i < d->nauth; i++) {
			m->auth[i] = d->auth[i];
			m->auth[i].type = xstrdup(d->auth[i].type);
			m->auth[i].options = NULL;
			m->auth[i].noptions = 0;
			for (j = 0; j < d->auth[i].noptions; j++)
				auth_option_add(&m->auth[i], d->auth[i].options[j].name,
				    d->auth[i].options[j].value, d->auth[i].options[j].line);
		}
		m->nauth = d->nauth;
		m->auth_line = d->auth_line;
	}
	/* Default headers the mount does not set itself come after its own. */
	for (i = 0; i < d->nheaders; i++) {
		for (j = 0; j < m->nheaders; j++)
			if (str_ieq(m->headers[j].name, d->headers[i].name))
				break;
		if (j == m->nheaders)
			headers_add(&m->headers, &m->nheaders, d->headers[i].name,
			    d->headers[i].value);
	}
}

/* Cross-field checks and the default-mount merge, after the whole walk. */
static void
finish(struct parse *p)
{
	struct config *c = p->c;
	const struct config_mount *d = config_default_mount(c);
	int mount_password = 0;
	size_t i;

	finish_listens(p);
	for (i = 0; i < c->nmounts; i++) {
		if (d != NULL && !c->mounts[i].is_default)
			config_mount_inherit(&c->mounts[i], d);
		if (c->mounts[i].password != NULL)
			mount_password = 1;
	}
	if (c->source_password == NULL && !mount_password)
		report(p, 0, CONFIG_ERROR, "no source can log in: set "
		    "<authentication><source-password> or give a <mount> a "
		    "<password>");
	if (c->admin_password == NULL)
		report(p, 0, CONFIG_WARNING, "no <authentication><admin-password>: "
		    "the admin pages will refuse everyone; set one to use them");
	for (i = 0; i < c->nlistens; i++)
		if (c->listens[i].shoutcast_compat && c->listens[i].shoutcast_mount == NULL)
			c->listens[i].shoutcast_mount = xstrdup(c->shoutcast_mount != NULL ?
			    c->shoutcast_mount : "/stream");
	for (i = 0; i < c->nrelays; i++)
		if (c->relays[i].on_demand < 0)
			c->relays[i].on_demand = c->relays_on_demand;
	if (c->master_server != NULL && c->master_username == NULL)
		c->master_username = xstrdup("relay");
	if (c->master_server != NULL && c->master_password == NULL)
		report(p, 0, CONFIG_WARNING, "<master-server> without <master-password>: "
		    "the master's /admin/streamlist.txt is asked for without credentials, "
		    "which an Icecast master refuses; set the master's <relay-password>");
	if (c->burst_size > c->queue_size)
		report(p, 0, CONFIG_WARNING, "<limits><burst-size> (%ld) is larger "
		    "than <queue-size> (%ld), so bursts are cut to the queue "
		    "size; lower burst-size or raise queue-size",
		    c->burst_size, c->queue_size);
}

/* A config holding only the defaults. */
static struct config *
config_new(const char *path)
{
	struct config *c = xcalloc(1, sizeof *c);

	c->path = xstrdup(path);
	c->clients = 100;
	c->sources = 2;
	c->queue_size = 524288;
	c->client_timeout = 30;
	c->header_timeout = 15;
	c->source_timeout = 10;
	c->burst_size = 65535;
	c->write_interval = DEFAULT_WRITE_INTERVAL;
	c->hostname = xstrdup("localhost");
	c->location = xstrdup("Earth");
	c->admin = xstrdup("icemaster@localhost");
	c->admin_user = xstrdup("admin");
	c->loglevel = 3;
	c->fileserve = 1;
	c->master_server_port = 8000;
	c->master_update_interval = 120;
	c->edges_poll = 5;
	return c;
}

/* libxml2's structured error callback: forward each parser message as a report. */
static void
xml_error(void *arg, const xmlError *e)
{
	struct parse *p = arg;
	char *msg;
	size_t n;

	msg = xstrdup(e->message != NULL ? e->message : "unknown error");
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	if (e->level == XML_ERR_WARNING)
		report(p, e->line, CONFIG_WARNING, "XML: %s", msg);
	else
		report(p, e->line, CONFIG_ERROR, "malformed XML: %s; fix the "
		    "file's syntax (xmllint shows where)", msg);
	free(msg);
}

#if LIBXML_VERSION >= 21200
#define XML_ERROR_CB	xml_error
#else
/* Adapter for libxml2 before 2.12, whose callback takes a non-const error. */
static void
xml_error_old(void *arg, xmlErrorPtr e)
{
	xml_error(arg, e);
}
#define XML_ERROR_CB	xml_error_old
#endif

/* Parse buf as icecast.xml, reporting as path. */
struct config *
config_load_mem(const char *buf, size_t len, const char *path,
    config_report_fn report_fn, void *arg)
{
	struct parse p;
	xmlStructuredErrorFunc old_fn;
	void *old_arg;
	xmlDoc *doc;
	xmlNode *root;

	memset(&p, 0, sizeof p);
	p.file = path != NULL ? path : "(memory)";
	p.report = report_fn;
	p.arg = arg;
	p.legacy_port = -1;
	p.c = config_new(p.file);

	if (len > CONFIG_MAX_BYTES) {
		report(&p, 0, CONFIG_ERROR, "file is %zu bytes, larger than "
		    "the %d allowed; is this the right file?", len,
		    CONFIG_MAX_BYTES);
		config_free(p.c);
		return NULL;
	}
	if (len == 0) {
		report(&p, 0, CONFIG_ERROR, "the file is empty; it needs an "
		    "<icecast> root element (see icecast-compat.xml)");
		config_free(p.c);
		return NULL;
	}
	xmlInitParser();
	old_fn = xmlStructuredError;
	old_arg = xmlStructuredErrorContext;
	xmlSetStructuredErrorFunc(&p, XML_ERROR_CB);
	doc = xmlReadMemory(buf, (int)len, p.file, NULL,
	    XML_PARSE_NONET | XML_PARSE_BIG_LINES);
	xmlSetStructuredErrorFunc(old_arg, old_fn);

	if (doc == NULL) {
		if (p.nerrors == 0)
			report(&p, 0, CONFIG_ERROR, "malformed XML: libxml2 could "
			    "not parse the file");
		config_free(p.c);
		return NULL;
	}
	root = xmlDocGetRootElement(doc);
	if (root == NULL || strcmp((const char *)root->name, "icecast") != 0) {
		report(&p, root ? node_line(root) : 0, CONFIG_ERROR, "the root "
		    "element is <%s>, not <icecast>; is this an icecast.xml?",
		    root ? (const char *)root->name : "");
	} else {
		parse_section(&p, root, root_fields, p.c);
		finish(&p);
	}
	free(p.legacy_bind);
	xmlFreeDoc(doc);
	if (p.nerrors > 0) {
		config_free(p.c);
		return NULL;
	}
	return p.c;
}

/* Read the file at path whole and parse it. */
struct config *
config_load(const char *path, config_report_fn report_fn, void *arg)
{
	struct parse p;
	struct config *c;
	struct stat st;
	char *buf;
	size_t got = 0;
	ssize_t r;
	int fd;

	memset(&p, 0, sizeof p);
	p.file = path;
	p.report = report_fn;
	p.arg = arg;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		report(&p, 0, CONFIG_ERROR, "cannot open: %s; check the path and "
		    "its permissions", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > CONFIG_MAX_BYTES) {
		report(&p, 0, CONFIG_ERROR, "not a regular file of at most %d "
		    "bytes; is this the right file?", CONFIG_MAX_BYTES);
		close(fd);
		return NULL;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (got < (size_t)st.st_size) {
		report(&p, 0, CONFIG_ERROR, "cannot read: %s", r == 0 ?
		    "file shrank while reading" : strerror(errno));
		free(buf);
		close(fd);
		return NULL;
	}
	close(fd);
	c = config_load_mem(buf, got, path, report_fn, arg);
	free(buf);
	return c;
}

/* Free a config and everything it owns. */
void
config_free(struct config *c)
{
	size_t i;

	if (c == NULL)
		return;
	free(c->path);
	free(c->source_password);
	free(c->admin_user);
	free(c->admin_password);
	free(c->relay_user);
	free(c->relay_password);
	free(c->rewind_dir);
	free(c->takeover_socket);
	free(c->metrics_user);
	free(c->metrics_password);
	for (i = 0; i < c->nrelays; i++)
		config_relay_clear(&c->relays[i]);
	free(c->relays);
	free(c->master_server);
	free(c->master_username);
	free(c->master_password);
	for (i = 0; i < c->nedges; i++)
		free(c->edges[i]);
	free(c->edges);
	free(c->hostname);
	free(c->location);
	free(c->admin);
	for (i = 0; i < c->nlistens; i++) {
		free(c->listens[i].bind_address);
		free(c->listens[i].shoutcast_mount);
	}
	free(c->listens);
	for (i = 0; i < c->nmounts; i++)
		config_mount_clear(&c->mounts[i]);
	free(c->mounts);
	for (i = 0; i < c->nheaders; i++) {
		free(c->headers[i].name);
		free(c->headers[i].value);
	}
	free(c->headers);
	free(c->basedir);
	free(c->webroot);
	free(c->adminroot);
	free(c->logdir);
	free(c->pidfile);
	free(c->ssl_certificate);
	free(c->ssl_private_key);
	free(c->deny_ip);
	free(c->allow_ip);
	free(c->deny_agents);
	free(c->allow_agents);
	for (i = 0; i < c->nxff; i++)
		free(c->xff[i]);
	free(c->xff);
	free(c->accesslog);
	free(c->errorlog);
	free(c->playlistlog);
	free(c->server_id);
	for (i = 0; i < c->nyp; i++)
		free(c->yp[i].url);
	free(c->yp);
	for (i = 0; i < c->naliases; i++) {
		free(c->aliases[i].source);
		free(c->aliases[i].dest);
		free(c->aliases[i].bind_address);
	}
	free(c->aliases);
	free(c->user);
	free(c->group);
	free(c);
}

/* The named mount's settings, else the default block's, else NULL. */
const struct config_mount *
config_find_mount(const struct config *c, const char *name)
{
	const struct config_mount *m;

	if (name != NULL && (m = config_mount_lookup(c, name, 0)) != NULL)
		return m;
	return config_default_mount(c);
}

/* The <mount type="default"> block, or NULL. */
const struct config_mount *
config_default_mount(const struct config *c)
{
	return config_mount_lookup(c, NULL, 1);
}
