/*
 * control.c: the local control socket and its client.
 *
 * The socket is created with mode 0600 (only this user may skip or queue),
 * in $XDG_RUNTIME_DIR when set, else in /tmp with the user id in its name.
 * A socket file left behind by a dead floe-source is replaced; one that a
 * running floe-source still answers on is not.
 */
#include "control.h"
#include "log.h"
#include "../server/util.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Longest command line accepted: a path plus the command, with margin. */
#define CONTROL_LINE_MAX 4096
/* Control clients open at once; more are refused (a local tool needs one). */
#define CONTROL_MAX_CLIENTS 16
/* A client that sends nothing for this long is closed. */
#define CONTROL_IDLE_SECONDS 60
/* How long `ctl` waits for an answer. */
#define CONTROL_CLIENT_TIMEOUT_SECONDS 10

static const struct {
	const char		*name;
	enum control_cmd	 cmd;
	int			 has_arg;	/* 0: none, 1: one, 2: optional */
	const char		*help;
} commands[] = {
	{ "skip", CONTROL_SKIP, 0, "skip      end the current track (fading out) and play the next" },
	{ "now", CONTROL_NOW, 0, "now       the track playing now" },
	{ "next", CONTROL_NEXT, 0, "next      the track that plays next" },
	{ "queue", CONTROL_QUEUE, 1, "queue F   play file F next (after anything queued before)" },
	{ "queue-remove", CONTROL_QUEUE_REMOVE, 1,
	    "queue-remove N  take the N'th queued file (1: the next) out of the queue" },
	{ "queue-clear", CONTROL_QUEUE_CLEAR, 0, "queue-clear  empty the queue" },
	{ "history", CONTROL_HISTORY, 2,
	    "history [N]  the last N tracks played (default 10, at most 100), with times" },
	{ "reload", CONTROL_RELOAD, 0, "reload    re-read the playlist, keeping the current track" },
	{ "status", CONTROL_STATUS, 0, "status    now, next, and every output's connection" },
	{ "schedule", CONTROL_SCHEDULE, 0, "schedule  the week's programme, what plays now, the next change" },
	{ "help", CONTROL_HELP, 0, "help      this list" },
};

struct control_client {
	TAILQ_ENTRY(control_client) entry;
	struct control		*ctl;
	struct bufferevent	*bev;
	int			 closing;
};

struct control {
	struct event_base		*base;
	struct evconnlistener		*lev;
	char				*path;
	control_handler			*handler;
	void				*arg;
	TAILQ_HEAD(, control_client)	 clients;
	size_t				 nclients;
};

/* Parse "cmd [arg]". */
int
control_parse(const char *line, enum control_cmd *cmd, const char **arg)
{
	size_t i, n;
	const char *rest;

	while (*line == ' ' || *line == '\t')
		line++;
	for (n = 0; line[n] != '\0' && line[n] != ' ' && line[n] != '\t'; n++)
		;
	rest = line + n;
	while (*rest == ' ' || *rest == '\t')
		rest++;
	for (i = 0; i < FLOE_NELEM(commands); i++) {
		if (strlen(commands[i].name) != n || strncasecmp(line, commands[i].name, n) != 0)
			continue;
		if (commands[i].has_arg != 2 && commands[i].has_arg != (*rest != '\0'))
			return -1;
		*cmd = commands[i].cmd;
		*arg = *rest != '\0' ? rest : NULL;
		return 0;
	}
	return -1;
}

/* Close a client (callbacks of its bufferevent are not running). */
static void
client_free(struct control_client *cl)
{
	TAILQ_REMOVE(&cl->ctl->clients, cl, entry);
	cl->ctl->nclients--;
	bufferevent_free(cl->bev);
	free(cl);
}

/* Run one command line and write the answer. */
static void
client_command(struct control_client *cl, const char *line)
{
	struct evbuffer *out = bufferevent_get_output(cl->bev);
	enum control_cmd cmd;
	const char *arg;
	struct sbuf sb;
	size_t i;

	sbuf_init(&sb);
	if (*line == '\0') {
		sbuf_free(&sb);
		return;
	}
	if (control_parse(line, &cmd, &arg) != 0) {
		evbuffer_add_printf(out, "ERR unknown command or wrong arguments (try: help)\n");
		sbuf_free(&sb);
		return;
	}
	if (cmd == CONTROL_HELP) {
		for (i = 0; i < FLOE_NELEM(commands); i++)
			evbuffer_add_printf(out, "%s\n", commands[i].help);
		evbuffer_add_printf(out, "OK\n");
	} else if (cl->ctl->handler(cmd, arg, &sb, cl->ctl->arg) == 0) {
		evbuffer_add(out, sb.data != NULL ? sb.data : "", sb.len);
		evbuffer_add_printf(out, "OK\n");
	} else {
		/* The last line appended is the error message. */
		char *msg = sb.data != NULL ? sb.data : "", *last;
		while (sb.len > 0 && msg[sb.len - 1] == '\n')
			msg[--sb.len] = '\0';
		last = strrchr(msg, '\n');
		if (last != NULL) {
			evbuffer_add(out, msg, (size_t)(last - msg) + 1);
			msg = last + 1;
		}
		evbuffer_add_printf(out, "ERR %s\n", *msg ? msg : "failed");
	}
	sbuf_free(&sb);
}

/* Lines from a client. */
static void
client_read_cb(struct bufferevent *bev, void *arg)
{
	struct control_client *cl = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char *line;
	size_t n;

	while ((line = evbuffer_readln(in, &n, EVBUFFER_EOL_ANY)) != NULL) {
		client_command(cl, str_trim(line));
		free(line);
	}
	if (evbuffer_get_length(in) > CONTROL_LINE_MAX) {
		evbuffer_add_printf(bufferevent_get_output(bev), "ERR line too long\n");
		evbuffer_drain(in, evbuffer_get_length(in));
		cl->closing = 1;
		bufferevent_disable(bev, EV_READ);
	}
}

/* Close after the answer has gone out, when asked to. */
static void
client_write_cb(struct bufferevent *bev, void *arg)
{
	struct control_client *cl = arg;

	if (cl->closing)
		client_free(cl);
}

/* The client left or timed out. */
static void
client_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct control_client *cl = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	/* A last command without a newline still counts. */
	if ((what & BEV_EVENT_EOF) && evbuffer_get_length(in) > 0 &&
	    evbuffer_get_length(in) <= CONTROL_LINE_MAX) {
		size_t n = evbuffer_get_length(in);
		char *line = xmalloc(n + 1);
		evbuffer_remove(in, line, n);
		line[n] = '\0';
		client_command(cl, str_trim(line));
		free(line);
	}
	/* On EOF, let the answer go out before closing. */
	if ((what & BEV_EVENT_EOF) && evbuffer_get_length(bufferevent_get_output(bev)) > 0) {
		cl->closing = 1;
		bufferevent_disable(bev, EV_READ);
		return;
	}
	client_free(cl);
}

/* A new client. */
static void
accept_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa, int len,
    void *arg)
{
	struct control *ctl = arg;
	struct control_client *cl;
	struct timeval idle = { CONTROL_IDLE_SECONDS, 0 };

	if (ctl->nclients >= CONTROL_MAX_CLIENTS) {
		close(fd);
		return;
	}
	cl = xcalloc(1, sizeof *cl);
	cl->ctl = ctl;
	cl->bev = bufferevent_socket_new(ctl->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (cl->bev == NULL) {
		close(fd);
		free(cl);
		return;
	}
	TAILQ_INSERT_TAIL(&ctl->clients, cl, entry);
	ctl->nclients++;
	bufferevent_setcb(cl->bev, client_read_cb, client_write_cb, client_event_cb, cl);
	bufferevent_set_timeouts(cl->bev, &idle, NULL);
	bufferevent_enable(cl->bev, EV_READ | EV_WRITE);
}

/* Fill a unix socket address; -1 if the path is too long. */
static int
make_addr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof *sun);
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun->sun_path)
		return -1;
	memcpy(sun->sun_path, path, strlen(path) + 1);
	return 0;
}

/* Is a floe-source answering on path? */
static int
socket_alive(const char *path)
{
	struct sockaddr_un sun;
	int fd, alive;

	if (make_addr(path, &sun) != 0 || (fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		return 0;
	alive = connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0;
	close(fd);
	return alive;
}

/* Create the listening socket. */
struct control *
control_new(struct event_base *base, const char *path, control_handler *h, void *arg,
    char *err, size_t errlen)
{
	struct sockaddr_un sun;
	struct control *ctl;
	mode_t old;
	int fd;

	if (make_addr(path, &sun) != 0) {
		snprintf(err, errlen, "control socket path too long: %s", path);
		return NULL;
	}
	if (socket_alive(path)) {
		snprintf(err, errlen, "another floe-source is running with control socket %s "
		    "(give this one its own with --control PATH)", path);
		return NULL;
	}
	unlink(path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0) {
		snprintf(err, errlen, "control socket: %s", strerror(errno));
		return NULL;
	}
	old = umask(0077);
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
		umask(old);
		snprintf(err, errlen, "cannot create control socket %s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	umask(old);
	evutil_make_socket_nonblocking(fd);
	evutil_make_socket_closeonexec(fd);
	ctl = xcalloc(1, sizeof *ctl);
	ctl->base = base;
	ctl->path = xstrdup(path);
	ctl->handler = h;
	ctl->arg = arg;
	TAILQ_INIT(&ctl->clients);
	ctl->lev = evconnlistener_new(base, accept_cb, ctl, LEV_OPT_CLOSE_ON_FREE, 8, fd);
	if (ctl->lev == NULL) {
		snprintf(err, errlen, "cannot listen on %s", path);
		close(fd);
		unlink(path);
		free(ctl->path);
		free(ctl);
		return NULL;
	}
	return ctl;
}

/* Close the socket and every client; remove the socket file. */
void
control_free(struct control *ctl)
{
	struct control_client *cl;

	if (ctl == NULL)
		return;
	while ((cl = TAILQ_FIRST(&ctl->clients)) != NULL)
		client_free(cl);
	evconnlistener_free(ctl->lev);
	unlink(ctl->path);
	free(ctl->path);
	free(ctl);
}

char *
control_default_dir(void)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	struct stat st;

	if (xdg != NULL && *xdg == '/')
		return xstrdup(xdg);
	/* root: its own directory under /run (tmpfs, gone at reboot as the
	 * sockets should be); made private to root */
	if (geteuid() == 0 && (mkdir("/run/floe-source", 0700) == 0 || errno == EEXIST) &&
	    stat("/run/floe-source", &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == 0 &&
	    access("/run/floe-source", W_OK) == 0)
		return xstrdup("/run/floe-source");
	return xasprintf("/tmp/floe-source-%lu", (unsigned long)geteuid());
}

/* Keep [A-Za-z0-9._] of s[0..n), the rest becomes '-' (runs of it once). */
static void
key_add(struct sbuf *sb, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && sb->len < 80; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '_'))
			c = '-';
		if (c == '-' && (sb->len == 0 || sb->data[sb->len - 1] == '-'))
			continue;
		sbuf_add(sb, &c, 1);
	}
}

/* FNV-1a, 32 bits: enough to tell two config files' real paths apart. */
static uint32_t
key_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

char *
control_default_path(const char *config_path, const char *first_output)
{
	char *dir = control_default_dir(), *real, *path;
	const char *base, *p, *at, *end;
	struct sbuf key;
	struct stat st;

	sbuf_init(&key);
	if (config_path != NULL) {
		base = strrchr(config_path, '/');
		base = base != NULL ? base + 1 : config_path;
		end = strrchr(base, '.');
		key_add(&key, base, end != NULL && end != base ? (size_t)(end - base) : strlen(base));
		real = realpath(config_path, NULL);
		sbuf_addf(&key, "-%08x", key_hash(real != NULL ? real : config_path));
		free(real);
	} else if (first_output != NULL) {
		/* http://user:pass@host:port/mount: host, port and mount only */
		p = strstr(first_output, "://");
		p = p != NULL ? p + 3 : first_output;
		end = p + strcspn(p, "/");
		at = memchr(p, '@', (size_t)(end - p));
		while (at != NULL) {	/* the last @ before the path */
			p = at + 1;
			at = memchr(p, '@', (size_t)(end - p));
		}
		key_add(&key, p, strlen(p));
	}
	if (key.len == 0)
		sbuf_adds(&key, "default");
	if (stat(dir, &st) != 0)
		mkdir(dir, 0700);	/* /tmp/floe-source-UID */
	path = xasprintf("%s/floe-source-%s.sock", dir, key.data);
	sbuf_free(&key);
	free(dir);
	return path;
}

/* ctl without --socket or -c: the one floe-source running (its socket in
 * the default directory answers); NULL, having said why, if none or several. */
static char *
ctl_find_socket(void)
{
	char *dir = control_default_dir(), *found = NULL, *path;
	struct dirent *de;
	unsigned n = 0;
	DIR *d;

	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strncmp(de->d_name, "floe-source-", 12) != 0 ||
			    strlen(de->d_name) < 17 ||
			    strcmp(de->d_name + strlen(de->d_name) - 5, ".sock") != 0)
				continue;
			path = xasprintf("%s/%s", dir, de->d_name);
			if (!socket_alive(path)) {
				free(path);
				continue;
			}
			if (n++ == 0)
				found = path;
			else {
				if (n == 2)
					fprintf(stderr, "floe-source ctl: several floe-source processes "
					    "run; say which with -c CONFIG or --socket PATH:\n  %s\n",
					    found);
				fprintf(stderr, "  %s\n", path);
				free(path);
			}
		}
		closedir(d);
	}
	if (n == 0)
		fprintf(stderr, "floe-source ctl: no floe-source is running with a control socket "
		    "in %s (is it running? started with --control PATH, say --socket PATH)\n", dir);
	free(dir);
	if (n != 1) {
		free(found);
		return NULL;
	}
	return found;
}

/* Usage of the ctl subcommand. */
static void
ctl_usage(FILE *fp)
{
	size_t i;

	fprintf(fp, "Usage: floe-source ctl [-c CONFIG | --socket PATH] COMMAND [ARG]\n\n"
	    "Commands:\n");
	for (i = 0; i < FLOE_NELEM(commands); i++)
		fprintf(fp, "  %s\n", commands[i].help);
	fprintf(fp, "\nWhich floe-source: the one started with -c CONFIG (the same file), the\n"
	    "one listening on --socket PATH, or else the only one running (each has its\n"
	    "own socket in $XDG_RUNTIME_DIR, /run/floe-source for root, or\n"
	    "/tmp/floe-source-UID).\n");
}

/* The client: send one command, print the answer, exit 0 on OK. */
int
control_client(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct timeval tv = { CONTROL_CLIENT_TIMEOUT_SECONDS, 0 };
	char *path = NULL, buf[4096], resolved[PATH_MAX];
	struct sockaddr_un sun;
	struct sbuf cmd, got;
	enum control_cmd c;
	const char *arg;
	int ch, fd, i, rc = 1;
	ssize_t n;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "+s:c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			free(path);
			path = xstrdup(optarg);
			break;
		case 'c':
			free(path);
			path = control_default_path(optarg, NULL);
			break;
		case 'h':
			ctl_usage(stdout);
			return 0;
		default:
			ctl_usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		ctl_usage(stderr);
		return 2;
	}
	sbuf_init(&cmd);
	sbuf_init(&got);
	for (i = optind; i < argc; i++) {
		const char *word = argv[i];
		/* The server has its own working directory: send absolute paths. */
		if (i > optind && str_ieq(argv[optind], "queue") && realpath(word, resolved) != NULL)
			word = resolved;
		if (strchr(word, '\n') != NULL || strchr(word, '\r') != NULL) {
			fprintf(stderr, "floe-source ctl: arguments cannot contain line breaks\n");
			goto out;
		}
		sbuf_addf(&cmd, "%s%s", i > optind ? " " : "", word);
	}
	if (control_parse(cmd.data, &c, &arg) != 0) {
		fprintf(stderr, "floe-source ctl: unknown command or wrong arguments: %s\n",
		    cmd.data);
		ctl_usage(stderr);
		rc = 2;
		goto out;
	}
	sbuf_adds(&cmd, "\n");
	if (path == NULL && (path = ctl_find_socket()) == NULL)
		goto out;
	if (make_addr(path, &sun) != 0 || (fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0) {
		fprintf(stderr, "floe-source ctl: bad socket path %s\n", path);
		goto out;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
		fprintf(stderr, "floe-source ctl: cannot connect to %s: %s (is floe-source "
		    "running? see --control)\n", path, strerror(errno));
		close(fd);
		goto out;
	}
	if (write(fd, cmd.data, cmd.len) != (ssize_t)cmd.len) {
		fprintf(stderr, "floe-source ctl: cannot send: %s\n", strerror(errno));
		close(fd);
		goto out;
	}
	shutdown(fd, SHUT_WR);
	while ((n = read(fd, buf, sizeof buf)) > 0)
		sbuf_add(&got, buf, (size_t)n);
	close(fd);
	if (got.len == 0) {
		fprintf(stderr, "floe-source ctl: no answer from %s\n", path);
		goto out;
	}
	/* Print data lines; the last line says OK or ERR. */
	{
		char *last, *text = got.data;
		while (got.len > 0 && text[got.len - 1] == '\n')
			text[--got.len] = '\0';
		last = strrchr(text, '\n');
		if (last != NULL) {
			fwrite(text, 1, (size_t)(last - text) + 1, stdout);
			last++;
		} else
			last = text;
		if (strcmp(last, "OK") == 0)
			rc = 0;
		else
			fprintf(stderr, "floe-source: %s\n", strncmp(last, "ERR ", 4) == 0 ?
			    last + 4 : last);
	}
out:
	free(path);
	sbuf_free(&cmd);
	sbuf_free(&got);
	return rc;
}
