/**
 * Host network backends for virtio-net (src/devices/virtio/net/backend.ts):
 * `user` (passt user-mode NAT, passt.ts) and `switch` (host-local learning switch, switch.ts).
 */
export { openNetBackend, type NetBackendSpec, type OpenNetBackendOptions } from './open.js';
export { PasstBackend, launchPasst, findPasst, PASST_INSTALL_HINT, type HostForward, type PasstProcess } from './passt.js';
export { SwitchBackend, SwitchServer, switchDir, switchSocketPath } from './switch.js';
export { LearningSwitch } from './learning-switch.js';
export { FrameDecoder, encodeFrame } from './framing.js';
