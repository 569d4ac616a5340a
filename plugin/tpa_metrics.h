/*
 * tpa_metrics: the plugin's counters (accepted, refused by reason, passed,
 * Redis errors), the gauge of live sessions and the histogram of how long
 * authorization takes, and their Prometheus text exposition (format
 * 0.0.4).  Knows nothing of HTTP, coturn or Redis.
 *
 * Lock-free: every update is a few relaxed C11 atomic additions, so that
 * auth threads never wait for each other or for a scrape.  A scrape reads
 * each figure once; figures updated during a scrape may be one behind each
 * other, never torn, and a histogram's _count always equals its +Inf
 * bucket.
 *
 * Every update function takes NULL (metrics off) and then does nothing, so
 * that callers need no test of their own.
 */
#ifndef TPA_METRICS_H
#define TPA_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "tpa_refusal.h"

struct tpa_metrics;

/* Reads the live-sessions gauge at each scrape (see tpa_metrics_new). */
typedef long (*tpa_metrics_gauge_fn)(const void *ctx);

/*
 * A new set of metrics, all zero.  sessions(sessions_ctx) gives the value
 * of the live-sessions gauge when it is rendered, from the scraping thread;
 * it must be thread-safe and must not block.  NULL sessions renders 0.
 * Returns NULL when out of memory.  Free with tpa_metrics_free.
 */
struct tpa_metrics *tpa_metrics_new(tpa_metrics_gauge_fn sessions,
				    const void *sessions_ctx);

/* Frees m (NULL is a no-op).  Nothing may use m any more. */
void tpa_metrics_free(struct tpa_metrics *m);

/*
 * The start of an authorization, for tpa_metrics_accepted/refused: a
 * monotonic clock in ns, or 0 without reading the clock when m is NULL.
 */
uint64_t tpa_metrics_start(const struct tpa_metrics *m);

/* A request with a token was accepted; observes the time since started_ns
 * (from tpa_metrics_start) in the histogram. */
void tpa_metrics_accepted(struct tpa_metrics *m, uint64_t started_ns);

/* A request with a token was refused (REJECT or ERROR) for why; observes
 * the time since started_ns.  A why out of range counts as internal. */
void tpa_metrics_refused(struct tpa_metrics *m, enum tpa_refusal why,
			 uint64_t started_ns);

/* A request without a token was left to coturn (PASS); not timed. */
void tpa_metrics_passed(struct tpa_metrics *m);

/* A Redis command or connection failed (whatever the verdict). */
void tpa_metrics_redis_error(struct tpa_metrics *m);

/* Puts one authorization of ns nanoseconds into the histogram; the
 * functions above call it, tests may call it directly. */
void tpa_metrics_observe_ns(struct tpa_metrics *m, uint64_t ns);

/*
 * Writes the Prometheus text exposition of m into buf (cap bytes,
 * NUL-terminated when it fits) and returns its length, like snprintf: a
 * result >= cap means it did not fit and needs a buffer of result + 1
 * bytes.  Thread-safe beside every update; never blocks except in the
 * gauge callback.
 */
size_t tpa_metrics_render(const struct tpa_metrics *m, char *buf, size_t cap);

/* The reason label of a refusal ("replay", "expired", ...); "internal" for
 * a value out of range. */
const char *tpa_metrics_refusal_label(enum tpa_refusal why);

/* Content-Type of tpa_metrics_render's text. */
#define TPA_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

#endif /* TPA_METRICS_H */
