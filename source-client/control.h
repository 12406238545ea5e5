/*
 * control.h: the control socket (a unix stream socket, mode 0600) and the
 * `floe-source ctl` client. The protocol is one command per line:
 *
 *     skip | now | next | queue FILE | queue-remove N | queue-clear |
 *     history [N] | reload | status | schedule | help
 *
 * and each answer is zero or more lines of text followed by a line that is
 * "OK" or begins with "ERR ". Parsing a command is pure (control_parse).
 */
#ifndef FSRC_CONTROL_H
#define FSRC_CONTROL_H

#include <stddef.h>

struct event_base;
struct sbuf;

enum control_cmd {
	CONTROL_SKIP, CONTROL_NOW, CONTROL_NEXT, CONTROL_QUEUE, CONTROL_RELOAD,
	CONTROL_STATUS, CONTROL_HELP, CONTROL_SCHEDULE, CONTROL_QUEUE_REMOVE, CONTROL_QUEUE_CLEAR,
	CONTROL_HISTORY,
};

/** Split a command line: the command, and its argument (or NULL). -1 if
 *  the command is unknown or its argument is missing or unexpected. */
int control_parse(const char *line, enum control_cmd *cmd, const char **arg);

/** The handler runs a command and appends its answer (data lines only; the
 *  OK/ERR line is added from its return: 0 for OK, -1 for ERR with the
 *  last appended line as the message). */
typedef int control_handler(enum control_cmd cmd, const char *arg, struct sbuf *out, void *a);

struct control;
/** Listen on path (replacing a stale socket, refusing a live one). */
struct control *control_new(struct event_base *base, const char *path, control_handler *h,
    void *arg, char *err, size_t errlen);
void control_free(struct control *c);

/**
 * The socket path used when none is configured, one per instance, so two
 * floe-source processes with default settings both run: in
 * $XDG_RUNTIME_DIR, else /run/floe-source (root), else /tmp, the file
 * floe-source-KEY.sock where KEY is the config file's name (with a hash of
 * its real path: two station.conf files in two folders differ) if there is
 * one, else the first output's host, port and mount (credentials left out),
 * else "default". `ctl` finds it the same way (-c FILE), or as the only one
 * running.
 */
char *control_default_path(const char *config_path, const char *first_output);
/** The directory control_default_path puts sockets in (made if need be). */
char *control_default_dir(void);
/** `floe-source ctl [--socket PATH] CMD [ARG]`: returns the exit status. */
int control_client(int argc, char **argv);

#endif
