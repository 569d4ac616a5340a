/*
 * turn_token.h: declarations shared by the files of the turn-token tool.
 *
 * turn_token_main.c dispatches to one run function per subcommand and holds
 * the helpers below; each subcommand lives in its own file. Every run
 * function takes the arguments after "turn-token", so argv[0] is the
 * subcommand name and getopt_long can be used on (argc, argv) as is. It
 * returns the process exit status (TT_EXIT_*). None of them is thread-safe:
 * the tool is single-threaded.
 */
#ifndef TURN_TOKEN_H
#define TURN_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define TT_EXIT_OK 0	  /* success; inspect: the token is valid */
#define TT_EXIT_INVALID 1 /* inspect: the token is not valid */
#define TT_EXIT_USAGE 2	  /* usage error, I/O error, broken key set */

#define TT_SECONDS_MAX ((UINT64_C(1) << 48) - 1) /* 48-bit token seconds */
#define TT_ISO_LEN 32 /* enough for tt_format_time of any 48-bit time */
#define TT_SERVER_NAME_MAX 255 /* bytes; coturn's own limit */

struct tpa_key;

/* Subcommands. Each returns TT_EXIT_OK, TT_EXIT_INVALID or TT_EXIT_USAGE. */
int tt_keygen_run(int argc, char **argv);
int tt_keys_run(int argc, char **argv);
int tt_issue_run(int argc, char **argv);
int tt_inspect_run(int argc, char **argv);
int tt_revoke_run(int argc, char **argv);

/*
 * The probe subcommand, implemented in tool/probe_main.c. Same calling
 * convention as the run functions above: argv[0] is "probe".
 */
int tpa_probe_run(int argc, char **argv);

/*
 * Prints "turn-token: " and the printf-style message and a newline to
 * stderr. Callers never pass key material.
 */
void tt_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Parses s as a decimal number in 0..max, strictly: only the digits 0-9, at
 * least one, no sign, no spaces, no overflow. Returns 0 and sets *out, or
 * -1 (leaving *out alone) and prints an error naming the option opt.
 */
int tt_parse_u64(const char *opt, const char *s, uint64_t max, uint64_t *out);

/*
 * Checks a STUN server name given to option opt: 1..TT_SERVER_NAME_MAX
 * bytes. Returns 0, or -1 after printing an error.
 */
int tt_check_server_name(const char *opt, const char *name);

/*
 * Checks a key id given to option opt with tpa_jwk_kid_valid, so that only
 * printable ASCII ever reaches the terminal. Returns 0, or -1 after
 * printing an error.
 */
int tt_check_kid(const char *opt, const char *kid);

/*
 * Reports a getopt_long failure of subcommand sub (getopt_long must have
 * run with opterr = 0 and an optstring starting with ':'): c is what it
 * returned ('?' unknown option, ':' missing argument). Returns
 * TT_EXIT_USAGE.
 */
int tt_option_error(const char *sub, int c, char **argv);

/* The current Unix time in seconds (0 if the clock is before 1970). */
uint64_t tt_now(void);

/*
 * Writes the Unix time secs as UTC ISO 8601 ("2026-11-26T10:00:00Z") into
 * out (TT_ISO_LEN bytes); "(out of range)" if it cannot be represented.
 */
void tt_format_time(uint64_t secs, char out[TT_ISO_LEN]);

/*
 * Name of the STUN MESSAGE-INTEGRITY algorithm for a mac key length, in the
 * RFC 7635 spelling: "HMAC-SHA-1" (20: MESSAGE-INTEGRITY), "HMAC-SHA-256-128"
 * (32: MESSAGE-INTEGRITY-SHA256 truncated to 16 bytes), else "unknown".
 */
const char *tt_mac_alg_name(size_t mac_key_len);

/*
 * Free function for jansson (installed by main with json_set_alloc_funcs):
 * wipes the whole block before freeing it, so key material that passed
 * through jansson (a key set, an issue response) does not linger on the
 * heap. p may be NULL.
 */
void tt_wipe_free(void *p);

/* What a new AS-RS key is to be (keygen, keys add). */
struct tt_key_spec {
	const char *kid;   /* NULL: today's UTC date and a random suffix */
	const char *alg;   /* A128GCM or A256GCM */
	int has_nbf;	   /* 1 if --nbf was given */
	int has_exp;	   /* 1 if --exp was given */
	uint64_t nbf, exp; /* Unix seconds */
};

/*
 * Takes one of the options --kid ('k'), --alg ('a'), --nbf ('n') and --exp
 * ('e') of subcommand sub into *spec. Returns 0, or -1 after printing an
 * error (a bad number, or opt is none of these).
 */
int tt_key_spec_option(const char *sub, int opt, const char *arg,
		       struct tt_key_spec *spec);

/*
 * Checks a key spec of subcommand sub: a known alg, a valid kid, exp after
 * nbf (warns when exp is past). Returns 0 or TT_EXIT_USAGE.
 */
int tt_key_spec_check(const char *sub, const struct tt_key_spec *spec);

/*
 * Fills *key (zeroed first) with a checked spec's kid and times and fresh
 * key bytes from OpenSSL's private DRBG. Returns 0 or TT_EXIT_USAGE; on
 * failure *key holds no secret. The caller wipes *key after use.
 */
int tt_key_make(const struct tt_key_spec *spec, struct tpa_key *key);

/* ---- issue: the browser profile's ice_server (turn_token_ice.c) ---- */

#define TT_ICE_URLS_MAX 16

/* The URLs of --urls: pointers into argv, not copies. */
struct tt_ice_urls {
	const char *url[TT_ICE_URLS_MAX]; /* not NUL-terminated */
	size_t len[TT_ICE_URLS_MAX];	  /* bytes of each */
	size_t n;			  /* how many */
};

/*
 * Adds the comma-separated URLs of arg (one --urls option, named opt in
 * errors) to u.  Each must be a turn: or turns: URL of printable ASCII
 * without spaces, at most 256 bytes; at most TT_ICE_URLS_MAX in all.
 * Returns 0, or -1 after printing why.  arg must outlive u.
 */
int tt_ice_urls_add(struct tt_ice_urls *u, const char *opt, const char *arg);

/*
 * The ice_server object {"urls": [...], "username": ..., "credential":
 * ...} for the token of tok_len bytes at tok under kid: urls from u, or
 * "turn:SERVER_NAME" when u has none; the browser-profile USERNAME; the
 * credential (the base64 mac_key, a secret) as given.  Returns a new
 * object owned by the caller, or NULL after printing why.
 */
json_t *tt_ice_server(const struct tt_ice_urls *u, const char *server_name,
		      const char *kid, const uint8_t *tok, size_t tok_len,
		      const char *credential);

#endif /* TURN_TOKEN_H */
