/*
 * tpa_redis_batch: many independent commands in one round trip per
 * server.  Each command is routed by its key; the commands of one server
 * are pipelined; a command answered with a redirect (MOVED, ASK,
 * TRYAGAIN, READONLY, LOADING) or NOSCRIPT is sent again on its own
 * through tpa_redis_run, which follows it.
 */
#include "tpa_redis_internal.h"

#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

static int needs_retry(struct tpa_redis *r, struct tpa_redis_conn *conn,
		       const redisReply *rep);
static void send_group(struct tpa_redis *r, struct tpa_redis_conn *conn,
		       const struct tpa_redis_cmd *cmds, size_t n,
		       struct tpa_redis_conn **conn_of, uint8_t *retry,
		       redisReply **replies, enum tpa_redis_status *status);

static void request_of(const struct tpa_redis_cmd *cmd,
		       struct tpa_redis_request *req)
{
	req->argc = cmd->argc;
	req->argv = cmd->argv;
	req->argvlen = cmd->argvlen;
	req->script = cmd->script;
	req->nkeys = cmd->nkeys;
}

/* 1 if the error reply rep is one a single retry follows; a MOVED
 * updates the slot map first. */
static int needs_retry(struct tpa_redis *r, struct tpa_redis_conn *conn,
		       const redisReply *rep)
{
	char host[TPA_REDIS_HOST_MAX];
	struct tpa_redis_conn *to;
	unsigned slot;
	uint16_t port;

	switch (tpa_redis_error_kind(rep)) {
	case TPA_REDIS_E_MOVED:
		if (r->o.mode == TPA_REDIS_CLUSTER && rep->len > 6 &&
		    tpa_redis_parse_redirect(rep->str + 6, rep->len - 6, &slot,
					     host, &port) == 0 &&
		    (to = tpa_redis_cluster_node(r, host, port, conn)) != NULL)
			tpa_redis_cluster_moved(r, slot, to);
		return 1;
	case TPA_REDIS_E_ASK:
	case TPA_REDIS_E_TRYAGAIN:
	case TPA_REDIS_E_LOADING:
	case TPA_REDIS_E_NOSCRIPT:
		return 1;
	case TPA_REDIS_E_READONLY:
		return r->o.mode == TPA_REDIS_SENTINEL;
	default:
		return 0;
	}
}

/* The commands routed to conn, pipelined. */
static void send_group(struct tpa_redis *r, struct tpa_redis_conn *conn,
		       const struct tpa_redis_cmd *cmds, size_t n,
		       struct tpa_redis_conn **conn_of, uint8_t *retry,
		       redisReply **replies, enum tpa_redis_status *status)
{
	struct tpa_redis_request req;
	struct tpa_redis_auth auth;
	enum tpa_redis_status st;
	redisReply **got_replies = NULL;
	size_t *which = NULL, m = 0, got = 0, i;
	char err[TPA_REDIS_ERR_LEN];

	which = malloc(n * sizeof(*which));
	got_replies = calloc(n, sizeof(*got_replies));
	if (which == NULL || got_replies == NULL) {
		st = TPA_REDIS_ERROR;
		for (i = 0; i < n; i++)
			if (conn_of[i] == conn) {
				status[i] = st;
				conn_of[i] = NULL;
			}
		goto out;
	}
	for (i = 0; i < n; i++)
		if (conn_of[i] == conn) {
			which[m++] = i;
			conn_of[i] = NULL; /* sent, or failed */
		}
	tpa_redis_server_auth(r, &auth);
	st = tpa_redis_conn_open(conn, &auth, r->o.timeout_ms, err,
				 sizeof(err));
	for (i = 0; st == TPA_REDIS_OK && i < m; i++) {
		request_of(&cmds[which[i]], &req);
		if (tpa_redis_append_request(conn, &req)) {
			tpa_redis_conn_fail(conn);
			st = TPA_REDIS_ERROR;
		}
	}
	if (st == TPA_REDIS_OK)
		st = tpa_redis_conn_exchange(conn, r->o.timeout_ms, m,
					     got_replies, &got, err,
					     sizeof(err));
	if (st != TPA_REDIS_OK)
		tpa_redis_conn_lost(r, conn);
	for (i = 0; i < m; i++) {
		size_t j = which[i];
		redisReply *rep = i < got ? got_replies[i] : NULL;

		if (rep == NULL) {
			status[j] = st;
		} else if (rep->type != REDIS_REPLY_ERROR) {
			replies[j] = rep;
			status[j] = TPA_REDIS_OK;
		} else {
			retry[j] = (uint8_t)needs_retry(r, conn, rep);
			status[j] = TPA_REDIS_ERROR;
			freeReplyObject(rep);
		}
	}
out:
	free(which);
	free(got_replies);
}

size_t tpa_redis_batch(struct tpa_redis *r, const struct tpa_redis_cmd *cmds,
		       size_t n, redisReply **replies,
		       enum tpa_redis_status *status)
{
	struct tpa_redis_conn **conn_of;
	uint8_t *retry;
	size_t i, failed = 0;
	char err[TPA_REDIS_ERR_LEN];

	for (i = 0; i < n; i++) {
		replies[i] = NULL;
		status[i] = TPA_REDIS_ERROR;
	}
	if (r == NULL || n == 0)
		return n;
	conn_of = calloc(n, sizeof(*conn_of));
	retry = calloc(n, 1);
	if (conn_of == NULL || retry == NULL) {
		free(conn_of);
		free(retry);
		return n;
	}
	/* Routing first; a cluster refreshes its map at most before the
	 * first command, since a refresh may drop conns routed already. */
	for (i = 0; i < n; i++) {
		const char *key = cmds[i].key;
		enum tpa_redis_status st;

		if (r->o.mode == TPA_REDIS_CLUSTER)
			st = tpa_redis_cluster_route(
				r,
				key != NULL ? (int)tpa_redis_key_slot(
						      key, strlen(key))
					    : -1,
				i == 0, &conn_of[i], err, sizeof(err));
		else
			st = tpa_redis_route(r, key, key ? strlen(key) : 0,
					     &conn_of[i], err, sizeof(err));
		if (st != TPA_REDIS_OK) {
			conn_of[i] = NULL;
			status[i] = st;
		}
	}
	for (i = 0; i < n; i++)
		if (conn_of[i] != NULL)
			send_group(r, conn_of[i], cmds, n, conn_of, retry,
				   replies, status);
	for (i = 0; i < n; i++) {
		if (retry[i]) {
			struct tpa_redis_request req;
			const char *key = cmds[i].key;

			request_of(&cmds[i], &req);
			status[i] = tpa_redis_run(r, key, key ? strlen(key) : 0,
						  &req, &replies[i], err,
						  sizeof(err));
		}
		if (status[i] != TPA_REDIS_OK)
			failed++;
	}
	free(conn_of);
	free(retry);
	return failed;
}
