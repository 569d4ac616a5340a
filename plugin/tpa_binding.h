/*
 * tpa_binding: what a token is bound to on its first use, as the text
 * kept in Redis (tpa:{ID}:use), by the replay-binding policy:
 *
 *   ip       "ip 192.0.2.1"            the client's IP address
 *   5-tuple  "5t udp 192.0.2.1:5000 198.51.100.1:3478"
 *            the transport, the client's and the server's transport
 *            addresses ([v6]:port for IPv6)
 *   off      "*"                      anything
 *
 * An IPv4-mapped IPv6 address counts as its IPv4 address, so that a
 * dual-stack listener binds the same client the same way.  Knows nothing
 * of Redis or coturn but the ABI's address types.
 */
#ifndef TPA_BINDING_H
#define TPA_BINDING_H

#include <stddef.h>
#include <sys/socket.h>

#include "turn_auth_plugin.h"

#include "tpa_config.h"

#define TPA_BINDING_MAX 128 /* with the NUL: enough for two [v6]:port */

/*
 * Writes the binding of a request by policy b into out (TPA_BINDING_MAX
 * bytes).  Returns 0, or -1 when an address it needs is missing or not
 * IPv4/IPv6 (out is then "").
 */
int tpa_binding_make(enum tpa_replay_binding b, const struct sockaddr *client,
		     socklen_t client_len, const struct sockaddr *server,
		     socklen_t server_len, enum turn_auth_transport transport,
		     char *out);

/*
 * The binding text of len bytes (from Redis: any bytes) as a log shows it:
 * without its "ip " or "5t " prefix, characters outside printable ASCII
 * as '?', cut to fit out (cap bytes, NUL-terminated).
 */
void tpa_binding_shown(const char *binding, size_t len, char *out, size_t cap);

#endif /* TPA_BINDING_H */
