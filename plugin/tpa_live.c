/*
 * tpa_live.c - a sharded hash set of session ids with expiries.
 */
#include "tpa_live.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#define NSHARDS 64	   /* a power of two */
#define INITIAL_BUCKETS 16 /* per shard; a power of two */
#define SWEEP_EVERY 10	   /* seconds between lazy passes of a shard */

struct entry {
	uint64_t id;
	uint64_t expiry; /* Unix seconds */
	struct entry *next;
};

struct shard {
	pthread_mutex_t lock;
	struct entry **bucket; /* chains */
	size_t nbuckets;       /* a power of two */
	size_t n;	       /* entries in this shard */
	uint64_t next_sweep;   /* Unix seconds; 0: at the next note */
};

struct tpa_live {
	struct shard shard[NSHARDS];
	atomic_long count; /* entries in all shards */
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

static struct shard *shard_of(struct tpa_live *s, uint64_t h)
{
	return &s->shard[h & (NSHARDS - 1)];
}

static struct entry **chain_of(struct shard *sh, uint64_t h)
{
	return &sh->bucket[(h / NSHARDS) & (sh->nbuckets - 1)];
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
		struct shard *sh = &s->shard[i];

		sh->bucket = calloc(INITIAL_BUCKETS, sizeof(*sh->bucket));
		if (!sh->bucket || pthread_mutex_init(&sh->lock, NULL) != 0) {
			free(sh->bucket);
			sh->bucket = NULL;
			break;
		}
		sh->nbuckets = INITIAL_BUCKETS;
	}
	if (i < NSHARDS) {
		while (i-- > 0) {
			pthread_mutex_destroy(&s->shard[i].lock);
			free(s->shard[i].bucket);
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
		struct shard *sh = &s->shard[i];

		for (size_t b = 0; b < sh->nbuckets; b++) {
			struct entry *e = sh->bucket[b], *next;

			for (; e; e = next) {
				next = e->next;
				free(e);
			}
		}
		free(sh->bucket);
		pthread_mutex_destroy(&sh->lock);
	}
	free(s);
}

/* Doubles a shard's chains; on failure the shard stays as it was (longer
 * chains, still correct). */
static void grow(struct shard *sh)
{
	size_t n = sh->nbuckets * 2;
	struct entry **nb = calloc(n, sizeof(*nb));

	if (!nb)
		return;
	for (size_t b = 0; b < sh->nbuckets; b++) {
		struct entry *e = sh->bucket[b], *next;

		for (; e; e = next) {
			struct entry **c =
				&nb[(mix(e->id) / NSHARDS) & (n - 1)];

			next = e->next;
			e->next = *c;
			*c = e;
		}
	}
	free(sh->bucket);
	sh->bucket = nb;
	sh->nbuckets = n;
}

/* Removes the shard's entries past expiry + grace; returns how many.
 * Lock held. */
static size_t sweep_shard(struct tpa_live *s, struct shard *sh, uint64_t now)
{
	size_t gone = 0;

	for (size_t b = 0; b < sh->nbuckets; b++) {
		struct entry **p = &sh->bucket[b];

		while (*p) {
			struct entry *e = *p;

			if (e->expiry < now &&
			    now - e->expiry > TPA_LIVE_GRACE) {
				*p = e->next;
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

int tpa_live_note(struct tpa_live *s, uint64_t id, uint64_t expiry,
		  uint64_t now)
{
	uint64_t h = mix(id);
	struct shard *sh = shard_of(s, h);
	struct entry **chain, *e;
	int rc = 1;

	pthread_mutex_lock(&sh->lock);
	if (now >= sh->next_sweep)
		sweep_shard(s, sh, now);
	chain = chain_of(sh, h);
	e = find(*chain, id);
	if (e) {
		if (expiry > e->expiry)
			e->expiry = expiry;
		rc = 0;
	} else if ((size_t)atomic_load_explicit(
			   &s->count, memory_order_relaxed) >= s->max ||
		   (e = malloc(sizeof(*e))) == NULL) {
		rc = -1;
	} else {
		e->id = id;
		e->expiry = expiry;
		e->next = *chain;
		*chain = e;
		sh->n++;
		atomic_fetch_add_explicit(&s->count, 1, memory_order_relaxed);
		if (sh->n > sh->nbuckets)
			grow(sh);
	}
	pthread_mutex_unlock(&sh->lock);
	return rc;
}

int tpa_live_forget(struct tpa_live *s, uint64_t id)
{
	uint64_t h = mix(id);
	struct shard *sh = shard_of(s, h);
	struct entry **p, *e = NULL;

	pthread_mutex_lock(&sh->lock);
	for (p = chain_of(sh, h); *p; p = &(*p)->next) {
		if ((*p)->id == id) {
			e = *p;
			*p = e->next;
			sh->n--;
			atomic_fetch_sub_explicit(&s->count, 1,
						  memory_order_relaxed);
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
		pthread_mutex_lock(&s->shard[i].lock);
		gone += sweep_shard(s, &s->shard[i], now);
		pthread_mutex_unlock(&s->shard[i].lock);
	}
	return gone;
}

long tpa_live_count(const struct tpa_live *s)
{
	return atomic_load_explicit((atomic_long *)&s->count,
				    memory_order_relaxed);
}
