/*
 * fuzz_b64: tpa_b64_decode with both alphabets on hostile text (the "k" of
 * a JWK, tokens given to turn-token). Decoding is strict, so whatever
 * decodes must be canonical: encoding it again gives back the input (less
 * its '=' padding for base64url), and that decodes to the same bytes.
 * Buffers are exact-size heap copies; one byte too few must fail, and a
 * failure leaves no partially decoded bytes behind.
 * The input is also encoded as bytes and decoded back.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "tpa_b64.h"

/* 1 if all n bytes at p still hold the 0xAA fill. */
static int untouched(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0xAA)
			return 0;
	return 1;
}

static void decode_side(const char *in, size_t len, int url)
{
	size_t cap = len / 4 * 3 + 3, n = 12345, n2 = 12345;
	uint8_t *out = malloc(cap);
	int r;

	FUZZ_CHECK(out != NULL);
	memset(out, 0xAA, cap);
	r = tpa_b64_decode(in, len, out, cap, &n, url);
	FUZZ_CHECK(r == 0 || r == -1);
	if (r != 0) {
		FUZZ_CHECK(n == 0);
		/* No partial output left behind: wiped, or never written
		 * (the shape checks fail before any byte is decoded). */
		FUZZ_CHECK(fuzz_all_zero(out, cap) || untouched(out, cap));
		free(out);
		return;
	}
	FUZZ_CHECK(n <= cap && n <= len / 4 * 3 + 2);

	/* Exactly n bytes of room works and gives the same bytes. */
	uint8_t *exact = malloc(n ? n : 1);
	FUZZ_CHECK(exact != NULL);
	FUZZ_CHECK(tpa_b64_decode(in, len, exact, n, &n2, url) == 0);
	FUZZ_CHECK(n2 == n && memcmp(exact, out, n) == 0);
	/* One byte less fails and reports 0 bytes. */
	if (n > 0) {
		n2 = 12345;
		FUZZ_CHECK(tpa_b64_decode(in, len, exact, n - 1, &n2, url) ==
			   -1);
		FUZZ_CHECK(n2 == 0);
	}
	free(exact);

	/* Canonical: re-encoding gives the input back. */
	size_t elen = tpa_b64_encoded_len(n);
	FUZZ_CHECK(elen > 0);
	char *enc = malloc(elen);
	FUZZ_CHECK(enc != NULL);
	FUZZ_CHECK(tpa_b64_encode(out, n, enc, elen, url) == 0);
	size_t want = len;
	if (url)
		while (want > 0 && in[want - 1] == '=')
			want--;
	FUZZ_CHECK(strlen(enc) == want && memcmp(enc, in, want) == 0);

	/* And that decodes to the same bytes again. */
	uint8_t *again = malloc(cap);
	FUZZ_CHECK(again != NULL);
	FUZZ_CHECK(tpa_b64_decode(enc, strlen(enc), again, cap, &n2, url) == 0);
	FUZZ_CHECK(n2 == n && memcmp(again, out, n) == 0);
	free(again);
	free(enc);
	free(out);
}

static void encode_side(const uint8_t *data, size_t size, int url)
{
	size_t elen = tpa_b64_encoded_len(size), n = 12345;
	char *enc;
	uint8_t *dec;

	FUZZ_CHECK(elen > 0);
	enc = malloc(elen);
	dec = malloc(size ? size : 1);
	FUZZ_CHECK(enc != NULL && dec != NULL);
	FUZZ_CHECK(tpa_b64_encode(data, size, enc, elen, url) == 0);
	size_t el = strlen(enc);
	FUZZ_CHECK(el < elen);
	if (!url)
		FUZZ_CHECK(el == elen - 1 && el % 4 == 0);
	/* Too small a buffer fails and leaves "". */
	if (el > 0) {
		char *small = malloc(el);
		FUZZ_CHECK(small != NULL);
		FUZZ_CHECK(tpa_b64_encode(data, size, small, el, url) == -1);
		FUZZ_CHECK(small[0] == '\0');
		free(small);
	}
	FUZZ_CHECK(tpa_b64_decode(enc, el, dec, size, &n, url) == 0);
	FUZZ_CHECK(n == size && memcmp(dec, data, size) == 0);
	/* The other alphabet must refuse it if it used '+' '/' '-' '_'. */
	if (strpbrk(enc, url ? "-_" : "+/") != NULL)
		FUZZ_CHECK(tpa_b64_decode(enc, el, dec, size, &n, !url) == -1);
	free(dec);
	free(enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Exact-size copy, so that ASan catches reads past the end. */
	char *in = malloc(size ? size : 1);

	FUZZ_CHECK(in != NULL);
	memcpy(in, data, size);
	decode_side(in, size, 0);
	decode_side(in, size, 1);
	encode_side(data, size, 0);
	encode_side(data, size, 1);
	free(in);
	return 0;
}
