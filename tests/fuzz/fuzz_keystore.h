/*
 * fuzz_keystore.h: the key store of the decision harnesses (fuzz_auth,
 * fuzz_browser), read from a memfd: k16 (A128GCM) and k32 (A256GCM) with
 * the fuzz keys of fuzz_common.h, "old" (expired at 1000) and "new" (not
 * valid before 4000000000).  Include after _GNU_SOURCE and fuzz_common.h.
 */
#ifndef FUZZ_KEYSTORE_H
#define FUZZ_KEYSTORE_H

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tpa_config.h"
#include "tpa_keystore.h"

static const char fuzz_keyset_json[] =
	"{\"keys\":["
	"{\"kty\":\"oct\",\"kid\":\"k16\",\"alg\":\"A128GCM\","
	"\"k\":\"AAECAwQFBgcICQoLDA0ODw\"},"
	"{\"kty\":\"oct\",\"kid\":\"k32\",\"alg\":\"A256GCM\","
	"\"k\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\"},"
	"{\"kty\":\"oct\",\"kid\":\"old\",\"alg\":\"A256GCM\","
	"\"k\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\",\"exp\":1000},"
	"{\"kty\":\"oct\",\"kid\":\"new\",\"alg\":\"A256GCM\","
	"\"k\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\","
	"\"nbf\":4000000000}]}";

/* Opens the key store (traps on failure) and fills *cfg with its path, a
 * 5 s skew, no reloads to speak of, and the other settings zero. */
static inline struct tpa_keystore *fuzz_keystore_open(struct tpa_config *cfg)
{
	char path[64], err[TPA_KEYSET_ERR_LEN];
	int fd = memfd_create("fuzz_keys", 0);
	struct tpa_keystore *keys;

	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK(write(fd, fuzz_keyset_json, sizeof(fuzz_keyset_json) - 1) ==
		   (ssize_t)(sizeof(fuzz_keyset_json) - 1));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	keys = tpa_keystore_open(path, 3600000, NULL, NULL, err, sizeof(err));
	if (keys == NULL)
		fprintf(stderr, "keystore: %s\n", err);
	FUZZ_CHECK(keys != NULL);
	FUZZ_CHECK(tpa_keystore_count(keys) == 4);
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->key_set, sizeof(cfg->key_set), "%s", path);
	cfg->clock_skew = 5;
	cfg->reload_check_ms = 3600000;
	return keys;
}

#endif /* FUZZ_KEYSTORE_H */
