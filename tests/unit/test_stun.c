/*
 * test_stun: unit tests for the STUN codec (lib/tpa_stun.c).
 *
 * RFC 5769 test vectors, builder/parser round trips, MESSAGE-INTEGRITY with
 * keys of 16, 20, 32 and 100 bytes, and a repeatable mutation loop (every
 * bit flip and every truncation of valid messages, each copied into a
 * buffer of exactly its size so that AddressSanitizer catches any read past
 * the end). Build with -fsanitize=address,undefined.
 */
#include "tpa_stun.h"
#include "tpa_test.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "rfc5769_vectors.h"

static const char rfc5769_pass[] = "VOkJxbRl1RmTxUk/WvJxBt";
/* "<U+30DE><U+30C8><U+30EA><U+30C3><U+30AF><U+30B9>" in UTF-8. */
static const char rfc5769_lt_user[] = "\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa"
				      "\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9";
static const char rfc5769_lt_pass[] = "TheMatrIX"; /* after SASLprep */

static void test_vectors_short_term(void)
{
	const uint8_t *key = (const uint8_t *)rfc5769_pass;
	struct tpa_stun_view v;
	char s[64];

	CHECK(tpa_stun_parse(&v, rfc5769_req, sizeof(rfc5769_req)) == 0);
	CHECK(tpa_stun_class_of(&v) == TPA_STUN_REQUEST);
	CHECK(tpa_stun_method_of(&v) == TPA_STUN_BINDING);
	CHECK(tpa_stun_verify_integrity(&v, key, strlen(rfc5769_pass)) == 0);
	CHECK(tpa_stun_verify_integrity(&v, key, 21) == TPA_STUN_ERR_INTEGRITY);
	CHECK(tpa_stun_verify_fingerprint(&v) == 0);
	CHECK(tpa_stun_get_string(&v, TPA_STUN_ATTR_USERNAME, s, sizeof(s),
				  NULL) == 0);
	CHECK_STR(s, "evtj:h6vY");
	CHECK(tpa_stun_get_string(&v, TPA_STUN_ATTR_SOFTWARE, s, sizeof(s),
				  NULL) == 0);
	CHECK_STR(s, "STUN test client");
}

static void test_vector_resp4(void)
{
	struct tpa_stun_view v;
	struct sockaddr_storage ss;
	const struct sockaddr_in *in = (const struct sockaddr_in *)&ss;
	char s[64];

	CHECK(tpa_stun_parse(&v, rfc5769_resp4, sizeof(rfc5769_resp4)) == 0);
	CHECK(tpa_stun_class_of(&v) == TPA_STUN_SUCCESS);
	CHECK(tpa_stun_method_of(&v) == TPA_STUN_BINDING);
	CHECK(tpa_stun_verify_integrity(&v, (const uint8_t *)rfc5769_pass,
					strlen(rfc5769_pass)) == 0);
	CHECK(tpa_stun_verify_fingerprint(&v) == 0);
	CHECK(tpa_stun_get_xor_addr(&v, TPA_STUN_ATTR_XOR_MAPPED_ADDRESS,
				    &ss) == 0);
	CHECK(in->sin_family == AF_INET);
	CHECK(ntohs(in->sin_port) == 32853);
	inet_ntop(AF_INET, &in->sin_addr, s, sizeof(s));
	CHECK_STR(s, "192.0.2.1");
	CHECK(tpa_stun_get_string(&v, TPA_STUN_ATTR_SOFTWARE, s, sizeof(s),
				  NULL) == 0);
	CHECK_STR(s, "test vector");
}

static void test_vector_resp6(void)
{
	struct tpa_stun_view v;
	struct sockaddr_storage ss;
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ss;
	char s[64];

	CHECK(tpa_stun_parse(&v, rfc5769_resp6, sizeof(rfc5769_resp6)) == 0);
	CHECK(tpa_stun_verify_integrity(&v, (const uint8_t *)rfc5769_pass,
					strlen(rfc5769_pass)) == 0);
	CHECK(tpa_stun_verify_fingerprint(&v) == 0);
	CHECK(tpa_stun_get_xor_addr(&v, TPA_STUN_ATTR_XOR_MAPPED_ADDRESS,
				    &ss) == 0);
	CHECK(in6->sin6_family == AF_INET6);
	CHECK(ntohs(in6->sin6_port) == 32853);
	inet_ntop(AF_INET6, &in6->sin6_addr, s, sizeof(s));
	CHECK_STR(s, "2001:db8:1234:5678:11:2233:4455:6677");
}

static void test_vector_long_term(void)
{
	struct tpa_stun_view v;
	uint8_t key[16];
	char s[64];

	CHECK(tpa_stun_parse(&v, rfc5769_lt, sizeof(rfc5769_lt)) == 0);
	CHECK(tpa_stun_long_term_key(rfc5769_lt_user, "example.org",
				     rfc5769_lt_pass, key) == 0);
	CHECK(tpa_stun_verify_integrity(&v, key, sizeof(key)) == 0);
	CHECK(tpa_stun_verify_fingerprint(&v) == TPA_STUN_ERR_NO_ATTR);
	CHECK(tpa_stun_get_string(&v, TPA_STUN_ATTR_NONCE, s, sizeof(s),
				  NULL) == 0);
	CHECK_STR(s, "f//499k954d6OL34oL9FSTvy64sA");
	CHECK(tpa_stun_get_string(&v, TPA_STUN_ATTR_REALM, s, sizeof(s),
				  NULL) == 0);
	CHECK_STR(s, "example.org");
	key[0] ^= 1;
	CHECK(tpa_stun_verify_integrity(&v, key, sizeof(key)) ==
	      TPA_STUN_ERR_INTEGRITY);
}

/* Builds an authenticated Allocate-like request with every kind of add. */
static size_t build_full(uint8_t *buf, size_t cap, const uint8_t *key,
			 size_t key_len, int fingerprint)
{
	static const uint8_t tid[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
	static const uint8_t token[7] = {0xde, 0xad, 0xbe, 0xef, 0, 1, 2};
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
	struct tpa_stun_msg m;

	memset(&in, 0, sizeof(in));
	in.sin_family = AF_INET;
	in.sin_port = htons(40000);
	inet_pton(AF_INET, "198.51.100.7", &in.sin_addr);
	memset(&in6, 0, sizeof(in6));
	in6.sin6_family = AF_INET6;
	in6.sin6_port = htons(1);
	inet_pton(AF_INET6, "2001:db8::ff:1", &in6.sin6_addr);
	tpa_stun_msg_init(&m, buf, cap, TPA_STUN_REQUEST, TPA_STUN_ALLOCATE,
			  tid);
	tpa_stun_add_requested_transport(&m, TPA_STUN_TRANSPORT_UDP);
	tpa_stun_add_u32(&m, TPA_STUN_ATTR_LIFETIME, 600);
	tpa_stun_add_attr(&m, TPA_STUN_ATTR_USERNAME, "kid-1", 5);
	tpa_stun_add_attr(&m, TPA_STUN_ATTR_REALM, "example.org", 11);
	tpa_stun_add_attr(&m, TPA_STUN_ATTR_NONCE, "abcdefgh", 8);
	tpa_stun_add_attr(&m, TPA_STUN_ATTR_ACCESS_TOKEN, token, sizeof(token));
	tpa_stun_add_xor_addr(&m, TPA_STUN_ATTR_XOR_PEER_ADDRESS,
			      (struct sockaddr *)&in);
	tpa_stun_add_xor_addr(&m, TPA_STUN_ATTR_XOR_RELAYED_ADDRESS,
			      (struct sockaddr *)&in6);
	tpa_stun_add_error_code(&m, 401, "Unauthorized");
	tpa_stun_add_integrity(&m, key, key_len);
	if (fingerprint)
		tpa_stun_add_fingerprint(&m);
	return m.err == 0 ? m.len : 0;
}

static void test_round_trip(void)
{
	uint8_t key[20], buf[512];
	struct tpa_stun_view v;
	struct tpa_stun_attr a;
	struct sockaddr_storage ss;
	char s[64];
	uint32_t u;
	int code;
	size_t n;

	memset(key, 0x5a, sizeof(key));
	n = build_full(buf, sizeof(buf), key, sizeof(key), 1);
	CHECK(n > 0 && n % 4 == 0);
	CHECK(tpa_stun_parse(&v, buf, n) == 0);
	CHECK(tpa_stun_class_of(&v) == TPA_STUN_REQUEST);
	CHECK(tpa_stun_method_of(&v) == TPA_STUN_ALLOCATE);
	CHECK(tpa_stun_tid_of(&v)[11] == 12);
	CHECK(tpa_stun_get_u32(&v, TPA_STUN_ATTR_LIFETIME, &u) == 0 &&
	      u == 600);
	CHECK(tpa_stun_get_attr(&v, TPA_STUN_ATTR_REQUESTED_TRANSPORT, &a) ==
		      0 &&
	      a.len == 4 && a.value[0] == 17);
	CHECK(tpa_stun_get_attr(&v, TPA_STUN_ATTR_ACCESS_TOKEN, &a) == 0 &&
	      a.len == 7 && a.value[0] == 0xde && a.value[6] == 2);
	CHECK(tpa_stun_get_string(&v, TPA_STUN_ATTR_USERNAME, s, sizeof(s),
				  NULL) == 0);
	CHECK_STR(s, "kid-1");
	CHECK(tpa_stun_get_xor_addr(&v, TPA_STUN_ATTR_XOR_PEER_ADDRESS, &ss) ==
	      0);
	CHECK(ss.ss_family == AF_INET &&
	      ntohs(((struct sockaddr_in *)&ss)->sin_port) == 40000);
	inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, s,
		  sizeof(s));
	CHECK_STR(s, "198.51.100.7");
	CHECK(tpa_stun_get_xor_addr(&v, TPA_STUN_ATTR_XOR_RELAYED_ADDRESS,
				    &ss) == 0);
	CHECK(ss.ss_family == AF_INET6 &&
	      ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) == 1);
	inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, s,
		  sizeof(s));
	CHECK_STR(s, "2001:db8::ff:1");
	CHECK(tpa_stun_get_error_code(&v, &code, s, sizeof(s)) == 0);
	CHECK(code == 401);
	CHECK_STR(s, "Unauthorized");
	CHECK(tpa_stun_get_error_code(&v, &code, s, 5) == 0);
	CHECK_STR(s, "Unau");
	CHECK(tpa_stun_verify_integrity(&v, key, sizeof(key)) == 0);
	CHECK(tpa_stun_verify_fingerprint(&v) == 0);
	CHECK(tpa_stun_get_xor_addr(&v, TPA_STUN_ATTR_XOR_MAPPED_ADDRESS,
				    &ss) == TPA_STUN_ERR_NO_ATTR);
	CHECK(tpa_stun_get_addr(&v, TPA_STUN_ATTR_XOR_PEER_ADDRESS, &ss) == 0);
	CHECK(tpa_stun_get_u32(&v, TPA_STUN_ATTR_USERNAME, &u) ==
	      TPA_STUN_ERR_MALFORMED);
}

/* MI keyed with the whole key, of any length; a prefix of it must fail. */
static void test_key_lengths(void)
{
	static const size_t lens[] = {16, 20, 32, 100};
	uint8_t key[100], buf[512];
	struct tpa_stun_view v;
	size_t i;

	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 7 + 3);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t n = build_full(buf, sizeof(buf), key, lens[i], i % 2);
		CHECK(n > 0 && tpa_stun_parse(&v, buf, n) == 0);
		CHECK_MSG(tpa_stun_verify_integrity(&v, key, lens[i]) == 0,
			  "key_len %zu", lens[i]);
		/* coturn issue 189: keying with the first 16 bytes only. */
		CHECK_MSG(tpa_stun_verify_integrity(&v, key, lens[i] - 1) ==
				  TPA_STUN_ERR_INTEGRITY,
			  "key_len %zu", lens[i]);
		if (lens[i] > 16)
			CHECK(tpa_stun_verify_integrity(&v, key, 16) ==
			      TPA_STUN_ERR_INTEGRITY);
	}
	CHECK(tpa_stun_verify_integrity(&v, key, 0) == TPA_STUN_ERR_ARG);
}

static void test_sha256(void)
{
	uint8_t key[32], buf[256];
	struct tpa_stun_msg m;
	struct tpa_stun_view v;

	memset(key, 0x11, sizeof(key));
	tpa_stun_msg_init(&m, buf, sizeof(buf), TPA_STUN_REQUEST,
			  TPA_STUN_REFRESH, NULL);
	tpa_stun_add_u32(&m, TPA_STUN_ATTR_LIFETIME, 0);
	tpa_stun_add_integrity(&m, key, sizeof(key));
	tpa_stun_add_integrity_sha256(&m, key, sizeof(key));
	tpa_stun_add_fingerprint(&m);
	CHECK(m.err == 0);
	CHECK(tpa_stun_parse(&v, buf, m.len) == 0);
	CHECK(tpa_stun_verify_integrity(&v, key, sizeof(key)) == 0);
	CHECK(tpa_stun_verify_integrity_sha256(&v, key, sizeof(key)) == 0);
	CHECK(tpa_stun_verify_integrity_sha256(&v, key, 31) ==
	      TPA_STUN_ERR_INTEGRITY);
	CHECK(tpa_stun_verify_fingerprint(&v) == 0);
}

/*
 * MESSAGE-INTEGRITY-SHA256 truncated as RFC 8489 allows (16 is RFC 7635's
 * HMAC-SHA-256-128): the first bytes of HMAC-SHA256 over the message up to
 * the attribute, with the header length counting the truncated attribute,
 * computed here by hand with OpenSSL's one-shot HMAC.
 */
static void test_sha256_truncated(void)
{
	static const size_t lens[] = {16, 20, 24, 28, 32};
	uint8_t key[32], buf[256], copy[256], want[EVP_MAX_MD_SIZE];
	unsigned int want_len = 0;
	struct tpa_stun_msg m;
	struct tpa_stun_view v;
	struct tpa_stun_attr a;

	memset(key, 0x5c, sizeof(key));
	key[31] = 0x01;
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		tpa_stun_msg_init(&m, buf, sizeof(buf), TPA_STUN_REQUEST,
				  TPA_STUN_ALLOCATE, NULL);
		tpa_stun_add_requested_transport(&m, TPA_STUN_TRANSPORT_UDP);
		tpa_stun_add_attr(&m, TPA_STUN_ATTR_USERNAME, "kid-1", 5);
		tpa_stun_add_integrity_sha256_len(&m, key, sizeof(key),
						  lens[i]);
		tpa_stun_add_fingerprint(&m);
		CHECK_MSG(m.err == 0, "len %zu: %s", lens[i],
			  tpa_stun_strerror(m.err));
		CHECK(tpa_stun_parse(&v, buf, m.len) == 0);
		CHECK(tpa_stun_get_attr(&v,
					TPA_STUN_ATTR_MESSAGE_INTEGRITY_SHA256,
					&a) == 0);
		CHECK_MSG(a.len == lens[i], "attribute of %u bytes, want %zu",
			  (unsigned)a.len, lens[i]);
		memcpy(copy, buf, a.offset);
		copy[2] = (uint8_t)((a.offset - 20 + 4 + lens[i]) >> 8);
		copy[3] = (uint8_t)(a.offset - 20 + 4 + lens[i]);
		CHECK(HMAC(EVP_sha256(), key, sizeof(key), copy, a.offset, want,
			   &want_len) != NULL &&
		      want_len == 32);
		CHECK_MSG(memcmp(a.value, want, lens[i]) == 0,
			  "len %zu: not the first bytes of HMAC-SHA256",
			  lens[i]);
		CHECK(tpa_stun_verify_integrity_sha256(&v, key, sizeof(key)) ==
		      0);
		CHECK(tpa_stun_verify_integrity_sha256(&v, key, 31) ==
		      TPA_STUN_ERR_INTEGRITY);
		CHECK(tpa_stun_verify_integrity(&v, key, sizeof(key)) ==
		      TPA_STUN_ERR_NO_ATTR);
		CHECK(tpa_stun_verify_fingerprint(&v) == 0);
		/* one bit of the MAC flipped */
		buf[a.offset + 4 + lens[i] - 1] ^= 0x01;
		CHECK(tpa_stun_verify_integrity_sha256(&v, key, sizeof(key)) ==
		      TPA_STUN_ERR_INTEGRITY);
	}
	/* lengths RFC 8489 does not allow are not built */
	static const size_t bad[] = {0, 4, 12, 18, 30, 36};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tpa_stun_msg_init(&m, buf, sizeof(buf), TPA_STUN_REQUEST,
				  TPA_STUN_ALLOCATE, NULL);
		CHECK(tpa_stun_add_integrity_sha256_len(&m, key, sizeof(key),
							bad[i]) ==
		      TPA_STUN_ERR_ARG);
		CHECK(m.err == TPA_STUN_ERR_ARG && m.len == TPA_STUN_HDR_LEN);
	}
}

/* Attributes after MESSAGE-INTEGRITY are not trusted (RFC 5389 15.4). */
static void test_after_integrity(void)
{
	uint8_t key[20] = {1}, buf[256];
	struct tpa_stun_msg m;
	struct tpa_stun_view v;
	struct tpa_stun_walker w;
	struct tpa_stun_attr a;
	uint32_t u;
	int n = 0;

	tpa_stun_msg_init(&m, buf, sizeof(buf), TPA_STUN_SUCCESS,
			  TPA_STUN_ALLOCATE, NULL);
	tpa_stun_add_integrity(&m, key, sizeof(key));
	tpa_stun_add_u32(&m, TPA_STUN_ATTR_LIFETIME, 99);
	tpa_stun_add_fingerprint(&m);
	CHECK(m.err == 0 && tpa_stun_parse(&v, buf, m.len) == 0);
	CHECK(tpa_stun_get_u32(&v, TPA_STUN_ATTR_LIFETIME, &u) ==
	      TPA_STUN_ERR_NO_ATTR);
	CHECK(tpa_stun_verify_integrity(&v, key, sizeof(key)) == 0);
	CHECK(tpa_stun_verify_fingerprint(&v) == 0);
	tpa_stun_walker_init(&w, &v);
	while (tpa_stun_walker_next(&w, &a) == 1)
		n++;
	CHECK(n == 3 && w.err == 0);
}

static void test_header_errors(void)
{
	uint8_t b[sizeof(rfc5769_resp4) + 8];
	struct tpa_stun_view v;
	struct tpa_stun_msg m;
	size_t n = sizeof(rfc5769_resp4);

	memcpy(b, rfc5769_resp4, n);
	CHECK(tpa_stun_parse(&v, b, 19) == TPA_STUN_ERR_TRUNCATED);
	CHECK(v.buf == NULL && v.len == 0);
	CHECK(tpa_stun_parse(&v, b, n - 4) == TPA_STUN_ERR_TRUNCATED);
	memset(b + n, 0, 8);
	CHECK(tpa_stun_parse(&v, b, n + 4) == TPA_STUN_ERR_MALFORMED);
	b[0] |= 0x80;
	CHECK(tpa_stun_parse(&v, b, n) == TPA_STUN_ERR_MALFORMED);
	CHECK(!tpa_stun_is_stun(b, n));
	b[0] = 0x01;
	b[4] = 0x22;
	CHECK(tpa_stun_parse(&v, b, n) == TPA_STUN_ERR_MALFORMED);
	b[4] = 0x21;
	CHECK(tpa_stun_is_stun(b, n));
	b[3] = 0x3d; /* length not a multiple of 4 */
	CHECK(tpa_stun_parse(&v, b, n + 1) == TPA_STUN_ERR_MALFORMED);
	b[3] = 0x3c;
	b[23] = 0x0c; /* SOFTWARE length runs into the next attribute */
	CHECK(tpa_stun_parse(&v, b, n) == 0);
	b[23] = 0x40; /* ... and past the end of the message */
	CHECK(tpa_stun_parse(&v, b, n) == TPA_STUN_ERR_MALFORMED);
	b[23] = 0x0b;
	/* An attribute after FINGERPRINT. */
	b[3] = 0x40;
	memcpy(b + n, "\x00\x0d\x00\x00", 4);
	CHECK(tpa_stun_parse(&v, b, n + 4) == TPA_STUN_ERR_MALFORMED);
	/* Builder: buffer too small, and the error sticks. */
	CHECK(tpa_stun_msg_init(&m, b, 19, TPA_STUN_REQUEST, 1, NULL) ==
	      TPA_STUN_ERR_NOSPACE);
	CHECK(tpa_stun_msg_init(&m, b, 24, TPA_STUN_REQUEST, 1, NULL) == 0);
	CHECK(tpa_stun_add_attr(&m, 0x0006, "abcde", 5) ==
	      TPA_STUN_ERR_NOSPACE);
	CHECK(tpa_stun_add_attr(&m, 0x0006, NULL, 0) == TPA_STUN_ERR_NOSPACE);
	CHECK(m.len == 20);
	CHECK(tpa_stun_msg_init(&m, b, 24, TPA_STUN_REQUEST, 0x1000, NULL) ==
	      TPA_STUN_ERR_ARG);
	CHECK(tpa_stun_add_error_code(&m, 299, "x") == TPA_STUN_ERR_ARG);
}

static void test_strings_and_codes(void)
{
	uint8_t buf[128];
	struct tpa_stun_msg m;
	struct tpa_stun_view v;
	char s[32];
	size_t full;
	int code;

	tpa_stun_msg_init(&m, buf, sizeof(buf), TPA_STUN_ERROR,
			  TPA_STUN_ALLOCATE, NULL);
	tpa_stun_add_attr(&m, TPA_STUN_ATTR_ERROR_CODE, "\0\0\4\70a\0b\n", 8);
	tpa_stun_add_attr(&m, TPA_STUN_ATTR_REALM, "0123456789", 10);
	CHECK(m.err == 0 && tpa_stun_parse(&v, buf, m.len) == 0);
	CHECK(tpa_stun_get_error_code(&v, &code, s, sizeof(s)) == 0);
	CHECK(code == 456);
	CHECK_STR(s, "a?b?");
	CHECK(tpa_stun_get_string(&v, TPA_STUN_ATTR_REALM, s, 4, &full) == 0);
	CHECK_STR(s, "012");
	CHECK(full == 10);
	CHECK(tpa_stun_get_error_code(&v, &code, NULL, 0) == 0);
	buf[26] = 7; /* class 7 is not an error class */
	CHECK(tpa_stun_get_error_code(&v, &code, s, sizeof(s)) ==
	      TPA_STUN_ERR_MALFORMED);
	CHECK(code == 0 && s[0] == '\0');
	CHECK(tpa_stun_get_string(&v, TPA_STUN_ATTR_NONCE, s, sizeof(s),
				  NULL) == TPA_STUN_ERR_NO_ATTR);
}

static void test_types(void)
{
	uint8_t buf[20];
	struct tpa_stun_msg m;
	struct tpa_stun_view v;
	unsigned c, meth;
	int bad = 0;

	for (c = 0; c < 4; c++) {
		for (meth = 0; meth < 0x1000; meth++) {
			tpa_stun_msg_init(&m, buf, sizeof(buf),
					  (enum tpa_stun_class)c,
					  (uint16_t)meth, NULL);
			if (m.err != 0 || tpa_stun_parse(&v, buf, 20) != 0 ||
			    tpa_stun_class_of(&v) != (enum tpa_stun_class)c ||
			    tpa_stun_method_of(&v) != meth)
				bad++;
		}
	}
	CHECK(bad == 0);
	CHECK(tpa_stun_type(TPA_STUN_SUCCESS, TPA_STUN_ALLOCATE) == 0x0103);
	CHECK(tpa_stun_type(TPA_STUN_ERROR, TPA_STUN_ALLOCATE) == 0x0113);
	CHECK(tpa_stun_type(TPA_STUN_INDICATION, TPA_STUN_SEND) == 0x0016);
	CHECK(tpa_stun_type(TPA_STUN_INDICATION, TPA_STUN_DATA) == 0x0017);
	CHECK(tpa_stun_crc32((const uint8_t *)"123456789", 9) == 0xCBF43926u);
	CHECK(strcmp(tpa_stun_strerror(TPA_STUN_ERR_TRUNCATED),
		     "truncated message") == 0);
	CHECK(strcmp(tpa_stun_strerror(12345), "unknown error") == 0);
}

/* Calls every reader on a (possibly broken) message; returns parse's code. */
static int exercise(const uint8_t *b, size_t n, const uint8_t *key,
		    size_t key_len, int *mi, int *fp)
{
	static const uint16_t types[] = {TPA_STUN_ATTR_XOR_MAPPED_ADDRESS,
					 TPA_STUN_ATTR_XOR_RELAYED_ADDRESS,
					 TPA_STUN_ATTR_XOR_PEER_ADDRESS,
					 TPA_STUN_ATTR_MAPPED_ADDRESS};
	struct tpa_stun_view v;
	struct tpa_stun_walker w;
	struct tpa_stun_attr a;
	struct sockaddr_storage ss;
	char s[16];
	unsigned sum = 0;
	uint32_t u;
	size_t i;
	int r, code;

	*mi = *fp = TPA_STUN_ERR_NO_ATTR;
	r = tpa_stun_parse(&v, b, n);
	if (r != 0)
		return r;
	sum += tpa_stun_class_of(&v) + tpa_stun_method_of(&v);
	tpa_stun_walker_init(&w, &v);
	while (tpa_stun_walker_next(&w, &a) == 1)
		for (i = 0; i < a.len; i++)
			sum += a.value[i];
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		tpa_stun_get_xor_addr(&v, types[i], &ss);
		tpa_stun_get_addr(&v, types[i], &ss);
	}
	tpa_stun_get_u32(&v, TPA_STUN_ATTR_LIFETIME, &u);
	tpa_stun_get_string(&v, TPA_STUN_ATTR_USERNAME, s, sizeof(s), NULL);
	tpa_stun_get_string(&v, TPA_STUN_ATTR_SOFTWARE, s, sizeof(s), NULL);
	tpa_stun_get_error_code(&v, &code, s, sizeof(s));
	tpa_stun_verify_integrity_sha256(&v, key, key_len);
	*mi = tpa_stun_verify_integrity(&v, key, key_len);
	*fp = tpa_stun_verify_fingerprint(&v);
	return sum == 0xFFFFFFFFu ? -100 : 0; /* keep sum live */
}

/*
 * Every bit flip and every truncation of msg, each in a heap buffer of the
 * exact size. A truncation must give TRUNCATED; a flipped message that
 * still parses must fail MI or FINGERPRINT (whichever it carries).
 */
static void mutate(const char *name, const uint8_t *msg, size_t len,
		   const uint8_t *key, size_t key_len, int has_fp)
{
	int bad = 0, mi, fp, r;
	size_t i, bit;
	uint8_t *b;

	for (i = 0; i <= len; i++) {
		b = malloc(i > 0 ? i : 1);
		if (b == NULL)
			abort();
		memcpy(b, msg, i);
		r = exercise(b, i, key, key_len, &mi, &fp);
		if (i < len && r != TPA_STUN_ERR_TRUNCATED)
			bad++;
		if (i == len && (r != 0 || mi != 0 || (has_fp && fp != 0)))
			bad++;
		free(b);
	}
	CHECK_MSG(bad == 0, "%s: %d bad truncations", name, bad);
	bad = 0;
	for (i = 0; i < len; i++) {
		for (bit = 0; bit < 8; bit++) {
			b = malloc(len);
			if (b == NULL)
				abort();
			memcpy(b, msg, len);
			b[i] ^= (uint8_t)(1u << bit);
			r = exercise(b, len, key, key_len, &mi, &fp);
			if (r > 0 || (r == 0 && has_fp && fp == 0) ||
			    (r == 0 && !has_fp && mi == 0))
				bad++;
			free(b);
		}
	}
	CHECK_MSG(bad == 0, "%s: %d bad bit flips", name, bad);
}

static void test_mutations(void)
{
	const uint8_t *pk = (const uint8_t *)rfc5769_pass;
	size_t pl = strlen(rfc5769_pass), n;
	uint8_t key[32], lt[16], buf[512];

	memset(key, 0xa5, sizeof(key));
	mutate("rfc5769 request", rfc5769_req, sizeof(rfc5769_req), pk, pl, 1);
	mutate("rfc5769 ipv4", rfc5769_resp4, sizeof(rfc5769_resp4), pk, pl, 1);
	mutate("rfc5769 ipv6", rfc5769_resp6, sizeof(rfc5769_resp6), pk, pl, 1);
	tpa_stun_long_term_key(rfc5769_lt_user, "example.org", rfc5769_lt_pass,
			       lt);
	mutate("rfc5769 long-term", rfc5769_lt, sizeof(rfc5769_lt), lt,
	       sizeof(lt), 0);
	n = build_full(buf, sizeof(buf), key, sizeof(key), 1);
	mutate("built, fingerprint", buf, n, key, sizeof(key), 1);
	n = build_full(buf, sizeof(buf), key, 20, 0);
	mutate("built, no fingerprint", buf, n, key, 20, 0);
}

int main(void)
{
	test_vectors_short_term();
	test_vector_resp4();
	test_vector_resp6();
	test_vector_long_term();
	test_round_trip();
	test_key_lengths();
	test_sha256();
	test_sha256_truncated();
	test_after_integrity();
	test_header_errors();
	test_strings_and_codes();
	test_types();
	test_mutations();
	return tpa_test_done();
}
