/*
 * tpa_redis: the client of one thread.  Routes each command to its server
 * (the one server, the Sentinel's master, the key's cluster node) and
 * follows what a server answers instead of a result: MOVED and ASK,
 * TRYAGAIN and LOADING (a short pause, within the timeout), READONLY from
 * a master that Sentinel demoted, NOSCRIPT (tpa_redis_script.c).
 */
#include "tpa_redis_internal.h"

#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <openssl/crypto.h>

static enum tpa_redis_status
send_request(struct tpa_redis *r, struct tpa_redis_conn *conn, int asking,
	     const struct tpa_redis_request *req, redisReply **reply, char *err,
	     size_t errlen);
static enum tpa_redis_status error_reply(const struct tpa_redis_conn *conn,
					 redisReply *rep,
					 enum tpa_redis_status st, char *err,
					 size_t errlen);

struct tpa_redis *tpa_redis_new(const struct tpa_redis_options *o)
{
	struct tpa_redis *r;
	size_t i;

	if (o == NULL || o->mode == TPA_REDIS_OFF)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->o = *o;
	if (r->o.timeout_ms == 0)
		r->o.timeout_ms = TPA_REDIS_TIMEOUT_DEFAULT_MS;
	if (r->o.n_nodes > TPA_REDIS_MAX_NODES)
		r->o.n_nodes = TPA_REDIS_MAX_NODES;
	switch (r->o.mode) {
	case TPA_REDIS_SINGLE:
		tpa_redis_conn_init(&r->main, r->o.nodes[0].host,
				    r->o.nodes[0].port, NULL);
		break;
	case TPA_REDIS_UNIX:
		tpa_redis_conn_init(&r->main, "", 0, r->o.unix_path);
		break;
	case TPA_REDIS_SENTINEL:
		tpa_redis_conn_init(&r->main, "", 0, NULL);
		for (i = 0; i < r->o.n_nodes; i++)
			tpa_redis_conn_init(&r->sentinels[i],
					    r->o.nodes[i].host,
					    r->o.nodes[i].port, NULL);
		break;
	case TPA_REDIS_CLUSTER:
		r->cluster = tpa_redis_cluster_new(r);
		if (r->cluster == NULL) {
			tpa_redis_free(r);
			return NULL;
		}
		break;
	default:
		tpa_redis_free(r);
		return NULL;
	}
	return r;
}

void tpa_redis_free(struct tpa_redis *r)
{
	size_t i;

	if (r == NULL)
		return;
	tpa_redis_conn_close(&r->main);
	for (i = 0; i < TPA_REDIS_MAX_NODES; i++)
		tpa_redis_conn_close(&r->sentinels[i]);
	tpa_redis_cluster_free(r->cluster);
	tpa_redis_options_wipe(&r->o);
	OPENSSL_cleanse(r, sizeof(*r));
	free(r);
}

void tpa_redis_server_auth(const struct tpa_redis *r,
			   struct tpa_redis_auth *auth)
{
	auth->user = r->o.user;
	auth->password = r->o.password;
	auth->db = r->o.db;
}

enum tpa_redis_status tpa_redis_route(struct tpa_redis *r, const char *key,
				      size_t keylen,
				      struct tpa_redis_conn **conn, char *err,
				      size_t errlen)
{
	*conn = NULL;
	switch (r->o.mode) {
	case TPA_REDIS_SINGLE:
	case TPA_REDIS_UNIX:
		*conn = &r->main;
		return TPA_REDIS_OK;
	case TPA_REDIS_SENTINEL:
		if (!r->master_known) {
			enum tpa_redis_status st =
				tpa_redis_sentinel_discover(r, err, errlen);
			if (st != TPA_REDIS_OK)
				return st;
		}
		*conn = &r->main;
		return TPA_REDIS_OK;
	case TPA_REDIS_CLUSTER:
		return tpa_redis_cluster_route(
			r,
			key != NULL ? (int)tpa_redis_key_slot(key, keylen) : -1,
			1, conn, err, errlen);
	default:
		tpa_redis_set_err(err, errlen, "no Redis configured");
		return TPA_REDIS_DOWN;
	}
}

void tpa_redis_conn_lost(struct tpa_redis *r, const struct tpa_redis_conn *conn)
{
	if (r->o.mode == TPA_REDIS_SENTINEL && conn == &r->main)
		r->master_known = 0;
	else if (r->o.mode == TPA_REDIS_CLUSTER)
		tpa_redis_cluster_node_failed(r);
}

/* Opens conn, sends [ASKING +] req, and returns req's reply. */
static enum tpa_redis_status
send_request(struct tpa_redis *r, struct tpa_redis_conn *conn, int asking,
	     const struct tpa_redis_request *req, redisReply **reply, char *err,
	     size_t errlen)
{
	static const char *asking_argv[1] = {"ASKING"};
	static const size_t asking_len[1] = {6};
	redisReply *rep[2] = {NULL, NULL};
	struct tpa_redis_auth auth;
	enum tpa_redis_status st;
	size_t got = 0, n = asking ? 2 : 1;

	*reply = NULL;
	tpa_redis_server_auth(r, &auth);
	st = tpa_redis_conn_open(conn, &auth, r->o.timeout_ms, err, errlen);
	if (st != TPA_REDIS_OK)
		return st;
	if ((asking &&
	     tpa_redis_conn_append(conn, 1, asking_argv, asking_len)) ||
	    tpa_redis_append_request(conn, req)) {
		tpa_redis_set_err(err, errlen, "out of memory or bad request");
		tpa_redis_conn_fail(conn);
		return TPA_REDIS_ERROR;
	}
	st = tpa_redis_conn_exchange(conn, r->o.timeout_ms, n, rep, &got, err,
				     errlen);
	if (st != TPA_REDIS_OK) {
		while (got > 0)
			freeReplyObject(rep[--got]);
		return st;
	}
	if (asking && !tpa_redis_reply_is(rep[0], "OK", 2)) {
		st = error_reply(conn, rep[0], TPA_REDIS_ERROR, err, errlen);
		freeReplyObject(rep[1]);
		return st;
	}
	if (asking)
		freeReplyObject(rep[0]);
	*reply = rep[n - 1];
	return TPA_REDIS_OK;
}

/* err = "NODE: the server's text"; frees rep; returns st. */
static enum tpa_redis_status error_reply(const struct tpa_redis_conn *conn,
					 redisReply *rep,
					 enum tpa_redis_status st, char *err,
					 size_t errlen)
{
	char text[128] = "a reply of an unexpected type";

	if (rep != NULL && rep->type == REDIS_REPLY_ERROR && rep->str != NULL)
		tpa_redis_safe_text(rep->str, rep->len, text, sizeof(text));
	tpa_redis_set_err(err, errlen, "%s: %s", conn->name, text);
	freeReplyObject(rep);
	return st;
}

enum tpa_redis_status tpa_redis_run(struct tpa_redis *r, const char *key,
				    size_t keylen,
				    const struct tpa_redis_request *req,
				    redisReply **reply, char *err,
				    size_t errlen)
{
	struct tpa_redis_conn *conn = NULL, *next = NULL;
	uint64_t start = tpa_redis_now_ms();
	int hops = 0, next_asking = 0, reloaded = 0, rerouted = 0;
	char host[TPA_REDIS_HOST_MAX];

	*reply = NULL;
	for (;;) {
		enum tpa_redis_status st;
		redisReply *rep = NULL;
		int asking = 0;
		unsigned slot;
		uint16_t port;

		if (next != NULL) {
			conn = next;
			asking = next_asking;
			next = NULL;
			next_asking = 0;
		} else {
			st = tpa_redis_route(r, key, keylen, &conn, err,
					     errlen);
			if (st != TPA_REDIS_OK)
				return st;
			/* closed by its server while idle (a failover, a
			 * killed node, a restart): look for it again, once,
			 * rather than fail a request that could succeed */
			if (!rerouted && tpa_redis_conn_drop_if_closed(conn)) {
				rerouted = 1;
				tpa_redis_conn_lost(r, conn);
				continue;
			}
		}
		st = send_request(r, conn, asking, req, &rep, err, errlen);
		if (st != TPA_REDIS_OK) {
			tpa_redis_conn_lost(r, conn);
			return st;
		}
		if (rep->type != REDIS_REPLY_ERROR) {
			*reply = rep;
			tpa_redis_set_err(err, errlen, "%s", "");
			return TPA_REDIS_OK;
		}
		switch (tpa_redis_error_kind(rep)) {
		case TPA_REDIS_E_NOSCRIPT:
			if (req->script == NULL || reloaded)
				return error_reply(conn, rep, TPA_REDIS_ERROR,
						   err, errlen);
			freeReplyObject(rep);
			reloaded = 1;
			st = tpa_redis_script_load(r, conn, req->script, err,
						   errlen);
			if (st != TPA_REDIS_OK) {
				tpa_redis_conn_lost(r, conn);
				return st;
			}
			next = conn; /* the very server that said NOSCRIPT */
			next_asking = asking;
			continue;
		case TPA_REDIS_E_MOVED:
		case TPA_REDIS_E_ASK: {
			int ask = tpa_redis_error_kind(rep) == TPA_REDIS_E_ASK;
			const char *text = rep->str + (ask ? 4 : 6);
			struct tpa_redis_conn *to;

			if (r->o.mode != TPA_REDIS_CLUSTER ||
			    rep->len < (size_t)(ask ? 4 : 6) ||
			    tpa_redis_parse_redirect(
				    text, rep->len - (size_t)(text - rep->str),
				    &slot, host, &port))
				return error_reply(conn, rep, TPA_REDIS_ERROR,
						   err, errlen);
			to = tpa_redis_cluster_node(r, host, port, conn);
			if (to == NULL)
				return error_reply(conn, rep, TPA_REDIS_DOWN,
						   err, errlen);
			freeReplyObject(rep);
			if (ask) {
				next = to;
				next_asking = 1;
			} else {
				tpa_redis_cluster_moved(r, slot, to);
			}
			break;
		}
		case TPA_REDIS_E_TRYAGAIN:
		case TPA_REDIS_E_LOADING:
			/* a multi-key command during a migration, or a
			 * server loading its data: soon, within the limit */
			if (tpa_redis_now_ms() - start +
				    TPA_REDIS_RETRY_PAUSE_MS >
			    r->o.timeout_ms)
				return error_reply(conn, rep, TPA_REDIS_DOWN,
						   err, errlen);
			freeReplyObject(rep);
			tpa_redis_sleep_ms(TPA_REDIS_RETRY_PAUSE_MS);
			next = conn;
			next_asking = asking;
			continue;
		case TPA_REDIS_E_CLUSTERDOWN:
		case TPA_REDIS_E_MASTERDOWN:
			return error_reply(conn, rep, TPA_REDIS_DOWN, err,
					   errlen);
		case TPA_REDIS_E_READONLY:
			if (r->o.mode != TPA_REDIS_SENTINEL)
				return error_reply(conn, rep, TPA_REDIS_ERROR,
						   err, errlen);
			/* the master we knew is a replica now: ask again */
			freeReplyObject(rep);
			tpa_redis_conn_close(&r->main);
			r->master_known = 0;
			break;
		default:
			return error_reply(conn, rep, TPA_REDIS_ERROR, err,
					   errlen);
		}
		if (++hops > TPA_REDIS_MAX_REDIRECTS) {
			tpa_redis_set_err(err, errlen,
					  "%s: more than %d redirects",
					  conn->name, TPA_REDIS_MAX_REDIRECTS);
			return TPA_REDIS_ERROR;
		}
	}
}

enum tpa_redis_status tpa_redis_command(struct tpa_redis *r, const char *key,
					int argc, const char **argv,
					const size_t *argvlen,
					redisReply **reply, char *err,
					size_t errlen)
{
	struct tpa_redis_request req = {argc, argv, argvlen, NULL, 0};
	redisReply *dummy;
	char local[TPA_REDIS_ERR_LEN];

	if (reply == NULL)
		reply = &dummy;
	*reply = NULL;
	if (err == NULL) {
		err = local;
		errlen = sizeof(local);
	}
	if (r == NULL || argc < 1 || argv == NULL || argvlen == NULL) {
		tpa_redis_set_err(err, errlen, "bad arguments");
		return TPA_REDIS_ERROR;
	}
	err[0] = '\0';
	{
		enum tpa_redis_status st =
			tpa_redis_run(r, key, key ? strlen(key) : 0, &req,
				      reply, err, errlen);
		if (reply == &dummy && dummy != NULL)
			freeReplyObject(dummy);
		return st;
	}
}
