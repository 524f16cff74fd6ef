#include "kernels.h"
#include <stdint.h>
#include <string.h>

#include "multiversion.h"

// Reductions may be reordered into vector lanes (float sums of at most a few 10⁵ terms: relative
// error about 1e-6, the engine's tolerance); nothing else is relaxed.
#define REASSOCIATE _Pragma("clang fp reassociate(on)")

static inline float exp_approx(float x) {
    x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
    // n = round(x / ln 2) by the 1.5·2²³ trick (exact for |x / ln 2| < 2²²), then r = x − n·ln 2 in two parts.
    const float shifter = 12582912.0f;
    float n = (x * 1.44269504088896341f + shifter) - shifter;
    float r = x - n * 0.693359375f;
    r = r + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    float e = p * r * r + r + 1.0f;
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return e * scale;
}

MULTIVERSION float dnr_sum(const float *x, long n) {
    REASSOCIATE
    float s = 0;
    for (long i = 0; i < n; i++) s += x[i];
    return s;
}

MULTIVERSION float dnr_centered_squares(const float *x, long n, float mean) {
    REASSOCIATE
    float s = 0;
    for (long i = 0; i < n; i++) { float d = x[i] - mean; s += d * d; }
    return s;
}

MULTIVERSION void dnr_sum_and_dot(const float *a, const float *b, long n, float *sum, float *dot) {
    REASSOCIATE
    float s = 0, d = 0;
    for (long i = 0; i < n; i++) { s += a[i]; d += a[i] * b[i]; }
    *sum = s;
    *dot = d;
}

MULTIVERSION void dnr_normalize_affine(const float *x, long n, float mean, float rstd, float scale, float shift,
                                       float *xhat, float *y, int silu) {
    if (silu) {
        for (long i = 0; i < n; i++) {
            float v = (x[i] - mean) * rstd;
            xhat[i] = v;
            float z = v * scale + shift;
            y[i] = z / (1.0f + exp_approx(-z));
        }
    } else {
        for (long i = 0; i < n; i++) {
            float v = (x[i] - mean) * rstd;
            xhat[i] = v;
            y[i] = v * scale + shift;
        }
    }
}

MULTIVERSION void dnr_silu_backward(float *g, const float *xhat, long n, float scale, float shift) {
    for (long i = 0; i < n; i++) {
        float z = xhat[i] * scale + shift;
        float s = 1.0f / (1.0f + exp_approx(-z));
        g[i] *= s * (1.0f + z * (1.0f - s));
    }
}

MULTIVERSION void dnr_group_norm_input_gradient(float *gx, const float *gy, const float *xhat, long n, float r, float scale,
                                                float meanD, float meanDX) {
    for (long i = 0; i < n; i++) gx[i] = r * (gy[i] * scale - meanD - xhat[i] * meanDX);
}

MULTIVERSION void dnr_exp(const float *x, float *y, long n) {
    for (long i = 0; i < n; i++) y[i] = exp_approx(x[i]);
}

static inline long clamp_long(long v, long lo, long hi) { return v < lo ? lo : (v > hi ? hi : v); }

MULTIVERSION void dnr_relu(const float *x, float *y, long n) {
    for (long i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : 0;
}

MULTIVERSION void dnr_relu_backward(const float *gy, const float *y, float *gx, long n) {
    for (long i = 0; i < n; i++) gx[i] = y[i] > 0 ? gy[i] : 0;
}

// Branch-free (selects, not jumps): which element wins depends on the data, and mispredicted
// branches made the recognizer's 3×3 max pool several times slower than its loads.
MULTIVERSION void dnr_max_pool_plane(const float *x, long h, long w, long size, long stride, long padding,
                                     float *out, int *argmax, long oh, long ow) {
    for (long oy = 0; oy < oh; oy++) {
        long y0 = clamp_long(oy * stride - padding, 0, h), y1 = clamp_long(oy * stride - padding + size, 0, h);
        for (long ox = 0; ox < ow; ox++) {
            long x0 = clamp_long(ox * stride - padding, 0, w), x1 = clamp_long(ox * stride - padding + size, 0, w);
            float best = x[y0 * w + x0];
            long at = y0 * w + x0;
            for (long iy = y0; iy < y1; iy++) {
                const float *row = x + iy * w;
                for (long ix = x0; ix < x1; ix++) {
                    int wins = row[ix] > best;
                    best = wins ? row[ix] : best;
                    at = wins ? iy * w + ix : at;
                }
            }
            out[oy * ow + ox] = best;
            if (argmax) argmax[oy * ow + ox] = (int)at;
        }
    }
}

MULTIVERSION static const char *variant(void) {
#if defined(__AVX512F__)
    return "avx512";
#elif defined(__AVX2__)
    return "avx2";
#else
    return "baseline";
#endif
}

const char *dnr_kernels_variant(void) { return variant(); }

