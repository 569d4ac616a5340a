/*
 * fuzz_stun: the STUN parser on hostile datagrams. tpa_stun_parse, then a
 * full walk, every getter the plugin uses (ACCESS-TOKEN, USERNAME, REALM,
 * NONCE, XOR addresses, ERROR-CODE, LIFETIME), MESSAGE-INTEGRITY with a
 * 20-byte key (and the RFC 5769 password, so the seeds verify), SHA-256
 * integrity and FINGERPRINT.
 *
 * Then a round trip through the builder: the walked attributes are written
 * into a fresh message (tpa_stun_add_attr), sealed with MESSAGE-INTEGRITY
 * and FINGERPRINT; it must parse, walk back to the same attributes, and
 * verify. Each message is copied into a heap buffer of exactly its size so
 * that AddressSanitizer sees any read past its end.
 */
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "fuzz_common.h"
#include "tpa_stun.h"

#define MAX_ATTRS 16384 /* a 65535-byte body holds at most this many */

static const char rfc5769_pass[] = "VOkJxbRl1RmTxUk/WvJxBt";

static int known_err(int r)
{
	return r <= 0 && r >= TPA_STUN_ERR_CRYPTO;
}

static void check_string(const struct tpa_stun_view *v, uint16_t type)
{
	static const size_t caps[] = {1, 2, 17, 764};
	char out[764];
	size_t full = 12345;

	for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
		size_t cap = caps[c];
		memset(out, 0xAA, sizeof(out));
		int r = tpa_stun_get_string(v, type, out, cap, &full);
		FUZZ_CHECK(known_err(r));
		FUZZ_CHECK(memchr(out, '\0', cap) != NULL);
		size_t n = strlen(out);
		if (r != 0) {
			FUZZ_CHECK(n == 0 && full == 0);
			continue;
		}
		FUZZ_CHECK(n == (full < cap - 1 ? full : cap - 1));
		for (size_t i = 0; i < n; i++)
			FUZZ_CHECK((unsigned char)out[i] >= 0x20 &&
				   (unsigned char)out[i] != 0x7f);
	}
}

/* Decodes attribute type of v by hand and compares with the library's
 * answer r / *ss (xor: XOR-encoded). */
static void check_addr_value(const struct tpa_stun_view *v, uint16_t type,
			     int xor, int r, const struct sockaddr_storage *ss)
{
	struct tpa_stun_attr a;
	uint8_t mask[16] = {0x21, 0x12, 0xA4, 0x42};
	uint8_t addr[16];
	size_t n;

	if (r != 0) {
		FUZZ_CHECK(fuzz_all_zero(ss, sizeof(*ss)));
		return;
	}
	FUZZ_CHECK(tpa_stun_get_attr(v, type, &a) == 0);
	n = ss->ss_family == AF_INET ? 4 : 16;
	FUZZ_CHECK(ss->ss_family == AF_INET || ss->ss_family == AF_INET6);
	FUZZ_CHECK(a.len == 4 + n);
	FUZZ_CHECK(a.value[1] == (n == 4 ? 1 : 2));
	memcpy(mask + 4, v->buf + 8, 12);
	uint16_t port = (uint16_t)(a.value[2] << 8 | a.value[3]);
	for (size_t i = 0; i < n; i++)
		addr[i] = a.value[4 + i] ^ (xor? mask[i] : 0);
	if (xor)
		port ^= 0x2112;
	if (n == 4) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
		FUZZ_CHECK(ntohs(in->sin_port) == port);
		FUZZ_CHECK(memcmp(&in->sin_addr, addr, 4) == 0);
	} else {
		const struct sockaddr_in6 *in6 =
			(const struct sockaddr_in6 *)ss;
		FUZZ_CHECK(ntohs(in6->sin6_port) == port);
		FUZZ_CHECK(memcmp(&in6->sin6_addr, addr, 16) == 0);
	}
}

static void check_addr(const struct tpa_stun_view *v, uint16_t type)
{
	struct sockaddr_storage ss;
	int r;

	memset(&ss, 0xAA, sizeof(ss));
	r = tpa_stun_get_xor_addr(v, type, &ss);
	FUZZ_CHECK(known_err(r));
	check_addr_value(v, type, 1, r, &ss);
	memset(&ss, 0xAA, sizeof(ss));
	r = tpa_stun_get_addr(v, type, &ss);
	FUZZ_CHECK(known_err(r));
	check_addr_value(v, type, 0, r, &ss);
}

/* Getters on a parsed view; checks what each promises. */
static void getters(const struct tpa_stun_view *v)
{
	static const uint16_t strings[] = {
		TPA_STUN_ATTR_USERNAME, TPA_STUN_ATTR_REALM,
		TPA_STUN_ATTR_NONCE, TPA_STUN_ATTR_SOFTWARE,
		TPA_STUN_ATTR_ACCESS_TOKEN};
	static const uint16_t attrs[] = {TPA_STUN_ATTR_ACCESS_TOKEN,
					 TPA_STUN_ATTR_USERNAME,
					 TPA_STUN_ATTR_REALM,
					 TPA_STUN_ATTR_NONCE,
					 TPA_STUN_ATTR_MESSAGE_INTEGRITY,
					 TPA_STUN_ATTR_FINGERPRINT};
	struct tpa_stun_attr a;
	char reason[TPA_STUN_REASON_MAX];
	int code, r;
	uint32_t u;

	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		memset(&a, 0xAA, sizeof(a));
		r = tpa_stun_get_attr(v, attrs[i], &a);
		FUZZ_CHECK(r == 0 || r == TPA_STUN_ERR_NO_ATTR);
		if (r != 0)
			continue;
		FUZZ_CHECK(a.type == attrs[i]);
		FUZZ_CHECK(a.offset >= TPA_STUN_HDR_LEN && a.offset % 4 == 0 &&
			   a.offset + 4 <= v->len);
		FUZZ_CHECK(a.value == v->buf + a.offset + 4);
		FUZZ_CHECK(a.len <= v->len - a.offset - 4);
	}
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
		check_string(v, strings[i]);
	check_addr(v, TPA_STUN_ATTR_XOR_MAPPED_ADDRESS);
	check_addr(v, TPA_STUN_ATTR_XOR_PEER_ADDRESS);
	check_addr(v, TPA_STUN_ATTR_XOR_RELAYED_ADDRESS);
	check_addr(v, TPA_STUN_ATTR_MAPPED_ADDRESS);

	memset(reason, 0xAA, sizeof(reason));
	code = -1;
	r = tpa_stun_get_error_code(v, &code, reason, sizeof(reason));
	FUZZ_CHECK(known_err(r));
	FUZZ_CHECK(memchr(reason, '\0', sizeof(reason)) != NULL);
	if (r == 0)
		FUZZ_CHECK(code >= 300 && code <= 699);
	else
		FUZZ_CHECK(code == 0 && reason[0] == '\0');
	r = tpa_stun_get_error_code(v, &code, NULL, 0);
	FUZZ_CHECK(known_err(r));

	r = tpa_stun_get_u32(v, TPA_STUN_ATTR_LIFETIME, &u);
	FUZZ_CHECK(known_err(r));
	if (r != 0)
		FUZZ_CHECK(u == 0);

	r = tpa_stun_verify_integrity(v, fuzz_mi_key20, sizeof(fuzz_mi_key20));
	FUZZ_CHECK(r == 0 || r == TPA_STUN_ERR_INTEGRITY ||
		   r == TPA_STUN_ERR_NO_ATTR || r == TPA_STUN_ERR_MALFORMED);
	r = tpa_stun_verify_integrity(v, (const uint8_t *)rfc5769_pass,
				      strlen(rfc5769_pass));
	FUZZ_CHECK(r == 0 || r == TPA_STUN_ERR_INTEGRITY ||
		   r == TPA_STUN_ERR_NO_ATTR || r == TPA_STUN_ERR_MALFORMED);
	r = tpa_stun_verify_integrity_sha256(v, fuzz_mi_key20,
					     sizeof(fuzz_mi_key20));
	FUZZ_CHECK(r == 0 || r == TPA_STUN_ERR_INTEGRITY ||
		   r == TPA_STUN_ERR_NO_ATTR || r == TPA_STUN_ERR_MALFORMED);
	r = tpa_stun_verify_fingerprint(v);
	FUZZ_CHECK(r == 0 || r == TPA_STUN_ERR_FINGERPRINT ||
		   r == TPA_STUN_ERR_NO_ATTR || r == TPA_STUN_ERR_MALFORMED);
}

/* Rebuilds v's attributes (without MI / MI-SHA256 / FINGERPRINT), seals
 * the copy and checks that it parses, walks the same and verifies. */
static void rebuild(const struct tpa_stun_view *v,
		    const struct tpa_stun_attr *attrs, size_t n)
{
	size_t cap = v->len + 64;
	uint8_t *buf = malloc(cap);
	struct tpa_stun_msg m;
	struct tpa_stun_view v2;
	struct tpa_stun_walker w;
	struct tpa_stun_attr a;
	size_t kept = 0;
	int r;

	FUZZ_CHECK(buf != NULL);
	FUZZ_CHECK(tpa_stun_msg_init(&m, buf, cap, tpa_stun_class_of(v),
				     tpa_stun_method_of(v),
				     tpa_stun_tid_of(v)) == 0);
	/* The type field is rebuilt from class and method: the same bits. */
	FUZZ_CHECK(memcmp(buf, v->buf, 2) == 0);
	FUZZ_CHECK(memcmp(buf + 4, v->buf + 4, 16) == 0);
	for (size_t i = 0; i < n; i++) {
		uint16_t t = attrs[i].type;
		if (t == TPA_STUN_ATTR_MESSAGE_INTEGRITY ||
		    t == TPA_STUN_ATTR_MESSAGE_INTEGRITY_SHA256 ||
		    t == TPA_STUN_ATTR_FINGERPRINT)
			continue;
		tpa_stun_add_attr(&m, t, attrs[i].value, attrs[i].len);
		kept++;
	}
	tpa_stun_add_integrity(&m, fuzz_mi_key20, sizeof(fuzz_mi_key20));
	tpa_stun_add_fingerprint(&m);
	if (m.err == TPA_STUN_ERR_NOSPACE)
		goto out; /* no room left for MI and FINGERPRINT: fine */
	FUZZ_CHECK(m.err == 0);
	FUZZ_CHECK(m.len <= cap);

	/* Exact-size copy, so that ASan catches over-reads. */
	uint8_t *copy = malloc(m.len);
	FUZZ_CHECK(copy != NULL);
	memcpy(copy, buf, m.len);
	FUZZ_CHECK(tpa_stun_parse(&v2, copy, m.len) == 0);
	FUZZ_CHECK(tpa_stun_is_stun(copy, m.len));
	tpa_stun_walker_init(&w, &v2);
	size_t j = 0;
	for (size_t i = 0; i < n; i++) {
		uint16_t t = attrs[i].type;
		if (t == TPA_STUN_ATTR_MESSAGE_INTEGRITY ||
		    t == TPA_STUN_ATTR_MESSAGE_INTEGRITY_SHA256 ||
		    t == TPA_STUN_ATTR_FINGERPRINT)
			continue;
		FUZZ_CHECK(tpa_stun_walker_next(&w, &a) == 1);
		FUZZ_CHECK(a.type == t && a.len == attrs[i].len);
		FUZZ_CHECK(memcmp(a.value, attrs[i].value, a.len) == 0);
		j++;
	}
	FUZZ_CHECK(j == kept);
	FUZZ_CHECK(tpa_stun_walker_next(&w, &a) == 1 &&
		   a.type == TPA_STUN_ATTR_MESSAGE_INTEGRITY);
	FUZZ_CHECK(tpa_stun_walker_next(&w, &a) == 1 &&
		   a.type == TPA_STUN_ATTR_FINGERPRINT);
	FUZZ_CHECK(tpa_stun_walker_next(&w, &a) == 0);
	FUZZ_CHECK(tpa_stun_verify_integrity(&v2, fuzz_mi_key20,
					     sizeof(fuzz_mi_key20)) == 0);
	FUZZ_CHECK(tpa_stun_verify_fingerprint(&v2) == 0);
	r = tpa_stun_verify_integrity(&v2, fuzz_mi_key20, 19);
	FUZZ_CHECK(r == TPA_STUN_ERR_INTEGRITY);
	getters(&v2);
	/* One flipped bit in the sealed part must break both checks. */
	copy[m.len - 9] ^= 1; /* last byte of the MAC */
	FUZZ_CHECK(tpa_stun_verify_integrity(&v2, fuzz_mi_key20,
					     sizeof(fuzz_mi_key20)) ==
		   TPA_STUN_ERR_INTEGRITY);
	FUZZ_CHECK(tpa_stun_verify_fingerprint(&v2) ==
		   TPA_STUN_ERR_FINGERPRINT);
	free(copy);
out:
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tpa_stun_view v;
	struct tpa_stun_walker w;
	struct tpa_stun_attr a;
	struct tpa_stun_attr *attrs;
	size_t n = 0, covered = 0;
	uint8_t *buf;
	int r;

	/* Exact-size heap copy: libFuzzer's buffer may have slack. */
	buf = malloc(size ? size : 1);
	FUZZ_CHECK(buf != NULL);
	memcpy(buf, data, size);

	memset(&v, 0xAA, sizeof(v));
	r = tpa_stun_parse(&v, buf, size);
	FUZZ_CHECK(known_err(r));
	if (r != 0) {
		FUZZ_CHECK(v.buf == NULL && v.len == 0);
		if (size < TPA_STUN_HDR_LEN)
			FUZZ_CHECK(r == TPA_STUN_ERR_TRUNCATED);
		goto out;
	}
	FUZZ_CHECK(v.buf == buf && v.len == size);
	FUZZ_CHECK(tpa_stun_is_stun(buf, size));
	FUZZ_CHECK((size - TPA_STUN_HDR_LEN) % 4 == 0);
	FUZZ_CHECK(size - TPA_STUN_HDR_LEN == (size_t)(buf[2] << 8 | buf[3]));
	FUZZ_CHECK(tpa_stun_method_of(&v) <= 0xFFF);
	FUZZ_CHECK(
		tpa_stun_type(tpa_stun_class_of(&v), tpa_stun_method_of(&v)) ==
		(uint16_t)(buf[0] << 8 | buf[1]));
	FUZZ_CHECK(tpa_stun_tid_of(&v) == buf + 8);

	/* A walk covers the body exactly; nothing follows FINGERPRINT. */
	attrs = malloc(MAX_ATTRS * sizeof(*attrs));
	FUZZ_CHECK(attrs != NULL);
	tpa_stun_walker_init(&w, &v);
	while ((r = tpa_stun_walker_next(&w, &a)) == 1) {
		FUZZ_CHECK(n < MAX_ATTRS);
		FUZZ_CHECK(a.offset == TPA_STUN_HDR_LEN + covered);
		FUZZ_CHECK(a.value == buf + a.offset + 4);
		covered += 4 + (((size_t)a.len + 3) & ~(size_t)3);
		FUZZ_CHECK(TPA_STUN_HDR_LEN + covered <= size);
		if (n > 0)
			FUZZ_CHECK(attrs[n - 1].type !=
				   TPA_STUN_ATTR_FINGERPRINT);
		attrs[n++] = a;
	}
	FUZZ_CHECK(r == 0);
	FUZZ_CHECK(TPA_STUN_HDR_LEN + covered == size);
	/* The end is sticky. */
	FUZZ_CHECK(tpa_stun_walker_next(&w, &a) == 0);

	getters(&v);
	rebuild(&v, attrs, n);
	free(attrs);
out:
	free(buf);
	return 0;
}
