/**
 * Opening a NIC's host backend. Its own module, apart from index.ts, so that a VM process loads passt.ts or
 * switch.ts only when one of its NICs uses that backend (less memory per VM process; docs/daemon.md, Density).
 */
import type { NetBackend } from '../../devices/virtio/net/backend.js';
import type { HostForward } from './passt.js';

/** What a NIC is attached to. */
export type NetBackendSpec =
  | { kind: 'user'; forwards: readonly HostForward[] }
  | { kind: 'switch'; name: string };

export interface OpenNetBackendOptions {
  /** Name for log lines, e.g. "net0". */
  name: string;
  log?: (line: string) => void;
}

/** Opens a backend; rejects with a UserError when it cannot (passt missing or failing, bad switch directory). */
export async function openNetBackend(spec: NetBackendSpec, o: OpenNetBackendOptions): Promise<NetBackend> {
  if (spec.kind === 'user') {
    const { PasstBackend } = await import('./passt.js');
    return PasstBackend.start({ forwards: spec.forwards, name: o.name, ...(o.log ? { log: o.log } : {}) });
  }
  const { SwitchBackend } = await import('./switch.js');
  return new SwitchBackend({ name: spec.name, ...(o.log ? { log: o.log } : {}) });
}
