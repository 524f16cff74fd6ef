#ifndef DNR_MULTIVERSION_H
#define DNR_MULTIVERSION_H

// MULTIVERSION compiles a function for AVX-512, AVX2+FMA and the baseline x86-64; the loader picks
// the variant for the CPU it runs on.
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

#endif
