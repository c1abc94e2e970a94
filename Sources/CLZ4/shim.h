#ifndef CLZ4_SHIM_H
#define CLZ4_SHIM_H
#include <lz4.h>

/* lz4 takes `char *`; these take `void *` so Swift passes raw buffers without casts. */
static inline int clz4_compress_default(const void *src, void *dst, int srcSize, int dstCapacity) {
    return LZ4_compress_default((const char *)src, (char *)dst, srcSize, dstCapacity);
}
static inline int clz4_decompress_safe(const void *src, void *dst, int compressedSize, int dstCapacity) {
    return LZ4_decompress_safe((const char *)src, (char *)dst, compressedSize, dstCapacity);
}
static inline int clz4_compress_bound(int inputSize) { return LZ4_compressBound(inputSize); }
#endif
