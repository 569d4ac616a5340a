/*
 * tpa_credential: a TURN client's credential from a JSON file or standard
 * input. See tpa_credential.h for the format and the contract.
 */
#include "tpa_credential.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "tpa_b64.h"

static int fail(struct tpa_credential *cr, char *why, size_t whycap,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int text_member(json_t *root, const char *name, char *out, size_t cap,
		       char *why, size_t whycap, struct tpa_credential *cr);
static int b64_member(json_t *root, const char *name, uint8_t *out, size_t cap,
		      size_t *len, char *why, size_t whycap,
		      struct tpa_credential *cr);
static int check_members(json_t *root, char *why, size_t whycap,
			 struct tpa_credential *cr);
static int from_json(json_t *root, struct tpa_credential *cr, char *why,
		     size_t whycap);
static void wipe_strings(json_t *root);

/* Wipes *cr, writes the reason, returns -1. */
static int fail(struct tpa_credential *cr, char *why, size_t whycap,
		const char *fmt, ...)
{
	tpa_credential_wipe(cr);
	if (why != NULL && whycap > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, whycap, fmt, ap);
		va_end(ap);
	}
	return -1;
}

void tpa_credential_wipe(struct tpa_credential *cr)
{
	if (cr != NULL)
		OPENSSL_cleanse(cr, sizeof(*cr));
}

/* Every member must be one we know: a misspelt "pasword" is an error. */
static int check_members(json_t *root, char *why, size_t whycap,
			 struct tpa_credential *cr)
{
	static const char *const known[] = {
		"username",   "kid",	    "key", "access_token", "password",
		"token_type", "expires_in", "alg", "ice_server"};
	const char *name;
	json_t *value;

	json_object_foreach (root, name, value) {
		size_t i = 0;
		(void)value;
		while (i < sizeof(known) / sizeof(known[0]) &&
		       strcmp(name, known[i]) != 0)
			i++;
		if (i == sizeof(known) / sizeof(known[0]))
			return fail(cr, why, whycap,
				    "unknown member (not one of username, kid, "
				    "key, access_token, password, token_type, "
				    "expires_in, alg, ice_server)");
	}
	return 0;
}

/* A text member into out (cap bytes with the NUL); absent: "" and 0. */
static int text_member(json_t *root, const char *name, char *out, size_t cap,
		       char *why, size_t whycap, struct tpa_credential *cr)
{
	json_t *v = json_object_get(root, name);
	size_t n;

	out[0] = '\0';
	if (v == NULL)
		return 0;
	if (!json_is_string(v))
		return fail(cr, why, whycap, "\"%s\" is not a string", name);
	n = json_string_length(v);
	if (n == 0 || n >= cap || memchr(json_string_value(v), 0, n) != NULL)
		return fail(cr, why, whycap,
			    "\"%s\" must be 1 to %zu bytes without NUL", name,
			    cap - 1);
	memcpy(out, json_string_value(v), n + 1);
	return 0;
}

/* A base64 or base64url member, 1 to cap bytes decoded; absent: 0. */
static int b64_member(json_t *root, const char *name, uint8_t *out, size_t cap,
		      size_t *len, char *why, size_t whycap,
		      struct tpa_credential *cr)
{
	json_t *v = json_object_get(root, name);
	const char *s;
	size_t n;

	*len = 0;
	if (v == NULL)
		return 0;
	if (!json_is_string(v))
		return fail(cr, why, whycap, "\"%s\" is not a string", name);
	s = json_string_value(v);
	n = json_string_length(v);
	if ((tpa_b64_decode(s, n, out, cap, len, 0) == 0 ||
	     tpa_b64_decode(s, n, out, cap, len, 1) == 0) &&
	    *len > 0)
		return 0;
	return fail(cr, why, whycap, "\"%s\" is not base64 of 1 to %zu bytes",
		    name, cap);
}

/*
 * "alg" (RFC 7635), which must agree with the key's length: the integrity
 * attribute the key is for.  Absent: MESSAGE-INTEGRITY.
 */
static int alg_member(json_t *root, struct tpa_credential *cr, char *why,
		      size_t whycap)
{
	char alg[32];
	size_t want;

	if (text_member(root, "alg", alg, sizeof(alg), why, whycap, cr) != 0)
		return -1;
	if (alg[0] == '\0')
		return 0;
	if (strcmp(alg, "HMAC-SHA-1") == 0) {
		cr->integrity = TPA_TURN_MI_SHA1;
		want = 20;
	} else if (strcmp(alg, "HMAC-SHA-256-128") == 0 ||
		   strcmp(alg, "HMAC-SHA-256") == 0) {
		cr->integrity = TPA_TURN_MI_SHA256_128;
		want = 32;
	} else {
		return fail(cr, why, whycap,
			    "\"alg\" is not HMAC-SHA-1 or HMAC-SHA-256-128");
	}
	if (cr->key_len != want)
		return fail(cr, why, whycap,
			    "\"alg\" %s goes with a %zu-byte \"key\"", alg,
			    want);
	return 0;
}

static int from_json(json_t *root, struct tpa_credential *cr, char *why,
		     size_t whycap)
{
	char kid[sizeof(cr->username)];

	if (!json_is_object(root))
		return fail(cr, why, whycap, "not a JSON object");
	if (check_members(root, why, whycap, cr) != 0 ||
	    text_member(root, "username", cr->username, sizeof(cr->username),
			why, whycap, cr) != 0 ||
	    text_member(root, "kid", kid, sizeof(kid), why, whycap, cr) ||
	    text_member(root, "password", cr->password, sizeof(cr->password),
			why, whycap, cr) != 0 ||
	    b64_member(root, "key", cr->key, sizeof(cr->key), &cr->key_len, why,
		       whycap, cr) != 0 ||
	    b64_member(root, "access_token", cr->token, sizeof(cr->token),
		       &cr->token_len, why, whycap, cr) != 0)
		return -1;
	if (cr->username[0] == '\0')
		memcpy(cr->username, kid, sizeof(kid));
	if ((cr->key_len > 0) == (cr->password[0] != '\0'))
		return fail(cr, why, whycap,
			    "give exactly one of \"key\" and \"password\"");
	if (alg_member(root, cr, why, whycap) != 0)
		return -1;
	if (cr->username[0] == '\0')
		return fail(cr, why, whycap, "no \"username\" or \"kid\"");
	return 0;
}

/* Wipes the text of every string member before jansson frees it. */
static void wipe_strings(json_t *root)
{
	const char *name;
	json_t *v;

	if (!json_is_object(root))
		return;
	json_object_foreach (root, name, v) {
		if (json_is_string(v))
			OPENSSL_cleanse((char *)(uintptr_t)json_string_value(v),
					json_string_length(v));
	}
}

int tpa_credential_parse(const char *text, size_t len,
			 struct tpa_credential *cr, char *why, size_t whycap)
{
	json_error_t jerr;
	json_t *root;
	int r;

	if (cr == NULL)
		return -1;
	tpa_credential_wipe(cr);
	if (text == NULL || len > TPA_CREDENTIAL_FILE_MAX)
		return fail(cr, why, whycap, "more than %d bytes",
			    TPA_CREDENTIAL_FILE_MAX);
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		/* jansson quotes the text "near" the error: a secret */
		char *near = strstr(jerr.text, " near");
		if (near != NULL)
			*near = '\0';
		r = fail(cr, why, whycap,
			 "invalid JSON at line %d, column %d: %s", jerr.line,
			 jerr.column, jerr.text);
		OPENSSL_cleanse(&jerr, sizeof(jerr));
		return r;
	}
	r = from_json(root, cr, why, whycap);
	wipe_strings(root);
	json_decref(root);
	return r;
}

int tpa_credential_load(const char *path, struct tpa_credential *cr, char *why,
			size_t whycap)
{
	char buf[TPA_CREDENTIAL_FILE_MAX + 1];
	int is_stdin = path != NULL && strcmp(path, "-") == 0;
	size_t len = 0, got;
	FILE *f;
	int r;

	if (cr == NULL)
		return -1;
	tpa_credential_wipe(cr);
	if (path == NULL)
		return fail(cr, why, whycap, "no credential file");
	f = is_stdin ? stdin : fopen(path, "rb");
	if (f == NULL)
		return fail(cr, why, whycap, "cannot open: %s",
			    strerror(errno));
	/* unbuffered: no copy of the secret stays in a stdio buffer */
	setvbuf(f, NULL, _IONBF, 0);
	while (len < sizeof(buf) &&
	       (got = fread(buf + len, 1, sizeof(buf) - len, f)) > 0)
		len += got;
	if (ferror(f))
		r = fail(cr, why, whycap, "cannot read: %s", strerror(errno));
	else if (len > TPA_CREDENTIAL_FILE_MAX)
		r = fail(cr, why, whycap, "more than %d bytes",
			 TPA_CREDENTIAL_FILE_MAX);
	else
		r = tpa_credential_parse(buf, len, cr, why, whycap);
	if (!is_stdin)
		fclose(f);
	OPENSSL_cleanse(buf, sizeof(buf));
	return r;
}
