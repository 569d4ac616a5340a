/*
 * turn-token inspect: decodes a token with the keys of a JWK set, checks
 * it the way the plugin does (AEAD tag, lengths, key nbf/exp, validity
 * window with skew) and prints what it holds and a verdict: "valid" or
 * "INVALID: <specific reason>". The mac_key is never printed unless
 * --show-key is given.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "tpa_b64.h"
#include "tpa_browser_username.h"
#include "tpa_keyset.h"
#include "tpa_token.h"
#include "turn_token.h"

#define LOAD_ERR_LEN (TPA_KEYSET_ERR_LEN + 4096) /* message and a path */
#define TEXT_MAX 4096	   /* base64 characters of a token we look at */
#define REASON_LEN 512	   /* a verdict reason */
#define MAC_KEY_B64_MAX 64 /* > tpa_b64_encoded_len(TPA_MAC_KEY_MAX) */

struct inspect_opts {
	const char *keys;	 /* path of the JWK set */
	const char *server_name; /* STUN server name, the AEAD AAD */
	const char *kid;	 /* NULL: try every key */
	uint64_t skew;		 /* seconds, 0..UINT32_MAX */
	uint64_t now;		 /* Unix seconds to check against */
	const char *token_file;	 /* path, "-" for stdin, or NULL */
	const char *token_arg;	 /* base64 token, "-" for stdin, or NULL */
	int json;		 /* 1: print a JSON object */
	int show_key;		 /* 1: print the mac_key too */
};

struct result {
	int have_bytes;			/* 1 once the base64 decoded */
	size_t tok_len;			/* bytes of the token */
	char id[TPA_TOKEN_ID_LEN + 1];	/* tpa_token_id, safe to print */
	const char *kid;		/* given or matching kid, or NULL */
	int decoded;			/* 1 once the token decrypted */
	struct tpa_token t;		/* secret mac_key: wipe */
	char reason[REASON_LEN];	/* "" while valid */
	char user_kid[TPA_KID_MAX + 1]; /* kid of a browser USERNAME, or "" */
};

static void inspect_usage(FILE *f);
static int parse_args(int argc, char **argv, struct inspect_opts *o);
static int check_opts(struct inspect_opts *o);
static int read_text(const char *path, char *buf, size_t cap, size_t *len);
static int token_bytes(const struct inspect_opts *o, uint8_t *tok, size_t cap,
		       struct result *r);
static void decode_error(enum tpa_token_err e, const char *why,
			 struct result *r);
static void decode_one(const struct tpa_keyset *ks,
		       const struct inspect_opts *o, const uint8_t *tok,
		       struct result *r);
static void decode_any(const struct tpa_keyset *ks,
		       const struct inspect_opts *o, const uint8_t *tok,
		       struct result *r);
static void check_times(const struct tpa_keyset *ks,
			const struct inspect_opts *o, struct result *r);
static int print_text(const struct inspect_opts *o, const struct result *r);
static int json_add_decoded(json_t *obj, const struct inspect_opts *o,
			    const struct result *r);
static json_t *result_json(const struct inspect_opts *o,
			   const struct result *r);
static int print_json(const struct inspect_opts *o, const struct result *r);

static void inspect_usage(FILE *f)
{
	fputs("Usage: turn-token inspect --keys FILE --server-name NAME "
	      "[--kid KID]\n"
	      "                          [--skew SECONDS] [--now UNIX] "
	      "[--json] [--show-key]\n"
	      "                          TOKEN_B64 | - | --token-file FILE\n"
	      "\n"
	      "Decodes and checks a token (standard base64, as in an issue\n"
	      "response's access_token, or a browser username tpa1.KID.TOKEN;\n"
	      "\"-\" reads it from standard input) and\n"
	      "prints its id, kid, mac key length and algorithm, timestamp,\n"
	      "lifetime, expiry and the verdict: \"valid\" or "
	      "\"INVALID: reason\".\n"
	      "\n"
	      "  --keys FILE         JWK set with the AS-RS keys\n"
	      "  --server-name NAME  STUN server name (coturn's "
	      "--server-name)\n"
	      "  --kid KID           use this key only (default: try every "
	      "key)\n"
	      "  --skew SECONDS      allowed clock skew (default 5)\n"
	      "  --now UNIX          check against this time (default now)\n"
	      "  --token-file FILE   read the token from FILE (\"-\": "
	      "stdin)\n"
	      "  --json              print a JSON object\n"
	      "  --show-key          also print the mac_key (a secret)\n"
	      "  -h, --help          this help\n"
	      "\n"
	      "Exit status: 0 valid, 1 invalid, 2 usage, I/O or key set "
	      "error.\n",
	      f);
}

/* Fills *o from the command line. Returns -1 to exit 0 (--help), 0 to go
 * on, or TT_EXIT_USAGE. */
static int parse_args(int argc, char **argv, struct inspect_opts *o)
{
	static const struct option opts[] = {
		{"keys", required_argument, NULL, 'K'},
		{"server-name", required_argument, NULL, 's'},
		{"kid", required_argument, NULL, 'k'},
		{"skew", required_argument, NULL, 'S'},
		{"now", required_argument, NULL, 'n'},
		{"token-file", required_argument, NULL, 'f'},
		{"json", no_argument, NULL, 'j'},
		{"show-key", no_argument, NULL, 'x'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c, bad = 0;

	memset(o, 0, sizeof(*o));
	o->skew = 5;
	o->now = tt_now();
	opterr = 0;
	while (!bad && (c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'K':
			o->keys = optarg;
			break;
		case 's':
			o->server_name = optarg;
			break;
		case 'k':
			o->kid = optarg;
			break;
		case 'S':
			bad = tt_parse_u64("inspect: --skew", optarg,
					   UINT32_MAX, &o->skew);
			break;
		case 'n':
			bad = tt_parse_u64("inspect: --now", optarg,
					   TT_SECONDS_MAX, &o->now);
			break;
		case 'f':
			o->token_file = optarg;
			break;
		case 'j':
			o->json = 1;
			break;
		case 'x':
			o->show_key = 1;
			break;
		case 'h':
			inspect_usage(stdout);
			return -1;
		default:
			return tt_option_error("inspect", c, argv);
		}
	}
	if (bad)
		return TT_EXIT_USAGE;
	if (optind < argc)
		o->token_arg = argv[optind++];
	if (optind < argc) {
		tt_err("inspect: unexpected argument \"%s\"", argv[optind]);
		return TT_EXIT_USAGE;
	}
	return check_opts(o);
}

/* Checks required options and the token source. Returns 0 or
 * TT_EXIT_USAGE. */
static int check_opts(struct inspect_opts *o)
{
	if (o->keys == NULL || o->server_name == NULL) {
		tt_err("inspect: --keys and --server-name are required (see "
		       "turn-token inspect --help)");
		return TT_EXIT_USAGE;
	}
	if (tt_check_server_name("inspect: --server-name", o->server_name) !=
		    0 ||
	    (o->kid != NULL && tt_check_kid("inspect: --kid", o->kid) != 0))
		return TT_EXIT_USAGE;
	if ((o->token_arg == NULL) == (o->token_file == NULL)) {
		tt_err("inspect: give the token either as an argument or with "
		       "--token-file");
		return TT_EXIT_USAGE;
	}
	if (o->token_arg != NULL && strcmp(o->token_arg, "-") == 0) {
		o->token_file = "-";
		o->token_arg = NULL;
	}
	return 0;
}

/* Reads the file at path ("-": stdin) into buf (cap bytes, NUL added) and
 * sets *len. Returns 0, 1 if it holds cap bytes or more (too long for a
 * token), or -1 after printing an I/O error. */
static int read_text(const char *path, char *buf, size_t cap, size_t *len)
{
	int is_stdin = strcmp(path, "-") == 0;
	FILE *f = is_stdin ? stdin : fopen(path, "rb");
	size_t n;
	int rc = 0;

	*len = 0;
	if (f == NULL) {
		tt_err("inspect: %s: %s", path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, cap, f);
	if (ferror(f)) {
		tt_err("inspect: %s: read error", is_stdin ? "stdin" : path);
		rc = -1;
	} else if (n == cap) {
		rc = 1;
		n = 0;
	}
	buf[n] = '\0';
	*len = n;
	if (!is_stdin)
		fclose(f);
	return rc;
}

/* A browser-profile USERNAME (tpa1.KID.TOKEN) instead of a token: its
 * token into tok (cap bytes) and its kid into r->user_kid; r->reason for
 * a broken one.  Returns the kind of username the text is. */
static enum tpa_browser_username_kind browser_username(const char *p,
						       size_t len, uint8_t *tok,
						       size_t cap,
						       struct result *r)
{
	struct tpa_browser_username u;
	char why[TPA_BROWSER_USERNAME_WHY_LEN];
	enum tpa_browser_username_kind k =
		tpa_browser_username_parse(p, len, &u, why, sizeof(why));

	if (k == TPA_BROWSER_USERNAME_BAD)
		snprintf(r->reason, sizeof(r->reason), "browser username: %s",
			 why);
	if (k != TPA_BROWSER_USERNAME_OK)
		return k;
	if (u.token_len > cap) {
		snprintf(r->reason, sizeof(r->reason), "token too long");
		return TPA_BROWSER_USERNAME_BAD;
	}
	memcpy(tok, u.token, u.token_len);
	r->tok_len = u.token_len;
	memcpy(r->user_kid, u.kid, sizeof(r->user_kid));
	r->have_bytes = 1;
	tpa_token_id(tok, r->tok_len, r->id);
	return k;
}

/* Gets the token text from the argument or a file, trims white space
 * around it and decodes the base64 (standard, else base64url) into tok
 * (cap bytes). Returns 0 with r->have_bytes set, 0 with r->reason set (not
 * a token), or TT_EXIT_USAGE on an I/O error. */
static int token_bytes(const struct inspect_opts *o, uint8_t *tok, size_t cap,
		       struct result *r)
{
	char text[TEXT_MAX + 1];
	const char *p = text;
	size_t len;
	int rc;

	if (o->token_arg != NULL) {
		len = strlen(o->token_arg);
		rc = len >= TEXT_MAX ? 1 : 0;
		if (rc == 0)
			memcpy(text, o->token_arg, len + 1);
	} else {
		rc = read_text(o->token_file, text, TEXT_MAX, &len);
	}
	if (rc < 0)
		return TT_EXIT_USAGE;
	if (rc > 0) {
		snprintf(r->reason, sizeof(r->reason),
			 "too long: %d base64 characters or more", TEXT_MAX);
		return 0;
	}
	while (len > 0 && strchr(" \t\r\n", p[len - 1]) != NULL)
		len--;
	while (len > 0 && strchr(" \t\r\n", *p) != NULL) {
		p++;
		len--;
	}
	switch (browser_username(p, len, tok, cap, r)) {
	case TPA_BROWSER_USERNAME_OK:
		return 0;
	case TPA_BROWSER_USERNAME_BAD:
		return 0;
	default:
		break;
	}
	if (tpa_b64_decode(p, len, tok, cap, &r->tok_len, 0) != 0 &&
	    tpa_b64_decode(p, len, tok, cap, &r->tok_len, 1) != 0) {
		snprintf(r->reason, sizeof(r->reason),
			 "not base64 (%zu characters)", len);
		return 0;
	}
	r->have_bytes = 1;
	tpa_token_id(tok, r->tok_len, r->id);
	return 0;
}

/* A length no mac key of 20 or 32 bytes gives: decoding says so. */
static int odd_length(const struct result *r)
{
	return r->tok_len != TPA_TOKEN_MIN_LEN &&
	       r->tok_len != TPA_TOKEN_MAX_LEN;
}

/* Turns a decode error into the verdict reason. */
static void decode_error(enum tpa_token_err e, const char *why,
			 struct result *r)
{
	switch (e) {
	case TPA_TOKEN_ERR_DECRYPT:
		if (odd_length(r))
			snprintf(r->reason, sizeof(r->reason),
				 "decrypt failed: %s", why);
		else
			snprintf(r->reason, sizeof(r->reason),
				 "decrypt failed (wrong key, wrong server "
				 "name, or tampered token)");
		break;
	case TPA_TOKEN_ERR_SHORT:
		snprintf(r->reason, sizeof(r->reason), "truncated: %s", why);
		break;
	case TPA_TOKEN_ERR_LONG:
		snprintf(r->reason, sizeof(r->reason), "too long: %s", why);
		break;
	case TPA_TOKEN_ERR_NONCE_LEN:
		snprintf(r->reason, sizeof(r->reason), "%s", why);
		break;
	default:
		snprintf(r->reason, sizeof(r->reason), "%s: %s",
			 tpa_token_strerror(e), why);
		break;
	}
}

/* Decodes with the key o->kid only. */
static void decode_one(const struct tpa_keyset *ks,
		       const struct inspect_opts *o, const uint8_t *tok,
		       struct result *r)
{
	const struct tpa_key *key = tpa_keyset_find(ks, o->kid);
	char why[TPA_TOKEN_WHY_LEN];
	enum tpa_token_err e;

	r->kid = o->kid;
	if (key == NULL) {
		snprintf(r->reason, sizeof(r->reason),
			 "unknown kid \"%s\" (not in %s)", o->kid, o->keys);
		return;
	}
	e = tpa_token_decode(key->k, key->k_len, o->server_name, tok,
			     r->tok_len, &r->t, why, sizeof(why));
	if (e == TPA_TOKEN_OK)
		r->decoded = 1;
	else
		decode_error(e, why, r);
}

/* Decodes with every key of the set in turn until one opens the token. An
 * error other than a failed decryption does not depend on the key and
 * ends the search. */
static void decode_any(const struct tpa_keyset *ks,
		       const struct inspect_opts *o, const uint8_t *tok,
		       struct result *r)
{
	char why[TPA_TOKEN_WHY_LEN];
	size_t i, n = tpa_keyset_count(ks);

	for (i = 0; i < n; i++) {
		const struct tpa_key *key = tpa_keyset_at(ks, i);
		enum tpa_token_err e;

		e = tpa_token_decode(key->k, key->k_len, o->server_name, tok,
				     r->tok_len, &r->t, why, sizeof(why));
		if (e == TPA_TOKEN_OK) {
			r->kid = key->kid;
			r->decoded = 1;
			return;
		}
		if (e != TPA_TOKEN_ERR_DECRYPT) {
			decode_error(e, why, r);
			return;
		}
	}
	if (n == 0)
		snprintf(r->reason, sizeof(r->reason),
			 "unknown kid: the key set is empty");
	else if (odd_length(r))
		snprintf(r->reason, sizeof(r->reason),
			 "decrypt failed with every key in the set (%zu): %s",
			 n, why);
	else
		snprintf(r->reason, sizeof(r->reason),
			 "decrypt failed with every key in the set (%zu): "
			 "wrong key, wrong server name, or tampered token",
			 n);
}

/* For a decoded token: checks its key's nbf/exp and the token's validity
 * window at o->now, and sets the reason if either fails. */
static void check_times(const struct tpa_keyset *ks,
			const struct inspect_opts *o, struct result *r)
{
	const struct tpa_key *key = tpa_keyset_find(ks, r->kid);
	uint64_t ts = tpa_token_ts_seconds(r->t.timestamp);
	uint64_t exp = tpa_token_expiry(&r->t);
	char when[TT_ISO_LEN];

	switch (tpa_key_usable(key, (int64_t)o->now)) {
	case TPA_KEY_NOT_YET:
		tt_format_time((uint64_t)key->nbf, when);
		snprintf(r->reason, sizeof(r->reason),
			 "key \"%s\" outside its nbf/exp: not valid before %s",
			 r->kid, when);
		return;
	case TPA_KEY_EXPIRED:
		tt_format_time((uint64_t)key->exp, when);
		snprintf(r->reason, sizeof(r->reason),
			 "key \"%s\" outside its nbf/exp: expired at %s",
			 r->kid, when);
		return;
	case TPA_KEY_USABLE:
		break;
	}
	switch (tpa_token_window(&r->t, o->now, (uint32_t)o->skew)) {
	case TPA_WINDOW_NO_LIFETIME:
		snprintf(r->reason, sizeof(r->reason),
			 "lifetime 0: the token is valid at no time");
		break;
	case TPA_WINDOW_EXPIRED:
		tt_format_time(exp, when);
		snprintf(r->reason, sizeof(r->reason),
			 "expired (since %s, %llu s ago; skew %llu s)", when,
			 (unsigned long long)(o->now - exp),
			 (unsigned long long)o->skew);
		break;
	case TPA_WINDOW_NOT_YET:
		tt_format_time(ts, when);
		snprintf(r->reason, sizeof(r->reason),
			 "not yet valid (starts %s, in %llu s; skew %llu s)",
			 when, (unsigned long long)(ts - o->now),
			 (unsigned long long)o->skew);
		break;
	case TPA_WINDOW_OK:
		break;
	}
}

/* Prints the result as "label: value" lines. Returns 0 or TT_EXIT_USAGE
 * on a write error. */
static int print_text(const struct inspect_opts *o, const struct result *r)
{
	char ts_iso[TT_ISO_LEN], exp_iso[TT_ISO_LEN], now_iso[TT_ISO_LEN];
	char mac_b64[MAC_KEY_B64_MAX];
	uint64_t ts = tpa_token_ts_seconds(r->t.timestamp);
	uint64_t exp = tpa_token_expiry(&r->t);

	tt_format_time(ts, ts_iso);
	tt_format_time(exp, exp_iso);
	tt_format_time(o->now, now_iso);
	if (r->have_bytes)
		printf("token id:   %s\nlength:     %zu bytes\n", r->id,
		       r->tok_len);
	if (r->kid != NULL)
		printf("kid:        %s\n", r->kid);
	if (r->decoded) {
		printf("mac key:    %zu bytes, %s\n", r->t.mac_key_len,
		       tt_mac_alg_name(r->t.mac_key_len));
		if (o->show_key &&
		    tpa_b64_encode(r->t.mac_key, r->t.mac_key_len, mac_b64,
				   sizeof(mac_b64), 0) == 0)
			printf("mac key b64: %s\n", mac_b64);
		printf("timestamp:  %s (%llu, raw 0x%016llx)\n"
		       "lifetime:   %lu s\n"
		       "expires:    %s (%llu)\n",
		       ts_iso, (unsigned long long)ts,
		       (unsigned long long)r->t.timestamp,
		       (unsigned long)r->t.lifetime, exp_iso,
		       (unsigned long long)exp);
	}
	OPENSSL_cleanse(mac_b64, sizeof(mac_b64));
	printf("checked at: %s (%llu), skew %llu s\n", now_iso,
	       (unsigned long long)o->now, (unsigned long long)o->skew);
	if (r->reason[0] == '\0')
		printf("verdict:    valid\n");
	else
		printf("verdict:    INVALID: %s\n", r->reason);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		tt_err("inspect: cannot write to standard output");
		return TT_EXIT_USAGE;
	}
	return 0;
}

/* Adds the decoded fields to obj. Returns 0 or -1 (out of memory). */
static int json_add_decoded(json_t *obj, const struct inspect_opts *o,
			    const struct result *r)
{
	char ts_iso[TT_ISO_LEN], exp_iso[TT_ISO_LEN];
	uint64_t ts = tpa_token_ts_seconds(r->t.timestamp);
	uint64_t exp = tpa_token_expiry(&r->t);
	int bad = 0;

	tt_format_time(ts, ts_iso);
	tt_format_time(exp, exp_iso);
	bad |= json_object_set_new(obj, "mac_key_len",
				   json_integer((json_int_t)r->t.mac_key_len));
	bad |= json_object_set_new(
		obj, "mac_alg", json_string(tt_mac_alg_name(r->t.mac_key_len)));
	if (o->show_key) {
		char mac_b64[MAC_KEY_B64_MAX];

		bad |= tpa_b64_encode(r->t.mac_key, r->t.mac_key_len, mac_b64,
				      sizeof(mac_b64), 0);
		bad |= json_object_set_new(obj, "key", json_string(mac_b64));
		OPENSSL_cleanse(mac_b64, sizeof(mac_b64));
	}
	bad |= json_object_set_new(obj, "timestamp",
				   json_integer((json_int_t)ts));
	bad |= json_object_set_new(obj, "timestamp_iso", json_string(ts_iso));
	bad |= json_object_set_new(obj, "timestamp_raw",
				   json_integer((json_int_t)r->t.timestamp));
	bad |= json_object_set_new(obj, "lifetime",
				   json_integer((json_int_t)r->t.lifetime));
	bad |= json_object_set_new(obj, "expires",
				   json_integer((json_int_t)exp));
	bad |= json_object_set_new(obj, "expires_iso", json_string(exp_iso));
	return bad ? -1 : 0;
}

/* Builds the result as a JSON object, owned by the caller, or NULL (out of
 * memory). Its strings are wiped when it is freed (tt_wipe_free). */
static json_t *result_json(const struct inspect_opts *o, const struct result *r)
{
	json_t *obj = json_object();
	char now_iso[TT_ISO_LEN];
	int valid = r->reason[0] == '\0', bad = obj == NULL;

	tt_format_time(o->now, now_iso);
	if (!bad && r->have_bytes) {
		bad |= json_object_set_new(obj, "token_id", json_string(r->id));
		bad |= json_object_set_new(
			obj, "length", json_integer((json_int_t)r->tok_len));
	}
	if (!bad && r->kid != NULL)
		bad |= json_object_set_new(obj, "kid", json_string(r->kid));
	if (!bad && r->decoded)
		bad |= json_add_decoded(obj, o, r);
	if (!bad) {
		bad |= json_object_set_new(obj, "now",
					   json_integer((json_int_t)o->now));
		bad |= json_object_set_new(obj, "now_iso",
					   json_string(now_iso));
		bad |= json_object_set_new(obj, "skew",
					   json_integer((json_int_t)o->skew));
		bad |= json_object_set_new(obj, "valid", json_boolean(valid));
		bad |= json_object_set_new(obj, "reason",
					   valid ? json_null()
						 : json_string(r->reason));
	}
	if (bad) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

/* Prints the result as one JSON object. Returns 0 or TT_EXIT_USAGE. */
static int print_json(const struct inspect_opts *o, const struct result *r)
{
	json_t *obj = result_json(o, r);
	char *text = NULL;
	int rc = TT_EXIT_USAGE;

	if (obj != NULL)
		text = json_dumps(obj, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (text == NULL)
		tt_err("inspect: out of memory");
	else if (printf("%s\n", text) < 0 || fflush(stdout) != 0)
		tt_err("inspect: cannot write to standard output");
	else
		rc = 0;
	tt_wipe_free(text); /* allocated by jansson, i.e. malloc */
	json_decref(obj);
	return rc;
}

int tt_inspect_run(int argc, char **argv)
{
	char load_err[LOAD_ERR_LEN];
	uint8_t tok[TEXT_MAX];
	struct tpa_keyset *ks = NULL;
	struct inspect_opts o;
	struct result r;
	int rc;

	memset(&r, 0, sizeof(r));
	rc = parse_args(argc, argv, &o);
	if (rc != 0)
		return rc < 0 ? TT_EXIT_OK : rc;
	rc = TT_EXIT_USAGE;
	ks = tpa_keyset_load_file(o.keys, load_err, sizeof(load_err));
	if (ks == NULL) {
		tt_err("%s", load_err);
		goto out;
	}
	if (token_bytes(&o, tok, sizeof(tok), &r) != 0)
		goto out;
	if (r.have_bytes && r.user_kid[0] != '\0') {
		/* a browser USERNAME names its key */
		if (o.kid != NULL && strcmp(o.kid, r.user_kid) != 0)
			snprintf(r.reason, sizeof(r.reason),
				 "the username names kid \"%.64s\", not --kid",
				 r.user_kid);
		else {
			o.kid = r.user_kid;
			decode_one(ks, &o, tok, &r);
		}
	} else if (r.have_bytes && o.kid != NULL)
		decode_one(ks, &o, tok, &r);
	else if (r.have_bytes)
		decode_any(ks, &o, tok, &r);
	if (r.decoded)
		check_times(ks, &o, &r);
	if (o.show_key)
		setvbuf(stdout, NULL, _IONBF, 0); /* no stdio copy of it */
	rc = o.json ? print_json(&o, &r) : print_text(&o, &r);
	if (rc == 0)
		rc = r.reason[0] == '\0' ? TT_EXIT_OK : TT_EXIT_INVALID;
out:
	tpa_token_wipe(&r.t);
	tpa_keyset_free(ks);
	return rc;
}
