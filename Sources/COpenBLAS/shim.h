#include <cblas.h>
// LAPACK's symmetric eigensolver, which OpenBLAS bundles (Fortran calling convention).
extern void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
                   double *work, const int *lwork, int *info);
