/* Checkpoint.c - a model's trained state in one file (pcc.h:
 * pcc_save_checkpoint / pcc_load_checkpoint).
 *
 * Format (host byte order; Checkpoint.h has the constants):
 *   magic "PCCCKPT1"; int64 optimizer (0 sgd, 1 adam); int64 step;
 *   int64 num_params; int64 num_states;
 *   per parameter: int64 name length, the name, int64 elements, the values,
 *                  and for Adam the first then the second moments;
 *   per state:     int64 name length, the name, int64 elements, the values.
 * Loading checks every name and size against the library before changing
 * anything, so a file of another model leaves the model as it was. */
#include "Checkpoint.h"
#include "Runtime.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int writeAll(FILE *f, const void *p, size_t n) {
  return fwrite(p, 1, n, f) == n;
}
static int writeI64(FILE *f, int64_t v) { return writeAll(f, &v, sizeof v); }
static int writeName(FILE *f, const char *name) {
  size_t n = strlen(name);
  return writeI64(f, (int64_t)n) && writeAll(f, name, n);
}

int pcc_rt_save_checkpoint(const pcc_rt_desc *d, pcc_rt_model *m,
                           float *const *params, float *const *moments,
                           float *const *velocities, float *const *states,
                           int64_t step, const char *path) {
  if (!path)
    return pcc_rt_fail(m, "checkpoint path is NULL");
  /* Written beside the target and renamed: a failed save leaves any old
   * checkpoint intact. */
  size_t len = strlen(path);
  char *tmp = malloc(len + 16);
  if (!tmp)
    return pcc_rt_fail(m, "out of memory");
  snprintf(tmp, len + 16, "%s.pcc-tmp", path);
  FILE *f = fopen(tmp, "wb");
  if (!f) {
    int e = errno;
    free(tmp);
    return pcc_rt_fail(m, "cannot write checkpoint '%s': %s", path,
                       strerror(e));
  }
  int adam = d->optimizer == PCC_RT_ADAM;
  int ok = writeAll(f, PCC_CHECKPOINT_MAGIC, PCC_CHECKPOINT_MAGIC_SIZE) &&
           writeI64(f, adam) && writeI64(f, step) &&
           writeI64(f, d->params.count) && writeI64(f, d->states.count);
  for (int64_t i = 0; ok && i < d->params.count; ++i) {
    size_t n = (size_t)d->params.sizes[i];
    ok = writeName(f, d->params.names[i]) && writeI64(f, d->params.sizes[i]) &&
         writeAll(f, params[i], n * sizeof(float)) &&
         (!adam || (writeAll(f, moments[i], n * sizeof(float)) &&
                    writeAll(f, velocities[i], n * sizeof(float))));
  }
  for (int64_t i = 0; ok && i < d->states.count; ++i)
    ok = writeName(f, d->states.names[i]) && writeI64(f, d->states.sizes[i]) &&
         writeAll(f, states[i], (size_t)d->states.sizes[i] * sizeof(float));
  ok = (fclose(f) == 0) && ok;
  if (!ok || rename(tmp, path) != 0) {
    int e = errno;
    remove(tmp);
    free(tmp);
    return pcc_rt_fail(m, "cannot write checkpoint '%s': %s", path,
                       strerror(e));
  }
  free(tmp);
  return 0;
}

typedef struct {
  FILE *f;
  const char *path;
  pcc_rt_model *m;
  int failed;
} reader;

static int readAll(reader *r, void *p, size_t n) {
  if (r->failed)
    return 0;
  if (fread(p, 1, n, r->f) != n) {
    r->failed = 1;
    pcc_rt_fail(r->m, "checkpoint '%s' is truncated", r->path);
    return 0;
  }
  return 1;
}
static int64_t readI64(reader *r) {
  int64_t v = -1;
  readAll(r, &v, sizeof v);
  return v;
}

/* Reads and checks one tensor header (name, elements) against the library. */
static int expectTensor(reader *r, const char *kind, const char *name,
                        int64_t size) {
  int64_t n = readI64(r);
  if (r->failed)
    return 0;
  size_t want = strlen(name);
  char buf[256];
  if (n != (int64_t)want || n >= (int64_t)sizeof buf) {
    r->failed = 1;
    return pcc_rt_fail(r->m,
                       "checkpoint '%s' is not of this model (%s '%s' "
                       "missing or renamed)",
                       r->path, kind, name),
           0;
  }
  if (!readAll(r, buf, (size_t)n))
    return 0;
  buf[n] = '\0';
  int64_t got = readI64(r);
  if (r->failed)
    return 0;
  if (strcmp(buf, name) != 0 || got != size) {
    r->failed = 1;
    return pcc_rt_fail(r->m,
                       "checkpoint '%s' is not of this model (%s '%s' "
                       "with %lld elements; the file has '%s' with %lld)",
                       r->path, kind, name, (long long)size, buf,
                       (long long)got),
           0;
  }
  return 1;
}

int pcc_rt_load_checkpoint(const pcc_rt_desc *d, pcc_rt_model *m,
                           float *const *params, float *const *moments,
                           float *const *velocities, float *const *states,
                           int64_t *step, const char *path) {
  if (!path)
    return pcc_rt_fail(m, "checkpoint path is NULL");
  FILE *f = fopen(path, "rb");
  if (!f)
    return pcc_rt_fail(m, "cannot read checkpoint '%s': %s", path,
                       strerror(errno));
  reader r = {f, path, m, 0};
  char magic[PCC_CHECKPOINT_MAGIC_SIZE];
  if (!readAll(&r, magic, sizeof magic) ||
      memcmp(magic, PCC_CHECKPOINT_MAGIC, sizeof magic) != 0) {
    fclose(f);
    return pcc_rt_fail(m, "'%s' is not a pcc checkpoint", path);
  }
  int adam = d->optimizer == PCC_RT_ADAM;
  int64_t optimizer = readI64(&r), savedStep = readI64(&r);
  int64_t numParams = readI64(&r), numStates = readI64(&r);
  if (!r.failed && (optimizer != adam || numParams != d->params.count ||
                    numStates != d->states.count || savedStep < 0)) {
    fclose(f);
    return pcc_rt_fail(m,
                       "checkpoint '%s' is not of this model (%lld "
                       "parameters, %lld states, %s; the library has %lld, "
                       "%lld, %s)",
                       path, (long long)numParams, (long long)numStates,
                       optimizer ? "adam" : "sgd", (long long)d->params.count,
                       (long long)d->states.count, adam ? "adam" : "sgd");
  }
  /* Everything is read into one scratch block first. */
  size_t total = 0;
  for (int64_t i = 0; i < d->params.count; ++i)
    total += (size_t)d->params.sizes[i] * (adam ? 3 : 1);
  for (int64_t i = 0; i < d->states.count; ++i)
    total += (size_t)d->states.sizes[i];
  float *scratch = malloc((total + 1) * sizeof(float));
  if (!scratch) {
    fclose(f);
    return pcc_rt_fail(m, "out of memory");
  }
  float *p = scratch;
  for (int64_t i = 0; !r.failed && i < d->params.count; ++i) {
    size_t n = (size_t)d->params.sizes[i] * (adam ? 3 : 1);
    if (expectTensor(&r, "parameter", d->params.names[i], d->params.sizes[i]))
      readAll(&r, p, n * sizeof(float));
    p += n;
  }
  for (int64_t i = 0; !r.failed && i < d->states.count; ++i) {
    size_t n = (size_t)d->states.sizes[i];
    if (expectTensor(&r, "state", d->states.names[i], d->states.sizes[i]))
      readAll(&r, p, n * sizeof(float));
    p += n;
  }
  char extra;
  if (!r.failed && fread(&extra, 1, 1, f) == 1) {
    r.failed = 1;
    pcc_rt_fail(m, "checkpoint '%s' has data past its end", path);
  }
  fclose(f);
  if (r.failed) {
    free(scratch);
    return 1;
  }
  p = scratch;
  for (int64_t i = 0; i < d->params.count; ++i) {
    size_t n = (size_t)d->params.sizes[i];
    memcpy(params[i], p, n * sizeof(float));
    p += n;
    if (adam) {
      memcpy(moments[i], p, n * sizeof(float));
      memcpy(velocities[i], p + n, n * sizeof(float));
      p += 2 * n;
    }
  }
  for (int64_t i = 0; i < d->states.count; ++i) {
    memcpy(states[i], p, (size_t)d->states.sizes[i] * sizeof(float));
    p += d->states.sizes[i];
  }
  *step = savedStep;
  free(scratch);
  return 0;
}
