/*
 * tpa_credential: the credential of a TURN client, read from a file or
 * from standard input, never from the command line (every local user can
 * read a process's arguments in /proc/PID/cmdline).
 *
 * The file is one JSON object. The RFC 7635 section 4 response that
 * `turn-token issue` prints is one as it is:
 *
 *   {"access_token": "B64", "token_type": "pop", "expires_in": 600,
 *    "kid": "2026-11-a", "key": "B64", "alg": "HMAC-SHA-1"}
 *
 * and so is a long-term credential, {"username": "alice", "password":
 * "secret"}. Members:
 *   username      USERNAME; without it, kid is (RFC 7635: USERNAME = kid)
 *   kid           the key id, USERNAME when username is absent
 *   key           a raw MESSAGE-INTEGRITY key, base64 or base64url, 1 to
 *                 TPA_TURN_KEY_MAX bytes (RFC 7635: the mac_key)
 *   access_token  an RFC 7635 ACCESS-TOKEN value, base64 or base64url
 *   password      a long-term password (key = MD5(user:realm:password))
 *   alg           with key: what the key is for (RFC 7635), "HMAC-SHA-1"
 *                 (a 20-byte key, MESSAGE-INTEGRITY) or "HMAC-SHA-256-128"
 *                 (a 32-byte key, MESSAGE-INTEGRITY-SHA256 of 16 bytes);
 *                 "HMAC-SHA-256", as turn-token issue once said, is the
 *                 latter.  Without it: MESSAGE-INTEGRITY.
 *   token_type, expires_in, ice_server   what turn-token issue adds; not
 *                 used (for the browser profile's ice_server, give
 *                 {"username": its username, "password": its credential})
 * Exactly one of key and password; a USERNAME; nothing else (an unknown
 * member is a typo, and an error). Duplicate members are refused.
 *
 * Thread-safe as jansson is; tpa_credential_load on "-" reads the
 * process's standard input.
 */
#ifndef TPA_CREDENTIAL_H
#define TPA_CREDENTIAL_H

#include <stddef.h>
#include <stdint.h>

#include "tpa_turn_client.h"

#define TPA_CREDENTIAL_FILE_MAX 16384 /* larger files are refused */

struct tpa_credential {
	char username[TPA_TURN_USERNAME_MAX + 1]; /* USERNAME */
	char password[TPA_TURN_PASSWORD_MAX + 1]; /* secret; "" if none */
	uint8_t key[TPA_TURN_KEY_MAX];		  /* secret: MI key */
	size_t key_len;				  /* 0: none (password) */
	uint8_t token[TPA_TURN_TOKEN_MAX];	  /* ACCESS-TOKEN value */
	size_t token_len;			  /* 0: none */
	enum tpa_turn_integrity integrity;	  /* from "alg"; default SHA1 */
};

/*
 * Parses the len bytes of JSON at text into *cr (wiped first, and again on
 * failure). Returns 0, or -1 with a reason in why (whycap bytes) that
 * names the member at fault, never a value.
 */
int tpa_credential_parse(const char *text, size_t len,
			 struct tpa_credential *cr, char *why, size_t whycap);

/*
 * Reads the credential file at path ("-": standard input, read to its
 * end) and parses it as tpa_credential_parse does. The bytes read are
 * wiped before returning. Blocks on the read. Returns 0 or -1 with why.
 */
int tpa_credential_load(const char *path, struct tpa_credential *cr, char *why,
			size_t whycap);

/*
 * Hands the credential to a TURN client: tpa_turn_set_credentials with
 * the key, or tpa_turn_set_password with the password; the token, if any,
 * goes with either; and the integrity attribute that "alg" names. username, if
 * not NULL, replaces the credential's; realm as for those functions. Returns
 * their result (c->err is set). Inline, so that the parser above links without
 * the TURN client.
 */
static inline int tpa_credential_apply(struct tpa_turn_client *c,
				       const struct tpa_credential *cr,
				       const char *username, const char *realm)
{
	const char *user = username != NULL ? username : cr->username;

	if (tpa_turn_set_integrity(c, cr->integrity) != 0)
		return -1;
	if (cr->key_len > 0)
		return tpa_turn_set_credentials(c, user, cr->key, cr->key_len,
						cr->token, cr->token_len,
						realm);
	return tpa_turn_set_password(c, user, cr->password, cr->token,
				     cr->token_len, realm);
}

/* Wipes *cr. NULL is a no-op. */
void tpa_credential_wipe(struct tpa_credential *cr);

#endif /* TPA_CREDENTIAL_H */
