/*
 * turn-token revoke: marks a token (given whole, from a file or standard
 * input, or by the id the logs print) or every token of a kid as revoked
 * in the fleet's Redis, and announces it on the revocation channel, so
 * that every coturn-tpa node refuses it from now on and ends the live
 * sessions it authorized (tpa_redis_keys.h has the layout).
 *
 * The revocation expires when the token would have (its first use's
 * record in Redis knows when, else the token itself with the key set),
 * or a kid's when its key does (its exp), else after --ttl.  A token is
 * never taken from the command line, which every local user can read in
 * /proc/PID/cmdline.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "tpa_b64.h"
#include "tpa_browser_username.h"
#include "tpa_config.h"
#include "tpa_keyset.h"
#include "tpa_redis.h"
#include "tpa_redis_keys.h"
#include "tpa_token.h"
#include "turn_token.h"

#define TEXT_MAX 8192 /* bytes of a token file we read */
#define TIMEOUT_MS_DEFAULT 2000
#define LOAD_ERR_LEN (TPA_KEYSET_ERR_LEN + 4096)
#define TTL_MAX (UINT64_C(10) * 365 * 86400)
/* A revocation that ends now still holds this long: the announcement
 * ends the live sessions, the record catches a node that missed it. */
#define MIN_HOLD 60

struct revoke_opts {
	const char *redis_url;	 /* --redis */
	const char *config;	 /* --config */
	const char *token_file;	 /* --token-file, "-": stdin */
	const char *id;		 /* --id */
	const char *kid;	 /* --kid */
	const char *keys;	 /* --keys, or the config's key-set */
	const char *server_name; /* --server-name */
	uint64_t ttl;		 /* --ttl, 0: not given */
	uint64_t skew;		 /* --skew, or the config's */
	int have_skew;
	uint64_t timeout_ms; /* --timeout-ms */
	int have_timeout;
};

/* What is revoked, and until when. */
struct target {
	char id[TPA_TOKEN_ID_LEN + 1];	  /* a token's, or "" for a kid */
	char kid[TPA_KID_MAX + 1];	  /* a kid, or a browser token's */
	uint8_t token[TPA_TOKEN_MAX_LEN]; /* the token, when given */
	size_t token_len;		  /* 0: given by id or kid */
	uint64_t until;			  /* Unix s */
	const char *source;		  /* where until came from */
};

static void revoke_usage(FILE *f)
{
	fputs("Usage: turn-token revoke (--redis URL | --config PLUGIN.CONF)\n"
	      "                         (--token-file FILE|- | --id ID | "
	      "--kid KID)\n"
	      "                         [--keys FILE --server-name NAME] "
	      "[--skew SECONDS]\n"
	      "                         [--ttl SECONDS] [--timeout-ms N]\n"
	      "\n"
	      "Revokes a token, or every token of a kid, in the fleet's "
	      "Redis and\n"
	      "announces it on tpa:revoke: every coturn-tpa node refuses it "
	      "from now on\n"
	      "and ends the live allocations it authorized.\n"
	      "\n"
	      "  --redis URL         redis://[user:password@]HOST:PORT[/DB] "
	      "or unix:PATH\n"
	      "  --config FILE       the plugin's configuration: its Redis "
	      "settings, its\n"
	      "                      key-set and clock-skew\n"
	      "  --token-file FILE   the token (base64, a browser username, "
	      "or the JSON of\n"
	      "                      turn-token issue) from FILE, \"-\": "
	      "stdin\n"
	      "  --id ID             the token id the logs print (16 hex "
	      "characters)\n"
	      "  --kid KID           every token of this key\n"
	      "  --keys FILE         JWK set: a token's end, a kid's exp\n"
	      "  --server-name NAME  STUN server name, to open a token "
	      "with --keys\n"
	      "  --skew SECONDS      clock skew added to a token's end "
	      "(default 5)\n"
	      "  --ttl SECONDS       how long the revocation holds when "
	      "nothing else tells\n"
	      "  --timeout-ms N      Redis connect and command timeout "
	      "(default 2000)\n"
	      "  -h, --help          this help\n"
	      "\n"
	      "A token's revocation lasts until the token would have ended "
	      "(from its first\n"
	      "use's record in Redis, else from the token opened with "
	      "--keys, else --ttl);\n"
	      "a kid's until its key's exp, else --ttl.\n"
	      "Exit status: 0 revoked, 2 usage, I/O or Redis error.\n",
	      f);
}

static int parse_args(int argc, char **argv, struct revoke_opts *o)
{
	static const struct option opts[] = {
		{"redis", required_argument, NULL, 'r'},
		{"config", required_argument, NULL, 'c'},
		{"token-file", required_argument, NULL, 'f'},
		{"id", required_argument, NULL, 'i'},
		{"kid", required_argument, NULL, 'k'},
		{"keys", required_argument, NULL, 'K'},
		{"server-name", required_argument, NULL, 's'},
		{"ttl", required_argument, NULL, 't'},
		{"skew", required_argument, NULL, 'S'},
		{"timeout-ms", required_argument, NULL, 'T'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c, bad = 0, targets;

	memset(o, 0, sizeof(*o));
	o->skew = 5;
	o->timeout_ms = TIMEOUT_MS_DEFAULT;
	opterr = 0;
	while (!bad && (c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			o->redis_url = optarg;
			break;
		case 'c':
			o->config = optarg;
			break;
		case 'f':
			o->token_file = optarg;
			break;
		case 'i':
			o->id = optarg;
			break;
		case 'k':
			o->kid = optarg;
			break;
		case 'K':
			o->keys = optarg;
			break;
		case 's':
			o->server_name = optarg;
			break;
		case 't':
			bad = tt_parse_u64("revoke: --ttl", optarg, TTL_MAX,
					   &o->ttl) != 0;
			if (!bad && o->ttl == 0) {
				tt_err("revoke: --ttl: at least 1 second");
				bad = 1;
			}
			break;
		case 'S':
			bad = tt_parse_u64("revoke: --skew", optarg, 3600,
					   &o->skew) != 0;
			o->have_skew = 1;
			break;
		case 'T':
			bad = tt_parse_u64("revoke: --timeout-ms", optarg,
					   60000, &o->timeout_ms) != 0;
			if (!bad && o->timeout_ms == 0) {
				tt_err("revoke: --timeout-ms: at least 1");
				bad = 1;
			}
			o->have_timeout = 1;
			break;
		case 'h':
			revoke_usage(stdout);
			return -1;
		default:
			return tt_option_error("revoke", c, argv);
		}
	}
	if (bad)
		return TT_EXIT_USAGE;
	if (optind < argc) {
		/* a token there would be in /proc/PID/cmdline for all */
		tt_err("revoke: unexpected argument (%zu characters): give a "
		       "token with --token-file FILE or --token-file - "
		       "(standard input), never on the command line",
		       strlen(argv[optind]));
		return TT_EXIT_USAGE;
	}
	if (!o->redis_url == !o->config) {
		tt_err("revoke: give one of --redis URL and --config FILE");
		return TT_EXIT_USAGE;
	}
	targets = !!o->token_file + !!o->id + !!o->kid;
	if (targets != 1) {
		tt_err("revoke: give one of --token-file, --id and --kid");
		return TT_EXIT_USAGE;
	}
	if (o->id && !tpa_keys_token_id_valid(o->id, strlen(o->id))) {
		tt_err("revoke: --id: a token id is 16 characters 0-9 a-f, "
		       "as the logs print it");
		return TT_EXIT_USAGE;
	}
	if (o->kid && tt_check_kid("revoke: --kid", o->kid) != 0)
		return TT_EXIT_USAGE;
	if (o->server_name &&
	    tt_check_server_name("revoke: --server-name", o->server_name))
		return TT_EXIT_USAGE;
	return 0;
}

/* The Redis to talk to, from --redis or the plugin's config (whose
 * key-set and clock-skew serve as --keys and --skew unless given). */
static int redis_options(struct revoke_opts *o, struct tpa_config *cfg,
			 struct tpa_redis_options *ro)
{
	char err[TPA_CONFIG_ERR_LEN];

	tpa_redis_options_init(ro);
	if (o->redis_url) {
		if (tpa_redis_parse_url(o->redis_url, ro, err, sizeof(err))) {
			tt_err("revoke: --redis: %s", err);
			return TT_EXIT_USAGE;
		}
	} else {
		if (tpa_config_load(o->config, cfg, err, sizeof(err)) != 0) {
			tt_err("revoke: %s", err);
			return TT_EXIT_USAGE;
		}
		if (cfg->redis.mode == TPA_REDIS_OFF) {
			tt_err("revoke: %s sets no Redis (redis, "
			       "redis-sentinel or redis-cluster)",
			       o->config);
			return TT_EXIT_USAGE;
		}
		*ro = cfg->redis;
		if (!o->keys)
			o->keys = cfg->key_set;
		if (!o->have_skew)
			o->skew = cfg->clock_skew;
		if (!o->have_timeout)
			o->timeout_ms = TIMEOUT_MS_DEFAULT;
	}
	ro->timeout_ms = (uint32_t)o->timeout_ms;
	return 0;
}

/* Reads FILE ("-": stdin) into buf (cap bytes, NUL added). */
static int read_text(const char *path, char *buf, size_t cap, size_t *len)
{
	int is_stdin = strcmp(path, "-") == 0;
	FILE *f = is_stdin ? stdin : fopen(path, "rb");
	size_t n;
	int rc = 0;

	if (!f) {
		tt_err("revoke: %s: %s", path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, cap - 1, f);
	if (ferror(f)) {
		tt_err("revoke: %s: read error", is_stdin ? "stdin" : path);
		rc = -1;
	} else if (n == cap - 1) {
		tt_err("revoke: %s: too long for a token",
		       is_stdin ? "stdin" : path);
		rc = -1;
	}
	buf[n] = '\0';
	*len = n;
	if (!is_stdin)
		fclose(f);
	return rc;
}

/* The JSON of turn-token issue: its access_token into text (in place). */
static int issue_json(char *text, size_t *len)
{
	json_error_t jerr;
	json_t *doc = json_loadb(text, *len, 0, &jerr);
	json_t *tok = doc ? json_object_get(doc, "access_token") : NULL;
	int rc = -1;

	if (json_is_string(tok) && json_string_length(tok) < *len) {
		*len = json_string_length(tok);
		memcpy(text, json_string_value(tok), *len);
		text[*len] = '\0';
		rc = 0;
	}
	json_decref(doc);
	if (rc)
		tt_err("revoke: the token file is JSON without a string "
		       "access_token");
	return rc;
}

/* The token of --token-file into t->token, its id and (browser username)
 * its kid. */
static int read_token(const struct revoke_opts *o, struct target *t)
{
	char text[TEXT_MAX], *p = text, why[TPA_BROWSER_USERNAME_WHY_LEN];
	struct tpa_browser_username u;
	size_t len;
	int rc = TT_EXIT_USAGE;

	if (read_text(o->token_file, text, sizeof(text), &len) != 0)
		goto out;
	while (len > 0 && strchr(" \t\r\n", p[len - 1]))
		p[--len] = '\0';
	while (len > 0 && strchr(" \t\r\n", *p)) {
		p++;
		len--;
	}
	if (len > 0 && *p == '{' && issue_json(p, &len) != 0)
		goto out;
	switch (tpa_browser_username_parse(p, len, &u, why, sizeof(why))) {
	case TPA_BROWSER_USERNAME_OK:
		if (u.token_len > sizeof(t->token)) {
			tt_err("revoke: the username's token is too long");
			goto out;
		}
		memcpy(t->token, u.token, u.token_len);
		t->token_len = u.token_len;
		memcpy(t->kid, u.kid, sizeof(t->kid));
		break;
	case TPA_BROWSER_USERNAME_BAD:
		tt_err("revoke: browser username: %s", why);
		goto out;
	default:
		if (tpa_b64_decode(p, len, t->token, sizeof(t->token),
				   &t->token_len, 0) != 0 &&
		    tpa_b64_decode(p, len, t->token, sizeof(t->token),
				   &t->token_len, 1) != 0) {
			tt_err("revoke: the token file holds no base64 token "
			       "(%zu characters)",
			       len);
			goto out;
		}
	}
	tpa_token_id(t->token, t->token_len, t->id);
	rc = 0;
out:
	OPENSSL_cleanse(text, sizeof(text));
	OPENSSL_cleanse(&u, sizeof(u));
	return rc;
}

/* The time in effect from the reply of a revoke script, or 0. */
static uint64_t script_time(const redisReply *r)
{
	return r && r->type == REDIS_REPLY_INTEGER && r->integer > 0
		       ? (uint64_t)r->integer
		       : 0;
}

/* When the token's record of its first use expires, or 0 if it has none
 * (never used, or already gone). */
static int use_record_end(struct tpa_redis *r, const struct target *t,
			  uint64_t *end)
{
	char key[TPA_KEYS_KEY_MAX], err[TPA_REDIS_ERR_LEN];
	const char *argv[2] = {"EXPIRETIME", key};
	size_t len[2] = {10, 0};
	redisReply *reply = NULL;

	len[1] = tpa_keys_token_key(t->id, TPA_KEYS_USE, key);
	if (tpa_redis_command(r, key, 2, argv, len, &reply, err, sizeof(err)) !=
	    TPA_REDIS_OK) {
		tt_err("revoke: Redis: %s", err);
		return -1;
	}
	*end = script_time(reply);
	freeReplyObject(reply);
	return 0;
}

/* Opens the token with the key set: its end + skew into t->until.
 * Returns 0, 1 if it cannot be opened, -1 on an error already told. */
static int token_end(const struct revoke_opts *o, struct target *t)
{
	char load_err[LOAD_ERR_LEN], why[TPA_TOKEN_WHY_LEN];
	struct tpa_keyset *ks =
		tpa_keyset_load_file(o->keys, load_err, sizeof(load_err));
	struct tpa_token tok;
	int rc = 1;

	if (!ks) {
		tt_err("revoke: %s", load_err);
		return -1;
	}
	for (size_t i = 0; i < tpa_keyset_count(ks) && rc == 1; i++) {
		const struct tpa_key *k = tpa_keyset_at(ks, i);

		if (t->kid[0] && strcmp(t->kid, k->kid))
			continue;
		if (tpa_token_decode(k->k, k->k_len, o->server_name, t->token,
				     t->token_len, &tok, why,
				     sizeof(why)) == TPA_TOKEN_OK) {
			t->until = tpa_token_expiry(&tok) + o->skew;
			snprintf(t->kid, sizeof(t->kid), "%s", k->kid);
			rc = 0;
		}
		tpa_token_wipe(&tok);
	}
	tpa_keyset_free(ks);
	return rc;
}

/* A token's end: its first use's record, else the token itself, else
 * --ttl. */
static int token_until(struct tpa_redis *r, const struct revoke_opts *o,
		       struct target *t)
{
	uint64_t end = 0;

	if (use_record_end(r, t, &end) != 0)
		return TT_EXIT_USAGE;
	if (end) {
		t->until = end;
		t->source = "its first use in Redis";
		return 0;
	}
	if (t->token_len && o->keys && o->server_name) {
		int rc = token_end(o, t);

		if (rc < 0)
			return TT_EXIT_USAGE;
		if (rc == 0) {
			t->source = "the token's end and the skew";
			return 0;
		}
		if (!o->ttl) {
			tt_err("revoke: no key of %s opens token %s for "
			       "server name '%s'; give --ttl SECONDS",
			       o->keys, t->id, o->server_name);
			return TT_EXIT_USAGE;
		}
	}
	if (o->ttl) {
		t->until = tt_now() + o->ttl;
		t->source = "--ttl";
		return 0;
	}
	tt_err("revoke: token %s was never used (no %s in Redis), so Redis "
	       "cannot tell when it ends; give %s or --ttl SECONDS",
	       t->id, "tpa:{ID}:use",
	       t->token_len ? "--keys and --server-name"
			    : "the token with --token-file");
	return TT_EXIT_USAGE;
}

/* A kid's end: its key's exp in the key set, else --ttl. */
static int kid_until(const struct revoke_opts *o, struct target *t)
{
	struct tpa_keyset *ks = NULL;
	const struct tpa_key *k = NULL;

	if (o->keys) {
		char load_err[LOAD_ERR_LEN];

		ks = tpa_keyset_load_file(o->keys, load_err, sizeof(load_err));
		if (!ks) {
			tt_err("revoke: %s", load_err);
			return TT_EXIT_USAGE;
		}
		k = tpa_keyset_find(ks, t->kid);
	}
	if (k && k->has_exp && k->exp > 0) {
		t->until = (uint64_t)k->exp + o->skew;
		t->source = "the key's exp and the skew";
	} else if (o->ttl) {
		t->until = tt_now() + o->ttl;
		t->source = "--ttl";
	} else {
		tt_err("revoke: %s; give --ttl SECONDS (at least the longest "
		       "lifetime of its tokens)",
		       !o->keys ? "no --keys to read the kid's exp from"
		       : !k	? "the kid is not in the key set"
				: "the key has no exp");
		tpa_keyset_free(ks);
		return TT_EXIT_USAGE;
	}
	tpa_keyset_free(ks);
	return 0;
}

/* Runs one revoke script; *until gets the time in effect. */
static int run_script(struct tpa_redis *r, const char *body, const char *key,
		      int nargs, const char **args, uint64_t *until)
{
	struct tpa_redis_script s = {body, ""};
	char err[TPA_REDIS_ERR_LEN];
	size_t keylen = strlen(key), arglen[2];
	redisReply *reply = NULL;

	for (int i = 0; i < nargs; i++)
		arglen[i] = strlen(args[i]);
	if (tpa_redis_script_init(&s) != 0) {
		tt_err("revoke: cannot hash a script");
		return TT_EXIT_USAGE;
	}
	if (tpa_redis_eval(r, &s, 1, &key, &keylen, nargs, args, arglen, &reply,
			   err, sizeof(err)) != TPA_REDIS_OK) {
		tt_err("revoke: Redis: %s", err);
		return TT_EXIT_USAGE;
	}
	*until = script_time(reply);
	freeReplyObject(reply);
	if (!*until) {
		tt_err("revoke: Redis answered the revocation unexpectedly");
		return TT_EXIT_USAGE;
	}
	return 0;
}

/* Announces the revocation; prints how many subscribers heard it. */
static int publish(struct tpa_redis *r, const struct target *t)
{
	char msg[TPA_KEYS_MESSAGE_MAX], err[TPA_REDIS_ERR_LEN];
	const char *argv[3] = {"PUBLISH", TPA_KEYS_CHANNEL, msg};
	size_t len[3] = {7, sizeof(TPA_KEYS_CHANNEL) - 1, 0};
	redisReply *reply = NULL;

	len[2] = tpa_keys_message_make(t->id[0] ? TPA_MSG_TOKEN : TPA_MSG_KID,
				       t->id[0] ? t->id : t->kid, msg);
	if (len[2] == 0) {
		tt_err("revoke: cannot make the announcement");
		return TT_EXIT_USAGE;
	}
	if (tpa_redis_command(r, NULL, 3, argv, len, &reply, err,
			      sizeof(err)) != TPA_REDIS_OK) {
		tt_err("revoke: Redis: %s (the revocation is recorded: the "
		       "nodes end its sessions within %d s)",
		       err, TPA_KEYS_RENEW_EVERY);
		return TT_EXIT_USAGE;
	}
	printf("announced on %s to %lld subscribers\n", TPA_KEYS_CHANNEL,
	       reply->type == REDIS_REPLY_INTEGER ? reply->integer : 0LL);
	freeReplyObject(reply);
	return 0;
}

static int revoke(struct tpa_redis *r, const struct revoke_opts *o,
		  struct target *t)
{
	char until[24], when[TT_ISO_LEN];
	const char *args[2] = {until, t->kid};
	uint64_t now = tt_now(), in_effect = 0;
	int rc = t->id[0] ? token_until(r, o, t) : kid_until(o, t);

	if (rc != 0)
		return rc;
	if (t->until < now + MIN_HOLD)
		t->until = now + MIN_HOLD;
	snprintf(until, sizeof(until), "%" PRIu64, t->until);
	if (t->id[0]) {
		char key[TPA_KEYS_KEY_MAX];

		tpa_keys_token_key(t->id, TPA_KEYS_REVOKED, key);
		rc = run_script(r, tpa_keys_revoke_token_lua, key, 1, args,
				&in_effect);
	} else {
		rc = run_script(r, tpa_keys_revoke_kid_lua,
				TPA_KEYS_REVOKED_KIDS, 2, args, &in_effect);
	}
	if (rc != 0)
		return rc;
	tt_format_time(in_effect, when);
	if (t->id[0])
		printf("revoked token %s until %s (from %s)\n", t->id, when,
		       in_effect == t->until ? t->source
					     : "an earlier revocation");
	else
		printf("revoked kid '%s' until %s (from %s)\n", t->kid, when,
		       in_effect == t->until ? t->source
					     : "an earlier revocation");
	return publish(r, t);
}

int tt_revoke_run(int argc, char **argv)
{
	struct revoke_opts o;
	struct tpa_config cfg;
	struct tpa_redis_options ro;
	struct tpa_redis *r = NULL;
	struct target t;
	int rc;

	memset(&cfg, 0, sizeof(cfg));
	memset(&t, 0, sizeof(t));
	tpa_redis_options_init(&ro);
	rc = parse_args(argc, argv, &o);
	if (rc != 0)
		return rc < 0 ? TT_EXIT_OK : rc;
	rc = redis_options(&o, &cfg, &ro);
	if (rc != 0)
		goto out;
	rc = TT_EXIT_USAGE;
	if (o.token_file && read_token(&o, &t) != 0)
		goto out;
	if (o.id)
		memcpy(t.id, o.id, sizeof(t.id));
	if (o.kid)
		snprintf(t.kid, sizeof(t.kid), "%s", o.kid);
	r = tpa_redis_new(&ro);
	if (!r) {
		tt_err("revoke: out of memory");
		goto out;
	}
	rc = revoke(r, &o, &t);
out:
	tpa_redis_free(r);
	tpa_redis_options_wipe(&ro);
	tpa_config_wipe(&cfg);
	OPENSSL_cleanse(&t, sizeof(t));
	return rc;
}
