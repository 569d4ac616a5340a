/*
 * tpa_redis_reply: replies from a server that may be broken or hostile.
 * A hiredis reader with limits (hiredis 0.14 allocates an array of any
 * announced size up to INT_MAX elements before a single one arrives), the
 * meaning of error replies, checked accessors, and text fit for messages.
 */
#include "tpa_redis_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

static void *create_string(const redisReadTask *task, char *str, size_t len);
static void *create_array(const redisReadTask *task, int elements);
static void *create_integer(const redisReadTask *task, long long value);
static void *create_nil(const redisReadTask *task);
static redisReply *new_object(const redisReadTask *task, int type);
static void free_object(void *obj);

static redisReplyObjectFunctions limited_functions = {
	create_string, create_array, create_integer, create_nil, free_object};

uint64_t tpa_redis_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void tpa_redis_sleep_ms(uint32_t ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

void tpa_redis_set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

void tpa_redis_safe_text(const char *in, size_t len, char *out, size_t cap)
{
	size_t i, n = len;

	if (cap == 0)
		return;
	if (n > 120)
		n = 120;
	if (n > cap - 1)
		n = cap - 1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];
		out[i] = (c >= ' ' && c < 0x7f) ? (char)c : '?';
	}
	out[n] = '\0';
}

void tpa_redis_node_name(const char *host, uint16_t port, const char *unix_path,
			 char *out, size_t cap)
{
	if (unix_path != NULL && unix_path[0] != '\0')
		snprintf(out, cap, "unix:%s", unix_path);
	else if (strchr(host, ':') != NULL)
		snprintf(out, cap, "[%s]:%u", host, (unsigned)port);
	else
		snprintf(out, cap, "%s:%u", host, (unsigned)port);
}

/* ---- the reader -------------------------------------------------------- */

/* A reply object of type, counted, and linked into its parent array. */
static redisReply *new_object(const redisReadTask *task, int type)
{
	struct tpa_redis_reader_count *count = task->privdata;
	redisReply *r;

	if (count != NULL && ++count->objects > TPA_REDIS_REPLY_MAX_OBJECTS)
		return NULL; /* the reader reports it as out of memory */
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->type = type;
	return r;
}

/* Links r into its parent, which the reader made an array of enough
 * elements; checked all the same. */
static void *link_to_parent(const redisReadTask *task, redisReply *r)
{
	if (task->parent != NULL) {
		redisReply *parent = task->parent->obj;
		if (parent == NULL || parent->type != REDIS_REPLY_ARRAY ||
		    task->idx < 0 || (size_t)task->idx >= parent->elements) {
			freeReplyObject(r);
			return NULL;
		}
		parent->element[task->idx] = r;
	}
	return r;
}

static void *create_string(const redisReadTask *task, char *str, size_t len)
{
	redisReply *r;

	if (len > TPA_REDIS_REPLY_MAX_BYTES)
		return NULL;
	r = new_object(task, task->type);
	if (r == NULL)
		return NULL;
	r->str = malloc(len + 1);
	if (r->str == NULL) {
		free(r);
		return NULL;
	}
	memcpy(r->str, str, len);
	r->str[len] = '\0';
	r->len = len;
	return link_to_parent(task, r);
}

static void *create_array(const redisReadTask *task, int elements)
{
	redisReply *r;

	if (elements < 0 || (unsigned)elements > TPA_REDIS_REPLY_MAX_OBJECTS) {
		struct tpa_redis_reader_count *count = task->privdata;
		if (count != NULL) /* for the message: too many, not OOM */
			count->objects = TPA_REDIS_REPLY_MAX_OBJECTS + 1;
		return NULL;
	}
	r = new_object(task, REDIS_REPLY_ARRAY);
	if (r == NULL)
		return NULL;
	if (elements > 0) {
		r->element = calloc((size_t)elements, sizeof(*r->element));
		if (r->element == NULL) {
			free(r);
			return NULL;
		}
	}
	r->elements = (size_t)elements;
	return link_to_parent(task, r);
}

static void *create_integer(const redisReadTask *task, long long value)
{
	redisReply *r = new_object(task, REDIS_REPLY_INTEGER);

	if (r == NULL)
		return NULL;
	r->integer = value;
	return link_to_parent(task, r);
}

static void *create_nil(const redisReadTask *task)
{
	redisReply *r = new_object(task, REDIS_REPLY_NIL);

	if (r == NULL)
		return NULL;
	return link_to_parent(task, r);
}

static void free_object(void *obj)
{
	freeReplyObject(obj);
}

struct redisReader *tpa_redis_reader_new(struct tpa_redis_reader_count *count)
{
	redisReader *rd = redisReaderCreateWithFunctions(&limited_functions);

	if (rd == NULL)
		return NULL;
	rd->privdata = count;
	if (count != NULL)
		count->objects = 0;
	return rd;
}

/* ---- what a reply says ------------------------------------------------- */

enum tpa_redis_error_kind tpa_redis_error_kind(const redisReply *r)
{
	static const struct {
		const char *word;
		enum tpa_redis_error_kind kind;
	} words[] = {
		{"MOVED", TPA_REDIS_E_MOVED},
		{"ASK", TPA_REDIS_E_ASK},
		{"TRYAGAIN", TPA_REDIS_E_TRYAGAIN},
		{"CLUSTERDOWN", TPA_REDIS_E_CLUSTERDOWN},
		{"NOSCRIPT", TPA_REDIS_E_NOSCRIPT},
		{"READONLY", TPA_REDIS_E_READONLY},
		{"LOADING", TPA_REDIS_E_LOADING},
		{"MASTERDOWN", TPA_REDIS_E_MASTERDOWN},
	};
	size_t i;

	if (r == NULL || r->type != REDIS_REPLY_ERROR || r->str == NULL)
		return TPA_REDIS_E_OTHER;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		size_t n = strlen(words[i].word);
		if (r->len >= n && memcmp(r->str, words[i].word, n) == 0 &&
		    (r->len == n || r->str[n] == ' '))
			return words[i].kind;
	}
	return TPA_REDIS_E_OTHER;
}

int tpa_redis_reply_is(const redisReply *r, const char *s, size_t len)
{
	return r != NULL &&
	       (r->type == REDIS_REPLY_STRING ||
		r->type == REDIS_REPLY_STATUS) &&
	       r->str != NULL && r->len == len && memcmp(r->str, s, len) == 0;
}

int tpa_redis_reply_int(const redisReply *r, long long lo, long long hi,
			long long *out)
{
	long long v = 0;
	size_t i;

	if (r == NULL)
		return -1;
	if (r->type == REDIS_REPLY_INTEGER) {
		v = r->integer;
	} else if (r->type == REDIS_REPLY_STRING && r->str != NULL &&
		   r->len > 0 && r->len <= 18) {
		for (i = 0; i < r->len; i++) {
			if (r->str[i] < '0' || r->str[i] > '9')
				return -1;
			v = v * 10 + (r->str[i] - '0');
		}
		if (r->len > 1 && r->str[0] == '0')
			return -1;
	} else {
		return -1;
	}
	if (v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int tpa_redis_host_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len >= TPA_REDIS_HOST_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '-' ||
		      c == '_' || c == ':'))
			return 0;
	}
	return 1;
}

int tpa_redis_reply_host(const redisReply *r, char *host)
{
	host[0] = '\0';
	if (r == NULL || r->type != REDIS_REPLY_STRING || r->str == NULL ||
	    !tpa_redis_host_ok(r->str, r->len))
		return -1;
	memcpy(host, r->str, r->len);
	host[r->len] = '\0';
	return 0;
}
