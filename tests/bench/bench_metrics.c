/*
 * bench_metrics.c - what the metrics cost an authorization: the real
 * plugin (coturn_tpa.so, loaded as coturn loads it) answering the same
 * Allocate with a token, with metrics-listen set and without, in the same
 * run.  Each call is one session's life as the plugin sees it: authorize,
 * then session_closed (both variants keep the session registry).  Then
 * the metrics hooks alone, which the difference of the two should be,
 * and the session registry alone, which both pay.
 *
 * The two variants take turns in rounds, so that a change of machine load
 * hits both; the figure of each is the median of its rounds, in CPU time
 * of the calling thread.  It is a
 * figure, not a test: it never fails on timing.
 *
 * Usage: bench_metrics PLUGIN.so [N]   (N calls each, default 200000)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tpa_b64.h"
#include "tpa_metrics.h"
#include "tpa_live.h"
#include "tpa_stun.h"
#include "tpa_token.h"
#include "turn_auth_plugin.h"

#define SERVER_NAME "turn.example.net"
#define ROUNDS 20
#define LIVE_SESSIONS 100000 /* in the registry while it is measured */

static uint8_t as_rs_key[32]; /* made up by key_set() */

struct variant {
	const char *name;
	void *state;
	double ns[ROUNDS];
};

static void die(const char *what)
{
	fprintf(stderr, "bench_metrics: %s\n", what);
	exit(1);
}

static void host_log(enum turn_auth_log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level < TURN_AUTH_LOG_WARNING)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int host_end_session(uint64_t id)
{
	(void)id;
	return -1;
}

/* This thread's CPU time: what the other programs of a loaded machine do
 * between two reads does not count. */
static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* A file the plugin can open by path, holding text. */
static void memfile(const char *text, char *path, size_t cap)
{
	int fd = memfd_create("bench_metrics", 0);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		die("memfd");
	snprintf(path, cap, "/proc/self/fd/%d", fd);
}

/* A key set of one A256GCM key, kid "bench", into json (cap bytes). */
static void key_set(char *json, size_t cap)
{
	char k[64];

	for (size_t i = 0; i < sizeof(as_rs_key); i++)
		as_rs_key[i] = (uint8_t)(0x30 + 7 * i);
	if (tpa_b64_encode(as_rs_key, sizeof(as_rs_key), k, sizeof(k), 1))
		die("base64");
	snprintf(json, cap,
		 "{\"keys\": [{\"kty\": \"oct\", \"kid\": \"bench\", "
		 "\"alg\": \"A256GCM\", \"k\": \"%s\"}]}",
		 k);
}

/* A loopback port nothing listens on now (the kernel's pick). */
static unsigned free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	unsigned port;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, len) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) != 0)
		die("no free port");
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

/* The Allocate a client sends with a fresh token. */
static size_t allocate(uint8_t *buf, size_t cap)
{
	struct tpa_token tok = {.mac_key_len = 20, .lifetime = 3600};
	uint8_t token[TPA_TOKEN_MAX_LEN];
	size_t token_len;
	struct tpa_stun_msg m;

	memset(tok.mac_key, 0x5a, 20);
	tok.timestamp = tpa_token_ts_make((uint64_t)time(NULL), 0);
	if (tpa_token_encode(as_rs_key, 32, SERVER_NAME, &tok, NULL, token,
			     sizeof(token), &token_len) != TPA_TOKEN_OK)
		die("cannot make a token");
	tpa_stun_msg_init(&m, buf, cap, TPA_STUN_REQUEST, TPA_STUN_ALLOCATE,
			  NULL);
	tpa_stun_add_requested_transport(&m, TPA_STUN_TRANSPORT_UDP);
	tpa_stun_add_attr(&m, TPA_STUN_ATTR_USERNAME, "bench", 5);
	tpa_stun_add_attr(&m, TPA_STUN_ATTR_REALM, "example.org", 11);
	tpa_stun_add_attr(&m, TPA_STUN_ATTR_NONCE, "0123456789ab", 12);
	tpa_stun_add_attr(&m, TPA_STUN_ATTR_ACCESS_TOKEN, token, token_len);
	tpa_stun_add_integrity(&m, tok.mac_key, 20);
	if (m.err)
		die("cannot build the request");
	return m.len;
}

/* The hooks alone, as authorize calls them for one decision: a start
 * time, then the count and the histogram. */
static double hooks_ns(long n)
{
	struct tpa_metrics *m = tpa_metrics_new(NULL, NULL);
	double t0;

	if (!m)
		die("out of memory");
	t0 = now_ns();
	for (long i = 0; i < n; i++)
		tpa_metrics_accepted(m, tpa_metrics_start(m));
	t0 = (now_ns() - t0) / (double)n;
	tpa_metrics_free(m);
	return t0;
}

/* The session registry alone: a session noted, then forgotten, with
 * live sessions in it. */
static double registry_ns(long n)
{
	struct tpa_live *s = tpa_live_new(TPA_LIVE_MAX_DEFAULT);
	uint64_t now = (uint64_t)time(NULL);
	char tid[TPA_LIVE_TOKEN_ID_MAX + 1];
	struct tpa_live_grant g = {tid, "k1", now + 600, now + 600};
	double t0;

	if (!s)
		die("out of memory");

	for (uint64_t id = 0; id < LIVE_SESSIONS; id++) {
		snprintf(tid, sizeof(tid), "%016llx", (unsigned long long)id);
		tpa_live_note(s, id, &g, now, 0, NULL);
	}
	/* a token of its own: one session at a time */
	snprintf(tid, sizeof(tid), "%s", "feedfacefeedface");
	t0 = now_ns();
	for (long i = 0; i < n; i++) {
		tpa_live_note(s, LIVE_SESSIONS + (uint64_t)i, &g, now, 0, NULL);
		tpa_live_forget(s, LIVE_SESSIONS + (uint64_t)i, NULL);
	}
	t0 = (now_ns() - t0) / (double)n;
	tpa_live_free(s);
	return t0;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v)
{
	qsort(v, ROUNDS, sizeof(*v), cmp);
	return (v[ROUNDS / 2 - 1] + v[ROUNDS / 2]) / 2;
}

int main(int argc, char **argv)
{
	static struct turn_auth_host host = {
		.size = sizeof(host),
		.abi_version = TURN_AUTH_PLUGIN_ABI_VERSION,
		.software = "bench_metrics",
		.server_name = SERVER_NAME,
		.realm = "example.org",
		.log = host_log,
		.end_session = host_end_session,
	};
	long n = argc > 2 ? strtol(argv[2], NULL, 10) : 200000;
	char json[256], keys[64], conf[2][256], path[2][64], err[512];
	struct variant v[2] = {{"metrics off", NULL, {0}},
			       {"metrics on", NULL, {0}}};
	struct sockaddr_in client = {.sin_family = AF_INET};
	struct turn_auth_request req;
	struct turn_auth_result res;
	const struct turn_auth_plugin *p;
	turn_auth_plugin_entry_fn entry;
	uint8_t msg[512];
	uint64_t id = 1;
	void *so;

	if (argc < 2 || n < ROUNDS || n > 100000000)
		die("usage: bench_metrics PLUGIN.so [N >= 20]");
	so = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!so)
		die(dlerror());
	*(void **)&entry = dlsym(so, TURN_AUTH_PLUGIN_ENTRY_SYMBOL);
	if (!entry || !(p = entry(TURN_AUTH_PLUGIN_ABI_VERSION)))
		die("no plugin entry");
	key_set(json, sizeof(json));
	memfile(json, keys, sizeof(keys));
	snprintf(conf[0], sizeof(conf[0]), "key-set = %s\nlog-level = error\n",
		 keys);
	snprintf(conf[1], sizeof(conf[1]),
		 "key-set = %s\nlog-level = error\n"
		 "metrics-listen = 127.0.0.1:%u\n",
		 keys, free_port());
	for (int i = 0; i < 2; i++) {
		memfile(conf[i], path[i], sizeof(path[i]));
		if (p->init(&host, path[i], &v[i].state, err, sizeof(err)))
			die(err);
	}

	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.method = 0x003;
	req.message = msg;
	req.message_len = allocate(msg, sizeof(msg));
	req.username = "bench";
	req.realm = "example.org";
	client.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	req.client_addr = (const struct sockaddr *)&client;
	req.client_addr_len = sizeof(client);
	req.server_addr = req.client_addr;
	req.server_addr_len = req.client_addr_len;
	req.transport = TURN_AUTH_TRANSPORT_UDP;

	for (int r = 0; r < ROUNDS; r++) {
		for (int k = 0; k < 2; k++) {
			struct variant *x = &v[(r + k) % 2]; /* take turns */
			double t0 = now_ns();

			for (long i = 0; i < n / ROUNDS; i++) {
				memset(&res, 0, sizeof(res));
				res.size = sizeof(res);
				req.session_id = id++;
				if (p->authorize(x->state, &req, &res) !=
				    TURN_AUTH_ACCEPT)
					die(res.reason);
				p->session_closed(x->state, req.session_id);
			}
			x->ns[r] = (now_ns() - t0) / (double)(n / ROUNDS);
		}
	}
	double off = median(v[0].ns), on = median(v[1].ns);
	printf("metrics: authorize + session_closed, real plugin, "
	       "%ld calls each\n",
	       n / ROUNDS * ROUNDS);
	printf("  %-12s %8.0f ns/auth (CPU, median of %d rounds)\n", v[0].name,
	       off, ROUNDS);
	printf("  %-12s %8.0f ns/auth\n", v[1].name, on);
	printf("  ratio on / off %8.3f   (cost %+.0f ns a decision)\n",
	       on / off, on - off);
	printf("  the hooks alone (clock, count, histogram): %.0f ns a "
	       "decision\n",
	       hooks_ns(n));
	printf("  the session registry alone (note + forget, %d live): %.0f "
	       "ns\n",
	       LIVE_SESSIONS, registry_ns(n));
	for (int i = 0; i < 2; i++)
		p->fini(v[i].state);
	dlclose(so);
	return 0;
}
