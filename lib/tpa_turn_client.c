/*
 * tpa_turn_client: blocking TURN client. See tpa_turn_client.h.
 *
 * Written from RFC 5389 / 8489 and RFC 5766 / 8656. Over TCP and TLS the
 * server sends a stream of STUN messages and ChannelData messages; a frame
 * is delimited by its 4-byte header (STUN: 20 + length; ChannelData:
 * 4 + length padded to 4) and read exactly, so nothing is ever over-read.
 */
#include "tpa_turn_client.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#define RTO_INITIAL_MS 500
#define UDP_MAX_SENDS 5

_Static_assert(TPA_TURN_RX_MAX >= TPA_STUN_HDR_LEN + 0xFFFC,
	       "rx holds the largest STUN message");
_Static_assert(TPA_TURN_RX_MAX >= 4 + 0x10000,
	       "rx holds the largest ChannelData frame, padded");

/* What a request carries besides authentication. */
struct req {
	uint16_t method;
	int lifetime_set;
	uint32_t lifetime;
	int transport; /* REQUESTED-TRANSPORT, 0: none */
	const struct sockaddr *peer;
	int token; /* add ACCESS-TOKEN if we have one */
};

static int set_err(struct tpa_turn_client *c, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void clear_err(struct tpa_turn_client *c);
static int begin(struct tpa_turn_client *c, int need_alloc);
static int set_common(struct tpa_turn_client *c, const char *username,
		      const uint8_t *token, size_t token_len,
		      const char *realm);
static int recv_any(struct tpa_turn_client *c, int64_t deadline);
static int take_allocation(struct tpa_turn_client *c,
			   const struct tpa_stun_view *v);
static int64_t now_ms(void);
static int remaining(int64_t deadline);
static int wait_fd(struct tpa_turn_client *c, short events, int64_t deadline);
static int open_socket(struct tpa_turn_client *c, uint16_t port,
		       uint16_t local_port, int64_t deadline);
static int connect_to(struct tpa_turn_client *c, const struct sockaddr *sa,
		      socklen_t salen, uint16_t local_port, int64_t deadline);
static int bind_local(int fd, int family, const char *local_ip, uint16_t port);
static int new_client_address(struct tpa_turn_client *c);
static void close_stale(struct tpa_turn_client *c);
static int tls_context(struct tpa_turn_client *c);
static int tls_start(struct tpa_turn_client *c, int64_t deadline);
static int tls_fail(struct tpa_turn_client *c, const char *what);
static int send_all(struct tpa_turn_client *c, const uint8_t *p, size_t n,
		    int64_t deadline);
static int read_some(struct tpa_turn_client *c, uint8_t *p, size_t n,
		     int64_t deadline);
static int recv_frame(struct tpa_turn_client *c, int64_t deadline);
static int recv_datagram(struct tpa_turn_client *c, int64_t deadline);
static int frame_total(struct tpa_turn_client *c, size_t *total);
static int transact(struct tpa_turn_client *c, uint16_t method,
		    struct tpa_stun_view *resp);
static int build(struct tpa_turn_client *c, const struct req *r, int auth);
static int request(struct tpa_turn_client *c, const struct req *r,
		   struct tpa_stun_view *resp);
static int take_challenge(struct tpa_turn_client *c,
			  const struct tpa_stun_view *v);
static int store_error(struct tpa_turn_client *c,
		       const struct tpa_stun_view *v);
static int derive_key(struct tpa_turn_client *c);
static int check_success(struct tpa_turn_client *c,
			 const struct tpa_stun_view *v);
static int store_text(char *dst, size_t cap, const char *src);

/* ---- errors and time -------------------------------------------------- */

static int set_err(struct tpa_turn_client *c, int err, const char *fmt, ...)
{
	va_list ap;

	c->err = err;
	va_start(ap, fmt);
	vsnprintf(c->errstr, sizeof(c->errstr), fmt, ap);
	va_end(ap);
	if (err == TPA_TURN_ERR_IO || err == TPA_TURN_ERR_TLS)
		c->dead = 1;
	return -1;
}

static void clear_err(struct tpa_turn_client *c)
{
	c->err = 0;
	c->errstr[0] = '\0';
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left until deadline, at least 0. */
static int remaining(int64_t deadline)
{
	int64_t left = deadline - now_ms();

	if (left < 0)
		return 0;
	return left > 0x7FFFFFFF ? 0x7FFFFFFF : (int)left;
}

/* 1 when fd is ready for events, 0 at the deadline, -1 on error. */
static int wait_fd(struct tpa_turn_client *c, short events, int64_t deadline)
{
	struct pollfd pfd = {.fd = c->fd, .events = events};

	for (;;) {
		int r = poll(&pfd, 1, remaining(deadline));
		if (r > 0)
			return 1;
		if (r == 0)
			return 0;
		if (errno != EINTR)
			return set_err(c, TPA_TURN_ERR_IO, "poll: %s",
				       strerror(errno));
	}
}

/* Copies a NUL-terminated string of at most cap - 1 bytes; -1 if longer. */
static int store_text(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap);

	if (n >= cap)
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}

const char *tpa_turn_format_addr(const struct sockaddr_storage *ss, char *buf,
				 size_t cap)
{
	char ip[INET6_ADDRSTRLEN];

	if (buf == NULL || cap == 0)
		return "";
	snprintf(buf, cap, "?");
	if (ss == NULL)
		return buf;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
		snprintf(buf, cap, "%s:%u", ip, (unsigned)ntohs(in->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 =
			(const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
		snprintf(buf, cap, "[%s]:%u", ip,
			 (unsigned)ntohs(in6->sin6_port));
	}
	return buf;
}

/* ---- connection ------------------------------------------------------- */

struct tpa_turn_client *tpa_turn_connect(const char *host, uint16_t port,
					 enum tpa_turn_transport transport,
					 int flags, int timeout_ms)
{
	return tpa_turn_connect_from(NULL, 0, host, port, transport, flags,
				     timeout_ms);
}

struct tpa_turn_client *tpa_turn_connect_from(const char *local_ip,
					      uint16_t local_port,
					      const char *host, uint16_t port,
					      enum tpa_turn_transport transport,
					      int flags, int timeout_ms)
{
	struct tpa_turn_client *c = calloc(1, sizeof(*c));
	int64_t deadline;

	if (c == NULL)
		return NULL;
	c->rx = malloc(TPA_TURN_RX_MAX);
	if (c->rx == NULL) {
		free(c);
		return NULL;
	}
	c->fd = -1;
	c->transport = transport;
	c->flags = flags;
	c->timeout_ms = timeout_ms;
	if (host == NULL || port == 0 || timeout_ms <= 0 ||
	    (unsigned)transport > TPA_TURN_TLS ||
	    store_text(c->host, sizeof(c->host), host) != 0 ||
	    (local_ip != NULL &&
	     store_text(c->local_ip, sizeof(c->local_ip), local_ip) != 0)) {
		set_err(c, TPA_TURN_ERR_ARG, "bad connect arguments");
		c->dead = 1;
		return c;
	}
	deadline = now_ms() + timeout_ms;
	if (open_socket(c, port, local_port, deadline) == 0 &&
	    transport == TPA_TURN_TLS)
		tls_start(c, deadline);
	if (c->err != 0)
		c->dead = 1;
	return c;
}

/*
 * Binds fd to local_ip ("": the wildcard address), an IP literal of
 * family, and port (0: any). 0 or errno.
 */
static int bind_local(int fd, int family, const char *local_ip, uint16_t port)
{
	struct sockaddr_storage ss;
	void *ip;
	socklen_t len;

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = (sa_family_t)family;
	if (family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		in6->sin6_port = htons(port);
		ip = &in6->sin6_addr;
		len = sizeof(*in6);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		in->sin_port = htons(port);
		ip = &in->sin_addr;
		len = sizeof(*in);
	}
	if (local_ip[0] != '\0' && inet_pton(family, local_ip, ip) != 1)
		return EINVAL;
	return bind(fd, (struct sockaddr *)&ss, len) == 0 ? 0 : errno;
}

/*
 * Connects a new non-blocking socket to sa, from c->local_ip if set and
 * local_port if not 0.
 * Returns 0 with c->fd set; an errno value with c->fd -1; or -1 (c->err
 * set) if waiting failed.
 */
static int connect_to(struct tpa_turn_client *c, const struct sockaddr *sa,
		      socklen_t salen, uint16_t local_port, int64_t deadline)
{
	int type = c->transport == TPA_TURN_UDP ? SOCK_DGRAM : SOCK_STREAM;
	int soerr;

	c->fd = socket(sa->sa_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return errno;
	soerr = c->local_ip[0] != '\0' || local_port != 0
			? bind_local(c->fd, sa->sa_family, c->local_ip,
				     local_port)
			: 0;
	if (soerr == 0)
		soerr = connect(c->fd, sa, salen) == 0 ? 0 : errno;
	if (soerr == EINPROGRESS) {
		int r = wait_fd(c, POLLOUT, deadline);
		socklen_t sl = sizeof(soerr);
		soerr = r == 0 ? ETIMEDOUT : 0;
		if (r == 1 &&
		    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
			soerr = errno;
		if (r < 0)
			soerr = -1;
	}
	if (soerr != 0) {
		close(c->fd);
		c->fd = -1;
	}
	return soerr;
}

/*
 * Resolves c->host and connects to the first answer that takes the
 * connection; keeps that address in c->server for new_client_address.
 */
static int open_socket(struct tpa_turn_client *c, uint16_t port,
		       uint16_t local_port, int64_t deadline)
{
	struct addrinfo hints, *res = NULL, *ai;
	char portstr[8];
	int r, soerr = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype =
		c->transport == TPA_TURN_UDP ? SOCK_DGRAM : SOCK_STREAM;
	snprintf(portstr, sizeof(portstr), "%u", (unsigned)port);
	r = getaddrinfo(c->host, portstr, &hints, &res);
	if (r != 0)
		return set_err(c, TPA_TURN_ERR_RESOLVE, "resolve %s: %s",
			       c->host, gai_strerror(r));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_addrlen > sizeof(c->server))
			continue;
		soerr = connect_to(c, ai->ai_addr, ai->ai_addrlen, local_port,
				   deadline);
		if (soerr == 0) {
			memcpy(&c->server, ai->ai_addr, ai->ai_addrlen);
			c->server_len = ai->ai_addrlen;
		}
		if (soerr <= 0)
			break;
	}
	freeaddrinfo(res);
	if (c->err != 0)
		return -1;
	if (c->fd < 0)
		return set_err(c,
			       soerr == ETIMEDOUT ? TPA_TURN_ERR_TIMEOUT
						  : TPA_TURN_ERR_IO,
			       "%s port %u: %s", c->host, (unsigned)port,
			       soerr > 0 ? strerror(soerr) : "no address");
	return 0;
}

/*
 * RFC 8656 section 7.4: after a 437 to an Allocate, a new client transport
 * address. The old socket stays open (in c->stale_fds) until the Allocate
 * ends, so that the new one cannot be given its port again; over TLS the
 * handshake is done again on the new connection.
 */
static int new_client_address(struct tpa_turn_client *c)
{
	int64_t deadline = now_ms() + c->timeout_ms;
	int soerr;

	if (c->nstale >= (int)(sizeof(c->stale_fds) / sizeof(c->stale_fds[0])))
		return set_err(c, TPA_TURN_ERR_ARG, "no room for an address");
	if (c->ssl != NULL) {
		SSL_free(c->ssl); /* leaves the fd open: SSL_set_fd */
		c->ssl = NULL;
	}
	c->stale_fds[c->nstale++] = c->fd;
	c->fd = -1;
	c->rx_len = 0;
	c->rx_have = 0;
	soerr = connect_to(c, (struct sockaddr *)&c->server, c->server_len, 0,
			   deadline);
	if (soerr < 0)
		return -1;
	if (soerr > 0)
		return set_err(c,
			       soerr == ETIMEDOUT ? TPA_TURN_ERR_TIMEOUT
						  : TPA_TURN_ERR_IO,
			       "connecting from a new client address: %s",
			       strerror(soerr));
	return c->transport == TPA_TURN_TLS ? tls_start(c, deadline) : 0;
}

/* Closes the sockets of the addresses that got 437. */
static void close_stale(struct tpa_turn_client *c)
{
	while (c->nstale > 0)
		close(c->stale_fds[--c->nstale]);
}

static int tls_fail(struct tpa_turn_client *c, const char *what)
{
	char buf[160];
	unsigned long e = ERR_get_error();
	long vr = c->ssl != NULL ? SSL_get_verify_result(c->ssl) : X509_V_OK;

	if (vr != X509_V_OK)
		snprintf(buf, sizeof(buf), "certificate: %s",
			 X509_verify_cert_error_string(vr));
	else if (e != 0)
		ERR_error_string_n(e, buf, sizeof(buf));
	else
		snprintf(buf, sizeof(buf), "%s",
			 errno != 0 ? strerror(errno) : "connection closed");
	ERR_clear_error();
	return set_err(c, TPA_TURN_ERR_TLS, "TLS %s: %s", what, buf);
}

/* The TLS context of the handle, made once (a new address reuses it). */
static int tls_context(struct tpa_turn_client *c)
{
	c->ssl_ctx = SSL_CTX_new(TLS_client_method());
	if (c->ssl_ctx == NULL ||
	    !SSL_CTX_set_min_proto_version(c->ssl_ctx, TLS1_2_VERSION))
		return tls_fail(c, "setup");
	if (c->flags & TPA_TURN_VERIFY_PEER) {
		if (!SSL_CTX_set_default_verify_paths(c->ssl_ctx))
			return tls_fail(c, "trust store");
		SSL_CTX_set_verify(c->ssl_ctx, SSL_VERIFY_PEER, NULL);
	}
	return 0;
}

/* Sets up OpenSSL on the connected socket and does the handshake. */
static int tls_start(struct tpa_turn_client *c, int64_t deadline)
{
	const char *host = c->host;
	struct in6_addr ip;
	int is_ip, r;

	is_ip = inet_pton(AF_INET, host, &ip) == 1 ||
		inet_pton(AF_INET6, host, &ip) == 1;
	if (c->ssl_ctx == NULL && tls_context(c) != 0)
		return -1;
	c->ssl = SSL_new(c->ssl_ctx);
	if (c->ssl == NULL || !SSL_set_fd(c->ssl, c->fd))
		return tls_fail(c, "setup");
	if (!is_ip && !SSL_set_tlsext_host_name(c->ssl, host))
		return tls_fail(c, "SNI");
	if (c->flags & TPA_TURN_VERIFY_PEER) {
		r = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(
				    SSL_get0_param(c->ssl), host)
			  : SSL_set1_host(c->ssl, host);
		if (!r)
			return tls_fail(c, "host name check");
	}
	for (;;) {
		errno = 0;
		r = SSL_connect(c->ssl);
		if (r == 1)
			return 0;
		int e = SSL_get_error(c->ssl, r);
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
			return tls_fail(c, "handshake");
		r = wait_fd(c, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT,
			    deadline);
		if (r < 0)
			return -1;
		if (r == 0)
			return set_err(c, TPA_TURN_ERR_TIMEOUT,
				       "TLS handshake timed out");
	}
}

void tpa_turn_free(struct tpa_turn_client *c)
{
	if (c == NULL)
		return;
	if (c->ssl != NULL) {
		if (!c->dead)
			SSL_shutdown(c->ssl); /* best effort, non-blocking */
		SSL_free(c->ssl);
	}
	SSL_CTX_free(c->ssl_ctx);
	if (c->fd >= 0)
		close(c->fd);
	close_stale(c);
	OPENSSL_cleanse(c->rx, TPA_TURN_RX_MAX);
	free(c->rx);
	OPENSSL_cleanse(c, sizeof(*c));
	free(c);
}

int tpa_turn_set_timeout(struct tpa_turn_client *c, int timeout_ms)
{
	if (c == NULL)
		return -1;
	if (timeout_ms <= 0)
		return set_err(c, TPA_TURN_ERR_ARG, "timeout must be > 0");
	c->timeout_ms = timeout_ms;
	return 0;
}

int tpa_turn_set_integrity(struct tpa_turn_client *c,
			   enum tpa_turn_integrity integrity)
{
	if (c == NULL)
		return -1;
	clear_err(c);
	switch (integrity) {
	case TPA_TURN_MI_SHA1:
	case TPA_TURN_MI_SHA256:
	case TPA_TURN_MI_SHA256_128:
		c->integrity = integrity;
		return 0;
	}
	return set_err(c, TPA_TURN_ERR_ARG, "unknown integrity attribute");
}

/* Bytes of MESSAGE-INTEGRITY-SHA256 we send; 0 for MESSAGE-INTEGRITY. */
static size_t sha256_len(const struct tpa_turn_client *c)
{
	switch (c->integrity) {
	case TPA_TURN_MI_SHA256:
		return TPA_STUN_MI_SHA256_LEN;
	case TPA_TURN_MI_SHA256_128:
		return TPA_STUN_MI_SHA256_MIN_LEN;
	case TPA_TURN_MI_SHA1:
		break;
	}
	return 0;
}

/* ---- credentials ------------------------------------------------------ */

static int set_common(struct tpa_turn_client *c, const char *username,
		      const uint8_t *token, size_t token_len, const char *realm)
{
	clear_err(c);
	if (username == NULL ||
	    store_text(c->username, sizeof(c->username), username) != 0)
		return set_err(c, TPA_TURN_ERR_ARG,
			       "username missing or longer than %d bytes",
			       TPA_TURN_USERNAME_MAX);
	if (token_len > sizeof(c->token) || (token == NULL && token_len > 0))
		return set_err(c, TPA_TURN_ERR_ARG, "access token too long");
	if (token_len > 0)
		memcpy(c->token, token, token_len);
	c->token_len = token_len;
	if (realm != NULL) {
		c->realm_fixed = 1;
		if (store_text(c->realm, sizeof(c->realm), realm))
			return set_err(c, TPA_TURN_ERR_ARG, "realm too long");
	} else if (c->realm_fixed) {
		/* the server names the realm again in its next 401 */
		c->realm_fixed = 0;
		c->realm[0] = '\0';
	}
	/* else the realm the server named stays: new credentials on a
	 * session (a new token) are sent in the same realm, never in an
	 * empty one */
	c->have_creds = 1;
	return 0;
}

int tpa_turn_set_credentials(struct tpa_turn_client *c, const char *username,
			     const uint8_t *key, size_t key_len,
			     const uint8_t *token, size_t token_len,
			     const char *realm)
{
	if (c == NULL)
		return -1;
	OPENSSL_cleanse(c->password, sizeof(c->password));
	OPENSSL_cleanse(c->key, sizeof(c->key));
	c->use_password = 0;
	c->key_len = 0;
	c->have_creds = 0;
	if (key == NULL || key_len == 0 || key_len > sizeof(c->key))
		return set_err(c, TPA_TURN_ERR_ARG, "key must be 1 to %d bytes",
			       TPA_TURN_KEY_MAX);
	if (set_common(c, username, token, token_len, realm) != 0)
		return -1;
	memcpy(c->key, key, key_len);
	c->key_len = key_len;
	return 0;
}

int tpa_turn_set_password(struct tpa_turn_client *c, const char *username,
			  const char *password, const uint8_t *token,
			  size_t token_len, const char *realm)
{
	if (c == NULL)
		return -1;
	OPENSSL_cleanse(c->password, sizeof(c->password));
	OPENSSL_cleanse(c->key, sizeof(c->key));
	c->key_len = 0;
	c->have_creds = 0;
	c->use_password = 1;
	if (password == NULL ||
	    store_text(c->password, sizeof(c->password), password) != 0)
		return set_err(c, TPA_TURN_ERR_ARG,
			       "password missing or too long");
	if (set_common(c, username, token, token_len, realm) != 0)
		return -1;
	return c->realm[0] != '\0' ? derive_key(c) : 0;
}

/* Long-term key from username, the current realm and the password. */
static int derive_key(struct tpa_turn_client *c)
{
	int r;

	if (!c->use_password)
		return 0;
	r = tpa_stun_long_term_key(c->username, c->realm, c->password, c->key);
	if (r != 0)
		return set_err(c, TPA_TURN_ERR_ARG, "long-term key: %s",
			       tpa_stun_strerror(r));
	c->key_len = 16;
	return 0;
}

/* ---- framing and I/O -------------------------------------------------- */

/* Writes all n bytes before the deadline. */
static int send_all(struct tpa_turn_client *c, const uint8_t *p, size_t n,
		    int64_t deadline)
{
	ssize_t w;
	int r, e;

	while (n > 0) {
		if (c->ssl != NULL) {
			r = SSL_write(c->ssl, p,
				      n > 0x7FFFFFFF ? 0x7FFFFFFF : (int)n);
			if (r > 0) {
				p += r;
				n -= (size_t)r;
				continue;
			}
			e = SSL_get_error(c->ssl, r);
			if (e != SSL_ERROR_WANT_READ &&
			    e != SSL_ERROR_WANT_WRITE)
				return tls_fail(c, "write");
			r = wait_fd(c,
				    e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT,
				    deadline);
		} else {
			w = send(c->fd, p, n, MSG_NOSIGNAL);
			if (w >= 0) {
				if (c->transport == TPA_TURN_UDP &&
				    (size_t)w != n)
					return set_err(c, TPA_TURN_ERR_IO,
						       "short datagram send");
				p += w;
				n -= (size_t)w;
				continue;
			}
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return set_err(c, TPA_TURN_ERR_IO, "send: %s",
					       strerror(errno));
			r = wait_fd(c, POLLOUT, deadline);
		}
		if (r < 0)
			return -1;
		if (r == 0)
			return set_err(c, TPA_TURN_ERR_TIMEOUT,
				       "send timed out");
	}
	return 0;
}

/*
 * Stream read of 1..n bytes: returns the count, 0 at the deadline, or -1
 * on error or end of stream.
 */
static int read_some(struct tpa_turn_client *c, uint8_t *p, size_t n,
		     int64_t deadline)
{
	ssize_t got;
	int r, e;

	for (;;) {
		if (c->ssl != NULL) {
			errno = 0;
			r = SSL_read(c->ssl, p,
				     n > 0x7FFFFFFF ? 0x7FFFFFFF : (int)n);
			if (r > 0)
				return r;
			e = SSL_get_error(c->ssl, r);
			if (e == SSL_ERROR_ZERO_RETURN)
				return set_err(c, TPA_TURN_ERR_IO,
					       "server closed the connection");
			if (e != SSL_ERROR_WANT_READ &&
			    e != SSL_ERROR_WANT_WRITE)
				return tls_fail(c, "read");
			r = wait_fd(c,
				    e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT,
				    deadline);
		} else {
			got = recv(c->fd, p, n, 0);
			if (got > 0)
				return (int)got;
			if (got == 0)
				return set_err(c, TPA_TURN_ERR_IO,
					       "server closed the connection");
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return set_err(c, TPA_TURN_ERR_IO, "recv: %s",
					       strerror(errno));
			r = wait_fd(c, POLLIN, deadline);
		}
		if (r <= 0)
			return r;
	}
}

/*
 * Size of the frame whose 4-byte header is in c->rx: 0 and *total, or -1
 * if the stream is not TURN (it cannot be resynchronised) or the frame
 * would not fit in c->rx (it always fits: the length field is 16 bits).
 */
static int frame_total(struct tpa_turn_client *c, size_t *total)
{
	size_t len = ((size_t)c->rx[2] << 8) | c->rx[3];

	*total = 0;

	if ((c->rx[0] & 0xC0) == 0x00) {
		if (len % 4 != 0)
			return set_err(c, TPA_TURN_ERR_PROTOCOL,
				       "STUN length %zu not a multiple of 4",
				       len);
		*total = TPA_STUN_HDR_LEN + len;
	} else if ((c->rx[0] & 0xC0) == 0x40) {
		*total = 4 + ((len + 3) & ~(size_t)3);
	} else {
		return set_err(c, TPA_TURN_ERR_PROTOCOL,
			       "stream is neither STUN nor ChannelData");
	}
	if (*total > TPA_TURN_RX_MAX)
		return set_err(c, TPA_TURN_ERR_PROTOCOL,
			       "frame of %zu bytes, more than %d", *total,
			       TPA_TURN_RX_MAX);
	return 0;
}

/*
 * Reads one whole frame from the stream into c->rx (c->rx_len). A frame
 * cut off by the deadline is kept and completed by the next call.
 * Returns 1 with a frame, 0 at the deadline, -1 on error.
 */
static int recv_frame(struct tpa_turn_client *c, int64_t deadline)
{
	size_t need = 4;

	if (c->rx_len != 0) {
		c->rx_len = 0;
		c->rx_have = 0;
	}
	for (;;) {
		if (c->rx_have >= 4) {
			if (frame_total(c, &need) != 0) {
				c->dead = 1;
				return -1;
			}
			if (c->rx_have == need) {
				c->rx_len = need;
				return 1;
			}
		}
		int r = read_some(c, c->rx + c->rx_have, need - c->rx_have,
				  deadline);
		if (r <= 0)
			return r;
		c->rx_have += (size_t)r;
	}
}

/* Receives one datagram into c->rx. Returns 1, 0 at the deadline, -1. */
static int recv_datagram(struct tpa_turn_client *c, int64_t deadline)
{
	c->rx_len = 0;
	for (;;) {
		ssize_t got = recv(c->fd, c->rx, TPA_TURN_RX_MAX, MSG_TRUNC);
		if (got >= 0 && (size_t)got <= TPA_TURN_RX_MAX) {
			c->rx_len = (size_t)got;
			return 1;
		}
		if (got >= 0)
			continue; /* larger than any TURN frame: drop */
		if (errno == EINTR)
			continue;
		if (errno == ECONNREFUSED)
			return set_err(c, TPA_TURN_ERR_IO,
				       "connection refused (nothing listens "
				       "on the server port?)");
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return set_err(c, TPA_TURN_ERR_IO, "recv: %s",
				       strerror(errno));
		int r = wait_fd(c, POLLIN, deadline);
		if (r <= 0)
			return r;
	}
}

static int recv_any(struct tpa_turn_client *c, int64_t deadline)
{
	return c->transport == TPA_TURN_UDP ? recv_datagram(c, deadline)
					    : recv_frame(c, deadline);
}

/* ---- transactions ----------------------------------------------------- */

/*
 * Sends c->tx and waits for the response with its transaction id,
 * retransmitting over UDP. Unrelated or broken messages are skipped.
 * On success *resp views c->rx.
 */
static int transact(struct tpa_turn_client *c, uint16_t method,
		    struct tpa_stun_view *resp)
{
	int64_t deadline = now_ms() + c->timeout_ms, next;
	int sends = 1, rto = RTO_INITIAL_MS, cls;

	if (send_all(c, c->tx, c->tx_len, deadline) != 0)
		return -1;
	next = c->transport == TPA_TURN_UDP ? now_ms() + rto : deadline;
	for (;;) {
		int r = recv_any(c, next < deadline ? next : deadline);
		if (r < 0)
			return -1;
		if (r == 0) {
			if (now_ms() >= deadline)
				return set_err(c, TPA_TURN_ERR_TIMEOUT,
					       "no response within %d ms",
					       c->timeout_ms);
			if (sends < UDP_MAX_SENDS) {
				sends++;
				rto *= 2;
				if (send_all(c, c->tx, c->tx_len, deadline))
					return -1;
			}
			next = sends < UDP_MAX_SENDS ? now_ms() + rto
						     : deadline;
			continue;
		}
		if (tpa_stun_parse(resp, c->rx, c->rx_len) != 0 ||
		    memcmp(tpa_stun_tid_of(resp), c->tx + 8,
			   TPA_STUN_TID_LEN) != 0)
			continue;
		cls = tpa_stun_class_of(resp);
		if ((cls == TPA_STUN_SUCCESS || cls == TPA_STUN_ERROR) &&
		    tpa_stun_method_of(resp) == method)
			return 0;
	}
}

/* Builds the request r into c->tx, with credentials if auth. */
static int build(struct tpa_turn_client *c, const struct req *r, int auth)
{
	struct tpa_stun_msg m;

	tpa_stun_msg_init(&m, c->tx, sizeof(c->tx), TPA_STUN_REQUEST, r->method,
			  NULL);
	if (r->transport != 0)
		tpa_stun_add_requested_transport(&m, (uint8_t)r->transport);
	if (r->lifetime_set)
		tpa_stun_add_u32(&m, TPA_STUN_ATTR_LIFETIME, r->lifetime);
	if (r->peer != NULL)
		tpa_stun_add_xor_addr(&m, TPA_STUN_ATTR_XOR_PEER_ADDRESS,
				      r->peer);
	if (auth) {
		tpa_stun_add_attr(&m, TPA_STUN_ATTR_USERNAME, c->username,
				  strlen(c->username));
		tpa_stun_add_attr(&m, TPA_STUN_ATTR_REALM, c->realm,
				  strlen(c->realm));
		tpa_stun_add_attr(&m, TPA_STUN_ATTR_NONCE, c->nonce,
				  c->nonce_len);
		if (r->token && c->token_len > 0)
			tpa_stun_add_attr(&m, TPA_STUN_ATTR_ACCESS_TOKEN,
					  c->token, c->token_len);
		if (sha256_len(c) > 0)
			tpa_stun_add_integrity_sha256_len(
				&m, c->key, c->key_len, sha256_len(c));
		else
			tpa_stun_add_integrity(&m, c->key, c->key_len);
	}
	if (c->flags & TPA_TURN_FINGERPRINT)
		tpa_stun_add_fingerprint(&m);
	if (m.err != 0)
		return set_err(c, TPA_TURN_ERR_ARG, "building request: %s",
			       tpa_stun_strerror(m.err));
	c->tx_len = m.len;
	return 0;
}

/* Records the ERROR-CODE of an error response; returns -1. */
static int store_error(struct tpa_turn_client *c, const struct tpa_stun_view *v)
{
	int r = tpa_stun_get_error_code(v, &c->last_error_code,
					c->last_error_reason,
					sizeof(c->last_error_reason));

	if (r != 0)
		return set_err(c, TPA_TURN_ERR_PROTOCOL,
			       "error response without a valid ERROR-CODE: "
			       "%s",
			       tpa_stun_strerror(r));
	if (c->last_error_code == 401)
		tpa_stun_get_string(v, TPA_STUN_ATTR_THIRD_PARTY_AUTHORIZATION,
				    c->third_party, sizeof(c->third_party),
				    NULL);
	return set_err(c, TPA_TURN_ERR_SERVER, "server error %d %s",
		       c->last_error_code, c->last_error_reason);
}

/*
 * Takes NONCE (and REALM unless overridden) from a 401 or 438 response.
 * The raw NONCE bytes are kept to be echoed exactly.
 */
static int take_challenge(struct tpa_turn_client *c,
			  const struct tpa_stun_view *v)
{
	struct tpa_stun_attr a;
	char realm[TPA_TURN_TEXT_MAX];
	size_t full = 0;

	if (tpa_stun_get_attr(v, TPA_STUN_ATTR_NONCE, &a) != 0 || a.len == 0 ||
	    a.len >= sizeof(c->nonce))
		return set_err(c, TPA_TURN_ERR_PROTOCOL,
			       "challenge without a usable NONCE");
	memcpy(c->nonce, a.value, a.len);
	c->nonce_len = a.len;
	if (c->realm_fixed)
		return 0;
	if (tpa_stun_get_attr(v, TPA_STUN_ATTR_REALM, &a) != 0 || a.len == 0 ||
	    memchr(a.value, 0, a.len) != NULL ||
	    tpa_stun_get_string(v, TPA_STUN_ATTR_REALM, realm, sizeof(realm),
				&full) != 0 ||
	    full >= sizeof(realm))
		return set_err(c, TPA_TURN_ERR_PROTOCOL,
			       "challenge without a usable REALM");
	if (strcmp(realm, c->realm) != 0 || c->key_len == 0) {
		memcpy(c->realm, realm, full + 1);
		return derive_key(c);
	}
	return 0;
}

/* A success response signed with MESSAGE-INTEGRITY-SHA256 as we sent it:
 * present, of our length, verifying with the key. */
static int check_success_sha256(struct tpa_turn_client *c,
				const struct tpa_stun_view *v)
{
	struct tpa_stun_attr a;
	int r = tpa_stun_get_attr(v, TPA_STUN_ATTR_MESSAGE_INTEGRITY_SHA256,
				  &a);

	if (r == TPA_STUN_ERR_NO_ATTR)
		return set_err(c, TPA_TURN_ERR_PROTOCOL,
			       "success response without "
			       "MESSAGE-INTEGRITY-SHA256");
	if (r == 0 && a.len != sha256_len(c))
		return set_err(c, TPA_TURN_ERR_PROTOCOL,
			       "MESSAGE-INTEGRITY-SHA256 of the success "
			       "response is %u bytes, we sent %zu",
			       (unsigned)a.len, sha256_len(c));
	if (r == 0)
		r = tpa_stun_verify_integrity_sha256(v, c->key, c->key_len);
	if (r != 0)
		return set_err(c, TPA_TURN_ERR_PROTOCOL,
			       "MESSAGE-INTEGRITY-SHA256 of the success "
			       "response: %s",
			       tpa_stun_strerror(r));
	return 0;
}

/* A success response to an authenticated request must prove the key. */
static int check_success(struct tpa_turn_client *c,
			 const struct tpa_stun_view *v)
{
	int r = 0;

	if (sha256_len(c) > 0) {
		if (check_success_sha256(c, v) != 0)
			return -1;
	} else {
		r = tpa_stun_verify_integrity(v, c->key, c->key_len);
		if (r == TPA_STUN_ERR_NO_ATTR)
			return set_err(c, TPA_TURN_ERR_PROTOCOL,
				       "success response without "
				       "MESSAGE-INTEGRITY");
		if (r != 0)
			return set_err(c, TPA_TURN_ERR_PROTOCOL,
				       "MESSAGE-INTEGRITY of the success "
				       "response: %s",
				       tpa_stun_strerror(r));
	}
	if ((c->flags & TPA_TURN_FINGERPRINT) &&
	    (r = tpa_stun_verify_fingerprint(v)) != 0 &&
	    r != TPA_STUN_ERR_NO_ATTR)
		return set_err(c, TPA_TURN_ERR_PROTOCOL, "FINGERPRINT: %s",
			       tpa_stun_strerror(r));
	return 0;
}

/*
 * Sends request r and returns its success response in *resp. Without a
 * nonce yet the request goes unauthenticated; a 401 to it supplies REALM
 * and NONCE and the request is repeated with credentials. A 438 (stale
 * nonce) is retried once with the new nonce. A success response to an
 * authenticated request must carry a MESSAGE-INTEGRITY that verifies.
 */
static int request(struct tpa_turn_client *c, const struct req *r,
		   struct tpa_stun_view *resp)
{
	int code, stale_retried = 0;

	for (;;) {
		int auth = c->have_creds && c->nonce_len > 0 && c->key_len > 0;
		if (build(c, r, auth) != 0 || transact(c, r->method, resp))
			return -1;
		if (tpa_stun_class_of(resp) == TPA_STUN_SUCCESS)
			return auth ? check_success(c, resp) : 0;
		tpa_stun_get_error_code(resp, &code, NULL, 0);
		if (code == 401 && !auth && c->have_creds) {
			tpa_stun_get_string(
				resp, TPA_STUN_ATTR_THIRD_PARTY_AUTHORIZATION,
				c->third_party, sizeof(c->third_party), NULL);
		} else if (code == 438 && auth && !stale_retried) {
			stale_retried = 1;
		} else {
			return store_error(c, resp);
		}
		if (take_challenge(c, resp) != 0)
			return -1;
	}
}

/* Common checks at the start of every operation. */
static int begin(struct tpa_turn_client *c, int need_alloc)
{
	if (c == NULL)
		return -1;
	if (c->dead || c->fd < 0) {
		/* Keep the error that broke the connection, if any. */
		if (c->err == 0 || c->errstr[0] == '\0')
			return set_err(c, TPA_TURN_ERR_IO, "not connected");
		return -1;
	}
	clear_err(c);
	c->last_error_code = 0;
	c->last_error_reason[0] = '\0';
	if (need_alloc && !c->allocated)
		return set_err(c, TPA_TURN_ERR_ARG, "no allocation");
	return 0;
}

/* ---- operations ------------------------------------------------------- */

static int take_allocation(struct tpa_turn_client *c,
			   const struct tpa_stun_view *v)
{
	int r = tpa_stun_get_xor_addr(v, TPA_STUN_ATTR_XOR_RELAYED_ADDRESS,
				      &c->relayed);

	if (r != 0)
		return set_err(c, TPA_TURN_ERR_PROTOCOL,
			       "Allocate success without a usable "
			       "XOR-RELAYED-ADDRESS: %s",
			       tpa_stun_strerror(r));
	tpa_stun_get_xor_addr(v, TPA_STUN_ATTR_XOR_MAPPED_ADDRESS, &c->mapped);
	tpa_stun_get_u32(v, TPA_STUN_ATTR_LIFETIME, &c->lifetime);
	c->allocated = 1;
	return 0;
}

int tpa_turn_allocate(struct tpa_turn_client *c, uint32_t lifetime,
		      struct sockaddr_storage *relayed,
		      struct sockaddr_storage *mapped)
{
	struct req r = {.method = TPA_STUN_ALLOCATE,
			.lifetime_set = lifetime != 0,
			.lifetime = lifetime,
			.transport = TPA_STUN_TRANSPORT_UDP,
			.token = 1};
	struct tpa_stun_view v;
	int rc;

	if (begin(c, 0) != 0)
		return -1;
	if (c->allocated)
		return set_err(c, TPA_TURN_ERR_ARG, "already allocated");
	c->mismatch_retries = 0;
	for (;;) {
		c->third_party[0] = '\0';
		c->nonce_len = 0; /* first Allocate goes without credentials */
		rc = request(c, &r, &v);
		if (rc == 0 || c->err != TPA_TURN_ERR_SERVER ||
		    c->last_error_code != 437)
			break;
		if (c->mismatch_retries + 1 >= TPA_TURN_ALLOCATE_ADDRESSES) {
			set_err(c, TPA_TURN_ERR_SERVER,
				"server error 437 %s, on %d client transport "
				"addresses",
				c->last_error_reason,
				TPA_TURN_ALLOCATE_ADDRESSES);
			break;
		}
		if (new_client_address(c) != 0)
			break;
		c->mismatch_retries++;
		clear_err(c);
		c->last_error_code = 0;
		c->last_error_reason[0] = '\0';
	}
	close_stale(c);
	if (rc != 0 || take_allocation(c, &v) != 0)
		return -1;
	if (relayed != NULL)
		*relayed = c->relayed;
	if (mapped != NULL)
		*mapped = c->mapped;
	return 0;
}

int tpa_turn_refresh(struct tpa_turn_client *c, uint32_t lifetime)
{
	struct req r = {.method = TPA_STUN_REFRESH,
			.lifetime_set = 1,
			.lifetime = lifetime,
			.token = 1};
	struct tpa_stun_view v;

	if (begin(c, 1) != 0)
		return -1;
	if (request(c, &r, &v) != 0) {
		if (c->err != TPA_TURN_ERR_SERVER || c->last_error_code != 437)
			return -1;
		/* RFC 8656 section 8.3: the allocation no longer exists, and a
		 * deletion that gets 437 has effectively succeeded */
		c->lifetime = 0;
		c->allocated = 0;
		if (lifetime != 0)
			return -1;
		clear_err(c);
		return 0;
	}
	c->lifetime = 0;
	tpa_stun_get_u32(&v, TPA_STUN_ATTR_LIFETIME, &c->lifetime);
	if (lifetime == 0)
		c->allocated = 0;
	return 0;
}

int tpa_turn_create_permission(struct tpa_turn_client *c,
			       const struct sockaddr *peer)
{
	struct req r = {.method = TPA_STUN_CREATE_PERMISSION, .peer = peer};
	struct tpa_stun_view v;

	if (begin(c, 1) != 0)
		return -1;
	if (peer == NULL)
		return set_err(c, TPA_TURN_ERR_ARG, "no peer");
	return request(c, &r, &v);
}

int tpa_turn_send(struct tpa_turn_client *c, const struct sockaddr *peer,
		  const void *data, size_t len)
{
	struct tpa_stun_msg m;

	if (begin(c, 1) != 0)
		return -1;
	if (peer == NULL || (data == NULL && len > 0))
		return set_err(c, TPA_TURN_ERR_ARG, "no peer or data");
	tpa_stun_msg_init(&m, c->tx, sizeof(c->tx), TPA_STUN_INDICATION,
			  TPA_STUN_SEND, NULL);
	tpa_stun_add_xor_addr(&m, TPA_STUN_ATTR_XOR_PEER_ADDRESS, peer);
	tpa_stun_add_attr(&m, TPA_STUN_ATTR_DATA, data, len);
	if (c->flags & TPA_TURN_FINGERPRINT)
		tpa_stun_add_fingerprint(&m);
	if (m.err != 0)
		return set_err(c, TPA_TURN_ERR_ARG, "Send indication: %s",
			       tpa_stun_strerror(m.err));
	c->tx_len = m.len;
	return send_all(c, c->tx, c->tx_len, now_ms() + c->timeout_ms);
}

int tpa_turn_recv(struct tpa_turn_client *c, struct sockaddr_storage *peer,
		  void *buf, size_t cap, size_t *len, int timeout_ms)
{
	int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	struct tpa_stun_view v;
	struct tpa_stun_attr a;

	if (len != NULL)
		*len = 0;
	if (begin(c, 0) != 0)
		return -1;
	if (peer == NULL || len == NULL || (buf == NULL && cap > 0))
		return set_err(c, TPA_TURN_ERR_ARG, "bad recv arguments");
	for (;;) {
		int r = recv_any(c, deadline);
		if (r < 0)
			return -1;
		if (r == 0)
			return set_err(c, TPA_TURN_ERR_TIMEOUT,
				       "no data within %d ms", timeout_ms);
		if (tpa_stun_parse(&v, c->rx, c->rx_len) != 0 ||
		    tpa_stun_class_of(&v) != TPA_STUN_INDICATION ||
		    tpa_stun_method_of(&v) != TPA_STUN_DATA ||
		    tpa_stun_get_xor_addr(&v, TPA_STUN_ATTR_XOR_PEER_ADDRESS,
					  peer) != 0 ||
		    tpa_stun_get_attr(&v, TPA_STUN_ATTR_DATA, &a) != 0)
			continue;
		if (a.len > cap)
			return set_err(c, TPA_TURN_ERR_PROTOCOL,
				       "%u bytes of data, buffer of %zu",
				       (unsigned)a.len, cap);
		if (a.len > 0)
			memcpy(buf, a.value, a.len);
		*len = a.len;
		return 0;
	}
}
