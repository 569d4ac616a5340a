/*
 * tpa_live.c - sharded hash tables of sessions (by session id) and of
 * their tokens (by token id), each token with the list of its sessions.
 */
#include "tpa_live.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define NSHARDS 64	   /* a power of two */
#define INITIAL_BUCKETS 16 /* per shard; a power of two */
#define SWEEP_EVERY 10	   /* seconds between lazy passes of a shard */

struct token;

struct entry {
	uint64_t id;
	uint64_t expiry;     /* Unix seconds */
	struct token *token; /* changes only with both shard locks held */
	struct entry *next;  /* chain of the session shard */
	struct entry *tprev, *tnext; /* the token's sessions */
};

struct token {
	struct token *next; /* chain of the token shard */
	uint64_t hash;
	uint64_t token_end;
	struct entry *sessions;
	size_t n; /* sessions */
	char id[TPA_LIVE_TOKEN_ID_MAX + 1];
	char kid[]; /* NUL-terminated */
};

/* A shard of either table: chains of entries or of tokens. */
struct shard {
	pthread_mutex_t lock;
	void **bucket;	     /* chains */
	size_t nbuckets;     /* a power of two */
	size_t n;	     /* items in this shard */
	uint64_t next_sweep; /* sessions only; Unix seconds, 0: at once */
};

struct tpa_live {
	struct shard session[NSHARDS];
	struct shard token[NSHARDS];
	atomic_long count; /* sessions in all shards */
	size_t max;
};

/* splitmix64's finaliser: host ids are often sequential. */
static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

/* FNV-1a, then mixed: token ids are hex, but the registry does not rely
 * on it. */
static uint64_t hash_str(const char *s)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= UINT64_C(0x100000001b3);
	}
	return mix(h);
}

static size_t shard_index(uint64_t h)
{
	return (size_t)(h & (NSHARDS - 1));
}

static void **chain_of(struct shard *sh, uint64_t h)
{
	return &sh->bucket[(h / NSHARDS) & (sh->nbuckets - 1)];
}

static int shard_init(struct shard *sh)
{
	sh->bucket = calloc(INITIAL_BUCKETS, sizeof(*sh->bucket));
	if (!sh->bucket)
		return -1;
	if (pthread_mutex_init(&sh->lock, NULL) != 0) {
		free(sh->bucket);
		sh->bucket = NULL;
		return -1;
	}
	sh->nbuckets = INITIAL_BUCKETS;
	return 0;
}

static void shard_destroy(struct shard *sh)
{
	free(sh->bucket);
	pthread_mutex_destroy(&sh->lock);
}

struct tpa_live *tpa_live_new(size_t max)
{
	struct tpa_live *s;
	size_t i;

	if (max == 0 || (s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	atomic_init(&s->count, 0);
	s->max = max;
	for (i = 0; i < NSHARDS; i++) {
		if (shard_init(&s->session[i]) != 0)
			break;
		if (shard_init(&s->token[i]) != 0) {
			shard_destroy(&s->session[i]);
			break;
		}
	}
	if (i < NSHARDS) {
		while (i-- > 0) {
			shard_destroy(&s->session[i]);
			shard_destroy(&s->token[i]);
		}
		free(s);
		return NULL;
	}
	return s;
}

void tpa_live_free(struct tpa_live *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < NSHARDS; i++) {
		struct shard *sh = &s->session[i], *th = &s->token[i];

		for (size_t b = 0; b < sh->nbuckets; b++) {
			struct entry *e = sh->bucket[b], *next;

			for (; e; e = next) {
				next = e->next;
				free(e);
			}
		}
		for (size_t b = 0; b < th->nbuckets; b++) {
			struct token *t = th->bucket[b], *next;

			for (; t; t = next) {
				next = t->next;
				free(t);
			}
		}
		shard_destroy(sh);
		shard_destroy(th);
	}
	free(s);
}

/* Doubles a session shard's chains; on failure the shard stays as it was
 * (longer chains, still correct). */
static void grow_sessions(struct shard *sh)
{
	size_t n = sh->nbuckets * 2;
	void **nb = calloc(n, sizeof(*nb));

	if (!nb)
		return;
	for (size_t b = 0; b < sh->nbuckets; b++) {
		struct entry *e = sh->bucket[b], *next;

		for (; e; e = next) {
			void **c = &nb[(mix(e->id) / NSHARDS) & (n - 1)];

			next = e->next;
			e->next = *c;
			*c = e;
		}
	}
	free(sh->bucket);
	sh->bucket = nb;
	sh->nbuckets = n;
}

static void grow_tokens(struct shard *th)
{
	size_t n = th->nbuckets * 2;
	void **nb = calloc(n, sizeof(*nb));

	if (!nb)
		return;
	for (size_t b = 0; b < th->nbuckets; b++) {
		struct token *t = th->bucket[b], *next;

		for (; t; t = next) {
			void **c = &nb[(t->hash / NSHARDS) & (n - 1)];

			next = t->next;
			t->next = *c;
			*c = t;
		}
	}
	free(th->bucket);
	th->bucket = nb;
	th->nbuckets = n;
}

static struct shard *token_shard(struct tpa_live *s, const struct token *t)
{
	return &s->token[shard_index(t->hash)];
}

/* The token id in its shard (locked), or NULL. */
static struct token *find_token(struct shard *th, const char *id, uint64_t h)
{
	struct token *t = *chain_of(th, h);

	while (t && (t->hash != h || strcmp(t->id, id)))
		t = t->next;
	return t;
}

/* The token of g in its shard (locked), made if new; NULL when out of
 * memory. */
static struct token *get_token(struct shard *th, const struct tpa_live_grant *g,
			       uint64_t h)
{
	struct token *t = find_token(th, g->token_id, h);
	size_t kl = strlen(g->kid);
	void **c;

	if (t)
		return t;
	t = calloc(1, sizeof(*t) + kl + 1);
	if (!t)
		return NULL;
	t->hash = h;
	strcpy(t->id, g->token_id); /* length checked by the caller */
	memcpy(t->kid, g->kid, kl + 1);
	c = chain_of(th, h);
	t->next = *c;
	*c = t;
	if (++th->n > th->nbuckets)
		grow_tokens(th);
	return t;
}

/* Takes e into t's sessions.  t's shard locked. */
static void link_session(struct token *t, struct entry *e)
{
	e->token = t;
	e->tprev = NULL;
	e->tnext = t->sessions;
	if (t->sessions)
		t->sessions->tprev = e;
	t->sessions = e;
	t->n++;
}

/* Takes e out of its token's sessions and frees a token left without
 * any.  The token's shard th locked. */
static void unlink_session(struct shard *th, struct entry *e)
{
	struct token *t = e->token;

	if (e->tprev)
		e->tprev->tnext = e->tnext;
	else
		t->sessions = e->tnext;
	if (e->tnext)
		e->tnext->tprev = e->tprev;
	e->token = NULL;
	if (--t->n > 0)
		return;
	for (void **p = chain_of(th, t->hash); *p;
	     p = (void **)&((struct token *)*p)->next) {
		if (*p == t) {
			*p = t->next;
			th->n--;
			free(t);
			return;
		}
	}
}

/* Unlinks e from its token, locking the token's shard.  e's session shard
 * is locked. */
static void detach(struct tpa_live *s, struct entry *e, char *token_id)
{
	struct shard *th = token_shard(s, e->token);

	pthread_mutex_lock(&th->lock);
	if (token_id)
		strcpy(token_id, e->token->id);
	unlink_session(th, e);
	pthread_mutex_unlock(&th->lock);
}

/* Removes the shard's sessions past expiry + grace; returns how many.
 * The session shard's lock held. */
static size_t sweep_shard(struct tpa_live *s, struct shard *sh, uint64_t now)
{
	size_t gone = 0;

	for (size_t b = 0; b < sh->nbuckets; b++) {
		struct entry **p = (struct entry **)&sh->bucket[b];

		while (*p) {
			struct entry *e = *p;

			if (e->expiry < now &&
			    now - e->expiry > TPA_LIVE_GRACE) {
				*p = e->next;
				detach(s, e, NULL);
				free(e);
				gone++;
			} else {
				p = &e->next;
			}
		}
	}
	sh->n -= gone;
	atomic_fetch_sub_explicit(&s->count, (long)gone, memory_order_relaxed);
	sh->next_sweep = now + SWEEP_EVERY;
	return gone;
}

/* The entry of id in its chain, or NULL.  Lock held. */
static struct entry *find(struct entry *e, uint64_t id)
{
	while (e && e->id != id)
		e = e->next;
	return e;
}

/* Locks the token shards a and b (either may be the same) in index
 * order, so that two threads moving sessions never wait for each other
 * in a circle. */
static void lock_two(struct shard *a, struct shard *b)
{
	if (a == b) {
		pthread_mutex_lock(&a->lock);
	} else if (a < b) {
		pthread_mutex_lock(&a->lock);
		pthread_mutex_lock(&b->lock);
	} else {
		pthread_mutex_lock(&b->lock);
		pthread_mutex_lock(&a->lock);
	}
}

static void unlock_two(struct shard *a, struct shard *b)
{
	pthread_mutex_unlock(&a->lock);
	if (a != b)
		pthread_mutex_unlock(&b->lock);
}

/* A known session under g: the same token, or a move to another one.
 * e's session shard is locked. */
static enum tpa_live_noted renote(struct tpa_live *s, struct entry *e,
				  const struct tpa_live_grant *g, uint64_t h,
				  unsigned limit, char *moved_from)
{
	struct shard *old = token_shard(s, e->token);
	struct shard *th = &s->token[shard_index(h)];
	enum tpa_live_noted rc = TPA_LIVE_MOVED;
	struct token *t;

	lock_two(old, th);
	if (e->token->hash == h && !strcmp(e->token->id, g->token_id)) {
		if (g->expiry > e->expiry)
			e->expiry = g->expiry;
		if (g->token_end > e->token->token_end)
			e->token->token_end = g->token_end;
		rc = TPA_LIVE_KNOWN;
	} else if ((t = get_token(th, g, h)) == NULL) {
		rc = TPA_LIVE_FULL; /* stays with its old token */
	} else if (limit > 0 && t->n >= limit) {
		rc = TPA_LIVE_LIMIT; /* t has sessions: it is not new */
	} else {
		if (moved_from)
			strcpy(moved_from, e->token->id);
		unlink_session(old, e);
		link_session(t, e);
		e->expiry = g->expiry;
		if (g->token_end > t->token_end)
			t->token_end = g->token_end;
	}
	unlock_two(old, th);
	return rc;
}

/* A session not known before.  Its session shard sh is locked. */
static enum tpa_live_noted add(struct tpa_live *s, struct shard *sh,
			       uint64_t id, uint64_t hid,
			       const struct tpa_live_grant *g, uint64_t h,
			       unsigned limit)
{
	struct shard *th = &s->token[shard_index(h)];
	enum tpa_live_noted rc = TPA_LIVE_NEW;
	struct entry *e;
	struct token *t;
	void **chain;

	if ((size_t)atomic_load_explicit(&s->count, memory_order_relaxed) >=
		    s->max ||
	    (e = calloc(1, sizeof(*e))) == NULL)
		return TPA_LIVE_FULL;
	e->id = id;
	e->expiry = g->expiry;
	pthread_mutex_lock(&th->lock);
	t = get_token(th, g, h);
	if (!t)
		rc = TPA_LIVE_FULL;
	else if (limit > 0 && t->n >= limit)
		rc = TPA_LIVE_LIMIT; /* t has sessions: it is not new */
	else {
		link_session(t, e);
		if (g->token_end > t->token_end)
			t->token_end = g->token_end;
	}
	pthread_mutex_unlock(&th->lock);
	if (rc != TPA_LIVE_NEW) {
		free(e);
		return rc;
	}
	chain = chain_of(sh, hid);
	e->next = *chain;
	*chain = e;
	sh->n++;
	atomic_fetch_add_explicit(&s->count, 1, memory_order_relaxed);
	if (sh->n > sh->nbuckets)
		grow_sessions(sh);
	return rc;
}

enum tpa_live_noted tpa_live_note(struct tpa_live *s, uint64_t id,
				  const struct tpa_live_grant *g, uint64_t now,
				  unsigned limit, char *moved_from)
{
	uint64_t hid = mix(id), h;
	struct shard *sh = &s->session[shard_index(hid)];
	enum tpa_live_noted rc;
	struct entry *e;

	if (strlen(g->token_id) > TPA_LIVE_TOKEN_ID_MAX ||
	    strlen(g->kid) > TPA_LIVE_KID_MAX)
		return TPA_LIVE_FULL;
	h = hash_str(g->token_id);
	pthread_mutex_lock(&sh->lock);
	if (now >= sh->next_sweep)
		sweep_shard(s, sh, now);
	e = find(*chain_of(sh, hid), id);
	if (e)
		rc = renote(s, e, g, h, limit, moved_from);
	else
		rc = add(s, sh, id, hid, g, h, limit);
	pthread_mutex_unlock(&sh->lock);
	return rc;
}

int tpa_live_forget(struct tpa_live *s, uint64_t id, char *token_id)
{
	uint64_t hid = mix(id);
	struct shard *sh = &s->session[shard_index(hid)];
	struct entry **p, *e = NULL;

	pthread_mutex_lock(&sh->lock);
	for (p = (struct entry **)chain_of(sh, hid); *p; p = &(*p)->next) {
		if ((*p)->id == id) {
			e = *p;
			*p = e->next;
			sh->n--;
			atomic_fetch_sub_explicit(&s->count, 1,
						  memory_order_relaxed);
			detach(s, e, token_id);
			break;
		}
	}
	pthread_mutex_unlock(&sh->lock);
	if (!e)
		return 0;
	free(e);
	return 1;
}

size_t tpa_live_sweep(struct tpa_live *s, uint64_t now)
{
	size_t gone = 0;

	for (size_t i = 0; i < NSHARDS; i++) {
		pthread_mutex_lock(&s->session[i].lock);
		gone += sweep_shard(s, &s->session[i], now);
		pthread_mutex_unlock(&s->session[i].lock);
	}
	return gone;
}

long tpa_live_count(const struct tpa_live *s)
{
	return atomic_load_explicit((atomic_long *)&s->count,
				    memory_order_relaxed);
}

/* Copies the ids of t's sessions (at most cap) into ids + *n, adding the
 * number of sessions to *n.  t's shard locked. */
static void copy_ids(const struct token *t, uint64_t *ids, size_t cap,
		     size_t *n)
{
	for (const struct entry *e = t->sessions; e; e = e->tnext) {
		if (*n < cap)
			ids[*n] = e->id;
		(*n)++;
	}
}

size_t tpa_live_token_count(struct tpa_live *s, const char *token_id)
{
	uint64_t h = hash_str(token_id);
	struct shard *th = &s->token[shard_index(h)];
	struct token *t;
	size_t n;

	pthread_mutex_lock(&th->lock);
	t = find_token(th, token_id, h);
	n = t ? t->n : 0;
	pthread_mutex_unlock(&th->lock);
	return n;
}

size_t tpa_live_sessions_of_token(struct tpa_live *s, const char *token_id,
				  uint64_t *ids, size_t cap)
{
	uint64_t h = hash_str(token_id);
	struct shard *th = &s->token[shard_index(h)];
	struct token *t;
	size_t n = 0;

	pthread_mutex_lock(&th->lock);
	t = find_token(th, token_id, h);
	if (t)
		copy_ids(t, ids, cap, &n);
	pthread_mutex_unlock(&th->lock);
	return n;
}

size_t tpa_live_sessions_of_kid(struct tpa_live *s, const char *kid,
				uint64_t *ids, size_t cap)
{
	size_t n = 0;

	/* rare (a kid revoked): one pass over every token */
	for (size_t i = 0; i < NSHARDS; i++) {
		struct shard *th = &s->token[i];

		pthread_mutex_lock(&th->lock);
		for (size_t b = 0; b < th->nbuckets; b++) {
			for (struct token *t = th->bucket[b]; t; t = t->next)
				if (!strcmp(t->kid, kid))
					copy_ids(t, ids, cap, &n);
		}
		pthread_mutex_unlock(&th->lock);
	}
	return n;
}

size_t tpa_live_each(struct tpa_live *s, tpa_live_each_fn fn, void *ctx)
{
	size_t n = 0;

	for (size_t i = 0; i < NSHARDS; i++) {
		struct shard *th = &s->token[i];

		pthread_mutex_lock(&th->lock);
		for (size_t b = 0; b < th->nbuckets; b++) {
			for (struct token *t = th->bucket[b]; t; t = t->next) {
				struct tpa_live_item it = {0, t->id, t->kid,
							   t->token_end};

				for (const struct entry *e = t->sessions; e;
				     e = e->tnext) {
					it.id = e->id;
					fn(ctx, &it);
					n++;
				}
			}
		}
		pthread_mutex_unlock(&th->lock);
	}
	return n;
}
