/*
 * fuzz_token: tpa_token_decode, tpa_token_window and tpa_token_id on
 * hostile bytes (the ACCESS-TOKEN value of a STUN request).
 *
 * Two paths per input:
 *  1. The input as a token, decoded with a 16- and a 32-byte AS-RS key. The
 *     error class must follow from the length and nonce_length alone;
 *     failures leave *out zeroed and a reason; a success must re-encode to
 *     the same bytes and have a 20/32-byte mac key.
 *  2. The input as a plaintext body, sealed here with OpenSSL (AES-GCM,
 *     fixed nonce) into a token and decoded: this reaches the body parser
 *     that random tokens never get past the tag to. The result is checked
 *     against an independent reading of the body: only a body whose
 *     length field is true and 20 or 32 decodes; any other authentic body
 *     is TPA_TOKEN_ERR_KEY_LEN.
 * Every success also checks tpa_token_window against its definition.
 */
#include <limits.h>
#include <string.h>

#include <openssl/evp.h>

#include "fuzz_common.h"
#include "tpa_token.h"

static const uint8_t seal_nonce[12] = {0x5e, 0xa1, 0x00, 0x01, 0x02, 0x03,
				       0x04, 0x05, 0x06, 0x07, 0x08, 0x09};

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* The window by its definition, in 128-bit arithmetic. */
static void check_window(const struct tpa_token *t, uint64_t now, uint32_t skew)
{
	unsigned __int128 ts = t->timestamp >> 16;
	unsigned __int128 n = now;
	enum tpa_window want, got = tpa_token_window(t, now, skew);

	if (t->lifetime == 0)
		want = TPA_WINDOW_NO_LIFETIME;
	else if (n + skew < ts)
		want = TPA_WINDOW_NOT_YET;
	else if (n >= ts + t->lifetime)
		want = TPA_WINDOW_EXPIRED;
	else
		want = TPA_WINDOW_OK;
	FUZZ_CHECK(got == want);
}

static void check_token(const struct tpa_token *t)
{
	uint64_t ts = tpa_token_ts_seconds(t->timestamp);
	static const uint32_t skews[] = {0, 1, 5, 3600, UINT32_MAX};

	FUZZ_CHECK(t->mac_key_len == 20 || t->mac_key_len == 32);
	FUZZ_CHECK(ts < (1ull << 48));
	FUZZ_CHECK(tpa_token_expiry(t) == ts + t->lifetime);
	for (size_t i = 0; i < sizeof(skews) / sizeof(skews[0]); i++) {
		uint32_t s = skews[i];
		check_window(t, 0, s);
		check_window(t, ts, s);
		check_window(t, ts - 1, s);
		check_window(t, ts - s, s);
		check_window(t, ts + s, s);
		check_window(t, ts + t->lifetime, s);
		check_window(t, ts + t->lifetime - 1, s);
		check_window(t, ts + t->lifetime + s, s);
		check_window(t, 1700000000, s);
		check_window(t, UINT64_MAX, s);
	}
}

/* The error that the length and nonce_length alone dictate, or -1. */
static int expected_shape_err(const uint8_t *tok, size_t len)
{
	if (len < 2)
		return TPA_TOKEN_ERR_SHORT;
	if ((tok[0] << 8 | tok[1]) != TPA_TOKEN_NONCE_LEN)
		return TPA_TOKEN_ERR_NONCE_LEN;
	if (len > TPA_TOKEN_READ_MAX_LEN)
		return TPA_TOKEN_ERR_LONG;
	if (len < TPA_TOKEN_FRAME_LEN)
		return TPA_TOKEN_ERR_SHORT;
	return -1;
}

/* Decodes tok; checks the contract; returns the result code. */
static enum tpa_token_err decode_checked(const uint8_t *key, size_t key_len,
					 const char *sn, const uint8_t *tok,
					 size_t len, struct tpa_token *out)
{
	char why[TPA_TOKEN_WHY_LEN];
	enum tpa_token_err rc;
	int shape = expected_shape_err(tok, len);

	memset(why, 0xAA, sizeof(why));
	memset(out, 0x55, sizeof(*out));
	rc = tpa_token_decode(key, key_len, sn, tok, len, out, why,
			      sizeof(why));
	FUZZ_CHECK(memchr(why, '\0', sizeof(why)) != NULL);
	FUZZ_CHECK(rc >= TPA_TOKEN_OK && rc <= TPA_TOKEN_ERR_INTERNAL);
	FUZZ_CHECK(tpa_token_strerror(rc) != NULL);
	if (shape >= 0)
		FUZZ_CHECK(rc == (enum tpa_token_err)shape);
	else
		FUZZ_CHECK(rc == TPA_TOKEN_OK || rc == TPA_TOKEN_ERR_DECRYPT ||
			   rc == TPA_TOKEN_ERR_KEY_LEN);
	if (rc != TPA_TOKEN_OK) {
		FUZZ_CHECK(why[0] != '\0');
		FUZZ_CHECK(fuzz_all_zero(out, sizeof(*out)));
		return rc;
	}
	FUZZ_CHECK(why[0] == '\0');
	FUZZ_CHECK(len == 2 + 12 + 2 + out->mac_key_len + 8 + 4 + 16);
	check_token(out);

	/* Same key and nonce: encoding must give back the very same bytes. */
	uint8_t again[TPA_TOKEN_MAX_LEN];
	size_t again_len = 0;
	FUZZ_CHECK(tpa_token_encode(key, key_len, sn, out, tok + 2, again,
				    sizeof(again), &again_len) == TPA_TOKEN_OK);
	FUZZ_CHECK(again_len == len && memcmp(again, tok, len) == 0);
	return rc;
}

/* AES-GCM seal of pt under key with seal_nonce and the server name. */
static size_t seal(const uint8_t *key, size_t key_len, const char *sn,
		   const uint8_t *pt, size_t pt_len, uint8_t *tok)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int outl = 0, ok;

	FUZZ_CHECK(ctx != NULL);
	tok[0] = 0;
	tok[1] = 12;
	memcpy(tok + 2, seal_nonce, 12);
	ok = EVP_EncryptInit_ex(
		     ctx, key_len == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm(),
		     NULL, key, seal_nonce) == 1 &&
	     EVP_EncryptUpdate(ctx, NULL, &outl, (const uint8_t *)sn,
			       (int)strlen(sn)) == 1 &&
	     EVP_EncryptUpdate(ctx, tok + 14, &outl, pt, (int)pt_len) == 1 &&
	     EVP_EncryptFinal_ex(ctx, tok + 14 + outl, &outl) == 1 &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16,
				 tok + 14 + pt_len) == 1;
	EVP_CIPHER_CTX_free(ctx);
	FUZZ_CHECK(ok);
	return 14 + pt_len + 16;
}

static void sealed_path(const uint8_t *key, size_t key_len, const uint8_t *pt,
			size_t n)
{
	uint8_t tok[14 + 62 + 16];
	struct tpa_token t;
	size_t len = seal(key, key_len, FUZZ_SERVER_NAME, pt, n, tok);
	enum tpa_token_err rc =
		decode_checked(key, key_len, FUZZ_SERVER_NAME, tok, len, &t);

	if (n < 14)
		return; /* no room for a body: the shape checks said SHORT */
	/* an authentic body of any length is read: only a true 20- or
	 * 32-byte mac key decodes, everything else says what it is */
	size_t kl = (size_t)(pt[0] << 8 | pt[1]);
	if (kl != n - 14 || (kl != 20 && kl != 32)) {
		FUZZ_CHECK(rc == TPA_TOKEN_ERR_KEY_LEN);
	} else {
		FUZZ_CHECK(rc == TPA_TOKEN_OK);
		FUZZ_CHECK(t.mac_key_len == kl);
		FUZZ_CHECK(memcmp(t.mac_key, pt + 2, kl) == 0);
		FUZZ_CHECK(t.timestamp == be64(pt + 2 + kl));
		FUZZ_CHECK(t.lifetime == be32(pt + 2 + kl + 8));
	}
	tpa_token_wipe(&t);
	FUZZ_CHECK(fuzz_all_zero(&t, sizeof(t)));

	/* Another server name (the AAD) must not authenticate. */
	rc = decode_checked(key, key_len, "turn.example.orh", tok, len, &t);
	FUZZ_CHECK(rc == TPA_TOKEN_ERR_DECRYPT);
	/* Nor must a single flipped tag bit. */
	tok[len - 1] ^= 0x80;
	rc = decode_checked(key, key_len, FUZZ_SERVER_NAME, tok, len, &t);
	FUZZ_CHECK(rc == TPA_TOKEN_ERR_DECRYPT);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tpa_token t;
	char id1[17], id2[17];

	/* tpa_token_id on every input: 16 lowercase hex digits, stable. */
	memset(id1, 0xAA, sizeof(id1));
	tpa_token_id(data, size, id1);
	FUZZ_CHECK(id1[16] == '\0');
	for (int i = 0; i < 16; i++)
		FUZZ_CHECK((id1[i] >= '0' && id1[i] <= '9') ||
			   (id1[i] >= 'a' && id1[i] <= 'f'));
	tpa_token_id(data, size, id2);
	FUZZ_CHECK(memcmp(id1, id2, 17) == 0);

	/* 1. The input as a token. */
	decode_checked(fuzz_key16, sizeof(fuzz_key16), FUZZ_SERVER_NAME, data,
		       size, &t);
	tpa_token_wipe(&t);
	decode_checked(fuzz_key32, sizeof(fuzz_key32), FUZZ_SERVER_NAME, data,
		       size, &t);
	tpa_token_wipe(&t);

	/* A wrong AS-RS key length is refused before anything else. */
	FUZZ_CHECK(tpa_token_decode(fuzz_key32, 24, FUZZ_SERVER_NAME, data,
				    size, &t, NULL,
				    0) == TPA_TOKEN_ERR_AS_RS_KEY_LEN);
	FUZZ_CHECK(fuzz_all_zero(&t, sizeof(t)));

	/* 2. The input as a plaintext body. */
	if (size <= 62) {
		sealed_path(fuzz_key16, sizeof(fuzz_key16), data, size);
		sealed_path(fuzz_key32, sizeof(fuzz_key32), data, size);
	}
	return 0;
}
