/*
 * notify.c: sd_notify without libsystemd. The protocol is one datagram of
 * "KEY=VALUE" lines to the unix socket named in $NOTIFY_SOCKET (an
 * abstract one if the name begins with '@'), which is what Type=notify
 * units wait for.
 */
#include "notify.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Send state, with fd attached (SCM_RIGHTS) if fd >= 0; -1 if it was not. */
static int
notify_send(const char *state, int fd)
{
	const char *path = getenv("NOTIFY_SOCKET");
	union {
		struct cmsghdr	h;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct sockaddr_un sa;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *ch;
	size_t n;
	int s, rc;

	if (path == NULL || (path[0] != '/' && path[0] != '@') ||
	    (n = strlen(path)) >= sizeof sa.sun_path)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, n);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	memset(&msg, 0, sizeof msg);
	iov.iov_base = (void *)state;
	iov.iov_len = strlen(state);
	msg.msg_name = &sa;
	msg.msg_namelen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (fd >= 0) {
		memset(&cm, 0, sizeof cm);
		msg.msg_control = cm.buf;
		msg.msg_controllen = sizeof cm.buf;
		ch = CMSG_FIRSTHDR(&msg);
		ch->cmsg_level = SOL_SOCKET;
		ch->cmsg_type = SCM_RIGHTS;
		ch->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(ch), &fd, sizeof fd);
	}
	if ((s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if ((rc = (int)sendmsg(s, &msg, MSG_NOSIGNAL)) < 0)
		log_debug("sd_notify %s: %s", state, strerror(errno));
	close(s);
	return rc < 0 ? -1 : 0;
}

void
notify_systemd(const char *state)
{
	notify_send(state, -1);
}

/*
 * BARRIER=1 with the write end of a pipe: systemd closes its copy once it
 * has processed every message sent before, so the read end sees the hang-up.
 * A process that hands its MAINPID on and exits waits for it: otherwise
 * systemd might see the exit first and take the service for dead.
 */
void
notify_systemd_barrier(int timeout_ms)
{
	struct pollfd p;
	int fds[2];

	if (getenv("NOTIFY_SOCKET") == NULL || pipe2(fds, O_CLOEXEC) < 0)
		return;
	if (notify_send("BARRIER=1", fds[1]) == 0) {
		close(fds[1]);
		p.fd = fds[0];
		p.events = 0;
		while (poll(&p, 1, timeout_ms) < 0 && errno == EINTR)
			;
	} else
		close(fds[1]);
	close(fds[0]);
}
