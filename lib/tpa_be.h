/*
 * tpa_be.h - big-endian (network order) integers in byte buffers, for the
 * wire formats of STUN and of RFC 7635 tokens.  The caller checks that the
 * bytes are there.
 */
#ifndef TPA_BE_H
#define TPA_BE_H

#include <stdint.h>

static inline uint16_t tpa_get_u16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t tpa_get_u32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static inline uint64_t tpa_get_u64(const uint8_t *p)
{
	return (uint64_t)tpa_get_u32(p) << 32 | tpa_get_u32(p + 4);
}

static inline void tpa_put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void tpa_put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void tpa_put_u64(uint8_t *p, uint64_t v)
{
	tpa_put_u32(p, (uint32_t)(v >> 32));
	tpa_put_u32(p + 4, (uint32_t)v);
}

#endif /* TPA_BE_H */
