/*
 * fuzz_common.h: shared bits of the libFuzzer harnesses in tests/fuzz.
 *
 * FUZZ_CHECK(cond) prints the broken invariant and traps, so libFuzzer
 * reports a crash and keeps the input as a crash-* artifact. The fixed keys
 * and server name are the ones gen_seeds.c used for the seed tokens.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define FUZZ_CHECK(cond)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: invariant broken: %s\n",       \
				__FILE__, __LINE__, #cond);                    \
			__builtin_trap();                                      \
		}                                                              \
	} while (0)

/* AS-RS keys: 00 01 .. 0f and 00 01 .. 1f. */
static const uint8_t fuzz_key16[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05,
				       0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
				       0x0c, 0x0d, 0x0e, 0x0f};
static const uint8_t fuzz_key32[32] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
	0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
	0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f};
#define FUZZ_SERVER_NAME "turn.example.org"

/* The 20-byte MESSAGE-INTEGRITY key of the STUN harness and seeds. */
static const uint8_t fuzz_mi_key20[20] = {
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9,
	0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf, 0xb0, 0xb1, 0xb2, 0xb3};

/* 1 if all n bytes at p are zero. */
static inline int fuzz_all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

#endif /* FUZZ_COMMON_H */
