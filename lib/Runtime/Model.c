/* Model.c - the library ABI (pcc.h) on top of the compiled kernels. */
#include "ModelImpl.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pcc_rt_fail(pcc_rt_model *m, const char *fmt, ...) {
  if (m) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->error, sizeof m->error, fmt, ap);
    va_end(ap);
  }
  return 1;
}
#define fail pcc_rt_fail

static float **allocBuffers(const pcc_rt_tensors *t) {
  float **bufs = calloc((size_t)t->count + 1, sizeof(float *));
  if (!bufs)
    return NULL;
  for (int64_t i = 0; i < t->count; ++i) {
    bufs[i] = calloc((size_t)t->sizes[i] + 1, sizeof(float));
    if (!bufs[i])
      return NULL; /* the caller frees what was allocated */
  }
  return bufs;
}

static void freeBuffers(const pcc_rt_tensors *t, float **bufs) {
  if (!bufs)
    return;
  for (int64_t i = 0; i < t->count; ++i)
    free(bufs[i]);
  free(bufs);
}

static void copyInit(const pcc_rt_tensors *t, float **bufs) {
  const float *src = t->init;
  for (int64_t i = 0; i < t->count; ++i) {
    memcpy(bufs[i], src, (size_t)t->sizes[i] * sizeof(float));
    src += t->sizes[i];
  }
}

void pcc_rt_destroy_with(const pcc_rt_desc *d, pcc_rt_model *m) {
  if (!m)
    return;
  freeBuffers(&d->params, m->params);
  freeBuffers(&d->params, m->grads);
  freeBuffers(&d->params, m->moments);
  freeBuffers(&d->params, m->velocities);
  freeBuffers(&d->states, m->states);
  freeBuffers(&d->states, m->next_states);
  freeBuffers(&d->params, m->next_params);
  freeBuffers(&d->params, m->next_moments);
  freeBuffers(&d->params, m->next_velocities);
  pcc_rt_free_query_buffers(d, m);
  free(m);
}

pcc_rt_model *pcc_rt_create(const pcc_rt_desc *d) {
  pcc_rt_model *m = calloc(1, sizeof *m);
  if (!m)
    return NULL;
  m->params = allocBuffers(&d->params);
  m->grads = allocBuffers(&d->params);
  m->moments = allocBuffers(&d->params);
  m->velocities = allocBuffers(&d->params);
  m->states = allocBuffers(&d->states);
  m->next_states = allocBuffers(&d->states);
  if (d->train_incremental) {
    m->next_params = allocBuffers(&d->params);
    m->next_moments = allocBuffers(&d->params);
    m->next_velocities = allocBuffers(&d->params);
  }
  int incompleteIncremental =
      d->train_incremental &&
      (!m->next_params || !m->next_moments || !m->next_velocities);
  if (!m->params || !m->grads || !m->moments || !m->velocities || !m->states ||
      !m->next_states || incompleteIncremental) {
    /* allocBuffers leaves partially filled arrays zeroed past the failure */
    pcc_rt_destroy_with(d, m);
    return NULL;
  }
  copyInit(&d->params, m->params);
  copyInit(&d->states, m->states);
  m->learning_rate = d->learning_rate;
  m->inference_rate = d->inference_rate;
  m->nudge = d->nudge;
  m->inference_steps = d->inference_steps;
  m->error[0] = '\0';
  return m;
}

int pcc_rt_check_inputs(const pcc_rt_desc *d, pcc_rt_model *m,
                        const float *const *inputs) {
  if (!inputs)
    return fail(m, "inputs is NULL (expected an array of %lld pointers)",
                (long long)d->num_inputs);
  for (int64_t i = 0; i < d->num_inputs; ++i)
    if (!inputs[i])
      return fail(m, "inputs[%lld] is NULL", (long long)i);
  return 0;
}

int pcc_rt_predict(const pcc_rt_desc *d, pcc_rt_model *m,
                   const float *const *inputs, float *output) {
  if (!m)
    return 1;
  if (pcc_rt_check_inputs(d, m, inputs))
    return 1;
  if (!output)
    return fail(m, "output is NULL (expected %lld floats)",
                (long long)d->output_size);
  d->predict(m->params, m->states, inputs, output);
  return 0;
}

/* Fails (returns 1 with the message) when a trainable parameter's gradient
 * has an infinite or NaN element. */
static int checkGradients(const pcc_rt_desc *d, pcc_rt_model *m,
                          const float *const *grads) {
  for (int64_t i = 0; i < d->params.count; ++i) {
    if (!d->param_trainable[i])
      continue;
    int64_t at = pcc_rt_first_nonfinite(grads[i], d->params.sizes[i]);
    if (at >= 0)
      return fail(m, "the gradient of parameter '%s' is not finite (element "
                     "%lld is %g); " UNCHANGED,
                  d->params.names[i], (long long)at, (double)grads[i][at]);
  }
  return 0;
}

/* One optimizer step of every trainable parameter along grads[i], made only
 * when every new parameter and optimizer value is finite (checked first,
 * with the same arithmetic); otherwise nothing changes and it fails. */
static int applyUpdate(const pcc_rt_desc *d, pcc_rt_model *m,
                       const float *const *grads) {
  if (checkGradients(d, m, grads))
    return 1;
  int64_t step = m->adam_step + 1;
  float lr = (float)m->learning_rate;
  for (int64_t i = 0; i < d->params.count; ++i) {
    if (!d->param_trainable[i])
      continue;
    int64_t n = d->params.sizes[i];
    int ok = d->optimizer == PCC_RT_ADAM
                 ? pcc_rt_adam_finite(m->params[i], grads[i], m->moments[i],
                                      m->velocities[i], n, lr, step)
                 : pcc_rt_sgd_finite(m->params[i], grads[i], n, lr);
    if (!ok)
      return fail(m, "the update would make parameter '%s' or its optimizer "
                     "state not finite (training diverged; lower "
                     "learning_rate?); " UNCHANGED,
                  d->params.names[i]);
  }
  m->adam_step = step;
  for (int64_t i = 0; i < d->params.count; ++i) {
    if (!d->param_trainable[i])
      continue;
    if (d->optimizer == PCC_RT_ADAM)
      pcc_rt_adam(m->params[i], grads[i], m->moments[i], m->velocities[i],
                  d->params.sizes[i], lr, step);
    else
      pcc_rt_sgd(m->params[i], grads[i], d->params.sizes[i], lr);
  }
  return 0;
}

int pcc_rt_apply_gradients(const pcc_rt_desc *d, pcc_rt_model *m,
                           const float *const *grads) {
  if (!m)
    return 1;
  if (!grads)
    return applyUpdate(d, m, (const float *const *)m->grads);
  for (int64_t i = 0; i < d->params.count; ++i)
    if (!grads[i] && d->param_trainable[i])
      return fail(m, "grads[%lld] (parameter '%s') is NULL", (long long)i,
                  d->params.names[i]);
  return applyUpdate(d, m, grads);
}

int64_t pcc_rt_optimizer_step(pcc_rt_model *m) { return m ? m->adam_step : -1; }

int pcc_rt_set_optimizer_step(pcc_rt_model *m, int64_t step) {
  if (!m)
    return 1;
  if (step < 0)
    return fail(m, "optimizer step must be >= 0, got %lld", (long long)step);
  m->adam_step = step;
  return 0;
}

float *pcc_rt_optimizer_state(const pcc_rt_desc *d, pcc_rt_model *m,
                              int64_t i, int64_t which) {
  if (!m || d->optimizer != PCC_RT_ADAM || i < 0 || i >= d->params.count)
    return NULL;
  return which == 0 ? m->moments[i] : which == 1 ? m->velocities[i] : NULL;
}

/* Fails when element `at` (>= 0) of tensor `name` is not finite. */
static int failNonFinite(pcc_rt_model *m, const char *what, const char *name,
                         int64_t at, float value) {
  return fail(m,
              "the new %s of '%s' is not finite (element %lld is %g; "
              "training diverged: lower learning_rate?); " UNCHANGED,
              what, name, (long long)at, (double)value);
}

/* 0 when every element of the kernel's new params, moments and states is
 * finite; otherwise fails naming the first bad tensor. */
static int checkIncremental(const pcc_rt_desc *d, pcc_rt_model *m) {
  for (int64_t i = 0; i < d->params.count; ++i) {
    struct {
      const char *what;
      float *data;
    } outs[] = {{"value", m->next_params[i]},
                {"first moment", m->next_moments[i]},
                {"second moment", m->next_velocities[i]}};
    for (int k = 0; k < 3; ++k) {
      int64_t at = pcc_rt_first_nonfinite(outs[k].data, d->params.sizes[i]);
      if (at >= 0)
        return failNonFinite(m, outs[k].what, d->params.names[i], at,
                             outs[k].data[at]);
    }
  }
  for (int64_t i = 0; i < d->states.count; ++i) {
    int64_t at = pcc_rt_first_nonfinite(m->next_states[i], d->states.sizes[i]);
    if (at >= 0)
      return failNonFinite(m, "value", d->states.names[i], at,
                           m->next_states[i][at]);
  }
  return 0;
}

/* ipc: the kernel moves the parameters at every inference step; the model
 * adopts them, their moments and the states when all are finite. */
static int trainIncremental(const pcc_rt_desc *d, pcc_rt_model *m,
                            const float *const *inputs, const float *target,
                            pcc_step_stats *stats, int update) {
  if (!update)
    return fail(m, "this library trains by ipc, whose parameters take an "
                   "optimizer step at every inference step: there is no "
                   "single gradient to compute (use train_step)");
  int64_t steps = m->inference_steps;
  float loss = 0.0f, energy = 0.0f;
  float beta1Power = powf(0.9f, (float)m->adam_step);
  float beta2Power = powf(0.999f, (float)m->adam_step);
  d->train_incremental(m->params, m->states, m->moments, m->velocities, inputs,
                       target, steps, (float)m->inference_rate, (float)m->nudge,
                       (float)m->learning_rate, beta1Power, beta2Power,
                       m->next_params, m->next_moments, m->next_velocities,
                       m->next_states, &loss, &energy);
  if (pcc_rt_finish_step(d, m, loss, energy, steps, stats, PCC_RT_REPORT) ||
      checkIncremental(d, m))
    return 1;
  /* Copied, not swapped: callers may hold pcc_param_data pointers. */
  for (int64_t i = 0; i < d->params.count; ++i) {
    size_t bytes = (size_t)d->params.sizes[i] * sizeof(float);
    memcpy(m->params[i], m->next_params[i], bytes);
    memcpy(m->moments[i], m->next_moments[i], bytes);
    memcpy(m->velocities[i], m->next_velocities[i], bytes);
  }
  float **s = m->states;
  m->states = m->next_states;
  m->next_states = s;
  m->adam_step += steps;
  return 0;
}

int pcc_rt_train(const pcc_rt_desc *d, pcc_rt_model *m,
                 const float *const *inputs, const float *target,
                 pcc_step_stats *stats, int update) {
  if (!m)
    return 1;
  if (pcc_rt_check_inputs(d, m, inputs))
    return 1;
  if (!target)
    return fail(m, "target is NULL (expected %lld floats)",
                (long long)d->output_size);
  if (d->train_incremental)
    return trainIncremental(d, m, inputs, target, stats, update);
  int64_t steps = d->fixed_steps > 0 ? d->fixed_steps : m->inference_steps;
  float loss = 0.0f, energy = 0.0f;
  d->train(m->params, m->states, inputs, target, steps,
           (float)m->inference_rate, (float)m->nudge, m->grads, m->next_states,
           &loss, &energy);
  return pcc_rt_finish_step(d, m, loss, energy, steps, stats,
                            update ? PCC_RT_UPDATE : PCC_RT_CHECK_GRADIENTS);
}

int pcc_rt_finish_step(const pcc_rt_desc *d, pcc_rt_model *m, float loss,
                       float energy, int64_t steps, pcc_step_stats *stats,
                       pcc_rt_step_mode mode) {
  if (stats) {
    stats->loss = loss;
    stats->energy = energy;
    stats->steps = (int32_t)steps;
  }
  if (!isfinite(loss))
    return fail(m, "the loss is not finite (%g); " UNCHANGED, (double)loss);
  if (!isfinite(energy))
    return fail(m, "the energy is not finite (%g); " UNCHANGED,
                (double)energy);
  if (mode == PCC_RT_REPORT)
    return 0;
  if (mode == PCC_RT_CHECK_GRADIENTS)
    return checkGradients(d, m, (const float *const *)m->grads);
  for (int64_t i = 0; i < d->states.count; ++i) {
    int64_t at = pcc_rt_first_nonfinite(m->next_states[i], d->states.sizes[i]);
    if (at >= 0)
      return fail(m, "the new value of state '%s' is not finite (element "
                     "%lld is %g); " UNCHANGED,
                  d->states.names[i], (long long)at,
                  (double)m->next_states[i][at]);
  }
  if (applyUpdate(d, m, (const float *const *)m->grads))
    return 1;
  /* The step's state becomes the state. */
  float **s = m->states;
  m->states = m->next_states;
  m->next_states = s;
  return 0;
}

static int validIndex(const pcc_rt_tensors *t, int64_t i) {
  return i >= 0 && i < t->count;
}

const char *pcc_rt_tensor_name(const pcc_rt_tensors *t, int64_t i) {
  return validIndex(t, i) ? t->names[i] : NULL;
}
int64_t pcc_rt_tensor_rank(const pcc_rt_tensors *t, int64_t i) {
  return validIndex(t, i) ? t->ranks[i] : -1;
}
const int64_t *pcc_rt_tensor_shape(const pcc_rt_tensors *t, int64_t i) {
  return validIndex(t, i) ? t->shapes[i] : NULL;
}
float *pcc_rt_param_data(const pcc_rt_desc *d, pcc_rt_model *m, int64_t i) {
  return m && validIndex(&d->params, i) ? m->params[i] : NULL;
}
float *pcc_rt_state_data(const pcc_rt_desc *d, pcc_rt_model *m, int64_t i) {
  return m && validIndex(&d->states, i) ? m->states[i] : NULL;
}
const float *pcc_rt_param_grad(const pcc_rt_desc *d, pcc_rt_model *m,
                               int64_t i) {
  return m && validIndex(&d->params, i) ? m->grads[i] : NULL;
}

int pcc_rt_set_hyperparameter(pcc_rt_model *m, const char *name,
                              double value) {
  if (!m)
    return 1;
  if (!name)
    return fail(m, "hyper-parameter name is NULL");
  if (!isfinite(value))
    return fail(m, "hyper-parameter '%s' must be finite", name);
  if (strcmp(name, "learning_rate") == 0) {
    if (value < 0)
      return fail(m, "learning_rate must be >= 0, got %g", value);
    m->learning_rate = value;
    return 0;
  }
  if (strcmp(name, "inference_rate") == 0) {
    if (value <= 0)
      return fail(m, "inference_rate must be > 0, got %g", value);
    m->inference_rate = value;
    return 0;
  }
  if (strcmp(name, "inference_steps") == 0) {
    if (value < 1 || value > 1e9 || value != floor(value))
      return fail(m, "inference_steps must be a whole number from 1 to 1e9, "
                     "got %g", value);
    m->inference_steps = (int64_t)value;
    return 0;
  }
  if (strcmp(name, "nudge") == 0) {
    if (m->nudge == 0)
      return fail(m, "nudge: this library is not nudged (compile it with "
                     "--nudge-mode=positive, negative or centered)");
    if (value <= 0)
      return fail(m, "nudge must be > 0, got %g", value);
    m->nudge = value;
    return 0;
  }
  return fail(m,
              "unknown hyper-parameter '%s' (expected learning_rate, "
              "inference_rate, inference_steps or nudge)",
              name);
}

const char *pcc_rt_last_error(pcc_rt_model *m) {
  if (!m)
    return "model is NULL";
  return m->error;
}

int pcc_rt_save(const pcc_rt_desc *d, pcc_rt_model *m, const char *path) {
  if (!m)
    return 1;
  return pcc_rt_save_checkpoint(d, m, m->params, m->moments, m->velocities,
                                m->states, m->adam_step, path);
}

int pcc_rt_load(const pcc_rt_desc *d, pcc_rt_model *m, const char *path) {
  if (!m)
    return 1;
  return pcc_rt_load_checkpoint(d, m, m->params, m->moments, m->velocities,
                                m->states, &m->adam_step, path);
}
