/*
 * Unit tests for plugin/tpa_config (the plugin's configuration file).
 *
 * Usage: test_config tests/data/configs
 *        test_config --write-errors tests/data/configs   (regenerate)
 *
 * DIR/bad/NAME/input must be refused with exactly the message in
 * DIR/bad/NAME/error (byte for byte, plus one trailing newline), like
 * jansson's own test suite. Because the loader names the file in its
 * messages, the test writes input to a temporary file, loads that, and
 * replaces every occurrence of the temporary path in the message with the
 * word CONFIG before comparing: "CONFIG:2: clock-skew: ..." in the error
 * file stands for "/tmp/tpa_config_XXXXXX:2: clock-skew: ...".
 *
 * DIR/good/NAME/input must load, and DIR/good/NAME/expect lists every
 * setting as it was parsed, one "name=value" line each in this order:
 * key-set, clock-skew, legacy-coturn-keying (yes/no), key-set-check-ms,
 * log-level, then the optional settings that are on (metrics-listen,
 * max-allocations-per-token, and with Redis: redis as
 * tpa_config_redis_describe says it, redis-timeout-ms, redis-failure,
 * replay-binding). The
 * test formats the loaded struct the same way and compares the two texts
 * byte for byte, so defaults are checked too.
 *
 * --write-errors writes the current messages into the error files: review
 * the diff before committing it.
 */
#include <dirent.h>
#include <stdint.h>
#include <unistd.h>

#include "tpa_config.h"
#include "tpa_test.h"

static int load_text(const char *text, size_t len, struct tpa_config *cfg,
		     char *err, size_t errlen);
static void replace_all(const char *in, const char *what, const char *with,
			char *out, size_t outcap);
static void format_config(const struct tpa_config *cfg, char *out,
			  size_t outcap);
static void bad_case(const char *casedir, const char *name);
static void good_case(const char *casedir, const char *name);
static void write_error(const char *casedir, const char *name);
static void test_file_errors(void);
static void test_small_err_buffer(void);
static void test_log_level_names(void);
static void test_browser_max_session(void);

/*
 * Writes len bytes of text to a new temporary file, loads it, removes it.
 * The message in err has the temporary path replaced by "CONFIG".
 */
static int load_text(const char *text, size_t len, struct tpa_config *cfg,
		     char *err, size_t errlen)
{
	char path[] = "/tmp/tpa_config_XXXXXX";
	char raw[TPA_CONFIG_ERR_LEN] = "";
	int fd = mkstemp(path), rc;
	FILE *f;

	if (fd < 0 || (f = fdopen(fd, "wb")) == NULL) {
		perror("temporary config");
		abort();
	}
	if (fwrite(text, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		abort();
	}
	rc = tpa_config_load(path, cfg, raw, sizeof(raw));
	remove(path);
	replace_all(raw, path, "CONFIG", err, errlen);
	return rc;
}

/* Copies in to out with every occurrence of what replaced by with. */
static void replace_all(const char *in, const char *what, const char *with,
			char *out, size_t outcap)
{
	size_t wl = strlen(what), n = 0;

	while (*in != '\0' && n + 1 < outcap) {
		if (strncmp(in, what, wl) == 0) {
			n += (size_t)snprintf(out + n, outcap - n, "%s", with);
			in += wl;
		} else {
			out[n++] = *in++;
		}
		if (n >= outcap)
			n = outcap - 1;
	}
	out[n] = '\0';
}

static void format_config(const struct tpa_config *cfg, char *out,
			  size_t outcap)
{
	int n = snprintf(out, outcap,
			 "key-set=%s\nclock-skew=%u\nlegacy-coturn-keying=%s\n"
			 "key-set-check-ms=%u\nlog-level=%s\n",
			 cfg->key_set, (unsigned)cfg->clock_skew,
			 cfg->legacy_coturn_keying ? "yes" : "no",
			 (unsigned)cfg->reload_check_ms,
			 tpa_log_level_name(cfg->log_level));

	char where[512];

	/* optional settings: a line only when set (off by default) */
	if (n > 0 && (size_t)n < outcap && cfg->metrics_listen.text[0])
		n += snprintf(out + n, outcap - (size_t)n,
			      "metrics-listen=%s\n", cfg->metrics_listen.text);
	if (n > 0 && (size_t)n < outcap && cfg->max_allocations_per_token)
		n += snprintf(out + n, outcap - (size_t)n,
			      "max-allocations-per-token=%u\n",
			      (unsigned)cfg->max_allocations_per_token);
	if (n <= 0 || (size_t)n >= outcap || cfg->redis.mode == TPA_REDIS_OFF)
		return;
	tpa_config_redis_describe(cfg, where, sizeof(where));
	snprintf(out + n, outcap - (size_t)n,
		 "redis=%s\nredis-timeout-ms=%u\nredis-failure=%s\n"
		 "replay-binding=%s\n",
		 where, (unsigned)cfg->redis.timeout_ms,
		 tpa_redis_failure_name(cfg->redis_failure),
		 tpa_replay_binding_name(cfg->replay_binding));
}

static void bad_case(const char *casedir, const char *name)
{
	char path[4200];
	char *input, *want;
	size_t inlen = 0, wantlen = 0;

	snprintf(path, sizeof(path), "%s/input", casedir);
	input = tpa_test_slurp(path, &inlen);
	snprintf(path, sizeof(path), "%s/error", casedir);
	want = tpa_test_slurp(path, &wantlen);
	CHECK_MSG(input != NULL && want != NULL, "%s: missing input or error",
		  name);
	if (input != NULL && want != NULL) {
		struct tpa_config cfg;
		char err[TPA_CONFIG_ERR_LEN], got[TPA_CONFIG_ERR_LEN + 1];
		int rc = load_text(input, inlen, &cfg, err, sizeof(err));

		CHECK_MSG(rc == -1, "%s: accepted", name);
		snprintf(got, sizeof(got), "%s\n", err);
		CHECK_MSG(strcmp(got, want) == 0 && wantlen == strlen(want),
			  "%s:\n  got:  %s  want: %s", name, got, want);
	}
	free(input);
	free(want);
}

static void good_case(const char *casedir, const char *name)
{
	char path[4200];
	char *input, *want;
	size_t inlen = 0, wantlen = 0;

	snprintf(path, sizeof(path), "%s/input", casedir);
	input = tpa_test_slurp(path, &inlen);
	snprintf(path, sizeof(path), "%s/expect", casedir);
	want = tpa_test_slurp(path, &wantlen);
	CHECK_MSG(input != NULL && want != NULL, "%s: missing input or expect",
		  name);
	if (input != NULL && want != NULL) {
		char err[TPA_CONFIG_ERR_LEN] = "";
		struct tpa_config cfg;
		int rc = load_text(input, inlen, &cfg, err, sizeof(err));

		CHECK_MSG(rc == 0, "%s: refused: %s", name, err);
		if (rc == 0) {
			char got[4096];

			format_config(&cfg, got, sizeof(got));
			CHECK_MSG(strcmp(got, want) == 0,
				  "%s:\n  got:\n%s  want:\n%s", name, got,
				  want);
		}
	}
	free(input);
	free(want);
}

static void write_error(const char *casedir, const char *name)
{
	char path[4200], err[TPA_CONFIG_ERR_LEN];
	struct tpa_config cfg;
	char *input;
	size_t inlen = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/input", casedir);
	input = tpa_test_slurp(path, &inlen);
	if (input == NULL)
		return;
	CHECK_MSG(load_text(input, inlen, &cfg, err, sizeof(err)) == -1,
		  "%s: accepted", name);
	snprintf(path, sizeof(path), "%s/error", casedir);
	f = fopen(path, "w");
	if (f != NULL) {
		fprintf(f, "%s\n", err);
		fclose(f);
	}
	free(input);
}

/* Errors that are about the file itself rather than its text. */
static void test_file_errors(void)
{
	struct tpa_config cfg;
	char err[TPA_CONFIG_ERR_LEN];

	CHECK(tpa_config_load("/nonexistent/plugin.conf", &cfg, err,
			      sizeof(err)) == -1);
	CHECK_STR(err, "/nonexistent/plugin.conf: No such file or directory");

	CHECK(tpa_config_load(NULL, &cfg, err, sizeof(err)) == -1);
	CHECK_STR(err, "no configuration: set auth-plugin-config");

	/* fopen() succeeds on a directory; reading it must still fail */
	CHECK(tpa_config_load("/tmp", &cfg, err, sizeof(err)) == -1);
	CHECK_STR(err, "/tmp: read error");

	/* no room for a message at all is not a crash */
	CHECK(tpa_config_load("/nonexistent/plugin.conf", &cfg, NULL, 0) == -1);
	CHECK(tpa_config_load(NULL, &cfg, NULL, 0) == -1);
}

/* A message longer than the caller's buffer is cut, still terminated. */
static void test_small_err_buffer(void)
{
	struct tpa_config cfg;
	char err[8];

	memset(err, 'x', sizeof(err));
	CHECK(tpa_config_load("/nonexistent/plugin.conf", &cfg, err,
			      sizeof(err)) == -1);
	CHECK_STR(err, "/nonexi");
	memset(err, 'x', sizeof(err));
	CHECK(tpa_config_load(NULL, &cfg, err, 1) == -1);
	CHECK(err[0] == '\0' && err[1] == 'x');
}

static void test_log_level_names(void)
{
	CHECK_STR(tpa_log_level_name(TPA_LOG_ERROR), "error");
	CHECK_STR(tpa_log_level_name(TPA_LOG_WARNING), "warning");
	CHECK_STR(tpa_log_level_name(TPA_LOG_INFO), "info");
	CHECK_STR(tpa_log_level_name(TPA_LOG_DEBUG), "debug");
	CHECK_STR(tpa_log_level_name((enum tpa_log_level)4), "?");
	CHECK_STR(tpa_log_level_name((enum tpa_log_level) - 1), "?");
}

/* browser-max-session: not in the expect files; its default and range */
static void test_browser_max_session(void)
{
	static const struct {
		const char *text;
		uint32_t want;
	} cases[] = {
		{"key-set = /k.json\n", 3600},
		{"key-set = /k.json\nbrowser-max-session = 1\n", 1},
		{"browser-max-session=86400\nkey-set = /k.json\n", 86400},
	};
	struct tpa_config cfg;
	char err[TPA_CONFIG_ERR_LEN];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&cfg, 0xff, sizeof(cfg));
		CHECK_MSG(load_text(cases[i].text, strlen(cases[i].text), &cfg,
				    err, sizeof(err)) == 0,
			  "%s", err);
		CHECK_MSG(cfg.browser_max_session == cases[i].want, "%u",
			  (unsigned)cfg.browser_max_session);
	}
}

/* Writes text to a new temporary file whose path goes into path. */
static void temp_file(char *path, const char *text)
{
	int fd;
	FILE *f;

	strcpy(path, "/tmp/tpa_secret_XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		perror("temporary file");
		abort();
	}
	fputs(text, f);
	fclose(f);
}

/* The Redis passwords come from their files; no message holds one; a
 * failed load and tpa_config_wipe leave none behind. */
static void test_redis_secrets(void)
{
	char pw[64], spw[64], text[512], err[TPA_CONFIG_ERR_LEN];
	struct tpa_config cfg;

	temp_file(pw, "s3cret-from-file\n");
	temp_file(spw, "sentinel-s3cret\n");
	snprintf(text, sizeof(text),
		 "key-set = /k.json\nredis-sentinel = 127.0.0.1:26379\n"
		 "redis-sentinel-master = m\nredis-password-file = %s\n"
		 "redis-sentinel-password-file = %s\nredis-user = u\n",
		 pw, spw);
	CHECK_MSG(load_text(text, strlen(text), &cfg, err, sizeof(err)) == 0,
		  "%s", err);
	CHECK_STR(cfg.redis.password, "s3cret-from-file");
	CHECK_STR(cfg.redis.sentinel_password, "sentinel-s3cret");
	CHECK_STR(cfg.redis.user, "u");
	CHECK(cfg.redis.mode == TPA_REDIS_SENTINEL && cfg.redis.n_nodes == 1);
	tpa_config_wipe(&cfg);
	CHECK(cfg.redis.password[0] == '\0');
	CHECK(cfg.redis.sentinel_password[0] == '\0');

	/* a password in the URL: in the config, never in a message */
	snprintf(text, sizeof(text),
		 "key-set = /k.json\nredis = redis://u:hunter2@127.0.0.1:6379/5"
		 "\nredis-timeout-ms = 5\n");
	CHECK(load_text(text, strlen(text), &cfg, err, sizeof(err)) == 0);
	CHECK_STR(cfg.redis.password, "hunter2");
	CHECK(cfg.redis.db == 5 && cfg.redis.timeout_ms == 5);
	tpa_config_redis_describe(&cfg, text, sizeof(text));
	CHECK(strstr(text, "hunter2") == NULL);
	tpa_config_wipe(&cfg);
	snprintf(text, sizeof(text),
		 "key-set = /k.json\nredis = redis://u:hunter2@127.0.0.1:6379/5"
		 "\nredis-password-file = %s\n",
		 pw);
	CHECK(load_text(text, strlen(text), &cfg, err, sizeof(err)) == -1);
	CHECK(strstr(err, "hunter2") == NULL && strstr(err, "s3cret") == NULL);
	CHECK(cfg.redis.password[0] == '\0'); /* wiped on failure */

	/* a file that is not one secret line is refused; its content is
	 * not shown */
	remove(pw);
	temp_file(pw, "line-one-secret\nline-two-secret\n");
	snprintf(text, sizeof(text),
		 "key-set = /k.json\nredis = redis://127.0.0.1:6379\n"
		 "redis-password-file = %s\n",
		 pw);
	CHECK(load_text(text, strlen(text), &cfg, err, sizeof(err)) == -1);
	CHECK_MSG(strstr(err, "CONFIG:3: redis-password-file: ") == err, "%s",
		  err);
	CHECK(strstr(err, "line-one") == NULL &&
	      strstr(err, "line-two") == NULL);
	remove(pw);
	remove(spw);
}

/* Without a Redis setting: no Redis, the defaults of what goes with it. */
static void test_redis_defaults(void)
{
	static const char text[] = "key-set = /k.json\n";
	struct tpa_config cfg;
	char err[TPA_CONFIG_ERR_LEN], where[64];

	CHECK(load_text(text, strlen(text), &cfg, err, sizeof(err)) == 0);
	CHECK(cfg.redis.mode == TPA_REDIS_OFF);
	CHECK(cfg.redis.timeout_ms == 250);
	CHECK(cfg.redis_failure == TPA_REDIS_FAILURE_REJECT);
	CHECK(cfg.replay_binding == TPA_BINDING_IP);
	CHECK(cfg.max_allocations_per_token == 0);
	tpa_config_redis_describe(&cfg, where, sizeof(where));
	CHECK_STR(where, "no Redis");
	CHECK_STR(tpa_replay_binding_name(TPA_BINDING_5TUPLE), "5-tuple");
	CHECK_STR(tpa_replay_binding_name((enum tpa_replay_binding)7), "?");
	CHECK_STR(tpa_redis_failure_name(TPA_REDIS_FAILURE_ALLOW), "allow");
	/* cut to fit, terminated */
	tpa_config_redis_describe(&cfg, where, 3);
	CHECK_STR(where, "no");
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--write-errors") == 0) {
		tpa_test_for_each_case(argv[2], "bad", write_error);
		return tpa_test_done();
	}
	if (argc != 2) {
		fprintf(stderr, "usage: %s tests/data/configs\n", argv[0]);
		return 2;
	}
	CHECK(tpa_test_for_each_case(argv[1], "bad", bad_case) >= 30);
	CHECK(tpa_test_for_each_case(argv[1], "good", good_case) >= 10);
	test_file_errors();
	test_small_err_buffer();
	test_log_level_names();
	test_browser_max_session();
	test_redis_secrets();
	test_redis_defaults();
	return tpa_test_done();
}
