/*
 * tpa_b64: strict base64 (RFC 4648 section 4) and base64url (section 5).
 *
 * Encoding: standard alphabet with '=' padding, or the URL alphabet without
 * padding. Decoding is strict: any byte outside the alphabet (including
 * whitespace and NUL), misplaced or wrong padding, a length that cannot be
 * base64, or non-zero trailing bits is rejected. base64url input may carry
 * padding or not; standard input must be padded.
 *
 * The character mapping is branch-free so that keys can be encoded and
 * decoded without table lookups indexed by secret bytes.
 */
#ifndef TPA_B64_H
#define TPA_B64_H

#include <stddef.h>
#include <stdint.h>

/*
 * Size of the buffer that tpa_b64_encode needs for n input bytes, including
 * the terminating NUL. This is the padded length, so it is also enough (an
 * upper bound) for base64url. Returns 0 if the result would overflow size_t.
 */
size_t tpa_b64_encoded_len(size_t n);

/*
 * Encodes n bytes at in into out as a NUL-terminated string: standard
 * alphabet with padding if url is 0, base64url without padding otherwise.
 * in may be NULL only if n is 0. out is caller-owned, outcap its size.
 * Returns 0 on success, -1 if out is NULL or too small (out is then set to
 * the empty string if outcap > 0).
 */
int tpa_b64_encode(const uint8_t *in, size_t n, char *out, size_t outcap,
		   int url);

/*
 * Decodes inlen characters at in (no NUL needed) into out, caller-owned, of
 * outcap bytes; *outlen receives the decoded length. url selects the
 * alphabet (base64url accepts padded and unpadded input, standard base64
 * requires padding). Returns 0 on success; -1 on invalid input, on an out
 * buffer that is too small, or on a NULL argument. On failure *outlen is 0
 * and whatever was written to out is wiped (it may be partial secret
 * data).
 */
int tpa_b64_decode(const char *in, size_t inlen, uint8_t *out, size_t outcap,
		   size_t *outlen, int url);

#endif /* TPA_B64_H */
