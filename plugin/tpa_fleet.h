/*
 * tpa_fleet: the plugin's side of Redis, the fleet's shared memory of
 * tokens (tpa_redis_keys.h has the layout): the claim of one
 * authorization on a connection of the calling auth thread's own; a
 * maintenance thread that gives back the slots of ended sessions, renews
 * the leases of live ones, reads the revoked kids and, as a backstop,
 * checks its live tokens' revocations; and a subscriber to the
 * revocation channel that ends the sessions of a revoked token or kid.
 *
 * Redis failures are counted (tpa_metrics_redis_error) and logged at
 * most once every 10 s with the number not logged.  Every Redis call is
 * bounded by redis-timeout-ms (lib/tpa_redis.h).
 *
 * Threads: tpa_fleet_claim from any number of threads (each gets its
 * own connection, made at its first claim, freed when the thread exits
 * or at tpa_fleet_stop); tpa_fleet_release from any thread, never
 * blocking but for a short lock; start and stop from one thread, stop
 * after the last claim has returned.
 */
#ifndef TPA_FLEET_H
#define TPA_FLEET_H

#include <stddef.h>
#include <stdint.h>

#include "tpa_config.h"
#include "tpa_live.h"
#include "tpa_metrics.h"
#include "tpa_redis_keys.h"
#include "tpa_revoked.h"

/* How often the maintenance thread reads tpa:revoked-kids, in s. */
#define TPA_FLEET_KIDS_EVERY 5
/* Releases waiting for the maintenance thread at most (more are dropped:
 * their leases run out by themselves). */
#define TPA_FLEET_QUEUE_MAX 65536

typedef void (*tpa_fleet_log_fn)(void *ctx, enum tpa_log_level level,
				 const char *msg);

struct tpa_fleet_env {
	const struct tpa_config *cfg; /* cfg->redis.mode is not OFF */
	struct tpa_live *live;	      /* the node's sessions */
	struct tpa_revoked *revoked;  /* what is known revoked */
	struct tpa_metrics *metrics;  /* NULL: metrics off */
	/* the host's end_session: any thread, returns at once */
	int (*end_session)(uint64_t session_id);
	tpa_fleet_log_fn log;
	void *log_ctx;
};

struct tpa_fleet;

/*
 * Starts the fleet side for env (copied; what it points to must outlive
 * the fleet): reads the revoked kids once (a Redis that cannot answer is
 * logged, not an error: the failure policy decides each request), then
 * starts the maintenance thread and the subscriber.  Returns NULL with a
 * one-line message in err when a thread cannot start or out of memory.
 */
struct tpa_fleet *tpa_fleet_start(const struct tpa_fleet_env *env, char *err,
				  size_t errlen);

/* Stops the subscriber and the maintenance thread, frees every
 * connection; NULL is a no-op. */
void tpa_fleet_stop(struct tpa_fleet *f);

/* One authorization's claim. */
struct tpa_fleet_claim {
	const char *token_id; /* 16 hex */
	const char *binding;  /* tpa_binding_make */
	uint64_t expire_at;   /* Unix s: the token's end + skew */
	uint64_t session_id;
};

/*
 * Runs the claim script for c on this thread's connection: fills *out
 * and returns its verdict.  TPA_CLAIM_UNAVAILABLE has why (whylen bytes)
 * and was counted and logged (rate-limited).  Blocks at most the Redis
 * timeout (a little more after a redirect).
 */
enum tpa_claim_verdict tpa_fleet_claim(struct tpa_fleet *f,
				       const struct tpa_fleet_claim *c,
				       struct tpa_claim_reply *out, char *why,
				       size_t whylen);

/* Session session_id of token token_id no longer holds a slot (it ended,
 * moved to another token, or was refused after its claim): queued for
 * the maintenance thread, which wakes at once.  No-op without a limit. */
void tpa_fleet_release(struct tpa_fleet *f, const char *token_id,
		       uint64_t session_id);

/* The node id of the members, 16 hex characters. */
const char *tpa_fleet_node_id(const struct tpa_fleet *f);

#endif /* TPA_FLEET_H */
