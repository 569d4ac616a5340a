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
	struct tt_key_spec spec; /* --kid, --alg, --nbf, --exp */
	int set;		 /* 1: print {"keys":[...]} */
};

static void keygen_usage(FILE *f);
static int parse_args(int argc, char **argv, struct keygen_opts *o);
static int default_kid(char *out, size_t outcap);
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
	o->spec.alg = "A256GCM";
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
		case 'a':
		case 'n':
		case 'e':
			if (tt_key_spec_option("keygen", c, optarg, &o->spec) !=
			    0)
				return TT_EXIT_USAGE;
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
	return tt_key_spec_check("keygen", &o->spec);
}

int tt_key_spec_option(const char *sub, int opt, const char *arg,
		       struct tt_key_spec *spec)
{
	char name[64];

	switch (opt) {
	case 'k':
		spec->kid = arg;
		return 0;
	case 'a':
		spec->alg = arg;
		return 0;
	case 'n':
		snprintf(name, sizeof(name), "%s: --nbf", sub);
		spec->has_nbf = 1;
		return tt_parse_u64(name, arg, TT_SECONDS_MAX, &spec->nbf);
	case 'e':
		snprintf(name, sizeof(name), "%s: --exp", sub);
		spec->has_exp = 1;
		return tt_parse_u64(name, arg, TT_SECONDS_MAX, &spec->exp);
	default:
		return -1;
	}
}

int tt_key_spec_check(const char *sub, const struct tt_key_spec *spec)
{
	char opt[64];

	if (strcmp(spec->alg, "A256GCM") != 0 &&
	    strcmp(spec->alg, "A128GCM") != 0) {
		tt_err("%s: --alg must be A256GCM or A128GCM, not \"%s\"", sub,
		       spec->alg);
		return TT_EXIT_USAGE;
	}
	snprintf(opt, sizeof(opt), "%s: --kid", sub);
	if (spec->kid != NULL && tt_check_kid(opt, spec->kid) != 0)
		return TT_EXIT_USAGE;
	if (spec->has_nbf && spec->has_exp && spec->exp <= spec->nbf) {
		tt_err("%s: --exp must be later than --nbf", sub);
		return TT_EXIT_USAGE;
	}
	if (spec->has_exp && spec->exp <= tt_now())
		tt_err("%s: warning: the key has already expired (--exp "
		       "is in the past)",
		       sub);
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

int tt_key_make(const struct tt_key_spec *spec, struct tpa_key *key)
{
	memset(key, 0, sizeof(*key));
	if (spec->kid != NULL)
		memcpy(key->kid, spec->kid,
		       strlen(spec->kid) + 1); /* checked */
	else if (default_kid(key->kid, sizeof(key->kid)) != 0)
		return TT_EXIT_USAGE;
	key->k_len = tpa_jwk_alg_key_len(spec->alg);
	key->has_nbf = spec->has_nbf;
	key->has_exp = spec->has_exp;
	key->nbf = (int64_t)spec->nbf;
	key->exp = (int64_t)spec->exp;
	if (key->k_len == 0 || RAND_priv_bytes(key->k, (int)key->k_len) != 1) {
		OPENSSL_cleanse(key->k, sizeof(key->k));
		tt_err("the random number generator failed");
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

	if (tpa_jwk_format(key, o->spec.alg, jwk, sizeof(jwk)) != 0) {
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
	rc = tt_key_make(&o.spec, &key);
	if (rc == 0) {
		/* unbuffered: the key is written from our own buffer only */
		setvbuf(stdout, NULL, _IONBF, 0);
		rc = print_key(&o, &key);
	}
	OPENSSL_cleanse(&key, sizeof(key));
	return rc;
}
