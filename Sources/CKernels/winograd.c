#include "kernels.h"
#include <string.h>

#include "multiversion.h"

// Winograd F(m×m, 3×3) (Lavin & Gray 2016), m = 2 or 4: a 3×3 convolution at stride 1, padding 1
// as α² matrix products (α = m + 2) on α×α input tiles at stride m. U = G·g·Gᵀ, V = Bᵀ·d·B and
// Y = Aᵀ·(U ⊙ V)·A. Component (i, j) of a tile is ξ = i·α + j. Each function below is written once
// for any m and instantiated for m = 2 and m = 4 (constant matrices, so the compiler drops the
// multiplications by 0 and ±1).

static const float BT2[4][4] = {{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}};
static const float G2[4][3] = {{1, 0, 0}, {0.5f, 0.5f, 0.5f}, {0.5f, -0.5f, 0.5f}, {0, 0, 1}};
static const float AT2[2][4] = {{1, 1, 1, 0}, {0, 1, -1, -1}};

static const float BT4[6][6] = {{4, 0, -5, 0, 1, 0}, {0, -4, -4, 1, 1, 0}, {0, 4, -4, -1, 1, 0},
                                {0, -2, -1, 2, 1, 0}, {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1}};
static const float G4[6][3] = {{1.0f / 4, 0, 0}, {-1.0f / 6, -1.0f / 6, -1.0f / 6}, {-1.0f / 6, 1.0f / 6, -1.0f / 6},
                               {1.0f / 24, 1.0f / 12, 1.0f / 6}, {1.0f / 24, -1.0f / 12, 1.0f / 6}, {0, 0, 1}};
static const float AT4[4][6] = {{1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, -1, 8, -8, 1}};

#define ALWAYS_INLINE static inline __attribute__((always_inline))

// Every function below writes (or reads) the α² components as α² contiguous runs — a block of
// kernels, or a chunk of tile rows, at a time — not tile by tile: the components lie xiStride apart,
// often a power of two, and α² interleaved streams at such a stride thrash the cache's sets.
enum { BLOCK = 64 };

// U[ξ][o][i] = (G·g·Gᵀ)[ξ] for every kernel g = w[o][i].
ALWAYS_INLINE void weights(const float *w, long pairs, float *u, int m, const float *G) {
    const int a = m + 2;
    float block[36][BLOCK];
    for (long q0 = 0; q0 < pairs; q0 += BLOCK) {
        long count = pairs - q0 < BLOCK ? pairs - q0 : BLOCK;
        for (long b = 0; b < count; b++) {
            const float *g = w + (q0 + b) * 9;
            float t[6][3];  // G·g
            for (int i = 0; i < a; i++)
                for (int j = 0; j < 3; j++) t[i][j] = G[i * 3] * g[j] + G[i * 3 + 1] * g[3 + j] + G[i * 3 + 2] * g[6 + j];
            for (int i = 0; i < a; i++)
                for (int k = 0; k < a; k++) block[i * a + k][b] = t[i][0] * G[k * 3] + t[i][1] * G[k * 3 + 1] + t[i][2] * G[k * 3 + 2];
        }
        for (int xi = 0; xi < a * a; xi++) memcpy(u + xi * pairs + q0, block[xi], sizeof(float) * count);
    }
}

// The adjoint: dg = Gᵀ·dU·G.
ALWAYS_INLINE void weights_adjoint(const float *du, long pairs, float *dw, int m, const float *G) {
    const int a = m + 2;
    float block[36][BLOCK];
    for (long q0 = 0; q0 < pairs; q0 += BLOCK) {
        long count = pairs - q0 < BLOCK ? pairs - q0 : BLOCK;
        for (int xi = 0; xi < a * a; xi++) memcpy(block[xi], du + xi * pairs + q0, sizeof(float) * count);
        for (long b = 0; b < count; b++) {
            float t[6][3] = {{0}};  // dU·G
            for (int i = 0; i < a; i++)
                for (int k = 0; k < a; k++) {
                    float d = block[i * a + k][b];
                    for (int j = 0; j < 3; j++) t[i][j] += d * G[k * 3 + j];
                }
            float *g = dw + (q0 + b) * 9;
            for (int r = 0; r < 3; r++)
                for (int j = 0; j < 3; j++) {
                    float sum = 0;
                    for (int i = 0; i < a; i++) sum += G[i * 3 + r] * t[i][j];
                    g[r * 3 + j] = sum;
                }
        }
    }
}

// The plane transforms work on a chunk of whole tile rows at a time (up to CHUNK tiles): the
// strided steps (tiles overlap, or interleave, every m columns) only rearrange, and every sum runs
// as one long contiguous loop over the chunk's tiles, which the compiler vectorises.
enum { CHUNK = 512 };

ALWAYS_INLINE long chunk_rows(long tw) { return tw >= CHUNK ? 1 : CHUNK / tw; }

// One plane [h, w] → its tiles' α² components: Bᵀ down the columns of each tile row's α input rows,
// the result split by column phase (d[i][c][tile] = column m·tx + c of tile row ty), then B along
// the rows. Rows and columns outside the plane read as zero.
ALWAYS_INLINE void input_plane(const float *x, long h, long w, float *v, long xiStride, int m, const float *BT) {
    const int a = m + 2;
    long th = (h + m - 1) / m, tw = (w + m - 1) / m, padded = m * tw + 2, per = chunk_rows(tw);
    float zero[w], t[a][padded], d[a][a][per * tw];
    memset(zero, 0, sizeof(zero));
    for (int i = 0; i < a; i++) {  // column 0 (the padding) and the columns past the plane stay zero
        t[i][0] = 0;
        for (long k = w + 1; k < padded; k++) t[i][k] = 0;
    }
    for (long ty0 = 0; ty0 < th; ty0 += per) {
        long rows = th - ty0 < per ? th - ty0 : per, n = rows * tw;
        for (long ty = ty0; ty < ty0 + rows; ty++) {
            const float *in[6];  // input rows m·ty − 1 …; t's column k is the plane's column k − 1
            for (int r = 0; r < a; r++) {
                long iy = m * ty - 1 + r;
                in[r] = iy >= 0 && iy < h ? x + iy * w : zero;
            }
            for (int i = 0; i < a; i++) {
                float *out = t[i] + 1;
                for (long k = 0; k < w; k++) {
                    float sum = 0;
                    for (int r = 0; r < a; r++) sum += BT[i * a + r] * in[r][k];
                    out[k] = sum;
                }
                for (int c = 0; c < a; c++) {
                    float *phase = d[i][c] + (ty - ty0) * tw;
                    for (long tx = 0; tx < tw; tx++) phase[tx] = t[i][m * tx + c];
                }
            }
        }
        for (int i = 0; i < a; i++)
            for (int j = 0; j < a; j++) {
                float *out = v + (i * a + j) * xiStride + ty0 * tw;
                for (long p = 0; p < n; p++) {
                    float sum = 0;
                    for (int c = 0; c < a; c++) sum += BT[j * a + c] * d[i][c][p];
                    out[p] = sum;
                }
            }
    }
}

// The products of one output channel → Aᵀ·M·A per tile, added onto the plane y [h, w].
ALWAYS_INLINE void output_plane(const float *mm, long xiStride, long h, long w, float *y, int m, const float *AT) {
    const int a = m + 2;
    long th = (h + m - 1) / m, tw = (w + m - 1) / m, per = chunk_rows(tw);
    float s[m][a][per * tw], q[m][m][per * tw], row[m * tw];
    for (long ty0 = 0; ty0 < th; ty0 += per) {
        long rows = th - ty0 < per ? th - ty0 : per, n = rows * tw;
        for (int r = 0; r < m; r++)  // Aᵀ·M
            for (int j = 0; j < a; j++) {
                float *out = s[r][j];
                for (long p = 0; p < n; p++) out[p] = 0;
                for (int i = 0; i < a; i++) {
                    float coefficient = AT[r * a + i];
                    if (coefficient == 0) continue;
                    const float *component = mm + (i * a + j) * xiStride + ty0 * tw;
                    for (long p = 0; p < n; p++) out[p] += coefficient * component[p];
                }
            }
        for (int r = 0; r < m; r++)  // then ·A
            for (int c = 0; c < m; c++)
                for (long p = 0; p < n; p++) {
                    float sum = 0;
                    for (int j = 0; j < a; j++) sum += s[r][j][p] * AT[c * a + j];
                    q[r][c][p] = sum;
                }
        for (long ty = ty0; ty < ty0 + rows; ty++)  // interleaved back into the plane's rows
            for (int r = 0; r < m && m * ty + r < h; r++) {
                for (int c = 0; c < m; c++) {
                    const float *phase = q[r][c] + (ty - ty0) * tw;
                    for (long tx = 0; tx < tw; tx++) row[m * tx + c] = phase[tx];
                }
                float *target = y + (m * ty + r) * w;
                for (long k = 0; k < w; k++) target[k] += row[k];
            }
    }
}

// The adjoint of the output transform: an output-gradient plane dy [h, w] → A·dy·Aᵀ per tile
// (positions past the plane read as zero), laid out as the input plane's components.
ALWAYS_INLINE void output_gradient_plane(const float *dy, long h, long w, float *dm, long xiStride, int m, const float *AT) {
    const int a = m + 2;
    long th = (h + m - 1) / m, tw = (w + m - 1) / m, per = chunk_rows(tw);
    float row[m * tw], e[m][m][per * tw], s[a][m][per * tw];
    for (long ty0 = 0; ty0 < th; ty0 += per) {
        long rows = th - ty0 < per ? th - ty0 : per, n = rows * tw;
        for (long ty = ty0; ty < ty0 + rows; ty++)  // dy's tiles split by phase: e[r][c][tile]
            for (int r = 0; r < m; r++) {
                memset(row, 0, sizeof(row));
                if (m * ty + r < h) memcpy(row, dy + (m * ty + r) * w, sizeof(float) * w);
                for (int c = 0; c < m; c++) {
                    float *phase = e[r][c] + (ty - ty0) * tw;
                    for (long tx = 0; tx < tw; tx++) phase[tx] = row[m * tx + c];
                }
            }
        for (int i = 0; i < a; i++)  // A·dy
            for (int c = 0; c < m; c++)
                for (long p = 0; p < n; p++) {
                    float sum = 0;
                    for (int r = 0; r < m; r++) sum += AT[r * a + i] * e[r][c][p];
                    s[i][c][p] = sum;
                }
        for (int i = 0; i < a; i++)  // then ·Aᵀ
            for (int j = 0; j < a; j++) {
                float *out = dm + (i * a + j) * xiStride + ty0 * tw;
                for (long p = 0; p < n; p++) {
                    float sum = 0;
                    for (int c = 0; c < m; c++) sum += s[i][c][p] * AT[c * a + j];
                    out[p] = sum;
                }
            }
    }
}

MULTIVERSION void dnr_winograd_weights(const float *w, long outC, long inC, int m, float *u) {
    if (m == 4) weights(w, outC * inC, u, 4, &G4[0][0]); else weights(w, outC * inC, u, 2, &G2[0][0]);
}

MULTIVERSION void dnr_winograd_weights_adjoint(const float *du, long outC, long inC, int m, float *dw) {
    if (m == 4) weights_adjoint(du, outC * inC, dw, 4, &G4[0][0]); else weights_adjoint(du, outC * inC, dw, 2, &G2[0][0]);
}

MULTIVERSION void dnr_winograd_input_plane(const float *x, long h, long w, int m, float *v, long xiStride) {
    if (m == 4) input_plane(x, h, w, v, xiStride, 4, &BT4[0][0]); else input_plane(x, h, w, v, xiStride, 2, &BT2[0][0]);
}

MULTIVERSION void dnr_winograd_output_plane(const float *mm, long xiStride, long h, long w, int m, float *y) {
    if (m == 4) output_plane(mm, xiStride, h, w, y, 4, &AT4[0][0]); else output_plane(mm, xiStride, h, w, y, 2, &AT2[0][0]);
}

MULTIVERSION void dnr_winograd_output_gradient_plane(const float *dy, long h, long w, int m, float *dm, long xiStride) {
    if (m == 4) output_gradient_plane(dy, h, w, dm, xiStride, 4, &AT4[0][0]);
    else output_gradient_plane(dy, h, w, dm, xiStride, 2, &AT2[0][0]);
}
