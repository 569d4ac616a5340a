/*
 * tpa_revoked: what this node knows to be revoked, in memory, so that an
 * authorization asks nothing of Redis for it: the revoked kids (read from
 * Redis's tpa:revoked-kids at start and every few seconds, and added at
 * once when the revocation channel says so) and the tokens whose
 * revocation the channel announced a moment ago (Redis keeps those for
 * good: the token's own check there refuses it; the memory only covers an
 * authorization that raced with the announcement).
 *
 * Kids are few (a kid is revoked when its key leaks); tokens are held for
 * TPA_REVOKED_TOKEN_HOLD seconds each, at most TPA_REVOKED_TOKENS_MAX.
 *
 * Thread-safe: lookups take a read lock, changes a write lock, each for a
 * pass over a small array.  Knows nothing of Redis or coturn.
 */
#ifndef TPA_REVOKED_H
#define TPA_REVOKED_H

#include <stddef.h>
#include <stdint.h>

#define TPA_REVOKED_KID_MAX 128	  /* characters of a kid (TPA_KID_MAX) */
#define TPA_REVOKED_KIDS_MAX 4096 /* kids remembered at most */
#define TPA_REVOKED_TOKENS_MAX 4096
#define TPA_REVOKED_TOKEN_HOLD 120 /* seconds a token is remembered */
/* The expiry of a kid heard on the channel, until Redis tells its own. */
#define TPA_REVOKED_UNTIL_UNKNOWN UINT64_MAX

struct tpa_revoked;

/* A kid and until when (Unix seconds) it is revoked, as Redis has it. */
struct tpa_revoked_kid {
	const char *kid;
	uint64_t until;
};

/* NULL when out of memory. */
struct tpa_revoked *tpa_revoked_new(void);
void tpa_revoked_free(struct tpa_revoked *r); /* NULL is a no-op */

/* 1 if kid is revoked at now (Unix seconds), else 0. */
int tpa_revoked_kid(struct tpa_revoked *r, const char *kid, uint64_t now);

/* 1 if token_id was announced revoked and is still held at now. */
int tpa_revoked_token(struct tpa_revoked *r, const char *token_id,
		      uint64_t now);

/*
 * The channel said kid is revoked: until TPA_REVOKED_UNTIL_UNKNOWN, heard
 * at heard_ms (a monotonic clock, for tpa_revoked_merge_kids).  Returns 0,
 * or -1 if the kid is too long or the set full (it is then not known).
 */
int tpa_revoked_add_kid(struct tpa_revoked *r, const char *kid,
			uint64_t heard_ms);

/* The channel said token_id is revoked: held until now + hold.  Returns 0,
 * or -1 if the id is too long (the oldest entry makes room when full). */
int tpa_revoked_add_token(struct tpa_revoked *r, const char *token_id,
			  uint64_t now);

/*
 * What Redis says: the n kids of list are revoked until their times.  The
 * kids known that are not in list are dropped (they expired, or someone
 * took them out of Redis), except those heard on the channel at or after
 * read_ms, when the read was sent: the list may predate them.  Entries
 * past their time at now go too.  Kids too long for the set are skipped.
 * Returns how many kids are known afterwards.
 */
size_t tpa_revoked_merge_kids(struct tpa_revoked *r,
			      const struct tpa_revoked_kid *list, size_t n,
			      uint64_t read_ms, uint64_t now);

#endif /* TPA_REVOKED_H */
