/*
 * fuzz_browser_username: the browser profile's USERNAME parser
 * (tpa_browser_username_parse) on hostile bytes, and its formatter.
 *
 * Input, read twice:
 *   1. the whole input as a USERNAME;
 *   2. byte 0 as a kid length (mod 130), the kid, and the rest (up to 80
 *      bytes) as a token, formatted and parsed back.
 *
 * Checked: the kind is NOT_PROFILE exactly when the input does not start
 * with "tpa", digits and '.' (an independent reading); OK gives a valid kid
 * and 1..76 token bytes, and formats back to the very input (one spelling
 * per content), at most TPA_BROWSER_USERNAME_MAX bytes; BAD gives a
 * printable reason and a zeroed output; NOT_PROFILE and OK give "".  The
 * formatter succeeds exactly for a valid kid and 1..76 token bytes, within
 * the length limit, and its output parses back to the same kid and token.
 * tpa_browser_log_name (what coturn logs for a USERNAME) answers for
 * exactly the usernames of the profile's form, with printable text.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "tpa_browser.h"
#include "tpa_browser_username.h"

static int has_profile_form(const uint8_t *d, size_t n)
{
	size_t i = 3;

	if (n < 4 || d[0] != 't' || d[1] != 'p' || d[2] != 'a')
		return 0;
	while (i < n && d[i] >= '0' && d[i] <= '9')
		i++;
	return i > 3 && i < n && d[i] == '.';
}

static void parse_whole(const uint8_t *data, size_t size)
{
	static const struct tpa_browser_username zero;
	struct tpa_browser_username u;
	char why[TPA_BROWSER_USERNAME_WHY_LEN];
	char again[TPA_BROWSER_USERNAME_MAX + 1];
	enum tpa_browser_username_kind k;
	int n;

	memset(why, 'x', sizeof(why));
	k = tpa_browser_username_parse((const char *)data, size, &u, why,
				       sizeof(why));
	FUZZ_CHECK(memchr(why, '\0', sizeof(why)) != NULL);
	FUZZ_CHECK((k == TPA_BROWSER_USERNAME_NOT_PROFILE) ==
		   !has_profile_form(data, size));
	switch (k) {
	case TPA_BROWSER_USERNAME_NOT_PROFILE:
		FUZZ_CHECK(why[0] == '\0');
		FUZZ_CHECK(memcmp(&u, &zero, sizeof(u)) == 0);
		break;
	case TPA_BROWSER_USERNAME_OK:
		FUZZ_CHECK(why[0] == '\0');
		FUZZ_CHECK(size <= TPA_BROWSER_USERNAME_MAX);
		FUZZ_CHECK(tpa_jwk_kid_valid(u.kid, strlen(u.kid), NULL));
		FUZZ_CHECK(u.token_len >= 1 &&
			   u.token_len <= TPA_TOKEN_MAX_LEN);
		n = tpa_browser_username_format(u.kid, u.token, u.token_len,
						again, sizeof(again));
		FUZZ_CHECK(n >= 0 && (size_t)n == size &&
			   memcmp(again, data, size) == 0);
		break;
	case TPA_BROWSER_USERNAME_BAD:
		FUZZ_CHECK(why[0] != '\0');
		for (const char *p = why; *p; p++)
			FUZZ_CHECK(*p >= 0x20 && *p <= 0x7e);
		FUZZ_CHECK(memcmp(&u, &zero, sizeof(u)) == 0);
		break;
	default:
		FUZZ_CHECK(0);
	}
}

static void format_parts(const uint8_t *data, size_t size)
{
	char kid[TPA_KID_MAX + 2], user[TPA_BROWSER_USERNAME_MAX + 1];
	struct tpa_browser_username u;
	size_t kl, tl;
	int valid, n;

	if (size < 1)
		return;
	kl = data[0] % 130;
	if (kl > size - 1)
		kl = size - 1;
	memcpy(kid, data + 1, kl);
	kid[kl] = '\0';
	tl = size - 1 - kl;
	if (tl > 80)
		tl = 80;
	valid = tpa_jwk_kid_valid(kid, kl, NULL) && tl >= 1 &&
		tl <= TPA_TOKEN_MAX_LEN;
	n = tpa_browser_username_format(kid, data + 1 + kl, tl, user,
					sizeof(user));
	if (!valid && strlen(kid) == kl) {
		FUZZ_CHECK(n == -1 && user[0] == '\0');
		return;
	}
	if (!valid)
		return; /* a NUL inside: the formatter sees a shorter kid */
	FUZZ_CHECK(n > 0 && (size_t)n == strlen(user) &&
		   n <= TPA_BROWSER_USERNAME_MAX);
	FUZZ_CHECK(tpa_browser_username_parse(user, (size_t)n, &u, NULL, 0) ==
		   TPA_BROWSER_USERNAME_OK);
	FUZZ_CHECK(strcmp(u.kid, kid) == 0 && u.token_len == tl &&
		   memcmp(u.token, data + 1 + kl, tl) == 0);
}

/* What coturn logs in place of the USERNAME (up to its first NUL). */
static void log_name(const uint8_t *data, size_t size)
{
	char user[600], out[TPA_BROWSER_USERNAME_WHY_LEN];
	size_t n = size < sizeof(user) - 1 ? size : sizeof(user) - 1;
	int r;

	memcpy(user, data, n);
	user[n] = '\0';
	memset(out, 'x', sizeof(out));
	r = tpa_browser_log_name(user, out, sizeof(out));
	FUZZ_CHECK(r == has_profile_form((const uint8_t *)user, strlen(user)));
	if (r == 0) {
		FUZZ_CHECK(out[0] == 'x');
		return;
	}
	FUZZ_CHECK(memchr(out, '\0', sizeof(out)) != NULL);
	FUZZ_CHECK(strncmp(out, "tpa", 3) == 0);
	for (const char *p = out; *p; p++)
		FUZZ_CHECK(*p >= 0x20 && *p <= 0x7e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1); /* exact size, for ASan */

	FUZZ_CHECK(copy != NULL);
	memcpy(copy, data, size);
	parse_whole(copy, size);
	format_parts(copy, size);
	log_name(copy, size);
	free(copy);
	return 0;
}
