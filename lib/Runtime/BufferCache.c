/* BufferCache.c - the allocator behind the generated code's buffers.
 *
 * pcc lowers memref.alloc/dealloc to _mlir_memref_to_llvm_alloc/free
 * (finalize-memref-to-llvm's use-generic-functions). A relaxation loop
 * allocates and frees the same few buffer sizes thousands of times per
 * train step; glibc hands large blocks back to the kernel (mmap threshold,
 * heap trimming), so each step paid for fresh zeroed pages. Here freed
 * blocks of 4 KiB and more are kept per thread, in power-of-two size
 * classes, and handed out again. A class keeps as many blocks as the
 * thread has freed (an unrolled recurrence frees hundreds of one size per
 * step; a fixed per-class bound sent the rest back to glibc, which then
 * returned pages to the kernel whenever another library's work ran in
 * between); the thread's total is bounded, and everything is released when
 * the thread exits, or when the library is unloaded (dlclose): then the
 * thread-exit destructor, which lives in the library, must not be left
 * registered, and the caches of threads still running are freed. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

enum {
  kAlign = 64,      /* every buffer starts on a cache line */
  kMinClass = 12,   /* 4 KiB: smaller blocks go straight to malloc */
  kMaxClass = 36,   /* 64 GiB */
};
static const size_t kMaxCachedBytes = (size_t)512 << 20; /* per thread */

/* Sits just below the pointer handed out. */
typedef struct {
  void *base;  /* what posix_memalign returned */
  int32_t cls; /* size class, or 0 for uncached blocks */
} BlockHeader;

/* Free blocks of a class form a list through their own first bytes. */
typedef struct FreeBlock {
  struct FreeBlock *next;
} FreeBlock;

typedef struct ThreadCache {
  FreeBlock *free[kMaxClass + 1];
  size_t bytes;
  struct ThreadCache *prev, *next; /* the list of every thread's cache */
} ThreadCache;

static pthread_key_t cacheKey;
static pthread_once_t cacheKeyOnce = PTHREAD_ONCE_INIT;
static int cacheKeyReady;
static pthread_mutex_t cachesLock = PTHREAD_MUTEX_INITIALIZER;
static ThreadCache *caches;

static void freeCache(ThreadCache *c) {
  for (int k = kMinClass; k <= kMaxClass; ++k)
    while (c->free[k]) {
      FreeBlock *b = c->free[k];
      c->free[k] = b->next;
      free(((BlockHeader *)b - 1)->base);
    }
  free(c);
}

/* A thread exits. */
static void releaseCache(void *p) {
  ThreadCache *c = p;
  pthread_mutex_lock(&cachesLock);
  if (c->prev)
    c->prev->next = c->next;
  else
    caches = c->next;
  if (c->next)
    c->next->prev = c->prev;
  pthread_mutex_unlock(&cachesLock);
  freeCache(c);
}

/* The library is unloaded (or the process exits). */
__attribute__((destructor)) static void releaseAllCaches(void) {
  if (!cacheKeyReady)
    return;
  pthread_key_delete(cacheKey);
  pthread_mutex_lock(&cachesLock);
  while (caches) {
    ThreadCache *c = caches;
    caches = c->next;
    freeCache(c);
  }
  pthread_mutex_unlock(&cachesLock);
}

static void makeCacheKey(void) {
  cacheKeyReady = pthread_key_create(&cacheKey, releaseCache) == 0;
}

/* The calling thread's cache, or NULL when none can be had (then blocks
 * are simply not cached). */
static ThreadCache *threadCache(void) {
  pthread_once(&cacheKeyOnce, makeCacheKey);
  if (!cacheKeyReady)
    return NULL;
  ThreadCache *c = pthread_getspecific(cacheKey);
  if (!c) {
    c = calloc(1, sizeof *c);
    if (c && pthread_setspecific(cacheKey, c) != 0) {
      free(c);
      return NULL;
    }
    if (c) {
      pthread_mutex_lock(&cachesLock);
      c->next = caches;
      if (caches)
        caches->prev = c;
      caches = c;
      pthread_mutex_unlock(&cachesLock);
    }
  }
  return c;
}

static int32_t sizeClass(size_t size) {
  if (size < ((size_t)1 << kMinClass) || size > ((size_t)1 << kMaxClass))
    return 0;
  int32_t k = kMinClass;
  while (((size_t)1 << k) < size)
    ++k;
  return k;
}

/* A block of `size` usable bytes aligned to `align` (a power of two). */
static void *allocate(size_t size, size_t align) {
  if (align < kAlign)
    align = kAlign;
  int32_t cls = align == kAlign ? sizeClass(size) : 0;
  if (cls) {
    ThreadCache *c = threadCache();
    if (c && c->free[cls]) {
      FreeBlock *b = c->free[cls];
      c->free[cls] = b->next;
      c->bytes -= (size_t)1 << cls;
      return b;
    }
    size = (size_t)1 << cls;
  }
  /* The header takes a whole alignment unit (>= 64 bytes) so the buffer
   * stays aligned. */
  if (size > SIZE_MAX - align)
    return NULL;
  void *base;
  if (posix_memalign(&base, align, size + align) != 0)
    return NULL;
  void *p = (char *)base + align;
  BlockHeader *h = (BlockHeader *)p - 1;
  h->base = base;
  h->cls = cls;
  return p;
}

void *_mlir_memref_to_llvm_alloc(size_t size) {
  return allocate(size, kAlign);
}

void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t size) {
  return allocate(size, alignment);
}

void _mlir_memref_to_llvm_free(void *p) {
  if (!p)
    return;
  BlockHeader *h = (BlockHeader *)p - 1;
  if (h->cls) {
    ThreadCache *c = threadCache();
    size_t bytes = (size_t)1 << h->cls;
    if (c && c->bytes + bytes <= kMaxCachedBytes) {
      FreeBlock *b = p;
      b->next = c->free[h->cls];
      c->free[h->cls] = b;
      c->bytes += bytes;
      return;
    }
  }
  free(h->base);
}
