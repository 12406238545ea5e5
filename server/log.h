/*
 * log.h: the error log (levelled, one line per event), the access log
 * (icecast's combined format, one line per request, written when it ends)
 * and the playlist log.
 */
#ifndef FLOE_LOG_H
#define FLOE_LOG_H

#include <stdint.h>
#include <sys/types.h>

enum log_level { LOG_ERROR = 1, LOG_WARN = 2, LOG_INFO = 3, LOG_DEBUG = 4 };

/** Open the logs; NULL, "-" or "/dev/stderr" means stderr (for the playlist
 *  log: none). Returns -1 and logs why on failure, keeping the old ones. */
int log_open(const char *errorlog, const char *accesslog, const char *playlistlog,
    int level);
/** Reopen the files (after logrotate moved them); keeps the old ones on failure. */
void log_reopen(void);
/** Past max_bytes (0: never), a log file is renamed to NAME.old, or with
 *  archive to NAME.YYYYMMDD_HHMMSS, and a new one started (<logsize>,
 *  <logarchive>). Files only: stderr and devices are never rotated. */
void log_set_rotation(long max_bytes, int archive);
/** While starting up, errors also go to stderr, so a failed start is never
 *  silent when the error log is a file. */
void log_set_starting(int starting);
/** Log files created from now on are given to this user and group (as root,
 *  before floe switches to them), so that it can reopen them later. */
void log_set_owner(uid_t uid, gid_t gid);
void log_close(void);

/** Write one error-log line; control characters in the text are escaped. */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/** One access-log line, as icecast writes it:
 *  ip - user [date] "METHOD uri HTTP/x" status bytes "referer" "agent" seconds */
void log_access(const char *ip, const char *user, int64_t when, const char *request,
    int status, uint64_t bytes, const char *referer, const char *agent, int64_t seconds);

/** One playlist-log line (<playlistlog>): date|mount|listeners|title. */
void log_playlist(const char *mount, long listeners, const char *title);

#endif
