/*
 * filesrc.h: icecast-kh's file fallbacks ("/fallback-[128].mp3" in
 * webroot, looped and paced at the bitrate in brackets).
 */
#ifndef FLOE_FILESRC_H
#define FLOE_FILESRC_H

struct mount;

/** Does a fallback name look like a file fallback ("[kbps]" in it)? */
int filesrc_is_file_name(const char *name);
/** The mount a file fallback name stands for, its feed started if need
 *  be; NULL if the name has no bitrate or the file cannot be read (logged).
 *  Installed as mount_file_fallback by main.c. */
struct mount *filesrc_mount(const char *name);
/** Stop the feed of m (its last listener left). */
void filesrc_stop(struct mount *m);

#endif
