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

#define TPA_CONFIG_PATH_MAX 1024
#define TPA_CONFIG_ERR_LEN 512

enum tpa_log_level {
	TPA_LOG_ERROR = 0,
	TPA_LOG_WARNING = 1,
	TPA_LOG_INFO = 2,
	TPA_LOG_DEBUG = 3
};

struct tpa_config {
	char key_set[TPA_CONFIG_PATH_MAX]; /* JWK set file; required */
	uint32_t clock_skew;		   /* seconds tolerated either way */
	int legacy_coturn_keying;	   /* also accept 16 of 20 key bytes */
	uint32_t reload_check_ms;	   /* how often to stat the key set */
	enum tpa_log_level log_level;	   /* least important level logged */
	uint32_t browser_max_session; /* seconds a browser session may last */
	struct tpa_loopback_addr metrics_listen; /* text "": metrics off */
};

/*
 * Fills *cfg with the defaults and then the settings in the file at path.
 * Returns 0, or -1 with a one-line message in err (errlen bytes) such as
 * "plugin.conf:3: clock-skew: '1h' is not a whole number of seconds".
 * *cfg is unusable after a failure.  Blocks on file I/O.
 */
int tpa_config_load(const char *path, struct tpa_config *cfg, char *err,
		    size_t errlen);

/* Name of a log level as the config spells it ("info"). */
const char *tpa_log_level_name(enum tpa_log_level level);

#endif /* TPA_CONFIG_H */
