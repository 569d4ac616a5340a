/*
 * turn-token probe: allocates a TURN relay with the given credentials
 * (long-term password, or a raw MESSAGE-INTEGRITY key with an optional RFC
 * 7635 ACCESS-TOKEN), optionally relays one datagram to an echoing peer,
 * and reports the result on one line.
 *
 * The credential comes from a file or standard input (--credential), never
 * from the command line: every local user can read a process's arguments
 * in /proc/PID/cmdline. The options that took secrets are refused with a
 * message that says so, without echoing their value.
 *
 * Exit status: 0 allocated (and echoed, with --peer); 1 the server
 * answered with a TURN error (401, 403, 438, ...); 2 bad usage; 3 network,
 * timeout or protocol failure. The allocation is always deleted (Refresh
 * with lifetime 0) before exiting.
 */
#include "tpa_credential.h"
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
	const char *username;	    /* replaces the credential's, if set */
	const char *credential;	    /* path, "-" for stdin; NULL: none */
	struct tpa_credential cred; /* secret: loaded from credential */
	const char *realm;
	const char *peer;
	int timeout_ms;
	int insecure;
	int json;
	int fingerprint;
	unsigned hold;	      /* seconds before a Refresh; 0: none */
	uint16_t local_port;  /* client port to bind; 0: any */
	const char *local_ip; /* client address to bind; NULL: any */
	int integrity_set;    /* --integrity given: it beats "alg" */
	enum tpa_turn_integrity integrity;
};

/* What happened, for the one-line report. */
struct probe_result {
	const char *stage; /* "connect", "allocate", ... */
	int allocated;
	char relayed[64];
	char mapped[64];
	size_t relay_bytes;    /* 0: no --peer */
	int mismatch_retries;  /* 437s that moved Allocate to a new address */
	int allocate_tried;    /* mismatch_retries is known */
	const char *integrity; /* what the requests carried */
};

static void usage(FILE *f, const char *prog);
static int parse_uint(const char *s, unsigned long max, unsigned long *out);
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
		"       [--credential FILE|-] [--username U] [--realm R] "
		"[--peer HOST:PORT]\n"
		"       [--timeout-ms N] [--insecure] [--fingerprint] "
		"[--json]\n"
		"       [--local-ip IP] [--local-port N] [--hold SECONDS]  "
		"(then Refresh and\n"
		"       report the lifetime) [--integrity sha1|sha256|"
		"sha256-128]\n"
		"Allocates a TURN relay and reports the outcome on one line.\n"
		"The credential is JSON, from FILE or from standard input "
		"(-):\n"
		"the output of turn-token issue as it is, or {\"username\": "
		"U, \"password\": P},\n"
		"or {\"username\": U, \"key\": BASE64} (see turn-token(1)); "
		"--username replaces\n"
		"its username or kid. Secrets are never taken from the command "
		"line.\n"
		"--integrity: MESSAGE-INTEGRITY (sha1), or "
		"MESSAGE-INTEGRITY-SHA256 "
		"whole\n"
		"(sha256) or of 16 bytes (sha256-128, RFC 7635's "
		"HMAC-SHA-256-128); default:\n"
		"what the credential's \"alg\" names, else sha1.\n"
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

static int parse_integrity(const char *s, enum tpa_turn_integrity *i)
{
	if (strcmp(s, "sha1") == 0)
		*i = TPA_TURN_MI_SHA1;
	else if (strcmp(s, "sha256") == 0)
		*i = TPA_TURN_MI_SHA256;
	else if (strcmp(s, "sha256-128") == 0)
		*i = TPA_TURN_MI_SHA256_128;
	else
		return -1;
	return 0;
}

static const char *integrity_name(enum tpa_turn_integrity i)
{
	return i == TPA_TURN_MI_SHA256	     ? "sha256"
	       : i == TPA_TURN_MI_SHA256_128 ? "sha256-128"
					     : "sha1";
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

/* Options in the order of long_opts, which apply_opt relies on. */
enum {
	OPT_SERVER = 256,
	OPT_PORT,
	OPT_TRANSPORT,
	OPT_CREDENTIAL,
	OPT_USERNAME,
	OPT_REALM,
	OPT_PEER,
	OPT_TIMEOUT,
	OPT_INSECURE,
	OPT_JSON,
	OPT_FINGERPRINT,
	OPT_HOLD,
	OPT_LOCAL_PORT,
	OPT_LOCAL_IP,
	OPT_INTEGRITY,
	OPT_HELP,
	OPT_SECRET_IN_ARGV /* the options that took secrets, now refused */
};

static const struct option long_opts[] = {
	{"server", required_argument, NULL, OPT_SERVER},
	{"port", required_argument, NULL, OPT_PORT},
	{"transport", required_argument, NULL, OPT_TRANSPORT},
	{"credential", required_argument, NULL, OPT_CREDENTIAL},
	{"username", required_argument, NULL, OPT_USERNAME},
	{"realm", required_argument, NULL, OPT_REALM},
	{"peer", required_argument, NULL, OPT_PEER},
	{"timeout-ms", required_argument, NULL, OPT_TIMEOUT},
	{"insecure", no_argument, NULL, OPT_INSECURE},
	{"json", no_argument, NULL, OPT_JSON},
	{"fingerprint", no_argument, NULL, OPT_FINGERPRINT},
	{"hold", required_argument, NULL, OPT_HOLD},
	{"local-port", required_argument, NULL, OPT_LOCAL_PORT},
	{"local-ip", required_argument, NULL, OPT_LOCAL_IP},
	{"integrity", required_argument, NULL, OPT_INTEGRITY},
	{"help", no_argument, NULL, OPT_HELP},
	/* Recognised only to refuse them by name, rather than as unknown
	 * options: their value has already been exposed in argv. */
	{"password", required_argument, NULL, OPT_SECRET_IN_ARGV},
	{"key-hex", required_argument, NULL, OPT_SECRET_IN_ARGV},
	{"key-b64", required_argument, NULL, OPT_SECRET_IN_ARGV},
	{"access-token-b64", required_argument, NULL, OPT_SECRET_IN_ARGV},
	{NULL, 0, NULL, 0}};

/* Applies one option; returns 0, or -1 after printing why. */
static int apply_opt(int ch, const char *arg, struct probe_opts *o)
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
	case OPT_CREDENTIAL:
		o->credential = arg;
		return 0;
	case OPT_USERNAME:
		o->username = arg;
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
	case OPT_LOCAL_PORT:
		if (parse_uint(arg, 65535, &v) != 0)
			break;
		o->local_port = (uint16_t)v;
		return 0;
	case OPT_LOCAL_IP:
		o->local_ip = arg;
		return 0;
	case OPT_INTEGRITY:
		if (parse_integrity(arg, &o->integrity) != 0)
			break;
		o->integrity_set = 1;
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

/*
 * A getopt_long failure, named without echoing a value: "--x=VALUE" is
 * shown as "--x", and an argument that is not a plausible option name is
 * not shown at all.
 */
static void option_error(int ch, char **argv)
{
	const char *arg = argv[optind - 1];
	size_t n = strncmp(arg, "--", 2) == 0 ? strcspn(arg, "=") : 0;

	for (size_t i = 0; i < n; i++)
		if (arg[i] < 0x21 || arg[i] > 0x7e || i >= 64)
			n = 0;
	tt_err("probe: %s%s%.*s (see turn-token probe --help)",
	       ch == ':' ? "missing argument for option" : "unknown option",
	       n > 0 ? " " : "", (int)n, arg);
}

/* Parses argv (argv[0] is the command name); 0, 1 for --help, or -1. */
static int parse_opts(int argc, char **argv, struct probe_opts *o)
{
	char why[256];
	int ch, idx = 0;

	o->server = "127.0.0.1";
	o->transport = TPA_TURN_UDP;
	o->timeout_ms = 5000;
	optind = 0; /* glibc: full re-initialisation, for turn-token */
	opterr = 0; /* glibc's messages quote "--option=VALUE" whole */
	while ((ch = getopt_long(argc, argv, ":", long_opts, &idx)) != -1) {
		if (ch == OPT_HELP)
			return 1;
		if (ch == OPT_SECRET_IN_ARGV) {
			tt_err("probe: --%s is refused: a secret on the "
			       "command "
			       "line can be read by every local user "
			       "(/proc/PID/cmdline); put the credential in a "
			       "file, --credential FILE, or pipe it, "
			       "--credential -",
			       long_opts[idx].name);
			return -1;
		}
		if (ch == '?' || ch == ':') {
			option_error(ch, argv);
			return -1;
		}
		if (apply_opt(ch, optarg, o) != 0)
			return -1;
	}
	if (optind != argc) {
		/* not echoed: a stray value may be a token or a key */
		tt_err("probe: unexpected argument in position %d (a value "
		       "without its option?)",
		       optind);
		return -1;
	}
	if (o->username != NULL && o->credential == NULL) {
		tt_err("probe: --username goes with --credential");
		return -1;
	}
	if (o->credential != NULL &&
	    tpa_credential_load(o->credential, &o->cred, why, sizeof(why))) {
		tt_err("probe: credential %s: %s",
		       strcmp(o->credential, "-") == 0 ? "on standard input"
						       : o->credential,
		       why);
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
	if (res->allocate_tried)
		printf(",\"mismatch_retries\":%d", res->mismatch_retries);
	if (res->allocated)
		printf(",\"relayed\":\"%s\",\"mapped\":\"%s\","
		       "\"integrity\":\"%s\"",
		       res->relayed, res->mapped, res->integrity);
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
	if (res->allocate_tried && !res->allocated)
		printf(" mismatch_retries=%d", res->mismatch_retries);
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
	c = tpa_turn_connect_from(o->local_ip, o->local_port, o->server,
				  o->port, o->transport, flags, o->timeout_ms);
	if (c == NULL)
		return report_fail(o, &res, "out of memory");
	if (c->err != 0) {
		rc = report_client(c, o, &res);
		goto out;
	}
	res.stage = "credentials";
	if ((o->credential != NULL &&
	     tpa_credential_apply(c, &o->cred, o->username, o->realm) != 0) ||
	    (o->integrity_set &&
	     tpa_turn_set_integrity(c, o->integrity) != 0)) {
		rc = report_client(c, o, &res);
		goto out;
	}
	res.stage = "allocate";
	rc = tpa_turn_allocate(c, 0, NULL, NULL);
	res.allocate_tried = 1;
	res.mismatch_retries = c->mismatch_retries;
	if (rc != 0) {
		rc = report_client(c, o, &res);
		goto out;
	}
	res.allocated = 1;
	res.integrity = integrity_name(c->integrity);
	tpa_turn_format_addr(&c->relayed, res.relayed, sizeof(res.relayed));
	tpa_turn_format_addr(&c->mapped, res.mapped, sizeof(res.mapped));
	if (!o->json)
		printf("ALLOCATED relayed=%s mapped=%s mismatch_retries=%d "
		       "integrity=%s lifetime=%u\n",
		       res.relayed, res.mapped, res.mismatch_retries,
		       integrity_name(c->integrity), (unsigned)c->lifetime);
	fflush(stdout); /* seen at once, also while --hold waits */
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
