// Compiler builtins Swift does not expose. Header-only (static inline), so a call compiles to
// the one instruction it names.
#ifndef FLOWARC_CINTRINSICS_H
#define FLOWARC_CINTRINSICS_H

/// Asks the CPU to start loading the cache line holding `p` (never faults, whatever `p` is).
/// Hash-table probes over tables larger than the caches issue these a few rows ahead so that
/// the loads of many rows overlap instead of each row waiting for main memory in turn.
static inline void flowarc_prefetch(const void *p) {
    __builtin_prefetch(p, 0, 3);
}

#endif
