/*
 * tpa_browser.c - the browser profile: kid and token in USERNAME, the
 * base64 mac_key as password, the RFC 5389 long-term key.
 */
#include "tpa_browser.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "tpa_b64.h"
#include "tpa_browser_username.h"
#include "tpa_stun.h"

#define CREDENTIAL_MAX 48 /* base64 of a 32-byte mac_key, padded, NUL */

static int same_username(const struct tpa_stun_view *v, const char *username,
			 struct tpa_auth_outcome *out);
static int check_long_term_integrity(const struct tpa_stun_view *v,
				     const struct tpa_token *tok,
				     const char *username, const char *realm,
				     struct tpa_auth_outcome *out);
static uint64_t session_end(const struct tpa_config *cfg,
			    const struct tpa_key *key, uint64_t now);

/* The request's own USERNAME is the one the host passed, byte for byte
 * (the key is derived from it; a NUL inside would make them differ). */
static int same_username(const struct tpa_stun_view *v, const char *username,
			 struct tpa_auth_outcome *out)
{
	struct tpa_stun_attr at;

	if (tpa_stun_get_attr(v, TPA_STUN_ATTR_USERNAME, &at) != 0 ||
	    at.len != strlen(username) ||
	    memcmp(at.value, username, at.len) != 0) {
		tpa_auth_reject(out, TPA_REFUSAL_BAD_REQUEST,
				"the request's USERNAME is not the one "
				"the server passed");
		return -1;
	}
	return 0;
}

/*
 * Proof of possession: MESSAGE-INTEGRITY under MD5(USERNAME ":" REALM ":"
 * base64(mac_key)); fills out->key on success.  A long-term credential
 * takes MESSAGE-INTEGRITY-SHA256 only with a PASSWORD-ALGORITHM (RFC 8489),
 * which coturn does not offer, and browsers send MESSAGE-INTEGRITY.
 */
static int check_long_term_integrity(const struct tpa_stun_view *v,
				     const struct tpa_token *tok,
				     const char *username, const char *realm,
				     struct tpa_auth_outcome *out)
{
	char credential[CREDENTIAL_MAX];
	uint8_t key[TPA_LONG_TERM_KEY_LEN];
	struct tpa_stun_attr a;
	int rc = -1, mi;

	if (tpa_stun_get_attr(v, TPA_STUN_ATTR_MESSAGE_INTEGRITY_SHA256, &a) ==
	    0) {
		tpa_auth_reject(out, TPA_REFUSAL_BAD_INTEGRITY,
				"MESSAGE-INTEGRITY-SHA256 with a long-term "
				"credential: coturn offers no "
				"PASSWORD-ALGORITHMS; send MESSAGE-INTEGRITY");
		return -1;
	}
	if (tpa_b64_encode(tok->mac_key, tok->mac_key_len, credential,
			   sizeof(credential), 0) != 0 ||
	    tpa_stun_long_term_key(username, realm, credential, key) != 0) {
		tpa_auth_reject(out, TPA_REFUSAL_INTERNAL,
				"cannot derive the long-term key");
		out->verdict = TPA_ERROR;
		goto out;
	}
	mi = tpa_stun_verify_integrity(v, key, sizeof(key));
	if (mi == TPA_STUN_ERR_INTEGRITY) {
		tpa_auth_reject(
			out, TPA_REFUSAL_BAD_INTEGRITY,
			"MESSAGE-INTEGRITY does not match the long-term "
			"key of the token's %zu-byte mac_key (wrong "
			"credential)",
			tok->mac_key_len);
		goto out;
	}
	if (mi != 0) {
		tpa_auth_reject(out, TPA_REFUSAL_BAD_INTEGRITY,
				"MESSAGE-INTEGRITY: %s", tpa_stun_strerror(mi));
		goto out;
	}
	memcpy(out->key, key, sizeof(key));
	out->key_len = sizeof(key);
	rc = 0;
out:
	OPENSSL_cleanse(credential, sizeof(credential));
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

/* A browser cannot change its USERNAME during a call: the session lasts
 * browser-max-session, or until its key's exp if sooner. */
static uint64_t session_end(const struct tpa_config *cfg,
			    const struct tpa_key *key, uint64_t now)
{
	uint64_t end = now + cfg->browser_max_session;

	if (end < now)
		end = UINT64_MAX;
	if (key->has_exp && key->exp >= 0 && (uint64_t)key->exp < end)
		end = (uint64_t)key->exp;
	return end;
}

void tpa_auth_browser(const struct tpa_auth_ctx *ctx, const uint8_t *msg,
		      size_t len, const char *username, const char *realm,
		      uint64_t now, struct tpa_auth_outcome *out)
{
	struct tpa_browser_username u;
	struct tpa_stun_view v;
	struct tpa_stun_attr at;
	struct tpa_token tok;
	struct tpa_key key;
	char why[TPA_BROWSER_USERNAME_WHY_LEN];
	int rc;

	memset(out, 0, sizeof(*out));
	if (username == NULL)
		username = "";
	switch (tpa_browser_username_parse(username, strlen(username), &u, why,
					   sizeof(why))) {
	case TPA_BROWSER_USERNAME_NOT_PROFILE:
		out->verdict = TPA_PASS;
		return;
	case TPA_BROWSER_USERNAME_BAD:
		tpa_auth_reject(out, TPA_REFUSAL_BAD_REQUEST,
				"browser USERNAME: %s", why);
		return;
	case TPA_BROWSER_USERNAME_OK:
		break;
	}
	tpa_token_id(u.token, u.token_len, out->token_id);
	rc = tpa_stun_parse(&v, msg, len);
	if (rc != 0) {
		tpa_auth_reject(out, TPA_REFUSAL_BAD_REQUEST,
				"malformed STUN request: %s",
				tpa_stun_strerror(rc));
		return;
	}
	if (tpa_stun_get_attr(&v, TPA_STUN_ATTR_ACCESS_TOKEN, &at) !=
	    TPA_STUN_ERR_NO_ATTR) {
		tpa_auth_reject(out, TPA_REFUSAL_BAD_REQUEST,
				"ACCESS-TOKEN with a browser USERNAME");
		return;
	}
	if (same_username(&v, username, out) != 0)
		return;
	if (tpa_auth_open_token(ctx, u.kid, u.token, u.token_len, now, &tok,
				&key, out) != 0)
		return;
	if (check_long_term_integrity(&v, &tok, username, realm ? realm : "",
				      out) == 0) {
		out->expiry = session_end(ctx->cfg, &key, now);
		out->token_end = tpa_token_expiry(&tok);
		memcpy(out->kid, key.kid, sizeof(out->kid));
		out->browser = 1;
		out->verdict = TPA_ACCEPT;
	}
	tpa_token_wipe(&tok);
	OPENSSL_cleanse(&key, sizeof(key));
}

int tpa_browser_log_name(const char *username, char *out, size_t outlen)
{
	struct tpa_browser_username u;
	char id[TPA_TOKEN_ID_LEN + 1];
	size_t len;

	if (username == NULL || out == NULL || outlen == 0)
		return 0;
	len = strnlen(username, TPA_BROWSER_USERNAME_BROWSER_LIMIT + 1);
	switch (tpa_browser_username_parse(username, len, &u, NULL, 0)) {
	case TPA_BROWSER_USERNAME_NOT_PROFILE:
		return 0;
	case TPA_BROWSER_USERNAME_OK:
		tpa_token_id(u.token, u.token_len, id);
		snprintf(out, outlen, "tpa1 token %s kid '%.*s'", id,
			 TPA_KID_LOG_MAX, u.kid);
		return 1;
	default:
		snprintf(out, outlen,
			 "tpa browser username, malformed, %zu%s bytes", len,
			 len > TPA_BROWSER_USERNAME_BROWSER_LIMIT ? "+" : "");
		return 1;
	}
}
