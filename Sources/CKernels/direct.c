#include "kernels.h"
#include <string.h>

// Direct convolution for small planes (see kernels.h): nothing is unfolded or repacked. A stride-1
// convolution over a zero-padded plane of row stride wq, flattened, reads input position
// p + ky·wq + kx for output position p = y·wq + x and tap (ky, kx): every tap is a contiguous run of
// the plane (the wq − w positions past each row's end are computed and dropped). A stride-s one reads
// the same way from the s² phase planes of its input (kernels.h), and an input gradient is a sum of
// such convolutions of the output gradient. The caller lists the taps: where each reads the input
// plane, and where its weight lies, so weights are read in place, as stored or transposed and
// turned (an input gradient's), without a copy.
//
// A register tile holds MR output channels × up to 3 vectors of L positions; each step over
// (input channel, tap) loads the input vectors and broadcasts MR weights. The tile sizes differ per
// instruction set (AVX-512 has 32 vector registers, AVX2 and SSE 16), so each variant is its own
// function with its own constants, and the caller names the variant (the best this CPU runs, or
// any it runs, for tests), rather than one function multi-versioned by the compiler.

#define ALWAYS_INLINE static inline __attribute__((always_inline))

// One register tile: z[r·zStride + j·L + lane] = Σ_c Σ_t w[r·rowStride + c·channelStride + weightOffsets[t]]
//                                                     · x[c·planeStride + inputOffsets[t] + j·L + lane].
#define DEFINE_TILE(NAME, TARGET, L, MR)                                                                          \
    typedef float NAME##_v __attribute__((ext_vector_type(L)));                                                    \
    typedef float NAME##_u __attribute__((ext_vector_type(L), aligned(4)));                                        \
    ALWAYS_INLINE TARGET void NAME##_tile(int nr, const struct dnr_direct_problem *p, const float *x,              \
                                          const float *w, long rows, float *z) {                                   \
        NAME##_v acc[MR][3];                                                                                       \
        for (int r = 0; r < MR; r++)                                                                               \
            for (int j = 0; j < nr; j++) acc[r][j] = (NAME##_v)(0.0f);                                             \
        const float *row[MR]; /* rows past the last output channel repeat it; their sums are not stored */         \
        for (int r = 0; r < MR; r++) row[r] = w + (r < rows ? r : rows - 1) * p->rowStride;                        \
        const long *inputOffsets = p->inputOffsets, *weightOffsets = p->weightOffsets, taps = p->taps;             \
        for (long c = 0; c < p->channels; c++) {                                                                   \
            const float *plane = x + c * p->planeStride;                                                           \
            const long channel = c * p->channelStride;                                                             \
            for (long t = 0; t < taps; t++) {                                                                      \
                NAME##_v in[3];                                                                                    \
                for (int j = 0; j < nr; j++) in[j] = *(const NAME##_u *)(plane + inputOffsets[t] + j * (L));       \
                const long weight = channel + weightOffsets[t];                                                    \
                for (int r = 0; r < MR; r++) {                                                                     \
                    NAME##_v splat = (NAME##_v)(row[r][weight]);                                                   \
                    for (int j = 0; j < nr; j++) acc[r][j] += splat * in[j];                                       \
                }                                                                                                  \
            }                                                                                                      \
        }                                                                                                          \
        for (int r = 0; r < rows; r++)                                                                             \
            for (int j = 0; j < nr; j++) *(NAME##_u *)(z + r * p->zStride + j * (L)) = acc[r][j];                  \
    }                                                                                                              \
    /* Items are (channel block, chunk of up to 3 vectors) pairs, chunk-minor. */                                  \
    static TARGET void NAME##_items(const struct dnr_direct_problem *p, long first, long count) {                  \
        long chunks = (p->vectors + 2) / 3;                                                                        \
        for (long item = first; item < first + count; item++) {                                                   \
            long block = item / chunks, chunk = item % chunks;                                                     \
            long v0 = chunk * 3, nr = p->vectors - v0 < 3 ? p->vectors - v0 : 3;                                   \
            long rows = p->outputs - block * (MR) < (MR) ? p->outputs - block * (MR) : (MR);                       \
            const float *w = p->w + block * (MR) * p->rowStride;                                                   \
            float *z = p->z + block * (MR) * p->zStride + v0 * (L);                                                \
            const float *x = p->x + v0 * (L);                                                                      \
            /* Constant vector counts, so each call keeps its accumulators in registers. */                        \
            if (nr == 3) NAME##_tile(3, p, x, w, rows, z);                                                         \
            else if (nr == 2) NAME##_tile(2, p, x, w, rows, z);                                                    \
            else NAME##_tile(1, p, x, w, rows, z);                                                                 \
        }                                                                                                          \
    }

#if defined(__x86_64__)
DEFINE_TILE(avx512, __attribute__((target("avx512f,avx512vl,fma"))), 16, 8)
DEFINE_TILE(avx2, __attribute__((target("avx2,fma"))), 8, 4)
#endif
DEFINE_TILE(baseline, , 4, 4)

typedef void (*items_function)(const struct dnr_direct_problem *, long, long);

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

void dnr_direct_phase_planes(const float *x, long channels, long h, long w, long stride, long top, long left, long hq,
                             long wq, float *out, long planeStride) {
    for (long c = 0; c < channels; c++) {
        float *plane = out + c * planeStride;
        for (long ry = 0; ry < stride; ry++)
            for (long rx = 0; rx < stride; rx++) {
                float *phase = plane + (ry * stride + rx) * hq * wq;
                // The columns j whose source column stride·j + rx − left lies in the plane.
                long lo = left - rx > 0 ? (left - rx + stride - 1) / stride : 0;
                long hi = w - 1 + left - rx >= 0 ? (w - 1 + left - rx) / stride + 1 : 0;
                if (hi > wq) hi = wq;
                if (lo > hi) lo = hi;
                for (long i = 0; i < hq; i++) {
                    float *target = phase + i * wq;
                    long iy = stride * i + ry - top;
                    if (iy < 0 || iy >= h || lo == hi) {
                        memset(target, 0, sizeof(float) * (size_t)wq);
                        continue;
                    }
                    const float *source = x + (c * h + iy) * w + stride * lo + rx - left;
                    memset(target, 0, sizeof(float) * (size_t)lo);
                    if (stride == 1) memcpy(target + lo, source, sizeof(float) * (size_t)(hi - lo));
                    else
                        for (long j = lo; j < hi; j++) target[j] = source[(j - lo) * stride];
                    memset(target + hi, 0, sizeof(float) * (size_t)(wq - hi));
                }
            }
        long used = stride * stride * hq * wq;
        memset(plane + used, 0, sizeof(float) * (size_t)(planeStride - used));
    }
}

void dnr_direct_items(int variant, const struct dnr_direct_problem *problem, long first, long count) {
    variants[variant].items(problem, first, count);
}

void dnr_direct_store(const float *z, long zStride, long zRowStride, long channels, long rows, long columns, const float *bias,
                      float *y, long yPlane, long yFirst, long yRowStride, long yColumnStride) {
    for (long c = 0; c < channels; c++) {
        float b = bias ? bias[c] : 0;
        for (long i = 0; i < rows; i++) {
            const float *source = z + c * zStride + i * zRowStride;
            float *target = y + c * yPlane + yFirst + i * yRowStride;
            if (yColumnStride == 1)
                for (long j = 0; j < columns; j++) target[j] = source[j] + b;
            else
                for (long j = 0; j < columns; j++) target[j * yColumnStride] = source[j] + b;
        }
    }
}
