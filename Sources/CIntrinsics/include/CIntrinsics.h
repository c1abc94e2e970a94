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

#endif
