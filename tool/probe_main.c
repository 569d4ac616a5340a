/*
 * turn-token probe: allocates a TURN relay with the given credentials
 * (long-term password, or a raw MESSAGE-INTEGRITY key with an optional RFC
 * 7635 ACCESS-TOKEN), optionally relays one datagram to an echoing peer,
 * and reports the result on one line.
 *
 * Exit status: 0 allocated (and echoed, with --peer); 1 the server
 * answered with a TURN error (401, 403, 438, ...); 2 bad usage; 3 network,
 * timeout or protocol failure. The allocation is always deleted (Refresh
 * with lifetime 0) before exiting.
 */
#include "tpa_b64.h"
#include "tpa_turn_client.h"
#include "turn_token.h"

#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#define EXIT_OK 0
#define EXIT_TURN_ERROR 1 /* as turn-token's "invalid" */
#define EXIT_USAGE 2
#define EXIT_FAIL 3

struct probe_opts {
	const char *server;
	uint16_t port; /* 0: default for the transport */
	enum tpa_turn_transport transport;
	const char *username;
	const char *password;
	uint8_t key[TPA_TURN_KEY_MAX]; /* secret */
	size_t key_len;
	uint8_t token[TPA_TURN_TOKEN_MAX];
	size_t token_len;
	const char *realm;
	const char *peer;
	int timeout_ms;
	int insecure;
	int json;
	int fingerprint;
	unsigned hold; /* seconds before a Refresh; 0: none */
};

/* What happened, for the one-line report. */
struct probe_result {
	const char *stage; /* "connect", "allocate", ... */
	int allocated;
	char relayed[64];
	char mapped[64];
	size_t relay_bytes; /* 0: no --peer */
};

static void usage(FILE *f, const char *prog);
static int parse_uint(const char *s, unsigned long max, unsigned long *out);
static int parse_hex(const char *s, uint8_t *out, size_t cap, size_t *len);
static int parse_b64(const char *s, uint8_t *out, size_t cap, size_t *len);
static int parse_opts(int argc, char **argv, struct probe_opts *o);
static int resolve_peer(const char *spec, int family,
			struct sockaddr_storage *ss);
static void put_escaped(FILE *f, const char *s);
static int report_turn(struct tpa_turn_client *c, const struct probe_opts *o,
		       const struct probe_result *res);
static int report_fail(const struct probe_opts *o,
		       const struct probe_result *res, const char *why);
static int report_ok(const struct probe_opts *o,
		     const struct probe_result *res);
static int report_client(struct tpa_turn_client *c, const struct probe_opts *o,
			 const struct probe_result *res);
static int relay_echo(struct tpa_turn_client *c, const struct probe_opts *o,
		      struct probe_result *res);
static int probe(const struct probe_opts *o);
static int64_t now_ms(void);

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [--server HOST] [--port N] [--transport "
		"udp|tcp|tls]\n"
		"       [--username U] [--password P | --key-hex HEX | "
		"--key-b64 B64]\n"
		"       [--access-token-b64 B64] [--realm R] "
		"[--peer HOST:PORT]\n"
		"       [--timeout-ms N] [--insecure] [--fingerprint] "
		"[--json]\n"
		"       [--hold SECONDS]  (then Refresh and report the "
		"lifetime granted)\n"
		"Allocates a TURN relay and reports the outcome on one line.\n"
		"Exit: 0 allocated, 1 TURN error response, 3 failure, "
		"2 usage.\n",
		prog);
}

/* Strict decimal: digits only, no sign or space, 1..max. */
static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (max - (unsigned long)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v == 0)
		return -1;
	*out = v;
	return 0;
}

static int hex_nibble(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static int parse_hex(const char *s, uint8_t *out, size_t cap, size_t *len)
{
	size_t n = strlen(s), i;

	if (n == 0 || n % 2 != 0 || n / 2 > cap)
		return -1;
	for (i = 0; i < n / 2; i++) {
		int hi = hex_nibble(s[2 * i]);
		int lo = hex_nibble(s[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			OPENSSL_cleanse(out, cap);
			return -1;
		}
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return 0;
}

/* Standard base64 (padded) or base64url (padding optional). */
static int parse_b64(const char *s, uint8_t *out, size_t cap, size_t *len)
{
	size_t n = strlen(s);

	if (n > 0 && tpa_b64_decode(s, n, out, cap, len, 0) == 0 && *len > 0)
		return 0;
	if (n > 0 && tpa_b64_decode(s, n, out, cap, len, 1) == 0 && *len > 0)
		return 0;
	return -1;
}

static int parse_transport(const char *s, enum tpa_turn_transport *t)
{
	if (strcmp(s, "udp") == 0)
		*t = TPA_TURN_UDP;
	else if (strcmp(s, "tcp") == 0)
		*t = TPA_TURN_TCP;
	else if (strcmp(s, "tls") == 0)
		*t = TPA_TURN_TLS;
	else
		return -1;
	return 0;
}

enum {
	OPT_SERVER = 256,
	OPT_PORT,
	OPT_TRANSPORT,
	OPT_USERNAME,
	OPT_PASSWORD,
	OPT_KEY_HEX,
	OPT_KEY_B64,
	OPT_TOKEN_B64,
	OPT_REALM,
	OPT_PEER,
	OPT_TIMEOUT,
	OPT_INSECURE,
	OPT_JSON,
	OPT_FINGERPRINT,
	OPT_HOLD,
	OPT_HELP
};

static const struct option long_opts[] = {
	{"server", required_argument, NULL, OPT_SERVER},
	{"port", required_argument, NULL, OPT_PORT},
	{"transport", required_argument, NULL, OPT_TRANSPORT},
	{"username", required_argument, NULL, OPT_USERNAME},
	{"password", required_argument, NULL, OPT_PASSWORD},
	{"key-hex", required_argument, NULL, OPT_KEY_HEX},
	{"key-b64", required_argument, NULL, OPT_KEY_B64},
	{"access-token-b64", required_argument, NULL, OPT_TOKEN_B64},
	{"realm", required_argument, NULL, OPT_REALM},
	{"peer", required_argument, NULL, OPT_PEER},
	{"timeout-ms", required_argument, NULL, OPT_TIMEOUT},
	{"insecure", no_argument, NULL, OPT_INSECURE},
	{"json", no_argument, NULL, OPT_JSON},
	{"fingerprint", no_argument, NULL, OPT_FINGERPRINT},
	{"hold", required_argument, NULL, OPT_HOLD},
	{"help", no_argument, NULL, OPT_HELP},
	{NULL, 0, NULL, 0}};

/* Applies one option; returns 0, or -1 after printing why. */
static int apply_opt(int ch, const char *arg, struct probe_opts *o, int *nkeys)
{
	unsigned long v;

	switch (ch) {
	case OPT_SERVER:
		o->server = arg;
		return 0;
	case OPT_PORT:
		if (parse_uint(arg, 65535, &v) != 0)
			break;
		o->port = (uint16_t)v;
		return 0;
	case OPT_TRANSPORT:
		if (parse_transport(arg, &o->transport) != 0)
			break;
		return 0;
	case OPT_USERNAME:
		o->username = arg;
		return 0;
	case OPT_PASSWORD:
		o->password = arg;
		*nkeys |= 1;
		return 0;
	case OPT_KEY_HEX:
		*nkeys |= 2;
		if (parse_hex(arg, o->key, sizeof(o->key), &o->key_len) != 0)
			break;
		return 0;
	case OPT_KEY_B64:
		*nkeys |= 4;
		if (parse_b64(arg, o->key, sizeof(o->key), &o->key_len) != 0)
			break;
		return 0;
	case OPT_TOKEN_B64:
		if (parse_b64(arg, o->token, sizeof(o->token), &o->token_len) !=
		    0)
			break;
		return 0;
	case OPT_REALM:
		o->realm = arg;
		return 0;
	case OPT_PEER:
		o->peer = arg;
		return 0;
	case OPT_TIMEOUT:
		if (parse_uint(arg, 600000, &v) != 0)
			break;
		o->timeout_ms = (int)v;
		return 0;
	case OPT_HOLD:
		if (parse_uint(arg, 3600, &v) != 0)
			break;
		o->hold = (unsigned)v;
		return 0;
	case OPT_INSECURE:
		o->insecure = 1;
		return 0;
	case OPT_JSON:
		o->json = 1;
		return 0;
	case OPT_FINGERPRINT:
		o->fingerprint = 1;
		return 0;
	default:
		return -1;
	}
	tt_err("probe: bad value for --%s", long_opts[ch - OPT_SERVER].name);
	return -1;
}

/* Parses argv (argv[0] is the command name); 0, 1 for --help, or -1. */
static int parse_opts(int argc, char **argv, struct probe_opts *o)
{
	int ch, nkeys = 0;

	o->server = "127.0.0.1";
	o->transport = TPA_TURN_UDP;
	o->timeout_ms = 5000;
	optind = 0; /* glibc: full re-initialisation, for turn-token */
	while ((ch = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		if (ch == OPT_HELP)
			return 1;
		if (apply_opt(ch, optarg, o, &nkeys) != 0)
			return -1;
	}
	if (optind != argc) {
		/* not echoed: a stray value may be a token or a key */
		tt_err("probe: unexpected argument in position %d (a value "
		       "without its option?)",
		       optind);
		return -1;
	}
	if ((nkeys & (nkeys - 1)) != 0) { /* more than one kind */
		tt_err("probe: give only one of --password, --key-hex, "
		       "--key-b64");
		return -1;
	}
	if ((nkeys > 0 || o->token_len > 0) && o->username == NULL) {
		tt_err("probe: credentials need --username");
		return -1;
	}
	if (o->port == 0)
		o->port = o->transport == TPA_TURN_TLS ? 5349 : 3478;
	return 0;
}

/* HOST:PORT or [IPV6]:PORT; prefers an address of the given family. */
static int resolve_peer(const char *spec, int family,
			struct sockaddr_storage *ss)
{
	char host[256];
	const char *colon = strrchr(spec, ':'), *h = spec;
	size_t hl;
	struct addrinfo hints, *res = NULL, *ai, *pick = NULL;
	unsigned long port;

	if (colon == NULL || parse_uint(colon + 1, 65535, &port) != 0)
		return -1;
	hl = (size_t)(colon - spec);
	if (hl >= 2 && spec[0] == '[' && spec[hl - 1] == ']') {
		h = spec + 1;
		hl -= 2;
	}
	if (hl == 0 || hl >= sizeof(host))
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICSERV;
	if (getaddrinfo(host, colon + 1, &hints, &res) != 0)
		return -1;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (pick == NULL || ai->ai_family == family)
			pick = ai;
		if (ai->ai_family == family)
			break;
	}
	if (pick == NULL || pick->ai_addrlen > sizeof(*ss)) {
		freeaddrinfo(res);
		return -1;
	}
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, pick->ai_addr, pick->ai_addrlen);
	freeaddrinfo(res);
	return 0;
}

/* Writes s with '"' and '\\' escaped; other unsafe bytes become '?'. */
static void put_escaped(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7F)
			fputc('?', f);
		else
			fputc(ch, f);
	}
}

static const char *transport_name(enum tpa_turn_transport t)
{
	return t == TPA_TURN_TCP ? "tcp" : t == TPA_TURN_TLS ? "tls" : "udp";
}

static void json_head(const struct probe_opts *o,
		      const struct probe_result *res, const char *result)
{
	printf("{\"result\":\"%s\",\"stage\":\"%s\",\"server\":\"", result,
	       res->stage);
	put_escaped(stdout, o->server);
	printf("\",\"port\":%u,\"transport\":\"%s\"", (unsigned)o->port,
	       transport_name(o->transport));
	if (res->allocated)
		printf(",\"relayed\":\"%s\",\"mapped\":\"%s\"", res->relayed,
		       res->mapped);
}

/* The server answered with an error response: exit 2. */
static int report_turn(struct tpa_turn_client *c, const struct probe_opts *o,
		       const struct probe_result *res)
{
	if (o->json) {
		json_head(o, res, "error");
		printf(",\"code\":%d,\"reason\":\"", c->last_error_code);
		put_escaped(stdout, c->last_error_reason);
		printf("\"");
		if (c->third_party[0] != '\0') {
			printf(",\"third_party_authorization\":\"");
			put_escaped(stdout, c->third_party);
			printf("\"");
		}
		printf("}\n");
		return EXIT_TURN_ERROR;
	}
	printf("ERROR code=%d reason=\"", c->last_error_code);
	put_escaped(stdout, c->last_error_reason);
	printf("\"");
	if (c->third_party[0] != '\0') {
		printf(" third-party-authorization=\"");
		put_escaped(stdout, c->third_party);
		printf("\"");
	}
	printf("\n");
	return EXIT_TURN_ERROR;
}

/* Network, timeout or protocol failure: exit 3. */
static int report_fail(const struct probe_opts *o,
		       const struct probe_result *res, const char *why)
{
	if (o->json) {
		json_head(o, res, "fail");
		printf(",\"why\":\"");
		put_escaped(stdout, why);
		printf("\"}\n");
	} else {
		printf("FAIL %s: ", res->stage);
		put_escaped(stdout, why);
		printf("\n");
	}
	return EXIT_FAIL;
}

static int report_ok(const struct probe_opts *o, const struct probe_result *res)
{
	if (o->json) {
		json_head(o, res, "ok");
		if (res->relay_bytes > 0)
			printf(",\"relay_bytes\":%zu,\"echo\":\"ok\"",
			       res->relay_bytes);
		printf("}\n");
	} else if (res->relay_bytes > 0) {
		printf("RELAYED bytes=%zu echo=ok\n", res->relay_bytes);
	}
	return EXIT_OK;
}

static int report_client(struct tpa_turn_client *c, const struct probe_opts *o,
			 const struct probe_result *res)
{
	if (c->err == TPA_TURN_ERR_SERVER)
		return report_turn(c, o, res);
	return report_fail(o, res, c->errstr);
}

/* Waits o->hold seconds, then asks to keep the allocation another 600 s. */
static int hold_and_refresh(struct tpa_turn_client *c,
			    const struct probe_opts *o,
			    struct probe_result *res)
{
	sleep(o->hold);
	res->stage = "refresh";
	if (tpa_turn_refresh(c, 600) != 0)
		return report_client(c, o, res);
	if (!o->json)
		printf("REFRESHED lifetime=%u\n", (unsigned)c->lifetime);
	return EXIT_OK;
}

/* Permission, one Send indication, and wait for the peer's echo. */
static int relay_echo(struct tpa_turn_client *c, const struct probe_opts *o,
		      struct probe_result *res)
{
	struct sockaddr_storage peer, from;
	uint8_t rnd[8];
	char msg[64], got[2048];
	size_t n, i, len = 0;
	int64_t deadline;

	res->stage = "peer";
	if (resolve_peer(o->peer, c->relayed.ss_family, &peer) != 0)
		return report_fail(o, res, "cannot resolve --peer HOST:PORT");
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return report_fail(o, res, "RAND_bytes failed");
	n = (size_t)snprintf(msg, sizeof(msg), "turn-token probe ");
	for (i = 0; i < sizeof(rnd); i++)
		n += (size_t)snprintf(msg + n, sizeof(msg) - n, "%02x", rnd[i]);
	res->stage = "create-permission";
	if (tpa_turn_create_permission(c, (struct sockaddr *)&peer) != 0)
		return report_client(c, o, res);
	res->stage = "send";
	if (tpa_turn_send(c, (struct sockaddr *)&peer, msg, n) != 0)
		return report_client(c, o, res);
	res->stage = "echo";
	deadline = now_ms() + o->timeout_ms;
	for (;;) {
		int64_t left = deadline - now_ms();
		if (tpa_turn_recv(c, &from, got, sizeof(got), &len,
				  left > 0 ? (int)left : 0) != 0)
			return report_client(c, o, res);
		if (len == n && memcmp(got, msg, n) == 0)
			break; /* other data (late, foreign) is skipped */
	}
	res->relay_bytes = n;
	return EXIT_OK;
}

static int probe(const struct probe_opts *o)
{
	struct probe_result res = {.stage = "connect"};
	struct tpa_turn_client *c;
	int flags = 0, rc;

	if (o->transport == TPA_TURN_TLS && !o->insecure)
		flags |= TPA_TURN_VERIFY_PEER;
	if (o->fingerprint)
		flags |= TPA_TURN_FINGERPRINT;
	c = tpa_turn_connect(o->server, o->port, o->transport, flags,
			     o->timeout_ms);
	if (c == NULL)
		return report_fail(o, &res, "out of memory");
	if (c->err != 0) {
		rc = report_client(c, o, &res);
		goto out;
	}
	res.stage = "credentials";
	if ((o->password != NULL &&
	     tpa_turn_set_password(c, o->username, o->password, o->token,
				   o->token_len, o->realm) != 0) ||
	    (o->key_len > 0 &&
	     tpa_turn_set_credentials(c, o->username, o->key, o->key_len,
				      o->token, o->token_len, o->realm) != 0)) {
		rc = report_client(c, o, &res);
		goto out;
	}
	res.stage = "allocate";
	if (tpa_turn_allocate(c, 0, NULL, NULL) != 0) {
		rc = report_client(c, o, &res);
		goto out;
	}
	res.allocated = 1;
	tpa_turn_format_addr(&c->relayed, res.relayed, sizeof(res.relayed));
	tpa_turn_format_addr(&c->mapped, res.mapped, sizeof(res.mapped));
	if (!o->json)
		printf("ALLOCATED relayed=%s mapped=%s lifetime=%u\n",
		       res.relayed, res.mapped, (unsigned)c->lifetime);
	rc = o->peer != NULL ? relay_echo(c, o, &res) : EXIT_OK;
	if (rc == EXIT_OK && o->hold > 0)
		rc = hold_and_refresh(c, o, &res);
	if (rc == EXIT_OK) {
		res.stage = "done";
		rc = report_ok(o, &res);
	}
out:
	if (c->allocated && tpa_turn_refresh(c, 0) != 0)
		tt_err("probe: deallocation failed: %s", c->errstr);
	fflush(stdout);
	tpa_turn_free(c);
	return rc;
}

int tpa_probe_run(int argc, char **argv)
{
	struct probe_opts *o = calloc(1, sizeof(*o));
	int r;

	if (o == NULL) {
		tt_err("probe: out of memory");
		return EXIT_FAIL;
	}
	r = parse_opts(argc, argv, o);
	if (r != 0) {
		usage(r > 0 ? stdout : stderr, argc > 0 ? argv[0] : "probe");
		r = r > 0 ? EXIT_OK : EXIT_USAGE;
	} else {
		signal(SIGPIPE, SIG_IGN); /* a closed TLS peer must not kill */
		r = probe(o);
	}
	OPENSSL_cleanse(o, sizeof(*o));
	free(o);
	return r;
}
