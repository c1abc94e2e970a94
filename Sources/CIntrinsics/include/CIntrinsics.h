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

#endif
