/*
 * Unit tests for plugin/tpa_redis_keys (what coturn-tpa keeps in Redis)
 * and plugin/tpa_binding (what a token is bound to): key names share one
 * Cluster hash tag, the bindings of each policy, addresses shown safely,
 * every shape of claim reply (and hostile ones refused), the channel's
 * messages both ways.  The scripts themselves run against a real Redis
 * in the integration tests.
 *
 * Usage: test_redis_keys
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>

#include "tpa_binding.h"
#include "tpa_redis_keys.h"
#include "tpa_test.h"

#define ID "0123456789abcdef"

static void test_keys(void)
{
	char k[TPA_KEYS_KEY_MAX], member[TPA_KEYS_MEMBER_MAX];

	CHECK(tpa_keys_token_key(ID, TPA_KEYS_USE, k) == 26);
	CHECK_STR(k, "tpa:{" ID "}:use");
	tpa_keys_token_key(ID, TPA_KEYS_ALLOC, k);
	CHECK_STR(k, "tpa:{" ID "}:alloc");
	tpa_keys_token_key(ID, TPA_KEYS_REVOKED, k);
	CHECK_STR(k, "tpa:{" ID "}:revoked");
	CHECK(tpa_keys_member("00ff00ff00ff00ff", UINT64_C(1000000000000000001),
			      member) == 36);
	CHECK_STR(member, "00ff00ff00ff00ff:1000000000000000001");
	CHECK(tpa_keys_token_id_valid(ID, 16));
	CHECK(!tpa_keys_token_id_valid(ID, 15));
	CHECK(!tpa_keys_token_id_valid("0123456789ABCDEF", 16));
	CHECK(!tpa_keys_token_id_valid("0123456789abcdeg", 16));
}

static socklen_t v4(struct sockaddr_storage *ss, const char *ip, int port)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	in->sin_family = AF_INET;
	in->sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, ip, &in->sin_addr);
	return sizeof(*in);
}

static socklen_t v6(struct sockaddr_storage *ss, const char *ip, int port)
{
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons((uint16_t)port);
	inet_pton(AF_INET6, ip, &in6->sin6_addr);
	return sizeof(*in6);
}

static void test_bindings(void)
{
	struct sockaddr_storage c, s;
	socklen_t cl = v4(&c, "127.0.0.2", 5000),
		  sl = v4(&s, "127.0.0.1", 3478);
	char b[TPA_BINDING_MAX], shown[64];
	const struct sockaddr *cp = (const struct sockaddr *)&c;
	const struct sockaddr *sp = (const struct sockaddr *)&s;

	CHECK(tpa_binding_make(TPA_BINDING_IP, cp, cl, sp, sl,
			       TURN_AUTH_TRANSPORT_UDP, b) == 0);
	CHECK_STR(b, "ip 127.0.0.2");
	CHECK(tpa_binding_make(TPA_BINDING_5TUPLE, cp, cl, sp, sl,
			       TURN_AUTH_TRANSPORT_TCP, b) == 0);
	CHECK_STR(b, "5t tcp 127.0.0.2:5000 127.0.0.1:3478");
	CHECK(tpa_binding_make(TPA_BINDING_OFF, NULL, 0, NULL, 0,
			       TURN_AUTH_TRANSPORT_UNKNOWN, b) == 0);
	CHECK_STR(b, "*");
	/* IPv6, and IPv4-mapped IPv6 as IPv4 */
	cl = v6(&c, "2001:db8::7", 6000);
	sl = v6(&s, "::1", 3478);
	CHECK(tpa_binding_make(TPA_BINDING_5TUPLE, cp, cl, sp, sl,
			       TURN_AUTH_TRANSPORT_DTLS, b) == 0);
	CHECK_STR(b, "5t dtls [2001:db8::7]:6000 [::1]:3478");
	cl = v6(&c, "::ffff:192.0.2.1", 6000);
	CHECK(tpa_binding_make(TPA_BINDING_IP, cp, cl, sp, sl,
			       TURN_AUTH_TRANSPORT_UDP, b) == 0);
	CHECK_STR(b, "ip 192.0.2.1");
	/* no usable address: nothing to bind to */
	CHECK(tpa_binding_make(TPA_BINDING_IP, NULL, 0, sp, sl,
			       TURN_AUTH_TRANSPORT_UDP, b) == -1);
	CHECK_STR(b, "");
	c.ss_family = AF_UNIX;
	CHECK(tpa_binding_make(TPA_BINDING_IP, cp, sizeof(c), sp, sl,
			       TURN_AUTH_TRANSPORT_UDP, b) == -1);
	v4(&c, "127.0.0.2", 1);
	CHECK(tpa_binding_make(TPA_BINDING_IP, cp, 4, sp, sl,
			       TURN_AUTH_TRANSPORT_UDP, b) == -1);
	CHECK(tpa_binding_make(TPA_BINDING_5TUPLE, cp, sizeof(c), NULL, 0,
			       TURN_AUTH_TRANSPORT_UDP, b) == -1);
	/* shown: without the prefix, printable, cut to fit */
	tpa_binding_shown("ip 127.0.0.1", 12, shown, sizeof(shown));
	CHECK_STR(shown, "127.0.0.1");
	tpa_binding_shown("5t udp a:1 b:2", 14, shown, sizeof(shown));
	CHECK_STR(shown, "udp a:1 b:2");
	tpa_binding_shown("*", 1, shown, sizeof(shown));
	CHECK_STR(shown, "*");
	tpa_binding_shown("ip a\nb\x01\xff", 8, shown, sizeof(shown));
	CHECK_STR(shown, "a?b??");
	tpa_binding_shown("ip 127.0.0.1", 12, shown, 4);
	CHECK_STR(shown, "127");
	tpa_binding_shown("ip", 2, shown, sizeof(shown));
	CHECK_STR(shown, "ip");
}

/* A reply of the claim script, as hiredis would build it. */
struct fake {
	redisReply top, el[3];
	redisReply *ptrs[3];
};

static const redisReply *reply(struct fake *f, size_t n, const char *a,
			       const char *b, const char *c)
{
	const char *s[3] = {a, b, c};

	memset(f, 0, sizeof(*f));
	f->top.type = REDIS_REPLY_ARRAY;
	f->top.elements = n;
	f->top.element = f->ptrs;
	for (size_t i = 0; i < 3; i++) {
		f->ptrs[i] = &f->el[i];
		f->el[i].type = REDIS_REPLY_STRING;
		f->el[i].str = (char *)(s[i] ? s[i] : "");
		f->el[i].len = strlen(f->el[i].str);
	}
	return &f->top;
}

static void test_claim_replies(void)
{
	struct tpa_claim_reply out;
	struct fake f;
	redisReply err = {.type = REDIS_REPLY_ERROR, .str = "ERR x", .len = 5};
	redisReply num = {.type = REDIS_REPLY_INTEGER, .integer = 1};
	char why[128];

	CHECK(tpa_keys_claim_parse(reply(&f, 1, "ok", 0, 0), &out, why,
				   sizeof(why)) == 0);
	CHECK(out.verdict == TPA_CLAIM_OK);
	CHECK(tpa_keys_claim_parse(reply(&f, 1, "revoked", 0, 0), &out, why,
				   sizeof(why)) == 0);
	CHECK(out.verdict == TPA_CLAIM_REVOKED);
	CHECK(tpa_keys_claim_parse(reply(&f, 2, "replay", "ip 127.0.0.1", 0),
				   &out, why, sizeof(why)) == 0);
	CHECK(out.verdict == TPA_CLAIM_REPLAY);
	CHECK_STR(out.bound, "127.0.0.1");
	CHECK(tpa_keys_claim_parse(reply(&f, 2, "limit", "2", 0), &out, why,
				   sizeof(why)) == 0);
	CHECK(out.verdict == TPA_CLAIM_LIMIT && out.count == 2);
	/* anything else: not the script's answer */
	static const char *const bad[][3] = {
		{"ok", "x", 0},	     {"okay", 0, 0},
		{"limit", "-1", 0},  {"limit", "", 0},
		{"limit", "2x", 0},  {"replay", 0, 0},
		{"revoked", "1", 0}, {"limit", "99999999999999999999", 0},
		{"", 0, 0},
	};
	static const size_t bad_n[] = {2, 1, 2, 2, 2, 1, 2, 2, 1};
	for (size_t i = 0; i < sizeof(bad_n) / sizeof(*bad_n); i++) {
		CHECK_MSG(tpa_keys_claim_parse(reply(&f, bad_n[i], bad[i][0],
						     bad[i][1], bad[i][2]),
					       &out, why, sizeof(why)) == -1,
			  "case %zu", i);
		CHECK(out.verdict == TPA_CLAIM_UNAVAILABLE);
	}
	reply(&f, 1, "ok", 0, 0);
	f.el[0].type = REDIS_REPLY_INTEGER;
	CHECK(tpa_keys_claim_parse(&f.top, &out, why, sizeof(why)) == -1);
	reply(&f, 0, 0, 0, 0);
	CHECK(tpa_keys_claim_parse(&f.top, &out, why, sizeof(why)) == -1);
	reply(&f, 1, "ok", 0, 0);
	f.ptrs[0] = NULL;
	CHECK(tpa_keys_claim_parse(&f.top, &out, why, sizeof(why)) == -1);
	CHECK(tpa_keys_claim_parse(&err, &out, why, sizeof(why)) == -1);
	CHECK_STR(why, "the claim script answered an error");
	CHECK(tpa_keys_claim_parse(&num, &out, why, sizeof(why)) == -1);
	CHECK(tpa_keys_claim_parse(NULL, &out, why, sizeof(why)) == -1);
	/* a hostile binding is shown, never copied raw */
	CHECK(tpa_keys_claim_parse(reply(&f, 2, "replay", "ip \x1b[2J", 0),
				   &out, why, sizeof(why)) == 0);
	CHECK_STR(out.bound, "?[2J");
}

static void test_messages(void)
{
	char what[TPA_KEYS_KID_MAX + 1], msg[TPA_KEYS_MESSAGE_MAX], big[200];

	CHECK(tpa_keys_message_parse("token " ID, 22, what) == TPA_MSG_TOKEN);
	CHECK_STR(what, ID);
	CHECK(tpa_keys_message_parse("kid 2026-11-a", 13, what) == TPA_MSG_KID);
	CHECK_STR(what, "2026-11-a");
	CHECK(tpa_keys_message_parse("token " ID "0", 23, what) == TPA_MSG_BAD);
	CHECK(tpa_keys_message_parse("token 0123", 10, what) == TPA_MSG_BAD);
	CHECK(tpa_keys_message_parse("kid ", 4, what) == TPA_MSG_BAD);
	CHECK(tpa_keys_message_parse("kid a b", 7, what) == TPA_MSG_BAD);
	CHECK(tpa_keys_message_parse("kid a\0b", 7, what) == TPA_MSG_BAD);
	CHECK(tpa_keys_message_parse("KID a", 5, what) == TPA_MSG_BAD);
	CHECK(tpa_keys_message_parse("", 0, what) == TPA_MSG_BAD);
	memset(big, 'k', sizeof(big));
	memcpy(big, "kid ", 4);
	CHECK(tpa_keys_message_parse(big, 4 + 128, what) == TPA_MSG_KID);
	CHECK(strlen(what) == 128);
	CHECK(tpa_keys_message_parse(big, 4 + 129, what) == TPA_MSG_BAD);
	CHECK(tpa_keys_message_make(TPA_MSG_TOKEN, ID, msg) == 22);
	CHECK_STR(msg, "token " ID);
	CHECK(tpa_keys_message_make(TPA_MSG_KID, "k1", msg) == 6);
	CHECK_STR(msg, "kid k1");
	CHECK(tpa_keys_message_make(TPA_MSG_TOKEN, "abc", msg) == 0);
	CHECK(tpa_keys_message_make(TPA_MSG_KID, "a b", msg) == 0);
	CHECK(tpa_keys_message_make(TPA_MSG_BAD, "k1", msg) == 0);
}

int main(void)
{
	test_keys();
	test_bindings();
	test_claim_replies();
	test_messages();
	return tpa_test_done();
}
