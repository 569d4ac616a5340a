/*
 * tpa_fleet_upkeep.c - the maintenance thread (slots given back, leases
 * renewed, revoked kids read, live tokens checked for a revocation the
 * channel did not bring) and the subscriber's callbacks.
 */
#include "tpa_fleet_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tpa_keyset.h" /* tpa_jwk_kid_valid */

#define BATCH_MAX 128	   /* commands a pipeline carries at most */
#define KIDS_READ_MAX 4096 /* revoked kids read at most */

static uint64_t unix_now(void)
{
	time_t t = time(NULL);

	return t > 0 ? (uint64_t)t : 0;
}

/* ---- revoked kids ---------------------------------------------------- */

/* Drops the kids whose time is over, so that the set does not grow. */
static void trim_kids(struct tpa_fleet *f, struct tpa_redis *r, uint64_t now)
{
	char to[24], err[TPA_REDIS_ERR_LEN];
	const char *argv[4] = {"ZREMRANGEBYSCORE", TPA_KEYS_REVOKED_KIDS,
			       "-inf", to};
	size_t len[4] = {16, sizeof(TPA_KEYS_REVOKED_KIDS) - 1, 4, 0};
	redisReply *reply = NULL;

	len[3] = (size_t)snprintf(to, sizeof(to), "%" PRIu64, now);
	if (tpa_redis_command(r, TPA_KEYS_REVOKED_KIDS, 4, argv, len, &reply,
			      err, sizeof(err)) != TPA_REDIS_OK)
		tpa_fleet_redis_failed(f, "trimming the revoked kids", err);
	if (reply)
		freeReplyObject(reply);
}

int tpa_fleet_refresh_kids(struct tpa_fleet *f, struct tpa_redis *r)
{
	char from[24], max[16], err[TPA_REDIS_ERR_LEN] = "";
	const char *argv[8] = {"ZRANGEBYSCORE",
			       TPA_KEYS_REVOKED_KIDS,
			       from,
			       "+inf",
			       "WITHSCORES",
			       "LIMIT",
			       "0",
			       max};
	size_t len[8] = {13, sizeof(TPA_KEYS_REVOKED_KIDS) - 1, 0, 4, 10, 5, 1,
			 0};
	uint64_t now = unix_now(), read_ms = tpa_ratelog_now_ms();
	struct tpa_revoked_kid *list = NULL;
	redisReply *reply = NULL;
	size_t n = 0;

	len[2] = (size_t)snprintf(from, sizeof(from), "(%" PRIu64, now);
	len[7] = (size_t)snprintf(max, sizeof(max), "%d", KIDS_READ_MAX);
	if (tpa_redis_command(r, TPA_KEYS_REVOKED_KIDS, 8, argv, len, &reply,
			      err, sizeof(err)) != TPA_REDIS_OK) {
		tpa_fleet_redis_failed(f, "reading the revoked kids", err);
		return -1;
	}
	if (reply->type != REDIS_REPLY_ARRAY || reply->elements % 2) {
		freeReplyObject(reply);
		tpa_fleet_redis_failed(f, "reading the revoked kids",
				       "not a list of kids and times");
		return -1;
	}
	list = calloc(reply->elements / 2 + 1, sizeof(*list));
	if (!list) {
		freeReplyObject(reply);
		return -1;
	}
	for (size_t i = 0; i + 1 < reply->elements; i += 2) {
		const redisReply *k = reply->element[i];
		const redisReply *s = reply->element[i + 1];
		double until;
		char *end;

		if (k->type != REDIS_REPLY_STRING ||
		    s->type != REDIS_REPLY_STRING ||
		    !tpa_jwk_kid_valid(k->str, k->len, NULL) ||
		    strlen(k->str) != k->len)
			continue; /* not ours: ignored */
		errno = 0;
		until = strtod(s->str, &end);
		if (errno || *end || !(until > 0) || until > 1e15)
			continue;
		list[n].kid = k->str;
		list[n].until = (uint64_t)until;
		n++;
	}
	tpa_revoked_merge_kids(f->env.revoked, list, n, read_ms, now);
	/* a kid revoked while the channel was down: its sessions end now */
	for (size_t i = 0; i < n; i++) {
		size_t ended = tpa_fleet_end_sessions(f, NULL, list[i].kid);

		if (ended)
			tpa_fleet_log(f, TPA_LOG_INFO,
				      "kid '%s' is revoked: ending %zu "
				      "sessions on this node",
				      list[i].kid, ended);
	}
	free(list);
	freeReplyObject(reply);
	trim_kids(f, r, now);
	return 0;
}

/* ---- leases and the backstop -------------------------------------- */

struct live_item {
	char token_id[TPA_KEYS_TOKEN_ID_LEN + 1];
	uint64_t token_end;
	uint64_t id;
};

struct collect {
	struct live_item *items;
	size_t n, cap;
	int oom;
};

static void collect_one(void *ctx, const struct tpa_live_item *it)
{
	struct collect *c = ctx;

	if (strlen(it->token_id) != TPA_KEYS_TOKEN_ID_LEN)
		return;
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 256;
		struct live_item *items =
			realloc(c->items, cap * sizeof(*items));

		if (!items) {
			c->oom = 1;
			return;
		}
		c->items = items;
		c->cap = cap;
	}
	memcpy(c->items[c->n].token_id, it->token_id,
	       TPA_KEYS_TOKEN_ID_LEN + 1);
	c->items[c->n].token_end = it->token_end;
	c->items[c->n].id = it->id;
	c->n++;
}

/* One token's renewal: its keys, arguments and the members of its
 * sessions (items[first .. first + n)). */
struct renewal {
	size_t first, n;
	char alloc[TPA_KEYS_KEY_MAX], revoked[TPA_KEYS_KEY_MAX];
	char lease[16], expire[24];
	const char **argv;
	size_t *argvlen;
	char (*member)[TPA_KEYS_MEMBER_MAX];
};

static int renewal_build(struct tpa_fleet *f, const struct live_item *items,
			 struct renewal *w)
{
	const struct live_item *it = &items[w->first];
	size_t members = f->limit ? w->n : 0, argc = 4 + members;

	w->argv = calloc(argc, sizeof(*w->argv));
	w->argvlen = calloc(argc, sizeof(*w->argvlen));
	w->member = members ? calloc(members, sizeof(*w->member)) : NULL;
	if (!w->argv || !w->argvlen || (members && !w->member))
		return -1;
	w->argv[0] = w->alloc;
	w->argvlen[0] =
		tpa_keys_token_key(it->token_id, TPA_KEYS_ALLOC, w->alloc);
	w->argv[1] = w->revoked;
	w->argvlen[1] =
		tpa_keys_token_key(it->token_id, TPA_KEYS_REVOKED, w->revoked);
	w->argv[2] = w->lease;
	w->argvlen[2] = (size_t)snprintf(w->lease, sizeof(w->lease), "%d",
					 TPA_KEYS_LEASE_MS);
	w->argv[3] = w->expire;
	w->argvlen[3] =
		(size_t)snprintf(w->expire, sizeof(w->expire), "%" PRIu64,
				 it->token_end + f->env.cfg->clock_skew);
	for (size_t i = 0; i < members; i++) {
		w->argv[4 + i] = w->member[i];
		w->argvlen[4 + i] =
			tpa_keys_member(f->node_id, it[i].id, w->member[i]);
	}
	return 0;
}

static void renewal_free(struct renewal *w)
{
	free(w->argv);
	free(w->argvlen);
	free(w->member);
}

/* Renews (and checks) the tokens of ws[0 .. n) in one pipeline. */
static void renew_batch(struct tpa_fleet *f, struct tpa_redis *r,
			const struct live_item *items, struct renewal *ws,
			size_t n)
{
	struct tpa_redis_cmd cmds[BATCH_MAX];
	redisReply *replies[BATCH_MAX];
	enum tpa_redis_status status[BATCH_MAX];
	size_t failed = 0;

	for (size_t i = 0; i < n; i++) {
		cmds[i] = (struct tpa_redis_cmd){
			.key = ws[i].alloc,
			.argc = (int)(4 + (f->limit ? ws[i].n : 0)),
			.argv = ws[i].argv,
			.argvlen = ws[i].argvlen,
			.script = &f->renew,
			.nkeys = 2,
		};
	}
	tpa_redis_batch(r, cmds, n, replies, status);
	for (size_t i = 0; i < n; i++) {
		const char *token_id = items[ws[i].first].token_id;

		if (status[i] != TPA_REDIS_OK || !replies[i] ||
		    replies[i]->type != REDIS_REPLY_INTEGER) {
			failed++;
		} else if (replies[i]->integer == 1) {
			size_t ended;

			tpa_revoked_add_token(f->env.revoked, token_id,
					      unix_now());
			ended = tpa_fleet_end_sessions(f, token_id, NULL);
			tpa_fleet_log(f, TPA_LOG_INFO,
				      "token %s is revoked: ending %zu "
				      "sessions on this node",
				      token_id, ended);
		}
		if (replies[i])
			freeReplyObject(replies[i]);
	}
	if (failed)
		tpa_fleet_redis_failed(f, "renewing leases",
				       "a pipeline of renewals failed");
}

/* Every live token of this node: its leases renewed (with a limit), its
 * revocation checked. */
static void renew_all(struct tpa_fleet *f, struct tpa_redis *r)
{
	struct collect c = {0};
	struct renewal ws[BATCH_MAX];
	size_t nw = 0, i = 0;

	tpa_live_each(f->env.live, collect_one, &c);
	while (i < c.n) {
		size_t j = i + 1;

		while (j < c.n &&
		       !strcmp(c.items[j].token_id, c.items[i].token_id))
			j++;
		memset(&ws[nw], 0, sizeof(ws[nw]));
		ws[nw].first = i;
		ws[nw].n = j - i;
		if (renewal_build(f, c.items, &ws[nw]) == 0)
			nw++;
		else
			renewal_free(&ws[nw]);
		if (nw == BATCH_MAX || (j == c.n && nw > 0)) {
			renew_batch(f, r, c.items, ws, nw);
			while (nw > 0)
				renewal_free(&ws[--nw]);
		}
		i = j;
	}
	free(c.items);
}

/* ---- slots given back ---------------------------------------------- */

static void release_all(struct tpa_fleet *f, struct tpa_redis *r,
			const struct tpa_fleet_release *q, size_t n)
{
	struct tpa_redis_cmd cmds[BATCH_MAX];
	redisReply *replies[BATCH_MAX];
	enum tpa_redis_status status[BATCH_MAX];
	char key[BATCH_MAX][TPA_KEYS_KEY_MAX];
	char member[BATCH_MAX][TPA_KEYS_MEMBER_MAX];
	const char *argv[BATCH_MAX][3];
	size_t argvlen[BATCH_MAX][3];
	size_t failed = 0;

	for (size_t done = 0; done < n;) {
		size_t k = n - done;

		if (k > BATCH_MAX)
			k = BATCH_MAX;

		for (size_t i = 0; i < k; i++) {
			const struct tpa_fleet_release *rel = &q[done + i];

			argv[i][0] = "ZREM";
			argvlen[i][0] = 4;
			argv[i][1] = key[i];
			argvlen[i][1] = tpa_keys_token_key(
				rel->token_id, TPA_KEYS_ALLOC, key[i]);
			argv[i][2] = member[i];
			argvlen[i][2] = tpa_keys_member(
				f->node_id, rel->session_id, member[i]);
			cmds[i] = (struct tpa_redis_cmd){
				.key = key[i],
				.argc = 3,
				.argv = argv[i],
				.argvlen = argvlen[i],
			};
		}
		failed += tpa_redis_batch(r, cmds, k, replies, status);
		for (size_t i = 0; i < k; i++)
			if (replies[i])
				freeReplyObject(replies[i]);
		done += k;
	}
	/* their leases run out by themselves */
	if (failed)
		tpa_fleet_redis_failed(f, "giving slots back",
				       "the slots stay taken until their "
				       "leases run out");
}

/* ---- the maintenance thread ---------------------------------------- */

static void deadline_of(uint64_t ms, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ms / 1000);
	ts->tv_nsec = (long)(ms % 1000) * 1000000;
}

void *tpa_fleet_upkeep_main(void *arg)
{
	struct tpa_fleet *f = arg;
	uint64_t now = tpa_ratelog_now_ms();
	uint64_t next_renew = now + TPA_KEYS_RENEW_EVERY * 1000;
	uint64_t next_kids = now + TPA_FLEET_KIDS_EVERY * 1000;
	struct tpa_fleet_release *q = NULL;
	unsigned long dropped;

	pthread_mutex_lock(&f->lock);
	while (!f->stop) {
		uint64_t wake = next_renew < next_kids ? next_renew : next_kids;
		size_t n;
		int catch_up;

		now = tpa_ratelog_now_ms();
		if (!f->nqueue && !f->catch_up && now < wake) {
			struct timespec ts;

			deadline_of(wake, &ts);
			pthread_cond_timedwait(&f->wake, &f->lock, &ts);
			continue;
		}
		/* take the queue: the relay threads go on with a fresh one */
		n = f->nqueue;
		if (n) {
			q = malloc(n * sizeof(*q));
			if (q)
				memcpy(q, f->queue, n * sizeof(*q));
			else
				n = 0; /* their leases run out */
		}
		f->nqueue = 0;
		dropped = f->dropped;
		f->dropped = 0;
		catch_up = f->catch_up;
		f->catch_up = 0;
		pthread_mutex_unlock(&f->lock);

		if (dropped)
			tpa_fleet_log(f, TPA_LOG_WARNING,
				      "Redis: %lu slots to give back did not "
				      "fit the queue; they stay taken until "
				      "their leases run out",
				      dropped);
		if (n)
			release_all(f, f->upkeep, q, n);
		free(q);
		q = NULL;
		if (catch_up || now >= next_kids) {
			tpa_fleet_refresh_kids(f, f->upkeep);
			next_kids = tpa_ratelog_now_ms() +
				    TPA_FLEET_KIDS_EVERY * 1000;
		}
		if (catch_up || now >= next_renew) {
			tpa_live_sweep(f->env.live, unix_now());
			renew_all(f, f->upkeep);
			next_renew = tpa_ratelog_now_ms() +
				     TPA_KEYS_RENEW_EVERY * 1000;
		}
		pthread_mutex_lock(&f->lock);
	}
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

/* ---- the subscriber ------------------------------------------------- */

void tpa_fleet_on_message(void *ctx, const char *payload, size_t len)
{
	struct tpa_fleet *f = ctx;
	char what[TPA_KEYS_KID_MAX + 1];
	size_t ended;

	switch (tpa_keys_message_parse(payload, len, what)) {
	case TPA_MSG_TOKEN:
		/* known first, then ended: an authorization that races
		 * with us sees one or the other (tpa_policy) */
		tpa_revoked_add_token(f->env.revoked, what, unix_now());
		ended = tpa_fleet_end_sessions(f, what, NULL);
		tpa_fleet_log(f, TPA_LOG_INFO,
			      "token %s revoked: ending %zu sessions on this "
			      "node",
			      what, ended);
		break;
	case TPA_MSG_KID:
		if (tpa_revoked_add_kid(f->env.revoked, what,
					tpa_ratelog_now_ms()) != 0)
			tpa_fleet_log(f, TPA_LOG_WARNING,
				      "kid '%s' revoked, but too many kids "
				      "are revoked to remember it",
				      what);
		ended = tpa_fleet_end_sessions(f, NULL, what);
		tpa_fleet_log(f, TPA_LOG_INFO,
			      "kid '%s' revoked: ending %zu sessions on this "
			      "node",
			      what, ended);
		break;
	default:
		tpa_fleet_log(f, TPA_LOG_WARNING,
			      "%s: ignored a message that is neither "
			      "'token ID' nor 'kid KID' (%zu bytes)",
			      TPA_KEYS_CHANNEL, len);
	}
}

void tpa_fleet_on_connected(void *ctx)
{
	struct tpa_fleet *f = ctx;
	int again;

	pthread_mutex_lock(&f->lock);
	again = f->sub_failed;
	f->sub_failed = 0;
	f->catch_up = 1; /* what the channel carried meanwhile is lost */
	pthread_cond_signal(&f->wake);
	pthread_mutex_unlock(&f->lock);
	tpa_fleet_log(f, again ? TPA_LOG_WARNING : TPA_LOG_INFO,
		      "subscribed %sto %s%s", again ? "again " : "",
		      TPA_KEYS_CHANNEL,
		      again ? ": catching up with revocations" : "");
}

void tpa_fleet_on_failure(void *ctx, const char *why)
{
	struct tpa_fleet *f = ctx;

	pthread_mutex_lock(&f->lock);
	f->sub_failed = 1;
	pthread_mutex_unlock(&f->lock);
	tpa_fleet_redis_failed(f, "the revocation channel", why);
}
