/*
 * tpa_auth: the RFC 7635 decision for one STUN request.  Wires the STUN
 * parser, the key store and the token codec together; knows nothing of
 * coturn or of the plugin ABI, so that it can be tested on its own.
 */
#ifndef TPA_AUTH_H
#define TPA_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "tpa_config.h"
#include "tpa_keystore.h"
#include "tpa_refusal.h"
#include "tpa_token.h"

enum tpa_verdict { TPA_PASS = 0, TPA_ACCEPT, TPA_REJECT, TPA_ERROR };

#define TPA_REASON_LEN 160
#define TPA_KID_LOG_MAX 64 /* how much of an unknown kid a log shows */

struct tpa_auth_ctx {
	const struct tpa_config *cfg;
	struct tpa_keystore *keys;
	const char *server_name; /* associated data of the tokens */
};

struct tpa_auth_outcome {
	enum tpa_verdict verdict;
	uint8_t key[TPA_MAC_KEY_MAX]; /* ACCEPT: the MESSAGE-INTEGRITY key */
	size_t key_len;		      /* ACCEPT: 16, 20 or 32 */
	uint64_t expiry;    /* ACCEPT: Unix seconds, end of the token or key;
			     * always after now */
	uint64_t token_end; /* ACCEPT: Unix seconds, the token's own end
			     * (ts + lifetime): no session starts after it */
	char token_id[TPA_TOKEN_ID_LEN + 1]; /* "" when no token */
	char kid[TPA_KID_MAX + 1];	     /* ACCEPT: the key's id */
	int browser; /* ACCEPT: browser profile (long-term key), not RFC 7635 */
	char reason[TPA_REASON_LEN]; /* REJECT / ERROR: why; safe to log */
	enum tpa_refusal refusal;    /* REJECT / ERROR: why, as a class */
};

/*
 * Decides the STUN request msg (len bytes, from the network) whose USERNAME
 * is username, at Unix time now.  A request without ACCESS-TOKEN is PASSed.
 * Otherwise the token is decrypted with the key named by USERNAME (the
 * kid), its time window is checked (tpa_token_window: the skew admits a
 * token early, never past its end), and the
 * request's MESSAGE-INTEGRITY must verify with the whole mac_key (or its
 * first 16 bytes when legacy-coturn-keying is on).  Fills *out (zeroed
 * first); out->key is a secret, wipe it after use.  Thread-safe.  With a
 * token it may block on reading a changed key-set file (one caller a
 * check interval, see tpa_keystore_refresh); without, it never blocks.
 */
void tpa_auth_rfc7635(const struct tpa_auth_ctx *ctx, const uint8_t *msg,
		      size_t len, const char *username, uint64_t now,
		      struct tpa_auth_outcome *out);

/* ---- shared by the profiles (tpa_auth.c, tpa_browser.c) ---------------- */

/*
 * REJECT for why (the class), with "token ID: " and the printf-style
 * reason (cut to fit) in out->reason; ID is out->token_id, or "-" when it
 * is empty.
 */
void tpa_auth_reject(struct tpa_auth_outcome *out, enum tpa_refusal why,
		     const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Every check of a token but the proof of possession: the key named kid
 * exists and is within its nbf/exp at now, the tok_len bytes at tok
 * decrypt with it (associated data: the server name), and the token's
 * time window holds with the configured skew.  Returns 0 with the token
 * in *token and the key in *key (secrets: the caller wipes both), or -1
 * with out rejected (or ERROR when the key store cannot be read) and both
 * wiped.  Thread-safe; may block as tpa_auth_rfc7635 says.
 */
int tpa_auth_open_token(const struct tpa_auth_ctx *ctx, const char *kid,
			const uint8_t *tok, size_t tok_len, uint64_t now,
			struct tpa_token *token, struct tpa_key *key,
			struct tpa_auth_outcome *out);

#endif /* TPA_AUTH_H */
