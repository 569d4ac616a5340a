/*
 * tpa_loopback: "IPv4:PORT" or "[IPv6]:PORT" of a loopback address, as the
 * plugin's configuration gives where to serve something local (metrics).
 * Only loopback is accepted: what is served there has no authentication
 * and no encryption, and tells how the server is used.
 */
#ifndef TPA_LOOPBACK_H
#define TPA_LOOPBACK_H

#include <stddef.h>
#include <sys/socket.h>

#define TPA_LOOPBACK_TEXT_MAX 64 /* longest accepted text, without NUL */

struct tpa_loopback_addr {
	char text[TPA_LOOPBACK_TEXT_MAX + 1]; /* as written, for messages */
	struct sockaddr_storage sa;	      /* AF_INET or AF_INET6 */
	socklen_t sa_len;
};

/*
 * Parses text: 127.0.0.0/8 as dotted decimal, or [::1], then ':' and a
 * port of 1 to 65535 in plain decimal.  Fills *out and returns 0, or
 * returns -1 with why (whylen bytes) saying what is wrong.  No name
 * resolution: host names are refused.
 */
int tpa_loopback_parse(const char *text, struct tpa_loopback_addr *out,
		       char *why, size_t whylen);

#endif /* TPA_LOOPBACK_H */
