/**
 * NICs for the virt board: opens each NIC's host backend (passt or the hv switch) before the machine
 * is built, and picks default MAC addresses (src/base/mac.ts). The machine then puts one
 * virtio-net device per NIC on its virtio-mmio slots (VirtConfig.nics).
 */
import { defaultMac } from '../../base/mac.js';
import type { NetBackend } from '../../devices/virtio/net/backend.js';
// open.js, not index.js: the VM process then loads passt/switch only for NICs that use them.
import { openNetBackend, type NetBackendSpec } from '../../backends/net/open.js';

/** One NIC as the user described it (the CLI's NetSpec has this shape). */
export type NicSpec = NetBackendSpec & { mac?: Uint8Array };

/** An opened NIC: its backend and MAC, ready for VirtConfig.nics. */
export interface Nic {
  readonly backend: NetBackend;
  readonly mac: Uint8Array;
}

/** Opens the backends of `specs` in order; on failure closes the ones already open and rethrows. */
export async function openNics(specs: readonly NicSpec[], log?: (line: string) => void): Promise<Nic[]> {
  const nics: Nic[] = [];
  try {
    for (const [i, s] of specs.entries()) {
      const backend = await openNetBackend(s, { name: `net${i}`, ...(log ? { log } : {}) });
      nics.push({ backend, mac: s.mac ?? defaultMac(i) });
    }
  } catch (e) {
    closeNics(nics);
    throw e;
  }
  return nics;
}

/** Closes the NICs' backends (stops passt, leaves the switch). */
export function closeNics(nics: readonly Nic[]): void {
  for (const n of nics) n.backend.close();
}
