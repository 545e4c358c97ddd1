/* Query.c - pcc_infer and pcc_train_query: relaxation with free inputs, a
 * masked target and clamped hidden tensors (pcc.h), on the query kernel. */
#include "ModelImpl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define fail pcc_rt_fail

void pcc_rt_free_query_buffers(const pcc_rt_desc *d, pcc_rt_model *m) {
  pcc_rt_query_buffers *q = m->query;
  if (!q)
    return;
  if (q->inputs)
    for (int64_t i = 0; i < d->num_inputs; ++i)
      free(q->inputs[i]);
  free(q->inputs);
  free(q->output);
  free(q->target);
  free(q->zeros);
  free(q->ones);
  free(q->input_free);
  free(q->clamp_masks);
  free(q->clamp_values);
  free(q);
  m->query = NULL;
}

static int64_t maxSize(const pcc_rt_desc *d) {
  int64_t n = d->output_size;
  for (int64_t i = 0; i < d->num_inputs; ++i)
    if (d->input_sizes[i] > n)
      n = d->input_sizes[i];
  for (int64_t i = 0; i < d->hidden.count; ++i)
    if (d->hidden.sizes[i] > n)
      n = d->hidden.sizes[i];
  return n;
}

static int allocQueryBuffers(const pcc_rt_desc *d, pcc_rt_model *m) {
  if (m->query)
    return 0;
  pcc_rt_query_buffers *q = calloc(1, sizeof *q);
  m->query = q;
  if (!q)
    return fail(m, "out of memory for the query buffers");
  size_t inputs = (size_t)d->num_inputs + 1,
         hidden = (size_t)d->hidden.count + 1;
  q->inputs = calloc(inputs, sizeof(float *));
  q->input_free = calloc(inputs, sizeof(float *));
  q->clamp_masks = calloc(hidden, sizeof(float *));
  q->clamp_values = calloc(hidden, sizeof(float *));
  q->output = calloc((size_t)d->output_size + 1, sizeof(float));
  q->target = calloc((size_t)d->output_size + 1, sizeof(float));
  int64_t largest = maxSize(d);
  q->zeros = calloc((size_t)largest + 1, sizeof(float));
  q->ones = malloc(((size_t)largest + 1) * sizeof(float));
  int ok = q->inputs && q->input_free && q->clamp_masks && q->clamp_values &&
           q->output && q->target && q->zeros && q->ones;
  for (int64_t i = 0; ok && i < largest; ++i)
    q->ones[i] = 1.0f;
  for (int64_t i = 0; ok && i < d->num_inputs; ++i)
    ok = (q->inputs[i] =
              calloc((size_t)d->input_sizes[i] + 1, sizeof(float))) != NULL;
  if (!ok) {
    pcc_rt_free_query_buffers(d, m);
    return fail(m, "out of memory for the query buffers");
  }
  return 0;
}

/* Fails unless every element of the mask is 0 or 1. */
static int checkMask(pcc_rt_model *m, const char *what, const char *name,
                     const float *mask, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    if (mask[i] != 0.0f && mask[i] != 1.0f)
      return fail(m, "%s%s: element %lld is %g; a mask holds 0 or 1", what,
                  name, (long long)i, (double)mask[i]);
  return 0;
}

static int64_t hiddenIndex(const pcc_rt_desc *d, const char *name) {
  for (int64_t i = 0; i < d->hidden.count; ++i)
    if (strcmp(d->hidden.names[i], name) == 0)
      return i;
  return -1;
}

static int unknownHidden(const pcc_rt_desc *d, pcc_rt_model *m, int64_t k,
                         const char *name) {
  char list[320] = "";
  size_t used = 0;
  for (int64_t i = 0; i < d->hidden.count; ++i) {
    size_t len = strlen(d->hidden.names[i]);
    if (used + len + 8 >= sizeof list) {
      strcpy(list + used, ", ...");
      break;
    }
    used += (size_t)snprintf(list + used, sizeof list - used, "%s'%s'",
                             i ? ", " : "", d->hidden.names[i]);
  }
  return fail(m,
              "clamp_names[%lld]: no hidden tensor named '%s' (an input is "
              "freed with free_inputs, the output masked with target_mask; "
              "hidden tensors: %s)",
              (long long)k, name, d->hidden.count ? list : "none");
}

/* The clamp masks and values in the kernel's order (hidden tensors not
 * clamped get zeros). */
static int resolveClamps(const pcc_rt_desc *d, pcc_rt_model *m,
                         const pcc_query *q) {
  pcc_rt_query_buffers *b = m->query;
  for (int64_t i = 0; i < d->hidden.count; ++i) {
    b->clamp_masks[i] = b->zeros;
    b->clamp_values[i] = b->zeros;
  }
  if (q->num_clamps < 0)
    return fail(m, "num_clamps is %lld; expected >= 0",
                (long long)q->num_clamps);
  if (q->num_clamps > 0 && (!q->clamp_names || !q->clamp_values))
    return fail(m,
                "num_clamps is %lld but clamp_names or clamp_values is "
                "NULL",
                (long long)q->num_clamps);
  for (int64_t k = 0; k < q->num_clamps; ++k) {
    const char *name = q->clamp_names[k];
    if (!name)
      return fail(m, "clamp_names[%lld] is NULL", (long long)k);
    int64_t i = hiddenIndex(d, name);
    if (i < 0)
      return unknownHidden(d, m, k, name);
    if (b->clamp_values[i] != b->zeros)
      return fail(m, "hidden tensor '%s' is clamped twice", name);
    if (!q->clamp_values[k])
      return fail(m, "clamp_values[%lld] (hidden tensor '%s') is NULL",
                  (long long)k, name);
    b->clamp_values[i] = q->clamp_values[k];
    const float *mask = q->clamp_masks ? q->clamp_masks[k] : NULL;
    if (mask && checkMask(m, "clamp_masks of hidden tensor ", name, mask,
                          d->hidden.sizes[i]))
      return 1;
    b->clamp_masks[i] = mask ? mask : b->ones; /* no mask: all of it */
  }
  return 0;
}

int pcc_rt_query(const pcc_rt_desc *d, pcc_rt_model *m, const pcc_query *q,
                 float *const *relaxed_inputs, float *output,
                 pcc_step_stats *stats, int update) {
  if (!m)
    return 1;
  if (!d->query)
    return fail(m,
                "this library was compiled without queries (pcc --queries=on; "
                "Python: pcc.compile(..., queries=True))");
  if (!q)
    return fail(m, "query is NULL");
  if (pcc_rt_check_inputs(d, m, q->inputs) || allocQueryBuffers(d, m))
    return 1;
  pcc_rt_query_buffers *b = m->query;
  char what[64];
  for (int64_t i = 0; i < d->num_inputs; ++i) {
    const float *mask = q->free_inputs ? q->free_inputs[i] : NULL;
    snprintf(what, sizeof what, "free_inputs[%lld]", (long long)i);
    if (mask && checkMask(m, what, "", mask, d->input_sizes[i]))
      return 1;
    b->input_free[i] = mask ? mask : b->zeros;
  }
  const float *target = q->target, *targetMask = q->target_mask;
  if (!target && targetMask)
    return fail(m, "target_mask is given but target is NULL (the target "
                   "holds the observed values and where the masked ones "
                   "start)");
  if (targetMask && checkMask(m, "target_mask", "", targetMask, d->output_size))
    return 1;
  if (d->loss == PCC_RT_CE) {
    int partial = !target;
    for (int64_t i = 0; targetMask && !partial && i < d->output_size; ++i)
      partial = targetMask[i] != 0.0f;
    if (partial)
      return fail(m, "a library compiled with --loss=ce cannot leave the "
                     "target partly or wholly free (the cross-entropy does "
                     "not split over elements; compile with --loss=mse)");
  }
  if (resolveClamps(d, m, q))
    return 1;
  int64_t steps = q->steps ? q->steps : m->inference_steps;
  if (steps < 0 || steps > 1000000000)
    return fail(m,
                "steps is %lld; expected 0 (the inference_steps "
                "hyper-parameter) to 1e9",
                (long long)q->steps);
  double rate = q->rate ? q->rate : m->inference_rate;
  if (!(rate > 0) || !isfinite(rate))
    return fail(m,
                "rate is %g; expected 0 (the inference_rate "
                "hyper-parameter) or a finite rate > 0",
                q->rate);
  if (!(q->momentum >= 0 && q->momentum < 1))
    return fail(m,
                "momentum is %g; expected 0 (plain gradient descent) to "
                "less than 1",
                q->momentum);
  if (!target) {
    /* Nothing observed: the output value node starts at the prediction. */
    d->predict(m->params, m->states, q->inputs, b->target);
    target = b->target;
    targetMask = b->ones;
  }

  float loss = 0.0f, energy = 0.0f;
  d->query(m->params, m->states, q->inputs, b->input_free, target,
           targetMask ? targetMask : b->zeros, b->clamp_masks, b->clamp_values,
           steps, (float)rate, (float)q->momentum, b->inputs, b->output,
           m->grads, m->next_states, &loss, &energy);
  for (int64_t i = 0; relaxed_inputs && i < d->num_inputs; ++i)
    if (relaxed_inputs[i])
      memcpy(relaxed_inputs[i], b->inputs[i],
             (size_t)d->input_sizes[i] * sizeof(float));
  if (output)
    memcpy(output, b->output, (size_t)d->output_size * sizeof(float));
  /* pcc_infer leaves the gradients for pcc_apply_gradients to check. */
  return pcc_rt_finish_step(d, m, loss, energy, steps, stats,
                            update ? PCC_RT_UPDATE : PCC_RT_REPORT);
}
