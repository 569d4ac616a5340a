/*
 * tpa_browser_username: the USERNAME of the browser profile, which carries
 * the kid and the token to a WebRTC browser's TURN client (which speaks
 * only username and password).
 *
 * Version 1:
 *
 *   "tpa1." base64url(kid) "." base64url(token)
 *
 * base64url without padding (RFC 4648 section 5), so the whole USERNAME is
 * made of A-Z a-z 0-9 - _ and '.': characters that every browser and
 * coturn take as they are (coturn refuses quotes, backslashes and spaces
 * in usernames; a kid may hold them, hence its encoding).  A kid of 1..128
 * bytes and a 64- or 76-byte token give at most 5 + 171 + 1 + 102 = 279
 * bytes, well under the 509 bytes from which browsers refuse a username.
 *
 * A USERNAME has the profile's form when it starts with "tpa", one or more
 * digits (the version) and a '.'.  Anything of that form that is not a
 * well-formed version-1 USERNAME is bad (and must be refused, never handed
 * to other mechanisms); anything else is not this profile's.
 *
 * Knows nothing of keys, STUN or coturn.  Thread-safe (no shared state).
 */
#ifndef TPA_BROWSER_USERNAME_H
#define TPA_BROWSER_USERNAME_H

#include <stddef.h>
#include <stdint.h>

#include "tpa_keyset.h"
#include "tpa_token.h"

#define TPA_BROWSER_USERNAME_PREFIX "tpa1."
/* The longest well-formed USERNAME, without the NUL. */
#define TPA_BROWSER_USERNAME_MAX 279
/* Browsers (Chromium's TURN client) refuse usernames of this many bytes. */
#define TPA_BROWSER_USERNAME_BROWSER_LIMIT 509
#define TPA_BROWSER_USERNAME_WHY_LEN 96 /* enough for any reason */

enum tpa_browser_username_kind {
	TPA_BROWSER_USERNAME_NOT_PROFILE = 0, /* not of the profile's form */
	TPA_BROWSER_USERNAME_OK,	      /* well-formed version 1 */
	TPA_BROWSER_USERNAME_BAD /* of the profile's form, but broken */
};

/* A parsed USERNAME: what it carries, still unchecked. */
struct tpa_browser_username {
	char kid[TPA_KID_MAX + 1];	  /* valid kid (tpa_jwk_kid_valid) */
	uint8_t token[TPA_TOKEN_MAX_LEN]; /* the token's bytes, as sent */
	size_t token_len;		  /* 1..TPA_TOKEN_MAX_LEN */
};

/*
 * Parses the len bytes at username (from the network; no NUL needed).
 * *out is zeroed first and filled only for TPA_BROWSER_USERNAME_OK.  For
 * TPA_BROWSER_USERNAME_BAD, why (whylen bytes, may be NULL) receives a
 * printable reason that never quotes the token, e.g. "kid is not
 * base64url"; otherwise "".  Nothing beyond len bytes is read.
 */
enum tpa_browser_username_kind
tpa_browser_username_parse(const char *username, size_t len,
			   struct tpa_browser_username *out, char *why,
			   size_t whylen);

/*
 * Writes the version-1 USERNAME for kid (a valid kid) and the tok_len
 * bytes of the token at tok into out (outcap bytes;
 * TPA_BROWSER_USERNAME_MAX + 1 is always enough) as a NUL-terminated
 * string.  Returns its length, or -1 if kid is not valid, tok_len is 0 or
 * above TPA_TOKEN_MAX_LEN, or out is too small (out is then "" if outcap
 * > 0).
 */
int tpa_browser_username_format(const char *kid, const uint8_t *tok,
				size_t tok_len, char *out, size_t outcap);

#endif /* TPA_BROWSER_USERNAME_H */
