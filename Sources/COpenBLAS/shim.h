// The CBLAS constants of the SGEMM that chunked (many-token) projections run on (OpenBLAS; Debian:
// libopenblas0 at run time, libopenblas-dev to build it from source elsewhere). marsim loads the
// library at run time (dlopen) after choosing its kernel family, so this module links nothing;
// the values are the reference CBLAS ones (cblas.h: CblasRowMajor 101, CblasNoTrans 111, CblasTrans 112).
#ifndef MARSIM_COPENBLAS_SHIM_H
#define MARSIM_COPENBLAS_SHIM_H

typedef enum { MarsimCblasRowMajor = 101, MarsimCblasColMajor = 102 } MarsimCblasOrder;
typedef enum { MarsimCblasNoTrans = 111, MarsimCblasTrans = 112 } MarsimCblasTranspose;

/// cblas_sgemm's signature, for the pointer dlsym returns.
typedef void (*marsim_cblas_sgemm_fn)(MarsimCblasOrder order, MarsimCblasTranspose transA, MarsimCblasTranspose transB,
                                      int m, int n, int k, float alpha, const float *a, int lda,
                                      const float *b, int ldb, float beta, float *c, int ldc);

#endif
