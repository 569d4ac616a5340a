/*
 * bench_allocate.c - allocations per second through a TURN server, for
 * tests/bench/bench_allocate.sh.  Each round is a whole client life on a
 * new UDP socket (a new 5-tuple): Allocate, 401, authenticated Allocate,
 * Refresh 0.  The credential, a token or a password, comes from a file
 * (tpa_credential: the JSON of turn-token issue, or username/password), so
 * the same run can compare the plugin's path with coturn's own.
 *
 *   bench_allocate PORT N CREDFILE
 *
 * Prints "N allocations in S s: R per second; M rounds moved to a new
 * client address after 437" and exits 0, or exits 1 on the first failed
 * round (a benchmark of failures measures nothing).  A round moves when
 * coturn still holds the 5-tuple of an allocation deleted a moment ago and
 * the kernel gave that port to the new socket: the client library does
 * what RFC 8656 section 7.4 says, on up to three addresses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tpa_credential.h"
#include "tpa_turn_client.h"

/* 0 done (*moved: it needed a new client address), -1 failed. */
static int one_round(uint16_t port, const struct tpa_credential *cr, int *moved)
{
	struct tpa_turn_client *c =
		tpa_turn_connect("127.0.0.1", port, TPA_TURN_UDP, 0, 3000);
	int rc = -1;

	*moved = 0;
	if (c == NULL || c->err != 0 ||
	    tpa_credential_apply(c, cr, NULL, NULL) != 0)
		goto out;
	rc = tpa_turn_allocate(c, 0, NULL, NULL);
	*moved = c->mismatch_retries > 0;
	if (rc != 0 || (rc = tpa_turn_refresh(c, 0)) != 0)
		goto out;
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "bench_allocate: %s\n",
			c != NULL ? c->errstr : "out of memory");
	tpa_turn_free(c);
	return rc;
}

int main(int argc, char **argv)
{
	struct tpa_credential cr;
	struct timespec t0, t1;
	long n, i, moved_rounds = 0;
	char why[256];
	double s;

	if (argc != 4 || (n = atol(argv[2])) <= 0 || atoi(argv[1]) <= 0) {
		fprintf(stderr, "usage: bench_allocate PORT N CREDFILE\n");
		return 2;
	}
	if (tpa_credential_load(argv[3], &cr, why, sizeof(why)) != 0) {
		fprintf(stderr, "bench_allocate: %s: %s\n", argv[3], why);
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++) {
		int moved;
		if (one_round((uint16_t)atoi(argv[1]), &cr, &moved) != 0) {
			tpa_credential_wipe(&cr);
			return 1;
		}
		moved_rounds += moved;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	tpa_credential_wipe(&cr);
	s = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%ld allocations in %.2f s: %.0f per second; %ld rounds moved "
	       "to a new client address after 437\n",
	       n, s, (double)n / s, moved_rounds);
	return 0;
}
