/*
 * Unit tests for plugin/tpa_revoked (what a node knows revoked, in
 * memory) and plugin/tpa_ratelog (one log line per interval): kids
 * revoked until their time, kids heard on the channel kept until Redis
 * lists them or a later read says they are gone, tokens held for a
 * while, the caps; and the rate limit's count of lines not logged.
 *
 * Usage: test_revoked
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include "tpa_ratelog.h"
#include "tpa_revoked.h"
#include "tpa_test.h"

#define NOW UINT64_C(1795000000)

static void test_kids(void)
{
	struct tpa_revoked *r = tpa_revoked_new();
	struct tpa_revoked_kid list[2] = {{"k1", NOW + 100}, {"k2", NOW + 5}};

	CHECK(r != NULL);
	CHECK(tpa_revoked_kid(r, "k1", NOW) == 0);
	CHECK(tpa_revoked_merge_kids(r, list, 2, 1000, NOW) == 2);
	CHECK(tpa_revoked_kid(r, "k1", NOW) == 1);
	CHECK(tpa_revoked_kid(r, "k2", NOW + 4) == 1);
	CHECK(tpa_revoked_kid(r, "k2", NOW + 5) == 0); /* its time is over */
	CHECK(tpa_revoked_kid(r, "k", NOW) == 0);
	CHECK(tpa_revoked_kid(r, "k10", NOW) == 0);
	/* a later read without k2 drops it; one past its time too */
	CHECK(tpa_revoked_merge_kids(r, list, 1, 2000, NOW) == 1);
	CHECK(tpa_revoked_kid(r, "k2", NOW) == 0);
	CHECK(tpa_revoked_merge_kids(r, list, 1, 3000, NOW + 100) == 0);
	CHECK(tpa_revoked_kid(r, "k1", NOW + 50) == 0);
	tpa_revoked_free(r);
	tpa_revoked_free(NULL);
}

/* A kid from the channel: revoked at once, for as long as Redis does not
 * say otherwise in a read sent after it was heard. */
static void test_kid_heard(void)
{
	struct tpa_revoked *r = tpa_revoked_new();
	struct tpa_revoked_kid k3 = {"k3", NOW + 30};
	char longkid[130];

	CHECK(tpa_revoked_add_kid(r, "k3", 5000) == 0);
	CHECK(tpa_revoked_kid(r, "k3", NOW + 1000000) == 1);
	/* a read sent before it was heard does not know it: kept */
	CHECK(tpa_revoked_merge_kids(r, NULL, 0, 4000, NOW) == 1);
	CHECK(tpa_revoked_kid(r, "k3", NOW) == 1);
	/* a read that lists it gives it Redis's time */
	CHECK(tpa_revoked_merge_kids(r, &k3, 1, 6000, NOW) == 1);
	CHECK(tpa_revoked_kid(r, "k3", NOW + 29) == 1);
	CHECK(tpa_revoked_kid(r, "k3", NOW + 30) == 0);
	/* heard again, then a later read without it: Redis has it no more */
	CHECK(tpa_revoked_add_kid(r, "k3", 7000) == 0);
	CHECK(tpa_revoked_merge_kids(r, NULL, 0, 7000, NOW) == 1);
	CHECK(tpa_revoked_merge_kids(r, NULL, 0, 7001, NOW) == 0);
	CHECK(tpa_revoked_kid(r, "k3", NOW) == 0);
	/* bad kids are not taken */
	memset(longkid, 'x', sizeof(longkid) - 1);
	longkid[sizeof(longkid) - 1] = '\0';
	CHECK(tpa_revoked_add_kid(r, longkid, 1) == -1);
	CHECK(tpa_revoked_add_kid(r, "", 1) == -1);
	tpa_revoked_free(r);
}

static void test_kid_cap(void)
{
	struct tpa_revoked *r = tpa_revoked_new();
	char kid[32];
	int added = 0;

	for (int i = 0; i < TPA_REVOKED_KIDS_MAX + 1; i++) {
		snprintf(kid, sizeof(kid), "kid-%d", i);
		added += tpa_revoked_add_kid(r, kid, 1) == 0;
	}
	CHECK(added == TPA_REVOKED_KIDS_MAX);
	CHECK(tpa_revoked_kid(r, "kid-0", NOW) == 1);
	/* a kid known already is fine when full */
	CHECK(tpa_revoked_add_kid(r, "kid-0", 2) == 0);
	tpa_revoked_free(r);
}

static void test_tokens(void)
{
	struct tpa_revoked *r = tpa_revoked_new();
	char id[17];

	CHECK(tpa_revoked_token(r, "0123456789abcdef", NOW) == 0);
	CHECK(tpa_revoked_add_token(r, "0123456789abcdef", NOW) == 0);
	CHECK(tpa_revoked_token(r, "0123456789abcdef", NOW) == 1);
	CHECK(tpa_revoked_token(r, "0123456789abcdee", NOW) == 0);
	CHECK(tpa_revoked_token(r, "0123456789abcdef",
				NOW + TPA_REVOKED_TOKEN_HOLD - 1) == 1);
	CHECK(tpa_revoked_token(r, "0123456789abcdef",
				NOW + TPA_REVOKED_TOKEN_HOLD) == 0);
	CHECK(tpa_revoked_add_token(r, "0123456789abcdef0", NOW) == -1);
	CHECK(tpa_revoked_add_token(r, "", NOW) == -1);
	/* full: the oldest makes room, the newest are known */
	for (int i = 0; i < TPA_REVOKED_TOKENS_MAX + 10; i++) {
		snprintf(id, sizeof(id), "%016x", i);
		tpa_revoked_add_token(r, id, NOW + (uint64_t)i);
	}
	snprintf(id, sizeof(id), "%016x", TPA_REVOKED_TOKENS_MAX + 9);
	CHECK(tpa_revoked_token(r, id, NOW + TPA_REVOKED_TOKENS_MAX) == 1);
	snprintf(id, sizeof(id), "%016x", 0);
	CHECK(tpa_revoked_token(r, id, NOW) == 0);
	tpa_revoked_free(r);
}

static void test_ratelog(void)
{
	struct tpa_ratelog rl;
	unsigned long suppressed = 99;

	CHECK(tpa_ratelog_init(&rl, 10000) == 0);
	CHECK(tpa_ratelog_allow(&rl, 50000, &suppressed) == 1);
	CHECK(suppressed == 0);
	for (int i = 0; i < 7; i++)
		CHECK(tpa_ratelog_allow(&rl, 50001 + (uint64_t)i,
					&suppressed) == 0);
	CHECK(tpa_ratelog_allow(&rl, 59999, &suppressed) == 0);
	CHECK(tpa_ratelog_allow(&rl, 60000, &suppressed) == 1);
	CHECK(suppressed == 8);
	CHECK(tpa_ratelog_allow(&rl, 70000, &suppressed) == 1);
	CHECK(suppressed == 0);
	tpa_ratelog_destroy(&rl);
	CHECK(tpa_ratelog_now_ms() > 0);
}

int main(void)
{
	test_kids();
	test_kid_heard();
	test_kid_cap();
	test_tokens();
	test_ratelog();
	return tpa_test_done();
}
