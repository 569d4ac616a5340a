/*
 * turn-token: command-line tool for RFC 7635 token issuers and operators.
 *
 * This file dispatches to the subcommands (keygen, keys, issue, inspect,
 * probe, revoke) and holds the small helpers they share (turn_token.h).
 */
#include <getopt.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "tpa_keyset.h"
#include "tpa_token.h"
#include "turn_token.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0.1.0"
#endif

struct subcommand {
	const char *name;		   /* as typed on the command line */
	int (*run)(int argc, char **argv); /* argv[0] is the name */
	const char *summary;		   /* one line for --help */
};

static const struct subcommand subcommands[] = {
	{"keygen", tt_keygen_run, "make a new AS-RS key (JWK)"},
	{"keys", tt_keys_run, "add, list or retire keys of a key set file"},
	{"issue", tt_issue_run, "issue a token (RFC 7635 section 4 response)"},
	{"inspect", tt_inspect_run, "decode and check a token"},
	{"probe", tpa_probe_run, "try a token against a TURN server"},
	{"revoke", tt_revoke_run,
	 "revoke a token or a kid in the fleet's Redis"},
};

#define N_SUBCOMMANDS (sizeof(subcommands) / sizeof(subcommands[0]))

static void usage(FILE *f);
static const struct subcommand *find_subcommand(const char *name);

static void usage(FILE *f)
{
	size_t i;

	fputs("Usage: turn-token SUBCOMMAND [OPTIONS] [ARGS]\n"
	      "       turn-token SUBCOMMAND --help\n"
	      "       turn-token --help | --version\n"
	      "\n"
	      "Subcommands:\n",
	      f);
	for (i = 0; i < N_SUBCOMMANDS; i++)
		fprintf(f, "  %-9s %s\n", subcommands[i].name,
			subcommands[i].summary);
	fputs("\nExit status: 0 success (inspect: token valid), 1 token not "
	      "valid,\n2 usage, I/O or key set error; probe has its own (see "
	      "turn-token(1)).\n",
	      f);
}

static const struct subcommand *find_subcommand(const char *name)
{
	size_t i;

	for (i = 0; i < N_SUBCOMMANDS; i++)
		if (strcmp(subcommands[i].name, name) == 0)
			return &subcommands[i];
	return NULL;
}

void tt_err(const char *fmt, ...)
{
	va_list ap;

	fputs("turn-token: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int tt_parse_u64(const char *opt, const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	const char *p;

	if (s == NULL || *s == '\0') {
		tt_err("%s: empty number", opt);
		return -1;
	}
	for (p = s; *p != '\0'; p++) {
		unsigned d;

		if (*p < '0' || *p > '9') {
			tt_err("%s: \"%s\" is not a non-negative decimal "
			       "number",
			       opt, s);
			return -1;
		}
		d = (unsigned)(*p - '0');
		if (v > max / 10 || (v == max / 10 && d > max % 10)) {
			tt_err("%s: %s is too large (at most %llu)", opt, s,
			       (unsigned long long)max);
			return -1;
		}
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int tt_check_server_name(const char *opt, const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > TT_SERVER_NAME_MAX) {
		tt_err("%s: server name must be 1 to %d bytes", opt,
		       TT_SERVER_NAME_MAX);
		return -1;
	}
	return 0;
}

int tt_check_kid(const char *opt, const char *kid)
{
	if (!tpa_jwk_kid_valid(kid, strlen(kid), NULL)) {
		tt_err("%s: a kid is 1 to %d printable ASCII characters "
		       "without spaces",
		       opt, TPA_KID_MAX);
		return -1;
	}
	return 0;
}

int tt_option_error(const char *sub, int c, char **argv)
{
	const char *what = argv[optind - 1];
	const char *sep = sub != NULL ? ": " : "";
	const char *help = sub != NULL ? " " : "";
	char shortopt[3] = {'-', (char)optopt, '\0'};

	if (sub == NULL)
		sub = "";
	if (c != ':' && strncmp(what, "--", 2) != 0)
		what = shortopt; /* may be one of a cluster like -ab */
	tt_err("%s%s%s %s (see turn-token %s%s--help)", sub, sep,
	       c == ':' ? "missing argument for option" : "unknown option",
	       what, sub, help);
	return TT_EXIT_USAGE;
}

uint64_t tt_now(void)
{
	time_t t = time(NULL);

	return t < 0 ? 0 : (uint64_t)t;
}

/* the plugin's refusals print times the same way */
_Static_assert(TT_ISO_LEN >= TPA_TOKEN_UTC_LEN, "TT_ISO_LEN too small");

void tt_format_time(uint64_t secs, char out[TT_ISO_LEN])
{
	tpa_token_utc(secs, out);
}

const char *tt_mac_alg_name(size_t mac_key_len)
{
	if (mac_key_len == 20)
		return "HMAC-SHA-1";
	if (mac_key_len == 32)
		return "HMAC-SHA-256-128";
	return "unknown";
}

void tt_wipe_free(void *p)
{
	if (p == NULL)
		return;
	OPENSSL_cleanse(p, malloc_usable_size(p));
	free(p);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const struct subcommand *sub;
	int c;

	json_set_alloc_funcs(malloc, tt_wipe_free);
	opterr = 0;
	/* "+": stop at the first non-option, the subcommand. */
	while ((c = getopt_long(argc, argv, "+:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return TT_EXIT_OK;
		case 'V':
			printf("turn-token (coturn-tpa) %s\n", PACKAGE_VERSION);
			return TT_EXIT_OK;
		default:
			return tt_option_error(NULL, c, argv);
		}
	}
	if (optind >= argc) {
		tt_err("missing subcommand");
		usage(stderr);
		return TT_EXIT_USAGE;
	}
	sub = find_subcommand(argv[optind]);
	if (sub == NULL) {
		tt_err("unknown subcommand \"%s\" (try turn-token --help)",
		       argv[optind]);
		return TT_EXIT_USAGE;
	}
	argc -= optind;
	argv += optind;
	optind = 1; /* each subcommand parses its own options afresh */
	return sub->run(argc, argv);
}
