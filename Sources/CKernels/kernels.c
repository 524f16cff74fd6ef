#include "kernels.h"
#include <stdint.h>
#include <string.h>

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define DNR_NO_MULTIVERSION  // ThreadSanitizer instruments the ifunc resolvers, which run before its runtime exists
#endif
#endif

#if defined(__x86_64__) && defined(__clang__) && !defined(DNR_NO_MULTIVERSION)
#define MULTIVERSION __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define MULTIVERSION
#endif

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

MULTIVERSION void dnr_max_pool_plane(const float *x, long h, long w, long size, long stride, long padding,
                                     float *out, int *argmax, long oh, long ow) {
    for (long oy = 0; oy < oh; oy++) {
        long y0 = clamp_long(oy * stride - padding, 0, h), y1 = clamp_long(oy * stride - padding + size, 0, h);
        for (long ox = 0; ox < ow; ox++) {
            long x0 = clamp_long(ox * stride - padding, 0, w), x1 = clamp_long(ox * stride - padding + size, 0, w);
            float best = -__builtin_inff();
            long at = -1;
            for (long iy = y0; iy < y1; iy++) {
                const float *row = x + iy * w;
                for (long ix = x0; ix < x1; ix++) {
                    if (row[ix] > best || at < 0) { best = row[ix]; at = iy * w + ix; }
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

// Winograd F(2×2, 3×3) (Lavin & Gray 2016): a 3×3 convolution at stride 1, padding 1 as 16
// matrix products on 4×4 input tiles at stride 2. U = G·g·Gᵀ, V = Bᵀ·d·B, Y = Aᵀ·(U ⊙ V)·A with
// G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1], Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1], Aᵀ = [1 1 1 0; 0 1 −1 −1].

void dnr_winograd_weights(const float *w, long outC, long inC, float *u) {
    long pairs = outC * inC;
    for (long q = 0; q < pairs; q++) {
        const float *g = w + q * 9;
        float t[4][3];  // G·g: 4 rows of 3
        for (int j = 0; j < 3; j++) {
            float a = g[j], b = g[3 + j], c = g[6 + j];
            t[0][j] = a;
            t[1][j] = 0.5f * (a + b + c);
            t[2][j] = 0.5f * (a - b + c);
            t[3][j] = c;
        }
        for (int i = 0; i < 4; i++) {
            float a = t[i][0], b = t[i][1], c = t[i][2];
            u[(i * 4 + 0) * pairs + q] = a;
            u[(i * 4 + 1) * pairs + q] = 0.5f * (a + b + c);
            u[(i * 4 + 2) * pairs + q] = 0.5f * (a - b + c);
            u[(i * 4 + 3) * pairs + q] = c;
        }
    }
}

MULTIVERSION void dnr_winograd_input_plane(const float *x, long h, long w, float *v, long xiStride) {
    long th = (h + 1) / 2, tw = (w + 1) / 2, padded = 2 * tw + 2;
    float zero[w], t[4][padded];
    memset(zero, 0, sizeof(zero));
    for (int i = 0; i < 4; i++) {  // column 0 (the padding) and the columns past the plane stay zero
        t[i][0] = 0;
        for (long k = w + 1; k < padded; k++) t[i][k] = 0;
    }
    for (long ty = 0; ty < th; ty++) {
        // Input rows 2ty − 1 … 2ty + 2, a zero row outside the plane; t's column k is the plane's k − 1.
        const float *rows[4];
        for (int r = 0; r < 4; r++) {
            long iy = 2 * ty - 1 + r;
            rows[r] = iy >= 0 && iy < h ? x + iy * w : zero;
        }
        const float *r0 = rows[0], *r1 = rows[1], *r2 = rows[2], *r3 = rows[3];
        float *t0 = t[0] + 1, *t1 = t[1] + 1, *t2 = t[2] + 1, *t3 = t[3] + 1;
        for (long k = 0; k < w; k++) {  // Bᵀ down the columns
            t0[k] = r0[k] - r2[k];
            t1[k] = r1[k] + r2[k];
            t2[k] = r2[k] - r1[k];
            t3[k] = r1[k] - r3[k];
        }
        float *out = v + ty * tw;
        for (int i = 0; i < 4; i++) {  // then B along the rows, tile by tile
            const float *s = t[i];
            float *o0 = out + (i * 4 + 0) * xiStride, *o1 = out + (i * 4 + 1) * xiStride;
            float *o2 = out + (i * 4 + 2) * xiStride, *o3 = out + (i * 4 + 3) * xiStride;
            for (long tx = 0; tx < tw; tx++) {
                float a = s[2 * tx], b = s[2 * tx + 1], c = s[2 * tx + 2], d = s[2 * tx + 3];
                o0[tx] = a - c;
                o1[tx] = b + c;
                o2[tx] = c - b;
                o3[tx] = b - d;
            }
        }
    }
}

MULTIVERSION void dnr_winograd_output_plane(const float *m, long xiStride, long h, long w, float *y) {
    long th = (h + 1) / 2, tw = (w + 1) / 2;
    float top[2 * tw], bottom[2 * tw];
    for (long ty = 0; ty < th; ty++) {
        const float *p = m + ty * tw;
        for (long tx = 0; tx < tw; tx++) {
            float s0[4], s1[4];
            for (int j = 0; j < 4; j++) {  // Aᵀ down the columns
                float a = p[j * xiStride + tx], b = p[(4 + j) * xiStride + tx];
                float c = p[(8 + j) * xiStride + tx], d = p[(12 + j) * xiStride + tx];
                s0[j] = a + b + c;
                s1[j] = b - c - d;
            }
            top[2 * tx] = s0[0] + s0[1] + s0[2];
            top[2 * tx + 1] = s0[1] - s0[2] - s0[3];
            bottom[2 * tx] = s1[0] + s1[1] + s1[2];
            bottom[2 * tx + 1] = s1[1] - s1[2] - s1[3];
        }
        float *row = y + 2 * ty * w;
        for (long k = 0; k < w; k++) row[k] += top[k];
        if (2 * ty + 1 < h) for (long k = 0; k < w; k++) row[w + k] += bottom[k];
    }
}

// The adjoint of the output transform y = Aᵀ·M·A (Aᵀ = [1 1 1 0; 0 1 −1 −1]): dM = A·dy·Aᵀ.
MULTIVERSION void dnr_winograd_output_gradient_plane(const float *dy, long h, long w, float *dm, long xiStride) {
    long th = (h + 1) / 2, tw = (w + 1) / 2;
    float top[2 * tw], bottom[2 * tw];
    for (long ty = 0; ty < th; ty++) {
        // Output rows 2ty and 2ty + 1, zero past the plane's last row and column.
        memset(top, 0, sizeof(top));
        memset(bottom, 0, sizeof(bottom));
        memcpy(top, dy + 2 * ty * w, sizeof(float) * w);
        if (2 * ty + 1 < h) memcpy(bottom, dy + (2 * ty + 1) * w, sizeof(float) * w);
        float *out = dm + ty * tw;
        for (long tx = 0; tx < tw; tx++) {
            float a = top[2 * tx], b = top[2 * tx + 1], c = bottom[2 * tx], d = bottom[2 * tx + 1];
            // A down the columns: rows dy₀, dy₀ + dy₁, dy₀ − dy₁, −dy₁; then along each row alike.
            float r[4][2] = {{a, b}, {a + c, b + d}, {a - c, b - d}, {-c, -d}};
            for (int j = 0; j < 4; j++) {
                out[(j * 4 + 0) * xiStride + tx] = r[j][0];
                out[(j * 4 + 1) * xiStride + tx] = r[j][0] + r[j][1];
                out[(j * 4 + 2) * xiStride + tx] = r[j][0] - r[j][1];
                out[(j * 4 + 3) * xiStride + tx] = -r[j][1];
            }
        }
    }
}

// The adjoint of the weight transform u = G·g·Gᵀ: dg = Gᵀ·du·G.
void dnr_winograd_weights_adjoint(const float *du, long outC, long inC, float *dw) {
    long pairs = outC * inC;
    for (long q = 0; q < pairs; q++) {
        float t[4][3];  // du·G: 4 rows of 3
        for (int i = 0; i < 4; i++) {
            float a = du[(i * 4 + 0) * pairs + q], b = du[(i * 4 + 1) * pairs + q];
            float c = du[(i * 4 + 2) * pairs + q], d = du[(i * 4 + 3) * pairs + q];
            t[i][0] = a + 0.5f * (b + c);
            t[i][1] = 0.5f * (b - c);
            t[i][2] = 0.5f * (b + c) + d;
        }
        float *g = dw + q * 9;
        for (int j = 0; j < 3; j++) {  // then Gᵀ down the columns
            g[j] = t[0][j] + 0.5f * (t[1][j] + t[2][j]);
            g[3 + j] = 0.5f * (t[1][j] - t[2][j]);
            g[6 + j] = 0.5f * (t[1][j] + t[2][j]) + t[3][j];
        }
    }
}
