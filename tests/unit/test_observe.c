/*
 * Unit tests for plugin/tpa_observe, the plugin's events to the metrics
 * and the registry: each verdict lands in its own figure, a decision the
 * glue turned from ACCEPT into an error counts as internal, the sessions
 * gauge is the registry's count (tpa_policy notes and forgets them), and
 * without metrics-listen the registry is there and nothing is served.
 *
 * Usage: test_observe
 */
#include <netinet/in.h>
#include <stdint.h>

#include "tpa_observe.h"
#include "tpa_test.h"

#define NOW UINT64_C(1795000000)

/* The value of the sample line "name value" in ob's exposition, or -1. */
static long long sample(const struct tpa_observe *ob, const char *name)
{
	char text[8192], want[160];
	const char *p;

	if (tpa_metrics_render(ob->metrics, text, sizeof(text)) >= sizeof(text))
		return -1;
	snprintf(want, sizeof(want), "\n%s ", name);
	p = strstr(text, want);
	return p ? atoll(p + strlen(want)) : -1;
}

static void decide(struct tpa_observe *ob, enum tpa_verdict decided,
		   enum tpa_refusal why, enum turn_auth_verdict given)
{
	struct tpa_auth_outcome o;

	memset(&o, 0, sizeof(o));
	o.verdict = decided;
	o.refusal = why;
	o.expiry = NOW + 600;
	tpa_observe_decision(ob, &o, given, tpa_metrics_start(ob->metrics));
}

/* A session noted as tpa_policy notes it. */
static void note(struct tpa_observe *ob, uint64_t id)
{
	struct tpa_live_grant g = {"0123456789abcdef", "k1", NOW + 600,
				   NOW + 600};

	tpa_live_note(ob->live, id, &g, NOW, 0, NULL);
}

static void test_verdicts(void)
{
	struct tpa_loopback_addr where;
	struct tpa_observe ob;
	char err[256] = "";

	/* port 0 (refused by the config) lets the kernel pick one */
	CHECK(tpa_loopback_parse("127.0.0.1:1", &where, err, sizeof(err)) == 0);
	((struct sockaddr_in *)&where.sa)->sin_port = 0;
	CHECK_MSG(tpa_observe_start(&ob, &where, NULL, NULL, err,
				    sizeof(err)) == 0,
		  "%s", err);
	if (!ob.metrics) {
		tpa_observe_stop(&ob);
		return;
	}
	CHECK(ob.exporter != NULL);
	decide(&ob, TPA_ACCEPT, TPA_REFUSAL_NONE, TURN_AUTH_ACCEPT);
	decide(&ob, TPA_ACCEPT, TPA_REFUSAL_NONE, TURN_AUTH_ACCEPT);
	decide(&ob, TPA_ACCEPT, TPA_REFUSAL_NONE, TURN_AUTH_ACCEPT);
	decide(&ob, TPA_PASS, TPA_REFUSAL_NONE, TURN_AUTH_PASS);
	decide(&ob, TPA_REJECT, TPA_REFUSAL_EXPIRED, TURN_AUTH_REJECT);
	decide(&ob, TPA_ERROR, TPA_REFUSAL_KEY_STORE, TURN_AUTH_ERROR);
	decide(&ob, TPA_ACCEPT, TPA_REFUSAL_NONE, TURN_AUTH_ERROR);
	decide(&ob, TPA_REJECT, TPA_REFUSAL_REPLAY, TURN_AUTH_REJECT);
	decide(&ob, TPA_REJECT, TPA_REFUSAL_REVOKED, TURN_AUTH_REJECT);
	decide(&ob, TPA_REJECT, TPA_REFUSAL_LIMIT, TURN_AUTH_REJECT);
	decide(&ob, TPA_ERROR, TPA_REFUSAL_REDIS_UNAVAILABLE, TURN_AUTH_ERROR);
	CHECK(sample(&ob, "coturn_tpa_accepted_total") == 3);
	CHECK(sample(&ob, "coturn_tpa_passed_total") == 1);
	CHECK(sample(&ob, "coturn_tpa_refused_total{reason=\"expired\"}") == 1);
	CHECK(sample(&ob, "coturn_tpa_refused_total{reason="
			  "\"key_store_unavailable\"}") == 1);
	CHECK(sample(&ob, "coturn_tpa_refused_total{reason=\"internal\"}") ==
	      1);
	static const char *const reasons[] = {"replay", "revoked", "limit",
					      "redis_unavailable"};
	for (size_t i = 0; i < sizeof(reasons) / sizeof(*reasons); i++) {
		char name[96];

		snprintf(name, sizeof(name),
			 "coturn_tpa_refused_total{reason=\"%s\"}", reasons[i]);
		CHECK_MSG(sample(&ob, name) == 1, "%s", name);
	}
	CHECK(sample(&ob, "coturn_tpa_authorization_duration_seconds_count") ==
	      10);
	/* the gauge is the registry's count */
	CHECK(sample(&ob, "coturn_tpa_sessions") == 0);
	note(&ob, 1);
	note(&ob, 1);
	note(&ob, 2);
	CHECK(sample(&ob, "coturn_tpa_sessions") == 2);
	tpa_live_forget(ob.live, 1, NULL);
	CHECK(sample(&ob, "coturn_tpa_sessions") == 1);
	tpa_observe_stop(&ob);
	CHECK(ob.metrics == NULL && ob.exporter == NULL && ob.live == NULL);
}

/* Without metrics-listen: no metrics, no exporter, the registry works. */
static void test_off(void)
{
	struct tpa_loopback_addr none;
	struct tpa_observe ob;
	char err[256] = "";

	memset(&none, 0, sizeof(none));
	CHECK(tpa_observe_start(&ob, &none, NULL, NULL, err, sizeof(err)) == 0);
	CHECK(ob.metrics == NULL && ob.exporter == NULL && ob.live);
	decide(&ob, TPA_ACCEPT, TPA_REFUSAL_NONE, TURN_AUTH_ACCEPT);
	decide(&ob, TPA_REJECT, TPA_REFUSAL_REPLAY, TURN_AUTH_REJECT);
	note(&ob, 7);
	CHECK(tpa_live_count(ob.live) == 1);
	tpa_observe_stop(&ob);
}

int main(void)
{
	test_verdicts();
	test_off();
	return tpa_test_done();
}
