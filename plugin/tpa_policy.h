/*
 * tpa_policy: what the plugin checks of a token after its cryptography
 * accepted it, in this order: its kid revoked (in memory), then with
 * Redis the token's claim (revoked, replay, the fleet's allocation limit:
 * one round trip), then the session noted in the node's registry (with
 * the node-local allocation limit when Redis did not count).  Each
 * refusal turns the decision into a REJECT with its class and a reason
 * that names the token id (a replay both addresses); Redis that cannot
 * answer is an ERROR under redis-failure = reject and no check at all
 * under allow.
 *
 * Owns the in-memory revocations and, with a Redis setting, the fleet
 * side (tpa_fleet).  Knows nothing of coturn but the ABI's request.
 * Thread-safe.
 */
#ifndef TPA_POLICY_H
#define TPA_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "turn_auth_plugin.h"

#include "tpa_auth.h"
#include "tpa_fleet.h"
#include "tpa_live.h"
#include "tpa_metrics.h"
#include "tpa_revoked.h"

struct tpa_policy_env {
	const struct tpa_config *cfg;
	struct tpa_live *live;	     /* where accepted sessions are noted */
	struct tpa_metrics *metrics; /* NULL: metrics off */
	int (*end_session)(uint64_t session_id); /* the host's */
	tpa_fleet_log_fn log;
	void *log_ctx;
};

struct tpa_policy {
	struct tpa_policy_env env;
	struct tpa_revoked *revoked;
	struct tpa_fleet *fleet; /* NULL without Redis */
};

/* Fills *p (env copied; what it points to must outlive p) and, with a
 * Redis setting, starts the fleet side.  Returns 0, or -1 with a one-line
 * message in err; then call tpa_policy_stop all the same. */
int tpa_policy_start(struct tpa_policy *p, const struct tpa_policy_env *env,
		     char *err, size_t errlen);

/* Stops the fleet side and frees everything; *p is zeroed. */
void tpa_policy_stop(struct tpa_policy *p);

/*
 * The checks after the cryptography for request r at Unix time now: o
 * is an ACCEPTed outcome of tpa_auth_rfc7635 or tpa_auth_browser (any
 * other verdict is left alone).  On success o stays ACCEPT and the
 * session r->session_id is noted under o's token and kid; else o becomes
 * REJECT or ERROR with its refusal and reason.  May block on Redis (the
 * timeout).
 */
void tpa_policy_check(struct tpa_policy *p, const struct turn_auth_request *r,
		      uint64_t now, struct tpa_auth_outcome *o);

/* The host's session_closed: the session is forgotten and its slot given
 * back.  Never blocks but for short locks. */
void tpa_policy_session_closed(struct tpa_policy *p, uint64_t session_id);

#endif /* TPA_POLICY_H */
