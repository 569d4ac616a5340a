/*
 * Unit tests for the browser profile: the USERNAME format
 * (lib/tpa_browser_username) and the decision (plugin/tpa_browser).
 *
 * Usage: test_browser tests/data/browser-usernames
 *
 * DIR/good/NAME/input must parse, and DIR/good/NAME/expect gives what it
 * carries ("kid=..." and "token=<hex>" lines); DIR/bad/NAME/input must be
 * refused as of the profile's form with exactly the reason in
 * DIR/bad/NAME/error; DIR/not-profile/NAME/input must not be taken as of
 * the profile's form.  Inputs are the exact bytes, with no newline.
 *
 * The decision cases build Allocate requests as a browser does: USERNAME
 * from tpa_browser_username_format, REALM, NONCE, MESSAGE-INTEGRITY keyed
 * with MD5(USERNAME ":" REALM ":" base64(mac_key)), computed here with
 * OpenSSL's MD5 directly rather than with the code under test.
 */
#include <inttypes.h>
#include <stdint.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "tpa_b64.h"
#include "tpa_browser.h"
#include "tpa_browser_username.h"
#include "tpa_keystore.h"
#include "tpa_stun.h"
#include "tpa_test.h"
#include "tpa_token.h"

#define T0 UINT64_C(1795000000) /* "now" of the decision cases */
#define SN "turn.example.org"
#define REALM "example.org"
#define MAX_SESSION 7200
#define WRONG_CREDENTIAL(mac_len)                                              \
	"MESSAGE-INTEGRITY does not match the long-term key of the "           \
	"token's " mac_len "-byte mac_key (wrong credential)"
#define URL_CHARS                                                              \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

static uint8_t as256[32], as128[16];
static uint8_t mac20[20], mac32[32];
static struct tpa_config cfg;
static struct tpa_keystore *keys;
static struct tpa_auth_ctx ctx;

/* How a case's request differs from a browser's. */
struct browser_req {
	const char *kid;       /* kid in the USERNAME */
	const uint8_t *as;     /* AS-RS key that seals the token */
	size_t as_len;	       /* 16 or 32 */
	const uint8_t *mac;    /* the token's mac_key */
	size_t mac_len;	       /* 20 or 32 */
	uint64_t ts;	       /* token timestamp, Unix seconds */
	const char *password;  /* NULL: base64(mac), as a browser has it */
	const char *mi_realm;  /* NULL: REALM; the realm the client keys with */
	int flip_token_bit;    /* flip one bit of the token's ciphertext */
	int no_integrity;      /* send no MESSAGE-INTEGRITY */
	int with_access_token; /* also add ACCESS-TOKEN */
	int with_sha256; /* also MESSAGE-INTEGRITY-SHA256, long-term key */
};

static void fill(uint8_t *p, size_t n, uint8_t first)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(first + i * 5);
}

static int file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static void hex(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", p[i]);
	out[2 * n] = '\0';
}

/* ---- the format, from files --------------------------------------- */

static char *slurp_case(const char *casedir, const char *file, size_t *len)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/%s", casedir, file);
	return tpa_test_slurp(path, len);
}

static void good_case(const char *casedir, const char *name)
{
	struct tpa_browser_username u;
	char why[TPA_BROWSER_USERNAME_WHY_LEN], got[1024], toks[2 * 76 + 1];
	char again[TPA_BROWSER_USERNAME_MAX + 1];
	size_t len = 0, wlen = 0;
	char *in = slurp_case(casedir, "input", &len);
	char *want = slurp_case(casedir, "expect", &wlen);

	CHECK_MSG(in != NULL && want != NULL, "%s: missing files", name);
	if (in == NULL || want == NULL)
		goto out;
	CHECK_MSG(tpa_browser_username_parse(in, len, &u, why, sizeof(why)) ==
			  TPA_BROWSER_USERNAME_OK,
		  "%s: %s", name, why);
	hex(u.token, u.token_len, toks);
	snprintf(got, sizeof(got), "kid=%s\ntoken=%s\n", u.kid, toks);
	CHECK_MSG(strcmp(got, want) == 0, "%s:\n got:  %s want: %s", name, got,
		  want);
	CHECK_STR(why, "");
	/* canonical: formatting what was parsed gives the input back */
	CHECK(tpa_browser_username_format(u.kid, u.token, u.token_len, again,
					  sizeof(again)) == (int)len);
	CHECK_MSG(memcmp(again, in, len) == 0, "%s: not canonical", name);
out:
	free(in);
	free(want);
}

static void bad_case(const char *casedir, const char *name)
{
	static const struct tpa_browser_username zero;
	struct tpa_browser_username u;
	char why[TPA_BROWSER_USERNAME_WHY_LEN],
		got[TPA_BROWSER_USERNAME_WHY_LEN + 1];
	size_t len = 0, wlen = 0;
	char *in = slurp_case(casedir, "input", &len);
	char *want = slurp_case(casedir, "error", &wlen);

	CHECK_MSG(in != NULL && want != NULL, "%s: missing files", name);
	if (in == NULL || want == NULL)
		goto out;
	memset(&u, 0x5a, sizeof(u));
	CHECK_MSG(tpa_browser_username_parse(in, len, &u, why, sizeof(why)) ==
			  TPA_BROWSER_USERNAME_BAD,
		  "%s: not refused", name);
	snprintf(got, sizeof(got), "%s\n", why);
	CHECK_MSG(strcmp(got, want) == 0, "%s:\n  got:  %s  want: %s", name,
		  got, want);
	CHECK_MSG(memcmp(&u, &zero, sizeof(u)) == 0, "%s: output left", name);
out:
	free(in);
	free(want);
}

static void not_profile_case(const char *casedir, const char *name)
{
	struct tpa_browser_username u;
	char why[TPA_BROWSER_USERNAME_WHY_LEN];
	size_t len = 0;
	char *in = slurp_case(casedir, "input", &len);

	CHECK_MSG(in != NULL, "%s: missing input", name);
	if (in == NULL)
		return;
	CHECK_MSG(tpa_browser_username_parse(in, len, &u, why, sizeof(why)) ==
			  TPA_BROWSER_USERNAME_NOT_PROFILE,
		  "%s: taken as the profile's (%s)", name, why);
	CHECK_STR(why, "");
	free(in);
}

/* ---- the format, generated ------------------------------------------ */

/* Every kid length and both token sizes: short enough for browsers, only
 * A-Z a-z 0-9 - _ ., and parsed back to the same kid and token. */
static void test_format_sizes(void)
{
	char kid[TPA_KID_MAX + 1], user[TPA_BROWSER_USERNAME_MAX + 1];
	uint8_t tok[TPA_TOKEN_MAX_LEN];
	struct tpa_browser_username u;
	size_t longest = 0, bad_chars = 0, round_trips = 0, runs = 0;
	static const size_t tok_lens[] = {TPA_TOKEN_MIN_LEN, TPA_TOKEN_MAX_LEN};

	fill(tok, sizeof(tok), 0xf3);
	for (size_t kl = 1; kl <= TPA_KID_MAX; kl++) {
		for (size_t i = 0; i < kl; i++)
			kid[i] = (char)(0x21 + (i * 7 + kl) % 94);
		kid[kl] = '\0';
		for (size_t t = 0; t < 2; t++) {
			int n = tpa_browser_username_format(
				kid, tok, tok_lens[t], user, sizeof(user));
			runs++;
			if (n < 0)
				continue;
			if ((size_t)n > longest)
				longest = (size_t)n;
			bad_chars += (size_t)n - strspn(user, URL_CHARS ".");
			if (tpa_browser_username_parse(user, (size_t)n, &u,
						       NULL, 0) ==
				    TPA_BROWSER_USERNAME_OK &&
			    strcmp(u.kid, kid) == 0 &&
			    u.token_len == tok_lens[t] &&
			    memcmp(u.token, tok, u.token_len) == 0)
				round_trips++;
		}
	}
	CHECK_MSG(round_trips == runs, "%zu of %zu round trips", round_trips,
		  runs);
	CHECK(bad_chars == 0);
	CHECK_MSG(longest == TPA_BROWSER_USERNAME_MAX, "longest %zu", longest);
	CHECK(longest < TPA_BROWSER_USERNAME_BROWSER_LIMIT);
}

static void test_format_refuses(void)
{
	char user[TPA_BROWSER_USERNAME_MAX + 1], kid129[TPA_KID_MAX + 2];
	uint8_t tok[TPA_TOKEN_MAX_LEN + 1] = {0};

	memset(kid129, 'k', sizeof(kid129) - 1);
	kid129[sizeof(kid129) - 1] = '\0';
	CHECK(tpa_browser_username_format("a b", tok, 64, user, sizeof(user)) ==
	      -1);
	CHECK(tpa_browser_username_format("", tok, 64, user, sizeof(user)) ==
	      -1);
	CHECK(tpa_browser_username_format(NULL, tok, 64, user, sizeof(user)) ==
	      -1);
	CHECK(tpa_browser_username_format(kid129, tok, 64, user,
					  sizeof(user)) == -1);
	CHECK(tpa_browser_username_format("a", tok, 0, user, sizeof(user)) ==
	      -1);
	CHECK(tpa_browser_username_format("a", tok, TPA_TOKEN_MAX_LEN + 1, user,
					  sizeof(user)) == -1);
	/* "tpa1.YQ." and 86 characters: 94 bytes and the NUL */
	CHECK(tpa_browser_username_format("a", tok, 64, user, 95) == 94);
	CHECK(tpa_browser_username_format("a", tok, 64, user, 94) == -1);
	CHECK_STR(user, "");
}

/* ---- the decision ----------------------------------------------------- */

static int setup_keys(char *path)
{
	char json[1024], k256[64], k128[32], err[TPA_KEYSET_ERR_LEN + 64];
	int fd, n;

	fill(as256, sizeof(as256), 0x31);
	fill(as128, sizeof(as128), 0x77);
	fill(mac20, sizeof(mac20), 0x02);
	fill(mac32, sizeof(mac32), 0x90);
	if (tpa_b64_encode(as256, 32, k256, sizeof(k256), 1) ||
	    tpa_b64_encode(as128, 16, k128, sizeof(k128), 1))
		return -1;
	n = snprintf(json, sizeof(json),
		     "{\"keys\":["
		     "{\"kty\":\"oct\",\"kid\":\"b256\",\"alg\":\"A256GCM\","
		     "\"k\":\"%s\"},"
		     "{\"kty\":\"oct\",\"kid\":\"b128\",\"alg\":\"A128GCM\","
		     "\"k\":\"%s\"},"
		     "{\"kty\":\"oct\",\"kid\":\"bexp\",\"alg\":\"A256GCM\","
		     "\"k\":\"%s\",\"exp\":%" PRIu64 "},"
		     "{\"kty\":\"oct\",\"kid\":\"bnbf\",\"alg\":\"A256GCM\","
		     "\"k\":\"%s\",\"nbf\":%" PRIu64 "}]}",
		     k256, k128, k256, T0 + 100, k256, T0 + 100);
	fd = mkstemp(path);
	if (n < 0 || (size_t)n >= sizeof(json) || fd < 0 ||
	    write(fd, json, (size_t)n) != n || close(fd) != 0)
		return -1;
	keys = tpa_keystore_open(path, 1000, NULL, NULL, err, sizeof(err));
	CHECK_MSG(keys != NULL, "keystore: %s", err);
	memset(&cfg, 0, sizeof(cfg));
	cfg.clock_skew = 5;
	cfg.reload_check_ms = 1000;
	cfg.browser_max_session = MAX_SESSION;
	ctx.cfg = &cfg;
	ctx.keys = keys;
	ctx.server_name = SN;
	return keys != NULL ? 0 : -1;
}

/* MD5(user ":" realm ":" password), with OpenSSL directly. */
static void long_term_key(const char *user, const char *realm,
			  const char *password, uint8_t out[16])
{
	char text[1024];
	unsigned int n = 0;
	int len =
		snprintf(text, sizeof(text), "%s:%s:%s", user, realm, password);

	if (len < 0 || (size_t)len >= sizeof(text) ||
	    EVP_Digest(text, (size_t)len, out, &n, EVP_md5(), NULL) != 1 ||
	    n != 16)
		abort();
}

/* Builds the request of case r into buf; its USERNAME into user. */
static size_t browser_request(const struct browser_req *r, uint8_t *buf,
			      size_t cap, char *user, size_t usercap,
			      uint8_t key_out[16])
{
	static const uint8_t nonce[TPA_TOKEN_NONCE_LEN] = {9, 8, 7, 6, 5, 4,
							   3, 2, 1, 0, 1, 2};
	struct tpa_token t;
	struct tpa_stun_msg m;
	uint8_t tok[TPA_TOKEN_MAX_LEN];
	char password[64];
	size_t tok_len = 0;

	memset(&t, 0, sizeof(t));
	memcpy(t.mac_key, r->mac, r->mac_len);
	t.mac_key_len = r->mac_len;
	t.timestamp = tpa_token_ts_make(r->ts, 0);
	t.lifetime = 600;
	if (tpa_token_encode(r->as, r->as_len, SN, &t, nonce, tok, sizeof(tok),
			     &tok_len) != TPA_TOKEN_OK)
		abort();
	if (r->flip_token_bit)
		tok[30] ^= 0x10;
	if (tpa_browser_username_format(r->kid, tok, tok_len, user, usercap) <
	    0)
		abort();
	if (r->password != NULL)
		snprintf(password, sizeof(password), "%s", r->password);
	else if (tpa_b64_encode(r->mac, r->mac_len, password, sizeof(password),
				0) != 0)
		abort();
	long_term_key(user, r->mi_realm ? r->mi_realm : REALM, password,
		      key_out);
	tpa_stun_msg_init(&m, buf, cap, TPA_STUN_REQUEST, TPA_STUN_ALLOCATE,
			  NULL);
	tpa_stun_add_requested_transport(&m, TPA_STUN_TRANSPORT_UDP);
	tpa_stun_add_attr(&m, TPA_STUN_ATTR_USERNAME, user, strlen(user));
	tpa_stun_add_attr(&m, TPA_STUN_ATTR_REALM, REALM, strlen(REALM));
	tpa_stun_add_attr(&m, TPA_STUN_ATTR_NONCE, "0123456789abcdef", 16);
	if (r->with_access_token)
		tpa_stun_add_attr(&m, TPA_STUN_ATTR_ACCESS_TOKEN, tok, tok_len);
	if (!r->no_integrity)
		tpa_stun_add_integrity(&m, key_out, 16);
	if (r->with_sha256)
		tpa_stun_add_integrity_sha256_len(&m, key_out, 16, 16);
	tpa_stun_add_fingerprint(&m);
	if (m.err != 0)
		abort();
	tpa_token_wipe(&t);
	return m.len;
}

/* A case as a browser sends it, at T0, with a good 20-byte mac_key. */
static struct browser_req good_req(void)
{
	struct browser_req r = {"b256", as256, 32, mac20, 20, T0,
				NULL,	NULL,  0,  0,	  0,  0};
	return r;
}

/* Nothing secret in what is logged: no mac_key or credential, no token. */
static void check_reason_clean(const struct tpa_auth_outcome *out,
			       const struct browser_req *r, const char *user)
{
	char cred[64], tok_part[13];

	CHECK_MSG(tpa_test_unprintable(out->reason) < 0,
		  "byte %ld of \"%s\" is not printable",
		  tpa_test_unprintable(out->reason), out->reason);
	if (tpa_b64_encode(r->mac, r->mac_len, cred, sizeof(cred), 0) != 0)
		abort();
	cred[8] = '\0';
	CHECK_MSG(strstr(out->reason, cred) == NULL, "credential in \"%s\"",
		  out->reason);
	snprintf(tok_part, sizeof(tok_part), "%s", strrchr(user, '.') + 1);
	CHECK_MSG(strstr(out->reason, tok_part) == NULL, "token in \"%s\"",
		  out->reason);
}

static void decide(const struct browser_req *r, uint64_t now,
		   struct tpa_auth_outcome *out, uint8_t key[16], char *user)
{
	uint8_t req[1024];
	size_t len = browser_request(r, req, sizeof(req), user,
				     TPA_BROWSER_USERNAME_MAX + 1, key);

	memset(out, 0xaa, sizeof(*out));
	tpa_auth_browser(&ctx, req, len, user, REALM, now, out);
	check_reason_clean(out, r, user);
}

static void expect_reject(const struct browser_req *r, uint64_t now,
			  const char *why)
{
	static const uint8_t zero[sizeof(((struct tpa_auth_outcome *)0)->key)];
	struct tpa_auth_outcome out;
	struct tpa_browser_username u;
	char user[TPA_BROWSER_USERNAME_MAX + 1], want[TPA_REASON_LEN];
	char id[TPA_TOKEN_ID_LEN + 1];
	uint8_t key[16];

	decide(r, now, &out, key, user);
	if (tpa_browser_username_parse(user, strlen(user), &u, NULL, 0) !=
	    TPA_BROWSER_USERNAME_OK)
		abort();
	tpa_token_id(u.token, u.token_len, id);
	snprintf(want, sizeof(want), "token %s: %s", id, why);
	CHECK_MSG(out.verdict == TPA_REJECT, "verdict %d for %s",
		  (int)out.verdict, why);
	CHECK_STR(out.reason, want);
	CHECK(memcmp(out.key, zero, sizeof(zero)) == 0 && out.key_len == 0 &&
	      out.expiry == 0 && out.browser == 0);
}

static void test_accept(void)
{
	struct browser_req r = good_req();
	struct tpa_auth_outcome out;
	char user[TPA_BROWSER_USERNAME_MAX + 1];
	uint8_t key[16];

	decide(&r, T0 + 10, &out, key, user);
	CHECK_MSG(out.verdict == TPA_ACCEPT, "%s", out.reason);
	CHECK(out.key_len == 16 && memcmp(out.key, key, 16) == 0);
	CHECK(out.browser == 1);
	CHECK_STR(out.kid, "b256");
	CHECK_STR(out.reason, "");
	/* the session's end is browser-max-session, not the token's end */
	CHECK_MSG(out.expiry == T0 + 10 + MAX_SESSION, "expiry %" PRIu64,
		  out.expiry);

	r.mac = mac32;
	r.mac_len = 32;
	r.kid = "b128";
	r.as = as128;
	r.as_len = 16;
	decide(&r, T0, &out, key, user);
	CHECK_MSG(out.verdict == TPA_ACCEPT, "32-byte mac_key: %s", out.reason);
	CHECK(out.key_len == 16 && memcmp(out.key, key, 16) == 0);

	/* a token may start a session until its last second (the skew
	 * admits it early, never late), and early within the skew */
	r = good_req();
	decide(&r, T0 + 600 - 1, &out, key, user);
	CHECK_MSG(out.verdict == TPA_ACCEPT, "last second: %s", out.reason);
	CHECK(out.expiry == T0 + 599 + MAX_SESSION);
	decide(&r, T0 - 5, &out, key, user);
	CHECK_MSG(out.verdict == TPA_ACCEPT, "within the skew: %s", out.reason);
	CHECK(out.expiry == T0 - 5 + MAX_SESSION);

	/* the key's exp ends the session sooner */
	r.kid = "bexp";
	decide(&r, T0, &out, key, user);
	CHECK_MSG(out.verdict == TPA_ACCEPT, "%s", out.reason);
	CHECK(out.expiry == T0 + 100);
}

static void test_reject(void)
{
	struct browser_req r = good_req();
	char cred32[64];

	expect_reject(&r, T0 + 600,
		      "token expired at 1795000600 (2026-11-18T11:16:40Z), 0 s "
		      "ago (a skew of 5 s admits a token early, never late)");
	expect_reject(&r, T0 - 6,
		      "token is from the future: issued at 1795000000 "
		      "(2026-11-18T11:06:40Z), 6 s ahead, skew 5 s");
	r.flip_token_bit = 1;
	expect_reject(&r, T0,
		      "kid 'b256': authentication failed: wrong key, wrong "
		      "server name, or tampered token");
	r = good_req();
	r.password = "c2VjcmV0IHBhc3N3b3JkIQ==";
	expect_reject(&r, T0, WRONG_CREDENTIAL("20"));
	/* the base64url spelling of the mac_key is not the credential */
	r = good_req();
	r.mac = mac32;
	r.mac_len = 32;
	if (tpa_b64_encode(mac32, 32, cred32, sizeof(cred32), 1))
		abort();
	r.password = cred32;
	expect_reject(&r, T0, WRONG_CREDENTIAL("32"));
	r = good_req();
	r.mi_realm = "other.example.org";
	expect_reject(&r, T0, WRONG_CREDENTIAL("20"));
	r = good_req();
	r.kid = "stranger";
	expect_reject(&r, T0, "unknown kid 'stranger'");
	r.kid = "b128"; /* sealed with the 32-byte key of b256 */
	expect_reject(&r, T0,
		      "kid 'b128': authentication failed: wrong key, wrong "
		      "server name, or tampered token");
	r = good_req();
	r.kid = "bexp";
	expect_reject(
		&r, T0 + 100,
		"key 'bexp' expired at 1795000100 (2026-11-18T11:08:20Z)");
	r.kid = "bnbf";
	expect_reject(&r, T0,
		      "key 'bnbf' is not valid before 1795000100 "
		      "(2026-11-18T11:08:20Z)");
	r = good_req();
	r.no_integrity = 1;
	expect_reject(&r, T0, "MESSAGE-INTEGRITY: no such attribute");
	/* a long-term credential takes MESSAGE-INTEGRITY only, even with a
	 * right MESSAGE-INTEGRITY-SHA256 beside it */
	r = good_req();
	r.with_sha256 = 1;
	expect_reject(&r, T0,
		      "MESSAGE-INTEGRITY-SHA256 with a long-term credential: "
		      "coturn offers no PASSWORD-ALGORITHMS; send "
		      "MESSAGE-INTEGRITY");
	r = good_req();
	r.with_access_token = 1;
	expect_reject(&r, T0, "ACCESS-TOKEN with a browser USERNAME");
}

/* A USERNAME of the profile's form is never passed on; others are. */
static void test_pass_and_bad_form(void)
{
	struct browser_req r = good_req();
	struct tpa_auth_outcome out;
	char user[TPA_BROWSER_USERNAME_MAX + 1];
	uint8_t key[16], req[1024];
	size_t len =
		browser_request(&r, req, sizeof(req), user, sizeof(user), key);

	tpa_auth_browser(&ctx, req, len, "alice", REALM, T0, &out);
	CHECK(out.verdict == TPA_PASS && out.reason[0] == '\0');
	tpa_auth_browser(&ctx, req, len, NULL, REALM, T0, &out);
	CHECK(out.verdict == TPA_PASS);
	tpa_auth_browser(&ctx, req, len, "tpa2.YQ.AA", REALM, T0, &out);
	CHECK(out.verdict == TPA_REJECT);
	CHECK_STR(out.reason,
		  "token -: browser USERNAME: browser-profile version 2 is not "
		  "supported (this server reads version 1)");
	tpa_auth_browser(&ctx, req, len, "tpa1.YQ", REALM, T0, &out);
	CHECK(out.verdict == TPA_REJECT);
	CHECK_STR(out.reason, "token -: browser USERNAME: no '.' between the "
			      "kid and the token");
	/* well formed, but not the request's own USERNAME (coturn cut it at
	 * a NUL, say) */
	user[strlen(user) - 10] = user[strlen(user) - 10] == 'a' ? 'b' : 'a';
	tpa_auth_browser(&ctx, req, len, user, REALM, T0, &out);
	CHECK(out.verdict == TPA_REJECT);
	CHECK(strstr(out.reason, ": the request's USERNAME is not the one "
				 "the server passed") != NULL);
	/* broken STUN */
	tpa_auth_browser(&ctx, req, 19, user, REALM, T0, &out);
	CHECK(out.verdict == TPA_REJECT);
	CHECK(strstr(out.reason, ": malformed STUN request: ") != NULL);
}

/* What coturn logs in place of a browser USERNAME: a token id. */
static void test_log_name(void)
{
	char user[TPA_BROWSER_USERNAME_MAX + 1], out[128], want[128];
	char kid100[101], id[TPA_TOKEN_ID_LEN + 1];
	uint8_t tok[64];

	fill(tok, sizeof(tok), 0x11);
	tpa_token_id(tok, sizeof(tok), id);
	if (tpa_browser_username_format("b256", tok, sizeof(tok), user,
					sizeof(user)) < 0)
		abort();
	CHECK(tpa_browser_log_name(user, out, sizeof(out)) == 1);
	snprintf(want, sizeof(want), "tpa1 token %s kid 'b256'", id);
	CHECK_STR(out, want);
	CHECK(strstr(out, strrchr(user, '.') + 1) == NULL);

	memset(kid100, 'k', 100);
	kid100[100] = '\0';
	if (tpa_browser_username_format(kid100, tok, sizeof(tok), user,
					sizeof(user)) < 0)
		abort();
	CHECK(tpa_browser_log_name(user, out, sizeof(out)) == 1);
	snprintf(want, sizeof(want), "tpa1 token %s kid '%.64s'", id, kid100);
	CHECK_STR(out, want);

	CHECK(tpa_browser_log_name("tpa2.YQ.AAAAAAAAAAAAAAAAAAAA", out,
				   sizeof(out)) == 1);
	CHECK_STR(out, "tpa browser username, malformed, 28 bytes");
	memset(out, 'x', sizeof(out));
	CHECK(tpa_browser_log_name("alice", out, sizeof(out)) == 0);
	CHECK(out[0] == 'x');
	CHECK(tpa_browser_log_name("", out, sizeof(out)) == 0);
	CHECK(tpa_browser_log_name(NULL, out, sizeof(out)) == 0);
	/* cut to fit, still terminated */
	CHECK(tpa_browser_log_name(user, out, 12) == 1);
	CHECK_STR(out, "tpa1 token ");
}

int main(int argc, char **argv)
{
	char path[] = "/tmp/tpa_browser_keys_XXXXXX";

	if (argc != 2) {
		fprintf(stderr, "usage: %s tests/data/browser-usernames\n",
			argv[0]);
		return 2;
	}
	CHECK(tpa_test_for_each_case(argv[1], "good", good_case) >= 5);
	CHECK(tpa_test_for_each_case(argv[1], "bad", bad_case) >= 20);
	CHECK(tpa_test_for_each_case(argv[1], "not-profile",
				     not_profile_case) >= 8);
	test_format_sizes();
	test_format_refuses();
	test_log_name();
	if (setup_keys(path) == 0) {
		test_accept();
		test_reject();
		test_pass_and_bad_form();
	}
	if (file_exists(path))
		remove(path);
	tpa_keystore_close(keys);
	return tpa_test_done();
}
