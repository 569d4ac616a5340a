/*
 * tpa_observe: what the plugin's ABI glue tells the metrics and the
 * registry of live sessions, so that the glue needs one call per event.
 * Owns the registry (always), the metrics and their exporter (when the
 * config sets metrics-listen); tpa_policy notes and forgets the sessions
 * of the registry.
 */
#ifndef TPA_OBSERVE_H
#define TPA_OBSERVE_H

#include <stddef.h>
#include <stdint.h>

#include "turn_auth_plugin.h"

#include "tpa_auth.h"
#include "tpa_metrics.h"
#include "tpa_metrics_http.h"
#include "tpa_live.h"

struct tpa_observe {
	struct tpa_live *live;		   /* the live sessions we accepted */
	struct tpa_metrics *metrics;	   /* NULL: metrics off */
	struct tpa_metrics_http *exporter; /* NULL: metrics off */
};

/*
 * Fills *ob (zeroed first): the registry, and with listen->text set the
 * metrics and their exporter on it (log gets the exporter's errors).
 * Returns 0, or -1 with a one-line message in err; then call
 * tpa_observe_stop all the same.
 */
int tpa_observe_start(struct tpa_observe *ob,
		      const struct tpa_loopback_addr *listen,
		      tpa_metrics_http_log_fn log, void *log_ctx, char *err,
		      size_t errlen);

/* Stops the exporter, then frees everything; *ob is zeroed. */
void tpa_observe_stop(struct tpa_observe *ob);

/*
 * Counts one authorize: v the verdict given, o the decision behind it,
 * started from tpa_metrics_start(ob->metrics).  The checks after the
 * decision (tpa_policy: revocation, replay, limit, Redis unavailable) set
 * o's verdict and refusal before v is given, and it is they that note an
 * accepted session in ob->live (the limit is checked as it is noted).
 * Thread-safe.
 */
void tpa_observe_decision(struct tpa_observe *ob,
			  const struct tpa_auth_outcome *o,
			  enum turn_auth_verdict v, uint64_t started);

#endif /* TPA_OBSERVE_H */
