/*
 * tpa_config.c - reads and validates the plugin's configuration file.
 */
#include "tpa_config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#define LINE_MAX_LEN 2048
#define SKEW_MAX 3600
#define RELOAD_MS_MAX 3600000
#define BROWSER_SESSION_MAX 86400
#define REDIS_TIMEOUT_MS_MAX 60000
#define REDIS_DB_MAX 2147483647u /* Redis's own, an int */
#define ALLOCATIONS_MAX 1000000

struct setting;
typedef int (*setting_parse_fn)(const char *value, struct tpa_config *cfg,
				char *why, size_t whylen);

struct setting {
	const char *name;
	setting_parse_fn parse;
	int required;
};

static int parse_key_set(const char *value, struct tpa_config *cfg, char *why,
			 size_t whylen);
static int parse_clock_skew(const char *value, struct tpa_config *cfg,
			    char *why, size_t whylen);
static int parse_legacy(const char *value, struct tpa_config *cfg, char *why,
			size_t whylen);
static int parse_reload(const char *value, struct tpa_config *cfg, char *why,
			size_t whylen);
static int parse_log_level(const char *value, struct tpa_config *cfg, char *why,
			   size_t whylen);
static int parse_browser_session(const char *value, struct tpa_config *cfg,
				 char *why, size_t whylen);
static int parse_metrics_listen(const char *value, struct tpa_config *cfg,
				char *why, size_t whylen);
static int parse_max_allocations(const char *value, struct tpa_config *cfg,
				 char *why, size_t whylen);
static int parse_redis(const char *value, struct tpa_config *cfg, char *why,
		       size_t whylen);
static int parse_redis_sentinel(const char *value, struct tpa_config *cfg,
				char *why, size_t whylen);
static int parse_redis_sentinel_master(const char *value,
				       struct tpa_config *cfg, char *why,
				       size_t whylen);
static int parse_redis_cluster(const char *value, struct tpa_config *cfg,
			       char *why, size_t whylen);
static int parse_redis_db(const char *value, struct tpa_config *cfg, char *why,
			  size_t whylen);
static int parse_redis_user(const char *value, struct tpa_config *cfg,
			    char *why, size_t whylen);
static int parse_redis_password_file(const char *value, struct tpa_config *cfg,
				     char *why, size_t whylen);
static int parse_redis_sentinel_password_file(const char *value,
					      struct tpa_config *cfg, char *why,
					      size_t whylen);
static int parse_redis_timeout(const char *value, struct tpa_config *cfg,
			       char *why, size_t whylen);
static int parse_redis_failure(const char *value, struct tpa_config *cfg,
			       char *why, size_t whylen);
static int parse_replay_binding(const char *value, struct tpa_config *cfg,
				char *why, size_t whylen);

/* The order of the names is the order of the checks across lines. */
enum setting_id {
	S_KEY_SET,
	S_CLOCK_SKEW,
	S_LEGACY,
	S_RELOAD,
	S_LOG_LEVEL,
	S_BROWSER_SESSION,
	S_METRICS_LISTEN,
	S_MAX_ALLOCATIONS,
	S_REDIS,
	S_REDIS_SENTINEL,
	S_REDIS_CLUSTER,
	S_REDIS_SENTINEL_MASTER,
	S_REDIS_DB,
	S_REDIS_USER,
	S_REDIS_PASSWORD_FILE,
	S_REDIS_SENTINEL_PASSWORD_FILE,
	S_REDIS_TIMEOUT,
	S_REDIS_FAILURE,
	S_REPLAY_BINDING,
	NSETTINGS
};

static const struct setting settings[NSETTINGS] = {
	[S_KEY_SET] = {"key-set", parse_key_set, 1},
	[S_CLOCK_SKEW] = {"clock-skew", parse_clock_skew, 0},
	[S_LEGACY] = {"legacy-coturn-keying", parse_legacy, 0},
	[S_RELOAD] = {"key-set-check-ms", parse_reload, 0},
	[S_LOG_LEVEL] = {"log-level", parse_log_level, 0},
	[S_BROWSER_SESSION] = {"browser-max-session", parse_browser_session, 0},
	[S_METRICS_LISTEN] = {"metrics-listen", parse_metrics_listen, 0},
	[S_MAX_ALLOCATIONS] = {"max-allocations-per-token",
			       parse_max_allocations, 0},
	[S_REDIS] = {"redis", parse_redis, 0},
	[S_REDIS_SENTINEL] = {"redis-sentinel", parse_redis_sentinel, 0},
	[S_REDIS_CLUSTER] = {"redis-cluster", parse_redis_cluster, 0},
	[S_REDIS_SENTINEL_MASTER] = {"redis-sentinel-master",
				     parse_redis_sentinel_master, 0},
	[S_REDIS_DB] = {"redis-db", parse_redis_db, 0},
	[S_REDIS_USER] = {"redis-user", parse_redis_user, 0},
	[S_REDIS_PASSWORD_FILE] = {"redis-password-file",
				   parse_redis_password_file, 0},
	[S_REDIS_SENTINEL_PASSWORD_FILE] = {"redis-sentinel-password-file",
					    parse_redis_sentinel_password_file,
					    0},
	[S_REDIS_TIMEOUT] = {"redis-timeout-ms", parse_redis_timeout, 0},
	[S_REDIS_FAILURE] = {"redis-failure", parse_redis_failure, 0},
	[S_REPLAY_BINDING] = {"replay-binding", parse_replay_binding, 0},
};

static const char *const level_names[] = {"error", "warning", "info", "debug"};

const char *tpa_log_level_name(enum tpa_log_level level)
{
	if ((unsigned)level >= sizeof(level_names) / sizeof(level_names[0]))
		return "?";
	return level_names[level];
}

/* Strict unsigned decimal: digits only, no sign, no spaces, no leading
 * zero, <= max. */
static int parse_uint(const char *s, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

static int parse_key_set(const char *value, struct tpa_config *cfg, char *why,
			 size_t whylen)
{
	size_t n = strlen(value);

	if (n == 0) {
		snprintf(why, whylen, "is empty");
		return -1;
	}
	if (n >= sizeof(cfg->key_set)) {
		snprintf(why, whylen, "needs a path shorter than %zu bytes",
			 sizeof(cfg->key_set));
		return -1;
	}
	memcpy(cfg->key_set, value, n + 1);
	return 0;
}

static int parse_clock_skew(const char *value, struct tpa_config *cfg,
			    char *why, size_t whylen)
{
	if (parse_uint(value, SKEW_MAX, &cfg->clock_skew)) {
		snprintf(why, whylen, "'%.32s' is not 0 to %d seconds", value,
			 SKEW_MAX);
		return -1;
	}
	return 0;
}

static int parse_legacy(const char *value, struct tpa_config *cfg, char *why,
			size_t whylen)
{
	if (!strcmp(value, "yes"))
		cfg->legacy_coturn_keying = 1;
	else if (!strcmp(value, "no"))
		cfg->legacy_coturn_keying = 0;
	else {
		snprintf(why, whylen, "'%.32s' is not yes or no", value);
		return -1;
	}
	return 0;
}

static int parse_reload(const char *value, struct tpa_config *cfg, char *why,
			size_t whylen)
{
	if (parse_uint(value, RELOAD_MS_MAX, &cfg->reload_check_ms) ||
	    cfg->reload_check_ms == 0) {
		snprintf(why, whylen, "'%.32s' is not 1 to %d milliseconds",
			 value, RELOAD_MS_MAX);
		return -1;
	}
	return 0;
}

static int parse_log_level(const char *value, struct tpa_config *cfg, char *why,
			   size_t whylen)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]);
	     i++) {
		if (!strcmp(value, level_names[i])) {
			cfg->log_level = (enum tpa_log_level)i;
			return 0;
		}
	}
	snprintf(why, whylen, "'%.32s' is not error, warning, info or debug",
		 value);
	return -1;
}

static int parse_browser_session(const char *value, struct tpa_config *cfg,
				 char *why, size_t whylen)
{
	if (parse_uint(value, BROWSER_SESSION_MAX, &cfg->browser_max_session) ||
	    cfg->browser_max_session == 0) {
		snprintf(why, whylen, "'%.32s' is not 1 to %d seconds", value,
			 BROWSER_SESSION_MAX);
		return -1;
	}
	return 0;
}

static int parse_metrics_listen(const char *value, struct tpa_config *cfg,
				char *why, size_t whylen)
{
	return tpa_loopback_parse(value, &cfg->metrics_listen, why, whylen);
}

static int parse_max_allocations(const char *value, struct tpa_config *cfg,
				 char *why, size_t whylen)
{
	if (parse_uint(value, ALLOCATIONS_MAX,
		       &cfg->max_allocations_per_token)) {
		snprintf(why, whylen, "'%.32s' is not 0 (no limit) to %d",
			 value, ALLOCATIONS_MAX);
		return -1;
	}
	return 0;
}

/* A copy of a path setting into dst (TPA_CONFIG_PATH_MAX bytes). */
static int parse_path(const char *value, char *dst, char *why, size_t whylen)
{
	size_t n = strlen(value);

	if (n == 0) {
		snprintf(why, whylen, "is empty");
		return -1;
	}
	if (n >= TPA_CONFIG_PATH_MAX) {
		snprintf(why, whylen, "needs a path shorter than %d bytes",
			 TPA_CONFIG_PATH_MAX);
		return -1;
	}
	memcpy(dst, value, n + 1);
	return 0;
}

/* A name for Redis (an ACL user, a Sentinel master): printable ASCII
 * without spaces, 1 .. TPA_REDIS_NAME_MAX - 1 bytes, into dst. */
static int parse_name(const char *value, char *dst, char *why, size_t whylen)
{
	size_t n = strlen(value);

	if (n == 0 || n >= TPA_REDIS_NAME_MAX) {
		snprintf(why, whylen, "needs 1 to %d characters",
			 TPA_REDIS_NAME_MAX - 1);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (value[i] <= 0x20 || value[i] >= 0x7f) {
			snprintf(why, whylen,
				 "'%.32s' has a character that is not "
				 "printable ASCII or is a space",
				 value);
			return -1;
		}
	}
	memcpy(dst, value, n + 1);
	return 0;
}

/* redis = redis://[user:password@]HOST:PORT[/DB] | unix:PATH.  Parsed
 * apart, so that a user or password in it is told from redis-user and
 * redis-password-file whatever their order. */
static int parse_redis(const char *value, struct tpa_config *cfg, char *why,
		       size_t whylen)
{
	struct tpa_redis_options o;
	int rc;

	tpa_redis_options_init(&o);
	rc = tpa_redis_parse_url(value, &o, why, whylen);
	if (rc == 0) {
		cfg->redis.mode = o.mode;
		memcpy(cfg->redis.nodes, o.nodes, sizeof(o.nodes));
		cfg->redis.n_nodes = o.n_nodes;
		memcpy(cfg->redis.unix_path, o.unix_path, sizeof(o.unix_path));
		if (o.mode == TPA_REDIS_SINGLE) /* unix: redis-db, any line */
			cfg->redis.db = o.db;
		if (o.user[0]) {
			memcpy(cfg->redis.user, o.user, sizeof(o.user));
			cfg->redis_url_user = 1;
		}
		if (o.password[0]) {
			memcpy(cfg->redis.password, o.password,
			       sizeof(o.password));
			cfg->redis_url_password = 1;
		}
	}
	tpa_redis_options_wipe(&o);
	return rc;
}

static int parse_redis_sentinel(const char *value, struct tpa_config *cfg,
				char *why, size_t whylen)
{
	if (tpa_redis_parse_nodes(value, &cfg->redis, why, whylen))
		return -1;
	cfg->redis.mode = TPA_REDIS_SENTINEL;
	return 0;
}

static int parse_redis_cluster(const char *value, struct tpa_config *cfg,
			       char *why, size_t whylen)
{
	if (tpa_redis_parse_nodes(value, &cfg->redis, why, whylen))
		return -1;
	cfg->redis.mode = TPA_REDIS_CLUSTER;
	return 0;
}

static int parse_redis_sentinel_master(const char *value,
				       struct tpa_config *cfg, char *why,
				       size_t whylen)
{
	return parse_name(value, cfg->redis.sentinel_master, why, whylen);
}

static int parse_redis_db(const char *value, struct tpa_config *cfg, char *why,
			  size_t whylen)
{
	uint32_t db;

	if (parse_uint(value, REDIS_DB_MAX, &db)) {
		snprintf(why, whylen, "'%.32s' is not a database number",
			 value);
		return -1;
	}
	cfg->redis.db = db;
	return 0;
}

static int parse_redis_user(const char *value, struct tpa_config *cfg,
			    char *why, size_t whylen)
{
	return parse_name(value, cfg->redis.user, why, whylen);
}

static int parse_redis_password_file(const char *value, struct tpa_config *cfg,
				     char *why, size_t whylen)
{
	return parse_path(value, cfg->redis_password_file, why, whylen);
}

static int parse_redis_sentinel_password_file(const char *value,
					      struct tpa_config *cfg, char *why,
					      size_t whylen)
{
	return parse_path(value, cfg->redis_sentinel_password_file, why,
			  whylen);
}

static int parse_redis_timeout(const char *value, struct tpa_config *cfg,
			       char *why, size_t whylen)
{
	if (parse_uint(value, REDIS_TIMEOUT_MS_MAX, &cfg->redis.timeout_ms) ||
	    cfg->redis.timeout_ms == 0) {
		snprintf(why, whylen, "'%.32s' is not 1 to %d milliseconds",
			 value, REDIS_TIMEOUT_MS_MAX);
		return -1;
	}
	return 0;
}

static int parse_redis_failure(const char *value, struct tpa_config *cfg,
			       char *why, size_t whylen)
{
	if (!strcmp(value, "reject"))
		cfg->redis_failure = TPA_REDIS_FAILURE_REJECT;
	else if (!strcmp(value, "allow"))
		cfg->redis_failure = TPA_REDIS_FAILURE_ALLOW;
	else {
		snprintf(why, whylen, "'%.32s' is not reject or allow", value);
		return -1;
	}
	return 0;
}

static const char *const binding_names[] = {
	[TPA_BINDING_IP] = "ip",
	[TPA_BINDING_5TUPLE] = "5-tuple",
	[TPA_BINDING_OFF] = "off",
};

static int parse_replay_binding(const char *value, struct tpa_config *cfg,
				char *why, size_t whylen)
{
	for (size_t i = 0; i < sizeof(binding_names) / sizeof(*binding_names);
	     i++) {
		if (!strcmp(value, binding_names[i])) {
			cfg->replay_binding = (enum tpa_replay_binding)i;
			return 0;
		}
	}
	snprintf(why, whylen, "'%.32s' is not ip, 5-tuple or off", value);
	return -1;
}

const char *tpa_replay_binding_name(enum tpa_replay_binding b)
{
	if ((unsigned)b >= sizeof(binding_names) / sizeof(*binding_names))
		return "?";
	return binding_names[b];
}

const char *tpa_redis_failure_name(enum tpa_redis_failure f)
{
	switch (f) {
	case TPA_REDIS_FAILURE_REJECT:
		return "reject";
	case TPA_REDIS_FAILURE_ALLOW:
		return "allow";
	}
	return "?";
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static void set_defaults(struct tpa_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->clock_skew = 5;
	cfg->reload_check_ms = 1000;
	cfg->log_level = TPA_LOG_INFO;
	cfg->browser_max_session = 3600;
	tpa_redis_options_init(&cfg->redis); /* mode off, timeout */
	cfg->redis_failure = TPA_REDIS_FAILURE_REJECT;
	cfg->replay_binding = TPA_BINDING_IP;
}

void tpa_config_wipe(struct tpa_config *cfg)
{
	tpa_redis_options_wipe(&cfg->redis);
}

/* Applies one line, number lineno; seen[] holds the line of each setting
 * already given (0: not given). */
static int apply_line(char *line, unsigned lineno, struct tpa_config *cfg,
		      unsigned *seen, char *why, size_t whylen)
{
	char *eq, *name, *value;

	line = trim(line);
	if (!*line || *line == '#')
		return 0;
	eq = strchr(line, '=');
	if (!eq) {
		snprintf(why, whylen, "expected 'name = value'");
		return -1;
	}
	*eq = '\0';
	name = trim(line);
	value = trim(eq + 1);
	for (size_t i = 0; i < NSETTINGS; i++) {
		if (strcmp(name, settings[i].name))
			continue;
		if (seen[i]) {
			snprintf(why, whylen, "%s is set twice", name);
			return -1;
		}
		seen[i] = lineno;
		char sub[256] = "";
		if (settings[i].parse(value, cfg, sub, sizeof(sub))) {
			snprintf(why, whylen, "%s: %s", name, sub);
			return -1;
		}
		return 0;
	}
	snprintf(why, whylen, "unknown setting '%.64s'", name);
	return -1;
}

/* A byte below 0x20 other than tab and the line end. */
static int has_control(const char *line)
{
	for (; *line; line++) {
		unsigned char c = (unsigned char)*line;
		if (c < 0x20 && c != '\t' && c != '\r' && c != '\n')
			return 1;
	}
	return 0;
}

static int read_lines(FILE *f, const char *path, struct tpa_config *cfg,
		      unsigned *seen, char *err, size_t errlen)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	char why[384];
	unsigned lineno = 0;
	int rc = 0;

	while (rc == 0 && (n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if ((size_t)n > LINE_MAX_LEN) {
			snprintf(err, errlen, "%s:%u: line too long", path,
				 lineno);
			rc = -1;
		} else if (strlen(line) != (size_t)n) {
			snprintf(err, errlen, "%s:%u: NUL byte", path, lineno);
			rc = -1;
		} else if (has_control(line)) {
			/* they would reach the log in error messages */
			snprintf(err, errlen, "%s:%u: control character", path,
				 lineno);
			rc = -1;
		} else if (apply_line(line, lineno, cfg, seen, why,
				      sizeof(why))) {
			snprintf(err, errlen, "%s:%u: %s", path, lineno, why);
			rc = -1;
		}
	}
	if (rc == 0 && ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		rc = -1;
	}
	free(line);
	return rc;
}

/* "PATH:LINE: NAME: " and the message, for a setting given on a line. */
static int fail_at(const char *path, const unsigned *seen, enum setting_id id,
		   char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static int fail_at(const char *path, const unsigned *seen, enum setting_id id,
		   char *err, size_t errlen, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "%s:%u: %s: %s", path, seen[id],
		 settings[id].name, msg);
	return -1;
}

/* The settings that only mean something with Redis. */
static const enum setting_id needs_redis[] = {
	S_REDIS_DB,	 S_REDIS_USER,	  S_REDIS_PASSWORD_FILE,
	S_REDIS_TIMEOUT, S_REDIS_FAILURE, S_REPLAY_BINDING,
};

/* The checks across lines: one way to reach Redis, and what goes with
 * it.  seen[] holds each setting's line. */
static int check_redis(const char *path, const unsigned *seen,
		       const struct tpa_config *cfg, char *err, size_t errlen)
{
	static const enum setting_id modes[] = {S_REDIS, S_REDIS_SENTINEL,
						S_REDIS_CLUSTER};
	enum setting_id first = NSETTINGS;

	for (size_t i = 0; i < sizeof(modes) / sizeof(*modes); i++) {
		if (!seen[modes[i]])
			continue;
		if (first == NSETTINGS) {
			first = modes[i];
			continue;
		}
		return fail_at(path, seen,
			       seen[modes[i]] > seen[first] ? modes[i] : first,
			       err, errlen,
			       "only one of redis, redis-sentinel and "
			       "redis-cluster may be set");
	}
	if (first == NSETTINGS) {
		for (size_t i = 0;
		     i < sizeof(needs_redis) / sizeof(*needs_redis); i++)
			if (seen[needs_redis[i]])
				return fail_at(path, seen, needs_redis[i], err,
					       errlen,
					       "needs redis, redis-sentinel or "
					       "redis-cluster");
	}
	if (seen[S_REDIS_SENTINEL] && !seen[S_REDIS_SENTINEL_MASTER])
		return fail_at(path, seen, S_REDIS_SENTINEL, err, errlen,
			       "needs redis-sentinel-master, the name the "
			       "sentinels know the master by");
	if (seen[S_REDIS_SENTINEL_MASTER] && !seen[S_REDIS_SENTINEL])
		return fail_at(path, seen, S_REDIS_SENTINEL_MASTER, err, errlen,
			       "needs redis-sentinel");
	if (seen[S_REDIS_SENTINEL_PASSWORD_FILE] && !seen[S_REDIS_SENTINEL])
		return fail_at(path, seen, S_REDIS_SENTINEL_PASSWORD_FILE, err,
			       errlen, "needs redis-sentinel");
	if (seen[S_REDIS_DB] && cfg->redis.mode == TPA_REDIS_CLUSTER)
		return fail_at(path, seen, S_REDIS_DB, err, errlen,
			       "Redis Cluster has database 0 only");
	if (seen[S_REDIS_DB] && cfg->redis.mode == TPA_REDIS_SINGLE)
		return fail_at(path, seen, S_REDIS_DB, err, errlen,
			       "give the database in the redis URL "
			       "(redis://HOST:PORT/DB)");
	if (seen[S_REDIS_USER] && cfg->redis_url_user)
		return fail_at(path, seen, S_REDIS_USER, err, errlen,
			       "the redis URL (line %u) names a user already",
			       seen[S_REDIS]);
	if (seen[S_REDIS_PASSWORD_FILE] && cfg->redis_url_password)
		return fail_at(path, seen, S_REDIS_PASSWORD_FILE, err, errlen,
			       "the redis URL (line %u) has a password "
			       "already; keep it in one place",
			       seen[S_REDIS]);
	return 0;
}

/* Reads the secrets that the settings name files of. */
static int read_secrets(const char *path, const unsigned *seen,
			struct tpa_config *cfg, char *err, size_t errlen)
{
	char why[256];

	if (seen[S_REDIS_PASSWORD_FILE] &&
	    tpa_redis_read_secret_file(
		    cfg->redis_password_file, cfg->redis.password,
		    sizeof(cfg->redis.password), why, sizeof(why)) != 0)
		return fail_at(path, seen, S_REDIS_PASSWORD_FILE, err, errlen,
			       "%s", why);
	if (seen[S_REDIS_SENTINEL_PASSWORD_FILE] &&
	    tpa_redis_read_secret_file(cfg->redis_sentinel_password_file,
				       cfg->redis.sentinel_password,
				       sizeof(cfg->redis.sentinel_password),
				       why, sizeof(why)) != 0)
		return fail_at(path, seen, S_REDIS_SENTINEL_PASSWORD_FILE, err,
			       errlen, "%s", why);
	return 0;
}

int tpa_config_load(const char *path, struct tpa_config *cfg, char *err,
		    size_t errlen)
{
	unsigned seen[NSETTINGS] = {0};
	FILE *f;
	int rc;

	set_defaults(cfg);
	if (!path) {
		snprintf(err, errlen,
			 "no configuration: set auth-plugin-config");
		return -1;
	}
	f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	rc = read_lines(f, path, cfg, seen, err, errlen);
	fclose(f);
	for (size_t i = 0; rc == 0 && i < NSETTINGS; i++) {
		if (settings[i].required && !seen[i]) {
			snprintf(err, errlen, "%s: %s is required", path,
				 settings[i].name);
			rc = -1;
		}
	}
	if (rc == 0)
		rc = check_redis(path, seen, cfg, err, errlen);
	if (rc == 0)
		rc = read_secrets(path, seen, cfg, err, errlen);
	if (rc)
		tpa_config_wipe(cfg);
	return rc;
}

/* ", host:port, ..." of the first nodes, into out at *n. */
static void put(char *out, size_t cap, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void put(char *out, size_t cap, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (*n >= cap)
		return;
	va_start(ap, fmt);
	k = vsnprintf(out + *n, cap - *n, fmt, ap);
	va_end(ap);
	if (k > 0)
		*n += (size_t)k;
	if (*n >= cap)
		*n = cap;
}

static void put_nodes(const struct tpa_redis_options *o, char *out, size_t cap,
		      size_t *n)
{
	for (size_t i = 0; i < o->n_nodes; i++) {
		const struct tpa_redis_node *nd = &o->nodes[i];

		if (i == 3) {
			put(out, cap, n, ", ...");
			break;
		}
		put(out, cap, n,
		    strchr(nd->host, ':') ? "%s[%s]:%u" : "%s%s:%u",
		    i ? ", " : "", nd->host, (unsigned)nd->port);
	}
}

void tpa_config_redis_describe(const struct tpa_config *cfg, char *out,
			       size_t cap)
{
	const struct tpa_redis_options *o = &cfg->redis;
	size_t n = 0;

	if (cap == 0)
		return;
	out[0] = '\0';
	switch (o->mode) {
	case TPA_REDIS_OFF:
		put(out, cap, &n, "no Redis");
		return;
	case TPA_REDIS_SINGLE:
		put(out, cap, &n, "redis ");
		put_nodes(o, out, cap, &n);
		put(out, cap, &n, " db %u", o->db);
		break;
	case TPA_REDIS_UNIX:
		put(out, cap, &n, "redis unix:%s db %u", o->unix_path, o->db);
		break;
	case TPA_REDIS_SENTINEL:
		put(out, cap, &n, "sentinel master '%s' via %zu sentinel%s (",
		    o->sentinel_master, o->n_nodes, o->n_nodes == 1 ? "" : "s");
		put_nodes(o, out, cap, &n);
		put(out, cap, &n, ") db %u", o->db);
		break;
	case TPA_REDIS_CLUSTER:
		put(out, cap, &n, "cluster of %zu seed%s (", o->n_nodes,
		    o->n_nodes == 1 ? "" : "s");
		put_nodes(o, out, cap, &n);
		put(out, cap, &n, ")");
		break;
	}
	if (o->user[0])
		put(out, cap, &n, ", user '%s'", o->user);
	if (cfg->redis_password_file[0])
		put(out, cap, &n, ", password from %s",
		    cfg->redis_password_file);
	else if (o->password[0])
		put(out, cap, &n, ", password");
	if (cfg->redis_sentinel_password_file[0])
		put(out, cap, &n, ", sentinel password from %s",
		    cfg->redis_sentinel_password_file);
}
