/* tpa_jwk: JWK vocabulary (alg names, kid rules) and the JWK writer. */
#include "tpa_keyset.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "tpa_b64.h"

struct sbuf {
	char *p;      /* caller's buffer */
	size_t cap;   /* its size */
	size_t len;   /* bytes written, without the NUL */
	int overflow; /* set once anything did not fit */
};

static void sb_put(struct sbuf *sb, const char *s, size_t n);
static void sb_str(struct sbuf *sb, const char *s);
static void sb_json_str(struct sbuf *sb, const char *s);

static void sb_put(struct sbuf *sb, const char *s, size_t n)
{
	if (sb->overflow || sb->cap - sb->len <= n) {
		sb->overflow = 1;
		return;
	}
	memcpy(sb->p + sb->len, s, n);
	sb->len += n;
	sb->p[sb->len] = '\0';
}

static void sb_str(struct sbuf *sb, const char *s)
{
	sb_put(sb, s, strlen(s));
}

/* A JSON string literal; s is printable ASCII, so only " and \ need care. */
static void sb_json_str(struct sbuf *sb, const char *s)
{
	sb_put(sb, "\"", 1);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			sb_put(sb, "\\", 1);
		sb_put(sb, s, 1);
	}
	sb_put(sb, "\"", 1);
}

size_t tpa_jwk_alg_key_len(const char *alg)
{
	if (alg == NULL)
		return 0;
	if (strcmp(alg, "A128GCM") == 0 || strcmp(alg, "AEAD_AES_128_GCM") == 0)
		return 16;
	if (strcmp(alg, "A256GCM") == 0 || strcmp(alg, "AEAD_AES_256_GCM") == 0)
		return 32;
	return 0;
}

int tpa_jwk_kid_valid(const char *kid, size_t len, size_t *bad_at)
{
	size_t i;

	if (kid == NULL || len == 0 || len > TPA_KID_MAX) {
		if (bad_at != NULL)
			*bad_at = len;
		return 0;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)kid[i];
		if (c < 0x21 || c > 0x7e) {
			if (bad_at != NULL)
				*bad_at = i;
			return 0;
		}
	}
	return 1;
}

int tpa_jwk_format(const struct tpa_key *k, const char *alg, char *out,
		   size_t outcap)
{
	struct sbuf sb = {out, outcap, 0, 0};
	char kb64[45]; /* base64url of 32 bytes: 43 characters + NUL */
	char num[32];
	size_t kid_len;

	if (out == NULL || outcap == 0)
		return -1;
	out[0] = '\0';
	if (k == NULL || (k->k_len != 16 && k->k_len != 32))
		return -1;
	if (alg == NULL)
		alg = k->k_len == 16 ? "A128GCM" : "A256GCM";
	kid_len = strnlen(k->kid, sizeof(k->kid));
	if (tpa_jwk_alg_key_len(alg) != k->k_len ||
	    !tpa_jwk_kid_valid(k->kid, kid_len, NULL) ||
	    tpa_b64_encode(k->k, k->k_len, kb64, sizeof(kb64), 1) != 0)
		return -1;

	sb_str(&sb, "{\"kty\":\"oct\",\"kid\":");
	sb_json_str(&sb, k->kid);
	sb_str(&sb, ",\"alg\":");
	sb_json_str(&sb, alg);
	sb_str(&sb, ",\"use\":\"enc\",\"k\":");
	sb_json_str(&sb, kb64);
	if (k->has_nbf) {
		snprintf(num, sizeof(num), ",\"nbf\":%" PRId64, k->nbf);
		sb_str(&sb, num);
	}
	if (k->has_exp) {
		snprintf(num, sizeof(num), ",\"exp\":%" PRId64, k->exp);
		sb_str(&sb, num);
	}
	sb_str(&sb, "}");
	OPENSSL_cleanse(kb64, sizeof(kb64));
	if (sb.overflow) {
		OPENSSL_cleanse(out, outcap);
		out[0] = '\0';
		return -1;
	}
	return 0;
}
