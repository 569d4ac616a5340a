/*
 * tpa_plugin.c - the coturn-tpa auth plugin: wires the configuration, the
 * key store and the RFC 7635 decision to the plugin ABI.  No logic of its
 * own beyond translating between them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "turn_auth_plugin.h"

#include "tpa_auth.h"
#include "tpa_browser.h"
#include "tpa_config.h"
#include "tpa_keystore.h"
#include "tpa_observe.h"
#include "tpa_policy.h"

struct tpa_state {
	const struct turn_auth_host *host;
	struct tpa_config cfg;
	struct tpa_keystore *keys;
	struct tpa_observe obs;	  /* metrics, live sessions */
	struct tpa_policy policy; /* revocation, replay, limits (Redis) */
};

static void plog(const struct tpa_state *st, enum tpa_log_level level,
		 const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Logs through the host if level is enabled in the config. */
static void plog(const struct tpa_state *st, enum tpa_log_level level,
		 const char *fmt, ...)
{
	static const enum turn_auth_log_level host_level[] = {
		TURN_AUTH_LOG_ERROR, TURN_AUTH_LOG_WARNING, TURN_AUTH_LOG_INFO,
		TURN_AUTH_LOG_DEBUG};
	char msg[768];
	va_list ap;

	if (level > st->cfg.log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	st->host->log(host_level[level], "%s", msg);
}

static void keystore_log(void *ctx, enum tpa_log_level level, const char *msg)
{
	plog(ctx, level, "%s", msg);
}

static void exporter_log(void *ctx, const char *msg)
{
	plog(ctx, TPA_LOG_WARNING, "metrics: %s", msg);
}

static void policy_log(void *ctx, enum tpa_log_level level, const char *msg)
{
	plog(ctx, level, "%s", msg);
}

static void state_free(struct tpa_state *st)
{
	if (!st)
		return;
	tpa_policy_stop(&st->policy); /* first: it uses the registry */
	tpa_observe_stop(&st->obs);
	tpa_keystore_close(st->keys);
	tpa_config_wipe(&st->cfg);
	free(st);
}

static int start_policy(struct tpa_state *st, char *err, size_t errlen)
{
	struct tpa_policy_env pe = {&st->cfg,	     st->obs.live,
				    st->obs.metrics, st->host->end_session,
				    policy_log,	     st};

	return tpa_policy_start(&st->policy, &pe, err, errlen);
}

static int tpa_init(const struct turn_auth_host *host, const char *config_path,
		    void **state, char *err, size_t errlen)
{
	struct tpa_state *st = calloc(1, sizeof(*st));

	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	st->host = host;
	if (tpa_config_load(config_path, &st->cfg, err, errlen) != 0)
		goto fail;
	if (!host->server_name[0]) {
		snprintf(err, errlen,
			 "no server-name or realm: RFC 7635 "
			 "tokens are bound to the server name");
		goto fail;
	}
	st->keys = tpa_keystore_open(st->cfg.key_set, st->cfg.reload_check_ms,
				     keystore_log, st, err, errlen);
	if (!st->keys || tpa_observe_start(&st->obs, &st->cfg.metrics_listen,
					   exporter_log, st, err, errlen) != 0)
		goto fail;
	if (st->obs.exporter)
		plog(st, TPA_LOG_INFO, "metrics on http://%s/metrics",
		     st->cfg.metrics_listen.text);
	if (start_policy(st, err, errlen) != 0)
		goto fail;
	plog(st, TPA_LOG_INFO,
	     "ready: %zu keys from %s, server name '%s', clock skew %u s, "
	     "legacy coturn keying %s, browser sessions up to %u s, "
	     "max-allocations-per-token %u%s",
	     tpa_keystore_count(st->keys), st->cfg.key_set, host->server_name,
	     st->cfg.clock_skew, st->cfg.legacy_coturn_keying ? "on" : "off",
	     st->cfg.browser_max_session, st->cfg.max_allocations_per_token,
	     st->cfg.redis.mode == TPA_REDIS_OFF ? ", no Redis" : "");
	*state = st;
	return 0;
fail:
	state_free(st);
	return -1;
}

/* What the glue needs of an accepted decision, checked before the
 * policy notes the session: fails closed (internal) if not. */
static void check_accepted(struct tpa_auth_outcome *o, uint64_t now)
{
	if (o->verdict != TPA_ACCEPT)
		return;
	if (o->key_len > TURN_AUTH_KEY_MAX)
		tpa_auth_reject(o, TPA_REFUSAL_INTERNAL, "key too long");
	/* RFC 7635: the session lives no longer than the token; tpa_auth
	 * accepts only tokens with time left */
	else if (o->expiry <= now)
		tpa_auth_reject(o, TPA_REFUSAL_INTERNAL, "no time left");
	else
		return;
	o->verdict = TPA_ERROR;
}

static enum turn_auth_verdict accept_token(const struct tpa_auth_outcome *o,
					   uint64_t now,
					   struct turn_auth_result *res)
{
	memcpy(res->key, o->key, o->key_len);
	res->key_len = o->key_len;
	/* a browser cannot send a new token on the same session */
	res->third_party = !o->browser;
	if (o->expiry - now > UINT32_MAX)
		res->max_session_time = UINT32_MAX;
	else
		res->max_session_time = (uint32_t)(o->expiry - now);
	/* the host logs this note with the session id: the acceptance's one
	 * line (the host asks once a session, and again for a new token) */
	snprintf(res->reason, sizeof(res->reason),
		 "token %s%s: kid '%.*s', %zu-byte key, %u s left", o->token_id,
		 o->browser ? " (browser profile)" : "", TPA_KID_LOG_MAX,
		 o->kid, o->key_len, res->max_session_time);
	return TURN_AUTH_ACCEPT;
}

static enum turn_auth_verdict tpa_authorize(void *state,
					    const struct turn_auth_request *r,
					    struct turn_auth_result *res)
{
	struct tpa_state *st = state;
	struct tpa_auth_ctx ctx = {&st->cfg, st->keys, st->host->server_name};
	struct tpa_auth_outcome o;
	uint64_t started = tpa_metrics_start(st->obs.metrics);
	uint64_t now = (uint64_t)time(NULL);
	enum turn_auth_verdict v;

	tpa_auth_rfc7635(&ctx, r->message, r->message_len, r->username, now,
			 &o);
	if (o.verdict == TPA_PASS)
		tpa_auth_browser(&ctx, r->message, r->message_len, r->username,
				 r->realm, now, &o);
	check_accepted(&o, now);
	tpa_policy_check(&st->policy, r, now, &o);
	switch (o.verdict) {
	case TPA_ACCEPT:
		v = accept_token(&o, now, res);
		break;
	case TPA_PASS:
		v = TURN_AUTH_PASS;
		break;
	case TPA_REJECT:
		snprintf(res->reason, sizeof(res->reason), "%s", o.reason);
		v = TURN_AUTH_REJECT;
		break;
	default:
		snprintf(res->reason, sizeof(res->reason), "%s", o.reason);
		v = TURN_AUTH_ERROR;
	}
	tpa_observe_decision(&st->obs, &o, v, started);
	OPENSSL_cleanse(&o, sizeof(o));
	return v;
}

static void tpa_session_closed(void *state, uint64_t session_id)
{
	struct tpa_state *st = state;

	tpa_policy_session_closed(&st->policy, session_id);
}

static void tpa_fini(void *state)
{
	state_free(state);
}

/* Browser-profile usernames carry a token: coturn logs a token id. */
static int tpa_log_username(void *state, const char *username, char *out,
			    size_t outlen)
{
	(void)state;
	return tpa_browser_log_name(username, out, outlen);
}

static const struct turn_auth_plugin tpa_table = {
	.size = sizeof(struct turn_auth_plugin),
	.abi_version = TURN_AUTH_PLUGIN_ABI_VERSION,
	.name = "coturn-tpa",
	.flags = TURN_AUTH_PLUGIN_THIRD_PARTY,
	.init = tpa_init,
	.authorize = tpa_authorize,
	.session_closed = tpa_session_closed,
	.fini = tpa_fini,
	.log_username = tpa_log_username,
};

const struct turn_auth_plugin *turn_auth_plugin_entry(uint32_t host_abi)
	__attribute__((visibility("default")));

const struct turn_auth_plugin *turn_auth_plugin_entry(uint32_t host_abi)
{
	if (TURN_AUTH_PLUGIN_ABI_MAJOR_OF(host_abi) !=
	    TURN_AUTH_PLUGIN_ABI_MAJOR)
		return NULL;
	return &tpa_table;
}
