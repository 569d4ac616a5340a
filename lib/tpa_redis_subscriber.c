/*
 * tpa_redis_subscriber: a thread that holds one subscription.  It finds
 * its server as the client does (the one server, the Sentinel's master,
 * any cluster node: Redis Cluster carries PUBLISH to every node), sends a
 * PING when the line has been quiet for a while (a stopped or cut-off
 * server sends no FIN), and reconnects with back-off.  Stopping wakes it
 * through a pipe, so it returns at once unless it is connecting.
 */
#include "tpa_redis_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#define QUIET_MS 1000 /* a PING after this long without a byte */
#define CHANNEL_MAX 1024

struct tpa_redis_subscriber {
	pthread_t thread;
	int wake[2]; /* stop: a byte on wake[1] */
	atomic_int stop;
	struct tpa_redis *r; /* finds the server; its conns are ours */
	struct tpa_redis_backoff backoff;
	size_t next_node; /* CLUSTER: the node to try next */
	char channel[CHANNEL_MAX];
	size_t chanlen;
	tpa_redis_message_fn message;
	tpa_redis_connected_fn connected;
	tpa_redis_failure_fn failure;
	void *ctx;
};

static void *run(void *arg);
static struct tpa_redis_conn *server(struct tpa_redis_subscriber *s, char *err,
				     size_t errlen);
static int subscribe(struct tpa_redis_subscriber *s, struct tpa_redis_conn *c,
		     char *err, size_t errlen);
static void listen_on(struct tpa_redis_subscriber *s, struct tpa_redis_conn *c);
static int pause_or_stop(struct tpa_redis_subscriber *s);
static void failed(struct tpa_redis_subscriber *s, const char *why);

enum tpa_redis_push tpa_redis_parse_push(const redisReply *r,
					 const char *channel, size_t chanlen,
					 const char **payload, size_t *len)
{
	const redisReply *kind;

	*payload = NULL;
	*len = 0;
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
	    r->element[0] == NULL || r->element[0]->type != REDIS_REPLY_STRING)
		return TPA_REDIS_PUSH_BAD;
	kind = r->element[0];
	if (tpa_redis_reply_is(kind, "message", 7)) {
		if (r->elements != 3 || r->element[1] == NULL ||
		    r->element[1]->type != REDIS_REPLY_STRING ||
		    r->element[2] == NULL ||
		    r->element[2]->type != REDIS_REPLY_STRING)
			return TPA_REDIS_PUSH_BAD;
		if (!tpa_redis_reply_is(r->element[1], channel, chanlen))
			return TPA_REDIS_PUSH_OTHER;
		*payload = r->element[2]->str;
		*len = r->element[2]->len;
		return TPA_REDIS_PUSH_MESSAGE;
	}
	if (tpa_redis_reply_is(kind, "subscribe", 9)) {
		if (r->elements != 3 ||
		    !tpa_redis_reply_is(r->element[1], channel, chanlen) ||
		    r->element[2] == NULL ||
		    r->element[2]->type != REDIS_REPLY_INTEGER)
			return TPA_REDIS_PUSH_BAD;
		return TPA_REDIS_PUSH_SUBSCRIBED;
	}
	if (tpa_redis_reply_is(kind, "pong", 4))
		return TPA_REDIS_PUSH_PONG;
	return TPA_REDIS_PUSH_OTHER;
}

/* A pipe, both ends close-on-exec and non-blocking. */
static int make_wake_pipe(int fds[2])
{
	int i;

	if (pipe(fds) != 0)
		return -1;
	for (i = 0; i < 2; i++)
		if (fcntl(fds[i], F_SETFD, FD_CLOEXEC) != 0 ||
		    fcntl(fds[i], F_SETFL, O_NONBLOCK) != 0)
			return -1; /* the caller closes them */
	return 0;
}

struct tpa_redis_subscriber *tpa_redis_subscribe(
	const struct tpa_redis_options *o, const char *channel,
	tpa_redis_message_fn message, tpa_redis_connected_fn connected,
	tpa_redis_failure_fn failure, void *ctx, char *err, size_t errlen)
{
	struct tpa_redis_subscriber *s;
	sigset_t all, old;
	int rc;

	if (o == NULL || o->mode == TPA_REDIS_OFF || channel == NULL ||
	    channel[0] == '\0' || strlen(channel) >= CHANNEL_MAX) {
		tpa_redis_set_err(err, errlen,
				  "subscriber: no Redis, or a bad channel");
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		tpa_redis_set_err(err, errlen, "subscriber: out of memory");
		return NULL;
	}
	s->wake[0] = s->wake[1] = -1;
	s->r = tpa_redis_new(o);
	if (s->r == NULL || make_wake_pipe(s->wake) != 0) {
		tpa_redis_set_err(err, errlen, "subscriber: %s",
				  s->r == NULL ? "out of memory"
					       : strerror(errno));
		goto fail;
	}
	s->chanlen = strlen(channel);
	memcpy(s->channel, channel, s->chanlen);
	s->message = message;
	s->connected = connected;
	s->failure = failure;
	s->ctx = ctx;
	atomic_init(&s->stop, 0);
	/* the host's signals are not for this thread */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&s->thread, NULL, run, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		tpa_redis_set_err(err, errlen, "subscriber: thread: %s",
				  strerror(rc));
		goto fail;
	}
	return s;
fail:
	if (s->wake[0] >= 0)
		close(s->wake[0]);
	if (s->wake[1] >= 0)
		close(s->wake[1]);
	tpa_redis_free(s->r);
	free(s);
	return NULL;
}

void tpa_redis_subscriber_stop(struct tpa_redis_subscriber *s)
{
	ssize_t n;

	if (s == NULL)
		return;
	atomic_store(&s->stop, 1);
	do
		n = write(s->wake[1], "x", 1);
	while (n < 0 && errno == EINTR);
	pthread_join(s->thread, NULL);
	close(s->wake[0]);
	close(s->wake[1]);
	tpa_redis_free(s->r);
	free(s);
}

static void failed(struct tpa_redis_subscriber *s, const char *why)
{
	if (s->failure != NULL && !atomic_load(&s->stop))
		s->failure(s->ctx, why);
	tpa_redis_backoff_fail(&s->backoff);
}

/* Waits out the back-off; 1 if told to stop meanwhile. */
static int pause_or_stop(struct tpa_redis_subscriber *s)
{
	uint64_t left = 0;

	while (!atomic_load(&s->stop) &&
	       tpa_redis_backoff_active(&s->backoff, &left)) {
		struct pollfd p = {s->wake[0], POLLIN, 0};
		if (poll(&p, 1, (int)left) > 0)
			break; /* stop() wrote a byte */
	}
	return atomic_load(&s->stop);
}

/* The conn to subscribe on, or NULL with err. */
static struct tpa_redis_conn *server(struct tpa_redis_subscriber *s, char *err,
				     size_t errlen)
{
	struct tpa_redis_conn *c = NULL;

	if (s->r->o.mode == TPA_REDIS_CLUSTER) {
		c = tpa_redis_cluster_nth(s->r, s->next_node);
		if (c == NULL)
			tpa_redis_set_err(err, errlen, "no cluster node known");
		return c;
	}
	if (tpa_redis_route(s->r, NULL, 0, &c, err, errlen) != TPA_REDIS_OK)
		return NULL;
	return c;
}

/* Opens c and subscribes: 0, or -1 with err. */
static int subscribe(struct tpa_redis_subscriber *s, struct tpa_redis_conn *c,
		     char *err, size_t errlen)
{
	const char *argv[2] = {"SUBSCRIBE", s->channel};
	size_t argvlen[2] = {9, s->chanlen};
	uint64_t deadline;
	struct tpa_redis_auth auth;
	redisReply *rep = NULL;
	const char *payload;
	size_t len;
	int timed_out, kind;

	tpa_redis_server_auth(s->r, &auth);
	if (tpa_redis_conn_open(c, &auth, s->r->o.timeout_ms, err, errlen) !=
	    TPA_REDIS_OK)
		return -1;
	deadline = tpa_redis_now_ms() + s->r->o.timeout_ms;
	if (tpa_redis_conn_append(c, 2, argv, argvlen)) {
		tpa_redis_set_err(err, errlen, "%s: out of memory", c->name);
		tpa_redis_conn_fail(c);
		return -1;
	}
	if (tpa_redis_conn_flush(c, deadline, &timed_out, err, errlen))
		return -1;
	switch (tpa_redis_conn_read(c, deadline, s->wake[0], &rep, err,
				    errlen)) {
	case TPA_REDIS_IO_OK:
		break;
	case TPA_REDIS_IO_FAILED:
		return -1;
	default:
		tpa_redis_set_err(err, errlen, "%s: no answer to SUBSCRIBE",
				  c->name);
		tpa_redis_conn_fail(c);
		return -1;
	}
	kind = tpa_redis_parse_push(rep, s->channel, s->chanlen, &payload,
				    &len);
	if (kind != TPA_REDIS_PUSH_SUBSCRIBED) {
		char text[128] = "an unexpected reply";
		if (rep->type == REDIS_REPLY_ERROR)
			tpa_redis_safe_text(rep->str, rep->len, text,
					    sizeof(text));
		tpa_redis_set_err(err, errlen, "%s: SUBSCRIBE: %s", c->name,
				  text);
		freeReplyObject(rep);
		tpa_redis_conn_fail(c);
		return -1;
	}
	freeReplyObject(rep);
	return 0;
}

/* Reads messages from c until it fails or the subscriber stops. */
static void listen_on(struct tpa_redis_subscriber *s, struct tpa_redis_conn *c)
{
	static const char *ping[1] = {"PING"};
	static const size_t pinglen[1] = {4};
	uint64_t pong_due = 0; /* 0: no PING outstanding */
	char err[TPA_REDIS_ERR_LEN];

	while (!atomic_load(&s->stop)) {
		uint64_t deadline =
			pong_due ? pong_due : tpa_redis_now_ms() + QUIET_MS;
		redisReply *rep = NULL;
		const char *payload;
		size_t len;
		int timed_out;

		switch (tpa_redis_conn_read(c, deadline, s->wake[0], &rep, err,
					    sizeof(err))) {
		case TPA_REDIS_IO_WOKEN:
			return;
		case TPA_REDIS_IO_FAILED:
			failed(s, err);
			return;
		case TPA_REDIS_IO_TIMEOUT:
			if (pong_due) {
				tpa_redis_set_err(err, sizeof(err),
						  "%s: no answer to PING in "
						  "%u ms",
						  c->name,
						  (unsigned)s->r->o.timeout_ms);
				tpa_redis_conn_fail(c);
				failed(s, err);
				return;
			}
			pong_due = tpa_redis_now_ms() + s->r->o.timeout_ms;
			if (tpa_redis_conn_append(c, 1, ping, pinglen) ||
			    tpa_redis_conn_flush(c, pong_due, &timed_out, err,
						 sizeof(err))) {
				if (c->ctx != NULL)
					tpa_redis_conn_fail(c);
				failed(s, err);
				return;
			}
			continue;
		case TPA_REDIS_IO_OK:
			break;
		}
		pong_due = 0; /* the server answers: it is alive */
		switch (tpa_redis_parse_push(rep, s->channel, s->chanlen,
					     &payload, &len)) {
		case TPA_REDIS_PUSH_MESSAGE:
			if (s->message != NULL)
				s->message(s->ctx, payload, len);
			break;
		case TPA_REDIS_PUSH_BAD:
			freeReplyObject(rep);
			tpa_redis_set_err(err, sizeof(err),
					  "%s: not a message of a subscription",
					  c->name);
			tpa_redis_conn_fail(c);
			failed(s, err);
			return;
		default:
			break;
		}
		freeReplyObject(rep);
	}
}

static void *run(void *arg)
{
	struct tpa_redis_subscriber *s = arg;
	char err[TPA_REDIS_ERR_LEN];

	while (!pause_or_stop(s)) {
		struct tpa_redis_conn *c = server(s, err, sizeof(err));

		if (c == NULL) {
			failed(s, err);
			continue;
		}
		if (subscribe(s, c, err, sizeof(err))) {
			tpa_redis_conn_lost(s->r, c);
			s->next_node++;
			failed(s, err);
			continue;
		}
		tpa_redis_backoff_reset(&s->backoff);
		if (s->connected != NULL && !atomic_load(&s->stop))
			s->connected(s->ctx);
		listen_on(s, c);
		tpa_redis_conn_lost(s->r, c);
		if (c->ctx != NULL)
			tpa_redis_conn_close(c); /* stopped, or a reply lost */
		s->next_node++;
	}
	return NULL;
}
