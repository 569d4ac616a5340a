/*
 * turn_token_keyfile: read-modify-replace of a key-set file for
 * `turn-token keys`, safe for the readers that look at the file meanwhile
 * (the plugin reloads it on change) and for other `turn-token keys` runs.
 *
 * A change never writes into the file: it writes a new file beside it
 * (mode 0600, the old file's owner and group, or the directory's for a new
 * set), flushes it to disk and renames it over the old one, so a reader
 * sees the old set or the new one, never a mix. Writers take an exclusive
 * flock(2) on the directory, so two runs cannot lose each other's change.
 */
#ifndef TURN_TOKEN_KEYFILE_H
#define TURN_TOKEN_KEYFILE_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

struct tt_keyfile {
	char path[PATH_MAX]; /* the set's file, symbolic links resolved */
	char dir[PATH_MAX];  /* its directory */
	int dir_fd;	     /* the directory, flock'ed; -1 when closed */
	int exists;	     /* 1 if the file was there */
	uid_t uid;	     /* owner and group the new file gets */
	gid_t gid;
	char *text; /* the file's bytes, NUL-terminated (secret) */
	size_t len; /* bytes in text */
};

/*
 * Locks the directory of the key-set file at path (waiting for other
 * writers) and reads the file into kf->text (at most 1 MiB). A missing file
 * is an error unless create is 1; then kf->exists is 0 and kf->text is "".
 * sub names the subcommand in errors. Returns 0, or TT_EXIT_USAGE after
 * printing an error (kf is then closed). Blocks on the lock and on I/O.
 */
int tt_keyfile_open(const char *sub, const char *path, int create,
		    struct tt_keyfile *kf);

/*
 * Replaces the file with the len bytes at text: a new file in the same
 * directory, mode 0600 and kf->uid/kf->gid, synced, renamed over the old
 * one, the directory synced. On failure the old file is untouched and no
 * temporary file stays. Returns 0, or TT_EXIT_USAGE after printing an
 * error. The lock must still be held (kf open).
 */
int tt_keyfile_replace(const char *sub, struct tt_keyfile *kf, const char *text,
		       size_t len);

/* Wipes and frees kf->text and releases the lock. kf may be closed. */
void tt_keyfile_close(struct tt_keyfile *kf);

#endif /* TURN_TOKEN_KEYFILE_H */
