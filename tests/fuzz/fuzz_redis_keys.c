/*
 * fuzz_redis_keys: what a hostile Redis (or whoever can publish on its
 * channel) can send the plugin's own readers.  The first byte picks one:
 *   even: the rest is a message of the revocation channel
 *         (tpa_keys_message_parse);
 *   odd:  the rest is fed to the client's reader of replies, and each
 *         reply is read as the claim script's answer (tpa_keys_claim_parse)
 *         and shown as a binding (tpa_binding_shown).
 * Checks: a token id is 16 hex characters and a kid printable without
 * spaces, and each makes the same message again; a claim's verdict is
 * one the script gives, UNAVAILABLE on failure; what a log would show is
 * printable and NUL-terminated.
 */
#include <string.h>

#include <hiredis/hiredis.h>

#include "fuzz_common.h"
#include "tpa_binding.h"
#include "tpa_redis_internal.h"
#include "tpa_redis_keys.h"

static void check_printable(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	FUZZ_CHECK(n < cap);
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(s[i] >= 0x20 && s[i] < 0x7f);
}

static void message(const uint8_t *data, size_t size)
{
	char what[TPA_KEYS_KID_MAX + 1], again[TPA_KEYS_MESSAGE_MAX];
	enum tpa_keys_message k;
	size_t n;

	k = tpa_keys_message_parse((const char *)data, size, what);
	if (k == TPA_MSG_BAD)
		return;
	n = strlen(what);
	if (k == TPA_MSG_TOKEN)
		FUZZ_CHECK(tpa_keys_token_id_valid(what, n));
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(what[i] > 0x20 && what[i] < 0x7f);
	FUZZ_CHECK(tpa_keys_message_make(k, what, again) == size);
	FUZZ_CHECK(memcmp(again, data, size) == 0);
}

static void claim(const redisReply *r)
{
	struct tpa_claim_reply out;
	char why[128], shown[64];

	if (tpa_keys_claim_parse(r, &out, why, sizeof(why)) == 0) {
		FUZZ_CHECK(out.verdict == TPA_CLAIM_OK ||
			   out.verdict == TPA_CLAIM_REVOKED ||
			   out.verdict == TPA_CLAIM_REPLAY ||
			   out.verdict == TPA_CLAIM_LIMIT);
		FUZZ_CHECK(out.count >= 0);
		check_printable(out.bound, sizeof(out.bound));
	} else {
		FUZZ_CHECK(out.verdict == TPA_CLAIM_UNAVAILABLE);
		check_printable(why, sizeof(why));
	}
	if (r->type == REDIS_REPLY_STRING) {
		tpa_binding_shown(r->str, r->len, shown, sizeof(shown));
		check_printable(shown, sizeof(shown));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tpa_redis_reader_count count = {0};
	struct redisReader *rd;

	if (size < 1)
		return 0;
	if (data[0] % 2 == 0) {
		message(data + 1, size - 1);
		return 0;
	}
	rd = tpa_redis_reader_new(&count);
	FUZZ_CHECK(rd != NULL);
	if (redisReaderFeed(rd, (const char *)data + 1, size - 1) == REDIS_OK) {
		for (;;) {
			void *obj = NULL;

			if (redisReaderGetReply(rd, &obj) != REDIS_OK || !obj)
				break;
			count.objects = 0;
			claim(obj);
			freeReplyObject(obj);
		}
	}
	redisReaderFree(rd);
	return 0;
}
