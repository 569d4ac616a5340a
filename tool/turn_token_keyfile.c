/*
 * turn_token_keyfile.c: locked read and atomic replace of a key-set file.
 * See turn_token_keyfile.h.
 */
#include "turn_token_keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "tpa_keyset.h"
#include "turn_token.h"

static int resolve_new(const char *sub, const char *path,
		       struct tt_keyfile *kf);
static int resolve(const char *sub, const char *path, int create,
		   struct tt_keyfile *kf);
static int lock_dir(const char *sub, struct tt_keyfile *kf);
static int read_file(const char *sub, int create, struct tt_keyfile *kf);
static int read_all(int fd, char *buf, size_t cap, size_t *len);
static int write_all(int fd, const char *p, size_t len);
static const char *base_name(const struct tt_keyfile *kf);

/* kf->path for a file still to be created: its directory's real path and
 * its name. */
static int resolve_new(const char *sub, const char *path, struct tt_keyfile *kf)
{
	char dir[PATH_MAX], real_dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;
	int n;

	n = snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1,
		     slash ? (slash == path ? "/" : path) : ".");
	if (*name == '\0' || n < 0 || (size_t)n >= sizeof(dir) ||
	    realpath(dir, real_dir) == NULL) {
		tt_err("%s: %s: no directory to create the set in", sub, path);
		return -1;
	}
	n = snprintf(kf->path, sizeof(kf->path), "%s/%s",
		     strcmp(real_dir, "/") == 0 ? "" : real_dir, name);
	if (n < 0 || (size_t)n >= sizeof(kf->path)) {
		tt_err("%s: %s: path too long", sub, path);
		return -1;
	}
	return 0;
}

/*
 * Fills kf->path and kf->dir: the file's real path, or for a file still to
 * be created (create is 1) the real path of its directory and its name.
 */
static int resolve(const char *sub, const char *path, int create,
		   struct tt_keyfile *kf)
{
	const char *slash;

	if (realpath(path, kf->path) == NULL) {
		if (errno != ENOENT || !create) {
			tt_err("%s: %s: %s%s", sub, path, strerror(errno),
			       errno == ENOENT ? " (--create starts a new set)"
					       : "");
			return -1;
		}
		if (resolve_new(sub, path, kf) != 0)
			return -1;
	}
	slash = strrchr(kf->path, '/'); /* the path is absolute */
	snprintf(kf->dir, sizeof(kf->dir), "%.*s",
		 slash == kf->path ? 1 : (int)(slash - kf->path), kf->path);
	return 0;
}

static int lock_dir(const char *sub, struct tt_keyfile *kf)
{
	kf->dir_fd = open(kf->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (kf->dir_fd < 0) {
		tt_err("%s: %s: %s", sub, kf->dir, strerror(errno));
		return -1;
	}
	while (flock(kf->dir_fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			tt_err("%s: cannot lock %s: %s", sub, kf->dir,
			       strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int read_all(int fd, char *buf, size_t cap, size_t *len)
{
	*len = 0;
	while (*len < cap) {
		ssize_t got = read(fd, buf + *len, cap - *len);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -1;
		if (got == 0)
			break;
		*len += (size_t)got;
	}
	return 0;
}

/* Reads the file (the lock is held); a missing one is "" when create. */
static int read_file(const char *sub, int create, struct tt_keyfile *kf)
{
	size_t cap = (size_t)TPA_KEYSET_MAX_BYTES + 1;
	struct stat st;
	int fd, rc = -1;

	fd = open(kf->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT && create) {
		if (fstat(kf->dir_fd, &st) != 0 ||
		    (kf->text = calloc(1, 1)) == NULL) {
			tt_err("%s: %s: %s", sub, kf->dir, strerror(errno));
			return -1;
		}
		kf->uid = st.st_uid;
		kf->gid = st.st_gid;
		return 0;
	}
	if (fd < 0) {
		tt_err("%s: %s: %s", sub, kf->path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		tt_err("%s: %s: not a regular file", sub, kf->path);
		goto out;
	}
	kf->exists = 1;
	kf->uid = st.st_uid;
	kf->gid = st.st_gid;
	kf->text = malloc(cap + 1);
	if (kf->text == NULL) {
		tt_err("%s: out of memory", sub);
		goto out;
	}
	if (read_all(fd, kf->text, cap, &kf->len) != 0) {
		tt_err("%s: %s: cannot read: %s", sub, kf->path,
		       strerror(errno));
		goto out;
	}
	if (kf->len > TPA_KEYSET_MAX_BYTES) {
		tt_err("%s: %s: file is bigger than 1 MiB", sub, kf->path);
		goto out;
	}
	kf->text[kf->len] = '\0';
	rc = 0;
out:
	close(fd);
	return rc;
}

int tt_keyfile_open(const char *sub, const char *path, int create,
		    struct tt_keyfile *kf)
{
	memset(kf, 0, sizeof(*kf));
	kf->dir_fd = -1;
	if (resolve(sub, path, create, kf) != 0 || lock_dir(sub, kf) != 0 ||
	    read_file(sub, create, kf) != 0) {
		tt_keyfile_close(kf);
		return TT_EXIT_USAGE;
	}
	return 0;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static const char *base_name(const struct tt_keyfile *kf)
{
	return strrchr(kf->path, '/') + 1;
}

int tt_keyfile_replace(const char *sub, struct tt_keyfile *kf, const char *text,
		       size_t len)
{
	char tmp[PATH_MAX];
	const char *step = NULL;
	int fd, n, saved = 0;

	n = snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX",
		     strcmp(kf->dir, "/") == 0 ? "" : kf->dir, base_name(kf));
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		tt_err("%s: %s: path too long", sub, kf->path);
		return TT_EXIT_USAGE;
	}
	fd = mkstemp(tmp); /* mode 0600 from the start */
	if (fd < 0) {
		tt_err("%s: cannot create a file in %s: %s", sub, kf->dir,
		       strerror(errno));
		return TT_EXIT_USAGE;
	}
	/* the server reads the file as its own user: keep its owner */
	if ((kf->uid != geteuid() || kf->gid != getegid()) &&
	    fchown(fd, kf->uid, kf->gid) != 0)
		step = "cannot give the new file the old one's owner";
	else if (fchmod(fd, 0600) != 0)
		step = "cannot make the new file mode 0600";
	else if (write_all(fd, text, len) != 0 || fsync(fd) != 0)
		step = "cannot write the new file";
	saved = errno;
	if (close(fd) != 0 && step == NULL) {
		step = "cannot write the new file";
		saved = errno;
	}
	if (step == NULL && rename(tmp, kf->path) != 0) {
		step = "cannot rename the new file over the old one";
		saved = errno;
	}
	if (step != NULL) {
		tt_err("%s: %s: %s: %s; not changed", sub, kf->path, step,
		       strerror(saved));
		unlink(tmp);
		return TT_EXIT_USAGE;
	}
	if (fsync(kf->dir_fd) != 0) {
		tt_err("%s: %s: replaced, but syncing %s failed: %s", sub,
		       kf->path, kf->dir, strerror(errno));
		return TT_EXIT_USAGE;
	}
	return 0;
}

void tt_keyfile_close(struct tt_keyfile *kf)
{
	if (kf->text != NULL) {
		OPENSSL_cleanse(kf->text, kf->len);
		free(kf->text);
		kf->text = NULL;
	}
	if (kf->dir_fd >= 0)
		close(kf->dir_fd); /* releases the flock */
	kf->dir_fd = -1;
}
