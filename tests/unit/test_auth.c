/*
 * Unit tests for plugin/tpa_auth: the RFC 7635 decision, without coturn.
 *
 * Usage: test_auth
 *
 * Each case builds a STUN Allocate request with the lib/tpa_stun.h builder
 * (USERNAME = kid, REALM, NONCE, ACCESS-TOKEN made with tpa_token_encode,
 * MESSAGE-INTEGRITY keyed with the token's mac_key) and asks
 * tpa_auth_rfc7635 about it, with a keystore opened on a temporary JWK set
 * file. Every outcome is also checked for what must hold whatever the case:
 * a REJECT carries no key and no expiry, its reason starts with
 * "token <16 hex>: " when the request has a token, is printable, and never
 * shows any AS-RS key or mac_key in hex or base64.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdint.h>
#include <unistd.h>

#include "tpa_auth.h"
#include "tpa_b64.h"
#include "tpa_keyset.h"
#include "tpa_keystore.h"
#include "tpa_stun.h"
#include "tpa_test.h"
#include "tpa_token.h"

#define T0 UINT64_C(1795000000) /* "now" of most cases */
#define LIFETIME 600
#define SN "turn.example.org"

struct req_opts {
	const uint8_t *tok; /* ACCESS-TOKEN value, or NULL for none */
	size_t tok_len;
	const uint8_t *mi_key; /* MESSAGE-INTEGRITY key, or NULL for none */
	size_t mi_len;
	int fingerprint;    /* add FINGERPRINT after MESSAGE-INTEGRITY */
	int token_after_mi; /* put ACCESS-TOKEN after MESSAGE-INTEGRITY */
	/* MESSAGE-INTEGRITY-SHA256 after any MESSAGE-INTEGRITY, keyed with
	 * sha256_key_len bytes, truncated to sha256_len (0: none) */
	const uint8_t *sha256_key;
	size_t sha256_key_len;
	size_t sha256_len;
};

static uint8_t as256[32], as128[16], as_other[32];
static uint8_t mac20[20], mac32[32];
static const uint8_t nonce0[TPA_TOKEN_NONCE_LEN] = {7, 7, 7, 7, 7, 7,
						    7, 7, 7, 7, 7, 7};

static struct tpa_config cfg;
static struct tpa_keystore *keys;
static struct tpa_auth_ctx ctx;

static void fill(uint8_t *p, size_t n, uint8_t first);
static int add_jwk(char *json, size_t cap, size_t *n, const char *kid,
		   const uint8_t *k, size_t k_len, int64_t nbf, int64_t exp);
static int setup(char *path);
static size_t make_token(const uint8_t *as, size_t as_len, const char *sn,
			 const uint8_t *mac, size_t mac_len, uint64_t ts,
			 uint32_t lifetime, uint8_t *out);
static size_t make_request(uint8_t *buf, size_t cap, const char *user,
			   const struct req_opts *o);
static void check_no_secret(const char *reason, const uint8_t *key, size_t len,
			    const char *what);
static void check_invariants(const struct tpa_auth_outcome *out,
			     const uint8_t *tok, size_t tok_len);
static void decide(const uint8_t *req, size_t len, const char *user,
		   uint64_t now, const uint8_t *tok, size_t tok_len,
		   struct tpa_auth_outcome *out);
static void expect_reject(const uint8_t *tok, size_t tok_len, const char *user,
			  const struct req_opts *o, uint64_t now,
			  enum tpa_refusal refusal, const char *why);
static void expect_accept(const uint8_t *tok, size_t tok_len, const char *user,
			  const struct req_opts *o, uint64_t now,
			  const uint8_t *key, size_t key_len, uint64_t expiry);
static void test_pass(void);
static void test_accept(void);
static void test_legacy_keying(void);
static void test_unknown_kid(void);
static void test_token_window(void);
static void test_key_window(void);
static void test_bad_tokens(void);
static void test_bad_integrity(void);
static void test_sha256(void);
static void test_username(void);
static void test_malformed_stun(void);

static void fill(uint8_t *p, size_t n, uint8_t first)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(first + i * 7);
}

/* Appends one JWK (nbf/exp < 0: absent) to the JSON text being built. */
static int add_jwk(char *json, size_t cap, size_t *n, const char *kid,
		   const uint8_t *k, size_t k_len, int64_t nbf, int64_t exp)
{
	struct tpa_key key;
	char one[512];

	memset(&key, 0, sizeof(key));
	snprintf(key.kid, sizeof(key.kid), "%s", kid);
	memcpy(key.k, k, k_len);
	key.k_len = k_len;
	key.has_nbf = nbf >= 0;
	key.nbf = nbf >= 0 ? nbf : 0;
	key.has_exp = exp >= 0;
	key.exp = exp >= 0 ? exp : 0;
	if (tpa_jwk_format(&key, NULL, one, sizeof(one)) != 0)
		return -1;
	*n += (size_t)snprintf(json + *n, cap - *n, "%s%s",
			       json[*n - 1] == '[' ? "" : ",", one);
	return *n < cap ? 0 : -1;
}

/* Writes the test key set to a new temporary file (path) and opens it. */
static int setup(char *path)
{
	char json[4096], err[TPA_KEYSET_ERR_LEN + TPA_CONFIG_PATH_MAX];
	size_t n = 0;
	FILE *f;
	int fd, rc = 0;

	fill(as256, sizeof(as256), 0x40);
	fill(as128, sizeof(as128), 0x80);
	fill(as_other, sizeof(as_other), 0x41);
	fill(mac20, sizeof(mac20), 0x10);
	fill(mac32, sizeof(mac32), 0xa0);
	n += (size_t)snprintf(json, sizeof(json), "{\"keys\":[");
	rc |= add_jwk(json, sizeof(json), &n, "k256", as256, 32, -1, -1);
	rc |= add_jwk(json, sizeof(json), &n, "k128", as128, 16, -1, -1);
	rc |= add_jwk(json, sizeof(json), &n, "knbf", as256, 32,
		      (int64_t)T0 + 100, -1);
	rc |= add_jwk(json, sizeof(json), &n, "kexp", as256, 32, -1,
		      (int64_t)T0 + 100);
	n += (size_t)snprintf(json + n, sizeof(json) - n, "]}\n");
	fd = mkstemp(path);
	if (rc != 0 || n >= sizeof(json) || fd < 0 ||
	    (f = fdopen(fd, "w")) == NULL)
		return -1;
	fwrite(json, 1, n, f);
	memset(json, 0, sizeof(json)); /* held the keys */
	if (fclose(f) != 0)
		return -1;
	keys = tpa_keystore_open(path, 1000, NULL, NULL, err, sizeof(err));
	CHECK_MSG(keys != NULL, "keystore: %s", err);
	if (keys == NULL)
		return -1;
	memset(&cfg, 0, sizeof(cfg));
	cfg.clock_skew = 5;
	cfg.reload_check_ms = 1000;
	ctx.cfg = &cfg;
	ctx.keys = keys;
	ctx.server_name = SN;
	return 0;
}

static size_t make_token(const uint8_t *as, size_t as_len, const char *sn,
			 const uint8_t *mac, size_t mac_len, uint64_t ts,
			 uint32_t lifetime, uint8_t *out)
{
	struct tpa_token t;
	size_t n = 0;

	memset(&t, 0, sizeof(t));
	memcpy(t.mac_key, mac, mac_len);
	t.mac_key_len = mac_len;
	t.timestamp = ts;
	t.lifetime = lifetime;
	if (tpa_token_encode(as, as_len, sn, &t, nonce0, out, TPA_TOKEN_MAX_LEN,
			     &n) != TPA_TOKEN_OK)
		abort();
	tpa_token_wipe(&t);
	return n;
}

/* A TURN Allocate request as a browser would send it with a token. */
static size_t make_request(uint8_t *buf, size_t cap, const char *user,
			   const struct req_opts *o)
{
	static const uint8_t tid[TPA_STUN_TID_LEN] = {1, 2, 3, 4,  5,  6,
						      7, 8, 9, 10, 11, 12};
	struct tpa_stun_msg m;

	tpa_stun_msg_init(&m, buf, cap, TPA_STUN_REQUEST, TPA_STUN_ALLOCATE,
			  tid);
	tpa_stun_add_requested_transport(&m, TPA_STUN_TRANSPORT_UDP);
	tpa_stun_add_u32(&m, TPA_STUN_ATTR_LIFETIME, 600);
	if (user != NULL)
		tpa_stun_add_attr(&m, TPA_STUN_ATTR_USERNAME, user,
				  strlen(user));
	tpa_stun_add_attr(&m, TPA_STUN_ATTR_REALM, "example.org", 11);
	tpa_stun_add_attr(&m, TPA_STUN_ATTR_NONCE, "f//499k954d6OL34", 16);
	if (o->tok != NULL && !o->token_after_mi)
		tpa_stun_add_attr(&m, TPA_STUN_ATTR_ACCESS_TOKEN, o->tok,
				  o->tok_len);
	if (o->mi_key != NULL)
		tpa_stun_add_integrity(&m, o->mi_key, o->mi_len);
	if (o->sha256_len > 0)
		tpa_stun_add_integrity_sha256_len(
			&m, o->sha256_key, o->sha256_key_len, o->sha256_len);
	if (o->tok != NULL && o->token_after_mi)
		tpa_stun_add_attr(&m, TPA_STUN_ATTR_ACCESS_TOKEN, o->tok,
				  o->tok_len);
	if (o->fingerprint)
		tpa_stun_add_fingerprint(&m);
	if (m.err != 0) {
		fprintf(stderr, "request: %s\n", tpa_stun_strerror(m.err));
		abort();
	}
	return m.len;
}

/* The reason must not show key (len bytes) in hex or base64, even in part:
 * no 4 bytes of it in hex, no 6 bytes in base64 at any offset. */
static void check_no_secret(const char *reason, const uint8_t *key, size_t len,
			    const char *what)
{
	char hex[2 * TPA_MAC_KEY_MAX + 1], lo[9], up[9], b64[16];
	size_t i, j, found = SIZE_MAX;

	for (i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", key[i]);
	for (i = 0; i + 4 <= len && found == SIZE_MAX; i++) {
		memcpy(lo, hex + 2 * i, 8);
		lo[8] = '\0';
		for (j = 0; j < sizeof(up); j++)
			up[j] = (char)toupper((unsigned char)lo[j]);
		if (strstr(reason, lo) != NULL || strstr(reason, up) != NULL)
			found = i;
	}
	for (i = 0; i + 6 <= len && found == SIZE_MAX; i++) {
		for (int url = 0; url <= 1; url++) {
			if (tpa_b64_encode(key + i, 6, b64, sizeof(b64), url))
				abort();
			if (strstr(reason, b64) != NULL)
				found = i;
		}
	}
	CHECK_MSG(found == SIZE_MAX, "%s (from byte %zu) shown in \"%s\"", what,
		  found, reason);
}

/* What holds for every outcome, whatever the case. */
static void check_invariants(const struct tpa_auth_outcome *out,
			     const uint8_t *tok, size_t tok_len)
{
	static const uint8_t zero[TPA_MAC_KEY_MAX];
	CHECK(out->reason[sizeof(out->reason) - 1] == '\0');
	CHECK_MSG(tpa_test_unprintable(out->reason) < 0,
		  "byte %ld of \"%s\" is not printable",
		  tpa_test_unprintable(out->reason), out->reason);
	if (out->verdict != TPA_ACCEPT) {
		CHECK_MSG(memcmp(out->key, zero, sizeof(zero)) == 0 &&
				  out->key_len == 0 && out->expiry == 0,
			  "verdict %d leaves a key", (int)out->verdict);
	}
	if (out->verdict == TPA_ACCEPT || out->verdict == TPA_PASS)
		CHECK_STR(out->reason, "");
	if (out->verdict == TPA_REJECT && tok != NULL) {
		char id[TPA_TOKEN_ID_LEN + 1], prefix[32];

		tpa_token_id(tok, tok_len, id);
		snprintf(prefix, sizeof(prefix), "token %s: ", id);
		CHECK_MSG(strncmp(out->reason, prefix, strlen(prefix)) == 0,
			  "\"%s\" does not start with \"%s\"", out->reason,
			  prefix);
		CHECK_STR(out->token_id, id);
	}
	check_no_secret(out->reason, as256, sizeof(as256), "AS-RS key k256");
	check_no_secret(out->reason, as128, sizeof(as128), "AS-RS key k128");
	check_no_secret(out->reason, mac20, sizeof(mac20), "mac_key (20)");
	check_no_secret(out->reason, mac32, sizeof(mac32), "mac_key (32)");
}

/* Decides with an outcome full of garbage first, to see it is reset. */
static void decide(const uint8_t *req, size_t len, const char *user,
		   uint64_t now, const uint8_t *tok, size_t tok_len,
		   struct tpa_auth_outcome *out)
{
	memset(out, 0xaa, sizeof(*out));
	tpa_auth_rfc7635(&ctx, req, len, user, now, out);
	check_invariants(out, tok, tok_len);
	/* a refusal class exactly when refused, and one of the known ones */
	CHECK_MSG((out->refusal == TPA_REFUSAL_NONE) ==
				  (out->verdict == TPA_ACCEPT ||
				   out->verdict == TPA_PASS) &&
			  (unsigned)out->refusal < TPA_REFUSAL_COUNT,
		  "verdict %d, refusal %d", (int)out->verdict,
		  (int)out->refusal);
}

/* A request carrying tok from user must be rejected for "token ID: why",
 * counted as refusal. */
static void expect_reject(const uint8_t *tok, size_t tok_len, const char *user,
			  const struct req_opts *o, uint64_t now,
			  enum tpa_refusal refusal, const char *why)
{
	uint8_t req[512];
	char want[TPA_REASON_LEN + 64], id[TPA_TOKEN_ID_LEN + 1];
	struct tpa_auth_outcome out;
	size_t len = make_request(req, sizeof(req), user, o);

	decide(req, len, user, now, tok, tok_len, &out);
	tpa_token_id(tok, tok_len, id);
	snprintf(want, sizeof(want), "token %s: %s", id, why);
	CHECK_MSG(out.verdict == TPA_REJECT, "verdict %d for \"%s\"",
		  (int)out.verdict, why);
	CHECK_STR(out.reason, want);
	CHECK_MSG(out.refusal == refusal, "refusal %d, want %d for \"%s\"",
		  (int)out.refusal, (int)refusal, why);
}

static void expect_accept(const uint8_t *tok, size_t tok_len, const char *user,
			  const struct req_opts *o, uint64_t now,
			  const uint8_t *key, size_t key_len, uint64_t expiry)
{
	static const uint8_t zero[TPA_MAC_KEY_MAX];
	uint8_t req[512];
	char id[TPA_TOKEN_ID_LEN + 1];
	struct tpa_auth_outcome out;
	size_t len = make_request(req, sizeof(req), user, o);

	decide(req, len, user, now, tok, tok_len, &out);
	CHECK_MSG(out.verdict == TPA_ACCEPT, "verdict %d: %s", (int)out.verdict,
		  out.reason);
	CHECK(out.key_len == key_len);
	CHECK(memcmp(out.key, key, key_len) == 0);
	CHECK(memcmp(out.key + key_len, zero, sizeof(out.key) - key_len) == 0);
	CHECK_MSG(out.expiry == expiry, "expiry %" PRIu64 ", want %" PRIu64,
		  out.expiry, expiry);
	tpa_token_id(tok, tok_len, id);
	CHECK_STR(out.token_id, id);
}

/* No ACCESS-TOKEN: not ours to decide. */
static void test_pass(void)
{
	uint8_t req[512], tok[TPA_TOKEN_MAX_LEN];
	struct req_opts o = {NULL, 0, mac20, sizeof(mac20), 1, 0, NULL, 0, 0};
	struct tpa_auth_outcome out;
	size_t len = make_request(req, sizeof(req), "k256", &o);

	decide(req, len, "k256", T0, NULL, 0, &out);
	CHECK(out.verdict == TPA_PASS);
	CHECK_STR(out.token_id, "");
	o.mi_key = NULL;
	o.fingerprint = 0;
	len = make_request(req, sizeof(req), NULL, &o);
	decide(req, len, NULL, T0, NULL, 0, &out);
	CHECK(out.verdict == TPA_PASS);
	/* RFC 5389 15.4: an ACCESS-TOKEN after MESSAGE-INTEGRITY is ignored */
	o.tok_len = make_token(as256, 32, SN, mac20, 20,
			       tpa_token_ts_make(T0, 0), LIFETIME, tok);
	o.tok = tok;
	o.mi_key = mac20;
	o.token_after_mi = 1;
	len = make_request(req, sizeof(req), "k256", &o);
	decide(req, len, "k256", T0, NULL, 0, &out);
	CHECK(out.verdict == TPA_PASS);
}

/* 20- and 32-byte mac keys under both AS-RS key sizes: the key comes back
 * whole, the expiry is the token's end (the skew does not lengthen it). */
static void test_accept(void)
{
	static const size_t macs[2] = {20, 32};
	uint8_t tok[TPA_TOKEN_MAX_LEN];

	for (int a = 0; a < 2; a++) {
		for (int m = 0; m < 2; m++) {
			const uint8_t *mac = macs[m] == 20 ? mac20 : mac32;
			struct req_opts o = {tok, 0,	mac, macs[m], a,
					     0,	  NULL, 0,   0};

			o.tok_len = make_token(a ? as128 : as256, a ? 16 : 32,
					       SN, mac, macs[m],
					       tpa_token_ts_make(T0, 12345),
					       LIFETIME, tok);
			expect_accept(tok, o.tok_len, a ? "k128" : "k256", &o,
				      T0, mac, macs[m], T0 + LIFETIME);
		}
	}
}

/* coturn issue 189: coturn keys MESSAGE-INTEGRITY with 16 of the 20 bytes. */
static void test_legacy_keying(void)
{
	uint8_t tok[TPA_TOKEN_MAX_LEN], tok32[TPA_TOKEN_MAX_LEN];
	struct req_opts o = {tok, 0, mac20, 16, 0, 0, NULL, 0, 0};
	struct req_opts o32 = {tok32, 0, mac32, 16, 0, 0, NULL, 0, 0};

	o.tok_len = make_token(as256, 32, SN, mac20, 20,
			       tpa_token_ts_make(T0, 0), LIFETIME, tok);
	o32.tok_len = make_token(as256, 32, SN, mac32, 32,
				 tpa_token_ts_make(T0, 0), LIFETIME, tok32);

	cfg.legacy_coturn_keying = 1;
	expect_accept(tok, o.tok_len, "k256", &o, T0, mac20, 16, T0 + LIFETIME);
	o.mi_len = 20; /* the whole key still works, and is returned whole */
	expect_accept(tok, o.tok_len, "k256", &o, T0, mac20, 20, T0 + LIFETIME);
	/* only a 20-byte key is cut: a 32-byte key signed with 16 is not */
	expect_reject(tok32, o32.tok_len, "k256", &o32, T0,
		      TPA_REFUSAL_BAD_INTEGRITY,
		      "MESSAGE-INTEGRITY does not match the token's 32-byte "
		      "mac_key");
	o.mi_len = 19;
	expect_reject(tok, o.tok_len, "k256", &o, T0, TPA_REFUSAL_BAD_INTEGRITY,
		      "MESSAGE-INTEGRITY does not match the token's 20-byte "
		      "mac_key");

	cfg.legacy_coturn_keying = 0;
	o.mi_len = 16;
	expect_reject(
		tok, o.tok_len, "k256", &o, T0, TPA_REFUSAL_BAD_INTEGRITY,
		"MESSAGE-INTEGRITY is keyed with 16 of the 20 bytes of the "
		"mac_key, coturn's legacy keying: legacy-coturn-keying = "
		"yes accepts it");
	/* the hint only when the first 16 bytes do verify */
	o.mi_len = 19;
	expect_reject(tok, o.tok_len, "k256", &o, T0, TPA_REFUSAL_BAD_INTEGRITY,
		      "MESSAGE-INTEGRITY does not match the token's 20-byte "
		      "mac_key");
	o.mi_len = 20;
	expect_accept(tok, o.tok_len, "k256", &o, T0, mac20, 20, T0 + LIFETIME);
}

/* An unknown kid is shown printable and bounded: it comes from anyone. */
static void test_unknown_kid(void)
{
	uint8_t tok[TPA_TOKEN_MAX_LEN];
	struct req_opts o = {tok, 0, mac20, 20, 0, 0, NULL, 0, 0};
	char kid[300], want[128];

	o.tok_len = make_token(as256, 32, SN, mac20, 20,
			       tpa_token_ts_make(T0, 0), LIFETIME, tok);
	expect_reject(tok, o.tok_len, "nokid", &o, T0, TPA_REFUSAL_UNKNOWN_KID,
		      "unknown kid 'nokid'");
	expect_reject(tok, o.tok_len, "K256", &o, T0, TPA_REFUSAL_UNKNOWN_KID,
		      "unknown kid 'K256'");
	expect_reject(tok, o.tok_len,
		      "a\x01"
		      "b\x7f c\xc3\xa9\td\x1b[0m",
		      &o, T0, TPA_REFUSAL_UNKNOWN_KID,
		      "unknown kid 'a?b??c???d?[0m'");
	memset(kid, 'x', sizeof(kid) - 1);
	kid[sizeof(kid) - 1] = '\0';
	snprintf(want, sizeof(want), "unknown kid '%.*s'", TPA_KID_LOG_MAX,
		 kid);
	expect_reject(tok, o.tok_len, kid, &o, T0, TPA_REFUSAL_UNKNOWN_KID,
		      want);
	/* exactly TPA_KID_LOG_MAX characters are shown whole */
	kid[TPA_KID_LOG_MAX] = '\0';
	expect_reject(tok, o.tok_len, kid, &o, T0, TPA_REFUSAL_UNKNOWN_KID,
		      want);
	/* a valid but unknown 128-byte kid is cut the same way */
	memset(kid, 'k', TPA_KID_MAX);
	kid[TPA_KID_MAX] = '\0';
	snprintf(want, sizeof(want), "unknown kid '%.*s'", TPA_KID_LOG_MAX,
		 kid);
	expect_reject(tok, o.tok_len, kid, &o, T0, TPA_REFUSAL_UNKNOWN_KID,
		      want);
}

/* A token at or after its end is refused whatever the skew: the session
 * it authorizes ends there. */
static void expired(const uint8_t *tok, size_t tok_len,
		    const struct req_opts *o, uint64_t end, uint64_t now)
{
	char why[TPA_REASON_LEN], utc[TPA_TOKEN_UTC_LEN];

	snprintf(why, sizeof(why),
		 "token expired at %" PRIu64 " (%s), %" PRIu64
		 " s ago (a skew of %u s admits a token early, never late)",
		 end, tpa_token_utc(end, utc), now - end, cfg.clock_skew);
	expect_reject(tok, tok_len, "k256", o, now, TPA_REFUSAL_EXPIRED, why);
}

/* ts - skew <= now < ts + lifetime, to the second: the skew admits a token
 * early, never past its end. */
static void test_token_window(void)
{
	uint8_t tok[TPA_TOKEN_MAX_LEN];
	struct req_opts o = {tok, 0, mac20, 20, 0, 0, NULL, 0, 0};
	char why[TPA_REASON_LEN];
	const uint64_t end = T0 + LIFETIME;
	/* T0, as tpa_token_utc prints it (test_token checks the function) */
	const char *t0_utc = "2026-11-18T11:06:40Z";

	/* the fraction of a second does not move the window */
	o.tok_len = make_token(as256, 32, SN, mac20, 20,
			       tpa_token_ts_make(T0, 63999), LIFETIME, tok);
	cfg.clock_skew = 5;
	expect_accept(tok, o.tok_len, "k256", &o, T0 - 5, mac20, 20, end);
	snprintf(why, sizeof(why),
		 "token is from the future: issued at %" PRIu64
		 " (%s), 6 s ahead, skew 5 s",
		 T0, t0_utc);
	expect_reject(tok, o.tok_len, "k256", &o, T0 - 6,
		      TPA_REFUSAL_NOT_YET_VALID, why);
	expect_accept(tok, o.tok_len, "k256", &o, end - 1, mac20, 20, end);
	expired(tok, o.tok_len, &o, end, end);
	expired(tok, o.tok_len, &o, end, end + 5 - 1);
	expired(tok, o.tok_len, &o, end, end + 5);

	cfg.clock_skew = 0;
	expect_accept(tok, o.tok_len, "k256", &o, T0, mac20, 20, end);
	snprintf(why, sizeof(why),
		 "token is from the future: issued at %" PRIu64
		 " (%s), 1 s ahead, skew 0 s",
		 T0, t0_utc);
	expect_reject(tok, o.tok_len, "k256", &o, T0 - 1,
		      TPA_REFUSAL_NOT_YET_VALID, why);
	expect_accept(tok, o.tok_len, "k256", &o, end - 1, mac20, 20, end);
	expired(tok, o.tok_len, &o, end, end);

	/* lifetime 0 is never valid, not even within the skew before ts,
	 * where it used to be accepted */
	o.tok_len = make_token(as256, 32, SN, mac20, 20,
			       tpa_token_ts_make(T0, 0), 0, tok);
	expect_reject(tok, o.tok_len, "k256", &o, T0, TPA_REFUSAL_BAD_TOKEN,
		      "token has lifetime 0: it is valid at no time");
	cfg.clock_skew = 5;
	expect_reject(tok, o.tok_len, "k256", &o, T0 - 3, TPA_REFUSAL_BAD_TOKEN,
		      "token has lifetime 0: it is valid at no time");
	expect_reject(tok, o.tok_len, "k256", &o, T0, TPA_REFUSAL_BAD_TOKEN,
		      "token has lifetime 0: it is valid at no time");
	/* lifetime 1: one second */
	o.tok_len = make_token(as256, 32, SN, mac20, 20,
			       tpa_token_ts_make(T0, 0), 1, tok);
	expect_accept(tok, o.tok_len, "k256", &o, T0, mac20, 20, T0 + 1);
	expired(tok, o.tok_len, &o, T0 + 1, T0 + 1);

	/* the largest skew the config allows */
	cfg.clock_skew = 3600;
	o.tok_len = make_token(as256, 32, SN, mac20, 20,
			       tpa_token_ts_make(T0, 0), LIFETIME, tok);
	expect_accept(tok, o.tok_len, "k256", &o, T0 - 3600, mac20, 20, end);
	expired(tok, o.tok_len, &o, end, end + 3599);
	cfg.clock_skew = 5;
}

/* A key's own nbf / exp, checked without skew. */
static void test_key_window(void)
{
	uint8_t tok[TPA_TOKEN_MAX_LEN];
	struct req_opts o = {tok, 0, mac20, 20, 0, 0, NULL, 0, 0};
	char why[TPA_REASON_LEN];

	o.tok_len = make_token(as256, 32, SN, mac20, 20,
			       tpa_token_ts_make(T0 + 50, 0), LIFETIME, tok);
	snprintf(why, sizeof(why),
		 "key 'knbf' is not valid before %" PRIu64
		 " (2026-11-18T11:08:20Z)",
		 T0 + 100);
	expect_reject(tok, o.tok_len, "knbf", &o, T0 + 99,
		      TPA_REFUSAL_KEY_NOT_VALID, why);
	expect_accept(tok, o.tok_len, "knbf", &o, T0 + 100, mac20, 20,
		      T0 + 50 + LIFETIME);
	/* the session ends with the key when the key ends first */
	expect_accept(tok, o.tok_len, "kexp", &o, T0 + 99, mac20, 20, T0 + 100);
	snprintf(why, sizeof(why),
		 "key 'kexp' expired at %" PRIu64 " (2026-11-18T11:08:20Z)",
		 T0 + 100);
	expect_reject(tok, o.tok_len, "kexp", &o, T0 + 100,
		      TPA_REFUSAL_KEY_NOT_VALID, why);
}

/* Tokens that do not decrypt under the kid's key. */
static void test_bad_tokens(void)
{
	static const char *const auth_failed =
		"kid 'k256': authentication failed: wrong key, wrong server "
		"name, or tampered token";
	uint8_t tok[TPA_TOKEN_MAX_LEN];
	struct req_opts o = {tok, 0, mac20, 20, 0, 0, NULL, 0, 0};

	o.tok_len = make_token(as256, 32, "turn.example.com", mac20, 20,
			       tpa_token_ts_make(T0, 0), LIFETIME, tok);
	expect_reject(tok, o.tok_len, "k256", &o, T0, TPA_REFUSAL_BAD_TOKEN,
		      auth_failed);
	o.tok_len = make_token(as_other, 32, SN, mac20, 20,
			       tpa_token_ts_make(T0, 0), LIFETIME, tok);
	expect_reject(tok, o.tok_len, "k256", &o, T0, TPA_REFUSAL_BAD_TOKEN,
		      auth_failed);
	/* made for k128, presented as k256 */
	o.tok_len = make_token(as128, 16, SN, mac20, 20,
			       tpa_token_ts_make(T0, 0), LIFETIME, tok);
	expect_reject(tok, o.tok_len, "k256", &o, T0, TPA_REFUSAL_BAD_TOKEN,
		      auth_failed);
	/* one bit flipped in the ciphertext, then in the tag */
	o.tok_len = make_token(as256, 32, SN, mac20, 20,
			       tpa_token_ts_make(T0, 0), LIFETIME, tok);
	tok[20] ^= 0x01;
	expect_reject(tok, o.tok_len, "k256", &o, T0, TPA_REFUSAL_BAD_TOKEN,
		      auth_failed);
	tok[20] ^= 0x01;
	tok[o.tok_len - 1] ^= 0x80;
	expect_reject(tok, o.tok_len, "k256", &o, T0, TPA_REFUSAL_BAD_TOKEN,
		      auth_failed);
	tok[o.tok_len - 1] ^= 0x80;
	/* cut short, a length between the two valid ones, and empty */
	o.tok_len--;
	expect_reject(tok, o.tok_len, "k256", &o, T0, TPA_REFUSAL_BAD_TOKEN,
		      "kid 'k256': token is 63 bytes, too short, and does not "
		      "authenticate (truncated or tampered, or another key or "
		      "server name)");
	o.tok_len += 5;
	expect_reject(
		tok, o.tok_len, "k256", &o, T0, TPA_REFUSAL_BAD_TOKEN,
		"kid 'k256': token is 68 bytes, expected 64 or 76, and "
		"does not authenticate (truncated or tampered, or another "
		"key or server name)");
	o.tok_len = 0;
	expect_reject(tok, 0, "k256", &o, T0, TPA_REFUSAL_BAD_TOKEN,
		      "kid 'k256': token is 0 bytes, too short");
}

/*
 * RFC 7635 HMAC-SHA-256-128: MESSAGE-INTEGRITY-SHA256 keyed with a 32-byte
 * mac_key, truncated to 16 bytes or longer (RFC 8489).  A request that
 * carries it is judged by it alone.
 */
static void test_sha256(void)
{
	static const size_t lens[] = {16, 20, 24, 28, 32};
	uint8_t tok[TPA_TOKEN_MAX_LEN], tok20[TPA_TOKEN_MAX_LEN], other[32];
	struct req_opts o = {tok, 0, NULL, 0, 0, 0, mac32, 32, 16};
	struct req_opts o20 = {tok20, 0, NULL, 0, 0, 0, mac20, 20, 16};

	o.tok_len = make_token(as256, 32, SN, mac32, 32,
			       tpa_token_ts_make(T0, 0), LIFETIME, tok);
	o20.tok_len = make_token(as256, 32, SN, mac20, 20,
				 tpa_token_ts_make(T0, 0), LIFETIME, tok20);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		o.sha256_len = lens[i];
		expect_accept(tok, o.tok_len, "k256", &o, T0, mac32, 32,
			      T0 + LIFETIME);
	}
	memcpy(other, mac32, sizeof(other));
	other[0] ^= 0x80;
	/* with MESSAGE-INTEGRITY too: that one is not looked at */
	o.sha256_len = 16;
	o.mi_key = other;
	o.mi_len = 32;
	expect_accept(tok, o.tok_len, "k256", &o, T0, mac32, 32, T0 + LIFETIME);
	/* and a right MESSAGE-INTEGRITY does not save a wrong SHA256 one */
	o.mi_key = mac32;
	o.sha256_key = other;
	expect_reject(tok, o.tok_len, "k256", &o, T0, TPA_REFUSAL_BAD_INTEGRITY,
		      "MESSAGE-INTEGRITY-SHA256 does not match the token's "
		      "32-byte mac_key");
	/* keyed with a part of the mac_key */
	o.mi_key = NULL;
	o.sha256_key = mac32;
	o.sha256_key_len = 16;
	expect_reject(tok, o.tok_len, "k256", &o, T0, TPA_REFUSAL_BAD_INTEGRITY,
		      "MESSAGE-INTEGRITY-SHA256 does not match the token's "
		      "32-byte mac_key");
	/* a 20-byte (HMAC-SHA-1) token takes MESSAGE-INTEGRITY */
	expect_reject(tok20, o20.tok_len, "k256", &o20, T0,
		      TPA_REFUSAL_BAD_INTEGRITY,
		      "MESSAGE-INTEGRITY-SHA256 with a 20-byte (HMAC-SHA-1) "
		      "mac_key: such tokens take MESSAGE-INTEGRITY");
	o20.sha256_len = 0;
	o20.mi_key = mac20;
	o20.mi_len = 20;
	expect_accept(tok20, o20.tok_len, "k256", &o20, T0, mac20, 20,
		      T0 + LIFETIME);
}

/* Proof of possession fails. */
static void test_bad_integrity(void)
{
	uint8_t tok[TPA_TOKEN_MAX_LEN], other[20];
	struct req_opts o = {tok, 0, NULL, 0, 0, 0, NULL, 0, 0};

	o.tok_len = make_token(as256, 32, SN, mac20, 20,
			       tpa_token_ts_make(T0, 0), LIFETIME, tok);
	expect_reject(tok, o.tok_len, "k256", &o, T0, TPA_REFUSAL_BAD_INTEGRITY,
		      "MESSAGE-INTEGRITY: no such attribute");
	memcpy(other, mac20, sizeof(other));
	other[19] ^= 1;
	o.mi_key = other;
	o.mi_len = sizeof(other);
	expect_reject(tok, o.tok_len, "k256", &o, T0, TPA_REFUSAL_BAD_INTEGRITY,
		      "MESSAGE-INTEGRITY does not match the token's 20-byte "
		      "mac_key");
	/* the AS-RS key is not the MESSAGE-INTEGRITY key */
	o.mi_key = as256;
	o.mi_len = sizeof(as256);
	expect_reject(tok, o.tok_len, "k256", &o, T0, TPA_REFUSAL_BAD_INTEGRITY,
		      "MESSAGE-INTEGRITY does not match the token's 20-byte "
		      "mac_key");
	/* a request changed after it was signed */
	{
		uint8_t req[512];
		struct tpa_auth_outcome out;
		size_t len;

		o.mi_key = mac20;
		o.mi_len = 20;
		len = make_request(req, sizeof(req), "k256", &o);
		req[TPA_STUN_HDR_LEN + 4 + 3] ^= 0x01; /* transport 17 -> 16 */
		decide(req, len, "k256", T0, tok, o.tok_len, &out);
		CHECK(out.verdict == TPA_REJECT);
	}
}

/* USERNAME names the kid: without one there is nothing to look up. */
static void test_username(void)
{
	uint8_t tok[TPA_TOKEN_MAX_LEN];
	struct req_opts o = {tok, 0, mac20, 20, 0, 0, NULL, 0, 0};

	o.tok_len = make_token(as256, 32, SN, mac20, 20,
			       tpa_token_ts_make(T0, 0), LIFETIME, tok);
	expect_reject(tok, o.tok_len, "", &o, T0, TPA_REFUSAL_BAD_REQUEST,
		      "no USERNAME, which must name the kid");
	expect_reject(tok, o.tok_len, NULL, &o, T0, TPA_REFUSAL_BAD_REQUEST,
		      "no USERNAME, which must name the kid");
}

/* Bytes that are not a STUN message: no token can be found in them. */
static void test_malformed_stun(void)
{
	uint8_t tok[TPA_TOKEN_MAX_LEN], req[512], junk[600];
	struct req_opts o = {tok, 0, mac20, 20, 1, 0, NULL, 0, 0};
	struct tpa_auth_outcome out;
	size_t len;

	o.tok_len = make_token(as256, 32, SN, mac20, 20,
			       tpa_token_ts_make(T0, 0), LIFETIME, tok);
	len = make_request(req, sizeof(req), "k256", &o);
	decide(req, len - 1, "k256", T0, NULL, 0, &out);
	CHECK(out.verdict == TPA_REJECT);
	CHECK_STR(out.reason, "token -: malformed STUN request: truncated "
			      "message");
	CHECK(out.refusal == TPA_REFUSAL_BAD_REQUEST);
	CHECK_STR(out.token_id, "");
	decide(req, 0, "k256", T0, NULL, 0, &out);
	CHECK_STR(out.reason, "token -: malformed STUN request: truncated "
			      "message");
	decide(NULL, 0, "k256", T0, NULL, 0, &out);
	CHECK(out.verdict == TPA_REJECT);
	memset(junk, 0xff, sizeof(junk));
	decide(junk, sizeof(junk), "k256", T0, NULL, 0, &out);
	CHECK_STR(out.reason, "token -: malformed STUN request: malformed "
			      "message");
	/* bytes after FINGERPRINT */
	memcpy(junk, req, len);
	memset(junk + len, 0, 4);
	junk[3] = (uint8_t)(junk[3] + 4);
	decide(junk, len + 4, "k256", T0, NULL, 0, &out);
	CHECK_STR(out.reason, "token -: malformed STUN request: malformed "
			      "message");
	/* the intact request is fine */
	decide(req, len, "k256", T0, tok, o.tok_len, &out);
	CHECK_MSG(out.verdict == TPA_ACCEPT, "%s", out.reason);
}

int main(void)
{
	char path[] = "/tmp/tpa_auth_keys_XXXXXX";

	if (setup(path) != 0) {
		CHECK_MSG(0, "%s", "setup failed");
		return tpa_test_done();
	}
	test_pass();
	test_accept();
	test_legacy_keying();
	test_unknown_kid();
	test_token_window();
	test_key_window();
	test_bad_tokens();
	test_bad_integrity();
	test_sha256();
	test_username();
	test_malformed_stun();
	tpa_keystore_close(keys);
	remove(path);
	return tpa_test_done();
}
