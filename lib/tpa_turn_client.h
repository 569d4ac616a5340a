/*
 * tpa_turn_client: a small blocking TURN client (RFC 5766 / RFC 8656) over
 * UDP, TCP or TLS, with long-term credentials or a raw MESSAGE-INTEGRITY
 * key plus an RFC 7635 ACCESS-TOKEN. Meant for probes and tests, not for
 * media: one allocation, permissions, Send and Data indications.
 *
 * Style: like hiredis' redisContext, tpa_turn_connect() returns a handle
 * even when it fails (NULL only when out of memory) and every call sets
 * c->err and c->errstr; functions return 0 on success and -1 on failure.
 * A TURN error response is TPA_TURN_ERR_SERVER with last_error_code and
 * last_error_reason set; everything else (timeouts, I/O, hostile bytes) has
 * its own code, so callers can tell "the server said no" from "broken".
 *
 * Every call blocks for at most the handle's timeout (poll), retransmitting
 * over UDP with RFC 5389 timing (RTO 500 ms, doubling, at most 5 sends).
 * An Allocate answered with 437 (Allocation Mismatch: the server still
 * holds an allocation on this 5-tuple, e.g. a crashed client's whose port
 * the kernel has handed to us) moves to a new client transport address
 * and starts again, on up to three addresses (RFC 8656 section 7.4);
 * mismatch_retries says how often it did.
 * Every byte from the network is hostile and checked before use.
 *
 * Not thread-safe: one handle per thread. Over TLS a peer that closes the
 * connection can raise SIGPIPE; callers should ignore SIGPIPE.
 */
#ifndef TPA_TURN_CLIENT_H
#define TPA_TURN_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h> /* INET6_ADDRSTRLEN */
#include <sys/socket.h>

#include "tpa_stun.h"

enum tpa_turn_transport { TPA_TURN_UDP = 0, TPA_TURN_TCP, TPA_TURN_TLS };

/* Flags for tpa_turn_connect. */
#define TPA_TURN_VERIFY_PEER 0x1 /* TLS: verify the chain and host name */
#define TPA_TURN_FINGERPRINT 0x2 /* add FINGERPRINT to what we send */

enum tpa_turn_err {
	TPA_TURN_OK = 0,
	TPA_TURN_ERR_ARG,      /* bad argument or call out of order */
	TPA_TURN_ERR_RESOLVE,  /* host name did not resolve */
	TPA_TURN_ERR_IO,       /* socket error, refused, closed by peer */
	TPA_TURN_ERR_TIMEOUT,  /* no answer within the timeout */
	TPA_TURN_ERR_TLS,      /* TLS handshake or certificate failure */
	TPA_TURN_ERR_PROTOCOL, /* bad or unauthenticated answer */
	TPA_TURN_ERR_SERVER,   /* error response: see last_error_code */
	TPA_TURN_ERR_NOMEM     /* out of memory */
};

/* The integrity attribute of requests (tpa_turn_set_integrity). */
enum tpa_turn_integrity {
	TPA_TURN_MI_SHA1 = 0,  /* MESSAGE-INTEGRITY, HMAC-SHA1 (default) */
	TPA_TURN_MI_SHA256,    /* MESSAGE-INTEGRITY-SHA256, all 32 bytes */
	TPA_TURN_MI_SHA256_128 /* MESSAGE-INTEGRITY-SHA256 truncated to 16
				* bytes: RFC 7635's HMAC-SHA-256-128 */
};

#define TPA_TURN_KEY_MAX 64	  /* longest MESSAGE-INTEGRITY key */
#define TPA_TURN_TOKEN_MAX 2048	  /* longest ACCESS-TOKEN value */
#define TPA_TURN_USERNAME_MAX 512 /* RFC 5389 15.3: < 513 bytes */
#define TPA_TURN_PASSWORD_MAX 512 /* longest password */
#define TPA_TURN_TEXT_MAX 764	  /* REALM, NONCE: 763 bytes and a NUL */
/* The largest frame the wire can carry: a STUN message of 20 + 65,532
 * bytes (ChannelData is at most 4 + 65,536, a UDP datagram 65,507). */
#define TPA_TURN_RX_MAX (TPA_STUN_HDR_LEN + TPA_STUN_MAX_ATTRS_LEN)
#define TPA_TURN_TX_MAX 4096  /* largest request we build */
#define TPA_TURN_HOST_MAX 255 /* longest server host name */
/* Client transport addresses an Allocate tries when the server answers
 * 437 (RFC 8656 section 7.4: up to three). */
#define TPA_TURN_ALLOCATE_ADDRESSES 3

struct ssl_ctx_st;
struct ssl_st;

struct tpa_turn_client {
	int err;	     /* 0 or enum tpa_turn_err of the last call */
	char errstr[256];    /* what went wrong, for people; "" if fine */
	int last_error_code; /* ERROR-CODE of the last error response */
	char last_error_reason[TPA_STUN_REASON_MAX]; /* its reason, cleaned */
	char third_party[TPA_TURN_TEXT_MAX]; /* 0x802E of the last 401 */
	int allocated;			     /* 1 while we hold an allocation */
	struct sockaddr_storage relayed;     /* XOR-RELAYED-ADDRESS */
	struct sockaddr_storage mapped; /* XOR-MAPPED-ADDRESS, or AF_UNSPEC */
	uint32_t lifetime;		/* LIFETIME the server granted */
	int timeout_ms;			/* per-operation timeout */
	int mismatch_retries;		/* last Allocate: moves to a new client
					   address after a 437, 0..2 */

	/* Internal state below: read-only for callers. */
	enum tpa_turn_transport transport;
	int flags;			   /* TPA_TURN_* flags */
	enum tpa_turn_integrity integrity; /* what requests carry */
	int fd;				   /* socket, or -1 */
	int dead;			   /* connection unusable */
	char host[TPA_TURN_HOST_MAX + 1];  /* as given: TLS name checks */
	char local_ip[INET6_ADDRSTRLEN];   /* to bind to; "": any */
	struct sockaddr_storage server;	   /* the address connected to */
	socklen_t server_len;
	/* Sockets of addresses that got 437, kept open until the Allocate
	 * ends so that the kernel cannot hand their ports back to us. */
	int stale_fds[TPA_TURN_ALLOCATE_ADDRESSES - 1];
	int nstale;
	struct ssl_ctx_st *ssl_ctx;		  /* TLS only */
	struct ssl_st *ssl;			  /* TLS only */
	char username[TPA_TURN_USERNAME_MAX + 1]; /* USERNAME */
	uint8_t key[TPA_TURN_KEY_MAX];		  /* secret: MI key */
	size_t key_len;				  /* 0 until known */
	char password[TPA_TURN_PASSWORD_MAX + 1]; /* secret: long-term */
	int use_password;			  /* key = MD5(u:realm:pw) */
	uint8_t token[TPA_TURN_TOKEN_MAX];	  /* ACCESS-TOKEN value */
	size_t token_len;			  /* 0: none */
	char realm[TPA_TURN_TEXT_MAX];		  /* REALM we send */
	int realm_fixed;			  /* caller's override */
	uint8_t nonce[TPA_TURN_TEXT_MAX];	  /* NONCE, raw bytes */
	size_t nonce_len;			  /* 0: none yet */
	int have_creds;				  /* a setter was called */
	uint8_t tx[TPA_TURN_TX_MAX];		  /* last request sent */
	size_t tx_len;
	/* Last frame or datagram received: TPA_TURN_RX_MAX bytes of its own
	 * allocation, so that an overflow is not a silent write into the
	 * fields around it but something the allocator and the sanitizers
	 * see. */
	uint8_t *rx;
	size_t rx_len;	/* bytes of the complete frame */
	size_t rx_have; /* stream: bytes of a partial frame */
};

/*
 * Resolves host (name or IP literal) and connects to port over transport,
 * doing the TLS handshake for TPA_TURN_TLS (SNI is set for names; with
 * TPA_TURN_VERIFY_PEER the chain is checked against the system store and
 * the certificate against host). Blocks at most timeout_ms (> 0).
 * Returns a handle owned by the caller (tpa_turn_free) with err set on
 * failure, or NULL only when out of memory.
 */
struct tpa_turn_client *tpa_turn_connect(const char *host, uint16_t port,
					 enum tpa_turn_transport transport,
					 int flags, int timeout_ms);

/*
 * tpa_turn_connect from the local address local_ip (an IP literal of the
 * server's family; NULL: the system's choice), e.g. 127.0.0.2 to appear
 * as another client on loopback, and the client port local_port (0: any),
 * for tests that need a given 5-tuple. A move to a new client address
 * after 437 keeps local_ip and takes any port.
 */
struct tpa_turn_client *tpa_turn_connect_from(const char *local_ip,
					      uint16_t local_port,
					      const char *host, uint16_t port,
					      enum tpa_turn_transport transport,
					      int flags, int timeout_ms);

/* Closes the connection and wipes the secrets. NULL is a no-op. Does not
 * deallocate: call tpa_turn_refresh(c, 0) first. */
void tpa_turn_free(struct tpa_turn_client *c);

/* Sets the per-operation timeout in ms (> 0). */
int tpa_turn_set_timeout(struct tpa_turn_client *c, int timeout_ms);

/*
 * Credentials with a raw MESSAGE-INTEGRITY key (RFC 7635: mac_key, 20 or
 * 32 bytes), used whole. username is USERNAME (for RFC 7635, the kid);
 * token/token_len an optional ACCESS-TOKEN value sent with Allocate and
 * Refresh (NULL/0: none); realm, if not NULL, replaces the realm from the
 * server's 401 (NULL: the realm the server named stays, so credentials set
 * again on a session are sent in its realm). Everything is copied; the
 * caller may wipe its copies.
 */
int tpa_turn_set_credentials(struct tpa_turn_client *c, const char *username,
			     const uint8_t *key, size_t key_len,
			     const uint8_t *token, size_t token_len,
			     const char *realm);

/*
 * Which integrity attribute authenticated requests carry, keyed with the
 * credentials' key: MESSAGE-INTEGRITY (the default) or RFC 8489's
 * MESSAGE-INTEGRITY-SHA256, whole or truncated to 16 bytes.  A success
 * response must then carry the same attribute, of the same length, and
 * verify with the key (RFC 8489: the server answers as it was asked).
 */
int tpa_turn_set_integrity(struct tpa_turn_client *c,
			   enum tpa_turn_integrity integrity);

/*
 * Long-term credentials: the key is MD5(username ":" realm ":" password),
 * computed once the realm is known (from the 401 or the realm override).
 * token and realm as for tpa_turn_set_credentials.
 */
int tpa_turn_set_password(struct tpa_turn_client *c, const char *username,
			  const char *password, const uint8_t *token,
			  size_t token_len, const char *realm);

/*
 * Allocates a UDP relay for lifetime seconds (0: the server's default).
 * Sends an unauthenticated Allocate, takes REALM, NONCE (and notes
 * THIRD-PARTY-AUTHORIZATION) from the 401, then the authenticated one;
 * retries once on 438 Stale Nonce. On 437 it reconnects from a new client
 * transport address (a new socket; over TLS a new handshake) and starts
 * over, on at most TPA_TURN_ALLOCATE_ADDRESSES addresses; a 437 on the
 * last one is the error. c->mismatch_retries counts the moves. The
 * success response must carry a MESSAGE-INTEGRITY that verifies with our
 * key. Fills c->relayed, c->mapped, c->lifetime and, if not NULL,
 * *relayed and *mapped.
 */
int tpa_turn_allocate(struct tpa_turn_client *c, uint32_t lifetime,
		      struct sockaddr_storage *relayed,
		      struct sockaddr_storage *mapped);

/*
 * Refreshes the allocation; lifetime 0 deletes it (c->allocated = 0).
 * RFC 8656 section 8.3: a 437 means the allocation no longer exists
 * (c->allocated = 0); to a deletion it is success (a retransmitted
 * deletion gets 437 once the first has done its work).
 */
int tpa_turn_refresh(struct tpa_turn_client *c, uint32_t lifetime);

/* Installs a permission for the IP address of peer (port ignored). */
int tpa_turn_create_permission(struct tpa_turn_client *c,
			       const struct sockaddr *peer);

/* Sends len bytes to peer in a Send indication (no answer expected). */
int tpa_turn_send(struct tpa_turn_client *c, const struct sockaddr *peer,
		  const void *data, size_t len);

/*
 * Waits up to timeout_ms for a Data indication and copies its peer into
 * *peer and its data into buf (cap bytes), *len its length. Other
 * messages are skipped. TPA_TURN_ERR_PROTOCOL if the data exceeds cap.
 */
int tpa_turn_recv(struct tpa_turn_client *c, struct sockaddr_storage *peer,
		  void *buf, size_t cap, size_t *len, int timeout_ms);

/*
 * Formats an AF_INET/AF_INET6 address as "IP:PORT" or "[IP6]:PORT" into
 * buf (cap bytes); returns buf ("?" for other families).
 */
const char *tpa_turn_format_addr(const struct sockaddr_storage *ss, char *buf,
				 size_t cap);

#endif /* TPA_TURN_CLIENT_H */
