/*
 * tpa_policy.c - revocation, replay and allocation limits after the
 * cryptography.
 */
#include "tpa_policy.h"

#include <stdio.h>
#include <string.h>

#include "tpa_binding.h"

#define refuse tpa_auth_reject

int tpa_policy_start(struct tpa_policy *p, const struct tpa_policy_env *env,
		     char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	p->env = *env;
	p->revoked = tpa_revoked_new();
	if (!p->revoked) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (env->cfg->redis.mode != TPA_REDIS_OFF) {
		struct tpa_fleet_env fe = {
			env->cfg,	  env->live, p->revoked,  env->metrics,
			env->end_session, env->log,  env->log_ctx};

		p->fleet = tpa_fleet_start(&fe, err, errlen);
		if (!p->fleet)
			return -1;
	}
	return 0;
}

void tpa_policy_stop(struct tpa_policy *p)
{
	tpa_fleet_stop(p->fleet); /* first: its threads use the rest */
	tpa_revoked_free(p->revoked);
	memset(p, 0, sizeof(*p));
}

/* Redis cannot answer: refused (ERROR: a dependency is down and the
 * policy fails closed), or nothing at all under allow. */
static int unavailable(const struct tpa_policy *p, const char *why,
		       struct tpa_auth_outcome *o)
{
	if (p->env.cfg->redis_failure == TPA_REDIS_FAILURE_ALLOW)
		return 0;
	refuse(o, TPA_REFUSAL_REDIS_UNAVAILABLE,
	       "Redis cannot answer (%s); redis-failure = reject", why);
	o->verdict = TPA_ERROR;
	return -1;
}

/* The fleet's part: 1 if Redis counted the session's slot, 0 if it did
 * not (allow while Redis cannot answer), -1 if o was refused. */
static int claim(struct tpa_policy *p, const struct turn_auth_request *r,
		 struct tpa_auth_outcome *o)
{
	const struct tpa_config *cfg = p->env.cfg;
	char binding[TPA_BINDING_MAX], used[TPA_KEYS_BOUND_MAX];
	char why[TPA_REDIS_ERR_LEN] = "";
	struct tpa_claim_reply reply;
	struct tpa_fleet_claim c = {o->token_id, binding,
				    o->token_end + cfg->clock_skew,
				    r->session_id};

	if (tpa_binding_make(cfg->replay_binding, r->client_addr,
			     r->client_addr_len, r->server_addr,
			     r->server_addr_len, r->transport, binding) != 0) {
		refuse(o, TPA_REFUSAL_INTERNAL,
		       "no client address to bind the token to");
		o->verdict = TPA_ERROR;
		return -1;
	}
	switch (tpa_fleet_claim(p->fleet, &c, &reply, why, sizeof(why))) {
	case TPA_CLAIM_OK:
		return 1;
	case TPA_CLAIM_REVOKED:
		refuse(o, TPA_REFUSAL_REVOKED, "revoked");
		return -1;
	case TPA_CLAIM_REPLAY:
		tpa_binding_shown(binding, strlen(binding), used, sizeof(used));
		refuse(o, TPA_REFUSAL_REPLAY,
		       "replay: bound to %s, used from %s (replay-binding %s)",
		       reply.bound, used,
		       tpa_replay_binding_name(cfg->replay_binding));
		return -1;
	case TPA_CLAIM_LIMIT:
		refuse(o, TPA_REFUSAL_LIMIT,
		       "%lld live allocations in the fleet, "
		       "max-allocations-per-token = %u",
		       reply.count, cfg->max_allocations_per_token);
		return -1;
	default:
		return unavailable(p, why, o) ? -1 : 0;
	}
}

static int is_revoked(struct tpa_policy *p, const struct tpa_auth_outcome *o,
		      uint64_t now)
{
	return tpa_revoked_kid(p->revoked, o->kid, now) ||
	       tpa_revoked_token(p->revoked, o->token_id, now);
}

static void refuse_revoked(struct tpa_policy *p, struct tpa_auth_outcome *o,
			   uint64_t now)
{
	if (tpa_revoked_kid(p->revoked, o->kid, now))
		refuse(o, TPA_REFUSAL_REVOKED, "kid '%s' is revoked", o->kid);
	else
		refuse(o, TPA_REFUSAL_REVOKED, "revoked");
}

void tpa_policy_check(struct tpa_policy *p, const struct turn_auth_request *r,
		      uint64_t now, struct tpa_auth_outcome *o)
{
	const struct tpa_config *cfg = p->env.cfg;
	struct tpa_live_grant g = {o->token_id, o->kid, o->token_end,
				   o->expiry};
	char moved_from[TPA_LIVE_TOKEN_ID_MAX + 1] = "";
	unsigned local_limit = cfg->max_allocations_per_token;
	enum tpa_live_noted noted;
	int claimed = 0;

	if (o->verdict != TPA_ACCEPT)
		return;
	if (is_revoked(p, o, now)) {
		refuse_revoked(p, o, now);
		return;
	}
	if (p->fleet) {
		claimed = claim(p, r, o);
		if (claimed < 0)
			return;
		if (claimed)
			local_limit = 0; /* the fleet counted */
	}
	noted = tpa_live_note(p->env.live, r->session_id, &g, now, local_limit,
			      moved_from);
	switch (noted) {
	case TPA_LIVE_LIMIT:
		refuse(o, TPA_REFUSAL_LIMIT,
		       "%zu live allocations on this node, "
		       "max-allocations-per-token = %u",
		       tpa_live_token_count(p->env.live, o->token_id),
		       local_limit);
		return;
	case TPA_LIVE_FULL:
		if (claimed)
			tpa_fleet_release(p->fleet, o->token_id, r->session_id);
		refuse(o, TPA_REFUSAL_INTERNAL,
		       "too many live sessions on this node to track");
		o->verdict = TPA_ERROR;
		return;
	case TPA_LIVE_MOVED:
		/* the session's slot of its old token is free */
		if (p->fleet)
			tpa_fleet_release(p->fleet, moved_from, r->session_id);
		break;
	default:
		break;
	}
	/*
	 * A revocation heard since the first look: the subscriber marks the
	 * token or kid first and lists its sessions then, so either it saw
	 * this session or we see the mark.  A session that was the token's
	 * already was on its list and is being ended.
	 */
	if (!is_revoked(p, o, now))
		return;
	if (noted == TPA_LIVE_NEW) {
		tpa_live_forget(p->env.live, r->session_id, NULL);
		if (claimed)
			tpa_fleet_release(p->fleet, o->token_id, r->session_id);
	} else if (noted == TPA_LIVE_MOVED) {
		p->env.end_session(r->session_id);
	}
	refuse_revoked(p, o, now);
}

void tpa_policy_session_closed(struct tpa_policy *p, uint64_t session_id)
{
	char token_id[TPA_LIVE_TOKEN_ID_MAX + 1];

	if (!tpa_live_forget(p->env.live, session_id, token_id))
		return;
	if (p->fleet)
		tpa_fleet_release(p->fleet, token_id, session_id);
	if (p->env.log && p->env.cfg->log_level >= TPA_LOG_DEBUG) {
		char msg[96];

		snprintf(msg, sizeof(msg), "session %llu of token %s ended",
			 (unsigned long long)session_id, token_id);
		p->env.log(p->env.log_ctx, TPA_LOG_DEBUG, msg);
	}
}
