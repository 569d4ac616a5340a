/*
 * fuzz_config: the plugin's configuration file parser (tpa_config_load) on
 * hostile text. The input is written to a memfd and loaded through
 * /proc/self/fd/N, so the real fopen/getline path runs with no temporary
 * files. On success every field must be in its documented range and the
 * key-set path non-empty, trimmed and NUL-terminated, and metrics-listen
 * off or a loopback address with a port; on failure the error
 * is one NUL-terminated, non-empty line that starts with the path.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "fuzz_common.h"
#include "tpa_config.h"

static int memfd = -1;
static char path[64];

static void put_input(const uint8_t *data, size_t size)
{
	size_t off = 0;

	if (memfd < 0) {
		memfd = memfd_create("fuzz_config", 0);
		FUZZ_CHECK(memfd >= 0);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	}
	FUZZ_CHECK(ftruncate(memfd, 0) == 0);
	while (off < size) {
		ssize_t w = pwrite(memfd, data + off, size - off, (off_t)off);
		FUZZ_CHECK(w > 0);
		off += (size_t)w;
	}
}

/* Off, or a loopback address with a port: nothing else may get through. */
static void check_metrics_listen(const struct tpa_loopback_addr *a)
{
	const struct sockaddr_in *v4 = (const struct sockaddr_in *)&a->sa;
	const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)&a->sa;

	FUZZ_CHECK(memchr(a->text, '\0', sizeof(a->text)) != NULL);
	if (a->text[0] == '\0') {
		FUZZ_CHECK(a->sa_len == 0);
		return;
	}
	if (a->sa.ss_family == AF_INET) {
		FUZZ_CHECK(a->sa_len == sizeof(*v4));
		FUZZ_CHECK((ntohl(v4->sin_addr.s_addr) >> 24) == 127);
		FUZZ_CHECK(v4->sin_port != 0);
	} else {
		FUZZ_CHECK(a->sa.ss_family == AF_INET6);
		FUZZ_CHECK(a->sa_len == sizeof(*v6));
		FUZZ_CHECK(IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr));
		FUZZ_CHECK(v6->sin6_port != 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tpa_config cfg;
	char err[TPA_CONFIG_ERR_LEN];
	int rc;

	put_input(data, size);
	memset(&cfg, 0xAA, sizeof(cfg));
	memset(err, 0xAA, sizeof(err));
	rc = tpa_config_load(path, &cfg, err, sizeof(err));
	FUZZ_CHECK(rc == 0 || rc == -1);
	if (rc != 0) {
		FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
		FUZZ_CHECK(err[0] != '\0');
		FUZZ_CHECK(strncmp(err, path, strlen(path)) == 0);
		FUZZ_CHECK(strchr(err, '\n') == NULL);
		return 0;
	}
	size_t n = strnlen(cfg.key_set, sizeof(cfg.key_set));
	FUZZ_CHECK(n > 0 && n < sizeof(cfg.key_set));
	FUZZ_CHECK(!isspace((unsigned char)cfg.key_set[0]) &&
		   !isspace((unsigned char)cfg.key_set[n - 1]));
	FUZZ_CHECK(strchr(cfg.key_set, '\n') == NULL);
	FUZZ_CHECK(cfg.clock_skew <= 3600);
	FUZZ_CHECK(cfg.reload_check_ms >= 1 && cfg.reload_check_ms <= 3600000);
	FUZZ_CHECK(cfg.legacy_coturn_keying == 0 ||
		   cfg.legacy_coturn_keying == 1);
	FUZZ_CHECK(cfg.log_level >= TPA_LOG_ERROR &&
		   cfg.log_level <= TPA_LOG_DEBUG);
	FUZZ_CHECK(strcmp(tpa_log_level_name(cfg.log_level), "?") != 0);
	check_metrics_listen(&cfg.metrics_listen);
	return 0;
}
