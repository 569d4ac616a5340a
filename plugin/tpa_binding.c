/*
 * tpa_binding.c - the text a token is bound to.
 */
#include "tpa_binding.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

/* The IP of sa as text (IPv4-mapped IPv6 as IPv4) into ip, its port into
 * *port, and 1 if it is IPv6.  -1 if sa is not IPv4 or IPv6. */
static int ip_of(const struct sockaddr *sa, socklen_t len,
		 char ip[INET6_ADDRSTRLEN], unsigned *port, int *v6)
{
	if (!sa)
		return -1;
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const void *)sa;

		*port = ntohs(in->sin_port);
		*v6 = 0;
		return inet_ntop(AF_INET, &in->sin_addr, ip, INET6_ADDRSTRLEN)
			       ? 0
			       : -1;
	}
	if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		*port = ntohs(in6->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			*v6 = 0;
			return inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12],
					 ip, INET6_ADDRSTRLEN)
				       ? 0
				       : -1;
		}
		*v6 = 1;
		return inet_ntop(AF_INET6, &in6->sin6_addr, ip,
				 INET6_ADDRSTRLEN)
			       ? 0
			       : -1;
	}
	return -1;
}

static const char *transport_name(enum turn_auth_transport t)
{
	switch (t) {
	case TURN_AUTH_TRANSPORT_UDP:
		return "udp";
	case TURN_AUTH_TRANSPORT_TCP:
		return "tcp";
	case TURN_AUTH_TRANSPORT_TLS:
		return "tls";
	case TURN_AUTH_TRANSPORT_DTLS:
		return "dtls";
	default:
		return "unknown";
	}
}

int tpa_binding_make(enum tpa_replay_binding b, const struct sockaddr *client,
		     socklen_t client_len, const struct sockaddr *server,
		     socklen_t server_len, enum turn_auth_transport transport,
		     char *out)
{
	char cip[INET6_ADDRSTRLEN];
	unsigned cport;
	int c6, n;

	out[0] = '\0';
	if (b == TPA_BINDING_OFF) {
		strcpy(out, "*");
		return 0;
	}
	if (ip_of(client, client_len, cip, &cport, &c6) != 0)
		return -1;
	if (b == TPA_BINDING_IP) {
		n = snprintf(out, TPA_BINDING_MAX, "ip %s", cip);
	} else {
		char sip[INET6_ADDRSTRLEN];
		unsigned sport;
		int s6;

		if (ip_of(server, server_len, sip, &sport, &s6) != 0)
			return -1;
		n = snprintf(out, TPA_BINDING_MAX, "5t %s %s%s%s:%u %s%s%s:%u",
			     transport_name(transport), c6 ? "[" : "", cip,
			     c6 ? "]" : "", cport, s6 ? "[" : "", sip,
			     s6 ? "]" : "", sport);
	}
	if (n < 0 || n >= TPA_BINDING_MAX) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

void tpa_binding_shown(const char *binding, size_t len, char *out, size_t cap)
{
	size_t n = 0;

	if (cap == 0)
		return;
	if (len >= 3 &&
	    (!memcmp(binding, "ip ", 3) || !memcmp(binding, "5t ", 3))) {
		binding += 3;
		len -= 3;
	}
	for (size_t i = 0; i < len && n + 1 < cap; i++) {
		unsigned char c = (unsigned char)binding[i];

		out[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	out[n] = '\0';
}
