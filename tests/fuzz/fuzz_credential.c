/*
 * fuzz_credential: the credential parser of turn-token probe
 * (tpa_credential_parse) on hostile bytes. On success there is a USERNAME
 * and exactly one of a key (1 to 64 bytes) and a password, every string
 * NUL-terminated within its buffer; on failure the credential is all zero
 * and the reason is one non-empty, NUL-terminated line.
 */
#include <string.h>

#include "fuzz_common.h"
#include "tpa_credential.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tpa_credential cr;
	char why[256];
	int rc;

	memset(&cr, 0xAA, sizeof(cr));
	memset(why, 0xAA, sizeof(why));
	rc = tpa_credential_parse((const char *)data, size, &cr, why,
				  sizeof(why));
	FUZZ_CHECK(rc == 0 || rc == -1);
	if (rc != 0) {
		FUZZ_CHECK(fuzz_all_zero(&cr, sizeof(cr)));
		FUZZ_CHECK(memchr(why, '\0', sizeof(why)) != NULL);
		FUZZ_CHECK(why[0] != '\0' && strchr(why, '\n') == NULL);
		return 0;
	}
	FUZZ_CHECK(memchr(cr.username, '\0', sizeof(cr.username)) != NULL);
	FUZZ_CHECK(memchr(cr.password, '\0', sizeof(cr.password)) != NULL);
	FUZZ_CHECK(cr.username[0] != '\0');
	FUZZ_CHECK((cr.key_len > 0) != (cr.password[0] != '\0'));
	FUZZ_CHECK(cr.key_len <= sizeof(cr.key));
	FUZZ_CHECK(cr.token_len <= sizeof(cr.token));
	tpa_credential_wipe(&cr);
	return 0;
}
