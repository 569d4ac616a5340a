/*
 * tpa_redis_sentinel: the master of a Sentinel deployment, as Redis's
 * guidelines for Sentinel clients describe: ask the sentinels in order
 * for the master's address, then ask that server its ROLE (a sentinel may
 * be stale, or the failover under way).  The client comes back here when
 * the master's connection breaks or the master answers READONLY.
 */
#include "tpa_redis_internal.h"

#include <string.h>

#include <hiredis/hiredis.h>

static int ask_sentinel(struct tpa_redis *r, struct tpa_redis_conn *s,
			char host[TPA_REDIS_HOST_MAX], uint16_t *port,
			char *err, size_t errlen);
static int check_master(struct tpa_redis *r, char *err, size_t errlen);

int tpa_redis_parse_master_addr(const redisReply *r,
				char host[TPA_REDIS_HOST_MAX], uint16_t *port)
{
	long long p;

	host[0] = '\0';
	*port = 0;
	if (r == NULL)
		return -1;
	if (r->type == REDIS_REPLY_NIL)
		return 1;
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    tpa_redis_reply_host(r->element[0], host) ||
	    tpa_redis_reply_int(r->element[1], 1, 65535, &p)) {
		host[0] = '\0';
		return -1;
	}
	*port = (uint16_t)p;
	return 0;
}

int tpa_redis_role_is_master(const redisReply *r)
{
	return r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements >= 1 &&
	       tpa_redis_reply_is(r->element[0], "master", 6);
}

/* 0 and the master's address from sentinel s, or -1 with err. */
static int ask_sentinel(struct tpa_redis *r, struct tpa_redis_conn *s,
			char host[TPA_REDIS_HOST_MAX], uint16_t *port,
			char *err, size_t errlen)
{
	const char *argv[3] = {"SENTINEL", "get-master-addr-by-name",
			       r->o.sentinel_master};
	size_t argvlen[3] = {8, 23, strlen(r->o.sentinel_master)};
	struct tpa_redis_auth auth = {NULL, r->o.sentinel_password, 0};
	redisReply *rep = NULL;
	int k;

	if (tpa_redis_conn_command(s, &auth, r->o.timeout_ms, 3, argv, argvlen,
				   &rep, err, errlen) != TPA_REDIS_OK)
		return -1;
	k = tpa_redis_parse_master_addr(rep, host, port);
	if (k > 0) {
		tpa_redis_set_err(err, errlen,
				  "sentinel %s: does not know master %s",
				  s->name, r->o.sentinel_master);
	} else if (k < 0 && rep->type == REDIS_REPLY_ERROR) {
		char text[128];
		tpa_redis_safe_text(rep->str, rep->len, text, sizeof(text));
		tpa_redis_set_err(err, errlen, "sentinel %s: %s", s->name,
				  text);
	} else if (k < 0) {
		tpa_redis_set_err(err, errlen,
				  "sentinel %s: a malformed answer for master "
				  "%s",
				  s->name, r->o.sentinel_master);
	}
	freeReplyObject(rep);
	return k == 0 ? 0 : -1;
}

/* 0 if r->main answers ROLE as a master; -1 with err (main closed). */
static int check_master(struct tpa_redis *r, char *err, size_t errlen)
{
	static const char *argv[1] = {"ROLE"};
	static const size_t argvlen[1] = {4};
	struct tpa_redis_auth auth;
	redisReply *rep = NULL;
	int master;

	tpa_redis_server_auth(r, &auth);
	if (tpa_redis_conn_command(&r->main, &auth, r->o.timeout_ms, 1, argv,
				   argvlen, &rep, err, errlen) != TPA_REDIS_OK)
		return -1;
	master = tpa_redis_role_is_master(rep);
	freeReplyObject(rep);
	if (!master) {
		tpa_redis_set_err(err, errlen,
				  "%s: named master of %s, but is not one "
				  "(failover under way?)",
				  r->main.name, r->o.sentinel_master);
		/* no back-off of its own: the discovery backs off */
		tpa_redis_conn_close(&r->main);
		return -1;
	}
	return 0;
}

enum tpa_redis_status tpa_redis_sentinel_discover(struct tpa_redis *r,
						  char *err, size_t errlen)
{
	uint64_t left;
	size_t i;

	r->master_known = 0;
	if (tpa_redis_backoff_active(&r->discovery, &left)) {
		tpa_redis_set_err(err, errlen,
				  "no master of %s known; next look in %llu ms",
				  r->o.sentinel_master,
				  (unsigned long long)left);
		return TPA_REDIS_DOWN;
	}
	tpa_redis_set_err(err, errlen, "no sentinel configured");
	for (i = 0; i < r->o.n_nodes; i++) {
		char host[TPA_REDIS_HOST_MAX];
		uint16_t port;

		if (ask_sentinel(r, &r->sentinels[i], host, &port, err, errlen))
			continue;
		if (!tpa_redis_conn_is(&r->main, host, port)) {
			/* a new address starts without the old back-off */
			tpa_redis_conn_close(&r->main);
			tpa_redis_conn_init(&r->main, host, port, NULL);
		}
		if (check_master(r, err, errlen))
			continue;
		r->master_known = 1;
		tpa_redis_backoff_reset(&r->discovery);
		return TPA_REDIS_OK;
	}
	tpa_redis_backoff_fail(&r->discovery);
	return TPA_REDIS_DOWN;
}
