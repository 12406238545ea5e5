/*
 * server.h: the process-wide state every module reaches: the event base,
 * the config in force, global counters, and the lists of live objects.
 */
#ifndef FLOE_SERVER_H
#define FLOE_SERVER_H

#include <stdint.h>
#include <sys/queue.h>

#include "config.h"

#define FLOE_SERVER_ID "Floe " PACKAGE_VERSION

struct event_base;
struct conn;
struct mount;

TAILQ_HEAD(conn_list, conn);
TAILQ_HEAD(mount_list, mount);

/** Counters with icecast's names (see stats_xml.c). */
struct server_stats {
	uint64_t connections;		/* every accepted connection */
	uint64_t client_connections;	/* every completed request */
	uint64_t listener_connections;
	uint64_t source_client_connections;
	uint64_t source_total_connections;
	uint64_t stats_connections;
	uint64_t file_connections;
	uint64_t admin_requests;
	unsigned clients;		/* connections with a request, now */
	unsigned sources;		/* live sources, now */
	unsigned listeners;		/* listeners, now */
};

struct server {
	struct event_base *base;
	struct config	*config;	/* swapped whole on reload */
	char		*config_path;
	int64_t		 started;
	uint64_t	 next_conn_id;
	struct server_stats stats;
	struct conn_list conns;		/* every open connection */
	struct conn_list closing;	/* closed, freed from a deferred callback */
	struct event	*reaper;	/* frees the closing list */
	struct mount_list mounts;
	long		 max_clients_fd; /* listener capacity from the descriptor limit */
	int		 shutting_down;
};

extern struct server srv;

#endif
