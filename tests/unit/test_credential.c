/*
 * Unit tests for lib/tpa_credential: the credential file of turn-token
 * probe (issue 6, defect 6: no secret on the command line). What turn-token
 * issue prints is a credential as it is; every bad file is refused with a
 * reason that names the member at fault and never quotes a value.
 */
#include <stdint.h>
#include <unistd.h>

#include "tpa_credential.h"
#include "tpa_test.h"

/* A secret that must never show up in an error message. */
#define SECRET "c2VjcmV0LXZhbHVlLXNob3duLW5ldmVy"

static int parse(const char *json, struct tpa_credential *cr, char *why,
		 size_t whycap);
static void test_issue_response(void);
static void test_long_term(void);
static void test_username_and_kid(void);
static void test_refused(void);
static void test_limits(void);
static void test_load(void);

static int parse(const char *json, struct tpa_credential *cr, char *why,
		 size_t whycap)
{
	why[0] = '\0';
	return tpa_credential_parse(json, strlen(json), cr, why, whycap);
}

/* The exact output of turn-token issue (keys, ids from a real run). */
static void test_issue_response(void)
{
	static const char issued[] =
		"{\n  \"access_token\": \"AAykBErwJoEonIrFatOl858MTpwljUILTAz/"
		"pB4/Rok3dKs3687347L/BcmVC2YjoA+9Y1H3nSv4SQ7VGr19FA==\",\n"
		"  \"token_type\": \"pop\",\n  \"expires_in\": 60,\n"
		"  \"kid\": \"k1\",\n  \"key\": "
		"\"QulRbGBqRXET00IWxtSzg7HLEpY=\",\n"
		"  \"alg\": \"HMAC-SHA-1\",\n"
		"  \"ice_server\": {\n    \"urls\": [\n"
		"      \"turn:turn.example.org\"\n    ],\n"
		"    \"username\": "
		"\"tpa1.azE.AAykBErwJoEonIrFatOl858MTpwljUILTAz_"
		"pB4_Rok3dKs3687347L_BcmVC2YjoA-9Y1H3nSv4SQ7VGr19FA\",\n"
		"    \"credential\": \"QulRbGBqRXET00IWxtSzg7HLEpY=\"\n  "
		"}\n}\n";
	struct tpa_credential cr;
	char why[256];

	CHECK(parse(issued, &cr, why, sizeof(why)) == 0);
	CHECK_STR(cr.username, "k1");
	CHECK(cr.key_len == 20 && cr.key[0] == 0x42 && cr.key[19] == 0x96);
	CHECK(cr.token_len == 64 && cr.token[0] == 0x00 && cr.token[1] == 12);
	CHECK_STR(cr.password, "");
	CHECK(cr.integrity == TPA_TURN_MI_SHA1);
	tpa_credential_wipe(&cr);
}

/* "alg" names the integrity attribute, and must fit the key. */
static void test_alg(void)
{
	static const char k20[] = "\"AAAAAAAAAAAAAAAAAAAAAAAAAAA=\"";
	static const char k32[] =
		"\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"";
	static const struct {
		const char *alg, *key, *why;
		enum tpa_turn_integrity want;
	} v[] = {
		{NULL, k32, NULL, TPA_TURN_MI_SHA1},
		{"HMAC-SHA-1", k20, NULL, TPA_TURN_MI_SHA1},
		{"HMAC-SHA-256-128", k32, NULL, TPA_TURN_MI_SHA256_128},
		{"HMAC-SHA-256", k32, NULL, TPA_TURN_MI_SHA256_128},
		{"HMAC-SHA-1", k32,
		 "\"alg\" HMAC-SHA-1 goes with a 20-byte "
		 "\"key\"",
		 TPA_TURN_MI_SHA1},
		{"HMAC-SHA-256-128", k20,
		 "\"alg\" HMAC-SHA-256-128 goes with a 32-byte \"key\"",
		 TPA_TURN_MI_SHA1},
		{"HMAC-SHA256", k32,
		 "\"alg\" is not HMAC-SHA-1 or HMAC-SHA-256-128",
		 TPA_TURN_MI_SHA1},
		{"", k32, "\"alg\" must be 1 to 31 bytes without NUL",
		 TPA_TURN_MI_SHA1},
	};
	struct tpa_credential cr;
	char json[256], why[256];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		if (v[i].alg != NULL)
			snprintf(json, sizeof(json),
				 "{\"kid\": \"k\", \"key\": %s, \"alg\": "
				 "\"%s\"}",
				 v[i].key, v[i].alg);
		else
			snprintf(json, sizeof(json),
				 "{\"kid\": \"k\", \"key\": %s}", v[i].key);
		memset(&cr, 0x5A, sizeof(cr));
		if (v[i].why == NULL) {
			CHECK_MSG(parse(json, &cr, why, sizeof(why)) == 0 &&
					  cr.integrity == v[i].want,
				  "case %zu: %s", i, why);
		} else {
			CHECK_MSG(parse(json, &cr, why, sizeof(why)) == -1 &&
					  strcmp(why, v[i].why) == 0 &&
					  cr.key_len == 0,
				  "case %zu: \"%s\"", i, why);
		}
	}
	/* with a password there is no key for it to name */
	CHECK(parse("{\"username\": \"u\", \"password\": \"p\", \"alg\": "
		    "\"HMAC-SHA-1\"}",
		    &cr, why, sizeof(why)) == -1);
	CHECK_STR(why, "\"alg\" HMAC-SHA-1 goes with a 20-byte \"key\"");
}

static void test_long_term(void)
{
	struct tpa_credential cr;
	char why[256];

	CHECK(parse("{\"username\": \"alice\", \"password\": \"pw\"}", &cr, why,
		    sizeof(why)) == 0);
	CHECK(strcmp(cr.username, "alice") == 0 &&
	      strcmp(cr.password, "pw") == 0 && cr.key_len == 0 &&
	      cr.token_len == 0);
	/* a raw key in base64url without padding, as JWKs carry them */
	CHECK(parse("{\"username\": \"k\", \"key\": \"-_-_\"}", &cr, why,
		    sizeof(why)) == 0 &&
	      cr.key_len == 3 && cr.key[0] == 0xFB);
}

static void test_username_and_kid(void)
{
	struct tpa_credential cr;
	char why[256];

	CHECK(parse("{\"kid\": \"k\", \"username\": \"u\", \"key\": \"AAAA\"}",
		    &cr, why, sizeof(why)) == 0 &&
	      strcmp(cr.username, "u") == 0);
	CHECK(parse("{\"key\": \"AAAA\"}", &cr, why, sizeof(why)) == -1);
	CHECK_STR(why, "no \"username\" or \"kid\"");
}

/* Bad files: refused, the reason as given, no value in it. */
static void test_refused(void)
{
	static const struct {
		const char *json, *why;
	} bad[] = {
		{"", "invalid JSON at line 1, column 0: '[' or '{' expected"},
		{"[\"" SECRET "\"]", "not a JSON object"},
		{"{\"username\": \"u\", \"key\": \"" SECRET,
		 "invalid JSON at line 1, column 58: premature end of input"},
		{"{\"username\": \"u\", \"pasword\": \"" SECRET "\"}",
		 "unknown member (not one of username, kid, key, access_token, "
		 "password, token_type, expires_in, alg, ice_server)"},
		{"{\"username\": \"u\", \"key\": \"AAAA\", \"key\": \"" SECRET
		 "\"}",
		 "invalid JSON at line 1, column 38: duplicate object key"},
		{"{\"username\": \"u\", \"key\": \"AAAA\", \"password\": "
		 "\"" SECRET "\"}",
		 "give exactly one of \"key\" and \"password\""},
		{"{\"username\": \"u\"}",
		 "give exactly one of \"key\" and \"password\""},
		{"{\"username\": \"u\", \"key\": \"" SECRET "!\"}",
		 "\"key\" is not base64 of 1 to 64 bytes"},
		{"{\"username\": \"u\", \"key\": \"\"}",
		 "\"key\" is not base64 of 1 to 64 bytes"},
		{"{\"username\": \"u\", \"key\": 7}",
		 "\"key\" is not a string"},
		{"{\"username\": \"\", \"password\": \"p\"}",
		 "\"username\" must be 1 to 512 bytes without NUL"},
		{"{\"username\": \"a\\u0000b\", \"password\": \"p\"}",
		 "invalid JSON at line 1, column 23: \\u0000 is not allowed "
		 "without JSON_ALLOW_NUL"},
		{"{\"username\": \"u\", \"key\": \"AAAA\", \"access_token\": "
		 "\"*"
		 "\"}",
		 "\"access_token\" is not base64 of 1 to 2048 bytes"},
	};
	struct tpa_credential cr;
	char why[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&cr, 0x5A, sizeof(cr));
		CHECK_MSG(parse(bad[i].json, &cr, why, sizeof(why)) == -1 &&
				  strcmp(why, bad[i].why) == 0 &&
				  strstr(why, SECRET) == NULL &&
				  cr.key_len == 0 && cr.password[0] == '\0',
			  "case %zu: \"%s\"", i, why);
	}
}

/* Sizes: a 64-byte key and a 512-byte username fit, one more does not;
 * a file of more than 16 KiB is refused before it is parsed. */
static void test_limits(void)
{
	static char json[TPA_CREDENTIAL_FILE_MAX + 64];
	struct tpa_credential cr;
	char why[256], user[514];

	memset(user, 'u', sizeof(user) - 1);
	user[512] = '\0';
	snprintf(json, sizeof(json),
		 "{\"username\": \"%s\", \"key\": \"%.86s==\"}", user,
		 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	CHECK(parse(json, &cr, why, sizeof(why)) == 0 && cr.key_len == 64);
	user[512] = 'u';
	user[513] = '\0';
	snprintf(json, sizeof(json),
		 "{\"username\": \"%s\", \"key\": \"AA==\"}", user);
	CHECK(parse(json, &cr, why, sizeof(why)) == -1);
	snprintf(json, sizeof(json),
		 "{\"username\": \"u\", \"key\": \"%.88s\"}",
		 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	CHECK(parse(json, &cr, why, sizeof(why)) == -1); /* 66 bytes */
	static const char small[] =
		"{\"username\": \"u\", \"password\": \"p\"}";
	memset(json, ' ', sizeof(json));
	memcpy(json, small, strlen(small)); /* then spaces */
	json[TPA_CREDENTIAL_FILE_MAX + 1] = '\0';
	CHECK(parse(json, &cr, why, sizeof(why)) == -1);
	CHECK_STR(why, "more than 16384 bytes");
}

/* From a file; a file that cannot be opened names the system's reason. */
static void test_load(void)
{
	char path[] = "/tmp/test_credential.XXXXXX", why[256];
	struct tpa_credential cr;
	const char *json = "{\"username\": \"alice\", \"password\": \"pw\"}";
	int fd = mkstemp(path);

	CHECK(fd >= 0 &&
	      write(fd, json, strlen(json)) == (ssize_t)strlen(json));
	if (fd >= 0)
		close(fd);
	CHECK(tpa_credential_load(path, &cr, why, sizeof(why)) == 0 &&
	      strcmp(cr.password, "pw") == 0);
	unlink(path);
	CHECK(tpa_credential_load(path, &cr, why, sizeof(why)) == -1);
	CHECK_STR(why, "cannot open: No such file or directory");
}

int main(void)
{
	test_issue_response();
	test_alg();
	test_long_term();
	test_username_and_kid();
	test_refused();
	test_limits();
	test_load();
	return tpa_test_done();
}
