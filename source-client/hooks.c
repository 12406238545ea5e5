/*
 * hooks.c: event commands (hooks.h).
 *
 * A hook is spawned (posix_spawn: no shell, so a title such as
 * "$(rm -rf ~)" is only ever the text of an environment variable) and
 * reaped from a SIGCHLD event on the loop. At most HOOK_MAX_RUNNING run at
 * once: a hook that hangs is killed after HOOK_TIMEOUT_SECONDS, and while
 * too many run, new events are logged and skipped rather than piling up
 * processes.
 */
#include "hooks.h"
#include "log.h"
#include "webhook.h"
#include "../server/util.h"

#include <event2/event.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Why 30 s: a webhook or a scrobbler is done in a second; one that takes
 * half a minute is stuck. Why 8: one per event kind and then some. */
#define HOOK_TIMEOUT_SECONDS	30
#define HOOK_MAX_RUNNING	8

struct running {
	pid_t		 pid;
	enum hook_event	 e;
	struct event	*timeout;
	struct hooks	*h;
};

struct hooks {
	struct event_base *base;
	char		**argv[HOOK_NEVENTS];	/* NULL: no hook for the event */
	struct event	*sigchld;
	struct running	 run[HOOK_MAX_RUNNING];
	char		*urls[HOOK_NEVENTS];	/* webhooks, NULL: none */
	struct webhooks	*web;
};

static const char *const names[HOOK_NEVENTS] = { "track", "output-up", "output-down",
    "playlist", "live-connect", "live-disconnect" };

const char *
hook_event_name(enum hook_event e)
{
	return names[e];
}

int
hook_url_event(const char *key)
{
	size_t n = strlen(key);
	int i;

	if (n < 8 || strncmp(key, "on-", 3) != 0 || strcmp(key + n - 4, "-url") != 0)
		return -1;
	for (i = 0; i < HOOK_NEVENTS; i++)
		if (strlen(names[i]) == n - 7 && strncmp(key + 3, names[i], n - 7) == 0)
			return i;
	return -1;
}

/* "prog a b" -> { "prog", "a", "b", NULL } */
static char **
split_words(const char *cmd)
{
	char *copy = xstrdup(cmd), *tok, *save = NULL, **v = NULL;
	size_t n = 0;

	for (tok = strtok_r(copy, " \t", &save); tok != NULL; tok = strtok_r(NULL, " \t", &save)) {
		v = xreallocarray(v, n + 2, sizeof *v);
		v[n++] = xstrdup(tok);
		v[n] = NULL;
	}
	free(copy);
	return v;
}

/* A child ended: log how, free its slot. */
static void
reaped(struct running *r, int status)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		log_warn("hook on-%s (%s): exited with %d", names[r->e], r->h->argv[r->e][0],
		    WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		log_warn("hook on-%s (%s): killed by signal %d", names[r->e], r->h->argv[r->e][0],
		    WTERMSIG(status));
	else
		log_debug("hook on-%s (%s): done", names[r->e], r->h->argv[r->e][0]);
	event_free(r->timeout);
	r->timeout = NULL;
	r->pid = 0;
}

/* SIGCHLD: reap every hook that has ended. */
static void
sigchld_cb(evutil_socket_t sig, short what, void *arg)
{
	struct hooks *h = arg;
	int status;
	size_t i;

	for (i = 0; i < HOOK_MAX_RUNNING; i++)
		if (h->run[i].pid > 0 && waitpid(h->run[i].pid, &status, WNOHANG) == h->run[i].pid)
			reaped(&h->run[i], status);
}

/* A hook ran too long. */
static void
timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct running *r = arg;

	log_warn("hook on-%s (%s): still running after %d s: killed", names[r->e],
	    r->h->argv[r->e][0], HOOK_TIMEOUT_SECONDS);
	kill(r->pid, SIGKILL);
}

struct hooks *
hooks_new(struct event_base *base, const char *const commands[HOOK_NEVENTS])
{
	struct hooks *h = xcalloc(1, sizeof *h);
	int i, any = 0;

	h->base = base;
	for (i = 0; i < HOOK_NEVENTS; i++)
		if (commands[i] != NULL && *commands[i] != '\0' &&
		    (h->argv[i] = split_words(commands[i])) != NULL)
			any = 1;
	if (any) {
		h->sigchld = evsignal_new(base, SIGCHLD, sigchld_cb, h);
		evsignal_add(h->sigchld, NULL);
	}
	return h;
}

void
hooks_free(struct hooks *h)
{
	size_t i, j;

	if (h == NULL)
		return;
	for (i = 0; i < HOOK_MAX_RUNNING; i++) {
		if (h->run[i].pid > 0) {	/* floe-source stops: so do its hooks */
			kill(h->run[i].pid, SIGTERM);
			waitpid(h->run[i].pid, NULL, 0);
		}
		if (h->run[i].timeout != NULL)
			event_free(h->run[i].timeout);
	}
	for (i = 0; i < HOOK_NEVENTS; i++) {
		for (j = 0; h->argv[i] != NULL && h->argv[i][j] != NULL; j++)
			free(h->argv[i][j]);
		free(h->argv[i]);
	}
	if (h->sigchld != NULL)
		event_free(h->sigchld);
	for (i = 0; i < HOOK_NEVENTS; i++)
		free(h->urls[i]);
	webhooks_free(h->web);
	free(h);
}

void
hooks_set_webhooks(struct hooks *h, const char *const urls[HOOK_NEVENTS], const char *ca_file)
{
	int i;

	for (i = 0; i < HOOK_NEVENTS; i++)
		if (urls[i] != NULL && *urls[i] != '\0') {
			h->urls[i] = xstrdup(urls[i]);
			if (h->web == NULL)
				h->web = webhooks_new(h->base, ca_file);
		}
}

void
hooks_run(struct hooks *h, enum hook_event e, const char *const *env)
{
	struct timeval tv = { HOOK_TIMEOUT_SECONDS, 0 };
	posix_spawn_file_actions_t fa;
	struct running *r = NULL;
	char **envp, *ev;
	size_t n = 0, m = 0, i;
	pid_t pid;
	int rc;

	if (h != NULL && h->urls[e] != NULL)
		webhooks_event(h->web, h->urls[e], names[e], env);
	if (h == NULL || h->argv[e] == NULL)
		return;
	for (i = 0; i < HOOK_MAX_RUNNING && r == NULL; i++)
		if (h->run[i].pid == 0)
			r = &h->run[i];
	if (r == NULL) {
		log_warn("hook on-%s: %d hooks still running: this one skipped", names[e],
		    HOOK_MAX_RUNNING);
		return;
	}
	while (environ[n] != NULL)
		n++;
	while (env != NULL && env[m] != NULL)
		m++;
	envp = xreallocarray(NULL, n + m + 2, sizeof *envp);
	memcpy(envp, environ, n * sizeof *envp);
	for (i = 0; i < m; i++)
		envp[n + i] = (char *)env[i];
	ev = xasprintf("FLOE_EVENT=%s", names[e]);
	envp[n + m] = ev;
	envp[n + m + 1] = NULL;
	/* Only the standard streams (stdin from /dev/null): not the servers'
	 * sockets nor the control socket. */
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	rc = posix_spawnp(&pid, h->argv[e][0], &fa, NULL, h->argv[e], envp);
	posix_spawn_file_actions_destroy(&fa);
	free(ev);
	free(envp);
	if (rc != 0) {
		log_warn("hook on-%s: cannot run %s: %s", names[e], h->argv[e][0], strerror(rc));
		return;
	}
	r->pid = pid;
	r->e = e;
	r->h = h;
	r->timeout = evtimer_new(h->base, timeout_cb, r);
	evtimer_add(r->timeout, &tv);
}
