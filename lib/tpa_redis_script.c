/*
 * tpa_redis_script: Lua scripts called by their SHA1 (EVALSHA), one round
 * trip per call; a server that does not know the script (restarted,
 * SCRIPT FLUSH, a new cluster node) answers NOSCRIPT, and tpa_redis_run
 * loads it there (tpa_redis_script_load) and calls it again once.
 */
#include "tpa_redis_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <hiredis/hiredis.h>
#include <openssl/sha.h>

int tpa_redis_script_init(struct tpa_redis_script *s)
{
	unsigned char md[SHA_DIGEST_LENGTH];
	size_t i;

	if (s == NULL || s->body == NULL)
		return -1;
	if (SHA1((const unsigned char *)s->body, strlen(s->body), md) == NULL)
		return -1;
	for (i = 0; i < sizeof(md); i++)
		snprintf(s->sha1 + 2 * i, 3, "%02x", md[i]);
	return 0;
}

int tpa_redis_append_request(struct tpa_redis_conn *conn,
			     const struct tpa_redis_request *req)
{
	const char **argv;
	size_t *argvlen;
	char nkeys[16];
	int argc, rc, i;

	if (req->script == NULL)
		return tpa_redis_conn_append(conn, req->argc, req->argv,
					     req->argvlen);
	if (req->nkeys < 0 || req->nkeys > req->argc || req->argc > 100000 ||
	    strlen(req->script->sha1) != 40)
		return -1;
	argc = req->argc + 3;
	argv = malloc((size_t)argc * sizeof(*argv));
	argvlen = malloc((size_t)argc * sizeof(*argvlen));
	if (argv == NULL || argvlen == NULL) {
		free(argv);
		free(argvlen);
		return -1;
	}
	argv[0] = "EVALSHA";
	argvlen[0] = 7;
	argv[1] = req->script->sha1;
	argvlen[1] = 40;
	argvlen[2] = (size_t)snprintf(nkeys, sizeof(nkeys), "%d", req->nkeys);
	argv[2] = nkeys;
	for (i = 0; i < req->argc; i++) {
		argv[3 + i] = req->argv[i];
		argvlen[3 + i] = req->argvlen[i];
	}
	rc = tpa_redis_conn_append(conn, argc, argv, argvlen);
	free(argv);
	free(argvlen);
	return rc;
}

enum tpa_redis_status tpa_redis_script_load(struct tpa_redis *r,
					    struct tpa_redis_conn *conn,
					    const struct tpa_redis_script *s,
					    char *err, size_t errlen)
{
	const char *argv[3] = {"SCRIPT", "LOAD", s->body};
	size_t argvlen[3] = {6, 4, strlen(s->body)};
	struct tpa_redis_auth auth;
	enum tpa_redis_status st;
	redisReply *rep = NULL;

	tpa_redis_server_auth(r, &auth);
	st = tpa_redis_conn_command(conn, &auth, r->o.timeout_ms, 3, argv,
				    argvlen, &rep, err, errlen);
	if (st != TPA_REDIS_OK)
		return st;
	if (rep->type == REDIS_REPLY_ERROR) {
		char text[128];
		tpa_redis_safe_text(rep->str, rep->len, text, sizeof(text));
		tpa_redis_set_err(err, errlen, "%s: SCRIPT LOAD: %s",
				  conn->name, text);
		st = TPA_REDIS_ERROR;
	} else if (rep->type != REDIS_REPLY_STRING || rep->len != 40 ||
		   strncasecmp(rep->str, s->sha1, 40) != 0) {
		tpa_redis_set_err(err, errlen,
				  "%s: SCRIPT LOAD answered another SHA1",
				  conn->name);
		st = TPA_REDIS_ERROR;
	}
	freeReplyObject(rep);
	return st;
}

enum tpa_redis_status
tpa_redis_eval(struct tpa_redis *r, const struct tpa_redis_script *s, int nkeys,
	       const char **keys, const size_t *keylen, int nargs,
	       const char **args, const size_t *arglen, redisReply **reply,
	       char *err, size_t errlen)
{
	struct tpa_redis_request req = {0, NULL, NULL, s, nkeys};
	enum tpa_redis_status st;
	char local[TPA_REDIS_ERR_LEN];
	redisReply *dummy = NULL;
	const char **argv;
	size_t *argvlen;
	int i;

	if (reply == NULL)
		reply = &dummy;
	*reply = NULL;
	if (err == NULL) {
		err = local;
		errlen = sizeof(local);
	}
	err[0] = '\0';
	if (r == NULL || s == NULL || s->body == NULL || nkeys < 0 ||
	    nargs < 0 || nkeys > 100000 || nargs > 100000 ||
	    (nkeys > 0 && (keys == NULL || keylen == NULL)) ||
	    (nargs > 0 && (args == NULL || arglen == NULL))) {
		tpa_redis_set_err(err, errlen, "bad arguments");
		return TPA_REDIS_ERROR;
	}
	argv = malloc((size_t)(nkeys + nargs + 1) * sizeof(*argv));
	argvlen = malloc((size_t)(nkeys + nargs + 1) * sizeof(*argvlen));
	if (argv == NULL || argvlen == NULL) {
		free(argv);
		free(argvlen);
		tpa_redis_set_err(err, errlen, "out of memory");
		return TPA_REDIS_ERROR;
	}
	for (i = 0; i < nkeys; i++) {
		argv[i] = keys[i];
		argvlen[i] = keylen[i];
	}
	for (i = 0; i < nargs; i++) {
		argv[nkeys + i] = args[i];
		argvlen[nkeys + i] = arglen[i];
	}
	req.argc = nkeys + nargs;
	req.argv = argv;
	req.argvlen = argvlen;
	st = tpa_redis_run(r, nkeys > 0 ? keys[0] : NULL,
			   nkeys > 0 ? keylen[0] : 0, &req, reply, err, errlen);
	free(argv);
	free(argvlen);
	if (dummy != NULL)
		freeReplyObject(dummy);
	return st;
}
