/*
 * tpa_live: the sessions of this node that the plugin accepted a token
 * for and that have not ended, by the host's session id, each with the
 * token (its id, as the logs print it) and the kid that authorized it.
 * Feeds the live sessions gauge, the per-token allocation limit of a node
 * without Redis, and revocation (which sessions does a token or a kid
 * hold here?).  Knows nothing of coturn, Redis or metrics: a token id and
 * a kid are short strings to it.
 *
 * Why a registry and not a counter: authorize() is called many times for
 * one session (each new token, each request coturn asks about again), so
 * only a session's first acceptance may count; and session_closed() may
 * report ids that authorize() never saw (RFC 8016 mobility moves a session
 * to a new id), so only a known id may be taken off.  An accepted session
 * whose close is never reported (it ended before coturn took the key) is
 * forgotten once it is past its expiry, which no session outlives.
 *
 * A session belongs to one token at a time: a new token on a session (RFC
 * 7635) moves it, and the old token's slot is free from then on.
 *
 * Thread-safe: sessions are spread over shards by session id and tokens
 * over shards by token id, each shard with its own lock, held for a hash
 * look-up (plus, at most every few seconds a shard, one pass over that
 * shard for expired entries).  A thread holds at most one session shard
 * and, inside it, one token shard at a time, always in that order, so
 * noting a session and checking its token's count is one atomic step.
 * The total count is an atomic.
 */
#ifndef TPA_LIVE_H
#define TPA_LIVE_H

#include <stddef.h>
#include <stdint.h>

/* How long past its expiry an entry is kept when its close was never
 * reported, in seconds: the host ends sessions at their expiry, but its
 * timers and its report come a little later. */
#define TPA_LIVE_GRACE 60

/* Default most sessions remembered (about 60 MB at most). */
#define TPA_LIVE_MAX_DEFAULT (1u << 20)

#define TPA_LIVE_TOKEN_ID_MAX 16 /* characters of a token id */
#define TPA_LIVE_KID_MAX 128	 /* characters of a kid (TPA_KID_MAX) */

struct tpa_live;

/* What authorized a session. */
struct tpa_live_grant {
	const char *token_id; /* at most TPA_LIVE_TOKEN_ID_MAX characters */
	const char *kid;      /* at most TPA_LIVE_KID_MAX characters */
	uint64_t token_end;   /* Unix seconds: until when the token may
			       * start sessions (kept for the owner) */
	uint64_t expiry;      /* Unix seconds: when the session must end */
};

/* What tpa_live_note did. */
enum tpa_live_noted {
	TPA_LIVE_LIMIT = -2, /* the token holds limit other sessions:
			      * nothing changed */
	TPA_LIVE_FULL = -1,  /* not remembered (registry full, out of
			      * memory, a string too long) */
	TPA_LIVE_KNOWN = 0,  /* known, same token: its expiry became the
			      * later of the two */
	TPA_LIVE_NEW = 1,    /* a session not known before */
	TPA_LIVE_MOVED = 2   /* known under another token, now under this
			      * one (the old one is in moved_from) */
};

/* A new, empty registry that remembers at most max sessions (> 0).
 * Returns NULL when out of memory. */
struct tpa_live *tpa_live_new(size_t max);

/* Frees s and every entry (NULL is a no-op); nothing may use s any more. */
void tpa_live_free(struct tpa_live *s);

/*
 * Notes that a request of session id was accepted with the grant g, now
 * being now.  limit > 0: a session that is not yet the token's is refused
 * (TPA_LIVE_LIMIT) when the token already has limit sessions; the check
 * and the note are one atomic step.  On TPA_LIVE_MOVED the old token id
 * is copied into moved_from (TPA_LIVE_TOKEN_ID_MAX + 1 bytes) if it is
 * not NULL.  May first forget entries of the same session shard that are
 * past expiry + TPA_LIVE_GRACE.  Thread-safe; never blocks except for the
 * shard locks.
 */
enum tpa_live_noted tpa_live_note(struct tpa_live *s, uint64_t id,
				  const struct tpa_live_grant *g, uint64_t now,
				  unsigned limit, char *moved_from);

/* Forgets session id.  Returns 1 if it was known (its token id is then
 * copied into token_id, TPA_LIVE_TOKEN_ID_MAX + 1 bytes, if not NULL), 0
 * if not.  Thread-safe; never blocks except for the shard locks. */
int tpa_live_forget(struct tpa_live *s, uint64_t id, char *token_id);

/* Forgets every entry past expiry + TPA_LIVE_GRACE at now, in every
 * shard; returns how many.  Thread-safe. */
size_t tpa_live_sweep(struct tpa_live *s, uint64_t now);

/* How many sessions are remembered now.  Lock-free. */
long tpa_live_count(const struct tpa_live *s);

/* How many sessions token_id holds now.  Thread-safe. */
size_t tpa_live_token_count(struct tpa_live *s, const char *token_id);

/*
 * The sessions of token_id (tpa_live_sessions_of_token) or of every token
 * under kid (tpa_live_sessions_of_kid): copies at most cap of their ids
 * into ids and returns how many there are (more than cap: call again with
 * a larger array).  Thread-safe.
 */
size_t tpa_live_sessions_of_token(struct tpa_live *s, const char *token_id,
				  uint64_t *ids, size_t cap);
size_t tpa_live_sessions_of_kid(struct tpa_live *s, const char *kid,
				uint64_t *ids, size_t cap);

/* One session as tpa_live_each shows it. */
struct tpa_live_item {
	uint64_t id;
	const char *token_id;
	const char *kid;
	uint64_t token_end;
};

/*
 * Calls fn(ctx, item) for every session, those of one token one after the
 * other, and returns how many.  fn runs under a token shard's lock: it
 * must not block nor call s, and item's strings are valid during the call
 * only.  Sessions noted or forgotten meanwhile may or may not be seen.
 * Thread-safe.
 */
typedef void (*tpa_live_each_fn)(void *ctx, const struct tpa_live_item *item);
size_t tpa_live_each(struct tpa_live *s, tpa_live_each_fn fn, void *ctx);

#endif /* TPA_LIVE_H */
