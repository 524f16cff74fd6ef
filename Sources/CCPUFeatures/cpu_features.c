#include "cpu_features.h"

#if defined(__x86_64__) || defined(__i386__)
int dnr_cpu_has_avx2_fma(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

int dnr_cpu_has_avx512_skylakex(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
}
#else
int dnr_cpu_has_avx2_fma(void) { return 0; }
int dnr_cpu_has_avx512_skylakex(void) { return 0; }
#endif
