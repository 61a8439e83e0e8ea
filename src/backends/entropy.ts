/** Host entropy for virtio-rng: node:crypto's CSPRNG (getrandom(2) seeded). */
import { randomFillSync } from 'node:crypto';
import type { EntropySource } from '../devices/virtio/rng/backend.js';

/** An EntropySource backed by the host CSPRNG. */
export function hostEntropy(): EntropySource {
  return { fill: (buf) => { randomFillSync(buf); } };
}
