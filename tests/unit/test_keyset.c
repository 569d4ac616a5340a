/*
 * Unit tests for lib/tpa_keyset and the JWK helpers.
 *
 * Usage: test_keyset tests/data/keysets
 *        test_keyset --write-errors tests/data/keysets   (regenerate)
 *
 * DIR/bad/NAME/input must be refused with exactly the message in
 * DIR/bad/NAME/error (byte for byte, plus one trailing newline), like
 * jansson's own test suite. DIR/good/NAME/input must load, and
 * DIR/good/NAME/kids lists its keys in order, one "kid k_len nbf exp" line
 * each ("-" for an absent nbf or exp). Both are read with
 * tpa_keyset_load_string so that messages do not depend on paths; the
 * file loader is tested separately. --write-errors writes the current
 * messages into the error files: review the diff before committing it.
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdint.h>

#include "tpa_keyset.h"
#include "tpa_test.h"

static void bad_case(const char *casedir, const char *name);
static void good_case(const char *casedir, const char *name);
static void write_error(const char *casedir, const char *name);
static char *big_set(size_t nkeys, size_t *len);
static void test_limits(void);
static void test_file_loader(void);
static void test_lookup(void);
static void test_jwk_format(void);

static void bad_case(const char *casedir, const char *name)
{
	char path[4200];
	char *input, *want;
	size_t inlen = 0, wantlen = 0;

	snprintf(path, sizeof(path), "%s/input", casedir);
	input = tpa_test_slurp(path, &inlen);
	snprintf(path, sizeof(path), "%s/error", casedir);
	want = tpa_test_slurp(path, &wantlen);
	CHECK_MSG(input != NULL && want != NULL, "%s: missing input or error",
		  name);
	if (input != NULL && want != NULL) {
		char err[TPA_KEYSET_ERR_LEN], got[TPA_KEYSET_ERR_LEN + 1];
		struct tpa_keyset *ks =
			tpa_keyset_load_string(input, inlen, err, sizeof(err));
		CHECK_MSG(ks == NULL, "%s: accepted", name);
		tpa_keyset_free(ks);
		snprintf(got, sizeof(got), "%s\n", err);
		CHECK_MSG(strcmp(got, want) == 0 && wantlen == strlen(want),
			  "%s:\n  got:  %s  want: %s", name, got, want);
	}
	free(input);
	free(want);
}

static void good_case(const char *casedir, const char *name)
{
	char path[4200], err[TPA_KEYSET_ERR_LEN], line[512];
	char *input, *kids, *p;
	size_t inlen = 0, kidslen = 0, i = 0;
	struct tpa_keyset *ks;

	snprintf(path, sizeof(path), "%s/input", casedir);
	input = tpa_test_slurp(path, &inlen);
	snprintf(path, sizeof(path), "%s/kids", casedir);
	kids = tpa_test_slurp(path, &kidslen);
	CHECK_MSG(input != NULL && kids != NULL, "%s: missing input or kids",
		  name);
	if (input == NULL || kids == NULL)
		goto out;
	ks = tpa_keyset_load_string(input, inlen, err, sizeof(err));
	CHECK_MSG(ks != NULL, "%s: refused: %s", name, err);
	if (ks == NULL)
		goto out;
	for (p = kids; *p != '\0'; i++) {
		const struct tpa_key *k = tpa_keyset_at(ks, i);
		char nbf[24] = "-", exp[24] = "-";
		size_t l = strcspn(p, "\n");
		if (k == NULL) {
			CHECK_MSG(0, "%s: fewer keys than listed", name);
			break;
		}
		if (k->has_nbf)
			snprintf(nbf, sizeof(nbf), "%" PRId64, k->nbf);
		if (k->has_exp)
			snprintf(exp, sizeof(exp), "%" PRId64, k->exp);
		snprintf(line, sizeof(line), "%s %zu %s %s", k->kid, k->k_len,
			 nbf, exp);
		CHECK_MSG(strlen(line) == l && strncmp(line, p, l) == 0,
			  "%s: key %zu is \"%s\"", name, i, line);
		CHECK(tpa_keyset_find(ks, k->kid) == k);
		p += l + (p[l] == '\n');
	}
	CHECK_MSG(tpa_keyset_count(ks) == i, "%s: %zu keys, %zu listed", name,
		  tpa_keyset_count(ks), i);
	tpa_keyset_free(ks);
out:
	free(input);
	free(kids);
}

static void write_error(const char *casedir, const char *name)
{
	char path[4200], err[TPA_KEYSET_ERR_LEN];
	char *input;
	size_t inlen = 0;
	struct tpa_keyset *ks;
	FILE *f;

	snprintf(path, sizeof(path), "%s/input", casedir);
	input = tpa_test_slurp(path, &inlen);
	if (input == NULL)
		return;
	ks = tpa_keyset_load_string(input, inlen, err, sizeof(err));
	CHECK_MSG(ks == NULL, "%s: accepted", name);
	tpa_keyset_free(ks);
	snprintf(path, sizeof(path), "%s/error", casedir);
	f = fopen(path, "w");
	if (f != NULL) {
		fprintf(f, "%s\n", err);
		fclose(f);
	}
	free(input);
}

/* A valid set of nkeys A128GCM keys (kid "k0", "k1", ...); caller frees. */
static char *big_set(size_t nkeys, size_t *len)
{
	size_t cap = 64 + nkeys * 100, n = 0, i;
	char *s = malloc(cap);

	if (s == NULL)
		abort();
	n += (size_t)snprintf(s + n, cap - n, "{\"keys\":[");
	for (i = 0; i < nkeys; i++)
		n += (size_t)snprintf(s + n, cap - n,
				      "%s{\"kty\":\"oct\",\"kid\":\"k%zu\","
				      "\"alg\":\"A128GCM\","
				      "\"k\":\"AAECAwQFBgcICQoLDA0ODw\"}",
				      i == 0 ? "" : ",", i);
	n += (size_t)snprintf(s + n, cap - n, "]}");
	*len = n;
	return s;
}

static void test_limits(void)
{
	char err[TPA_KEYSET_ERR_LEN];
	struct tpa_keyset *ks;
	size_t len;
	char *s, *huge;

	s = big_set(1024, &len);
	ks = tpa_keyset_load_string(s, len, err, sizeof(err));
	CHECK_MSG(ks != NULL && tpa_keyset_count(ks) == 1024, "%s", err);
	CHECK(tpa_keyset_find(ks, "k1023") == tpa_keyset_at(ks, 1023));
	tpa_keyset_free(ks);
	free(s);

	s = big_set(1025, &len);
	ks = tpa_keyset_load_string(s, len, err, sizeof(err));
	CHECK(ks == NULL);
	CHECK_STR(err, "keys has 1025 entries, at most 1024");
	free(s);

	/* exactly 1 MiB is fine (spaces after the JSON), one more is not */
	huge = malloc(TPA_KEYSET_MAX_BYTES + 1);
	if (huge == NULL)
		abort();
	s = big_set(1, &len);
	memset(huge, ' ', TPA_KEYSET_MAX_BYTES + 1);
	memcpy(huge, s, len);
	ks = tpa_keyset_load_string(huge, TPA_KEYSET_MAX_BYTES, err,
				    sizeof(err));
	CHECK_MSG(ks != NULL, "%s", err);
	tpa_keyset_free(ks);
	ks = tpa_keyset_load_string(huge, TPA_KEYSET_MAX_BYTES + 1, err,
				    sizeof(err));
	CHECK(ks == NULL);
	CHECK_STR(err, "key set is 1048577 bytes, more than 1 MiB");
	free(s);
	free(huge);

	/* NULL text; no err buffer at all; a tiny err buffer */
	CHECK(tpa_keyset_load_string(NULL, 0, err, sizeof(err)) == NULL);
	CHECK(tpa_keyset_load_string("{}", 2, NULL, 0) == NULL);
	CHECK(tpa_keyset_load_string("{}", 2, err, 5) == NULL);
	CHECK_STR(err, "miss");
	/* an embedded NUL outside strings is bad JSON, not an end */
	CHECK(tpa_keyset_load_string("{\"keys\":[]}\0x", 13, err,
				     sizeof(err)) == NULL);
}

static void test_file_loader(void)
{
	char path[] = "/tmp/tpa_keyset_XXXXXX", err[TPA_KEYSET_ERR_LEN];
	char want[TPA_KEYSET_ERR_LEN];
	struct tpa_keyset *ks;
	size_t len, i;
	char *s;
	FILE *f;
	int fd;

	CHECK(tpa_keyset_load_file("/nonexistent/keys.json", err,
				   sizeof(err)) == NULL);
	CHECK_STR(err, "/nonexistent/keys.json: cannot open: No such file or "
		       "directory");
	CHECK(tpa_keyset_load_file(NULL, err, sizeof(err)) == NULL);

	fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	f = fdopen(fd, "w");
	s = big_set(3, &len);
	fwrite(s, 1, len, f);
	fclose(f);
	free(s);
	ks = tpa_keyset_load_file(path, err, sizeof(err));
	CHECK_MSG(ks != NULL && tpa_keyset_count(ks) == 3, "%s", err);
	tpa_keyset_free(ks);

	/* an error names the file */
	f = fopen(path, "w");
	fputs("{\"keys\": []}\n", f);
	fclose(f);
	CHECK(tpa_keyset_load_file(path, err, sizeof(err)) == NULL);
	snprintf(want, sizeof(want), "%s: keys is empty", path);
	CHECK_STR(err, want);

	/* bigger than 1 MiB */
	f = fopen(path, "w");
	for (i = 0; i <= TPA_KEYSET_MAX_BYTES; i++)
		fputc(' ', f);
	fclose(f);
	CHECK(tpa_keyset_load_file(path, err, sizeof(err)) == NULL);
	snprintf(want, sizeof(want), "%s: file is bigger than 1 MiB", path);
	CHECK_STR(err, want);
	remove(path);

	CHECK(tpa_keyset_load_file("/tmp", err, sizeof(err)) == NULL);
	CHECK_STR(err, "/tmp: cannot read: Is a directory");
}

static void test_lookup(void)
{
	static const char json[] =
		"{\"keys\":["
		"{\"kty\":\"oct\",\"kid\":\"old\",\"alg\":\"A128GCM\","
		"\"k\":\"AAECAwQFBgcICQoLDA0ODw\",\"exp\":100},"
		"{\"kty\":\"oct\",\"kid\":\"cur\",\"alg\":\"A128GCM\","
		"\"k\":\"AAECAwQFBgcICQoLDA0ODw\",\"nbf\":100,\"exp\":200},"
		"{\"kty\":\"oct\",\"kid\":\"new\",\"alg\":\"A128GCM\","
		"\"k\":\"AAECAwQFBgcICQoLDA0ODw\",\"nbf\":200}]}";
	static const uint8_t k16[16] = {0, 1, 2,  3,  4,  5,  6,  7,
					8, 9, 10, 11, 12, 13, 14, 15};
	char err[TPA_KEYSET_ERR_LEN];
	struct tpa_keyset *ks =
		tpa_keyset_load_string(json, strlen(json), err, sizeof(err));
	const struct tpa_key *old, *cur, *nw;

	CHECK_MSG(ks != NULL, "%s", err);
	if (ks == NULL)
		return;
	CHECK(tpa_keyset_count(ks) == 3);
	old = tpa_keyset_find(ks, "old");
	cur = tpa_keyset_find(ks, "cur");
	nw = tpa_keyset_find(ks, "new");
	CHECK(old == tpa_keyset_at(ks, 0) && cur == tpa_keyset_at(ks, 1) &&
	      nw == tpa_keyset_at(ks, 2));
	CHECK(tpa_keyset_at(ks, 3) == NULL && tpa_keyset_at(NULL, 0) == NULL);
	CHECK(tpa_keyset_find(ks, "OLD") == NULL);
	CHECK(tpa_keyset_find(ks, "") == NULL);
	CHECK(tpa_keyset_find(ks, NULL) == NULL);
	CHECK(tpa_keyset_find(NULL, "old") == NULL);
	CHECK(tpa_keyset_count(NULL) == 0);
	CHECK(cur->k_len == 16 && memcmp(cur->k, k16, 16) == 0);
	CHECK(tpa_key_usable(old, 99) == TPA_KEY_USABLE);
	CHECK(tpa_key_usable(old, 100) == TPA_KEY_EXPIRED);
	CHECK(tpa_key_usable(old, INT64_MIN) == TPA_KEY_USABLE);
	CHECK(tpa_key_usable(cur, 99) == TPA_KEY_NOT_YET);
	CHECK(tpa_key_usable(cur, 100) == TPA_KEY_USABLE);
	CHECK(tpa_key_usable(cur, 199) == TPA_KEY_USABLE);
	CHECK(tpa_key_usable(cur, 200) == TPA_KEY_EXPIRED);
	CHECK(tpa_key_usable(nw, 199) == TPA_KEY_NOT_YET);
	CHECK(tpa_key_usable(nw, INT64_MAX) == TPA_KEY_USABLE);
	tpa_keyset_free(ks);
	tpa_keyset_free(NULL);

	CHECK(tpa_jwk_alg_key_len("A128GCM") == 16);
	CHECK(tpa_jwk_alg_key_len("AEAD_AES_256_GCM") == 32);
	CHECK(tpa_jwk_alg_key_len("A192GCM") == 0);
	CHECK(tpa_jwk_alg_key_len(NULL) == 0);
}

static void test_jwk_format(void)
{
	struct tpa_key k, k2;
	char out[512], json[600], err[TPA_KEYSET_ERR_LEN];
	struct tpa_keyset *ks;
	const struct tpa_key *back;
	size_t i, need;

	memset(&k, 0, sizeof(k));
	strcpy(k.kid, "2026-11-\"a\\");
	for (i = 0; i < 32; i++)
		k.k[i] = (uint8_t)(0xf0 + i);
	k.k_len = 32;
	k.has_nbf = 1;
	k.nbf = 1795000000;
	k.has_exp = 1;
	k.exp = 1797600000;
	CHECK(tpa_jwk_format(&k, NULL, out, sizeof(out)) == 0);
	CHECK_STR(out, "{\"kty\":\"oct\",\"kid\":\"2026-11-\\\"a\\\\\","
		       "\"alg\":\"A256GCM\",\"use\":\"enc\","
		       "\"k\":\"8PHy8_T19vf4-fr7_P3-_wABAgMEBQYHCAkKCwwNDg8\","
		       "\"nbf\":1795000000,\"exp\":1797600000}");
	/* what we write, we read back */
	snprintf(json, sizeof(json), "{\"keys\":[%s]}", out);
	ks = tpa_keyset_load_string(json, strlen(json), err, sizeof(err));
	CHECK_MSG(ks != NULL, "%s", err);
	back = tpa_keyset_find(ks, k.kid);
	CHECK(back != NULL && memcmp(back, &k, sizeof(k)) == 0);
	tpa_keyset_free(ks);

	/* exact fit and one byte short */
	CHECK(tpa_jwk_format(&k, "AEAD_AES_256_GCM", out, sizeof(out)) == 0);
	need = strlen(out) + 1;
	CHECK(tpa_jwk_format(&k, "AEAD_AES_256_GCM", out, need) == 0);
	CHECK(tpa_jwk_format(&k, "AEAD_AES_256_GCM", out, need - 1) == -1);
	CHECK_STR(out, "");

	k2 = k;
	k2.k_len = 16;
	k2.has_nbf = k2.has_exp = 0;
	CHECK(tpa_jwk_format(&k2, NULL, out, sizeof(out)) == 0);
	CHECK_STR(out, "{\"kty\":\"oct\",\"kid\":\"2026-11-\\\"a\\\\\","
		       "\"alg\":\"A128GCM\",\"use\":\"enc\","
		       "\"k\":\"8PHy8_T19vf4-fr7_P3-_w\"}");
	CHECK(tpa_jwk_format(&k2, "A256GCM", out, sizeof(out)) == -1);
	CHECK(tpa_jwk_format(&k, "A128GCM", out, sizeof(out)) == -1);
	CHECK(tpa_jwk_format(&k, "HS256", out, sizeof(out)) == -1);
	k2.k_len = 24;
	CHECK(tpa_jwk_format(&k2, NULL, out, sizeof(out)) == -1);
	k2 = k;
	strcpy(k2.kid, "has space");
	CHECK(tpa_jwk_format(&k2, NULL, out, sizeof(out)) == -1);
	k2.kid[0] = '\0';
	CHECK(tpa_jwk_format(&k2, NULL, out, sizeof(out)) == -1);
	memset(k2.kid, 'x', sizeof(k2.kid)); /* no NUL: still bounded */
	CHECK(tpa_jwk_format(&k2, NULL, out, sizeof(out)) == -1);
	CHECK(tpa_jwk_format(NULL, NULL, out, sizeof(out)) == -1);
	CHECK(tpa_jwk_format(&k, NULL, NULL, 10) == -1);
	CHECK(tpa_jwk_kid_valid("a", 1, NULL) == 1);
	CHECK(tpa_jwk_kid_valid("a b", 3, &i) == 0 && i == 1);
	CHECK(tpa_jwk_kid_valid("", 0, &i) == 0 && i == 0);
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--write-errors") == 0) {
		tpa_test_for_each_case(argv[2], "bad", write_error);
		return tpa_test_done();
	}
	if (argc != 2) {
		fprintf(stderr, "usage: %s tests/data/keysets\n", argv[0]);
		return 2;
	}
	CHECK(tpa_test_for_each_case(argv[1], "bad", bad_case) >= 40);
	CHECK(tpa_test_for_each_case(argv[1], "good", good_case) >= 5);
	test_limits();
	test_file_loader();
	test_lookup();
	test_jwk_format();
	return tpa_test_done();
}
