/*
 * fuzz_auth: the plugin's whole RFC 7635 decision (tpa_auth_rfc7635) on a
 * hostile STUN request: parse, ACCESS-TOKEN, key by kid, token decrypt,
 * validity window, MESSAGE-INTEGRITY under the token's mac key.
 *
 * Input: one control byte, then the STUN message.
 *   bits 0-2  the USERNAME coturn hands over: the message's own USERNAME
 *             (cleaned by tpa_stun_get_string), "k16", "k32", "old",
 *             "new", "nokey", "" or NULL
 *   bit 3     legacy-coturn-keying
 *   bits 4-5  now: 1800000000 (the seed tokens' time), 0, 1800003605,
 *             UINT64_MAX
 * The key store holds k16 (A128GCM) and k32 (A256GCM) with the fuzz keys,
 * "old" (expired) and "new" (not yet valid).
 *
 * Checked: the verdict is one of four; PASS exactly when there is no
 * trusted ACCESS-TOKEN; ACCEPT hands back a key that really verifies the
 * request's MESSAGE-INTEGRITY, of 20/32 bytes (16 only in legacy mode),
 * the kid asked for, an expiry after now (the skew admits tokens early,
 * never past their end); REJECT has a non-empty reason; a refusal class
 * is set exactly when refused;
 * reasons are printable (they go to the log) and only ACCEPT carries key
 * bytes.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "fuzz_keystore.h"
#include "tpa_auth.h"
#include "tpa_stun.h"

static struct tpa_keystore *keys;
static struct tpa_config cfg;

static void setup(void)
{
	keys = fuzz_keystore_open(&cfg);
	cfg.log_level = TPA_LOG_DEBUG;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {NULL,  "k16",   "k32", "old",
					    "new", "nokey", "",	   NULL};
	static const uint64_t nows[] = {1800000000u, 0, 1800003605u,
					UINT64_MAX};
	struct tpa_auth_ctx ctx;
	struct tpa_auth_outcome out;
	struct tpa_stun_view v;
	struct tpa_stun_attr at;
	char user[TPA_KID_MAX + 1];
	const char *username;
	uint8_t *msg;
	size_t len;
	uint64_t now;

	if (keys == NULL)
		setup();
	if (size < 1)
		return 0;
	len = size - 1;
	msg = malloc(len ? len : 1); /* exact size, for ASan */
	FUZZ_CHECK(msg != NULL);
	memcpy(msg, data + 1, len);
	cfg.legacy_coturn_keying = (data[0] >> 3) & 1;
	now = nows[(data[0] >> 4) & 3];
	username = names[data[0] & 7];
	if ((data[0] & 7) == 0) {
		/* What coturn passes: the request's own USERNAME. */
		int p = tpa_stun_parse(&v, msg, len);
		user[0] = '\0';
		if (p == 0)
			tpa_stun_get_string(&v, TPA_STUN_ATTR_USERNAME, user,
					    sizeof(user), NULL);
		username = user;
	}

	ctx.cfg = &cfg;
	ctx.keys = keys;
	ctx.server_name = FUZZ_SERVER_NAME;
	memset(&out, 0xAA, sizeof(out));
	tpa_auth_rfc7635(&ctx, msg, len, username, now, &out);
#ifdef FUZZ_DEBUG
	fprintf(stderr, "verdict %d key_len %zu reason '%s'\n", out.verdict,
		out.key_len, out.reason);
#endif

	FUZZ_CHECK(out.verdict == TPA_PASS || out.verdict == TPA_ACCEPT ||
		   out.verdict == TPA_REJECT || out.verdict == TPA_ERROR);
	FUZZ_CHECK(memchr(out.reason, '\0', sizeof(out.reason)) != NULL);
	FUZZ_CHECK(memchr(out.token_id, '\0', sizeof(out.token_id)) != NULL);
	FUZZ_CHECK(memchr(out.kid, '\0', sizeof(out.kid)) != NULL);
	for (const char *r = out.reason; *r; r++)
		FUZZ_CHECK(*r >= 0x20 && *r <= 0x7e);

	int parsed = tpa_stun_parse(&v, msg, len) == 0;
	int has_token =
		parsed &&
		tpa_stun_get_attr(&v, TPA_STUN_ATTR_ACCESS_TOKEN, &at) == 0;
	if (!parsed)
		FUZZ_CHECK(out.verdict == TPA_REJECT);
	FUZZ_CHECK((out.verdict == TPA_PASS) == (parsed && !has_token));

	if (out.verdict == TPA_ACCEPT) {
		FUZZ_CHECK(out.key_len == 20 || out.key_len == 32 ||
			   (out.key_len == 16 && cfg.legacy_coturn_keying));
		FUZZ_CHECK(tpa_stun_verify_integrity(&v, out.key,
						     out.key_len) == 0);
		FUZZ_CHECK(username != NULL && strcmp(out.kid, username) == 0);
		FUZZ_CHECK(strcmp(out.kid, "k16") == 0 ||
			   strcmp(out.kid, "k32") == 0);
		/* accepted: now < end (end: of the token or key) */
		FUZZ_CHECK(out.expiry > now);
		FUZZ_CHECK(strlen(out.token_id) == TPA_TOKEN_ID_LEN);
		FUZZ_CHECK(out.reason[0] == '\0');
	} else {
		FUZZ_CHECK(fuzz_all_zero(out.key, sizeof(out.key)));
		FUZZ_CHECK(out.key_len == 0 && out.expiry == 0);
		FUZZ_CHECK(out.kid[0] == '\0');
	}
	if (out.verdict == TPA_REJECT)
		FUZZ_CHECK(out.reason[0] != '\0');
	if (out.verdict == TPA_PASS)
		FUZZ_CHECK(out.reason[0] == '\0' && out.token_id[0] == '\0');
	/* the refusal class the metrics count: set exactly when refused */
	FUZZ_CHECK((out.refusal == TPA_REFUSAL_NONE) ==
		   (out.verdict == TPA_ACCEPT || out.verdict == TPA_PASS));
	FUZZ_CHECK((unsigned)out.refusal < TPA_REFUSAL_COUNT);
	free(msg);
	return 0;
}
