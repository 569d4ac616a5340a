/*
 * fuzz_redis_options: the Redis client's parsers of operator input on
 * hostile text: tpa_redis_parse_url, tpa_redis_parse_nodes (the input up
 * to its first NUL) and tpa_redis_read_secret_file (the whole input, in a
 * memfd read through /proc/self/fd/N).
 *
 * A refusal leaves the options byte for byte as they were and gives one
 * printable line of reason.  A URL that parses has a mode and fields in
 * their ranges, all NUL-terminated, and formatted back as a URL (user and
 * password %-escaped, IPv6 in brackets) parses to the very same options;
 * the same for a node list.  A secret read is the first line of the file,
 * without its CR/LF, with no NUL; a refusal leaves "".
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "tpa_redis.h"

static int memfd = -1;
static char path[64];

static void check_reason(const char *why)
{
	size_t i, n = strnlen(why, TPA_REDIS_ERR_LEN);

	FUZZ_CHECK(n > 0 && n < TPA_REDIS_ERR_LEN);
	for (i = 0; i < n; i++)
		FUZZ_CHECK(why[i] >= ' ' && why[i] < 0x7f);
}

static void check_terminated(const char *s, size_t cap)
{
	FUZZ_CHECK(memchr(s, '\0', cap) != NULL);
}

/* Options with every field set, to see a refusal change nothing. */
static void filled(struct tpa_redis_options *o)
{
	tpa_redis_options_init(o);
	memset(o, 0x5a, sizeof(*o));
	o->mode = TPA_REDIS_CLUSTER;
	o->n_nodes = 3;
	o->nodes[0].host[TPA_REDIS_HOST_MAX - 1] = '\0';
	o->unix_path[TPA_REDIS_PATH_MAX - 1] = '\0';
	o->user[TPA_REDIS_NAME_MAX - 1] = '\0';
	o->password[TPA_REDIS_SECRET_MAX - 1] = '\0';
}

/* %XX for every byte but unreserved ones. */
static size_t escape(const char *in, char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *in; in++) {
		unsigned char c = (unsigned char)*in;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_')
			out[n++] = (char)c;
		else {
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	out[n] = '\0';
	return n;
}

static void host_port(const struct tpa_redis_node *nd, char *out, size_t cap)
{
	if (strchr(nd->host, ':') != NULL)
		snprintf(out, cap, "[%s]:%u", nd->host, (unsigned)nd->port);
	else
		snprintf(out, cap, "%s:%u", nd->host, (unsigned)nd->port);
}

static void check_node(const struct tpa_redis_node *nd)
{
	size_t i, n;

	check_terminated(nd->host, sizeof(nd->host));
	n = strlen(nd->host);
	FUZZ_CHECK(n > 0 && nd->port > 0);
	for (i = 0; i < n; i++)
		FUZZ_CHECK(nd->host[i] > ' ' && nd->host[i] < 0x7f &&
			   nd->host[i] != '[' && nd->host[i] != ']' &&
			   nd->host[i] != ',' && nd->host[i] != '/' &&
			   nd->host[i] != '@');
}

static void url_side(const char *text)
{
	struct tpa_redis_options o, before, again;
	char why[TPA_REDIS_ERR_LEN];
	static char url[3 * TPA_REDIS_SECRET_MAX + 3 * TPA_REDIS_NAME_MAX +
			TPA_REDIS_HOST_MAX + 64];
	char hp[TPA_REDIS_HOST_MAX + 16];
	size_t n;

	filled(&o);
	before = o;
	if (tpa_redis_parse_url(text, &o, why, sizeof(why)) != 0) {
		FUZZ_CHECK(memcmp(&o, &before, sizeof(o)) == 0);
		check_reason(why);
		return;
	}
	tpa_redis_options_init(&again);
	if (o.mode == TPA_REDIS_UNIX) {
		check_terminated(o.unix_path, sizeof(o.unix_path));
		FUZZ_CHECK(o.unix_path[0] == '/');
		FUZZ_CHECK(strlen(o.unix_path) + 5 == strlen(text));
		return;
	}
	FUZZ_CHECK(o.mode == TPA_REDIS_SINGLE && o.n_nodes == 1);
	FUZZ_CHECK(o.db <= 1000000);
	check_node(&o.nodes[0]);
	check_terminated(o.user, sizeof(o.user));
	check_terminated(o.password, sizeof(o.password));
	FUZZ_CHECK(o.user[0] == '\0' || o.password[0] != '\0');
	for (n = 0; o.user[n]; n++) /* UTF-8 is fine, spaces are not */
		FUZZ_CHECK((unsigned char)o.user[n] > ' ' &&
			   (unsigned char)o.user[n] != 0x7f);

	/* back to a URL, and parsed again */
	n = (size_t)snprintf(url, sizeof(url), "redis://");
	if (o.password[0] != '\0') {
		n += escape(o.user, url + n);
		url[n++] = ':';
		n += escape(o.password, url + n);
		url[n++] = '@';
	}
	host_port(&o.nodes[0], hp, sizeof(hp));
	snprintf(url + n, sizeof(url) - n, "%s/%u", hp, o.db);
	FUZZ_CHECK(tpa_redis_parse_url(url, &again, why, sizeof(why)) == 0);
	FUZZ_CHECK(again.mode == o.mode && again.n_nodes == 1 &&
		   again.db == o.db && again.nodes[0].port == o.nodes[0].port &&
		   strcmp(again.nodes[0].host, o.nodes[0].host) == 0 &&
		   strcmp(again.user, o.user) == 0 &&
		   strcmp(again.password, o.password) == 0);
	tpa_redis_options_wipe(&o);
	FUZZ_CHECK(fuzz_all_zero(o.password, sizeof(o.password)));
}

static void nodes_side(const char *text)
{
	struct tpa_redis_options o, before, again;
	char why[TPA_REDIS_ERR_LEN];
	static char list[TPA_REDIS_MAX_NODES * (TPA_REDIS_HOST_MAX + 16)];
	size_t i, j, n = 0;

	filled(&o);
	before = o;
	if (tpa_redis_parse_nodes(text, &o, why, sizeof(why)) != 0) {
		FUZZ_CHECK(memcmp(&o, &before, sizeof(o)) == 0);
		check_reason(why);
		return;
	}
	FUZZ_CHECK(o.n_nodes >= 1 && o.n_nodes <= TPA_REDIS_MAX_NODES);
	FUZZ_CHECK(o.mode == TPA_REDIS_CLUSTER); /* not the parser's to set */
	for (i = 0; i < o.n_nodes; i++) {
		check_node(&o.nodes[i]);
		for (j = 0; j < i; j++)
			FUZZ_CHECK(o.nodes[i].port != o.nodes[j].port ||
				   strcmp(o.nodes[i].host, o.nodes[j].host));
		if (i > 0)
			list[n++] = ',';
		host_port(&o.nodes[i], list + n, sizeof(list) - n);
		n += strlen(list + n);
	}
	tpa_redis_options_init(&again);
	FUZZ_CHECK(tpa_redis_parse_nodes(list, &again, why, sizeof(why)) == 0);
	FUZZ_CHECK(again.n_nodes == o.n_nodes &&
		   memcmp(again.nodes, o.nodes, sizeof(o.nodes)) == 0);
}

static void secret_side(const uint8_t *data, size_t size)
{
	char out[64], why[TPA_REDIS_ERR_LEN];
	size_t off = 0, line = 0;

	if (memfd < 0) {
		memfd = memfd_create("fuzz_redis_secret", 0);
		FUZZ_CHECK(memfd >= 0);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	}
	FUZZ_CHECK(ftruncate(memfd, 0) == 0);
	while (off < size) {
		ssize_t w = pwrite(memfd, data + off, size - off, (off_t)off);
		FUZZ_CHECK(w > 0);
		off += (size_t)w;
	}
	memset(out, 'x', sizeof(out));
	if (tpa_redis_read_secret_file(path, out, sizeof(out), why,
				       sizeof(why)) != 0) {
		FUZZ_CHECK(out[0] == '\0');
		FUZZ_CHECK(strncmp(why, path, strlen(path)) == 0);
		check_reason(why);
		return;
	}
	while (line < size && data[line] != '\n')
		line++;
	if (line > 0 && data[line - 1] == '\r')
		line--;
	FUZZ_CHECK(line > 0 && line < sizeof(out));
	FUZZ_CHECK(strlen(out) == line && memcmp(out, data, line) == 0);
	for (off = line; off < size; off++)
		FUZZ_CHECK(data[off] == '\r' || data[off] == '\n');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	FUZZ_CHECK(text != NULL);
	memcpy(text, data, size);
	text[size] = '\0'; /* the parsers take C strings: up to a NUL */
	url_side(text);
	nodes_side(text);
	secret_side(data, size);
	free(text);
	return 0;
}
