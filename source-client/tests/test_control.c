/*
 * test_control.c: the control protocol's command parser.
 */
#include "../../tests/unit/tap.h"
#include "../control.c"

/* Run the checks; the exit status says whether all passed. */
int
main(void)
{
	enum control_cmd c;
	const char *arg;
	char *path;

	ok(control_parse("skip", &c, &arg) == 0 && c == CONTROL_SKIP && arg == NULL, "skip");
	ok(control_parse("  NOW ", &c, &arg) == 0 && c == CONTROL_NOW, "case and spaces");
	ok(control_parse("now", &c, &arg) == 0 && c == CONTROL_NOW, "now");
	ok(control_parse("next", &c, &arg) == 0 && c == CONTROL_NEXT, "next");
	ok(control_parse("reload", &c, &arg) == 0 && c == CONTROL_RELOAD, "reload");
	ok(control_parse("status", &c, &arg) == 0 && c == CONTROL_STATUS, "status");
	ok(control_parse("queue /music/a b.mp3", &c, &arg) == 0 && c == CONTROL_QUEUE,
	    "queue with a path");
	is_str(arg, "/music/a b.mp3", "queue keeps spaces in the path");
	ok(control_parse("queue", &c, &arg) != 0, "queue needs a file");
	ok(control_parse("skip now", &c, &arg) != 0, "skip takes no argument");
	ok(control_parse("skipper", &c, &arg) != 0, "no prefix matches");
	ok(control_parse("", &c, &arg) != 0, "empty line");
	ok(control_parse("rm -rf /", &c, &arg) != 0, "unknown command");
	setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
	path = control_default_path();
	is_str(path, "/run/user/1000/floe-source.sock", "default socket in XDG_RUNTIME_DIR");
	free(path);
	unsetenv("XDG_RUNTIME_DIR");
	path = control_default_path();
	ok(strncmp(path, "/tmp/floe-source-", 17) == 0, "default socket in /tmp otherwise");
	free(path);
	return tap_done();
}
