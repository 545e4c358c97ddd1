/* Gemm.c - single-precision matrix product for compiled kernels.
 *
 * C += op(A) op(B), row-major. op(B) is packed into zero-padded panels of
 * NR columns and KC rows; a register-blocked MR x NR micro-kernel (GCC
 * vector extensions, so it vectorises for whatever -march the runtime is
 * built with) runs over every MR-row strip of op(A). */
#include "Runtime.h"

#include <stdlib.h>
#include <string.h>

enum { MR = 4, NR = 32, KC = 256, LANES = 16 };
typedef float vf __attribute__((vector_size(LANES * sizeof(float))));

/* Packs op(B)[k0:k0+kc, j0:j0+NR] into panel[kc][NR], zero-padded. */
static void packB(const float *b, int transB, int64_t n, int64_t k,
                  int64_t k0, int64_t kc, int64_t j0, float *panel) {
  int64_t cols = n - j0 < NR ? n - j0 : NR;
  for (int64_t kk = 0; kk < kc; ++kk) {
    float *dst = panel + kk * NR;
    if (!transB) {
      memcpy(dst, b + (k0 + kk) * n + j0, (size_t)cols * sizeof(float));
    } else {
      for (int64_t j = 0; j < cols; ++j)
        dst[j] = b[(j0 + j) * k + k0 + kk];
    }
    for (int64_t j = cols; j < NR; ++j)
      dst[j] = 0.0f;
  }
}

static void microKernel(const float *a, int64_t rowStride, int64_t kStride,
                        const float *panel, int64_t kc, int64_t rows,
                        float *c, int64_t ldc, int64_t cols) {
  vf acc[MR][NR / LANES];
  memset(acc, 0, sizeof acc);
  for (int64_t kk = 0; kk < kc; ++kk) {
    vf bv[NR / LANES];
    memcpy(bv, panel + kk * NR, sizeof bv);
    for (int r = 0; r < MR; ++r) {
      float av = r < rows ? a[r * rowStride + kk * kStride] : 0.0f;
      for (int v = 0; v < NR / LANES; ++v)
        acc[r][v] += av * bv[v];
    }
  }
  for (int r = 0; r < rows; ++r) {
    float out[NR];
    memcpy(out, acc[r], sizeof out);
    float *crow = c + r * ldc;
    for (int64_t j = 0; j < cols; ++j)
      crow[j] += out[j];
  }
}

void pcc_rt_sgemm(int64_t transA, int64_t transB, int64_t m, int64_t n,
                  int64_t k, int64_t aAddr, int64_t bAddr, int64_t cAddr) {
  const float *a = (const float *)(intptr_t)aAddr;
  const float *b = (const float *)(intptr_t)bAddr;
  float *c = (float *)(intptr_t)cAddr;
  /* op(A)[i][kk] = a[i * rowStride + kk * kStride] */
  int64_t rowStride = transA ? 1 : k, kStride = transA ? m : 1;
  float panel[KC * NR] __attribute__((aligned(64)));
  for (int64_t k0 = 0; k0 < k; k0 += KC) {
    int64_t kc = k - k0 < KC ? k - k0 : KC;
    for (int64_t j0 = 0; j0 < n; j0 += NR) {
      int64_t cols = n - j0 < NR ? n - j0 : NR;
      packB(b, (int)transB, n, k, k0, kc, j0, panel);
      for (int64_t i0 = 0; i0 < m; i0 += MR) {
        int64_t rows = m - i0 < MR ? m - i0 : MR;
        microKernel(a + i0 * rowStride + k0 * kStride, rowStride, kStride,
                    panel, kc, rows, c + i0 * n + j0, n, cols);
      }
    }
  }
}

void pcc_rt_sgemm_batched(int64_t batch, int64_t transA, int64_t transB,
                          int64_t m, int64_t n, int64_t k, int64_t aAddr,
                          int64_t bAddr, int64_t cAddr) {
  const float *a = (const float *)(intptr_t)aAddr;
  const float *b = (const float *)(intptr_t)bAddr;
  float *c = (float *)(intptr_t)cAddr;
  for (int64_t i = 0; i < batch; ++i)
    pcc_rt_sgemm(transA, transB, m, n, k, (int64_t)(intptr_t)(a + i * m * k),
                 (int64_t)(intptr_t)(b + i * k * n),
                 (int64_t)(intptr_t)(c + i * m * n));
}
