/*
 * tpa_test.h: a tiny test harness shared by the unit tests.
 *
 * CHECK(cond) counts a pass or a failure (and prints where it failed);
 * tpa_test_done() prints "N passed, N failed" as the last line and returns
 * the process exit status (non-zero if anything failed). Header-only: each
 * test binary includes it exactly once.
 */
#ifndef TPA_TEST_H
#define TPA_TEST_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long tpa_test_passed;
static unsigned long tpa_test_failed;

#define CHECK(cond) CHECK_MSG(cond, "%s", "")

/* CHECK with extra printf-style context printed on failure. */
#define CHECK_MSG(cond, ...)                                                   \
	do {                                                                   \
		if (cond) {                                                    \
			tpa_test_passed++;                                     \
		} else {                                                       \
			tpa_test_failed++;                                     \
			fprintf(stderr, "%s:%d: CHECK failed: %s ", __FILE__,  \
				__LINE__, #cond);                              \
			fprintf(stderr, __VA_ARGS__);                          \
			fputc('\n', stderr);                                   \
		}                                                              \
	} while (0)

/* Compares two NUL-terminated strings and shows both on failure. */
#define CHECK_STR(got, want)                                                   \
	CHECK_MSG(strcmp((got), (want)) == 0,                                  \
		  "\n  got:  \"%s\"\n  want: \"%s\"", (got), (want))

/* The offset of the first byte of s that is not printable ASCII (0x20 to
 * 0x7e), or -1 if there is none: one check of a whole string. */
static inline long tpa_test_unprintable(const char *s)
{
	for (long i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			return i;
	return -1;
}

static inline int tpa_test_done(void)
{
	printf("%lu passed, %lu failed\n", tpa_test_passed, tpa_test_failed);
	return tpa_test_failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * Reads the whole file at path into a new NUL-terminated buffer (owned by
 * the caller, free()); *len gets its size. NULL if it cannot be read.
 */
static inline char *tpa_test_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (cap - n < 4096) {
			char *nb = realloc(buf, cap + 65536);
			if (nb == NULL) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
			cap += 65536;
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		if (got == 0)
			break;
		n += got;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/*
 * Calls fn(casedir, name) for every entry of dir/kind (bad inputs as
 * folders, as jansson's test suite keeps them), in name order; returns how
 * many.  An empty or missing folder is a failed check.
 */
static inline int tpa_test_for_each_case(const char *dir, const char *kind,
					 void (*fn)(const char *casedir,
						    const char *name))
{
	struct dirent **names = NULL;
	char path[4096];
	int n, i, done = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, kind);
	n = scandir(path, &names, NULL, alphasort);
	CHECK_MSG(n > 0, "cannot list %s", path);
	for (i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s/%s", dir, kind,
				 names[i]->d_name);
			fn(path, names[i]->d_name);
			done++;
		}
		free(names[i]);
	}
	free(names);
	return done;
}

#endif /* TPA_TEST_H */
