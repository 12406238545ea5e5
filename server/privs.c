/*
 * privs.c: <security><changeowner> and <chroot> (see privs.h). Checking is
 * kept apart from acting, so --check-config reports exactly what floe -c
 * would refuse or warn about, with the element's file and line.
 */
#include "privs.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <grp.h>
#include <iconv.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * Supplementary groups asked for at first; getgrouplist says how many more
 * it needs. A system user is rarely in more than a handful.
 */
#define PRIVS_GROUPS_FIRST 16

/* What privs_check found, for privs_switch_user. */
struct privs_plan {
	int	 active;		/* root with a <changeowner><user>: switch */
	uid_t	 uid;
	gid_t	 gid;
	gid_t	*groups;		/* the user's groups, as initgroups would set */
	int	 ngroups;
	char	*user;
	char	*group;
};

static struct privs_plan plan;
static char *privs_chroot_dir;		/* as named outside, once chrooted */

/* Send one formatted report about c's file. */
static void __attribute__((format(printf, 6, 7)))
privs_report(config_report_fn report, void *arg, const struct config *c, int line,
    enum config_severity sev, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (report == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	report(arg, c->path, line, sev, msg);
}

/* The user's groups with gid among them (what initgroups would give). */
static void
privs_groups(const char *user, gid_t gid)
{
	int n = PRIVS_GROUPS_FIRST;

	plan.groups = xreallocarray(NULL, (size_t)n, sizeof *plan.groups);
	while (getgrouplist(user, gid, plan.groups, &n) == -1)
		plan.groups = xreallocarray(plan.groups, (size_t)n, sizeof *plan.groups);
	plan.ngroups = n;
}

/* Forget what an earlier check found. */
static void
privs_forget(void)
{
	free(plan.groups);
	free(plan.user);
	free(plan.group);
	memset(&plan, 0, sizeof plan);
}

/* Check <security><changeowner>; fill plan when floe will switch. */
static void
privs_check_owner(const struct config *c, config_report_fn report, void *arg)
{
	struct passwd *pw = NULL;
	struct group *gr = NULL;
	char *q;

	if (c->user != NULL) {
		errno = 0;
		if ((pw = getpwnam(c->user)) == NULL) {
			q = str_sanitize(c->user, 64);
			privs_report(report, arg, c, c->user_line, CONFIG_ERROR,
			    "<security><changeowner><user>: %s '%s'%s%s; create the user "
			    "(adduser --system %s) or name an existing one",
			    errno != 0 ? "cannot look up user" : "there is no user", q,
			    errno != 0 ? ": " : " on this system", errno != 0 ? strerror(errno) : "",
			    q);
			free(q);
		}
	}
	if (c->group != NULL) {
		errno = 0;
		if ((gr = getgrnam(c->group)) == NULL) {
			q = str_sanitize(c->group, 64);
			privs_report(report, arg, c, c->group_line, CONFIG_ERROR,
			    "<security><changeowner><group>: %s '%s'%s%s; create the group "
			    "(addgroup --system %s) or name an existing one",
			    errno != 0 ? "cannot look up group" : "there is no group", q,
			    errno != 0 ? ": " : " on this system", errno != 0 ? strerror(errno) : "",
			    q);
			free(q);
		}
		if (c->user == NULL)
			privs_report(report, arg, c, c->group_line, CONFIG_ERROR,
			    "<security><changeowner><group> without a <user>: floe would "
			    "change its group but go on running as root; add a <user>");
	}
	if (geteuid() != 0) {
		if (c->user != NULL || c->group != NULL)
			privs_report(report, arg, c, c->changeowner_line, CONFIG_WARNING,
			    "<security><changeowner> is ignored: floe was not started as "
			    "root (it runs as uid %lu), so it cannot switch user; it goes "
			    "on as it is (as icecast2 does)", (unsigned long)geteuid());
		return;
	}
	if (c->user == NULL) {
		if (c->security_line > 0)
			privs_report(report, arg, c, c->security_line, CONFIG_WARNING,
			    "<security> has no <changeowner>: floe was started as root and "
			    "every thread will run as root (icecast2 refuses to); add "
			    "<changeowner><user>icecast2</user><group>icecast</group>"
			    "</changeowner> naming an unprivileged user");
		else
			privs_report(report, arg, c, 0, CONFIG_WARNING,
			    "floe was started as root and no <security><changeowner> names "
			    "a user to switch to, so every thread will run as root "
			    "(icecast2 refuses to); add <security><changeowner><user>"
			    "icecast2</user><group>icecast</group></changeowner></security>");
		return;
	}
	if (pw == NULL || (c->group != NULL && gr == NULL))
		return;
	plan.active = 1;
	plan.uid = pw->pw_uid;
	plan.gid = gr != NULL ? gr->gr_gid : pw->pw_gid;
	plan.user = xstrdup(pw->pw_name);
	if (gr != NULL)
		plan.group = xstrdup(gr->gr_name);
	else if ((gr = getgrgid(plan.gid)) != NULL)
		plan.group = xstrdup(gr->gr_name);
	else
		plan.group = xasprintf("%lu", (unsigned long)plan.gid);
	privs_groups(plan.user, plan.gid);
	if (plan.uid == 0)
		privs_report(report, arg, c, c->user_line, CONFIG_WARNING,
		    "<security><changeowner><user> %s has uid 0: floe keeps every "
		    "privilege; name an unprivileged user", plan.user);
}

/* Check <security><chroot>. */
static void
privs_check_chroot(const struct config *c, config_report_fn report, void *arg)
{
	struct stat st;
	const char *why = NULL;
	char *q;

	if (!c->chroot)
		return;
	if (geteuid() != 0)
		privs_report(report, arg, c, c->chroot_line, CONFIG_ERROR,
		    "<security><chroot>1 needs root, and floe runs as uid %lu; start "
		    "it as root or set <chroot>0", (unsigned long)geteuid());
	if (c->basedir == NULL) {
		privs_report(report, arg, c, c->chroot_line, CONFIG_ERROR,
		    "<security><chroot>1 needs <paths><basedir>, the directory to "
		    "chroot to; set it or set <chroot>0");
		return;
	}
	if (stat(c->basedir, &st) < 0)
		why = strerror(errno);
	else if (!S_ISDIR(st.st_mode))
		why = "not a directory";
	if (why != NULL) {
		q = str_sanitize(c->basedir, 256);
		privs_report(report, arg, c, c->chroot_line, CONFIG_ERROR,
		    "<security><chroot>1: <paths><basedir> %s: %s; create it or "
		    "fix <basedir>", q, why);
		free(q);
	}
}

/* Check <security> against the system; remember what to switch to. */
void
privs_check(const struct config *c, config_report_fn report, void *arg)
{
	privs_forget();
	privs_check_owner(c, report, arg);
	privs_check_chroot(c, report, arg);
}

/* The user and group floe will switch to. */
int
privs_owner(uid_t *uid, gid_t *gid)
{
	if (!plan.active)
		return 0;
	*uid = plan.uid;
	*gid = plan.gid;
	return 1;
}

/* The user's name, for messages. */
const char *
privs_user(void)
{
	return plan.active ? plan.user : NULL;
}

/* Give a file floe created to the user it will run as. */
void
privs_chown(const char *path)
{
	if (!plan.active || geteuid() != 0)
		return;
	if (chown(path, plan.uid, plan.gid) < 0)
		log_warn("cannot give %s to user %s: %s", path, plan.user, strerror(errno));
}

/* Could the user write to st's file (by owner, group or other bits)? */
int
privs_can_write(const struct stat *st)
{
	int i;

	if (!plan.active || plan.uid == 0)
		return 1;
	if (st->st_uid == plan.uid)
		return (st->st_mode & S_IWUSR) != 0;
	for (i = 0; i < plan.ngroups; i++)
		if (st->st_gid == plan.groups[i])
			return (st->st_mode & S_IWGRP) != 0;
	return (st->st_mode & S_IWOTH) != 0;
}

/* The part of path below root, or NULL. */
char *
privs_inside(const char *root, const char *path)
{
	size_t n = strlen(root);
	const char *rest, *s;

	while (n > 1 && root[n - 1] == '/')
		n--;
	if (path[0] != '/')
		return NULL;
	for (s = path; (s = strstr(s, "..")) != NULL; s += 2)
		if (s[-1] == '/' && (s[2] == '/' || s[2] == '\0'))
			return NULL;
	if (n == 1)
		return xstrdup(path);		/* root is "/" */
	if (strncmp(path, root, n) != 0 || (path[n] != '/' && path[n] != '\0'))
		return NULL;
	rest = path + n;
	while (rest[0] == '/' && rest[1] == '/')
		rest++;
	return xstrdup(rest[0] == '\0' ? "/" : rest);
}

/* chroot to basedir if <chroot>1. */
int
privs_chroot(const struct config *c)
{
	static iconv_t latin1 = (iconv_t)-1;

	if (!c->chroot)
		return 0;
	/* What the C library would read from the old root later, read now:
	 * the time zone for log lines, and the Latin-1 decoder icy.c falls back
	 * on (an open descriptor keeps its module loaded for later opens). */
	tzset();
	if (latin1 == (iconv_t)-1)
		latin1 = iconv_open("UTF-8", "ISO-8859-1");
	if (chroot(c->basedir) < 0 || chdir("/") < 0) {
		log_error("cannot chroot to %s (<security><chroot>, config %s line %d): %s",
		    c->basedir, c->path, c->chroot_line, strerror(errno));
		return -1;
	}
	privs_chroot_dir = xstrdup(c->basedir);
	log_info("chrooted to %s: paths below it are now taken from /", c->basedir);
	return 0;
}

/* The directory floe chrooted to. */
const char *
privs_root(void)
{
	return privs_chroot_dir;
}

/* Become the user and group of <changeowner>, for good. */
int
privs_switch_user(void)
{
	if (!plan.active)
		return 0;
	if (setgroups((size_t)plan.ngroups, plan.groups) < 0 || setgid(plan.gid) < 0 ||
	    setuid(plan.uid) < 0) {
		log_error("cannot switch to user %s and group %s: %s", plan.user, plan.group,
		    strerror(errno));
		return -1;
	}
	/* Each id, real and effective, is the new one, and root is out of
	 * reach: setuid(0) must fail now (it would succeed if a saved id were
	 * still 0). */
	if (getuid() != plan.uid || geteuid() != plan.uid || getgid() != plan.gid ||
	    getegid() != plan.gid || (plan.uid != 0 && setuid(0) != -1)) {
		log_error("switching to user %s and group %s did not take: uid %lu euid %lu "
		    "gid %lu egid %lu", plan.user, plan.group, (unsigned long)getuid(),
		    (unsigned long)geteuid(), (unsigned long)getgid(), (unsigned long)getegid());
		return -1;
	}
	log_info("running as user %s (uid %lu), group %s (gid %lu)", plan.user,
	    (unsigned long)plan.uid, plan.group, (unsigned long)plan.gid);
	return 0;
}
