/*
 * bench_allocate.c - allocations per second through a TURN server, for
 * tests/bench/bench_allocate.sh.  Each round is a whole client life on a
 * new UDP socket (a new 5-tuple): Allocate, 401, authenticated Allocate,
 * Refresh 0.  The credentials are either a token or a password, so the
 * same run can compare the plugin's path with coturn's own.
 *
 *   bench_allocate PORT N token KID MACKEY_B64 TOKEN_B64
 *   bench_allocate PORT N password USER PASSWORD
 *
 * Prints "N allocations in S s: R per second" and exits 0, or exits 1 on
 * the first failed round (a benchmark of failures measures nothing).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "tpa_b64.h"
#include "tpa_turn_client.h"

struct creds {
	int token;
	const char *user, *password;
	uint8_t key[64], tok[1024];
	size_t key_len, tok_len;
};

/* 0 done, 1 retry (437: the kernel gave this socket the port of a
 * just-closed one whose allocation the server still remembers), -1 fail */
static int one_round(uint16_t port, const struct creds *cr)
{
	struct tpa_turn_client *c =
		tpa_turn_connect("127.0.0.1", port, TPA_TURN_UDP, 0, 3000);
	int rc = -1;

	if (!c || c->err)
		goto out;
	if (cr->token ? tpa_turn_set_credentials(c, cr->user, cr->key,
						 cr->key_len, cr->tok,
						 cr->tok_len, NULL)
		      : tpa_turn_set_password(c, cr->user, cr->password, NULL,
					      0, NULL))
		goto out;
	if (tpa_turn_allocate(c, 0, NULL, NULL) != 0 ||
	    tpa_turn_refresh(c, 0) != 0)
		goto out;
	rc = 0;
out:
	if (rc && c && c->last_error_code == 437)
		rc = 1;
	else if (rc && c)
		fprintf(stderr, "bench_allocate: %s\n", c->errstr);
	tpa_turn_free(c);
	return rc;
}

static void b64(const char *in, uint8_t *out, size_t cap, size_t *len)
{
	if (tpa_b64_decode(in, strlen(in), out, cap, len, 0) != 0) {
		fprintf(stderr, "bench_allocate: bad base64\n");
		exit(2);
	}
}

int main(int argc, char **argv)
{
	struct creds cr = {0};
	struct timespec t0, t1;
	long n, retries = 0;
	double s;

	if (argc < 6 || (strcmp(argv[3], "token") == 0 && argc != 7)) {
		fprintf(stderr, "usage: see bench_allocate.c\n");
		return 2;
	}
	n = atol(argv[2]);
	cr.user = argv[4];
	if (strcmp(argv[3], "token") == 0) {
		cr.token = 1;
		b64(argv[5], cr.key, sizeof(cr.key), &cr.key_len);
		b64(argv[6], cr.tok, sizeof(cr.tok), &cr.tok_len);
	} else {
		cr.password = argv[5];
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		int rc;
		while ((rc = one_round((uint16_t)atoi(argv[1]), &cr)) == 1)
			retries++;
		if (rc != 0)
			return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (retries)
		fprintf(stderr,
			"bench_allocate: %ld rounds retried after 437\n",
			retries);
	printf("%ld allocations in %.2f s: %.0f per second\n", n, s,
	       (double)n / s);
	OPENSSL_cleanse(&cr, sizeof(cr));
	return 0;
}
