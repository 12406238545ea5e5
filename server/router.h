/*
 * router.h: what a complete request head turns into: a source, a listener,
 * an admin command, a status document, a web page, or an error.
 */
#ifndef FLOE_ROUTER_H
#define FLOE_ROUTER_H

struct conn;

/** Dispatch c->req. The request stays valid during the call only. */
void router_dispatch(struct conn *c);

#endif
