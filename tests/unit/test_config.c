/*
 * test_config.c: TAP tests for config.c: defaults, every supported element,
 * the default-mount merge, and that each kind of problem is reported with
 * the right severity and line. Also loads Debian's stock icecast.xml and
 * Floe's own icecast-compat.xml from disk when they are there.
 */
#include "tap.h"

#include "../../server/config.c"
#include "../../server/util.c"
#include "../../server/router_check.c"

#include <stdlib.h>
#include <unistd.h>

#define MAX_REPORTS	64

/* One report as the callback saw it. */
struct rep {
	int			 line;
	enum config_severity	 sev;
	char			 msg[1024];
};

/* Everything reported during one load. */
struct reps {
	struct rep	r[MAX_REPORTS];
	int		n;
	int		errors, warnings;
};

static struct reps R;

/* The report callback: keep every report in R. */
static void
collect(void *arg, const char *file, int line, enum config_severity sev,
    const char *msg)
{
	struct reps *rs = arg;

	if (sev == CONFIG_ERROR)
		rs->errors++;
	else
		rs->warnings++;
	if (rs->n < MAX_REPORTS) {
		rs->r[rs->n].line = line;
		rs->r[rs->n].sev = sev;
		snprintf(rs->r[rs->n].msg, sizeof rs->r[rs->n].msg, "%s", msg);
		rs->n++;
	}
	if (getenv("TEST_CONFIG_VERBOSE") != NULL)
		printf("# %s:%d: %s: %s\n", file, line,
		    sev == CONFIG_ERROR ? "error" : "warning", msg);
}

/* Load a config from a string, collecting reports in R. */
static struct config *
load(const char *xml)
{
	memset(&R, 0, sizeof R);
	return config_load_mem(xml, strlen(xml), "test.xml", collect, &R);
}

/* The first report whose text contains needle, or NULL. */
static const struct rep *
find_rep(const char *needle)
{
	int i;

	for (i = 0; i < R.n; i++)
		if (strstr(R.r[i].msg, needle) != NULL)
			return &R.r[i];
	return NULL;
}

/* Print every collected report as a TAP comment (for failure diagnosis). */
static void
dump_reps(void)
{
	int i;

	for (i = 0; i < R.n; i++)
		printf("#   line %d %s: %s\n", R.r[i].line,
		    R.r[i].sev == CONFIG_ERROR ? "error" : "warning", R.r[i].msg);
}

#define AUTH "<authentication><source-password>s</source-password>" \
	"<admin-password>a</admin-password></authentication>"

/* Absent settings take their documented defaults. */
static void
test_defaults(void)
{
	struct config *c = load("<icecast>" AUTH "</icecast>");

	ok(c != NULL, "minimal config loads");
	if (c == NULL)
		return;
	is_int(R.n, 0, "minimal config: no reports");
	is_str(c->path, "test.xml", "path kept");
	is_int(c->clients, 100, "default clients");
	is_int(c->sources, 2, "default sources");
	is_int(c->queue_size, 524288, "default queue-size");
	is_int(c->client_timeout, 30, "default client-timeout");
	is_int(c->header_timeout, 15, "default header-timeout");
	is_int(c->source_timeout, 10, "default source-timeout");
	is_int(c->burst_size, 65535, "default burst-size");
	is_str(c->hostname, "localhost", "default hostname");
	is_str(c->location, "Earth", "default location");
	is_str(c->admin, "icemaster@localhost", "default admin");
	is_str(c->admin_user, "admin", "default admin-user");
	is_int(c->loglevel, 3, "default loglevel");
	is_int(c->chroot, 0, "default chroot");
	is_int(c->nlistens, 1, "one listen socket by default");
	is_int(c->listens[0].port, 8000, "default port 8000");
	ok(c->listens[0].bind_address == NULL, "default binds all addresses");
	is_int(c->listens[0].tls, 0, "default no TLS");
	is_int(c->nmounts, 0, "no mounts");
	is_int(c->nheaders, 0, "no headers");
	ok(config_find_mount(c, "/x") == NULL, "find_mount without mounts is NULL");
	ok(config_default_mount(c) == NULL, "no default mount");
	ok(c->logdir == NULL && c->webroot == NULL && c->pidfile == NULL,
	    "paths unset");
	config_free(c);
}

/* Every <limits> child, and the scalar top-level and section fields. */
static void
test_fields(void)
{
	struct config *c = load(
	    "<icecast>\n"
	    "<limits><clients>7</clients><sources>3</sources>"
	    "<queue-size>1000</queue-size><client-timeout>5</client-timeout>"
	    "<header-timeout>6</header-timeout><source-timeout>8</source-timeout>"
	    "<burst-size>999</burst-size></limits>\n"
	    "<authentication><source-password>src</source-password>"
	    "<admin-user>boss</admin-user><admin-password>adm</admin-password>"
	    "<relay-user>ru</relay-user><relay-password>rp</relay-password>"
	    "</authentication>\n"
	    "<hostname>radio.example</hostname><location>Mars</location>"
	    "<admin>me@example</admin>\n"
	    "<paths><basedir>/b</basedir><logdir>log</logdir>"
	    "<webroot>web</webroot><adminroot>/adm</adminroot>"
	    "<pidfile>/run/p.pid</pidfile><ssl-certificate>/c.pem"
	    "</ssl-certificate><ssl-private-key>/k.pem</ssl-private-key></paths>\n"
	    "<logging><accesslog>a.log</accesslog><errorlog>-</errorlog>"
	    "<loglevel>4</loglevel></logging>\n"
	    "<security><chroot>yes</chroot><changeowner><user>u</user>"
	    "<group>g</group></changeowner></security>\n"
	    "</icecast>\n");

	ok(c != NULL, "full config loads");
	if (c == NULL) {
		dump_reps();
		return;
	}
	is_int(R.n, 0, "full config: no reports");
	is_int(c->clients, 7, "clients");
	is_int(c->sources, 3, "sources");
	is_int(c->queue_size, 1000, "queue-size");
	is_int(c->client_timeout, 5, "client-timeout");
	is_int(c->header_timeout, 6, "header-timeout");
	is_int(c->source_timeout, 8, "source-timeout");
	is_int(c->burst_size, 999, "burst-size");
	is_str(c->source_password, "src", "source-password");
	is_str(c->admin_user, "boss", "admin-user");
	is_str(c->admin_password, "adm", "admin-password");
	is_str(c->relay_user, "ru", "relay-user");
	is_str(c->relay_password, "rp", "relay-password");
	is_str(c->hostname, "radio.example", "hostname");
	is_str(c->location, "Mars", "location");
	is_str(c->admin, "me@example", "admin");
	is_str(c->basedir, "/b", "basedir");
	is_str(c->logdir, "log", "relative logdir kept as written");
	is_str(c->webroot, "web", "relative webroot kept as written");
	is_str(c->adminroot, "/adm", "adminroot");
	is_str(c->pidfile, "/run/p.pid", "pidfile");
	is_str(c->ssl_certificate, "/c.pem", "ssl-certificate");
	is_str(c->ssl_private_key, "/k.pem", "ssl-private-key");
	is_str(c->accesslog, "a.log", "accesslog");
	is_str(c->errorlog, "-", "errorlog");
	is_int(c->loglevel, 4, "loglevel");
	is_int(c->chroot, 1, "chroot from 'yes'");
	is_str(c->user, "u", "changeowner user");
	is_str(c->group, "g", "changeowner group");
	ok(c->security_line == 7 && c->chroot_line == 7 && c->changeowner_line == 7 &&
	    c->user_line == 7 && c->group_line == 7, "<security> elements keep their line");
	config_free(c);
}

/* Several listen sockets, IPv6, TLS and shoutcast flags, legacy <port>. */
static void
test_listen(void)
{
	struct config *c = load(
	    "<icecast>" AUTH "\n"
	    "<listen-socket><port>8000</port></listen-socket>\n"
	    "<listen-socket><port>8000</port><bind-address>::</bind-address>"
	    "</listen-socket>\n"
	    "<listen-socket><port>8443</port><ssl>1</ssl></listen-socket>\n"
	    "<listen-socket><port>8444</port><tls>true</tls>"
	    "<bind-address>127.0.0.1</bind-address></listen-socket>\n"
	    "<listen-socket><port>8001</port><shoutcast-compat>1"
	    "</shoutcast-compat><shoutcast-mount>/sc</shoutcast-mount>"
	    "</listen-socket>\n"
	    "<port>9000</port><bind-address>::1</bind-address>\n"
	    "</icecast>");

	ok(c != NULL, "listen config loads");
	if (c == NULL) {
		dump_reps();
		return;
	}
	is_int(R.n, 0, "listen config: no report (Shoutcast sockets are served)");
	is_int(c->nlistens, 6, "five sockets plus the legacy one");
	is_int(c->listens[0].port, 8000, "socket 1 port");
	ok(c->listens[0].bind_address == NULL, "socket 1 all addresses");
	is_int(c->listens[0].line, 2, "socket 1 line");
	is_str(c->listens[1].bind_address, "::", "socket 2 IPv6 any");
	is_int(c->listens[1].port, 8000, "same port, other address is fine");
	is_int(c->listens[2].tls, TLS_AUTO, "<ssl>1 turns TLS on (with plain HTTP, as icecast-kh)");
	is_int(c->listens[3].tls, TLS_AUTO, "<tls>true turns TLS on");
	is_str(c->listens[3].bind_address, "127.0.0.1", "socket 4 address");
	is_int(c->listens[4].shoutcast_compat, 1, "shoutcast-compat");
	is_str(c->listens[4].shoutcast_mount, "/sc", "shoutcast-mount");
	is_int(c->listens[5].port, 9000, "legacy <port>");
	is_str(c->listens[5].bind_address, "::1", "legacy <bind-address>");
	is_int(c->listens[5].line, 7, "legacy line");
	config_free(c);

	c = load("<icecast>" AUTH "<port>8000</port>"
	    "<listen-socket><port>8000</port></listen-socket></icecast>");
	ok(c != NULL, "legacy port repeating a listen-socket loads");
	if (c != NULL)
		is_int(c->nlistens, 1, "and is not added twice");
	ok(find_rep("repeats the <listen-socket>") != NULL, "with a warning");
	config_free(c);

	c = load("<icecast>" AUTH "\n<listen-socket><port>8000</port>"
	    "</listen-socket>\n<listen-socket>\n<port>8000</port>"
	    "</listen-socket></icecast>");
	ok(c == NULL, "duplicate port+address is refused");
	is_int(R.errors, 1, "one error");
	ok(find_rep("already declared at line 2") != NULL, "names the first");
	if (R.n > 0)
		is_int(R.r[0].line, 3, "reported at the second socket's line");

	c = load("<icecast>" AUTH "<listen-socket><port>0</port></listen-socket>"
	    "<listen-socket><port>65536</port></listen-socket></icecast>");
	ok(c == NULL, "ports 0 and 65536 are refused");
	is_int(R.errors, 2, "both reported");
	ok(find_rep("<listen-socket><port>: 0 is out of range (expected "
	    "1..65535)") != NULL, "port range message");
}

/* Normal and default mounts, the merge, and the lookups. */
static void
test_mounts(void)
{
	const struct config_mount *m, *d;
	struct config *c = load(
	    "<icecast>" AUTH "\n"
	    "<mount type=\"default\">\n"
	    "  <max-listeners>10</max-listeners><genre>Jazz</genre>\n"
	    "  <public>0</public><burst-size>1000</burst-size>\n"
	    "  <http-headers><header name=\"X-A\" value=\"def\"/>"
	    "<header name=\"X-B\" value=\"b\"/></http-headers>\n"
	    "</mount>\n"
	    "<mount type=\"normal\">\n"
	    "  <mount-name>/live.mp3</mount-name><username>dj</username>\n"
	    "  <password>pw</password><max-listeners>50</max-listeners>\n"
	    "  <queue-size>2000</queue-size><mp3-metadata-interval>8192"
	    "</mp3-metadata-interval>\n"
	    "  <fallback-mount>/backup.mp3</fallback-mount>"
	    "<fallback-override>1</fallback-override><hidden>true</hidden>\n"
	    "  <stream-name>Live</stream-name><stream-description>desc"
	    "</stream-description><stream-url>http://x/</stream-url>\n"
	    "  <bitrate>128</bitrate><charset>ISO-8859-1</charset>"
	    "<dump-file>/tmp/d.mp3</dump-file>\n"
	    "  <http-headers><header name=\"X-A\" value=\"own\"/></http-headers>\n"
	    "</mount>\n"
	    "<mount><mount-name>/other.ogg</mount-name></mount>\n"
	    "</icecast>");

	ok(c != NULL, "mount config loads");
	if (c == NULL) {
		dump_reps();
		return;
	}
	is_int(R.n, 0, "mount config: no reports");
	is_int(c->nmounts, 3, "three blocks, default included");
	d = config_default_mount(c);
	ok(d != NULL && d->is_default && d->name == NULL, "default block found");
	is_int(d ? d->line : 0, 2, "default block line");
	m = config_find_mount(c, "/live.mp3");
	ok(m != NULL && !m->is_default, "named mount found");
	if (m == NULL)
		return;
	is_str(m->name, "/live.mp3", "mount-name");
	is_int(m->line, 7, "mount line");
	is_str(m->username, "dj", "username");
	is_str(m->password, "pw", "password");
	is_int(m->max_listeners, 50, "own max-listeners beats the default");
	is_int(m->queue_size, 2000, "queue-size");
	is_int(m->burst_size, 1000, "burst-size inherited");
	is_int(m->metaint, 8192, "mp3-metadata-interval");
	is_str(m->fallback_mount, "/backup.mp3", "fallback-mount");
	is_int(m->fallback_override, 1, "fallback-override");
	is_int(m->hidden, 1, "hidden");
	is_int(m->public, 0, "public inherited");
	is_str(m->genre, "Jazz", "genre inherited");
	is_str(m->stream_name, "Live", "stream-name");
	is_str(m->stream_description, "desc", "stream-description");
	is_str(m->stream_url, "http://x/", "stream-url");
	is_str(m->bitrate, "128", "bitrate");
	is_str(m->charset, "ISO-8859-1", "charset");
	is_str(m->dump_file, "/tmp/d.mp3", "dump-file");
	is_int(m->nheaders, 2, "own header plus the default's other one");
	if (m->nheaders == 2) {
		is_str(m->headers[0].value, "own", "own header wins");
		is_str(m->headers[1].name, "X-B", "default header added");
	}
	m = config_find_mount(c, "/other.ogg");
	ok(m != NULL && !m->is_default, "mount without type= is normal");
	if (m != NULL) {
		is_int(m->max_listeners, 10, "unset max-listeners from default");
		is_int(m->hidden, -1, "unset everywhere stays -1");
		ok(m->password == NULL, "unset password stays NULL");
		is_int(m->nheaders, 2, "default headers copied");
	}
	ok(config_find_mount(c, "/nothere") == d, "unknown mount gets the default");
	ok(config_find_mount(c, NULL) == d, "NULL name gets the default");
	config_free(c);

	c = load("<icecast>" AUTH "\n<mount><mount-name>/a</mount-name></mount>\n"
	    "<mount>\n<mount-name>/a</mount-name></mount>\n"
	    "<mount type=\"normal\"><mount-name>b</mount-name></mount>\n"
	    "<mount><password>x</password></mount>\n"
	    "<mount type=\"default\"/>\n<mount type=\"default\"/>\n"
	    "<mount type=\"weird\"><mount-name>/w</mount-name></mount>\n"
	    "</icecast>");
	ok(c == NULL, "bad mounts are refused");
	is_int(R.errors, 5, "every mount problem reported");
	ok(find_rep("/a is already defined at line 2") != NULL,
	    "duplicate mount-name is an error naming the first");
	ok(find_rep("'b' is not a mount point") != NULL &&
	    find_rep("'b' is not a mount point")->line == 5,
	    "mount-name without '/' is an error at its line");
	ok(find_rep("has no <mount-name>") != NULL &&
	    find_rep("has no <mount-name>")->line == 6,
	    "normal mount without mount-name is an error");
	ok(find_rep("second <mount type=\"default\"> (the first is at line 7)")
	    != NULL, "second default block is an error");
	ok(find_rep("unknown mount type") != NULL, "unknown type= is an error");

	c = load("<icecast>" AUTH "<mount type=\"default\"><mount-name>/x*"
	    "</mount-name><genre>g</genre></mount></icecast>");
	ok(c != NULL, "pattern default mount is not refused");
	ok(find_rep("pattern") != NULL && R.warnings == 1, "but warned once");
	ok(c != NULL && config_default_mount(c) == NULL, "and not applied");
	config_free(c);
}

/* Global and per-mount <http-headers>, type= accepted, bad headers refused. */
static void
test_headers(void)
{
	struct config *c = load("<icecast>" AUTH
	    "<http-headers><header name=\"Access-Control-Allow-Origin\" "
	    "value=\"*\"/><header type=\"normal\" name=\"X-Two\" value=\"2\"/>"
	    "<!-- <header name=\"X-Commented\" value=\"no\"/> -->"
	    "</http-headers>"
	    "<mount><mount-name>/m</mount-name><http-headers><header "
	    "name=\"X-M\" value=\"m\"/></http-headers></mount></icecast>");

	ok(c != NULL, "headers load");
	if (c == NULL) {
		dump_reps();
		return;
	}
	is_int(R.n, 0, "headers: no reports");
	is_int(c->nheaders, 2, "two global headers (comment ignored)");
	is_str(c->headers[0].name, "Access-Control-Allow-Origin", "header name");
	is_str(c->headers[0].value, "*", "header value");
	is_str(c->headers[1].name, "X-Two", "type= attribute accepted");
	is_int(c->mounts[0].nheaders, 1, "one mount header");
	is_str(c->mounts[0].headers[0].value, "m", "mount header value");
	ok(c->nmounts == 1 && c->mounts[0].nheaders == 1,
	    "global headers are not copied into mounts");
	config_free(c);

	c = load("<icecast>" AUTH "\n<http-headers>\n<header name=\"X\"/>\n"
	    "<header name=\"Bad Name\" value=\"v\"/>\n"
	    "<header name=\"X-Crlf\" value=\"a&#13;&#10;Set-Cookie: x\"/>\n"
	    "</http-headers></icecast>");
	ok(c == NULL, "bad headers are refused");
	is_int(R.errors, 3, "three header errors");
	ok(find_rep("needs both a name and a value") != NULL &&
	    find_rep("needs both a name and a value")->line == 3,
	    "missing value reported at its line");
	ok(find_rep("'Bad Name' is not a valid header name") != NULL,
	    "bad header name");
	ok(find_rep("line breaks") != NULL, "header injection refused");
}

/* Bad numbers and booleans are errors at their line; all are reported. */
static void
test_bad_values(void)
{
	const struct rep *r;
	struct config *c = load(
	    "<icecast>" AUTH "\n"
	    "<limits>\n"
	    "  <clients>abc</clients>\n"
	    "  <sources>0</sources>\n"
	    "  <queue-size>-1</queue-size>\n"
	    "  <client-timeout>0</client-timeout>\n"
	    "  <burst-size>99999999999999999999999</burst-size>\n"
	    "</limits>\n"
	    "<logging><loglevel>5</loglevel></logging>\n"
	    "<security><chroot>maybe</chroot></security>\n"
	    "</icecast>");

	ok(c == NULL, "bad values are refused");
	is_int(R.errors, 7, "every bad value reported, not just the first");
	r = find_rep("<limits><clients>: 'abc' is not a number (expected "
	    "1..1000000)");
	ok(r != NULL, "not-a-number message");
	is_int(r ? r->line : 0, 3, "reported at its line");
	r = find_rep("<limits><sources>: 0 is out of range");
	is_int(r ? r->line : 0, 4, "out-of-range message and line");
	ok(find_rep("<limits><queue-size>: -1 is out of range") != NULL,
	    "negative size refused");
	ok(find_rep("<limits><client-timeout>: 0 is out of range") != NULL,
	    "zero timeout refused");
	ok(find_rep("<limits><burst-size>: '99999999999999999999999' is not a "
	    "number") != NULL, "overflow refused");
	ok(find_rep("<logging><loglevel>: 5 is out of range (expected 1..4)")
	    != NULL, "loglevel range");
	r = find_rep("<security><chroot>: 'maybe' is not a boolean");
	is_int(r ? r->line : 0, 10, "bad boolean at its line");

	c = load("<icecast>" AUTH "<security><chroot> no </chroot></security>"
	    "<limits><clients> 12 </clients></limits></icecast>");
	ok(c != NULL && c->chroot == 0 && c->clients == 12,
	    "values with surrounding spaces parse");
	config_free(c);

	c = load("<icecast>" AUTH "<hostname></hostname><location/></icecast>");
	ok(c != NULL, "empty elements are not errors");
	is_int(R.warnings, 2, "but each is warned");
	ok(c != NULL && strcmp(c->hostname, "localhost") == 0,
	    "and the default stays");
	config_free(c);
}

/* Malformed XML and a wrong root are errors with libxml2's line. */
static void
test_malformed(void)
{
	struct config *c;

	c = load("<icecast>\n<limits>\n<clients>1</clients>\n</limitz>\n</icecast>\n");
	ok(c == NULL, "malformed XML is refused");
	ok(R.errors >= 1, "with an error");
	ok(R.n > 0 && strstr(R.r[0].msg, "malformed XML") != NULL &&
	    strstr(R.r[0].msg, "mismatch") != NULL, "libxml2's message kept");
	is_int(R.n > 0 ? R.r[0].line : 0, 4, "at the right line");

	c = load("");
	ok(c == NULL && R.errors == 1 && find_rep("empty") != NULL,
	    "empty document is refused");

	c = load("<?xml version=\"1.0\"?>\n<icecast2>" AUTH "</icecast2>");
	ok(c == NULL, "wrong root is refused");
	ok(find_rep("root element is <icecast2>, not <icecast>") != NULL &&
	    R.r[0].line == 2, "root error names the element and line");

	c = load("<!DOCTYPE icecast [<!ENTITY x SYSTEM \"http://example.invalid/x\">]>"
	    "<icecast>" AUTH "<location>&x;</location></icecast>");
	ok(c != NULL, "external entity is not fetched (NONET) and does not break");
	if (c != NULL)
		ok(strstr(c->location, "example") == NULL, "no entity content");
	config_free(c);

	memset(&R, 0, sizeof R);
	c = config_load("/nonexistent/floe/icecast.xml", collect, &R);
	ok(c == NULL && R.errors == 1 && find_rep("cannot open") != NULL,
	    "missing file is one clear error");
}

/* Unknown and unsupported elements are one warning each, never an error. */
static void
test_unknown(void)
{
	struct config *c = load(
	    "<icecast>" AUTH "\n"
	    "<master-redirect>1</master-redirect>\n"
	    "<frobnicate>1</frobnicate>\n"
	    "<limits><burst-on-connect>1</burst-on-connect>"
	    "<threadpool>5</threadpool><bogus/></limits>\n"
	    "<mount><mount-name>/m</mount-name><intro>/i.mp3</intro></mount>\n"
	    "<paths><alias source=\"/\" destination=\"/status.xsl\"/></paths>\n"
	    "<logging><logsize>1</logsize><logarchive>1</logarchive></logging>\n"
	    "</icecast>");

	ok(c != NULL, "unknown elements do not refuse the config");
	is_int(R.errors, 0, "no errors");
	is_int(R.warnings, 4, "exactly one warning per ignored element");
	ok(find_rep("<master-redirect> is not supported by Floe yet") != NULL &&
	    find_rep("<master-redirect>")->line == 2, "master-redirect: unsupported, with line");
	ok(find_rep("<frobnicate> is not a known setting") != NULL &&
	    find_rep("<frobnicate>")->line == 3, "unknown element: spelling hint");
	ok(c != NULL && c->burst_size == 65535, "burst-on-connect 1 keeps the burst");
	ok(find_rep("<limits><threadpool> is ignored") != NULL, "threadpool warned");
	ok(find_rep("<limits><bogus> is not a known setting") != NULL,
	    "unknown in a section");
	ok(c != NULL && strcmp(c->mounts[0].intro, "/i.mp3") == 0, "mount intro read");
	ok(c != NULL && c->naliases == 1 && strcmp(c->aliases[0].source, "/") == 0 &&
	    strcmp(c->aliases[0].dest, "/status.xsl") == 0 && c->aliases[0].port == -1,
	    "alias read (2.5's destination=)");
	ok(c != NULL && c->logsize == 1 && c->logarchive == 1, "logsize and logarchive read");
	config_free(c);
}

/* <authentication> on mounts and the access lists: read, or refused. */
static void
test_access_config(void)
{
	struct config *c;
	const struct config_mount *m;

	c = load("<icecast>" AUTH "\n"
	    "<mount><mount-name>/m</mount-name>\n"
	    "<authentication type=\"url\"><option name=\"a\" value=\"b\"/>\n"
	    "</authentication></mount></icecast>");
	ok(c == NULL && R.errors == 1 && find_rep("\"a\"") != NULL &&
	    find_rep("\"a\"")->line == 3, "an unknown url option refuses, at its line");
	c = load("<icecast>" AUTH "\n"
	    "<mount><mount-name>/m</mount-name>\n"
	    "<authentication type=\"pam\"/></mount></icecast>");
	ok(c == NULL && R.errors >= 1 && find_rep("pam") != NULL &&
	    find_rep("pam")->line == 3, "an unknown type refuses, at its line");
	c = load("<icecast>" AUTH "\n"
	    "<mount><mount-name>/m</mount-name>\n"
	    "<authentication type=\"url\">"
	    "<option name=\"listener_add\" value=\"http://a/add\"/>"
	    "<option name=\"stream_auth\" value=\"http://a/src\"/></authentication>"
	    "<max-listener-duration>60</max-listener-duration>"
	    "<max-listeners-per-ip>2</max-listeners-per-ip></mount>\n"
	    "<mount><mount-name>/r</mount-name><authentication>"
	    "<role type=\"htpasswd\" filename=\"/u\" allow-method=\"get\"/>"
	    "<role type=\"static\" username=\"s\" password=\"p\" "
	    "allow-method=\"source,put\"/></authentication></mount>\n"
	    "<paths><deny-ip>/d</deny-ip><allow-ip>/a</allow-ip>"
	    "<deny-agents>/g</deny-agents><x-forwarded-for>10.0.0.0/8</x-forwarded-for>"
	    "<x-forwarded-for>192.0.2.1</x-forwarded-for></paths></icecast>");
	ok(c != NULL && R.errors == 0, "url auth, 2.5 roles and access lists are read");
	if (c == NULL)
		return;
	m = config_find_mount(c, "/m");
	ok(m != NULL && m->nauth == 1 && m->auth[0].get && m->auth[0].source &&
	    strcmp(config_auth_option(&m->auth[0], "listener_add"), "http://a/add") == 0,
	    "url: listeners and (stream_auth) sources");
	ok(m != NULL && m->max_listener_duration == 60 && m->max_listeners_per_ip == 2,
	    "max-listener-duration and max-listeners-per-ip");
	m = config_find_mount(c, "/r");
	ok(m != NULL && m->nauth == 2 && m->auth[0].get && !m->auth[0].source &&
	    !m->auth[1].get && m->auth[1].source &&
	    strcmp(config_auth_option(&m->auth[0], "filename"), "/u") == 0,
	    "2.5 roles: attributes become options, methods pick listeners or sources");
	ok(strcmp(c->deny_ip, "/d") == 0 && strcmp(c->allow_ip, "/a") == 0 &&
	    strcmp(c->deny_agents, "/g") == 0, "the access list files");
	ok(c->nxff == 2 && strcmp(c->xff[1], "192.0.2.1") == 0, "the trusted proxies");
	config_free(c);
	c = load("<icecast>" AUTH "<paths><x-forwarded-for>not-an-address"
	    "</x-forwarded-for></paths></icecast>");
	ok(c == NULL && R.errors == 1, "a trusted proxy that is not an address refuses");
}

/* Source and admin authentication requirements. */
static void
test_auth_rules(void)
{
	struct config *c;

	c = load("<icecast><authentication><admin-password>a</admin-password>"
	    "</authentication></icecast>");
	ok(c == NULL, "no way for a source to log in is an error");
	ok(find_rep("no source can log in") != NULL, "with a message saying so");

	c = load("<icecast><mount><mount-name>/m</mount-name><password>p"
	    "</password></mount></icecast>");
	ok(c != NULL, "a mount password is enough for sources");
	ok(find_rep("admin-password") != NULL && R.warnings == 1 &&
	    R.errors == 0, "missing admin-password is one warning");
	config_free(c);

	c = load("<icecast><mount type=\"default\"><password>p</password>"
	    "</mount><authentication><admin-password>a</admin-password>"
	    "</authentication></icecast>");
	ok(c != NULL && R.n == 0, "a default-mount password is enough too");
	config_free(c);

	c = load("<icecast>" AUTH "<limits><burst-size>10</burst-size>"
	    "<queue-size>5</queue-size></limits></icecast>");
	ok(c != NULL && find_rep("larger than <queue-size>") != NULL,
	    "burst larger than queue is a warning");
	config_free(c);
}

/* Values as icecast2 (atoi) and icecast-kh (size suffixes) read them. */
static void
test_values(void)
{
	struct config *c = load(
	    "<icecast>" AUTH "\n"
	    "<limits><queue-size>1m</queue-size><burst-size>64k</burst-size>\n"
	    "<clients>100 </clients><sources>4x</sources></limits>\n"
	    "<mount><mount-name>/m</mount-name><max-listeners>unlimited</max-listeners>"
	    "<hidden>2</hidden><public>0</public></mount>\n"
	    "<server-id>Icecast 2.4.4</server-id>\n"
	    "<logging><errorlog>/dev/stderr</errorlog><playlistlog>p.log</playlistlog>"
	    "<logsize>10000</logsize></logging>\n"
	    "</icecast>");

	ok(c != NULL, "icecast2's spellings of values load");
	is_int(R.errors, 0, "no errors");
	if (c == NULL)
		return;
	is_int(c->queue_size, 1048576, "queue-size 1m is 1 MiB (icecast-kh)");
	is_int(c->burst_size, 65536, "burst-size 64k is 64 KiB");
	is_int(c->clients, 100, "a padded number");
	is_int(c->sources, 4, "sources 4x is read as 4, as icecast2's atoi");
	ok(find_rep("<limits><sources>: '4x' is read as 4") != NULL &&
	    find_rep("<limits><sources>")->line == 3, "... with a warning and its line");
	is_int(R.warnings, 1, "the only warning");
	is_int(c->mounts[0].max_listeners, -1, "max-listeners unlimited is -1");
	is_int(c->mounts[0].hidden, 1, "hidden 2 is true (any non-zero number)");
	is_int(c->mounts[0].public, 0, "public 0 is false");
	is_str(c->server_id, "Icecast 2.4.4", "server-id");
	is_str(c->errorlog, "/dev/stderr", "an absolute errorlog is kept as written");
	is_str(c->playlistlog, "p.log", "playlistlog");
	is_int(c->logsize, 10000, "logsize in KiB");
	config_free(c);

	c = load("<icecast>" AUTH "<listen-socket><port>8000</port><shoutcast-mount>/sc"
	    "</shoutcast-mount></listen-socket><listen-socket><port>9000</port>"
	    "<shoutcast-compat>1</shoutcast-compat></listen-socket></icecast>");
	ok(c != NULL && R.warnings == 0 && c->nlistens == 3, "shoutcast-mount: port+1 added");
	ok(c != NULL && c->nlistens == 3 && c->listens[0].port == 8000 &&
	    !c->listens[0].shoutcast_compat && c->listens[1].port == 8001 &&
	    c->listens[1].shoutcast_compat && strcmp(c->listens[1].shoutcast_mount, "/sc") == 0 &&
	    c->listens[2].shoutcast_compat && strcmp(c->listens[2].shoutcast_mount, "/stream") == 0,
	    "8000 HTTP, 8001 Shoutcast for /sc, 9000 Shoutcast for /stream");
	config_free(c);
	c = load("<icecast>" AUTH "<listen-socket><port>8443</port><ssl>1</ssl><shoutcast-mount>"
	    "/sc</shoutcast-mount></listen-socket></icecast>");
	ok(c != NULL && c->nlistens == 2 && c->listens[0].tls == TLS_AUTO &&
	    c->listens[1].tls == TLS_OFF, "a TLS socket's Shoutcast twin is plain");
	config_free(c);
	c = load("<icecast>" AUTH "<directory><yp-url-timeout>15</yp-url-timeout><yp-url>"
	    "http://dir.example/yp</yp-url></directory><yp-directory url=\"http://two/yp\">"
	    "<option name=\"timeout\" value=\"5\"/></yp-directory>"
	    "<listen-socket><port>8000</port><tls>auto_no_plain</tls></listen-socket>"
	    "<listen-socket><port>8001</port><ssl>1</ssl></listen-socket>"
	    "<listen-socket><port>8002</port><tls>off</tls></listen-socket></icecast>");
	ok(c != NULL && R.warnings == 0 && c->nyp == 2 && c->yp[0].timeout == 15 &&
	    strcmp(c->yp[1].url, "http://two/yp") == 0 && c->yp[1].timeout == 5,
	    "2.4's <directory> and 2.5's <yp-directory>");
	ok(c != NULL && c->nlistens == 3 && c->listens[0].tls == TLS_ONLY &&
	    c->listens[1].tls == TLS_AUTO && c->listens[2].tls == TLS_OFF,
	    "<tls>auto_no_plain is TLS only, <ssl>1 TLS or plain, <tls>off none");
	config_free(c);
	c = load("<icecast>" AUTH "<paths><x-forwarded-for>\n  10.0.0.0/8 \n"
	    "</x-forwarded-for></paths></icecast>");
	ok(c != NULL && R.errors == 0 && c->nxff == 1 && strcmp(c->xff[0], "10.0.0.0/8") == 0,
	    "x-forwarded-for written on lines of its own (str_trim's interior pointer kept)");
	config_free(c);
	c = load("<icecast>" AUTH "<limits><burst-on-connect>0</burst-on-connect></limits>"
	    "</icecast>");
	ok(c != NULL && c->burst_size == 0, "burst-on-connect 0: no burst");
	config_free(c);
	c = load("<icecast>" AUTH "<limits><burst-on-connect>0</burst-on-connect>"
	    "<burst-size>1000</burst-size></limits></icecast>");
	ok(c != NULL && c->burst_size == 1000, "a burst-size after it sets one again");
	config_free(c);
	c = load("<icecast>" AUTH "<limits><clients>lots</clients></limits>"
	    "<server-id>a\nb</server-id></icecast>");
	ok(c == NULL && R.errors == 2, "no digits at all, and a two-line server-id: errors");
	config_free(c);
}

/* <relay> in its three dialects, slave mode, <edges>, <so-reuseport>. */
static void
test_relays(void)
{
	struct config *c;
	const struct config_relay *r;

	/* Icecast 2.4: the relay's own host; defaults as icecast2's. */
	c = load("<icecast>" AUTH "<relay><server>m.example</server><port>8001</port>"
	    "<mount>/a.mp3</mount><username>u</username><password>p</password>"
	    "<relay-shoutcast-metadata>0</relay-shoutcast-metadata></relay>"
	    "<relay><mount>/b.ogg</mount><local-mount>/local.ogg</local-mount>"
	    "<on-demand>1</on-demand></relay>"
	    "<relays-on-demand>1</relays-on-demand></icecast>");
	ok(c != NULL && R.warnings == 0 && c->nrelays == 2, "2.4 relays load without a warning");
	r = c != NULL ? &c->relays[0] : NULL;
	ok(r != NULL && r->nups == 1 && strcmp(r->ups[0].server, "m.example") == 0 &&
	    r->ups[0].port == 8001 && strcmp(r->ups[0].mount, "/a.mp3") == 0 &&
	    strcmp(r->local_mount, "/a.mp3") == 0 && strcmp(r->ups[0].username, "u") == 0 &&
	    strcmp(r->ups[0].password, "p") == 0 && r->icy_metadata == 0 && !r->ups[0].tls &&
	    r->ups[0].timeout == 4, "server, port, mount; local-mount defaults to mount");
	ok(r != NULL && r->on_demand == 1, "<relays-on-demand> is the default for <on-demand>");
	r = c != NULL ? &c->relays[1] : NULL;
	ok(r != NULL && strcmp(r->ups[0].server, "127.0.0.1") == 0 && r->ups[0].port == 8000 &&
	    strcmp(r->local_mount, "/local.ogg") == 0 && r->icy_metadata == 1 &&
	    r->retry_delay == 15 && r->hold == 10 && r->tls_verify == 1,
	    "defaults: 127.0.0.1:8000, ICY metadata asked, retry-delay 15, hold 10");
	config_free(c);

	/* icecast-kh: <master> hosts take what they leave unsaid from the relay. */
	c = load("<icecast>" AUTH "<relay><port>9000</port><mount>/x</mount>"
	    "<local-mount>/kh</local-mount><retry-delay>30</retry-delay>"
	    "<master><ip>10.0.0.1</ip><bind>10.0.0.9</bind></master>"
	    "<master><server>10.0.0.2</server><port>9001</port><timeout>7</timeout></master>"
	    "</relay></icecast>");
	r = c != NULL && c->nrelays == 1 ? &c->relays[0] : NULL;
	ok(r != NULL && r->nups == 2 && strcmp(r->ups[0].server, "10.0.0.1") == 0 &&
	    r->ups[0].port == 9000 && strcmp(r->ups[0].mount, "/x") == 0 &&
	    strcmp(r->ups[0].bind, "10.0.0.9") == 0 && strcmp(r->ups[1].server, "10.0.0.2") == 0 &&
	    r->ups[1].port == 9001 && r->ups[1].timeout == 7 && r->retry_delay == 30,
	    "kh <master> hosts, in order, inheriting the relay's port and mount");
	config_free(c);

	/* Icecast 2.5: <upstream> and <upstream-default>; floe's https. */
	c = load("<icecast>" AUTH "<relay><local-mount>/25</local-mount>"
	    "<upstream-default><port>8443</port><tls>1</tls></upstream-default>"
	    "<upstream type=\"normal\"><server>a</server><mount>/s</mount></upstream>"
	    "<ca-file>/ca.pem</ca-file></relay></icecast>");
	r = c != NULL && c->nrelays == 1 ? &c->relays[0] : NULL;
	ok(r != NULL && R.warnings == 0 && r->nups == 1 && strcmp(r->ups[0].server, "a") == 0 &&
	    r->ups[0].port == 8443 && r->ups[0].tls == 1 && strcmp(r->ca_file, "/ca.pem") == 0,
	    "2.5 <upstream> with <upstream-default>; <tls> and <ca-file>");
	config_free(c);

	c = load("<icecast>" AUTH "<relay><mount>/a</mount></relay>\n"
	    "<relay><mount>/a</mount></relay>\n<relay><mount>/p</mount><port>x</port></relay>\n"
	    "<relay><mount>/e</mount><enable>0</enable></relay></icecast>");
	ok(c == NULL && R.errors == 2 && find_rep("already feeds that <local-mount>") != NULL &&
	    find_rep("already feeds")->line == 2, "two relays of one local mount: an error, "
	    "at the second's line");
	ok(find_rep("<enable>0 and is not started") != NULL, "<enable>0: said, not started");
	c = load("<icecast>" AUTH "<relay><mount>/x</mount><local-mount>/admin/stats"
	    "</local-mount></relay></icecast>");
	ok(c == NULL && find_rep("not a mount floe can serve") != NULL,
	    "a relay onto /admin/stats: refused, naming the rule");

	c = load("<icecast>" AUTH "<master-server>m</master-server>"
	    "<master-ssl-port>8443</master-ssl-port><master-password>p</master-password>"
	    "<edges poll-interval=\"2\"><edge>http://e1:8000/</edge><edge>https://e2</edge>"
	    "</edges><listen-socket><port>8000</port><so-reuseport>1</so-reuseport>"
	    "</listen-socket></icecast>");
	ok(c != NULL && R.warnings == 0 && strcmp(c->master_server, "m") == 0 &&
	    c->master_server_port == 8443 && c->master_tls && c->master_update_interval == 120 &&
	    strcmp(c->master_username, "relay") == 0, "slave mode: https on master-ssl-port, "
	    "user relay, every 120 s");
	ok(c != NULL && c->nedges == 2 && strcmp(c->edges[0], "http://e1:8000") == 0 &&
	    c->edges_poll == 2, "<edges>: base URLs (trailing / dropped), poll-interval");
	ok(c != NULL && c->listens[0].reuseport == 1, "<so-reuseport>");
	config_free(c);
	c = load("<icecast>" AUTH "<mount><mount-name>/r</mount-name><rewind>28800</rewind>"
	    "<rewind-size>500m</rewind-size><hls>1</hls><hls-segment-seconds>2"
	    "</hls-segment-seconds><hls-window>5</hls-window></mount></icecast>");
	ok(c != NULL && R.warnings == 0 && c->mounts[0].rewind == 28800 &&
	    c->mounts[0].rewind_size == 500L * 1024 * 1024 && c->mounts[0].hls == 1 &&
	    c->mounts[0].hls_segment == 2 && c->mounts[0].hls_window == 5,
	    "<rewind>, <rewind-size> with a suffix, <hls>, its segment and window");
	config_free(c);
	c = load("<icecast>" AUTH "<master-server>m</master-server>"
	    "<edges><edge>ftp://x</edge></edges></icecast>");
	ok(c == NULL && find_rep("expected a base URL") != NULL, "an edge that is no URL: an error");
	ok(find_rep("without <master-password>") != NULL, "slave mode without a password: warned");
}

/* Debian's stock /etc/icecast2/icecast.xml loads with sensible warnings only. */
static void
test_debian(void)
{
	const char *path = "/etc/icecast2/icecast.xml";
	struct config *c;

	if (access(path, R_OK) != 0) {
		ok(1, "# SKIP %s not installed", path);
		return;
	}
	memset(&R, 0, sizeof R);
	c = config_load(path, collect, &R);
	ok(c != NULL, "Debian's icecast.xml loads");
	is_int(R.errors, 0, "Debian's icecast.xml: zero errors");
	is_int(R.warnings, 0, "Debian's icecast.xml: no warnings");
	ok(c != NULL && c->fileserve == 1 && c->naliases == 1, "fileserve, and its alias of /");
	if (R.warnings != 0)
		dump_reps();
	if (c != NULL) {
		is_int(c->nlistens, 1, "one listen socket");
		is_int(c->listens[0].port, 8000, "on 8000");
		is_str(c->source_password, "hackme", "source password");
		is_str(c->logdir, "/var/log/icecast2", "logdir");
		is_int(c->nheaders, 1, "the CORS header");
		is_int(c->nmounts, 0, "commented-out mounts ignored");
	}
	config_free(c);
}

/* Floe's own icecast-compat.xml loads without a single report. */
static void
test_compat_file(void)
{
	const char *top = getenv("top_srcdir");
	struct config *c;
	char path[4096];

	snprintf(path, sizeof path, "%s/icecast-compat.xml",
	    top != NULL ? top : "../..");
	if (access(path, R_OK) != 0) {
		ok(1, "# SKIP %s not found (set top_srcdir)", path);
		return;
	}
	memset(&R, 0, sizeof R);
	c = config_load(path, collect, &R);
	ok(c != NULL, "icecast-compat.xml loads");
	is_int(R.errors, 0, "icecast-compat.xml: zero errors");
	is_int(R.warnings, 0, "icecast-compat.xml: zero warnings");
	if (R.n > 0)
		dump_reps();
	if (c != NULL) {
		is_int(c->nlistens, 1, "one listen socket");
		ok(c->listens[0].bind_address == NULL, "on all addresses");
		is_str(c->admin_password, "hackme", "demo admin password");
		is_str(c->logdir, "log", "relative logdir");
		is_int(c->nheaders, 1, "CORS header");
	}
	config_free(c);
}

/* Run every test. */
int
main(void)
{
	test_defaults();
	test_fields();
	test_listen();
	test_mounts();
	test_headers();
	test_bad_values();
	test_malformed();
	test_unknown();
	test_access_config();
	test_auth_rules();
	test_values();
	test_relays();
	test_debian();
	test_compat_file();
	return tap_done();
}
