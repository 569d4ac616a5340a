/*
 * turn-token issue: the ice_server object of the browser profile, ready
 * for new RTCPeerConnection({iceServers: [ice_server]}): the TURN URLs
 * given with --urls, the USERNAME that carries kid and token
 * (lib/tpa_browser_username.h) and the credential, the base64 mac_key.
 */
#include <string.h>

#include <jansson.h>

#include "tpa_browser_username.h"
#include "turn_token.h"

#define URL_MAX 256 /* bytes of one URL */

/* Checks one URL of len bytes at url; 0, or -1 after printing why. */
static int check_url(const char *opt, const char *url, size_t len)
{
	size_t scheme = 0, i;

	if (len > 5 && strncmp(url, "turn:", 5) == 0)
		scheme = 5;
	else if (len > 6 && strncmp(url, "turns:", 6) == 0)
		scheme = 6;
	if (scheme == 0) {
		tt_err("%s: \"%.*s\" is not a turn: or turns: URL", opt,
		       (int)(len > URL_MAX ? URL_MAX : len), url);
		return -1;
	}
	if (len > URL_MAX) {
		tt_err("%s: a URL is at most %d bytes", opt, URL_MAX);
		return -1;
	}
	for (i = scheme; i < len; i++) {
		if (url[i] <= 0x20 || url[i] >= 0x7f) {
			tt_err("%s: \"%.*s\" has a space or a byte that is "
			       "not printable ASCII",
			       opt, (int)len, url);
			return -1;
		}
	}
	return 0;
}

int tt_ice_urls_add(struct tt_ice_urls *u, const char *opt, const char *arg)
{
	const char *p = arg, *comma;

	do {
		size_t len;

		comma = strchr(p, ',');
		len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (u->n == TT_ICE_URLS_MAX) {
			tt_err("%s: at most %d URLs", opt, TT_ICE_URLS_MAX);
			return -1;
		}
		if (check_url(opt, p, len) != 0)
			return -1;
		u->url[u->n] = p;
		u->len[u->n] = len;
		u->n++;
		/* never comma + 1 past the last URL: NULL + 1 is undefined */
		if (comma != NULL)
			p = comma + 1;
	} while (comma != NULL);
	return 0;
}

json_t *tt_ice_server(const struct tt_ice_urls *u, const char *server_name,
		      const char *kid, const uint8_t *tok, size_t tok_len,
		      const char *credential)
{
	char user[TPA_BROWSER_USERNAME_MAX + 1];
	json_t *urls = json_array(), *ice = json_object();
	size_t i;
	int bad = urls == NULL || ice == NULL;

	if (tpa_browser_username_format(kid, tok, tok_len, user, sizeof(user)) <
	    0) {
		tt_err("issue: cannot make the browser USERNAME");
		goto fail;
	}
	if (u->n == 0) {
		char url[TT_SERVER_NAME_MAX + 8];

		snprintf(url, sizeof(url), "turn:%s", server_name);
		bad = bad || json_array_append_new(urls, json_string(url));
	}
	for (i = 0; i < u->n; i++)
		bad = bad || json_array_append_new(
				     urls, json_stringn(u->url[i], u->len[i]));
	if (bad || json_object_set(ice, "urls", urls) ||
	    json_object_set_new(ice, "username", json_string(user)) ||
	    json_object_set_new(ice, "credential", json_string(credential))) {
		tt_err("issue: out of memory");
		goto fail;
	}
	json_decref(urls);
	return ice;
fail:
	json_decref(urls);
	json_decref(ice);
	return NULL;
}
