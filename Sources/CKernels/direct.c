#include "kernels.h"
#include <string.h>

// Direct 3×3 convolution at stride 1, padding 1, for small planes (see kernels.h): nothing is
// unfolded or repacked. Over a zero-padded plane of width wp = w + 2, flattened, output position
// p = y·wp + x reads input position p + ky·wp + kx for tap (ky, kx), so every tap is a contiguous run
// of the padded plane. A register tile holds MR output channels × up to 3 vectors of L positions;
// each step over (input channel, tap) loads the input vectors and broadcasts MR weights, read in
// place: weight (r, c, tap) lies at w + r·rowStride + c·channelStride + tapFirst + tap·tapStep, so
// the same kernel reads a kernel [outC, inC, 3, 3] as it is, or transposed and turned by 180° (the
// input gradient's), without a copy.
//
// The tile sizes differ per instruction set (AVX-512 has 32 vector registers, AVX2 and SSE 16), so
// each variant is its own function with its own constants, and the caller names the variant (the
// best this CPU runs, or any it runs, for tests), rather than one function multi-versioned by the
// compiler.

#define ALWAYS_INLINE static inline __attribute__((always_inline))

// One register tile: z[r·zStride + j·L + lane] = Σ_c Σ_tap weight(r, c, tap) · x[c·planeStride + off(tap) + j·L + lane].
#define DEFINE_TILE(NAME, TARGET, L, MR)                                                                          \
    typedef float NAME##_v __attribute__((ext_vector_type(L)));                                                    \
    typedef float NAME##_u __attribute__((ext_vector_type(L), aligned(4)));                                        \
    ALWAYS_INLINE TARGET void NAME##_tile(int nr, const float *x, long inC, long planeStride, long wp,              \
                                          const struct dnr_direct_weights *k, const float *w, long rows, float *z, \
                                          long zStride) {                                                          \
        NAME##_v acc[MR][3];                                                                                       \
        for (int r = 0; r < MR; r++)                                                                               \
            for (int j = 0; j < nr; j++) acc[r][j] = (NAME##_v)(0.0f);                                             \
        const long offsets[9] = {0, 1, 2, wp, wp + 1, wp + 2, 2 * wp, 2 * wp + 1, 2 * wp + 2};                    \
        const float *row[MR]; /* rows past the last output channel repeat it; their sums are not stored */         \
        for (int r = 0; r < MR; r++) row[r] = w + (r < rows ? r : rows - 1) * k->rowStride + k->tapFirst;          \
        const long step = k->tapStep;                                                                              \
        for (long c = 0; c < inC; c++) {                                                                           \
            const float *plane = x + c * planeStride;                                                              \
            const long channel = c * k->channelStride;                                                             \
            for (int t = 0; t < 9; t++) {                                                                          \
                NAME##_v in[3];                                                                                    \
                for (int j = 0; j < nr; j++) in[j] = *(const NAME##_u *)(plane + offsets[t] + j * (L));            \
                for (int r = 0; r < MR; r++) {                                                                     \
                    NAME##_v weight = (NAME##_v)(row[r][channel + t * step]); /* a splat */                        \
                    for (int j = 0; j < nr; j++) acc[r][j] += weight * in[j];                                      \
                }                                                                                                  \
            }                                                                                                      \
        }                                                                                                          \
        for (int r = 0; r < rows; r++)                                                                             \
            for (int j = 0; j < nr; j++) *(NAME##_u *)(z + r * zStride + j * (L)) = acc[r][j];                     \
    }                                                                                                              \
    /* Items are (channel block, chunk of up to 3 vectors) pairs, chunk-minor. */                                  \
    static TARGET void NAME##_items(const float *x, long inC, long planeStride, long wp,                          \
                                    const struct dnr_direct_weights *k, long outC, long vectors, long first,       \
                                    long count, float *z, long zStride) {                                          \
        long chunks = (vectors + 2) / 3;                                                                           \
        for (long item = first; item < first + count; item++) {                                                   \
            long block = item / chunks, chunk = item % chunks;                                                     \
            long v0 = chunk * 3, nr = vectors - v0 < 3 ? vectors - v0 : 3;                                         \
            long rows = outC - block * (MR) < (MR) ? outC - block * (MR) : (MR);                                   \
            const float *w = k->w + block * (MR) * k->rowStride;                                                   \
            float *out = z + block * (MR) * zStride + v0 * (L);                                                    \
            const float *in = x + v0 * (L);                                                                        \
            /* Constant vector counts, so each call keeps its accumulators in registers. */                        \
            if (nr == 3) NAME##_tile(3, in, inC, planeStride, wp, k, w, rows, out, zStride);                       \
            else if (nr == 2) NAME##_tile(2, in, inC, planeStride, wp, k, w, rows, out, zStride);                  \
            else NAME##_tile(1, in, inC, planeStride, wp, k, w, rows, out, zStride);                               \
        }                                                                                                          \
    }

#if defined(__x86_64__)
DEFINE_TILE(avx512, __attribute__((target("avx512f,avx512vl,fma"))), 16, 8)
DEFINE_TILE(avx2, __attribute__((target("avx2,fma"))), 8, 4)
#endif
DEFINE_TILE(baseline, , 4, 4)

typedef void (*items_function)(const float *, long, long, long, const struct dnr_direct_weights *, long, long, long,
                               long, float *, long);

static const struct variant {
    long lanes, block;
    items_function items;
} variants[3] = {
    {4, 4, baseline_items},
#if defined(__x86_64__)
    {8, 4, avx2_items},
    {16, 8, avx512_items},
#endif
};

int dnr_direct_best_variant(void) {
#if defined(__x86_64__) && !defined(DNR_NO_MULTIVERSION)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma")) return 2;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 1;
#endif
    return 0;
}

long dnr_direct_lanes(int variant) { return variants[variant].lanes; }
long dnr_direct_channel_block(int variant) { return variants[variant].block; }

void dnr_direct_pad_planes(const float *x, long channels, long h, long w, float *padded, long planeStride) {
    long wp = w + 2;
    for (long c = 0; c < channels; c++) {
        float *out = padded + c * planeStride;
        memset(out, 0, sizeof(float) * (size_t)(wp + 1));  // the top border and the first row's left one
        for (long y = 0; y < h; y++) {
            float *row = out + (y + 1) * wp;
            memcpy(row + 1, x + (c * h + y) * w, sizeof(float) * (size_t)w);
            row[w + 1] = 0, row[w + 2] = 0;  // this row's right border, the next row's left one
        }
        float *bottom = out + (h + 1) * wp + 1;  // the last row's right border is already written
        memset(bottom, 0, sizeof(float) * (size_t)(planeStride - (h + 1) * wp - 1));
    }
}

void dnr_direct_items(int variant, const float *padded, long inC, long planeStride, long wp,
                      const struct dnr_direct_weights *weights, long outC, long vectors, long first, long count, float *z,
                      long zStride) {
    variants[variant].items(padded, inC, planeStride, wp, weights, outC, vectors, first, count, z, zStride);
}

void dnr_direct_store_output(const float *z, long zStride, long channels, long h, long w, const float *bias, float *y) {
    long wp = w + 2;
    for (long c = 0; c < channels; c++) {
        float b = bias ? bias[c] : 0;
        for (long row = 0; row < h; row++) {
            const float *source = z + c * zStride + row * wp;
            float *target = y + (c * h + row) * w;
            for (long k = 0; k < w; k++) target[k] = source[k] + b;
        }
    }
}
