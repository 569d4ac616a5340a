/*
 * turn-token issue: makes a fresh mac_key, seals it into a self-contained
 * token with an AS-RS key from a JWK set, and prints the RFC 7635 section 4
 * response (or one field of it with --field), with the browser profile's
 * ice_server object. The mac_key is printed only in the "key" field and as
 * the ice_server's credential; every buffer that held it is wiped, and
 * stdout is unbuffered so that no copy stays in a stdio buffer.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "tpa_b64.h"
#include "tpa_keyset.h"
#include "tpa_token.h"
#include "turn_token.h"

#define LOAD_ERR_LEN (TPA_KEYSET_ERR_LEN + 4096) /* message and a path */
#define TOKEN_B64_MAX 128  /* > tpa_b64_encoded_len(TPA_TOKEN_MAX_LEN) */
#define MAC_KEY_B64_MAX 64 /* > tpa_b64_encoded_len(TPA_MAC_KEY_MAX) */

struct issue_opts {
	const char *keys;	 /* path of the JWK set */
	const char *kid;	 /* AS-RS key to use */
	const char *server_name; /* STUN server name, the AEAD AAD */
	uint64_t lifetime;	 /* seconds, 1..UINT32_MAX */
	size_t mac_key_len;	 /* 20 or 32 */
	uint64_t timestamp;	 /* Unix seconds */
	const char *field;	 /* NULL: print the whole response */
	struct tt_ice_urls urls; /* --urls of the ice_server */
};

static const char *const fields[] = {"access_token", "token_type", "expires_in",
				     "kid",	     "key",	   "alg",
				     "ice_server"};

static void issue_usage(FILE *f);
static int parse_args(int argc, char **argv, struct issue_opts *o);
static int parse_mac_alg(const char *s, size_t *len);
static int check_opts(const struct issue_opts *o);
static const struct tpa_key *usable_key(const struct tpa_keyset *ks,
					const struct issue_opts *o);
static int seal(const struct tpa_key *key, const struct issue_opts *o,
		uint8_t tok[TPA_TOKEN_MAX_LEN], size_t *tok_len, char *tok_b64,
		size_t tok_cap, char *mac_b64, size_t mac_cap);
static json_t *response(const struct issue_opts *o, const uint8_t *tok,
			size_t tok_len, const char *tok_b64,
			const char *mac_b64);
static int print_response(const json_t *resp, const char *field);

static void issue_usage(FILE *f)
{
	fputs("Usage: turn-token issue --keys FILE --kid KID "
	      "--server-name NAME\n"
	      "                        [--lifetime SECONDS] "
	      "[--mac-alg HMAC-SHA1|HMAC-SHA256]\n"
	      "                        [--timestamp UNIX] [--urls "
	      "URL[,URL...]]\n"
	      "                        [--field NAME]\n"
	      "\n"
	      "Issues a token and prints the RFC 7635 section 4 response:\n"
	      "access_token, token_type, expires_in, kid, key (the mac_key, a\n"
	      "secret for the client only) and alg; and ice_server, the same\n"
	      "token for a WebRTC browser: {urls, username, credential}.\n"
	      "\n"
	      "  --keys FILE         JWK set with the AS-RS keys\n"
	      "  --kid KID           the key to seal the token with; it must "
	      "be\n"
	      "                      usable now (nbf/exp)\n"
	      "  --server-name NAME  STUN server name (coturn's "
	      "--server-name)\n"
	      "  --lifetime SECONDS  token lifetime (default 3600)\n"
	      "  --mac-alg ALG       HMAC-SHA1 (20-byte mac_key, MESSAGE-"
	      "INTEGRITY;\n"
	      "                      the default) or HMAC-SHA256 (32-byte "
	      "mac_key,\n"
	      "                      MESSAGE-INTEGRITY-SHA256 of 16 bytes; "
	      "alg\n"
	      "                      \"HMAC-SHA-256-128\", RFC 7635)\n"
	      "  --timestamp UNIX    token timestamp (default now)\n"
	      "  --urls URLS         turn: or turns: URLs of the ice_server, "
	      "comma-\n"
	      "                      separated or repeated (default "
	      "turn:NAME)\n"
	      "  --field NAME        print only this field's raw value: "
	      "access_token,\n"
	      "                      token_type, expires_in, kid, key, alg "
	      "or\n"
	      "                      ice_server (as one line of JSON)\n"
	      "  -h, --help          this help\n",
	      f);
}

/* Fills *o from the command line. Returns -1 to exit 0 (--help), 0 to go
 * on, or TT_EXIT_USAGE. */
static int parse_args(int argc, char **argv, struct issue_opts *o)
{
	static const struct option opts[] = {
		{"keys", required_argument, NULL, 'K'},
		{"kid", required_argument, NULL, 'k'},
		{"server-name", required_argument, NULL, 's'},
		{"lifetime", required_argument, NULL, 'l'},
		{"mac-alg", required_argument, NULL, 'm'},
		{"timestamp", required_argument, NULL, 't'},
		{"field", required_argument, NULL, 'f'},
		{"urls", required_argument, NULL, 'u'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c, bad = 0;

	memset(o, 0, sizeof(*o));
	o->lifetime = 3600;
	o->mac_key_len = 20;
	o->timestamp = tt_now();
	opterr = 0;
	while (!bad && (c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'K':
			o->keys = optarg;
			break;
		case 'k':
			o->kid = optarg;
			break;
		case 's':
			o->server_name = optarg;
			break;
		case 'l':
			bad = tt_parse_u64("issue: --lifetime", optarg,
					   UINT32_MAX, &o->lifetime);
			break;
		case 'm':
			bad = parse_mac_alg(optarg, &o->mac_key_len);
			break;
		case 't':
			bad = tt_parse_u64("issue: --timestamp", optarg,
					   TT_SECONDS_MAX, &o->timestamp);
			break;
		case 'f':
			o->field = optarg;
			break;
		case 'u':
			bad = tt_ice_urls_add(&o->urls, "issue: --urls",
					      optarg);
			break;
		case 'h':
			issue_usage(stdout);
			return -1;
		default:
			return tt_option_error("issue", c, argv);
		}
	}
	if (bad)
		return TT_EXIT_USAGE;
	if (optind < argc) {
		tt_err("issue: unexpected argument \"%s\"", argv[optind]);
		return TT_EXIT_USAGE;
	}
	return check_opts(o);
}

/* Maps a --mac-alg name to the mac_key length. Returns 0 or -1. */
static int parse_mac_alg(const char *s, size_t *len)
{
	if (strcmp(s, "HMAC-SHA1") == 0 || strcmp(s, "HMAC-SHA-1") == 0) {
		*len = 20;
		return 0;
	}
	if (strcmp(s, "HMAC-SHA256") == 0 || strcmp(s, "HMAC-SHA-256") == 0 ||
	    strcmp(s, "HMAC-SHA-256-128") == 0) {
		*len = 32;
		return 0;
	}
	tt_err("issue: --mac-alg must be HMAC-SHA1 or HMAC-SHA256, not \"%s\"",
	       s);
	return -1;
}

/* Checks required options and their values. Returns 0 or TT_EXIT_USAGE. */
static int check_opts(const struct issue_opts *o)
{
	size_t i;

	if (o->keys == NULL || o->kid == NULL || o->server_name == NULL) {
		tt_err("issue: --keys, --kid and --server-name are required "
		       "(see turn-token issue --help)");
		return TT_EXIT_USAGE;
	}
	if (tt_check_server_name("issue: --server-name", o->server_name) != 0 ||
	    tt_check_kid("issue: --kid", o->kid) != 0)
		return TT_EXIT_USAGE;
	if (o->lifetime == 0) {
		tt_err("issue: --lifetime must be at least 1 second");
		return TT_EXIT_USAGE;
	}
	if (o->field == NULL)
		return 0;
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (strcmp(o->field, fields[i]) == 0)
			return 0;
	tt_err("issue: unknown --field \"%s\" (access_token, token_type, "
	       "expires_in, kid, key, alg or ice_server)",
	       o->field);
	return TT_EXIT_USAGE;
}

/* The key o->kid from ks if it is usable now, else NULL after printing
 * why. */
static const struct tpa_key *usable_key(const struct tpa_keyset *ks,
					const struct issue_opts *o)
{
	const struct tpa_key *key = tpa_keyset_find(ks, o->kid);
	char when[TT_ISO_LEN];
	uint64_t now = tt_now();

	if (key == NULL) {
		tt_err("issue: kid \"%s\" is not in %s", o->kid, o->keys);
		return NULL;
	}
	switch (tpa_key_usable(key, (int64_t)now)) {
	case TPA_KEY_NOT_YET:
		tt_format_time((uint64_t)key->nbf, when);
		tt_err("issue: key \"%s\" is not valid yet (nbf %s)", o->kid,
		       when);
		return NULL;
	case TPA_KEY_EXPIRED:
		tt_format_time((uint64_t)key->exp, when);
		tt_err("issue: key \"%s\" has expired (exp %s)", o->kid, when);
		return NULL;
	case TPA_KEY_USABLE:
		break;
	}
	if (key->has_exp && o->timestamp + o->lifetime > (uint64_t)key->exp) {
		tt_format_time((uint64_t)key->exp, when);
		tt_err("issue: warning: the token outlives key \"%s\" (exp "
		       "%s)",
		       o->kid, when);
	}
	return key;
}

/* Makes a random mac_key and the token. Writes the token (and its length),
 * and the token and the mac_key in standard base64, into the caller's
 * buffers. Returns 0 or -1; on failure the base64 buffers are wiped. The
 * token struct is wiped either way. */
static int seal(const struct tpa_key *key, const struct issue_opts *o,
		uint8_t tok[TPA_TOKEN_MAX_LEN], size_t *tok_len, char *tok_b64,
		size_t tok_cap, char *mac_b64, size_t mac_cap)
{
	struct tpa_token t;
	enum tpa_token_err e;
	int rc = -1;

	memset(&t, 0, sizeof(t));
	t.mac_key_len = o->mac_key_len;
	t.timestamp = tpa_token_ts_make(o->timestamp, 0);
	t.lifetime = (uint32_t)o->lifetime;
	if (RAND_priv_bytes(t.mac_key, (int)t.mac_key_len) != 1) {
		tt_err("issue: the random number generator failed");
		goto out;
	}
	e = tpa_token_encode(key->k, key->k_len, o->server_name, &t, NULL, tok,
			     TPA_TOKEN_MAX_LEN, tok_len);
	if (e != TPA_TOKEN_OK) {
		tt_err("issue: cannot encode the token: %s",
		       tpa_token_strerror(e));
		goto out;
	}
	if (tpa_b64_encode(tok, *tok_len, tok_b64, tok_cap, 0) != 0 ||
	    tpa_b64_encode(t.mac_key, t.mac_key_len, mac_b64, mac_cap, 0) !=
		    0) {
		tt_err("issue: cannot encode base64");
		goto out;
	}
	rc = 0;
out:
	tpa_token_wipe(&t);
	if (rc != 0) {
		OPENSSL_cleanse(tok_b64, tok_cap);
		OPENSSL_cleanse(mac_b64, mac_cap);
	}
	return rc;
}

/* The response object, owned by the caller (json_decref), or NULL after
 * printing an error. Its strings are wiped when it is freed (main installs
 * tt_wipe_free for jansson). */
static json_t *response(const struct issue_opts *o, const uint8_t *tok,
			size_t tok_len, const char *tok_b64,
			const char *mac_b64)
{
	json_t *ice = tt_ice_server(&o->urls, o->server_name, o->kid, tok,
				    tok_len, mac_b64);
	json_t *resp = ice != NULL ? json_object() : NULL;

	if (ice == NULL)
		return NULL;
	if (resp == NULL ||
	    json_object_set_new(resp, "access_token", json_string(tok_b64)) ||
	    json_object_set_new(resp, "token_type", json_string("pop")) ||
	    json_object_set_new(resp, "expires_in",
				json_integer((json_int_t)o->lifetime)) ||
	    json_object_set_new(resp, "kid", json_string(o->kid)) ||
	    json_object_set_new(resp, "key", json_string(mac_b64)) ||
	    json_object_set_new(resp, "alg",
				json_string(tt_mac_alg_name(o->mac_key_len))) ||
	    json_object_set(resp, "ice_server", ice)) {
		tt_err("issue: out of memory");
		json_decref(resp);
		resp = NULL;
	}
	json_decref(ice);
	return resp;
}

/* Prints the whole response, or the raw value of one field, and a newline.
 * Returns 0 or TT_EXIT_USAGE. */
static int print_response(const json_t *resp, const char *field)
{
	char *text = NULL;
	int rc = TT_EXIT_USAGE, n;

	if (field == NULL) {
		text = json_dumps(resp, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		if (text == NULL) {
			tt_err("issue: out of memory");
			return TT_EXIT_USAGE;
		}
		n = printf("%s\n", text);
		tt_wipe_free(text); /* allocated by jansson, i.e. malloc */
	} else {
		const json_t *v = json_object_get(resp, field);

		if (json_is_integer(v))
			n = printf("%" JSON_INTEGER_FORMAT "\n",
				   json_integer_value(v));
		else if (json_is_object(v)) {
			text = json_dumps(v,
					  JSON_COMPACT | JSON_PRESERVE_ORDER);
			if (text == NULL) {
				tt_err("issue: out of memory");
				return TT_EXIT_USAGE;
			}
			n = printf("%s\n", text);
			tt_wipe_free(text);
		} else
			n = printf("%s\n", json_string_value(v));
	}
	if (n < 0 || fflush(stdout) != 0)
		tt_err("issue: cannot write to standard output");
	else
		rc = 0;
	return rc;
}

int tt_issue_run(int argc, char **argv)
{
	char load_err[LOAD_ERR_LEN];
	char tok_b64[TOKEN_B64_MAX], mac_b64[MAC_KEY_B64_MAX];
	uint8_t tok[TPA_TOKEN_MAX_LEN];
	size_t tok_len = 0;
	struct tpa_keyset *ks = NULL;
	const struct tpa_key *key;
	struct issue_opts o;
	json_t *resp = NULL;
	int rc;

	rc = parse_args(argc, argv, &o);
	if (rc != 0)
		return rc < 0 ? TT_EXIT_OK : rc;
	rc = TT_EXIT_USAGE;
	ks = tpa_keyset_load_file(o.keys, load_err, sizeof(load_err));
	if (ks == NULL) {
		tt_err("%s", load_err);
		goto out;
	}
	key = usable_key(ks, &o);
	if (key == NULL || seal(key, &o, tok, &tok_len, tok_b64,
				sizeof(tok_b64), mac_b64, sizeof(mac_b64)))
		goto out;
	resp = response(&o, tok, tok_len, tok_b64, mac_b64);
	if (resp == NULL)
		goto out;
	/* unbuffered: the mac_key is written from our own buffers only */
	setvbuf(stdout, NULL, _IONBF, 0);
	rc = print_response(resp, o.field);
out:
	OPENSSL_cleanse(mac_b64, sizeof(mac_b64));
	json_decref(resp);
	tpa_keyset_free(ks);
	return rc;
}
