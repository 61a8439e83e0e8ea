/** virtio-input: see device.ts. */
export { VirtioInput, powerButtonConfig, MAX_PENDING_EVENTS } from './device.js';
export type { VirtioInputConfig, InputEvent } from './device.js';
