/*
 * tpa_redis_internal.h: what the files of the Redis client share, and
 * nothing outside lib/tpa_redis*.c (and its tests and fuzzers) may use.
 *
 *   tpa_redis_options.c     URL, node list, secret file
 *   tpa_redis_reply.c       replies: limits on what a server may send,
 *                           what an error reply means, safe error text
 *   tpa_redis_conn.c        one connection: connect, AUTH, SELECT,
 *                           commands under a deadline, back-off
 *   tpa_redis_slots.c       CRC16, hash tags, CLUSTER SLOTS, MOVED/ASK
 *   tpa_redis_cluster.c     the node table and slot map of a client
 *   tpa_redis_sentinel.c    finding the master through Sentinel
 *   tpa_redis.c             the client: routing, redirects, commands
 *   tpa_redis_script.c      EVALSHA, NOSCRIPT
 *   tpa_redis_batch.c       pipelines
 *   tpa_redis_subscriber.c  the subscriber thread
 */
#ifndef TPA_REDIS_INTERNAL_H
#define TPA_REDIS_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "tpa_redis.h"

/* ---- limits on what a server may send ----------------------------------
 * A reply larger than these is a broken (or hostile) server: the
 * connection is dropped.  Ours are small (a script's verdict, a slot map
 * of a few KB), so the limits are generous and still bound memory. */
#define TPA_REDIS_REPLY_MAX_BYTES (16u << 20)  /* read for one reply */
#define TPA_REDIS_REPLY_MAX_OBJECTS (1u << 20) /* objects in one reply */
#define TPA_REDIS_MAX_REDIRECTS 5	       /* MOVED, ASK, failover */
#define TPA_REDIS_RETRY_PAUSE_MS 10	       /* TRYAGAIN, LOADING */
#define TPA_REDIS_CLUSTER_NODES 64	       /* seeds + masters at once */
#define TPA_REDIS_SLOTS 16384

/* ---- time and error text (tpa_redis_reply.c) --------------------------- */

/* Milliseconds of CLOCK_MONOTONIC. */
uint64_t tpa_redis_now_ms(void);

/* Sleeps ms milliseconds (EINTR resumed). */
void tpa_redis_sleep_ms(uint32_t ms);

/* snprintf into err (errlen bytes); err may be NULL.  Returns nothing. */
void tpa_redis_set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Copies at most cap - 1 bytes of the len bytes at in to out, printable
 * ASCII only (others become '?'), cut at 120 bytes: server text in our
 * error messages and logs. */
void tpa_redis_safe_text(const char *in, size_t len, char *out, size_t cap);

/* "host:port", "[v6]:port" or "unix:path" into out. */
void tpa_redis_node_name(const char *host, uint16_t port, const char *unix_path,
			 char *out, size_t cap);

/* ---- replies (tpa_redis_reply.c) --------------------------------------- */

/* Counts what a reader built for the reply under way (the reader's
 * privdata); reset after each complete reply. */
struct tpa_redis_reader_count {
	size_t objects;
};

/*
 * A hiredis reader whose replies are ordinary redisReply objects (free
 * with freeReplyObject) but that refuses, as a protocol error, an array
 * or a reply beyond the limits above.  NULL when out of memory.
 */
struct redisReader *tpa_redis_reader_new(struct tpa_redis_reader_count *count);

/* What an error reply asks of the client. */
enum tpa_redis_error_kind {
	TPA_REDIS_E_OTHER = 0, /* the command's own error */
	TPA_REDIS_E_MOVED,
	TPA_REDIS_E_ASK,
	TPA_REDIS_E_TRYAGAIN,
	TPA_REDIS_E_CLUSTERDOWN,
	TPA_REDIS_E_NOSCRIPT,
	TPA_REDIS_E_READONLY,
	TPA_REDIS_E_LOADING,
	TPA_REDIS_E_MASTERDOWN
};

/* The kind of an error reply (its first word); OTHER for anything else. */
enum tpa_redis_error_kind tpa_redis_error_kind(const redisReply *r);

/* 1 if r is a STRING or STATUS reply equal to the len bytes at s. */
int tpa_redis_reply_is(const redisReply *r, const char *s, size_t len);

/* The reply as an integer in lo..hi: 0 and *out, or -1 (any other type or
 * value).  Accepts an INTEGER reply, or a STRING of strict digits. */
int tpa_redis_reply_int(const redisReply *r, long long lo, long long hi,
			long long *out);

/* Copies a STRING reply that is a valid host (name, IPv4, IPv6 without
 * brackets) into host (TPA_REDIS_HOST_MAX).  Returns 0 or -1. */
int tpa_redis_reply_host(const redisReply *r, char *host);

/* 1 if the len bytes at s are a host name, IPv4 or (bare) IPv6 address we
 * would connect to: letters, digits, '.', '-', '_', ':' only, non-empty,
 * shorter than TPA_REDIS_HOST_MAX. */
int tpa_redis_host_ok(const char *s, size_t len);

/* ---- one connection (tpa_redis_conn.c) --------------------------------- */

struct tpa_redis_backoff {
	uint32_t ms;	/* the next pause; 0: no failure since success */
	uint64_t until; /* no attempt before this (tpa_redis_now_ms) */
};

/* 1 if b forbids an attempt now; *left_ms how long it still does. */
int tpa_redis_backoff_active(const struct tpa_redis_backoff *b,
			     uint64_t *left_ms);
/* A failure: no attempt for the next pause, and the pause doubles. */
void tpa_redis_backoff_fail(struct tpa_redis_backoff *b);
/* A success: the next failure starts from TPA_REDIS_BACKOFF_MIN_MS. */
void tpa_redis_backoff_reset(struct tpa_redis_backoff *b);

/* What a connection says after connecting, before its first command. */
struct tpa_redis_auth {
	const char *user;     /* "" or NULL: AUTH password */
	const char *password; /* "" or NULL: no AUTH */
	unsigned db;	      /* 0: no SELECT */
};

struct tpa_redis_conn {
	struct redisContext *ctx; /* NULL: not connected */
	struct redisReader *reader;
	struct tpa_redis_reader_count count;
	size_t reply_bytes;	       /* read since the last complete reply */
	char host[TPA_REDIS_HOST_MAX]; /* TCP, when unix_path is "" */
	uint16_t port;
	char unix_path[TPA_REDIS_PATH_MAX];
	char name[TPA_REDIS_HOST_MAX + 16]; /* for messages */
	struct tpa_redis_backoff backoff;
	uint8_t *out; /* commands formatted, not yet sent (wiped) */
	size_t out_len, out_cap;
};

/* Outcome of waiting for a reply (tpa_redis_conn_read). */
enum tpa_redis_io {
	TPA_REDIS_IO_OK = 0,
	TPA_REDIS_IO_TIMEOUT, /* deadline passed; the connection stays */
	TPA_REDIS_IO_WOKEN,   /* wake_fd became readable */
	TPA_REDIS_IO_FAILED   /* the connection is closed (err says why) */
};

/* An unconnected conn to host:port or, with unix_path non-NULL and
 * non-empty, to that socket.  Keeps no back-off. */
void tpa_redis_conn_init(struct tpa_redis_conn *c, const char *host,
			 uint16_t port, const char *unix_path);

/* 1 if c is for host:port (TCP). */
int tpa_redis_conn_is(const struct tpa_redis_conn *c, const char *host,
		      uint16_t port);

/*
 * Connects c if it is not (or if the server closed it while it was idle:
 * tpa_redis_conn_drop_if_closed), within timeout_ms, and says auth.
 * During a back-off: TPA_REDIS_DOWN at once.  A failure closes c and starts (or
 * doubles) its back-off; only an answered exchange resets it (a
 * stopped server's kernel still accepts connections).
 */
enum tpa_redis_status tpa_redis_conn_open(struct tpa_redis_conn *c,
					  const struct tpa_redis_auth *auth,
					  uint32_t timeout_ms, char *err,
					  size_t errlen);

/* Formats a command into c's output (sent by tpa_redis_conn_exchange).
 * Returns 0, or -1 when out of memory or argc < 1. */
int tpa_redis_conn_append(struct tpa_redis_conn *c, int argc, const char **argv,
			  const size_t *argvlen);

/* Sends what was appended, all of it, before deadline (no-op if nothing):
 * 0, or -1 with the connection failed (closed, back-off) and err set;
 * *timed_out says whether the deadline was the cause. */
int tpa_redis_conn_flush(struct tpa_redis_conn *c, uint64_t deadline,
			 int *timed_out, char *err, size_t errlen);

/*
 * Waits until deadline for one reply of what was sent (*reply, owned by
 * the caller) or wake_fd (-1: none) readable.  IO_FAILED closes c and
 * starts its back-off; IO_TIMEOUT and IO_WOKEN leave c as it is.
 */
enum tpa_redis_io tpa_redis_conn_read(struct tpa_redis_conn *c,
				      uint64_t deadline, int wake_fd,
				      redisReply **reply, char *err,
				      size_t errlen);

/*
 * Sends what was appended and reads n replies into replies[], within
 * timeout_ms in all.  *got replies arrived (owned by the caller) even on
 * failure.  TIMEOUT or DOWN fail c (closed, back-off: a late reply would
 * be read as the next command's); OK resets the back-off.
 */
enum tpa_redis_status tpa_redis_conn_exchange(struct tpa_redis_conn *c,
					      uint32_t timeout_ms, size_t n,
					      redisReply **replies, size_t *got,
					      char *err, size_t errlen);

/* Opens c if needed, runs one command, returns its reply (any type,
 * errors included) in *reply. */
enum tpa_redis_status
tpa_redis_conn_command(struct tpa_redis_conn *c,
		       const struct tpa_redis_auth *auth, uint32_t timeout_ms,
		       int argc, const char **argv, const size_t *argvlen,
		       redisReply **reply, char *err, size_t errlen);

/* Closes c (if open) and starts or doubles its back-off. */
void tpa_redis_conn_fail(struct tpa_redis_conn *c);

/* Closes c (if open); keeps its back-off as it is. */
void tpa_redis_conn_close(struct tpa_redis_conn *c);

/*
 * 1, with c closed (its back-off as it is), if c is open and idle but its
 * server has closed it (a restart, a killed node, Sentinel's CLIENT KILL
 * of a demoted master) or sent bytes nobody asked for; else 0.  A request
 * on such a connection would fail with nothing wrong now: this lets the
 * caller connect again, or look for the server again, first.
 */
int tpa_redis_conn_drop_if_closed(struct tpa_redis_conn *c);

/* ---- cluster slots (tpa_redis_slots.c) --------------------------------- */

/* CRC16-CCITT (XMODEM), as Redis Cluster hashes keys. */
uint16_t tpa_redis_crc16(const char *buf, size_t len);

/*
 * Parses the text of a MOVED or ASK error after its first word
 * ("3999 127.0.0.1:6381"): slot, host, port.  An empty host (Redis's
 * "unknown endpoint") is given as "".  Returns 0 or -1.
 */
int tpa_redis_parse_redirect(const char *text, size_t len, unsigned *slot,
			     char host[TPA_REDIS_HOST_MAX], uint16_t *port);

/* One range of CLUSTER SLOTS: slots start..end served by host:port. */
typedef int (*tpa_redis_range_fn)(void *ctx, unsigned start, unsigned end,
				  const char *host, uint16_t port);

/*
 * Walks a CLUSTER SLOTS reply and calls fn for every range whose master
 * is known; an empty master host stands for the node asked (asked_host).
 * Returns the number of ranges, or -1 (err set) when the reply is not
 * one or fn returned non-zero.
 */
int tpa_redis_parse_slots(const redisReply *r, const char *asked_host,
			  tpa_redis_range_fn fn, void *ctx, char *err,
			  size_t errlen);

/* ---- the client (tpa_redis.c, tpa_redis_cluster.c, ...sentinel.c) ----- */

struct tpa_redis_cluster;

struct tpa_redis {
	struct tpa_redis_options o;
	struct tpa_redis_conn main; /* SINGLE, UNIX; SENTINEL's master */
	/* SENTINEL */
	struct tpa_redis_conn sentinels[TPA_REDIS_MAX_NODES];
	struct tpa_redis_backoff discovery; /* no master found */
	int master_known; /* main is the master the sentinels named */
	/* CLUSTER */
	struct tpa_redis_cluster *cluster;
};

/* What conns of r say after connecting (server or sentinel). */
void tpa_redis_server_auth(const struct tpa_redis *r,
			   struct tpa_redis_auth *auth);

/* Asks the sentinels of r for the master, checks its ROLE, and points
 * r->main at it (master_known).  TPA_REDIS_OK, or why not. */
enum tpa_redis_status tpa_redis_sentinel_discover(struct tpa_redis *r,
						  char *err, size_t errlen);

/* Parses a SENTINEL get-master-addr-by-name reply: 0 with host, port;
 * 1 if the sentinel does not know the master (nil); -1 if malformed. */
int tpa_redis_parse_master_addr(const redisReply *r,
				char host[TPA_REDIS_HOST_MAX], uint16_t *port);

/* 1 if r is a ROLE reply of a master, 0 if of anything else. */
int tpa_redis_role_is_master(const redisReply *r);

/* A cluster's node table and slot map; NULL when out of memory. */
struct tpa_redis_cluster *tpa_redis_cluster_new(const struct tpa_redis *r);
void tpa_redis_cluster_free(struct tpa_redis_cluster *cl);

/*
 * The conn for slot (-1: any node), refreshing the slot map first (if
 * may_refresh) when it is missing or a refresh is due.  A refresh may
 * drop nodes from the table: conns held from before are then invalid.
 * TPA_REDIS_DOWN when no node serves the slot.
 */
enum tpa_redis_status tpa_redis_cluster_route(struct tpa_redis *r, int slot,
					      int may_refresh,
					      struct tpa_redis_conn **conn,
					      char *err, size_t errlen);

/* The conn for host:port (a redirect's target), added to the table if
 * new; an empty host means the host of from.  NULL when the table is
 * full. */
struct tpa_redis_conn *
tpa_redis_cluster_node(struct tpa_redis *r, const char *host, uint16_t port,
		       const struct tpa_redis_conn *from);

/* The nth node of the table, counting seeds first, modulo the number of
 * nodes (the subscriber goes round them).  NULL if the table is empty. */
struct tpa_redis_conn *tpa_redis_cluster_nth(struct tpa_redis *r, size_t nth);

/* MOVED: slot now belongs to to; a full refresh is scheduled. */
void tpa_redis_cluster_moved(struct tpa_redis *r, unsigned slot,
			     struct tpa_redis_conn *to);

/* A node failed: the map may be stale (failover); refresh soon. */
void tpa_redis_cluster_node_failed(struct tpa_redis *r);

/*
 * The conn a command for the key of keylen bytes goes to (key NULL: any
 * server): the server, the master, or the slot's node.
 */
enum tpa_redis_status tpa_redis_route(struct tpa_redis *r, const char *key,
				      size_t keylen,
				      struct tpa_redis_conn **conn, char *err,
				      size_t errlen);

/* A command on conn failed with st: forget what it may have made stale
 * (the Sentinel's master, the cluster's map). */
void tpa_redis_conn_lost(struct tpa_redis *r,
			 const struct tpa_redis_conn *conn);

/* One request to run (a command, or EVALSHA of a script). */
struct tpa_redis_request {
	int argc; /* command: its argv; script: keys then args */
	const char **argv;
	const size_t *argvlen;
	const struct tpa_redis_script *script; /* non-NULL: EVALSHA */
	int nkeys;			       /* with script */
};

/*
 * Appends req to conn's output: the command, or EVALSHA sha nkeys ....
 * Returns 0 or -1 (out of memory, bad nkeys).
 */
int tpa_redis_append_request(struct tpa_redis_conn *conn,
			     const struct tpa_redis_request *req);

/*
 * Runs req, routed by key, following redirects, NOSCRIPT and failover
 * within the limits: the core of tpa_redis_command, _eval and the single
 * retries of _batch.
 */
enum tpa_redis_status tpa_redis_run(struct tpa_redis *r, const char *key,
				    size_t keylen,
				    const struct tpa_redis_request *req,
				    redisReply **reply, char *err,
				    size_t errlen);

/* SCRIPT LOAD of s on conn, which must answer s's SHA1. */
enum tpa_redis_status tpa_redis_script_load(struct tpa_redis *r,
					    struct tpa_redis_conn *conn,
					    const struct tpa_redis_script *s,
					    char *err, size_t errlen);

/* ---- subscriber (tpa_redis_subscriber.c) ------------------------------- */

enum tpa_redis_push {
	TPA_REDIS_PUSH_OTHER = 0, /* not for us: ignored */
	TPA_REDIS_PUSH_MESSAGE,	  /* a message on the channel */
	TPA_REDIS_PUSH_SUBSCRIBED,
	TPA_REDIS_PUSH_PONG,
	TPA_REDIS_PUSH_BAD /* not a reply a subscriber can get */
};

/* What a reply on a subscribed connection is; MESSAGE sets *payload and
 * *len (inside r). */
enum tpa_redis_push tpa_redis_parse_push(const redisReply *r,
					 const char *channel, size_t chanlen,
					 const char **payload, size_t *len);

#endif /* TPA_REDIS_INTERNAL_H */
