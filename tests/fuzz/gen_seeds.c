/*
 * gen_seeds: writes the binary seed files of tests/fuzz/corpus (tokens, STUN
 * messages, and fuzz_auth's control byte + request). Run once by hand; the
 * output is committed, so the fuzz runs and --regress do not depend on it.
 * Deterministic: fixed keys, nonces and transaction ids.
 *
 *   clang -std=c11 -D_DEFAULT_SOURCE -Ilib -Itests/fuzz -Itests/unit \
 *     tests/fuzz/gen_seeds.c lib/tpa_token.c lib/tpa_stun.c -lcrypto \
 *     -o /tmp/gen_seeds && /tmp/gen_seeds tests/fuzz/corpus
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "tpa_stun.h"
#include "tpa_token.h"

static const char *outdir;

static void put(const char *sub, const char *name, const void *p, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", outdir, sub, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

#include "rfc5769_vectors.h"

/* A token: mac key 0x40.., timestamp 1800000000 s, lifetime 3600 s. */
static size_t make_token(const uint8_t *key, size_t key_len, size_t mac_len,
			 uint8_t nonce_byte, uint8_t *out)
{
	struct tpa_token t;
	uint8_t nonce[12];
	size_t len = 0;

	memset(&t, 0, sizeof(t));
	for (size_t i = 0; i < mac_len; i++)
		t.mac_key[i] = (uint8_t)(0x40 + i);
	t.mac_key_len = mac_len;
	t.timestamp = tpa_token_ts_make(1800000000u, 32000);
	t.lifetime = 3600;
	memset(nonce, nonce_byte, sizeof(nonce));
	if (tpa_token_encode(key, key_len, FUZZ_SERVER_NAME, &t, nonce, out,
			     TPA_TOKEN_MAX_LEN, &len) != TPA_TOKEN_OK) {
		fprintf(stderr, "tpa_token_encode failed\n");
		exit(1);
	}
	return len;
}

/* A plaintext body as the sealed path of fuzz_token reads it. */
static size_t make_body(size_t mac_len, uint8_t *out)
{
	uint64_t ts = tpa_token_ts_make(1800000000u, 0);

	out[0] = 0;
	out[1] = (uint8_t)mac_len;
	for (size_t i = 0; i < mac_len; i++)
		out[2 + i] = (uint8_t)(0x40 + i);
	for (int i = 0; i < 8; i++)
		out[2 + mac_len + i] = (uint8_t)(ts >> (56 - 8 * i));
	out[2 + mac_len + 8] = 0;
	out[2 + mac_len + 9] = 0;
	out[2 + mac_len + 10] = 0x0e;
	out[2 + mac_len + 11] = 0x10;
	return 2 + mac_len + 12;
}

static void tokens(void)
{
	uint8_t tok[TPA_TOKEN_MAX_LEN];
	size_t n;

	n = make_token(fuzz_key16, 16, 20, 0x11, tok);
	put("fuzz_token", "aes128-mac20", tok, n);
	n = make_token(fuzz_key16, 16, 32, 0x12, tok);
	put("fuzz_token", "aes128-mac32", tok, n);
	n = make_token(fuzz_key32, 32, 20, 0x21, tok);
	put("fuzz_token", "aes256-mac20", tok, n);
	n = make_token(fuzz_key32, 32, 32, 0x22, tok);
	put("fuzz_token", "aes256-mac32", tok, n);
	n = make_body(20, tok);
	put("fuzz_token", "body-mac20", tok, n);
	n = make_body(32, tok);
	put("fuzz_token", "body-mac32", tok, n);
	tok[1] = 20; /* key_length says 20 in a 46-byte body */
	put("fuzz_token", "body-len-mismatch", tok, n);
}

static void stun(void)
{
	static const uint8_t tid[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
	uint8_t buf[512], tok[TPA_TOKEN_MAX_LEN];
	struct tpa_stun_msg m;
	struct sockaddr_in6 peer;
	size_t n;

	put("fuzz_stun", "rfc5769-request", rfc5769_req, sizeof(rfc5769_req));
	put("fuzz_stun", "rfc5769-response-ipv4", rfc5769_resp4,
	    sizeof(rfc5769_resp4));
	put("fuzz_stun", "rfc5769-response-ipv6", rfc5769_resp6,
	    sizeof(rfc5769_resp6));
	put("fuzz_stun", "rfc5769-long-term", rfc5769_lt, sizeof(rfc5769_lt));

	/* An RFC 7635 Allocate: the request the plugin decides on. */
	n = make_token(fuzz_key32, 32, 20, 0x33, tok);
	tpa_stun_msg_init(&m, buf, sizeof(buf), TPA_STUN_REQUEST,
			  TPA_STUN_ALLOCATE, tid);
	tpa_stun_add_requested_transport(&m, TPA_STUN_TRANSPORT_UDP);
	tpa_stun_add_u32(&m, TPA_STUN_ATTR_LIFETIME, 600);
	tpa_stun_add_attr(&m, TPA_STUN_ATTR_USERNAME, "2026-11-a", 9);
	tpa_stun_add_attr(&m, TPA_STUN_ATTR_REALM, "example.org", 11);
	tpa_stun_add_attr(&m, TPA_STUN_ATTR_NONCE, "c2VjcmV0bm9uY2U", 15);
	tpa_stun_add_attr(&m, TPA_STUN_ATTR_ACCESS_TOKEN, tok, n);
	tpa_stun_add_integrity(&m, fuzz_mi_key20, sizeof(fuzz_mi_key20));
	tpa_stun_add_fingerprint(&m);
	if (m.err != 0)
		exit(1);
	put("fuzz_stun", "allocate-access-token", buf, m.len);

	/* A 401 error response with REALM, NONCE and
	 * THIRD-PARTY-AUTHORIZATION, as the server answers. */
	tpa_stun_msg_init(&m, buf, sizeof(buf), TPA_STUN_ERROR,
			  TPA_STUN_ALLOCATE, tid);
	tpa_stun_add_error_code(&m, 401, "Unauthorized");
	tpa_stun_add_attr(&m, TPA_STUN_ATTR_REALM, "example.org", 11);
	tpa_stun_add_attr(&m, TPA_STUN_ATTR_NONCE, "abcdefgh", 8);
	tpa_stun_add_attr(&m, TPA_STUN_ATTR_THIRD_PARTY_AUTHORIZATION,
			  "https://as.example.org", 22);
	tpa_stun_add_attr(&m, TPA_STUN_ATTR_SOFTWARE, "coturn-tpa", 10);
	tpa_stun_add_fingerprint(&m);
	if (m.err != 0)
		exit(1);
	put("fuzz_stun", "error-401", buf, m.len);

	/* CreatePermission with an IPv6 XOR-PEER-ADDRESS and SHA-256 MI. */
	memset(&peer, 0, sizeof(peer));
	peer.sin6_family = AF_INET6;
	peer.sin6_port = htons(3478);
	inet_pton(AF_INET6, "2001:db8::1", &peer.sin6_addr);
	tpa_stun_msg_init(&m, buf, sizeof(buf), TPA_STUN_REQUEST,
			  TPA_STUN_CREATE_PERMISSION, tid);
	tpa_stun_add_xor_addr(&m, TPA_STUN_ATTR_XOR_PEER_ADDRESS,
			      (const struct sockaddr *)&peer);
	tpa_stun_add_attr(&m, TPA_STUN_ATTR_USERNAME, "k", 1);
	tpa_stun_add_integrity(&m, fuzz_mi_key20, sizeof(fuzz_mi_key20));
	tpa_stun_add_integrity_sha256(&m, fuzz_mi_key20, sizeof(fuzz_mi_key20));
	tpa_stun_add_fingerprint(&m);
	if (m.err != 0)
		exit(1);
	put("fuzz_stun", "create-permission-ipv6", buf, m.len);
}

/* fuzz_auth: control byte + an Allocate whose MESSAGE-INTEGRITY is keyed
 * with the token's mac key (the first mi_len bytes of it). */
static void auth_one(const char *name, uint8_t control, const uint8_t *key,
		     size_t key_len, size_t mac_len, size_t mi_len,
		     const char *user)
{
	static const uint8_t tid[12] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2};
	uint8_t buf[1 + 512], tok[TPA_TOKEN_MAX_LEN], mac[32];
	struct tpa_stun_msg m;
	size_t n = 0;

	for (size_t i = 0; i < mac_len; i++)
		mac[i] = (uint8_t)(0x40 + i);
	if (key != NULL)
		n = make_token(key, key_len, mac_len, 0x44, tok);
	buf[0] = control;
	tpa_stun_msg_init(&m, buf + 1, sizeof(buf) - 1, TPA_STUN_REQUEST,
			  TPA_STUN_ALLOCATE, tid);
	tpa_stun_add_requested_transport(&m, TPA_STUN_TRANSPORT_UDP);
	tpa_stun_add_attr(&m, TPA_STUN_ATTR_USERNAME, user, strlen(user));
	tpa_stun_add_attr(&m, TPA_STUN_ATTR_REALM, "example.org", 11);
	tpa_stun_add_attr(&m, TPA_STUN_ATTR_NONCE, "abcdefgh", 8);
	if (key != NULL)
		tpa_stun_add_attr(&m, TPA_STUN_ATTR_ACCESS_TOKEN, tok, n);
	tpa_stun_add_integrity(&m, mac, mi_len);
	tpa_stun_add_fingerprint(&m);
	if (m.err != 0)
		exit(1);
	put("fuzz_auth", name, buf, 1 + m.len);
}

static void auth(void)
{
	auth_one("accept-k32-mac20", 0x00, fuzz_key32, 32, 20, 20, "k32");
	auth_one("accept-k16-mac32", 0x01, fuzz_key16, 16, 32, 32, "k16");
	auth_one("legacy-k32-mac20", 0x08, fuzz_key32, 32, 20, 16, "k32");
	auth_one("expired-k32", 0x20, fuzz_key32, 32, 20, 20, "k32");
	auth_one("wrong-kid", 0x01, fuzz_key32, 32, 20, 20, "k16");
	auth_one("no-token", 0x00, NULL, 0, 20, 20, "alice");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: gen_seeds CORPUS_DIR\n");
		return 2;
	}
	outdir = argv[1];
	tokens();
	stun();
	auth();
	return 0;
}
