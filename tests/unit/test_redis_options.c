/*
 * Unit tests for lib/tpa_redis_options (Redis URL, node lists, secret
 * files).
 *
 * Usage: test_redis_options tests/data
 *        test_redis_options --write-errors tests/data   (regenerate)
 *
 * Cases are folders, as in test_config:
 *   redis-urls/good/NAME/input   a URL (one line) that must parse; expect
 *                                lists the options it set
 *   redis-urls/bad/NAME/input    must be refused with exactly error
 *   redis-nodes/...              the same for HOST:PORT,... lists; expect
 *                                has one "host port" line per node
 *   redis-secrets/good/NAME/input  a secret file as it is (any bytes);
 *                                expect is the secret and a newline
 *   redis-secrets/bad/NAME/input   refused with error, where SECRET
 *                                stands for the file's path
 * A refused input must leave the options exactly as they were, and no
 * message may hold the password of the input.
 */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tpa_redis.h"
#include "tpa_test.h"

static int write_errors;

static void strip_newline(char *s, size_t *len);
static void format_options(const struct tpa_redis_options *o, char *out,
			   size_t cap);
static void compare_or_write(const char *casedir, const char *name,
			     const char *got);
static void url_good(const char *casedir, const char *name);
static void url_bad(const char *casedir, const char *name);
static void nodes_good(const char *casedir, const char *name);
static void nodes_bad(const char *casedir, const char *name);
static void secret_good(const char *casedir, const char *name);
static void secret_bad(const char *casedir, const char *name);
static void test_defaults_and_wipe(void);
static void test_secret_file_kinds(void);

/* One trailing newline off (an input file's last line). */
static void strip_newline(char *s, size_t *len)
{
	if (*len > 0 && s[*len - 1] == '\n')
		s[--*len] = '\0';
}

static void format_options(const struct tpa_redis_options *o, char *out,
			   size_t cap)
{
	if (o->mode == TPA_REDIS_UNIX) {
		snprintf(out, cap, "mode=unix\nunix=%s\n", o->unix_path);
		return;
	}
	snprintf(out, cap,
		 "mode=%s\nhost=%s\nport=%u\ndb=%u\nuser=%s\npassword=%s\n",
		 o->mode == TPA_REDIS_SINGLE ? "single" : "?", o->nodes[0].host,
		 (unsigned)o->nodes[0].port, o->db, o->user, o->password);
}

/* Compares got + "\n" with casedir/error, or writes it there. */
static void compare_or_write(const char *casedir, const char *name,
			     const char *got)
{
	char path[4200], line[TPA_REDIS_ERR_LEN + 2];
	size_t wantlen = 0;
	char *want;

	snprintf(path, sizeof(path), "%s/error", casedir);
	snprintf(line, sizeof(line), "%s\n", got);
	if (write_errors) {
		FILE *f = fopen(path, "w");
		CHECK_MSG(f != NULL, "%s: cannot write %s", name, path);
		if (f != NULL) {
			fputs(line, f);
			fclose(f);
		}
		return;
	}
	want = tpa_test_slurp(path, &wantlen);
	CHECK_MSG(want != NULL, "%s: no error file", name);
	if (want != NULL)
		CHECK_MSG(strcmp(line, want) == 0, "%s:\n  got:  %s  want: %s",
			  name, line, want);
	free(want);
}

/* A filled-in set of options, to see that a refusal changes nothing. */
static void filled_options(struct tpa_redis_options *o)
{
	tpa_redis_options_init(o);
	o->mode = TPA_REDIS_CLUSTER;
	snprintf(o->nodes[0].host, sizeof(o->nodes[0].host), "before");
	o->nodes[0].port = 1;
	o->n_nodes = 1;
	o->db = 7;
	snprintf(o->user, sizeof(o->user), "olduser");
	snprintf(o->password, sizeof(o->password), "oldpassword");
	snprintf(o->unix_path, sizeof(o->unix_path), "/old");
}

static void url_good(const char *casedir, const char *name)
{
	char path[4200];
	size_t inlen = 0, wantlen = 0;
	char *input, *want;

	snprintf(path, sizeof(path), "%s/input", casedir);
	input = tpa_test_slurp(path, &inlen);
	snprintf(path, sizeof(path), "%s/expect", casedir);
	want = tpa_test_slurp(path, &wantlen);
	CHECK_MSG(input != NULL && want != NULL, "%s: missing files", name);
	if (input != NULL && want != NULL) {
		char err[TPA_REDIS_ERR_LEN] = "", got[2048];
		struct tpa_redis_options o;

		strip_newline(input, &inlen);
		tpa_redis_options_init(&o);
		CHECK_MSG(tpa_redis_parse_url(input, &o, err, sizeof(err)) == 0,
			  "%s: refused: %s", name, err);
		format_options(&o, got, sizeof(got));
		CHECK_MSG(strcmp(got, want) == 0, "%s:\n  got:\n%s  want:\n%s",
			  name, got, want);
		CHECK_MSG(o.timeout_ms == TPA_REDIS_TIMEOUT_DEFAULT_MS,
			  "%s: timeout changed", name);
	}
	free(input);
	free(want);
}

/* The password as typed in a URL: between the first ':' after "//" and
 * the last '@' ("" if none). */
static void raw_password(const char *url, char *out, size_t cap)
{
	const char *start = strstr(url, "//"), *at = strrchr(url, '@'), *colon;

	out[0] = '\0';
	if (start == NULL || at == NULL)
		return;
	colon = memchr(start + 2, ':', (size_t)(at - start - 2));
	if (colon != NULL && (size_t)(at - colon - 1) < cap) {
		memcpy(out, colon + 1, (size_t)(at - colon - 1));
		out[at - colon - 1] = '\0';
	}
}

static void url_bad(const char *casedir, const char *name)
{
	char path[4200], err[TPA_REDIS_ERR_LEN] = "", pw[1024];
	struct tpa_redis_options o, before;
	size_t inlen = 0;
	char *input;

	snprintf(path, sizeof(path), "%s/input", casedir);
	input = tpa_test_slurp(path, &inlen);
	CHECK_MSG(input != NULL, "%s: no input", name);
	if (input == NULL)
		return;
	strip_newline(input, &inlen);
	filled_options(&o);
	before = o;
	CHECK_MSG(tpa_redis_parse_url(input, &o, err, sizeof(err)) == -1,
		  "%s: accepted", name);
	CHECK_MSG(memcmp(&o, &before, sizeof(o)) == 0,
		  "%s: a refused URL changed the options", name);
	CHECK_MSG(err[0] != '\0' && strchr(err, '\n') == NULL,
		  "%s: not one line of reason", name);
	raw_password(input, pw, sizeof(pw));
	if (strlen(pw) >= 3)
		CHECK_MSG(strstr(err, pw) == NULL,
			  "%s: the message holds the password", name);
	compare_or_write(casedir, name, err);
	free(input);
}

static void nodes_good(const char *casedir, const char *name)
{
	char path[4200];
	size_t inlen = 0, wantlen = 0;
	char *input, *want;

	snprintf(path, sizeof(path), "%s/input", casedir);
	input = tpa_test_slurp(path, &inlen);
	snprintf(path, sizeof(path), "%s/expect", casedir);
	want = tpa_test_slurp(path, &wantlen);
	CHECK_MSG(input != NULL && want != NULL, "%s: missing files", name);
	if (input != NULL && want != NULL) {
		char err[TPA_REDIS_ERR_LEN] = "", got[4096];
		struct tpa_redis_options o;
		size_t i, n = 0;

		strip_newline(input, &inlen);
		filled_options(&o);
		CHECK_MSG(tpa_redis_parse_nodes(input, &o, err, sizeof(err)) ==
				  0,
			  "%s: refused: %s", name, err);
		got[0] = '\0';
		for (i = 0; i < o.n_nodes; i++)
			n += (size_t)snprintf(got + n, sizeof(got) - n,
					      "%s %u\n", o.nodes[i].host,
					      (unsigned)o.nodes[i].port);
		CHECK_MSG(strcmp(got, want) == 0, "%s:\n  got:\n%s  want:\n%s",
			  name, got, want);
		CHECK_MSG(o.mode == TPA_REDIS_CLUSTER && o.db == 7,
			  "%s: the mode or db changed", name);
	}
	free(input);
	free(want);
}

static void nodes_bad(const char *casedir, const char *name)
{
	char path[4200], err[TPA_REDIS_ERR_LEN] = "";
	struct tpa_redis_options o, before;
	size_t inlen = 0;
	char *input;

	snprintf(path, sizeof(path), "%s/input", casedir);
	input = tpa_test_slurp(path, &inlen);
	CHECK_MSG(input != NULL, "%s: no input", name);
	if (input == NULL)
		return;
	strip_newline(input, &inlen);
	filled_options(&o);
	before = o;
	CHECK_MSG(tpa_redis_parse_nodes(input, &o, err, sizeof(err)) == -1,
		  "%s: accepted", name);
	CHECK_MSG(memcmp(&o, &before, sizeof(o)) == 0,
		  "%s: a refused list changed the options", name);
	compare_or_write(casedir, name, err);
	free(input);
}

static void secret_good(const char *casedir, const char *name)
{
	char path[4200], err[TPA_REDIS_ERR_LEN] = "";
	char secret[TPA_REDIS_SECRET_MAX], got[TPA_REDIS_SECRET_MAX + 1];
	size_t wantlen = 0;
	char *want;

	snprintf(path, sizeof(path), "%s/expect", casedir);
	want = tpa_test_slurp(path, &wantlen);
	snprintf(path, sizeof(path), "%s/input", casedir);
	CHECK_MSG(want != NULL, "%s: no expect", name);
	CHECK_MSG(tpa_redis_read_secret_file(path, secret, sizeof(secret), err,
					     sizeof(err)) == 0,
		  "%s: refused: %s", name, err);
	snprintf(got, sizeof(got), "%s\n", secret);
	if (want != NULL)
		CHECK_MSG(strcmp(got, want) == 0, "%s:\n  got:  %s  want: %s",
			  name, got, want);
	free(want);
}

static void secret_bad(const char *casedir, const char *name)
{
	char path[4200], err[TPA_REDIS_ERR_LEN] = "", shown[TPA_REDIS_ERR_LEN];
	char secret[TPA_REDIS_SECRET_MAX];
	size_t plen;

	snprintf(path, sizeof(path), "%s/input", casedir);
	memset(secret, 'x', sizeof(secret));
	CHECK_MSG(tpa_redis_read_secret_file(path, secret, sizeof(secret), err,
					     sizeof(err)) == -1,
		  "%s: accepted", name);
	CHECK_MSG(secret[0] == '\0', "%s: output not emptied", name);
	/* "PATH: reason" is shown as "SECRET: reason" */
	plen = strlen(path);
	CHECK_MSG(strncmp(err, path, plen) == 0, "%s: no path in %s", name,
		  err);
	snprintf(shown, sizeof(shown), "SECRET%s",
		 strncmp(err, path, plen) == 0 ? err + plen : err);
	compare_or_write(casedir, name, shown);
}

static void test_defaults_and_wipe(void)
{
	struct tpa_redis_options o;
	char err[TPA_REDIS_ERR_LEN];
	size_t i;
	int zero = 1;

	tpa_redis_options_init(&o);
	CHECK(o.mode == TPA_REDIS_OFF);
	CHECK(o.timeout_ms == TPA_REDIS_TIMEOUT_DEFAULT_MS);
	CHECK(o.n_nodes == 0 && o.db == 0 && o.password[0] == '\0');
	CHECK(tpa_redis_parse_url("redis://u:pw@h:1", &o, err, sizeof(err)) ==
	      0);
	snprintf(o.sentinel_password, sizeof(o.sentinel_password), "spw");
	tpa_redis_options_wipe(&o);
	for (i = 0; i < sizeof(o.password); i++)
		zero &= o.password[i] == 0 && o.sentinel_password[i] == 0;
	CHECK_MSG(zero, "wipe left secret bytes");
	CHECK_STR(o.user, "u"); /* not a secret: kept */
	tpa_redis_options_wipe(NULL);

	/* a message fits any buffer, even none */
	CHECK(tpa_redis_parse_url("redis://h:0", &o, NULL, 0) == -1);
	CHECK(tpa_redis_parse_url("redis://h:0", &o, err, 5) == -1);
	CHECK(strlen(err) == 4);
	CHECK(tpa_redis_parse_url(NULL, &o, err, sizeof(err)) == -1);
	CHECK(tpa_redis_parse_nodes(NULL, &o, err, sizeof(err)) == -1);
}

/* Files that are not secret files, and a secret that does not fit. */
static void test_secret_file_kinds(void)
{
	char dir[] = "/tmp/tpa_redis_secret_XXXXXX", path[256];
	char err[TPA_REDIS_ERR_LEN], out[8];
	FILE *f;

	CHECK(mkdtemp(dir) != NULL);
	CHECK(tpa_redis_read_secret_file(dir, out, sizeof(out), err,
					 sizeof(err)) == -1);
	CHECK(strstr(err, "not a regular file") != NULL);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	CHECK(mkfifo(path, 0600) == 0);
	/* must not block waiting for a writer */
	CHECK(tpa_redis_read_secret_file(path, out, sizeof(out), err,
					 sizeof(err)) == -1);
	CHECK(strstr(err, "not a regular file") != NULL);
	unlink(path);
	snprintf(path, sizeof(path), "%s/missing", dir);
	CHECK(tpa_redis_read_secret_file(path, out, sizeof(out), err,
					 sizeof(err)) == -1);
	CHECK(strstr(err, strerror(ENOENT)) != NULL);
	snprintf(path, sizeof(path), "%s/long", dir);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f != NULL) {
		fputs("12345678\n", f);
		fclose(f);
	}
	CHECK(tpa_redis_read_secret_file(path, out, sizeof(out), err,
					 sizeof(err)) == -1);
	CHECK(strstr(err, "longer than 7 bytes") != NULL);
	CHECK(strstr(err, "1234") == NULL);
	f = fopen(path, "w");
	if (f != NULL) {
		fputs("1234567\n", f);
		fclose(f);
	}
	CHECK(tpa_redis_read_secret_file(path, out, sizeof(out), err,
					 sizeof(err)) == 0);
	CHECK_STR(out, "1234567");
	unlink(path);
	rmdir(dir);
}

int main(int argc, char **argv)
{
	char dir[4096];
	const char *data;

	if (argc == 3 && strcmp(argv[1], "--write-errors") == 0) {
		write_errors = 1;
		data = argv[2];
	} else if (argc == 2) {
		data = argv[1];
	} else {
		fprintf(stderr, "usage: %s [--write-errors] tests/data\n",
			argv[0]);
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s/redis-urls", data);
	if (!write_errors)
		tpa_test_for_each_case(dir, "good", url_good);
	tpa_test_for_each_case(dir, "bad", url_bad);
	snprintf(dir, sizeof(dir), "%s/redis-nodes", data);
	if (!write_errors)
		tpa_test_for_each_case(dir, "good", nodes_good);
	tpa_test_for_each_case(dir, "bad", nodes_bad);
	snprintf(dir, sizeof(dir), "%s/redis-secrets", data);
	if (!write_errors)
		tpa_test_for_each_case(dir, "good", secret_good);
	tpa_test_for_each_case(dir, "bad", secret_bad);
	if (!write_errors) {
		test_defaults_and_wipe();
		test_secret_file_kinds();
	}
	return tpa_test_done();
}
