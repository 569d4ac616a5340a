/* Unit tests for lib/tpa_b64: RFC 4648 vectors, strictness, round trips. */
#include <stdint.h>

#include "tpa_b64.h"
#include "tpa_test.h"

static int dec(const char *s, int url, uint8_t *out, size_t cap, size_t *n);
static void test_rfc4648_vectors(void);
static void test_alphabets(void);
static void test_strict_rejects(void);
static void test_sizes(void);
static void test_round_trips(void);

static int dec(const char *s, int url, uint8_t *out, size_t cap, size_t *n)
{
	return tpa_b64_decode(s, strlen(s), out, cap, n, url);
}

/* RFC 4648 section 10. */
static void test_rfc4648_vectors(void)
{
	static const char *plain[] = {"",     "f",     "fo",	"foo",
				      "foob", "fooba", "foobar"};
	static const char *std[] = {"",		"Zg==",	    "Zm8=",    "Zm9v",
				    "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	static const char *url[] = {"",	      "Zg",	 "Zm8",	    "Zm9v",
				    "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
	char out[16];
	uint8_t bin[16];
	size_t i, n;

	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		size_t len = strlen(plain[i]);
		CHECK(tpa_b64_encode((const uint8_t *)plain[i], len, out,
				     sizeof(out), 0) == 0);
		CHECK_STR(out, std[i]);
		CHECK(tpa_b64_encode((const uint8_t *)plain[i], len, out,
				     sizeof(out), 1) == 0);
		CHECK_STR(out, url[i]);
		CHECK(dec(std[i], 0, bin, sizeof(bin), &n) == 0 && n == len &&
		      memcmp(bin, plain[i], len) == 0);
		/* base64url accepts the padded and the unpadded form */
		CHECK(dec(std[i], 1, bin, sizeof(bin), &n) == 0 && n == len &&
		      memcmp(bin, plain[i], len) == 0);
		CHECK(dec(url[i], 1, bin, sizeof(bin), &n) == 0 && n == len &&
		      memcmp(bin, plain[i], len) == 0);
	}
}

static void test_alphabets(void)
{
	static const uint8_t v[] = {0xfb, 0xff, 0xbf};
	char out[8];
	uint8_t bin[8];
	size_t n;

	CHECK(tpa_b64_encode(v, 3, out, sizeof(out), 0) == 0);
	CHECK_STR(out, "+/+/");
	CHECK(tpa_b64_encode(v, 3, out, sizeof(out), 1) == 0);
	CHECK_STR(out, "-_-_");
	CHECK(dec("+/+/", 0, bin, sizeof(bin), &n) == 0 && n == 3 &&
	      memcmp(bin, v, 3) == 0);
	CHECK(dec("-_-_", 1, bin, sizeof(bin), &n) == 0 && n == 3 &&
	      memcmp(bin, v, 3) == 0);
	CHECK(dec("+/+/", 1, bin, sizeof(bin), &n) == -1 && n == 0);
	CHECK(dec("-_-_", 0, bin, sizeof(bin), &n) == -1 && n == 0);
}

static void test_strict_rejects(void)
{
	static const char *bad_both[] = {
		"Zg=",					/* short padding */
		"Zg===",				/* too much padding */
		"====",	    "Z===",   "Z",     "Zm9vY", /* 1 leftover char */
		"Zh==",	    /* non-zero trailing bits */
		"Zm9=",	    /* non-zero trailing bits */
		"Zg==Zg==", /* padding in the middle */
		"Z=g=",	    " Zg==",  "Zg== ", "Zm9v\n", "Zm\r\n9v",
		"Zm 9v",    "Zm9v\t", "Zm.v",  "Zm*v",	 "\xc3\xa9Zm9",
		"Zg=\n"};
	static const char *bad_std[] = {"Zg", "Zm8", "Zm9vYg"};
	uint8_t bin[16];
	size_t i, n = 99;

	for (i = 0; i < sizeof(bad_both) / sizeof(bad_both[0]); i++) {
		CHECK_MSG(dec(bad_both[i], 0, bin, sizeof(bin), &n) == -1,
			  "std \"%s\"", bad_both[i]);
		CHECK_MSG(dec(bad_both[i], 1, bin, sizeof(bin), &n) == -1,
			  "url \"%s\"", bad_both[i]);
		CHECK(n == 0);
	}
	for (i = 0; i < sizeof(bad_std) / sizeof(bad_std[0]); i++)
		CHECK_MSG(dec(bad_std[i], 0, bin, sizeof(bin), &n) == -1,
			  "std \"%s\"", bad_std[i]);
	/* an embedded NUL is an invalid character, not an end */
	CHECK(tpa_b64_decode("Zm\0v", 4, bin, sizeof(bin), &n, 0) == -1);
	CHECK(tpa_b64_decode("Zm9v", 4, bin, 2, &n, 0) == -1); /* too small */
	CHECK(tpa_b64_decode("Zm9v", 4, bin, 3, &n, 0) == 0 && n == 3);
	CHECK(tpa_b64_decode("Zm9v", 4, bin, sizeof(bin), NULL, 0) == -1);
	CHECK(tpa_b64_decode(NULL, 4, bin, sizeof(bin), &n, 0) == -1);
	CHECK(tpa_b64_decode(NULL, 0, bin, sizeof(bin), &n, 0) == 0 && n == 0);
	/* the length given wins over a NUL terminator */
	CHECK(tpa_b64_decode("Zm9vYmFy", 4, bin, sizeof(bin), &n, 0) == 0 &&
	      n == 3);
}

static void test_sizes(void)
{
	char out[8];

	CHECK(tpa_b64_encoded_len(0) == 1);
	CHECK(tpa_b64_encoded_len(1) == 5);
	CHECK(tpa_b64_encoded_len(3) == 5);
	CHECK(tpa_b64_encoded_len(4) == 9);
	CHECK(tpa_b64_encoded_len(32) == 45);
	CHECK(tpa_b64_encoded_len(SIZE_MAX) == 0);
	CHECK(tpa_b64_encoded_len(SIZE_MAX / 4 * 3) == SIZE_MAX - 2);
	CHECK(tpa_b64_encoded_len(SIZE_MAX / 4 * 3 + 3) == 0);
	/* exact fit, and one byte short */
	CHECK(tpa_b64_encode((const uint8_t *)"foo", 3, out, 5, 0) == 0);
	CHECK(tpa_b64_encode((const uint8_t *)"foo", 3, out, 4, 0) == -1);
	CHECK_STR(out, "");
	CHECK(tpa_b64_encode((const uint8_t *)"fo", 2, out, 5, 0) == 0);
	CHECK(tpa_b64_encode((const uint8_t *)"fo", 2, out, 4, 0) == -1);
	CHECK(tpa_b64_encode((const uint8_t *)"fo", 2, out, 4, 1) == 0);
	CHECK(tpa_b64_encode((const uint8_t *)"fo", 2, out, 3, 1) == -1);
	CHECK(tpa_b64_encode(NULL, 1, out, sizeof(out), 0) == -1);
	CHECK(tpa_b64_encode(NULL, 0, out, sizeof(out), 0) == 0);
	CHECK(tpa_b64_encode((const uint8_t *)"f", 1, NULL, 8, 0) == -1);
}

/* Every length 0..99 and every byte value, in both alphabets. */
static void test_round_trips(void)
{
	uint8_t in[100], back[100];
	char txt[140];
	size_t len, n, i;
	int url;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 167 + 13);
	for (url = 0; url <= 1; url++) {
		for (len = 0; len < sizeof(in); len++) {
			int ok = tpa_b64_encode(in, len, txt, sizeof(txt),
						url) == 0 &&
				 tpa_b64_decode(txt, strlen(txt), back,
						sizeof(back), &n, url) == 0 &&
				 n == len && memcmp(in, back, len) == 0;
			CHECK_MSG(ok, "url=%d len=%zu", url, len);
		}
	}
	for (i = 0; i < 256; i++) {
		uint8_t b = (uint8_t)i, r = 0;
		CHECK(tpa_b64_encode(&b, 1, txt, sizeof(txt), 0) == 0 &&
		      tpa_b64_decode(txt, strlen(txt), &r, 1, &n, 0) == 0 &&
		      n == 1 && r == b);
	}
}

int main(void)
{
	test_rfc4648_vectors();
	test_alphabets();
	test_strict_rejects();
	test_sizes();
	test_round_trips();
	return tpa_test_done();
}
