/*
 * tpa_config: the plugin's configuration file.  Knows nothing of tokens or
 * coturn; only reads and validates settings.
 *
 * Format: one "name = value" a line; '#' starts a comment line; blank lines
 * are ignored.  An unknown name, a repeated name, a bad value or a missing
 * required setting is an error that names the file and the line.
 */
#ifndef TPA_CONFIG_H
#define TPA_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "tpa_loopback.h"
#include "tpa_redis.h"

#define TPA_CONFIG_PATH_MAX 1024
#define TPA_CONFIG_ERR_LEN 512

enum tpa_log_level {
	TPA_LOG_ERROR = 0,
	TPA_LOG_WARNING = 1,
	TPA_LOG_INFO = 2,
	TPA_LOG_DEBUG = 3
};

/* replay-binding: what a token is bound to on its first use. */
enum tpa_replay_binding {
	TPA_BINDING_IP = 0, /* the client's IP address */
	TPA_BINDING_5TUPLE, /* the client's transport address, the server's
			     * and the transport: one allocation */
	TPA_BINDING_OFF	    /* nothing: replays are not tracked */
};

/* redis-failure: what a token gets while Redis cannot answer. */
enum tpa_redis_failure {
	TPA_REDIS_FAILURE_REJECT = 0, /* refused */
	TPA_REDIS_FAILURE_ALLOW	      /* the cryptographic checks decide */
};

struct tpa_config {
	char key_set[TPA_CONFIG_PATH_MAX]; /* JWK set file; required */
	uint32_t clock_skew;		   /* seconds tolerated either way */
	int legacy_coturn_keying;	   /* also accept 16 of 20 key bytes */
	uint32_t reload_check_ms;	   /* how often to stat the key set */
	enum tpa_log_level log_level;	   /* least important level logged */
	uint32_t browser_max_session; /* seconds a browser session may last */
	struct tpa_loopback_addr metrics_listen; /* text "": metrics off */
	uint32_t max_allocations_per_token;	 /* 0: no limit */
	/* Redis: mode TPA_REDIS_OFF when none of redis, redis-sentinel and
	 * redis-cluster is set.  Holds the password: tpa_config_wipe. */
	struct tpa_redis_options redis;
	enum tpa_redis_failure redis_failure;
	enum tpa_replay_binding replay_binding;
	char redis_password_file[TPA_CONFIG_PATH_MAX]; /* "" if none */
	char redis_sentinel_password_file[TPA_CONFIG_PATH_MAX];
	/* the redis URL named a user, a password (checked across lines) */
	int redis_url_user, redis_url_password;
};

/*
 * Fills *cfg with the defaults and then the settings in the file at path,
 * and reads the Redis secrets from the files the settings name.
 * Returns 0, or -1 with a one-line message in err (errlen bytes) such as
 * "plugin.conf:3: clock-skew: '1h' is not a whole number of seconds";
 * a message never holds a secret.  *cfg is unusable after a failure and
 * holds no secret then.  Blocks on file I/O.  Wipe *cfg with
 * tpa_config_wipe when done.
 */
int tpa_config_load(const char *path, struct tpa_config *cfg, char *err,
		    size_t errlen);

/* Wipes the secrets of *cfg (the Redis passwords). */
void tpa_config_wipe(struct tpa_config *cfg);

/* Name of a log level as the config spells it ("info"). */
const char *tpa_log_level_name(enum tpa_log_level level);

/* Names of the replay-binding and redis-failure values ("5-tuple"). */
const char *tpa_replay_binding_name(enum tpa_replay_binding b);
const char *tpa_redis_failure_name(enum tpa_redis_failure f);

/*
 * Where cfg->redis points, for the log and the tool, without a secret:
 * "redis 127.0.0.1:6379 db 0", "redis unix:/run/redis.sock db 0",
 * "sentinel master 'm' via 3 sentinels (127.0.0.1:26379, ...) db 0",
 * "cluster of 3 seeds (127.0.0.1:7000, ...)", each with ", user 'u'"
 * and ", password" (from the URL) or ", password from FILE" when set;
 * "no Redis" when off.  Written into out (cap bytes, cut to fit).
 */
void tpa_config_redis_describe(const struct tpa_config *cfg, char *out,
			       size_t cap);

#endif /* TPA_CONFIG_H */
