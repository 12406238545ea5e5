/*
 * mount_auth.h: who may listen to (or feed) a mount that has an
 * <authentication>. The router asks before it counts a listener; each of
 * the mount's roles (htpasswd, url, static, anonymous) is tried in order
 * and the first that admits lets the listener in. A backend may answer at
 * once (a file, a fixed password) or later (an HTTP callback): then the
 * connection waits, suspended (conn_suspend), and the router runs again
 * once it is admitted. Everything here runs on the main loop.
 */
#ifndef FLOE_MOUNT_AUTH_H
#define FLOE_MOUNT_AUTH_H

#include <stdint.h>

struct conn;
struct config;
struct config_auth;
struct config_mount;
struct http_request;

/** Who is asking; strings belong to the caller and last for the call. */
struct auth_client {
	uint64_t	 id;
	const char	*ip;
	const char	*mount;		/* as requested, with ?query */
	const char	*user;		/* "" when none was given */
	const char	*pass;
	const char	*agent;
	const char	*referer;
	const struct http_request *req;	/* for forwarded headers */
};

/** What a backend decided. */
struct auth_decision {
	int		 status;	/* 0 admit, 401 (ask for credentials), 403 */
	const char	*message;	/* for the refusal's body, or NULL */
	long		 timelimit;	/* seconds the listener may stay, 0: no limit */
	const char	*user;		/* the name to log and list, or NULL */
};

typedef void (*auth_done_fn)(void *arg, const struct auth_decision *d);

/*
 * A backend. config.c has checked the options by name, so a backend sees
 * only configs it can enforce. listener_add either calls
 * done() before returning and returns NULL, or returns a handle and calls
 * done() later on the main loop, exactly once, unless cancel(handle) ran
 * first (the client left). The notifications may be NULL.
 */
struct auth_backend {
	const char *type;
	void	*(*listener_add)(const struct config_auth *a, const struct auth_client *who,
		    auth_done_fn done, void *arg);
	void	 (*cancel)(void *handle);
	void	 (*listener_remove)(const struct config_auth *a, const struct auth_client *who,
		    long seconds);
	void	 (*mount_add)(const struct config_auth *a, const char *mount);
	void	 (*mount_remove)(const struct config_auth *a, const char *mount);
	/* A source's credentials (url's stream_auth); same contract as listener_add. */
	void	*(*source_add)(const struct config_auth *a, const struct auth_client *who,
		    auth_done_fn done, void *arg);
	void	 (*shutdown)(void);
};

extern const struct auth_backend auth_htpasswd_backend;
extern const struct auth_backend auth_url_backend;

/**
 * May the listener (GET/HEAD of a mount whose settings are mc) go on?
 * 1: yes, now (no authentication, or admitted at once: c->user and
 * c->timelimit are set). 0: answered (401/403) or waiting; once a waiting
 * listener is admitted, again(c, NULL) runs through conn_resume with
 * c->authorized set, so the router can route it afresh.
 */
int mount_auth_listener(struct conn *c, const struct config_mount *mc,
    void (*again)(struct conn *c, void *arg));
/** The same for a source (SOURCE/PUT), where a role checks sources
 *  (url's stream_auth). 1 also when no role does: then the source
 *  password rules apply as before. Sets *checked if a role admitted it. */
int mount_auth_source(struct conn *c, const struct config_mount *mc,
    void (*again)(struct conn *c, void *arg), int *checked);
/** An admitted listener left after seconds (from any thread). */
void mount_auth_listener_left(struct conn *c, const char *mount, long seconds);
/** A source started or stopped on a mount (main loop). */
void mount_auth_mount_event(const char *mount, int started);
/** Does any role of mc check listeners? */
int mount_auth_protects(const struct config_mount *mc);
/** Release what backends hold (shutdown). */
void mount_auth_shutdown(void);

#endif
