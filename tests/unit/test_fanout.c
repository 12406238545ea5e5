/*
 * test_fanout.c: TAP tests for the fan-out's arithmetic and the choices
 * around it: how many turns a write interval is cut into
 * (fanout_slots_for), where a listener starts in a mount's queue
 * (listener_start_point), and which mount serves a listener when fallbacks
 * are configured or set at run time (mount_resolve). The rest of the
 * server comes from libfloe.a; the mount hooks here are stand-ins, so no
 * event loop runs.
 */
#include "tap.h"

#include "../../server/fanout.c"
#include "../../server/mount.c"
#include "../../server/listener.c"

#include <stdlib.h>

struct server srv;

/* Turns: about 50 ms each, at most 20, at most one per 1,000 listeners. */
static void
test_slots(void)
{
	is_int(fanout_slots_for(250, 0), 1, "250 ms, no listeners: 1 turn");
	is_int(fanout_slots_for(250, 999), 1, "250 ms, 999 listeners: 1 turn");
	is_int(fanout_slots_for(250, 1000), 2, "250 ms, 1,000 listeners: 2 turns");
	is_int(fanout_slots_for(250, 4999), 5, "250 ms, 4,999 listeners: 5 turns");
	is_int(fanout_slots_for(250, 100000), 5, "250 ms: never more than 5 turns of 50 ms");
	is_int(fanout_slots_for(500, 100000), 10, "500 ms: 10 turns");
	is_int(fanout_slots_for(1000, 100000), 20, "1 s: 20 turns");
	is_int(fanout_slots_for(5000, 100000), 20, "5 s: still at most 20 turns");
	is_int(fanout_slots_for(40, 100000), 1, "an interval shorter than a turn: 1 turn");
	is_int(fanout_slots_for(0, 100000), 1, "no interval: 1 turn");
}

/* A block of n bytes with flags, appended to q. */
static struct block *
add(struct queue *q, size_t n, uint32_t flags)
{
	static const uint8_t zeros[8192];
	struct block *b = block_new(zeros, n, 0, flags);

	queue_append(q, b);
	return b;
}

/* Start points: burst, live edge, and the first byte after an arrival. */
static void
test_start_point(void)
{
	struct queue q;
	struct block *a, *b, *c, *d;

	queue_init(&q, 1 << 20, 2048);
	ok(listener_start_point(&q, 0, 0, 0) == NULL, "empty queue: no start point");
	ok(listener_start_point(&q, 1, 0, 0) == NULL, "empty queue: no live point either");
	a = add(&q, 1000, 0);		/* not a frame boundary (an ID3 tag, say) */
	ok(listener_start_point(&q, 0, 0, 0) == a,
	    "no frame boundary yet: whatever there is (the tail)");
	b = add(&q, 1000, BLOCK_SYNC);
	c = add(&q, 1000, BLOCK_SYNC);
	d = add(&q, 1000, BLOCK_SYNC);
	ok(listener_start_point(&q, 0, 0, 0) == c,
	    "new listener: the oldest boundary within burst-size (2,048) of the tail");
	ok(listener_start_point(&q, 1, 0, 0) == d, "moved listener: the newest boundary");
	ok(listener_start_point(&q, 0, 1, 1500) == b,
	    "arrived at byte 1,500: the block holding it");
	ok(listener_start_point(&q, 0, 1, 2000) == c,
	    "arrived at byte 2,000: the block starting there");
	ok(listener_start_point(&q, 0, 1, 4000) == NULL,
	    "arrived at the tail: nothing yet");
	(void)a;
	queue_clear(&q);
}

/* Stand-in hooks: no fan-out state, no event loop. */
static void hook_nothing(struct mount *m) { (void)m; }
static const struct mount_hooks stub_hooks = { hook_nothing, hook_nothing, hook_nothing };

static char a_source;

/* A registered mount, live if live. */
static struct mount *
mount_at(const char *name, int live)
{
	struct mount *m = mount_get(name);

	m->source = live ? (struct source *)&a_source : NULL;
	return m;
}

/* Config problems, shown as TAP comments. */
static void
report(void *arg, const char *file, int line, enum config_severity sev, const char *msg)
{
	(void)arg;
	printf("# %s:%d: %s: %s\n", file, line, sev == CONFIG_ERROR ? "error" : "warning", msg);
}

/* Load a config from text. */
static struct config *
config_of(const char *xml)
{
	return config_load_mem(xml, strlen(xml), "test.xml", report, NULL);
}

/* Fallback resolution: configured chains, run-time overrides, loops. */
static void
test_resolve(void)
{
	struct mount *a, *b, *c;

	srv.config = config_of("<icecast><authentication><source-password>s</source-password>"
	    "<admin-password>a</admin-password></authentication>"
	    "<mount><mount-name>/a</mount-name><fallback-mount>/b</fallback-mount></mount>"
	    "<mount><mount-name>/b</mount-name><fallback-mount>/c</fallback-mount></mount>"
	    "<mount><mount-name>/x</mount-name><fallback-mount>/y</fallback-mount></mount>"
	    "<mount><mount-name>/y</mount-name><fallback-mount>/x</fallback-mount></mount>"
	    "<mount><mount-name>/1</mount-name><fallback-mount>/2</fallback-mount></mount>"
	    "<mount><mount-name>/2</mount-name><fallback-mount>/3</fallback-mount></mount>"
	    "<mount><mount-name>/3</mount-name><fallback-mount>/4</fallback-mount></mount>"
	    "<mount><mount-name>/4</mount-name><fallback-mount>/5</fallback-mount></mount>"
	    "<mount type=\"default\"><fallback-mount>/c</fallback-mount></mount>"
	    "</icecast>");
	ok(srv.config != NULL, "config with fallback chains loads");
	if (srv.config == NULL)
		return;
	TAILQ_INIT(&srv.mounts);
	mount_set_hooks(&stub_hooks);

	ok(mount_resolve("/a") == NULL, "nothing live anywhere: no mount");
	c = mount_at("/c", 1);
	ok(mount_resolve("/a") == c, "/a -> /b -> /c: served from /c, two hops down");
	ok(mount_resolve("/c") == c, "a live mount serves itself");
	b = mount_at("/b", 1);
	ok(mount_resolve("/a") == b, "/b goes live: the nearer fallback wins");
	a = mount_at("/a", 1);
	ok(mount_resolve("/a") == a, "/a goes live: served from itself");
	a->source = NULL;
	b->source = NULL;
	a->fallback = xstrdup("/c");
	ok(mount_resolve("/a") == c, "a fallback set at run time overrides the config");
	free(a->fallback);
	a->fallback = xstrdup("");
	ok(mount_resolve("/a") == NULL, "a run-time fallback of \"\" means none");
	ok(mount_resolve("/x") == NULL, "/x -> /y -> /x: a loop ends with no mount");
	mount_at("/5", 1);
	ok(mount_resolve("/1") == NULL, "a chain deeper than 4 hops is a configuration loop");
	ok(mount_resolve("/4") == mount_find("/5"), "four hops down resolves");
	ok(mount_resolve("/nowhere") == NULL,
	    "a mount with no block of its own does not chain through the default's fallback");
}

int
main(void)
{
	test_slots();
	test_start_point();
	test_resolve();
	return tap_done();
}
