#ifndef DNR_KERNELS_H
#define DNR_KERNELS_H

// The engine's own memory-bound loops in C, each compiled for AVX-512, AVX2+FMA and the baseline
// x86-64 and picked at load time for the CPU it runs on (function multi-versioning). Swift's SIMD
// types compile for the baseline only; these use the vector width the machine has.

/// Σ x[i] (accumulated in vector lanes).
float dnr_sum(const float *x, long n);
/// Σ (x[i] − mean)².
float dnr_centered_squares(const float *x, long n, float mean);
/// Σ a[i] and Σ a[i]·b[i].
void dnr_sum_and_dot(const float *a, const float *b, long n, float *sum, float *dot);
/// x̂ = (x − mean)·rstd and y = x̂·scale + shift, then y = y·σ(y) when `silu` (GroupNorm's tail).
void dnr_normalize_affine(const float *x, long n, float mean, float rstd, float scale, float shift,
                          float *xhat, float *y, int silu);
/// g ← g · d/dz[z·σ(z)] at z = x̂·scale + shift (the fused SiLU's backward).
void dnr_silu_backward(float *g, const float *xhat, long n, float scale, float shift);
/// gx = r·(gy·scale − meanD − x̂·meanDX) (GroupNorm's input gradient).
void dnr_group_norm_input_gradient(float *gx, const float *gy, const float *xhat, long n, float r, float scale,
                                   float meanD, float meanDX);
/// e^x for every x[i] into y, within 2 ulp of expf for x in [−87, 88] (Cody–Waite reduction and
/// Cephes' polynomial; branch-free, so it vectorises).
void dnr_exp(const float *x, float *y, long n);
/// y = max(x, 0); its backward gx = gy where y > 0, else 0 (y may be x).
void dnr_relu(const float *x, float *y, long n);
void dnr_relu_backward(const float *gy, const float *y, float *gx, long n);
/// Max pooling of one plane x [h, w] over size×size windows at `stride` (positions outside the
/// plane are skipped) into out [oh, ow]; `argmax` (may be NULL) gets each window's first largest
/// position in the plane (the first valid one when nothing compares larger, as with NaN).
void dnr_max_pool_plane(const float *x, long h, long w, long size, long stride, long padding,
                        float *out, int *argmax, long oh, long ow);
/// Winograd F(m×m, 3×3), m = 2 or 4, for a 3×3 convolution at stride 1, padding 1 (matrices in
/// winograd.c); α = m + 2 and a tile's α² components ξ. Weights [outC, inC, 3, 3] → u[α²][outC][inC].
void dnr_winograd_weights(const float *w, long outC, long inC, int m, float *u);
/// One input plane [h, w] → its ⌈h/m⌉·⌈w/m⌉ transformed tiles; tile p of component ξ goes to
/// v[ξ·xiStride + p]. Widths up to about a thousand (row buffers live on the stack).
void dnr_winograd_input_plane(const float *x, long h, long w, int m, float *v, long xiStride);
/// The products of one output channel (component ξ of tile p at mm[ξ·xiStride + p]) → added onto
/// the output plane y [h, w].
void dnr_winograd_output_plane(const float *mm, long xiStride, long h, long w, int m, float *y);
/// The weight gradient's two transforms, the adjoints of the forward's: an output-gradient plane
/// dy [h, w] → its tiles' components (A·dy·Aᵀ, positions outside the plane read as zero), laid out
/// as the input plane's; and du[α²][outC][inC] → the weight gradient dw [outC, inC, 3, 3] (Gᵀ·du·G).
void dnr_winograd_output_gradient_plane(const float *dy, long h, long w, int m, float *dm, long xiStride);
void dnr_winograd_weights_adjoint(const float *du, long outC, long inC, int m, float *dw);
/// Direct convolution (direct.c), for small planes: over zero-padded planes flattened with row
/// stride wq, output position y·wq + x is a sum of contiguous runs, one per tap, so nothing is
/// unfolded. Register tiles hold `dnr_direct_channel_block(v)` output channels × up to 3 vectors of
/// `dnr_direct_lanes(v)` positions, for variant v: 0 baseline (4 × 4), 1 AVX2 + FMA (8 lanes × 4),
/// 2 AVX-512 (16 × 8); a CPU runs its best and those below it.
int dnr_direct_best_variant(void);
long dnr_direct_lanes(int variant);
long dnr_direct_channel_block(int variant);
/// One product: z[r·zStride + p] = Σ_c Σ_t w[r·rowStride + c·channelStride + weightOffsets[t]]
///                                        · x[c·planeStride + inputOffsets[t] + p]
/// for output channels r < outputs and positions p < vectors · lanes. `x` must be readable
/// vectors · lanes + max(inputOffsets) floats past the last plane's start.
struct dnr_direct_problem {
    const float *x;
    long channels, planeStride;
    const float *w;
    long rowStride, channelStride;
    const long *inputOffsets, *weightOffsets;
    long taps;
    long outputs, vectors;
    float *z;
    long zStride;
};
/// Work items first ..< first + count of `⌈outputs / block⌉ · ⌈vectors / 3⌉` (channel block major).
void dnr_direct_items(int variant, const struct dnr_direct_problem *problem, long first, long count);
/// Planes x [channels, h, w] → their stride² phase planes, each hq × wq: out[c·planeStride +
/// (ry·stride + rx)·hq·wq + i·wq + j] = x[c][stride·i + ry − top][stride·j + rx − left], zero outside
/// the plane; the rest of each channel's stride zero. Stride 1 is one plane padded by (top, left).
void dnr_direct_phase_planes(const float *x, long channels, long h, long w, long stride, long top, long left, long hq,
                             long wq, float *out, long planeStride);
/// z's rows × columns positions (row stride zRowStride) plus bias[c] (none when NULL) →
/// y[c·yPlane + yFirst + i·yRowStride + j·yColumnStride].
void dnr_direct_store(const float *z, long zStride, long zRowStride, long channels, long rows, long columns, const float *bias,
                      float *y, long yPlane, long yFirst, long yRowStride, long yColumnStride);
/// Which variant the loader picked for this CPU: "avx512", "avx2" or "baseline".
const char *dnr_kernels_variant(void);

#endif
