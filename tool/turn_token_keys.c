/*
 * turn-token keys: manages a JWK set file in place, for a key rotation in
 * three commands: add a new key, list the set, retire an old key.
 *
 * add and retire read the set, refuse it if the plugin would refuse it,
 * change the JSON document (other members stay as they are) and replace
 * the file atomically through turn_token_keyfile. list prints kid, alg,
 * nbf, exp and whether the key is usable now: never a key.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "tpa_keyset.h"
#include "turn_token.h"
#include "turn_token_keyfile.h"

#define LOAD_ERR_LEN (TPA_KEYSET_ERR_LEN + PATH_MAX) /* message and path */
#define JWK_MAX 512 /* tpa_jwk_format never needs more */

enum keys_action { KEYS_ADD, KEYS_LIST, KEYS_RETIRE };

struct keys_opts {
	enum keys_action action;
	const char *keys;	 /* path of the JWK set */
	int create;		 /* add: start a new set if there is none */
	struct tt_key_spec spec; /* add: the new key; retire: spec.kid */
	int has_now;		 /* list: --now given */
	uint64_t now;		 /* list: Unix seconds to judge keys at */
	int has_key_option;	 /* --alg, --nbf or --exp given */
};

static void keys_usage(FILE *f);
static int parse_action(const char *s, enum keys_action *a);
static int parse_args(int argc, char **argv, struct keys_opts *o);
static int check_opts(const struct keys_opts *o);
static int load_doc(const struct tt_keyfile *kf, json_t **root,
		    struct tpa_keyset **ks);
static int write_doc(struct tt_keyfile *kf, json_t *root, size_t *count);
static int add_key(const struct keys_opts *o, json_t *root,
		   const struct tpa_keyset *ks, char *kid_out);
static int retire_key(const struct keys_opts *o, json_t *root,
		      const struct tpa_keyset *ks);
static int change(const struct keys_opts *o);
static void print_time(int has, int64_t t);
static int list(const struct keys_opts *o);

static void keys_usage(FILE *f)
{
	fputs("Usage: turn-token keys add --keys FILE [--create] [--kid KID]\n"
	      "                           [--alg A256GCM|A128GCM] "
	      "[--nbf UNIX] [--exp UNIX]\n"
	      "       turn-token keys list --keys FILE [--now UNIX]\n"
	      "       turn-token keys retire --keys FILE --kid KID\n"
	      "\n"
	      "Manages a JSON Web Key set file: add makes a new random key "
	      "and adds\n"
	      "it, list shows kid, alg, nbf, exp and state of each key (never "
	      "the key),\n"
	      "retire removes a key. add and retire write a new file (mode "
	      "0600,\n"
	      "owned as the old one, or as its directory for a new set) and "
	      "rename\n"
	      "it over the old one, so the server never reads half a set.\n"
	      "\n"
	      "  --keys FILE  the key set\n"
	      "  --create     add: start a new set when FILE does not exist\n"
	      "  --kid KID    add: the new key's id (default: today's UTC "
	      "date and a\n"
	      "               random suffix); retire: the key to remove\n"
	      "  --alg ALG    add: A256GCM (32-byte key, default) or A128GCM\n"
	      "  --nbf UNIX   add: the key is not valid before this Unix time\n"
	      "  --exp UNIX   add: the key is not valid from this Unix time "
	      "on\n"
	      "  --now UNIX   list: judge the keys at this time (default: "
	      "now)\n"
	      "  -h, --help   this help\n",
	      f);
}

static int parse_action(const char *s, enum keys_action *a)
{
	if (strcmp(s, "add") == 0)
		*a = KEYS_ADD;
	else if (strcmp(s, "list") == 0)
		*a = KEYS_LIST;
	else if (strcmp(s, "retire") == 0)
		*a = KEYS_RETIRE;
	else
		return -1;
	return 0;
}

/* Fills *o from the command line after "keys". Returns -1 to exit 0
 * (--help), 0 to go on, or TT_EXIT_USAGE. */
static int parse_args(int argc, char **argv, struct keys_opts *o)
{
	static const struct option opts[] = {
		{"keys", required_argument, NULL, 'f'},
		{"create", no_argument, NULL, 'c'},
		{"kid", required_argument, NULL, 'k'},
		{"alg", required_argument, NULL, 'a'},
		{"nbf", required_argument, NULL, 'n'},
		{"exp", required_argument, NULL, 'e'},
		{"now", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->spec.alg = "A256GCM";
	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		keys_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? TT_EXIT_USAGE : -1;
	}
	if (parse_action(argv[1], &o->action) != 0) {
		tt_err("keys: unknown action \"%s\" (add, list or retire)",
		       argv[1]);
		return TT_EXIT_USAGE;
	}
	argc--;
	argv++; /* getopt_long starts after argv[0], the action */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->keys = optarg;
			break;
		case 'c':
			o->create = 1;
			break;
		case 'a':
		case 'n':
		case 'e':
			o->has_key_option = 1;
			/* fall through */
		case 'k':
			if (tt_key_spec_option("keys", c, optarg, &o->spec) !=
			    0)
				return TT_EXIT_USAGE;
			break;
		case 't':
			if (tt_parse_u64("keys: --now", optarg, TT_SECONDS_MAX,
					 &o->now) != 0)
				return TT_EXIT_USAGE;
			o->has_now = 1;
			break;
		case 'h':
			keys_usage(stdout);
			return -1;
		default:
			return tt_option_error("keys", c, argv);
		}
	}
	if (optind < argc) {
		tt_err("keys: unexpected argument \"%s\"", argv[optind]);
		return TT_EXIT_USAGE;
	}
	return check_opts(o);
}

/* Each action takes only its own options. Returns 0 or TT_EXIT_USAGE. */
static int check_opts(const struct keys_opts *o)
{
	const char *stray = NULL;

	if (o->keys == NULL) {
		tt_err("keys: --keys FILE is required");
		return TT_EXIT_USAGE;
	}
	if (o->action != KEYS_ADD && o->create)
		stray = "--create";
	else if (o->action != KEYS_ADD && o->has_key_option)
		stray = "--alg, --nbf and --exp";
	else if (o->action != KEYS_LIST && o->has_now)
		stray = "--now";
	else if (o->action == KEYS_LIST && o->spec.kid != NULL)
		stray = "--kid";
	if (stray != NULL) {
		tt_err("keys: %s cannot be used with this action", stray);
		return TT_EXIT_USAGE;
	}
	if (o->action == KEYS_RETIRE && o->spec.kid == NULL) {
		tt_err("keys: retire needs --kid KID");
		return TT_EXIT_USAGE;
	}
	if (o->action == KEYS_RETIRE)
		return tt_check_kid("keys: --kid", o->spec.kid) == 0
			       ? 0
			       : TT_EXIT_USAGE;
	if (o->action == KEYS_ADD)
		return tt_key_spec_check("keys", &o->spec);
	return 0;
}

/*
 * The set in kf as a JSON document and as loaded keys: a missing file is
 * an empty document and no keys. A set the plugin would refuse is refused
 * here too. Returns 0 or TT_EXIT_USAGE.
 */
static int load_doc(const struct tt_keyfile *kf, json_t **root,
		    struct tpa_keyset **ks)
{
	*ks = NULL;
	*root = NULL;
	if (!kf->exists) {
		*root = json_pack("{s:[]}", "keys");
	} else {
		char err[TPA_KEYSET_ERR_LEN];

		*ks = tpa_keyset_load_string(kf->text, kf->len, err,
					     sizeof(err));
		if (*ks == NULL) {
			tt_err("keys: %s: %s; not changed", kf->path, err);
			return TT_EXIT_USAGE;
		}
		*root = json_loadb(kf->text, kf->len, JSON_REJECT_DUPLICATES,
				   NULL);
	}
	if (*root == NULL) {
		tt_err("keys: out of memory");
		tpa_keyset_free(*ks);
		*ks = NULL;
		return TT_EXIT_USAGE;
	}
	return 0;
}

/*
 * Writes root over the file, after checking that the text loads as a key
 * set (the plugin must never be handed one it refuses). *count gets the
 * number of keys. Returns 0 or TT_EXIT_USAGE. Every copy is wiped.
 */
static int write_doc(struct tt_keyfile *kf, json_t *root, size_t *count)
{
	char err[TPA_KEYSET_ERR_LEN];
	size_t n = json_dumpb(root, NULL, 0, JSON_INDENT(2));
	struct tpa_keyset *check = NULL;
	char *text;
	int rc = TT_EXIT_USAGE;

	text = n > 0 ? malloc(n + 1) : NULL;
	if (text == NULL || json_dumpb(root, text, n, JSON_INDENT(2)) != n) {
		tt_err("keys: cannot format the set");
		free(text);
		return TT_EXIT_USAGE;
	}
	text[n] = '\n';
	check = tpa_keyset_load_string(text, n + 1, err, sizeof(err));
	if (check == NULL)
		tt_err("keys: the new set would not load (%s); not changed",
		       err);
	else
		rc = tt_keyfile_replace("keys", kf, text, n + 1);
	*count = tpa_keyset_count(check);
	tpa_keyset_free(check);
	OPENSSL_cleanse(text, n + 1);
	free(text);
	return rc;
}

/* Appends a new random key to root's keys; its kid goes to kid_out. */
static int add_key(const struct keys_opts *o, json_t *root,
		   const struct tpa_keyset *ks, char *kid_out)
{
	char jwk[JWK_MAX];
	struct tpa_key key;
	json_t *obj = NULL;
	int rc = TT_EXIT_USAGE;

	if (tpa_keyset_count(ks) >= TPA_KEYSET_MAX_KEYS) {
		tt_err("keys: the set already has %d keys, the most a set may "
		       "hold; not changed",
		       TPA_KEYSET_MAX_KEYS);
		return TT_EXIT_USAGE;
	}
	if (tt_key_make(&o->spec, &key) != 0)
		return TT_EXIT_USAGE;
	if (tpa_keyset_find(ks, key.kid) != NULL) {
		tt_err("keys: the set already has a key with kid \"%s\"; not "
		       "changed",
		       key.kid);
		goto out;
	}
	if (tpa_jwk_format(&key, o->spec.alg, jwk, sizeof(jwk)) != 0 ||
	    (obj = json_loads(jwk, 0, NULL)) == NULL ||
	    json_array_append_new(json_object_get(root, "keys"), obj) != 0) {
		tt_err("keys: cannot add the key");
		goto out;
	}
	memcpy(kid_out, key.kid, sizeof(key.kid));
	rc = 0;
out:
	OPENSSL_cleanse(jwk, sizeof(jwk));
	OPENSSL_cleanse(&key, sizeof(key));
	return rc;
}

/* Removes the key named o->spec.kid from root's keys. */
static int retire_key(const struct keys_opts *o, json_t *root,
		      const struct tpa_keyset *ks)
{
	size_t i, n = tpa_keyset_count(ks);

	for (i = 0; i < n; i++)
		if (strcmp(tpa_keyset_at(ks, i)->kid, o->spec.kid) == 0)
			break;
	if (i == n) {
		tt_err("keys: no key with kid \"%s\" in the set; not changed",
		       o->spec.kid);
		return TT_EXIT_USAGE;
	}
	if (n == 1) {
		tt_err("keys: \"%s\" is the only key of the set, and a set "
		       "cannot be empty: add its successor first; not changed",
		       o->spec.kid);
		return TT_EXIT_USAGE;
	}
	/* the loader kept file order: keys[i] is the i-th key */
	if (json_array_remove(json_object_get(root, "keys"), i) != 0) {
		tt_err("keys: cannot remove the key");
		return TT_EXIT_USAGE;
	}
	return 0;
}

/* add or retire: lock, read, change, replace, report. */
static int change(const struct keys_opts *o)
{
	char kid[TPA_KID_MAX + 1] = "";
	struct tpa_keyset *ks = NULL;
	struct tt_keyfile kf;
	json_t *root = NULL;
	size_t count = 0;
	int rc;

	rc = tt_keyfile_open("keys", o->keys,
			     o->action == KEYS_ADD && o->create, &kf);
	if (rc != 0)
		return rc;
	rc = load_doc(&kf, &root, &ks);
	if (rc == 0 && o->action == KEYS_ADD)
		rc = add_key(o, root, ks, kid);
	else if (rc == 0)
		rc = retire_key(o, root, ks);
	if (rc == 0)
		rc = write_doc(&kf, root, &count);
	if (rc == 0)
		printf("%s key \"%s\" %s %s, which now holds %zu key%s\n",
		       o->action == KEYS_ADD ? "added" : "retired",
		       o->action == KEYS_ADD ? kid : o->spec.kid,
		       o->action == KEYS_ADD ? "to" : "from", kf.path, count,
		       count == 1 ? "" : "s");
	json_decref(root); /* the wiping free of main wipes the keys */
	tpa_keyset_free(ks);
	tt_keyfile_close(&kf);
	return rc;
}

static void print_time(int has, int64_t t)
{
	char iso[TT_ISO_LEN];

	if (!has) {
		printf("\t-");
		return;
	}
	tt_format_time((uint64_t)t, iso);
	printf("\t%s", iso);
}

/* Prints one tab-separated line per key, after a header. */
static int list(const struct keys_opts *o)
{
	static const char *const state[] = {
		[TPA_KEY_USABLE] = "usable",
		[TPA_KEY_NOT_YET] = "not yet valid",
		[TPA_KEY_EXPIRED] = "expired",
	};
	char err[LOAD_ERR_LEN];
	struct tpa_keyset *ks;
	uint64_t now = o->has_now ? o->now : tt_now();
	size_t i;

	ks = tpa_keyset_load_file(o->keys, err, sizeof(err));
	if (ks == NULL) {
		tt_err("keys: %s", err);
		return TT_EXIT_USAGE;
	}
	printf("kid\talg\tnbf\texp\tstate\n");
	for (i = 0; i < tpa_keyset_count(ks); i++) {
		const struct tpa_key *k = tpa_keyset_at(ks, i);

		printf("%s\t%s", k->kid,
		       k->k_len == 16 ? "A128GCM" : "A256GCM");
		print_time(k->has_nbf, k->nbf);
		print_time(k->has_exp, k->exp);
		printf("\t%s\n", state[tpa_key_usable(k, (int64_t)now)]);
	}
	tpa_keyset_free(ks);
	if (fflush(stdout) != 0) {
		tt_err("keys: cannot write to standard output");
		return TT_EXIT_USAGE;
	}
	return TT_EXIT_OK;
}

int tt_keys_run(int argc, char **argv)
{
	struct keys_opts o;
	int rc = parse_args(argc, argv, &o);

	if (rc != 0)
		return rc < 0 ? TT_EXIT_OK : rc;
	return o.action == KEYS_LIST ? list(&o) : change(&o);
}
