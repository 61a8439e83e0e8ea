/** virtio-rng: see device.ts. */
export { VirtioRng, MAX_BYTES_PER_REQUEST } from './device.js';
export type { VirtioRngConfig, EntropySource } from './device.js';
