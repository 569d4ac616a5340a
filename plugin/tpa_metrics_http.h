/*
 * tpa_metrics_http: serves tpa_metrics over HTTP (GET /metrics, Prometheus
 * text format) on a loopback address, from one thread of libmicrohttpd's
 * own.  A scrape only reads the metrics' atomics: it never holds anything
 * an authorization waits for.
 */
#ifndef TPA_METRICS_HTTP_H
#define TPA_METRICS_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "tpa_loopback.h"
#include "tpa_metrics.h"

struct tpa_metrics_http;

/* Receives one line for the log (libmicrohttpd's own errors); called from
 * the exporter's thread. */
typedef void (*tpa_metrics_http_log_fn)(void *ctx, const char *msg);

/*
 * Binds and listens on where (a loopback address; port 0 picks a free
 * port, for tests), then serves m from a new thread.  m must outlive the
 * exporter.  Fails here, not later, when the address cannot be had (port in
 * use, no IPv6): returns NULL with a one-line message naming the address
 * in err (errlen bytes).  log may be NULL.
 */
struct tpa_metrics_http *
tpa_metrics_http_start(const struct tpa_loopback_addr *where,
		       const struct tpa_metrics *m, tpa_metrics_http_log_fn log,
		       void *log_ctx, char *err, size_t errlen);

/* The TCP port the exporter listens on. */
uint16_t tpa_metrics_http_port(const struct tpa_metrics_http *h);

/* Stops serving: ends open connections, joins the thread, closes the
 * socket, frees h.  NULL is a no-op.  Blocks until the thread is gone. */
void tpa_metrics_http_stop(struct tpa_metrics_http *h);

#endif /* TPA_METRICS_HTTP_H */
