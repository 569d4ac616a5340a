/*
 * tpa_keyset: AS-RS keys as a JSON Web Key set (RFC 7517), via jansson.
 *
 *   {"keys": [{"kty": "oct", "kid": "2026-11-a", "alg": "A256GCM",
 *              "use": "enc", "k": "<base64url>", "nbf": 1, "exp": 2}]}
 *
 * alg is A128GCM or A256GCM (or the RFC 5116 names AEAD_AES_128_GCM,
 * AEAD_AES_256_GCM) and k must decode to 16 or 32 bytes to match. kty must be
 * "oct"; use is optional but must be "enc" if present; nbf and exp are
 * optional non-negative integers (Unix seconds) with exp > nbf. kid is
 * 1..128 bytes of printable ASCII without spaces (it travels as a STUN
 * USERNAME). Unknown members are ignored (RFC 7517 section 4).
 *
 * A set is refused whole on any error, and the error message says where,
 * e.g. keys[2] (kid "2026-11-b"): k is 31 bytes, A256GCM needs 32
 * Error messages never contain key material.
 *
 * A loaded set is immutable, so concurrent readers need no lock. This module
 * knows nothing of the token format.
 */
#ifndef TPA_KEYSET_H
#define TPA_KEYSET_H

#include <stddef.h>
#include <stdint.h>

#define TPA_KID_MAX 128			   /* bytes, without the NUL */
#define TPA_KEYSET_MAX_KEYS 1024	   /* keys per set */
#define TPA_KEYSET_MAX_BYTES (1024 * 1024) /* size of the JSON text */
#define TPA_KEYSET_ERR_LEN 512 /* enough for load_string (not path) */

struct tpa_key {
	char kid[TPA_KID_MAX + 1]; /* NUL-terminated, validated */
	uint8_t k[32];		   /* secret AS-RS key; first k_len bytes */
	size_t k_len;		   /* 16 (A128GCM) or 32 (A256GCM) */
	int has_nbf, has_exp;	   /* 1 if nbf / exp were given */
	int64_t nbf, exp;	   /* Unix seconds; 0 when absent */
};

struct tpa_keyset; /* opaque, immutable once loaded */

enum tpa_key_use { TPA_KEY_USABLE = 0, TPA_KEY_NOT_YET, TPA_KEY_EXPIRED };

/*
 * Reads and parses the JWK set in the file at path (at most 1 MiB). Returns
 * a new set owned by the caller (free with tpa_keyset_free), or NULL on any
 * error with a message that starts with the path written to err (errlen
 * bytes, may be NULL/0). Blocks on file I/O.
 */
struct tpa_keyset *tpa_keyset_load_file(const char *path, char *err,
					size_t errlen);

/*
 * Parses the JWK set in the len bytes at json (no NUL needed). Returns a new
 * caller-owned set, or NULL with a message in err (may be NULL/0).
 */
struct tpa_keyset *tpa_keyset_load_string(const char *json, size_t len,
					  char *err, size_t errlen);

/*
 * The key named kid, or NULL if ks or kid is NULL or no key has that kid.
 * The pointer is owned by ks and valid until tpa_keyset_free(ks).
 */
const struct tpa_key *tpa_keyset_find(const struct tpa_keyset *ks,
				      const char *kid);

/*
 * Whether k may be used at Unix time now: TPA_KEY_NOT_YET if now < nbf,
 * TPA_KEY_EXPIRED if now >= exp, else TPA_KEY_USABLE. k must not be NULL.
 */
enum tpa_key_use tpa_key_usable(const struct tpa_key *k, int64_t now);

/* Number of keys in ks (0 if ks is NULL). */
size_t tpa_keyset_count(const struct tpa_keyset *ks);

/* The i-th key in file order, owned by ks; NULL if ks is NULL or i is out
 * of range. */
const struct tpa_key *tpa_keyset_at(const struct tpa_keyset *ks, size_t i);

/* Wipes all key material and frees ks. ks may be NULL. */
void tpa_keyset_free(struct tpa_keyset *ks);

/*
 * Writes k as one compact JWK JSON object (NUL-terminated) into out
 * (caller-owned, outcap bytes; 512 is always enough), e.g.
 * {"kty":"oct","kid":"a","alg":"A256GCM","use":"enc","k":"...","exp":2}
 * alg may be NULL for A128GCM / A256GCM by k->k_len. The output contains the
 * secret key: the caller must wipe it. Returns 0, or -1 if an argument is
 * NULL, alg is unknown or does not match k_len, kid is not valid, or out is
 * too small (out is then wiped and set to "" if outcap > 0).
 */
int tpa_jwk_format(const struct tpa_key *k, const char *alg, char *out,
		   size_t outcap);

/*
 * The AS-RS key length (16 or 32) that the JWK/RFC 5116 algorithm name alg
 * needs, or 0 if alg is NULL or not supported.
 */
size_t tpa_jwk_alg_key_len(const char *alg);

/*
 * 1 if the len bytes at kid form a valid kid (1..128 bytes, printable ASCII
 * 0x21..0x7e), else 0 with the offset of the first bad byte in *bad_at if
 * bad_at is not NULL (len itself if the length is wrong).
 */
int tpa_jwk_kid_valid(const char *kid, size_t len, size_t *bad_at);

#endif /* TPA_KEYSET_H */
