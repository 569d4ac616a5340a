/*
 * turn-token keygen: makes a new AS-RS key and prints it as a JWK, or as a
 * whole JWK set with --set. The key comes from OpenSSL's private DRBG; it is
 * wiped from memory once printed, and stdout is unbuffered so that no copy
 * stays in a stdio buffer.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "tpa_keyset.h"
#include "turn_token.h"

#define JWK_MAX 512 /* tpa_jwk_format never needs more */
#define SET_PREFIX "{\"keys\":["
#define SET_SUFFIX "]}"

struct keygen_opts {
	const char *kid;   /* NULL: make a date-based one */
	const char *alg;   /* A128GCM or A256GCM */
	int has_nbf;	   /* 1 if --nbf was given */
	int has_exp;	   /* 1 if --exp was given */
	uint64_t nbf, exp; /* Unix seconds */
	int set;	   /* 1: print {"keys":[...]} */
};

static void keygen_usage(FILE *f);
static int parse_args(int argc, char **argv, struct keygen_opts *o);
static int check_opts(const struct keygen_opts *o);
static int default_kid(char *out, size_t outcap);
static int make_key(const struct keygen_opts *o, struct tpa_key *key);
static int print_key(const struct keygen_opts *o, const struct tpa_key *key);

static void keygen_usage(FILE *f)
{
	fputs("Usage: turn-token keygen [--kid KID] [--alg A256GCM|A128GCM]\n"
	      "                         [--nbf UNIX] [--exp UNIX] [--set]\n"
	      "\n"
	      "Prints a new random AS-RS key as a JSON Web Key (RFC 7517).\n"
	      "\n"
	      "  --kid KID    key id, 1-128 printable ASCII characters\n"
	      "               (default: today's UTC date and a random "
	      "suffix)\n"
	      "  --alg ALG    A256GCM (32-byte key, default) or A128GCM\n"
	      "  --nbf UNIX   the key is not valid before this Unix time\n"
	      "  --exp UNIX   the key is not valid from this Unix time on\n"
	      "  --set        print a whole key set {\"keys\":[...]}\n"
	      "  -h, --help   this help\n",
	      f);
}

/* Fills *o from the command line. Returns -1 to exit 0 (--help), 0 to go
 * on, or TT_EXIT_USAGE. */
static int parse_args(int argc, char **argv, struct keygen_opts *o)
{
	static const struct option opts[] = {
		{"kid", required_argument, NULL, 'k'},
		{"alg", required_argument, NULL, 'a'},
		{"nbf", required_argument, NULL, 'n'},
		{"exp", required_argument, NULL, 'e'},
		{"set", no_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->alg = "A256GCM";
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			o->kid = optarg;
			break;
		case 'a':
			o->alg = optarg;
			break;
		case 'n':
			if (tt_parse_u64("keygen: --nbf", optarg,
					 TT_SECONDS_MAX, &o->nbf) != 0)
				return TT_EXIT_USAGE;
			o->has_nbf = 1;
			break;
		case 'e':
			if (tt_parse_u64("keygen: --exp", optarg,
					 TT_SECONDS_MAX, &o->exp) != 0)
				return TT_EXIT_USAGE;
			o->has_exp = 1;
			break;
		case 's':
			o->set = 1;
			break;
		case 'h':
			keygen_usage(stdout);
			return -1;
		default:
			return tt_option_error("keygen", c, argv);
		}
	}
	if (optind < argc) {
		tt_err("keygen: unexpected argument \"%s\"", argv[optind]);
		return TT_EXIT_USAGE;
	}
	return check_opts(o);
}

/* Checks the options against each other. Returns 0 or TT_EXIT_USAGE. */
static int check_opts(const struct keygen_opts *o)
{
	if (strcmp(o->alg, "A256GCM") != 0 && strcmp(o->alg, "A128GCM") != 0) {
		tt_err("keygen: --alg must be A256GCM or A128GCM, not \"%s\"",
		       o->alg);
		return TT_EXIT_USAGE;
	}
	if (o->kid != NULL && tt_check_kid("keygen: --kid", o->kid) != 0)
		return TT_EXIT_USAGE;
	if (o->has_nbf && o->has_exp && o->exp <= o->nbf) {
		tt_err("keygen: --exp must be later than --nbf");
		return TT_EXIT_USAGE;
	}
	if (o->has_exp && o->exp <= tt_now())
		tt_err("keygen: warning: the key has already expired (--exp "
		       "is in the past)");
	return 0;
}

/* Writes "YYYY-MM-DD-xxxx" (UTC date, 4 random hex digits) into out.
 * Returns 0, or -1 if the clock or the random source failed. */
static int default_kid(char *out, size_t outcap)
{
	unsigned char rnd[2];
	struct tm tm;
	time_t now = time(NULL);
	int n;

	if (now == (time_t)-1 || gmtime_r(&now, &tm) == NULL) {
		tt_err("keygen: cannot read the clock");
		return -1;
	}
	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		tt_err("keygen: the random number generator failed");
		return -1;
	}
	n = snprintf(out, outcap, "%04d-%02d-%02d-%02x%02x", tm.tm_year + 1900,
		     tm.tm_mon + 1, tm.tm_mday, rnd[0], rnd[1]);
	return n > 0 && (size_t)n < outcap ? 0 : -1;
}

/* Fills *key (zeroed first) with the kid, times and fresh random key
 * bytes. Returns 0 or TT_EXIT_USAGE; on failure *key holds no secret. */
static int make_key(const struct keygen_opts *o, struct tpa_key *key)
{
	memset(key, 0, sizeof(*key));
	if (o->kid != NULL)
		memcpy(key->kid, o->kid, strlen(o->kid) + 1); /* checked */
	else if (default_kid(key->kid, sizeof(key->kid)) != 0)
		return TT_EXIT_USAGE;
	key->k_len = tpa_jwk_alg_key_len(o->alg);
	key->has_nbf = o->has_nbf;
	key->has_exp = o->has_exp;
	key->nbf = (int64_t)o->nbf;
	key->exp = (int64_t)o->exp;
	if (key->k_len == 0 || RAND_priv_bytes(key->k, (int)key->k_len) != 1) {
		OPENSSL_cleanse(key->k, sizeof(key->k));
		tt_err("keygen: the random number generator failed");
		return TT_EXIT_USAGE;
	}
	return 0;
}

/* Prints the key (or a set holding it) and a newline to stdout. Returns 0
 * or TT_EXIT_USAGE. Every buffer that held the key is wiped. */
static int print_key(const struct keygen_opts *o, const struct tpa_key *key)
{
	char line[sizeof(SET_PREFIX) + JWK_MAX + sizeof(SET_SUFFIX) + 1];
	char jwk[JWK_MAX];
	int rc = TT_EXIT_USAGE;

	if (tpa_jwk_format(key, o->alg, jwk, sizeof(jwk)) != 0) {
		tt_err("keygen: cannot format the key");
		goto out;
	}
	snprintf(line, sizeof(line), "%s%s%s\n", o->set ? SET_PREFIX : "", jwk,
		 o->set ? SET_SUFFIX : "");
	if (fputs(line, stdout) == EOF || fflush(stdout) != 0) {
		tt_err("keygen: cannot write to standard output");
		goto out;
	}
	rc = 0;
out:
	OPENSSL_cleanse(jwk, sizeof(jwk));
	OPENSSL_cleanse(line, sizeof(line));
	return rc;
}

int tt_keygen_run(int argc, char **argv)
{
	struct keygen_opts o;
	struct tpa_key key;
	int rc;

	rc = parse_args(argc, argv, &o);
	if (rc != 0)
		return rc < 0 ? TT_EXIT_OK : rc;
	rc = make_key(&o, &key);
	if (rc == 0) {
		/* unbuffered: the key is written from our own buffer only */
		setvbuf(stdout, NULL, _IONBF, 0);
		rc = print_key(&o, &key);
	}
	OPENSSL_cleanse(&key, sizeof(key));
	return rc;
}
