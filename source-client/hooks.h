/*
 * hooks.h: commands floe-source runs when something happens (a track
 * starts, an output comes up or goes down, the playlist is reloaded), for
 * now-playing pages, scrobbling, history and alerts, and/or URLs they are
 * POSTed to as JSON (webhook.h). Never through a shell and never waited
 * for: the audio goes on whatever a hook does. An event is one enum value
 * and its name: its on-NAME, on-NAME-url keys and flags follow.
 */
#ifndef FSRC_HOOKS_H
#define FSRC_HOOKS_H

struct event_base;
struct hooks;

enum hook_event { HOOK_TRACK, HOOK_OUTPUT_UP, HOOK_OUTPUT_DOWN, HOOK_PLAYLIST,
    HOOK_LIVE_CONNECT, HOOK_LIVE_DISCONNECT, HOOK_NEVENTS };

/** The event's name in FLOE_EVENT and in the config key (on-NAME). */
const char *hook_event_name(enum hook_event e);

/** The event whose webhook key ("on-NAME-url") key is, or -1. */
int hook_url_event(const char *key);

/** commands[e]: "PROGRAM [ARG...]" (split on spaces, no shell), or NULL. */
struct hooks *hooks_new(struct event_base *base, const char *const commands[HOOK_NEVENTS]);
void hooks_free(struct hooks *h);
/** urls[e]: a URL to POST each event e to as JSON (webhook.h), or NULL;
 *  https:// checked against ca_file (NULL: the system's CAs). */
void hooks_set_webhooks(struct hooks *h, const char *const urls[HOOK_NEVENTS],
    const char *ca_file);

/**
 * Run event e's command, if any, and POST it to its webhook, if any, with env (NAME=VALUE strings, NULL-ended:
 * FLOE_TITLE, FLOE_FILE, FLOE_OUTPUT...) added to floe-source's own
 * environment, and FLOE_EVENT. Returns at once; the command's exit is
 * logged when it comes, and one still running after HOOK_TIMEOUT is killed.
 */
void hooks_run(struct hooks *h, enum hook_event e, const char *const *env);

#endif
