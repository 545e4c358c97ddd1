/* pcc.h - the C ABI of every library emitted by pcc.
 *
 * All tensors are dense row-major float32 in ONNX layout. The batch size is
 * fixed when the model is compiled. A library built with --prefix=NAME
 * exports NAME_create, NAME_train_step, ... instead of pcc_*; the header that
 * `pcc --emit=header --prefix=NAME` writes declares those names.
 *
 * Return codes: 0 on success, non-zero on failure with a message available
 * from pcc_last_error(). No function aborts or prints on bad input.
 *
 * Non-finite numbers: pcc_train_step and pcc_apply_gradients change the
 * model only when everything they would write is finite. An infinite or
 * NaN loss or energy (for example from a NaN or Inf in an input or the
 * target), gradient, new state value, or new parameter or optimizer value
 * (training that diverges) makes them fail with a message naming it, and
 * leaves the parameters, the optimizer state (moments and step) and the
 * states exactly as they were. pcc_compute_gradients fails the same way on
 * a non-finite loss, energy or gradient; the stats and pcc_param_grad still
 * show what was computed, for inspection. pcc_predict computes what the
 * inputs give, NaN included, and does not check.
 *
 * Neighbours: a process may load any number of pcc libraries, several
 * built from one model, with or without --prefix (each keeps its symbols
 * local but the ABI's), use them from several threads (one model per thread
 * at a time) and unload them with dlclose once no thread is inside them;
 * unloading releases the buffers the library cached for every thread. The
 * compiler replaces an output file (new file, then rename), so recompiling
 * to the path of a loaded library does not disturb the process using it.
 */
#ifndef PCC_PCC_H
#define PCC_PCC_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef PCC_STEP_STATS_DEFINED
#define PCC_STEP_STATS_DEFINED
/* loss: L at the forward pass (mean over the batch of the per-sample loss).
 * energy: F after relaxation, sum over value nodes of 1/2 |eps|^2 plus L.
 * steps: inference steps run. */
typedef struct {
  float loss;
  float energy;
  int32_t steps;
} pcc_step_stats;
#endif

typedef struct pcc_model pcc_model;

const char *pcc_signature(void);
pcc_model *pcc_create(void);
void pcc_destroy(pcc_model *m);
int pcc_predict(pcc_model *m, const float *const *inputs, float *output);
int pcc_train_step(pcc_model *m, const float *const *inputs,
                   const float *target, pcc_step_stats *stats);
int pcc_compute_gradients(pcc_model *m, const float *const *inputs,
                          const float *target, pcc_step_stats *stats);
/* A library compiled with --algorithm=ipc moves the parameters at every
 * inference step inside pcc_train_step (one optimizer update per step:
 * pcc_optimizer_step advances by the step count); it has no one gradient,
 * so pcc_compute_gradients fails there and pcc_param_grad stays zero. */
/* Parameters, by the ONNX initializer name (an initializer PyTorch aliased
 * through Identity nodes appears under each alias's name). Frozen ones
 * (--freeze) are listed with "trainable": false in the signature and never
 * change; their gradient is zero. */
int64_t pcc_num_params(void);
const char *pcc_param_name(int64_t i);
int64_t pcc_param_rank(int64_t i);
const int64_t *pcc_param_shape(int64_t i);
float *pcc_param_data(pcc_model *m, int64_t i);
const float *pcc_param_grad(pcc_model *m, int64_t i);
/* State: tensors the model carries between calls that are not parameters,
 * such as batch normalisation's running mean and variance (training mode),
 * by their ONNX names. pcc_predict reads them; pcc_train_step updates them
 * (pcc_compute_gradients does not). The data is writable. */
int64_t pcc_num_states(void);
const char *pcc_state_name(int64_t i);
int64_t pcc_state_rank(int64_t i);
const int64_t *pcc_state_shape(int64_t i);
float *pcc_state_data(pcc_model *m, int64_t i);
/* The optimizer (--optimizer) on its own, for gradients the application
 * computes or combines itself (e.g. averaged across processes):
 * pcc_apply_gradients makes the update pcc_train_step makes after
 * relaxation, along grads[i] for parameter i (pcc_param_name order, each of
 * the parameter's size, the sign of the loss gradient). grads NULL applies
 * what the last pcc_compute_gradients or pcc_train_step left in
 * pcc_param_grad. Frozen parameters are not updated (their pointer may be
 * NULL). */
int pcc_apply_gradients(pcc_model *m, const float *const *grads);
/* Optimizer state, for checkpoints: the number of updates made (Adam's
 * bias-correction step), and Adam's first (which 0) and second (which 1)
 * moment estimates of parameter i, writable, of the parameter's size.
 * pcc_optimizer_state returns NULL for SGD, which keeps no state, and for an
 * index out of range. */
int64_t pcc_optimizer_step(pcc_model *m);
int pcc_set_optimizer_step(pcc_model *m, int64_t step);
float *pcc_optimizer_state(pcc_model *m, int64_t i, int64_t which);
/* Checkpoints: the parameters, the optimizer state (step and Adam's
 * moments) and the states, in one file (written to PATH.pcc-tmp, then
 * renamed over PATH). Loading checks every name and size against the
 * library first: a file of another model is refused and changes nothing.
 * Hyper-parameters are not saved. `pcc model.onnx --emit=onnx
 * --checkpoint=FILE -o trained.onnx` writes the ONNX graph with a
 * checkpoint's parameters and states as its initializers. */
int pcc_save_checkpoint(pcc_model *m, const char *path);
int pcc_load_checkpoint(pcc_model *m, const char *path);
/* Hyper-parameters, initially as compiled: learning_rate (>= 0),
 * inference_rate (> 0), inference_steps (1 to 1e9) and, in a library
 * compiled with --nudge-mode, nudge (beta > 0). Anything else, a value out
 * of range or not finite is refused with a message and changes nothing. */
int pcc_set_hyperparameter(pcc_model *m, const char *name, double value);
const char *pcc_last_error(pcc_model *m);

/* Queries: the same network as a generative model or an associative
 * memory. Every input, the output and every hidden tensor is a value node;
 * a query chooses at run time, by element masks, which are free and which
 * are clamped, and relaxes the free ones with il dynamics (predictions
 * recomputed from the values, whatever --algorithm the library trains
 * with) by heavy-ball gradient descent on the energy,
 * v = momentum * v + (-eps + sum_k J_k^T eps_k), x += rate * v (v starts at
 * zero), inputs having no error of their own. With nothing free, masked or
 * clamped and momentum 0 this is pcc_train_step's il relaxation. Only
 * libraries compiled with --queries=on answer; the others fail naming the
 * flag (and have no hidden tensors).
 *
 *   inputs       the clamped inputs' values and the free ones' start
 *   free_inputs  NULL (all clamped), or per input NULL (clamped) or an
 *                element mask: 1 free, 0 clamped
 *   target       the observed output values and where masked ones start;
 *                NULL: nothing observed, the output starts at pcc_predict's
 *   target_mask  NULL (all observed), or an element mask: 1 masked (free,
 *                relaxed like a hidden value node), 0 observed (loss);
 *                --loss=ce libraries need the whole target observed
 *   clamp_*      num_clamps hidden tensors, by ONNX tensor name
 *                (pcc_hidden_name), held at clamp_values; clamp_masks NULL
 *                or per clamp NULL (the whole tensor) or 1 clamped, 0 free
 *   steps, rate  0: the inference_steps and inference_rate hyper-parameters
 *   momentum     0 (plain gradient descent) to < 1; 0.9 relaxes
 *                ill-conditioned energies (a memorising generative
 *                model's latent) many times faster than 0
 *
 * pcc_infer relaxes and writes the relaxed inputs (relaxed_inputs[i] may be
 * NULL, or relaxed_inputs itself) and the output value node (output may be
 * NULL: observed elements are the target, masked ones relaxed); stats get
 * the observed loss at the start and the energy at the end. It changes no
 * parameter, and leaves the gradient estimate at the relaxed state in
 * pcc_param_grad (pcc_apply_gradients(m, NULL) applies it).
 * pcc_train_query is pcc_infer followed by that update and the states'
 * (batch normalisation) update, with pcc_train_step's guarantee on
 * non-finite numbers: the latents of a generative model are inferred, then
 * the parameters learn. */
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
int pcc_infer(pcc_model *m, const pcc_query *q, float *const *relaxed_inputs,
              float *output, pcc_step_stats *stats);
int pcc_train_query(pcc_model *m, const pcc_query *q,
                    float *const *relaxed_inputs, float *output,
                    pcc_step_stats *stats);
/* The hidden tensors a query can clamp: every vertex output that has an
 * ONNX tensor name (data-movement ops such as Reshape have no value node;
 * clamp the tensor they read). */
int64_t pcc_num_hidden(void);
const char *pcc_hidden_name(int64_t i);
int64_t pcc_hidden_rank(int64_t i);
const int64_t *pcc_hidden_shape(int64_t i);

#ifdef __cplusplus
}
#endif

#endif /* PCC_PCC_H */
