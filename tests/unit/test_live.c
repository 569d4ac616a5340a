/*
 * Unit tests for plugin/tpa_live, the registry of live sessions: a
 * session counts once however often it is accepted, only a known id is
 * taken off, entries past expiry + grace go (lazily and on a sweep), the
 * cap holds; each session is listed under its token and its kid, a new
 * token moves it, the per-token limit is checked and noted in one step;
 * and threads noting, moving and forgetting at once lose nothing and
 * never pass the limit.
 *
 * Usage: test_live
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include "tpa_live.h"
#include "tpa_test.h"

#define NOW UINT64_C(1795000000)
#define THREADS 4
#define PER_THREAD 20000

/* A grant of token tid under kid, ending at NOW + 600. */
static struct tpa_live_grant grant(const char *tid, const char *kid)
{
	return (struct tpa_live_grant){tid, kid, NOW + 600, NOW + 600};
}

static enum tpa_live_noted note(struct tpa_live *s, uint64_t id,
				const char *tid)
{
	struct tpa_live_grant g = grant(tid, "k1");

	return tpa_live_note(s, id, &g, NOW, 0, NULL);
}

static void test_once_per_session(void)
{
	struct tpa_live *s = tpa_live_new(100);
	struct tpa_live_grant g = grant("aaaa", "k1");
	char tid[TPA_LIVE_TOKEN_ID_MAX + 1] = "";

	CHECK(tpa_live_count(s) == 0);
	CHECK(note(s, 42, "aaaa") == TPA_LIVE_NEW);
	CHECK(note(s, 42, "aaaa") == TPA_LIVE_KNOWN);
	g.expiry = NOW + 900;
	CHECK(tpa_live_note(s, 42, &g, NOW + 1, 0, NULL) == TPA_LIVE_KNOWN);
	CHECK(tpa_live_count(s) == 1);
	CHECK(note(s, 43, "bbbb") == TPA_LIVE_NEW);
	CHECK(tpa_live_count(s) == 2);
	/* an id never accepted (mobility) changes nothing */
	CHECK(tpa_live_forget(s, 44, tid) == 0);
	CHECK(tpa_live_count(s) == 2);
	CHECK(tpa_live_forget(s, 42, tid) == 1);
	CHECK_STR(tid, "aaaa");
	CHECK(tpa_live_forget(s, 42, NULL) == 0);
	CHECK(tpa_live_count(s) == 1);
	CHECK(tpa_live_forget(s, 43, NULL) == 1);
	CHECK(tpa_live_count(s) == 0);
	CHECK(tpa_live_token_count(s, "aaaa") == 0);
	/* id 0 is an id like any other */
	CHECK(note(s, 0, "aaaa") == TPA_LIVE_NEW);
	CHECK(tpa_live_forget(s, 0, NULL) == 1);
	/* strings too long for the registry are not remembered */
	CHECK(note(s, 5, "0123456789abcdef0") == TPA_LIVE_FULL);
	CHECK(note(s, 5, "0123456789abcdef") == TPA_LIVE_NEW);
	tpa_live_free(s);
	tpa_live_free(NULL);
	CHECK(tpa_live_new(0) == NULL);
}

/* An entry stays until its expiry + grace; the later expiry wins. */
static void test_sweep(void)
{
	struct tpa_live *s = tpa_live_new(100);
	uint64_t end = NOW + 600, gone = end + TPA_LIVE_GRACE + 1;
	struct tpa_live_grant g = grant("t", "k1");

	tpa_live_note(s, 1, &g, NOW, 0, NULL);
	tpa_live_note(s, 2, &g, NOW, 0, NULL);
	g.expiry = end + 100; /* a longer token */
	tpa_live_note(s, 2, &g, NOW, 0, NULL);
	g.expiry = end + 1000;
	tpa_live_note(s, 3, &g, NOW, 0, NULL);
	CHECK(tpa_live_sweep(s, end) == 0);
	CHECK(tpa_live_sweep(s, end + TPA_LIVE_GRACE) == 0);
	CHECK(tpa_live_count(s) == 3);
	CHECK(tpa_live_token_count(s, "t") == 3);
	CHECK(tpa_live_sweep(s, gone) == 1);
	CHECK(tpa_live_count(s) == 2);
	CHECK(tpa_live_token_count(s, "t") == 2);
	CHECK(tpa_live_forget(s, 1, NULL) == 0);
	CHECK(tpa_live_sweep(s, gone + 100) == 1);
	CHECK(tpa_live_count(s) == 1);
	CHECK(tpa_live_forget(s, 3, NULL) == 1);
	CHECK(tpa_live_token_count(s, "t") == 0);
	tpa_live_free(s);
}

/* Notes sweep their own shard now and then: stale entries go without
 * anyone calling tpa_live_sweep. */
static void test_lazy_sweep(void)
{
	struct tpa_live *s = tpa_live_new(100000);
	uint64_t later = NOW + 600 + TPA_LIVE_GRACE + 1;
	struct tpa_live_grant g = grant("t", "k1");
	uint64_t id;

	for (id = 0; id < 1000; id++)
		tpa_live_note(s, id, &g, NOW, 0, NULL);
	CHECK(tpa_live_count(s) == 1000);
	/* 1000 new ids reach every shard */
	g.expiry = later + 600;
	g.token_id = "u";
	for (id = 1000; id < 2000; id++)
		tpa_live_note(s, id, &g, later, 0, NULL);
	CHECK_MSG(tpa_live_count(s) == 1000, "count %ld", tpa_live_count(s));
	CHECK(tpa_live_token_count(s, "t") == 0);
	CHECK(tpa_live_token_count(s, "u") == 1000);
	CHECK(tpa_live_forget(s, 5, NULL) == 0);
	CHECK(tpa_live_forget(s, 1005, NULL) == 1);
	tpa_live_free(s);
}

static void test_cap(void)
{
	struct tpa_live *s = tpa_live_new(10);
	int noted = 0;

	for (uint64_t id = 0; id < 10; id++)
		noted += note(s, id, "t") == TPA_LIVE_NEW;
	CHECK(noted == 10);
	CHECK(note(s, 10, "t") == TPA_LIVE_FULL);
	CHECK(note(s, 3, "t") == TPA_LIVE_KNOWN); /* known: fine */
	CHECK(tpa_live_count(s) == 10);
	CHECK(tpa_live_forget(s, 10, NULL) == 0);
	CHECK(tpa_live_forget(s, 0, NULL) == 1);
	CHECK(note(s, 10, "t") == TPA_LIVE_NEW);
	tpa_live_free(s);
}

/* True if ids[0..n) holds each of want[0..nw) (in any order), and n == nw. */
static int same_ids(const uint64_t *ids, size_t n, const uint64_t *want,
		    size_t nw)
{
	if (n != nw)
		return 0;
	for (size_t i = 0; i < nw; i++) {
		size_t j = 0;

		while (j < n && ids[j] != want[i])
			j++;
		if (j == n)
			return 0;
	}
	return 1;
}

/* Sessions listed by token and by kid. */
static void test_tokens_and_kids(void)
{
	struct tpa_live *s = tpa_live_new(100);
	struct tpa_live_grant a = grant("aaaa", "k1"), b = grant("bbbb", "k1");
	struct tpa_live_grant c = grant("cccc", "k2");
	uint64_t ids[8] = {0};
	static const uint64_t of_a[] = {1, 2, 3}, of_k1[] = {1, 2, 3, 4};
	static const uint64_t of_k2[] = {5};

	tpa_live_note(s, 1, &a, NOW, 0, NULL);
	tpa_live_note(s, 2, &a, NOW, 0, NULL);
	tpa_live_note(s, 3, &a, NOW, 0, NULL);
	tpa_live_note(s, 4, &b, NOW, 0, NULL);
	tpa_live_note(s, 5, &c, NOW, 0, NULL);
	CHECK(tpa_live_token_count(s, "aaaa") == 3);
	CHECK(tpa_live_token_count(s, "bbbb") == 1);
	CHECK(tpa_live_token_count(s, "dddd") == 0);
	CHECK(same_ids(ids, tpa_live_sessions_of_token(s, "aaaa", ids, 8), of_a,
		       3));
	CHECK(same_ids(ids, tpa_live_sessions_of_kid(s, "k1", ids, 8), of_k1,
		       4));
	CHECK(same_ids(ids, tpa_live_sessions_of_kid(s, "k2", ids, 8), of_k2,
		       1));
	CHECK(tpa_live_sessions_of_kid(s, "k3", ids, 8) == 0);
	CHECK(tpa_live_sessions_of_token(s, "dddd", ids, 8) == 0);
	/* a small array: the count says how many there are */
	ids[1] = 77;
	CHECK(tpa_live_sessions_of_token(s, "aaaa", ids, 1) == 3);
	CHECK(ids[1] == 77);
	CHECK(tpa_live_sessions_of_kid(s, "k1", NULL, 0) == 4);
	/* a kid is not a prefix match */
	CHECK(tpa_live_sessions_of_kid(s, "k", ids, 8) == 0);
	tpa_live_forget(s, 2, NULL);
	CHECK(tpa_live_sessions_of_token(s, "aaaa", ids, 8) == 2);
	CHECK(tpa_live_sessions_of_kid(s, "k1", ids, 8) == 3);
	tpa_live_free(s);
}

/* A new token on a session moves it; the old token's slot is free. */
static void test_moves(void)
{
	struct tpa_live *s = tpa_live_new(100);
	struct tpa_live_grant a = grant("aaaa", "k1"), b = grant("bbbb", "k2");
	char from[TPA_LIVE_TOKEN_ID_MAX + 1] = "";
	uint64_t ids[4];

	CHECK(tpa_live_note(s, 1, &a, NOW, 2, NULL) == TPA_LIVE_NEW);
	CHECK(tpa_live_note(s, 2, &a, NOW, 2, NULL) == TPA_LIVE_NEW);
	CHECK(tpa_live_note(s, 3, &a, NOW, 2, NULL) == TPA_LIVE_LIMIT);
	b.expiry = NOW + 60;
	CHECK(tpa_live_note(s, 1, &b, NOW, 2, from) == TPA_LIVE_MOVED);
	CHECK_STR(from, "aaaa");
	CHECK(tpa_live_count(s) == 2);
	CHECK(tpa_live_token_count(s, "aaaa") == 1);
	CHECK(tpa_live_token_count(s, "bbbb") == 1);
	CHECK(tpa_live_sessions_of_kid(s, "k2", ids, 4) == 1 && ids[0] == 1);
	CHECK(tpa_live_sessions_of_kid(s, "k1", ids, 4) == 1 && ids[0] == 2);
	/* the moved session ends with its new token */
	CHECK(tpa_live_sweep(s, NOW + 60 + TPA_LIVE_GRACE + 1) == 1);
	CHECK(tpa_live_token_count(s, "bbbb") == 0);
	/* the freed slot of aaaa takes a new session */
	CHECK(tpa_live_note(s, 3, &a, NOW, 2, NULL) == TPA_LIVE_NEW);
	/* a move to a token that is full leaves the session where it was */
	CHECK(tpa_live_note(s, 4, &b, NOW, 2, NULL) == TPA_LIVE_NEW);
	strcpy(from, "-");
	CHECK(tpa_live_note(s, 4, &a, NOW, 2, from) == TPA_LIVE_LIMIT);
	CHECK_STR(from, "-");
	CHECK(tpa_live_token_count(s, "bbbb") == 1);
	CHECK(tpa_live_token_count(s, "aaaa") == 2);
	/* but a session of the token itself is never over its limit */
	CHECK(tpa_live_note(s, 3, &a, NOW, 1, NULL) == TPA_LIVE_KNOWN);
	/* and back again */
	CHECK(tpa_live_note(s, 4, &b, NOW, 2, NULL) == TPA_LIVE_KNOWN);
	CHECK(tpa_live_forget(s, 3, from) == 1);
	CHECK_STR(from, "aaaa");
	CHECK(tpa_live_note(s, 4, &a, NOW, 2, from) == TPA_LIVE_MOVED);
	CHECK_STR(from, "bbbb");
	CHECK(tpa_live_token_count(s, "bbbb") == 0);
	CHECK(tpa_live_count(s) == 2);
	tpa_live_free(s);
}

/* The limit counts live sessions of the token on this node. */
static void test_limit(void)
{
	struct tpa_live *s = tpa_live_new(100);
	struct tpa_live_grant a = grant("aaaa", "k1"), b = grant("bbbb", "k1");

	CHECK(tpa_live_note(s, 1, &a, NOW, 1, NULL) == TPA_LIVE_NEW);
	CHECK(tpa_live_note(s, 2, &a, NOW, 1, NULL) == TPA_LIVE_LIMIT);
	CHECK(tpa_live_note(s, 2, &b, NOW, 1, NULL) == TPA_LIVE_NEW);
	CHECK(tpa_live_count(s) == 2);
	CHECK(tpa_live_note(s, 1, &a, NOW, 1, NULL) == TPA_LIVE_KNOWN);
	/* 0: no limit */
	CHECK(tpa_live_note(s, 3, &a, NOW, 0, NULL) == TPA_LIVE_NEW);
	CHECK(tpa_live_token_count(s, "aaaa") == 2);
	CHECK(tpa_live_note(s, 4, &a, NOW, 3, NULL) == TPA_LIVE_NEW);
	CHECK(tpa_live_note(s, 5, &a, NOW, 3, NULL) == TPA_LIVE_LIMIT);
	tpa_live_forget(s, 1, NULL);
	CHECK(tpa_live_note(s, 5, &a, NOW, 3, NULL) == TPA_LIVE_NEW);
	tpa_live_free(s);
}

struct each_seen {
	int n, bad;
	char last_token[TPA_LIVE_TOKEN_ID_MAX + 1];
	int runs; /* token changes between consecutive items */
};

static void each_cb(void *ctx, const struct tpa_live_item *it)
{
	struct each_seen *w = ctx;

	w->n++;
	if (strcmp(it->token_id, w->last_token)) {
		w->runs++;
		snprintf(w->last_token, sizeof(w->last_token), "%s",
			 it->token_id);
	}
	if (!strcmp(it->token_id, "aaaa") &&
	    (strcmp(it->kid, "k1") || it->token_end != NOW + 700 || it->id > 2))
		w->bad++;
}

/* tpa_live_each: every session, a token's one after the other. */
static void test_each(void)
{
	struct tpa_live *s = tpa_live_new(100);
	struct tpa_live_grant a = grant("aaaa", "k1"), b = grant("bbbb", "k2");
	struct each_seen w = {0};

	tpa_live_note(s, 1, &a, NOW, 0, NULL);
	a.token_end = NOW + 700; /* the later end wins */
	tpa_live_note(s, 2, &a, NOW, 0, NULL);
	tpa_live_note(s, 3, &b, NOW, 0, NULL);
	CHECK(tpa_live_each(s, each_cb, &w) == 3);
	CHECK(w.n == 3 && w.bad == 0);
	CHECK(w.runs == 2);
	tpa_live_free(s);
}

struct worker {
	struct tpa_live *s;
	uint64_t first;
	int noted, forgotten;
};

/* Notes its ids twice each, forgets every other one. */
static void *worker(void *arg)
{
	struct worker *w = arg;
	char tid[TPA_LIVE_TOKEN_ID_MAX + 1] = "";
	struct tpa_live_grant g = grant(tid, "k1");

	for (uint64_t i = 0; i < PER_THREAD; i++) {
		/* ten sessions a token */
		snprintf(tid, sizeof(tid), "%llx",
			 (unsigned long long)(w->first + i) / 10);
		w->noted += tpa_live_note(w->s, w->first + i, &g, NOW, 0,
					  NULL) == TPA_LIVE_NEW;
		tpa_live_note(w->s, w->first + i, &g, NOW, 0, NULL);
	}
	for (uint64_t i = 0; i < PER_THREAD; i += 2)
		w->forgotten += tpa_live_forget(w->s, w->first + i, NULL);
	return NULL;
}

static void test_threads(void)
{
	struct tpa_live *s = tpa_live_new(1u << 20);
	struct worker w[THREADS];
	pthread_t t[THREADS];
	int started = 0, noted = 0, forgotten = 0;

	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){s, (uint64_t)i * PER_THREAD, 0, 0};
		started += pthread_create(&t[i], NULL, worker, &w[i]) == 0;
	}
	CHECK(started == THREADS);
	for (int i = 0; i < started; i++) {
		pthread_join(t[i], NULL);
		noted += w[i].noted;
		forgotten += w[i].forgotten;
	}
	CHECK(noted == started * PER_THREAD);
	CHECK(forgotten == started * PER_THREAD / 2);
	CHECK(tpa_live_count(s) == (long)started * PER_THREAD / 2);
	CHECK(tpa_live_token_count(s, "0") == 5);
	CHECK(tpa_live_forget(s, 1, NULL) == 1);
	CHECK(tpa_live_forget(s, 0, NULL) == 0);
	CHECK(tpa_live_token_count(s, "0") == 4);
	tpa_live_free(s);
}

#define RACE_LIMIT 3
#define RACE_TOKENS 4
#define RACE_ROUNDS 20000

struct racer {
	struct tpa_live *s;
	unsigned seed;
	uint64_t first;
	int over; /* a token seen above the limit */
};

/*
 * Sessions of their own, noted under one of a few tokens with a limit,
 * moved to another token, forgotten, at random: no token ever holds more
 * than the limit.
 */
static void *racer(void *arg)
{
	struct racer *r = arg;
	static const char *const tokens[RACE_TOKENS] = {"t0", "t1", "t2", "t3"};

	for (int i = 0; i < RACE_ROUNDS; i++) {
		uint64_t id = r->first + (uint64_t)(rand_r(&r->seed) % 8);
		const char *tid = tokens[rand_r(&r->seed) % RACE_TOKENS];
		struct tpa_live_grant g = grant(tid, "k1");

		if (rand_r(&r->seed) % 3 == 0)
			tpa_live_forget(r->s, id, NULL);
		else
			tpa_live_note(r->s, id, &g, NOW, RACE_LIMIT, NULL);
		if (tpa_live_token_count(r->s, tid) > RACE_LIMIT)
			r->over++;
	}
	return NULL;
}

static void test_limit_race(void)
{
	struct tpa_live *s = tpa_live_new(1000);
	struct racer r[THREADS];
	pthread_t t[THREADS];
	int started = 0, over = 0;
	long listed = 0;
	uint64_t ids[64];

	for (int i = 0; i < THREADS; i++) {
		r[i] = (struct racer){s, (unsigned)i + 1, (uint64_t)i * 100, 0};
		started += pthread_create(&t[i], NULL, racer, &r[i]) == 0;
	}
	CHECK(started == THREADS);
	for (int i = 0; i < started; i++) {
		pthread_join(t[i], NULL);
		over += r[i].over;
	}
	CHECK_MSG(over == 0, "a token held more than %d sessions %d times",
		  RACE_LIMIT, over);
	/* what the tokens list is what the registry counts */
	for (int k = 0; k < RACE_TOKENS; k++) {
		char tid[4];
		size_t n;

		snprintf(tid, sizeof(tid), "t%d", k);
		n = tpa_live_sessions_of_token(s, tid, ids, 64);
		CHECK(n <= RACE_LIMIT && n == tpa_live_token_count(s, tid));
		listed += (long)n;
	}
	CHECK(listed == tpa_live_count(s));
	CHECK((long)tpa_live_sessions_of_kid(s, "k1", ids, 64) == listed);
	tpa_live_free(s);
}

int main(void)
{
	test_once_per_session();
	test_sweep();
	test_lazy_sweep();
	test_cap();
	test_tokens_and_kids();
	test_moves();
	test_limit();
	test_each();
	test_threads();
	test_limit_race();
	return tpa_test_done();
}
