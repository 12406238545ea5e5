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
	ok(control_parse("queue-remove 2", &c, &arg) == 0 && c == CONTROL_QUEUE_REMOVE &&
	    strcmp(arg, "2") == 0, "queue-remove N");
	ok(control_parse("queue-remove", &c, &arg) != 0, "queue-remove needs N");
	ok(control_parse("queue-clear", &c, &arg) == 0 && c == CONTROL_QUEUE_CLEAR, "queue-clear");
	ok(control_parse("history", &c, &arg) == 0 && c == CONTROL_HISTORY && arg == NULL,
	    "history without N");
	ok(control_parse("history 5", &c, &arg) == 0 && c == CONTROL_HISTORY &&
	    strcmp(arg, "5") == 0, "history N");
	setenv("XDG_RUNTIME_DIR", "/tmp", 1);
	path = control_default_path(NULL, "http://source:p@ss@127.0.0.1:8000/live.mp3");
	is_str(path, "/tmp/floe-source-127.0.0.1-8000-live.mp3.sock",
	    "default socket: in XDG_RUNTIME_DIR, named by the first output, no credentials");
	free(path);
	path = control_default_path(NULL, "http://127.0.0.1:8001/live.mp3");
	is_str(path, "/tmp/floe-source-127.0.0.1-8001-live.mp3.sock",
	    "another server's same mount: another socket");
	free(path);
	path = control_default_path("/etc/floe/station.conf", "http://h/x.mp3");
	ok(strncmp(path, "/tmp/floe-source-station-", 25) == 0 && strlen(path) == 25 + 8 + 5,
	    "with a config file: its name and a hash of its path");
	{
		char *other = control_default_path("/srv/b/station.conf", NULL);

		ok(strcmp(path, other) != 0, "two station.conf in two folders: two sockets");
		free(other);
	}
	free(path);
	path = control_default_path(NULL, NULL);
	is_str(path, "/tmp/floe-source-default.sock", "no output named: default");
	free(path);
	unsetenv("XDG_RUNTIME_DIR");
	return tap_done();
}
