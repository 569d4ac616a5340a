/*
 * tpa_keystore.c - the current key set, swapped atomically on change.
 */
#include "tpa_keystore.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/crypto.h>

/* What identifies one version of the file. */
struct file_stamp {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	struct timespec ctime;
	mode_t mode;
};

struct tpa_keystore {
	char *path;
	uint32_t check_ms;
	tpa_keystore_log_fn log;
	void *log_ctx;

	pthread_rwlock_t lock;	/* guards set */
	struct tpa_keyset *set; /* current keys, never NULL */

	pthread_mutex_t reload;	  /* held by the one thread that reloads */
	uint64_t next_check_ms;	  /* monotonic; guarded by reload */
	struct file_stamp loaded; /* the version in set */
	enum {
		FILE_LOADED,	   /* the file is the version in set */
		FILE_REFUSED,	   /* the version refused is in refused */
		FILE_MISSING	   /* the file could not be found */
	} file_state;		   /* what was last logged about the file */
	struct file_stamp refused; /* FILE_REFUSED: that version */
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int stamp_of(const char *path, struct file_stamp *st)
{
	struct stat sb;

	memset(st, 0, sizeof(*st));
	if (stat(path, &sb) != 0)
		return -1;
	st->dev = sb.st_dev;
	st->ino = sb.st_ino;
	st->size = sb.st_size;
	st->mtime = sb.st_mtim;
	st->ctime = sb.st_ctim;
	st->mode = sb.st_mode;
	return 0;
}

static int stamp_eq(const struct file_stamp *a, const struct file_stamp *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec &&
	       a->mtime.tv_nsec == b->mtime.tv_nsec &&
	       a->ctime.tv_sec == b->ctime.tv_sec &&
	       a->ctime.tv_nsec == b->ctime.tv_nsec;
}

static void say(struct tpa_keystore *ks, enum tpa_log_level level,
		const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(struct tpa_keystore *ks, enum tpa_log_level level,
		const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	if (!ks->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ks->log(ks->log_ctx, level, msg);
}

/* Keys are secrets: only the server's user should be able to read them. */
static void warn_if_exposed(struct tpa_keystore *ks,
			    const struct file_stamp *st)
{
	if (st->mode & (S_IRWXG | S_IRWXO))
		say(ks, TPA_LOG_WARNING,
		    "key set %s has mode %04o: group or others can read or "
		    "change the keys; make it 0600, owned by the server's user",
		    ks->path, (unsigned)(st->mode & 07777));
}

struct tpa_keystore *tpa_keystore_open(const char *path, uint32_t check_ms,
				       tpa_keystore_log_fn log, void *ctx,
				       char *err, size_t errlen)
{
	struct tpa_keystore *ks = calloc(1, sizeof(*ks));

	if (!ks || !(ks->path = strdup(path))) {
		free(ks);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ks->check_ms = check_ms ? check_ms : 1;
	ks->log = log;
	ks->log_ctx = ctx;
	stamp_of(path, &ks->loaded);
	ks->set = tpa_keyset_load_file(path, err, errlen);
	if (!ks->set) {
		free(ks->path);
		free(ks);
		return NULL;
	}
	if (pthread_rwlock_init(&ks->lock, NULL) != 0) {
		snprintf(err, errlen, "cannot create a lock");
		goto fail;
	}
	if (pthread_mutex_init(&ks->reload, NULL) != 0) {
		pthread_rwlock_destroy(&ks->lock);
		snprintf(err, errlen, "cannot create a lock");
		goto fail;
	}
	ks->next_check_ms = now_ms() + ks->check_ms;
	warn_if_exposed(ks, &ks->loaded);
	return ks;
fail:
	tpa_keyset_free(ks->set);
	free(ks->path);
	free(ks);
	return NULL;
}

/* Loads the file at stamp cur and swaps it in; the reload lock is held. */
static void reload_file(struct tpa_keystore *ks, const struct file_stamp *cur)
{
	char err[TPA_KEYSET_ERR_LEN + TPA_KEYSET_ERR_LEN];
	struct tpa_keyset *fresh, *old;

	fresh = tpa_keyset_load_file(ks->path, err, sizeof(err));
	if (!fresh) {
		ks->refused = *cur;
		ks->file_state = FILE_REFUSED;
		say(ks, TPA_LOG_ERROR,
		    "key set refused, keeping the %zu keys in use: %s",
		    tpa_keystore_count(ks), err);
		return;
	}
	if (pthread_rwlock_wrlock(&ks->lock) != 0) {
		tpa_keyset_free(fresh);
		say(ks, TPA_LOG_ERROR,
		    "key set %s: cannot lock; keeping the keys in use",
		    ks->path);
		return;
	}
	old = ks->set;
	ks->set = fresh;
	pthread_rwlock_unlock(&ks->lock);
	tpa_keyset_free(old);
	ks->loaded = *cur;
	ks->file_state = FILE_LOADED;
	say(ks, TPA_LOG_INFO, "key set %s reloaded: %zu keys", ks->path,
	    tpa_keyset_count(fresh));
	warn_if_exposed(ks, cur);
}

void tpa_keystore_refresh(struct tpa_keystore *ks)
{
	struct file_stamp cur;
	uint64_t t = now_ms();

	if (pthread_mutex_trylock(&ks->reload) != 0)
		return;
	if (t < ks->next_check_ms)
		goto out;
	ks->next_check_ms = t + ks->check_ms;
	if (stamp_of(ks->path, &cur) != 0) {
		/* logged once while the file stays missing */
		if (ks->file_state != FILE_MISSING) {
			say(ks, TPA_LOG_ERROR,
			    "key set %s: %s; keeping the keys in use", ks->path,
			    strerror(errno));
			ks->file_state = FILE_MISSING;
		}
		goto out;
	}
	if (stamp_eq(&cur, &ks->loaded)) {
		ks->file_state =
			FILE_LOADED; /* back as it was: nothing to do */
		goto out;
	}
	if (ks->file_state == FILE_REFUSED && stamp_eq(&cur, &ks->refused))
		goto out;
	reload_file(ks, &cur);
out:
	pthread_mutex_unlock(&ks->reload);
}

int tpa_keystore_get(struct tpa_keystore *ks, const char *kid,
		     struct tpa_key *out)
{
	const struct tpa_key *k;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (pthread_rwlock_rdlock(&ks->lock) != 0)
		return -2;
	k = tpa_keyset_find(ks->set, kid);
	if (k) {
		*out = *k;
		rc = 0;
	}
	pthread_rwlock_unlock(&ks->lock);
	return rc;
}

size_t tpa_keystore_count(struct tpa_keystore *ks)
{
	size_t n;

	if (pthread_rwlock_rdlock(&ks->lock) != 0)
		return 0;
	n = tpa_keyset_count(ks->set);
	pthread_rwlock_unlock(&ks->lock);
	return n;
}

void tpa_keystore_close(struct tpa_keystore *ks)
{
	if (!ks)
		return;
	tpa_keyset_free(ks->set);
	pthread_rwlock_destroy(&ks->lock);
	pthread_mutex_destroy(&ks->reload);
	free(ks->path);
	free(ks);
}
