/*
 * tpa_redis_options: the operator's words for a Redis deployment (a URL, a
 * list of sentinels or cluster seeds, a password file) into struct
 * tpa_redis_options.  Each parser works on a copy and changes the options
 * only when the whole input is good; a message never holds the password.
 */
#include "tpa_redis.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "tpa_redis_internal.h"

#define SECRET_FILE_MAX                                                        \
	65536 /* a password file larger than this is not one                   \
	       */

static int fail(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void quote(const char *s, size_t len, char *out, size_t cap);
static int parse_port(const char *s, size_t len, uint16_t *port, char *why,
		      size_t whylen);
static int parse_host_port(const char *s, size_t len,
			   struct tpa_redis_node *node, char *why,
			   size_t whylen);
static int percent_decode(const char *s, size_t len, char *out, size_t cap,
			  const char *what, char *why, size_t whylen);
static int parse_userinfo(const char *s, size_t len, char *user, char *password,
			  char *why, size_t whylen);
static int parse_db(const char *s, size_t len, unsigned *db, char *why,
		    size_t whylen);
static int parse_unix(const char *path, struct tpa_redis_options *o, char *why,
		      size_t whylen);
static int read_all(int fd, char *buf, size_t cap, size_t *len);

static int fail(char *why, size_t whylen, const char *fmt, ...)
{
	if (why != NULL && whylen > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* A piece of operator input fit to quote in a message: printable, cut. */
static void quote(const char *s, size_t len, char *out, size_t cap)
{
	tpa_redis_safe_text(s, len > 40 ? 40 : len, out, cap);
}

void tpa_redis_options_init(struct tpa_redis_options *o)
{
	memset(o, 0, sizeof(*o));
	o->timeout_ms = TPA_REDIS_TIMEOUT_DEFAULT_MS;
}

void tpa_redis_options_wipe(struct tpa_redis_options *o)
{
	if (o == NULL)
		return;
	OPENSSL_cleanse(o->password, sizeof(o->password));
	OPENSSL_cleanse(o->sentinel_password, sizeof(o->sentinel_password));
}

/* Strict decimal 1..65535: no sign, no space, no leading zero. */
static int parse_port(const char *s, size_t len, uint16_t *port, char *why,
		      size_t whylen)
{
	char q[64];
	unsigned long v = 0;
	size_t i;

	quote(s, len, q, sizeof(q));
	if (len == 0)
		return fail(why, whylen, "no port after ':'");
	if (len > 5 || s[0] == '0')
		return fail(why, whylen, "port '%s' is not 1-65535", q);
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return fail(why, whylen, "port '%s' is not 1-65535", q);
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return fail(why, whylen, "port '%s' is not 1-65535", q);
	*port = (uint16_t)v;
	return 0;
}

/* "HOST:PORT" or "[IPV6]:PORT", exactly len bytes. */
static int parse_host_port(const char *s, size_t len,
			   struct tpa_redis_node *node, char *why,
			   size_t whylen)
{
	const char *colon;
	size_t hlen, i;
	char q[64];
	int digits_dots = 1;

	memset(node, 0, sizeof(*node));
	if (len == 0)
		return fail(why, whylen, "empty address (want HOST:PORT)");
	if (s[0] == '[') {
		const char *end = memchr(s, ']', len), *host = s + 1;
		struct in6_addr a6;

		if (end == NULL)
			return fail(why, whylen, "'[' without ']'");
		hlen = (size_t)(end - host);
		if (hlen == 0 || hlen >= sizeof(node->host))
			return fail(why, whylen, "bad IPv6 address in []");
		memcpy(node->host, host, hlen);
		node->host[hlen] = '\0';
		if (inet_pton(AF_INET6, node->host, &a6) != 1) {
			quote(host, hlen, q, sizeof(q));
			memset(node, 0, sizeof(*node));
			return fail(why, whylen, "'%s' is not an IPv6 address",
				    q);
		}
		if ((size_t)(end + 1 - s) == len || end[1] != ':') {
			memset(node, 0, sizeof(*node));
			return fail(why, whylen, "no ':PORT' after ']'");
		}
		return parse_port(end + 2, len - (size_t)(end + 2 - s),
				  &node->port, why, whylen);
	}
	colon = memchr(s, ':', len);
	if (colon == NULL)
		return fail(why, whylen, "no ':PORT' (want HOST:PORT)");
	if (memchr(colon + 1, ':', len - (size_t)(colon + 1 - s)) != NULL)
		return fail(why, whylen,
			    "an IPv6 address must be in [] (want [ADDR]:PORT)");
	hlen = (size_t)(colon - s);
	quote(s, hlen, q, sizeof(q));
	if (hlen == 0)
		return fail(why, whylen, "no host before ':'");
	if (hlen >= sizeof(node->host))
		return fail(why, whylen, "host is longer than %d bytes",
			    TPA_REDIS_HOST_MAX - 1);
	for (i = 0; i < hlen; i++) {
		unsigned char ch = (unsigned char)s[i];
		int alnum = (ch >= 'a' && ch <= 'z') ||
			    (ch >= 'A' && ch <= 'Z') ||
			    (ch >= '0' && ch <= '9');
		if (!alnum && ch != '.' && ch != '-' && ch != '_')
			return fail(why, whylen,
				    "host '%s' has a bad character", q);
		if (!(ch >= '0' && ch <= '9') && ch != '.')
			digits_dots = 0;
	}
	memcpy(node->host, s, hlen);
	node->host[hlen] = '\0';
	if (digits_dots) {
		struct in_addr a4;
		if (inet_pton(AF_INET, node->host, &a4) != 1) {
			memset(node, 0, sizeof(*node));
			return fail(why, whylen,
				    "host '%s' is not an IPv4 address", q);
		}
	}
	if (parse_port(colon + 1, len - hlen - 1, &node->port, why, whylen)) {
		memset(node, 0, sizeof(*node));
		return -1;
	}
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* %XX-decodes len bytes into out (cap with the NUL); no NUL byte. */
static int percent_decode(const char *s, size_t len, char *out, size_t cap,
			  const char *what, char *why, size_t whylen)
{
	size_t i = 0, n = 0;

	while (i < len) {
		int c = (unsigned char)s[i];
		if (c == '%') {
			if (len - i < 3 || hexval(s[i + 1]) < 0 ||
			    hexval(s[i + 2]) < 0) {
				OPENSSL_cleanse(out, cap);
				return fail(why, whylen,
					    "bad %%-escape in the %s", what);
			}
			c = hexval(s[i + 1]) * 16 + hexval(s[i + 2]);
			i += 3;
		} else {
			i++;
		}
		if (c == 0) {
			OPENSSL_cleanse(out, cap);
			return fail(why, whylen, "the %s holds a NUL byte",
				    what);
		}
		if (n + 1 >= cap) {
			OPENSSL_cleanse(out, cap);
			return fail(why, whylen,
				    "the %s is longer than %zu bytes", what,
				    cap - 1);
		}
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return 0;
}

/* "[user]:password", the part of a URL before its last '@'. */
static int parse_userinfo(const char *s, size_t len, char *user, char *password,
			  char *why, size_t whylen)
{
	const char *colon = memchr(s, ':', len);
	size_t ulen, i;

	if (colon == NULL)
		return fail(why, whylen,
			    "the part before '@' must be [user]:password");
	ulen = (size_t)(colon - s);
	if (percent_decode(s, ulen, user, TPA_REDIS_NAME_MAX, "user", why,
			   whylen))
		return -1;
	for (i = 0; user[i] != '\0'; i++) {
		unsigned char ch = (unsigned char)user[i];
		if (ch <= ' ' || ch == 0x7f)
			return fail(why, whylen,
				    "the user has a space or control byte");
	}
	if (percent_decode(colon + 1, len - ulen - 1, password,
			   TPA_REDIS_SECRET_MAX, "password", why, whylen))
		return -1;
	if (password[0] == '\0')
		return fail(why, whylen, "the password is empty");
	return 0;
}

/* "" (0) or strict decimal, at most 1000000 (Redis has 16 by default). */
static int parse_db(const char *s, size_t len, unsigned *db, char *why,
		    size_t whylen)
{
	unsigned long v = 0;
	size_t i;
	char q[64];

	*db = 0;
	if (len == 0)
		return 0;
	quote(s, len, q, sizeof(q));
	if (len > 7 || (s[0] == '0' && len > 1))
		return fail(why, whylen, "DB '%s' is not 0-1000000", q);
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return fail(why, whylen, "DB '%s' is not 0-1000000", q);
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > 1000000)
		return fail(why, whylen, "DB '%s' is not 0-1000000", q);
	*db = (unsigned)v;
	return 0;
}

static int parse_unix(const char *path, struct tpa_redis_options *o, char *why,
		      size_t whylen)
{
	size_t len = strlen(path), i;

	if (path[0] != '/')
		return fail(why, whylen, "unix: needs an absolute path");
	if (len >= sizeof(o->unix_path))
		return fail(why, whylen, "unix: path is longer than %zu bytes",
			    sizeof(o->unix_path) - 1);
	for (i = 0; i < len; i++)
		if ((unsigned char)path[i] < ' ' || path[i] == 0x7f)
			return fail(why, whylen,
				    "unix: path has a control byte");
	memset(o->unix_path, 0, sizeof(o->unix_path));
	memcpy(o->unix_path, path, len);
	o->mode = TPA_REDIS_UNIX;
	return 0;
}

int tpa_redis_parse_url(const char *url, struct tpa_redis_options *o, char *why,
			size_t whylen)
{
	static const char scheme[] = "redis://";
	struct tpa_redis_node node;
	char user[TPA_REDIS_NAME_MAX] = "";
	char password[TPA_REDIS_SECRET_MAX] = "";
	const char *rest, *at, *slash, *end;
	unsigned db;
	int rc = -1;

	if (url == NULL || url[0] == '\0')
		return fail(why, whylen, "empty Redis URL");
	if (strncmp(url, "unix:", 5) == 0)
		return parse_unix(url + 5, o, why, whylen);
	if (strncmp(url, scheme, sizeof(scheme) - 1) != 0)
		return fail(why, whylen,
			    "a Redis URL starts with redis:// or unix:");
	rest = url + sizeof(scheme) - 1;
	end = rest + strlen(rest);
	/* the last '@': a password may hold '@' and '/' unescaped */
	at = strrchr(rest, '@');
	if (at != NULL) {
		if (parse_userinfo(rest, (size_t)(at - rest), user, password,
				   why, whylen))
			goto out;
		rest = at + 1;
	}
	if (strpbrk(rest, "?#") != NULL) {
		fail(why, whylen, "a Redis URL takes no ?query or #fragment");
		goto out;
	}
	slash = strchr(rest, '/');
	if (parse_host_port(rest, (size_t)((slash ? slash : end) - rest), &node,
			    why, whylen))
		goto out;
	if (parse_db(slash ? slash + 1 : end,
		     slash ? (size_t)(end - slash - 1) : 0, &db, why, whylen))
		goto out;

	o->mode = TPA_REDIS_SINGLE;
	memset(o->nodes, 0, sizeof(o->nodes));
	o->nodes[0] = node;
	o->n_nodes = 1;
	o->db = db;
	memset(o->user, 0, sizeof(o->user));
	memcpy(o->user, user, strlen(user));
	OPENSSL_cleanse(o->password, sizeof(o->password));
	memcpy(o->password, password, strlen(password));
	rc = 0;
out:
	OPENSSL_cleanse(password, sizeof(password));
	return rc;
}

int tpa_redis_parse_nodes(const char *list, struct tpa_redis_options *o,
			  char *why, size_t whylen)
{
	struct tpa_redis_node nodes[TPA_REDIS_MAX_NODES];
	const char *p = list;
	size_t n = 0, i;

	if (list == NULL || list[0] == '\0')
		return fail(why, whylen,
			    "empty node list (want HOST:PORT,...)");
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char item[128];

		if (n == TPA_REDIS_MAX_NODES)
			return fail(why, whylen, "more than %d nodes",
				    TPA_REDIS_MAX_NODES);
		if (strstr(p, "://") != NULL &&
		    (size_t)(strstr(p, "://") - p) < len)
			return fail(why, whylen,
				    "node %zu: HOST:PORT, not a URL", n + 1);
		if (parse_host_port(p, len, &nodes[n], item, sizeof(item)))
			return fail(why, whylen, "node %zu: %s", n + 1, item);
		for (i = 0; i < n; i++)
			if (nodes[i].port == nodes[n].port &&
			    strcmp(nodes[i].host, nodes[n].host) == 0)
				return fail(why, whylen,
					    "node %zu: the same as node %zu",
					    n + 1, i + 1);
		n++;
		if (comma == NULL)
			break;
		p = comma + 1;
		while (*p == ' ')
			p++;
	}
	memset(o->nodes, 0, sizeof(o->nodes));
	memcpy(o->nodes, nodes, n * sizeof(nodes[0]));
	o->n_nodes = n;
	return 0;
}

/* Reads fd to its end into buf (at most cap bytes): 0, 1 if larger, -1. */
static int read_all(int fd, char *buf, size_t cap, size_t *len)
{
	*len = 0;
	for (;;) {
		ssize_t got = read(fd, buf + *len, cap - *len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -1;
		if (got == 0)
			return 0;
		*len += (size_t)got;
		if (*len == cap)
			return 1;
	}
}

int tpa_redis_read_secret_file(const char *path, char *out, size_t cap,
			       char *why, size_t whylen)
{
	struct stat st;
	size_t len = 0, line, i;
	int fd, rc = -1, r;
	char *b;

	if (out == NULL || cap == 0)
		return fail(why, whylen, "%s: no room for the secret", path);
	out[0] = '\0';
	/* O_NONBLOCK: a FIFO in its place must not hang the start-up */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return fail(why, whylen, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return fail(why, whylen, "%s: not a regular file", path);
	}
	/* on the heap: the caller may be a thread with a small stack */
	b = OPENSSL_malloc(SECRET_FILE_MAX);
	if (b == NULL) {
		close(fd);
		return fail(why, whylen, "%s: out of memory", path);
	}
	r = read_all(fd, b, SECRET_FILE_MAX, &len);
	close(fd);
	if (r < 0) {
		fail(why, whylen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (r > 0) {
		fail(why, whylen, "%s: larger than %d bytes", path,
		     SECRET_FILE_MAX - 1);
		goto out;
	}
	line = 0;
	while (line < len && b[line] != '\n')
		line++;
	/* after the first line, only empty lines (an editor's last newline) */
	for (i = line; i < len; i++)
		if (b[i] != '\n' && b[i] != '\r') {
			fail(why, whylen,
			     "%s: more than one line (want the secret alone "
			     "on its first line)",
			     path);
			goto out;
		}
	if (line > 0 && b[line - 1] == '\r')
		line--;
	if (line == 0) {
		fail(why, whylen,
		     "%s: empty (want the secret on its first line)", path);
		goto out;
	}
	if (memchr(b, '\0', line) != NULL) {
		fail(why, whylen, "%s: holds a NUL byte", path);
		goto out;
	}
	if (line >= cap) {
		fail(why, whylen, "%s: the secret is longer than %zu bytes",
		     path, cap - 1);
		goto out;
	}
	memcpy(out, b, line);
	out[line] = '\0';
	rc = 0;
out:
	OPENSSL_clear_free(b, SECRET_FILE_MAX);
	return rc;
}
