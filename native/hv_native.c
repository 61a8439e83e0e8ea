/*
 * hv's native helper (N-API, C): gives guest-RAM pages back to the host OS for virtio-balloon.
 *
 * discard(view: Uint8Array, mode: 0 | 1 | 2) -> number
 *   Releases the host pages fully inside `view` (a view of the VM's WebAssembly.Memory) with
 *   madvise: mode 0 = MADV_DONTNEED, 1 = MADV_REMOVE, 2 = MADV_FREE. Partial pages at either end
 *   (when the host page is larger than 4 KiB) are zero-filled instead. Returns the number of bytes
 *   actually released to the OS (0 if madvise failed; the range is then zero-filled). Afterwards
 *   the whole range reads as zero for private anonymous mappings (DONTNEED/REMOVE).
 * pageSize() -> number: the host page size.
 *
 * preadNowait(fd: number, views: Uint8Array[], position: number) -> number
 *   Fills the views in order from the file at `position` with preadv2(RWF_NOWAIT): the kernel copies
 *   only data already in its page cache and never waits for the disk (preadv2(2)). Returns the bytes
 *   read (less than the views' total when part of the range is not cached, at end of file, or after
 *   a signal), or -errno (-EAGAIN: nothing cached; -EOPNOTSUPP: the file system cannot do it). virtio-blk
 *   uses it to complete reads at once when the host has the data, and the thread pool otherwise.
 *
 * Safety: the pointer and length come from the typed array itself (N-API checks them), so this
 * can only touch memory the view already covers.
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef RWF_NOWAIT
#define RWF_NOWAIT 0x00000008
#endif

static napi_value make_number(napi_env env, double v) {
  napi_value r;
  napi_create_double(env, v, &r);
  return r;
}

/*
 * Reads up to `max` arguments into argv and returns how many were passed, or -1 after throwing a
 * TypeError with `usage` when fewer than `min` were.
 */
static int get_args(napi_env env, napi_callback_info info, size_t min, size_t max, napi_value *argv, const char *usage) {
  size_t argc = max;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < min) {
    napi_throw_type_error(env, NULL, usage);
    return -1;
  }
  return (int)argc;
}

/* The bytes of a Uint8Array (pointer and length, both checked by N-API); false for anything else. */
static bool uint8_view(napi_env env, napi_value v, void **data, size_t *length) {
  bool is_ta = false;
  napi_typedarray_type type;
  return napi_is_typedarray(env, v, &is_ta) == napi_ok && is_ta &&
    napi_get_typedarray_info(env, v, &type, length, data, NULL, NULL) == napi_ok && type == napi_uint8_array;
}

static napi_value discard(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int argc = get_args(env, info, 1, 2, argv, "discard(view, mode) needs a Uint8Array");
  if (argc < 0) return NULL;
  size_t length;
  void *data;
  if (!uint8_view(env, argv[0], &data, &length)) {
    napi_throw_type_error(env, NULL, "discard: expected a Uint8Array");
    return NULL;
  }
  int32_t mode = 0;
  if (argc >= 2) napi_get_value_int32(env, argv[1], &mode);
  int advice = mode == 1 ? MADV_REMOVE : mode == 2 ? MADV_FREE : MADV_DONTNEED;
  if (length == 0 || data == NULL) return make_number(env, 0);
  uintptr_t ps = (uintptr_t)sysconf(_SC_PAGESIZE);
  uintptr_t start = (uintptr_t)data, end = start + length;
  uintptr_t a = (start + ps - 1) & ~(ps - 1), b = end & ~(ps - 1);
  if (a >= b) { memset(data, 0, length); return make_number(env, 0); }
  if (a > start) memset((void *)start, 0, a - start);
  if (end > b) memset((void *)b, 0, end - b);
  if (madvise((void *)a, b - a, advice) != 0) {
    memset((void *)a, 0, b - a);
    return make_number(env, 0);
  }
  return make_number(env, (double)(b - a));
}

/* One preadv2 call takes at most this many views; the rest go in further calls. */
#define NOWAIT_IOV 256

static napi_value pread_nowait(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (get_args(env, info, 3, 3, argv, "preadNowait(fd, views, position) needs three arguments") < 0) return NULL;
  int32_t fd;
  double pos;
  bool is_array = false;
  uint32_t n = 0;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_double(env, argv[2], &pos) != napi_ok ||
      napi_is_array(env, argv[1], &is_array) != napi_ok || !is_array || napi_get_array_length(env, argv[1], &n) != napi_ok ||
      fd < 0 || !(pos >= 0) || pos > 9007199254740991.0) {
    napi_throw_type_error(env, NULL, "preadNowait: expected (fd >= 0, Uint8Array[], position >= 0)");
    return NULL;
  }
  struct iovec iov[NOWAIT_IOV];
  off_t at = (off_t)pos;
  double total = 0;
  uint32_t i = 0;
  while (i < n) {
    int k = 0;
    size_t want = 0;
    for (; i < n && k < NOWAIT_IOV; i++) {
      napi_value v;
      size_t length;
      void *data;
      if (napi_get_element(env, argv[1], i, &v) != napi_ok || !uint8_view(env, v, &data, &length)) {
        napi_throw_type_error(env, NULL, "preadNowait: every view must be a Uint8Array");
        return NULL;
      }
      if (length == 0) continue;
      iov[k].iov_base = data;
      iov[k].iov_len = length;
      want += length;
      k++;
    }
    if (k == 0) break;
    ssize_t r = preadv2(fd, iov, k, at, RWF_NOWAIT);
    if (r < 0) return make_number(env, total > 0 ? total : -(double)errno);
    total += (double)r;
    at += r;
    if ((size_t)r < want) break; /* not all cached, or end of file */
  }
  return make_number(env, total);
}

static napi_value page_size(napi_env env, napi_callback_info info) {
  (void)info;
  return make_number(env, (double)sysconf(_SC_PAGESIZE));
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "discard", NULL, discard, NULL, NULL, NULL, napi_default, NULL },
    { "pageSize", NULL, page_size, NULL, NULL, NULL, napi_default, NULL },
    { "preadNowait", NULL, pread_nowait, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
