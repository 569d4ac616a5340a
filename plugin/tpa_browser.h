/*
 * tpa_browser: the browser profile's decision for one STUN request.
 * Unmodified WebRTC browsers speak only username and password: USERNAME
 * carries the kid and the token (lib/tpa_browser_username.h), the
 * password is the base64 mac_key, and the key of MESSAGE-INTEGRITY is the
 * RFC 5389 long-term key MD5(USERNAME ":" REALM ":" password).  Every
 * check of a token applies as in the RFC 7635 profile (tpa_auth.h); knows
 * nothing of coturn or of the plugin ABI.
 */
#ifndef TPA_BROWSER_H
#define TPA_BROWSER_H

#include <stddef.h>
#include <stdint.h>

#include "tpa_auth.h"

#define TPA_LONG_TERM_KEY_LEN 16 /* MD5 */

/*
 * Decides the STUN request msg (len bytes, from the network; a request
 * without ACCESS-TOKEN) whose USERNAME and REALM the host passes as
 * username and realm, at Unix time now.  A USERNAME that is not of the
 * profile's form is PASSed.  One of its form is never PASSed: it is
 * ACCEPTed only if it is well formed, equals the request's own USERNAME
 * byte for byte, its token is good (tpa_auth_open_token) and the request's
 * MESSAGE-INTEGRITY verifies with the long-term key of the token's
 * mac_key; everything else is REJECTed with a reason.  On ACCEPT, out->key
 * is that 16-byte key (a secret: wipe it), out->browser is 1, and
 * out->expiry is when the session must end: browser-max-session after
 * now, or the key's exp if sooner (the token's own lifetime only bounds
 * when a session may start).  Fills *out (zeroed first).  Thread-safe;
 * may block as tpa_auth_rfc7635 says.
 */
void tpa_auth_browser(const struct tpa_auth_ctx *ctx, const uint8_t *msg,
		      size_t len, const char *username, const char *realm,
		      uint64_t now, struct tpa_auth_outcome *out);

/*
 * What a log shows in place of username, which may carry a token: for a
 * USERNAME of the profile's form, "tpa1 token ID kid 'KID'" (ID as in the
 * plugin's own log lines, the kid cut at 64 characters) or "tpa browser
 * username, malformed, N bytes", written into out (outlen bytes, NUL-
 * terminated, cut to fit), and returns 1.  Any other username is not a
 * secret: returns 0 and leaves out alone.  Never blocks; thread-safe.
 */
int tpa_browser_log_name(const char *username, char *out, size_t outlen);

#endif /* TPA_BROWSER_H */
