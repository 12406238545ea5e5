/*
 * privs.h: running as root safely: <security><chroot> and
 * <security><changeowner>. main.c opens what needs root (sockets, logs,
 * pid file, TLS keys) first, then calls privs_chroot and privs_switch_user
 * before any worker thread exists, so every thread runs as the new user.
 */
#ifndef FLOE_PRIVS_H
#define FLOE_PRIVS_H

#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

/**
 * Check <security> against this system and the user floe runs as, and
 * report as config_load does (file, line, element): an unknown user or
 * group, or a chroot that cannot work, is an error; root without
 * <changeowner>, or <changeowner> without root, a warning. Remembers the
 * user and group for privs_switch_user. Paths in c must be absolute.
 */
void privs_check(const struct config *c, config_report_fn report, void *arg);

/** The user and group floe will switch to; 0 if it will not switch. */
int privs_owner(uid_t *uid, gid_t *gid);

/** Give a file or directory floe just created to that user (no-op if none). */
void privs_chown(const char *path);

/** Could that user write to what st describes? 1 if floe will not switch. */
int privs_can_write(const struct stat *st);

/** The user's name, for messages (NULL if floe will not switch). */
const char *privs_user(void);

/** chroot to c->basedir if <chroot>1 (and chdir there); -1, logged, on failure. */
int privs_chroot(const struct config *c);

/** The directory floe chrooted to, as named before the chroot; NULL if none. */
const char *privs_root(void);

/**
 * Where the absolute path lies inside root: a copy of its part below root
 * ("/" for root itself), or NULL if it is not below root (or has ".."
 * components, which could climb out of it).
 */
char *privs_inside(const char *root, const char *path);

/** setgroups, setgid, setuid to what privs_check found, and check it took:
 *  -1, logged, if anything failed (floe must not go on). */
int privs_switch_user(void);

#endif
