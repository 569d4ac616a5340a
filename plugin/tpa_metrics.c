/*
 * tpa_metrics.c - lock-free counters and their Prometheus text exposition.
 */
#include "tpa_metrics.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define PREFIX "coturn_tpa_"
#define LATENCY PREFIX "authorization_duration_seconds"

/* Upper bounds of the latency buckets (le), in ns and as Prometheus spells
 * them: 2.5 us (a decision without Redis takes a few) to 1 s. */
static const uint64_t bucket_ns[] = {
	2500,	  5000,	    10000,     25000,	  50000,     100000,
	250000,	  500000,   1000000,   2500000,	  5000000,   10000000,
	25000000, 50000000, 100000000, 250000000, 500000000, 1000000000};
static const char *const bucket_le[] = {
	"2.5e-06", "5e-06",  "1e-05", "2.5e-05", "5e-05", "0.0001",
	"0.00025", "0.0005", "0.001", "0.0025",	 "0.005", "0.01",
	"0.025",   "0.05",   "0.1",   "0.25",	 "0.5",	  "1"};
#define NBOUNDS (sizeof(bucket_ns) / sizeof(bucket_ns[0]))
_Static_assert(NBOUNDS == sizeof(bucket_le) / sizeof(bucket_le[0]),
	       "one label per bucket bound");

static const char *const refusal_label[] = {
	[TPA_REFUSAL_NONE] = "none",
	[TPA_REFUSAL_BAD_REQUEST] = "bad_request",
	[TPA_REFUSAL_UNKNOWN_KID] = "unknown_kid",
	[TPA_REFUSAL_KEY_NOT_VALID] = "key_not_valid",
	[TPA_REFUSAL_BAD_TOKEN] = "bad_token",
	[TPA_REFUSAL_NOT_YET_VALID] = "not_yet_valid",
	[TPA_REFUSAL_EXPIRED] = "expired",
	[TPA_REFUSAL_BAD_INTEGRITY] = "bad_integrity",
	[TPA_REFUSAL_KEY_STORE] = "key_store_unavailable",
	[TPA_REFUSAL_REPLAY] = "replay",
	[TPA_REFUSAL_REVOKED] = "revoked",
	[TPA_REFUSAL_LIMIT] = "limit",
	[TPA_REFUSAL_REDIS_UNAVAILABLE] = "redis_unavailable",
	[TPA_REFUSAL_INTERNAL] = "internal",
};
_Static_assert(sizeof(refusal_label) / sizeof(refusal_label[0]) ==
		       TPA_REFUSAL_COUNT,
	       "one label per refusal");

struct tpa_metrics {
	atomic_uint_least64_t accepted;
	atomic_uint_least64_t refused[TPA_REFUSAL_COUNT];
	atomic_uint_least64_t passed;
	atomic_uint_least64_t redis_errors;
	atomic_uint_least64_t bucket[NBOUNDS + 1]; /* not cumulative; last:
						    * above the last bound */
	atomic_uint_least64_t sum_ns;
	tpa_metrics_gauge_fn sessions;
	const void *sessions_ctx;
};

/* The exposition being written: like snprintf, len counts what did not
 * fit too. */
struct out {
	char *buf;
	size_t cap;
	size_t len;
};

static void put(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->len < o->cap ? o->buf + o->len : NULL,
		      o->len < o->cap ? o->cap - o->len : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

static void add(atomic_uint_least64_t *a, uint64_t n)
{
	atomic_fetch_add_explicit(a, n, memory_order_relaxed);
}

static uint64_t get(const atomic_uint_least64_t *a)
{
	/* C11 wants a non-const pointer for atomic_load */
	return atomic_load_explicit((atomic_uint_least64_t *)a,
				    memory_order_relaxed);
}

struct tpa_metrics *tpa_metrics_new(tpa_metrics_gauge_fn sessions,
				    const void *sessions_ctx)
{
	struct tpa_metrics *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	/* calloc's zero bytes are zero atomics on every platform we build
	 * for; initialise them the portable way all the same */
	atomic_init(&m->accepted, 0);
	atomic_init(&m->passed, 0);
	atomic_init(&m->redis_errors, 0);
	atomic_init(&m->sum_ns, 0);
	for (size_t i = 0; i < TPA_REFUSAL_COUNT; i++)
		atomic_init(&m->refused[i], 0);
	for (size_t i = 0; i <= NBOUNDS; i++)
		atomic_init(&m->bucket[i], 0);
	m->sessions = sessions;
	m->sessions_ctx = sessions_ctx;
	return m;
}

void tpa_metrics_free(struct tpa_metrics *m)
{
	free(m);
}

uint64_t tpa_metrics_start(const struct tpa_metrics *m)
{
	struct timespec ts;

	if (!m || clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The time since started_ns; 0 if the clock could not be read. */
static uint64_t elapsed_ns(const struct tpa_metrics *m, uint64_t started_ns)
{
	uint64_t now = tpa_metrics_start(m);

	return started_ns && now > started_ns ? now - started_ns : 0;
}

void tpa_metrics_observe_ns(struct tpa_metrics *m, uint64_t ns)
{
	size_t i = 0;

	if (!m)
		return;
	while (i < NBOUNDS && ns > bucket_ns[i]) /* le: less or equal */
		i++;
	add(&m->bucket[i], 1);
	add(&m->sum_ns, ns);
}

void tpa_metrics_accepted(struct tpa_metrics *m, uint64_t started_ns)
{
	if (!m)
		return;
	add(&m->accepted, 1);
	tpa_metrics_observe_ns(m, elapsed_ns(m, started_ns));
}

void tpa_metrics_refused(struct tpa_metrics *m, enum tpa_refusal why,
			 uint64_t started_ns)
{
	if (!m)
		return;
	if ((unsigned)why >= TPA_REFUSAL_COUNT || why == TPA_REFUSAL_NONE)
		why = TPA_REFUSAL_INTERNAL;
	add(&m->refused[why], 1);
	tpa_metrics_observe_ns(m, elapsed_ns(m, started_ns));
}

void tpa_metrics_passed(struct tpa_metrics *m)
{
	if (m)
		add(&m->passed, 1);
}

void tpa_metrics_redis_error(struct tpa_metrics *m)
{
	if (m)
		add(&m->redis_errors, 1);
}

const char *tpa_metrics_refusal_label(enum tpa_refusal why)
{
	if ((unsigned)why >= TPA_REFUSAL_COUNT)
		return refusal_label[TPA_REFUSAL_INTERNAL];
	return refusal_label[why];
}

static void counter(struct out *o, const char *name, const char *help,
		    uint64_t value)
{
	put(o, "# HELP %s %s\n# TYPE %s counter\n%s %" PRIu64 "\n", name, help,
	    name, name, value);
}

static void render_refused(const struct tpa_metrics *m, struct out *o)
{
	put(o, "# HELP " PREFIX "refused_total Requests with a token that the "
	       "plugin refused, by reason.\n"
	       "# TYPE " PREFIX "refused_total counter\n");
	for (size_t i = TPA_REFUSAL_NONE + 1; i < TPA_REFUSAL_COUNT; i++)
		put(o, PREFIX "refused_total{reason=\"%s\"} %" PRIu64 "\n",
		    refusal_label[i], get(&m->refused[i]));
}

static void render_latency(const struct tpa_metrics *m, struct out *o)
{
	uint64_t cumulative = 0, sum = get(&m->sum_ns);

	put(o, "# HELP " LATENCY " Time the plugin took to decide a request "
	       "with a token.\n"
	       "# TYPE " LATENCY " histogram\n");
	for (size_t i = 0; i < NBOUNDS; i++) {
		cumulative += get(&m->bucket[i]);
		put(o, LATENCY "_bucket{le=\"%s\"} %" PRIu64 "\n", bucket_le[i],
		    cumulative);
	}
	cumulative += get(&m->bucket[NBOUNDS]);
	put(o, LATENCY "_bucket{le=\"+Inf\"} %" PRIu64 "\n", cumulative);
	put(o, LATENCY "_sum %" PRIu64 ".%09" PRIu64 "\n", sum / 1000000000u,
	    sum % 1000000000u);
	put(o, LATENCY "_count %" PRIu64 "\n", cumulative);
}

size_t tpa_metrics_render(const struct tpa_metrics *m, char *buf, size_t cap)
{
	struct out o = {buf, cap, 0};
	long sessions = m->sessions ? m->sessions(m->sessions_ctx) : 0;

	if (cap)
		buf[0] = '\0';
	counter(&o, PREFIX "accepted_total",
		"Requests with a token that the plugin accepted.",
		get(&m->accepted));
	render_refused(m, &o);
	counter(&o, PREFIX "passed_total",
		"Requests without a token, left to coturn's own mechanisms.",
		get(&m->passed));
	counter(&o, PREFIX "redis_errors_total",
		"Redis commands or connections that failed.",
		get(&m->redis_errors));
	put(&o,
	    "# HELP " PREFIX "sessions Sessions on this node that a token "
	    "authorized and that have not ended.\n"
	    "# TYPE " PREFIX "sessions gauge\n" PREFIX "sessions %ld\n",
	    sessions);
	render_latency(m, &o);
	return o.len;
}
