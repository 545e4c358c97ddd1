/* ModelImpl.h - a model's buffers, shared by the runtime's sources. */
#ifndef PCC_RUNTIME_MODELIMPL_H
#define PCC_RUNTIME_MODELIMPL_H

#include "Runtime.h"

/* What pcc_infer and pcc_train_query need besides the model's buffers,
 * allocated by the first query. */
typedef struct pcc_rt_query_buffers {
  float **inputs; /* the relaxed inputs */
  float *output;  /* the relaxed output value node */
  float *target;  /* the prediction, when a query gives no target */
  /* As large as the largest input, hidden or output tensor. */
  float *zeros, *ones;
  const float **input_free, **clamp_masks, **clamp_values;
} pcc_rt_query_buffers;

struct pcc_rt_model {
  float **params, **grads, **moments, **velocities;
  /* The state, and where a training step writes the next state. */
  float **states, **next_states;
  /* ipc: where its kernel writes the parameters and moments (NULL
   * otherwise). */
  float **next_params, **next_moments, **next_velocities;
  double learning_rate, inference_rate;
  double nudge; /* 0: the library is not nudged */
  int64_t inference_steps, adam_step;
  pcc_rt_query_buffers *query;
  char error[512];
};

#define UNCHANGED "parameters, optimizer state and states left unchanged"

void pcc_rt_free_query_buffers(const pcc_rt_desc *d, pcc_rt_model *m);
int pcc_rt_check_inputs(const pcc_rt_desc *d, pcc_rt_model *m,
                        const float *const *inputs);
typedef enum {
  PCC_RT_REPORT,          /* stats and the loss and energy checked */
  PCC_RT_CHECK_GRADIENTS, /* ... and the gradients */
  PCC_RT_UPDATE           /* ... and the update made, next states adopted */
} pcc_rt_step_mode;

/* After a kernel filled m->grads and m->next_states: reports the stats and
 * fails on a non-finite loss or energy; then goes as far as `mode` says,
 * changing the model only if everything it writes is finite. */
int pcc_rt_finish_step(const pcc_rt_desc *d, pcc_rt_model *m, float loss,
                       float energy, int64_t steps, pcc_step_stats *stats,
                       pcc_rt_step_mode mode);

#endif
