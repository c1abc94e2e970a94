// Compiler builtins and C calls Swift does not expose. Header-only (static inline), so a call
// compiles to the instruction or system call it names.
#ifndef FLOWARC_CINTRINSICS_H
#define FLOWARC_CINTRINSICS_H

#ifdef __linux__
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stddef.h>
#include <sys/mman.h>
#endif

/// Asks the CPU to start loading the cache line holding `p` (never faults, whatever `p` is).
/// Hash-table probes over tables larger than the caches issue these a few rows ahead so that
/// the loads of many rows overlap instead of each row waiting for main memory in turn.
static inline void flowarc_prefetch(const void *p) {
    __builtin_prefetch(p, 0, 3);
}

#ifdef __linux__
/// Grows (or shrinks) an anonymous mapping to `new_size` bytes, moving it if it must: the
/// kernel moves page-table entries, not bytes, so pages already written are neither copied
/// nor faulted in again. Swift does not import `mremap` because it is variadic. Returns
/// MAP_FAILED on failure, as `mremap` does.
static inline void *flowarc_mremap(void *old, size_t old_size, size_t new_size) {
    return mremap(old, old_size, new_size, MREMAP_MAYMOVE);
}
#endif

#include <stdint.h>
#if defined(__AVX2__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

/// Bit k set when byte k of the 16 at `p` is a space or a tab. SSE2 has the one instruction
/// that gathers a mask (pmovmskb); Swift's SIMD types have no movemask, and the portable
/// emulation (a multiply per 8 bytes) cost the parser's scan loop a sixth of its time.
static inline uint32_t flowarc_blank_mask16(const void *p) {
#if defined(__SSE2__)
    __m128i v = _mm_loadu_si128((const __m128i *)p);
    __m128i b = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(0x20)), _mm_cmpeq_epi8(v, _mm_set1_epi8(0x09)));
    return (uint32_t)_mm_movemask_epi8(b);
#else
    const unsigned char *c = (const unsigned char *)p;
    uint32_t m = 0;
    for (int k = 0; k < 16; k++) m |= (uint32_t)(c[k] == 0x20 || c[k] == 0x09) << k;
    return m;
#endif
}

/// Bit k set when byte k of the 64 at `p` is a space or a tab: two 32-byte compares where the
/// build targets AVX2 (the Haswell-class build), four 16-byte ones otherwise.
static inline uint64_t flowarc_blank_mask64(const void *p) {
#if defined(__AVX2__)
    const __m256i sp = _mm256_set1_epi8(0x20), tab = _mm256_set1_epi8(0x09);
    __m256i a = _mm256_loadu_si256((const __m256i *)p);
    __m256i b = _mm256_loadu_si256((const __m256i *)((const char *)p + 32));
    uint32_t lo = (uint32_t)_mm256_movemask_epi8(_mm256_or_si256(_mm256_cmpeq_epi8(a, sp), _mm256_cmpeq_epi8(a, tab)));
    uint32_t hi = (uint32_t)_mm256_movemask_epi8(_mm256_or_si256(_mm256_cmpeq_epi8(b, sp), _mm256_cmpeq_epi8(b, tab)));
    return (uint64_t)lo | ((uint64_t)hi << 32);
#else
    const char *c = (const char *)p;
    return (uint64_t)flowarc_blank_mask16(c) | ((uint64_t)flowarc_blank_mask16(c + 16) << 16)
        | ((uint64_t)flowarc_blank_mask16(c + 32) << 32) | ((uint64_t)flowarc_blank_mask16(c + 48) << 48);
#endif
}

/// Bit k set when byte k of the 64 at `p` equals `c` (AVX2 on the Haswell build).
static inline uint64_t flowarc_equal_mask64(const void *p, unsigned char c) {
#if defined(__AVX2__)
    const __m256i v = _mm256_set1_epi8((char)c);
    uint32_t lo = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)p), v));
    uint32_t hi = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)((const char *)p + 32)), v));
    return (uint64_t)lo | ((uint64_t)hi << 32);
#else
    const unsigned char *b = (const unsigned char *)p;
    uint64_t m = 0;
    for (int k = 0; k < 64; k++) m |= (uint64_t)(b[k] == c) << k;
    return m;
#endif
}

/// Bit k set when byte k of the 16 at `p` equals `c`.
static inline uint32_t flowarc_equal_mask16(const void *p, unsigned char c) {
#if defined(__SSE2__)
    __m128i v = _mm_loadu_si128((const __m128i *)p);
    return (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8((char)c)));
#else
    const unsigned char *b = (const unsigned char *)p;
    uint32_t m = 0;
    for (int k = 0; k < 16; k++) m |= (uint32_t)(b[k] == c) << k;
    return m;
#endif
}

/// Bit k set when byte k of the 16 at `p` is an ASCII digit.
static inline uint32_t flowarc_digit_mask16(const void *p) {
#if defined(__SSE2__)
    __m128i v = _mm_loadu_si128((const __m128i *)p);
    // Signed compares: '0' - 1 < v < '9' + 1.
    __m128i ge = _mm_cmpgt_epi8(v, _mm_set1_epi8(0x2F));
    __m128i le = _mm_cmplt_epi8(v, _mm_set1_epi8(0x3A));
    return (uint32_t)_mm_movemask_epi8(_mm_and_si128(ge, le));
#else
    const unsigned char *b = (const unsigned char *)p;
    uint32_t m = 0;
    for (int k = 0; k < 16; k++) m |= (uint32_t)(b[k] >= 0x30 && b[k] <= 0x39) << k;
    return m;
#endif
}

#if defined(__SSSE3__) && defined(__SSE4_1__)
#include <smmintrin.h>
#include <tmmintrin.h>
#endif

/// Parses the dotted-quad IPv4 address `p[0 ..< len]` (7 to 15 bytes: four octets of 1 to 3
/// digits, no leading zero, each at most 255). Returns 1 and sets `*value` (first octet in the
/// high byte) when it is one, 0 otherwise. Reads the 16 bytes at `p` whatever `len` is.
///
/// With SSSE3 (the Haswell-class build) the four octets are converted at once: a byte shuffle
/// built from the dots' positions lines each octet's digits up as hundreds, tens, ones in a
/// 32-bit lane (missing digits zero), and two multiply-adds give the four values. The scalar
/// version converted octet by octet, each waiting for the position of the dot before it; the
/// shuffle halved the address columns' share of the parser (Benchmarks/Stages).
static inline int flowarc_parse_ipv4(const void *p, long len, uint32_t *value) {
    if (len < 7 || len > 15) return 0;
#if defined(__SSSE3__) && defined(__SSE4_1__)
    const __m128i v = _mm_loadu_si128((const __m128i *)p);
    const __m128i inside = _mm_cmpgt_epi8(_mm_set1_epi8((char)len), _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
    const __m128i dots = _mm_cmpeq_epi8(v, _mm_set1_epi8('.'));
    const __m128i digits = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)), _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
    // Every byte of the token a digit or a dot, exactly three dots.
    if (_mm_movemask_epi8(_mm_andnot_si128(_mm_or_si128(dots, digits), inside)) != 0) return 0;
    const uint32_t dm = (uint32_t)_mm_movemask_epi8(_mm_and_si128(dots, inside));
    if (__builtin_popcount(dm) != 3) return 0;
    // Terminators: the dots and the end. An octet is empty when two are adjacent or the token
    // starts with a dot; it has a leading zero when it starts with '0' and the next byte is
    // not a terminator.
    const uint32_t tm = dm | (1u << len);
    if ((dm & 1u) != 0 || (tm & (tm >> 1)) != 0) return 0;
    const uint32_t starts = 1u | (dm << 1);
    const uint32_t zeros = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('0')));
    if ((zeros & starts & ~(tm >> 1)) != 0) return 0;
    uint32_t t = tm;
    const int e0 = __builtin_ctz(t); t &= t - 1;
    const int e1 = __builtin_ctz(t); t &= t - 1;
    const int e2 = __builtin_ctz(t);
    const int e3 = (int)len;
    if (e0 > 3 || e1 - e0 > 4 || e2 - e1 > 4 || e3 - e2 > 4) return 0;
    // Lane i takes the bytes at e_i - 3, e_i - 2, e_i - 1 (those before the octet's start zeroed)
    // and a zero.
    const __m128i ends = _mm_setr_epi32(e0 * 0x01010101, e1 * 0x01010101, e2 * 0x01010101, e3 * 0x01010101);
    const __m128i firsts = _mm_setr_epi32(0, (e0 + 1) * 0x01010101, (e1 + 1) * 0x01010101, (e2 + 1) * 0x01010101);
    const __m128i at = _mm_add_epi8(ends, _mm_setr_epi8(-3, -2, -1, -100, -3, -2, -1, -100, -3, -2, -1, -100, -3, -2, -1, -100));
    // Keep a byte when at >= firsts (signed: the pad's -100 and indexes below 0 fail).
    const __m128i keep = _mm_cmpgt_epi8(at, _mm_sub_epi8(firsts, _mm_set1_epi8(1)));
    const __m128i shuffle = _mm_or_si128(_mm_and_si128(keep, at), _mm_andnot_si128(keep, _mm_set1_epi8((char)0x80)));
    const __m128i d = _mm_shuffle_epi8(_mm_sub_epi8(v, _mm_set1_epi8('0')), shuffle);
    // 100 h + 10 t and o + 0 in 16-bit halves, then their sum per 32-bit lane.
    const __m128i pairs = _mm_maddubs_epi16(d, _mm_setr_epi8(100, 10, 1, 0, 100, 10, 1, 0, 100, 10, 1, 0, 100, 10, 1, 0));
    const __m128i octets = _mm_madd_epi16(pairs, _mm_set1_epi16(1));
    if (_mm_movemask_epi8(_mm_cmpgt_epi32(octets, _mm_set1_epi32(255))) != 0) return 0;
    *value = (uint32_t)_mm_cvtsi128_si32(_mm_shuffle_epi8(octets, _mm_setr_epi8(12, 8, 4, 0, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1)));
    return 1;
#else
    const unsigned char *c = (const unsigned char *)p;
    uint32_t result = 0, octet = 0;
    int digitsInOctet = 0, dotCount = 0;
    for (long k = 0; k < len; k++) {
        unsigned char b = c[k];
        if (b == '.') {
            if (digitsInOctet == 0 || dotCount == 3) return 0;
            result = result << 8 | octet;
            octet = 0; digitsInOctet = 0; dotCount++;
        } else if (b >= '0' && b <= '9') {
            if (digitsInOctet == 1 && octet == 0) return 0;  // a leading zero
            if (digitsInOctet == 3) return 0;
            octet = octet * 10 + (uint32_t)(b - '0');
            if (octet > 255) return 0;
            digitsInOctet++;
        } else {
            return 0;
        }
    }
    if (dotCount != 3 || digitsInOctet == 0) return 0;
    *value = result << 8 | octet;
    return 1;
#endif
}

#endif
