/*
 * Unit tests for the Redis client's readers of replies, with no server:
 * CRC16 and hash tags, MOVED/ASK targets, CLUSTER SLOTS, Sentinel's
 * master address, ROLE, subscriber pushes, and the reader's limits.  The
 * replies are built from RESP text by the client's own reader.
 */
#include <hiredis/hiredis.h>

#include "tpa_redis_internal.h"
#include "tpa_test.h"

/* The first reply the reader makes of resp (NULL if none or an error). */
static redisReply *reply_of(const char *resp, size_t len)
{
	struct tpa_redis_reader_count count = {0};
	redisReader *rd = tpa_redis_reader_new(&count);
	void *obj = NULL;

	if (rd == NULL)
		return NULL;
	if (redisReaderFeed(rd, resp, len) != REDIS_OK ||
	    redisReaderGetReply(rd, &obj) != REDIS_OK)
		obj = NULL;
	redisReaderFree(rd);
	return obj;
}

#define REPLY(lit) reply_of(lit, sizeof(lit) - 1)

static void test_slots_of_keys(void)
{
	CHECK(tpa_redis_crc16("123456789", 9) == 0x31C3);
	CHECK(tpa_redis_key_slot("123456789", 9) == 0x31C3 % 16384);
	CHECK(tpa_redis_key_slot("foo", 3) == 12182);
	CHECK(tpa_redis_key_slot("{user1000}.following", 20) ==
	      tpa_redis_key_slot("user1000", 8));
	/* the first '{' and the first '}' after it, non-empty between */
	CHECK(tpa_redis_key_slot("foo{}{bar}", 10) ==
	      (tpa_redis_crc16("foo{}{bar}", 10) & 16383));
	CHECK(tpa_redis_key_slot("foo{}{bar}", 10) !=
	      tpa_redis_key_slot("bar", 3));
	CHECK(tpa_redis_key_slot("foo{{bar}}zap", 13) ==
	      tpa_redis_key_slot("{bar", 4));
	CHECK(tpa_redis_key_slot("foo{bar}{zap}", 13) ==
	      tpa_redis_key_slot("bar", 3));
	CHECK(tpa_redis_key_slot("a{b", 3) ==
	      (tpa_redis_crc16("a{b", 3) & 16383));
	CHECK(tpa_redis_key_slot("", 0) == 0);
}

static void test_redirects(void)
{
	char host[TPA_REDIS_HOST_MAX];
	unsigned slot;
	uint16_t port;

#define REDIRECT(s) tpa_redis_parse_redirect(s, strlen(s), &slot, host, &port)
	CHECK(REDIRECT("3999 127.0.0.1:6381") == 0);
	CHECK(slot == 3999 && port == 6381);
	CHECK_STR(host, "127.0.0.1");
	CHECK(REDIRECT("16383 ::1:7000") == 0);
	CHECK(slot == 16383 && port == 7000);
	CHECK_STR(host, "::1");
	CHECK(REDIRECT("0 :7001") == 0); /* unknown endpoint: the same host */
	CHECK(slot == 0 && port == 7001 && host[0] == '\0');
	CHECK(REDIRECT("16384 127.0.0.1:1") == -1);
	CHECK(REDIRECT("-1 127.0.0.1:1") == -1);
	CHECK(REDIRECT("12 127.0.0.1:0") == -1);
	CHECK(REDIRECT("12 127.0.0.1:65536") == -1);
	CHECK(REDIRECT("12 127.0.0.1") == -1);
	CHECK(REDIRECT("12 127.0.0.1:") == -1);
	CHECK(REDIRECT("12 bad host:1") == -1);
	CHECK(REDIRECT("12") == -1);
	CHECK(REDIRECT("") == -1);
	CHECK(host[0] == '\0' && port == 0);
#undef REDIRECT
}

static void test_error_kinds(void)
{
	static const struct {
		const char *resp;
		enum tpa_redis_error_kind kind;
	} cases[] = {
		{"-MOVED 1 h:1\r\n", TPA_REDIS_E_MOVED},
		{"-ASK 1 h:1\r\n", TPA_REDIS_E_ASK},
		{"-TRYAGAIN x\r\n", TPA_REDIS_E_TRYAGAIN},
		{"-CLUSTERDOWN x\r\n", TPA_REDIS_E_CLUSTERDOWN},
		{"-NOSCRIPT x\r\n", TPA_REDIS_E_NOSCRIPT},
		{"-READONLY x\r\n", TPA_REDIS_E_READONLY},
		{"-LOADING x\r\n", TPA_REDIS_E_LOADING},
		{"-MASTERDOWN x\r\n", TPA_REDIS_E_MASTERDOWN},
		{"-MOVEDX 1 h:1\r\n", TPA_REDIS_E_OTHER},
		{"-ERR MOVED\r\n", TPA_REDIS_E_OTHER},
		{"+MOVED 1 h:1\r\n", TPA_REDIS_E_OTHER}, /* status, not error */
		{"$5\r\nMOVED\r\n", TPA_REDIS_E_OTHER},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		redisReply *r = reply_of(cases[i].resp, strlen(cases[i].resp));
		CHECK_MSG(r != NULL && tpa_redis_error_kind(r) == cases[i].kind,
			  "case %zu", i);
		if (r != NULL)
			freeReplyObject(r);
	}
}

struct ranges {
	unsigned n, start[4], end[4];
	uint16_t port[4];
	char host[4][TPA_REDIS_HOST_MAX];
};

static int take(void *ctx, unsigned start, unsigned end, const char *host,
		uint16_t port)
{
	struct ranges *rs = ctx;

	if (rs->n == 4)
		return -1;
	rs->start[rs->n] = start;
	rs->end[rs->n] = end;
	rs->port[rs->n] = port;
	snprintf(rs->host[rs->n], sizeof(rs->host[0]), "%s", host);
	rs->n++;
	return 0;
}

static void test_cluster_slots(void)
{
	/* Redis 7: [start, end, [ip, port, id, {metadata}], replicas...];
	 * "?" is an unknown endpoint, "" the node asked */
	redisReply *r =
		REPLY("*3\r\n"
		      "*4\r\n:0\r\n:5460\r\n"
		      "*4\r\n$9\r\n127.0.0.1\r\n:30001\r\n$2\r\nid\r\n*0\r\n"
		      "*3\r\n$9\r\n127.0.0.2\r\n:30004\r\n$2\r\nid\r\n"
		      "*3\r\n:5461\r\n:10922\r\n"
		      "*3\r\n$1\r\n?\r\n:0\r\n$2\r\nid\r\n"
		      "*3\r\n:10923\r\n:16383\r\n"
		      "*2\r\n$0\r\n\r\n:30003\r\n");
	struct ranges rs = {0};
	char err[TPA_REDIS_ERR_LEN] = "";

	CHECK(r != NULL);
	CHECK(tpa_redis_parse_slots(r, "10.1.1.1", take, &rs, err,
				    sizeof(err)) == 2);
	CHECK(rs.n == 2 && rs.start[0] == 0 && rs.end[0] == 5460 &&
	      rs.port[0] == 30001 && rs.start[1] == 10923 &&
	      rs.end[1] == 16383 && rs.port[1] == 30003);
	CHECK_STR(rs.host[0], "127.0.0.1");
	CHECK_STR(rs.host[1], "10.1.1.1");
	freeReplyObject(r);

	/* malformed: an end before its start, a slot past 16383, no master,
	 * a bad host, not an array */
	r = REPLY("*1\r\n*3\r\n:9\r\n:8\r\n*2\r\n$1\r\nh\r\n:1\r\n");
	CHECK(tpa_redis_parse_slots(r, "h", take, &rs, err, sizeof(err)) == -1);
	CHECK(strstr(err, "element 0") != NULL);
	freeReplyObject(r);
	r = REPLY("*1\r\n*3\r\n:0\r\n:16384\r\n*2\r\n$1\r\nh\r\n:1\r\n");
	CHECK(tpa_redis_parse_slots(r, "h", take, &rs, err, sizeof(err)) == -1);
	freeReplyObject(r);
	r = REPLY("*1\r\n*2\r\n:0\r\n:1\r\n");
	CHECK(tpa_redis_parse_slots(r, "h", take, &rs, err, sizeof(err)) == -1);
	freeReplyObject(r);
	r = REPLY("*1\r\n*3\r\n:0\r\n:1\r\n*2\r\n$3\r\na b\r\n:1\r\n");
	CHECK(tpa_redis_parse_slots(r, "h", take, &rs, err, sizeof(err)) == -1);
	freeReplyObject(r);
	r = REPLY("-ERR This instance has cluster support disabled\r\n");
	CHECK(tpa_redis_parse_slots(r, "h", take, &rs, err, sizeof(err)) == -1);
	freeReplyObject(r);
	/* the callback refuses (table full): the whole reply is refused */
	rs.n = 4;
	r = REPLY("*1\r\n*3\r\n:0\r\n:1\r\n*2\r\n$1\r\nh\r\n:1\r\n");
	CHECK(tpa_redis_parse_slots(r, "h", take, &rs, err, sizeof(err)) == -1);
	freeReplyObject(r);
}

static void test_sentinel_replies(void)
{
	char host[TPA_REDIS_HOST_MAX];
	uint16_t port;
	redisReply *r;

	r = REPLY("*2\r\n$9\r\n127.0.0.1\r\n$5\r\n26380\r\n");
	CHECK(tpa_redis_parse_master_addr(r, host, &port) == 0 &&
	      port == 26380);
	CHECK_STR(host, "127.0.0.1");
	freeReplyObject(r);
	r = REPLY("*-1\r\n");
	CHECK(tpa_redis_parse_master_addr(r, host, &port) == 1);
	freeReplyObject(r);
	r = REPLY("*2\r\n$9\r\n127.0.0.1\r\n$5\r\n65536\r\n");
	CHECK(tpa_redis_parse_master_addr(r, host, &port) == -1 &&
	      host[0] == '\0' && port == 0);
	freeReplyObject(r);
	r = REPLY("*2\r\n$3\r\na\nb\r\n$1\r\n1\r\n");
	CHECK(tpa_redis_parse_master_addr(r, host, &port) == -1);
	freeReplyObject(r);
	r = REPLY("-IDONTKNOW\r\n");
	CHECK(tpa_redis_parse_master_addr(r, host, &port) == -1);
	freeReplyObject(r);

	r = REPLY("*3\r\n$6\r\nmaster\r\n:1\r\n*0\r\n");
	CHECK(tpa_redis_role_is_master(r) == 1);
	freeReplyObject(r);
	r = REPLY("*5\r\n$5\r\nslave\r\n$1\r\nh\r\n:1\r\n$9\r\nconnected\r\n"
		  ":1\r\n");
	CHECK(tpa_redis_role_is_master(r) == 0);
	freeReplyObject(r);
	r = REPLY("+master\r\n");
	CHECK(tpa_redis_role_is_master(r) == 0);
	freeReplyObject(r);
}

static void test_pushes(void)
{
	const char *payload;
	size_t len;
	redisReply *r;

	r = REPLY("*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$3\r\na\0b\r\n");
	CHECK(tpa_redis_parse_push(r, "ch", 2, &payload, &len) ==
		      TPA_REDIS_PUSH_MESSAGE &&
	      len == 3 && memcmp(payload, "a\0b", 3) == 0);
	CHECK(tpa_redis_parse_push(r, "other", 5, &payload, &len) ==
		      TPA_REDIS_PUSH_OTHER &&
	      payload == NULL);
	freeReplyObject(r);
	r = REPLY("*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n");
	CHECK(tpa_redis_parse_push(r, "ch", 2, &payload, &len) ==
	      TPA_REDIS_PUSH_SUBSCRIBED);
	freeReplyObject(r);
	r = REPLY("*2\r\n$4\r\npong\r\n$0\r\n\r\n");
	CHECK(tpa_redis_parse_push(r, "ch", 2, &payload, &len) ==
	      TPA_REDIS_PUSH_PONG);
	freeReplyObject(r);
	r = REPLY("*2\r\n$7\r\nmessage\r\n$2\r\nch\r\n");
	CHECK(tpa_redis_parse_push(r, "ch", 2, &payload, &len) ==
	      TPA_REDIS_PUSH_BAD);
	freeReplyObject(r);
	r = REPLY("-NOAUTH Authentication required.\r\n");
	CHECK(tpa_redis_parse_push(r, "ch", 2, &payload, &len) ==
	      TPA_REDIS_PUSH_BAD);
	freeReplyObject(r);
}

static void test_reader_limits(void)
{
	struct tpa_redis_reader_count count = {0};
	redisReader *rd = tpa_redis_reader_new(&count);
	char buf[64];
	void *obj = NULL;
	int n;

	/* hiredis alone would allocate the announced array at once */
	n = snprintf(buf, sizeof(buf), "*%u\r\n:1\r\n",
		     TPA_REDIS_REPLY_MAX_OBJECTS + 1);
	CHECK(redisReaderFeed(rd, buf, (size_t)n) == REDIS_OK);
	CHECK(redisReaderGetReply(rd, &obj) == REDIS_ERR && obj == NULL);
	CHECK(redisReaderGetReply(rd, &obj) == REDIS_ERR); /* stays failed */
	redisReaderFree(rd);

	/* many small arrays in one reply: the object count stops them */
	rd = tpa_redis_reader_new(&count);
	n = snprintf(buf, sizeof(buf), "*%u\r\n",
		     TPA_REDIS_REPLY_MAX_OBJECTS / 2);
	redisReaderFeed(rd, buf, (size_t)n);
	{
		unsigned i;
		int failed = 0;
		for (i = 0; i < TPA_REDIS_REPLY_MAX_OBJECTS / 2 && !failed;
		     i++) {
			redisReaderFeed(rd, "*2\r\n:1\r\n:2\r\n", 12);
			if (redisReaderGetReply(rd, &obj) != REDIS_OK)
				failed = 1;
		}
		CHECK_MSG(failed && obj == NULL,
			  "a reply of %u objects was accepted",
			  3 * TPA_REDIS_REPLY_MAX_OBJECTS / 2);
	}
	redisReaderFree(rd);

	/* under the limits: an ordinary reply */
	{
		redisReply *r = REPLY("*2\r\n$3\r\nabc\r\n:7\r\n");
		CHECK(r != NULL && r->type == REDIS_REPLY_ARRAY &&
		      r->elements == 2 && r->element[0]->len == 3 &&
		      r->element[0]->str[3] == '\0' &&
		      r->element[1]->integer == 7);
		if (r != NULL)
			freeReplyObject(r);
	}
}

static void test_accessors(void)
{
	long long v;
	char host[TPA_REDIS_HOST_MAX], out[8];
	redisReply *r;

	r = REPLY("$5\r\n65535\r\n");
	CHECK(tpa_redis_reply_int(r, 1, 65535, &v) == 0 && v == 65535);
	CHECK(tpa_redis_reply_int(r, 1, 65534, &v) == -1);
	freeReplyObject(r);
	r = REPLY("$3\r\n010\r\n");
	CHECK(tpa_redis_reply_int(r, 0, 100, &v) == -1);
	freeReplyObject(r);
	r = REPLY("$2\r\n-1\r\n");
	CHECK(tpa_redis_reply_int(r, -5, 5, &v) == -1);
	freeReplyObject(r);
	r = REPLY(":-1\r\n");
	CHECK(tpa_redis_reply_int(r, -5, 5, &v) == 0 && v == -1);
	freeReplyObject(r);
	r = REPLY("$11\r\nredis-1.lan\r\n");
	CHECK(tpa_redis_reply_host(r, host) == 0);
	CHECK_STR(host, "redis-1.lan");
	freeReplyObject(r);
	r = REPLY("$3\r\na/b\r\n");
	CHECK(tpa_redis_reply_host(r, host) == -1 && host[0] == '\0');
	freeReplyObject(r);
	tpa_redis_safe_text("a\nb\x01\xff", 5, out, sizeof(out));
	CHECK_STR(out, "a?b??");
	tpa_redis_safe_text("abcdefghij", 10, out, sizeof(out));
	CHECK_STR(out, "abcdefg");
}

int main(void)
{
	test_slots_of_keys();
	test_redirects();
	test_error_kinds();
	test_cluster_slots();
	test_sentinel_replies();
	test_pushes();
	test_reader_limits();
	test_accessors();
	return tpa_test_done();
}
