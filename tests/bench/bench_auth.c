/*
 * bench_auth.c - what the plugin adds to one authentication, as a ratio to
 * what coturn does for a long-term credential anyway, both measured here in
 * the same run.
 *
 *   baseline: parse an Allocate and check its MESSAGE-INTEGRITY with a
 *             16-byte long-term key (coturn's own per-request work for a
 *             --user account, whose key it keeps precomputed);
 *   plugin:   tpa_auth_rfc7635 on an Allocate with ACCESS-TOKEN: parse,
 *             key by kid, AES-256-GCM token decrypt, time window, and
 *             MESSAGE-INTEGRITY under the 20-byte mac_key.
 *
 * Prints ns per call for each, and the ratio.  Usage: bench_auth [N]
 * (default 200000 calls each).  It is a figure, not a test: it never fails
 * on timing.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "tpa_auth.h"
#include "tpa_stun.h"
#include "tpa_token.h"

#define SERVER_NAME "turn.example.net"

static const uint8_t as_rs_key[32] = {
	1,  2,	3,  4,	5,  6,	7,  8,	9,  10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

static const char keyset_json[] =
	"{\"keys\":[{\"kty\":\"oct\",\"kid\":\"bench\",\"alg\":\"A256GCM\","
	"\"k\":\"AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA\"}]}";

static void die(const char *what)
{
	fprintf(stderr, "bench_auth: %s\n", what);
	exit(1);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* An Allocate as a client sends it; token may be NULL. */
static size_t allocate(uint8_t *buf, size_t cap, const char *user,
		       const uint8_t *token, size_t token_len,
		       const uint8_t *key, size_t key_len)
{
	struct tpa_stun_msg m;
	static const char realm[] = "example.org", nonce[] = "0123456789ab";

	tpa_stun_msg_init(&m, buf, cap, TPA_STUN_REQUEST, TPA_STUN_ALLOCATE,
			  NULL);
	tpa_stun_add_requested_transport(&m, TPA_STUN_TRANSPORT_UDP);
	tpa_stun_add_attr(&m, TPA_STUN_ATTR_USERNAME, user, strlen(user));
	tpa_stun_add_attr(&m, TPA_STUN_ATTR_REALM, realm, strlen(realm));
	tpa_stun_add_attr(&m, TPA_STUN_ATTR_NONCE, nonce, strlen(nonce));
	if (token)
		tpa_stun_add_attr(&m, TPA_STUN_ATTR_ACCESS_TOKEN, token,
				  token_len);
	tpa_stun_add_integrity(&m, key, key_len);
	if (m.err)
		die("cannot build the request");
	return m.len;
}

static struct tpa_keystore *open_keys(void)
{
	char path[64], err[TPA_KEYSET_ERR_LEN];
	int fd = memfd_create("bench_keys", 0);
	struct tpa_keystore *ks;

	if (fd < 0 || write(fd, keyset_json, sizeof(keyset_json) - 1) !=
			      (ssize_t)(sizeof(keyset_json) - 1))
		die("memfd");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ks = tpa_keystore_open(path, 3600000, NULL, NULL, err, sizeof(err));
	if (!ks)
		die(err);
	return ks;
}

static double bench_baseline(long n)
{
	uint8_t key[16] = {0x42}, msg[512];
	size_t len = allocate(msg, sizeof(msg), "alice", NULL, 0, key, 16);
	struct tpa_stun_view v;
	double t0 = now_ns();

	for (long i = 0; i < n; i++) {
		if (tpa_stun_parse(&v, msg, len) != 0 ||
		    tpa_stun_verify_integrity(&v, key, 16) != 0)
			die("baseline check failed");
	}
	return (now_ns() - t0) / (double)n;
}

static double bench_plugin(long n)
{
	struct tpa_config cfg = {.clock_skew = 5};
	struct tpa_auth_ctx ctx = {&cfg, open_keys(), SERVER_NAME};
	struct tpa_token tok = {.mac_key_len = 20, .lifetime = 3600};
	struct tpa_auth_outcome out;
	uint8_t token[TPA_TOKEN_MAX_LEN], msg[512];
	size_t token_len, len;
	uint64_t now = (uint64_t)time(NULL);
	double t0;

	memset(tok.mac_key, 0x5a, 20);
	tok.timestamp = tpa_token_ts_make(now, 0);
	if (tpa_token_encode(as_rs_key, 32, SERVER_NAME, &tok, NULL, token,
			     sizeof(token), &token_len) != TPA_TOKEN_OK)
		die("cannot make a token");
	len = allocate(msg, sizeof(msg), "bench", token, token_len, tok.mac_key,
		       20);
	t0 = now_ns();
	for (long i = 0; i < n; i++) {
		tpa_auth_rfc7635(&ctx, msg, len, "bench", now, &out);
		if (out.verdict != TPA_ACCEPT)
			die(out.reason);
	}
	t0 = (now_ns() - t0) / (double)n;
	tpa_keystore_close(ctx.keys);
	return t0;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 200000;
	double base, plugin;

	if (n < 1 || n > 100000000)
		die("N must be 1 to 100000000");
	base = bench_baseline(n);
	plugin = bench_plugin(n);
	printf("calls each:                         %ld\n", n);
	printf("baseline, long-term MI check:       %8.0f ns/auth\n", base);
	printf("plugin, RFC 7635 token + MI check:  %8.0f ns/auth\n", plugin);
	printf("ratio plugin / baseline:            %8.2f\n", plugin / base);
	printf("plugin decisions per second, 1 core: %7.0f\n", 1e9 / plugin);
	return 0;
}
