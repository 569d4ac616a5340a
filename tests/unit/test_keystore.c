/*
 * Unit tests for plugin/tpa_keystore: the key set in use, reloaded when its
 * file changes.
 *
 * Usage: test_keystore
 *
 * Works on a temporary key set file that is replaced the way operators are
 * told to (write a new file, rename it over the old one). Reloads need
 * check_ms to pass, so most cases open with check_ms = 1 and sleep a few
 * milliseconds before tpa_keystore_refresh. The last case hammers get and
 * refresh from 4 threads while the file is rewritten 50 times; build it
 * once with -fsanitize=thread and once with -fsanitize=address,undefined.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tpa_keyset.h"
#include "tpa_keystore.h"
#include "tpa_test.h"

#define NTHREADS 4
#define NREWRITES 50

/* What the log callback received (it may be called from any thread). */
struct log_sink {
	pthread_mutex_t mu;
	unsigned errors, warnings, infos;
	char last_error[1024];
	char last_warning[1024];
	char last_info[1024];
};

/* State shared by the hammering threads. */
struct hammer {
	struct tpa_keystore *ks;
	atomic_int stop;
	atomic_ulong gets, misses, torn;
};

static char path[] = "/tmp/tpa_keystore_XXXXXX";
static uint8_t k_common[32], k_a[16], k_b[32];

static void log_cb(void *ctx, enum tpa_log_level level, const char *msg);
static void sink_reset(struct log_sink *s);
static unsigned sink_errors(struct log_sink *s);
static unsigned sink_infos(struct log_sink *s);
static void sleep_ms(long ms);
static size_t make_set(char *json, size_t cap, const char *extra_kid,
		       const uint8_t *extra, size_t extra_len);
static void write_atomic(const char *text);
static void write_set(int which);
static int has_kid(struct tpa_keystore *ks, const char *kid);
static void *hammer_main(void *arg);
static void test_open(void);
static void test_get_copies(void);
static void test_replace(void);
static void test_check_interval(void);
static void test_broken_then_fixed(void);
static void test_deleted(void);
static void test_concurrent(void);
static void test_mode_warning(void);
static unsigned sink_warnings(struct log_sink *s);

static void log_cb(void *ctx, enum tpa_log_level level, const char *msg)
{
	struct log_sink *s = ctx;

	pthread_mutex_lock(&s->mu);
	if (level == TPA_LOG_ERROR) {
		s->errors++;
		snprintf(s->last_error, sizeof(s->last_error), "%s", msg);
	} else if (level == TPA_LOG_WARNING) {
		s->warnings++;
		snprintf(s->last_warning, sizeof(s->last_warning), "%s", msg);
	} else {
		s->infos++;
		snprintf(s->last_info, sizeof(s->last_info), "%s", msg);
	}
	pthread_mutex_unlock(&s->mu);
}

static void sink_reset(struct log_sink *s)
{
	pthread_mutex_lock(&s->mu);
	s->errors = s->warnings = s->infos = 0;
	s->last_error[0] = s->last_warning[0] = s->last_info[0] = '\0';
	pthread_mutex_unlock(&s->mu);
}

static unsigned sink_errors(struct log_sink *s)
{
	unsigned n;

	pthread_mutex_lock(&s->mu);
	n = s->errors;
	pthread_mutex_unlock(&s->mu);
	return n;
}

static unsigned sink_infos(struct log_sink *s)
{
	unsigned n;

	pthread_mutex_lock(&s->mu);
	n = s->infos;
	pthread_mutex_unlock(&s->mu);
	return n;
}

static unsigned sink_warnings(struct log_sink *s)
{
	unsigned n;

	pthread_mutex_lock(&s->mu);
	n = s->warnings;
	pthread_mutex_unlock(&s->mu);
	return n;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0)
		;
}

/* A set with "common" (the same in every set) and one extra key. */
static size_t make_set(char *json, size_t cap, const char *extra_kid,
		       const uint8_t *extra, size_t extra_len)
{
	struct tpa_key k;
	char a[512], b[512];
	size_t n;

	memset(&k, 0, sizeof(k));
	strcpy(k.kid, "common");
	memcpy(k.k, k_common, sizeof(k_common));
	k.k_len = sizeof(k_common);
	if (tpa_jwk_format(&k, NULL, a, sizeof(a)) != 0)
		abort();
	memset(&k, 0, sizeof(k));
	snprintf(k.kid, sizeof(k.kid), "%s", extra_kid);
	memcpy(k.k, extra, extra_len);
	k.k_len = extra_len;
	if (tpa_jwk_format(&k, NULL, b, sizeof(b)) != 0)
		abort();
	n = (size_t)snprintf(json, cap, "{\"keys\": [%s, %s]}\n", a, b);
	if (n >= cap)
		abort();
	return n;
}

/* Replaces the file at path with text: a new file renamed over it. */
static void write_atomic(const char *text)
{
	char tmp[sizeof(path) + 8];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "w");
	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0 ||
	    rename(tmp, path) != 0) {
		perror(tmp);
		abort();
	}
}

/* Set 'a' is {common, a1}; set 'b' is {common, b1}. */
static void write_set(int which)
{
	char json[2048];

	if (which == 'a')
		make_set(json, sizeof(json), "a1", k_a, sizeof(k_a));
	else
		make_set(json, sizeof(json), "b1", k_b, sizeof(k_b));
	write_atomic(json);
}

static int has_kid(struct tpa_keystore *ks, const char *kid)
{
	struct tpa_key k;
	int rc = tpa_keystore_get(ks, kid, &k);

	memset(&k, 0, sizeof(k));
	return rc == 0;
}

static void test_open(void)
{
	char err[TPA_KEYSET_ERR_LEN * 2], want[TPA_KEYSET_ERR_LEN * 2];
	struct tpa_keystore *ks;

	write_set('a');
	ks = tpa_keystore_open(path, 1, NULL, NULL, err, sizeof(err));
	CHECK_MSG(ks != NULL, "%s", err);
	if (ks == NULL)
		return;
	CHECK(tpa_keystore_count(ks) == 2);
	CHECK(has_kid(ks, "common") && has_kid(ks, "a1") && !has_kid(ks, "b1"));
	tpa_keystore_close(ks);
	tpa_keystore_close(NULL);

	/* a key set that cannot be used now is an error now */
	ks = tpa_keystore_open("/nonexistent/keys.json", 1, NULL, NULL, err,
			       sizeof(err));
	CHECK(ks == NULL);
	CHECK_STR(err, "/nonexistent/keys.json: cannot open: No such file or "
		       "directory");
	write_atomic("{\"keys\": []}\n");
	ks = tpa_keystore_open(path, 1, NULL, NULL, err, sizeof(err));
	CHECK(ks == NULL);
	snprintf(want, sizeof(want), "%s: keys is empty", path);
	CHECK_STR(err, want);
}

/* get hands out a copy: changing it changes nothing in the store. */
static void test_get_copies(void)
{
	char err[TPA_KEYSET_ERR_LEN * 2];
	struct tpa_keystore *ks;
	struct tpa_key k, k2;

	write_set('a');
	ks = tpa_keystore_open(path, 1, NULL, NULL, err, sizeof(err));
	CHECK_MSG(ks != NULL, "%s", err);
	if (ks == NULL)
		return;
	CHECK(tpa_keystore_get(ks, "a1", &k) == 0);
	CHECK_STR(k.kid, "a1");
	CHECK(k.k_len == sizeof(k_a) && memcmp(k.k, k_a, sizeof(k_a)) == 0);
	memset(k.k, 0xee, sizeof(k.k));
	strcpy(k.kid, "zz");
	CHECK(tpa_keystore_get(ks, "a1", &k2) == 0);
	CHECK(memcmp(k2.k, k_a, sizeof(k_a)) == 0);
	CHECK(tpa_keystore_get(ks, "zz", &k2) == -1);
	/* a miss zeroes the output */
	memset(&k, 0xaa, sizeof(k));
	CHECK(tpa_keystore_get(ks, "nope", &k) == -1);
	memset(&k2, 0, sizeof(k2));
	CHECK(memcmp(&k, &k2, sizeof(k)) == 0);
	CHECK(tpa_keystore_get(ks, "", &k) == -1);
	CHECK(tpa_keystore_get(ks, "A1", &k) == -1);
	tpa_keystore_close(ks);
}

/* A valid replacement is swapped in: new kid found, old one gone. */
static void test_replace(void)
{
	char err[TPA_KEYSET_ERR_LEN * 2], want[1024];
	struct log_sink sink = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, "", "", ""};
	struct tpa_keystore *ks;

	write_set('a');
	ks = tpa_keystore_open(path, 1, log_cb, &sink, err, sizeof(err));
	CHECK_MSG(ks != NULL, "%s", err);
	if (ks == NULL)
		return;
	/* nothing changed: nothing happens */
	sleep_ms(3);
	tpa_keystore_refresh(ks);
	CHECK(sink_infos(&sink) == 0 && sink_errors(&sink) == 0);

	write_set('b');
	sleep_ms(3);
	tpa_keystore_refresh(ks);
	CHECK(has_kid(ks, "b1") && !has_kid(ks, "a1") && has_kid(ks, "common"));
	CHECK(sink_infos(&sink) == 1 && sink_errors(&sink) == 0);
	snprintf(want, sizeof(want), "key set %s reloaded: 2 keys", path);
	CHECK_STR(sink.last_info, want);
	/* and only once */
	sleep_ms(3);
	tpa_keystore_refresh(ks);
	CHECK(sink_infos(&sink) == 1);

	/* back again */
	write_set('a');
	sleep_ms(3);
	tpa_keystore_refresh(ks);
	CHECK(has_kid(ks, "a1") && !has_kid(ks, "b1"));
	CHECK(sink_infos(&sink) == 2);
	tpa_keystore_close(ks);
}

/* Within check_ms the file is not looked at. */
static void test_check_interval(void)
{
	char err[TPA_KEYSET_ERR_LEN * 2];
	struct tpa_keystore *ks;

	write_set('a');
	ks = tpa_keystore_open(path, 60000, NULL, NULL, err, sizeof(err));
	CHECK_MSG(ks != NULL, "%s", err);
	if (ks == NULL)
		return;
	write_set('b');
	sleep_ms(3);
	tpa_keystore_refresh(ks);
	CHECK(has_kid(ks, "a1") && !has_kid(ks, "b1"));
	tpa_keystore_close(ks);

	/* check_ms 0 means 1, not "never" and not "always without a lock" */
	write_set('a');
	ks = tpa_keystore_open(path, 0, NULL, NULL, err, sizeof(err));
	CHECK_MSG(ks != NULL, "%s", err);
	if (ks == NULL)
		return;
	write_set('b');
	sleep_ms(3);
	tpa_keystore_refresh(ks);
	CHECK(has_kid(ks, "b1"));
	tpa_keystore_close(ks);
}

/*
 * A broken replacement is refused whole and logged once for that version
 * of the file; a later good file is loaded again.
 */
static void test_broken_then_fixed(void)
{
	char err[TPA_KEYSET_ERR_LEN * 2], want[1024];
	struct log_sink sink = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, "", "", ""};
	struct tpa_keystore *ks;
	int i;

	write_set('a');
	ks = tpa_keystore_open(path, 1, log_cb, &sink, err, sizeof(err));
	CHECK_MSG(ks != NULL, "%s", err);
	if (ks == NULL)
		return;
	write_atomic("{\"keys\": [{\"kty\": \"oct\", \"kid\": \"x\"}]}\n");
	for (i = 0; i < 5; i++) {
		sleep_ms(3);
		tpa_keystore_refresh(ks);
	}
	CHECK(has_kid(ks, "a1") && has_kid(ks, "common"));
	CHECK(tpa_keystore_count(ks) == 2);
	CHECK_MSG(sink_errors(&sink) == 1, "%u errors", sink_errors(&sink));
	CHECK(sink_infos(&sink) == 0);
	snprintf(want, sizeof(want),
		 "key set refused, keeping the 2 keys in use: %s: keys[0] "
		 "(kid \"x\"): missing alg",
		 path);
	CHECK_STR(sink.last_error, want);

	/* another broken version is news, and is logged once too */
	write_atomic("{\"keys\": [}\n");
	for (i = 0; i < 5; i++) {
		sleep_ms(3);
		tpa_keystore_refresh(ks);
	}
	CHECK_MSG(sink_errors(&sink) == 2, "%u errors", sink_errors(&sink));
	CHECK(strncmp(sink.last_error, "key set refused, keeping the 2 keys",
		      35) == 0);
	CHECK(strstr(sink.last_error, path) != NULL);
	CHECK(has_kid(ks, "a1"));

	/* fixed */
	write_set('b');
	sleep_ms(3);
	tpa_keystore_refresh(ks);
	CHECK(has_kid(ks, "b1") && !has_kid(ks, "a1"));
	CHECK(sink_infos(&sink) == 1 && sink_errors(&sink) == 2);

	/* broken again after a good load: logged again */
	write_atomic("");
	sleep_ms(3);
	tpa_keystore_refresh(ks);
	CHECK(sink_errors(&sink) == 3 && has_kid(ks, "b1"));
	tpa_keystore_close(ks);
}

/* A deleted file keeps the keys in use, and says so once. */
static void test_deleted(void)
{
	char err[TPA_KEYSET_ERR_LEN * 2], want[1024];
	struct log_sink sink = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, "", "", ""};
	struct tpa_keystore *ks;
	int i;

	write_set('a');
	ks = tpa_keystore_open(path, 1, log_cb, &sink, err, sizeof(err));
	CHECK_MSG(ks != NULL, "%s", err);
	if (ks == NULL)
		return;
	CHECK(remove(path) == 0);
	for (i = 0; i < 5; i++) {
		sleep_ms(3);
		tpa_keystore_refresh(ks);
	}
	CHECK(has_kid(ks, "a1") && tpa_keystore_count(ks) == 2);
	CHECK_MSG(sink_errors(&sink) == 1, "%u errors", sink_errors(&sink));
	snprintf(want, sizeof(want),
		 "key set %s: No such file or directory; keeping the keys in "
		 "use",
		 path);
	CHECK_STR(sink.last_error, want);

	/* back, with other keys */
	write_set('b');
	sleep_ms(3);
	tpa_keystore_refresh(ks);
	CHECK(has_kid(ks, "b1") && !has_kid(ks, "a1"));
	CHECK(sink_infos(&sink) == 1);

	/* deleted again after a good load: logged again */
	sink_reset(&sink);
	CHECK(remove(path) == 0);
	sleep_ms(3);
	tpa_keystore_refresh(ks);
	CHECK(sink_errors(&sink) == 1 && has_kid(ks, "b1"));
	/*
	 * Regression: after a refused version, a later deletion was not
	 * logged (have_refused was already set by the broken file).
	 */
	write_atomic("{}");
	sleep_ms(3);
	tpa_keystore_refresh(ks);
	sink_reset(&sink);
	CHECK(remove(path) == 0);
	sleep_ms(3);
	tpa_keystore_refresh(ks);
	CHECK_MSG(sink_errors(&sink) == 1,
		  "deletion after a refused file: %u errors",
		  sink_errors(&sink));
	write_set('a');
	tpa_keystore_close(ks);
}

/* Sets the key-set file's mode, or stops the test. */
static void set_mode(mode_t mode)
{
	if (chmod(path, mode) != 0) {
		perror(path);
		abort();
	}
}

/*
 * A key-set file that group or others may read or write is warned about
 * when the store opens it and at every reload of it; a 0600 file is not.
 */
static void test_mode_warning(void)
{
	char err[TPA_KEYSET_ERR_LEN * 2], want[1024];
	struct log_sink sink = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, "", "", ""};
	struct tpa_keystore *ks;

	write_set('a');
	set_mode(0600);
	ks = tpa_keystore_open(path, 1, log_cb, &sink, err, sizeof(err));
	CHECK_MSG(ks != NULL, "%s", err);
	if (ks == NULL)
		return;
	CHECK_MSG(sink_warnings(&sink) == 0, "%s", sink.last_warning);
	tpa_keystore_close(ks);

	set_mode(0640);
	ks = tpa_keystore_open(path, 1, log_cb, &sink, err, sizeof(err));
	CHECK_MSG(ks != NULL, "%s", err);
	if (ks == NULL)
		return;
	CHECK(sink_warnings(&sink) == 1);
	snprintf(want, sizeof(want),
		 "key set %s has mode 0640: group or others can read or "
		 "change the keys; make it 0600, owned by the server's user",
		 path);
	CHECK_STR(sink.last_warning, want);

	/* a 0600 replacement reloads without a warning */
	write_set('b');
	set_mode(0600);
	sleep_ms(3);
	tpa_keystore_refresh(ks);
	CHECK(has_kid(ks, "b1"));
	CHECK(sink_infos(&sink) == 1 && sink_warnings(&sink) == 1);

	/* a chmod alone is a new version of the file: reloaded, warned */
	set_mode(0604);
	sleep_ms(3);
	tpa_keystore_refresh(ks);
	CHECK(sink_infos(&sink) == 2 && sink_warnings(&sink) == 2);
	CHECK(strstr(sink.last_warning, "has mode 0604:") != NULL);

	/* and so is every later reload of an exposed file */
	write_set('a');
	set_mode(0660);
	sleep_ms(3);
	tpa_keystore_refresh(ks);
	CHECK(has_kid(ks, "a1"));
	CHECK(sink_infos(&sink) == 3 && sink_warnings(&sink) == 3);
	CHECK(strstr(sink.last_warning, "has mode 0660:") != NULL);
	CHECK(sink_errors(&sink) == 0);
	tpa_keystore_close(ks);
}

static void *hammer_main(void *arg)
{
	struct hammer *h = arg;
	struct tpa_key k;

	while (!atomic_load(&h->stop)) {
		tpa_keystore_refresh(h->ks);
		if (tpa_keystore_get(h->ks, "common", &k) != 0)
			atomic_fetch_add(&h->misses, 1);
		else if (strcmp(k.kid, "common") != 0 ||
			 k.k_len != sizeof(k_common) ||
			 memcmp(k.k, k_common, sizeof(k_common)) != 0)
			atomic_fetch_add(&h->torn, 1);
		atomic_fetch_add(&h->gets, 1);
		/* present in one set only: either answer is right */
		(void)tpa_keystore_get(h->ks, "a1", &k);
		(void)tpa_keystore_get(h->ks, "b1", &k);
		(void)tpa_keystore_count(h->ks);
	}
	memset(&k, 0, sizeof(k));
	return NULL;
}

/*
 * 4 threads get and refresh for about a second while the file is replaced
 * 50 times, alternating two valid sets: a kid that is in both sets is
 * always found, and its copy is never torn.
 */
static void test_concurrent(void)
{
	char err[TPA_KEYSET_ERR_LEN * 2];
	struct log_sink sink = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, "", "", ""};
	struct hammer h;
	pthread_t th[NTHREADS];
	int i, started = 0;

	write_set('a');
	memset(&h, 0, sizeof(h));
	h.ks = tpa_keystore_open(path, 1, log_cb, &sink, err, sizeof(err));
	CHECK_MSG(h.ks != NULL, "%s", err);
	if (h.ks == NULL)
		return;
	atomic_init(&h.stop, 0);
	atomic_init(&h.gets, 0);
	atomic_init(&h.misses, 0);
	atomic_init(&h.torn, 0);
	for (i = 0; i < NTHREADS; i++)
		if (pthread_create(&th[i], NULL, hammer_main, &h) == 0)
			started++;
	CHECK(started == NTHREADS);
	for (i = 0; i < NREWRITES; i++) {
		write_set(i % 2 ? 'a' : 'b');
		sleep_ms(18);
	}
	atomic_store(&h.stop, 1);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);

	CHECK(atomic_load(&h.gets) > 0);
	CHECK_MSG(atomic_load(&h.misses) == 0, "%lu of %lu gets missed",
		  atomic_load(&h.misses), atomic_load(&h.gets));
	CHECK(atomic_load(&h.torn) == 0);
	CHECK_MSG(sink_errors(&sink) == 0, "%s", sink.last_error);
	/* rewrites were noticed while readers ran (how many depends on the
	 * scheduler: a loaded machine may skip versions, which is fine) */
	CHECK_MSG(sink_infos(&sink) >= 1, "%u reloads", sink_infos(&sink));
	/* the last version written (i = 49: 'a') is the one in use */
	sleep_ms(3);
	tpa_keystore_refresh(h.ks);
	CHECK(has_kid(h.ks, "a1") && !has_kid(h.ks, "b1"));
	tpa_keystore_close(h.ks);
}

int main(void)
{
	int fd = mkstemp(path);

	if (fd < 0) {
		perror(path);
		return 2;
	}
	close(fd);
	for (size_t i = 0; i < sizeof(k_common); i++) {
		k_common[i] = (uint8_t)(0x30 + i);
		k_b[i] = (uint8_t)(0x90 + i);
	}
	for (size_t i = 0; i < sizeof(k_a); i++)
		k_a[i] = (uint8_t)(0x60 + i);
	test_open();
	test_get_copies();
	test_replace();
	test_check_interval();
	test_broken_then_fixed();
	test_deleted();
	test_concurrent();
	test_mode_warning();
	remove(path);
	return tpa_test_done();
}
