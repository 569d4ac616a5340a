/*
 * tpa_redis_cluster: what one client knows of a Redis Cluster: a small
 * table of nodes (the seeds, then the masters CLUSTER SLOTS names, each
 * with its own connection and back-off) and which node serves each slot.
 * The map is read at first use, again soon after a MOVED (whose one slot
 * is updated at once) or a node's failure, from the seeds first and then
 * from the other nodes known.
 */
#include "tpa_redis_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#define NO_NODE 0xff

struct cluster_node {
	struct tpa_redis_conn conn;
	uint8_t used; /* this entry holds a node */
	uint8_t seed; /* one of the options' seeds: never dropped */
};

struct tpa_redis_cluster {
	struct cluster_node nodes[TPA_REDIS_CLUSTER_NODES];
	size_t n_seeds;
	uint8_t owner[TPA_REDIS_SLOTS]; /* node index, or NO_NODE */
	uint8_t next[TPA_REDIS_SLOTS];	/* the map a refresh builds */
	int have_map;
	int refresh_due;
	uint64_t refreshed_at;
};

static int find_or_add(struct tpa_redis_cluster *cl, const char *host,
		       uint16_t port);
static int take_range(void *ctx, unsigned start, unsigned end, const char *host,
		      uint16_t port);
static enum tpa_redis_status refresh(struct tpa_redis *r, char *err,
				     size_t errlen);
static int ask_slots(struct tpa_redis *r, int idx, char *err, size_t errlen);
static void commit_map(struct tpa_redis_cluster *cl);

struct tpa_redis_cluster *tpa_redis_cluster_new(const struct tpa_redis *r)
{
	struct tpa_redis_cluster *cl = calloc(1, sizeof(*cl));
	size_t i;

	if (cl == NULL)
		return NULL;
	memset(cl->owner, NO_NODE, sizeof(cl->owner));
	for (i = 0; i < r->o.n_nodes && i < TPA_REDIS_CLUSTER_NODES; i++) {
		tpa_redis_conn_init(&cl->nodes[i].conn, r->o.nodes[i].host,
				    r->o.nodes[i].port, NULL);
		cl->nodes[i].used = 1;
		cl->nodes[i].seed = 1;
	}
	cl->n_seeds = i;
	return cl;
}

void tpa_redis_cluster_free(struct tpa_redis_cluster *cl)
{
	size_t i;

	if (cl == NULL)
		return;
	for (i = 0; i < TPA_REDIS_CLUSTER_NODES; i++)
		tpa_redis_conn_close(&cl->nodes[i].conn);
	free(cl);
}

/* The index of host:port in the table, added if new; -1 if full. */
static int find_or_add(struct tpa_redis_cluster *cl, const char *host,
		       uint16_t port)
{
	int i, free_at = -1;

	for (i = 0; i < TPA_REDIS_CLUSTER_NODES; i++) {
		if (!cl->nodes[i].used) {
			if (free_at < 0)
				free_at = i;
			continue;
		}
		if (tpa_redis_conn_is(&cl->nodes[i].conn, host, port))
			return i;
	}
	if (free_at < 0)
		return -1;
	tpa_redis_conn_init(&cl->nodes[free_at].conn, host, port, NULL);
	cl->nodes[free_at].used = 1;
	cl->nodes[free_at].seed = 0;
	return free_at;
}

static int take_range(void *ctx, unsigned start, unsigned end, const char *host,
		      uint16_t port)
{
	struct tpa_redis_cluster *cl = ctx;
	int idx = find_or_add(cl, host, port);

	if (idx < 0)
		return -1;
	memset(cl->next + start, idx, end - start + 1);
	return 0;
}

/* The new map in place; nodes it no longer names (but seeds) leave. */
static void commit_map(struct tpa_redis_cluster *cl)
{
	uint8_t named[TPA_REDIS_CLUSTER_NODES] = {0};
	size_t s;
	int i;

	memcpy(cl->owner, cl->next, sizeof(cl->owner));
	for (s = 0; s < TPA_REDIS_SLOTS; s++)
		if (cl->owner[s] != NO_NODE)
			named[cl->owner[s]] = 1;
	for (i = 0; i < TPA_REDIS_CLUSTER_NODES; i++)
		if (cl->nodes[i].used && !cl->nodes[i].seed && !named[i]) {
			tpa_redis_conn_close(&cl->nodes[i].conn);
			cl->nodes[i].used = 0;
		}
	cl->have_map = 1;
	cl->refresh_due = 0;
}

/* CLUSTER SLOTS from node idx into the map: 0, or -1 with err. */
static int ask_slots(struct tpa_redis *r, int idx, char *err, size_t errlen)
{
	static const char *argv[2] = {"CLUSTER", "SLOTS"};
	static const size_t argvlen[2] = {7, 5};
	struct tpa_redis_cluster *cl = r->cluster;
	struct tpa_redis_conn *c = &cl->nodes[idx].conn;
	struct tpa_redis_auth auth;
	redisReply *rep = NULL;
	char host[TPA_REDIS_HOST_MAX];
	int n;

	tpa_redis_server_auth(r, &auth);
	if (tpa_redis_conn_command(c, &auth, r->o.timeout_ms, 2, argv, argvlen,
				   &rep, err, errlen) != TPA_REDIS_OK)
		return -1;
	if (rep->type == REDIS_REPLY_ERROR) {
		char text[128];
		tpa_redis_safe_text(rep->str, rep->len, text, sizeof(text));
		tpa_redis_set_err(err, errlen, "%s: CLUSTER SLOTS: %s", c->name,
				  text);
		freeReplyObject(rep);
		return -1;
	}
	memset(cl->next, NO_NODE, sizeof(cl->next));
	/* the table may move under take_range: copy the asked host first */
	memcpy(host, c->host, sizeof(host));
	n = tpa_redis_parse_slots(rep, host, take_range, cl, err, errlen);
	freeReplyObject(rep);
	if (n == 0)
		tpa_redis_set_err(err, errlen,
				  "%s: CLUSTER SLOTS: no slot is served",
				  c->name);
	if (n <= 0)
		return -1;
	commit_map(cl);
	return 0;
}

static enum tpa_redis_status refresh(struct tpa_redis *r, char *err,
				     size_t errlen)
{
	struct tpa_redis_cluster *cl = r->cluster;
	uint8_t tried[TPA_REDIS_CLUSTER_NODES] = {0};
	size_t i;

	cl->refreshed_at = tpa_redis_now_ms();
	tpa_redis_set_err(err, errlen, "no cluster node known");
	/* seeds first, in the operator's order, then the others */
	for (i = 0; i < cl->n_seeds; i++) {
		tried[i] = 1;
		if (ask_slots(r, (int)i, err, errlen) == 0)
			return TPA_REDIS_OK;
	}
	for (i = 0; i < TPA_REDIS_CLUSTER_NODES; i++) {
		if (!cl->nodes[i].used || tried[i])
			continue;
		if (ask_slots(r, (int)i, err, errlen) == 0)
			return TPA_REDIS_OK;
	}
	return TPA_REDIS_DOWN;
}

enum tpa_redis_status tpa_redis_cluster_route(struct tpa_redis *r, int slot,
					      int may_refresh,
					      struct tpa_redis_conn **conn,
					      char *err, size_t errlen)
{
	struct tpa_redis_cluster *cl = r->cluster;
	uint8_t idx;

	*conn = NULL;
	if (may_refresh &&
	    (!cl->have_map ||
	     (cl->refresh_due && tpa_redis_now_ms() - cl->refreshed_at >=
					 TPA_REDIS_BACKOFF_MIN_MS))) {
		enum tpa_redis_status st = refresh(r, err, errlen);
		if (st != TPA_REDIS_OK && !cl->have_map)
			return st;
	}
	if (!cl->have_map) {
		tpa_redis_set_err(err, errlen, "no cluster slot map yet");
		return TPA_REDIS_DOWN;
	}
	idx = cl->owner[slot >= 0 ? slot : 0];
	if (idx == NO_NODE && slot < 0) {
		size_t s;
		for (s = 0; s < TPA_REDIS_SLOTS && idx == NO_NODE; s++)
			idx = cl->owner[s];
	}
	if (idx == NO_NODE) {
		cl->refresh_due = 1;
		tpa_redis_set_err(err, errlen,
				  "cluster slot %d is served by no node", slot);
		return TPA_REDIS_DOWN;
	}
	*conn = &cl->nodes[idx].conn;
	return TPA_REDIS_OK;
}

struct tpa_redis_conn *tpa_redis_cluster_node(struct tpa_redis *r,
					      const char *host, uint16_t port,
					      const struct tpa_redis_conn *from)
{
	char h[TPA_REDIS_HOST_MAX];
	int idx;

	/* copied: from may be an entry of the table */
	snprintf(h, sizeof(h), "%s", host[0] != '\0' ? host : from->host);
	idx = find_or_add(r->cluster, h, port);
	return idx < 0 ? NULL : &r->cluster->nodes[idx].conn;
}

struct tpa_redis_conn *tpa_redis_cluster_nth(struct tpa_redis *r, size_t nth)
{
	struct tpa_redis_cluster *cl = r->cluster;
	size_t used = 0, i;

	for (i = 0; i < TPA_REDIS_CLUSTER_NODES; i++)
		used += cl->nodes[i].used;
	if (used == 0)
		return NULL;
	nth %= used;
	for (i = 0; i < TPA_REDIS_CLUSTER_NODES; i++)
		if (cl->nodes[i].used && nth-- == 0)
			return &cl->nodes[i].conn;
	return NULL;
}

void tpa_redis_cluster_moved(struct tpa_redis *r, unsigned slot,
			     struct tpa_redis_conn *to)
{
	struct tpa_redis_cluster *cl = r->cluster;
	/* to is the conn of a table entry: its first member */
	size_t idx = (size_t)((struct cluster_node *)(void *)to - cl->nodes);

	if (slot < TPA_REDIS_SLOTS && idx < TPA_REDIS_CLUSTER_NODES)
		cl->owner[slot] = (uint8_t)idx;
	cl->refresh_due = 1;
}

void tpa_redis_cluster_node_failed(struct tpa_redis *r)
{
	if (r->cluster != NULL)
		r->cluster->refresh_due = 1;
}
