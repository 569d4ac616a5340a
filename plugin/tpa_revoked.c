/*
 * tpa_revoked.c - small arrays under a read-write lock.
 */
#include "tpa_revoked.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define TOKEN_ID_MAX 16

struct kid_entry {
	char kid[TPA_REVOKED_KID_MAX + 1];
	uint64_t until;	   /* Unix seconds, or TPA_REVOKED_UNTIL_UNKNOWN */
	uint64_t heard_ms; /* from the channel: when; else 0 */
};

struct token_entry {
	char id[TOKEN_ID_MAX + 1];
	uint64_t until; /* Unix seconds */
};

struct tpa_revoked {
	pthread_rwlock_t lock;
	struct kid_entry *kids;
	size_t nkids;
	struct token_entry *tokens;
	size_t ntokens;
};

struct tpa_revoked *tpa_revoked_new(void)
{
	struct tpa_revoked *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->kids = calloc(TPA_REVOKED_KIDS_MAX, sizeof(*r->kids));
	r->tokens = calloc(TPA_REVOKED_TOKENS_MAX, sizeof(*r->tokens));
	if (!r->kids || !r->tokens ||
	    pthread_rwlock_init(&r->lock, NULL) != 0) {
		free(r->kids);
		free(r->tokens);
		free(r);
		return NULL;
	}
	return r;
}

void tpa_revoked_free(struct tpa_revoked *r)
{
	if (!r)
		return;
	pthread_rwlock_destroy(&r->lock);
	free(r->kids);
	free(r->tokens);
	free(r);
}

static struct kid_entry *find_kid(struct tpa_revoked *r, const char *kid)
{
	for (size_t i = 0; i < r->nkids; i++)
		if (!strcmp(r->kids[i].kid, kid))
			return &r->kids[i];
	return NULL;
}

int tpa_revoked_kid(struct tpa_revoked *r, const char *kid, uint64_t now)
{
	const struct kid_entry *e;
	int revoked;

	pthread_rwlock_rdlock(&r->lock);
	e = find_kid(r, kid);
	revoked = e && now < e->until;
	pthread_rwlock_unlock(&r->lock);
	return revoked;
}

int tpa_revoked_token(struct tpa_revoked *r, const char *token_id, uint64_t now)
{
	int revoked = 0;

	pthread_rwlock_rdlock(&r->lock);
	for (size_t i = 0; i < r->ntokens && !revoked; i++)
		revoked = now < r->tokens[i].until &&
			  !strcmp(r->tokens[i].id, token_id);
	pthread_rwlock_unlock(&r->lock);
	return revoked;
}

int tpa_revoked_add_kid(struct tpa_revoked *r, const char *kid,
			uint64_t heard_ms)
{
	size_t len = strlen(kid);
	struct kid_entry *e;
	int rc = 0;

	if (len == 0 || len > TPA_REVOKED_KID_MAX)
		return -1;
	pthread_rwlock_wrlock(&r->lock);
	e = find_kid(r, kid);
	if (!e && r->nkids < TPA_REVOKED_KIDS_MAX) {
		e = &r->kids[r->nkids++];
		memcpy(e->kid, kid, len + 1);
	}
	if (e) {
		e->until = TPA_REVOKED_UNTIL_UNKNOWN;
		e->heard_ms = heard_ms;
	} else {
		rc = -1;
	}
	pthread_rwlock_unlock(&r->lock);
	return rc;
}

int tpa_revoked_add_token(struct tpa_revoked *r, const char *token_id,
			  uint64_t now)
{
	size_t len = strlen(token_id), i, kept = 0;

	if (len == 0 || len > TOKEN_ID_MAX)
		return -1;
	pthread_rwlock_wrlock(&r->lock);
	/* drop what is past its hold, then make room if still full */
	for (i = 0; i < r->ntokens; i++)
		if (now < r->tokens[i].until &&
		    strcmp(r->tokens[i].id, token_id))
			r->tokens[kept++] = r->tokens[i];
	r->ntokens = kept;
	if (r->ntokens == TPA_REVOKED_TOKENS_MAX) {
		size_t oldest = 0;

		for (i = 1; i < r->ntokens; i++)
			if (r->tokens[i].until < r->tokens[oldest].until)
				oldest = i;
		r->tokens[oldest] = r->tokens[--r->ntokens];
	}
	memcpy(r->tokens[r->ntokens].id, token_id, len + 1);
	r->tokens[r->ntokens++].until = now + TPA_REVOKED_TOKEN_HOLD;
	pthread_rwlock_unlock(&r->lock);
	return 0;
}

/* The index of kid in list, or n. */
static size_t in_list(const struct tpa_revoked_kid *list, size_t n,
		      const char *kid)
{
	size_t i = 0;

	while (i < n && strcmp(list[i].kid, kid))
		i++;
	return i;
}

size_t tpa_revoked_merge_kids(struct tpa_revoked *r,
			      const struct tpa_revoked_kid *list, size_t n,
			      uint64_t read_ms, uint64_t now)
{
	size_t kept = 0, known;

	pthread_rwlock_wrlock(&r->lock);
	for (size_t i = 0; i < r->nkids; i++) {
		struct kid_entry *e = &r->kids[i];
		int heard_late = e->heard_ms && e->heard_ms >= read_ms;

		if (in_list(list, n, e->kid) == n && !heard_late)
			continue; /* Redis no longer has it */
		r->kids[kept++] = *e;
	}
	r->nkids = kept;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(list[i].kid);
		struct kid_entry *e;

		if (len == 0 || len > TPA_REVOKED_KID_MAX)
			continue;
		e = find_kid(r, list[i].kid);
		if (!e && r->nkids == TPA_REVOKED_KIDS_MAX)
			continue;
		if (!e) {
			e = &r->kids[r->nkids++];
			memcpy(e->kid, list[i].kid, len + 1);
		}
		e->until = list[i].until; /* Redis's own time wins */
		e->heard_ms = 0;
	}
	kept = 0;
	for (size_t i = 0; i < r->nkids; i++)
		if (now < r->kids[i].until)
			r->kids[kept++] = r->kids[i];
	r->nkids = kept;
	known = r->nkids;
	pthread_rwlock_unlock(&r->lock);
	return known;
}
