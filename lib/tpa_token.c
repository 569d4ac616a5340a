/* tpa_token: RFC 7635 token codec (AES-GCM). See tpa_token.h. */
#include "tpa_token.h"
#include "tpa_be.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#define HDR_LEN (2 + TPA_TOKEN_NONCE_LEN)	/* nonce_length | nonce */
#define BODY_FIXED (2 + 8 + 4)			/* key_length, ts, lifetime */
#define BODY_MAX (BODY_FIXED + TPA_MAC_KEY_MAX) /* largest valid plaintext */
/* largest plaintext decrypted, to say what is wrong with its mac key */
#define BODY_READ_MAX (TPA_TOKEN_READ_MAX_LEN - HDR_LEN - TPA_TOKEN_TAG_LEN)

static void set_why(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static const EVP_CIPHER *cipher_for(size_t as_rs_key_len);
static int valid_mac_key_len(size_t n);
static int aad_len(const char *server_name, int *len);
static int gcm_open(const uint8_t *key, size_t key_len, const char *sn,
		    const uint8_t *nonce, const uint8_t *ct, size_t ct_len,
		    const uint8_t *tag, uint8_t *pt);
static int gcm_seal(const uint8_t *key, size_t key_len, const char *sn,
		    const uint8_t *nonce, const uint8_t *pt, size_t pt_len,
		    uint8_t *ct, uint8_t *tag);
static enum tpa_token_err parse_body(const uint8_t *pt, size_t pt_len,
				     struct tpa_token *out, char *why,
				     size_t whylen);
static void decrypt_failed(size_t tok_len, char *why, size_t whylen);

static void set_why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

/* AES-128-GCM for 16-byte keys, AES-256-GCM for 32, NULL otherwise. */
static const EVP_CIPHER *cipher_for(size_t as_rs_key_len)
{
	if (as_rs_key_len == 16)
		return EVP_aes_128_gcm();
	if (as_rs_key_len == 32)
		return EVP_aes_256_gcm();
	return NULL;
}

static int valid_mac_key_len(size_t n)
{
	return n == 20 || n == 32;
}

/* Length of the server name as an int for EVP; -1 if it does not fit. */
static int aad_len(const char *server_name, int *len)
{
	size_t n = strlen(server_name);

	if (n > INT_MAX)
		return -1;
	*len = (int)n;
	return 0;
}

/* AES-GCM decrypt and verify; pt gets ct_len bytes. 0 ok, -1 bad tag. */
static int gcm_open(const uint8_t *key, size_t key_len, const char *sn,
		    const uint8_t *nonce, const uint8_t *ct, size_t ct_len,
		    const uint8_t *tag, uint8_t *pt)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int sn_len = 0, outl = 0, ok = 0;

	if (ctx == NULL || ct_len > BODY_READ_MAX || aad_len(sn, &sn_len) != 0)
		goto out;
	if (EVP_DecryptInit_ex(ctx, cipher_for(key_len), NULL, NULL, NULL) !=
		    1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN,
				TPA_TOKEN_NONCE_LEN, NULL) != 1 ||
	    EVP_DecryptInit_ex(ctx, NULL, NULL, key, nonce) != 1)
		goto out;
	if (EVP_DecryptUpdate(ctx, NULL, &outl, (const uint8_t *)sn, sn_len) !=
		    1 ||
	    EVP_DecryptUpdate(ctx, pt, &outl, ct, (int)ct_len) != 1 ||
	    (size_t)outl != ct_len)
		goto out;
	/* EVP's SET_TAG takes a non-const pointer but only reads it. */
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TPA_TOKEN_TAG_LEN,
				(void *)(uintptr_t)tag) != 1)
		goto out;
	ok = EVP_DecryptFinal_ex(ctx, pt + outl, &outl) == 1;
out:
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -1;
}

/* AES-GCM encrypt; ct gets pt_len bytes, tag 16. 0 ok, -1 failure. */
static int gcm_seal(const uint8_t *key, size_t key_len, const char *sn,
		    const uint8_t *nonce, const uint8_t *pt, size_t pt_len,
		    uint8_t *ct, uint8_t *tag)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int sn_len = 0, outl = 0, ok = 0;

	if (ctx == NULL || pt_len > BODY_MAX || aad_len(sn, &sn_len) != 0)
		goto out;
	if (EVP_EncryptInit_ex(ctx, cipher_for(key_len), NULL, NULL, NULL) !=
		    1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN,
				TPA_TOKEN_NONCE_LEN, NULL) != 1 ||
	    EVP_EncryptInit_ex(ctx, NULL, NULL, key, nonce) != 1)
		goto out;
	if (EVP_EncryptUpdate(ctx, NULL, &outl, (const uint8_t *)sn, sn_len) !=
		    1 ||
	    EVP_EncryptUpdate(ctx, ct, &outl, pt, (int)pt_len) != 1 ||
	    (size_t)outl != pt_len)
		goto out;
	if (EVP_EncryptFinal_ex(ctx, ct + outl, &outl) != 1 || outl != 0)
		goto out;
	ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TPA_TOKEN_TAG_LEN,
				 tag) == 1;
out:
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -1;
}

/*
 * Parses an authenticated plaintext of pt_len (BODY_FIXED to BODY_READ_MAX,
 * checked before) bytes.  An issuer that wrote a mac key of another length
 * is told so, and which (turnutils_oauth -e cuts a key at a zero byte).
 */
static enum tpa_token_err parse_body(const uint8_t *pt, size_t pt_len,
				     struct tpa_token *out, char *why,
				     size_t whylen)
{
	size_t key_len = tpa_get_u16(pt), held = pt_len - BODY_FIXED;

	if (key_len == held && !valid_mac_key_len(key_len)) {
		set_why(why, whylen, "mac key is %zu bytes, not 20 or 32%s",
			key_len,
			key_len < 20
				? " (cut at a zero byte, as turnutils_oauth "
				  "-e does?)"
				: "");
		return TPA_TOKEN_ERR_KEY_LEN;
	}
	if (!valid_mac_key_len(key_len)) {
		set_why(why, whylen, "mac key length %zu, expected 20 or 32",
			key_len);
		return TPA_TOKEN_ERR_KEY_LEN;
	}
	if (key_len != held) {
		set_why(why, whylen,
			"mac key length %zu does not match the %zu-byte "
			"encrypted block",
			key_len, pt_len);
		return TPA_TOKEN_ERR_KEY_LEN;
	}
	memcpy(out->mac_key, pt + 2, key_len);
	out->mac_key_len = key_len;
	out->timestamp = tpa_get_u64(pt + 2 + key_len);
	out->lifetime = tpa_get_u32(pt + 2 + key_len + 8);
	return TPA_TOKEN_OK;
}

/* Why a token does not authenticate, and what its length says. */
static void decrypt_failed(size_t tok_len, char *why, size_t whylen)
{
	static const char others[] =
		"and does not authenticate (truncated or tampered, or another "
		"key or server name)";

	if (tok_len == TPA_TOKEN_MIN_LEN || tok_len == TPA_TOKEN_MAX_LEN)
		set_why(why, whylen,
			"authentication failed: wrong key, wrong server name, "
			"or tampered token");
	else if (tok_len < TPA_TOKEN_MIN_LEN)
		set_why(why, whylen, "token is %zu bytes, too short, %s",
			tok_len, others);
	else if (tok_len < TPA_TOKEN_MAX_LEN)
		set_why(why, whylen,
			"token is %zu bytes, expected %d or %d, %s", tok_len,
			TPA_TOKEN_MIN_LEN, TPA_TOKEN_MAX_LEN, others);
	else
		set_why(why, whylen,
			"token is %zu bytes, too long (at most %d), %s",
			tok_len, TPA_TOKEN_MAX_LEN, others);
}

const char *tpa_token_strerror(enum tpa_token_err err)
{
	switch (err) {
	case TPA_TOKEN_OK:
		return "ok";
	case TPA_TOKEN_ERR_SHORT:
		return "token too short";
	case TPA_TOKEN_ERR_LONG:
		return "token too long";
	case TPA_TOKEN_ERR_NONCE_LEN:
		return "nonce length is not 12";
	case TPA_TOKEN_ERR_AS_RS_KEY_LEN:
		return "AS-RS key is not 16 or 32 bytes";
	case TPA_TOKEN_ERR_DECRYPT:
		return "token authentication failed (wrong key, wrong server "
		       "name, or tampered)";
	case TPA_TOKEN_ERR_KEY_LEN:
		return "bad mac key length";
	case TPA_TOKEN_ERR_INTERNAL:
		return "internal error";
	}
	return "unknown error";
}

enum tpa_token_err tpa_token_decode(const uint8_t *as_rs_key,
				    size_t as_rs_key_len,
				    const char *server_name, const uint8_t *tok,
				    size_t tok_len, struct tpa_token *out,
				    char *why, size_t whylen)
{
	uint8_t pt[BODY_READ_MAX];
	size_t nonce_len, ct_len;
	enum tpa_token_err rc;

	set_why(why, whylen, "%s", "");
	if (out == NULL) {
		set_why(why, whylen, "no output token");
		return TPA_TOKEN_ERR_INTERNAL;
	}
	memset(out, 0, sizeof(*out));
	if (as_rs_key == NULL || server_name == NULL ||
	    (tok == NULL && tok_len != 0)) {
		set_why(why, whylen, "missing argument");
		return TPA_TOKEN_ERR_INTERNAL;
	}
	if (cipher_for(as_rs_key_len) == NULL) {
		set_why(why, whylen,
			"AS-RS key is %zu bytes, expected 16 or 32",
			as_rs_key_len);
		return TPA_TOKEN_ERR_AS_RS_KEY_LEN;
	}
	if (tok_len < 2) {
		set_why(why, whylen, "token is %zu bytes, too short", tok_len);
		return TPA_TOKEN_ERR_SHORT;
	}
	nonce_len = tpa_get_u16(tok);
	if (nonce_len != TPA_TOKEN_NONCE_LEN) {
		set_why(why, whylen, "nonce length %zu, expected %d", nonce_len,
			TPA_TOKEN_NONCE_LEN);
		return TPA_TOKEN_ERR_NONCE_LEN;
	}
	if (tok_len > TPA_TOKEN_READ_MAX_LEN) {
		set_why(why, whylen,
			"token is %zu bytes, too long (at most %d)", tok_len,
			TPA_TOKEN_MAX_LEN);
		return TPA_TOKEN_ERR_LONG;
	}
	if (tok_len < TPA_TOKEN_FRAME_LEN) {
		set_why(why, whylen, "token is %zu bytes, too short", tok_len);
		return TPA_TOKEN_ERR_SHORT;
	}
	/* Only 64 (20-byte mac key) and 76 (32-byte) bytes can be valid;
	 * other lengths are decrypted too, to say what is wrong. */
	ct_len = tok_len - HDR_LEN - TPA_TOKEN_TAG_LEN;
	if (gcm_open(as_rs_key, as_rs_key_len, server_name, tok + 2,
		     tok + HDR_LEN, ct_len, tok + (tok_len - TPA_TOKEN_TAG_LEN),
		     pt) != 0) {
		decrypt_failed(tok_len, why, whylen);
		rc = TPA_TOKEN_ERR_DECRYPT;
		goto out;
	}
	rc = parse_body(pt, ct_len, out, why, whylen);
out:
	OPENSSL_cleanse(pt, sizeof(pt));
	if (rc != TPA_TOKEN_OK)
		tpa_token_wipe(out);
	return rc;
}

enum tpa_token_err tpa_token_encode(const uint8_t *as_rs_key,
				    size_t as_rs_key_len,
				    const char *server_name,
				    const struct tpa_token *in,
				    const uint8_t *nonce, uint8_t *out,
				    size_t outcap, size_t *outlen)
{
	uint8_t pt[BODY_MAX];
	size_t pt_len, tok_len;
	enum tpa_token_err rc = TPA_TOKEN_ERR_INTERNAL;

	if (outlen == NULL || out == NULL || as_rs_key == NULL ||
	    server_name == NULL || in == NULL)
		return TPA_TOKEN_ERR_INTERNAL;
	*outlen = 0;
	if (cipher_for(as_rs_key_len) == NULL)
		return TPA_TOKEN_ERR_AS_RS_KEY_LEN;
	if (!valid_mac_key_len(in->mac_key_len))
		return TPA_TOKEN_ERR_KEY_LEN;
	pt_len = BODY_FIXED + in->mac_key_len;
	tok_len = HDR_LEN + pt_len + TPA_TOKEN_TAG_LEN;
	if (outcap < tok_len)
		return TPA_TOKEN_ERR_INTERNAL;

	tpa_put_u16(pt, (uint16_t)in->mac_key_len);
	memcpy(pt + 2, in->mac_key, in->mac_key_len);
	tpa_put_u64(pt + 2 + in->mac_key_len, in->timestamp);
	tpa_put_u32(pt + 2 + in->mac_key_len + 8, in->lifetime);

	tpa_put_u16(out, TPA_TOKEN_NONCE_LEN);
	if (nonce != NULL)
		memcpy(out + 2, nonce, TPA_TOKEN_NONCE_LEN);
	else if (RAND_bytes(out + 2, TPA_TOKEN_NONCE_LEN) != 1)
		goto out;
	if (gcm_seal(as_rs_key, as_rs_key_len, server_name, out + 2, pt, pt_len,
		     out + HDR_LEN, out + HDR_LEN + pt_len) != 0)
		goto out;
	*outlen = tok_len;
	rc = TPA_TOKEN_OK;
out:
	OPENSSL_cleanse(pt, sizeof(pt));
	if (rc != TPA_TOKEN_OK)
		OPENSSL_cleanse(out, outcap);
	return rc;
}

void tpa_token_id(const uint8_t *tok, size_t tok_len, char out[17])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	size_t i;

	memcpy(out, "0000000000000000", 17);
	if (tok == NULL && tok_len != 0)
		return;
	if (EVP_Digest(tok == NULL ? (const uint8_t *)"" : tok, tok_len, md,
		       &md_len, EVP_sha256(), NULL) != 1 ||
	    md_len < 8)
		return;
	for (i = 0; i < 8; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[16] = '\0';
}

uint64_t tpa_token_ts_make(uint64_t unix_seconds, uint32_t frac64000)
{
	return (unix_seconds & 0xFFFFFFFFFFFFull) << 16 | (frac64000 & 0xFFFFu);
}

uint64_t tpa_token_ts_seconds(uint64_t ts)
{
	return ts >> 16;
}

enum tpa_window tpa_token_window(const struct tpa_token *t,
				 uint64_t now_seconds, uint32_t skew_seconds)
{
	/* ts < 2^48, lifetime < 2^32: the sum below cannot wrap. */
	uint64_t ts = tpa_token_ts_seconds(t->timestamp);
	uint64_t end = ts + t->lifetime;

	if (t->lifetime == 0)
		return TPA_WINDOW_NO_LIFETIME;
	if (ts > skew_seconds && now_seconds < ts - skew_seconds)
		return TPA_WINDOW_NOT_YET;
	if (now_seconds >= end)
		return TPA_WINDOW_EXPIRED;
	return TPA_WINDOW_OK;
}

uint64_t tpa_token_expiry(const struct tpa_token *t)
{
	return tpa_token_ts_seconds(t->timestamp) + t->lifetime;
}

const char *tpa_token_utc(uint64_t unix_seconds, char out[TPA_TOKEN_UTC_LEN])
{
	const uint64_t max = ((UINT64_C(1) << 48) - 1) + UINT32_MAX;
	time_t t = (time_t)unix_seconds;
	struct tm tm;

	if (unix_seconds > max || gmtime_r(&t, &tm) == NULL ||
	    strftime(out, TPA_TOKEN_UTC_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, TPA_TOKEN_UTC_LEN, "(out of range)");
	return out;
}

void tpa_token_wipe(struct tpa_token *t)
{
	if (t != NULL)
		OPENSSL_cleanse(t, sizeof(*t));
}
