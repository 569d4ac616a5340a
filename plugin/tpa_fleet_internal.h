/*
 * tpa_fleet_internal.h - what the files of tpa_fleet share: the state,
 * and the helpers of the maintenance thread and the subscriber
 * (tpa_fleet_upkeep.c).  Not for other modules.
 */
#ifndef TPA_FLEET_INTERNAL_H
#define TPA_FLEET_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>

#include "tpa_fleet.h"
#include "tpa_ratelog.h"
#include "tpa_redis.h"

/* A session's slot to give back. */
struct tpa_fleet_release {
	char token_id[TPA_KEYS_TOKEN_ID_LEN + 1];
	uint64_t session_id;
};

/* One auth thread's connection (pthread key value). */
struct tpa_fleet_slot {
	struct tpa_redis *r;
	struct tpa_fleet *f;
	struct tpa_fleet_slot *prev, *next;
};

struct tpa_fleet {
	struct tpa_fleet_env env;
	struct tpa_redis_options opts; /* a copy: holds the password */
	struct tpa_redis_script claim, renew;
	char node_id[TPA_KEYS_TOKEN_ID_LEN + 1];
	unsigned limit; /* max-allocations-per-token */

	pthread_key_t key; /* -> struct tpa_fleet_slot */
	int key_made;
	pthread_mutex_t slots_lock;
	struct tpa_fleet_slot *slots;

	/* the maintenance thread and what it is asked to do */
	pthread_mutex_t lock;
	pthread_cond_t wake; /* CLOCK_MONOTONIC */
	struct tpa_fleet_release *queue;
	size_t nqueue, capqueue;
	unsigned long dropped; /* releases the full queue refused */
	int stop, catch_up;
	pthread_t thread;
	int thread_started;
	struct tpa_redis *upkeep; /* the maintenance thread's connection */

	struct tpa_redis_subscriber *sub;
	int sub_failed; /* the subscription failed since it last held */

	struct tpa_ratelog errors;
};

void tpa_fleet_log(struct tpa_fleet *f, enum tpa_log_level level,
		   const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A Redis failure: counted, and logged at most every 10 s with what it
 * means under the failure policy. */
void tpa_fleet_redis_failed(struct tpa_fleet *f, const char *what,
			    const char *why);

/* Ends every session of token_id (kid NULL) or of kid (token_id NULL) on
 * this node; returns how many it asked the host to end. */
size_t tpa_fleet_end_sessions(struct tpa_fleet *f, const char *token_id,
			      const char *kid);

/* Reads tpa:revoked-kids into env.revoked and ends the sessions of those
 * kids.  Returns 0, or -1 when Redis could not answer (counted). */
int tpa_fleet_refresh_kids(struct tpa_fleet *f, struct tpa_redis *r);

/* The maintenance thread, and the subscriber's callbacks (ctx is f). */
void *tpa_fleet_upkeep_main(void *arg);
void tpa_fleet_on_message(void *ctx, const char *payload, size_t len);
void tpa_fleet_on_connected(void *ctx);
void tpa_fleet_on_failure(void *ctx, const char *why);

#endif /* TPA_FLEET_INTERNAL_H */
