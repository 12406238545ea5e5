/*
 * test_privs.c: TAP tests for privs.c: where a path lies inside a chroot
 * (privs_inside), what privs_check refuses or warns about for
 * <changeowner> and <chroot>, with the element's line, as root and not,
 * and whether the user floe switches to could write a file.
 */
#include "tap.h"

#include "../../server/privs.c"
#include "../../server/log.c"
#include "../../server/util.c"

#include <stdlib.h>
#include <unistd.h>

#define MAX_REPORTS 16

/* One report as the callback saw it. */
struct rep {
	int			 line;
	enum config_severity	 sev;
	char			 msg[1024];
};

static struct rep reps[MAX_REPORTS];
static int nreps;

/* The report callback: keep each report. */
static void
collect(void *arg, const char *file, int line, enum config_severity sev, const char *msg)
{
	if (nreps < MAX_REPORTS) {
		reps[nreps].line = line;
		reps[nreps].sev = sev;
		snprintf(reps[nreps].msg, sizeof reps[nreps].msg, "%s", msg);
		nreps++;
	}
	printf("# %s:%d: %s: %s\n", file, line, sev == CONFIG_ERROR ? "error" : "warning", msg);
}

/* The first report containing needle, or NULL. */
static const struct rep *
find_rep(const char *needle)
{
	int i;

	for (i = 0; i < nreps; i++)
		if (strstr(reps[i].msg, needle) != NULL)
			return &reps[i];
	return NULL;
}

/* Run privs_check on c, collecting its reports afresh. */
static void
check(struct config *c)
{
	nreps = 0;
	privs_check(c, collect, NULL);
}

/* Is path inside root, and where? */
static void
test_inside(void)
{
	char *s;

	is_str(s = privs_inside("/srv/ice", "/srv/ice/web"), "/web", "a path below root");
	free(s);
	is_str(s = privs_inside("/srv/ice/", "/srv/ice//log/x"), "/log/x",
	    "trailing and doubled slashes");
	free(s);
	is_str(s = privs_inside("/srv/ice", "/srv/ice"), "/", "root itself is /");
	free(s);
	is_str(s = privs_inside("/", "/var/log"), "/var/log", "chroot to / changes nothing");
	free(s);
	ok(privs_inside("/srv/ice", "/srv/icecast/web") == NULL, "a sibling sharing a prefix is not inside");
	ok(privs_inside("/srv/ice", "/var/log") == NULL, "a path elsewhere is not inside");
	ok(privs_inside("/srv/ice", "/srv/ice/../etc") == NULL, "'..' could climb out: not inside");
	ok(privs_inside("/srv/ice", "/srv/ice/a/..") == NULL, "a trailing '..' neither");
	is_str(s = privs_inside("/srv/ice", "/srv/ice/..x"), "/..x", "'..x' is a name");
	free(s);
	ok(privs_inside("/srv/ice", "web") == NULL, "a relative path is not inside");
}

/* <changeowner> and <chroot> as whoever runs the test. */
static void
test_check(void)
{
	struct config c;
	const struct rep *r;
	struct stat st;
	int root = geteuid() == 0;
	uid_t uid;
	gid_t gid;

	memset(&c, 0, sizeof c);
	c.path = "t.xml";
	c.security_line = 3;
	c.changeowner_line = 4;
	c.user_line = 5;
	c.group_line = 6;
	c.chroot_line = 7;

	c.user = "floe-no-such-user";
	check(&c);
	r = find_rep("there is no user 'floe-no-such-user'");
	ok(r != NULL && r->sev == CONFIG_ERROR && r->line == 5,
	    "an unknown user is an error at <user>'s line");
	ok(!privs_owner(&uid, &gid), "and floe will not switch");

	c.user = NULL;
	c.group = "floe-no-such-group";
	check(&c);
	r = find_rep("there is no group 'floe-no-such-group'");
	ok(r != NULL && r->sev == CONFIG_ERROR && r->line == 6,
	    "an unknown group is an error at <group>'s line");
	c.group = "root";
	check(&c);
	r = find_rep("without a <user>");
	ok(r != NULL && r->sev == CONFIG_ERROR && r->line == 6,
	    "a <group> without a <user> is an error (floe would stay root)");

	c.user = "root";
	c.group = NULL;
	check(&c);
	if (root) {
		r = find_rep("has uid 0");
		ok(r != NULL && r->sev == CONFIG_WARNING && r->line == 5,
		    "as root, <user>root is a warning");
		ok(privs_owner(&uid, &gid) && uid == 0 && gid == 0,
		    "and its group is the user's own (gid 0)");
	} else {
		r = find_rep("is ignored: floe was not started as root");
		ok(r != NULL && r->sev == CONFIG_WARNING && r->line == 4,
		    "not root: <changeowner> is a warning at its line");
		ok(!privs_owner(&uid, &gid), "and floe will not switch");
	}

	c.user = NULL;
	check(&c);
	r = find_rep("started as root");
	if (root)
		ok(r != NULL && r->sev == CONFIG_WARNING && r->line == 3 &&
		    strstr(r->msg, "<security> has no <changeowner>") != NULL,
		    "as root without <changeowner>: a warning at <security>'s line");
	else
		ok(r == NULL && nreps == 0, "not root, no <changeowner>: nothing to say");
	c.security_line = 0;
	check(&c);
	r = find_rep("started as root");
	ok(root ? r != NULL && r->line == 0 : r == NULL,
	    "without <security> at all, the warning names no line");

	c.chroot = 1;
	check(&c);
	r = find_rep("needs <paths><basedir>");
	ok(r != NULL && r->sev == CONFIG_ERROR && r->line == 7, "<chroot>1 without a basedir: "
	    "an error at <chroot>'s line");
	r = find_rep("<chroot>1 needs root");
	ok(root ? r == NULL : r != NULL && r->sev == CONFIG_ERROR,
	    "<chroot>1 needs root (an error only when not root)");
	c.basedir = "/dev/null";
	check(&c);
	r = find_rep("/dev/null: not a directory");
	ok(r != NULL && r->sev == CONFIG_ERROR, "a basedir that is not a directory: an error");
	c.basedir = "/floe-no-such-dir";
	check(&c);
	r = find_rep("/floe-no-such-dir: No such file");
	ok(r != NULL && r->sev == CONFIG_ERROR, "a basedir that does not exist: an error");

	/* A plan by hand, for privs_can_write. */
	privs_forget();
	plan.active = 1;
	plan.uid = 1234;
	plan.gid = 99;
	plan.groups = xcalloc(2, sizeof *plan.groups);
	plan.groups[0] = 99;
	plan.groups[1] = 50;
	plan.ngroups = 2;
	memset(&st, 0, sizeof st);
	st.st_uid = 1234;
	st.st_mode = S_IFREG | 0644;
	ok(privs_can_write(&st), "the user's own 0644 file is writable");
	st.st_uid = 0;
	ok(!privs_can_write(&st), "root's 0644 file is not");
	st.st_gid = 50;
	st.st_mode = S_IFREG | 0664;
	ok(privs_can_write(&st), "a group-writable file of a supplementary group is");
	st.st_gid = 7;
	ok(!privs_can_write(&st), "of another group, it is not");
	st.st_mode = S_IFDIR | 0777;
	ok(privs_can_write(&st), "a world-writable directory is");
	privs_forget();
	ok(privs_can_write(&st) && privs_user() == NULL, "with no switch planned, anything goes");
}

int
main(void)
{
	test_inside();
	test_check();
	return tap_done();
}
