/*
 * fuzz_keyset: tpa_keyset_load_string on hostile JSON (the operator's key
 * set file), then every accessor on what it accepted, and a round trip
 * through tpa_jwk_format: each key formatted alone, and the whole set,
 * must load again to the same keys.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "tpa_keyset.h"

#define JWK_MAX 512 /* the header: 512 is always enough for one key */

static void check_key(const struct tpa_key *k)
{
	size_t kid_len;

	FUZZ_CHECK(k != NULL);
	FUZZ_CHECK(k->k_len == 16 || k->k_len == 32);
	kid_len = strnlen(k->kid, sizeof(k->kid));
	FUZZ_CHECK(kid_len >= 1 && kid_len <= TPA_KID_MAX);
	FUZZ_CHECK(tpa_jwk_kid_valid(k->kid, kid_len, NULL));
	FUZZ_CHECK(k->has_nbf == 0 || k->has_nbf == 1);
	FUZZ_CHECK(k->has_exp == 0 || k->has_exp == 1);
	FUZZ_CHECK(k->has_nbf ? k->nbf >= 0 : k->nbf == 0);
	FUZZ_CHECK(k->has_exp ? k->exp >= 0 : k->exp == 0);
	if (k->has_nbf && k->has_exp)
		FUZZ_CHECK(k->exp > k->nbf);
	if (k->k_len == 16)
		FUZZ_CHECK(fuzz_all_zero(k->k + 16, 16));

	/* tpa_key_usable by its definition, at the edges. */
	int64_t nows[] = {0, k->nbf - 1, k->nbf, k->exp - 1, k->exp, INT64_MAX};
	for (size_t i = 0; i < sizeof(nows) / sizeof(nows[0]); i++) {
		int64_t now = nows[i];
		enum tpa_key_use want = TPA_KEY_USABLE;
		if (k->has_nbf && now < k->nbf)
			want = TPA_KEY_NOT_YET;
		else if (k->has_exp && now >= k->exp)
			want = TPA_KEY_EXPIRED;
		FUZZ_CHECK(tpa_key_usable(k, now) == want);
	}
}

static int same_key(const struct tpa_key *a, const struct tpa_key *b)
{
	return strcmp(a->kid, b->kid) == 0 && a->k_len == b->k_len &&
	       memcmp(a->k, b->k, a->k_len) == 0 && a->has_nbf == b->has_nbf &&
	       a->nbf == b->nbf && a->has_exp == b->has_exp && a->exp == b->exp;
}

/* Loads text, which must be a valid set of n keys equal to ks's. */
static void reload_same(const char *text, size_t len,
			const struct tpa_keyset *ks, size_t first, size_t n)
{
	char err[TPA_KEYSET_ERR_LEN];
	struct tpa_keyset *again =
		tpa_keyset_load_string(text, len, err, sizeof(err));
	if (again == NULL)
		fprintf(stderr, "reload failed: %s\n%.*s\n", err, (int)len,
			text);
	FUZZ_CHECK(again != NULL);
	FUZZ_CHECK(tpa_keyset_count(again) == n);
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(same_key(tpa_keyset_at(again, i),
				    tpa_keyset_at(ks, first + i)));
	tpa_keyset_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[TPA_KEYSET_ERR_LEN];
	struct tpa_keyset *ks;
	size_t n;

	memset(err, 0xAA, sizeof(err));
	ks = tpa_keyset_load_string((const char *)data, size, err, sizeof(err));
	FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
	if (ks == NULL) {
		FUZZ_CHECK(err[0] != '\0');
		FUZZ_CHECK(tpa_keyset_count(NULL) == 0);
		return 0;
	}
	FUZZ_CHECK(err[0] == '\0');
	n = tpa_keyset_count(ks);
	FUZZ_CHECK(n >= 1 && n <= TPA_KEYSET_MAX_KEYS);
	FUZZ_CHECK(tpa_keyset_at(ks, n) == NULL);
	FUZZ_CHECK(tpa_keyset_at(NULL, 0) == NULL);
	FUZZ_CHECK(tpa_keyset_find(ks, "") == NULL);
	FUZZ_CHECK(tpa_keyset_find(ks, NULL) == NULL);

	/* Whole set re-serialised: {"keys":[k0,k1,...]}. */
	size_t cap = 16 + n * (JWK_MAX + 1), len = 0;
	char *set = malloc(cap);
	FUZZ_CHECK(set != NULL);
	len += (size_t)snprintf(set, cap, "{\"keys\":[");

	for (size_t i = 0; i < n; i++) {
		const struct tpa_key *k = tpa_keyset_at(ks, i);
		char jwk[JWK_MAX], one[JWK_MAX + 16];
		size_t jl;

		check_key(k);
		/* kids are unique, so find gives back this very key. */
		FUZZ_CHECK(tpa_keyset_find(ks, k->kid) == k);

		FUZZ_CHECK(tpa_jwk_format(k, NULL, jwk, sizeof(jwk)) == 0);
		jl = strlen(jwk);
		/* Exactly enough room works; one byte less fails cleanly. */
		{
			char exact[JWK_MAX];
			FUZZ_CHECK(tpa_jwk_format(k, NULL, exact, jl + 1) == 0);
			FUZZ_CHECK(strcmp(exact, jwk) == 0);
			FUZZ_CHECK(tpa_jwk_format(k, NULL, exact, jl) == -1);
			FUZZ_CHECK(exact[0] == '\0');
		}
		/* An explicit alg of the wrong size is refused. */
		FUZZ_CHECK(tpa_jwk_format(
				   k, k->k_len == 16 ? "A256GCM" : "A128GCM",
				   one, sizeof(one)) == -1);

		int ol = snprintf(one, sizeof(one), "{\"keys\":[%s]}", jwk);
		FUZZ_CHECK(ol > 0 && (size_t)ol < sizeof(one));
		reload_same(one, (size_t)ol, ks, i, 1);

		len += (size_t)snprintf(set + len, cap - len, "%s%s",
					i ? "," : "", jwk);
		FUZZ_CHECK(len < cap);
	}
	len += (size_t)snprintf(set + len, cap - len, "]}");
	FUZZ_CHECK(len < cap);
	reload_same(set, len, ks, 0, n);
	free(set);
	tpa_keyset_free(ks);
	return 0;
}
