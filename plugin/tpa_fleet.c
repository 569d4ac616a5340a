/*
 * tpa_fleet.c - start and stop, the claim on each auth thread's own
 * connection, the queue of slots to give back, and the logging of Redis
 * failures.
 */
#include "tpa_fleet_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#define QUEUE_INITIAL 256

void tpa_fleet_log(struct tpa_fleet *f, enum tpa_log_level level,
		   const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!f->env.log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	f->env.log(f->env.log_ctx, level, msg);
}

void tpa_fleet_redis_failed(struct tpa_fleet *f, const char *what,
			    const char *why)
{
	unsigned long suppressed = 0;
	char more[96] = "";

	tpa_metrics_redis_error(f->env.metrics);
	if (!tpa_ratelog_allow(&f->errors, tpa_ratelog_now_ms(), &suppressed))
		return;
	if (suppressed)
		snprintf(more, sizeof(more),
			 " (and %lu more Redis errors in the last %d s)",
			 suppressed, TPA_RATELOG_INTERVAL_MS / 1000);
	tpa_fleet_log(f, TPA_LOG_WARNING,
		      "Redis cannot answer: %s: %s%s; redis-failure = %s: %s",
		      what, why, more,
		      tpa_redis_failure_name(f->env.cfg->redis_failure),
		      f->env.cfg->redis_failure == TPA_REDIS_FAILURE_REJECT
			      ? "tokens are refused meanwhile"
			      : "tokens are checked without Redis meanwhile");
}

size_t tpa_fleet_end_sessions(struct tpa_fleet *f, const char *token_id,
			      const char *kid)
{
	uint64_t some[64], *ids = some;
	size_t cap = sizeof(some) / sizeof(*some), n;

	for (;;) {
		n = token_id ? tpa_live_sessions_of_token(f->env.live, token_id,
							  ids, cap)
			     : tpa_live_sessions_of_kid(f->env.live, kid, ids,
							cap);
		if (n <= cap)
			break;
		if (ids != some)
			free(ids);
		cap = n + 16; /* a few more may come meanwhile */
		ids = malloc(cap * sizeof(*ids));
		if (!ids) { /* end what fits; the backstop does the rest */
			ids = some;
			cap = sizeof(some) / sizeof(*some);
			n = token_id ? tpa_live_sessions_of_token(
					       f->env.live, token_id, ids, cap)
				     : tpa_live_sessions_of_kid(f->env.live,
								kid, ids, cap);
			if (n > cap)
				n = cap;
			break;
		}
	}
	/* outside the registry's locks: the host's queue has its own */
	for (size_t i = 0; i < n; i++)
		f->env.end_session(ids[i]);
	if (ids != some)
		free(ids);
	return n;
}

/* ---- each auth thread's connection --------------------------------- */

/* At the thread's exit. */
static void slot_free(void *p)
{
	struct tpa_fleet_slot *s = p;
	struct tpa_fleet *f = s->f;

	pthread_mutex_lock(&f->slots_lock);
	if (s->prev)
		s->prev->next = s->next;
	else
		f->slots = s->next;
	if (s->next)
		s->next->prev = s->prev;
	pthread_mutex_unlock(&f->slots_lock);
	tpa_redis_free(s->r);
	free(s);
}

/* This thread's connection, made at its first use; NULL when out of
 * memory. */
static struct tpa_redis *thread_redis(struct tpa_fleet *f)
{
	struct tpa_fleet_slot *s = pthread_getspecific(f->key);

	if (s)
		return s->r;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->f = f;
	s->r = tpa_redis_new(&f->opts);
	if (!s->r || pthread_setspecific(f->key, s) != 0) {
		tpa_redis_free(s->r);
		free(s);
		return NULL;
	}
	pthread_mutex_lock(&f->slots_lock);
	s->next = f->slots;
	if (f->slots)
		f->slots->prev = s;
	f->slots = s;
	pthread_mutex_unlock(&f->slots_lock);
	return s->r;
}

enum tpa_claim_verdict tpa_fleet_claim(struct tpa_fleet *f,
				       const struct tpa_fleet_claim *c,
				       struct tpa_claim_reply *out, char *why,
				       size_t whylen)
{
	char use[TPA_KEYS_KEY_MAX], alloc[TPA_KEYS_KEY_MAX];
	char revoked[TPA_KEYS_KEY_MAX], member[TPA_KEYS_MEMBER_MAX];
	char expire[24], limit[16], lease[16], err[TPA_REDIS_ERR_LEN] = "";
	const char *keys[3] = {use, alloc, revoked};
	size_t keylen[3];
	const char *args[5] = {c->binding, expire, limit, member, lease};
	size_t arglen[5];
	struct tpa_redis *r = thread_redis(f);
	redisReply *reply = NULL;
	enum tpa_redis_status st;

	memset(out, 0, sizeof(*out));
	out->verdict = TPA_CLAIM_UNAVAILABLE;
	if (!r) {
		snprintf(why, whylen, "out of memory");
		tpa_fleet_redis_failed(f, "claim", why);
		return out->verdict;
	}
	keylen[0] = tpa_keys_token_key(c->token_id, TPA_KEYS_USE, use);
	keylen[1] = tpa_keys_token_key(c->token_id, TPA_KEYS_ALLOC, alloc);
	keylen[2] = tpa_keys_token_key(c->token_id, TPA_KEYS_REVOKED, revoked);
	arglen[0] = strlen(c->binding);
	arglen[1] = (size_t)snprintf(expire, sizeof(expire), "%" PRIu64,
				     c->expire_at);
	arglen[2] = (size_t)snprintf(limit, sizeof(limit), "%u", f->limit);
	arglen[3] = tpa_keys_member(f->node_id, c->session_id, member);
	arglen[4] =
		(size_t)snprintf(lease, sizeof(lease), "%d", TPA_KEYS_LEASE_MS);
	st = tpa_redis_eval(r, &f->claim, 3, keys, keylen, 5, args, arglen,
			    &reply, err, sizeof(err));
	if (st != TPA_REDIS_OK) {
		snprintf(why, whylen, "%s", err[0] ? err : "no answer");
		tpa_fleet_redis_failed(f, "token claim", why);
	} else if (tpa_keys_claim_parse(reply, out, why, whylen) != 0) {
		tpa_fleet_redis_failed(f, "token claim", why);
	}
	if (reply)
		freeReplyObject(reply);
	return out->verdict;
}

void tpa_fleet_release(struct tpa_fleet *f, const char *token_id,
		       uint64_t session_id)
{
	struct tpa_fleet_release *q;

	if (f->limit == 0 || strlen(token_id) != TPA_KEYS_TOKEN_ID_LEN)
		return;
	pthread_mutex_lock(&f->lock);
	if (f->nqueue == f->capqueue && f->capqueue < TPA_FLEET_QUEUE_MAX) {
		q = realloc(f->queue, 2 * f->capqueue * sizeof(*q));
		if (q) {
			f->queue = q;
			f->capqueue *= 2;
		}
	}
	if (f->nqueue < f->capqueue) {
		q = &f->queue[f->nqueue++];
		memcpy(q->token_id, token_id, sizeof(q->token_id));
		q->session_id = session_id;
	} else {
		f->dropped++;
	}
	pthread_cond_signal(&f->wake);
	pthread_mutex_unlock(&f->lock);
}

const char *tpa_fleet_node_id(const struct tpa_fleet *f)
{
	return f->node_id;
}

/* ---- start and stop ------------------------------------------------ */

static int make_node_id(char out[TPA_KEYS_TOKEN_ID_LEN + 1])
{
	unsigned char b[TPA_KEYS_TOKEN_ID_LEN / 2];

	if (RAND_bytes(b, sizeof(b)) != 1)
		return -1;
	for (size_t i = 0; i < sizeof(b); i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	return 0;
}

static int init_sync(struct tpa_fleet *f)
{
	pthread_condattr_t ca;
	int rc;

	if (pthread_mutex_init(&f->slots_lock, NULL) != 0)
		return -1;
	if (pthread_mutex_init(&f->lock, NULL) != 0) {
		pthread_mutex_destroy(&f->slots_lock);
		return -1;
	}
	if (pthread_condattr_init(&ca) != 0)
		goto fail;
	rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) ||
	     pthread_cond_init(&f->wake, &ca);
	pthread_condattr_destroy(&ca);
	if (rc)
		goto fail;
	if (tpa_ratelog_init(&f->errors, TPA_RATELOG_INTERVAL_MS) != 0) {
		pthread_cond_destroy(&f->wake);
		goto fail;
	}
	return 0;
fail:
	pthread_mutex_destroy(&f->lock);
	pthread_mutex_destroy(&f->slots_lock);
	return -1;
}

struct tpa_fleet *tpa_fleet_start(const struct tpa_fleet_env *env, char *err,
				  size_t errlen)
{
	struct tpa_fleet *f = calloc(1, sizeof(*f));
	char where[256], sub_err[TPA_REDIS_ERR_LEN] = "";

	if (!f || init_sync(f) != 0) {
		free(f);
		snprintf(err, errlen, "Redis: out of memory");
		return NULL;
	}
	f->env = *env;
	f->opts = env->cfg->redis;
	f->limit = env->cfg->max_allocations_per_token;
	f->claim.body = tpa_keys_claim_lua;
	f->renew.body = tpa_keys_renew_lua;
	f->capqueue = QUEUE_INITIAL;
	f->queue = calloc(f->capqueue, sizeof(*f->queue));
	f->upkeep = tpa_redis_new(&f->opts);
	if (!f->queue || !f->upkeep || make_node_id(f->node_id) != 0 ||
	    tpa_redis_script_init(&f->claim) != 0 ||
	    tpa_redis_script_init(&f->renew) != 0 ||
	    pthread_key_create(&f->key, slot_free) != 0) {
		snprintf(err, errlen, "Redis: cannot set up the client");
		goto fail;
	}
	f->key_made = 1;
	tpa_config_redis_describe(env->cfg, where, sizeof(where));
	tpa_fleet_log(f, TPA_LOG_INFO,
		      "Redis: %s, timeout %u ms, replay-binding %s, "
		      "max-allocations-per-token %u, redis-failure %s, "
		      "node %s",
		      where, f->opts.timeout_ms,
		      tpa_replay_binding_name(env->cfg->replay_binding),
		      f->limit, tpa_redis_failure_name(env->cfg->redis_failure),
		      f->node_id);
	/* what was revoked before we started; Redis down is the policy's */
	tpa_fleet_refresh_kids(f, f->upkeep);
	if (pthread_create(&f->thread, NULL, tpa_fleet_upkeep_main, f) != 0) {
		snprintf(err, errlen, "Redis: cannot start a thread");
		goto fail;
	}
	f->thread_started = 1;
	f->sub = tpa_redis_subscribe(
		&f->opts, TPA_KEYS_CHANNEL, tpa_fleet_on_message,
		tpa_fleet_on_connected, tpa_fleet_on_failure, f, sub_err,
		sizeof(sub_err));
	if (!f->sub) {
		snprintf(err, errlen, "Redis: cannot subscribe to %s: %s",
			 TPA_KEYS_CHANNEL, sub_err);
		goto fail;
	}
	return f;
fail:
	tpa_fleet_stop(f);
	return NULL;
}

void tpa_fleet_stop(struct tpa_fleet *f)
{
	struct tpa_fleet_slot *s, *next;

	if (!f)
		return;
	tpa_redis_subscriber_stop(f->sub); /* no callback after it */
	if (f->thread_started) {
		pthread_mutex_lock(&f->lock);
		f->stop = 1;
		pthread_cond_signal(&f->wake);
		pthread_mutex_unlock(&f->lock);
		pthread_join(f->thread, NULL);
	}
	/* auth threads that still run keep no destructor call pending once
	 * the key is gone: their connections are freed here */
	if (f->key_made)
		pthread_key_delete(f->key);
	for (s = f->slots; s; s = next) {
		next = s->next;
		tpa_redis_free(s->r);
		free(s);
	}
	tpa_redis_free(f->upkeep);
	tpa_redis_options_wipe(&f->opts);
	free(f->queue);
	tpa_ratelog_destroy(&f->errors);
	pthread_cond_destroy(&f->wake);
	pthread_mutex_destroy(&f->lock);
	pthread_mutex_destroy(&f->slots_lock);
	OPENSSL_cleanse(f, sizeof(*f));
	free(f);
}
