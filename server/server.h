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
struct worker;

TAILQ_HEAD(conn_list, conn);
TAILQ_HEAD(mount_list, mount);

/** Counters with icecast's names (see stats.c). Written by the main thread,
 *  except clients and listeners, which workers change atomically: read
 *  those with STAT_GET. */
struct server_stats {
	uint64_t connections;		/* every accepted connection */
	uint64_t client_connections;	/* every completed request */
	uint64_t listener_connections;
	uint64_t source_client_connections;
	uint64_t source_total_connections;
	uint64_t file_connections;
	uint64_t admin_requests;
	unsigned clients;		/* connections with a request, now */
	unsigned sources;		/* live sources, now */
	unsigned listeners;		/* listeners, now */
	uint64_t responses[600];	/* atomic: requests answered, by status (metrics) */
};

struct server {
	struct event_base *base;	/* the main thread's loop (worker 0's) */
	struct config	*config;	/* swapped whole on reload; main thread only */
	char		*config_path;
	long		 client_timeout; /* srv.config's, for workers (atomic) */
	int64_t		 started;
	uint64_t	 next_conn_id;
	struct server_stats stats;
	struct worker	**workers;	/* worker.h; [0] is the main thread */
	unsigned	 nworkers;
	struct mount_list mounts;	/* main thread only */
	long		 max_clients_fd; /* listener capacity from the descriptor limit */
	int		 shutting_down;
};

extern struct server srv;

/** What the Server header and the documents call this server: the config's
 *  <server-id>, or Floe's own name and version. */
static inline const char *
server_id(void)
{
	return srv.config != NULL && srv.config->server_id != NULL ?
	    srv.config->server_id : FLOE_SERVER_ID;
}

/* Counters more than one thread changes. */
#define STAT_ADD(x, n)	__atomic_add_fetch(&(x), (n), __ATOMIC_RELAXED)
#define STAT_SUB(x, n)	__atomic_sub_fetch(&(x), (n), __ATOMIC_RELAXED)
#define STAT_GET(x)	__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define STAT_SET(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

#endif
