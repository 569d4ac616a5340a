/* tpa_b64: strict base64 / base64url codec. See tpa_b64.h. */
#include "tpa_b64.h"

#include <openssl/crypto.h>

static unsigned int in_range(unsigned int c, unsigned int lo, unsigned int hi);
static char enc_char(unsigned int v, int url);
static int dec_char(unsigned char ch, int url);
static size_t unpadded_len(size_t n);

/* All-ones if lo <= c <= hi, else 0; c, lo, hi < 256; no branches. */
static unsigned int in_range(unsigned int c, unsigned int lo, unsigned int hi)
{
	unsigned int below = (lo - 1u - c) >> 31; /* 1 iff c >= lo */
	unsigned int above = (c - hi - 1u) >> 31; /* 1 iff c <= hi */

	return 0u - (below & above);
}

/* Maps a 6-bit value to its character, without a secret-indexed table. */
static char enc_char(unsigned int v, int url)
{
	unsigned int c62 = url ? '-' : '+';
	unsigned int c63 = url ? '_' : '/';
	unsigned int r = 0;

	r |= in_range(v, 0, 25) & (v + 'A');
	r |= in_range(v, 26, 51) & (v - 26 + 'a');
	r |= in_range(v, 52, 61) & (v - 52 + '0');
	r |= in_range(v, 62, 62) & c62;
	r |= in_range(v, 63, 63) & c63;
	return (char)r;
}

/* Maps a character to its 6-bit value, or -1 if it is not in the alphabet. */
static int dec_char(unsigned char ch, int url)
{
	unsigned int c = ch;
	unsigned int c62 = url ? '-' : '+';
	unsigned int c63 = url ? '_' : '/';
	unsigned int r = 0;
	unsigned int ok = 0;
	unsigned int m;

	m = in_range(c, 'A', 'Z');
	r |= m & (c - 'A');
	ok |= m;
	m = in_range(c, 'a', 'z');
	r |= m & (c - 'a' + 26);
	ok |= m;
	m = in_range(c, '0', '9');
	r |= m & (c - '0' + 52);
	ok |= m;
	m = in_range(c, c62, c62);
	r |= m & 62u;
	ok |= m;
	m = in_range(c, c63, c63);
	r |= m & 63u;
	ok |= m;
	return ok ? (int)r : -1;
}

/* Number of characters for n bytes without padding; n <= SIZE_MAX / 4. */
static size_t unpadded_len(size_t n)
{
	return n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 + 1);
}

size_t tpa_b64_encoded_len(size_t n)
{
	size_t groups = n / 3 + (n % 3 != 0);

	if (groups > (SIZE_MAX - 1) / 4)
		return 0;
	return groups * 4 + 1;
}

int tpa_b64_encode(const uint8_t *in, size_t n, char *out, size_t outcap,
		   int url)
{
	size_t need, i, o = 0;

	if (out == NULL)
		return -1;
	if (outcap > 0)
		out[0] = '\0';
	if ((in == NULL && n != 0) || tpa_b64_encoded_len(n) == 0)
		return -1;
	need = url ? unpadded_len(n) + 1 : tpa_b64_encoded_len(n);
	if (outcap < need)
		return -1;

	for (i = 0; n - i >= 3; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
			     in[i + 2];
		out[o++] = enc_char(v >> 18 & 63, url);
		out[o++] = enc_char(v >> 12 & 63, url);
		out[o++] = enc_char(v >> 6 & 63, url);
		out[o++] = enc_char(v & 63, url);
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		out[o++] = enc_char(v >> 18 & 63, url);
		out[o++] = enc_char(v >> 12 & 63, url);
		if (!url) {
			out[o++] = '=';
			out[o++] = '=';
		}
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = enc_char(v >> 18 & 63, url);
		out[o++] = enc_char(v >> 12 & 63, url);
		out[o++] = enc_char(v >> 6 & 63, url);
		if (!url)
			out[o++] = '=';
	}
	out[o] = '\0';
	return 0;
}

int tpa_b64_decode(const char *in, size_t inlen, uint8_t *out, size_t outcap,
		   size_t *outlen, int url)
{
	size_t pad = 0, body, rem, need, i, o = 0;
	uint32_t acc = 0;
	int bits = 0;

	if (outlen != NULL)
		*outlen = 0;
	if (outlen == NULL || (in == NULL && inlen != 0) ||
	    (out == NULL && outcap != 0))
		return -1;

	while (pad < 2 && inlen - pad > 0 && in[inlen - pad - 1] == '=')
		pad++;
	body = inlen - pad;
	rem = body % 4;
	if (pad > 0 && inlen % 4 != 0)
		return -1; /* padding only completes a 4-character group */
	if (pad == 0 && !url && rem != 0)
		return -1; /* standard base64 must be padded */
	if (rem == 1)
		return -1; /* one character cannot encode a byte */
	need = body / 4 * 3 + (rem == 0 ? 0 : rem - 1);
	if (need > outcap)
		return -1;

	for (i = 0; i < body; i++) {
		int v = dec_char((unsigned char)in[i], url);
		if (v < 0)
			goto fail; /* also catches '=' inside the body */
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (acc != 0)
		goto fail; /* non-zero trailing bits: not canonical */
	*outlen = o;
	return 0;
fail:
	OPENSSL_cleanse(out, outcap);
	return -1;
}
