/*
 * tpa_redis_conn: one connection to one server.  hiredis connects (with
 * its connect timeout) and formats commands; the bytes go through here,
 * with poll() against one deadline per exchange: SO_RCVTIMEO alone bounds
 * each read, and a server that trickles a byte now and then would hold a
 * caller for ever.  A connection that timed out or broke is closed at once
 * (a late reply would be read as the next command's) and not tried again
 * before its back-off.  Sends use MSG_NOSIGNAL: no SIGPIPE in the host.
 */
#include "tpa_redis_internal.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <hiredis/hiredis.h>
#include <openssl/crypto.h>

#define READ_CHUNK 16384

static void name_conn(struct tpa_redis_conn *c);
static int wait_fd(int fd, short events, uint64_t deadline, int wake_fd);
static enum tpa_redis_status io_failed(struct tpa_redis_conn *c, int timed_out,
				       const char *what, char *err,
				       size_t errlen);
static enum tpa_redis_status say_auth(struct tpa_redis_conn *c,
				      const struct tpa_redis_auth *auth,
				      uint32_t timeout_ms, char *err,
				      size_t errlen);
static int grow_out(struct tpa_redis_conn *c, size_t more);

/* ---- back-off ---------------------------------------------------------- */

int tpa_redis_backoff_active(const struct tpa_redis_backoff *b,
			     uint64_t *left_ms)
{
	uint64_t now = tpa_redis_now_ms();

	if (b->until <= now)
		return 0;
	if (left_ms != NULL)
		*left_ms = b->until - now;
	return 1;
}

void tpa_redis_backoff_fail(struct tpa_redis_backoff *b)
{
	if (b->ms == 0)
		b->ms = TPA_REDIS_BACKOFF_MIN_MS;
	b->until = tpa_redis_now_ms() + b->ms;
	b->ms = b->ms >= TPA_REDIS_BACKOFF_MAX_MS / 2 ? TPA_REDIS_BACKOFF_MAX_MS
						      : b->ms * 2;
}

void tpa_redis_backoff_reset(struct tpa_redis_backoff *b)
{
	b->ms = 0;
	b->until = 0;
}

/* ---- the connection ---------------------------------------------------- */

static void name_conn(struct tpa_redis_conn *c)
{
	tpa_redis_node_name(c->host, c->port, c->unix_path, c->name,
			    sizeof(c->name));
}

void tpa_redis_conn_init(struct tpa_redis_conn *c, const char *host,
			 uint16_t port, const char *unix_path)
{
	memset(c, 0, sizeof(*c));
	if (unix_path != NULL && unix_path[0] != '\0') {
		snprintf(c->unix_path, sizeof(c->unix_path), "%s", unix_path);
	} else {
		snprintf(c->host, sizeof(c->host), "%s", host);
		c->port = port;
	}
	name_conn(c);
}

int tpa_redis_conn_is(const struct tpa_redis_conn *c, const char *host,
		      uint16_t port)
{
	return c->unix_path[0] == '\0' && c->port == port &&
	       strcmp(c->host, host) == 0;
}

void tpa_redis_conn_close(struct tpa_redis_conn *c)
{
	if (c->ctx != NULL)
		redisFree(c->ctx);
	c->ctx = NULL;
	if (c->reader != NULL)
		redisReaderFree(c->reader);
	c->reader = NULL;
	if (c->out != NULL)
		OPENSSL_clear_free(c->out, c->out_cap);
	c->out = NULL;
	c->out_len = c->out_cap = 0;
	c->reply_bytes = 0;
}

void tpa_redis_conn_fail(struct tpa_redis_conn *c)
{
	tpa_redis_conn_close(c);
	tpa_redis_backoff_fail(&c->backoff);
}

/* Closes and backs off c; err says what failed, and where. */
static enum tpa_redis_status io_failed(struct tpa_redis_conn *c, int timed_out,
				       const char *what, char *err,
				       size_t errlen)
{
	tpa_redis_set_err(err, errlen, "%s: %s", c->name, what);
	tpa_redis_conn_fail(c);
	return timed_out ? TPA_REDIS_TIMEOUT : TPA_REDIS_DOWN;
}

int tpa_redis_conn_drop_if_closed(struct tpa_redis_conn *c)
{
	struct pollfd p;
	int rc;

	if (c->ctx == NULL || c->out_len != 0)
		return 0;
	/* between exchanges nothing is due: readable means EOF, an error,
	 * or bytes out of step with our requests */
	p.fd = c->ctx->fd;
	p.events = POLLIN;
	p.revents = 0;
	do
		rc = poll(&p, 1, 0);
	while (rc < 0 && errno == EINTR);
	if (rc <= 0 || p.revents == 0)
		return 0;
	tpa_redis_conn_close(c);
	return 1;
}

enum tpa_redis_status tpa_redis_conn_open(struct tpa_redis_conn *c,
					  const struct tpa_redis_auth *auth,
					  uint32_t timeout_ms, char *err,
					  size_t errlen)
{
	struct timeval tv = {(time_t)(timeout_ms / 1000),
			     (suseconds_t)(timeout_ms % 1000) * 1000};
	uint64_t left;
	redisContext *ctx;

	if (c->ctx != NULL && !tpa_redis_conn_drop_if_closed(c))
		return TPA_REDIS_OK;
	if (tpa_redis_backoff_active(&c->backoff, &left)) {
		tpa_redis_set_err(err, errlen,
				  "%s: not tried for %llu ms after a failure",
				  c->name, (unsigned long long)left);
		return TPA_REDIS_DOWN;
	}
	errno = 0;
	if (c->unix_path[0] != '\0')
		ctx = redisConnectUnixWithTimeout(c->unix_path, tv);
	else
		ctx = redisConnectWithTimeout(c->host, c->port, tv);
	if (ctx == NULL)
		return io_failed(c, 0, "out of memory", err, errlen);
	if (ctx->err) {
		int timed_out = errno == ETIMEDOUT ||
				strstr(ctx->errstr, "timed out") != NULL;
		char what[160];

		snprintf(what, sizeof(what), "connect: %s", ctx->errstr);
		redisFree(ctx);
		return io_failed(c, timed_out, what, err, errlen);
	}
	/* A backstop only: every wait below polls against a deadline. */
	if (redisSetTimeout(ctx, tv) != REDIS_OK) {
		redisFree(ctx);
		return io_failed(c, 0, "cannot set the socket timeout", err,
				 errlen);
	}
	c->ctx = ctx;
	c->reader = tpa_redis_reader_new(&c->count);
	if (c->reader == NULL)
		return io_failed(c, 0, "out of memory", err, errlen);
	return say_auth(c, auth, timeout_ms, err, errlen);
}

/* AUTH [user] password, then SELECT db, in one round trip. */
static enum tpa_redis_status say_auth(struct tpa_redis_conn *c,
				      const struct tpa_redis_auth *auth,
				      uint32_t timeout_ms, char *err,
				      size_t errlen)
{
	redisReply *rep[2] = {NULL, NULL};
	const char *what[2];
	enum tpa_redis_status st;
	size_t n = 0, got = 0, i;

	if (auth == NULL)
		return TPA_REDIS_OK;
	if (auth->password != NULL && auth->password[0] != '\0') {
		const char *argv[3] = {"AUTH", auth->user, auth->password};
		size_t argvlen[3] = {4, 0, strlen(auth->password)};
		int argc = 3;

		if (auth->user == NULL || auth->user[0] == '\0') {
			argv[1] = auth->password;
			argvlen[1] = argvlen[2];
			argc = 2;
		} else {
			argvlen[1] = strlen(auth->user);
		}
		if (tpa_redis_conn_append(c, argc, argv, argvlen))
			return io_failed(c, 0, "out of memory", err, errlen);
		what[n++] = "AUTH";
	}
	if (auth->db != 0) {
		char dbtext[16];
		const char *argv[2] = {"SELECT", dbtext};
		size_t argvlen[2] = {6, 0};

		argvlen[1] = (size_t)snprintf(dbtext, sizeof(dbtext), "%u",
					      auth->db);
		if (tpa_redis_conn_append(c, 2, argv, argvlen))
			return io_failed(c, 0, "out of memory", err, errlen);
		what[n++] = "SELECT";
	}
	if (n == 0)
		return TPA_REDIS_OK;
	st = tpa_redis_conn_exchange(c, timeout_ms, n, rep, &got, err, errlen);
	for (i = 0; st == TPA_REDIS_OK && i < n; i++) {
		if (rep[i]->type == REDIS_REPLY_ERROR) {
			/* its first word only (WRONGPASS, NOAUTH, ERR): an
			 * answer to AUTH is not text to repeat */
			char word[24];
			size_t w = 0;

			while (w < rep[i]->len && rep[i]->str[w] != ' ')
				w++;
			tpa_redis_safe_text(rep[i]->str, w, word, sizeof(word));
			tpa_redis_set_err(err, errlen, "%s: %s refused: %s",
					  c->name, what[i], word);
			st = TPA_REDIS_ERROR;
		} else if (!tpa_redis_reply_is(rep[i], "OK", 2)) {
			tpa_redis_set_err(err, errlen,
					  "%s: unexpected reply to %s", c->name,
					  what[i]);
			st = TPA_REDIS_ERROR;
		}
	}
	for (i = 0; i < got; i++)
		freeReplyObject(rep[i]);
	if (st == TPA_REDIS_ERROR)
		tpa_redis_conn_fail(c);
	return st;
}

/* ---- sending ----------------------------------------------------------- */

/* Room for more bytes in c->out; the old buffer is wiped (AUTH). */
static int grow_out(struct tpa_redis_conn *c, size_t more)
{
	size_t cap;
	uint8_t *nb;

	if (c->out_cap - c->out_len >= more)
		return 0;
	if (more > SIZE_MAX / 2 - c->out_len)
		return -1;
	cap = c->out_cap ? c->out_cap : 256;
	while (cap - c->out_len < more)
		cap *= 2;
	nb = malloc(cap);
	if (nb == NULL)
		return -1;
	if (c->out != NULL) {
		memcpy(nb, c->out, c->out_len);
		OPENSSL_clear_free(c->out, c->out_cap);
	}
	c->out = nb;
	c->out_cap = cap;
	return 0;
}

int tpa_redis_conn_append(struct tpa_redis_conn *c, int argc, const char **argv,
			  const size_t *argvlen)
{
	char *cmd = NULL;
	int len;

	if (argc < 1)
		return -1;
	len = redisFormatCommandArgv(&cmd, argc, argv, argvlen);
	if (len < 0 || cmd == NULL)
		return -1;
	if (grow_out(c, (size_t)len)) {
		OPENSSL_cleanse(cmd, (size_t)len);
		redisFreeCommand(cmd);
		return -1;
	}
	memcpy(c->out + c->out_len, cmd, (size_t)len);
	c->out_len += (size_t)len;
	OPENSSL_cleanse(cmd, (size_t)len);
	redisFreeCommand(cmd);
	return 0;
}

/*
 * Waits for events on fd (and POLLIN on wake_fd) until deadline: 1 ready,
 * 0 deadline passed, 2 wake_fd readable, -1 poll failed.
 */
static int wait_fd(int fd, short events, uint64_t deadline, int wake_fd)
{
	struct pollfd p[2] = {{fd, events, 0}, {wake_fd, POLLIN, 0}};

	for (;;) {
		uint64_t now = tpa_redis_now_ms();
		int rc;

		if (now >= deadline)
			return 0;
		rc = poll(
			p, wake_fd >= 0 ? 2 : 1,
			(int)(deadline - now > 60000 ? 60000 : deadline - now));
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -1;
		if (wake_fd >= 0 && (p[1].revents & POLLIN))
			return 2;
		if (rc > 0 && p[0].revents != 0)
			return 1;
	}
}

int tpa_redis_conn_flush(struct tpa_redis_conn *c, uint64_t deadline,
			 int *timed_out, char *err, size_t errlen)
{
	size_t sent = 0;

	*timed_out = 0;
	while (sent < c->out_len) {
		ssize_t n = send(c->ctx->fd, c->out + sent, c->out_len - sent,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			sent += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int w = wait_fd(c->ctx->fd, POLLOUT, deadline, -1);
			if (w == 1)
				continue;
			*timed_out = w == 0;
			io_failed(c, w == 0,
				  w == 0 ? "timed out sending" : "poll failed",
				  err, errlen);
			return -1;
		}
		{
			char what[128];
			snprintf(what, sizeof(what), "send: %s",
				 n < 0 ? strerror(errno) : "nothing sent");
			io_failed(c, 0, what, err, errlen);
		}
		return -1;
	}
	OPENSSL_cleanse(c->out, c->out_len);
	c->out_len = 0;
	return 0;
}

/* ---- receiving --------------------------------------------------------- */

enum tpa_redis_io tpa_redis_conn_read(struct tpa_redis_conn *c,
				      uint64_t deadline, int wake_fd,
				      redisReply **reply, char *err,
				      size_t errlen)
{
	*reply = NULL;
	if (c->ctx == NULL || c->reader == NULL) {
		tpa_redis_set_err(err, errlen, "%s: not connected", c->name);
		return TPA_REDIS_IO_FAILED;
	}
	for (;;) {
		char buf[READ_CHUNK];
		void *obj = NULL;
		ssize_t n;
		int w;

		if (redisReaderGetReply(c->reader, &obj) != REDIS_OK) {
			char what[200];
			snprintf(what, sizeof(what), "bad reply: %s",
				 c->count.objects > TPA_REDIS_REPLY_MAX_OBJECTS
					 ? "too many elements"
					 : c->reader->errstr);
			io_failed(c, 0, what, err, errlen);
			return TPA_REDIS_IO_FAILED;
		}
		if (obj != NULL) {
			c->count.objects = 0;
			c->reply_bytes = 0;
			*reply = obj;
			return TPA_REDIS_IO_OK;
		}
		w = wait_fd(c->ctx->fd, POLLIN, deadline, wake_fd);
		if (w == 0)
			return TPA_REDIS_IO_TIMEOUT;
		if (w == 2)
			return TPA_REDIS_IO_WOKEN;
		if (w < 0) {
			io_failed(c, 0, "poll failed", err, errlen);
			return TPA_REDIS_IO_FAILED;
		}
		n = recv(c->ctx->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 &&
		    (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
			continue;
		if (n <= 0) {
			char what[128];
			snprintf(what, sizeof(what), "%s",
				 n == 0 ? "the server closed the connection"
					: strerror(errno));
			io_failed(c, 0, what, err, errlen);
			return TPA_REDIS_IO_FAILED;
		}
		/* counted across calls: a subscriber waits in slices */
		c->reply_bytes += (size_t)n;
		if (c->reply_bytes > TPA_REDIS_REPLY_MAX_BYTES) {
			io_failed(c, 0, "reply too long", err, errlen);
			return TPA_REDIS_IO_FAILED;
		}
		if (redisReaderFeed(c->reader, buf, (size_t)n) != REDIS_OK) {
			io_failed(c, 0, "out of memory", err, errlen);
			return TPA_REDIS_IO_FAILED;
		}
	}
}

enum tpa_redis_status tpa_redis_conn_exchange(struct tpa_redis_conn *c,
					      uint32_t timeout_ms, size_t n,
					      redisReply **replies, size_t *got,
					      char *err, size_t errlen)
{
	uint64_t deadline = tpa_redis_now_ms() + timeout_ms;
	int timed_out = 0;

	*got = 0;
	if (c->ctx == NULL) {
		tpa_redis_set_err(err, errlen, "%s: not connected", c->name);
		return TPA_REDIS_DOWN;
	}
	if (tpa_redis_conn_flush(c, deadline, &timed_out, err, errlen))
		return timed_out ? TPA_REDIS_TIMEOUT : TPA_REDIS_DOWN;
	while (*got < n) {
		switch (tpa_redis_conn_read(c, deadline, -1, &replies[*got],
					    err, errlen)) {
		case TPA_REDIS_IO_OK:
			(*got)++;
			break;
		case TPA_REDIS_IO_TIMEOUT:
		case TPA_REDIS_IO_WOKEN:
			return io_failed(c, 1, "timed out waiting for a reply",
					 err, errlen);
		default:
			return TPA_REDIS_DOWN;
		}
	}
	tpa_redis_backoff_reset(&c->backoff);
	return TPA_REDIS_OK;
}

enum tpa_redis_status
tpa_redis_conn_command(struct tpa_redis_conn *c,
		       const struct tpa_redis_auth *auth, uint32_t timeout_ms,
		       int argc, const char **argv, const size_t *argvlen,
		       redisReply **reply, char *err, size_t errlen)
{
	enum tpa_redis_status st;
	size_t got = 0;

	*reply = NULL;
	st = tpa_redis_conn_open(c, auth, timeout_ms, err, errlen);
	if (st != TPA_REDIS_OK)
		return st;
	if (tpa_redis_conn_append(c, argc, argv, argvlen))
		return io_failed(c, 0, "out of memory", err, errlen);
	return tpa_redis_conn_exchange(c, timeout_ms, 1, reply, &got, err,
				       errlen);
}
