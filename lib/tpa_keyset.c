/* tpa_keyset: JWK set loader (RFC 7517) on jansson. See tpa_keyset.h. */
#include "tpa_keyset.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "tpa_b64.h"

#define MSG_LEN 320	/* one detail message */
#define SHOW_MAX 32	/* characters of a bad value shown in errors */
#define K_CHARS_MAX 128 /* longer k strings are not even decoded */

struct tpa_keyset {
	size_t n;	      /* number of keys, 1..TPA_KEYSET_MAX_KEYS */
	struct tpa_key *keys; /* n keys, file order */
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void show(char *dst, size_t cap, const char *s);
static void strip_near(char *text);
static int get_str(json_t *obj, const char *name, int required,
		   const char **val, char *msg);
static int get_int(json_t *obj, const char *name, int64_t *val, char *msg);
static int parse_kid(json_t *obj, struct tpa_key *key, char *msg);
static int parse_k(json_t *obj, const char *alg, struct tpa_key *key,
		   char *msg);
static int parse_key(json_t *obj, struct tpa_key *key, char *msg);
static int check_dup(const struct tpa_keyset *ks, size_t i, char *msg);
static void wipe_json_secrets(json_t *root);
static struct tpa_keyset *from_json(json_t *root, char *err, size_t errlen);

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Copies an untrusted value for an error message: printable, bounded. */
static void show(char *dst, size_t cap, const char *s)
{
	size_t i;

	for (i = 0; i < SHOW_MAX && cap - i > 4 && s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];
		dst[i] = (c < 0x20 || c > 0x7e || c == '"' || c == '\\')
				 ? '?'
				 : (char)c;
	}
	if (s[i] != '\0' && cap - i > 3) {
		memcpy(dst + i, "...", 3);
		i += 3;
	}
	dst[i] = '\0';
}

/*
 * Cuts jansson's " near '<input text>'" from an error: the quoted text may
 * be part of a key (e.g. a bad escape inside "k"). Line and column stay.
 */
static void strip_near(char *text)
{
	char *near = strstr(text, " near '");

	if (near != NULL)
		*near = '\0';
}

/* 1: string found, 0: absent and optional, -1: error (msg set). */
static int get_str(json_t *obj, const char *name, int required,
		   const char **val, char *msg)
{
	json_t *v = json_object_get(obj, name);

	*val = NULL;
	if (v == NULL) {
		if (!required)
			return 0;
		snprintf(msg, MSG_LEN, "missing %s", name);
		return -1;
	}
	if (!json_is_string(v)) {
		snprintf(msg, MSG_LEN, "%s is not a string", name);
		return -1;
	}
	if (strlen(json_string_value(v)) != json_string_length(v)) {
		snprintf(msg, MSG_LEN, "%s contains a NUL byte", name);
		return -1;
	}
	*val = json_string_value(v);
	return 1;
}

/* 1: non-negative integer found, 0: absent, -1: error (msg set). */
static int get_int(json_t *obj, const char *name, int64_t *val, char *msg)
{
	json_t *v = json_object_get(obj, name);

	*val = 0;
	if (v == NULL)
		return 0;
	if (!json_is_integer(v)) {
		snprintf(msg, MSG_LEN, "%s is not an integer", name);
		return -1;
	}
	if (json_integer_value(v) < 0) {
		snprintf(msg, MSG_LEN, "%s is negative", name);
		return -1;
	}
	*val = (int64_t)json_integer_value(v);
	return 1;
}

static int parse_kid(json_t *obj, struct tpa_key *key, char *msg)
{
	const char *kid;
	size_t len, bad = 0;

	if (get_str(obj, "kid", 1, &kid, msg) < 0)
		return -1;
	len = strlen(kid);
	if (len == 0) {
		snprintf(msg, MSG_LEN, "kid is empty");
		return -1;
	}
	if (len > TPA_KID_MAX) {
		snprintf(msg, MSG_LEN, "kid is %zu bytes, at most %d", len,
			 TPA_KID_MAX);
		return -1;
	}
	if (!tpa_jwk_kid_valid(kid, len, &bad)) {
		snprintf(msg, MSG_LEN,
			 "kid has a space or a byte that is not printable "
			 "ASCII at offset %zu",
			 bad);
		return -1;
	}
	memcpy(key->kid, kid, len + 1);
	return 0;
}

/* Decodes k (base64url) and checks its length against alg. */
static int parse_k(json_t *obj, const char *alg, struct tpa_key *key, char *msg)
{
	uint8_t buf[K_CHARS_MAX / 4 * 3];
	size_t chars, n = 0;
	const char *k;
	int rc = -1;

	if (get_str(obj, "k", 1, &k, msg) < 0)
		return -1;
	chars = strlen(k);
	if (chars > K_CHARS_MAX) {
		snprintf(msg, MSG_LEN, "k is %zu characters, too long for %s",
			 chars, alg);
		return -1;
	}
	if (tpa_b64_decode(k, chars, buf, sizeof(buf), &n, 1) != 0) {
		snprintf(msg, MSG_LEN, "k is not valid base64url");
		goto out;
	}
	if (n != tpa_jwk_alg_key_len(alg)) {
		snprintf(msg, MSG_LEN, "k is %zu bytes, %s needs %zu", n, alg,
			 tpa_jwk_alg_key_len(alg));
		goto out;
	}
	memcpy(key->k, buf, n);
	key->k_len = n;
	rc = 0;
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

/* Parses every member except kid (already parsed into key). */
static int parse_key(json_t *obj, struct tpa_key *key, char *msg)
{
	char shown[SHOW_MAX + 4];
	const char *s;
	int r;

	if (get_str(obj, "kty", 1, &s, msg) < 0)
		return -1;
	if (strcmp(s, "oct") != 0) {
		show(shown, sizeof(shown), s);
		snprintf(msg, MSG_LEN, "kty is \"%s\", expected \"oct\"",
			 shown);
		return -1;
	}
	if (get_str(obj, "alg", 1, &s, msg) < 0)
		return -1;
	if (tpa_jwk_alg_key_len(s) == 0) {
		show(shown, sizeof(shown), s);
		snprintf(msg, MSG_LEN,
			 "alg \"%s\" is not supported (use A128GCM or "
			 "A256GCM)",
			 shown);
		return -1;
	}
	if (parse_k(obj, s, key, msg) < 0)
		return -1;
	if (get_str(obj, "use", 0, &s, msg) < 0)
		return -1;
	if (s != NULL && strcmp(s, "enc") != 0) {
		show(shown, sizeof(shown), s);
		snprintf(msg, MSG_LEN, "use is \"%s\", expected \"enc\"",
			 shown);
		return -1;
	}
	if ((r = get_int(obj, "nbf", &key->nbf, msg)) < 0)
		return -1;
	key->has_nbf = r;
	if ((r = get_int(obj, "exp", &key->exp, msg)) < 0)
		return -1;
	key->has_exp = r;
	if (key->has_nbf && key->has_exp && key->exp <= key->nbf) {
		snprintf(msg, MSG_LEN,
			 "exp (%" PRId64 ") is not after nbf (%" PRId64 ")",
			 key->exp, key->nbf);
		return -1;
	}
	return 0;
}

/* Checks keys[i]'s kid against keys[0..i-1]. */
static int check_dup(const struct tpa_keyset *ks, size_t i, char *msg)
{
	size_t j;

	for (j = 0; j < i; j++) {
		if (strcmp(ks->keys[j].kid, ks->keys[i].kid) == 0) {
			snprintf(msg, MSG_LEN, "duplicate kid, also keys[%zu]",
				 j);
			return -1;
		}
	}
	return 0;
}

/* jansson frees strings without wiping: wipe every "k" value first. */
static void wipe_json_secrets(json_t *root)
{
	json_t *keys = json_object_get(root, "keys");
	json_t *item;
	size_t i;

	if (!json_is_array(keys))
		return;
	json_array_foreach (keys, i, item) {
		json_t *k = json_object_get(item, "k");
		if (json_is_string(k))
			OPENSSL_cleanse((char *)(uintptr_t)json_string_value(k),
					json_string_length(k));
	}
}

static struct tpa_keyset *from_json(json_t *root, char *err, size_t errlen)
{
	struct tpa_keyset *ks = NULL;
	char msg[MSG_LEN];
	json_t *keys, *item;
	size_t i, n;

	if (!json_is_object(root)) {
		set_err(err, errlen, "top level is not a JSON object");
		return NULL;
	}
	keys = json_object_get(root, "keys");
	if (keys == NULL) {
		set_err(err, errlen, "missing keys");
		return NULL;
	}
	if (!json_is_array(keys)) {
		set_err(err, errlen, "keys is not an array");
		return NULL;
	}
	n = json_array_size(keys);
	if (n == 0) {
		set_err(err, errlen, "keys is empty");
		return NULL;
	}
	if (n > TPA_KEYSET_MAX_KEYS) {
		set_err(err, errlen, "keys has %zu entries, at most %d", n,
			TPA_KEYSET_MAX_KEYS);
		return NULL;
	}
	ks = calloc(1, sizeof(*ks));
	if (ks == NULL || (ks->keys = calloc(n, sizeof(*ks->keys))) == NULL) {
		set_err(err, errlen, "out of memory");
		free(ks);
		return NULL;
	}
	ks->n = n;
	json_array_foreach (keys, i, item) {
		if (!json_is_object(item)) {
			set_err(err, errlen, "keys[%zu]: not a JSON object", i);
			goto fail;
		}
		if (parse_kid(item, &ks->keys[i], msg) < 0) {
			set_err(err, errlen, "keys[%zu]: %s", i, msg);
			goto fail;
		}
		if (parse_key(item, &ks->keys[i], msg) < 0 ||
		    check_dup(ks, i, msg) < 0) {
			set_err(err, errlen, "keys[%zu] (kid \"%s\"): %s", i,
				ks->keys[i].kid, msg);
			goto fail;
		}
	}
	return ks;
fail:
	tpa_keyset_free(ks);
	return NULL;
}

struct tpa_keyset *tpa_keyset_load_string(const char *json, size_t len,
					  char *err, size_t errlen)
{
	struct tpa_keyset *ks;
	json_error_t jerr;
	json_t *root;

	set_err(err, errlen, "%s", "");
	if (json == NULL) {
		set_err(err, errlen, "no key set text");
		return NULL;
	}
	if (len > TPA_KEYSET_MAX_BYTES) {
		set_err(err, errlen, "key set is %zu bytes, more than 1 MiB",
			len);
		return NULL;
	}
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		strip_near(jerr.text);
		set_err(err, errlen, "invalid JSON at line %d, column %d: %s",
			jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	ks = from_json(root, err, errlen);
	wipe_json_secrets(root);
	json_decref(root);
	return ks;
}

struct tpa_keyset *tpa_keyset_load_file(const char *path, char *err,
					size_t errlen)
{
	struct tpa_keyset *ks = NULL;
	char msg[TPA_KEYSET_ERR_LEN];
	size_t cap = (size_t)TPA_KEYSET_MAX_BYTES + 1, len = 0, got;
	char *buf;
	FILE *f;

	set_err(err, errlen, "%s", "");
	if (path == NULL) {
		set_err(err, errlen, "no key set path");
		return NULL;
	}
	f = fopen(path, "rb");
	if (f == NULL) {
		set_err(err, errlen, "%s: cannot open: %s", path,
			strerror(errno));
		return NULL;
	}
	buf = malloc(cap);
	if (buf == NULL) {
		set_err(err, errlen, "%s: out of memory", path);
		fclose(f);
		return NULL;
	}
	while (len < cap && (got = fread(buf + len, 1, cap - len, f)) > 0)
		len += got;
	if (ferror(f))
		set_err(err, errlen, "%s: cannot read: %s", path,
			strerror(errno));
	else if (len > TPA_KEYSET_MAX_BYTES)
		set_err(err, errlen, "%s: file is bigger than 1 MiB", path);
	else if ((ks = tpa_keyset_load_string(buf, len, msg, sizeof(msg))) ==
		 NULL)
		set_err(err, errlen, "%s: %s", path, msg);
	fclose(f);
	OPENSSL_cleanse(buf, len);
	free(buf);
	return ks;
}

const struct tpa_key *tpa_keyset_find(const struct tpa_keyset *ks,
				      const char *kid)
{
	size_t i;

	if (ks == NULL || kid == NULL)
		return NULL;
	for (i = 0; i < ks->n; i++) {
		if (strcmp(ks->keys[i].kid, kid) == 0)
			return &ks->keys[i];
	}
	return NULL;
}

enum tpa_key_use tpa_key_usable(const struct tpa_key *k, int64_t now)
{
	if (k->has_nbf && now < k->nbf)
		return TPA_KEY_NOT_YET;
	if (k->has_exp && now >= k->exp)
		return TPA_KEY_EXPIRED;
	return TPA_KEY_USABLE;
}

size_t tpa_keyset_count(const struct tpa_keyset *ks)
{
	return ks == NULL ? 0 : ks->n;
}

const struct tpa_key *tpa_keyset_at(const struct tpa_keyset *ks, size_t i)
{
	if (ks == NULL || i >= ks->n)
		return NULL;
	return &ks->keys[i];
}

void tpa_keyset_free(struct tpa_keyset *ks)
{
	if (ks == NULL)
		return;
	if (ks->keys != NULL) {
		OPENSSL_cleanse(ks->keys, ks->n * sizeof(*ks->keys));
		free(ks->keys);
	}
	OPENSSL_cleanse(ks, sizeof(*ks));
	free(ks);
}
