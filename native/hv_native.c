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
 * Safety: the pointer and length come from the typed array itself (N-API checks them), so this
 * can only touch memory the view already covers.
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static napi_value make_number(napi_env env, double v) {
  napi_value r;
  napi_create_double(env, v, &r);
  return r;
}

static napi_value discard(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) {
    napi_throw_type_error(env, NULL, "discard(view, mode) needs a Uint8Array");
    return NULL;
  }
  bool is_ta = false;
  napi_is_typedarray(env, argv[0], &is_ta);
  if (!is_ta) { napi_throw_type_error(env, NULL, "discard: not a typed array"); return NULL; }
  napi_typedarray_type type;
  size_t length;
  void *data;
  if (napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, NULL) != napi_ok || type != napi_uint8_array) {
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

static napi_value page_size(napi_env env, napi_callback_info info) {
  (void)info;
  return make_number(env, (double)sysconf(_SC_PAGESIZE));
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "discard", NULL, discard, NULL, NULL, NULL, napi_default, NULL },
    { "pageSize", NULL, page_size, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
