/*
 * tpa_browser_username.c - the browser profile's USERNAME: format and
 * parse.  See tpa_browser_username.h.
 */
#include "tpa_browser_username.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "tpa_b64.h"

#define VERSION_SHOWN_MAX 8 /* digits of an unknown version in a reason */
#define KID_B64_MAX 171	    /* base64url of TPA_KID_MAX bytes, unpadded */
#define TOKEN_B64_MAX 102   /* base64url of TPA_TOKEN_MAX_LEN bytes */

static size_t profile_prefix_len(const char *s, size_t len);
static enum tpa_browser_username_kind bad(char *why, size_t whylen,
					  const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int decode_part(const char *s, size_t len, uint8_t *out, size_t cap,
		       size_t *outlen);

/* Length of "tpa" DIGITS "." at the start of the len bytes at s, or 0. */
static size_t profile_prefix_len(const char *s, size_t len)
{
	size_t i = 3;

	if (len < 5 || memcmp(s, "tpa", 3) != 0)
		return 0;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i == 3 || i >= len || s[i] != '.')
		return 0;
	return i + 1;
}

static enum tpa_browser_username_kind bad(char *why, size_t whylen,
					  const char *fmt, ...)
{
	if (why != NULL && whylen > 0) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return TPA_BROWSER_USERNAME_BAD;
}

/* Strict unpadded base64url of 1..cap bytes.  Returns 0 or -1. */
static int decode_part(const char *s, size_t len, uint8_t *out, size_t cap,
		       size_t *outlen)
{
	if (len == 0 || memchr(s, '=', len) != NULL)
		return -1;
	return tpa_b64_decode(s, len, out, cap, outlen, 1);
}

enum tpa_browser_username_kind
tpa_browser_username_parse(const char *username, size_t len,
			   struct tpa_browser_username *out, char *why,
			   size_t whylen)
{
	const size_t plen = sizeof(TPA_BROWSER_USERNAME_PREFIX) - 1;
	const char *kid, *tok, *dot;
	size_t prefix, kid_b64_len, tok_b64_len, kid_len = 0;

	memset(out, 0, sizeof(*out));
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (username == NULL)
		return TPA_BROWSER_USERNAME_NOT_PROFILE;
	prefix = profile_prefix_len(username, len);
	if (prefix == 0)
		return TPA_BROWSER_USERNAME_NOT_PROFILE;
	if (prefix != plen ||
	    memcmp(username, TPA_BROWSER_USERNAME_PREFIX, plen) != 0) {
		size_t digits = prefix - 4; /* "tpa" DIGITS "." */

		if (digits > VERSION_SHOWN_MAX)
			digits = VERSION_SHOWN_MAX;
		return bad(why, whylen,
			   "browser-profile version %.*s is not supported "
			   "(this server reads version 1)",
			   (int)digits, username + 3);
	}
	if (len > TPA_BROWSER_USERNAME_MAX)
		return bad(why, whylen, "USERNAME is %zu bytes, at most %d",
			   len, TPA_BROWSER_USERNAME_MAX);
	kid = username + plen;
	dot = memchr(kid, '.', len - plen);
	if (dot == NULL)
		return bad(why, whylen, "no '.' between the kid and the token");
	kid_b64_len = (size_t)(dot - kid);
	tok = dot + 1;
	tok_b64_len = len - plen - kid_b64_len - 1;
	if (kid_b64_len > KID_B64_MAX)
		return bad(why, whylen, "kid is longer than %d bytes",
			   TPA_KID_MAX);
	if (decode_part(kid, kid_b64_len, (uint8_t *)out->kid, TPA_KID_MAX,
			&kid_len) != 0)
		return bad(why, whylen, "kid is not unpadded base64url");
	if (!tpa_jwk_kid_valid(out->kid, kid_len, NULL)) {
		memset(out, 0, sizeof(*out));
		return bad(why, whylen,
			   "kid is not 1 to %d bytes of printable ASCII",
			   TPA_KID_MAX);
	}
	if (tok_b64_len > TOKEN_B64_MAX) {
		memset(out, 0, sizeof(*out));
		return bad(why, whylen, "token is longer than %d bytes",
			   TPA_TOKEN_MAX_LEN);
	}
	if (decode_part(tok, tok_b64_len, out->token, sizeof(out->token),
			&out->token_len) != 0) {
		memset(out, 0, sizeof(*out));
		return bad(why, whylen, "token is not unpadded base64url");
	}
	return TPA_BROWSER_USERNAME_OK;
}

int tpa_browser_username_format(const char *kid, const uint8_t *tok,
				size_t tok_len, char *out, size_t outcap)
{
	char kid_b64[KID_B64_MAX + 3], tok_b64[TOKEN_B64_MAX + 3];
	size_t kid_len = kid != NULL ? strnlen(kid, TPA_KID_MAX + 1) : 0;
	int n;

	if (out != NULL && outcap > 0)
		out[0] = '\0';
	if (out == NULL || tok == NULL || tok_len == 0 ||
	    tok_len > TPA_TOKEN_MAX_LEN ||
	    !tpa_jwk_kid_valid(kid, kid_len, NULL) ||
	    tpa_b64_encode((const uint8_t *)kid, kid_len, kid_b64,
			   sizeof(kid_b64), 1) != 0 ||
	    tpa_b64_encode(tok, tok_len, tok_b64, sizeof(tok_b64), 1) != 0)
		return -1;
	n = snprintf(out, outcap, "%s%s.%s", TPA_BROWSER_USERNAME_PREFIX,
		     kid_b64, tok_b64);
	if (n < 0 || (size_t)n >= outcap) {
		if (outcap > 0)
			out[0] = '\0';
		return -1;
	}
	return n;
}
