/**
 * hv's optional native helper (native/hv_native.c, an N-API addon built by scripts/build-native.mjs with
 * node-gyp): the few host calls JavaScript cannot make. Everything that uses it has a fallback, so hv runs
 * without it (slower, or without returning balloon pages to the host).
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../base/paths.js';

export interface NativeHelper {
  /** madvise on the pages inside a view of guest RAM (virtio-balloon; see page-reclaim.ts). */
  discard(view: Uint8Array, mode: number): number;
  pageSize(): number;
  /**
   * preadv2(RWF_NOWAIT) into the views in order: bytes read from the host page cache without waiting for
   * the disk, or -errno. Absent from an addon built before it existed.
   */
  preadNowait?(fd: number, views: readonly Uint8Array[], position: number): number;
}

let native: NativeHelper | null | undefined;

/** Path of the built addon. */
export function nativeHelperPath(): string { return join(projectRoot(), 'native', 'build', 'Release', 'hv_native.node'); }

/** The native helper, or null when it is not built (or fails to load). */
export function loadNativeHelper(): NativeHelper | null {
  if (native !== undefined) return native;
  const p = nativeHelperPath();
  native = null;
  if (existsSync(p)) {
    try { native = createRequire(import.meta.url)(p) as NativeHelper; } catch { native = null; }
  }
  return native;
}
