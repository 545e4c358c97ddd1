/* bench_pcc.c - training throughput of a library emitted by pcc.
 *
 * Links the library that `pcc mlp.onnx --algorithm=il --loss=ce
 * --prefix=bench_il` emits (see CMakeLists.txt), trains it on a fixed pool
 * of random batches (uniform [0,1) inputs, random one-hot targets, fixed
 * seed), and times --batches calls of bench_il_train_step after --warmup
 * untimed ones. Prints one line ending in samples_per_s=... (run_bench.sh
 * reads it).
 *
 * Usage: bench_pcc [--batches N] [--warmup N] [--pool N] [--seed S]
 * Exit status: 0 on success, 1 when a library call fails, 2 on bad usage.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_il.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t rng_next(uint64_t *s) { /* splitmix64 */
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static float rng_uniform(uint64_t *s) { /* [0, 1) */
  return (float)(rng_next(s) >> 40) * (1.0f / 16777216.0f);
}

static int parse_long(const char *s, long lo, long *out) {
  char *end = NULL;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || !end || *end || end == s || v < lo)
    return -1;
  *out = v;
  return 0;
}

int main(int argc, char **argv) {
  long batches = 300, warmup = 20, pool = 16, seed = 1;
  for (int i = 1; i < argc; i += 2) {
    long *dst = NULL;
    long lo = 0;
    if (!strcmp(argv[i], "--batches")) {
      dst = &batches;
      lo = 1;
    } else if (!strcmp(argv[i], "--warmup")) {
      dst = &warmup;
    } else if (!strcmp(argv[i], "--pool")) {
      dst = &pool;
      lo = 1;
    } else if (!strcmp(argv[i], "--seed")) {
      dst = &seed;
    } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
      printf("usage: %s [--batches N] [--warmup N] [--pool N] [--seed S]\n",
             argv[0]);
      return 0;
    }
    if (!dst || i + 1 >= argc || parse_long(argv[i + 1], lo, dst)) {
      fprintf(stderr, "bench_pcc: bad argument '%s' (try --help)\n", argv[i]);
      return 2;
    }
  }

  const int64_t B = BENCH_IL_BATCH;
  const int64_t in_size = BENCH_IL_INPUT0_SIZE;
  const int64_t out_size = BENCH_IL_OUTPUT_SIZE;
  if (BENCH_IL_NUM_INPUTS != 1 || B <= 0 || out_size % B ||
      BENCH_IL_TARGET_SIZE != out_size) {
    fprintf(stderr, "bench_pcc: expected a model with one input and a "
                    "[batch, classes] output\n");
    return 2;
  }
  const int64_t classes = out_size / B;

  /* A fixed pool of random batches. */
  uint64_t rng = (uint64_t)seed;
  float *xs = malloc((size_t)(pool * in_size) * sizeof(float));
  float *ts = calloc((size_t)(pool * out_size), sizeof(float));
  if (!xs || !ts) {
    fprintf(stderr, "bench_pcc: out of memory\n");
    return 2;
  }
  for (int64_t i = 0; i < pool * in_size; ++i)
    xs[i] = rng_uniform(&rng);
  for (int64_t r = 0; r < pool * B; ++r)
    ts[r * classes + (int64_t)(rng_next(&rng) % (uint64_t)classes)] = 1.0f;

  void *m = (void *)bench_il_create();
  if (!m) {
    fprintf(stderr, "bench_pcc: bench_il_create failed\n");
    return 1;
  }

  int rc = 0;
  pcc_step_stats stats;
  memset(&stats, 0, sizeof stats);
  double t0 = 0.0;
  for (long i = 0; i < warmup + batches; ++i) {
    if (i == warmup)
      t0 = now_s();
    long k = i % pool;
    const float *const in[1] = {xs + k * in_size};
    if (bench_il_train_step(m, in, ts + k * out_size, &stats) != 0) {
      fprintf(stderr, "bench_pcc: bench_il_train_step failed: %s\n",
              bench_il_last_error(m));
      rc = 1;
      break;
    }
  }
  double dt = now_s() - t0;

  if (rc == 0 && !isfinite(stats.loss)) {
    fprintf(stderr, "bench_pcc: loss is %g\n", (double)stats.loss);
    rc = 1;
  }
  if (rc == 0)
    printf("bench_pcc batch=%" PRId64 " inputs=%" PRId64 " classes=%" PRId64
           " params=%" PRId64 " batches=%ld time_s=%.4f loss=%.4f "
           "steps=%d samples_per_s=%.1f\n",
           B, in_size / B, classes, (int64_t)BENCH_IL_NUM_PARAMS, batches, dt,
           (double)stats.loss, (int)stats.steps,
           (double)batches * (double)B / dt);

  bench_il_destroy(m);
  free(xs);
  free(ts);
  return rc;
}
