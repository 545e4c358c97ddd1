/* train.c - train one model on Fashion-MNIST two ways, side by side:
 *
 *   mlp_il  the library pcc emitted with --algorithm=il (predictive coding,
 *           inference learning)
 *   mlp_bp  the library pcc emitted with --algorithm=bp (backprop, the control)
 *
 * Both libraries are compiled from the same mlp.onnx, so both start from the
 * same initial parameters; both see the same shuffled batches in the same
 * order. After every epoch the program prints, for each, the mean training
 * loss, the test accuracy and the training throughput, and at the end one
 * machine-readable line:
 *
 *   final il_acc=0.8123 bp_acc=0.8290
 *
 * Usage: fashion_mnist_train [--epochs N] [--data DIR] [--limit N]
 *                            [--standardize] [--seed S] [--lr A]
 *                            [--inference-steps T] [--inference-rate G]
 *                            [--verbose]
 *
 * Exit status: 0 on success, 1 when a pcc library call fails (its
 * pcc_last_error message is printed), 2 on bad arguments or unreadable data.
 *
 * The model is chosen when this file is compiled: -DFM_MODEL=cnn
 * -DFM_MODEL_UPPER=CNN builds the same program against cnn_il / cnn_bp
 * (headers cnn_il.h and cnn_bp.h from pcc --emit=header --prefix=cnn_il,
 * ...); the default is mlp / MLP. Any model works that has one float input
 * whose first dimension is the batch and whose other dimensions hold the
 * 28x28 pixels in row-major order ([B, 784], [B, 1, 28, 28], [B, 28, 28],
 * ...), and a [B, classes] output of logits.
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
#include <unistd.h>

#include <zlib.h>

/* FM_MODEL: the stem of the two prefixes (FM_MODEL_il, FM_MODEL_bp);
 * FM_MODEL_UPPER: the same in capitals, the headers' macro prefix. */
#ifndef FM_MODEL
#define FM_MODEL mlp
#define FM_MODEL_UPPER MLP
#elif !defined(FM_MODEL_UPPER)
#error "define FM_MODEL_UPPER with FM_MODEL (e.g. -DFM_MODEL=cnn -DFM_MODEL_UPPER=CNN)"
#endif

#define FM_CAT_(a, b) a##b
#define FM_CAT(a, b) FM_CAT_(a, b)
#define FM_STR_(x) #x
#define FM_STR(x) FM_STR_(x)
#define FM_IL FM_CAT(FM_MODEL, _il)
#define FM_BP FM_CAT(FM_MODEL, _bp)
#define FM_IL_UPPER FM_CAT(FM_MODEL_UPPER, _IL)
#define FM_BP_UPPER FM_CAT(FM_MODEL_UPPER, _BP)

#include FM_STR(FM_IL.h) /* e.g. "mlp_il.h" */
#include FM_STR(FM_BP.h)

#define DEFAULT_DATA_DIR "/usr/share/datasets/fashion-mnist"
#define FMNIST_MEAN 0.2860f
#define FMNIST_STD 0.3530f

/* ------------------------------------------------------------------------ */
/* A uniform view of the two emitted libraries.                              */
/*                                                                           */
/* The generated headers declare mlp_il_create, mlp_il_train_step, ... The   */
/* wrappers below hold the model as void * so that this file does not depend */
/* on the name the header gives the opaque model type.                       */
/* ------------------------------------------------------------------------ */

typedef struct {
  const char *name;
  int64_t batch;      /* samples per call */
  int64_t num_inputs; /* graph inputs */
  int64_t in_size;    /* elements of input 0, batch included */
  const int64_t *in_shape; /* its shape, in_rank dimensions */
  int64_t in_rank;
  int64_t out_size;   /* elements of the output, batch included */
  int64_t target_size;
  void *(*create)(void);
  void (*destroy)(void *m);
  int (*predict)(void *m, const float *x, float *y);
  int (*train_step)(void *m, const float *x, const float *t,
                    pcc_step_stats *stats);
  int (*set_hyperparameter)(void *m, const char *name, double value);
  const char *(*last_error)(void *m);
  const char *(*signature)(void);
} model_ops;

/* The arguments may be macros (FM_IL): expand them before pasting. */
#define DEFINE_MODEL_OPS(p, P) DEFINE_MODEL_OPS_(p, P)
#define DEFINE_MODEL_OPS_(p, P)                                                \
  static const int64_t p##_in_shape[] = P##_INPUT0_SHAPE;                      \
  static void *p##_w_create(void) { return (void *)p##_create(); }             \
  static void p##_w_destroy(void *m) { p##_destroy(m); }                       \
  static int p##_w_predict(void *m, const float *x, float *y) {                \
    const float *const in[1] = {x};                                            \
    return p##_predict(m, in, y);                                              \
  }                                                                            \
  static int p##_w_train_step(void *m, const float *x, const float *t,         \
                              pcc_step_stats *s) {                             \
    const float *const in[1] = {x};                                            \
    return p##_train_step(m, in, t, s);                                        \
  }                                                                            \
  static int p##_w_set_hp(void *m, const char *n, double v) {                  \
    return p##_set_hyperparameter(m, n, v);                                    \
  }                                                                            \
  static const char *p##_w_last_error(void *m) { return p##_last_error(m); }   \
  static const char *p##_w_signature(void) { return p##_signature(); }         \
  static const model_ops p##_ops = {                                           \
      #p,                                                                      \
      (int64_t)(P##_BATCH),                                                    \
      (int64_t)(P##_NUM_INPUTS),                                               \
      (int64_t)(P##_INPUT0_SIZE),                                              \
      p##_in_shape,                                                            \
      (int64_t)(sizeof p##_in_shape / sizeof p##_in_shape[0]),                 \
      (int64_t)(P##_OUTPUT_SIZE),                                              \
      (int64_t)(P##_TARGET_SIZE),                                              \
      p##_w_create,                                                            \
      p##_w_destroy,                                                           \
      p##_w_predict,                                                           \
      p##_w_train_step,                                                        \
      p##_w_set_hp,                                                            \
      p##_w_last_error,                                                        \
      p##_w_signature,                                                         \
  };

DEFINE_MODEL_OPS(FM_IL, FM_IL_UPPER)
DEFINE_MODEL_OPS(FM_BP, FM_BP_UPPER)

enum { NUM_MODELS = 2 };

/* ------------------------------------------------------------------------ */
/* Small utilities                                                           */
/* ------------------------------------------------------------------------ */

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) {
    fprintf(stderr, "error: out of memory (%zu bytes)\n", n);
    exit(2);
  }
  return p;
}

/* "[64, 1, 28, 28]" into buf (truncated to n bytes); returns buf. */
static const char *format_shape(const int64_t *shape, int64_t rank, char *buf,
                                size_t n) {
  size_t used = 0;
  buf[0] = '\0';
  for (int64_t i = 0; i < rank && used < n; ++i) {
    int w = snprintf(buf + used, n - used, "%s%" PRId64, i ? ", " : "[",
                     shape[i]);
    if (w < 0)
      break;
    used += (size_t)w;
  }
  if (used < n)
    snprintf(buf + used, n - used, rank ? "]" : "[]");
  return buf;
}

/* splitmix64: a small, fixed-seed, platform-independent PRNG. */
static uint64_t rng_next(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* Uniform integer in [0, n), n < 2^32 (multiply-shift; bias < 2^-32 * n). */
static uint32_t rng_below(uint64_t *s, uint32_t n) {
  return (uint32_t)(((rng_next(s) >> 32) * (uint64_t)n) >> 32);
}

static void shuffle(uint32_t *a, size_t n, uint64_t *s) {
  for (size_t i = n; i > 1; --i) {
    size_t j = rng_below(s, (uint32_t)i);
    uint32_t t = a[i - 1];
    a[i - 1] = a[j];
    a[j] = t;
  }
}

/* ------------------------------------------------------------------------ */
/* IDX files (gzipped or not: gzopen reads both)                             */
/* ------------------------------------------------------------------------ */

typedef struct {
  uint32_t count;
  uint32_t rows, cols;   /* images only */
  unsigned char *pixels; /* count * rows * cols */
  unsigned char *labels; /* count */
} dataset;

static uint32_t be32(const unsigned char *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
         ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

/* Reads a whole (possibly gzipped) file. Tries DIR/NAME.gz, then DIR/NAME. */
static unsigned char *read_idx_file(const char *dir, const char *name,
                                    size_t *len, char *path, size_t pathlen) {
  gzFile f = NULL;
  errno = 0;
  snprintf(path, pathlen, "%s/%s.gz", dir, name);
  if (access(path, R_OK) == 0)
    f = gzopen(path, "rb");
  if (!f) {
    snprintf(path, pathlen, "%s/%s", dir, name);
    f = gzopen(path, "rb");
  }
  if (!f) {
    fprintf(stderr, "error: cannot open %s/%s.gz (or %s): %s\n", dir, name,
            name, errno ? strerror(errno) : "gzopen failed");
    return NULL;
  }
  size_t cap = 1u << 20, n = 0;
  unsigned char *buf = xmalloc(cap);
  for (;;) {
    if (cap - n < (1u << 16)) {
      cap *= 2;
      unsigned char *nb = realloc(buf, cap);
      if (!nb) {
        fprintf(stderr, "error: out of memory reading %s\n", path);
        free(buf);
        gzclose(f);
        return NULL;
      }
      buf = nb;
    }
    int got = gzread(f, buf + n, (unsigned)(cap - n));
    if (got < 0) {
      int zerr = 0;
      const char *msg = gzerror(f, &zerr);
      fprintf(stderr, "error: reading %s: %s\n", path, msg);
      free(buf);
      gzclose(f);
      return NULL;
    }
    if (got == 0)
      break;
    n += (size_t)got;
  }
  gzclose(f);
  *len = n;
  return buf;
}

static int load_split(const char *dir, const char *split, dataset *d) {
  char name[128], path[4096];
  size_t len = 0;
  memset(d, 0, sizeof *d);

  snprintf(name, sizeof name, "%s-images-idx3-ubyte", split);
  unsigned char *img = read_idx_file(dir, name, &len, path, sizeof path);
  if (!img)
    return -1;
  if (len < 16 || be32(img) != 0x00000803u) {
    fprintf(stderr, "error: %s is not an IDX3 ubyte image file\n", path);
    free(img);
    return -1;
  }
  d->count = be32(img + 4);
  d->rows = be32(img + 8);
  d->cols = be32(img + 12);
  uint64_t need = 16 + (uint64_t)d->count * d->rows * d->cols;
  if (len < need) {
    fprintf(stderr, "error: %s is truncated (%zu bytes, need %" PRIu64 ")\n",
            path, len, need);
    free(img);
    return -1;
  }
  d->pixels = img; /* pixel data starts at offset 16; see sample_pixels() */

  snprintf(name, sizeof name, "%s-labels-idx1-ubyte", split);
  unsigned char *lab = read_idx_file(dir, name, &len, path, sizeof path);
  if (!lab)
    return -1;
  if (len < 8 || be32(lab) != 0x00000801u) {
    fprintf(stderr, "error: %s is not an IDX1 ubyte label file\n", path);
    free(lab);
    return -1;
  }
  uint32_t nl = be32(lab + 4);
  if (nl != d->count || len < 8 + (size_t)nl) {
    fprintf(stderr, "error: %s: %u labels for %u images\n", path, nl, d->count);
    free(lab);
    return -1;
  }
  d->labels = lab; /* labels start at offset 8 */
  return 0;
}

static const unsigned char *sample_pixels(const dataset *d, uint32_t i) {
  return d->pixels + 16 + (size_t)i * d->rows * d->cols;
}
static unsigned sample_label(const dataset *d, uint32_t i) {
  return d->labels[8 + i];
}
static void free_dataset(dataset *d) {
  free(d->pixels);
  free(d->labels);
  memset(d, 0, sizeof *d);
}

/* ------------------------------------------------------------------------ */
/* Batches                                                                   */
/* ------------------------------------------------------------------------ */

/* Fills x[batch, features] and the one-hot target t[batch, classes] from the
 * samples idx[0..n); rows n..batch are zero (padding). */
static void make_batch(const dataset *d, const uint32_t *idx, int64_t n,
                       int64_t batch, int64_t features, int64_t classes,
                       const float lut[256], float *x, float *t) {
  for (int64_t r = 0; r < batch; ++r) {
    float *xr = x + r * features;
    if (t)
      memset(t + r * classes, 0, (size_t)classes * sizeof(float));
    if (r >= n) {
      memset(xr, 0, (size_t)features * sizeof(float));
      continue;
    }
    const unsigned char *px = sample_pixels(d, idx[r]);
    for (int64_t k = 0; k < features; ++k)
      xr[k] = lut[px[k]];
    if (t)
      t[r * classes + sample_label(d, idx[r])] = 1.0f;
  }
}

static int64_t argmax(const float *v, int64_t n) {
  int64_t best = 0;
  for (int64_t i = 1; i < n; ++i)
    if (v[i] > v[best])
      best = i;
  return best;
}

/* Test accuracy: pads the last batch, counts only the real samples.
 * Returns -1 on a library error. */
static double evaluate(const model_ops *ops, void *m, const dataset *test,
                       const uint32_t *order, int64_t features, int64_t classes,
                       const float lut[256], float *x, float *y) {
  int64_t B = ops->batch, correct = 0;
  for (int64_t start = 0; start < (int64_t)test->count; start += B) {
    int64_t n = (int64_t)test->count - start;
    if (n > B)
      n = B;
    make_batch(test, order + start, n, B, features, classes, lut, x, NULL);
    if (ops->predict(m, x, y) != 0) {
      fprintf(stderr, "\nerror: %s_predict failed: %s\n", ops->name,
              ops->last_error(m));
      return -1.0;
    }
    for (int64_t r = 0; r < n; ++r)
      if (argmax(y + r * classes, classes) ==
          (int64_t)sample_label(test, order[start + r]))
        ++correct;
  }
  return (double)correct / (double)test->count;
}

/* ------------------------------------------------------------------------ */
/* Progress                                                                  */
/* ------------------------------------------------------------------------ */

typedef struct {
  int tty;
  int epoch, epochs;
  int64_t total;    /* batches this epoch */
  int last_shown;   /* last bar width (tty) or decile (non-tty) shown */
  double last_time; /* tty: last redraw */
  double start;
} progress;

static void progress_begin(progress *p, int epoch, int epochs, int64_t total) {
  p->epoch = epoch;
  p->epochs = epochs;
  p->total = total;
  p->last_shown = -1;
  p->last_time = 0.0;
  p->start = now_s();
}

static void progress_update(progress *p, int64_t done, int64_t batch,
                            const double loss_sum[NUM_MODELS]) {
  double t = now_s();
  double frac = p->total ? (double)done / (double)p->total : 1.0;
  double rate = (double)(done * batch) / (t - p->start + 1e-12);
  double il = done ? loss_sum[0] / (double)done : 0.0;
  double bp = done ? loss_sum[1] / (double)done : 0.0;
  if (p->tty) {
#define WIDTH 30
    int w = (int)(frac * WIDTH);
    if (done != p->total && w == p->last_shown && t - p->last_time < 0.2)
      return;
    p->last_shown = w;
    p->last_time = t;
    char bar[WIDTH + 1];
    for (int i = 0; i < WIDTH; ++i)
      bar[i] = i < w ? '=' : (i == w ? '>' : ' ');
    bar[WIDTH] = '\0';
    fprintf(stderr,
            "\repoch %d/%d [%s] %3.0f%%  il loss %.4f  bp loss %.4f  "
            "%.0f samples/s (il+bp) ",
            p->epoch, p->epochs, bar, 100.0 * frac, il, bp, rate);
    if (done == p->total)
      fputc('\n', stderr);
    fflush(stderr);
#undef WIDTH
  } else {
    int decile = (int)(frac * 10.0 + 1e-9);
    if (decile == p->last_shown || decile == 0)
      return;
    p->last_shown = decile;
    fprintf(stderr,
            "epoch %d/%d: %3d%% (%" PRId64 "/%" PRId64 " batches)  "
            "il loss %.4f  bp loss %.4f  %.0f samples/s (il+bp)\n",
            p->epoch, p->epochs, decile * 10, done, p->total, il, bp, rate);
    fflush(stderr);
  }
}

/* ------------------------------------------------------------------------ */
/* Command line                                                              */
/* ------------------------------------------------------------------------ */

typedef struct {
  int epochs;
  const char *data;
  long limit;
  int standardize;
  uint64_t seed;
  int verbose;
  double lr, steps, rate; /* NAN: keep the compiled-in value */
} options;

static void usage(FILE *f, const char *argv0) {
  fprintf(
      f,
      "usage: %s [options]\n"
      "Trains one model, " FM_STR(FM_MODEL) " (libraries " FM_STR(FM_IL) " and "
      FM_STR(FM_BP) "), with predictive coding (il)\n"
      "and backprop (bp) on Fashion-MNIST and compares them.\n\n"
      "  --epochs N             epochs (default 1)\n"
      "  --data DIR             IDX files (default " DEFAULT_DATA_DIR ")\n"
      "  --limit N              use only the first N training samples\n"
      "  --standardize          (x - 0.2860) / 0.3530 instead of x in [0,1]\n"
      "  --seed S               shuffling seed (default 42)\n"
      "  --lr A                 learning rate for both models\n"
      "  --inference-steps T    inference steps of the il model\n"
      "  --inference-rate G     inference rate of the il model\n"
      "  --verbose              print the library signatures\n"
      "  -h, --help             this text\n",
      argv0);
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

static int parse_double(const char *s, double *out) {
  char *end = NULL;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || !end || *end || end == s)
    return -1;
  *out = v;
  return 0;
}

static int parse_args(int argc, char **argv, options *o) {
  o->epochs = 1;
  o->data = DEFAULT_DATA_DIR;
  o->limit = 0;
  o->standardize = 0;
  o->seed = 42;
  o->verbose = 0;
  o->lr = o->steps = o->rate = NAN;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    const char *val = NULL;
    /* accept both "--opt value" and "--opt=value" */
    char key[64];
    const char *eq = strchr(a, '=');
    if (strncmp(a, "--", 2) == 0 && eq && (size_t)(eq - a) < sizeof key) {
      memcpy(key, a, (size_t)(eq - a));
      key[eq - a] = '\0';
      val = eq + 1;
      a = key;
    }
#define NEED_VALUE()                                                           \
  do {                                                                         \
    if (!val) {                                                                \
      if (i + 1 >= argc) {                                                     \
        fprintf(stderr, "error: %s needs a value\n", a);                       \
        return -1;                                                             \
      }                                                                        \
      val = argv[++i];                                                         \
    }                                                                          \
  } while (0)
    long lv;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      usage(stdout, argv[0]);
      exit(0);
    } else if (!strcmp(a, "--epochs")) {
      NEED_VALUE();
      if (parse_long(val, 1, &lv) || lv > 100000)
        goto bad;
      o->epochs = (int)lv;
    } else if (!strcmp(a, "--data")) {
      NEED_VALUE();
      o->data = val;
    } else if (!strcmp(a, "--limit")) {
      NEED_VALUE();
      if (parse_long(val, 1, &lv))
        goto bad;
      o->limit = lv;
    } else if (!strcmp(a, "--seed")) {
      NEED_VALUE();
      if (parse_long(val, 0, &lv))
        goto bad;
      o->seed = (uint64_t)lv;
    } else if (!strcmp(a, "--lr")) {
      NEED_VALUE();
      if (parse_double(val, &o->lr) || !(o->lr > 0))
        goto bad;
    } else if (!strcmp(a, "--inference-steps")) {
      NEED_VALUE();
      if (parse_long(val, 0, &lv))
        goto bad;
      o->steps = (double)lv;
    } else if (!strcmp(a, "--inference-rate")) {
      NEED_VALUE();
      if (parse_double(val, &o->rate) || !(o->rate > 0))
        goto bad;
    } else if (!strcmp(a, "--standardize") && !val) {
      o->standardize = 1;
    } else if (!strcmp(a, "--verbose") && !val) {
      o->verbose = 1;
    } else {
      fprintf(stderr, "error: unknown option '%s' (try --help)\n", argv[i]);
      return -1;
    }
    continue;
  bad:
    fprintf(stderr, "error: bad value '%s' for %s\n", val, a);
    return -1;
#undef NEED_VALUE
  }
  return 0;
}

/* ------------------------------------------------------------------------ */

static int set_hp(const model_ops *ops, void *m, const char *name, double v) {
  if (isnan(v))
    return 0;
  if (ops->set_hyperparameter(m, name, v) != 0) {
    fprintf(stderr, "error: %s_set_hyperparameter(%s, %g) failed: %s\n",
            ops->name, name, v, ops->last_error(m));
    return -1;
  }
  return 0;
}

int main(int argc, char **argv) {
  options opt;
  if (parse_args(argc, argv, &opt) != 0)
    return 2;

  const model_ops *ops[NUM_MODELS] = {&FM_CAT(FM_IL, _ops),
                                      &FM_CAT(FM_BP, _ops)};
  const int64_t B = ops[0]->batch;

  /* Both libraries come from the same ONNX model: same shapes. */
  for (int k = 0; k < NUM_MODELS; ++k) {
    const model_ops *o = ops[k];
    /* The batch must be the input's first dimension: samples are copied in
     * as consecutive blocks of in_size / batch floats. */
    if (o->batch <= 0 || o->num_inputs != 1 || o->in_size % o->batch ||
        o->in_rank < 1 || o->in_shape[0] != o->batch ||
        o->out_size % o->batch || o->target_size != o->out_size) {
      char shape[128];
      fprintf(stderr,
              "error: %s: expected one input [batch, ...] and a [batch, "
              "classes] output (batch %" PRId64 ", inputs %" PRId64
              ", input %s, output %" PRId64 " elements)\n",
              o->name, o->batch, o->num_inputs,
              format_shape(o->in_shape, o->in_rank, shape, sizeof shape),
              o->out_size);
      return 2;
    }
    if (o->batch != B || o->in_size != ops[0]->in_size ||
        o->out_size != ops[0]->out_size) {
      fprintf(stderr, "error: %s and %s were compiled with different "
                      "shapes; compile both from the same model and batch\n",
              ops[0]->name, o->name);
      return 2;
    }
  }
  const int64_t features = ops[0]->in_size / B;
  const int64_t classes = ops[0]->out_size / B;

  dataset train, test;
  if (load_split(opt.data, "train", &train) != 0)
    return 2;
  if (load_split(opt.data, "t10k", &test) != 0)
    return 2;
  if ((int64_t)train.rows * train.cols != features ||
      (int64_t)test.rows * test.cols != features) {
    fprintf(stderr,
            "error: the model takes %" PRId64 " features per sample but the "
            "images are %ux%u\n",
            features, train.rows, train.cols);
    return 2;
  }
  for (uint32_t i = 0; i < train.count; ++i)
    if ((int64_t)sample_label(&train, i) >= classes) {
      fprintf(stderr, "error: label %u >= %" PRId64 " classes\n",
              sample_label(&train, i), classes);
      return 2;
    }
  for (uint32_t i = 0; i < test.count; ++i)
    if ((int64_t)sample_label(&test, i) >= classes) {
      fprintf(stderr, "error: test label %u >= %" PRId64 " classes\n",
              sample_label(&test, i), classes);
      return 2;
    }

  uint32_t ntrain = train.count;
  if (opt.limit > 0 && (uint64_t)opt.limit < ntrain)
    ntrain = (uint32_t)opt.limit;
  const int64_t nbatches = (int64_t)ntrain / B; /* drop the partial batch */
  if (nbatches == 0) {
    fprintf(stderr,
            "error: %u training samples make no full batch of %" PRId64 "\n",
            ntrain, B);
    return 2;
  }

  float lut[256];
  for (int v = 0; v < 256; ++v) {
    float x = (float)v / 255.0f;
    lut[v] = opt.standardize ? (x - FMNIST_MEAN) / FMNIST_STD : x;
  }

  void *model[NUM_MODELS] = {NULL, NULL};
  int rc = 0;
  for (int k = 0; k < NUM_MODELS; ++k) {
    model[k] = ops[k]->create();
    if (!model[k]) {
      fprintf(stderr, "error: %s_create failed\n", ops[k]->name);
      rc = 1;
      goto done;
    }
    if (opt.verbose)
      printf("%s: %s\n", ops[k]->name, ops[k]->signature());
  }
  if (set_hp(ops[0], model[0], "learning_rate", opt.lr) ||
      set_hp(ops[1], model[1], "learning_rate", opt.lr) ||
      set_hp(ops[0], model[0], "inference_steps", opt.steps) ||
      set_hp(ops[0], model[0], "inference_rate", opt.rate)) {
    rc = 1;
    goto done;
  }

  uint32_t *order = xmalloc((size_t)ntrain * sizeof *order);
  uint32_t *test_order = xmalloc((size_t)test.count * sizeof *test_order);
  for (uint32_t i = 0; i < ntrain; ++i)
    order[i] = i;
  for (uint32_t i = 0; i < test.count; ++i)
    test_order[i] = i;
  float *x = xmalloc((size_t)(B * features) * sizeof(float));
  float *t = xmalloc((size_t)(B * classes) * sizeof(float));
  float *y = xmalloc((size_t)(B * classes) * sizeof(float));
  uint64_t rng = opt.seed;
  double acc[NUM_MODELS] = {0.0, 0.0};

  char in_shape[128];
  printf("Fashion-MNIST, model %s (input %s): %u training samples (%" PRId64
         " batches of %" PRId64 "), %u test samples, %d epoch%s, %s inputs\n",
         FM_STR(FM_MODEL),
         format_shape(ops[0]->in_shape, ops[0]->in_rank, in_shape,
                      sizeof in_shape),
         ntrain, nbatches, B, test.count, opt.epochs,
         opt.epochs == 1 ? "" : "s",
         opt.standardize ? "standardized" : "[0,1]");
  printf("%5s | %9s %7s %11s | %9s %7s %11s\n", "epoch", "il loss", "il acc",
         "il samp/s", "bp loss", "bp acc", "bp samp/s");
  fflush(stdout);

  progress prog;
  memset(&prog, 0, sizeof prog);
  prog.tty = isatty(STDERR_FILENO);

  for (int epoch = 1; epoch <= opt.epochs; ++epoch) {
    shuffle(order, ntrain, &rng);
    double loss_sum[NUM_MODELS] = {0.0, 0.0};
    double secs[NUM_MODELS] = {0.0, 0.0};
    progress_begin(&prog, epoch, opt.epochs, nbatches);
    for (int64_t b = 0; b < nbatches; ++b) {
      make_batch(&train, order + b * B, B, B, features, classes, lut, x, t);
      /* Both models train on the same batch, one after the other. */
      for (int k = 0; k < NUM_MODELS; ++k) {
        pcc_step_stats stats;
        memset(&stats, 0, sizeof stats);
        double t0 = now_s();
        int err = ops[k]->train_step(model[k], x, t, &stats);
        secs[k] += now_s() - t0;
        if (err != 0) {
          fprintf(stderr,
                  "%serror: %s_train_step failed (epoch %d, batch %" PRId64
                  "): %s\n",
                  prog.tty ? "\n" : "", ops[k]->name, epoch, b,
                  ops[k]->last_error(model[k]));
          rc = 1;
          goto cleanup;
        }
        loss_sum[k] += stats.loss;
      }
      progress_update(&prog, b + 1, B, loss_sum);
    }
    for (int k = 0; k < NUM_MODELS; ++k) {
      acc[k] = evaluate(ops[k], model[k], &test, test_order, features, classes,
                        lut, x, y);
      if (acc[k] < 0) {
        rc = 1;
        goto cleanup;
      }
    }
    double samples = (double)(nbatches * B);
    printf("%5d | %9.4f %7.4f %11.1f | %9.4f %7.4f %11.1f\n", epoch,
           loss_sum[0] / (double)nbatches, acc[0], samples / secs[0],
           loss_sum[1] / (double)nbatches, acc[1], samples / secs[1]);
    fflush(stdout);
  }
  printf("final il_acc=%.4f bp_acc=%.4f\n", acc[0], acc[1]);

cleanup:
  free(order);
  free(test_order);
  free(x);
  free(t);
  free(y);
done:
  for (int k = 0; k < NUM_MODELS; ++k)
    if (model[k])
      ops[k]->destroy(model[k]);
  free_dataset(&train);
  free_dataset(&test);
  return rc;
}
