/*
 * tpa_stun: a STUN message codec (RFC 5389 / RFC 8489) with the TURN
 * (RFC 5766 / RFC 8656) and RFC 7635 attributes. No sockets, no globals,
 * no allocation: the builder writes into a caller buffer and the parser
 * reads a caller buffer in place.
 *
 * Every byte handed to the parser is treated as hostile: each length is
 * checked against what is left before it is used, and nothing outside
 * [buf, buf + len) is ever read. Functions return 0 or a negative
 * enum tpa_stun_err; tpa_stun_strerror() names it.
 *
 * Thread-safe (no shared state). Writes randomness with RAND_bytes and
 * computes MACs and digests with OpenSSL 3 (EVP).
 */
#ifndef TPA_STUN_H
#define TPA_STUN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define TPA_STUN_HDR_LEN 20
#define TPA_STUN_MAGIC_COOKIE 0x2112A442u
#define TPA_STUN_TID_LEN 12
#define TPA_STUN_FINGERPRINT_XOR 0x5354554eu
#define TPA_STUN_MI_LEN 20	      /* HMAC-SHA1 */
#define TPA_STUN_MI_SHA256_LEN 32     /* HMAC-SHA256, whole */
#define TPA_STUN_MI_SHA256_MIN_LEN 16 /* RFC 8489: truncated to no less */
#define TPA_STUN_MAX_ATTRS_LEN 65532  /* largest 16-bit length, 4-aligned */
#define TPA_STUN_REASON_MAX 764	      /* RFC 8489: < 128 chars, 763 bytes */

/* Message classes (RFC 5389 section 6). */
enum tpa_stun_class {
	TPA_STUN_REQUEST = 0,
	TPA_STUN_INDICATION = 1,
	TPA_STUN_SUCCESS = 2,
	TPA_STUN_ERROR = 3
};

/* Methods (RFC 5389, RFC 5766 / 8656). */
enum tpa_stun_method {
	TPA_STUN_BINDING = 0x001,
	TPA_STUN_ALLOCATE = 0x003,
	TPA_STUN_REFRESH = 0x004,
	TPA_STUN_SEND = 0x006,
	TPA_STUN_DATA = 0x007,
	TPA_STUN_CREATE_PERMISSION = 0x008,
	TPA_STUN_CHANNEL_BIND = 0x009
};

/* Attribute types. */
enum tpa_stun_attr_type {
	TPA_STUN_ATTR_MAPPED_ADDRESS = 0x0001,
	TPA_STUN_ATTR_USERNAME = 0x0006,
	TPA_STUN_ATTR_MESSAGE_INTEGRITY = 0x0008,
	TPA_STUN_ATTR_ERROR_CODE = 0x0009,
	TPA_STUN_ATTR_UNKNOWN_ATTRIBUTES = 0x000A,
	TPA_STUN_ATTR_CHANNEL_NUMBER = 0x000C,
	TPA_STUN_ATTR_LIFETIME = 0x000D,
	TPA_STUN_ATTR_XOR_PEER_ADDRESS = 0x0012,
	TPA_STUN_ATTR_DATA = 0x0013,
	TPA_STUN_ATTR_REALM = 0x0014,
	TPA_STUN_ATTR_NONCE = 0x0015,
	TPA_STUN_ATTR_XOR_RELAYED_ADDRESS = 0x0016,
	TPA_STUN_ATTR_REQUESTED_ADDRESS_FAMILY = 0x0017,
	TPA_STUN_ATTR_EVEN_PORT = 0x0018,
	TPA_STUN_ATTR_REQUESTED_TRANSPORT = 0x0019,
	TPA_STUN_ATTR_DONT_FRAGMENT = 0x001A,
	TPA_STUN_ATTR_ACCESS_TOKEN = 0x001B,		 /* RFC 7635 */
	TPA_STUN_ATTR_MESSAGE_INTEGRITY_SHA256 = 0x001C, /* RFC 8489 */
	TPA_STUN_ATTR_XOR_MAPPED_ADDRESS = 0x0020,
	TPA_STUN_ATTR_RESERVATION_TOKEN = 0x0022,
	TPA_STUN_ATTR_SOFTWARE = 0x8022,
	TPA_STUN_ATTR_ALTERNATE_SERVER = 0x8023,
	TPA_STUN_ATTR_FINGERPRINT = 0x8028,
	TPA_STUN_ATTR_THIRD_PARTY_AUTHORIZATION = 0x802E /* RFC 7635 */
};

/* REQUESTED-TRANSPORT protocol numbers. */
#define TPA_STUN_TRANSPORT_UDP 17

enum tpa_stun_err {
	TPA_STUN_OK = 0,
	TPA_STUN_ERR_TRUNCATED = -1, /* fewer bytes than the header says */
	TPA_STUN_ERR_MALFORMED = -2, /* bytes present but not valid STUN */
	TPA_STUN_ERR_NO_ATTR = -3,   /* no (visible) attribute of that type */
	TPA_STUN_ERR_NOSPACE = -4,   /* builder buffer or 16-bit length full */
	TPA_STUN_ERR_ARG = -5,	     /* NULL or out-of-range argument */
	TPA_STUN_ERR_INTEGRITY = -6, /* MESSAGE-INTEGRITY does not match */
	TPA_STUN_ERR_FINGERPRINT = -7, /* FINGERPRINT does not match */
	TPA_STUN_ERR_FAMILY = -8,      /* address family not IPv4/IPv6 */
	TPA_STUN_ERR_CRYPTO = -9       /* OpenSSL failed */
};

/*
 * Static, human-readable name of an error code ("truncated message").
 * Never NULL; unknown values give "unknown error".
 */
const char *tpa_stun_strerror(int err);

/* ---- builder ---------------------------------------------------------- */

/*
 * A message under construction in a caller-owned buffer. err is sticky:
 * once an add fails, every later call returns the same error and leaves
 * the buffer alone, so a sequence of adds can be checked once at the end.
 */
struct tpa_stun_msg {
	uint8_t *buf; /* caller-owned, cap bytes */
	size_t cap;   /* size of buf */
	size_t len;   /* bytes written so far (header + attributes) */
	int err;      /* 0 or the first enum tpa_stun_err that occurred */
};

/*
 * Starts a message of class cls and method (12 bits) in buf (cap bytes).
 * tid is the 12-byte transaction id to use, or NULL for a fresh random one
 * (RAND_bytes). Returns 0 or an error (also stored in m->err).
 */
int tpa_stun_msg_init(struct tpa_stun_msg *m, uint8_t *buf, size_t cap,
		      enum tpa_stun_class cls, uint16_t method,
		      const uint8_t *tid);

/* The 12-byte transaction id of an initialised message (points into buf). */
const uint8_t *tpa_stun_msg_tid(const struct tpa_stun_msg *m);

/*
 * Appends attribute type with len bytes of value (value may be NULL only if
 * len is 0), zero padding to 4 bytes, and updates the header length.
 * Attributes must be added before MESSAGE-INTEGRITY and FINGERPRINT.
 */
int tpa_stun_add_attr(struct tpa_stun_msg *m, uint16_t type, const void *value,
		      size_t len);

/* Appends a 4-byte big-endian attribute (LIFETIME, ...). */
int tpa_stun_add_u32(struct tpa_stun_msg *m, uint16_t type, uint32_t v);

/* Appends REQUESTED-TRANSPORT with the protocol number (17 = UDP). */
int tpa_stun_add_requested_transport(struct tpa_stun_msg *m, uint8_t proto);

/*
 * Appends an XOR-encoded address attribute (XOR-PEER-ADDRESS,
 * XOR-RELAYED-ADDRESS, XOR-MAPPED-ADDRESS) from an AF_INET or AF_INET6
 * sockaddr (TPA_STUN_ERR_FAMILY otherwise).
 */
int tpa_stun_add_xor_addr(struct tpa_stun_msg *m, uint16_t type,
			  const struct sockaddr *sa);

/*
 * Appends ERROR-CODE with code 300..699 and a reason (NUL-terminated,
 * truncated to 763 bytes; NULL means empty).
 */
int tpa_stun_add_error_code(struct tpa_stun_msg *m, int code,
			    const char *reason);

/*
 * Appends MESSAGE-INTEGRITY: HMAC-SHA1 keyed with all key_len (>= 1) bytes
 * of key, over the message so far with the header length already counting
 * the MESSAGE-INTEGRITY attribute (RFC 5389 section 15.4). The key is not
 * kept.
 */
int tpa_stun_add_integrity(struct tpa_stun_msg *m, const uint8_t *key,
			   size_t key_len);

/* As tpa_stun_add_integrity, with HMAC-SHA256 (RFC 8489 section 14.6):
 * MESSAGE-INTEGRITY-SHA256, the whole 32 bytes. */
int tpa_stun_add_integrity_sha256(struct tpa_stun_msg *m, const uint8_t *key,
				  size_t key_len);

/*
 * MESSAGE-INTEGRITY-SHA256 truncated to its first mac_len bytes: 16 to 32,
 * a multiple of 4 (RFC 8489; 16 is RFC 7635's HMAC-SHA-256-128), else
 * TPA_STUN_ERR_ARG.  The header length counts the truncated attribute.
 */
int tpa_stun_add_integrity_sha256_len(struct tpa_stun_msg *m,
				      const uint8_t *key, size_t key_len,
				      size_t mac_len);

/* Appends FINGERPRINT (CRC-32 xor 0x5354554e); must be the last add. */
int tpa_stun_add_fingerprint(struct tpa_stun_msg *m);

/* ---- parser ----------------------------------------------------------- */

/*
 * A received message that passed tpa_stun_parse. It points into the
 * caller's buffer, which must outlive it.
 */
struct tpa_stun_view {
	const uint8_t *buf; /* the whole message */
	size_t len;	    /* TPA_STUN_HDR_LEN + header length field */
};

/* One attribute, as returned by the walker and the getters. */
struct tpa_stun_attr {
	uint16_t type;
	uint16_t len;	      /* value length without padding */
	const uint8_t *value; /* points into the message, len bytes */
	size_t offset;	      /* offset of the attribute header */
};

/* A cursor over the attributes of a view. */
struct tpa_stun_walker {
	const struct tpa_stun_view *v;
	size_t pos; /* offset of the next attribute header */
	int err;    /* sticky: 0 or the error that stopped the walk */
};

/*
 * Checks the header of the len bytes at buf (first two bits zero, magic
 * cookie, length a multiple of 4 and equal to len - 20) and that the
 * attributes tile the body exactly with nothing after FINGERPRINT.
 * Returns TPA_STUN_ERR_TRUNCATED if len is shorter than the header or the
 * header length says, TPA_STUN_ERR_MALFORMED for anything else wrong.
 * On success fills v; on failure v is zeroed.
 */
int tpa_stun_parse(struct tpa_stun_view *v, const uint8_t *buf, size_t len);

/*
 * Fast check for a demultiplexer: 1 if the len bytes at buf start with a
 * plausible STUN header (top bits zero and magic cookie), else 0.
 */
int tpa_stun_is_stun(const uint8_t *buf, size_t len);

/* Class and method of a parsed message. */
enum tpa_stun_class tpa_stun_class_of(const struct tpa_stun_view *v);
uint16_t tpa_stun_method_of(const struct tpa_stun_view *v);

/* The 12-byte transaction id of a parsed message (points into v->buf). */
const uint8_t *tpa_stun_tid_of(const struct tpa_stun_view *v);

/* The 14-bit message type field for a class and a 12-bit method. */
uint16_t tpa_stun_type(enum tpa_stun_class cls, uint16_t method);

/* Starts a walk over every attribute of v, in order, with none skipped. */
void tpa_stun_walker_init(struct tpa_stun_walker *w,
			  const struct tpa_stun_view *v);

/*
 * Returns 1 and fills *a with the next attribute, 0 at the end, or a
 * negative error (which then sticks). Never reads past the message.
 */
int tpa_stun_walker_next(struct tpa_stun_walker *w, struct tpa_stun_attr *a);

/*
 * Finds the first attribute of type that a receiver may trust: attributes
 * after MESSAGE-INTEGRITY are ignored (RFC 5389 section 15.4) except
 * MESSAGE-INTEGRITY-SHA256 and FINGERPRINT, and nothing after FINGERPRINT.
 * Returns 0 and fills *a, or TPA_STUN_ERR_NO_ATTR, or a parse error.
 */
int tpa_stun_get_attr(const struct tpa_stun_view *v, uint16_t type,
		      struct tpa_stun_attr *a);

/*
 * Decodes the XOR address attribute type (XOR-MAPPED/RELAYED/PEER-ADDRESS)
 * into *ss (AF_INET or AF_INET6 with the port set); *ss is zeroed first.
 * TPA_STUN_ERR_MALFORMED for a wrong length, TPA_STUN_ERR_FAMILY for an
 * unknown family.
 */
int tpa_stun_get_xor_addr(const struct tpa_stun_view *v, uint16_t type,
			  struct sockaddr_storage *ss);

/* Decodes a plain (not XOR) address attribute such as MAPPED-ADDRESS. */
int tpa_stun_get_addr(const struct tpa_stun_view *v, uint16_t type,
		      struct sockaddr_storage *ss);

/* Reads a 4-byte attribute (LIFETIME, ...) into *out (zeroed first). */
int tpa_stun_get_u32(const struct tpa_stun_view *v, uint16_t type,
		     uint32_t *out);

/*
 * Copies a text attribute (REALM, NONCE, USERNAME, SOFTWARE, ...) into out
 * (outcap >= 1 bytes) as a NUL-terminated string, truncated to outcap - 1
 * bytes; NUL and other control bytes are replaced by '?'. *out is set to
 * "" first. Returns 0 even when truncated; *full_len (may be NULL) gets the
 * attribute's length so the caller can tell.
 */
int tpa_stun_get_string(const struct tpa_stun_view *v, uint16_t type, char *out,
			size_t outcap, size_t *full_len);

/*
 * Decodes ERROR-CODE into *code (300..699) and reason (a bounded, cleaned
 * copy as tpa_stun_get_string makes; reason may be NULL). *code is 0 and
 * reason "" on failure.
 */
int tpa_stun_get_error_code(const struct tpa_stun_view *v, int *code,
			    char *reason, size_t reason_cap);

/*
 * Verifies MESSAGE-INTEGRITY (HMAC-SHA1) with all key_len bytes of key,
 * over the bytes before the attribute with the header length adjusted to
 * end right after it, so attributes that follow (FINGERPRINT) are allowed.
 * The MAC is compared in constant time. Returns 0 if it matches,
 * TPA_STUN_ERR_INTEGRITY if not, TPA_STUN_ERR_NO_ATTR if absent,
 * TPA_STUN_ERR_MALFORMED if its length is not 20.
 */
int tpa_stun_verify_integrity(const struct tpa_stun_view *v, const uint8_t *key,
			      size_t key_len);

/*
 * As tpa_stun_verify_integrity for MESSAGE-INTEGRITY-SHA256; accepts the
 * truncated forms RFC 8489 allows (16 to 32 bytes, a multiple of 4).
 */
int tpa_stun_verify_integrity_sha256(const struct tpa_stun_view *v,
				     const uint8_t *key, size_t key_len);

/*
 * Verifies FINGERPRINT, which must be the last attribute. Returns 0,
 * TPA_STUN_ERR_FINGERPRINT, TPA_STUN_ERR_NO_ATTR or TPA_STUN_ERR_MALFORMED.
 */
int tpa_stun_verify_fingerprint(const struct tpa_stun_view *v);

/* ---- keys ------------------------------------------------------------- */

/*
 * RFC 5389 long-term key: out16 = MD5(username ":" realm ":" password),
 * all NUL-terminated, used as given (no SASLprep). out16 is a secret: wipe
 * it when done. Returns 0, TPA_STUN_ERR_ARG or TPA_STUN_ERR_CRYPTO (out16
 * zeroed on failure).
 */
int tpa_stun_long_term_key(const char *username, const char *realm,
			   const char *password, uint8_t out16[16]);

/* CRC-32 (ISO 3309, as zlib computes it) of len bytes; exposed for tests. */
uint32_t tpa_stun_crc32(const uint8_t *p, size_t len);

#endif /* TPA_STUN_H */
