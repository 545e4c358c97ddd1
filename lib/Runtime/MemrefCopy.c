/* MemrefCopy.c - the strided copy that lowered memref.copy calls.
 *
 * MLIR lowers memref.copy between views that are not contiguous (slices of
 * a tensor, as Slice, Concat and unrolled recurrences produce) to a call
 * `memrefCopy(elemSize, src, dst)` on unranked descriptors. */
#include <stdint.h>
#include <string.h>

typedef struct {
  int64_t rank;
  void *descriptor;
} pcc_unranked_memref;

/* A ranked descriptor: allocated, aligned, offset, sizes[rank],
 * strides[rank]. */
typedef struct {
  char *allocated;
  char *aligned;
  int64_t offset;
  int64_t sizesAndStrides[];
} pcc_ranked_memref;

void memrefCopy(int64_t elemSize, pcc_unranked_memref *src,
                pcc_unranked_memref *dst) {
  int64_t rank = src->rank;
  const pcc_ranked_memref *s = src->descriptor;
  const pcc_ranked_memref *d = dst->descriptor;
  const int64_t *sizes = s->sizesAndStrides;
  const int64_t *sStrides = s->sizesAndStrides + rank;
  const int64_t *dStrides = d->sizesAndStrides + rank;
  char *sBase = s->aligned + s->offset * elemSize;
  char *dBase = d->aligned + d->offset * elemSize;
  for (int64_t i = 0; i < rank; ++i)
    if (sizes[i] == 0)
      return;
  if (rank == 0) {
    memcpy(dBase, sBase, elemSize);
    return;
  }
  int64_t index[rank];
  memset(index, 0, sizeof(index));
  int64_t inner = sizes[rank - 1];
  int64_t sInner = sStrides[rank - 1], dInner = dStrides[rank - 1];
  for (;;) {
    int64_t sOff = 0, dOff = 0;
    for (int64_t i = 0; i + 1 < rank; ++i) {
      sOff += index[i] * sStrides[i];
      dOff += index[i] * dStrides[i];
    }
    char *sp = sBase + sOff * elemSize, *dp = dBase + dOff * elemSize;
    if (sInner == 1 && dInner == 1) {
      memcpy(dp, sp, inner * elemSize);
    } else {
      for (int64_t k = 0; k < inner; ++k)
        memcpy(dp + k * dInner * elemSize, sp + k * sInner * elemSize,
               elemSize);
    }
    int64_t i = rank - 2;
    for (; i >= 0; --i) {
      if (++index[i] < sizes[i])
        break;
      index[i] = 0;
    }
    if (i < 0)
      return;
  }
}
