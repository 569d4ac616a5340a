/*
 * fuzz_redis_reply: what a hostile Redis server can send.  The input is
 * fed, in pieces whose sizes its first byte chooses, to the client's
 * reader (tpa_redis_reader_new: the limits on arrays and objects), and
 * every reply it yields goes through every reader of replies the client
 * has: the error kinds and MOVED/ASK targets, CLUSTER SLOTS, Sentinel's
 * master address, ROLE, a subscriber's pushes, the checked accessors.
 *
 * Checks: a reader that failed stays failed; no reply holds more than
 * TPA_REDIS_REPLY_MAX_OBJECTS objects; strings are NUL-terminated at
 * their length; a redirect has a slot below 16384, a port, a host we
 * would connect to or ""; every CLUSTER SLOTS range is in order, inside
 * the slots and has a master; a master address has a host and a port; a
 * message's payload lies inside the reply; reasons are printable.
 */
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "fuzz_common.h"
#include "tpa_redis_internal.h"

static size_t count_objects(const redisReply *r, int depth)
{
	size_t n = 1, i;

	FUZZ_CHECK(r != NULL && depth < 16);
	switch (r->type) {
	case REDIS_REPLY_ARRAY:
		FUZZ_CHECK(r->elements == 0 || r->element != NULL);
		for (i = 0; i < r->elements; i++)
			n += count_objects(r->element[i], depth + 1);
		break;
	case REDIS_REPLY_STRING:
	case REDIS_REPLY_STATUS:
	case REDIS_REPLY_ERROR:
		FUZZ_CHECK(r->str != NULL && r->str[r->len] == '\0');
		FUZZ_CHECK(r->len <= TPA_REDIS_REPLY_MAX_BYTES);
		break;
	case REDIS_REPLY_INTEGER:
	case REDIS_REPLY_NIL:
		break;
	default:
		FUZZ_CHECK(!"a reply of no known type");
	}
	return n;
}

static void check_text(const char *s)
{
	for (; *s; s++)
		FUZZ_CHECK(*s >= ' ' && *s < 0x7f);
}

static void check_host(const char *host)
{
	size_t n = strnlen(host, TPA_REDIS_HOST_MAX);

	FUZZ_CHECK(n < TPA_REDIS_HOST_MAX);
	FUZZ_CHECK(n == 0 || tpa_redis_host_ok(host, n));
}

static int on_range(void *ctx, unsigned start, unsigned end, const char *host,
		    uint16_t port)
{
	(void)ctx;
	FUZZ_CHECK(start <= end && end < TPA_REDIS_SLOTS);
	FUZZ_CHECK(port > 0);
	FUZZ_CHECK(host[0] != '\0');
	check_host(host);
	return 0;
}

static void read_reply(const redisReply *r)
{
	char host[TPA_REDIS_HOST_MAX], err[TPA_REDIS_ERR_LEN];
	const char *payload;
	unsigned slot;
	uint16_t port;
	long long v;
	size_t len;
	int k;

	FUZZ_CHECK(count_objects(r, 0) <= TPA_REDIS_REPLY_MAX_OBJECTS);
	k = tpa_redis_error_kind(r);
	FUZZ_CHECK(k >= TPA_REDIS_E_OTHER && k <= TPA_REDIS_E_MASTERDOWN);
	if (r->type == REDIS_REPLY_ERROR) {
		size_t skip = k == TPA_REDIS_E_MOVED ? 6
			      : k == TPA_REDIS_E_ASK ? 4
						     : 0;
		if (skip && r->len >= skip &&
		    tpa_redis_parse_redirect(r->str + skip, r->len - skip,
					     &slot, host, &port) == 0) {
			FUZZ_CHECK(slot < TPA_REDIS_SLOTS && port > 0);
			check_host(host);
		}
		char text[128];
		tpa_redis_safe_text(r->str, r->len, text, sizeof(text));
		check_text(text);
	} else {
		FUZZ_CHECK(k == TPA_REDIS_E_OTHER);
	}
	/* any reply, read as each answer the client expects */
	if (tpa_redis_parse_slots(r, "10.0.0.1", on_range, NULL, err,
				  sizeof(err)) < 0)
		check_text(err);
	k = tpa_redis_parse_master_addr(r, host, &port);
	FUZZ_CHECK(k >= -1 && k <= 1);
	if (k == 0) {
		FUZZ_CHECK(host[0] != '\0' && port > 0);
		check_host(host);
	} else {
		FUZZ_CHECK(host[0] == '\0' && port == 0);
	}
	FUZZ_CHECK(tpa_redis_role_is_master(r) == 0 ||
		   tpa_redis_role_is_master(r) == 1);
	switch (tpa_redis_parse_push(r, "tpa:chan", 8, &payload, &len)) {
	case TPA_REDIS_PUSH_MESSAGE:
		FUZZ_CHECK(r->type == REDIS_REPLY_ARRAY && r->elements == 3);
		FUZZ_CHECK(payload == r->element[2]->str &&
			   len == r->element[2]->len);
		break;
	default:
		FUZZ_CHECK(payload == NULL && len == 0);
	}
	if (tpa_redis_reply_int(r, 0, 65535, &v) == 0)
		FUZZ_CHECK(v >= 0 && v <= 65535);
	if (tpa_redis_reply_host(r, host) == 0)
		check_host(host);
	else
		FUZZ_CHECK(host[0] == '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tpa_redis_reader_count count = {0};
	struct redisReader *rd;
	size_t piece, off = 1;

	if (size < 1)
		return 0;
	piece = (size_t)(data[0] % 64) + 1;
	rd = tpa_redis_reader_new(&count);
	FUZZ_CHECK(rd != NULL);
	for (;;) {
		void *obj = NULL;

		if (off < size) {
			size_t n = size - off < piece ? size - off : piece;
			FUZZ_CHECK(redisReaderFeed(rd, (const char *)data + off,
						   n) == REDIS_OK);
			off += n;
		}
		if (redisReaderGetReply(rd, &obj) != REDIS_OK) {
			FUZZ_CHECK(obj == NULL && rd->err != 0);
			/* a reader that failed stays failed, fed or not */
			redisReaderFeed(rd, (const char *)data, size);
			FUZZ_CHECK(redisReaderGetReply(rd, &obj) != REDIS_OK &&
				   obj == NULL);
			break;
		}
		if (obj == NULL) {
			if (off >= size)
				break;
			continue;
		}
		count.objects = 0;
		read_reply(obj);
		freeReplyObject(obj);
	}
	redisReaderFree(rd);
	return 0;
}
