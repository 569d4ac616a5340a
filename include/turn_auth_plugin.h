/*
 * turn_auth_plugin.h - the contract between a TURN server and an
 * authentication plugin loaded from a shared object.
 *
 * This is the only copy of the ABI.  The coturn patch in patches/ includes
 * it (the build puts this directory on coturn's include path), and so does
 * every plugin.
 *
 * Life cycle
 *
 *   1. The host dlopen()s the plugin and looks up one symbol,
 *      TURN_AUTH_PLUGIN_ENTRY_SYMBOL, of type turn_auth_plugin_entry_fn.
 *   2. It calls the entry with the host's ABI version.  The entry returns a
 *      pointer to a static, read-only struct turn_auth_plugin, or NULL if it
 *      cannot serve that host.  The host refuses a table whose abi_version
 *      differs from its own major version or whose size is too small.
 *   3. The host calls init() once, from its main thread, before any other
 *      callback.  A non-zero return stops the host; the plugin's message in
 *      err is shown to the operator.
 *   4. authorize() is called for every authentication the host performs.
 *      session_closed() is called when a session that the plugin ACCEPTed
 *      ends.  The plugin may call host->end_session() at any time, from any
 *      thread, between init() and fini().
 *   5. fini() is called once, from the main thread, after the last
 *      authorize() has returned.  Hosts that exit without cleaning up may
 *      skip it.
 *
 * Thread safety
 *
 *   authorize() is called from several host threads at once (coturn: its
 *   authentication threads, never its relay threads), so it may block, for
 *   example on a network round trip, but only for a bounded time: every
 *   request queued behind it waits too.  session_closed() is called from the
 *   host's relay threads and must not block.  Everything a callback needs
 *   comes through its arguments and the state pointer set by init(); plugins
 *   keep no other global state, so that one process can load a plugin twice.
 *
 * Evolution
 *
 *   Every shared struct starts with its own size.  A later minor version only
 *   appends fields; a reader checks the size before touching a field that is
 *   not in version 1.  Incompatible changes bump TURN_AUTH_PLUGIN_ABI_MAJOR.
 *
 * Secrets
 *
 *   The key in struct turn_auth_result is a secret.  The host wipes the
 *   result after copying the key into its session, and never logs it.
 */
#ifndef TURN_AUTH_PLUGIN_H
#define TURN_AUTH_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TURN_AUTH_PLUGIN_ABI_MAJOR 1
#define TURN_AUTH_PLUGIN_ABI_MINOR 1
#define TURN_AUTH_PLUGIN_ABI_VERSION                                           \
	((uint32_t)((TURN_AUTH_PLUGIN_ABI_MAJOR << 16) |                       \
		    TURN_AUTH_PLUGIN_ABI_MINOR))
#define TURN_AUTH_PLUGIN_ABI_MAJOR_OF(v) ((uint32_t)(v) >> 16)

/* The one symbol a plugin exports. */
#define TURN_AUTH_PLUGIN_ENTRY_SYMBOL "turn_auth_plugin_entry"

/* Sizes of the fixed buffers below, including the terminating NUL. */
#define TURN_AUTH_KEY_MAX 64	/* largest HMAC key a plugin may return */
#define TURN_AUTH_REALM_MAX 128 /* coturn: STUN_MAX_REALM_SIZE + 1 */
#define TURN_AUTH_REASON_MAX 160
#define TURN_AUTH_LOG_USERNAME_MAX 128 /* log_username's out, with the NUL */

/* Log levels of turn_auth_host.log, in coturn's order. */
enum turn_auth_log_level {
	TURN_AUTH_LOG_DEBUG = 0,
	TURN_AUTH_LOG_INFO = 1,
	TURN_AUTH_LOG_WARNING = 2,
	TURN_AUTH_LOG_ERROR = 3
};

/* Transport between the client and the server. */
enum turn_auth_transport {
	TURN_AUTH_TRANSPORT_UNKNOWN = 0,
	TURN_AUTH_TRANSPORT_UDP = 1,
	TURN_AUTH_TRANSPORT_TCP = 2,
	TURN_AUTH_TRANSPORT_TLS = 3,
	TURN_AUTH_TRANSPORT_DTLS = 4
};

/* What authorize() decided. */
enum turn_auth_verdict {
	/* Not for this plugin: the host goes on with its own mechanisms
	 * exactly as if no plugin were loaded.  When the plugin does
	 * third-party authorization (TURN_AUTH_PLUGIN_THIRD_PARTY) the host
	 * refuses a PASSed request that carries ACCESS-TOKEN: the plugin
	 * has seen the token and declined it. */
	TURN_AUTH_PASS = 0,
	/* Authenticated: result->key is the HMAC key of MESSAGE-INTEGRITY. */
	TURN_AUTH_ACCEPT = 1,
	/* Denied: the host answers 401; result->reason goes to its log. */
	TURN_AUTH_REJECT = 2,
	/* The plugin could not decide (broken configuration, dependency
	 * down and its policy says fail closed).  The host fails closed
	 * like REJECT and logs result->reason at error level. */
	TURN_AUTH_ERROR = 3
};

/* Flags of turn_auth_plugin.flags.  THIRD_PARTY: RFC 7635, the host's
 * 401 responses carry THIRD-PARTY-AUTHORIZATION and the plugin decides
 * every request with ACCESS-TOKEN; the host's own oAuth (coturn: --oauth)
 * cannot be configured beside it. */
#define TURN_AUTH_PLUGIN_THIRD_PARTY 0x1u

/* What the host offers the plugin.  Owned by the host; valid from init()
 * until fini() returns. */
struct turn_auth_host {
	uint32_t size;		 /* sizeof(struct turn_auth_host) of the host */
	uint32_t abi_version;	 /* TURN_AUTH_PLUGIN_ABI_VERSION of the host */
	const char *software;	 /* e.g. "Coturn-4.6.1 'Gorst'" */
	const char *server_name; /* the server name of RFC 7635, the
				  * associated data of token encryption;
				  * never NULL, may be "" */
	const char *realm;	 /* the default realm; never NULL */
	/* Writes one line into the host's log.  Thread-safe.  No newline
	 * needed.  Never pass a secret. */
	void (*log)(enum turn_auth_log_level level, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));
	/* Asks the host to end a session (all its allocations), e.g. because
	 * the token that authorized it was revoked.  Callable from any
	 * thread; returns at once; the session ends shortly after on its own
	 * thread, and session_closed() follows.  Returns 0 if the request was
	 * queued, -1 if no such session can exist on this host. */
	int (*end_session)(uint64_t session_id);
	void *reserved[8]; /* zero; room for minor versions */
};

/* One authentication.  Owned by the host; valid only during authorize().
 * Every byte of it may come from an attacker except the addresses,
 * transport and session_id. */
struct turn_auth_request {
	uint32_t size;	    /* sizeof(struct turn_auth_request) of the host */
	uint16_t method;    /* STUN method, e.g. 0x003 Allocate */
	uint16_t reserved0; /* zero */
	const uint8_t *message; /* the whole STUN request as received */
	size_t message_len;	/* its length in bytes */
	const char *username;	/* USERNAME, NUL-terminated, never NULL */
	const char *realm;	/* REALM, NUL-terminated, never NULL */
	const struct sockaddr *client_addr; /* the client's transport address */
	socklen_t client_addr_len;
	const struct sockaddr *server_addr; /* where the request arrived */
	socklen_t server_addr_len;
	enum turn_auth_transport transport;
	/* The host's id of the client session (one 5-tuple; coturn: one
	 * allocation).  Stable for the life of the session; pass it to
	 * host->end_session(); session_closed() reports it. */
	uint64_t session_id;
	void *reserved[4]; /* zero */
};

/* What authorize() hands back.  The host zeroes it before the call. */
struct turn_auth_result {
	uint32_t size; /* sizeof(struct turn_auth_result) of the host */
	/* ACCEPT: the HMAC key that MESSAGE-INTEGRITY of this session's
	 * requests is checked with and its responses are signed with, used
	 * whole (all key_len bytes); a request that carries
	 * MESSAGE-INTEGRITY-SHA256 (RFC 8489) is checked with that instead,
	 * with the same key, and answered the same way.  The host verifies the
	 * request's MESSAGE-INTEGRITY with it before the key replaces the
	 * session's: an ACCEPT whose key does not verify the request changes
	 * nothing. */
	uint8_t key[TURN_AUTH_KEY_MAX];
	size_t key_len; /* 1 .. TURN_AUTH_KEY_MAX */
	/* ACCEPT: non-zero if the session is third-party authorized (RFC
	 * 7635): the host then allows a new USERNAME on the same session in
	 * a request that carries ACCESS-TOKEN (a new token), and keeps the
	 * session's realm. */
	int third_party;
	/* ACCEPT: the longest the session may live, in seconds; 0 means the
	 * host's own limit. */
	uint32_t max_session_time;
	/* ACCEPT, optional: the realm the session belongs to; "" keeps the
	 * request's realm. */
	char realm[TURN_AUTH_REALM_MAX];
	/* REJECT or ERROR: why, for the log (no secrets, no whole token).
	 * ACCEPT: optional note for the log, e.g. a token id.  The host logs
	 * it with the session id, REJECT at info, ERROR at error level, an
	 * ACCEPT's note at info: the one line a decision gets. */
	char reason[TURN_AUTH_REASON_MAX];
	void *reserved[4]; /* zero */
};

struct turn_auth_plugin {
	uint32_t size;	      /* sizeof(struct turn_auth_plugin) */
	uint32_t abi_version; /* TURN_AUTH_PLUGIN_ABI_VERSION of the plugin */
	const char *name;     /* short name for the log */
	uint32_t flags;	      /* TURN_AUTH_PLUGIN_* */

	/* Called once from the main thread.  config_path is the host's
	 * auth-plugin-config option, or NULL if none was given.  On success
	 * stores the plugin's state in *state and returns 0.  On failure
	 * returns -1 and writes a one-line message into err (errlen bytes,
	 * NUL-terminated); the host then stops. */
	int (*init)(const struct turn_auth_host *host, const char *config_path,
		    void **state, char *err, size_t errlen);

	/* Decides one authentication; see enum turn_auth_verdict.  Called
	 * from several threads at once; may block for a bounded time. */
	enum turn_auth_verdict (*authorize)(void *state,
					    const struct turn_auth_request *req,
					    struct turn_auth_result *result);

	/* Optional (NULL): a session this plugin ACCEPTed has ended.  Called
	 * from relay threads; must not block.  With coturn's mobility (RFC
	 * 8016) a session that takes over another's allocation inherits its
	 * authentication, so an id that authorize() never saw may be
	 * reported: ignore ids you do not know. */
	void (*session_closed)(void *state, uint64_t session_id);

	/* Optional (NULL): frees the state.  Main thread, after the last
	 * callback. */
	void (*fini)(void *state);

	/* Optional (NULL), ABI 1.1: what the host logs in place of a
	 * USERNAME.  A credential may carry a secret in USERNAME (a token):
	 * before the host prints any USERNAME (in a log line or a statistics
	 * key) it asks here.  Writes a printable, NUL-
	 * terminated replacement of at most outlen bytes (the host passes
	 * TURN_AUTH_LOG_USERNAME_MAX) into out and returns 1, or returns 0
	 * to let the host print username as it is.  username may be any
	 * bytes from the network, NUL-terminated.  Called from any host
	 * thread, often (every log line): must not block, and must be cheap.
	 * Hosts of ABI 1.0 never call it. */
	int (*log_username)(void *state, const char *username, char *out,
			    size_t outlen);

	void *reserved[7]; /* zero */
};

/* The type of the exported entry.  host_abi_version is the host's
 * TURN_AUTH_PLUGIN_ABI_VERSION.  Returns a static table, or NULL. */
typedef const struct turn_auth_plugin *(*turn_auth_plugin_entry_fn)(
	uint32_t host_abi_version);

#ifdef __cplusplus
}
#endif

#endif /* TURN_AUTH_PLUGIN_H */
