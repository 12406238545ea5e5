/*
 * yp.h: listing public mounts in YP directories (<directory><yp-url>).
 */
#ifndef FLOE_YP_H
#define FLOE_YP_H

/** Start the once-a-second pass over the mounts (main thread, after the
 *  event base exists); it reads srv.config's directories each time. */
void yp_start(void);
/** Forget every listing and call (shutdown). */
void yp_stop(void);

#endif
