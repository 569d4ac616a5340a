/*
 * tpa_redis_slots: Redis Cluster's arithmetic and its answers about
 * slots, with no connection: the CRC16 of a key (or of its {hash tag}),
 * the target of a MOVED or ASK error, and the ranges of CLUSTER SLOTS.
 */
#include "tpa_redis_internal.h"

#include <string.h>

#include <hiredis/hiredis.h>

uint16_t tpa_redis_crc16(const char *buf, size_t len)
{
	uint16_t crc = 0;
	size_t i;
	int bit;

	/* CRC-16/XMODEM: polynomial 0x1021, initial 0, no reflection */
	for (i = 0; i < len; i++) {
		crc ^= (uint16_t)((unsigned char)buf[i] << 8);
		for (bit = 0; bit < 8; bit++)
			crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021)
					     : (uint16_t)(crc << 1);
	}
	return crc;
}

unsigned tpa_redis_key_slot(const char *key, size_t len)
{
	const char *open = memchr(key, '{', len);

	/* "{tag}rest" hashes "tag": the first '{' and the first '}' after
	 * it, with something between them */
	if (open != NULL) {
		size_t from = (size_t)(open - key) + 1;
		const char *close = memchr(open + 1, '}', len - from);
		if (close != NULL && close > open + 1)
			return tpa_redis_crc16(open + 1,
					       (size_t)(close - open - 1)) &
			       (TPA_REDIS_SLOTS - 1);
	}
	return tpa_redis_crc16(key, len) & (TPA_REDIS_SLOTS - 1);
}

int tpa_redis_parse_redirect(const char *text, size_t len, unsigned *slot,
			     char host[TPA_REDIS_HOST_MAX], uint16_t *port)
{
	const char *sp, *colon, *p, *end = text + len;
	unsigned long v = 0;

	host[0] = '\0';
	*slot = 0;
	*port = 0;
	sp = memchr(text, ' ', len);
	if (sp == NULL || sp == text || sp - text > 5)
		return -1;
	for (p = text; p < sp; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v >= TPA_REDIS_SLOTS)
		return -1;
	/* host:port, the port after the last ':' (a bare IPv6 address has
	 * colons of its own) */
	p = sp + 1;
	colon = NULL;
	for (const char *q = p; q < end; q++)
		if (*q == ':')
			colon = q;
	if (colon == NULL || colon + 1 == end || end - (colon + 1) > 5)
		return -1;
	{
		unsigned long pv = 0;
		for (const char *q = colon + 1; q < end; q++) {
			if (*q < '0' || *q > '9')
				return -1;
			pv = pv * 10 + (unsigned long)(*q - '0');
		}
		if (pv < 1 || pv > 65535)
			return -1;
		*port = (uint16_t)pv;
	}
	if (colon > p) {
		if (!tpa_redis_host_ok(p, (size_t)(colon - p))) {
			*port = 0;
			return -1;
		}
		memcpy(host, p, (size_t)(colon - p));
		host[colon - p] = '\0';
	}
	*slot = (unsigned)v;
	return 0;
}

/*
 * One element of CLUSTER SLOTS: [start, end, [host, port, id, ...],
 * replica, ...].  Returns 1 with the range, 0 for a range with no usable
 * master (endpoint "?"), -1 if malformed.
 */
static int slot_range(const redisReply *e, const char *asked_host,
		      unsigned *start, unsigned *end, char *host,
		      uint16_t *port)
{
	const redisReply *m;
	long long lo, hi, p;

	if (e == NULL || e->type != REDIS_REPLY_ARRAY || e->elements < 3)
		return -1;
	if (tpa_redis_reply_int(e->element[0], 0, TPA_REDIS_SLOTS - 1, &lo) ||
	    tpa_redis_reply_int(e->element[1], 0, TPA_REDIS_SLOTS - 1, &hi) ||
	    lo > hi)
		return -1;
	m = e->element[2];
	if (m == NULL || m->type != REDIS_REPLY_ARRAY || m->elements < 2 ||
	    m->element[0] == NULL || m->element[0]->type != REDIS_REPLY_STRING)
		return -1;
	if (tpa_redis_reply_int(m->element[1], 0, 65535, &p))
		return -1;
	*start = (unsigned)lo;
	*end = (unsigned)hi;
	if (tpa_redis_reply_is(m->element[0], "?", 1) || p == 0)
		return 0; /* Redis does not know where it is */
	if (m->element[0]->len == 0) {
		/* "" (an old Redis): the node that answered */
		if (strlen(asked_host) >= TPA_REDIS_HOST_MAX)
			return -1;
		strcpy(host, asked_host);
	} else if (tpa_redis_reply_host(m->element[0], host)) {
		return -1;
	}
	*port = (uint16_t)p;
	return 1;
}

int tpa_redis_parse_slots(const redisReply *r, const char *asked_host,
			  tpa_redis_range_fn fn, void *ctx, char *err,
			  size_t errlen)
{
	int n = 0;
	size_t i;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
		tpa_redis_set_err(err, errlen,
				  "CLUSTER SLOTS: not an array reply");
		return -1;
	}
	for (i = 0; i < r->elements; i++) {
		char host[TPA_REDIS_HOST_MAX];
		unsigned start = 0, end = 0;
		uint16_t port = 0;
		int k = slot_range(r->element[i], asked_host, &start, &end,
				   host, &port);

		if (k < 0) {
			tpa_redis_set_err(err, errlen,
					  "CLUSTER SLOTS: element %zu is not "
					  "a slot range",
					  i);
			return -1;
		}
		if (k == 0)
			continue;
		if (fn != NULL && fn(ctx, start, end, host, port) != 0) {
			tpa_redis_set_err(err, errlen,
					  "CLUSTER SLOTS: more nodes than %d",
					  TPA_REDIS_CLUSTER_NODES);
			return -1;
		}
		n++;
	}
	return n;
}
