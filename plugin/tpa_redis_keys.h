/*
 * tpa_redis_keys: what coturn-tpa keeps in Redis, shared by the plugin
 * and turn-token revoke: the key names, the Lua scripts, the messages of
 * the revocation channel, and the reading of the scripts' replies.
 *
 * Every key of a token is named by its token id (tpa_token_id: 16 hex
 * characters of SHA-256 over the token, never the token), inside a
 * Cluster hash tag so that one token's keys live in one slot and its
 * script touches one slot only:
 *
 *   tpa:{ID}:use      string: the binding of the token's first use
 *                     (tpa_binding.h); EXPIREAT the token's end + skew
 *   tpa:{ID}:alloc    sorted set of "<node id>:<session id>", score the
 *                     lease deadline in ms by Redis's clock; only with
 *                     max-allocations-per-token; EXPIREAT as above
 *   tpa:{ID}:revoked  string "1": the token is revoked; EXPIREAT as above
 *   tpa:revoked-kids  sorted set of kids, score until when (Unix s);
 *                     EXPIREAT the latest score (GT)
 *   tpa:revoke        the channel: "token ID" or "kid KID"
 *
 * Knows nothing of connections: see lib/tpa_redis.h.
 */
#ifndef TPA_REDIS_KEYS_H
#define TPA_REDIS_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#define TPA_KEYS_TOKEN_ID_LEN 16
#define TPA_KEYS_KEY_MAX 48 /* "tpa:{ID}:revoked" with room */
#define TPA_KEYS_KID_MAX 128
#define TPA_KEYS_REVOKED_KIDS "tpa:revoked-kids"
#define TPA_KEYS_CHANNEL "tpa:revoke"
#define TPA_KEYS_MESSAGE_MAX (4 + TPA_KEYS_KID_MAX + 1) /* "kid " KID */
#define TPA_KEYS_BOUND_MAX 128 /* a binding from Redis, as shown */
/* A session's slot: held this long unless renewed (ms), renewed this
 * often (s). */
#define TPA_KEYS_LEASE_MS 30000
#define TPA_KEYS_RENEW_EVERY 10

enum tpa_keys_suffix { TPA_KEYS_USE, TPA_KEYS_ALLOC, TPA_KEYS_REVOKED };

/* "tpa:{ID}:use" etc. into out (TPA_KEYS_KEY_MAX bytes); returns its
 * length. */
size_t tpa_keys_token_key(const char *token_id, enum tpa_keys_suffix which,
			  char *out);

/* 1 if id is a token id: exactly 16 characters 0-9 a-f. */
int tpa_keys_token_id_valid(const char *id, size_t len);

/*
 * The claim: one authorization's whole Redis part, in one round trip.
 * KEYS: use, alloc, revoked.  ARGV: binding, expire_at (Unix s), limit (0:
 * none), member, lease_ms.  Replies {"revoked"}, {"replay", BOUND},
 * {"limit", COUNT} or {"ok"}.
 */
extern const char tpa_keys_claim_lua[];

/*
 * The renewal of one token's leases, and whether it was revoked: KEYS:
 * alloc, revoked.  ARGV: lease_ms, expire_at, members... (none: only the
 * revoked check).  Replies 1 if the token is revoked, else 0.
 */
extern const char tpa_keys_renew_lua[];

/*
 * turn-token revoke: a token revoked until a time, or a kid, the later
 * time winning when it is revoked again, the keys' expiries pushed out
 * (never in).  Token: KEYS tpa:{ID}:revoked, ARGV until (Unix s).  Kid:
 * KEYS tpa:revoked-kids, ARGV until, kid.  Both reply the time in effect.
 * Redis 7 (EXPIRETIME).
 */
extern const char tpa_keys_revoke_token_lua[];
extern const char tpa_keys_revoke_kid_lua[];

enum tpa_claim_verdict {
	TPA_CLAIM_OK = 0,
	TPA_CLAIM_REVOKED,
	TPA_CLAIM_REPLAY,
	TPA_CLAIM_LIMIT,
	TPA_CLAIM_UNAVAILABLE /* Redis could not answer, or not as the
			       * script does */
};

struct tpa_claim_reply {
	enum tpa_claim_verdict verdict;
	char bound[TPA_KEYS_BOUND_MAX]; /* REPLAY: the binding in Redis,
					 * printable (tpa_binding_shown) */
	long long count;		/* LIMIT: live allocations */
};

/* Reads a reply of the claim script into *out.  Returns 0, or -1 with why
 * (whylen bytes) when it is not one (out->verdict UNAVAILABLE). */
int tpa_keys_claim_parse(const redisReply *r, struct tpa_claim_reply *out,
			 char *why, size_t whylen);

/* A message of the channel. */
enum tpa_keys_message { TPA_MSG_BAD = 0, TPA_MSG_TOKEN, TPA_MSG_KID };

/*
 * Reads a message (len bytes, any bytes) of the channel: a token id into
 * what (TPA_KEYS_TOKEN_ID_LEN + 1 bytes) or a kid (TPA_KEYS_KID_MAX + 1
 * bytes; printable ASCII without spaces).  TPA_MSG_BAD for anything else.
 */
enum tpa_keys_message tpa_keys_message_parse(const char *payload, size_t len,
					     char *what);

/* "token ID" / "kid KID" into out (TPA_KEYS_MESSAGE_MAX bytes); returns
 * its length, 0 if what is not valid for kind. */
size_t tpa_keys_message_make(enum tpa_keys_message kind, const char *what,
			     char *out);

/* "<node id>:<session id>" into out (40 bytes); returns its length. */
size_t tpa_keys_member(const char *node_id, uint64_t session_id, char *out);
#define TPA_KEYS_MEMBER_MAX 40

#endif /* TPA_REDIS_KEYS_H */
