/*
 * CPU benchmark: a branchy workload. REPS times: fill an array of N 32-bit values from a
 * xorshift64 generator, quicksort it (median-of-three, insertion sort below 16 elements,
 * recursion on the smaller half), then check it is sorted and that the sum is unchanged.
 * Compiled with -O2 -march=rv64gc (see tests/isa/build.ts); linked after bench/guest/crt.S.
 *
 * Guest instructions per run, from the first instruction of _start up to and including the
 * store to tohost: 200,299,156 (bench_instret reads 200,299,141), about 497,000 per rep.
 * The exact number depends on the compiler: measured on QEMU -icount for the ELF built by
 * Debian 12's riscv64-linux-gnu-gcc 12.2.0 with the flags in tests/isa/build.ts. Also in
 * counts.json.
 */
#include <stdint.h>

#define N 4096
#define REPS 403

static uint32_t arr[N];
static uint64_t rng_state;

static inline uint32_t next_rand(void) {
  uint64_t x = rng_state;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  rng_state = x;
  return (uint32_t)(x >> 16);
}

static void insertion_sort(uint32_t *a, long lo, long hi) {
  for (long i = lo + 1; i <= hi; i++) {
    uint32_t v = a[i];
    long j = i - 1;
    while (j >= lo && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
}

static inline void swap(uint32_t *a, long i, long j) {
  uint32_t t = a[i];
  a[i] = a[j];
  a[j] = t;
}

static void quicksort(uint32_t *a, long lo, long hi) {
  while (hi - lo >= 16) {
    long mid = lo + ((hi - lo) >> 1);
    if (a[mid] < a[lo]) swap(a, mid, lo);
    if (a[hi] < a[lo]) swap(a, hi, lo);
    if (a[hi] < a[mid]) swap(a, hi, mid);
    uint32_t pivot = a[mid];
    long i = lo, j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (j - lo < hi - i) {
      quicksort(a, lo, j);
      lo = i;
    } else {
      quicksort(a, i, hi);
      hi = j;
    }
  }
  insertion_sort(a, lo, hi);
}

long bench_main(void) {
  rng_state = 0x9e3779b97f4a7c15ull;
  for (int r = 0; r < REPS; r++) {
    uint64_t before = 0, after = 0;
    for (long i = 0; i < N; i++) {
      arr[i] = next_rand();
      before += arr[i];
    }
    quicksort(arr, 0, N - 1);
    for (long i = 0; i < N; i++) {
      if (i > 0 && arr[i - 1] > arr[i]) return 1;
      after += arr[i];
    }
    if (before != after) return 2;
  }
  return 0;
}
