/*
 * tpa_loopback.c - parses a loopback address and port.
 */
#include "tpa_loopback.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Strict decimal 1..65535: digits only, no sign, no leading zero. */
static int parse_port(const char *s, uint16_t *port)
{
	uint32_t v = 0;

	if (!*s || *s == '0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (uint32_t)(*s - '0');
		if (v > 65535)
			return -1;
	}
	*port = (uint16_t)v;
	return 0;
}

/* Splits "HOST:PORT" or "[HOST]:PORT" into host (cap bytes) and port
 * text; -1 if it has neither shape. */
static int split(const char *text, char *host, size_t cap, const char **port)
{
	const char *colon;
	size_t n;

	if (text[0] == '[') {
		colon = strstr(text, "]:");
		if (!colon)
			return -1;
		text++;
		n = (size_t)(colon - text);
		*port = colon + 2;
	} else {
		colon = strrchr(text, ':');
		if (!colon || memchr(text, ':', (size_t)(colon - text)))
			return -1;
		n = (size_t)(colon - text);
		*port = colon + 1;
	}
	if (n == 0 || n >= cap)
		return -1;
	memcpy(host, text, n);
	host[n] = '\0';
	return 0;
}

int tpa_loopback_parse(const char *text, struct tpa_loopback_addr *out,
		       char *why, size_t whylen)
{
	char host[TPA_LOOPBACK_TEXT_MAX + 1];
	const char *port_text;
	uint16_t port;
	struct sockaddr_in *v4 = (struct sockaddr_in *)&out->sa;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&out->sa;

	memset(out, 0, sizeof(*out));
	if (strlen(text) > TPA_LOOPBACK_TEXT_MAX ||
	    split(text, host, sizeof(host), &port_text) != 0) {
		snprintf(why, whylen, "'%.64s' is not IPv4:PORT or [IPv6]:PORT",
			 text);
		return -1;
	}
	if (parse_port(port_text, &port) != 0) {
		snprintf(why, whylen, "port '%.16s' is not 1 to 65535",
			 port_text);
		return -1;
	}
	if (text[0] != '[' && inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		if ((ntohl(v4->sin_addr.s_addr) >> 24) != 127)
			goto not_loopback;
		v4->sin_family = AF_INET;
		v4->sin_port = htons(port);
		out->sa_len = sizeof(*v4);
	} else if (text[0] == '[' &&
		   inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		if (!IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr))
			goto not_loopback;
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(port);
		out->sa_len = sizeof(*v6);
	} else {
		snprintf(why, whylen,
			 "'%.64s' is not an IPv4 address or a bracketed IPv6 "
			 "address (no host names)",
			 host);
		memset(out, 0, sizeof(*out));
		return -1;
	}
	memcpy(out->text, text, strlen(text) + 1);
	return 0;
not_loopback:
	snprintf(why, whylen,
		 "'%.64s' is not a loopback address (127.0.0.0/8 or [::1])",
		 host);
	memset(out, 0, sizeof(*out));
	return -1;
}
