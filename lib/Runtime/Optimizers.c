/* Optimizers.c - parameter updates from the local gradient estimates. */
#include "Runtime.h"

#include <math.h>

void pcc_rt_sgd(float *p, const float *g, int64_t n, float lr) {
  for (int64_t i = 0; i < n; ++i)
    p[i] -= lr * g[i];
}

/* Adam (Kingma & Ba) with beta1 0.9, beta2 0.999, eps 1e-8, bias-corrected
 * exactly as torch.optim.Adam. */
void pcc_rt_adam(float *p, const float *g, float *mom, float *vel, int64_t n,
                 float lr, int64_t step) {
  const float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
  float c1 = 1.0f - powf(b1, (float)step);
  float c2 = sqrtf(1.0f - powf(b2, (float)step));
  float stepSize = lr / c1;
  for (int64_t i = 0; i < n; ++i) {
    mom[i] = b1 * mom[i] + (1.0f - b1) * g[i];
    vel[i] = b2 * vel[i] + (1.0f - b2) * g[i] * g[i];
    p[i] -= stepSize * mom[i] / (sqrtf(vel[i]) / c2 + eps);
  }
}
