/*
 * tpa_metrics_http.c - the Prometheus endpoint, on libmicrohttpd.
 */
#include "tpa_metrics_http.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#define PATH "/metrics"
#define CONNECTIONS_MAX 16   /* scrapers at once */
#define CONNECTION_IDLE_S 10 /* an idle connection is closed after */
#define RENDER_FIRST 8192    /* bytes; grown when the text is longer */
#define RENDER_TRIES 4	     /* the text can grow between two tries */

struct tpa_metrics_http {
	struct MHD_Daemon *daemon;
	const struct tpa_metrics *metrics;
	tpa_metrics_http_log_fn log;
	void *log_ctx;
	uint16_t port;
};

/* libmicrohttpd's errors, one line each, into our log. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct tpa_metrics_http *h = cls;
	char line[256];
	size_t n;

	if (!h->log)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	h->log(h->log_ctx, line);
}

/* The exposition in a new buffer (free()), *len its length; NULL when out
 * of memory. */
static char *render(const struct tpa_metrics *m, size_t *len)
{
	size_t cap = RENDER_FIRST;

	for (int i = 0; i < RENDER_TRIES; i++) {
		char *buf = malloc(cap);

		if (!buf)
			return NULL;
		*len = tpa_metrics_render(m, buf, cap);
		if (*len < cap)
			return buf;
		free(buf);
		cap = *len + 1 + RENDER_FIRST;
	}
	return NULL;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status,
			     const char *text)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result rc;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				"text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result serve(void *cls, struct MHD_Connection *c,
			     const char *url, const char *method,
			     const char *version, const char *upload_data,
			     size_t *upload_data_size, void **req_cls)
{
	struct tpa_metrics_http *h = cls;
	struct MHD_Response *r;
	enum MHD_Result rc;
	size_t len;
	char *text;

	(void)version;
	(void)upload_data;
	(void)req_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED,
			     "only GET and HEAD\n");
	if (*upload_data_size != 0) { /* a body with GET: dropped */
		*upload_data_size = 0;
		return MHD_NO; /* closes the connection */
	}
	if (strcmp(url, PATH) != 0)
		return reply(c, MHD_HTTP_NOT_FOUND,
			     "the metrics are at " PATH "\n");
	text = render(h->metrics, &len);
	if (!text)
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
			     "out of memory\n");
	r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				TPA_METRICS_CONTENT_TYPE);
	rc = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return rc;
}

/* A non-blocking socket listening on where; -1 with err filled. */
static int listen_on(const struct tpa_loopback_addr *where, uint16_t *port,
		     char *err, size_t errlen)
{
	struct sockaddr_storage bound;
	socklen_t blen = sizeof(bound);
	int one = 1;
	int fd = socket(where->sa.ss_family,
			SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		snprintf(err, errlen, "metrics-listen %s: socket: %s",
			 where->text, strerror(errno));
		return -1;
	}
	/* a restart must not wait for the last scrapes' TIME_WAIT; on
	 * Linux this never lets two listeners share the port */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, (const struct sockaddr *)&where->sa, where->sa_len) != 0 ||
	    listen(fd, 16) != 0 ||
	    getsockname(fd, (struct sockaddr *)&bound, &blen) != 0) {
		snprintf(err, errlen, "metrics-listen %s: cannot listen: %s",
			 where->text, strerror(errno));
		close(fd);
		return -1;
	}
	*port = ntohs(bound.ss_family == AF_INET6
			      ? ((struct sockaddr_in6 *)&bound)->sin6_port
			      : ((struct sockaddr_in *)&bound)->sin_port);
	return fd;
}

struct tpa_metrics_http *
tpa_metrics_http_start(const struct tpa_loopback_addr *where,
		       const struct tpa_metrics *m, tpa_metrics_http_log_fn log,
		       void *log_ctx, char *err, size_t errlen)
{
	struct tpa_metrics_http *h = calloc(1, sizeof(*h));
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
			 MHD_USE_ERROR_LOG;
	int fd;

	if (!h) {
		snprintf(err, errlen, "metrics-listen %s: out of memory",
			 where->text);
		return NULL;
	}
	h->metrics = m;
	h->log = log;
	h->log_ctx = log_ctx;
	fd = listen_on(where, &h->port, err, errlen);
	if (fd < 0) {
		free(h);
		return NULL;
	}
	if (where->sa.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h->daemon = MHD_start_daemon(
		flags, 0, NULL, NULL, serve, h, MHD_OPTION_EXTERNAL_LOGGER,
		mhd_log, h, MHD_OPTION_LISTEN_SOCKET, fd,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTIONS_MAX,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_IDLE_S,
		MHD_OPTION_END);
	if (!h->daemon) {
		snprintf(err, errlen,
			 "metrics-listen %s: the HTTP server did not start",
			 where->text);
		close(fd);
		free(h);
		return NULL;
	}
	return h;
}

uint16_t tpa_metrics_http_port(const struct tpa_metrics_http *h)
{
	return h->port;
}

void tpa_metrics_http_stop(struct tpa_metrics_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->daemon); /* joins the thread, closes the socket */
	free(h);
}
