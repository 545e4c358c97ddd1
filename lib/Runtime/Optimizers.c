/* Optimizers.c - parameter updates from the local gradient estimates.
 *
 * Every update comes in two forms that compute the same values: one that
 * only says whether all the new values would be finite, and one that writes
 * them. The file is compiled without floating-point contraction
 * (-ffp-contract=off), so that both forms round identically whatever the
 * vectoriser does: a step that passes the check writes exactly the values
 * that were checked. */
#include "Runtime.h"

#include <float.h>
#include <math.h>

/* 1 when x is neither infinite nor NaN (vectorises, unlike isfinite). */
static inline int isFiniteValue(float x) { return fabsf(x) <= FLT_MAX; }

int pcc_rt_sgd_finite(const float *p, const float *g, int64_t n, float lr) {
  int ok = 1;
  for (int64_t i = 0; i < n; ++i)
    ok &= isFiniteValue(p[i] - lr * g[i]);
  return ok;
}

void pcc_rt_sgd(float *p, const float *g, int64_t n, float lr) {
  for (int64_t i = 0; i < n; ++i)
    p[i] = p[i] - lr * g[i];
}

/* Adam (Kingma & Ba) with beta1 0.9, beta2 0.999, eps 1e-8, bias-corrected
 * exactly as torch.optim.Adam. */
typedef struct {
  float b1, b2, eps, c2, stepSize;
} AdamConstants;

static AdamConstants adamConstants(float lr, int64_t step) {
  AdamConstants k = {0.9f, 0.999f, 1e-8f, 0, 0};
  float c1 = 1.0f - powf(k.b1, (float)step);
  k.c2 = sqrtf(1.0f - powf(k.b2, (float)step));
  k.stepSize = lr / c1;
  return k;
}

int pcc_rt_adam_finite(const float *p, const float *g, const float *mom,
                       const float *vel, int64_t n, float lr, int64_t step) {
  AdamConstants k = adamConstants(lr, step);
  int ok = 1;
  for (int64_t i = 0; i < n; ++i) {
    float m = k.b1 * mom[i] + (1.0f - k.b1) * g[i];
    float v = k.b2 * vel[i] + (1.0f - k.b2) * g[i] * g[i];
    float q = p[i] - k.stepSize * m / (sqrtf(v) / k.c2 + k.eps);
    ok &= isFiniteValue(m) & isFiniteValue(v) & isFiniteValue(q);
  }
  return ok;
}

void pcc_rt_adam(float *p, const float *g, float *mom, float *vel, int64_t n,
                 float lr, int64_t step) {
  AdamConstants k = adamConstants(lr, step);
  for (int64_t i = 0; i < n; ++i) {
    float m = k.b1 * mom[i] + (1.0f - k.b1) * g[i];
    float v = k.b2 * vel[i] + (1.0f - k.b2) * g[i] * g[i];
    mom[i] = m;
    vel[i] = v;
    p[i] = p[i] - k.stepSize * m / (sqrtf(v) / k.c2 + k.eps);
  }
}

int64_t pcc_rt_first_nonfinite(const float *x, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    if (!isFiniteValue(x[i]))
      return i;
  return -1;
}
