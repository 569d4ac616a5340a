/*
 * tpa_token: the RFC 7635 section 6.2 self-contained token, AES-GCM profile.
 *
 *   u16 nonce_length (always 12) | nonce[12] |
 *   AES-GCM(key = AS-RS key, nonce, AAD = STUN server name) of
 *     ( u16 key_length (20 or 32) | mac_key | u64 timestamp | u32 lifetime )
 *   | tag[16]
 *
 * All integers are big-endian. The timestamp is 48.16 fixed point: the upper
 * 48 bits are Unix seconds, the lower 16 bits count 1/64000 s. A 16-byte
 * AS-RS key selects AES-128-GCM, a 32-byte key AES-256-GCM. A valid token is
 * therefore exactly 64 bytes (20-byte mac key) or 76 bytes (32-byte mac key).
 * Tokens of other lengths, up to a 128-byte mac key, are still decrypted
 * when they can be, so that the reason says what is wrong with the mac key
 * (coturn's turnutils_oauth -e cuts a mac key at its first zero byte).
 *
 * This module knows nothing of key sets, STUN, coturn or Redis. It never
 * logs. It is thread-safe (no shared state).
 */
#ifndef TPA_TOKEN_H
#define TPA_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#define TPA_TOKEN_NONCE_LEN 12
#define TPA_TOKEN_TAG_LEN 16
#define TPA_MAC_KEY_MAX 32
#define TPA_TOKEN_MAX_LEN (2 + 12 + 2 + 32 + 8 + 4 + 16)
#define TPA_TOKEN_MIN_LEN (2 + 12 + 2 + 20 + 8 + 4 + 16)
#define TPA_TOKEN_FRAME_LEN (2 + 12 + 2 + 8 + 4 + 16) /* all but a mac key */
#define TPA_TOKEN_READ_MAX_LEN (TPA_TOKEN_FRAME_LEN + 128) /* decrypted */
#define TPA_TOKEN_ID_LEN 16   /* hex characters, without the NUL */
#define TPA_TOKEN_WHY_LEN 128 /* enough for any reason decode writes */
#define TPA_TOKEN_UTC_LEN 32  /* enough for tpa_token_utc of any time */

struct tpa_token {
	uint8_t mac_key[TPA_MAC_KEY_MAX]; /* secret: wipe with tpa_token_wipe */
	size_t mac_key_len;		  /* 20 (HMAC-SHA1) or 32 (SHA256) */
	uint64_t timestamp;		  /* raw 48.16 fixed point */
	uint32_t lifetime;		  /* seconds */
};

enum tpa_token_err {
	TPA_TOKEN_OK = 0,
	TPA_TOKEN_ERR_SHORT,	     /* too short to hold any mac key */
	TPA_TOKEN_ERR_LONG,	     /* more than TPA_TOKEN_READ_MAX_LEN */
	TPA_TOKEN_ERR_NONCE_LEN,     /* nonce_length is not 12 */
	TPA_TOKEN_ERR_AS_RS_KEY_LEN, /* AS-RS key is not 16 or 32 bytes */
	TPA_TOKEN_ERR_DECRYPT,	     /* bad tag: wrong key/server, tampered */
	TPA_TOKEN_ERR_KEY_LEN,	     /* authentic, but the mac key is not 20 or
				      * 32 bytes, or its length field lies */
	TPA_TOKEN_ERR_INTERNAL	     /* bad arguments, OpenSSL failure */
};

enum tpa_window {
	TPA_WINDOW_OK = 0,
	TPA_WINDOW_NOT_YET,
	TPA_WINDOW_EXPIRED,
	TPA_WINDOW_NO_LIFETIME /* lifetime 0: valid at no time at all */
};

/*
 * Short, static, human-readable name of an error ("nonce length is not 12").
 * Never NULL; unknown values give "unknown error". Safe to log.
 */
const char *tpa_token_strerror(enum tpa_token_err err);

/*
 * Decrypts and checks the token tok of tok_len bytes with the AS-RS key
 * (16 or 32 bytes) and the STUN server name (NUL-terminated; its bytes
 * without the NUL are the associated data). *out is zeroed first and is only
 * filled on TPA_TOKEN_OK; on any error it is left zeroed. Every length is
 * checked before anything is copied or decrypted; no byte beyond tok_len is
 * ever read, for any input.
 *
 * why, if not NULL, receives a NUL-terminated detailed reason of at most
 * whylen bytes (TPA_TOKEN_WHY_LEN is always enough), e.g. "nonce length
 * 1000, expected 12", or for an authentic 47-byte token "mac key is 3
 * bytes, not 20 or 32 (...)"; it holds "" on success. The reason never contains
 * key material and is safe to log. out is caller-owned; wipe it with
 * tpa_token_wipe after use. Does not check the validity window.
 */
enum tpa_token_err tpa_token_decode(const uint8_t *as_rs_key,
				    size_t as_rs_key_len,
				    const char *server_name, const uint8_t *tok,
				    size_t tok_len, struct tpa_token *out,
				    char *why, size_t whylen);

/*
 * Encrypts *in into out (caller-owned, outcap bytes; TPA_TOKEN_MAX_LEN is
 * always enough) and stores the token length in *outlen. nonce is 12 bytes,
 * or NULL to draw a fresh one with RAND_bytes (always do that in production:
 * a repeated nonce under one key breaks AES-GCM). Returns
 * TPA_TOKEN_ERR_AS_RS_KEY_LEN, TPA_TOKEN_ERR_KEY_LEN (in->mac_key_len not
 * 20/32) or TPA_TOKEN_ERR_INTERNAL (NULL argument, outcap too small,
 * OpenSSL failure); on error *outlen is 0 and out is wiped.
 */
enum tpa_token_err tpa_token_encode(const uint8_t *as_rs_key,
				    size_t as_rs_key_len,
				    const char *server_name,
				    const struct tpa_token *in,
				    const uint8_t *nonce, uint8_t *out,
				    size_t outcap, size_t *outlen);

/*
 * Writes a short token id into out: the first 8 bytes of SHA-256 over the
 * tok_len bytes of tok, as 16 lowercase hex characters and a NUL. Safe to
 * log; it does not reveal the token. tok may be NULL only if tok_len is 0.
 * On an internal failure out is "0000000000000000".
 */
void tpa_token_id(const uint8_t *tok, size_t tok_len, char out[17]);

/*
 * Builds a 48.16 timestamp: seconds are truncated to 48 bits, frac64000 (in
 * 1/64000 s, 0..63999) is kept to 16 bits.
 */
uint64_t tpa_token_ts_make(uint64_t unix_seconds, uint32_t frac64000);

/* The whole Unix seconds of a 48.16 timestamp. */
uint64_t tpa_token_ts_seconds(uint64_t ts);

/*
 * Checks the validity window: valid iff ts - skew <= now < ts + lifetime
 * (ts in whole seconds), computed without overflow for all inputs.  The
 * skew admits a token stamped by a clock that runs ahead of ours; it never
 * keeps a token past its end, since whatever the token authorizes ends
 * there too.  A token of lifetime 0 is valid at no time, whatever the skew
 * (TPA_WINDOW_NO_LIFETIME).  t must not be NULL.
 */
enum tpa_window tpa_token_window(const struct tpa_token *t,
				 uint64_t now_seconds, uint32_t skew_seconds);

/* Unix seconds at which the token expires (without skew): ts + lifetime. */
uint64_t tpa_token_expiry(const struct tpa_token *t);

/*
 * Writes Unix seconds as a UTC date, "2026-11-27T08:49:47Z", into out and
 * returns out; "(out of range)" past 48-bit seconds plus a 32-bit lifetime.
 */
const char *tpa_token_utc(uint64_t unix_seconds, char out[TPA_TOKEN_UTC_LEN]);

/* Wipes *t (OPENSSL_cleanse). t may be NULL. */
void tpa_token_wipe(struct tpa_token *t);

#endif /* TPA_TOKEN_H */
