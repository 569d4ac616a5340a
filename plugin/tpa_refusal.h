/*
 * tpa_refusal: why the plugin refused a request that carried a token, as a
 * number, so that counting refusals never parses the log text.  The text
 * for people stays in the decision's reason; this is the class it belongs
 * to.  Shared by the decision (tpa_auth), the Redis checks and the metrics.
 */
#ifndef TPA_REFUSAL_H
#define TPA_REFUSAL_H

enum tpa_refusal {
	TPA_REFUSAL_NONE = 0,	       /* not refused (ACCEPT or PASS) */
	TPA_REFUSAL_BAD_REQUEST,       /* malformed STUN, bad ACCESS-TOKEN
					* attribute, no USERNAME */
	TPA_REFUSAL_UNKNOWN_KID,       /* USERNAME names no key of the set */
	TPA_REFUSAL_KEY_NOT_VALID,     /* the key is before its nbf or past
					* its exp */
	TPA_REFUSAL_BAD_TOKEN,	       /* does not decrypt, bad lengths */
	TPA_REFUSAL_NOT_YET_VALID,     /* the token is from the future */
	TPA_REFUSAL_EXPIRED,	       /* the token's lifetime is over */
	TPA_REFUSAL_BAD_INTEGRITY,     /* MESSAGE-INTEGRITY missing or not
					* under the token's mac_key */
	TPA_REFUSAL_KEY_STORE,	       /* the key set cannot be read now */
	TPA_REFUSAL_REPLAY,	       /* used elsewhere (Redis binding) */
	TPA_REFUSAL_REVOKED,	       /* the token or its kid was revoked */
	TPA_REFUSAL_LIMIT,	       /* too many allocations of the token */
	TPA_REFUSAL_REDIS_UNAVAILABLE, /* Redis cannot answer and the
					* failure policy is reject */
	TPA_REFUSAL_INTERNAL,	       /* the plugin broke its own contract */
	TPA_REFUSAL_COUNT	       /* number of values; keep last */
};

#endif /* TPA_REFUSAL_H */
