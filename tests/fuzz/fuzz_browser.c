/*
 * fuzz_browser: the plugin's browser-profile decision (tpa_auth_browser) on
 * a hostile STUN request: the USERNAME parser, key by kid, token decrypt,
 * validity window, the RFC 5389 long-term key and MESSAGE-INTEGRITY.
 *
 * Input: one control byte, then the STUN message.  The USERNAME and REALM
 * handed over are the message's own, cleaned as coturn would (NUL and
 * control bytes replaced), or, with bit 0 set, "" for the REALM.
 *   bits 4-5  now: 1800000000 (the seeds' time), 0, 1800003605,
 *             UINT64_MAX
 * The key store is fuzz_keystore.h's (k16, k32, an expired and a
 * not-yet-valid key).
 * Seeds come from tests/fuzz/gen_browser_seeds.mjs (the JavaScript issuer).
 *
 * Checked: PASS exactly for a USERNAME not of the profile's form; ACCEPT
 * hands back a 16-byte key that verifies the request's MESSAGE-INTEGRITY,
 * marks the browser profile, names k16 or k32, and ends the session
 * browser-max-session after now; every other verdict carries no key and
 * a printable reason that starts with "token ".
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "fuzz_keystore.h"
#include "tpa_browser.h"
#include "tpa_browser_username.h"
#include "tpa_stun.h"

#define MAX_SESSION 3600

static struct tpa_keystore *keys;
static struct tpa_config cfg;

static void setup(void)
{
	keys = fuzz_keystore_open(&cfg);
	cfg.browser_max_session = MAX_SESSION;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t nows[] = {1800000000u, 0, 1800003605u,
					UINT64_MAX};
	static const uint8_t zero[TPA_MAC_KEY_MAX];
	struct tpa_auth_ctx ctx;
	struct tpa_auth_outcome out;
	struct tpa_stun_view v;
	struct tpa_browser_username u;
	char user[TPA_BROWSER_USERNAME_BROWSER_LIMIT + 8], realm[256];
	uint8_t *msg;
	size_t len;
	uint64_t now;
	int profile;

	if (keys == NULL)
		setup();
	if (size < 1)
		return 0;
	len = size - 1;
	msg = malloc(len ? len : 1); /* exact size, for ASan */
	FUZZ_CHECK(msg != NULL);
	memcpy(msg, data + 1, len);
	now = nows[(data[0] >> 4) & 3];
	user[0] = realm[0] = '\0';
	if (tpa_stun_parse(&v, msg, len) == 0) {
		tpa_stun_get_string(&v, TPA_STUN_ATTR_USERNAME, user,
				    sizeof(user), NULL);
		if (!(data[0] & 1))
			tpa_stun_get_string(&v, TPA_STUN_ATTR_REALM, realm,
					    sizeof(realm), NULL);
	}
	profile = tpa_browser_username_parse(user, strlen(user), &u, NULL, 0) !=
		  TPA_BROWSER_USERNAME_NOT_PROFILE;

	ctx.cfg = &cfg;
	ctx.keys = keys;
	ctx.server_name = FUZZ_SERVER_NAME;
	memset(&out, 0xAA, sizeof(out));
	tpa_auth_browser(&ctx, msg, len, user, realm, now, &out);

	FUZZ_CHECK(out.verdict == TPA_PASS || out.verdict == TPA_ACCEPT ||
		   out.verdict == TPA_REJECT || out.verdict == TPA_ERROR);
	FUZZ_CHECK(memchr(out.reason, '\0', sizeof(out.reason)) != NULL);
	for (const char *r = out.reason; *r; r++)
		FUZZ_CHECK(*r >= 0x20 && *r <= 0x7e);
	FUZZ_CHECK((out.verdict == TPA_PASS) == !profile);
	if (out.verdict == TPA_ACCEPT) {
		FUZZ_CHECK(out.key_len == TPA_LONG_TERM_KEY_LEN);
		FUZZ_CHECK(tpa_stun_verify_integrity(&v, out.key,
						     out.key_len) == 0);
		FUZZ_CHECK(out.browser == 1);
		FUZZ_CHECK(strcmp(out.kid, "k16") == 0 ||
			   strcmp(out.kid, "k32") == 0);
		FUZZ_CHECK(out.expiry == now + MAX_SESSION);
		FUZZ_CHECK(strlen(out.token_id) == TPA_TOKEN_ID_LEN);
		FUZZ_CHECK(out.reason[0] == '\0');
	} else {
		FUZZ_CHECK(memcmp(out.key, zero, sizeof(out.key)) == 0);
		FUZZ_CHECK(out.key_len == 0 && out.expiry == 0 &&
			   out.browser == 0);
	}
	if (out.verdict == TPA_REJECT || out.verdict == TPA_ERROR)
		FUZZ_CHECK(strncmp(out.reason, "token ", 6) == 0);
	if (out.verdict == TPA_PASS)
		FUZZ_CHECK(out.reason[0] == '\0' && out.token_id[0] == '\0');
	free(msg);
	return 0;
}
