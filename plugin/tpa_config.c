/*
 * tpa_config.c - reads and validates the plugin's configuration file.
 */
#include "tpa_config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#define LINE_MAX_LEN 2048
#define SKEW_MAX 3600
#define RELOAD_MS_MAX 3600000
#define BROWSER_SESSION_MAX 86400

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

static const struct setting settings[] = {
	{"key-set", parse_key_set, 1},
	{"clock-skew", parse_clock_skew, 0},
	{"legacy-coturn-keying", parse_legacy, 0},
	{"key-set-check-ms", parse_reload, 0},
	{"log-level", parse_log_level, 0},
	{"browser-max-session", parse_browser_session, 0},
	{"metrics-listen", parse_metrics_listen, 0},
};
#define NSETTINGS (sizeof(settings) / sizeof(settings[0]))

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
}

/* Applies one line; seen[] marks settings already given. */
static int apply_line(char *line, struct tpa_config *cfg, int *seen, char *why,
		      size_t whylen)
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
		seen[i] = 1;
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
		      int *seen, char *err, size_t errlen)
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
		} else if (apply_line(line, cfg, seen, why, sizeof(why))) {
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

int tpa_config_load(const char *path, struct tpa_config *cfg, char *err,
		    size_t errlen)
{
	int seen[NSETTINGS] = {0};
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
	if (rc)
		return -1;
	for (size_t i = 0; i < NSETTINGS; i++) {
		if (settings[i].required && !seen[i]) {
			snprintf(err, errlen, "%s: %s is required", path,
				 settings[i].name);
			return -1;
		}
	}
	return 0;
}
