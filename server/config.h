/*
 * config.h: the server's configuration, read from Icecast 2.4's icecast.xml
 * format with libxml2. A loaded config is immutable; SIGHUP loads a new one
 * and swaps it in whole.
 */
#ifndef FLOE_CONFIG_H
#define FLOE_CONFIG_H

#include <stddef.h>

/*
 * How long a caught-up listener's new bytes may wait to be batched into one
 * send. On loopback and real networks alike the kernel's per-send work
 * dominates a streaming server's CPU, so sending 4 times a second instead
 * of at every source read (~11 times) costs far less; players buffer
 * seconds of audio, so a quarter second more latency is inaudible.
 * 0 sends at every source read, as icecast2 does.
 */
#define DEFAULT_WRITE_INTERVAL 250

/* Event loops serving listeners: more than cores only adds switching. */
#define FLOE_MAX_WORKERS 64L

/*
 * What happens to a listener that falls more than queue-size behind:
 * dropped (icecast2's way), or resynchronised to the live edge on a frame
 * boundary (it hears a skip but stays connected). Ogg streams are always
 * dropped: a jump mid-chain would hand decoders a broken granule sequence.
 */
enum lag_policy { LAG_DROP = 0, LAG_RESYNC = 1 };
#define LAG_POLICY_NAMES "drop|resync"

/** One <listen-socket>. */
/** A listen-socket's TLS: none, only, or either (decided by the first byte). */
enum { TLS_OFF = 0, TLS_ONLY = 1, TLS_AUTO = 2 };

struct config_listen {
	char	*bind_address;		/* NULL: all addresses (IPv4 and IPv6) */
	int	 port;
	int	 tls;		/* TLS_OFF, TLS_ONLY, or TLS_AUTO (TLS or plain per connection) */
	int	 shoutcast_compat;	/* <shoutcast-compat>1</shoutcast-compat> */
	int	 reuseport;		/* <so-reuseport>1: share the port with other processes */
	char	*shoutcast_mount;
	int	 line;			/* where it was declared, for messages */
};

/** One extra response header (<http-headers><header name= value=/>). */
struct config_header {
	char	*name;
	char	*value;
};

/** One <option name= value=/> of an <authentication> (or a 2.5 role attribute). */
struct config_option {
	char	*name;
	char	*value;
	int	 line;
};

/*
 * One way a mount lets listeners in: an Icecast 2.4/kh <authentication
 * type="..."> with its <option>s, or one Icecast 2.5 <role>. A mount's
 * roles are tried in order; the first that admits a listener lets it in.
 */
struct config_auth {
	char	*type;			/* "htpasswd", "url", "static", "anonymous" */
	struct config_option *options;
	size_t	 noptions;
	int	 get;			/* applies to listeners (2.5 allow-method/deny-method) */
	int	 source;		/* applies to SOURCE/PUT (url's stream_auth, 2.5 methods) */
	int	 line;
};

/** The value of an auth option, or NULL. */
const char *config_auth_option(const struct config_auth *a, const char *name);

/** One <mount> block. Unset numbers are -1, unset strings NULL. */
struct config_mount {
	char	*name;			/* "/live.mp3"; NULL for type="default" */
	int	 is_default;		/* <mount type="default">: applies to every mount */
	char	*username;
	char	*password;
	long	 max_listeners;
	long	 burst_size;
	long	 queue_size;
	long	 rewind;		/* <rewind>: seconds of audio kept to join behind live; -1 unset */
	long	 rewind_size;		/* <rewind-size>: their bound in bytes; -1: 320 kbit/s' worth */
	int	 hls;			/* <hls>1: /MOUNT.m3u8; -1 unset */
	long	 hls_segment;		/* <hls-segment-seconds>; -1 unset (4) */
	long	 hls_window;		/* <hls-window>: segments in the live playlist; -1 unset (6) */
	long	 metaint;		/* <mp3-metadata-interval> */
	long	 write_interval;	/* ms, -1 unset */
	int	 lag_policy;		/* enum lag_policy, -1 unset */
	char	*fallback_mount;
	int	 fallback_override;	/* -1 unset, 0, 1 */
	int	 hidden;		/* -1 unset, 0, 1 */
	int	 public;		/* -1 unset (take the source's ice-public), 0, 1 */
	char	*stream_name;
	char	*stream_description;
	char	*stream_url;
	char	*genre;
	char	*bitrate;
	char	*charset;		/* charset of metadata updates, default UTF-8 */
	char	*dump_file;
	char	*listenurl;
	char	*intro;			/* file under webroot played before the stream */		/* what stats report as the stream's URL */
	long	 limit_rate;		/* bytes/s a source is read at most; 0 any */
	struct config_header *headers;
	size_t	 nheaders;
	struct config_auth *auth;	/* listener (and stream) authentication, in order */
	size_t	 nauth;
	int	 auth_line;		/* the <authentication> element */
	long	 max_listener_duration;	/* seconds, -1 unset */
	long	 max_listeners_per_ip;	/* Floe's <max-listeners-per-ip>, -1 unset */
	int	 line;
};

/** The whole configuration. Numbers always hold a value (defaults applied). */
/** A <directory>: where public mounts are listed (icecast2's YP protocol). */
struct config_yp {
	char	*url;
	long	 timeout;		/* seconds a call may take */
	int	 line;
};

/** Where a relay pulls from: one host of a <relay> (kh's <master>/<host>,
 *  2.5's <upstream>, or the relay's own <server>/<port>/<mount>). */
struct config_upstream {
	char	*server;		/* default 127.0.0.1 */
	int	 port;			/* default 8000 */
	char	*mount;			/* default "/" */
	char	*username;		/* Basic credentials, if any */
	char	*password;
	char	*bind;			/* local address to connect from */
	int	 tls;			/* https (floe's <tls>1, kh's <ssl>1) */
	long	 timeout;		/* connect timeout, seconds (kh's <timeout>, default 4) */
	int	 line;
};

/** One <relay>: a local mount fed from the first upstream that answers. */
struct config_relay {
	char	*local_mount;		/* default: the first upstream's mount */
	struct config_upstream *ups;
	size_t	 nups;
	int	 icy_metadata;		/* relay-shoutcast-metadata, default 1 */
	int	 on_demand;		/* -1: <relays-on-demand> */
	int	 enable;		/* kh's <enable>, default 1 */
	long	 retry_delay;		/* seconds between attempts at most; default 15 */
	long	 hold;			/* seconds listeners wait for the upstream to come back */
	long	 idle;			/* on-demand: seconds with no listener before closing */
	int	 tls_verify;		/* https: check the certificate (default 1) */
	char	*ca_file;		/* https: trust these instead of the system's */
	int	 from_master;		/* made by slave mode, not the file */
	int	 line;
};

/** <paths><alias>: a request for exactly source is served as dest. */
struct config_alias {
	char	*source;
	char	*dest;
	int	 port;			/* only on this port; -1 any */
	char	*bind_address;		/* only on this local address; NULL any */
	int	 line;
};

struct config {
	char	*path;

	/* <limits> */
	long	 clients;		/* default 100 */
	long	 sources;		/* default 2 */
	long	 queue_size;		/* bytes, default 524288 */
	long	 client_timeout;	/* seconds, default 30 */
	long	 header_timeout;	/* seconds, default 15 */
	long	 source_timeout;	/* seconds, default 10 */
	long	 burst_size;		/* bytes, default 65535 */
	long	 write_interval;	/* ms; Floe's own <write-interval>, see docs/performance.md */
	int	 lag_policy;		/* enum lag_policy, default LAG_DROP */
	long	 workers;		/* event loops serving listeners; 0: one per CPU */

	/* <authentication> */
	char	*source_password;
	char	*admin_user;
	char	*admin_password;
	char	*relay_user;
	char	*relay_password;
	char	*metrics_user;		/* /metrics: default "metrics" */
	char	*metrics_password;	/* unset: admin credentials only */

	char	*hostname;		/* default "localhost" */
	char	*location;		/* default "Earth" */
	char	*admin;			/* default "icemaster@localhost" */

	struct config_listen *listens;
	size_t	 nlistens;

	struct config_mount *mounts;	/* in file order, default mounts included */
	size_t	 nmounts;

	struct config_header *headers;	/* global <http-headers> */
	size_t	 nheaders;

	/* <paths> */
	char	*basedir;
	char	*webroot;
	char	*adminroot;
	char	*logdir;
	char	*pidfile;
	char	*rewind_dir;		/* <paths><rewind-dir>: rewind buffers saved at shutdown */
	char	*takeover_socket;	/* <paths><takeover-socket>: where a new process asks */
	char	*ssl_certificate;	/* PEM with certificate and key */
	char	*ssl_private_key;	/* optional separate key file */
	char	*deny_ip;		/* files of addresses/CIDRs (access.c) */
	char	*allow_ip;
	char	*deny_agents;		/* files of user-agent patterns */
	char	*allow_agents;
	char	**xff;			/* <x-forwarded-for>: trusted proxies (addresses/CIDRs) */
	size_t	 nxff;
	int	 deny_ip_line, allow_ip_line, deny_agents_line, allow_agents_line;

	/* <logging> */
	char	*accesslog;		/* file name inside logdir; "-" is stderr */
	char	*errorlog;
	struct config_relay *relays;	/* <relay> blocks */
	size_t	 nrelays;
	/* slave mode: relay every mount the master lists */
	char	*master_server;
	int	 master_server_port;	/* default 8000 */
	int	 master_tls;		/* <master-ssl-port> given: https on it */
	long	 master_update_interval;	/* seconds, default 120 */
	char	*master_username;	/* default "relay" */
	char	*master_password;
	int	 relays_on_demand;	/* default for relays without <on-demand> */
	/* <edges>: where listeners go (302) when this server is full */
	char	**edges;		/* base URLs, "http://host:port" */
	size_t	 nedges;
	long	 edges_poll;		/* seconds between load polls, default 5 */
	struct config_yp *yp;		/* <directory> blocks: YP directories */
	size_t	 nyp;
	struct config_alias *aliases;	/* <paths><alias>, in file order */
	size_t	 naliases;
	int	 fileserve;		/* serve files from webroot (default 1) */
	char	*server_id;
	char	*ssl_allowed_ciphers;
	char	*shoutcast_mount;	/* top-level: for <shoutcast-compat> sockets without one */	/* OpenSSL cipher list for TLS 1.2 and older */		/* <server-id>: the Server header; NULL: Floe's */
	char	*playlistlog;		/* one line per title change; unset: none */
	long	 logsize;		/* KiB: rotate a log past this; 0 never */
	int	 logarchive;		/* rotated logs get a timestamp, not .old */
	int	 loglevel;		/* 1 error, 2 warn, 3 info, 4 debug; default 3 */

	/* <security>; the lines (0 if absent) name the element in messages */
	int	 chroot;
	char	*user;			/* <changeowner><user> */
	char	*group;
	int	 security_line;
	int	 chroot_line;
	int	 changeowner_line;
	int	 user_line;
	int	 group_line;
};

/** How a config problem is reported: file, line (0 if none), severity, text. */
enum config_severity { CONFIG_WARNING, CONFIG_ERROR };
typedef void (*config_report_fn)(void *arg, const char *file, int line,
    enum config_severity sev, const char *msg);

/**
 * Load and validate the file at path. Every problem goes to report (which
 * may be NULL), each with its line number. Unknown or not-yet-supported
 * elements are warnings; malformed XML, bad numbers, missing required values
 * and conflicts are errors. Returns NULL if there was any error.
 */
struct config *config_load(const char *path, config_report_fn report, void *arg);

/** Parse a config from memory (for tests); path is used in messages only. */
struct config *config_load_mem(const char *buf, size_t len, const char *path,
    config_report_fn report, void *arg);

/** Free what a relay owns (slave mode makes and drops its own). */
void config_relay_clear(struct config_relay *r);

/** Free a config and everything it owns. NULL is fine. */
void config_free(struct config *c);

/**
 * The settings for a mount name: the named <mount> block if any (whose unset
 * fields config_load has already filled from the type="default" block), else
 * the default block, else NULL. The result points into c.
 */
const struct config_mount *config_find_mount(const struct config *c, const char *name);
const struct config_mount *config_default_mount(const struct config *c);

#endif
