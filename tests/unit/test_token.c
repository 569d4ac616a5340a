/*
 * Unit tests for lib/tpa_token: round trips, fixed vectors, interop vectors
 * made by coturn's turnutils_oauth, every decode error, the validity window,
 * and a repeatable mutation loop (bit flips, byte changes, truncations,
 * extensions; cf. OpenSSH test_sshbuf_getput_fuzz.c).
 *
 * Usage: test_token [tests/data/oauth_vectors.txt]
 *        test_token --emit     (tokens for tests/unit/oauth_interop.sh)
 *
 * Every token handed to the decoder is first copied into a malloc'd buffer
 * of exactly its length, so that AddressSanitizer catches any read past
 * tok_len.
 *
 * turnutils_oauth (coturn 4.6.1) quirks, found while making the vectors:
 *  - the decoded --token-mac-key is cut at its first NUL byte (strlen): a
 *    mac key with a NUL becomes shorter (key_length 10 for a 20-byte key
 *    with a NUL at offset 10), giving a 54-byte token that we reject;
 *  - mac keys longer than 32 bytes are encoded (40 gives an 84-byte token);
 *    we reject them;
 *  - a short --token-nonce is padded with zero bytes to 12, silently;
 *  - -n A128GCM with a 32-byte --auth-key uses its first 16 bytes, and
 *    -n A256GCM with a 16-byte key pads it with 16 zero bytes; we require
 *    the key length to match the algorithm (the key set enforces it);
 *  - only A128GCM / A256GCM are accepted for -n, not AEAD_AES_*_GCM;
 *  - -l 0 (auth key timestamp) counts as "missing" and is refused;
 *  - -v prints the fraction as "msec" wrongly (32000/64000 s shows as
 *    msec:2048000, i.e. multiplied by 64 instead of scaled to ms);
 *  - the JSON output's "key" member is the raw mac key bytes, not base64,
 *    and "alg" echoes -u verbatim;
 *  - its decoder reads nonce_length from the token and copies that many
 *    bytes before any check (the overflow our decoder must never have).
 */
#include <openssl/evp.h>
#include <stdint.h>

#include "tpa_b64.h"
#include "tpa_test.h"
#include "tpa_token.h"

#define SN "blackdow.carleon.gov"

static const uint8_t key16[16] = "0123456789abcdef";
static const uint8_t key32[32] = "K32-AS-RS-key-for-coturn-tpa-32b";
static const uint8_t nonce0[12] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};

static void hex(const uint8_t *p, size_t n, char *out);
static size_t unhex(const char *s, uint8_t *out, size_t cap);
static enum tpa_token_err dec_exact(const uint8_t *key, size_t klen,
				    const char *sn, const uint8_t *tok,
				    size_t len, struct tpa_token *out,
				    char *why);
static int all_zero(const void *p, size_t n);
static size_t seal_raw(const uint8_t *key, size_t klen, const char *sn,
		       const uint8_t *nonce, size_t nlen, const uint8_t *pt,
		       size_t ptlen, uint8_t *out);
static struct tpa_token mk(size_t mac_len, uint64_t ts, uint32_t lt);
static size_t enc(const uint8_t *key, size_t klen, size_t mac_len,
		  uint8_t *out);
static void test_round_trips(void);
static void test_fixed_vectors(void);
static void test_bad_args(void);
static void test_nonce_len(void);
static void test_lengths(void);
static void test_key_len(void);
static void test_auth_failures(void);
static void test_encode_errors(void);
static void test_misc(void);
static void test_window(void);
static void mutate_one(const uint8_t *key, size_t klen, const uint8_t *tok,
		       size_t len);
static void test_mutations(void);
static void test_random_garbage(void);
static void test_oauth_vectors(const char *path);
static int emit(void);

static void hex(const uint8_t *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
	out[2 * n] = '\0';
}

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned int b;

	while (s[0] != '\0' && s[1] != '\0' && n < cap &&
	       sscanf(s, "%2x", &b) == 1) {
		out[n++] = (uint8_t)b;
		s += 2;
	}
	return n;
}

/* Decodes a copy of tok in a buffer of exactly len bytes (ASan bounds). */
static enum tpa_token_err dec_exact(const uint8_t *key, size_t klen,
				    const char *sn, const uint8_t *tok,
				    size_t len, struct tpa_token *out,
				    char *why)
{
	uint8_t *copy = malloc(len == 0 ? 1 : len);
	enum tpa_token_err rc;

	if (copy == NULL)
		abort();
	if (len > 0)
		memcpy(copy, tok, len);
	memset(out, 0xAA, sizeof(*out));
	rc = tpa_token_decode(key, klen, sn, copy, len, out, why,
			      TPA_TOKEN_WHY_LEN);
	free(copy);
	return rc;
}

static int all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

/*
 * Test-only: u16 nlen | nonce | AES-GCM(pt) | tag, with any nonce length
 * OpenSSL accepts and any plaintext, to craft tokens that our encoder
 * refuses to make. Returns the length, or 0 if OpenSSL refuses the nonce
 * length (it does for long ones, e.g. 255).
 */
static size_t seal_raw(const uint8_t *key, size_t klen, const char *sn,
		       const uint8_t *nonce, size_t nlen, const uint8_t *pt,
		       size_t ptlen, uint8_t *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int l = 0;

	if (ctx == NULL)
		abort();
	out[0] = (uint8_t)(nlen >> 8);
	out[1] = (uint8_t)nlen;
	memcpy(out + 2, nonce, nlen);
	if (!EVP_EncryptInit_ex(
		    ctx, klen == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm(),
		    NULL, NULL, NULL) ||
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, (int)nlen,
				 NULL) ||
	    !EVP_EncryptInit_ex(ctx, NULL, NULL, key, nonce)) {
		EVP_CIPHER_CTX_free(ctx);
		return 0;
	}
	if (!EVP_EncryptUpdate(ctx, NULL, &l, (const uint8_t *)sn,
			       (int)strlen(sn)) ||
	    !EVP_EncryptUpdate(ctx, out + 2 + nlen, &l, pt, (int)ptlen) ||
	    !EVP_EncryptFinal_ex(ctx, out + 2 + nlen + ptlen, &l) ||
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16,
				 out + 2 + nlen + ptlen))
		abort();
	EVP_CIPHER_CTX_free(ctx);
	return 2 + nlen + ptlen + 16;
}

static struct tpa_token mk(size_t mac_len, uint64_t ts, uint32_t lt)
{
	struct tpa_token t;
	size_t i;

	memset(&t, 0, sizeof(t));
	for (i = 0; i < mac_len && i < TPA_MAC_KEY_MAX; i++)
		t.mac_key[i] = (uint8_t)(0x41 + i);
	t.mac_key_len = mac_len;
	t.timestamp = ts;
	t.lifetime = lt;
	return t;
}

/* A valid token with a fixed nonce; returns its length. */
static size_t enc(const uint8_t *key, size_t klen, size_t mac_len, uint8_t *out)
{
	struct tpa_token t = mk(mac_len, tpa_token_ts_make(1795000000, 1), 600);
	size_t n = 0;

	if (tpa_token_encode(key, klen, SN, &t, nonce0, out, TPA_TOKEN_MAX_LEN,
			     &n) != TPA_TOKEN_OK)
		abort();
	return n;
}

static void test_round_trips(void)
{
	static const size_t macs[] = {20, 32};
	uint8_t tok[TPA_TOKEN_MAX_LEN], tok2[TPA_TOKEN_MAX_LEN];
	char why[TPA_TOKEN_WHY_LEN];
	size_t k, m, n, n2;

	for (k = 0; k < 2; k++) {
		const uint8_t *key = k == 0 ? key16 : key32;
		size_t klen = k == 0 ? 16 : 32;
		for (m = 0; m < 2; m++) {
			struct tpa_token in =
				mk(macs[m],
				   tpa_token_ts_make(1795000000, 63999), 3600);
			struct tpa_token out;
			CHECK(tpa_token_encode(key, klen, SN, &in, NULL, tok,
					       sizeof(tok),
					       &n) == TPA_TOKEN_OK);
			CHECK(n == 2 + 12 + 2 + macs[m] + 8 + 4 + 16);
			CHECK(dec_exact(key, klen, SN, tok, n, &out, why) ==
			      TPA_TOKEN_OK);
			CHECK_STR(why, "");
			CHECK(out.mac_key_len == macs[m] &&
			      memcmp(out.mac_key, in.mac_key, macs[m]) == 0);
			CHECK(all_zero(out.mac_key + macs[m],
				       TPA_MAC_KEY_MAX - macs[m]));
			CHECK(out.timestamp == in.timestamp &&
			      out.lifetime == 3600);
			/* fresh random nonces differ */
			CHECK(tpa_token_encode(key, klen, SN, &in, NULL, tok2,
					       sizeof(tok2),
					       &n2) == TPA_TOKEN_OK);
			CHECK(n2 == n && memcmp(tok, tok2, n) != 0);
			tpa_token_wipe(&out);
			CHECK(all_zero(&out, sizeof(out)));
		}
	}
}

/*
 * Our encoder's exact bytes for fixed inputs: AS-RS key key16 / key32, nonce
 * 00..0b, server name SN, mac key "ABCD..." (0x41 + i), timestamp
 * 1795000000 s + 32000/64000 s, lifetime 86400. Cross-checked by hand:
 *   turnutils_oauth -v -d -i blackdow.carleon.gov -j x -k <base64 key>
 *     -l 1 -m 4294967295 -n A128GCM|A256GCM -t <base64 of these bytes>
 * says "Valid token!" with the same mac key, unixtime and lifetime.
 */
static void test_fixed_vectors(void)
{
	static const struct {
		size_t klen, mac_len;
		const char *hex;
	} v[] = {
		{16, 20,
		 "000c000102030405060708090a0bfd2b855f5d307e70af6e4e50"
		 "8bd7fd634f8706a854e74a4b1d946c3392abab6d0f976e1a5d2c"
		 "18a38089b835d6008bef6e27"},
		{32, 32,
		 "000c000102030405060708090a0b83225d8877190a207717e2e9"
		 "f12185c2fb0e98f07fb56305b078d924c406697f34136a3fd975"
		 "a3425bf1fae347960bf09b09520102c7f64bdc7f7057dc0c"},
	};
	uint8_t tok[TPA_TOKEN_MAX_LEN], want[TPA_TOKEN_MAX_LEN];
	char got[2 * TPA_TOKEN_MAX_LEN + 1];
	size_t i, n;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct tpa_token t =
			mk(v[i].mac_len, tpa_token_ts_make(1795000000, 32000),
			   86400);
		CHECK(tpa_token_encode(v[i].klen == 16 ? key16 : key32,
				       v[i].klen, SN, &t, nonce0, tok,
				       sizeof(tok), &n) == TPA_TOKEN_OK);
		hex(tok, n, got);
		CHECK_STR(got, v[i].hex);
		CHECK(unhex(v[i].hex, want, sizeof(want)) == n);
	}
}

static void test_bad_args(void)
{
	uint8_t tok[TPA_TOKEN_MAX_LEN];
	struct tpa_token out;
	char why[TPA_TOKEN_WHY_LEN];
	size_t n = enc(key16, 16, 20, tok);
	static const size_t bad_klen[] = {0, 1, 15, 17, 24, 31, 33, 64};
	size_t i;

	for (i = 0; i < sizeof(bad_klen) / sizeof(bad_klen[0]); i++) {
		CHECK(dec_exact(key32, bad_klen[i], SN, tok, n, &out, why) ==
		      TPA_TOKEN_ERR_AS_RS_KEY_LEN);
		CHECK(all_zero(&out, sizeof(out)));
	}
	CHECK(dec_exact(key32, 24, SN, tok, n, &out, why) ==
	      TPA_TOKEN_ERR_AS_RS_KEY_LEN);
	CHECK_STR(why, "AS-RS key is 24 bytes, expected 16 or 32");
	CHECK(tpa_token_decode(NULL, 16, SN, tok, n, &out, why, sizeof(why)) ==
	      TPA_TOKEN_ERR_INTERNAL);
	CHECK(tpa_token_decode(key16, 16, NULL, tok, n, &out, why,
			       sizeof(why)) == TPA_TOKEN_ERR_INTERNAL);
	CHECK(tpa_token_decode(key16, 16, SN, NULL, n, &out, why,
			       sizeof(why)) == TPA_TOKEN_ERR_INTERNAL);
	CHECK(tpa_token_decode(key16, 16, SN, tok, n, NULL, why, sizeof(why)) ==
	      TPA_TOKEN_ERR_INTERNAL);
	CHECK(tpa_token_decode(key16, 16, SN, NULL, 0, &out, why,
			       sizeof(why)) == TPA_TOKEN_ERR_SHORT);
	/* why may be NULL, or small (truncated, still terminated) */
	CHECK(tpa_token_decode(key16, 16, SN, tok, n, &out, NULL, 0) ==
	      TPA_TOKEN_OK);
	memset(why, 'x', sizeof(why));
	CHECK(tpa_token_decode(key16, 16, SN, tok, 3, &out, why, 6) ==
	      TPA_TOKEN_ERR_SHORT);
	CHECK_STR(why, "token");
}

/* nonce_length other than 12, with and without a matching body. */
static void test_nonce_len(void)
{
	static const size_t lens[] = {0, 1, 11, 13, 16, 255, 1000, 65535};
	uint8_t pt[34], nonce[1000], *buf;
	struct tpa_token out;
	char why[TPA_TOKEN_WHY_LEN], want[64];
	size_t i, n;

	memset(nonce, 0x5a, sizeof(nonce));
	memset(pt, 0, sizeof(pt));
	pt[1] = 20;
	buf = malloc(2 + 65535 + 34 + 16);
	if (buf == NULL)
		abort();
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t nl = lens[i];
		snprintf(want, sizeof(want), "nonce length %zu, expected 12",
			 nl);
		/* A real GCM token under that nonce length where OpenSSL
		 * can make one (the tag is right, we still refuse), else
		 * crafted bytes of the full claimed length. */
		if (nl > 0 && nl <= sizeof(nonce)) {
			n = seal_raw(key16, 16, SN, nonce, nl, pt, sizeof(pt),
				     buf);
			if (n == 0) {
				n = 2 + nl + sizeof(pt) + 16;
				memset(buf + 2, 0x5a, n - 2);
			}
			CHECK(dec_exact(key16, 16, SN, buf, n, &out, why) ==
			      TPA_TOKEN_ERR_NONCE_LEN);
			CHECK_STR(why, want);
			CHECK(all_zero(&out, sizeof(out)));
		}
		/* The claimed length far beyond the bytes there are. */
		memset(buf, 0x33, 64);
		buf[0] = (uint8_t)(nl >> 8);
		buf[1] = (uint8_t)nl;
		for (n = 2; n <= 64; n += 62) {
			CHECK(dec_exact(key16, 16, SN, buf, n, &out, why) ==
			      TPA_TOKEN_ERR_NONCE_LEN);
			CHECK_STR(why, want);
		}
	}
	free(buf);
}

/*
 * Truncated at every length, and over-long.  Below 44 bytes nothing can be
 * decrypted; from 44 up to a 128-byte mac key a token is decrypted anyway,
 * so that an authentic one can say what is wrong with its mac key
 * (test_key_len); a truncated one fails authentication, and the reason
 * says how its length relates to the two valid ones.
 */
static void test_lengths(void)
{
	uint8_t t20[TPA_TOKEN_MAX_LEN], t32[TPA_TOKEN_MAX_LEN], big[1200];
	struct tpa_token out;
	char why[TPA_TOKEN_WHY_LEN], want[TPA_TOKEN_WHY_LEN];
	size_t n20 = enc(key32, 32, 20, t20), n32 = enc(key32, 32, 32, t32);
	size_t len;

	CHECK(n20 == 64 && n32 == 76);
	CHECK(TPA_TOKEN_FRAME_LEN == 44 && TPA_TOKEN_READ_MAX_LEN == 172);
	for (len = 0; len < n32; len++) {
		enum tpa_token_err e =
			dec_exact(key32, 32, SN, t32, len, &out, why);
		CHECK_MSG(e == (len < 44 ? TPA_TOKEN_ERR_SHORT
					 : TPA_TOKEN_ERR_DECRYPT),
			  "len %zu: %s", len, why);
		CHECK(all_zero(&out, sizeof(out)));
	}
	for (len = 0; len < n20; len++)
		CHECK(dec_exact(key32, 32, SN, t20, len, &out, why) ==
		      (len < 44 ? TPA_TOKEN_ERR_SHORT : TPA_TOKEN_ERR_DECRYPT));
	CHECK(dec_exact(key32, 32, SN, t20, 43, &out, why) ==
	      TPA_TOKEN_ERR_SHORT);
	CHECK_STR(why, "token is 43 bytes, too short");
	CHECK(dec_exact(key32, 32, SN, t20, 1, &out, why) ==
	      TPA_TOKEN_ERR_SHORT);
	CHECK_STR(why, "token is 1 bytes, too short");
	CHECK(dec_exact(key32, 32, SN, t20, 50, &out, why) ==
	      TPA_TOKEN_ERR_DECRYPT);
	CHECK_STR(why, "token is 50 bytes, too short, and does not "
		       "authenticate (truncated or tampered, or another key "
		       "or server name)");
	CHECK(dec_exact(key32, 32, SN, t32, 70, &out, why) ==
	      TPA_TOKEN_ERR_DECRYPT);
	CHECK_STR(why, "token is 70 bytes, expected 64 or 76, and does not "
		       "authenticate (truncated or tampered, or another key "
		       "or server name)");
	/* a valid length that does not authenticate says nothing of it */
	CHECK(dec_exact(key32, 32, SN, t32, 64, &out, why) ==
	      TPA_TOKEN_ERR_DECRYPT);
	CHECK_STR(why, "authentication failed: wrong key, wrong server name, "
		       "or tampered token");

	memset(big, 0, sizeof(big));
	memcpy(big, t32, n32);
	for (len = n32 + 1; len <= sizeof(big); len += (len < 200 ? 1 : 97)) {
		enum tpa_token_err e =
			dec_exact(key32, 32, SN, big, len, &out, why);
		if (len <= TPA_TOKEN_READ_MAX_LEN) {
			CHECK_MSG(e == TPA_TOKEN_ERR_DECRYPT, "len %zu", len);
			snprintf(want, sizeof(want),
				 "token is %zu bytes, too long (at most 76), "
				 "and does not authenticate (truncated or "
				 "tampered, or another key or server name)",
				 len);
		} else {
			CHECK_MSG(e == TPA_TOKEN_ERR_LONG, "len %zu", len);
			snprintf(want, sizeof(want),
				 "token is %zu bytes, too long (at most 76)",
				 len);
		}
		CHECK_STR(why, want);
		CHECK(all_zero(&out, sizeof(out)));
	}
	/* a 64-byte token padded to the other valid length */
	memset(big, 0, sizeof(big));
	memcpy(big, t20, n20);
	CHECK(dec_exact(key32, 32, SN, big, 76, &out, why) ==
	      TPA_TOKEN_ERR_DECRYPT);
}

/* Authenticated plaintexts with a bad key_length field. */
static void test_key_len(void)
{
	static const struct {
		uint16_t field;	 /* key_length claimed */
		size_t body;	 /* real bytes between it and ts */
		const char *why; /* expected reason */
	} v[] = {
		{0, 20, "mac key length 0, expected 20 or 32"},
		{17, 20, "mac key length 17, expected 20 or 32"},
		{65, 32, "mac key length 65, expected 20 or 32"},
		{65535, 32, "mac key length 65535, expected 20 or 32"},
		{16, 20, "mac key length 16, expected 20 or 32"},
		{32, 20,
		 "mac key length 32 does not match the 34-byte "
		 "encrypted block"},
		{20, 32,
		 "mac key length 20 does not match the 46-byte "
		 "encrypted block"},
		/* a mac key of another length, its field true: what
		 * turnutils_oauth -e makes of a key with a zero byte */
		{3, 3,
		 "mac key is 3 bytes, not 20 or 32 (cut at a zero byte, as "
		 "turnutils_oauth -e does?)"},
		{0, 0,
		 "mac key is 0 bytes, not 20 or 32 (cut at a zero byte, as "
		 "turnutils_oauth -e does?)"},
		{19, 19,
		 "mac key is 19 bytes, not 20 or 32 (cut at a zero byte, as "
		 "turnutils_oauth -e does?)"},
		{16, 16,
		 "mac key is 16 bytes, not 20 or 32 (cut at a zero "
		 "byte, as turnutils_oauth -e does?)"},
		{24, 24, "mac key is 24 bytes, not 20 or 32"},
		{40, 40, "mac key is 40 bytes, not 20 or 32"},
		{128, 128, "mac key is 128 bytes, not 20 or 32"},
		{127, 128, "mac key length 127, expected 20 or 32"},
	};
	uint8_t pt[2 + 128 + 8 + 4], tok[TPA_TOKEN_READ_MAX_LEN];
	struct tpa_token out;
	char why[TPA_TOKEN_WHY_LEN];
	size_t i, n;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t ptlen = 2 + v[i].body + 8 + 4;
		memset(pt, 0x77, sizeof(pt));
		pt[0] = (uint8_t)(v[i].field >> 8);
		pt[1] = (uint8_t)v[i].field;
		n = seal_raw(key32, 32, SN, nonce0, 12, pt, ptlen, tok);
		CHECK(dec_exact(key32, 32, SN, tok, n, &out, why) ==
		      TPA_TOKEN_ERR_KEY_LEN);
		CHECK_STR(why, v[i].why);
		CHECK(all_zero(&out, sizeof(out)));
	}
	/* the same crafting with a good field decodes: the helper is right */
	memset(pt, 0x77, sizeof(pt));
	pt[0] = 0;
	pt[1] = 20;
	n = seal_raw(key32, 32, SN, nonce0, 12, pt, 34, tok);
	CHECK(dec_exact(key32, 32, SN, tok, n, &out, why) == TPA_TOKEN_OK);
	CHECK(out.mac_key_len == 20 && out.lifetime == 0x77777777);
}

static void test_auth_failures(void)
{
	uint8_t tok[TPA_TOKEN_MAX_LEN], other[32];
	struct tpa_token out;
	char why[TPA_TOKEN_WHY_LEN];
	size_t n = enc(key32, 32, 32, tok);
	static const char *names[] = {"", "blackdow.carleon.go",
				      "blackdow.carleon.gov.",
				      "BLACKDOW.carleon.gov"};
	size_t i;

	CHECK(dec_exact(key32, 32, SN, tok, n, &out, why) == TPA_TOKEN_OK);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		CHECK(dec_exact(key32, 32, names[i], tok, n, &out, why) ==
		      TPA_TOKEN_ERR_DECRYPT);
		CHECK(all_zero(&out, sizeof(out)));
	}
	CHECK_STR(why, "authentication failed: wrong key, wrong server name, "
		       "or tampered token");
	memcpy(other, key32, 32);
	other[31] ^= 1;
	CHECK(dec_exact(other, 32, SN, tok, n, &out, why) ==
	      TPA_TOKEN_ERR_DECRYPT);
	CHECK(dec_exact(key16, 16, SN, tok, n, &out, why) ==
	      TPA_TOKEN_ERR_DECRYPT);
	CHECK(dec_exact(key32, 16, SN, tok, n, &out, why) ==
	      TPA_TOKEN_ERR_DECRYPT); /* first half of the right key */
	tok[n - 1] ^= 0x80;	      /* tag */
	CHECK(dec_exact(key32, 32, SN, tok, n, &out, why) ==
	      TPA_TOKEN_ERR_DECRYPT);
	tok[n - 1] ^= 0x80;
	tok[20] ^= 0x01; /* ciphertext */
	CHECK(dec_exact(key32, 32, SN, tok, n, &out, why) ==
	      TPA_TOKEN_ERR_DECRYPT);
	tok[20] ^= 0x01;
	tok[5] ^= 0x01; /* nonce */
	CHECK(dec_exact(key32, 32, SN, tok, n, &out, why) ==
	      TPA_TOKEN_ERR_DECRYPT);
	tok[5] ^= 0x01;
	CHECK(dec_exact(key32, 32, SN, tok, n, &out, why) == TPA_TOKEN_OK);
}

static void test_encode_errors(void)
{
	uint8_t out[TPA_TOKEN_MAX_LEN + 4];
	struct tpa_token t = mk(20, 0, 1);
	static const size_t bad_mac[] = {0, 16, 19, 21, 31, 33};
	size_t i, n = 99;

	for (i = 0; i < sizeof(bad_mac) / sizeof(bad_mac[0]); i++) {
		t.mac_key_len = bad_mac[i];
		CHECK(tpa_token_encode(key16, 16, SN, &t, NULL, out,
				       sizeof(out),
				       &n) == TPA_TOKEN_ERR_KEY_LEN);
		CHECK(n == 0);
	}
	t.mac_key_len = 20;
	CHECK(tpa_token_encode(key16, 24, SN, &t, NULL, out, sizeof(out), &n) ==
	      TPA_TOKEN_ERR_AS_RS_KEY_LEN);
	memset(out, 0x55, sizeof(out));
	CHECK(tpa_token_encode(key16, 16, SN, &t, NULL, out, 63, &n) ==
	      TPA_TOKEN_ERR_INTERNAL);
	CHECK(n == 0);
	CHECK(tpa_token_encode(key16, 16, SN, &t, NULL, out, 64, &n) ==
	      TPA_TOKEN_OK);
	CHECK(n == 64 && out[64] == 0x55);
	CHECK(tpa_token_encode(key16, 16, NULL, &t, NULL, out, 64, &n) ==
	      TPA_TOKEN_ERR_INTERNAL);
	CHECK(tpa_token_encode(key16, 16, SN, NULL, NULL, out, 64, &n) ==
	      TPA_TOKEN_ERR_INTERNAL);
	CHECK(tpa_token_encode(key16, 16, SN, &t, NULL, out, 64, NULL) ==
	      TPA_TOKEN_ERR_INTERNAL);
}

static void test_misc(void)
{
	char id[17];
	int e, f;

	for (e = TPA_TOKEN_OK; e <= TPA_TOKEN_ERR_INTERNAL; e++) {
		CHECK(tpa_token_strerror((enum tpa_token_err)e) != NULL);
		for (f = TPA_TOKEN_OK; f < e; f++)
			CHECK(strcmp(tpa_token_strerror((enum tpa_token_err)e),
				     tpa_token_strerror(
					     (enum tpa_token_err)f)) != 0);
	}
	CHECK_STR(tpa_token_strerror((enum tpa_token_err)99), "unknown error");
	/* SHA-256("") = e3b0c442 98fc1c14 ..., SHA-256("abc") = ba7816bf ... */
	tpa_token_id(NULL, 0, id);
	CHECK_STR(id, "e3b0c44298fc1c14");
	tpa_token_id((const uint8_t *)"abc", 3, id);
	CHECK_STR(id, "ba7816bf8f01cfea");
	tpa_token_id(NULL, 5, id);
	CHECK_STR(id, "0000000000000000");

	CHECK(tpa_token_ts_make(1700000000, 1234) ==
	      ((uint64_t)1700000000 << 16 | 1234));
	CHECK(tpa_token_ts_make(UINT64_MAX, 65535) == UINT64_MAX);
	CHECK(tpa_token_ts_make((uint64_t)1 << 48, 0) == 0);
	CHECK(tpa_token_ts_seconds(UINT64_MAX) == ((uint64_t)1 << 48) - 1);
	CHECK(tpa_token_ts_seconds(tpa_token_ts_make(1795000000, 63999)) ==
	      1795000000);
}

static void test_window(void)
{
	struct tpa_token t = mk(20, tpa_token_ts_make(1000, 500), 100);
	const uint64_t max48 = ((uint64_t)1 << 48) - 1;

	CHECK(tpa_token_expiry(&t) == 1100);
	CHECK(tpa_token_window(&t, 999, 0) == TPA_WINDOW_NOT_YET);
	CHECK(tpa_token_window(&t, 1000, 0) == TPA_WINDOW_OK);
	CHECK(tpa_token_window(&t, 1099, 0) == TPA_WINDOW_OK);
	CHECK(tpa_token_window(&t, 1100, 0) == TPA_WINDOW_EXPIRED);
	CHECK(tpa_token_window(&t, 0, 0) == TPA_WINDOW_NOT_YET);
	CHECK(tpa_token_window(&t, UINT64_MAX, 0) == TPA_WINDOW_EXPIRED);
	/* skew widens the start only: no token outlives ts + lifetime */
	CHECK(tpa_token_window(&t, 989, 10) == TPA_WINDOW_NOT_YET);
	CHECK(tpa_token_window(&t, 990, 10) == TPA_WINDOW_OK);
	CHECK(tpa_token_window(&t, 1099, 10) == TPA_WINDOW_OK);
	CHECK(tpa_token_window(&t, 1100, 10) == TPA_WINDOW_EXPIRED);
	CHECK(tpa_token_window(&t, 1109, 10) == TPA_WINDOW_EXPIRED);
	/* skew larger than ts: no underflow */
	CHECK(tpa_token_window(&t, 0, 1000) == TPA_WINDOW_OK);
	CHECK(tpa_token_window(&t, 0, 5000) == TPA_WINDOW_OK);
	CHECK(tpa_token_window(&t, 1099, UINT32_MAX) == TPA_WINDOW_OK);
	CHECK(tpa_token_window(&t, 1100, UINT32_MAX) == TPA_WINDOW_EXPIRED);
	/* lifetime 0: valid at no time, whatever the skew (the skew used to
	 * open [ts - skew, ts) for it) */
	t = mk(20, tpa_token_ts_make(1000, 0), 0);
	CHECK(tpa_token_window(&t, 999, 0) == TPA_WINDOW_NO_LIFETIME);
	CHECK(tpa_token_window(&t, 1000, 0) == TPA_WINDOW_NO_LIFETIME);
	CHECK(tpa_token_window(&t, 999, 1) == TPA_WINDOW_NO_LIFETIME);
	CHECK(tpa_token_window(&t, 1000, 1) == TPA_WINDOW_NO_LIFETIME);
	CHECK(tpa_token_window(&t, 0, UINT32_MAX) == TPA_WINDOW_NO_LIFETIME);
	/* lifetime 1: one second */
	t = mk(20, tpa_token_ts_make(1000, 0), 1);
	CHECK(tpa_token_window(&t, 1000, 0) == TPA_WINDOW_OK);
	CHECK(tpa_token_window(&t, 1001, 0) == TPA_WINDOW_EXPIRED);
	/* everything at its maximum: ts + lifetime < 2^49, no wrap */
	t = mk(20, UINT64_MAX, UINT32_MAX);
	CHECK(tpa_token_expiry(&t) == max48 + UINT32_MAX);
	CHECK(tpa_token_window(&t, UINT64_MAX, UINT32_MAX) ==
	      TPA_WINDOW_EXPIRED);
	CHECK(tpa_token_window(&t, UINT64_MAX - 1, 0) == TPA_WINDOW_EXPIRED);
	CHECK(tpa_token_window(&t, max48, 0) == TPA_WINDOW_OK);
	CHECK(tpa_token_window(&t, max48 - 1, 0) == TPA_WINDOW_NOT_YET);
	CHECK(tpa_token_window(&t, max48 - UINT32_MAX, UINT32_MAX) ==
	      TPA_WINDOW_OK);
	CHECK(tpa_token_window(&t, max48 - UINT32_MAX - 1, UINT32_MAX) ==
	      TPA_WINDOW_NOT_YET);
	CHECK(tpa_token_window(&t, max48 + UINT32_MAX - 1, UINT32_MAX) ==
	      TPA_WINDOW_OK);
	CHECK(tpa_token_window(&t, max48 + UINT32_MAX, UINT32_MAX) ==
	      TPA_WINDOW_EXPIRED);
	/* a token from the epoch */
	t = mk(20, 0, 10);
	CHECK(tpa_token_window(&t, 0, 0) == TPA_WINDOW_OK);
	CHECK(tpa_token_window(&t, 10, 0) == TPA_WINDOW_EXPIRED);
}

/* UTC dates, as the plugin's refusals and turn-token inspect print them. */
static void test_utc(void)
{
	char out[TPA_TOKEN_UTC_LEN];
	const uint64_t max48 = ((uint64_t)1 << 48) - 1;

	CHECK_STR(tpa_token_utc(0, out), "1970-01-01T00:00:00Z");
	CHECK_STR(tpa_token_utc(1795000000, out), "2026-11-18T11:06:40Z");
	CHECK_STR(out, "2026-11-18T11:06:40Z");
	CHECK_STR(tpa_token_utc(951782400, out), "2000-02-29T00:00:00Z");
	/* the latest end of a token: 48-bit seconds and a 32-bit lifetime */
	CHECK(strcmp(tpa_token_utc(max48 + UINT32_MAX, out),
		     "(out of range)") != 0);
	CHECK_STR(tpa_token_utc(max48 + UINT32_MAX + 1, out), "(out of range)");
	CHECK_STR(tpa_token_utc(UINT64_MAX, out), "(out of range)");
}

/* Every single change to a valid token must fail cleanly. */
static void mutate_one(const uint8_t *key, size_t klen, const uint8_t *tok,
		       size_t len)
{
	static const uint8_t fill[] = {0x00, 0x01, 0x0c, 0x7f, 0x80, 0xff};
	uint8_t m[TPA_TOKEN_MAX_LEN + 1];
	struct tpa_token out;
	char why[TPA_TOKEN_WHY_LEN];
	unsigned long bad = 0, runs = 0;
	size_t i, b;

	for (i = 0; i < len * 8; i++) { /* bit flips */
		memcpy(m, tok, len);
		m[i / 8] ^= (uint8_t)(1u << (i % 8));
		runs++;
		if (dec_exact(key, klen, SN, m, len, &out, why) ==
			    TPA_TOKEN_OK ||
		    !all_zero(&out, sizeof(out)))
			bad++;
	}
	for (i = 0; i < len; i++) { /* byte changes */
		for (b = 0; b < sizeof(fill) + 1; b++) {
			memcpy(m, tok, len);
			m[i] = b < sizeof(fill) ? fill[b] : (uint8_t)~tok[i];
			if (m[i] == tok[i])
				continue;
			runs++;
			if (dec_exact(key, klen, SN, m, len, &out, why) ==
				    TPA_TOKEN_OK ||
			    !all_zero(&out, sizeof(out)))
				bad++;
		}
	}
	for (i = 0; i < len; i++) { /* truncations */
		runs++;
		if (dec_exact(key, klen, SN, tok, i, &out, why) == TPA_TOKEN_OK)
			bad++;
	}
	if (len < sizeof(m)) { /* one extra byte */
		for (b = 0; b < sizeof(fill); b++) {
			memcpy(m, tok, len);
			m[len] = fill[b];
			runs++;
			if (dec_exact(key, klen, SN, m, len + 1, &out, why) ==
			    TPA_TOKEN_OK)
				bad++;
		}
	}
	CHECK_MSG(bad == 0 && runs > len * 8, "%lu of %lu mutations accepted",
		  bad, runs);
}

static void test_mutations(void)
{
	uint8_t tok[TPA_TOKEN_MAX_LEN];
	size_t n;

	n = enc(key16, 16, 20, tok);
	mutate_one(key16, 16, tok, n);
	n = enc(key16, 16, 32, tok);
	mutate_one(key16, 16, tok, n);
	n = enc(key32, 32, 20, tok);
	mutate_one(key32, 32, tok, n);
	n = enc(key32, 32, 32, tok);
	mutate_one(key32, 32, tok, n);
}

/* Deterministic random buffers (xorshift64), half with a 12 nonce_length. */
static void test_random_garbage(void)
{
	uint64_t s = 0x9e3779b97f4a7c15ull;
	uint8_t buf[200];
	struct tpa_token out;
	char why[TPA_TOKEN_WHY_LEN];
	unsigned long accepted = 0;
	int iter;
	size_t i;

	for (iter = 0; iter < 20000; iter++) {
		size_t len;
		for (i = 0; i < sizeof(buf); i++) {
			s ^= s << 13;
			s ^= s >> 7;
			s ^= s << 17;
			buf[i] = (uint8_t)s;
		}
		len = (size_t)(s >> 40) % sizeof(buf);
		if (iter % 2 == 0) {
			buf[0] = 0;
			buf[1] = 12;
			len = (iter % 4 == 0) ? 64 : 76;
		}
		if (dec_exact(key32, 32, SN, buf, len, &out, why) ==
		    TPA_TOKEN_OK)
			accepted++;
	}
	CHECK(accepted == 0);
}

/* Tokens made by coturn's turnutils_oauth: decode them, re-encode them. */
static void test_oauth_vectors(const char *path)
{
	char line[1024], name[64], alg[16], key[64], sn[256], mac[64];
	char nonce[32], tokb64[160];
	unsigned long long ts;
	unsigned long lt;
	int vectors = 0;
	FILE *f = fopen(path, "r");

	CHECK_MSG(f != NULL, "cannot open %s", path);
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		uint8_t k[32], m[32], no[12], tok[128], mine[TPA_TOKEN_MAX_LEN];
		size_t kl, ml, nl, tl, n;
		struct tpa_token out, in;
		char why[TPA_TOKEN_WHY_LEN];

		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line,
			   "%63s %15s %63s %255s %63s %31s %llu %lu %159s",
			   name, alg, key, sn, mac, nonce, &ts, &lt,
			   tokb64) != 9) {
			CHECK_MSG(0, "bad vector line: %s", line);
			continue;
		}
		vectors++;
		CHECK(tpa_b64_decode(key, strlen(key), k, sizeof(k), &kl, 0) ==
		      0);
		CHECK(tpa_b64_decode(mac, strlen(mac), m, sizeof(m), &ml, 0) ==
		      0);
		CHECK(tpa_b64_decode(nonce, strlen(nonce), no, sizeof(no), &nl,
				     0) == 0 &&
		      nl == 12);
		CHECK(tpa_b64_decode(tokb64, strlen(tokb64), tok, sizeof(tok),
				     &tl, 0) == 0);
		CHECK(kl == (strcmp(alg, "A128GCM") == 0 ? 16u : 32u));
		CHECK_MSG(dec_exact(k, kl, sn, tok, tl, &out, why) ==
				  TPA_TOKEN_OK,
			  "%s: %s", name, why);
		CHECK_MSG(out.mac_key_len == ml &&
				  memcmp(out.mac_key, m, ml) == 0 &&
				  out.timestamp == ts && out.lifetime == lt,
			  "%s: fields differ", name);
		/* our encoder makes the very same bytes from the same input */
		memset(&in, 0, sizeof(in));
		memcpy(in.mac_key, m, ml);
		in.mac_key_len = ml;
		in.timestamp = ts;
		in.lifetime = (uint32_t)lt;
		CHECK(tpa_token_encode(k, kl, sn, &in, no, mine, sizeof(mine),
				       &n) == TPA_TOKEN_OK);
		CHECK_MSG(n == tl && memcmp(mine, tok, n) == 0,
			  "%s: encoder output differs from coturn's", name);
	}
	fclose(f);
	CHECK_MSG(vectors >= 4, "only %d vectors in %s", vectors, path);
}

/*
 * Prints tokens made by our encoder with random nonces, one per line:
 * alg key_b64 server_name token_b64 mac_key_b64 timestamp lifetime
 * for oauth_interop.sh to feed to turnutils_oauth -d.
 */
static int emit(void)
{
	static const size_t macs[] = {20, 32};
	uint8_t tok[TPA_TOKEN_MAX_LEN];
	char kb[64], tb[128], mb[64];
	size_t k, m, n;

	for (k = 0; k < 2; k++) {
		const uint8_t *key = k == 0 ? key16 : key32;
		size_t klen = k == 0 ? 16 : 32;
		for (m = 0; m < 2; m++) {
			struct tpa_token t =
				mk(macs[m],
				   tpa_token_ts_make(1795000000 + k * 7 + m, 0),
				   3600 + (uint32_t)m);
			if (tpa_token_encode(key, klen, SN, &t, NULL, tok,
					     sizeof(tok), &n) != TPA_TOKEN_OK ||
			    tpa_b64_encode(key, klen, kb, sizeof(kb), 0) ||
			    tpa_b64_encode(tok, n, tb, sizeof(tb), 0) ||
			    tpa_b64_encode(t.mac_key, macs[m], mb, sizeof(mb),
					   0))
				return 1;
			printf("%s %s %s %s %s %llu %u\n",
			       klen == 16 ? "A128GCM" : "A256GCM", kb, SN, tb,
			       mb, (unsigned long long)t.timestamp, t.lifetime);
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--emit") == 0)
		return emit();
	test_round_trips();
	test_fixed_vectors();
	test_bad_args();
	test_nonce_len();
	test_lengths();
	test_key_len();
	test_auth_failures();
	test_encode_errors();
	test_misc();
	test_window();
	test_utc();
	test_mutations();
	test_random_garbage();
	test_oauth_vectors(argc > 1 ? argv[1] : "tests/data/oauth_vectors.txt");
	return tpa_test_done();
}
