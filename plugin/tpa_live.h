/*
 * tpa_live: the sessions of this node that the plugin accepted a token
 * for and that have not ended, by the host's session id.  Feeds the live
 * sessions gauge; knows nothing of tokens, coturn or metrics.
 *
 * Why a registry and not a counter: authorize() is called many times for
 * one session (each new token, each request coturn asks about again), so
 * only a session's first acceptance may count; and session_closed() may
 * report ids that authorize() never saw (RFC 8016 mobility moves a session
 * to a new id), so only a known id may be taken off.  An accepted session
 * whose close is never reported (it ended before coturn took the key) is
 * forgotten once it is past its expiry, which no session outlives.
 *
 * Thread-safe: the ids are spread over shards, each with its own lock,
 * held for one hash look-up (plus, at most every few seconds a shard, one
 * pass over that shard for expired entries); the count is an atomic.
 */
#ifndef TPA_LIVE_H
#define TPA_LIVE_H

#include <stddef.h>
#include <stdint.h>

/* How long past its expiry an entry is kept when its close was never
 * reported, in seconds: the host ends sessions at their expiry, but its
 * timers and its report come a little later. */
#define TPA_LIVE_GRACE 60

/* Default most sessions remembered (about 40 MB at most). */
#define TPA_LIVE_MAX_DEFAULT (1u << 20)

struct tpa_live;

/* A new, empty registry that remembers at most max sessions (> 0).
 * Returns NULL when out of memory. */
struct tpa_live *tpa_live_new(size_t max);

/* Frees s and every entry (NULL is a no-op); nothing may use s any more. */
void tpa_live_free(struct tpa_live *s);

/*
 * Notes that a request of session id was accepted with credentials that
 * end at expiry (Unix seconds), now being now.  Returns 1 if the session is
 * new, 0 if it was known (its expiry becomes the later of the two), -1 if
 * it is not remembered (registry full, out of memory).  May first forget
 * entries of the same shard that are past expiry + TPA_LIVE_GRACE.
 * Thread-safe; never blocks except for a shard lock.
 */
int tpa_live_note(struct tpa_live *s, uint64_t id, uint64_t expiry,
		  uint64_t now);

/* Forgets session id.  Returns 1 if it was known, 0 if not.  Thread-safe;
 * never blocks except for a shard lock. */
int tpa_live_forget(struct tpa_live *s, uint64_t id);

/* Forgets every entry past expiry + TPA_LIVE_GRACE at now, in every
 * shard; returns how many.  Thread-safe. */
size_t tpa_live_sweep(struct tpa_live *s, uint64_t now);

/* How many sessions are remembered now.  Lock-free. */
long tpa_live_count(const struct tpa_live *s);

#endif /* TPA_LIVE_H */
