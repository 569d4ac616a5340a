/*
 * Unit tests for plugin/tpa_metrics: what each update counts, the
 * histogram's bucket edges, the exposition text (compared whole with a
 * text written by hand), NULL as "metrics off", a buffer too small, and
 * increments from several threads at once.
 *
 * Usage: test_metrics
 */
#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "tpa_metrics.h"
#include "tpa_test.h"

#define L "coturn_tpa_authorization_duration_seconds"
#define THREADS 4
#define PER_THREAD 100000

static long gauge_value;

static long fake_gauge(const void *ctx)
{
	return *(const long *)ctx;
}

/* The value of the sample line that starts with "name " in text, or -1. */
static long long sample(const char *text, const char *name)
{
	char want[256];
	const char *p = text;
	size_t n;

	n = (size_t)snprintf(want, sizeof(want), "\n%s ", name);
	if (strncmp(text, want + 1, n - 1) == 0)
		return atoll(text + n - 1);
	p = strstr(p, want);
	return p ? atoll(p + n) : -1;
}

/* The whole exposition in a new buffer; figures may grow between the two
 * renders while threads count, so it renders again until it fits. */
static char *render_new(const struct tpa_metrics *m)
{
	for (;;) {
		size_t cap = tpa_metrics_render(m, NULL, 0) + 64;
		char *buf = malloc(cap);

		if (!buf)
			abort();
		if (tpa_metrics_render(m, buf, cap) < cap)
			return buf;
		free(buf);
	}
}

/* A fresh set renders exactly this. */
static void test_text_format(void)
{
	static const char want[] =
		"# HELP coturn_tpa_accepted_total Requests with a token that "
		"the plugin accepted.\n"
		"# TYPE coturn_tpa_accepted_total counter\n"
		"coturn_tpa_accepted_total 0\n"
		"# HELP coturn_tpa_refused_total Requests with a token that "
		"the "
		"plugin refused, by reason.\n"
		"# TYPE coturn_tpa_refused_total counter\n"
		"coturn_tpa_refused_total{reason=\"bad_request\"} 0\n"
		"coturn_tpa_refused_total{reason=\"unknown_kid\"} 0\n"
		"coturn_tpa_refused_total{reason=\"key_not_valid\"} 0\n"
		"coturn_tpa_refused_total{reason=\"bad_token\"} 0\n"
		"coturn_tpa_refused_total{reason=\"not_yet_valid\"} 0\n"
		"coturn_tpa_refused_total{reason=\"expired\"} 0\n"
		"coturn_tpa_refused_total{reason=\"bad_integrity\"} 0\n"
		"coturn_tpa_refused_total{reason=\"key_store_unavailable\"} 0\n"
		"coturn_tpa_refused_total{reason=\"replay\"} 0\n"
		"coturn_tpa_refused_total{reason=\"revoked\"} 0\n"
		"coturn_tpa_refused_total{reason=\"limit\"} 0\n"
		"coturn_tpa_refused_total{reason=\"redis_unavailable\"} 0\n"
		"coturn_tpa_refused_total{reason=\"internal\"} 0\n"
		"# HELP coturn_tpa_passed_total Requests without a token, left "
		"to coturn's own mechanisms.\n"
		"# TYPE coturn_tpa_passed_total counter\n"
		"coturn_tpa_passed_total 0\n"
		"# HELP coturn_tpa_redis_errors_total Redis commands or "
		"connections that failed.\n"
		"# TYPE coturn_tpa_redis_errors_total counter\n"
		"coturn_tpa_redis_errors_total 0\n"
		"# HELP coturn_tpa_sessions Sessions on this node that a token "
		"authorized and that have not ended.\n"
		"# TYPE coturn_tpa_sessions gauge\n"
		"coturn_tpa_sessions -3\n"
		"# HELP " L " Time the plugin took to decide a request with a "
		"token.\n"
		"# TYPE " L " histogram\n" L "_bucket{le=\"2.5e-06\"} 0\n" L
		"_bucket{le=\"5e-06\"} 0\n" L "_bucket{le=\"1e-05\"} 0\n" L
		"_bucket{le=\"2.5e-05\"} 0\n" L "_bucket{le=\"5e-05\"} 0\n" L
		"_bucket{le=\"0.0001\"} 0\n" L "_bucket{le=\"0.00025\"} 0\n" L
		"_bucket{le=\"0.0005\"} 0\n" L "_bucket{le=\"0.001\"} 0\n" L
		"_bucket{le=\"0.0025\"} 0\n" L "_bucket{le=\"0.005\"} 0\n" L
		"_bucket{le=\"0.01\"} 0\n" L "_bucket{le=\"0.025\"} 0\n" L
		"_bucket{le=\"0.05\"} 0\n" L "_bucket{le=\"0.1\"} 0\n" L
		"_bucket{le=\"0.25\"} 0\n" L "_bucket{le=\"0.5\"} 0\n" L
		"_bucket{le=\"1\"} 0\n" L "_bucket{le=\"+Inf\"} 0\n" L
		"_sum 0.000000000\n" L "_count 0\n";
	long minus3 = -3;
	struct tpa_metrics *m = tpa_metrics_new(fake_gauge, &minus3);
	char *text = render_new(m);

	CHECK_STR(text, want);
	free(text);
	tpa_metrics_free(m);
}

/* Each update moves its own figure by one, and nothing else. */
static void test_counts(void)
{
	struct tpa_metrics *m = tpa_metrics_new(fake_gauge, &gauge_value);
	char *text, name[128];

	tpa_metrics_accepted(m, tpa_metrics_start(m));
	tpa_metrics_accepted(m, tpa_metrics_start(m));
	tpa_metrics_passed(m);
	tpa_metrics_redis_error(m);
	tpa_metrics_redis_error(m);
	tpa_metrics_redis_error(m);
	for (int r = TPA_REFUSAL_NONE + 1; r < TPA_REFUSAL_COUNT; r++)
		for (int i = 0; i < r; i++)
			tpa_metrics_refused(m, (enum tpa_refusal)r,
					    tpa_metrics_start(m));
	gauge_value = 7;
	text = render_new(m);
	CHECK(sample(text, "coturn_tpa_accepted_total") == 2);
	CHECK(sample(text, "coturn_tpa_passed_total") == 1);
	CHECK(sample(text, "coturn_tpa_redis_errors_total") == 3);
	CHECK(sample(text, "coturn_tpa_sessions") == 7);
	for (int r = TPA_REFUSAL_NONE + 1; r < TPA_REFUSAL_COUNT; r++) {
		snprintf(name, sizeof(name),
			 "coturn_tpa_refused_total{reason=\"%s\"}",
			 tpa_metrics_refusal_label((enum tpa_refusal)r));
		CHECK_MSG(sample(text, name) == r, "%s: %lld, want %d", name,
			  sample(text, name), r);
	}
	/* every timed decision is in the histogram, none of the others */
	CHECK(sample(text, L "_count") ==
	      2 + (TPA_REFUSAL_COUNT - 1) * TPA_REFUSAL_COUNT / 2);
	free(text);

	/* a class out of range, or none, counts as internal */
	tpa_metrics_refused(m, TPA_REFUSAL_NONE, 0);
	tpa_metrics_refused(m, TPA_REFUSAL_COUNT, 0);
	tpa_metrics_refused(m, (enum tpa_refusal) - 1, 0);
	text = render_new(m);
	CHECK(sample(text, "coturn_tpa_refused_total{reason=\"internal\"}") ==
	      TPA_REFUSAL_INTERNAL + 3);
	free(text);
	CHECK_STR(tpa_metrics_refusal_label(TPA_REFUSAL_REPLAY), "replay");
	CHECK_STR(tpa_metrics_refusal_label(TPA_REFUSAL_COUNT), "internal");
	tpa_metrics_free(m);
}

/* le means "less or equal": a bound's own value is in its bucket, one ns
 * more is in the next; buckets are cumulative; the sum is exact. */
static void test_bucket_edges(void)
{
	struct tpa_metrics *m = tpa_metrics_new(NULL, NULL);
	char *text;

	tpa_metrics_observe_ns(m, 0);		      /* le 2.5e-06 */
	tpa_metrics_observe_ns(m, 2500);	      /* le 2.5e-06 */
	tpa_metrics_observe_ns(m, 2501);	      /* le 5e-06 */
	tpa_metrics_observe_ns(m, 10000);	      /* le 1e-05 */
	tpa_metrics_observe_ns(m, 10001);	      /* le 2.5e-05 */
	tpa_metrics_observe_ns(m, 999999999);	      /* le 1 */
	tpa_metrics_observe_ns(m, 1000000000);	      /* le 1 */
	tpa_metrics_observe_ns(m, 1000000001);	      /* +Inf only */
	tpa_metrics_observe_ns(m, UINT64_C(1) << 40); /* +Inf only */
	text = render_new(m);
	CHECK(sample(text, L "_bucket{le=\"2.5e-06\"}") == 2);
	CHECK(sample(text, L "_bucket{le=\"5e-06\"}") == 3);
	CHECK(sample(text, L "_bucket{le=\"1e-05\"}") == 4);
	CHECK(sample(text, L "_bucket{le=\"2.5e-05\"}") == 5);
	CHECK(sample(text, L "_bucket{le=\"0.5\"}") == 5);
	CHECK(sample(text, L "_bucket{le=\"1\"}") == 7);
	CHECK(sample(text, L "_bucket{le=\"+Inf\"}") == 9);
	CHECK(sample(text, L "_count") == 9);
	/* 2500+2501+10000+10001+999999999+1000000000+1000000001+2^40 ns */
	CHECK(strstr(text, "\n" L "_sum 1102.511652778\n") != NULL);
	free(text);
	tpa_metrics_free(m);
}

/* A decision's time is measured from tpa_metrics_start. */
static void test_timing(void)
{
	struct tpa_metrics *m = tpa_metrics_new(NULL, NULL);
	struct timespec pause = {0, 3000000}; /* 3 ms */
	uint64_t t0 = tpa_metrics_start(m);
	char *text;

	CHECK(t0 != 0);
	nanosleep(&pause, NULL);
	tpa_metrics_accepted(m, t0);
	text = render_new(m);
	/* at least 3 ms: not in any bucket up to 2.5 ms */
	CHECK(sample(text, L "_bucket{le=\"0.0025\"}") == 0);
	CHECK(sample(text, L "_count") == 1);
	free(text);
	tpa_metrics_free(m);
}

/* NULL is "metrics off": no clock read, no crash. */
static void test_off(void)
{
	CHECK(tpa_metrics_start(NULL) == 0);
	tpa_metrics_accepted(NULL, 0);
	tpa_metrics_refused(NULL, TPA_REFUSAL_EXPIRED, 0);
	tpa_metrics_passed(NULL);
	tpa_metrics_redis_error(NULL);
	tpa_metrics_observe_ns(NULL, 1);
	tpa_metrics_free(NULL);
	CHECK(1);
}

/* Like snprintf: cut, NUL-terminated, and the length it needs. */
static void test_small_buffer(void)
{
	struct tpa_metrics *m = tpa_metrics_new(NULL, NULL);
	size_t need = tpa_metrics_render(m, NULL, 0);
	char *whole = render_new(m), small[100];

	CHECK(need > sizeof(small));
	memset(small, 'x', sizeof(small));
	CHECK(tpa_metrics_render(m, small, sizeof(small)) == need);
	CHECK(small[sizeof(small) - 1] == '\0');
	CHECK(strncmp(small, whole, sizeof(small) - 1) == 0);
	CHECK(strlen(whole) == need);
	free(whole);
	tpa_metrics_free(m);
}

static void *hammer(void *arg)
{
	struct tpa_metrics *m = arg;

	for (int i = 0; i < PER_THREAD; i++) {
		tpa_metrics_accepted(m, 0);
		tpa_metrics_refused(m, TPA_REFUSAL_REPLAY, 0);
		tpa_metrics_passed(m);
		tpa_metrics_observe_ns(m, 1000);
	}
	return NULL;
}

/* No increment is lost when threads count at once, and a scrape taken
 * meanwhile is consistent: _count equals the +Inf bucket. */
static void test_threads(void)
{
	struct tpa_metrics *m = tpa_metrics_new(NULL, NULL);
	pthread_t t[THREADS];
	int started = 0, consistent = 1;
	char *text;

	for (int i = 0; i < THREADS; i++)
		started += pthread_create(&t[i], NULL, hammer, m) == 0;
	CHECK(started == THREADS);
	for (int i = 0; i < 50; i++) {
		text = render_new(m);
		consistent &= sample(text, L "_bucket{le=\"+Inf\"}") ==
			      sample(text, L "_count");
		free(text);
	}
	for (int i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	CHECK(consistent);
	text = render_new(m);
	CHECK(sample(text, "coturn_tpa_accepted_total") ==
	      (long long)started * PER_THREAD);
	CHECK(sample(text, "coturn_tpa_refused_total{reason=\"replay\"}") ==
	      (long long)started * PER_THREAD);
	CHECK(sample(text, "coturn_tpa_passed_total") ==
	      (long long)started * PER_THREAD);
	CHECK(sample(text, L "_count") == 3LL * started * PER_THREAD);
	/* started at 0: no time taken, as is 1000 ns */
	CHECK(sample(text, L "_bucket{le=\"2.5e-06\"}") ==
	      3LL * started * PER_THREAD);
	free(text);
	tpa_metrics_free(m);
}

int main(void)
{
	test_text_format();
	test_counts();
	test_bucket_edges();
	test_timing();
	test_off();
	test_small_buffer();
	test_threads();
	return tpa_test_done();
}
