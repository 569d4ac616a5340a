/*
 * tpa_redis: a blocking Redis client for one thread, over hiredis 0.14, that
 * follows the deployments operators run: one server (TCP or a Unix
 * socket), a master found through Sentinel, or Redis Cluster (hiredis
 * 0.14 has no cluster support: the slot map, MOVED and ASK are done here).
 * Knows nothing of tokens, coturn or the plugin.
 *
 * Threads: a struct tpa_redis belongs to one thread at a time (the plugin
 * keeps one per auth thread).  struct tpa_redis_options is read-only once
 * parsed and may be shared.  The subscriber runs a thread of its own.
 *
 * Time: every call returns within the options' timeout_ms per server it
 * talks to (connect, and each command), a handful of redirects at most.
 * After a failure the connection is dropped and not tried again before a
 * back-off (TPA_REDIS_BACKOFF_MIN_MS doubling to TPA_REDIS_BACKOFF_MAX_MS);
 * meanwhile calls fail at once with TPA_REDIS_DOWN, without blocking.
 *
 * Secrets: the password is wiped by tpa_redis_options_wipe and never
 * appears in an error message.
 */
#ifndef TPA_REDIS_H
#define TPA_REDIS_H

#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#define TPA_REDIS_MAX_NODES 16	 /* sentinels or cluster seeds */
#define TPA_REDIS_HOST_MAX 256	 /* with the NUL */
#define TPA_REDIS_PATH_MAX 108	 /* sun_path */
#define TPA_REDIS_NAME_MAX 128	 /* user, sentinel master; with the NUL */
#define TPA_REDIS_SECRET_MAX 512 /* password; with the NUL */
#define TPA_REDIS_ERR_LEN 256	 /* error messages */
#define TPA_REDIS_BACKOFF_MIN_MS 100
#define TPA_REDIS_BACKOFF_MAX_MS 2000
#define TPA_REDIS_TIMEOUT_DEFAULT_MS 250

enum tpa_redis_mode {
	TPA_REDIS_OFF = 0,  /* no Redis configured */
	TPA_REDIS_SINGLE,   /* nodes[0] over TCP */
	TPA_REDIS_UNIX,	    /* unix_path */
	TPA_REDIS_SENTINEL, /* nodes[] are sentinels of sentinel_master */
	TPA_REDIS_CLUSTER   /* nodes[] are seeds of a cluster */
};

struct tpa_redis_node {
	char host[TPA_REDIS_HOST_MAX]; /* name, IPv4, or IPv6 without [] */
	uint16_t port;
};

struct tpa_redis_options {
	enum tpa_redis_mode mode;
	struct tpa_redis_node nodes[TPA_REDIS_MAX_NODES];
	size_t n_nodes;
	char unix_path[TPA_REDIS_PATH_MAX];
	char sentinel_master[TPA_REDIS_NAME_MAX]; /* SENTINEL mode */
	unsigned db;		       /* SELECT; must be 0 in CLUSTER mode */
	char user[TPA_REDIS_NAME_MAX]; /* ACL user; "" = AUTH password */
	char password[TPA_REDIS_SECRET_MAX]; /* secret; "" = no AUTH */
	/* AUTH towards the sentinels themselves, if they require it */
	char sentinel_password[TPA_REDIS_SECRET_MAX];
	uint32_t timeout_ms; /* connect and each command, 1 .. 60000 */
};

/* ---- options ----------------------------------------------------------- */

/* Zeroes *o, then sets the defaults (timeout_ms). */
void tpa_redis_options_init(struct tpa_redis_options *o);

/* Wipes the secrets of *o (OPENSSL_cleanse). */
void tpa_redis_options_wipe(struct tpa_redis_options *o);

/*
 * "redis://[[user]:password@]HOST:PORT[/DB]" (HOST may be [IPv6]; user and
 * password percent-decoded) sets SINGLE mode; "unix:PATH" (absolute) sets
 * UNIX mode.  Returns 0, or -1 with why (whylen bytes), which never holds
 * the password, e.g. "port '0' is not 1-65535".  Leaves other fields alone.
 */
int tpa_redis_parse_url(const char *url, struct tpa_redis_options *o, char *why,
			size_t whylen);

/*
 * "HOST:PORT,HOST:PORT,..." (each HOST may be [IPv6]; spaces after commas
 * allowed) into o->nodes / o->n_nodes; at most TPA_REDIS_MAX_NODES.
 * Returns 0 or -1 with why.  Does not set the mode.
 */
int tpa_redis_parse_nodes(const char *list, struct tpa_redis_options *o,
			  char *why, size_t whylen);

/*
 * Reads a secret from the file at path into out (cap bytes): the first
 * line, without its newline; a file that is empty, has more than one
 * non-empty line, or does not fit is refused.  Returns 0 or -1 with why
 * (never the content).  Blocks on file I/O.
 */
int tpa_redis_read_secret_file(const char *path, char *out, size_t cap,
			       char *why, size_t whylen);

/* ---- one thread's client ---------------------------------------------- */

enum tpa_redis_status {
	TPA_REDIS_OK = 0,
	TPA_REDIS_DOWN,	   /* no connection (refused, in back-off, no
			    * master known, cluster slot not served) */
	TPA_REDIS_TIMEOUT, /* connect or command took longer than the
			    * timeout; the connection was dropped */
	TPA_REDIS_ERROR	   /* the server answered an error other than a
			    * redirect the client follows (see err) */
};

struct tpa_redis;

/* A client for o (copied, including the password).  Connects lazily, at
 * the first command.  NULL when out of memory or o->mode is OFF. */
struct tpa_redis *tpa_redis_new(const struct tpa_redis_options *o);

/* Closes every connection and wipes the copied options; NULL is a no-op. */
void tpa_redis_free(struct tpa_redis *r);

/*
 * Runs one command (argc arguments of argvlen[i] bytes each) and stores the
 * reply in *reply (free with freeReplyObject; NULL unless TPA_REDIS_OK).
 * key names the key the command touches, for Cluster routing (NULL: any
 * node).  An error reply of the command itself (e.g. WRONGTYPE) is
 * TPA_REDIS_ERROR with its text in err; MOVED, ASK, TRYAGAIN, a READONLY
 * or LOADING server and (Sentinel) a demoted master are followed here,
 * within the time limit.  err gets a one-line reason for every status but
 * OK (may be NULL).
 */
enum tpa_redis_status tpa_redis_command(struct tpa_redis *r, const char *key,
					int argc, const char **argv,
					const size_t *argvlen,
					redisReply **reply, char *err,
					size_t errlen);

/* A Lua script, run by its SHA1 (EVALSHA) and loaded (SCRIPT LOAD) on the
 * server that answers NOSCRIPT.  Fill body, then tpa_redis_script_init. */
struct tpa_redis_script {
	const char *body;
	char sha1[41]; /* hex, set by tpa_redis_script_init */
};

/* Computes s->sha1 from s->body.  Returns 0, -1 if hashing failed. */
int tpa_redis_script_init(struct tpa_redis_script *s);

/*
 * EVALSHA s with nkeys keys (all in one Cluster slot: use a hash tag) and
 * nargs arguments; routed by keys[0].  On NOSCRIPT loads the script on that
 * server and runs it again.  Otherwise as tpa_redis_command.
 */
enum tpa_redis_status
tpa_redis_eval(struct tpa_redis *r, const struct tpa_redis_script *s, int nkeys,
	       const char **keys, const size_t *keylen, int nargs,
	       const char **args, const size_t *arglen, redisReply **reply,
	       char *err, size_t errlen);

/*
 * Many independent commands at once (lease renewals, a sweep): each
 * cmds[i] is routed by its key, commands for one server are pipelined, and
 * a command that gets a redirect is sent again on its own.  replies[i] and
 * status[i] are filled for every i (replies NULL unless OK).  Returns the
 * number of commands that are not OK.
 */
struct tpa_redis_cmd {
	const char *key; /* routing, as in tpa_redis_command */
	int argc;
	const char **argv;
	const size_t *argvlen;
	const struct tpa_redis_script *script; /* non-NULL: EVALSHA script
						* with argv as its keys
						* (first nkeys) and args */
	int nkeys;			       /* with script */
};
size_t tpa_redis_batch(struct tpa_redis *r, const struct tpa_redis_cmd *cmds,
		       size_t n, redisReply **replies,
		       enum tpa_redis_status *status);

/* The Cluster slot of a key (CRC16 of the key, or of its {hash tag}). */
unsigned tpa_redis_key_slot(const char *key, size_t len);

/* ---- the subscriber ----------------------------------------------------- */

/* A message on the channel: payload of len bytes (not NUL-terminated).
 * Called from the subscriber's thread. */
typedef void (*tpa_redis_message_fn)(void *ctx, const char *payload,
				     size_t len);

/* The subscription is (again) in place: messages published while it was
 * not may have been lost, so the owner catches up here.  Subscriber's
 * thread; it may use a struct tpa_redis of its own. */
typedef void (*tpa_redis_connected_fn)(void *ctx);

/* A failure, for the owner's error count and rate-limited log. */
typedef void (*tpa_redis_failure_fn)(void *ctx, const char *why);

struct tpa_redis_subscriber;

/*
 * Starts a thread that subscribes to channel (on the server, the Sentinel's
 * master, or any Cluster node: Cluster propagates PUBLISH to every node),
 * calls connected() each time the subscription is in place and message()
 * for every message, and reconnects with back-off when the connection
 * fails (failure() says why).  Returns NULL with err when the thread
 * cannot start.  Any callback may be NULL.
 */
struct tpa_redis_subscriber *tpa_redis_subscribe(
	const struct tpa_redis_options *o, const char *channel,
	tpa_redis_message_fn message, tpa_redis_connected_fn connected,
	tpa_redis_failure_fn failure, void *ctx, char *err, size_t errlen);

/* Stops the thread (within about timeout_ms) and frees s; NULL is a no-op.
 * No callback runs after it returns. */
void tpa_redis_subscriber_stop(struct tpa_redis_subscriber *s);

#endif /* TPA_REDIS_H */
