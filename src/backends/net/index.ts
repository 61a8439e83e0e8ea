/**
 * Host network backends for virtio-net (src/devices/virtio/net/backend.ts):
 * `user` (passt user-mode NAT, passt.ts) and `switch` (host-local learning switch, switch.ts).
 */
import type { NetBackend } from '../../devices/virtio/net/backend.js';
import { PasstBackend, type HostForward } from './passt.js';
import { SwitchBackend } from './switch.js';

export { PasstBackend, launchPasst, findPasst, PASST_INSTALL_HINT, type HostForward, type PasstProcess } from './passt.js';
export { SwitchBackend, SwitchServer, switchDir, switchSocketPath } from './switch.js';
export { LearningSwitch } from './learning-switch.js';
export { FrameDecoder, encodeFrame } from './framing.js';

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
    return PasstBackend.start({ forwards: spec.forwards, name: o.name, ...(o.log ? { log: o.log } : {}) });
  }
  return new SwitchBackend({ name: spec.name, ...(o.log ? { log: o.log } : {}) });
}
