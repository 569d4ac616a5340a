/*
 * tpa_stun: STUN message codec. See tpa_stun.h for the contract.
 *
 * Written from RFC 5389 / 8489 (STUN), RFC 5766 / 8656 (TURN) and RFC 7635.
 * All multi-byte fields are big-endian. Bounds are written as subtractions
 * from what is known to be present, so they cannot overflow.
 */
#include "tpa_stun.h"
#include "tpa_be.h"

#include <string.h>
#include <netinet/in.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

static size_t pad4(size_t n);
static int msg_fail(struct tpa_stun_msg *m, int err);
static int msg_room(struct tpa_stun_msg *m, size_t value_len);
static int hmac_prefix(const uint8_t *buf, size_t prefix, size_t attr_total,
		       const char *digest, const uint8_t *key, size_t key_len,
		       uint8_t *out, size_t outcap);
static int add_mac(struct tpa_stun_msg *m, uint16_t type, const char *digest,
		   size_t full, size_t mac_len, const uint8_t *key,
		   size_t key_len);
static void xor_mask(const uint8_t *hdr, uint8_t mask[16]);
static int decode_addr(const struct tpa_stun_view *v, uint16_t type, int xor,
		       struct sockaddr_storage *ss);
static void copy_clean(char *out, size_t outcap, const uint8_t *p, size_t n);
static int verify_mac(const struct tpa_stun_view *v, uint16_t type,
		      const char *digest, const uint8_t *key, size_t key_len);

const char *tpa_stun_strerror(int err)
{
	switch (err) {
	case TPA_STUN_OK:
		return "success";
	case TPA_STUN_ERR_TRUNCATED:
		return "truncated message";
	case TPA_STUN_ERR_MALFORMED:
		return "malformed message";
	case TPA_STUN_ERR_NO_ATTR:
		return "no such attribute";
	case TPA_STUN_ERR_NOSPACE:
		return "message buffer full";
	case TPA_STUN_ERR_ARG:
		return "invalid argument";
	case TPA_STUN_ERR_INTEGRITY:
		return "MESSAGE-INTEGRITY mismatch";
	case TPA_STUN_ERR_FINGERPRINT:
		return "FINGERPRINT mismatch";
	case TPA_STUN_ERR_FAMILY:
		return "unsupported address family";
	case TPA_STUN_ERR_CRYPTO:
		return "crypto library failure";
	default:
		return "unknown error";
	}
}

/* ---- small helpers ---------------------------------------------------- */

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

uint32_t tpa_stun_crc32(const uint8_t *p, size_t len)
{
	uint32_t crc = 0xFFFFFFFFu;
	size_t i;
	int k;

	for (i = 0; i < len; i++) {
		crc ^= p[i];
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ ((crc & 1u) ? 0xEDB88320u : 0u);
	}
	return crc ^ 0xFFFFFFFFu;
}

uint16_t tpa_stun_type(enum tpa_stun_class cls, uint16_t method)
{
	unsigned c = (unsigned)cls & 3u, m = method & 0xFFFu;

	return (uint16_t)((m & 0x000F) | ((m & 0x0070) << 1) |
			  ((m & 0x0F80) << 2) | ((c & 1u) << 4) |
			  ((c & 2u) << 7));
}

/*
 * HMAC with the named digest over a message prefix of prefix bytes whose
 * header length field is replaced by (prefix - 20 + attr_total): the value
 * it has once the MAC attribute of attr_total bytes is appended.
 */
static int hmac_prefix(const uint8_t *buf, size_t prefix, size_t attr_total,
		       const char *digest, const uint8_t *key, size_t key_len,
		       uint8_t *out, size_t outcap)
{
	EVP_MAC *mac = NULL;
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	uint8_t hdr[TPA_STUN_HDR_LEN];
	size_t outl = 0;
	int ret = TPA_STUN_ERR_CRYPTO;

	if (key == NULL || key_len == 0)
		return TPA_STUN_ERR_ARG;
	memcpy(hdr, buf, sizeof(hdr));
	tpa_put_u16(hdr + 2,
		    (uint16_t)(prefix - TPA_STUN_HDR_LEN + attr_total));
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						     (char *)digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (mac == NULL)
		goto out;
	ctx = EVP_MAC_CTX_new(mac);
	if (ctx == NULL || !EVP_MAC_init(ctx, key, key_len, params) ||
	    !EVP_MAC_update(ctx, hdr, sizeof(hdr)) ||
	    !EVP_MAC_update(ctx, buf + TPA_STUN_HDR_LEN,
			    prefix - TPA_STUN_HDR_LEN) ||
	    !EVP_MAC_final(ctx, out, &outl, outcap) || outl != outcap)
		goto out;
	ret = TPA_STUN_OK;
out:
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return ret;
}

/* ---- builder ---------------------------------------------------------- */

static int msg_fail(struct tpa_stun_msg *m, int err)
{
	if (m->err == 0)
		m->err = err;
	return m->err;
}

/* Checks that an attribute with value_len bytes of value fits. */
static int msg_room(struct tpa_stun_msg *m, size_t value_len)
{
	size_t need;

	if (m->err != 0)
		return m->err;
	if (m->buf == NULL || m->len < TPA_STUN_HDR_LEN || m->len > m->cap)
		return msg_fail(m, TPA_STUN_ERR_ARG);
	if (value_len > 0xFFFF)
		return msg_fail(m, TPA_STUN_ERR_NOSPACE);
	need = 4 + pad4(value_len);
	if (TPA_STUN_MAX_ATTRS_LEN - (m->len - TPA_STUN_HDR_LEN) < need ||
	    m->cap - m->len < need)
		return msg_fail(m, TPA_STUN_ERR_NOSPACE);
	return TPA_STUN_OK;
}

int tpa_stun_msg_init(struct tpa_stun_msg *m, uint8_t *buf, size_t cap,
		      enum tpa_stun_class cls, uint16_t method,
		      const uint8_t *tid)
{
	if (m == NULL)
		return TPA_STUN_ERR_ARG;
	m->buf = buf;
	m->cap = cap;
	m->len = 0;
	m->err = 0;
	if (buf == NULL || (unsigned)cls > 3u || method > 0xFFF)
		return msg_fail(m, TPA_STUN_ERR_ARG);
	if (cap < TPA_STUN_HDR_LEN)
		return msg_fail(m, TPA_STUN_ERR_NOSPACE);
	tpa_put_u16(buf, tpa_stun_type(cls, method));
	tpa_put_u16(buf + 2, 0);
	tpa_put_u32(buf + 4, TPA_STUN_MAGIC_COOKIE);
	if (tid != NULL)
		memcpy(buf + 8, tid, TPA_STUN_TID_LEN);
	else if (RAND_bytes(buf + 8, TPA_STUN_TID_LEN) != 1)
		return msg_fail(m, TPA_STUN_ERR_CRYPTO);
	m->len = TPA_STUN_HDR_LEN;
	return TPA_STUN_OK;
}

const uint8_t *tpa_stun_msg_tid(const struct tpa_stun_msg *m)
{
	return m->buf + 8;
}

int tpa_stun_add_attr(struct tpa_stun_msg *m, uint16_t type, const void *value,
		      size_t len)
{
	uint8_t *p;
	int r;

	if (m == NULL)
		return TPA_STUN_ERR_ARG;
	if (value == NULL && len > 0)
		return msg_fail(m, TPA_STUN_ERR_ARG);
	r = msg_room(m, len);
	if (r != 0)
		return r;
	p = m->buf + m->len;
	tpa_put_u16(p, type);
	tpa_put_u16(p + 2, (uint16_t)len);
	if (len > 0)
		memcpy(p + 4, value, len);
	memset(p + 4 + len, 0, pad4(len) - len);
	m->len += 4 + pad4(len);
	tpa_put_u16(m->buf + 2, (uint16_t)(m->len - TPA_STUN_HDR_LEN));
	return TPA_STUN_OK;
}

int tpa_stun_add_u32(struct tpa_stun_msg *m, uint16_t type, uint32_t v)
{
	uint8_t b[4];

	tpa_put_u32(b, v);
	return tpa_stun_add_attr(m, type, b, sizeof(b));
}

int tpa_stun_add_requested_transport(struct tpa_stun_msg *m, uint8_t proto)
{
	uint8_t b[4] = {proto, 0, 0, 0};

	return tpa_stun_add_attr(m, TPA_STUN_ATTR_REQUESTED_TRANSPORT, b,
				 sizeof(b));
}

/* The 16-byte XOR mask: magic cookie followed by the transaction id. */
static void xor_mask(const uint8_t *hdr, uint8_t mask[16])
{
	tpa_put_u32(mask, TPA_STUN_MAGIC_COOKIE);
	memcpy(mask + 4, hdr + 8, TPA_STUN_TID_LEN);
}

int tpa_stun_add_xor_addr(struct tpa_stun_msg *m, uint16_t type,
			  const struct sockaddr *sa)
{
	uint8_t b[20], mask[16];
	size_t i, n;

	if (m == NULL)
		return TPA_STUN_ERR_ARG;
	if (m->err != 0)
		return m->err;
	if (sa == NULL || m->buf == NULL || m->len < TPA_STUN_HDR_LEN)
		return msg_fail(m, TPA_STUN_ERR_ARG);
	xor_mask(m->buf, mask);
	b[0] = 0;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		b[1] = 1;
		tpa_put_u16(b + 2, (uint16_t)(ntohs(in->sin_port) ^ 0x2112));
		memcpy(b + 4, &in->sin_addr, 4);
		n = 4;
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 =
			(const struct sockaddr_in6 *)sa;
		b[1] = 2;
		tpa_put_u16(b + 2, (uint16_t)(ntohs(in6->sin6_port) ^ 0x2112));
		memcpy(b + 4, &in6->sin6_addr, 16);
		n = 16;
	} else {
		return msg_fail(m, TPA_STUN_ERR_FAMILY);
	}
	for (i = 0; i < n; i++)
		b[4 + i] ^= mask[i];
	return tpa_stun_add_attr(m, type, b, 4 + n);
}

int tpa_stun_add_error_code(struct tpa_stun_msg *m, int code,
			    const char *reason)
{
	uint8_t b[4 + TPA_STUN_REASON_MAX - 1];
	size_t rlen = reason != NULL ? strnlen(reason, sizeof(b) - 4) : 0;

	if (m == NULL)
		return TPA_STUN_ERR_ARG;
	if (code < 300 || code > 699)
		return msg_fail(m, TPA_STUN_ERR_ARG);
	b[0] = 0;
	b[1] = 0;
	b[2] = (uint8_t)(code / 100);
	b[3] = (uint8_t)(code % 100);
	if (rlen > 0)
		memcpy(b + 4, reason, rlen);
	return tpa_stun_add_attr(m, TPA_STUN_ATTR_ERROR_CODE, b, 4 + rlen);
}

/* Appends the first mac_len bytes of the full-byte MAC as type. */
static int add_mac(struct tpa_stun_msg *m, uint16_t type, const char *digest,
		   size_t full, size_t mac_len, const uint8_t *key,
		   size_t key_len)
{
	uint8_t mac[TPA_STUN_MI_SHA256_LEN];
	int r;

	if (m == NULL)
		return TPA_STUN_ERR_ARG;
	if (key == NULL || key_len == 0 || mac_len > full || full > sizeof(mac))
		return msg_fail(m, TPA_STUN_ERR_ARG);
	r = msg_room(m, mac_len);
	if (r != 0)
		return r;
	r = hmac_prefix(m->buf, m->len, 4 + mac_len, digest, key, key_len, mac,
			full);
	if (r != 0)
		return msg_fail(m, r);
	return tpa_stun_add_attr(m, type, mac, mac_len);
}

int tpa_stun_add_integrity(struct tpa_stun_msg *m, const uint8_t *key,
			   size_t key_len)
{
	return add_mac(m, TPA_STUN_ATTR_MESSAGE_INTEGRITY, "SHA1",
		       TPA_STUN_MI_LEN, TPA_STUN_MI_LEN, key, key_len);
}

int tpa_stun_add_integrity_sha256(struct tpa_stun_msg *m, const uint8_t *key,
				  size_t key_len)
{
	return tpa_stun_add_integrity_sha256_len(m, key, key_len,
						 TPA_STUN_MI_SHA256_LEN);
}

int tpa_stun_add_integrity_sha256_len(struct tpa_stun_msg *m,
				      const uint8_t *key, size_t key_len,
				      size_t mac_len)
{
	if (m != NULL && (mac_len < TPA_STUN_MI_SHA256_MIN_LEN ||
			  mac_len > TPA_STUN_MI_SHA256_LEN || mac_len % 4 != 0))
		return msg_fail(m, TPA_STUN_ERR_ARG);
	return add_mac(m, TPA_STUN_ATTR_MESSAGE_INTEGRITY_SHA256, "SHA256",
		       TPA_STUN_MI_SHA256_LEN, mac_len, key, key_len);
}

int tpa_stun_add_fingerprint(struct tpa_stun_msg *m)
{
	uint32_t crc;
	int r;

	if (m == NULL)
		return TPA_STUN_ERR_ARG;
	r = msg_room(m, 4);
	if (r != 0)
		return r;
	tpa_put_u16(m->buf + 2, (uint16_t)(m->len - TPA_STUN_HDR_LEN + 8));
	crc = tpa_stun_crc32(m->buf, m->len) ^ TPA_STUN_FINGERPRINT_XOR;
	return tpa_stun_add_u32(m, TPA_STUN_ATTR_FINGERPRINT, crc);
}

/* ---- parser ----------------------------------------------------------- */

int tpa_stun_is_stun(const uint8_t *buf, size_t len)
{
	return buf != NULL && len >= TPA_STUN_HDR_LEN && (buf[0] & 0xC0) == 0 &&
	       tpa_get_u32(buf + 4) == TPA_STUN_MAGIC_COOKIE;
}

int tpa_stun_parse(struct tpa_stun_view *v, const uint8_t *buf, size_t len)
{
	struct tpa_stun_walker w;
	struct tpa_stun_attr a;
	size_t body;
	int r, seen_fp = 0;

	if (v == NULL)
		return TPA_STUN_ERR_ARG;
	v->buf = NULL;
	v->len = 0;
	if (buf == NULL)
		return TPA_STUN_ERR_ARG;
	if (len < TPA_STUN_HDR_LEN)
		return TPA_STUN_ERR_TRUNCATED;
	if ((buf[0] & 0xC0) != 0 ||
	    tpa_get_u32(buf + 4) != TPA_STUN_MAGIC_COOKIE)
		return TPA_STUN_ERR_MALFORMED;
	body = tpa_get_u16(buf + 2);
	if (body % 4 != 0)
		return TPA_STUN_ERR_MALFORMED;
	if (len - TPA_STUN_HDR_LEN < body)
		return TPA_STUN_ERR_TRUNCATED;
	if (len - TPA_STUN_HDR_LEN > body)
		return TPA_STUN_ERR_MALFORMED;
	v->buf = buf;
	v->len = len;
	tpa_stun_walker_init(&w, v);
	while ((r = tpa_stun_walker_next(&w, &a)) == 1) {
		if (seen_fp)
			break;
		seen_fp = a.type == TPA_STUN_ATTR_FINGERPRINT;
	}
	if (r == 1)
		r = TPA_STUN_ERR_MALFORMED; /* something after FINGERPRINT */
	if (r != 0) {
		v->buf = NULL;
		v->len = 0;
	}
	return r;
}

enum tpa_stun_class tpa_stun_class_of(const struct tpa_stun_view *v)
{
	uint16_t t = tpa_get_u16(v->buf);

	return (enum tpa_stun_class)(((t >> 7) & 2u) | ((t >> 4) & 1u));
}

uint16_t tpa_stun_method_of(const struct tpa_stun_view *v)
{
	uint16_t t = tpa_get_u16(v->buf);

	return (uint16_t)((t & 0x000F) | ((t >> 1) & 0x0070) |
			  ((t >> 2) & 0x0F80));
}

const uint8_t *tpa_stun_tid_of(const struct tpa_stun_view *v)
{
	return v->buf + 8;
}

void tpa_stun_walker_init(struct tpa_stun_walker *w,
			  const struct tpa_stun_view *v)
{
	w->v = v;
	w->pos = TPA_STUN_HDR_LEN;
	w->err = 0;
}

int tpa_stun_walker_next(struct tpa_stun_walker *w, struct tpa_stun_attr *a)
{
	const struct tpa_stun_view *v = w->v;
	size_t left, padded;
	uint16_t alen;

	if (w->err != 0)
		return w->err;
	if (v == NULL || v->buf == NULL || v->len < TPA_STUN_HDR_LEN ||
	    w->pos < TPA_STUN_HDR_LEN || w->pos > v->len)
		return w->err = TPA_STUN_ERR_MALFORMED;
	left = v->len - w->pos;
	if (left == 0)
		return 0;
	if (left < 4)
		return w->err = TPA_STUN_ERR_MALFORMED;
	alen = tpa_get_u16(v->buf + w->pos + 2);
	padded = pad4(alen);
	if (left - 4 < padded)
		return w->err = TPA_STUN_ERR_MALFORMED;
	a->type = tpa_get_u16(v->buf + w->pos);
	a->len = alen;
	a->value = v->buf + w->pos + 4;
	a->offset = w->pos;
	w->pos += 4 + padded;
	return 1;
}

int tpa_stun_get_attr(const struct tpa_stun_view *v, uint16_t type,
		      struct tpa_stun_attr *out)
{
	struct tpa_stun_walker w;
	struct tpa_stun_attr a;
	int r, after_mi = 0;

	if (v == NULL || out == NULL)
		return TPA_STUN_ERR_ARG;
	memset(out, 0, sizeof(*out));
	tpa_stun_walker_init(&w, v);
	while ((r = tpa_stun_walker_next(&w, &a)) == 1) {
		if (after_mi &&
		    a.type != TPA_STUN_ATTR_MESSAGE_INTEGRITY_SHA256 &&
		    a.type != TPA_STUN_ATTR_FINGERPRINT)
			continue;
		if (a.type == type) {
			*out = a;
			return TPA_STUN_OK;
		}
		if (a.type == TPA_STUN_ATTR_MESSAGE_INTEGRITY ||
		    a.type == TPA_STUN_ATTR_MESSAGE_INTEGRITY_SHA256)
			after_mi = 1;
		if (a.type == TPA_STUN_ATTR_FINGERPRINT)
			break;
	}
	return r < 0 ? r : TPA_STUN_ERR_NO_ATTR;
}

static int decode_addr(const struct tpa_stun_view *v, uint16_t type, int xor,
		       struct sockaddr_storage *ss)
{
	struct tpa_stun_attr a;
	uint8_t mask[16], addr[16];
	uint16_t port;
	size_t n;
	int r;

	if (ss == NULL)
		return TPA_STUN_ERR_ARG;
	memset(ss, 0, sizeof(*ss));
	r = tpa_stun_get_attr(v, type, &a);
	if (r != 0)
		return r;
	if (a.len < 4)
		return TPA_STUN_ERR_MALFORMED;
	if (a.value[1] == 1)
		n = 4;
	else if (a.value[1] == 2)
		n = 16;
	else
		return TPA_STUN_ERR_FAMILY;
	if (a.len != 4 + n)
		return TPA_STUN_ERR_MALFORMED;
	xor_mask(v->buf, mask);
	port = tpa_get_u16(a.value + 2);
	memcpy(addr, a.value + 4, n);
	if (xor) {
		port ^= 0x2112;
		for (size_t i = 0; i < n; i++)
			addr[i] ^= mask[i];
	}
	if (n == 4) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		memcpy(&in->sin_addr, addr, 4);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		memcpy(&in6->sin6_addr, addr, 16);
	}
	return TPA_STUN_OK;
}

int tpa_stun_get_xor_addr(const struct tpa_stun_view *v, uint16_t type,
			  struct sockaddr_storage *ss)
{
	return decode_addr(v, type, 1, ss);
}

int tpa_stun_get_addr(const struct tpa_stun_view *v, uint16_t type,
		      struct sockaddr_storage *ss)
{
	return decode_addr(v, type, 0, ss);
}

int tpa_stun_get_u32(const struct tpa_stun_view *v, uint16_t type,
		     uint32_t *out)
{
	struct tpa_stun_attr a;
	int r;

	if (out == NULL)
		return TPA_STUN_ERR_ARG;
	*out = 0;
	r = tpa_stun_get_attr(v, type, &a);
	if (r != 0)
		return r;
	if (a.len != 4)
		return TPA_STUN_ERR_MALFORMED;
	*out = tpa_get_u32(a.value);
	return TPA_STUN_OK;
}

/* Bounded copy to a C string; control bytes (and NUL) become '?'. */
static void copy_clean(char *out, size_t outcap, const uint8_t *p, size_t n)
{
	size_t i;

	if (n > outcap - 1)
		n = outcap - 1;
	for (i = 0; i < n; i++)
		out[i] = (p[i] < 0x20 || p[i] == 0x7F) ? '?' : (char)p[i];
	out[n] = '\0';
}

int tpa_stun_get_string(const struct tpa_stun_view *v, uint16_t type, char *out,
			size_t outcap, size_t *full_len)
{
	struct tpa_stun_attr a;
	int r;

	if (full_len != NULL)
		*full_len = 0;
	if (out == NULL || outcap == 0)
		return TPA_STUN_ERR_ARG;
	out[0] = '\0';
	r = tpa_stun_get_attr(v, type, &a);
	if (r != 0)
		return r;
	copy_clean(out, outcap, a.value, a.len);
	if (full_len != NULL)
		*full_len = a.len;
	return TPA_STUN_OK;
}

int tpa_stun_get_error_code(const struct tpa_stun_view *v, int *code,
			    char *reason, size_t reason_cap)
{
	struct tpa_stun_attr a;
	int r, cls;

	if (code == NULL || (reason != NULL && reason_cap == 0))
		return TPA_STUN_ERR_ARG;
	*code = 0;
	if (reason != NULL)
		reason[0] = '\0';
	r = tpa_stun_get_attr(v, TPA_STUN_ATTR_ERROR_CODE, &a);
	if (r != 0)
		return r;
	if (a.len < 4)
		return TPA_STUN_ERR_MALFORMED;
	cls = a.value[2] & 7;
	if (cls < 3 || cls > 6 || a.value[3] > 99)
		return TPA_STUN_ERR_MALFORMED;
	*code = cls * 100 + a.value[3];
	if (reason != NULL)
		copy_clean(reason, reason_cap, a.value + 4, a.len - 4u);
	return TPA_STUN_OK;
}

static int verify_mac(const struct tpa_stun_view *v, uint16_t type,
		      const char *digest, const uint8_t *key, size_t key_len)
{
	uint8_t mac[TPA_STUN_MI_SHA256_LEN];
	struct tpa_stun_attr a;
	size_t full;
	int r;

	if (key == NULL || key_len == 0)
		return TPA_STUN_ERR_ARG;
	r = tpa_stun_get_attr(v, type, &a);
	if (r != 0)
		return r;
	if (type == TPA_STUN_ATTR_MESSAGE_INTEGRITY) {
		full = TPA_STUN_MI_LEN;
		if (a.len != TPA_STUN_MI_LEN)
			return TPA_STUN_ERR_MALFORMED;
	} else {
		full = TPA_STUN_MI_SHA256_LEN;
		if (a.len < TPA_STUN_MI_SHA256_MIN_LEN ||
		    a.len > TPA_STUN_MI_SHA256_LEN || a.len % 4 != 0)
			return TPA_STUN_ERR_MALFORMED;
	}
	r = hmac_prefix(v->buf, a.offset, 4u + a.len, digest, key, key_len, mac,
			full);
	if (r != 0)
		return r;
	r = CRYPTO_memcmp(mac, a.value, a.len) == 0 ? TPA_STUN_OK
						    : TPA_STUN_ERR_INTEGRITY;
	OPENSSL_cleanse(mac, sizeof(mac));
	return r;
}

int tpa_stun_verify_integrity(const struct tpa_stun_view *v, const uint8_t *key,
			      size_t key_len)
{
	return verify_mac(v, TPA_STUN_ATTR_MESSAGE_INTEGRITY, "SHA1", key,
			  key_len);
}

int tpa_stun_verify_integrity_sha256(const struct tpa_stun_view *v,
				     const uint8_t *key, size_t key_len)
{
	return verify_mac(v, TPA_STUN_ATTR_MESSAGE_INTEGRITY_SHA256, "SHA256",
			  key, key_len);
}

int tpa_stun_verify_fingerprint(const struct tpa_stun_view *v)
{
	struct tpa_stun_attr a;
	uint32_t want;
	int r;

	r = tpa_stun_get_attr(v, TPA_STUN_ATTR_FINGERPRINT, &a);
	if (r != 0)
		return r;
	if (a.len != 4 || v->len - a.offset != 8)
		return TPA_STUN_ERR_MALFORMED;
	want = tpa_stun_crc32(v->buf, a.offset) ^ TPA_STUN_FINGERPRINT_XOR;
	return tpa_get_u32(a.value) == want ? TPA_STUN_OK
					    : TPA_STUN_ERR_FINGERPRINT;
}

/* ---- keys ------------------------------------------------------------- */

int tpa_stun_long_term_key(const char *username, const char *realm,
			   const char *password, uint8_t out16[16])
{
	EVP_MD_CTX *ctx;
	unsigned int outl = 0;
	int ok;

	if (out16 == NULL)
		return TPA_STUN_ERR_ARG;
	memset(out16, 0, 16);
	if (username == NULL || realm == NULL || password == NULL)
		return TPA_STUN_ERR_ARG;
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL)
		return TPA_STUN_ERR_CRYPTO;
	ok = EVP_DigestInit_ex(ctx, EVP_md5(), NULL) &&
	     EVP_DigestUpdate(ctx, username, strlen(username)) &&
	     EVP_DigestUpdate(ctx, ":", 1) &&
	     EVP_DigestUpdate(ctx, realm, strlen(realm)) &&
	     EVP_DigestUpdate(ctx, ":", 1) &&
	     EVP_DigestUpdate(ctx, password, strlen(password)) &&
	     EVP_DigestFinal_ex(ctx, out16, &outl) && outl == 16;
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		OPENSSL_cleanse(out16, 16);
		return TPA_STUN_ERR_CRYPTO;
	}
	return TPA_STUN_OK;
}
