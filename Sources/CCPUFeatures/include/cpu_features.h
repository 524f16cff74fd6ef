#ifndef DNR_CPU_FEATURES_H
#define DNR_CPU_FEATURES_H

// What the CPU (and the operating system, which must save the wide registers) supports, from cpuid
// and xgetbv through the compiler's runtime. Each returns 1 or 0; 0 on other architectures.

/// AVX2 and FMA: what OpenBLAS's Haswell kernels need.
int dnr_cpu_has_avx2_fma(void);
/// AVX-512 F, CD, BW, DQ and VL: what OpenBLAS's SkylakeX kernels need.
int dnr_cpu_has_avx512_skylakex(void);

#endif
