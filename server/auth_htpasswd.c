/*
 * auth_htpasswd.c: <authentication type="htpasswd">, icecast's user file.
 * Lines are "user:hash"; icecast2 writes the MD5 of the password in hex,
 * Apache's htpasswd writes crypt(3) hashes ($2y$ bcrypt, $5$/$6$ SHA-crypt,
 * $1$ MD5-crypt) or {SHA}: all are verified. The file is read again
 * whenever it changes on disk, so a user added by hand or by manageauth
 * takes effect at the next listener. Users are added with icecast2's hash
 * so the file stays usable by icecast2. Main loop only.
 */
#include "auth_htpasswd.h"
#include "mount_auth.h"
#include "auth.h"
#include "config.h"
#include "log.h"
#include "util.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Why 1024: icecast2 reads lines of up to 512 bytes; bcrypt and
 * SHA-crypt hashes with long names fit easily, and a longer line is a
 * broken file, not a user. */
#define LINE_MAX_LEN 1024

struct ht_user {
	char	*name;
	char	*hash;
};

/* One file, as last read. */
struct ht_file {
	char		*path;
	struct timespec	 mtime;
	off_t		 size;
	ino_t		 ino;
	int		 loaded;
	struct ht_user	*users;
	size_t		 nusers;
	struct ht_file	*next;
};

static struct ht_file *files;

/* The whole of a file that must be small; NULL (errno set) if it is not. */
static char *
read_small_file(const char *path, size_t max, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	size_t n;

	if (fp == NULL)
		return NULL;
	buf = xmalloc(max + 1);
	n = fread(buf, 1, max + 1, fp);
	if (ferror(fp) || n > max) {
		int e = ferror(fp) ? EIO : EFBIG;

		fclose(fp);
		free(buf);
		errno = e;
		return NULL;
	}
	fclose(fp);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static void
ht_clear(struct ht_file *f)
{
	size_t i;

	for (i = 0; i < f->nusers; i++) {
		free(f->users[i].name);
		free(f->users[i].hash);
	}
	free(f->users);
	f->users = NULL;
	f->nusers = 0;
}

/* Parse the text of a file into f (replacing what it held). */
static void
htpasswd_parse(struct ht_file *f, const char *text)
{
	const char *p = text, *nl, *sep;
	size_t len, lineno = 0;
	char *line;

	ht_clear(f);
	while (*p != '\0') {
		nl = strchr(p, '\n');
		len = nl != NULL ? (size_t)(nl - p) : strlen(p);
		lineno++;
		line = xstrndup(p, len);
		p += len + (nl != NULL);
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		if (line[0] == '\0' || line[0] == '#') {
			free(line);
			continue;
		}
		/* As icecast2: the hash is after the last ':'. */
		if ((sep = strrchr(line, ':')) == NULL || sep == line || len > LINE_MAX_LEN) {
			log_warn("htpasswd %s line %zu: not \"user:hash\", skipped",
			    f->path != NULL ? f->path : "-", lineno);
			free(line);
			continue;
		}
		f->users = xrealloc(f->users, (f->nusers + 1) * sizeof *f->users);
		f->users[f->nusers].name = xstrndup(line, (size_t)(sep - line));
		f->users[f->nusers].hash = xstrdup(sep + 1);
		f->nusers++;
		free(line);
	}
}

/* The cached file for path, read again if it changed. NULL if unreadable. */
static struct ht_file *
ht_get(const char *path)
{
	struct ht_file *f;
	struct stat st;
	char *text;
	size_t len;

	for (f = files; f != NULL; f = f->next)
		if (strcmp(f->path, path) == 0)
			break;
	if (f == NULL) {
		f = xcalloc(1, sizeof *f);
		f->path = xstrdup(path);
		f->next = files;
		files = f;
	}
	if (stat(path, &st) < 0) {
		if (f->loaded || errno != ENOENT)
			log_warn("htpasswd %s: %s; nobody is admitted by it", path, strerror(errno));
		ht_clear(f);
		f->loaded = 0;
		return NULL;
	}
	if (f->loaded && st.st_mtim.tv_sec == f->mtime.tv_sec &&
	    st.st_mtim.tv_nsec == f->mtime.tv_nsec && st.st_size == f->size &&
	    st.st_ino == f->ino)
		return f;
	if ((text = read_small_file(path, 16 * 1024 * 1024, &len)) == NULL) {
		log_warn("htpasswd %s: cannot read it: %s; nobody is admitted by it", path,
		    strerror(errno));
		ht_clear(f);
		f->loaded = 0;
		return NULL;
	}
	htpasswd_parse(f, text);
	free(text);
	f->mtime = st.st_mtim;
	f->size = st.st_size;
	f->ino = st.st_ino;
	f->loaded = 1;
	log_info("htpasswd %s: %zu user(s)", path, f->nusers);
	return f;
}

/* Lower-case hex MD5 of s, as icecast2 stores passwords. */
static void
md5_hex(const char *s, char out[33])
{
	unsigned char d[16];
	unsigned int n = 0;
	int i;

	EVP_Digest(s, strlen(s), d, &n, EVP_md5(), NULL);
	for (i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static int
is_hex32(const char *s)
{
	size_t i;

	for (i = 0; i < 32; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
		    (s[i] >= 'A' && s[i] <= 'F')))
			return 0;
	return s[32] == '\0';
}

int
htpasswd_verify(const char *hash, const char *pass)
{
	char hex[33];
	unsigned char sha[SHA_DIGEST_LENGTH];
	struct crypt_data *cd;
	const char *out;
	char *b64;
	int ok;

	if (is_hex32(hash)) {
		char lower[33];
		size_t i;

		for (i = 0; i < 33; i++)
			lower[i] = (hash[i] >= 'A' && hash[i] <= 'F') ? hash[i] + 32 : hash[i];
		md5_hex(pass, hex);
		return auth_equal(hex, lower);
	}
	if (strncmp(hash, "{SHA}", 5) == 0) {
		SHA1((const unsigned char *)pass, strlen(pass), sha);
		b64 = base64_encode(sha, sizeof sha);
		ok = auth_equal(b64, hash + 5);
		free(b64);
		return ok;
	}
	if (hash[0] == '$') {
		cd = xcalloc(1, sizeof *cd);
		out = crypt_r(pass, hash, cd);
		ok = out != NULL && out[0] != '*' && auth_equal(out, hash);
		free(cd);
		return ok;
	}
	return 0;	/* a plain-text or unknown hash never matches */
}

/* The listener's check: a sync answer. */
static void *
htpasswd_add(const struct config_auth *a, const struct auth_client *who,
    auth_done_fn done, void *arg)
{
	struct auth_decision d = { 401, NULL, 0, NULL };
	const struct ht_file *f = ht_get(config_auth_option(a, "filename"));
	const struct ht_user *u = NULL;
	size_t i;

	for (i = 0; f != NULL && who->user[0] != '\0' && i < f->nusers; i++)
		if (strcmp(f->users[i].name, who->user) == 0)
			u = &f->users[i];
	/* An unknown user costs a hash too, so names cannot be probed by timing. */
	if (htpasswd_verify(u != NULL ? u->hash : "00000000000000000000000000000000",
	    who->pass) && u != NULL) {
		d.status = 0;
		d.user = u->name;
	}
	done(arg, &d);
	return NULL;
}

const struct auth_backend auth_htpasswd_backend = {
	.type = "htpasswd",
	.listener_add = htpasswd_add,
	.shutdown = htpasswd_shutdown,
};

/* --- manageauth ------------------------------------------------------ */

int
htpasswd_name_ok(const char *name)
{
	const unsigned char *p = (const unsigned char *)name;

	if (*p == '\0' || strlen(name) > 128 || !utf8_is_valid(name, strlen(name)))
		return 0;
	for (; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f || *p == ':' || *p == '#')
			return 0;
	return name[0] != '#';
}

/*
 * Rewrite the file at path: every line kept as it was (comments too),
 * except the lines of user drop (if not NULL), plus add (a whole line, if
 * not NULL) at the end. A temporary file beside it, synced, then renamed
 * over it: a reader sees the old file or the new one, never half.
 */
static int
ht_rewrite(const char *path, const char *drop, const char *add, char **err)
{
	char *tmp = xasprintf("%s.floe-tmp", path), *text = NULL, *line, *next;
	size_t len = 0, n;
	struct stat st;
	FILE *fp = NULL;
	int fd, mode = 0600, have = stat(path, &st) == 0;

	if (have) {
		mode = st.st_mode & 07777;
		if ((text = read_small_file(path, 16 * 1024 * 1024, &len)) == NULL) {
			*err = xasprintf("cannot read %s: %s", path, strerror(errno));
			goto fail;
		}
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)) < 0) {
		*err = xasprintf("cannot write %s: %s", tmp, strerror(errno));
		goto fail;
	}
	/* Still the owner's file; if that fails, floe's (as it would be anyway). */
	if (have && geteuid() == 0 && fchown(fd, st.st_uid, st.st_gid) < 0)
		log_debug("%s: cannot give it back to uid %lu: %s", tmp, (unsigned long)st.st_uid,
		    strerror(errno));
	if ((fp = fdopen(fd, "w")) == NULL) {
		*err = xasprintf("cannot write %s: %s", tmp, strerror(errno));
		close(fd);
		goto fail_tmp;
	}
	for (line = text; line != NULL && line < text + len; line = next) {
		next = memchr(line, '\n', (size_t)(text + len - line));
		n = next != NULL ? (size_t)(next - line) : (size_t)(text + len - line);
		next = next != NULL ? next + 1 : text + len;
		if (drop != NULL && strlen(drop) < n && line[strlen(drop)] == ':' &&
		    strncmp(line, drop, strlen(drop)) == 0)
			continue;
		fwrite(line, 1, n, fp);
		fputc('\n', fp);
	}
	if (add != NULL)
		fprintf(fp, "%s\n", add);
	if (fflush(fp) != 0 || fsync(fd) != 0) {
		*err = xasprintf("cannot write %s: %s", tmp, strerror(errno));
		fclose(fp);
		goto fail_tmp;
	}
	fclose(fp);
	if (rename(tmp, path) < 0) {
		*err = xasprintf("cannot replace %s: %s", path, strerror(errno));
		goto fail_tmp;
	}
	free(tmp);
	free(text);
	return 0;
fail_tmp:
	unlink(tmp);
fail:
	free(tmp);
	free(text);
	return -1;
}

/* Forget what was read of path: the next use reads it again. */
static void
ht_forget(const char *path)
{
	struct ht_file *f;

	for (f = files; f != NULL; f = f->next)
		if (strcmp(f->path, path) == 0)
			f->loaded = 0;
}

int
htpasswd_list(const char *path, char ***names, size_t *n)
{
	struct ht_file *f = ht_get(path);
	size_t i;

	*names = NULL;
	*n = 0;
	if (f == NULL)
		return access(path, F_OK) == 0 ? -1 : 0;
	*names = xcalloc(f->nusers + 1, sizeof **names);
	for (i = 0; i < f->nusers; i++)
		(*names)[i] = xstrdup(f->users[i].name);
	*n = f->nusers;
	return 0;
}

int
htpasswd_adduser(const char *path, const char *user, const char *pass, char **err)
{
	struct ht_file *f = ht_get(path);
	char hex[33], *line;
	size_t i;
	int ret;

	*err = NULL;
	if (f == NULL) {
		if (access(path, F_OK) == 0) {
			*err = xasprintf("cannot read %s", path);
			return -1;
		}
		/* ht_get left an empty entry for it: the file is created. */
		for (f = files; f != NULL && strcmp(f->path, path) != 0; f = f->next)
			;
	}
	for (i = 0; f != NULL && i < f->nusers; i++)
		if (strcmp(f->users[i].name, user) == 0) {
			*err = xstrdup("User already exists");
			return 1;
		}
	md5_hex(pass, hex);		/* what icecast2 writes */
	line = xasprintf("%s:%s", user, hex);
	ret = ht_rewrite(path, NULL, line, err);
	free(line);
	ht_forget(path);
	return ret;
}

int
htpasswd_deleteuser(const char *path, const char *user, char **err)
{
	struct ht_file *f = ht_get(path);
	size_t i;
	int ret;

	*err = NULL;
	for (i = 0; f != NULL && i < f->nusers; i++)
		if (strcmp(f->users[i].name, user) == 0)
			break;
	if (f == NULL || i == f->nusers) {
		*err = xstrdup("User not found");
		return 1;
	}
	ret = ht_rewrite(path, user, NULL, err);
	ht_forget(path);
	return ret;
}

void
htpasswd_shutdown(void)
{
	struct ht_file *f;

	while ((f = files) != NULL) {
		files = f->next;
		ht_clear(f);
		free(f->path);
		free(f);
	}
}
