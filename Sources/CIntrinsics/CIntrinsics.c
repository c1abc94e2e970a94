// The functions live in include/CIntrinsics.h (static inline); this file makes the target a
// C module SwiftPM can build, and holds the start-up check of the CPU class.
#include "CIntrinsics.h"

#if defined(FLOWARC_HASWELL_CLASS) && defined(__x86_64__)
#include <unistd.h>

/// The Swift modules were compiled for Haswell-class CPUs (see Package.swift). This runs before
/// `main` (and is compiled for the baseline itself), so a machine without AVX2, BMI2 or FMA gets
/// a message and exit status 1 instead of an illegal instruction somewhere later.
__attribute__((constructor)) static void flowarc_check_cpu(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("fma")
        && __builtin_cpu_supports("popcnt")) {
        return;
    }
    static const char message[] =
        "flowarc: this build needs an x86-64 CPU with AVX2, BMI2 and FMA (Haswell or later); "
        "rebuild with FLOWARC_TARGET_CPU=x86-64 swift build -c release for older CPUs\n";
    (void)!write(2, message, sizeof message - 1);
    _exit(1);
}
#endif
