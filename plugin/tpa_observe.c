/*
 * tpa_observe.c - the plugin's events to the metrics and the registry.
 */
#include "tpa_observe.h"

#include <stdio.h>
#include <string.h>

static long live_gauge(const void *live)
{
	return tpa_live_count(live);
}

int tpa_observe_start(struct tpa_observe *ob,
		      const struct tpa_loopback_addr *listen,
		      tpa_metrics_http_log_fn log, void *log_ctx, char *err,
		      size_t errlen)
{
	memset(ob, 0, sizeof(*ob));
	ob->live = tpa_live_new(TPA_LIVE_MAX_DEFAULT);
	if (ob->live && listen->text[0])
		ob->metrics = tpa_metrics_new(live_gauge, ob->live);
	if (!ob->live || (listen->text[0] && !ob->metrics)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (!ob->metrics)
		return 0;
	ob->exporter = tpa_metrics_http_start(listen, ob->metrics, log, log_ctx,
					      err, errlen);
	return ob->exporter ? 0 : -1;
}

void tpa_observe_stop(struct tpa_observe *ob)
{
	tpa_metrics_http_stop(ob->exporter); /* first: it reads the rest */
	tpa_metrics_free(ob->metrics);
	tpa_live_free(ob->live);
	memset(ob, 0, sizeof(*ob));
}

void tpa_observe_decision(struct tpa_observe *ob,
			  const struct tpa_auth_outcome *o,
			  enum turn_auth_verdict v, uint64_t started)
{
	switch (v) {
	case TURN_AUTH_PASS:
		tpa_metrics_passed(ob->metrics);
		break;
	case TURN_AUTH_ACCEPT:
		tpa_metrics_accepted(ob->metrics, started);
		break;
	default:
		/* an accepted decision that the glue refused has no refusal
		 * class: it counts as internal */
		tpa_metrics_refused(ob->metrics, o->refusal, started);
	}
}
