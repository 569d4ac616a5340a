/*
 * Unit tests for plugin/tpa_live, the registry behind the live-sessions
 * gauge: a session counts once however often it is accepted, only a known
 * id is taken off, entries past expiry + grace go (lazily and on a sweep),
 * the cap holds, and threads noting and forgetting at once lose nothing.
 *
 * Usage: test_live
 */
#include <pthread.h>
#include <stdint.h>

#include "tpa_live.h"
#include "tpa_test.h"

#define NOW UINT64_C(1795000000)
#define THREADS 4
#define PER_THREAD 20000

static void test_once_per_session(void)
{
	struct tpa_live *s = tpa_live_new(100);

	CHECK(tpa_live_count(s) == 0);
	CHECK(tpa_live_note(s, 42, NOW + 600, NOW) == 1);
	CHECK(tpa_live_note(s, 42, NOW + 600, NOW) == 0);
	CHECK(tpa_live_note(s, 42, NOW + 900, NOW + 1) == 0); /* new token */
	CHECK(tpa_live_count(s) == 1);
	CHECK(tpa_live_note(s, 43, NOW + 600, NOW) == 1);
	CHECK(tpa_live_count(s) == 2);
	/* an id never accepted (mobility) changes nothing */
	CHECK(tpa_live_forget(s, 44) == 0);
	CHECK(tpa_live_count(s) == 2);
	CHECK(tpa_live_forget(s, 42) == 1);
	CHECK(tpa_live_forget(s, 42) == 0);
	CHECK(tpa_live_count(s) == 1);
	CHECK(tpa_live_forget(s, 43) == 1);
	CHECK(tpa_live_count(s) == 0);
	/* id 0 is an id like any other */
	CHECK(tpa_live_note(s, 0, NOW + 1, NOW) == 1);
	CHECK(tpa_live_forget(s, 0) == 1);
	tpa_live_free(s);
	tpa_live_free(NULL);
	CHECK(tpa_live_new(0) == NULL);
}

/* An entry stays until its expiry + grace; the later expiry wins. */
static void test_sweep(void)
{
	struct tpa_live *s = tpa_live_new(100);
	uint64_t end = NOW + 600, gone = end + TPA_LIVE_GRACE + 1;

	tpa_live_note(s, 1, end, NOW);
	tpa_live_note(s, 2, end, NOW);
	tpa_live_note(s, 2, end + 100, NOW); /* a longer token */
	tpa_live_note(s, 3, end + 1000, NOW);
	CHECK(tpa_live_sweep(s, end) == 0);
	CHECK(tpa_live_sweep(s, end + TPA_LIVE_GRACE) == 0);
	CHECK(tpa_live_count(s) == 3);
	CHECK(tpa_live_sweep(s, gone) == 1);
	CHECK(tpa_live_count(s) == 2);
	CHECK(tpa_live_forget(s, 1) == 0);
	CHECK(tpa_live_sweep(s, gone + 100) == 1);
	CHECK(tpa_live_count(s) == 1);
	CHECK(tpa_live_forget(s, 3) == 1);
	tpa_live_free(s);
}

/* Notes sweep their own shard now and then: stale entries go without
 * anyone calling tpa_live_sweep. */
static void test_lazy_sweep(void)
{
	struct tpa_live *s = tpa_live_new(100000);
	uint64_t later = NOW + 600 + TPA_LIVE_GRACE + 1;
	uint64_t id;

	for (id = 0; id < 1000; id++)
		tpa_live_note(s, id, NOW + 600, NOW);
	CHECK(tpa_live_count(s) == 1000);
	/* 1000 new ids reach every shard */
	for (id = 1000; id < 2000; id++)
		tpa_live_note(s, id, later + 600, later);
	CHECK_MSG(tpa_live_count(s) == 1000, "count %ld", tpa_live_count(s));
	CHECK(tpa_live_forget(s, 5) == 0);
	CHECK(tpa_live_forget(s, 1005) == 1);
	tpa_live_free(s);
}

static void test_cap(void)
{
	struct tpa_live *s = tpa_live_new(10);
	int noted = 0;

	for (uint64_t id = 0; id < 10; id++)
		noted += tpa_live_note(s, id, NOW + 600, NOW) == 1;
	CHECK(noted == 10);
	CHECK(tpa_live_note(s, 10, NOW + 600, NOW) == -1);
	CHECK(tpa_live_note(s, 3, NOW + 700, NOW) == 0); /* known: fine */
	CHECK(tpa_live_count(s) == 10);
	CHECK(tpa_live_forget(s, 10) == 0);
	CHECK(tpa_live_forget(s, 0) == 1);
	CHECK(tpa_live_note(s, 10, NOW + 600, NOW) == 1);
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

	for (uint64_t i = 0; i < PER_THREAD; i++) {
		w->noted +=
			tpa_live_note(w->s, w->first + i, NOW + 600, NOW) == 1;
		tpa_live_note(w->s, w->first + i, NOW + 600, NOW);
	}
	for (uint64_t i = 0; i < PER_THREAD; i += 2)
		w->forgotten += tpa_live_forget(w->s, w->first + i);
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
	CHECK(tpa_live_forget(s, 1) == 1);
	CHECK(tpa_live_forget(s, 0) == 0);
	tpa_live_free(s);
}

int main(void)
{
	test_once_per_session();
	test_sweep();
	test_lazy_sweep();
	test_cap();
	test_threads();
	return tpa_test_done();
}
