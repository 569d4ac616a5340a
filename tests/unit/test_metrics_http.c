/*
 * Unit tests for plugin/tpa_metrics_http (the exporter) with a real HTTP
 * exchange on loopback, and for plugin/tpa_loopback (the addresses it may
 * listen on).
 *
 * Usage: test_metrics_http
 *
 * The exporter listens on an ephemeral port (port 0), so no port is
 * guessed; a tiny blocking client written here speaks HTTP/1.0 to it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "tpa_loopback.h"
#include "tpa_metrics.h"
#include "tpa_metrics_http.h"
#include "tpa_test.h"

#define REPLY_MAX 65536

/* A loopback address as the config would give it, but with port (0: any),
 * which the config itself refuses. */
static struct tpa_loopback_addr where(const char *text, uint16_t port)
{
	struct tpa_loopback_addr a;
	char why[256];

	if (tpa_loopback_parse(text, &a, why, sizeof(why)) != 0) {
		fprintf(stderr, "%s: %s\n", text, why);
		abort();
	}
	if (a.sa.ss_family == AF_INET)
		((struct sockaddr_in *)&a.sa)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&a.sa)->sin6_port = htons(port);
	return a;
}

/* Sends request to the exporter of a (port given) and reads the whole
 * reply into buf until the server closes; returns its length or -1. */
static long exchange(const struct tpa_loopback_addr *a, uint16_t port,
		     const char *request, char *buf, size_t cap)
{
	struct tpa_loopback_addr to = *a;
	struct timeval tv = {10, 0};
	size_t n = 0;
	ssize_t got;
	int fd;

	if (to.sa.ss_family == AF_INET)
		((struct sockaddr_in *)&to.sa)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&to.sa)->sin6_port = htons(port);
	fd = socket(to.sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&to.sa, to.sa_len) != 0 ||
	    send(fd, request, strlen(request), MSG_NOSIGNAL) !=
		    (ssize_t)strlen(request)) {
		close(fd);
		return -1;
	}
	while (n + 1 < cap && (got = recv(fd, buf + n, cap - 1 - n, 0)) > 0)
		n += (size_t)got;
	close(fd);
	buf[n] = '\0';
	return (long)n;
}

/* The body of an HTTP reply (after the blank line), or NULL. */
static const char *body_of(const char *reply)
{
	const char *p = strstr(reply, "\r\n\r\n");

	return p ? p + 4 : NULL;
}

static char *render_new(const struct tpa_metrics *m)
{
	size_t n = tpa_metrics_render(m, NULL, 0);
	char *text = malloc(n + 1);

	if (!text)
		abort();
	tpa_metrics_render(m, text, n + 1);
	return text;
}

/* GET /metrics returns exactly the exposition, with its content type;
 * a second scrape shows what moved. */
static void test_scrape(const char *addr_text)
{
	struct tpa_loopback_addr a = where(addr_text, 0);
	struct tpa_metrics *m = tpa_metrics_new(NULL, NULL);
	char err[256] = "", *reply = malloc(REPLY_MAX), *text;
	struct tpa_metrics_http *h =
		tpa_metrics_http_start(&a, m, NULL, NULL, err, sizeof(err));
	uint16_t port;

	CHECK_MSG(h != NULL, "%s: %s", addr_text, err);
	if (!h || !reply)
		goto out;
	port = tpa_metrics_http_port(h);
	CHECK(port != 0);
	CHECK(exchange(&a, port, "GET /metrics HTTP/1.0\r\n\r\n", reply,
		       REPLY_MAX) > 0);
	CHECK_MSG(strncmp(reply, "HTTP/1.1 200 OK\r\n", 17) == 0, "%.40s",
		  reply);
	CHECK(strstr(reply, "\r\nContent-Type: " TPA_METRICS_CONTENT_TYPE
			    "\r\n") != NULL);
	text = render_new(m);
	CHECK(body_of(reply) && strcmp(body_of(reply), text) == 0);
	free(text);

	tpa_metrics_accepted(m, 0);
	tpa_metrics_refused(m, TPA_REFUSAL_EXPIRED, 0);
	CHECK(exchange(&a, port, "GET /metrics HTTP/1.0\r\n\r\n", reply,
		       REPLY_MAX) > 0);
	CHECK(strstr(reply, "\ncoturn_tpa_accepted_total 1\n") != NULL);
	CHECK(strstr(reply, "\ncoturn_tpa_refused_total{reason=\"expired\"} "
			    "1\n") != NULL);
out:
	tpa_metrics_http_stop(h);
	tpa_metrics_free(m);
	free(reply);
}

/* Anything but GET or HEAD of /metrics is refused, and the exporter
 * serves on. */
static void test_other_requests(void)
{
	struct tpa_loopback_addr a = where("127.0.0.1:1", 0);
	struct tpa_metrics *m = tpa_metrics_new(NULL, NULL);
	char err[256] = "", reply[4096];
	struct tpa_metrics_http *h =
		tpa_metrics_http_start(&a, m, NULL, NULL, err, sizeof(err));
	uint16_t port;

	CHECK_MSG(h != NULL, "%s", err);
	if (!h)
		goto out;
	port = tpa_metrics_http_port(h);
	exchange(&a, port, "GET / HTTP/1.0\r\n\r\n", reply, sizeof(reply));
	CHECK_MSG(strncmp(reply, "HTTP/1.1 404 ", 13) == 0, "%.40s", reply);
	exchange(&a, port, "GET /metrics/x HTTP/1.0\r\n\r\n", reply,
		 sizeof(reply));
	CHECK_MSG(strncmp(reply, "HTTP/1.1 404 ", 13) == 0, "%.40s", reply);
	exchange(&a, port,
		 "POST /metrics HTTP/1.0\r\nContent-Length: 2\r\n\r\nhi", reply,
		 sizeof(reply));
	CHECK_MSG(strncmp(reply, "HTTP/1.1 405 ", 13) == 0, "%.40s", reply);
	CHECK(strstr(reply, "\r\nAllow: GET, HEAD\r\n") != NULL);
	exchange(&a, port, "HEAD /metrics HTTP/1.0\r\n\r\n", reply,
		 sizeof(reply));
	CHECK_MSG(strncmp(reply, "HTTP/1.1 200 ", 13) == 0, "%.40s", reply);
	CHECK(body_of(reply) && body_of(reply)[0] == '\0');
	exchange(&a, port, "garbage\r\n\r\n", reply, sizeof(reply));
	CHECK(strncmp(reply, "HTTP/1.1 200 ", 13) != 0);
	exchange(&a, port, "GET /metrics HTTP/1.0\r\n\r\n", reply,
		 sizeof(reply));
	CHECK_MSG(strncmp(reply, "HTTP/1.1 200 ", 13) == 0, "%.40s", reply);
out:
	tpa_metrics_http_stop(h);
	tpa_metrics_free(m);
}

/* A port in use fails at start with the address and the system's word;
 * a stopped exporter gives its port back at once. */
static void test_port_in_use_and_restart(void)
{
	struct tpa_loopback_addr a = where("127.0.0.1:1", 0), b;
	struct tpa_metrics *m = tpa_metrics_new(NULL, NULL);
	char err[256] = "", want[256], reply[4096];
	struct tpa_metrics_http *h =
		tpa_metrics_http_start(&a, m, NULL, NULL, err, sizeof(err));
	struct tpa_metrics_http *h2;
	uint16_t port;

	CHECK_MSG(h != NULL, "%s", err);
	if (!h)
		goto out;
	port = tpa_metrics_http_port(h);
	/* a scrape leaves a connection in TIME_WAIT on the server side */
	exchange(&a, port, "GET /metrics HTTP/1.0\r\n\r\n", reply,
		 sizeof(reply));
	snprintf(b.text, sizeof(b.text), "127.0.0.1:%u", (unsigned)port);
	b = where(b.text, port);
	h2 = tpa_metrics_http_start(&b, m, NULL, NULL, err, sizeof(err));
	CHECK(h2 == NULL);
	snprintf(want, sizeof(want),
		 "metrics-listen 127.0.0.1:%u: cannot listen: %s",
		 (unsigned)port, strerror(EADDRINUSE));
	CHECK_STR(err, want);
	tpa_metrics_http_stop(h2);

	tpa_metrics_http_stop(h);
	h = tpa_metrics_http_start(&b, m, NULL, NULL, err, sizeof(err));
	CHECK_MSG(h != NULL, "restart on %u: %s", (unsigned)port, err);
	if (h) {
		CHECK(tpa_metrics_http_port(h) == port);
		exchange(&b, port, "GET /metrics HTTP/1.0\r\n\r\n", reply,
			 sizeof(reply));
		CHECK(strncmp(reply, "HTTP/1.1 200 ", 13) == 0);
	}
out:
	tpa_metrics_http_stop(h);
	tpa_metrics_free(m);
	tpa_metrics_http_stop(NULL);
}

/* What metrics-listen accepts, and the message for what it does not. */
static void test_loopback_parse(void)
{
	static const char *const good[] = {
		"127.0.0.1:9641", "127.255.255.254:1", "127.0.0.2:65535",
		"[::1]:9641", "[0:0:0:0:0:0:0:1]:80"};
	static const struct {
		const char *text, *why;
	} bad[] = {
		{"10.0.0.1:9641",
		 "'10.0.0.1' is not a loopback address (127.0.0.0/8 or [::1])"},
		{"0.0.0.0:9641",
		 "'0.0.0.0' is not a loopback address (127.0.0.0/8 or [::1])"},
		{"[::]:9641", "'::' is not a loopback address (127.0.0.0/8 or "
			      "[::1])"},
		{"[::ffff:127.0.0.1]:9641",
		 "'::ffff:127.0.0.1' is not a loopback address (127.0.0.0/8 "
		 "or [::1])"},
		{"127.0.0.1:0", "port '0' is not 1 to 65535"},
		{"127.0.0.1:65536", "port '65536' is not 1 to 65535"},
		{"127.0.0.1:09641", "port '09641' is not 1 to 65535"},
		{"127.0.0.1:+80", "port '+80' is not 1 to 65535"},
		{"127.0.0.1:", "port '' is not 1 to 65535"},
		{"127.0.0.1", "'127.0.0.1' is not IPv4:PORT or [IPv6]:PORT"},
		{"::1:9641", "'::1:9641' is not IPv4:PORT or [IPv6]:PORT"},
		{":9641", "':9641' is not IPv4:PORT or [IPv6]:PORT"},
		{"[::1]9641", "'[::1]9641' is not IPv4:PORT or [IPv6]:PORT"},
		{"localhost:9641", "'localhost' is not an IPv4 address or a "
				   "bracketed IPv6 address (no host names)"},
		{"127.1:9641", "'127.1' is not an IPv4 address or a bracketed "
			       "IPv6 address (no host names)"},
		{"[127.0.0.1]:9641",
		 "'127.0.0.1' is not an IPv4 address or a bracketed IPv6 "
		 "address (no host names)"},
		{"", "'' is not IPv4:PORT or [IPv6]:PORT"},
	};
	struct tpa_loopback_addr a;
	char why[256], longer[200];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CHECK_MSG(tpa_loopback_parse(good[i], &a, why, sizeof(why)) ==
				  0,
			  "%s: %s", good[i], why);
		CHECK_STR(a.text, good[i]);
	}
	CHECK(tpa_loopback_parse("127.0.0.1:9641", &a, why, sizeof(why)) == 0 &&
	      a.sa.ss_family == AF_INET &&
	      a.sa_len == sizeof(struct sockaddr_in) &&
	      ntohs(((struct sockaddr_in *)&a.sa)->sin_port) == 9641);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		CHECK_MSG(tpa_loopback_parse(bad[i].text, &a, why,
					     sizeof(why)) == -1,
			  "%s accepted", bad[i].text);
		CHECK_STR(why, bad[i].why);
		CHECK(a.text[0] == '\0' && a.sa_len == 0);
	}
	memset(longer, '1', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	CHECK(tpa_loopback_parse(longer, &a, why, sizeof(why)) == -1);
}

int main(void)
{
	test_loopback_parse();
	test_scrape("127.0.0.1:1");
	test_scrape("127.0.0.2:1");
	test_scrape("[::1]:1");
	test_other_requests();
	test_port_in_use_and_restart();
	return tpa_test_done();
}
