/*
 * Unit tests for plugin/tpa_policy without Redis: the node-local
 * allocation limit (a third session of a token refused with its class and
 * a reason naming the token, a slot given back when a session ends, a
 * new token on a session moving it), kids and tokens known revoked
 * refused before anything is noted, decisions other than ACCEPT left
 * alone, and no limit at all when the setting is 0.  With Redis the
 * same paths run against a real redis-server in the integration tests.
 *
 * Usage: test_policy
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>

#include "tpa_policy.h"
#include "tpa_test.h"

#define NOW UINT64_C(1795000000)
#define TOKEN_A "aaaaaaaaaaaaaaaa"
#define TOKEN_B "bbbbbbbbbbbbbbbb"

static struct sockaddr_in client, server;

static struct turn_auth_request request(uint64_t session_id)
{
	struct turn_auth_request r;

	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	r.username = "k1";
	r.realm = "example.org";
	r.client_addr = (const struct sockaddr *)&client;
	r.client_addr_len = sizeof(client);
	r.server_addr = (const struct sockaddr *)&server;
	r.server_addr_len = sizeof(server);
	r.transport = TURN_AUTH_TRANSPORT_UDP;
	r.session_id = session_id;
	return r;
}

/* An outcome the cryptography accepted, for token tid under kid. */
static struct tpa_auth_outcome accepted(const char *tid, const char *kid)
{
	struct tpa_auth_outcome o;

	memset(&o, 0, sizeof(o));
	o.verdict = TPA_ACCEPT;
	o.key_len = 20;
	o.expiry = o.token_end = NOW + 600;
	snprintf(o.token_id, sizeof(o.token_id), "%s", tid);
	snprintf(o.kid, sizeof(o.kid), "%s", kid);
	return o;
}

static uint64_t ended[16];
static size_t nended;

static int end_session(uint64_t id)
{
	if (nended < sizeof(ended) / sizeof(*ended))
		ended[nended++] = id;
	return 0;
}

struct fixture {
	struct tpa_config cfg;
	struct tpa_live *live;
	struct tpa_policy p;
};

static int setup(struct fixture *fx, unsigned limit)
{
	struct tpa_policy_env env;
	char err[256] = "";

	memset(fx, 0, sizeof(*fx));
	tpa_redis_options_init(&fx->cfg.redis); /* mode off */
	fx->cfg.clock_skew = 5;
	fx->cfg.max_allocations_per_token = limit;
	fx->live = tpa_live_new(1000);
	env = (struct tpa_policy_env){&fx->cfg,	   fx->live, NULL,
				      end_session, NULL,     NULL};
	CHECK_MSG(tpa_policy_start(&fx->p, &env, err, sizeof(err)) == 0, "%s",
		  err);
	CHECK(fx->p.fleet == NULL);
	return fx->live && fx->p.revoked ? 0 : -1;
}

static void teardown(struct fixture *fx)
{
	tpa_policy_stop(&fx->p);
	tpa_live_free(fx->live);
}

/* Runs the checks for session id with token tid; returns the verdict. */
static enum tpa_verdict check(struct fixture *fx, uint64_t id, const char *tid,
			      const char *kid, struct tpa_auth_outcome *o)
{
	struct turn_auth_request r = request(id);

	*o = accepted(tid, kid);
	tpa_policy_check(&fx->p, &r, NOW, o);
	return o->verdict;
}

static void test_node_limit(void)
{
	struct fixture fx;
	struct tpa_auth_outcome o;

	if (setup(&fx, 2) != 0)
		return;
	CHECK(check(&fx, 1, TOKEN_A, "k1", &o) == TPA_ACCEPT);
	CHECK(check(&fx, 2, TOKEN_A, "k1", &o) == TPA_ACCEPT);
	/* the same sessions again: not new, never over the limit */
	CHECK(check(&fx, 1, TOKEN_A, "k1", &o) == TPA_ACCEPT);
	CHECK(check(&fx, 3, TOKEN_A, "k1", &o) == TPA_REJECT);
	CHECK(o.refusal == TPA_REFUSAL_LIMIT);
	CHECK_STR(o.reason, "token " TOKEN_A ": 2 live allocations on this "
			    "node, max-allocations-per-token = 2");
	CHECK(tpa_live_count(fx.live) == 2);
	/* another token has slots of its own */
	CHECK(check(&fx, 4, TOKEN_B, "k1", &o) == TPA_ACCEPT);
	/* a session that ends gives its slot back */
	tpa_policy_session_closed(&fx.p, 2);
	tpa_policy_session_closed(&fx.p, 99); /* unknown: nothing */
	CHECK(check(&fx, 3, TOKEN_A, "k1", &o) == TPA_ACCEPT);
	CHECK(check(&fx, 5, TOKEN_A, "k1", &o) == TPA_REJECT);
	/* a new token on session 1 moves it: a slot of A is free */
	CHECK(check(&fx, 1, TOKEN_B, "k1", &o) == TPA_ACCEPT);
	CHECK(tpa_live_token_count(fx.live, TOKEN_B) == 2);
	CHECK(check(&fx, 5, TOKEN_A, "k1", &o) == TPA_ACCEPT);
	/* B is full now: session 3 cannot move there and stays with A */
	CHECK(check(&fx, 3, TOKEN_B, "k1", &o) == TPA_REJECT);
	CHECK(tpa_live_token_count(fx.live, TOKEN_A) == 2);
	teardown(&fx);
}

static void test_no_limit(void)
{
	struct fixture fx;
	struct tpa_auth_outcome o;
	int accepted_n = 0;

	if (setup(&fx, 0) != 0)
		return;
	for (uint64_t id = 1; id <= 50; id++)
		accepted_n += check(&fx, id, TOKEN_A, "k1", &o) == TPA_ACCEPT;
	CHECK(accepted_n == 50);
	CHECK(tpa_live_token_count(fx.live, TOKEN_A) == 50);
	teardown(&fx);
}

static void test_revoked_in_memory(void)
{
	struct fixture fx;
	struct tpa_auth_outcome o;

	if (setup(&fx, 0) != 0)
		return;
	CHECK(tpa_revoked_add_kid(fx.p.revoked, "k2", 1) == 0);
	CHECK(check(&fx, 1, TOKEN_A, "k2", &o) == TPA_REJECT);
	CHECK(o.refusal == TPA_REFUSAL_REVOKED);
	CHECK_STR(o.reason, "token " TOKEN_A ": kid 'k2' is revoked");
	CHECK(check(&fx, 1, TOKEN_A, "k1", &o) == TPA_ACCEPT);
	CHECK(tpa_revoked_add_token(fx.p.revoked, TOKEN_B, NOW) == 0);
	CHECK(check(&fx, 2, TOKEN_B, "k1", &o) == TPA_REJECT);
	CHECK(o.refusal == TPA_REFUSAL_REVOKED);
	CHECK_STR(o.reason, "token " TOKEN_B ": revoked");
	/* nothing refused was noted */
	CHECK(tpa_live_count(fx.live) == 1);
	CHECK(nended == 0);
	teardown(&fx);
}

/* Only an ACCEPT is checked: a refusal or a PASS stays as it was. */
static void test_other_verdicts(void)
{
	struct fixture fx;
	struct turn_auth_request r = request(7);
	struct tpa_auth_outcome o;

	if (setup(&fx, 1) != 0)
		return;
	o = accepted(TOKEN_A, "k1");
	o.verdict = TPA_REJECT;
	o.refusal = TPA_REFUSAL_EXPIRED;
	strcpy(o.reason, "as it was");
	tpa_policy_check(&fx.p, &r, NOW, &o);
	CHECK(o.verdict == TPA_REJECT && o.refusal == TPA_REFUSAL_EXPIRED);
	CHECK_STR(o.reason, "as it was");
	o.verdict = TPA_PASS;
	tpa_policy_check(&fx.p, &r, NOW, &o);
	CHECK(o.verdict == TPA_PASS);
	CHECK(tpa_live_count(fx.live) == 0);
	teardown(&fx);
}

int main(void)
{
	client.sin_family = server.sin_family = AF_INET;
	client.sin_port = htons(5000);
	server.sin_port = htons(3478);
	inet_pton(AF_INET, "127.0.0.2", &client.sin_addr);
	inet_pton(AF_INET, "127.0.0.1", &server.sin_addr);
	test_node_limit();
	test_no_limit();
	test_revoked_in_memory();
	test_other_verdicts();
	return tpa_test_done();
}
