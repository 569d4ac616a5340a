/*
 * tpa_auth.c - RFC 7635: ACCESS-TOKEN, key by kid, token, proof of
 * possession.
 */
#include "tpa_auth.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "tpa_stun.h"

#define COTURN_LEGACY_KEY_LEN 16 /* coturn issue 189 */
#define TPA_HMAC_SHA1_KEY_LEN 20
#define TPA_HMAC_SHA256_KEY_LEN 32

/* the short name inside this file */
#define reject tpa_auth_reject

void tpa_auth_reject(struct tpa_auth_outcome *out, enum tpa_refusal why,
		     const char *fmt, ...)
{
	va_list ap;
	int n;

	out->verdict = TPA_REJECT;
	out->refusal = why;
	n = snprintf(out->reason, sizeof(out->reason),
		     "token %s: ", out->token_id[0] ? out->token_id : "-");
	if (n < 0 || (size_t)n >= sizeof(out->reason))
		return;
	va_start(ap, fmt);
	vsnprintf(out->reason + n, sizeof(out->reason) - (size_t)n, fmt, ap);
	va_end(ap);
}

/* A printable, bounded copy of a kid from the network, for the log. */
static void printable_kid(const char *kid, char *buf, size_t cap)
{
	size_t i;

	for (i = 0; kid[i] && i + 1 < cap && i < TPA_KID_LOG_MAX; i++)
		buf[i] = (kid[i] > 0x20 && kid[i] < 0x7f) ? kid[i] : '?';
	buf[i] = '\0';
}

/* A key's nbf or exp as a UTC date; keys are never before 1970. */
static const char *key_utc(int64_t t, char out[TPA_TOKEN_UTC_LEN])
{
	return tpa_token_utc(t < 0 ? 0 : (uint64_t)t, out);
}

static int check_key_time(const struct tpa_key *k, uint64_t now,
			  struct tpa_auth_outcome *out)
{
	char when[TPA_TOKEN_UTC_LEN];

	switch (tpa_key_usable(k, (int64_t)now)) {
	case TPA_KEY_NOT_YET:
		reject(out, TPA_REFUSAL_KEY_NOT_VALID,
		       "key '%s' is not valid before %lld (%s)", k->kid,
		       (long long)k->nbf, key_utc(k->nbf, when));
		return -1;
	case TPA_KEY_EXPIRED:
		reject(out, TPA_REFUSAL_KEY_NOT_VALID,
		       "key '%s' expired at %lld (%s)", k->kid,
		       (long long)k->exp, key_utc(k->exp, when));
		return -1;
	case TPA_KEY_USABLE:
		break;
	}
	return 0;
}

/*
 * ts - skew <= now < ts + lifetime (tpa_token_window): the skew lets in a
 * token stamped by an issuer whose clock runs ahead of ours; it never
 * keeps one past its end, where the session ends (RFC 7635), so a request
 * after it would get no time at all.  A token of lifetime 0 means nothing.
 * Times are given in Unix seconds, as in the token, and as UTC dates.
 */
static int check_window(const struct tpa_token *t, uint64_t now, uint32_t skew,
			struct tpa_auth_outcome *out)
{
	uint64_t ts = tpa_token_ts_seconds(t->timestamp);
	uint64_t end = tpa_token_expiry(t);
	char when[TPA_TOKEN_UTC_LEN];

	switch (tpa_token_window(t, now, skew)) {
	case TPA_WINDOW_NO_LIFETIME:
		reject(out, TPA_REFUSAL_BAD_TOKEN,
		       "token has lifetime 0: it is valid at no time");
		return -1;
	case TPA_WINDOW_NOT_YET:
		reject(out, TPA_REFUSAL_NOT_YET_VALID,
		       "token is from the future: issued at %llu (%s), "
		       "%llu s ahead, skew %u s",
		       (unsigned long long)ts, tpa_token_utc(ts, when),
		       (unsigned long long)(ts - now), skew);
		return -1;
	case TPA_WINDOW_EXPIRED:
		reject(out, TPA_REFUSAL_EXPIRED,
		       "token expired at %llu (%s), %llu s ago (a skew of "
		       "%u s admits a token early, never late)",
		       (unsigned long long)end, tpa_token_utc(end, when),
		       (unsigned long long)(now - end), skew);
		return -1;
	case TPA_WINDOW_OK:
		break;
	}
	return 0;
}

/* The session's key: the first key_len bytes of the mac_key. */
static int use_key(const struct tpa_token *t, size_t key_len,
		   struct tpa_auth_outcome *out)
{
	memcpy(out->key, t->mac_key, key_len);
	out->key_len = key_len;
	return 0;
}

/*
 * RFC 7635 HMAC-SHA-256-128: MESSAGE-INTEGRITY-SHA256 (RFC 8489) keyed with
 * a 32-byte mac_key, truncated to 16 bytes or longer as RFC 8489 allows.
 */
static int check_integrity_sha256(const struct tpa_stun_view *v,
				  const struct tpa_token *t,
				  struct tpa_auth_outcome *out)
{
	int rc;

	if (t->mac_key_len != TPA_HMAC_SHA256_KEY_LEN) {
		reject(out, TPA_REFUSAL_BAD_INTEGRITY,
		       "MESSAGE-INTEGRITY-SHA256 with a %zu-byte (HMAC-SHA-1) "
		       "mac_key: such tokens take MESSAGE-INTEGRITY",
		       t->mac_key_len);
		return -1;
	}
	rc = tpa_stun_verify_integrity_sha256(v, t->mac_key, t->mac_key_len);
	if (rc == 0)
		return use_key(t, t->mac_key_len, out);
	if (rc == TPA_STUN_ERR_INTEGRITY)
		reject(out, TPA_REFUSAL_BAD_INTEGRITY,
		       "MESSAGE-INTEGRITY-SHA256 does not match the token's "
		       "%zu-byte mac_key",
		       t->mac_key_len);
	else
		reject(out, TPA_REFUSAL_BAD_INTEGRITY,
		       "MESSAGE-INTEGRITY-SHA256: %s", tpa_stun_strerror(rc));
	return -1;
}

/* coturn's own client keys MESSAGE-INTEGRITY with the first 16 bytes of a
 * 20-byte mac_key (coturn issue 189). */
static int legacy_keyed(const struct tpa_stun_view *v,
			const struct tpa_token *t)
{
	return t->mac_key_len == TPA_HMAC_SHA1_KEY_LEN &&
	       tpa_stun_verify_integrity(v, t->mac_key,
					 COTURN_LEGACY_KEY_LEN) == 0;
}

/*
 * Proof of possession.  A request with MESSAGE-INTEGRITY-SHA256 is judged
 * by it alone (RFC 8489), as coturn judges it; otherwise its
 * MESSAGE-INTEGRITY (HMAC-SHA1) keyed with the whole mac_key, 20 or 32
 * bytes (clients older than MESSAGE-INTEGRITY-SHA256 send that for
 * HMAC-SHA-256-128 tokens too), or with legacy-coturn-keying its first 16.
 */
static int check_integrity(const struct tpa_stun_view *v,
			   const struct tpa_token *t, int legacy,
			   struct tpa_auth_outcome *out)
{
	struct tpa_stun_attr a;
	int rc;

	if (tpa_stun_get_attr(v, TPA_STUN_ATTR_MESSAGE_INTEGRITY_SHA256, &a) ==
	    0)
		return check_integrity_sha256(v, t, out);
	rc = tpa_stun_verify_integrity(v, t->mac_key, t->mac_key_len);
	if (rc == 0)
		return use_key(t, t->mac_key_len, out);
	if (rc == TPA_STUN_ERR_INTEGRITY && legacy_keyed(v, t)) {
		if (legacy)
			return use_key(t, COTURN_LEGACY_KEY_LEN, out);
		reject(out, TPA_REFUSAL_BAD_INTEGRITY,
		       "MESSAGE-INTEGRITY is keyed with 16 of the 20 bytes "
		       "of the mac_key, coturn's legacy keying: "
		       "legacy-coturn-keying = yes accepts it");
		return -1;
	}
	if (rc == TPA_STUN_ERR_INTEGRITY)
		reject(out, TPA_REFUSAL_BAD_INTEGRITY,
		       "MESSAGE-INTEGRITY does not match the token's "
		       "%zu-byte mac_key",
		       t->mac_key_len);
	else
		reject(out, TPA_REFUSAL_BAD_INTEGRITY, "MESSAGE-INTEGRITY: %s",
		       tpa_stun_strerror(rc));
	return -1;
}

int tpa_auth_open_token(const struct tpa_auth_ctx *ctx, const char *kid,
			const uint8_t *tok, size_t tok_len, uint64_t now,
			struct tpa_token *token, struct tpa_key *key,
			struct tpa_auth_outcome *out)
{
	char why[TPA_TOKEN_WHY_LEN], shown[TPA_KID_LOG_MAX + 1];

	memset(token, 0, sizeof(*token));
	memset(key, 0, sizeof(*key));
	/* only requests with a token look at the key-set file */
	tpa_keystore_refresh(ctx->keys);
	switch (tpa_keystore_get(ctx->keys, kid, key)) {
	case 0:
		break;
	case -1:
		printable_kid(kid, shown, sizeof(shown));
		reject(out, TPA_REFUSAL_UNKNOWN_KID, "unknown kid '%s'", shown);
		return -1;
	default:
		reject(out, TPA_REFUSAL_KEY_STORE,
		       "the key store cannot be read now");
		out->verdict = TPA_ERROR; /* fail closed, as a broken plugin */
		return -1;
	}
	if (check_key_time(key, now, out) != 0)
		goto fail;
	if (tpa_token_decode(key->k, key->k_len, ctx->server_name, tok, tok_len,
			     token, why, sizeof(why)) != TPA_TOKEN_OK) {
		reject(out, TPA_REFUSAL_BAD_TOKEN, "kid '%s': %s", key->kid,
		       why);
		goto fail;
	}
	if (check_window(token, now, ctx->cfg->clock_skew, out) != 0)
		goto fail;
	return 0;
fail:
	tpa_token_wipe(token);
	OPENSSL_cleanse(key, sizeof(*key));
	return -1;
}

/* Decrypts and checks the token; fills out->key on success. */
static void check_token(const struct tpa_auth_ctx *ctx,
			const struct tpa_stun_view *v,
			const struct tpa_stun_attr *at, const char *kid,
			uint64_t now, struct tpa_auth_outcome *out)
{
	struct tpa_key key;
	struct tpa_token tok;

	if (tpa_auth_open_token(ctx, kid, at->value, at->len, now, &tok, &key,
				out) != 0)
		return;
	if (check_integrity(v, &tok, ctx->cfg->legacy_coturn_keying, out) != 0)
		goto out;
	/* the session ends with the token, or with its key if sooner: both
	 * are after now (check_window, check_key_time) */
	out->expiry = tpa_token_expiry(&tok);
	out->token_end = out->expiry;
	if (key.has_exp && key.exp >= 0 && (uint64_t)key.exp < out->expiry)
		out->expiry = (uint64_t)key.exp;
	memcpy(out->kid, key.kid, sizeof(out->kid));
	out->verdict = TPA_ACCEPT;
out:
	tpa_token_wipe(&tok);
	OPENSSL_cleanse(&key, sizeof(key));
}

void tpa_auth_rfc7635(const struct tpa_auth_ctx *ctx, const uint8_t *msg,
		      size_t len, const char *username, uint64_t now,
		      struct tpa_auth_outcome *out)
{
	struct tpa_stun_view v;
	struct tpa_stun_attr at;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = tpa_stun_parse(&v, msg, len);
	if (rc != 0) {
		reject(out, TPA_REFUSAL_BAD_REQUEST,
		       "malformed STUN request: %s", tpa_stun_strerror(rc));
		return;
	}
	rc = tpa_stun_get_attr(&v, TPA_STUN_ATTR_ACCESS_TOKEN, &at);
	if (rc == TPA_STUN_ERR_NO_ATTR) {
		out->verdict = TPA_PASS;
		return;
	}
	if (rc != 0) {
		reject(out, TPA_REFUSAL_BAD_REQUEST, "ACCESS-TOKEN: %s",
		       tpa_stun_strerror(rc));
		return;
	}
	tpa_token_id(at.value, at.len, out->token_id);
	if (!username || !username[0]) {
		reject(out, TPA_REFUSAL_BAD_REQUEST,
		       "no USERNAME, which must name the kid");
		return;
	}
	check_token(ctx, &v, &at, username, now, out);
}
