/*
 * tpa_redis_keys.c - key names, scripts, channel messages.
 */
#include "tpa_redis_keys.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tpa_binding.h"

/*
 * Redis's own clock decides the leases (TIME), so the nodes' clocks need
 * not agree.  redis.replicate_commands(): Redis before 7 replicates a
 * script that read TIME only as its effects; 7 always does.
 */
const char tpa_keys_claim_lua[] =
	"if redis.call('EXISTS', KEYS[3]) == 1 then\n"
	"  return {'revoked'}\n"
	"end\n"
	"local bound = redis.call('GET', KEYS[1])\n"
	"if bound then\n"
	"  if bound ~= ARGV[1] then\n"
	"    return {'replay', bound}\n"
	"  end\n"
	"else\n"
	"  redis.call('SET', KEYS[1], ARGV[1])\n"
	"  redis.call('EXPIREAT', KEYS[1], ARGV[2])\n"
	"end\n"
	"local limit = tonumber(ARGV[3])\n"
	"if limit > 0 then\n"
	"  redis.replicate_commands()\n"
	"  local t = redis.call('TIME')\n"
	"  local now = tonumber(t[1]) * 1000 + "
	"math.floor(tonumber(t[2]) / 1000)\n"
	"  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)\n"
	"  if not redis.call('ZSCORE', KEYS[2], ARGV[4]) then\n"
	"    local n = redis.call('ZCARD', KEYS[2])\n"
	"    if n >= limit then\n"
	"      return {'limit', tostring(n)}\n"
	"    end\n"
	"  end\n"
	"  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[5]), ARGV[4])\n"
	"  redis.call('EXPIREAT', KEYS[2], ARGV[2])\n"
	"end\n"
	"return {'ok'}\n";

/* A slot whose lease expired while its node was cut off is taken again:
 * the count stays the truth about live allocations. */
const char tpa_keys_renew_lua[] =
	"local revoked = redis.call('EXISTS', KEYS[2])\n"
	"if #ARGV > 2 then\n"
	"  redis.replicate_commands()\n"
	"  local t = redis.call('TIME')\n"
	"  if tonumber(t[1]) < tonumber(ARGV[2]) then\n"
	"    local deadline = tonumber(t[1]) * 1000 + "
	"math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])\n"
	"    for i = 3, #ARGV do\n"
	"      redis.call('ZADD', KEYS[1], deadline, ARGV[i])\n"
	"    end\n"
	"    redis.call('EXPIREAT', KEYS[1], ARGV[2])\n"
	"  end\n"
	"end\n"
	"return revoked\n";

const char tpa_keys_revoke_token_lua[] =
	"if redis.call('EXPIRETIME', KEYS[1]) < tonumber(ARGV[1]) then\n"
	"  redis.call('SET', KEYS[1], '1', 'EXAT', ARGV[1])\n"
	"end\n"
	"return redis.call('EXPIRETIME', KEYS[1])\n";

/* EXPIREAT GT alone would not set a first expiry: a key without one
 * counts as never expiring. */
const char tpa_keys_revoke_kid_lua[] =
	"local old = redis.call('ZSCORE', KEYS[1], ARGV[2])\n"
	"if not old or tonumber(old) < tonumber(ARGV[1]) then\n"
	"  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])\n"
	"end\n"
	"if redis.call('EXPIRETIME', KEYS[1]) < tonumber(ARGV[1]) then\n"
	"  redis.call('EXPIREAT', KEYS[1], ARGV[1])\n"
	"end\n"
	"return tonumber(redis.call('ZSCORE', KEYS[1], ARGV[2]))\n";

size_t tpa_keys_token_key(const char *token_id, enum tpa_keys_suffix which,
			  char *out)
{
	static const char *const suffix[] = {"use", "alloc", "revoked"};
	int n = snprintf(out, TPA_KEYS_KEY_MAX, "tpa:{%.16s}:%s", token_id,
			 suffix[which]);

	return n > 0 ? (size_t)n : 0;
}

int tpa_keys_token_id_valid(const char *id, size_t len)
{
	if (len != TPA_KEYS_TOKEN_ID_LEN)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((id[i] >= '0' && id[i] <= '9') ||
		      (id[i] >= 'a' && id[i] <= 'f')))
			return 0;
	return 1;
}

/* The i-th element of an array reply as a string, or NULL. */
static const redisReply *element(const redisReply *r, size_t i)
{
	const redisReply *e;

	if (r->type != REDIS_REPLY_ARRAY || i >= r->elements)
		return NULL;
	e = r->element[i];
	if (!e || e->type != REDIS_REPLY_STRING || !e->str)
		return NULL;
	return e;
}

static int is(const redisReply *e, const char *word)
{
	return e && e->len == strlen(word) && !memcmp(e->str, word, e->len);
}

int tpa_keys_claim_parse(const redisReply *r, struct tpa_claim_reply *out,
			 char *why, size_t whylen)
{
	const redisReply *v, *arg;

	memset(out, 0, sizeof(*out));
	out->verdict = TPA_CLAIM_UNAVAILABLE;
	if (!r || !(v = element(r, 0))) {
		snprintf(why, whylen, "the claim script answered %s",
			 r && r->type == REDIS_REPLY_ERROR ? "an error"
							   : "no verdict");
		return -1;
	}
	arg = element(r, 1);
	if (is(v, "ok") && r->elements == 1) {
		out->verdict = TPA_CLAIM_OK;
	} else if (is(v, "revoked") && r->elements == 1) {
		out->verdict = TPA_CLAIM_REVOKED;
	} else if (is(v, "replay") && arg && r->elements == 2) {
		out->verdict = TPA_CLAIM_REPLAY;
		tpa_binding_shown(arg->str, arg->len, out->bound,
				  sizeof(out->bound));
	} else if (is(v, "limit") && arg && r->elements == 2 && arg->len > 0 &&
		   arg->len < 20 &&
		   strspn(arg->str, "0123456789") == arg->len) {
		out->verdict = TPA_CLAIM_LIMIT;
		out->count = strtoll(arg->str, NULL, 10);
	} else {
		snprintf(why, whylen,
			 "the claim script answered something "
			 "unknown");
		return -1;
	}
	return 0;
}

enum tpa_keys_message tpa_keys_message_parse(const char *payload, size_t len,
					     char *what)
{
	if (len > 6 && !memcmp(payload, "token ", 6) &&
	    tpa_keys_token_id_valid(payload + 6, len - 6)) {
		memcpy(what, payload + 6, len - 6);
		what[len - 6] = '\0';
		return TPA_MSG_TOKEN;
	}
	if (len > 4 && len - 4 <= TPA_KEYS_KID_MAX &&
	    !memcmp(payload, "kid ", 4)) {
		for (size_t i = 4; i < len; i++)
			if (payload[i] < 0x21 || payload[i] > 0x7e)
				return TPA_MSG_BAD;
		memcpy(what, payload + 4, len - 4);
		what[len - 4] = '\0';
		return TPA_MSG_KID;
	}
	return TPA_MSG_BAD;
}

size_t tpa_keys_message_make(enum tpa_keys_message kind, const char *what,
			     char *out)
{
	char check[TPA_KEYS_KID_MAX + 1];
	int n;

	if (kind == TPA_MSG_TOKEN)
		n = snprintf(out, TPA_KEYS_MESSAGE_MAX, "token %s", what);
	else if (kind == TPA_MSG_KID)
		n = snprintf(out, TPA_KEYS_MESSAGE_MAX, "kid %s", what);
	else
		return 0;
	if (n <= 0 || n >= TPA_KEYS_MESSAGE_MAX ||
	    tpa_keys_message_parse(out, (size_t)n, check) != kind) {
		out[0] = '\0';
		return 0;
	}
	return (size_t)n;
}

size_t tpa_keys_member(const char *node_id, uint64_t session_id, char *out)
{
	int n = snprintf(out, TPA_KEYS_MEMBER_MAX, "%.16s:%" PRIu64, node_id,
			 session_id);

	return n > 0 ? (size_t)n : 0;
}
