/*
 * notify.h: systemd's readiness protocol (sd_notify), spoken directly: a
 * datagram to $NOTIFY_SOCKET. Nothing happens without that variable, so
 * floe runs the same anywhere else. Main thread only.
 */
#ifndef FLOE_NOTIFY_H
#define FLOE_NOTIFY_H

/** Send state ("READY=1", "RELOADING=1", "STOPPING=1", "STATUS=...") to
 *  systemd if it is listening; errors are ignored (logged at debug). */
void notify_systemd(const char *state);
/** Wait (at most timeout_ms) until systemd has processed what was sent. */
void notify_systemd_barrier(int timeout_ms);

#endif
