/* Runtime.h - the interface between generated glue and pcc's runtime.
 *
 * The glue that pcc generates for each model, in LLVM IR (lib/Target/
 * Glue.cpp), holds a pcc_rt_desc (shapes, names, initial values, the
 * compiled kernels) and forwards every ABI function to the pcc_rt_*
 * implementation here. It writes the descriptor as an LLVM struct: a change
 * to its fields must change Glue.cpp's %pcc.desc and kDescSize too. */
#ifndef PCC_RUNTIME_RUNTIME_H
#define PCC_RUNTIME_RUNTIME_H

#include <stdint.h>

#ifndef PCC_STEP_STATS_DEFINED
#define PCC_STEP_STATS_DEFINED
typedef struct {
  float loss;
  float energy;
  int32_t steps;
} pcc_step_stats;
#endif

#ifndef PCC_QUERY_DEFINED
#define PCC_QUERY_DEFINED
typedef struct {
  const float *const *inputs;
  const float *const *free_inputs;
  const float *target;
  const float *target_mask;
  int64_t num_clamps;
  const char *const *clamp_names;
  const float *const *clamp_values;
  const float *const *clamp_masks;
  int64_t steps;
  double rate;
  double momentum;
} pcc_query;
#endif

typedef enum { PCC_RT_SGD = 0, PCC_RT_ADAM = 1 } pcc_rt_optimizer;
typedef enum { PCC_RT_MSE = 0, PCC_RT_CE = 1 } pcc_rt_loss;

typedef struct pcc_rt_model pcc_rt_model;

/* Names, shapes and initial values of a list of tensors. */
typedef struct pcc_rt_tensors {
  int64_t count;
  const char *const *names;
  const int64_t *ranks;
  const int64_t *const *shapes;
  const int64_t *sizes;
  const float *init; /* all tensors' initial values, concatenated */
} pcc_rt_tensors;

typedef struct pcc_rt_desc {
  int64_t num_inputs;
  const int64_t *input_sizes; /* elements, batch included */
  int64_t output_size;
  pcc_rt_tensors params;
  const unsigned char *param_trainable; /* 0: frozen (never updated) */
  pcc_rt_tensors states; /* running estimates, updated by train steps */
  const char *signature;
  pcc_rt_optimizer optimizer;
  double learning_rate, inference_rate;
  int64_t inference_steps;
  /* >0: the algorithm runs a fixed number of steps (zil: the depth). */
  int64_t fixed_steps;
  void (*predict)(float *const *params, float *const *states,
                  const float *const *inputs, float *output);
  void (*train)(float *const *params, float *const *states,
                const float *const *inputs, const float *target, int64_t steps,
                float rate, float nudge, float *const *grads,
                float *const *new_states, float *loss, float *energy);
  /* Queries: the loss kind, the hidden tensors a query can clamp (no
   * initial values), and the query kernel (argument order as
   * pc-build-training's pcc_query). */
  int64_t loss;
  pcc_rt_tensors hidden;
  void (*query)(float *const *params, float *const *states,
                const float *const *inputs, const float *const *input_free,
                const float *target, const float *target_mask,
                const float *const *clamp_masks,
                const float *const *clamp_values, int64_t steps, float rate,
                float momentum, float *const *relaxed_inputs, float *output,
                float *const *grads, float *const *new_states, float *loss,
                float *energy);
  /* il nudging's initial beta (run-time `nudge`); 0: not nudged. */
  double nudge;
  /* ipc: the kernel that relaxes and moves the parameters and optimizer
   * moments itself, one optimizer step per inference step (`train` is then
   * NULL); beta1_power, beta2_power are beta^t at the step before the call. */
  void (*train_incremental)(float *const *params, float *const *states,
                            float *const *moments, float *const *velocities,
                            const float *const *inputs, const float *target,
                            int64_t steps, float rate, float nudge, float lr,
                            float beta1_power, float beta2_power,
                            float *const *new_params, float *const *new_moments,
                            float *const *new_velocities,
                            float *const *new_states, float *loss,
                            float *energy);
} pcc_rt_desc;

#if UINTPTR_MAX == UINT64_MAX
_Static_assert(sizeof(pcc_rt_desc) == 272,
               "pcc_rt_desc must match %pcc.desc in lib/Target/Glue.cpp");
#endif

pcc_rt_model *pcc_rt_create(const pcc_rt_desc *d);
void pcc_rt_destroy_with(const pcc_rt_desc *d, pcc_rt_model *m);
int pcc_rt_predict(const pcc_rt_desc *d, pcc_rt_model *m,
                   const float *const *inputs, float *output);
int pcc_rt_train(const pcc_rt_desc *d, pcc_rt_model *m,
                 const float *const *inputs, const float *target,
                 pcc_step_stats *stats, int update);
/* Query.c: pcc_infer (update 0) and pcc_train_query (update 1). */
int pcc_rt_query(const pcc_rt_desc *d, pcc_rt_model *m, const pcc_query *q,
                 float *const *relaxed_inputs, float *output,
                 pcc_step_stats *stats, int update);
int pcc_rt_apply_gradients(const pcc_rt_desc *d, pcc_rt_model *m,
                           const float *const *grads);
int64_t pcc_rt_optimizer_step(pcc_rt_model *m);
int pcc_rt_set_optimizer_step(pcc_rt_model *m, int64_t step);
float *pcc_rt_optimizer_state(const pcc_rt_desc *d, pcc_rt_model *m,
                              int64_t i, int64_t which);
int pcc_rt_save(const pcc_rt_desc *d, pcc_rt_model *m, const char *path);
int pcc_rt_load(const pcc_rt_desc *d, pcc_rt_model *m, const char *path);
/* Checkpoint.c, on the model's buffers. */
int pcc_rt_save_checkpoint(const pcc_rt_desc *d, pcc_rt_model *m,
                           float *const *params, float *const *moments,
                           float *const *velocities, float *const *states,
                           int64_t step, const char *path);
int pcc_rt_load_checkpoint(const pcc_rt_desc *d, pcc_rt_model *m,
                           float *const *params, float *const *moments,
                           float *const *velocities, float *const *states,
                           int64_t *step, const char *path);
/* Sets m's error message (printf format); returns 1. */
int pcc_rt_fail(pcc_rt_model *m, const char *fmt, ...);
const char *pcc_rt_tensor_name(const pcc_rt_tensors *t, int64_t i);
int64_t pcc_rt_tensor_rank(const pcc_rt_tensors *t, int64_t i);
const int64_t *pcc_rt_tensor_shape(const pcc_rt_tensors *t, int64_t i);
float *pcc_rt_param_data(const pcc_rt_desc *d, pcc_rt_model *m, int64_t i);
float *pcc_rt_state_data(const pcc_rt_desc *d, pcc_rt_model *m, int64_t i);
const float *pcc_rt_param_grad(const pcc_rt_desc *d, pcc_rt_model *m,
                               int64_t i);
int pcc_rt_set_hyperparameter(pcc_rt_model *m, const char *name, double value);
const char *pcc_rt_last_error(pcc_rt_model *m);

/* C += op(A) op(B), row-major, op transposes when the flag is set. Called
 * by compiled kernels (pc-matmul-to-runtime); pointers come as integers. */
void pcc_rt_sgemm(int64_t trans_a, int64_t trans_b, int64_t m, int64_t n,
                  int64_t k, int64_t a, int64_t b, int64_t c);

/* The same for `batch` products of contiguous [batch, ...] operands. */
void pcc_rt_sgemm_batched(int64_t batch, int64_t trans_a, int64_t trans_b,
                          int64_t m, int64_t n, int64_t k, int64_t a,
                          int64_t b, int64_t c);

/* The optimizers' updates, in place; the _finite forms compute the same
 * values without writing them and return 1 when all would be finite. */
void pcc_rt_sgd(float *p, const float *g, int64_t n, float lr);
int pcc_rt_sgd_finite(const float *p, const float *g, int64_t n, float lr);
void pcc_rt_adam(float *p, const float *g, float *mom, float *vel, int64_t n,
                 float lr, int64_t step);
int pcc_rt_adam_finite(const float *p, const float *g, const float *mom,
                       const float *vel, int64_t n, float lr, int64_t step);
/* The index of the first infinite or NaN element of x, or -1. */
int64_t pcc_rt_first_nonfinite(const float *x, int64_t n);

#endif
