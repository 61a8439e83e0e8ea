/**
 * Host side of virtio-balloon page reclaim: returns guest pages to the OS so the VM's RSS drops.
 *
 * Guest RAM lives in the core's shared WebAssembly.Memory, which V8 maps as private anonymous
 * memory; `madvise(MADV_DONTNEED)` on a range of it frees the pages at once and makes them read as
 * zero on the next access (measured: MADV_REMOVE fails with EINVAL on this mapping and MADV_FREE
 * neither lowers RSS immediately nor zeroes). JavaScript cannot call madvise, so a tiny N-API addon
 * (native/hv_native.c, built by scripts/build.mjs with node-gyp) does it. Without the addon the
 * fallback zero-fills the range: correct for the guest, but nothing is returned to the host.
 */
import { loadNativeHelper } from './native.js';
import type { PageReclaimer } from '../devices/virtio/balloon/backend.js';

export interface PageReclaimerInfo extends PageReclaimer {
  /** True when pages really go back to the OS (native helper loaded). */
  readonly reclaims: boolean;
  /** One-line description for logs. */
  readonly description: string;
}

/** The best available PageReclaimer: madvise(MADV_DONTNEED) via the addon, or zero-fill. */
export function hostPageReclaimer(opts: { forceFallback?: boolean } = {}): PageReclaimerInfo {
  const n = opts.forceFallback ? null : loadNativeHelper();
  if (n !== null) {
    return {
      reclaims: true,
      description: 'madvise(MADV_DONTNEED) via native/hv_native.node',
      discard: (view) => n.discard(view, 0),
    };
  }
  return {
    reclaims: false,
    description: 'zero-fill only: native helper not built (pages are not returned to the host; run `npm run build` with g++ installed)',
    discard: (view) => { view.fill(0); return 0; },
  };
}
